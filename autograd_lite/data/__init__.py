"""Data for training: generated and real datasets, minibatches, splits, preprocessing, augmentation.

* ``spiral(k classes)``, ``moons``, ``blobs``: small 2-d (blobs: any dimension) classification
  sets made with numpy only, seedable; each returns ``(X float64 (N, D), y int64 (N,))``.
  The 3-class spiral is the lecture's: a linear classifier reaches about 50% on it, a two-layer
  network over 95%.
* ``Minibatches(X, y, batch_size=32, shuffle=True, seed=None, drop_last=False)``: iterate over
  aligned arrays in batches (like PyTorch's DataLoader); a new shuffle every pass.
* ``train_val_split(X, y, val_fraction=0.2, seed=None)`` -> X_train, X_val, y_train, y_val.

In the files beside this one: ``digits`` (real 8x8 handwritten digits that ship with the
package, digits.py); ``mnist``, ``fashion_mnist``, ``cifar10``, ``read_idx``,
``read_cifar10_batch`` (the standard files, files.py) and ``download`` (HTTPS + SHA-256,
download.py); ``Center``, ``Standardize``, ``PCA`` (preprocess.py); ``random_flip``,
``random_crop``, ``Augment`` (augment.py); ``kfold`` (splits.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..arguments import check_positive_int, generator

__all__ = ["spiral", "moons", "blobs", "Minibatches", "train_val_split"]


def spiral(n_per_class: int = 100, classes: int = 3, noise: float = 0.2, seed: Any = None) -> tuple[np.ndarray, ...]:
    """k interleaved spiral arms in the plane (the lecture's toy set): arm j has radius 0..1 and
    angle 4j..4(j+1) plus ``noise`` * standard normal."""
    check_positive_int("spiral", n_per_class=n_per_class, classes=classes)
    rng = generator(seed)
    X = np.zeros((n_per_class * classes, 2))
    y = np.zeros(n_per_class * classes, dtype=np.int64)
    r = np.linspace(0.0, 1.0, n_per_class)
    for j in range(classes):
        sl = slice(j * n_per_class, (j + 1) * n_per_class)
        t = np.linspace(j * 4.0, (j + 1) * 4.0, n_per_class) + rng.standard_normal(n_per_class) * noise
        X[sl] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[sl] = j
    return X, y


def moons(n: int = 200, noise: float = 0.1, seed: Any = None) -> tuple[np.ndarray, ...]:
    """Two interleaving half circles (classes 0 and 1, n // 2 and n - n // 2 points) plus noise."""
    check_positive_int("moons", n=n)
    rng = generator(seed)
    n0 = n // 2
    a = np.linspace(0.0, np.pi, n0)
    b = np.linspace(0.0, np.pi, n - n0)
    X = np.concatenate([np.c_[np.cos(a), np.sin(a)], np.c_[1.0 - np.cos(b), 0.5 - np.sin(b)]])
    X += noise * rng.standard_normal(X.shape)
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n - n0, np.int64)])
    return X, y


def blobs(
    n_per_class: int = 100, centers: Any = 3, std: float = 1.0, dim: int = 2, seed: Any = None
) -> tuple[np.ndarray, ...]:
    """Gaussian clusters: ``centers`` is a count (centers drawn uniformly in [-10, 10]^dim) or
    an array of shape (k, dim); each class gets ``n_per_class`` points of spread ``std``."""
    check_positive_int("blobs", n_per_class=n_per_class, dim=dim)
    rng = generator(seed)
    if np.ndim(centers) == 0:
        check_positive_int("blobs", centers=centers)
        c = rng.uniform(-10.0, 10.0, (int(centers), dim))
    else:
        c = np.asarray(centers, dtype=np.float64)
        if c.ndim != 2:
            raise ValueError(f"blobs: centers must be a count or an array (k, dim), got shape {c.shape}")
    k, d = c.shape
    X = np.repeat(c, n_per_class, axis=0) + std * rng.standard_normal((k * n_per_class, d))
    y = np.repeat(np.arange(k, dtype=np.int64), n_per_class)
    return X, y


