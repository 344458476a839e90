"""The primitive table, linear-algebra family: dot and its relatives (vdot, inner, outer,
tensordot, einsum, kron), diagonals and triangles, and np.linalg (norm, det, slogdet, inv,
solve, cholesky, eigh)."""

from __future__ import annotations

__all__: list[str] = []
