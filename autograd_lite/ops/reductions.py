"""The primitive table, reductions family: products, cumulative sums and products, statistics
(std, var, average, median, quantile), extremes (amax, amin, ptp) and logsumexp.

Primitives (for speed, and numpy's exact values):

* ``prod``: rule g * out / x when no element is zero; otherwise g times the product of the
  *other* elements, computed as exclusive prefix times exclusive suffix products -- built from
  ``mul`` alone, so it is exact with one zero, with several, and to every order of derivative;
* ``cumsum``: rule = the reversed cumulative sum of g;
* ``quantile``: forward numpy's quantile; rule = g sent to the selected elements with the
  interpolation weights, a weight shared evenly between elements tied at the selected value
  (as ``max`` shares between tied winners).

Composites: cumprod (a log-depth scan of ``mul``: exact with zeros, O(n log n)), std = sqrt(var),
average = sum(w x) / sum(w), amax/amin = max/min, ptp = max - min, median = quantile(x, 0.5),
percentile = quantile(x, q/100).  ``var``, ``mean`` and ``logsumexp`` live in ``tensor.py``.

Every function takes numpy's arguments (axis, tuples of axes, keepdims, ddof, weights); ``out=``
and ``dtype=`` are refused on tensors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import tensor as _tensor
from ..arguments import data_of
from ..dispatch import implements
from ..engine import Primitive
from . import core as _ops
from .core import _keepdims_shape
from .core import concatenate as _concatenate

__all__ = [
    "prod", "cumsum", "cumprod", "std", "average", "amax", "amin", "ptp",
    "median", "quantile", "percentile",
]  # fmt: skip

Tensor = _tensor.Tensor


# ----------------------------------------------------------------------------- helpers
def _axes(ndim: int, axis: Any) -> tuple[int, ...]:
    """The reduced axes, non-negative and sorted (all of them for None)."""
    if axis is None or ndim == 0:
        return tuple(range(ndim))
    return tuple(sorted({int(a) % ndim for a in ((axis,) if isinstance(axis, (int, np.integer)) else axis)}))


def _shifted(y: Any, k: int, ax: int) -> Any:
    """y moved k places along axis ``ax``, ones filling the front (arrays or Tensors)."""
    n = y.shape[ax]
    ones = np.ones(y.shape[:ax] + (min(k, n),) + y.shape[ax + 1 :], dtype=y.dtype)
    if k >= n:
        return ones
    return _concatenate.apply(ones, y[(slice(None),) * ax + (slice(0, n - k),)], axis=ax)


def _inclusive_products(y: Any, ax: int) -> Any:
    """Cumulative products along ``ax`` by a log-depth scan of multiplications (Hillis-Steele):
    only ``mul``, so every derivative of it is exact, zeros included."""
    k = 1
    while k < y.shape[ax]:
        y = y * _shifted(y, k, ax)
        k *= 2
    return y


def _products_of_the_others(x: Any, axis: Any) -> Any:
    """For each element, the product of the other elements of its reduced slice."""
    if x.ndim == 0:
        return np.ones((), dtype=x.dtype)
    axes = _axes(x.ndim, axis)
    kept = tuple(i for i in range(x.ndim) if i not in axes)
    perm = kept + axes
    moved = x.transpose(perm)
    flat = moved.reshape(moved.shape[: len(kept)] + (-1,))
    last = flat.ndim - 1
    before = _inclusive_products(_shifted(flat, 1, last), last)
    after = _inclusive_products(_shifted(flat[..., ::-1], 1, last), last)[..., ::-1]
    return (before * after).reshape(moved.shape).transpose(tuple(int(i) for i in np.argsort(perm)))


def _prod_grad(g: Any, out: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    kshape = _keepdims_shape(x.shape, axis)
    if not (x == 0).any():  # out / x is then the product of the others, and exact to every order
        return g.reshape(kshape) * (out.reshape(kshape) / x)
    return g.reshape(kshape) * _products_of_the_others(x, axis)


def _cumsum_grad(g: Any, out: Any, x: Any, axis: Any = None) -> Any:
    ax = 0 if axis is None else int(axis) % out.ndim  # out is 1-D for axis=None (and for 0-d x)
    flip = (slice(None),) * ax + (slice(None, None, -1),)
    return _cumsum.apply(g[flip], axis=ax)[flip].reshape(x.shape)


_INTERPOLATING = {"linear", "midpoint"}
_SELECTING = {"lower", "higher", "nearest"}


def _quantile_weights(x: np.ndarray, out: np.ndarray, q: Any, axis: Any, method: str) -> np.ndarray:
    """W[k] (shape (number of q,) + x.shape): how much of quantile k each element makes up.

    The value at each selected sorted position is shared evenly between the elements equal to
    it; a slice whose quantile is NaN gets NaN weights (as max's rule)."""
    qs = np.asarray(q, dtype=np.float64).reshape(-1)
    axes = _axes(x.ndim, axis)
    kshape = _keepdims_shape(x.shape, axis)
    outk = np.reshape(out, (len(qs),) + kshape)
    xs = x[None]
    red = tuple(a + 1 for a in axes)
    if method in _SELECTING:  # the result is one of the elements: share it among its equals
        hit = xs == outk
        return hit / hit.sum(axis=red, keepdims=True)
    kept = tuple(i for i in range(x.ndim) if i not in axes)
    moved = np.transpose(x, kept + axes)
    srt = np.sort(moved.reshape(moved.shape[: len(kept)] + (-1,)), axis=-1)
    n = srt.shape[-1]
    pos = qs * (n - 1)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)
    frac = pos - lo if method == "linear" else np.where(lo < np.ceil(pos), 0.5, 0.0)
    hi = hi if method == "linear" else np.ceil(pos).astype(np.intp)

    def share(idx: np.ndarray) -> np.ndarray:
        v = np.moveaxis(srt[..., idx], -1, 0).reshape((len(qs),) + kshape)
        hit = xs == v
        return hit / hit.sum(axis=red, keepdims=True)

    bcast = (len(qs),) + (1,) * x.ndim
    w = (1 - frac).reshape(bcast) * share(lo) + frac.reshape(bcast) * share(hi)
    return np.where(np.isnan(outk), np.nan, w)


