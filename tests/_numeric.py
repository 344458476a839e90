"""Test oracles written from the definitions: central finite differences in float64.

Independent of the library's own gradient checker on purpose.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def central_difference(f: Callable[..., float], args: list[np.ndarray], i: int, eps: float = 1e-6) -> np.ndarray:
    """d f(*args) / d args[i], elementwise, by (f(x+h) - f(x-h)) / 2h on float64 copies."""
    args = [np.array(a, dtype=np.float64) for a in args]
    x = args[i]
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        hi = float(f(*args))
        x[idx] = old - eps
        lo = float(f(*args))
        x[idx] = old
        grad[idx] = (hi - lo) / (2 * eps)
    return grad


def assert_close(actual: np.ndarray, expected: np.ndarray, rtol: float = 1e-5, atol: float = 1e-7) -> None:
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), expected, rtol=rtol, atol=atol)
