"""Image augmentation (flip, crop with padding), seeded; k-fold cross-validation splits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import data

batch = np.random.default_rng(0).integers(1, 255, (16, 3, 6, 7)).astype(np.float64)


def test_flip_mirrors_some_images_left_right_and_is_seeded():
    out = data.random_flip(batch, p=0.5, rng=1)
    flipped = [not np.array_equal(o, b) for o, b in zip(out, batch)]
    for o, b, f in zip(out, batch, flipped):
        np.testing.assert_array_equal(o, b[..., ::-1] if f else b)
    assert 0 < sum(flipped) < len(batch)
    np.testing.assert_array_equal(out, data.random_flip(batch, p=0.5, rng=1))  # same seed, same batch
    assert not np.array_equal(out, data.random_flip(batch, p=0.5, rng=2))
    np.testing.assert_array_equal(data.random_flip(batch, p=1.0), batch[..., ::-1])
    np.testing.assert_array_equal(data.random_flip(batch, p=0.0), batch)
    assert out is not batch and np.array_equal(batch, np.random.default_rng(0).integers(1, 255, batch.shape))


def test_crop_with_padding_is_a_shifted_window_of_the_padded_image():
    p = 2
    out = data.random_crop(batch, padding=p, rng=3)
    assert out.shape == batch.shape
    padded = np.pad(batch, ((0, 0), (0, 0), (p, p), (p, p)))
    shifts = set()
    for o, pad in zip(out, padded):
        # exactly one offset (dy, dx) in 0..2p reproduces the crop; all channels share it
        hits = [
            (dy, dx)
            for dy in range(2 * p + 1)
            for dx in range(2 * p + 1)
            if np.array_equal(pad[:, dy : dy + 6, dx : dx + 7], o)
        ]
        assert len(hits) == 1
        shifts.add(hits[0])
    assert len(shifts) > 3  # images get their own offsets
    np.testing.assert_array_equal(out, data.random_crop(batch, padding=p, rng=3))
    np.testing.assert_array_equal(data.random_crop(batch, padding=0, rng=3), batch)
    grey = batch[:, 0]  # (N, H, W) works the same
    assert data.random_crop(grey, padding=1, rng=0).shape == grey.shape


def test_augment_bundles_flip_then_crop_from_one_generator():
    a, b = data.Augment(flip=True, padding=1, seed=5), data.Augment(flip=True, padding=1, seed=5)
    first = a(batch)
    np.testing.assert_array_equal(first, b(batch))
    assert not np.array_equal(a(batch), first)  # the generator moves on between batches
    g = np.random.default_rng(5)
    np.testing.assert_array_equal(first, data.random_crop(data.random_flip(batch, 0.5, g), 1, g))


def test_augmentation_errors():
    with pytest.raises(
        ValueError, match=r"random_flip: needs a batch of images \(N, H, W\) or \(N, C, H, W\), got shape \(4, 5\)"
    ):
        data.random_flip(np.ones((4, 5)))
    with pytest.raises(ValueError, match="random_crop: padding must be a non-negative integer, got -1"):
        data.random_crop(batch, padding=-1)
    with pytest.raises(ValueError, match=r"random_flip: p must be in \[0, 1\], got 2"):
        data.random_flip(batch, p=2)


@settings(max_examples=40)
@given(n=st.integers(2, 60), k=st.integers(2, 10), shuffle=st.booleans(), seed=st.integers(0, 100))
def test_kfold_partitions_the_examples(n, k, shuffle, seed):
    if k > n:
        with pytest.raises(ValueError, match=f"kfold: needs 2 <= k <= n, got k={k}, n={n}"):
            data.kfold(n, k)
        return
    folds = data.kfold(n, k, shuffle=shuffle, seed=seed)
    assert len(folds) == k
    vals = np.concatenate([v for _, v in folds])
    np.testing.assert_array_equal(np.sort(vals), np.arange(n))  # every example validates exactly once
    sizes = [len(v) for _, v in folds]
    assert max(sizes) - min(sizes) <= 1
    for tr, va in folds:
        assert len(np.intersect1d(tr, va)) == 0 and len(tr) + len(va) == n
    if not shuffle:
        np.testing.assert_array_equal(folds[0][1], np.arange(sizes[0]))
    else:
        again = data.kfold(n, k, shuffle=True, seed=seed)
        assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again))
