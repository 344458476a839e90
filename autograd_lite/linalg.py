"""``ag.linalg``: numpy.linalg's names, differentiable -- ``ag.linalg.det(t)`` as ``np.linalg.det(t)``
(and ``np.linalg.det(t)`` itself records).

The primitives (det, slogdet, inv, solve, cholesky, eigh, svd, qr) live in the table,
``ops/linalg.py``; this module composes the rest from them: the norms (``norm``, numpy 2's
``vector_norm`` and ``matrix_norm``; 2, -2 and 'nuc' from the singular values), ``svdvals``,
``cond``, ``pinv``, ``lstsq``, ``matrix_power``, ``multi_dot``, ``tensorinv``, ``tensorsolve``
and numpy 2's aliases (``matmul``, ``outer``, ``tensordot``, ``vecdot``, ``trace``,
``diagonal``, ``matrix_transpose``, ``cross``).  ``matrix_rank`` is a query: it returns data
and records nothing.

Refused, with a message naming the alternatives: eig and eigvals (complex results; the engine is
real-valued -- use eigh/eigvalsh for symmetric matrices), qr of wide matrices.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .arguments import data_of
from .dispatch import implements
from .ops import core
from .ops.linalg import (
    EighResult,
    QRResult,
    SlogdetResult,
    SVDResult,
    _mT,
    _permuted,
    cholesky,
    det,
    eigh,
    eigvalsh,
    inv,
    qr,
    slogdet,
    solve,
    svd,
    tensordot,
)
from .ops.linalg import cross as _cross
from .ops.linalg import diagonal as _diagonal
from .ops.linalg import outer as _outer
from .ops.linalg import trace as _trace
from .tensor import Tensor, as_tensor, reshape
from .tensor import abs as _abs
from .tensor import min as _min

__all__ = [
    "EighResult", "QRResult", "SlogdetResult", "SVDResult",
    "cholesky", "det", "eigh", "eigvalsh", "inv", "qr", "slogdet", "solve", "svd",
    "norm", "vector_norm", "matrix_norm", "svdvals", "cond", "pinv", "lstsq", "matrix_rank",
    "matrix_power", "multi_dot", "tensorinv", "tensorsolve",
    "matmul", "outer", "tensordot", "vecdot", "trace", "diagonal", "matrix_transpose", "cross",
]  # fmt: skip
_sum, _max = core.sum, core.max


# ----------------------------------------------------------------------------- norms
@implements(np.linalg.norm)
def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Tensor:
    """numpy's norm.  Vectors: ord None/2 (sqrt of the sum of squares), 1, inf, -inf, any p
    (sum |x|^p)^(1/p).  Matrices (2-D, or ``axis`` a pair): None/'fro', 1, -1, inf, -inf, and
    2, -2, 'nuc' from the singular values.  The 2-norm of a zero vector has no gradient (NaN),
    as sqrt at 0."""
    x = as_tensor(x)
    if axis is None:
        if ord is None:  # every element, as one vector
            r = _sum(x * x) ** 0.5
            return reshape(r, (1,) * x.ndim) if keepdims else r
        if x.ndim not in (1, 2):
            raise ValueError(f"norm: ord={ord!r} needs a 1-D or 2-D input or an axis, got shape {x.shape}")
        axes: tuple[int, ...] = tuple(range(x.ndim))
    else:
        axes = _axes("norm", x, axis)
        if len(axes) not in (1, 2):
            raise ValueError(f"norm: axis={axis!r} must be one or two axes of shape {x.shape}")
    r = _vector_norm(x, ord, axes[0]) if len(axes) == 1 else _matrix_norm(x, ord, axes)
    return _keep(r, x.shape, axes) if keepdims else r


def _axes(name: str, x: Tensor, axis: Any) -> tuple[int, ...]:
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    if not all(-x.ndim <= a < x.ndim for a in axes):
        raise ValueError(f"{name}: axis={axis!r} must be one or two axes of shape {x.shape}")
    axes = tuple(int(a) % x.ndim for a in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{name}: axis={axis!r} repeats an axis")
    return axes


def _keep(r: Tensor, shape: tuple[int, ...], axes: Sequence[int]) -> Tensor:
    """``r`` with the reduced ``axes`` of ``shape`` put back as size 1 (keepdims)."""
    return reshape(r, tuple(1 if i in axes else s for i, s in enumerate(shape)))


def _vector_norm(x: Tensor, ord: Any, axis: int) -> Tensor:
    if ord is None or ord == 2:
        return _sum(x * x, axis=axis) ** 0.5
    if isinstance(ord, str):
        raise ValueError(f"norm: ord={ord!r} is a matrix norm; a vector norm takes a number")
    if ord == 0:
        raise ValueError("norm: ord=0 counts the nonzero elements; it has no gradient (use np.count_nonzero(t.data))")
    if ord == math.inf:
        return _max(_abs(x), axis=axis)
    if ord == -math.inf:
        return _min(_abs(x), axis=axis)
    if ord == 1:
        return _sum(_abs(x), axis=axis)
    return _sum(_abs(x) ** ord, axis=axis) ** (1.0 / ord)


def _matrix_norm(x: Tensor, ord: Any, axes: tuple[int, ...]) -> Tensor:
    row, col = axes
    if ord is None or ord == "fro":
        return _sum(x * x, axis=axes) ** 0.5
    if ord in (1, -1):
        sums = _sum(_abs(x), axis=row)
        col = col - 1 if col > row else col
        return _max(sums, axis=col) if ord == 1 else _min(sums, axis=col)
    if ord in (math.inf, -math.inf):
        sums = _sum(_abs(x), axis=col)
        row = row - 1 if row > col else row
        return _max(sums, axis=row) if ord > 0 else _min(sums, axis=row)
    if ord in (2, -2, "nuc"):
        s = _singular_values(x, row, col)
        return s[..., 0] if ord == 2 else s[..., -1] if ord == -2 else _sum(s, axis=-1)
    raise ValueError(f"norm: ord={ord!r} is not a matrix norm (None, 'fro', 'nuc', 1, -1, 2, -2, inf, -inf)")


def _singular_values(x: Tensor, row: int = -2, col: int = -1) -> Tensor:
    """Descending singular values of the matrices on axes (row, col)."""
    row, col = row % x.ndim, col % x.ndim
    return svd(_permuted(x, [k for k in range(x.ndim) if k not in (row, col)] + [row, col]), compute_uv=False)


@implements(np.linalg.vector_norm)
def vector_norm(x: Any, /, *, axis: Any = None, keepdims: bool = False, ord: Any = 2) -> Tensor:
    """numpy 2's vector_norm: the vector norm over ``axis`` (None: all elements; a tuple: those
    axes as one vector)."""
    x = as_tensor(x)
    axes = tuple(range(x.ndim)) if axis is None else _axes("vector_norm", x, axis)
    rest = [k for k in range(x.ndim) if k not in axes]
    flat = reshape(_permuted(x, rest + list(axes)), tuple(x.shape[k] for k in rest) + (-1,))
    r = _vector_norm(flat, ord, -1)
    return _keep(r, x.shape, axes) if keepdims else r


@implements(np.linalg.matrix_norm)
def matrix_norm(x: Any, /, *, keepdims: bool = False, ord: Any = "fro") -> Tensor:
    """numpy 2's matrix_norm: the matrix norm of the last two axes."""
    return norm(x, ord, axis=(-2, -1), keepdims=keepdims)