def _quantile_grad(
    g: Any, out: Any, x: Any, q: Any = 0.5, axis: Any = None, keepdims: bool = False, method: str = "linear"
) -> Any:
    xd = data_of(x)
    w = _quantile_weights(np.asarray(xd), np.asarray(data_of(out)), q, axis, method).astype(xd.dtype)
    return (g.reshape((w.shape[0],) + _keepdims_shape(x.shape, axis)) * w).sum(axis=0)


def _quantile_forward(x: Any, q: Any = 0.5, axis: Any = None, keepdims: bool = False, method: Any = "linear") -> Any:
    return np.quantile(x, q, axis=axis, keepdims=keepdims, method=method)


# ----------------------------------------------------------------------------- the table
# product over axes:  d/dx_i = g * (product of the other elements)  (g * out / x_i without zeros)
_prod = Primitive(
    "prod",
    lambda x, axis=None, keepdims=False: np.prod(x, axis=axis, keepdims=keepdims),
    (_prod_grad,),
    doc="prod x:  d/dx_i = prod_{j != i} x_j  (out / x_i when no x is 0)",
)
# cumulative sum along an axis:  d/dx_i = sum_{k >= i} g_k, the reversed cumulative sum of g
_cumsum = Primitive(
    "cumsum",
    lambda x, axis=None: np.cumsum(x, axis=axis),
    (_cumsum_grad,),
    doc="cumsum x:  d/dx_i = sum_{k >= i} g_k",
)
# the q-th quantile:  g goes to the selected elements with the interpolation weights, ties sharing
_quantile = Primitive(
    "quantile",
    _quantile_forward,
    (_quantile_grad,),
    branch=lambda out, x, q=0.5, axis=None, keepdims=False, method="linear": (
        _quantile_weights(np.asarray(x), np.asarray(out), q, axis, method) > 0
    ),
    doc="quantile(x, q):  d/dx_i = the interpolation weight of x_i (shared evenly between ties)",
)


# ----------------------------------------------------------------------------- public functions
def _refuse(name: str, **numpy_kwargs: Any) -> None:
    _tensor._no_out(name, numpy_kwargs)


@implements(np.prod, method=True)
def prod(x: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False, **kw: Any) -> Tensor:
    """The product of the elements over ``axis`` (None: all; a tuple: several)."""
    _refuse("prod", dtype=dtype, out=out, **kw)
    return _prod(x, axis=_tensor._axis(axis), keepdims=keepdims)


@implements(np.cumsum, method=True)
def cumsum(x: Any, axis: int | None = None, dtype: Any = None, out: Any = None) -> Tensor:
    """Cumulative sum along ``axis`` (None: of the flattened tensor)."""
    _refuse("cumsum", dtype=dtype, out=out)
    return _cumsum(x, axis=None if axis is None else int(axis))


