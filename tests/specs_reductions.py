"""Specs for the reductions family of the primitive table (``autograd_lite/ops/reductions.py``)
and the reductions composed in ``tensor.py`` (var, mean, logsumexp with ``b=``)."""

from __future__ import annotations

import numpy as np

import autograd_lite as ag

from . import strategies as S
from .opspec import Spec, _np_logsumexp

COMPOSITES = ("cumprod", "std", "average", "amax", "amin", "ptp", "median", "percentile")

# float32 constants: numpy promotes float32 data with float64 weights or q to float64
W4 = np.array([0.5, 1.0, 2.0, 0.25], dtype=np.float32)
Q3 = np.array([0.1, 0.5, 0.85], dtype=np.float32)
P2 = np.array([25.0, 60.0], dtype=np.float32)


def _np_logsumexp_b(x, b, axis=None, keepdims=False):
    return np.log(np.sum(b * np.exp(x), axis=axis, keepdims=keepdims))


def _same(name: str, call, shape, domain=S.normal, label: str = "", **kw) -> Spec:
    """A spec whose Tensor call and numpy reference are the same expression."""
    return Spec(name, call, call, (shape,), domain, label, **kw)


SPECS: list[Spec] = [
    # prod: a polynomial, smooth at zeros -- the rows with zeros check the exact rule
    Spec("prod", ag.prod, np.prod, ((2, 3),), label="all"),
    _same("prod", lambda x: x.prod(axis=1), (3, 4), label="axis"),
    _same("prod", lambda x: np.prod(x, axis=(0, 2), keepdims=True), (2, 3, 2), label="axes-keepdims"),
    _same("prod", lambda x: x.prod(axis=1), (3, 4), S.with_zeros(1), "one-zero"),
    _same("prod", lambda x: x.prod(axis=1), (3, 4), S.with_zeros(2), "two-zeros"),
    _same("prod", lambda x: x.prod(), (2, 3), S.with_zeros(3), "three-zeros"),
    _same("prod", lambda x: x.prod(axis=(0, 1)), (2, 2, 3), S.with_zeros(2), "axes-zeros"),
    # cumulative sums and products
    _same("cumsum", lambda x: x.cumsum(axis=1), (3, 4), label="axis"),
    _same("cumsum", lambda x: np.cumsum(x, axis=-3), (2, 3, 2), label="axis-negative"),
    _same("cumsum", lambda x: x.cumsum(), (2, 3), label="flat"),
    _same("cumprod", lambda x: x.cumprod(axis=1), (3, 5), label="axis"),
    _same("cumprod", lambda x: np.cumprod(x), (2, 3), label="flat"),
    _same("cumprod", lambda x: x.cumprod(axis=0), (4, 2), S.with_zeros(1), "one-zero"),
    _same("cumprod", lambda x: x.cumprod(axis=1), (2, 6), S.with_zeros(2), "two-zeros"),
    # statistics
    _same("std", lambda x: x.std(), (2, 3), label="all"),
    _same("std", lambda x: x.std(axis=1, ddof=1), (3, 4), label="axis-ddof"),
    _same("std", lambda x: np.std(x, axis=(0, 2), keepdims=True), (2, 3, 2), label="axes-keepdims"),
    _same("var", lambda x: np.var(x, axis=(0, 2), keepdims=True, ddof=1), (2, 3, 2), label="axes-keepdims-ddof"),
    _same("mean", lambda x: np.mean(x, axis=(1, 2), keepdims=True), (2, 3, 2), label="axes-keepdims"),
    _same("average", lambda x: np.average(x, axis=0), (3, 2), label="unweighted"),
    Spec("average", lambda x: ag.average(x, weights=W4), lambda x: np.average(x, weights=W4), ((4,),), label="weights"),
    Spec(
        "average",
        lambda x: ag.average(x, axis=1, weights=W4, keepdims=True),
        lambda x: np.average(x, axis=1, weights=W4, keepdims=True),
        ((3, 4),),
        label="1d-weights-axis-keepdims",
    ),
    Spec(
        "average",
        lambda x, w: ag.average(x, axis=0, weights=w),
        lambda x, w: np.average(x, axis=0, weights=w),
        ((3, 2), (3, 2)),
        (S.normal, S.positive),
        "tensor-weights",
    ),
    # extremes: off ties
    _same("amax", lambda x: np.amax(x, axis=1), (3, 4), S.distinct, "axis"),
    _same("amax", lambda x: np.amax(x, axis=(0, 2), keepdims=True), (2, 3, 2), S.distinct, "axes-keepdims"),
    _same("amin", lambda x: np.amin(x, axis=0), (3, 4), S.distinct, "axis"),
    _same("amin", lambda x: np.amin(x), (3, 4), S.distinct, "all"),
    _same("ptp", lambda x: np.ptp(x, axis=1), (3, 4), S.distinct, "axis"),
    _same("ptp", lambda x: np.ptp(x, axis=(0, 1), keepdims=True), (2, 3, 2), S.distinct, "axes-keepdims"),
    # order statistics: off ties; the gradient goes to the selected elements
    _same("median", lambda x: np.median(x), (3, 3), S.distinct, "odd"),
    _same("median", lambda x: np.median(x, axis=1), (3, 4), S.distinct, "even-axis"),
    _same("median", lambda x: np.median(x, axis=(0, 2), keepdims=True), (3, 2, 2), S.distinct, "axes-keepdims"),
    _same("quantile", lambda x: np.quantile(x, 0.3), (2, 5), S.distinct, "linear"),
    _same("quantile", lambda x: np.quantile(x, Q3, axis=0), (5, 3), S.distinct, "several-q-axis"),
    _same("quantile", lambda x: np.quantile(x, 0.7, axis=(1, 2), keepdims=True), (2, 3, 3), S.distinct, "axes-kd"),
    _same("quantile", lambda x: np.quantile(x, 0.3, axis=1, method="midpoint"), (3, 5), S.distinct, "midpoint"),
    _same("quantile", lambda x: np.quantile(x, 0.3, axis=1, method="lower"), (3, 5), S.distinct, "lower"),
    _same("quantile", lambda x: np.quantile(x, 0.3, axis=1, method="higher"), (3, 5), S.distinct, "higher"),
    _same("quantile", lambda x: np.quantile(x, Q3, method="nearest"), (9,), S.distinct, "nearest"),
    _same("percentile", lambda x: np.percentile(x, P2, axis=1), (2, 7), S.distinct, "axis"),
    # logsumexp: axes, keepdims, b= weights (a constant, or a Tensor that gets its own gradient)
    Spec(
        "logsumexp",
        lambda x: ag.logsumexp(x, axis=(0, 2), keepdims=True),
        lambda x: _np_logsumexp(x, axis=(0, 2), keepdims=True),
        ((2, 3, 2),),
        label="axes-keepdims",
    ),
    Spec(
        "logsumexp",
        lambda x: ag.logsumexp(x, axis=1, b=W4),
        lambda x: _np_logsumexp_b(x, W4, axis=1),
        ((3, 4),),
        label="b-constant",
    ),
    Spec(
        "logsumexp",
        lambda x, b: ag.logsumexp(x, axis=-1, b=b, keepdims=True),
        lambda x, b: _np_logsumexp_b(x, b, axis=-1, keepdims=True),
        ((2, 3), (2, 3)),
        (S.normal, S.positive),
        "b-tensor",
    ),
    Spec(
        "logsumexp",
        lambda x, b: ag.logsumexp(x, b=b),
        lambda x, b: _np_logsumexp_b(x, b),
        ((2, 3), (3,)),
        (S.normal, S.positive),
        "b-broadcast",
    ),
]
