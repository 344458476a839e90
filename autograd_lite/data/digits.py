"""The handwritten digits that ship with the package: real images, offline.

``digits()`` reads ``digits.csv.gz`` (next to this file): the UCI "Optical Recognition of
Handwritten Digits" test set as scikit-learn ships it -- 1,797 grey images of 8x8 pixels, each
pixel a count 0..16, ten classes (the digits 0..9).  Licence CC BY 4.0, attribution in
``DIGITS_LICENSE.txt`` beside it.

The splits are fixed, stratified and need no random numbers (so they are the same on every
numpy): within each class, the examples in file order take turns -- ranks 0, 1, 2 of every five
go to ``"train"`` (60%), rank 3 to ``"val"`` (20%), rank 4 to ``"test"`` (20%).
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

__all__ = ["digits", "DIGITS_SPLITS"]

DIGITS_SPLITS = ("train", "val", "test")
_FILE = "digits.csv.gz"
_N, _PIXELS = 1797, 64


@lru_cache(maxsize=1)
def _load() -> tuple[np.ndarray, np.ndarray]:
    """(pixels uint8 (1797, 64), labels int64 (1797,)) read once, checked, kept read-only."""
    with resources.files(__package__).joinpath(_FILE).open("rb") as raw, gzip.open(raw, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    if table.shape != (_N, _PIXELS + 1):
        raise ValueError(f"digits: {_FILE} has shape {table.shape}, expected ({_N}, {_PIXELS + 1}); reinstall")
    pixels, labels = table[:, :_PIXELS], table[:, _PIXELS]
    if pixels.min() < 0 or pixels.max() > 16 or labels.min() < 0 or labels.max() > 9:
        raise ValueError(f"digits: {_FILE} holds values outside 0..16 / labels outside 0..9; reinstall")
    pixels, labels = pixels.astype(np.uint8), labels.astype(np.int64)
    pixels.flags.writeable = labels.flags.writeable = False
    return pixels, labels


def _split_index(labels: np.ndarray) -> np.ndarray:
    """0 (train), 1 (val) or 2 (test) per example: the rank within its class, mod 5, in 3/1/1."""
    rank = np.zeros(len(labels), dtype=np.int64)
    for k in np.unique(labels):
        where = np.flatnonzero(labels == k)
        rank[where] = np.arange(len(where))
    return np.array([0, 0, 0, 1, 2])[rank % 5]


def digits(split: str | None = None, images: bool = False, dtype: Any = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """The 8x8 handwritten digits: ``X, y = ag.data.digits("train")``.

    ``split``: None for all 1,797 examples, or ``"train"`` (1,085), ``"val"`` (357) or
    ``"test"`` (355) -- fixed and stratified, see the module docstring.  ``X`` has shape (N, 64)
    (row-major pixels), or (N, 8, 8) with ``images=True``; values are the raw counts 0..16 in
    ``dtype`` (divide by 16 for [0, 1], or fit ``ag.data.Standardize`` on the training split).
    ``y``: int64 labels 0..9.  Fresh arrays every call, yours to change.
    """
    pixels, labels = _load()
    if split is None:
        keep = np.ones(len(labels), dtype=bool)
    elif split in DIGITS_SPLITS:
        keep = _split_index(labels) == DIGITS_SPLITS.index(split)
    else:
        raise ValueError(f"digits: split must be None or one of {DIGITS_SPLITS}, got {split!r}")
    X = pixels[keep].astype(dtype)
    return (X.reshape(-1, 8, 8) if images else X), labels[keep].copy()