@implements(np.cumprod, method=True)
def cumprod(x: Any, axis: int | None = None, dtype: Any = None, out: Any = None) -> Tensor:
    """Cumulative product along ``axis`` (None: of the flattened tensor).  Composite: a
    log-depth scan of multiplications, exact with zeros to every order of derivative."""
    _refuse("cumprod", dtype=dtype, out=out)
    x = _tensor.as_tensor(x)
    if not np.issubdtype(x.dtype, np.inexact):  # integers: numpy's own (exact) products
        return Tensor._wrap(np.cumprod(x.data, axis=axis))
    if axis is None or x.ndim == 0:
        if x.ndim == 0 and axis is not None and int(axis) not in (0, -1):
            raise ValueError(f"cumprod: axis {axis} is out of bounds for a tensor of shape ()")
        x, axis = _tensor.reshape(x, (-1,)), 0
    if not -x.ndim <= int(axis) < x.ndim:
        raise ValueError(f"cumprod: axis {axis} is out of bounds for a tensor of shape {x.shape}")
    return _inclusive_products(x, int(axis) % x.ndim)


@implements(np.std, method=True)
def std(
    x: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: int = 0, keepdims: bool = False, **kw: Any
) -> Tensor:
    """Standard deviation = sqrt(var(x, ddof))  (composite)."""
    _refuse("std", dtype=dtype, out=out, **kw)
    return _tensor.sqrt(_tensor.var(x, axis, keepdims, ddof))


@implements(np.average)
def average(
    a: Any, axis: Any = None, weights: Any = None, returned: bool = False, keepdims: bool = False
) -> Tensor | tuple[Tensor, Tensor]:
    """Weighted mean sum(w x) / sum(w) over ``axis``  (composite; the weights may be Tensors and
    get gradients too).  1-D weights with an integer axis weigh along that axis, as numpy."""
    a = _tensor.as_tensor(a)
    axis = _tensor._axis(axis)
    if weights is None:
        count = _tensor._count("average", a.shape, axis)
        avg = _tensor.mean(a, axis, keepdims)
        return (avg, Tensor._wrap(np.full(avg.shape, count, dtype=avg.dtype))) if returned else avg
    w = weights if isinstance(weights, Tensor) else np.asarray(weights)
    # numpy computes in the result's dtype, float64 for integer data
    rtype = np.result_type(a.dtype, w.dtype, *(() if np.issubdtype(a.dtype, np.inexact) else (np.float64,)))
    w = w if w.dtype == rtype else w.astype(rtype)
    wshape = tuple(w.shape)
    if wshape != a.shape:
        if axis is None:
            raise TypeError(f"average: weights of shape {wshape} differ from a's shape {a.shape}; give axis=")
        if len(wshape) != 1 or not isinstance(axis, int):
            raise TypeError(f"average: weights of shape {wshape} must be 1-D along one axis, or of a's shape {a.shape}")
        _tensor._count("average", a.shape, axis)
        if wshape[0] != a.shape[axis]:
            raise ValueError(
                f"average: {wshape[0]} weights for axis {axis} of length {a.shape[axis]} (a's shape {a.shape})"
            )
        w = _tensor.reshape(w, tuple(wshape[0] if i == axis % a.ndim else 1 for i in range(a.ndim)))
        w = _ops.broadcast_to(w, shape=a.shape)
    total = _ops.sum(w, axis=axis, keepdims=keepdims)
    if np.any(total.data == 0):
        raise ZeroDivisionError("average: the weights sum to zero, so they cannot be normalized")
    avg = _tensor.div(_ops.sum(_ops.mul(a, w), axis=axis, keepdims=keepdims), total)
    return (avg, total) if returned else avg


@implements(np.amax)
def amax(x: Any, axis: Any = None, out: Any = None, keepdims: bool = False, **kw: Any) -> Tensor:
    """The largest element over ``axis`` (numpy's name for max); ties share the gradient evenly."""
    _refuse("amax", out=out, **kw)
    return _ops.max(x, axis=_tensor._axis(axis), keepdims=keepdims)


@implements(np.amin)
def amin(x: Any, axis: Any = None, out: Any = None, keepdims: bool = False, **kw: Any) -> Tensor:
    """The smallest element over ``axis`` = -max(-x); ties share the gradient evenly."""
    _refuse("amin", out=out, **kw)
    return _tensor.min(x, axis, keepdims)


