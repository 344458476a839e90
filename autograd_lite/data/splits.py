"""k-fold cross-validation splits.

``for train_idx, val_idx in kfold(len(X), k=5, seed=0): ...`` -- the k validation folds are
disjoint and together hold every example once; fold sizes differ by at most one.  The lecture's
advice: cross-validate when data is scarce (a few hundred examples), otherwise keep one
validation split (``train_val_split``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..arguments import generator

__all__ = ["kfold"]


def kfold(n: int, k: int = 5, shuffle: bool = True, seed: Any = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """k (train indices, validation indices) pairs over ``range(n)``; with ``shuffle`` the
    examples are permuted first (seeded), otherwise folds are consecutive blocks."""
    for name, v in (("n", n), ("k", k)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise ValueError(f"kfold: {name} must be an integer, got {v!r}")
    if not 2 <= k <= n:
        raise ValueError(f"kfold: needs 2 <= k <= n, got k={k}, n={n}")
    order = generator(seed).permutation(n) if shuffle else np.arange(n)
    folds = np.array_split(order, k)
    return [(np.concatenate(folds[:i] + folds[i + 1 :]), fold) for i, fold in enumerate(folds)]