@implements(np.linalg.svdvals)
def svdvals(x: Any, /) -> Tensor:
    """The singular values of the last two axes, descending (as numpy)."""
    return _singular_values(as_tensor(x))


@implements(np.linalg.cond)
def cond(x: Any, p: Any = None) -> Tensor:
    """The condition number: s_max / s_min for p None/2 (-2: its inverse), else
    norm(x, p) norm(inv(x), p)."""
    x = as_tensor(x)
    if p in (None, 2, -2):
        s = _singular_values(x)
        return s[..., 0] / s[..., -1] if p != -2 else s[..., -1] / s[..., 0]
    return norm(x, p, axis=(-2, -1)) * norm(inv(x), p, axis=(-2, -1))


_UNSET: Any = object()  # pinv's rtol: numpy tells "not given" from None


@implements(np.linalg.pinv)
def pinv(a: Any, rcond: Any = None, hermitian: bool = False, *, rtol: Any = _UNSET) -> Tensor:
    """The pseudo-inverse V diag(1/s) U^T, singular values at most rcond * max(s) dropped (the
    cut is a constant: where it falls, the gradient is that of the kept part; numpy's defaults)."""
    if hermitian:  # numpy then reads only the lower triangle; the rule here reads the whole matrix
        raise TypeError(
            "pinv: hermitian=True is not supported on tensors (numpy reads only one triangle then); "
            "symmetrize first, e.g. (a + a.T) / 2, and leave hermitian=False"
        )
    if rcond is not None and rtol is not _UNSET:
        raise ValueError("pinv: rcond and rtol can't both be set")
    a = as_tensor(a)
    u, s, vh = svd(a, full_matrices=False)
    if rcond is not None:
        cut = rcond
    else:
        cut = 1e-15 if rtol is _UNSET else max(a.shape[-2:]) * np.finfo(a.dtype).eps if rtol is None else rtol
    large = s.data > np.asarray(cut)[..., None] * s.data.max(axis=-1, keepdims=True)
    s_inv = core.where(large, 1 / core.where(large, s, 1), 0)
    return _mT(vh) @ (s_inv.reshape(s_inv.shape + (1,)) * _mT(u))