@implements(np.ptp)
def ptp(x: Any, axis: Any = None, out: Any = None, keepdims: bool = False) -> Tensor:
    """Peak to peak, max - min over ``axis``  (composite)."""
    _refuse("ptp", out=out)
    return _tensor.sub(amax(x, axis, keepdims=keepdims), amin(x, axis, keepdims=keepdims))


@implements(np.quantile)
def quantile(
    a: Any,
    q: Any,
    axis: Any = None,
    out: Any = None,
    overwrite_input: bool = False,
    method: str = "linear",
    keepdims: bool = False,
    **kw: Any,
) -> Tensor:
    """The q-th quantile(s) over ``axis`` (q in [0, 1], a number or an array: the result has
    q's shape in front).  The gradient goes to the selected elements with their interpolation
    weights, shared evenly between ties.  Methods: linear (default), midpoint, lower, higher,
    nearest."""
    _refuse("quantile", out=out, **kw)
    q = _constant_q("quantile", q)
    if method not in _INTERPOLATING | _SELECTING:
        raise ValueError(
            f"quantile: method={method!r} has no gradient rule here; use one of {sorted(_INTERPOLATING | _SELECTING)}"
        )
    qa = np.asarray(q, dtype=np.float64)
    if qa.size and not (np.all(qa >= 0) and np.all(qa <= 1)):
        raise ValueError(f"quantile: q must be in [0, 1], got {q!r}")
    x = _tensor.as_tensor(a)
    if x.size == 0:
        raise ValueError(f"quantile: the tensor of shape {x.shape} is empty; there is no quantile")
    axis = _tensor._axis(axis)
    _tensor._count("quantile", x.shape, axis)
    return _quantile(x, q=q, axis=axis, keepdims=keepdims, method=method)


@implements(np.median)
def median(a: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False, keepdims: bool = False) -> Tensor:
    """The median = quantile(x, 0.5): the middle element, or the mean of the two middle ones;
    ties share the gradient evenly."""
    return quantile(a, 0.5, axis=axis, out=out, keepdims=keepdims)


@implements(np.percentile)
def percentile(
    a: Any,
    q: Any,
    axis: Any = None,
    out: Any = None,
    overwrite_input: bool = False,
    method: str = "linear",
    keepdims: bool = False,
) -> Tensor:
    """quantile(x, q / 100)."""
    q = np.true_divide(_constant_q("percentile", q), 100)
    return quantile(a, q, axis=axis, out=out, method=method, keepdims=keepdims)


# ---- more of numpy's names
# The NaN-aware reductions replace each NaN with the reduction's neutral value through ``where``
# (so a NaN position gets gradient 0) and reduce with the ordinary operation.  A slice with
# nothing but NaNs gives NaN with numpy's RuntimeWarning, and gradient 0 to all its elements.
import warnings  # noqa: E402

from ..dispatch import describe as _describe  # noqa: E402
from .shape import diff as _diff  # noqa: E402
from .shape import take_along_axis as _take_along_axis  # noqa: E402

__all__ += [
    "nansum", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin", "nanprod", "nancumsum", "nancumprod",
    "nanquantile", "nanmedian", "nanpercentile", "cumulative_sum", "cumulative_prod",
    "trapezoid", "cov", "corrcoef", "ediff1d",
]  # fmt: skip


def _nans_replaced(x: Any, fill: float) -> tuple[Tensor, np.ndarray]:
    """x with every NaN replaced by ``fill`` (a ``where``: gradient 0 there), and where they were."""
    x = _tensor.as_tensor(x)
    if not np.issubdtype(x.dtype, np.inexact):
        return x, np.zeros(x.shape, dtype=bool)
    nan = np.isnan(x.data)
    return (_ops.where(nan, fill, x) if nan.any() else x), nan


def _nan_where_empty(r: Tensor, empty: np.ndarray, message: str) -> Tensor:
    """r with NaN where a slice had nothing to reduce, warning as numpy does (gradient 0 there)."""
    if not np.any(empty):
        return r
    warnings.warn(message, RuntimeWarning, stacklevel=3)
    return _ops.where(empty, np.nan, r)


def _counts(nan: np.ndarray, axis: Any, keepdims: bool) -> np.ndarray:
    return np.sum(~nan, axis=axis, keepdims=keepdims)


