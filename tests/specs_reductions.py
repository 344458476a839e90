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


# ---- more of numpy's names
COMPOSITES += (
    "nansum", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin", "nanprod", "nancumsum", "nancumprod",
    "nanquantile", "nanmedian", "nanpercentile", "cumulative_sum", "cumulative_prod", "trapezoid",
    "cov", "corrcoef", "ediff1d",
)  # fmt: skip


def _nans(k: int):
    """x with ``k`` elements NaN (positions fixed by its size) put in by ``where``: NaN data that an
    operation made.  (NaN *leaves* are not used: the fuzzer scales leaves by earlier results, and
    0 * NaN in that product's rule would be NaN -- as in numpy or PyTorch; tests/test_ops_more.py
    checks NaN leaves directly.)"""

    def put(x):
        mask = np.zeros(np.shape(x), dtype=bool)
        mask.reshape(-1)[np.random.default_rng(np.size(x)).choice(np.size(x), k, replace=False)] = True
        return (ag.where if isinstance(x, ag.Tensor) else np.where)(mask, np.nan, x)

    return put


N2, N3 = _nans(2), _nans(3)
FW = np.array([1, 2, 1, 3, 1])  # cov's frequency weights
AW = np.array([0.5, 1.0, 2.0, 1.0, 0.25], dtype=np.float32)  # and analytic weights
XS = np.array([0.0, 0.5, 1.5, 1.75], dtype=np.float32)  # trapezoid's sample points, a float32 constant


def _f64_back(f):
    """f computed (in float64, as numpy's cov/corrcoef) and cast back to the first input's dtype."""
    return lambda x, *rest: f(x, *rest).astype(x.dtype)


