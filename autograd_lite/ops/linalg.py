"""The primitive table, linear-algebra family: dot and its relatives (vdot, inner, outer,
tensordot, einsum, kron), diagonals and triangles, and np.linalg's det, slogdet, inv, solve,
cholesky, eigh and svd.  (np.linalg's norms, pinv and numpy 2's names are composed in
``../linalg.py``.)

Primitives, each forward next to its rule: ``einsum`` (its rule is another einsum), ``det``,
``slogdet`` (log|det| only; the sign is a constant), ``inv``, ``solve``, ``cholesky``,
``eigh`` and ``svd`` (the last two return one packed array, which ``eigh()``/``svd()`` slice,
since a primitive has one output).  Everything else is composed from primitives, so it can
never disagree with a rule: dot/inner/tensordot are transposes and reshapes around ``matmul``
(numpy's own tensordot algorithm, BLAS speed); outer and kron are broadcast products; diagonal
is a ``getitem`` with index arrays, diag(v) a ``scatter_add``; tril/triu are ``where`` with a
constant mask.

numpy's eigh and cholesky read only the lower triangle of their input, and so do the gradients
here: the gradient is the true derivative of what numpy computes (upper triangle 0, each
off-diagonal lower entry standing for both of its symmetric positions), which is what finite
differences and ``ag.gradcheck`` see.  A symmetric parametrisation such as ``a = b + b.T`` gets
the usual symmetric gradient through the chain rule.
"""

from __future__ import annotations

import functools
import math
import string
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ..arguments import data_of
from ..dispatch import implements
from ..engine import Primitive, _OpError
from ..tensor import Tensor, as_tensor, reshape, stack, transpose
from .core import getitem, matmul, mul, scatter_add, where
from .core import sum as _sum

__all__ = [
    "dot", "vdot", "inner", "outer", "tensordot", "einsum", "kron", "cross",
    "trace", "diag", "diagonal", "tril", "triu",
]  # fmt: skip


# ----------------------------------------------------------------------------- helpers
def _shape(x: Any) -> tuple[int, ...]:
    return x.shape if hasattr(x, "shape") else np.shape(x)


def _ndim(x: Any) -> int:
    return len(_shape(x))


def _mT(x: Any) -> Any:
    """The matrix transpose of the last two axes (ndarray or Tensor)."""
    return x.swapaxes(-1, -2)


def _square(name: str, a: Any) -> None:
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise _OpError(f"{name}: expected square matrices in the last two dimensions, got shape {a.shape}")


def _lower_grad(s: Any) -> Any:
    """The gradient with respect to an input of which only the lower triangle is read, from the
    unsymmetrised ``s`` (dF = <s, dA> for symmetric dA): strict lower s + s^T, diagonal s."""
    n = s.shape[-1]
    return where.apply(np.tri(n, k=-1, dtype=bool), s + _mT(s), where.apply(np.eye(n, dtype=bool), s, 0))


def _batch_inv_t(name: str, a: Any) -> Any:
    """inv(a)^T for a rule: numpy or recorded; a singular matrix is an error naming ``name``."""
    try:
        return _mT(inv.apply(a))
    except ValueError:
        raise ValueError(
            f"{name}: the gradient at a singular matrix (shape {_shape(a)}) needs inv(a), which does not exist"
        ) from None


# ----------------------------------------------------------------------------- einsum
_LETTERS = string.ascii_letters


@functools.lru_cache(maxsize=1024)  # a training loop parses the same few subscripts every step
def _einsum_parse(subscripts: str, shapes: tuple[tuple[int, ...], ...]) -> str:
    """The explicit form of ``subscripts`` with every '...' spelled out as letters, checked
    against the operands' shapes: 'ij,jk' -> 'ij,jk->ik', '...ii->...i' -> 'Aii->Ai'."""
    s = subscripts.replace(" ", "")
    ins, arrow, out = s.partition("->")
    parts = ins.split(",")
    if len(parts) != len(shapes):
        raise ValueError(f"einsum: subscripts {subscripts!r} name {len(parts)} operands but {len(shapes)} were given")
    bad = set(s.replace("...", "").replace(",", "").replace("->", "")) - set(_LETTERS)
    if bad:
        raise ValueError(f"einsum: invalid subscript characters {sorted(bad)} in {subscripts!r}")
    free = [c for c in _LETTERS if c not in s]
    n_ell = max([len(sh) - len(p) + 3 for p, sh in zip(parts, shapes, strict=True) if "..." in p], default=0)
    ell = "".join(free[: max(n_ell, 0)])
    sizes: dict[str, int] = {}
    for k, (p, sh) in enumerate(zip(parts, shapes, strict=True)):
        if "..." in p:
            n = len(sh) - len(p) + 3
            if n < 0:
                raise ValueError(f"einsum: operand {k} has shape {sh}, fewer dimensions than {p!r} names")
            p = parts[k] = p.replace("...", ell[len(ell) - n :])
        if len(p) != len(sh):
            raise ValueError(f"einsum: operand {k} has shape {sh} ({len(sh)} dimensions) but {p!r} names {len(p)}")
        for c, d in zip(p, sh, strict=True):
            if sizes.get(c, d) != d and d != 1 and sizes[c] != 1:
                raise ValueError(
                    f"einsum: index {c!r} has size {sizes[c]} in one operand and {d} in operand {k} (shape {sh})"
                )
            sizes[c] = d if sizes.get(c, 1) == 1 else sizes[c]
    if not arrow:
        counts = "".join(parts)
        out = ell + "".join(sorted(c for c in set(counts) if counts.count(c) == 1 and c not in ell))
    else:
        if ell and "..." not in out:
            raise ValueError(f"einsum: {subscripts!r}: the output must keep the '...' dimensions (write '...' there)")
        out = out.replace("...", ell)
        for c in out:
            if out.count(c) > 1 or c not in sizes:
                raise ValueError(f"einsum: output index {c!r} of {subscripts!r} is repeated or not in any operand")
    return ",".join(parts) + "->" + out