@implements(np.nansum)
def nansum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False, **kw: Any) -> Tensor:
    """The sum of the non-NaN elements = sum(where(isnan(x), 0, x))  (composite; 0 for an all-NaN slice)."""
    _refuse("nansum", dtype=dtype, out=out, **kw)
    x, _ = _nans_replaced(a, 0.0)
    return _ops.sum(x, axis=_tensor._axis(axis), keepdims=bool(keepdims))


@implements(np.nanprod)
def nanprod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False, **kw: Any) -> Tensor:
    """The product of the non-NaN elements = prod(where(isnan(x), 1, x))  (composite)."""
    _refuse("nanprod", dtype=dtype, out=out, **kw)
    return prod(_nans_replaced(a, 1.0)[0], axis=axis, keepdims=bool(keepdims))


@implements(np.nancumsum)
def nancumsum(a: Any, axis: int | None = None, dtype: Any = None, out: Any = None) -> Tensor:
    """Cumulative sum with NaNs counted as 0 = cumsum(where(isnan(x), 0, x))  (composite)."""
    _refuse("nancumsum", dtype=dtype, out=out)
    return cumsum(_nans_replaced(a, 0.0)[0], axis=axis)


@implements(np.nancumprod)
def nancumprod(a: Any, axis: int | None = None, dtype: Any = None, out: Any = None) -> Tensor:
    """Cumulative product with NaNs counted as 1 = cumprod(where(isnan(x), 1, x))  (composite)."""
    _refuse("nancumprod", dtype=dtype, out=out)
    return cumprod(_nans_replaced(a, 1.0)[0], axis=axis)


@implements(np.nanmean)
def nanmean(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False, **kw: Any) -> Tensor:
    """The mean of the non-NaN elements = nansum(x) / count(non-NaN)  (composite; an all-NaN slice
    gives NaN and numpy's warning)."""
    _refuse("nanmean", dtype=dtype, out=out, **kw)
    x, nan = _nans_replaced(a, 0.0)
    if not np.issubdtype(x.dtype, np.inexact):
        return _tensor.mean(x, axis, bool(keepdims))
    axis = _tensor._axis(axis)
    _tensor._count("nanmean", x.shape, axis)
    n = _counts(nan, axis, bool(keepdims))
    total = _ops.sum(x, axis=axis, keepdims=bool(keepdims))
    return _nan_where_empty(_tensor.div(total, np.maximum(n, 1).astype(x.dtype)), n == 0, "Mean of empty slice")


@implements(np.nanvar)
def nanvar(
    a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: int = 0, keepdims: bool = False, **kw: Any
) -> Tensor:
    """The variance of the non-NaN elements = sum over them of (x - nanmean)^2 / (count - ddof)
    (composite; NaN and numpy's warning where count - ddof <= 0)."""
    _refuse("nanvar", dtype=dtype, out=out, **kw)
    x, nan = _nans_replaced(a, 0.0)
    if not np.issubdtype(x.dtype, np.inexact):
        return _tensor.var(x, axis, bool(keepdims), ddof)
    axis = _tensor._axis(axis)
    _tensor._count("nanvar", x.shape, axis)
    n = _counts(nan, axis, True)
    mu = _tensor.div(_ops.sum(x, axis=axis, keepdims=True), np.maximum(n, 1).astype(x.dtype))
    centred = _tensor.sub(x, mu)
    if nan.any():
        centred = _ops.where(nan, 0.0, centred)
    dof = _counts(nan, axis, bool(keepdims)) - ddof
    ss = _ops.sum(centred * centred, axis=axis, keepdims=bool(keepdims))
    return _nan_where_empty(
        _tensor.div(ss, np.where(dof > 0, dof, 1).astype(x.dtype)), dof <= 0, "Degrees of freedom <= 0 for slice."
    )


@implements(np.nanstd)
def nanstd(
    a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: int = 0, keepdims: bool = False, **kw: Any
) -> Tensor:
    """sqrt(nanvar(x, ddof))  (composite)."""
    _refuse("nanstd", dtype=dtype, out=out, **kw)
    return _tensor.sqrt(nanvar(a, axis, ddof=ddof, keepdims=keepdims))


@implements(np.nanmax)
def nanmax(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False, **kw: Any) -> Tensor:
    """The largest non-NaN element = max(where(isnan(x), -inf, x))  (composite; ties share the
    gradient evenly; an all-NaN slice gives NaN and numpy's warning)."""
    _refuse("nanmax", out=out, **kw)
    x, nan = _nans_replaced(a, -np.inf)
    axis = _tensor._axis(axis)
    top = _ops.max(x, axis=axis, keepdims=bool(keepdims))
    return _nan_where_empty(top, np.all(nan, axis=axis, keepdims=bool(keepdims)), "All-NaN slice encountered")


