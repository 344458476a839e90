"""Generated datasets, minibatches and the train/validation split."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import data


def test_spiral_shapes_labels_and_geometry():
    X, y = data.spiral(50, classes=4, noise=0.0, seed=0)
    assert X.shape == (200, 2) and X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [50] * 4)
    r = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(r[y == 2], np.linspace(0, 1, 50))  # radius grows linearly along an arm
    # without noise, the angle runs over [4j, 4(j+1)] on arm j: atan2(x, y) = t mod 2 pi
    t = np.linspace(8.0, 12.0, 50)[1:]
    np.testing.assert_allclose(
        np.mod(np.arctan2(X[y == 2][1:, 0], X[y == 2][1:, 1]), 2 * np.pi), np.mod(t, 2 * np.pi), atol=1e-12
    )
    a, b = data.spiral(seed=3), data.spiral(seed=3)
    np.testing.assert_array_equal(a[0], b[0])


def test_moons_and_blobs():
    X, y = data.moons(101, noise=0.0, seed=0)
    assert X.shape == (101, 2) and list(np.bincount(y)) == [50, 51]
    np.testing.assert_allclose(np.linalg.norm(X[y == 0], axis=1), 1.0)  # upper moon on the unit circle
    np.testing.assert_allclose(np.linalg.norm(X[y == 1] - [1.0, 0.5], axis=1), 1.0)
    centers = np.array([[0.0, 0.0, 0.0], [10.0, 10.0, 10.0]])
    X, y = data.blobs(400, centers=centers, std=0.5, seed=1)
    assert X.shape == (800, 3)
    for k in range(2):
        np.testing.assert_allclose(X[y == k].mean(axis=0), centers[k], atol=0.1)
        assert X[y == k].std() == pytest.approx(0.5, rel=0.1)
    assert data.blobs(5, centers=4, dim=5, seed=0)[0].shape == (20, 5)


@settings(max_examples=30)
@given(st.integers(1, 40), st.integers(1, 12), st.booleans(), st.booleans())
def test_minibatches_cover_every_example_once_per_pass(n, bs, shuffle, drop_last):
    X = np.arange(n * 2).reshape(n, 2)
    y = np.arange(n)
    mb = data.Minibatches(X, y, batch_size=bs, shuffle=shuffle, seed=0, drop_last=drop_last)
    for _ in range(2):  # two passes
        batches = list(mb)
        assert len(batches) == len(mb)
        seen = np.concatenate([yb for _, yb in batches]) if batches else np.array([], int)
        for xb, yb in batches:
            np.testing.assert_array_equal(xb[:, 0], 2 * yb)  # rows stay aligned
            assert len(yb) == bs or (not drop_last and yb is batches[-1][1])
        if drop_last:
            assert len(seen) == (n // bs) * bs and len(set(seen.tolist())) == len(seen)
        else:
            assert sorted(seen.tolist()) == list(range(n))
        if not shuffle:
            np.testing.assert_array_equal(seen, np.arange(len(seen)))


def test_minibatches_reshuffle_each_pass_and_repeat_with_a_seed():
    y = np.arange(100)
    mb = data.Minibatches(y, batch_size=100, seed=5)
    first, second = next(iter(mb))[0], next(iter(mb))[0]
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(next(iter(data.Minibatches(y, batch_size=100, seed=5)))[0], first)


def test_train_val_split_is_a_disjoint_partition():
    X, y = np.arange(50).reshape(25, 2), np.arange(25)
    Xtr, Xva, ytr, yva = data.train_val_split(X, y, val_fraction=0.2, seed=0)
    assert len(yva) == 5 and len(ytr) == 20
    assert sorted(np.concatenate([ytr, yva]).tolist()) == list(range(25))
    np.testing.assert_array_equal(Xtr[:, 0], 2 * ytr)
    np.testing.assert_array_equal(Xva[:, 0], 2 * yva)
    _, _, ytr2, yva2 = data.train_val_split(X, y, val_fraction=0.2, shuffle=False)
    np.testing.assert_array_equal(yva2, np.arange(5))


def test_data_errors():
    msg = r"Minibatches: arrays disagree on the number of examples: shapes \[\(3, 2\), \(4,\)\]"
    with pytest.raises(ValueError, match=msg):
        data.Minibatches(np.ones((3, 2)), np.ones(4))
    with pytest.raises(ValueError, match="Minibatches: batch_size must be a positive integer, got 0"):
        data.Minibatches(np.ones(3), batch_size=0)
    with pytest.raises(ValueError, match=r"train_val_split: val_fraction must be in \(0, 1\), got 1.0"):
        data.train_val_split(np.ones(4), val_fraction=1.0)
    with pytest.raises(ValueError, match="train_val_split: needs at least 2 examples"):
        data.train_val_split(np.ones(1))
    with pytest.raises(ValueError, match="spiral: classes must be a positive integer, got 0"):
        data.spiral(10, classes=0)
    with pytest.raises(ValueError, match=r"blobs: centers must be a count or an array \(k, dim\)"):
        data.blobs(3, centers=np.ones(2))