@implements(np.linalg.lstsq)
def lstsq(a: Any, b: Any, rcond: Any = None) -> tuple[Tensor, Tensor, Any, Tensor]:
    """(x, residuals, rank, s) like numpy: x = pinv(a) b, the minimum-norm least-squares solution;
    residuals the squared norms of b - a x per column (empty unless a has full column rank and
    more rows than columns); rank (an integer, no gradient); s the singular values."""
    a, b = as_tensor(a), as_tensor(b)
    if a.ndim != 2 or b.ndim not in (1, 2) or b.shape[0] != a.shape[0]:
        raise ValueError(f"lstsq: a must be 2-D and b 1-D or 2-D with as many rows, got shapes {a.shape} and {b.shape}")
    m, n = a.shape
    cut = max(m, n) * np.finfo(a.dtype).eps if rcond is None else rcond
    x = pinv(a, cut) @ b
    s = svdvals(a)
    rank = int(np.sum(s.data > cut * s.data.max(initial=0)))  # a Python int, as data
    if rank == n and m > n:
        r = b - a @ x
        residuals = reshape(_sum(r * r, axis=0), (-1,))
    else:
        residuals = reshape(x, (-1,))[:0]  # empty, as numpy's, and still part of the graph
    return x, residuals, rank, s


# ----------------------------------------------------------------------------- products and powers
@implements(np.linalg.matrix_power)
def matrix_power(a: Any, n: int) -> Tensor:
    """a @ a @ ... (n times) by repeated squaring; n < 0 powers inv(a); n = 0 the identity
    (recorded, with gradient 0)."""
    a = as_tensor(a)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"matrix_power: expected square matrices in the last two dimensions, got shape {a.shape}")
    if not isinstance(n, (int, np.integer)):
        raise TypeError(f"matrix_power: the exponent must be an integer, got {n!r}")
    if n == 0:
        eye = np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape)
        return core.where(np.ones(a.shape, dtype=bool), eye, a)
    base, n = (inv(a), -int(n)) if n < 0 else (a, int(n))
    result: Tensor | None = None
    while n:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    assert result is not None  # n >= 1 sets it
    return result


@implements(np.linalg.multi_dot)
def multi_dot(arrays: Sequence[Any], *, out: None = None) -> Tensor:
    """dot of several arrays in the cheapest order (the matrix-chain rule); the first may be 1-D
    (a row), the last 1-D (a column), the rest 2-D."""
    if out is not None:
        raise TypeError("multi_dot: out= is not supported on tensors")
    ts = [as_tensor(x) for x in arrays]
    if len(ts) < 2:
        raise ValueError(f"multi_dot: needs at least 2 arrays, got {len(ts)}")
    first_1d, last_1d = ts[0].ndim == 1, ts[-1].ndim == 1
    ts[0] = reshape(ts[0], (1, -1)) if first_1d else ts[0]
    ts[-1] = reshape(ts[-1], (-1, 1)) if last_1d else ts[-1]
    for i, t in enumerate(ts):
        if t.ndim != 2:
            raise ValueError(
                f"multi_dot: array {i} has shape {t.shape}; only the first and last may be 1-D, the rest 2-D"
            )
    dims = [ts[0].shape[0]] + [t.shape[1] for t in ts]
    r = _chain(ts, _chain_order(dims), 0, len(ts) - 1)
    if first_1d and last_1d:
        return reshape(r, ())
    return reshape(r, (-1,)) if first_1d or last_1d else r