@implements(np.nanmin)
def nanmin(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False, **kw: Any) -> Tensor:
    """The smallest non-NaN element = -nanmax(-x)  (composite)."""
    _refuse("nanmin", out=out, **kw)
    return -nanmax(_tensor._negative(a), axis, keepdims=keepdims)


def _lerp(a: Any, b: Any, t: np.ndarray, dtype: Any) -> Tensor:
    """numpy's interpolation a + (b - a) t, as b - (b - a)(1 - t) where t >= 0.5; t and 1 - t are
    rounded to ``dtype`` after they are computed, as numpy's weak Python-float t."""
    step = _tensor.sub(b, a)
    low, high = _ops.add(a, step * t.astype(dtype)), _tensor.sub(b, step * (1 - t).astype(dtype))
    return _ops.where(t >= 0.5, high, low)


def _constant_q(name: str, q: Any) -> Any:
    """q's data; a q that requires grad is refused (the quantile is not differentiated in q)."""
    if isinstance(q, Tensor) and q.requires_grad:
        raise TypeError(f"{name}: q must be a constant (the quantile is not differentiable in q)")
    return _tensor._data(q)


def _nan_quantile(x: Tensor, nan: np.ndarray, q: Any, axis: Any, keepdims: bool) -> Tensor:
    """Linear quantiles of the non-NaN values: the reduced axes moved last and flattened, the
    values sorted (NaNs last), and the two around position q (n - 1) interpolated."""
    axes = _axes(x.ndim, axis)
    kept = tuple(i for i in range(x.ndim) if i not in axes)
    batch = tuple(x.shape[i] for i in kept)
    flat = _tensor.reshape(_tensor.transpose(x, kept + axes), batch + (-1,))
    order = np.argsort(flat.data, axis=-1)  # NaNs sort last
    n = np.sum(~np.isnan(flat.data), axis=-1, keepdims=True)
    weak = type(q) in (int, float)  # numpy: a Python number q keeps x's dtype, an array q promotes
    qa = np.asarray(q)
    qa = qa.astype(np.float64 if weak else np.result_type(qa.dtype, np.float16))
    pos = qa.reshape(-1) * (n - 1).astype(qa.dtype)  # batch + (len q,), in q's dtype as numpy
    lo = np.clip(np.floor(pos), 0, None)
    hi = np.minimum(lo + 1, np.maximum(n - 1, 0))
    t = pos - lo
    a, b = (_take_along_axis(flat, np.take_along_axis(order, i.astype(np.intp), -1), -1) for i in (lo, hi))
    dtype = x.dtype if weak else np.result_type(x.dtype, qa)
    r = _nan_where_empty(_lerp(a, b, t, dtype), np.broadcast_to(n == 0, t.shape), "All-NaN slice encountered")
    r = _tensor.transpose(r, (len(batch), *range(len(batch))))  # the q axis first
    return _tensor.reshape(r, qa.shape + (_keepdims_shape(x.shape, axes) if keepdims else batch))


@implements(np.nanquantile)
def nanquantile(
    a: Any,
    q: Any,
    axis: Any = None,
    out: Any = None,
    overwrite_input: bool = False,
    method: str = "linear",
    keepdims: bool = False,
    **kw: Any,
) -> Tensor:
    """The q-th quantile(s) of the non-NaN elements  (composite: quantile when there are no NaNs;
    otherwise numpy's linear interpolation between the sorted non-NaN values, ties going to
    argsort's choice; an all-NaN slice gives NaN and numpy's warning)."""
    q = _constant_q("nanquantile", q)
    x, nan = _nans_replaced(a, 0.0)
    if not nan.any():
        return quantile(x, q, axis=axis, out=out, method=method, keepdims=keepdims, **kw)
    _refuse("nanquantile", out=out, **kw)
    if method != "linear":
        raise ValueError(f"nanquantile: method={method!r} is supported on tensors with NaNs only as 'linear'")
    qa = np.asarray(q, dtype=np.float64)
    if not (np.all(qa >= 0) and np.all(qa <= 1)):
        raise ValueError(f"nanquantile: q must be in [0, 1], got {q!r}")
    axis = _tensor._axis(axis)
    _tensor._count("nanquantile", x.shape, axis)
    return _nan_quantile(_tensor.as_tensor(a), nan, q, axis, bool(keepdims))


