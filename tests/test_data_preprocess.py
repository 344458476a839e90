"""Zero-centring, normalization, PCA and whitening: fitted on training data, applied to the rest."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import data

rng = np.random.default_rng(0)


def correlated(n: int, d: int = 5, seed: int = 0) -> np.ndarray:
    """n samples of one correlated Gaussian in d dimensions (the distribution fixed by d, the
    samples by seed)."""
    mix = np.random.default_rng(1000 + d)
    A, mean = mix.standard_normal((d, d)) * 3.0, mix.uniform(-5, 5, d)
    return np.random.default_rng(seed).standard_normal((n, d)) @ A + mean


def test_center_and_standardize_use_training_statistics_only():
    X_tr, X_te = correlated(200), correlated(50, seed=1)
    c = data.Center().fit(X_tr)
    np.testing.assert_allclose(c.transform(X_tr).mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(c.transform(X_te), X_te - X_tr.mean(axis=0))  # the training mean, not the test's
    s = data.Standardize().fit(X_tr)
    Z = s.transform(X_tr)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1, rtol=1e-6)
    np.testing.assert_allclose(s.transform(X_te), (X_te - X_tr.mean(0)) / X_tr.std(0), rtol=1e-6)
    # a constant feature (a digit's blank corner) stays finite
    Xd, _ = data.digits("train")
    assert np.all(np.isfinite(data.Standardize().fit_transform(Xd)))


def test_statistics_are_per_feature_for_image_batches():
    imgs = rng.uniform(0, 255, (30, 3, 4, 4))
    c = data.Center().fit(imgs)
    assert c.mean_.shape == (3, 4, 4)  # a mean image
    np.testing.assert_allclose(c.mean_, imgs.mean(axis=0))
    with pytest.raises(
        ValueError, match=r"Center.transform: examples of shape \(4, 4\), but it was fitted on \(3, 4, 4\)"
    ):
        c.transform(imgs[:, 0])


def test_pca_is_the_eigendecomposition_of_the_training_covariance():
    X = correlated(500)
    pca = data.PCA().fit(X)
    Xc = X - X.mean(axis=0)
    C = Xc.T @ Xc / len(X)
    w, U = np.linalg.eigh(C)
    np.testing.assert_allclose(pca.explained_variance_, w[::-1], rtol=1e-10)
    np.testing.assert_allclose(np.abs(pca.components_), np.abs(U[:, ::-1].T), atol=1e-8)  # up to sign
    # orthonormal rows, each signed so its largest entry is positive
    np.testing.assert_allclose(pca.components_ @ pca.components_.T, np.eye(5), atol=1e-12)
    assert np.all(pca.components_[np.arange(5), np.abs(pca.components_).argmax(1)] > 0)
    Z = pca.transform(X)  # decorrelated, variances = the eigenvalues, in decreasing order
    np.testing.assert_allclose(Z.T @ Z / len(Z), np.diag(pca.explained_variance_), atol=1e-8)
    assert np.all(np.diff(pca.explained_variance_) <= 0)
    np.testing.assert_allclose(pca.inverse_transform(Z), X, atol=1e-10)  # k = D: exact
    top2 = data.PCA(2).fit(X)
    np.testing.assert_allclose(top2.transform(X), Z[:, :2], atol=1e-10)


def test_whitened_training_data_has_identity_covariance():
    X = correlated(1000)
    white = data.PCA(whiten=True, eps=1e-12).fit(X)
    Z = white.transform(X)
    np.testing.assert_allclose(Z.T @ Z / len(Z), np.eye(5), atol=1e-8)
    np.testing.assert_allclose(white.inverse_transform(Z), X, atol=1e-8)
    # the test data is whitened with the *training* statistics: covariance near, not exactly, I
    Zt = white.transform(correlated(2000, seed=1))
    cov = np.cov(Zt, rowvar=False, bias=True)
    assert np.abs(cov - np.eye(5)).max() < 0.2
    # eps regularizes: whitening divides by sqrt(lambda + eps)
    big = data.PCA(whiten=True, eps=1.0).fit(X)
    np.testing.assert_allclose(
        big.transform(X).var(axis=0), white.explained_variance_ / (white.explained_variance_ + 1.0), rtol=1e-8
    )


@settings(max_examples=25)
@given(n=st.integers(8, 40), d=st.integers(1, 6), k=st.integers(1, 6), seed=st.integers(0, 10_000))
def test_pca_projection_shapes_and_reconstruction_error(n, d, k, seed):
    k = min(k, d)
    X = correlated(n, d, seed)
    pca = data.PCA(k).fit(X)
    Z = pca.transform(X)
    assert Z.shape == (n, k)
    # the reconstruction error is the variance left in the dropped directions
    err = ((pca.inverse_transform(Z) - X) ** 2).sum(axis=1).mean()
    full = data.PCA().fit(X)  # n >= 8 > d: all d components exist
    np.testing.assert_allclose(err, full.explained_variance_[k:].sum(), rtol=1e-6, atol=1e-9)


def test_preprocessing_errors():
    with pytest.raises(RuntimeError, match=r"Standardize.transform: call fit\(X_train\) first"):
        data.Standardize().transform(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"PCA.fit: needs at least 2 examples, got 1"):
        data.PCA().fit(np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"PCA: n_components=4 exceeds min\(N, D\) = 3"):
        data.PCA(4).fit(np.ones((10, 3)))
    with pytest.raises(ValueError, match="PCA: n_components must be a positive integer or None, got 0"):
        data.PCA(0)
    with pytest.raises(
        ValueError, match=r"Center.fit: needs numbers of shape \(N, features...\), got float64 of shape \(5,\)"
    ):
        data.Center().fit(np.ones(5))