SPECS += [
    # NaN-aware reductions: NaN inputs get gradient 0
    _same("nansum", lambda x: np.nansum(N3(x)), (3, 4), S.normal, "all"),
    _same("nansum", lambda x: np.nansum(N3(x), axis=1, keepdims=True), (3, 5), S.normal, "axis-keepdims"),
    _same("nansum", lambda x: np.nansum(x, axis=0), (3, 4), label="no-nans"),
    _same("nanprod", lambda x: np.nanprod(N3(x), axis=1), (3, 5), S.normal, "axis"),
    _same("nancumsum", lambda x: np.nancumsum(N2(x), axis=1), (3, 4), S.normal, "axis"),
    _same("nancumsum", lambda x: np.nancumsum(N2(x)), (2, 3), S.normal, "flat"),
    _same("nancumprod", lambda x: np.nancumprod(N2(x), axis=0), (4, 3), S.normal, "axis"),
    _same("nanmean", lambda x: np.nanmean(N3(x)), (3, 4), S.normal, "all"),
    _same("nanmean", lambda x: np.nanmean(N3(x), axis=(0, 2), keepdims=True), (2, 4, 3), S.normal, "axes-keepdims"),
    _same("nanmean", lambda x: np.nanmean(x, axis=1), (3, 4), label="no-nans"),
    _same("nanvar", lambda x: np.nanvar(N3(x), axis=1), (3, 5), S.normal, "axis"),
    _same("nanvar", lambda x: np.nanvar(N3(x), axis=0, ddof=1), (5, 3), S.normal, "axis-ddof"),
    _same("nanstd", lambda x: np.nanstd(N3(x), axis=1, ddof=1, keepdims=True), (3, 5), S.normal, "axis-ddof-keepdims"),
    _same("nanstd", lambda x: np.nanstd(N2(x)), (3, 4), S.normal, "all"),
    _same("nanmax", lambda x: np.nanmax(N2(x), axis=1), (3, 4), S.distinct, "axis"),
    _same("nanmax", lambda x: np.nanmax(N3(x)), (3, 4), S.distinct, "all"),
    _same("nanmin", lambda x: np.nanmin(N2(x), axis=0, keepdims=True), (4, 3), S.distinct, "axis-keepdims"),
    _same("nanquantile", lambda x: np.nanquantile(N3(x), 0.3, axis=1), (3, 6), S.distinct, "axis"),
    _same("nanquantile", lambda x: np.nanquantile(N3(x), Q3, axis=0), (6, 3), S.distinct, "several-q"),
    _same("nanquantile", lambda x: np.nanquantile(N2(x), 0.75, keepdims=True), (3, 4), S.distinct, "all-keepdims"),
    _same("nanquantile", lambda x: np.nanquantile(N3(x), 0.4, axis=(0, 2)), (2, 3, 3), S.distinct, "axes"),
    _same("nanquantile", lambda x: np.nanquantile(x, 0.6, axis=1), (3, 5), S.distinct, "no-nans"),
    _same("nanmedian", lambda x: np.nanmedian(N3(x), axis=1), (3, 6), S.distinct, "axis"),
    _same("nanpercentile", lambda x: np.nanpercentile(N2(x), P2, axis=1), (2, 7), S.distinct, "axis"),
    # numpy 2's cumulative_* (include_initial), trapezoid, ediff1d
    _same("cumulative_sum", lambda x: np.cumulative_sum(x, axis=1), (3, 4), label="axis"),
    _same("cumulative_sum", lambda x: np.cumulative_sum(x, include_initial=True), (5,), label="1d-initial"),
    _same("cumulative_prod", lambda x: np.cumulative_prod(x, axis=0, include_initial=True), (3, 4), label="initial"),
    _same("cumulative_prod", lambda x: np.cumulative_prod(x), (5,), S.with_zeros(1), "1d-zero"),
    _same("trapezoid", lambda y: np.trapezoid(y), (3, 5), label="dx"),
    _same("trapezoid", lambda y: np.trapezoid(y, XS, axis=0), (4, 3), label="x-constant"),
    Spec(
        "trapezoid",
        lambda y, x: ag.trapezoid(y, x, axis=0),
        lambda y, x: np.trapezoid(y, x, axis=0),
        ((4, 3), (4,)),
        label="x-tensor",
    ),
    Spec(
        "trapezoid",
        lambda y, x: ag.trapezoid(y, x),
        lambda y, x: np.trapezoid(y, x),
        ((2, 4), (2, 4)),
        label="x-same-shape",
    ),
    _same("ediff1d", lambda x: np.ediff1d(x), (2, 3), label="flat"),
    Spec(
        "ediff1d",
        lambda x, e: ag.ediff1d(x, to_end=e, to_begin=[1.0, -2.0]),
        lambda x, e: np.ediff1d(x, to_end=e, to_begin=[1.0, -2.0]),
        ((4,), (2,)),
        label="begin-end",
    ),
    # cov and corrcoef compute in float64 (as numpy): cast back for the float32 test
    _same("cov", _f64_back(np.cov), (3, 5), label="rows"),
    _same("cov", _f64_back(lambda x: np.cov(x, rowvar=False, bias=True)), (5, 2), label="columns-bias"),
    Spec("cov", _f64_back(np.cov), _f64_back(np.cov), ((2, 5), (5,)), label="with-y"),
    _same("cov", _f64_back(lambda x: np.cov(x, fweights=FW, aweights=AW)), (2, 5), label="weights"),
    _same("cov", _f64_back(lambda x: np.cov(x, ddof=2)), (6,), label="1d-ddof"),
    _same("corrcoef", _f64_back(np.corrcoef), (3, 5), label="rows"),
    Spec("corrcoef", _f64_back(np.corrcoef), _f64_back(np.corrcoef), ((5,), (5,)), label="two-vectors"),
]

# sums by group: bincount's weights (float64 as numpy: cast back for the float32 test)
COMPOSITES += ("bincount",)
BINS = np.array([3, 0, 3, 1, 3, 0])
SPECS += [
    _same("bincount", lambda w: np.bincount(BINS, weights=w).astype(w.dtype), (6,), label="weights"),
    _same("bincount", lambda w: np.bincount(BINS, w, minlength=6).astype(w.dtype), (6,), label="minlength"),
]