@implements(np.nanmedian)
def nanmedian(
    a: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False, keepdims: bool = False
) -> Tensor:
    """The median of the non-NaN elements = nanquantile(x, 0.5)  (composite)."""
    return nanquantile(a, 0.5, axis=axis, out=out, keepdims=keepdims)


@implements(np.nanpercentile)
def nanpercentile(
    a: Any,
    q: Any,
    axis: Any = None,
    out: Any = None,
    overwrite_input: bool = False,
    method: str = "linear",
    keepdims: bool = False,
    **kw: Any,
) -> Tensor:
    """nanquantile(x, q / 100)  (composite)."""
    q = _constant_q("nanpercentile", q)
    q = q / 100 if type(q) in (int, float) else np.true_divide(q, 100)
    return nanquantile(a, q, axis=axis, out=out, method=method, keepdims=keepdims, **kw)


def _cumulative(name: str, scan: Any, initial: float, x: Any, axis: Any, include_initial: bool) -> Tensor:
    x = _tensor.as_tensor(x)
    if axis is None:
        if x.ndim != 1:
            raise ValueError(f"{name}: axis must be given for a tensor of shape {x.shape} (not 1-D)")
        axis = 0
    c = scan(x, axis=axis)
    if not include_initial:
        return c
    ax = int(axis) % x.ndim
    first = np.full(x.shape[:ax] + (1,) + x.shape[ax + 1 :], initial, dtype=c.dtype)
    return _concatenate(first, c, axis=ax)


@implements(np.cumulative_sum)
def cumulative_sum(
    x: Any, /, *, axis: int | None = None, dtype: Any = None, out: Any = None, include_initial: bool = False
) -> Tensor:
    """cumsum(x, axis), with a leading 0 when include_initial  (composite; numpy 2's name)."""
    _refuse("cumulative_sum", dtype=dtype, out=out)
    return _cumulative("cumulative_sum", cumsum, 0.0, x, axis, include_initial)


@implements(np.cumulative_prod)
def cumulative_prod(
    x: Any, /, *, axis: int | None = None, dtype: Any = None, out: Any = None, include_initial: bool = False
) -> Tensor:
    """cumprod(x, axis), with a leading 1 when include_initial  (composite; numpy 2's name)."""
    _refuse("cumulative_prod", dtype=dtype, out=out)
    return _cumulative("cumulative_prod", cumprod, 1.0, x, axis, include_initial)


@implements(np.trapezoid)
def trapezoid(y: Any, x: Any = None, dx: Any = 1.0, axis: int = -1) -> Tensor:
    """The trapezoidal rule, sum(d (y[1:] + y[:-1]) / 2) along ``axis`` with d = diff(x) or dx
    (composite; differentiable in y, and in x or dx)."""
    y = _tensor.as_tensor(y)
    _tensor._count("trapezoid", y.shape, axis)
    ax = int(axis) % y.ndim
    if x is None:
        d = dx
    else:
        x = _tensor.as_tensor(x)
        if x.ndim == 1:
            if x.shape[0] != y.shape[ax]:
                raise ValueError(f"trapezoid: x of shape {x.shape} does not match axis {axis} of y's shape {y.shape}")
            d = _tensor.reshape(_diff(x), tuple(-1 if i == ax else 1 for i in range(y.ndim)))
        else:
            d = _diff(x, axis=axis)
    upper = y[(slice(None),) * ax + (slice(1, None),)]
    lower = y[(slice(None),) * ax + (slice(None, -1),)]
    return _ops.sum(_ops.mul(d, _ops.add(upper, lower)) / 2.0, axis=ax)


def _cov_rows(name: str, m: Any, rowvar: bool) -> Tensor:
    m = _tensor.as_tensor(m)
    if m.ndim > 2:
        raise ValueError(f"{name}: m of shape {m.shape} has more than 2 dimensions")
    m = _tensor.reshape(m, (1, -1)) if m.ndim < 2 else m
    return m if rowvar or m.shape[0] == 1 else _tensor.transpose(m)


def _constant(name: str, what: str, value: Any) -> Any:
    if isinstance(value, Tensor) and value.requires_grad:
        raise TypeError(f"{name}: {what} must be a constant, not {_describe(value)}")
    return None if value is None else np.asarray(_tensor._data(value))


