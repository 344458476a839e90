"""``ag.linalg``: numpy.linalg's names for the differentiable linear algebra of
``ops/linalg.py`` -- ``ag.linalg.det(t)`` as ``np.linalg.det(t)``.

Real-valued only.  Not supported (numpy's function applied to a Tensor is not recorded):
eig, eigvals (complex results; the engine is real-valued), svd, svdvals, pinv, lstsq, qr,
matrix_rank, cond, tensorsolve, tensorinv, matrix_power, multi_dot and numpy 2's array-API
additions (vector_norm, matrix_norm, vecdot, ...).  For symmetric matrices use eigh/eigvalsh;
for singular values, ``norm(a, 2)``, ``norm(a, -2)``, ``norm(a, 'nuc')``.
"""

from __future__ import annotations

from .ops.linalg import (
    EighResult,
    SlogdetResult,
    cholesky,
    det,
    eigh,
    eigvalsh,
    inv,
    norm,
    slogdet,
    solve,
)

__all__ = [
    "EighResult",
    "SlogdetResult",
    "cholesky",
    "det",
    "eigh",
    "eigvalsh",
    "inv",
    "norm",
    "slogdet",
    "solve",
]