def _einsum_forward(*operands: Any, subscripts: str) -> Any:
    # optimize=True hands contractions to BLAS and orders 3+ operands (13x faster on a batch of
    # 64x64 products); its path search costs about 15 us, more than a whole tiny einsum
    big = len(operands) > 2 or sum(np.size(x) for x in operands) > 1000
    return np.einsum(subscripts, *operands, optimize=big)


def _einsum_grad(i: int, g: Any, out: Any, *operands: Any, subscripts: str) -> Any:
    """einsum of g with the other operands onto operand i's subscripts.  A letter repeated in
    operand i (a diagonal, 'ii') gets a fresh letter tied by an identity matrix; a letter found
    only in operand i (summed there, 'ij->i') gets a ones vector, so the gradient broadcasts."""
    ins, out_sub = subscripts.split("->")
    parts = ins.split(",")
    target, shape, dtype = parts[i], _shape(operands[i]), g.dtype
    others = [p for j, p in enumerate(parts) if j != i]
    fresh = iter(c for c in _LETTERS if c not in subscripts)
    letters, extra_subs, extra_ops = [], [], []
    for pos, c in enumerate(target):
        if c in letters:  # repeated: onto the diagonal
            f = next(fresh)
            letters.append(f)
            extra_subs.append(c + f)
            extra_ops.append(np.eye(shape[pos], dtype=dtype))
        else:
            letters.append(c)
    seen = set(out_sub).union(*others, *extra_subs)
    for pos, c in enumerate(target):
        if c not in seen and target.index(c) == pos:
            extra_subs.append(c)
            extra_ops.append(np.ones(shape[pos], dtype=dtype))
    sub = ",".join([out_sub, *others, *extra_subs]) + "->" + "".join(letters)
    rest = [x for j, x in enumerate(operands) if j != i]
    return einsum_p.apply(g, *rest, *extra_ops, subscripts=sub)


# ----------------------------------------------------------------------------- np.linalg forwards
def _lapack(name: str, fn: Any, a: Any, *rest: Any, fails: str = "is singular") -> Any:
    """``fn(a, *rest)`` on square matrices ``a``; numpy's LinAlgError becomes an error naming the
    operation and the shape."""
    a = np.asarray(a)
    _square(name, a)
    try:
        return fn(a, *rest)
    except np.linalg.LinAlgError:
        raise _OpError(
            f"{name}: the matrix{' (in a batch)' if a.ndim > 2 else ''} of shape {a.shape} {fails}"
        ) from None


def _solve_forward(a: Any, b: Any) -> Any:
    a, b = np.asarray(a), np.asarray(b)
    if b.ndim == 0:
        raise _OpError(f"solve: b must be at least 1-D, got shape {b.shape}")
    kb = 0 if b.ndim == 1 else b.ndim - 2
    if a.ndim >= 2 and b.shape[kb] != a.shape[-1]:
        raise _OpError(
            f"solve: shapes {a.shape} and {b.shape} are not aligned: {a.shape[-1]} (dim {a.ndim - 1} of a) "
            f"!= {b.shape[kb]} (dim {kb} of b)"
        )
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2] if b.ndim > 1 else ())
    except ValueError:
        raise _OpError(f"solve: the batch dimensions of shapes {a.shape} and {b.shape} do not broadcast") from None
    return _lapack("solve", np.linalg.solve, a, b)


def _solve_grad_b(g: Any, out: Any, a: Any, b: Any) -> Any:
    if _ndim(b) == 1:  # numpy 2: only a 1-D b is a vector
        return solve.apply(_mT(a), g.reshape(g.shape + (1,))).reshape(g.shape)
    return solve.apply(_mT(a), g)


def _solve_grad_a(g: Any, out: Any, a: Any, b: Any) -> Any:
    gb = _solve_grad_b(g, out, a, b)
    if _ndim(b) == 1:
        return -(gb.reshape(gb.shape + (1,)) * out.reshape(out.shape[:-1] + (1, out.shape[-1])))
    return -(gb @ _mT(out))


