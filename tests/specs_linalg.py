"""Specs for the linalg family of the primitive table (``autograd_lite/ops/linalg.py``): its
primitives (einsum, det, slogdet, inv, solve, cholesky, eigh) and the composites built on the
core table (dot, vdot, inner, outer, tensordot, kron, trace, diag, diagonal, tril, triu, norm,
eigvalsh), with one labelled row per case."""

from __future__ import annotations

import numpy as np

import autograd_lite as ag
from autograd_lite.ops import linalg as L

from . import strategies as S
from .opspec import Spec

COMPOSITES = (
    "dot", "vdot", "inner", "outer", "tensordot", "kron", "trace", "diag", "diagonal",
    "tril", "triu", "norm", "eigvalsh", "vector_norm", "matrix_norm", "svdvals", "cond", "matrix_power",
    "multi_dot", "tensorinv", "tensorsolve", "vecdot", "matrix_transpose", "linalg.outer", "linalg.trace",
    "linalg.diagonal", "pinv", "lstsq", "cross", "linalg.cross",
)  # fmt: skip
INF = np.inf


def _eigh_packed_ref(a: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh(a)
    return np.concatenate([w[..., None, :], v], axis=-2)


def _svd_packed_ref(a: np.ndarray) -> np.ndarray:
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.concatenate([u, s[..., None, :], vh.swapaxes(-1, -2)], axis=-2)


def _qr_packed_ref(a: np.ndarray) -> np.ndarray:
    return np.concatenate(np.linalg.qr(a), axis=-2)


def _dot(label: str, *shapes) -> Spec:
    return Spec("dot", np.dot, np.dot, shapes, label=label)


def _einsum(label: str, subscripts: str, *shapes, domain=S.normal) -> Spec:
    return Spec(
        "einsum",
        lambda *xs: ag.einsum(subscripts, *xs),
        lambda *xs: np.einsum(subscripts, *xs),
        shapes,
        domain,
        label,
    )


def _norm(label: str, shape, domain=S.normal, **kw) -> Spec:
    return Spec("norm", lambda x: ag.linalg.norm(x, **kw), lambda x: np.linalg.norm(x, **kw), (shape,), domain, label)


SPECS: list[Spec] = [
    # ------------------------------------------------------------------ dot and relatives
    _dot("scalar", (), (2, 3)),
    _dot("1d-1d", (3,), (3,)),
    _dot("2d-1d", (2, 3), (3,)),
    _dot("1d-2d", (3,), (3, 2)),
    _dot("2d-2d", (2, 3), (3, 4)),
    _dot("nd-1d", (2, 2, 3), (3,)),
    _dot("nd-2d", (2, 2, 3), (3, 2)),
    _dot("nd-nd", (2, 3), (2, 3, 2)),
    _dot("nd-nd-3d", (2, 1, 3), (2, 3, 2)),
    Spec("dot", lambda a, b: a.dot(b), np.dot, ((2, 3), (3,)), label="method"),
    Spec("vdot", ag.vdot, np.vdot, ((2, 3), (3, 2))),
    Spec("inner", ag.inner, np.inner, ((3,), (3,)), label="1d"),
    Spec("inner", ag.inner, np.inner, ((2, 3), (4, 3)), label="2d"),
    Spec("inner", ag.inner, np.inner, ((2, 2, 3), (2, 3)), label="nd"),
    Spec("inner", ag.inner, np.inner, ((), (2, 3)), label="scalar"),
    Spec("outer", ag.outer, np.outer, ((3,), (2, 2))),
    Spec("tensordot", ag.tensordot, np.tensordot, ((2, 3, 4), (3, 4, 2)), label="int-2"),
    Spec(
        "tensordot",
        lambda a, b: ag.tensordot(a, b, 0),
        lambda a, b: np.tensordot(a, b, 0),
        ((2,), (3, 2)),
        label="int-0",
    ),
    Spec(
        "tensordot",
        lambda a, b: ag.tensordot(a, b, ([0, 2], [2, 1])),
        lambda a, b: np.tensordot(a, b, ([0, 2], [2, 1])),
        ((2, 3, 4), (3, 4, 2)),
        label="pairs",
    ),
    Spec(
        "tensordot",
        lambda a, b: ag.tensordot(a, b, (1, 0)),
        lambda a, b: np.tensordot(a, b, (1, 0)),
        ((2, 3), (3, 2)),
        label="int-pair",
    ),
    Spec("cross", ag.cross, np.cross, ((3,), (3,))),
    Spec("cross", ag.cross, np.cross, ((2, 1, 3), (4, 3)), label="broadcast"),
    Spec("cross", ag.cross, lambda a, b: np.cross(np.append(a, 0.0), b), ((2,), (3,)), label="2d-3d"),
    Spec(
        "cross",
        lambda a, b: ag.cross(a, b, axisa=0, axisb=1, axisc=0),
        lambda a, b: np.cross(a, b, axisa=0, axisb=1, axisc=0),
        ((3, 2), (2, 3)),
        label="axes",
    ),
    Spec(
        "linalg.cross",
        lambda a, b: ag.linalg.cross(a, b, axis=0),
        lambda a, b: np.linalg.cross(a, b, axis=0),
        ((3, 2), (3, 2)),
    ),
    Spec("kron", ag.kron, np.kron, ((2, 3), (2, 2))),
    Spec("kron", ag.kron, np.kron, ((3,), (2, 2)), label="mixed-ndim"),
    # ------------------------------------------------------------------ einsum
    _einsum("matmul", "ij,jk->ik", (2, 3), (3, 4)),
    _einsum("implicit", "ij,jk", (2, 3), (3, 4)),
    _einsum("implicit-transpose", "ji", (2, 3)),
    _einsum("trace", "ii->", (3, 3)),
    _einsum("trace-implicit", "ii", (3, 3)),
    _einsum("diagonal", "ii->i", (3, 3)),
    _einsum("batch-diagonal", "bii->bi", (2, 3, 3)),
    _einsum("sum-axis", "ij->j", (2, 3)),
    _einsum("sum-all", "ij->", (2, 3)),
    _einsum("inner", "i,i", (4,), (4,)),
    _einsum("outer", "i,j->ij", (2,), (3,)),
    _einsum("batched-matmul", "bij,bjk->bik", (2, 2, 3), (2, 3, 2)),
    _einsum("ellipsis", "...ij,...jk->...ik", (2, 2, 3), (3, 2)),
    _einsum("ellipsis-diagonal", "...ii->...i", (2, 3, 3)),
    _einsum("three-operands", "ij,jk,kl->il", (2, 3), (3, 2), (2, 2)),
    _einsum("repeated-across", "ij,ij,j->i", (2, 3), (2, 3), (3,)),
    _einsum("scalar-operand", ",ij->ij", (), (2, 3)),
    _einsum("bilinear", "i,ij,j->", (3,), (3, 3), (3,)),
    # ------------------------------------------------------------------ diagonals, triangles
    Spec("trace", ag.trace, np.trace, ((3, 3),)),
    Spec("trace", lambda x: x.trace(offset=1), lambda x: x.trace(offset=1), ((3, 4),), label="offset-method"),
    Spec(
        "trace",
        lambda x: ag.trace(x, -1, axis1=2, axis2=0),
        lambda x: np.trace(x, -1, axis1=2, axis2=0),
        ((3, 2, 4),),
        label="axes",
    ),
    Spec("diag", ag.diag, np.diag, ((3,),), label="vector"),
    Spec("diag", lambda v: ag.diag(v, k=-2), lambda v: np.diag(v, k=-2), ((3,),), label="vector-k"),
    Spec("diag", lambda m: ag.diag(m, 1), lambda m: np.diag(m, 1), ((3, 4),), label="matrix-k"),
    Spec("diagonal", ag.diagonal, np.diagonal, ((3, 4),)),
    Spec(
        "diagonal",
        lambda x: x.diagonal(offset=-1, axis1=1, axis2=2),
        lambda x: x.diagonal(offset=-1, axis1=1, axis2=2),
        ((2, 4, 3),),
        label="axes-method",
    ),
    Spec("tril", ag.tril, np.tril, ((3, 4),)),
    Spec("tril", lambda x: ag.tril(x, -1), lambda x: np.tril(x, -1), ((2, 3, 3),), label="batched-k"),
    Spec("triu", lambda x: ag.triu(x, 1), lambda x: np.triu(x, 1), ((4, 3),)),
    # ------------------------------------------------------------------ norm
    _norm("flat", (2, 3, 2)),
    _norm("flat-keepdims", (2, 3), keepdims=True),
    _norm("vector-2", (4,), ord=2),
    _norm("vector-1", (4,), S.away_from_zero, ord=1),
    _norm("vector-inf", (5,), S.distinct, ord=INF),
    _norm("vector-minus-inf", (5,), S.distinct, ord=-INF),
    _norm("vector-p3", (4,), S.away_from_zero, ord=3),
    _norm("vector-p0.5", (4,), S.away_from_zero, ord=0.5),
    _norm("vector-axis", (2, 3), axis=1),
    _norm("vector-axis-keepdims", (2, 3, 2), S.away_from_zero, ord=1, axis=-2, keepdims=True),
    _norm("fro", (3, 2), ord="fro"),
    _norm("matrix-1", (3, 4), S.distinct, ord=1),
    _norm("matrix-minus-1", (3, 4), S.distinct, ord=-1),
    _norm("matrix-inf", (3, 4), S.distinct, ord=INF),
    _norm("matrix-minus-inf", (3, 4), S.distinct, ord=-INF),
    _norm("matrix-axes", (3, 2, 4), S.distinct, ord=1, axis=(2, 0)),
    _norm("matrix-axes-keepdims", (3, 2, 4), ord="fro", axis=(0, 2), keepdims=True),
    _norm("matrix-2", (3, 2), S.well_conditioned, ord=2),
    _norm("matrix-minus-2", (3, 3), S.well_conditioned, ord=-2),
    _norm("nuc", (2, 3), S.well_conditioned, ord="nuc"),
    _norm("nuc-batched", (2, 3, 3), S.well_conditioned, ord="nuc", axis=(1, 2)),
    # ------------------------------------------------------------------ np.linalg primitives
    Spec("det", ag.linalg.det, np.linalg.det, ((3, 3),), S.well_conditioned),
    Spec("det", ag.linalg.det, np.linalg.det, ((2, 3, 3),), S.signed_well_conditioned, "batched-negative"),
    Spec("det", ag.linalg.det, np.linalg.det, ((1, 1),), S.well_conditioned, "1x1"),
    Spec(
        "slogdet",
        lambda a: ag.linalg.slogdet(a).logabsdet,
        lambda a: np.linalg.slogdet(a).logabsdet,
        ((3, 3),),
        S.signed_well_conditioned,
    ),
    Spec(
        "slogdet",
        lambda a: ag.linalg.slogdet(a)[1],
        lambda a: np.linalg.slogdet(a)[1],
        ((2, 2, 2),),
        S.well_conditioned,
        "batched",
    ),
    Spec("inv", ag.linalg.inv, np.linalg.inv, ((3, 3),), S.well_conditioned),
    Spec("inv", ag.linalg.inv, np.linalg.inv, ((2, 3, 3),), S.well_conditioned, "batched"),
    Spec("solve", ag.linalg.solve, np.linalg.solve, ((3, 3), (3,)), (S.well_conditioned, S.normal), "vector"),
    Spec("solve", ag.linalg.solve, np.linalg.solve, ((3, 3), (3, 2)), (S.well_conditioned, S.normal), "matrix"),
    Spec("solve", ag.linalg.solve, np.linalg.solve, ((2, 3, 3), (2, 3, 2)), (S.well_conditioned, S.normal), "batched"),
    Spec(
        "solve",
        ag.linalg.solve,
        np.linalg.solve,
        ((2, 3, 3), (3,)),
        (S.well_conditioned, S.normal),
        "batched-vector",
    ),
    Spec(
        "solve",
        ag.linalg.solve,
        np.linalg.solve,
        ((3, 3), (2, 3, 1)),
        (S.well_conditioned, S.normal),
        "broadcast-a",
    ),
    Spec("cholesky", ag.linalg.cholesky, np.linalg.cholesky, ((3, 3),), S.spd),
    Spec("cholesky", ag.linalg.cholesky, np.linalg.cholesky, ((2, 3, 3),), S.spd, "batched"),
    Spec("eigh", L.eigh_p, _eigh_packed_ref, ((3, 3),), S.symmetric_separated, "packed"),
    Spec("eigh", L.eigh_p, _eigh_packed_ref, ((2, 3, 3),), S.symmetric_separated, "packed-batched"),
    Spec("eigvalsh", ag.linalg.eigvalsh, np.linalg.eigvalsh, ((3, 3),), S.symmetric_separated),
    Spec("svd", L.svd_p, _svd_packed_ref, ((3, 3),), S.separated_singular_values, "packed-square"),
    Spec("svd", L.svd_p, _svd_packed_ref, ((4, 2),), S.separated_singular_values, "packed-tall"),
    Spec("svd", L.svd_p, _svd_packed_ref, ((2, 4),), S.separated_singular_values, "packed-wide"),
    Spec("svd", L.svd_p, _svd_packed_ref, ((2, 3, 2),), S.separated_singular_values, "packed-batched"),
    Spec("qr", L.qr_p, _qr_packed_ref, ((3, 3),), S.well_conditioned, "packed-square"),
    Spec("qr", L.qr_p, _qr_packed_ref, ((2, 4, 2),), S.well_conditioned, "packed-tall-batched"),
    Spec("pinv", ag.linalg.pinv, np.linalg.pinv, ((4, 3),), S.separated_singular_values, label="tall"),
    Spec("pinv", ag.linalg.pinv, np.linalg.pinv, ((2, 2, 3),), S.separated_singular_values, label="wide-batched"),
    Spec(
        "lstsq",
        lambda a, b: ag.linalg.lstsq(a, b)[0],
        lambda a, b: np.linalg.lstsq(a, b)[0],
        ((5, 3), (5, 2)),
        (S.separated_singular_values, S.normal),
        "x",
    ),
    Spec(
        "lstsq",
        lambda a, b: ag.linalg.lstsq(a, b)[1],
        lambda a, b: np.linalg.lstsq(a, b)[1],
        ((5, 3), (5,)),
        (S.separated_singular_values, S.normal),
        "residuals",
    ),
    # ------------------------------------------------------------------ ag.linalg composites (numpy 2's names too)
    Spec("vector_norm", ag.linalg.vector_norm, np.linalg.vector_norm, ((2, 3),), label="all"),
    Spec(
        "vector_norm",
        lambda x: ag.linalg.vector_norm(x, axis=(0, 2), ord=1, keepdims=True),
        lambda x: np.linalg.vector_norm(x, axis=(0, 2), ord=1, keepdims=True),
        ((2, 3, 2),),
        S.away_from_zero,
        "axes-keepdims",
    ),
    Spec("matrix_norm", ag.linalg.matrix_norm, np.linalg.matrix_norm, ((2, 3, 2),), label="fro-batched"),
    Spec(
        "matrix_norm",
        lambda x: ag.linalg.matrix_norm(x, ord=2),
        lambda x: np.linalg.matrix_norm(x, ord=2),
        ((2, 2, 3),),
        S.well_conditioned,
        "2-batched",
    ),
    Spec("svdvals", ag.linalg.svdvals, np.linalg.svdvals, ((3, 2),), S.well_conditioned),
    Spec("svdvals", ag.linalg.svdvals, np.linalg.svdvals, ((2, 2, 3),), S.well_conditioned, "batched-wide"),
    Spec("cond", ag.linalg.cond, np.linalg.cond, ((3, 3),), S.well_conditioned),
    Spec(
        "cond",
        lambda x: ag.linalg.cond(x, "fro"),
        lambda x: np.linalg.cond(x, "fro"),
        ((3, 3),),
        S.well_conditioned,
        "fro",
    ),
    Spec(
        "matrix_power",
        lambda x: ag.linalg.matrix_power(x, 5),
        lambda x: np.linalg.matrix_power(x, 5),
        ((3, 3),),
        lambda r, s: 0.5 * r.standard_normal(s),
        "5",
    ),
    Spec(
        "matrix_power",
        lambda x: ag.linalg.matrix_power(x, -2),
        lambda x: np.linalg.matrix_power(x, -2),
        ((2, 3, 3),),
        S.well_conditioned,
        "minus-2-batched",
    ),
    Spec(
        "matrix_power",
        lambda x: ag.linalg.matrix_power(x, 0),
        lambda x: np.linalg.matrix_power(x, 0),
        ((3, 3),),
        label="0",
    ),
    Spec(
        "multi_dot",
        lambda a, b, c, d: ag.linalg.multi_dot([a, b, c, d]),
        lambda a, b, c, d: np.linalg.multi_dot([a, b, c, d]),
        ((4,), (4, 2), (2, 5), (5,)),
        label="vector-ends",
    ),
    Spec(
        "multi_dot",
        lambda a, b, c: ag.linalg.multi_dot([a, b, c]),
        lambda a, b, c: np.linalg.multi_dot([a, b, c]),
        ((5, 2), (2, 4), (4, 1)),
        label="matrices",
    ),
    Spec(
        "tensorinv",
        lambda a: ag.linalg.tensorinv(a, ind=1),
        lambda a: np.linalg.tensorinv(a, ind=1),
        ((4, 2, 2),),
        lambda r, s: S.well_conditioned(r, (4, 4)).reshape(s),
    ),
    Spec(
        "tensorsolve",
        ag.linalg.tensorsolve,
        np.linalg.tensorsolve,
        ((2, 2, 4), (2, 2)),
        (lambda r, s: S.well_conditioned(r, (4, 4)).reshape(s), S.normal),
    ),
    Spec(
        "vecdot",
        lambda a, b: ag.linalg.vecdot(a, b, axis=0),
        lambda a, b: np.linalg.vecdot(a, b, axis=0),
        ((3, 1), (3, 2)),
    ),
    Spec("matrix_transpose", ag.linalg.matrix_transpose, np.linalg.matrix_transpose, ((2, 3, 4),)),
    Spec("linalg.outer", ag.linalg.outer, np.linalg.outer, ((3,), (2,))),
    Spec(
        "linalg.trace",
        lambda x: ag.linalg.trace(x, offset=-1),
        lambda x: np.linalg.trace(x, offset=-1),
        ((2, 3, 3),),
    ),
    Spec(
        "linalg.diagonal",
        lambda x: ag.linalg.diagonal(x, offset=1),
        lambda x: np.linalg.diagonal(x, offset=1),
        ((2, 3, 4),),
    ),
]


# ---- more of numpy's names
COMPOSITES += ("matvec", "vecmat", "diagflat", "correlate", "convolve")


def _pair(name: str, call, shapes, label: str = "", **kw) -> Spec:
    """A spec whose Tensor call and numpy reference are the same expression."""
    return Spec(name, call, call, shapes, label=label, **kw)


SPECS += [
    _pair("vecdot", np.vecdot, ((2, 3), (3,)), "numpy-ufunc"),
    _pair("matrix_transpose", np.matrix_transpose, ((2, 3, 4),), "numpy-top-level"),
    _pair("matvec", np.matvec, ((2, 3, 4), (4,)), "batch"),
    _pair("matvec", np.matvec, ((3, 4), (2, 1, 4)), "broadcast"),
    _pair("vecmat", np.vecmat, ((3,), (2, 3, 4)), "batch"),
    _pair("vecmat", np.vecmat, ((2, 1, 3), (3, 3, 2)), "broadcast"),
    _pair("diagflat", np.diagflat, ((2, 2),), "matrix"),
    _pair("diagflat", lambda v: np.diagflat(v, -1), ((3,),), "k"),
    _pair("correlate", np.correlate, ((6,), (3,)), "valid"),
    _pair("correlate", lambda a, v: np.correlate(a, v, "same"), ((5,), (4,)), "same"),
    _pair("correlate", lambda a, v: np.correlate(a, v, "full"), ((5,), (3,)), "full"),
    _pair("correlate", lambda a, v: np.correlate(a, v, "same"), ((3,), (6,)), "same-v-longer"),
    _pair("correlate", np.correlate, ((2,), (5,)), "valid-v-longer"),
    _pair("convolve", np.convolve, ((6,), (3,)), "full"),
    _pair("convolve", lambda a, v: np.convolve(a, v, "same"), ((4,), (7,)), "same-v-longer"),
    _pair("convolve", lambda a, v: np.convolve(a, v, "valid"), ((7,), (4,)), "valid"),
]

# polynomials
COMPOSITES += ("polyval", "vander")
SPECS += [
    _pair("polyval", np.polyval, ((4,), (2, 3)), "p-and-x"),
    _pair("polyval", lambda p: np.polyval(p, np.float32(0.7)), ((3,),), "scalar-x"),
    # vander computes in promote_types(x.dtype, int), float64 for float32 (as numpy): cast back
    _pair("vander", lambda x: np.vander(x).astype(x.dtype), ((3,),), "square"),
    _pair("vander", lambda x: np.vander(x, 4, increasing=True).astype(x.dtype), ((3,),), "increasing"),
    _pair("vander", lambda x: np.vander(x, 1).astype(x.dtype), ((2,),), "ones"),
]