def _chain_order(dims: list[int]) -> list[list[int]]:
    """split[i][j]: where the cheapest product of matrices i..j splits (dynamic programming)."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j], split[i][j] = min(
                (cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1], k) for k in range(i, j)
            )
    return split


def _chain(ts: list[Tensor], split: list[list[int]], i: int, j: int) -> Tensor:
    """The product of ts[i..j] in the order ``split`` says (an explicit stack: no recursion)."""
    results: dict[tuple[int, int], Tensor] = {}
    stack = [(i, j)]
    while stack:
        lo, hi = stack[-1]
        if lo == hi:
            results[(lo, hi)] = ts[lo]
            stack.pop()
            continue
        k = split[lo][hi]
        parts = [(lo, k), (k + 1, hi)]
        todo = [p for p in parts if p not in results]
        if todo:
            stack.extend(todo)
            continue
        results[(lo, hi)] = core.matmul(results[parts[0]], results[parts[1]])
        stack.pop()
    return results[(i, j)]


@implements(np.linalg.tensorinv)
def tensorinv(a: Any, ind: int = 2) -> Tensor:
    """The inverse of a as a linear map from its last axes to its first ``ind`` axes."""
    a = as_tensor(a)
    rows, cols = a.shape[:ind], a.shape[ind:]
    if ind <= 0 or math.prod(rows) != math.prod(cols):
        raise ValueError(f"tensorinv: shape {a.shape} with ind={ind} is not a square linear map")
    return reshape(inv(reshape(a, (math.prod(rows), -1))), cols + rows)


@implements(np.linalg.tensorsolve)
def tensorsolve(a: Any, b: Any, axes: Sequence[int] | None = None) -> Tensor:
    """x with tensordot(a, x, x.ndim) = b; ``axes``: axes of a moved to the end first."""
    a, b = as_tensor(a), as_tensor(b)
    if axes is not None:
        moved = [k % a.ndim for k in axes]
        a = _permuted(a, [k for k in range(a.ndim) if k not in moved] + moved)
    x_shape = a.shape[b.ndim :]
    if math.prod(a.shape[: b.ndim]) != math.prod(x_shape) or a.shape[: b.ndim] != b.shape:
        raise ValueError(f"tensorsolve: a of shape {a.shape} does not map onto b of shape {b.shape} squarely")
    return reshape(solve(reshape(a, (b.size, -1)), reshape(b, (-1,))), x_shape)


def matrix_rank(  # np.linalg.matrix_rank on a Tensor is a query (dispatch.QUERIES)
    a: Any, *args: Any, **kwargs: Any
) -> Any:
    """A query: numpy's matrix_rank of the data (an integer; nothing is recorded)."""
    return np.linalg.matrix_rank(np.asarray(data_of(a)), *args, **kwargs)


# ----------------------------------------------------------------------------- numpy 2's aliases
@implements(np.linalg.matmul)
def matmul(x1: Any, x2: Any, /) -> Tensor:
    return core.matmul(x1, x2)


@implements(np.linalg.outer)
def outer(x1: Any, x2: Any, /) -> Tensor:
    """The outer product of two vectors (numpy.linalg's outer takes 1-D inputs only)."""
    for i, x in enumerate((x1, x2)):
        if np.ndim(data_of(x)) != 1:
            raise ValueError(f"outer: input {i} must be 1-D, got shape {np.shape(data_of(x))}")
    return _outer(x1, x2)


implements(np.linalg.tensordot)(tensordot)


@implements(np.linalg.cross)
def cross(x1: Any, x2: Any, /, *, axis: int = -1) -> Tensor:
    """The cross product of 3-vectors along ``axis`` (numpy.linalg's cross takes 3-vectors only)."""
    for i, x in enumerate((x1, x2)):
        shape = np.shape(data_of(x))
        if not -len(shape) <= axis < len(shape) or shape[axis] != 3:
            raise ValueError(f"cross: input {i} of shape {shape} has no axis {axis} of 3 components")
    return _cross(x1, x2, axis=axis)


@implements(np.linalg.vecdot)
def vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Tensor:
    """sum(x1 * x2, axis) over broadcast inputs (real-valued: no conjugate)."""
    return _sum(core.mul(x1, x2), axis=axis)


@implements(np.linalg.trace)
def trace(x: Any, /, *, offset: int = 0, dtype: None = None) -> Tensor:
    """The trace of the last two axes."""
    return _trace(x, offset, -2, -1, dtype)


@implements(np.linalg.diagonal)
def diagonal(x: Any, /, *, offset: int = 0) -> Tensor:
    """The diagonal of the last two axes."""
    return _diagonal(x, offset, -2, -1)


@implements(np.linalg.matrix_transpose)
def matrix_transpose(x: Any, /) -> Tensor:
    x = as_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"matrix_transpose: needs at least 2 dimensions, got shape {x.shape}")
    return _mT(x)


# ---- more of numpy's names
# numpy 2's top-level matrix_transpose and the vecdot ufunc are np.linalg's
implements(np.matrix_transpose)(matrix_transpose)
implements(np.vecdot)(vecdot)