def _cholesky_grad(g: Any, out: Any, a: Any) -> Any:
    """S = L^-T phi(L^T g) L^-1, phi = lower triangle with the diagonal halved (Murray 2016)."""
    n = a.shape[-1]
    phi = where.apply(np.tri(n, dtype=bool), _mT(out) @ g, 0) * (1 - 0.5 * np.eye(n, dtype=g.dtype))
    left = solve.apply(_mT(out), phi)  # L^-T phi
    s = _mT(solve.apply(_mT(out), _mT(left)))  # (L^-T (L^-T phi)^T)^T = L^-T phi L^-1
    return _lower_grad(s)


def _eigh_forward(a: Any) -> Any:
    w, v = _lapack("eigh", np.linalg.eigh, a, fails="did not converge")
    return np.concatenate([w[..., None, :], v], axis=-2)


def _eigh_grad(g: Any, out: Any, a: Any) -> Any:
    """V (diag(g_w) + F * (V^T g_V)) V^T, F_ij = 1/(w_j - w_i); F = 0 where w_i == w_j exactly."""
    w, v = out[..., 0, :], out[..., 1:, :]
    gw, gv = g[..., 0, :], g[..., 1:, :]
    n = a.shape[-1]
    f = _reciprocal_or_zero(_row(w) - _column(w))  # w_j - w_i
    middle = (_mT(v) @ gv) * f + _row(gw) * np.eye(n, dtype=g.dtype)
    return _lower_grad(v @ middle @ _mT(v))


def _row(x: Any) -> Any:
    """A vector (batch) as a row, (..., 1, k); ``_row(s) * m`` scales the columns of m."""
    return x.reshape(x.shape[:-1] + (1, x.shape[-1]))


def _column(x: Any) -> Any:
    """A vector (batch) as a column, (..., k, 1); ``_column(s) * m`` scales the rows of m."""
    return x.reshape(x.shape + (1,))


def _reciprocal_or_zero(x: Any) -> Any:
    """1/x, and 0 where x is exactly 0 (a constant mask, so also under create_graph): the
    convention for the undefined terms at repeated eigenvalues/singular values (and zero ones)."""
    zero = np.asarray(data_of(x) == 0)
    return where.apply(zero, 0, 1 / where.apply(zero, 1, x))


def _svd_forward(a: Any) -> Any:
    a = np.asarray(a)
    if a.ndim < 2:
        raise _OpError(f"svd: needs at least 2 dimensions, got shape {a.shape}")
    try:
        u, s, vh = np.linalg.svd(a, full_matrices=False)
    except np.linalg.LinAlgError:
        raise _OpError(f"svd: did not converge for the matrix of shape {a.shape}") from None
    return np.concatenate([u, s[..., None, :], _mT(vh)], axis=-2)


def _svd_grad(g: Any, out: Any, a: Any) -> Any:
    """U (F o (U^T g_U - g_U^T U) S + diag(g_S) + S F o (V^T g_V - g_V^T V)) V^T, F_ij =
    1/(s_j^2 - s_i^2), plus (I - U U^T) g_U S^-1 V^T for m > n, U S^-1 g_V^T (I - V V^T) for m < n."""
    m, n = a.shape[-2:]
    u, s, v = out[..., :m, :], out[..., m, :], out[..., m + 1 :, :]
    gu, gs, gv = g[..., :m, :], g[..., m, :], g[..., m + 1 :, :]
    f = _reciprocal_or_zero(_row(s * s) - _column(s * s))
    utgu, vtgv = _mT(u) @ gu, _mT(v) @ gv
    middle = (f * (utgu - _mT(utgu))) * _row(s) + _column(s) * (f * (vtgv - _mT(vtgv)))
    ga = u @ (middle + _row(gs) * np.eye(min(m, n), dtype=g.dtype)) @ _mT(v)
    if m > n:
        ga = ga + ((gu - u @ utgu) * _row(_reciprocal_or_zero(s))) @ _mT(v)
    elif m < n:
        ga = ga + u @ (_column(_reciprocal_or_zero(s)) * _mT(gv - v @ vtgv))
    return ga


def _qr_forward(a: Any) -> Any:
    a = np.asarray(a)
    if a.ndim < 2 or a.shape[-2] < a.shape[-1]:
        raise _OpError(f"qr: needs matrices with at least as many rows as columns, got shape {a.shape}")
    q, r = np.linalg.qr(a)
    return np.concatenate([q, r], axis=-2)


def _qr_grad(g: Any, out: Any, a: Any) -> Any:
    """(g_Q + Q copyltu(M)) R^-T, M = R g_R^T - g_Q^T Q, copyltu(M) = the symmetric matrix with
    M's lower triangle (m >= n, the reduced QR)."""
    m, n = a.shape[-2:]
    q, r = out[..., :m, :], out[..., m:, :]
    gq, gr = g[..., :m, :], g[..., m:, :]
    lower = r @ _mT(gr) - _mT(gq) @ q
    sym = where.apply(np.tri(n, k=-1, dtype=bool), lower, 0)
    sym = sym + _mT(sym) + where.apply(np.eye(n, dtype=bool), lower, 0)
    return _mT(solve.apply(r, _mT(gq + q @ sym)))  # (...) R^-T = (R^-1 (...)^T)^T