def _aligned(fn: str, arrays: tuple[Any, ...]) -> list[np.ndarray]:
    if not arrays:
        raise ValueError(f"{fn}: give at least one array")
    arrs = [np.asarray(getattr(a, "data", a)) for a in arrays]
    if any(a.ndim == 0 for a in arrs):
        raise ValueError(f"{fn}: arrays must have a first (example) axis, got shapes {[a.shape for a in arrs]}")
    n = {len(a) for a in arrs}
    if len(n) != 1:
        raise ValueError(f"{fn}: arrays disagree on the number of examples: shapes {[a.shape for a in arrs]}")
    return arrs


class Minibatches:
    """Iterate over aligned arrays in minibatches: ``for xb, yb in Minibatches(X, y, 64, seed=0)``.

    Every pass (``iter``) draws a new permutation when ``shuffle``; ``drop_last`` leaves out a
    final batch smaller than ``batch_size``; ``len()`` is the number of batches per pass.
    """

    def __init__(
        self, *arrays: Any, batch_size: int = 32, shuffle: bool = True, seed: Any = None, drop_last: bool = False
    ) -> None:
        self.arrays = _aligned("Minibatches", arrays)
        check_positive_int("Minibatches", batch_size=batch_size)
        self.batch_size, self.shuffle, self.drop_last = int(batch_size), bool(shuffle), bool(drop_last)
        self.rng = generator(seed)
        self.n = len(self.arrays[0])

    def __len__(self) -> int:
        return self.n // self.batch_size if self.drop_last else -(-self.n // self.batch_size)

    def __iter__(self) -> Iterator[tuple[np.ndarray, ...]]:
        order = self.rng.permutation(self.n) if self.shuffle else None
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            if order is None:
                sl: Any = slice(start, start + self.batch_size)
            else:
                sl = order[start : start + self.batch_size]
            yield tuple(a[sl] for a in self.arrays)


def train_val_split(
    *arrays: Any, val_fraction: float = 0.2, seed: Any = None, shuffle: bool = True
) -> list[np.ndarray]:
    """Split aligned arrays into training and validation parts: ``X_tr, X_val, y_tr, y_val =
    train_val_split(X, y, val_fraction=0.2, seed=0)`` (sklearn's order).  At least one example
    goes to each side."""
    arrs = _aligned("train_val_split", arrays)
    n = len(arrs[0])
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"train_val_split: val_fraction must be in (0, 1), got {val_fraction}")
    if n < 2:
        raise ValueError(f"train_val_split: needs at least 2 examples, got {n}")
    n_val = min(max(int(round(n * val_fraction)), 1), n - 1)
    order = generator(seed).permutation(n) if shuffle else np.arange(n)
    val, tr = order[:n_val], order[n_val:]
    out = []
    for a in arrs:
        out += [a[tr], a[val]]
    return out


# isort: split
from .augment import Augment, random_crop, random_flip  # noqa: E402
from .digits import DIGITS_SPLITS, digits  # noqa: E402
from .download import download, sha256_of  # noqa: E402
from .files import (  # noqa: E402
    CIFAR10_CLASSES,
    FASHION_MNIST_CLASSES,
    cifar10,
    fashion_mnist,
    mnist,
    read_cifar10_batch,
    read_idx,
)
from .preprocess import PCA, Center, Standardize  # noqa: E402
from .splits import kfold  # noqa: E402

__all__ += [
    "digits", "DIGITS_SPLITS", "mnist", "fashion_mnist", "cifar10", "read_idx", "read_cifar10_batch",
    "CIFAR10_CLASSES", "FASHION_MNIST_CLASSES", "download", "sha256_of", "Center", "Standardize", "PCA",
    "random_flip", "random_crop", "Augment", "kfold",
]  # fmt: skip
