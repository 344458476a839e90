"""Preprocessing as in the lecture: zero-centring, normalization, PCA and whitening.

Each is fitted on the training data only and then applied, unchanged, to validation and test
data (``pre = Standardize().fit(X_train); pre.transform(X_val)``) -- statistics computed on the
test set would leak it into training.  Statistics are per feature (over axis 0, the examples),
so an image batch (N, C, H, W) gets a mean image.

* ``Center``:       X - mean
* ``Standardize``:  (X - mean) / (std + eps)                       ("normalize")
* ``PCA(k, whiten=False)``:  rows of (X - mean) projected on the top-k eigenvectors U of the
  covariance C = Xc^T Xc / N (computed by an SVD of Xc); ``whiten=True`` divides each
  coordinate by sqrt(eigenvalue + eps), so the whitened training data has covariance ~ I.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Center", "Standardize", "PCA"]


def _array(who: str, X: Any) -> np.ndarray:
    a = np.asarray(getattr(X, "data", X))
    if a.ndim < 2 or not np.issubdtype(a.dtype, np.number):
        raise ValueError(f"{who}: needs numbers of shape (N, features...), got {a.dtype} of shape {a.shape}")
    return a.astype(np.result_type(a.dtype, np.float32)) if not np.issubdtype(a.dtype, np.floating) else a


class _Fitted:
    """fit / transform / fit_transform, with the feature shape checked on transform."""

    mean_: np.ndarray | None = None

    def fit(self, X: Any) -> Any:
        X = _array(f"{type(self).__name__}.fit", X)
        if len(X) < 2:
            raise ValueError(f"{type(self).__name__}.fit: needs at least 2 examples, got {len(X)}")
        self.mean_ = X.mean(axis=0)
        self._fit(X - self.mean_)
        return self

    def _fit(self, Xc: np.ndarray) -> None:
        pass

    def _checked(self, X: Any) -> np.ndarray:
        who = f"{type(self).__name__}.transform"
        if self.mean_ is None:
            raise RuntimeError(f"{who}: call fit(X_train) first")
        X = _array(who, X)
        if X.shape[1:] != self.mean_.shape:
            raise ValueError(f"{who}: examples of shape {X.shape[1:]}, but it was fitted on {self.mean_.shape}")
        return X

    def transform(self, X: Any) -> np.ndarray:
        return self._checked(X) - self.mean_

    def fit_transform(self, X: Any) -> np.ndarray:
        return self.fit(X).transform(X)


class Center(_Fitted):
    """Zero-centring: subtract the training mean of every feature."""


class Standardize(_Fitted):
    """Zero mean and unit standard deviation per feature, from the training data
    (``eps`` keeps constant features, such as a digit image's always-blank corner, finite)."""

    def __init__(self, eps: float = 1e-8) -> None:
        self.eps = float(eps)
        self.std_: np.ndarray | None = None

    def _fit(self, Xc: np.ndarray) -> None:
        self.std_ = np.sqrt((Xc * Xc).mean(axis=0))

    def transform(self, X: Any) -> np.ndarray:
        X = self._checked(X)
        assert self.std_ is not None  # fitted together with mean_, which _checked has seen
        return (X - self.mean_) / (self.std_ + self.eps)


class PCA(_Fitted):
    """Principal components of the training data: ``Z = PCA(k).fit(X_tr).transform(X)`` has
    shape (N, k), its columns ordered by decreasing variance ``explained_variance_``.

    ``components_`` (k, D) holds the eigenvectors as rows (each signed so its largest entry is
    positive, so results do not depend on the SVD's sign choice); ``inverse_transform`` maps
    back to the original feature shape.
    """

    def __init__(self, n_components: int | None = None, whiten: bool = False, eps: float = 1e-5) -> None:
        if n_components is not None and (isinstance(n_components, bool) or int(n_components) < 1):
            raise ValueError(f"PCA: n_components must be a positive integer or None, got {n_components!r}")
        self.n_components, self.whiten, self.eps = n_components, bool(whiten), float(eps)
        self.components_: np.ndarray | None = None
        self.explained_variance_: np.ndarray | None = None

    def _fit(self, Xc: np.ndarray) -> None:
        flat = Xc.reshape(len(Xc), -1)
        k = flat.shape[1] if self.n_components is None else int(self.n_components)
        if k > min(flat.shape):
            raise ValueError(f"PCA: n_components={k} exceeds min(N, D) = {min(flat.shape)} for data {Xc.shape}")
        _, s, vt = np.linalg.svd(flat / np.sqrt(len(flat)), full_matrices=False)
        vt = vt[:k]
        signs = np.sign(vt[np.arange(k), np.abs(vt).argmax(axis=1)])
        self.components_ = vt * signs[:, None]
        self.explained_variance_ = s[:k] ** 2  # eigenvalues of C = Xc^T Xc / N

    def _scale(self) -> np.ndarray | float:
        assert self.explained_variance_ is not None
        return np.sqrt(self.explained_variance_ + self.eps) if self.whiten else 1.0

    def transform(self, X: Any) -> np.ndarray:
        Xc = self._checked(X) - self.mean_
        assert self.components_ is not None  # fitted together with mean_, which _checked has seen
        return Xc.reshape(len(Xc), -1) @ self.components_.T / self._scale()

    def inverse_transform(self, Z: Any) -> np.ndarray:
        """Back from k coordinates to the feature space (exact when k = D)."""
        if self.components_ is None:
            raise RuntimeError("PCA.inverse_transform: call fit(X_train) first")
        assert self.mean_ is not None  # fitted together with components_
        Z = np.asarray(getattr(Z, "data", Z))
        if Z.ndim != 2 or Z.shape[1] != len(self.components_):
            raise ValueError(f"PCA.inverse_transform: needs shape (N, {len(self.components_)}), got {Z.shape}")
        return ((Z * self._scale()) @ self.components_).reshape((len(Z),) + self.mean_.shape) + self.mean_