def _det_grad(g: Any, out: Any, a: Any) -> Any:
    if isinstance(a, Tensor):  # under create_graph: recorded, differentiable again
        cof = out.reshape(out.shape + (1, 1)) * _batch_inv_t("det", a)
    else:
        cof = _cofactor(a, out)
    return g.reshape(g.shape + (1, 1)) * cof


def _cofactor(a: np.ndarray, det_a: Any) -> np.ndarray:
    """The cofactor matrix det(a) inv(a)^T, also for singular a: from the SVD a = U S V^T,
    cof(a) = det(U) det(V^T) U diag(prod_{j != i} s_j) V^T."""
    try:
        return np.reshape(det_a, np.shape(det_a) + (1, 1)) * _mT(np.linalg.inv(a))
    except np.linalg.LinAlgError:
        u, s, vt = np.linalg.svd(a)
        ones = np.ones_like(s[..., :1])
        left = np.cumprod(np.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)  # prod_{j < i} s_j
        right = np.cumprod(np.concatenate([ones, s[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]  # prod_{j > i}
        sign = np.linalg.det(u) * np.linalg.det(vt)
        return sign[..., None, None] * (u * (left * right)[..., None, :]) @ vt


# ----------------------------------------------------------------------------- the table
P = Primitive

einsum_p = P(
    "einsum",
    _einsum_forward,
    (_einsum_grad,),
    variadic=True,
    doc="einsum(s, x_1..x_k):  d/dx_i = einsum of g with the other operands onto x_i's subscripts (diagonals via eye)",
)
det = P(
    "det",
    lambda a: _lapack("det", np.linalg.det, a),
    (_det_grad,),
    doc="det a:  d/da = g det(a) a^-T  (the cofactor matrix; from the SVD when a is singular)",
)
slogdet_p = P(
    "slogdet",
    lambda a: _lapack("slogdet", np.linalg.slogdet, a)[1],
    (lambda g, out, a: g.reshape(g.shape + (1, 1)) * _batch_inv_t("slogdet", a),),
    doc="log|det a|:  d/da = g a^-T",
)
inv = P(
    "inv",
    lambda a: _lapack("inv", np.linalg.inv, a),
    (lambda g, out, a: -(_mT(out) @ g @ _mT(out)),),
    doc="a^-1:  d/da = -a^-T g a^-T",
)
solve = P(
    "solve",
    _solve_forward,
    (_solve_grad_a, _solve_grad_b),
    doc="x = a^-1 b:  d/db = solve(a^T, g), d/da = -solve(a^T, g) x^T",
)
cholesky_p = P(
    "cholesky",
    lambda a: _lapack("cholesky", np.linalg.cholesky, a, fails="is not positive definite"),
    (_cholesky_grad,),
    doc="L = chol(a), a = L L^T:  d/da = L^-T phi(L^T g) L^-1, symmetrised, onto the lower triangle",
)
eigh_p = P(
    "eigh",
    _eigh_forward,
    (_eigh_grad,),
    doc="[w; V] = eigh(a):  d/da = V (diag(g_w) + F o V^T g_V) V^T, F_ij = 1/(w_j - w_i), onto the lower triangle",
)
svd_p = P(
    "svd",
    _svd_forward,
    (_svd_grad,),
    doc="[U; s; V] = svd(a):  d/da = U (F o (U^T g_U - g_U^T U) S + diag(g_s) + S F o (V^T g_V - g_V^T V)) V^T "
    "+ the (I - U U^T), (I - V V^T) terms, F_ij = 1/(s_j^2 - s_i^2)",
)
qr_p = P(
    "qr",
    _qr_forward,
    (_qr_grad,),
    doc="[Q; R] = qr(a), m >= n:  d/da = (g_Q + Q copyltu(R g_R^T - g_Q^T Q)) R^-T",
)

del P


# ----------------------------------------------------------------------------- products (composites)
def _contract(name: str, a: Tensor, b: Tensor, axes_a: Sequence[int], axes_b: Sequence[int]) -> Tensor:
    """Sum a's ``axes_a`` against b's ``axes_b``; the free axes of a, then of b (numpy's
    tensordot algorithm: transpose, reshape to matrices, one matmul, reshape back)."""
    if len(axes_a) != len(axes_b):
        raise ValueError(f"{name}: {len(axes_a)} axes of a but {len(axes_b)} of b to sum over")
    for ax, x, which in ((axes_a, a, "a"), (axes_b, b, "b")):
        for i in ax:
            if not -x.ndim <= i < x.ndim:
                raise ValueError(f"{name}: axis {i} is out of bounds for {which} of shape {x.shape}")
    axes_a = [i % a.ndim for i in axes_a]
    axes_b = [i % b.ndim for i in axes_b]
    for i, j in zip(axes_a, axes_b, strict=True):
        if a.shape[i] != b.shape[j]:
            raise ValueError(
                f"{name}: shapes {a.shape} and {b.shape} are not aligned: {a.shape[i]} (dim {i} of a) "
                f"!= {b.shape[j]} (dim {j} of b)"
            )
    free_a = [i for i in range(a.ndim) if i not in axes_a]
    free_b = [j for j in range(b.ndim) if j not in axes_b]
    k = math.prod(a.shape[i] for i in axes_a)
    am = _permuted(a, free_a + axes_a).reshape(-1, k) if a.ndim != 2 or axes_a != [1] else a
    bm = _permuted(b, axes_b + free_b).reshape(k, -1) if b.ndim != 2 or axes_b != [0] else b
    out = matmul(am, bm)
    shape = tuple(a.shape[i] for i in free_a) + tuple(b.shape[j] for j in free_b)
    return out if out.shape == shape else reshape(out, shape)


def _permuted(x: Tensor, axes: list[int]) -> Tensor:
    return x if axes == list(range(x.ndim)) else transpose(x, axes)


@implements(np.tensordot)
def tensordot(a: Any, b: Any, axes: int | Sequence[Any] = 2) -> Tensor:
    """Sum over the last ``axes`` axes of a and the first of b, or over the pairs ``(axes_a, axes_b)``."""
    a, b = as_tensor(a), as_tensor(b)
    if isinstance(axes, (int, np.integer)):
        if not 0 <= axes <= min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: axes={axes} does not fit shapes {a.shape} and {b.shape}")
        return _contract("tensordot", a, b, list(range(a.ndim - axes, a.ndim)), list(range(axes)))
    axes_a, axes_b = axes
    listed = [[int(i)] if isinstance(i, (int, np.integer)) else [int(j) for j in i] for i in (axes_a, axes_b)]
    return _contract("tensordot", a, b, *listed)


@implements(np.dot, method=True)
def dot(a: Any, b: Any, out: None = None) -> Tensor:
    """numpy's dot: a product with a scalar, the inner product of vectors, matmul for a 2-D (or
    1-D) b, and for N-D b the sum over a's last and b's second-to-last axis."""
    _no_out("dot", out)
    if _ndim(a) == 0 or _ndim(b) == 0:
        return mul(a, b)
    a, b = as_tensor(a), as_tensor(b)
    if b.ndim <= 2:
        _contract_check("dot", a, b, a.ndim - 1, 0 if b.ndim == 1 else b.ndim - 2)
        return matmul(a, b)
    return _contract("dot", a, b, [-1], [-2])


def _contract_check(name: str, a: Tensor, b: Tensor, i: int, j: int) -> None:
    if a.shape[i] != b.shape[j]:
        raise ValueError(
            f"{name}: shapes {a.shape} and {b.shape} are not aligned: {a.shape[i]} (dim {i} of a) "
            f"!= {b.shape[j]} (dim {j} of b)"
        )


@implements(np.inner)
def inner(a: Any, b: Any) -> Tensor:
    """Sum over the last axes of a and b (a product when one is a scalar)."""
    if _ndim(a) == 0 or _ndim(b) == 0:
        return mul(a, b)
    a, b = as_tensor(a), as_tensor(b)
    if b.ndim == 1:
        _contract_check("inner", a, b, a.ndim - 1, 0)
        return matmul(a, b)
    return _contract("inner", a, b, [-1], [-1])


@implements(np.vdot)
def vdot(a: Any, b: Any) -> Tensor:
    """The dot product of the flattened inputs (real-valued: no conjugate)."""
    a, b = as_tensor(a), as_tensor(b)
    if a.size != b.size:
        raise ValueError(f"vdot: a of shape {a.shape} has {a.size} elements but b of shape {b.shape} has {b.size}")
    return matmul(reshape(a, (-1,)), reshape(b, (-1,)))


@implements(np.outer)
def outer(a: Any, b: Any, out: None = None) -> Tensor:
    """a.ravel()[:, None] * b.ravel()[None, :]"""
    _no_out("outer", out)
    return mul(reshape(as_tensor(a), (-1, 1)), reshape(as_tensor(b), (1, -1)))


@implements(np.kron)
def kron(a: Any, b: Any) -> Tensor:
    """The Kronecker product: a's and b's axes interleaved as a broadcast product, then merged."""
    a, b = as_tensor(a), as_tensor(b)
    nd = max(a.ndim, b.ndim)
    sa, sb = (1,) * (nd - a.ndim) + a.shape, (1,) * (nd - b.ndim) + b.shape
    ai = reshape(a, tuple(d for s in sa for d in (s, 1)))
    bi = reshape(b, tuple(d for s in sb for d in (1, s)))
    return reshape(mul(ai, bi), tuple(p * q for p, q in zip(sa, sb, strict=True)))


@implements(np.cross)
def cross(a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: int | None = None) -> Tensor:
    """The cross product of 3-vectors (a 2-vector has z = 0; two 2-vectors give the z component),
    along ``axisa``/``axisb`` (or ``axis``), broadcast over the rest, the result along ``axisc``."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = as_tensor(a), as_tensor(b)
    for x, ax, which in ((a, axisa, "a"), (b, axisb, "b")):
        if not -x.ndim <= ax < x.ndim or x.shape[ax] not in (2, 3):
            raise ValueError(f"cross: {which} of shape {x.shape} has no axis {ax} of 2 or 3 components")
    a, b = _move_to_end(a, axisa), _move_to_end(b, axisb)
    (a0, a1, a2), (b0, b1, b2) = _components(a), _components(b)
    z = a0 * b1 - a1 * b0
    if a2 is None and b2 is None:
        return z
    if a2 is None:  # a = (a0, a1, 0)
        x, y = a1 * b2, -(a0 * b2)
    elif b2 is None:  # b = (b0, b1, 0)
        x, y = -(a2 * b1), a2 * b0
    else:
        x, y = a1 * b2 - a2 * b1, a2 * b0 - a0 * b2
    c = stack([x, y, z], axis=-1)
    if not -c.ndim <= axisc < c.ndim:
        raise ValueError(f"cross: axisc={axisc} is out of bounds for the result's {c.ndim} dimensions")
    order = list(range(c.ndim - 1))
    order.insert(axisc % c.ndim, c.ndim - 1)  # the components' axis from last to axisc
    return _permuted(c, order)


def _move_to_end(x: Tensor, axis: int) -> Tensor:
    return _permuted(x, [k for k in range(x.ndim) if k != axis % x.ndim] + [axis % x.ndim])


def _components(x: Tensor) -> list[Any]:
    return [x[..., 0], x[..., 1], x[..., 2] if x.shape[-1] == 3 else None]


@implements(np.einsum)
def einsum(subscripts: str, *operands: Any, optimize: Any = None, out: None = None, dtype: None = None) -> Tensor:
    """numpy's einsum (subscripts string; explicit or implicit output, '...', repeated indices)."""
    _no_out("einsum", out)
    if dtype is not None:
        raise TypeError("einsum: dtype= is not supported on tensors; cast the operands with .astype()")
    if not isinstance(subscripts, str):
        raise TypeError("einsum: the sublist form is not supported; pass a subscripts string such as 'ij,jk->ik'")
    sub = _einsum_parse(subscripts, tuple(_shape(x) for x in operands))
    return einsum_p(*operands, subscripts=sub)


def _no_out(name: str, out: Any) -> None:
    if out is not None:
        raise TypeError(f"{name}: out= is not supported on tensors (results are new tensors)")


# ----------------------------------------------------------------------------- diagonals, triangles
@implements(np.diagonal, method=True)
def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """The diagonal of axes (axis1, axis2), moved to the end: a getitem with index arrays."""
    a = as_tensor(a)
    if a.ndim < 2:
        raise ValueError(f"diagonal: needs at least 2 dimensions, got shape {a.shape}")
    if not all(-a.ndim <= ax < a.ndim for ax in (axis1, axis2)) or (axis1 - axis2) % a.ndim == 0:
        raise ValueError(f"diagonal: axis1={axis1}, axis2={axis2} are not two distinct axes of shape {a.shape}")
    i, j = axis1 % a.ndim, axis2 % a.ndim
    rest = [k for k in range(a.ndim) if k not in (i, j)]
    x = _permuted(a, rest + [i, j])
    rows, cols = x.shape[-2:]
    n = max(0, min(rows - max(-offset, 0), cols - max(offset, 0)))
    idx = np.arange(n)
    return getitem(x, index=(Ellipsis, idx + max(-offset, 0), idx + max(offset, 0)))


@implements(np.trace, method=True)
def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: None = None, out: None = None) -> Tensor:
    """The sum of the diagonal: diagonal(a, offset, axis1, axis2).sum(-1)."""
    _no_out("trace", out)
    if dtype is not None:
        raise TypeError("trace: dtype= is not supported on tensors; use .astype()")
    return _sum(diagonal(a, offset, axis1, axis2), axis=-1)


@implements(np.diag)
def diag(v: Any, k: int = 0) -> Tensor:
    """A 1-D v: the square matrix with v on diagonal k (a scatter_add).  A 2-D v: its diagonal k."""
    v = as_tensor(v)
    if v.ndim == 2:
        return diagonal(v, k)
    if v.ndim != 1:
        raise ValueError(f"diag: input must be 1-D or 2-D, got shape {v.shape}")
    n = v.shape[0] + abs(k)
    idx = np.arange(v.shape[0])
    return scatter_add(v, shape=(n, n), index=(idx + max(-k, 0), idx + max(k, 0)))


def _triangle(name: str, m: Any, lower: bool, k: int) -> Tensor:
    m = as_tensor(m)
    if m.ndim == 0:
        raise ValueError(f"{name}: needs at least 1 dimension, got a scalar")
    rows, cols = m.shape[-2:] if m.ndim >= 2 else (m.shape[0], m.shape[0])
    keep = np.tri(rows, cols, k, dtype=bool) if lower else ~np.tri(rows, cols, k - 1, dtype=bool)
    return where(keep, m, 0)


@implements(np.tril)
def tril(m: Any, k: int = 0) -> Tensor:
    """The lower triangle (on and below diagonal k) of the last two axes: where(mask, m, 0)."""
    return _triangle("tril", m, True, k)


@implements(np.triu)
def triu(m: Any, k: int = 0) -> Tensor:
    """The upper triangle (on and above diagonal k) of the last two axes: where(mask, m, 0)."""
    return _triangle("triu", m, False, k)


# ----------------------------------------------------------------------------- np.linalg
implements(np.linalg.det)(det)
implements(np.linalg.inv)(inv)
implements(np.linalg.solve)(solve)


class SlogdetResult(NamedTuple):
    sign: Tensor  # a constant: piecewise constant in a, so its derivative is 0
    logabsdet: Tensor


@implements(np.linalg.slogdet)
def slogdet(a: Any) -> SlogdetResult:
    """(sign, log|det a|): the sign is a constant Tensor, log|det a| is differentiable."""
    logabsdet = slogdet_p(a)
    sign = np.linalg.slogdet(np.asarray(data_of(a)))[0]
    return SlogdetResult(Tensor._wrap(np.asarray(sign, dtype=logabsdet.dtype)), logabsdet)


@implements(np.linalg.cholesky)
def cholesky(a: Any, *, upper: bool = False) -> Tensor:
    """L with a = L L^T from a's lower triangle; ``upper=True``: U = L^T from a's upper triangle."""
    if upper:
        return _mT(cholesky_p(_mT(as_tensor(a))))
    return cholesky_p(a)


class EighResult(NamedTuple):
    eigenvalues: Tensor
    eigenvectors: Tensor


@implements(np.linalg.eigh)
def eigh(a: Any, UPLO: str = "L") -> EighResult:
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix, from its lower triangle
    (``UPLO='U'``: the upper).  Eigenvector gradients are undefined where eigenvalues repeat;
    there the formula's 1/(w_j - w_i) terms are set to 0 (eigenvalue gradients stay exact)."""
    if UPLO not in ("L", "U"):
        raise ValueError(f"eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    packed = eigh_p(a if UPLO == "L" else _mT(as_tensor(a)))
    return EighResult(packed[..., 0, :], packed[..., 1:, :])


@implements(np.linalg.eigvalsh)
def eigvalsh(a: Any, UPLO: str = "L") -> Tensor:
    """The eigenvalues of eigh (ascending)."""
    return eigh(a, UPLO).eigenvalues


class SVDResult(NamedTuple):
    U: Tensor
    S: Tensor
    Vh: Tensor


@implements(np.linalg.svd)
def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False) -> Any:
    """U, S (descending), Vh with a = U diag(S) Vh.  Non-square matrices need
    ``full_matrices=False``: numpy's extra columns of U or rows of Vh are an arbitrary completion
    with no gradient.  Where singular values repeat or vanish, the singular-vector terms of the
    gradient are set to 0 (the singular-value gradients u_i v_i^T stay exact).  ``hermitian`` is
    accepted and changes nothing."""
    if hermitian:  # numpy then reads only the lower triangle; the rule here reads the whole matrix
        raise TypeError(
            "svd: hermitian=True is not supported on tensors (numpy reads only one triangle then); "
            "symmetrize first, e.g. (a + a.T) / 2, and leave hermitian=False"
        )
    a = as_tensor(a)
    packed = svd_p(a)
    m, n = a.shape[-2:]
    s = packed[..., m, :]
    if not compute_uv:
        return s
    if full_matrices and m != n:
        raise ValueError(
            f"svd: full_matrices=True on a non-square matrix (shape {a.shape}) adds singular vectors that are "
            "not unique and have no gradient; pass full_matrices=False"
        )
    return SVDResult(packed[..., :m, :], s, _mT(packed[..., m + 1 :, :]))


class QRResult(NamedTuple):
    Q: Tensor
    R: Tensor


@implements(np.linalg.qr)
def qr(a: Any, mode: str = "reduced") -> Any:
    """Q (orthonormal columns) and R (upper triangular) with a = Q R, for matrices with at least
    as many rows as columns; ``mode='r'`` gives R alone.  A wide matrix, ``mode='complete'`` on a
    tall one (its extra columns of Q are not unique) and ``mode='raw'`` are refused."""
    a = as_tensor(a)
    if mode not in ("reduced", "r", "complete") or mode == "complete" and a.ndim >= 2 and a.shape[-2] != a.shape[-1]:
        raise ValueError(f"qr: mode={mode!r} is not supported on tensors (shape {a.shape}); use 'reduced' or 'r'")
    packed = qr_p(a)
    m = a.shape[-2]
    r = packed[..., m:, :]
    return r if mode == "r" else QRResult(packed[..., :m, :], r)


# ---- more of numpy's names
# matvec and vecmat are numpy 2's matrix-vector ufuncs, as matmul; diagflat is diag of the
# flattened input; correlate and convolve are one sliding-window view (no copy) and one matmul.
from .shape import sliding_window_view as _windows  # noqa: E402

__all__ += ["matvec", "vecmat", "diagflat", "correlate", "convolve"]


@implements(np.matvec)
def matvec(x1: Any, x2: Any, /) -> Tensor:
    """The matrix-vector product sum_j x1[..., i, j] x2[..., j] over broadcast batches  (composite: matmul)."""
    a, v = as_tensor(x1), as_tensor(x2)
    if a.ndim < 2 or v.ndim < 1 or a.shape[-1] != v.shape[-1]:
        raise ValueError(f"matvec: a matrix (..., m, n) and a vector (..., n) are needed, got {a.shape} and {v.shape}")
    return matmul(a, v[..., None])[..., 0]


@implements(np.vecmat)
def vecmat(x1: Any, x2: Any, /) -> Tensor:
    """The vector-matrix product sum_i x1[..., i] x2[..., i, j] over broadcast batches (real: no
    conjugate)  (composite: matmul)."""
    v, a = as_tensor(x1), as_tensor(x2)
    if a.ndim < 2 or v.ndim < 1 or a.shape[-2] != v.shape[-1]:
        raise ValueError(f"vecmat: a vector (..., n) and a matrix (..., n, m) are needed, got {v.shape} and {a.shape}")
    return matmul(v[..., None, :], a)[..., 0, :]


@implements(np.diagflat)
def diagflat(v: Any, k: int = 0) -> Tensor:
    """The square matrix with the flattened v on diagonal k = diag(ravel(v), k)  (composite)."""
    return diag(reshape(as_tensor(v), (-1,)), k)


_MODES = ("full", "same", "valid")


def _correlated(name: str, a: Any, v: Any, mode: str) -> Tensor:
    """c[k] = sum_n a[n + k] v[n] for 1-D a, v, cut to ``mode`` as numpy."""
    a, v = as_tensor(a), as_tensor(v)
    if a.ndim != 1 or v.ndim != 1 or not a.shape[0] or not v.shape[0]:
        raise ValueError(f"{name}: two non-empty 1-D inputs are needed, got shapes {a.shape} and {v.shape}")
    if mode not in _MODES:
        raise ValueError(f"{name}: mode must be one of {_MODES}, got {mode!r}")
    na, nv = a.shape[0], v.shape[0]
    padded = scatter_add(a, shape=(na + 2 * (nv - 1),), index=np.arange(nv - 1, nv - 1 + na))
    full = matmul(_windows(padded, nv), v)  # length na + nv - 1, shift k = -(nv - 1) ... na - 1
    if mode == "full":
        return full
    if mode == "valid":
        return full[min(na, nv) - 1 : max(na, nv)]
    start = (nv - 1) - nv // 2 if na >= nv else na // 2
    return full[start : start + max(na, nv)]


@implements(np.correlate)
def correlate(a: Any, v: Any, mode: str = "valid") -> Tensor:
    """The cross-correlation c[k] = sum_n a[n + k] v[n] of 1-D inputs, mode 'valid', 'same' or
    'full' as numpy (real: no conjugate)  (composite: a window view and matmul)."""
    return _correlated("correlate", a, v, mode)


@implements(np.convolve)
def convolve(a: Any, v: Any, mode: str = "full") -> Tensor:
    """The discrete convolution (a * v)[k] = sum_n a[n] v[k - n] of 1-D inputs = correlate of the
    longer with the shorter reversed, as numpy  (composite)."""
    a, v = as_tensor(a), as_tensor(v)
    if a.ndim == 1 and v.ndim == 1 and v.shape[0] > a.shape[0]:
        a, v = v, a
    return _correlated("convolve", a, v[::-1] if v.ndim == 1 else v, mode)


# polynomials: Horner's rule and the Vandermonde matrix
import operator  # noqa: E402

from .core import broadcast_to as _broadcast_to  # noqa: E402
from .core import concatenate as _concatenate  # noqa: E402
from .reductions import cumprod as _cumprod  # noqa: E402

__all__ += ["polyval", "vander"]


@implements(np.polyval)
def polyval(p: Any, x: Any) -> Tensor:
    """p[0] x^(n-1) + ... + p[n-1] by Horner's rule, y = y x + p[i] from y = 0, as numpy
    (composite; differentiable in the coefficients p and in x)."""
    p = as_tensor(p)
    if p.ndim != 1:
        raise ValueError(f"polyval: the coefficients p must be 1-D, got shape {p.shape}")
    y: Any = np.zeros_like(data_of(x), dtype=np.result_type(data_of(x), np.float16))
    for i in range(p.shape[0]):
        y = y * x + p[i]
    return as_tensor(y)


@implements(np.vander)
def vander(x: Any, N: int | None = None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix of powers x_i^j, j = N-1 ... 0 (0 ... N-1 when increasing): the running
    products of x, as numpy  (composite: cumprod)."""
    x = as_tensor(x)
    if x.ndim != 1:
        raise ValueError(f"vander: x must be 1-D, got shape {x.shape}")
    try:
        n = x.shape[0] if N is None else operator.index(N)
    except TypeError:
        raise TypeError(f"vander: N must be an integer, got {N!r}") from None
    dtype = np.promote_types(x.dtype, int)
    if not np.issubdtype(dtype, np.inexact):  # integers: numpy's own (exact) powers
        return Tensor._wrap(np.vander(x.data, n, increasing))
    column = x[:, None] if x.dtype == dtype else x[:, None].astype(dtype)
    if n < 2:  # x^0 alone: ones, recorded with gradient 0
        return where(np.ones((x.shape[0], n), dtype=bool), np.ones((), dtype=dtype), column)
    powers = _cumprod(_broadcast_to(column, shape=(x.shape[0], n - 1)), axis=1)
    v = _concatenate(np.ones((x.shape[0], 1), dtype=dtype), powers, axis=1)
    return v if increasing else v[:, ::-1]