@implements(np.cov)
def cov(
    m: Any,
    y: Any = None,
    rowvar: bool = True,
    bias: bool = False,
    ddof: int | None = None,
    fweights: Any = None,
    aweights: Any = None,
    *,
    dtype: Any = None,
) -> Tensor:
    """The covariance matrix of the rows (variables) of m = (X - mean) (X - mean)^T / (N - ddof),
    weighted by fweights * aweights as numpy  (composite; float64 like numpy)."""
    x = _cov_rows("cov", m, rowvar)
    if y is not None:
        x = _concatenate(x, _cov_rows("cov", y, rowvar), axis=0)
    rtype = np.result_type(x.dtype, np.float64) if dtype is None else np.dtype(dtype)
    x = x if x.dtype == rtype else x.astype(rtype)
    ddof = (0 if bias else 1) if ddof is None else int(ddof)
    f, aw = _constant("cov", "fweights", fweights), _constant("cov", "aweights", aweights)
    w = f if aw is None else aw if f is None else f * aw
    if w is not None and w.shape != (x.shape[1],):
        raise ValueError(f"cov: weights of shape {w.shape} for {x.shape[1]} observations (rows of shape {x.shape})")
    if w is None:
        avg, fact = _tensor.mean(x, 1, True), x.shape[1] - ddof
    else:
        w = w.astype(rtype)
        w_sum = w.sum()
        avg = _tensor.div(_ops.sum(_ops.mul(x, w), axis=1, keepdims=True), w_sum)
        fact = w_sum if ddof == 0 else w_sum - ddof * (1 if aw is None else (w * aw).sum() / w_sum)
    if fact <= 0:
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=2)
        fact = 0
    xc = _tensor.sub(x, avg)
    xw = xc if w is None else _ops.mul(xc, w)
    with np.errstate(divide="ignore"):
        scale = np.true_divide(1, fact)
    c = _ops.mul(_ops.matmul(xc, _tensor.transpose(xw)), scale)
    return _tensor.reshape(c, tuple(s for s in c.shape if s != 1))


@implements(np.corrcoef)
def corrcoef(x: Any, y: Any = None, rowvar: bool = True, *, dtype: Any = None) -> Tensor:
    """Pearson correlations c_ij / sqrt(c_ii c_jj) of c = cov(x, y), clipped to [-1, 1] as numpy
    (composite)."""
    c = cov(x, y, rowvar, dtype=dtype)
    if c.ndim == 0:  # one variable: numpy's c / c (1, or NaN for a constant)
        return _tensor.div(c, c)
    stddev = _tensor.sqrt(c[np.arange(c.shape[0]), np.arange(c.shape[0])])
    r = _tensor.div(_tensor.div(c, stddev[:, None]), stddev[None, :])
    return _tensor.clip(r, -1, 1)


@implements(np.ediff1d)
def ediff1d(ary: Any, to_end: Any = None, to_begin: Any = None) -> Tensor:
    """The differences of the flattened tensor, x[1:] - x[:-1], with to_begin and to_end attached
    (composite: getitem, concatenate)."""
    x = _tensor.reshape(_tensor.as_tensor(ary), (-1,))
    parts = [_diff(x)]
    for value, at in ((to_begin, 0), (to_end, 1)):
        if value is not None:
            v = _tensor.reshape(_tensor.as_tensor(value), (-1,))
            parts.insert(at * len(parts), v if v.dtype == x.dtype else v.astype(x.dtype))
    return _concatenate(*parts, axis=0) if len(parts) > 1 else parts[0]


# sums by group
__all__ += ["bincount"]


@implements(np.bincount)
def bincount(x: Any, /, weights: Any = None, minlength: int = 0) -> Any:
    """out[k] = the sum of the weights w_i with x_i = k (a scatter_add of w, float64 as numpy; with
    no weights, the counts: data, no gradient)."""
    if isinstance(x, Tensor) and x.requires_grad:
        raise TypeError(f"bincount: x must be non-negative integers, not {_describe(x)}")
    index = np.asarray(_tensor._data(x))
    if weights is None:
        return np.bincount(index, minlength=minlength)
    try:
        size = np.bincount(index, minlength=minlength).shape  # numpy's checks of x and minlength
    except (TypeError, ValueError) as e:
        raise type(e)(f"bincount: {e} (x of shape {index.shape})") from None
    w = _tensor.as_tensor(weights)
    if w.shape != index.shape:
        raise ValueError(f"bincount: weights of shape {w.shape} differ from x's shape {index.shape}")
    w = w if w.dtype == np.float64 else w.astype(np.float64)
    return _ops.scatter_add(w, shape=size, index=(index,))
