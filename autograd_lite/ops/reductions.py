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
    if isinstance(q, Tensor):
        if q.requires_grad:
            raise TypeError("quantile: q must be a constant (the quantile is not differentiable in q)")
        q = q.data
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
    q = np.true_divide(data_of(q), 100)
    return quantile(a, q, axis=axis, out=out, method=method, keepdims=keepdims)
