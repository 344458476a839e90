"""Specs for the core family of the primitive table (``autograd_lite/ops/core.py``) and the
composites built on it in ``tensor.py``."""

from __future__ import annotations

import numpy as np

import autograd_lite as ag
from autograd_lite import ops

from . import strategies as S
from .opspec import Spec, _np_logsumexp, _np_sigmoid, _np_softmax, _scatter_ref

COMPOSITES = (
    "sub", "div", "mean", "var", "abs", "sqrt", "min", "minimum", "clip",
    "logsumexp", "softmax", "log_softmax", "swapaxes",
)  # fmt: skip


COND = np.array([[True, False, True], [False, False, True]])
REPEATED = np.array([0, 2, 0, 0])
MASK = np.array([True, False, True, True])
LO, HI = -0.5, 0.4

SPECS: list[Spec] = [
    # ------------------------------------------------------------------ primitives
    Spec("add", lambda a, b: a + b, np.add, ((2, 3), (2, 3)), broadcasts=True),
    Spec("mul", lambda a, b: a * b, np.multiply, ((2, 3), (2, 3)), broadcasts=True),
    Spec("neg", lambda x: -x, np.negative, ((2, 3),)),
    Spec("pow", lambda a, b: a**b, np.power, ((2, 3), (2, 3)), (S.positive, S.normal), "tensor-tensor", True),
    Spec("pow", lambda x: x**2.5, lambda x: x**2.5, ((3, 2),), S.positive, "tensor-number"),
    Spec("pow", lambda x: x**3, lambda x: x**3, ((4,),), S.normal, "negative-base-int"),
    Spec("pow", lambda x: 2.0**x, lambda x: 2.0**x, ((4,),), S.normal, "number-tensor"),
    Spec("exp", ag.exp, np.exp, ((2, 3),)),
    Spec("log", ag.log, np.log, ((2, 3),), S.positive),
    Spec("sigmoid", ag.sigmoid, _np_sigmoid, ((2, 3),), lambda r, s: 3 * r.standard_normal(s)),
    Spec("tanh", ag.tanh, np.tanh, ((2, 3),)),
    Spec("relu", ag.relu, lambda x: np.maximum(x, 0), ((3, 4),), S.away_from_zero),
    Spec("maximum", ag.maximum, np.maximum, ((2, 3), (2, 3)), (S.lattice_low, S.lattice_high), broadcasts=True),
    Spec("max", lambda x: x.max(), np.max, ((3, 4),), S.distinct, "all"),
    Spec("max", lambda x: x.max(axis=1), lambda x: x.max(axis=1), ((3, 4),), S.distinct, "axis"),
    Spec(
        "max",
        lambda x: x.max(axis=(0, 2), keepdims=True),
        lambda x: x.max(axis=(0, 2), keepdims=True),
        ((2, 3, 2),),
        S.distinct,
        "axes-keepdims",
    ),
    Spec("sum", lambda x: x.sum(), np.sum, ((2, 3),), label="all"),
    Spec("sum", lambda x: x.sum(axis=-1), lambda x: x.sum(axis=-1), ((2, 3),), label="axis"),
    Spec(
        "sum",
        lambda x: x.sum(axis=(0, 2), keepdims=True),
        lambda x: x.sum(axis=(0, 2), keepdims=True),
        ((2, 3, 2),),
        label="axes-keepdims",
    ),
    Spec("matmul", lambda a, b: a @ b, np.matmul, ((3,), (3,)), label="1d-1d"),
    Spec("matmul", lambda a, b: a @ b, np.matmul, ((2, 3), (3,)), label="2d-1d"),
    Spec("matmul", lambda a, b: a @ b, np.matmul, ((3,), (3, 2)), label="1d-2d"),
    Spec("matmul", lambda a, b: a @ b, np.matmul, ((2, 3), (3, 4)), label="2d-2d"),
    Spec("matmul", lambda a, b: a @ b, np.matmul, ((2, 2, 3), (3, 2)), label="batched-2d"),
    Spec("matmul", lambda a, b: a @ b, np.matmul, ((2, 1, 2, 3), (3, 3, 2)), label="batch-broadcast"),
    Spec("matmul", lambda a, b: a @ b, np.matmul, ((3,), (2, 3, 2)), label="1d-batched"),
    Spec("reshape", lambda x: x.reshape(3, -1), lambda x: x.reshape(3, -1), ((2, 3, 2),)),
    Spec("transpose", lambda x: x.T, lambda x: x.T, ((2, 3, 4),), label="reverse"),
    Spec("transpose", lambda x: x.transpose(2, 0, 1), lambda x: x.transpose(2, 0, 1), ((2, 3, 4),), label="perm"),
    Spec(
        "broadcast_to",
        lambda x: ag.broadcast_to(x, shape=(2, 3, 4)),
        lambda x: np.broadcast_to(x, (2, 3, 4)),
        ((3, 1),),
    ),
    Spec("getitem", lambda x: x[1:, ::2], lambda x: x[1:, ::2], ((3, 4),), label="slices"),
    Spec("getitem", lambda x: x[..., None, 1], lambda x: x[..., None, 1], ((2, 3),), label="ellipsis-newaxis"),
    Spec("getitem", lambda x: x[REPEATED], lambda x: x[REPEATED], ((3, 2),), label="repeated"),
    Spec("getitem", lambda x: x[MASK], lambda x: x[MASK], ((4, 2),), label="mask"),
    Spec("getitem", lambda x: x[[0, 1, 1], [2, 0, 2]], lambda x: x[[0, 1, 1], [2, 0, 2]], ((2, 3),), label="pairs"),
    Spec(
        "scatter_add",
        lambda g: ops.scatter_add(g, shape=(3, 2), index=REPEATED),
        lambda g: _scatter_ref(g, (3, 2), REPEATED),
        ((4, 2),),
    ),
    Spec(
        "concatenate",
        lambda a, b, c: ag.concatenate([a, b, c], axis=1),
        lambda a, b, c: np.concatenate([a, b, c], axis=1),
        ((2, 1), (2, 3), (2, 2)),
    ),
    Spec("stack", lambda a, b: ag.stack([a, b], axis=-1), lambda a, b: np.stack([a, b], axis=-1), ((2, 3), (2, 3))),
    Spec("where", lambda a, b: ag.where(COND, a, b), lambda a, b: np.where(COND, a, b), ((2, 3), (2, 3))),
    Spec(
        "astype",
        lambda x: x.astype(np.float32),
        lambda x: x.astype(np.float32),
        ((2, 3),),
        tol={"rtol": 2e-3, "atol": 2e-3, "eps": 1e-3},
    ),
    # ------------------------------------------------------------------ composites
    Spec("sub", lambda a, b: a - b, np.subtract, ((2, 3), (2, 3)), broadcasts=True),
    Spec("div", lambda a, b: a / b, np.divide, ((2, 3), (2, 3)), (S.normal, S.away_from_zero), broadcasts=True),
    Spec("mean", lambda x: x.mean(axis=0), lambda x: x.mean(axis=0), ((3, 2),)),
    Spec("var", lambda x: x.var(axis=1), lambda x: x.var(axis=1), ((2, 4),)),
    Spec("var", lambda x: ag.var(x, ddof=1), lambda x: np.var(x, ddof=1), ((5,),), label="ddof"),
    Spec("abs", ag.abs, np.abs, ((2, 3),), S.away_from_zero),
    Spec("sqrt", ag.sqrt, np.sqrt, ((2, 3),), S.positive),
    Spec("min", lambda x: x.min(axis=0), lambda x: x.min(axis=0), ((3, 4),), S.distinct),
    Spec("minimum", ag.minimum, np.minimum, ((2, 3), (2, 3)), (S.lattice_high, S.lattice_low), broadcasts=True),
    Spec("clip", lambda x: x.clip(LO, HI), lambda x: np.clip(x, LO, HI), ((3, 4),), S.off_bounds(LO, HI)),
    Spec("logsumexp", lambda x: ag.logsumexp(x, axis=1), lambda x: _np_logsumexp(x, axis=1), ((2, 4),)),
    Spec("softmax", lambda x: ag.softmax(x, axis=1), lambda x: _np_softmax(x, axis=1), ((2, 4),)),
    Spec("log_softmax", lambda x: ag.log_softmax(x, axis=0), lambda x: np.log(_np_softmax(x, axis=0)), ((3, 2),)),
    Spec("swapaxes", lambda x: x.swapaxes(0, -1), lambda x: x.swapaxes(0, -1), ((2, 3, 4),)),
]
