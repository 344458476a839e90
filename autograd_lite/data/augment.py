"""Data augmentation for image batches: random horizontal flips and random crops with padding.

Batches are (N, H, W) or (N, C, H, W) (the last two axes are the image); every image gets its
own random draw.  Seeded: pass ``rng=`` a seed or a numpy Generator, and the same seed gives the
same batch.  ``Augment(flip=True, padding=4, seed=0)`` bundles both, with its own generator, for
a training loop: ``for xb, yb in Minibatches(X, y, 64): xb = augment(xb)``.  Augment training
batches only, never validation or test data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..arguments import generator

__all__ = ["random_flip", "random_crop", "Augment"]


def _batch(who: str, batch: Any) -> np.ndarray:
    a = np.asarray(getattr(batch, "data", batch))
    if a.ndim not in (3, 4):
        raise ValueError(f"{who}: needs a batch of images (N, H, W) or (N, C, H, W), got shape {a.shape}")
    return a


def random_flip(batch: Any, p: float = 0.5, rng: Any = None) -> np.ndarray:
    """Mirror each image left-right with probability ``p`` (a new array; the input is kept)."""
    a = _batch("random_flip", batch)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"random_flip: p must be in [0, 1], got {p}")
    out = a.copy()
    flip = generator(rng).random(len(a)) < p
    out[flip] = a[flip][..., ::-1]
    return out


def random_crop(batch: Any, padding: int = 4, rng: Any = None, fill: float = 0) -> np.ndarray:
    """Pad each image by ``padding`` pixels of ``fill`` on every side, then cut out a window of
    the original size at a random offset (0..2 padding in each direction): a shift of up to
    ``padding`` pixels.  ``padding=0`` returns a copy."""
    a = _batch("random_crop", batch)
    if isinstance(padding, bool) or int(padding) != padding or padding < 0:
        raise ValueError(f"random_crop: padding must be a non-negative integer, got {padding!r}")
    p, (h, w) = int(padding), a.shape[-2:]
    flat = a.reshape(len(a), -1, h, w)
    padded = np.pad(flat, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=fill)
    windows = sliding_window_view(padded, (h, w), axis=(2, 3))  # (N, C, 2p+1, 2p+1, H, W)
    gen = generator(rng)
    dy, dx = gen.integers(0, 2 * p + 1, len(a)), gen.integers(0, 2 * p + 1, len(a))
    return windows[np.arange(len(a)), :, dy, dx].reshape(a.shape).copy()


class Augment:
    """Random flip and/or random crop, applied in that order, from one seeded generator."""

    def __init__(self, flip: bool = True, padding: int = 0, p: float = 0.5, fill: float = 0, seed: Any = None):
        self.flip, self.padding, self.p, self.fill = bool(flip), int(padding), float(p), fill
        self.rng = generator(seed)

    def __call__(self, batch: Any) -> np.ndarray:
        out = random_flip(batch, self.p, self.rng) if self.flip else _batch("Augment", batch).copy()
        return random_crop(out, self.padding, self.rng, self.fill) if self.padding else out

    def __repr__(self) -> str:
        return f"Augment(flip={self.flip}, padding={self.padding}, p={self.p})"
