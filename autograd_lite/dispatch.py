"""numpy dispatch: what a numpy function or ufunc does when it meets a Tensor.

One rule -- record or refuse, never drop.  A numpy callable applied to a Tensor either

* **records**: it is registered in ``HANDLED`` (numpy callable -> the autograd_lite operation)
  and gives back a Tensor on the graph;
* is a **query** (``QUERIES``): its answer is shapes, indices, booleans or text, which carry no
  gradient, so it runs on the data and records nothing (``np.shape``, ``np.argmax``,
  ``np.isfinite``, comparisons, ...);
* or **refuses**: a TypeError naming the numpy function and what to use instead.

Refusal applies when a Tensor that requires grad is involved; on Tensors that do not require
grad an unregistered function runs on the data and returns what numpy returns (an ndarray), as
converting such a Tensor does.  Operation modules fill ``HANDLED`` with ``implements``, which
can also attach the function as a Tensor method where numpy's ndarray has that method::

    @implements(np.cumsum, method=True)
    def cumsum(x, axis=None): ...

``Tensor.__array_ufunc__`` and ``Tensor.__array_function__`` look numpy's callables up in
``HANDLED`` (a dict lookup and a call: the hot path); everything else comes here, to
``unhandled_ufunc`` and ``unhandled_function``.  The last section registers numpy's signatures
for the core operations (np.sum, np.clip, np.concatenate, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from . import tensor as _tensor  # partially imported here (tensor imports us last): used at call time

HANDLED: dict[Any, Callable[..., Any]] = {}


def implements(*numpy_callables: Any, method: bool | str = False) -> Callable[[Callable], Callable]:
    """Register ``fn`` as what each numpy callable does on Tensors; ``method=True`` (or a name)
    also makes it ``Tensor.<name>``."""

    def register(fn: Callable) -> Callable:
        for np_fn in numpy_callables:
            HANDLED[np_fn] = fn
        if method:
            from .tensor import Tensor

            setattr(Tensor, method if isinstance(method, str) else fn.__name__, fn)
        return fn

    return register


# ============================================================================ queries
# Answers that carry no gradient -- shapes, dtypes, indices, counts, booleans, text, arrays that
# depend only on the shape -- run on the data and record nothing, also on a Tensor that
# requires grad.  (Functions that do not dispatch at all, like np.isscalar, are listed so the
# documentation is complete.)
QUERY_UFUNCS: frozenset[np.ufunc] = frozenset(
    {
        np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal,
        np.isfinite, np.isinf, np.isnan, np.isnat, np.signbit,
        np.logical_and, np.logical_or, np.logical_xor, np.logical_not,
    }
)  # fmt: skip
QUERY_FUNCTIONS: frozenset[Any] = frozenset(
    {
        # shape, size, dtype
        np.shape, np.ndim, np.size, np.result_type, np.min_scalar_type, np.can_cast, np.promote_types,
        np.issubdtype,
        np.iscomplexobj, np.isrealobj, np.isfortran, np.isscalar, np.iterable,
        np.shares_memory, np.may_share_memory,
        # indices and counts
        np.argmax, np.argmin, np.nanargmax, np.nanargmin, np.argsort, np.argpartition, np.lexsort,
        np.argwhere, np.nonzero, np.flatnonzero, np.count_nonzero, np.searchsorted, np.digitize,
        np.linalg.matrix_rank,
        # booleans
        np.allclose, np.isclose, np.array_equal, np.array_equiv, np.isin, np.all, np.any,
        np.isreal, np.iscomplex, np.isposinf, np.isneginf,
        # arrays that depend only on the shape and dtype
        np.zeros_like, np.ones_like, np.empty_like,
        # text
        np.array2string, np.array_repr, np.array_str,
    }
)  # fmt: skip
QUERIES: frozenset[Any] = QUERY_UFUNCS | QUERY_FUNCTIONS

# Where ag's name differs from numpy's, or there is a better pointer than "ag.<same name>".
_ALTERNATIVES = {
    "amax": "ag.max or np.max",
    "amin": "ag.min or np.min",
    "copy": "the Tensor itself (operations never change their inputs)",
    "full_like": "np.full(t.shape, value)",
    "dot": "ag.matmul or the @ operator",
    "eig": "ag.linalg.eigh for a symmetric matrix, or ag.linalg.svd (eig's results are complex in general, "
    "and autograd_lite is real-valued)",
    "eigvals": "ag.linalg.eigvalsh for a symmetric matrix, or ag.linalg.svdvals (eigvals' results are complex "
    "in general, and autograd_lite is real-valued)",
}


# ============================================================================ fallbacks
def _items(obj: Any) -> Iterator[Any]:
    """``obj`` and everything inside its (nested) lists, tuples and dict values, without recursion."""
    pending = [obj]
    while pending:
        x = pending.pop()
        yield x
        if isinstance(x, (list, tuple)):
            pending.extend(x)
        elif isinstance(x, dict):
            pending.extend(x.values())


def _tracked(*objs: Any) -> Any:
    """The first Tensor that requires grad among ``objs`` (looking inside lists), else None."""
    for x in _items(objs):
        if isinstance(x, _tensor.Tensor) and x.requires_grad:
            return x
    return None


def _plain(obj: Any) -> Any:
    """``obj`` with every Tensor replaced by its data (inside lists, tuples and dicts too)."""
    if isinstance(obj, _tensor.Tensor):
        return obj.data
    if isinstance(obj, (list, tuple)) and any(isinstance(x, (_tensor.Tensor, list, tuple)) for x in obj):
        plain = [_plain(x) for x in obj]  # nesting depth is an array's ndim: shallow
        return tuple(plain) if isinstance(obj, tuple) else plain
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    return obj


def describe(t: Any) -> str:
    """A Tensor in words, for error messages: name, shape, dtype, the operation that made it."""
    what = f"Tensor {t.name!r}" if t.name else "a Tensor"
    made = f" (the result of {t._op.name})" if t._op is not None else ""
    return f"{what} of shape {t.shape} {t.dtype}{made} that requires grad"


def refusal(name: str, t: Any, why: str = "has no gradient rule in autograd_lite", hint: bool = True) -> str:
    """The TypeError message for numpy.<name> applied to the tracked Tensor ``t``; ``hint`` points
    to ag's function of the same name when there is one."""
    import autograd_lite as ag

    *sub, short = name.split(".")
    home = getattr(ag, sub[0], None) if sub else ag
    if hint and callable(getattr(home, short, None)):
        instead = f"use ag.{name}, "
    elif hint and sub and callable(getattr(ag, short, None)):
        instead = f"use ag.{short}, "
    elif short in _ALTERNATIVES:
        instead = f"use {_ALTERNATIVES[short]}, "
    else:
        instead = ""
    return (
        f"numpy.{name} {why} (it would drop the graph of {describe(t)}); "
        f"{instead}{'or call' if instead else 'call'} it on t.detach() or t.numpy() to get plain data"
    )


def conversion_refusal(t: Any) -> str:
    """The TypeError message for np.array / np.asarray of a Tensor that requires grad."""
    return (
        f"cannot convert {describe(t)} into a numpy array: the array would drop its graph. "
        "Build a Tensor from a list of Tensors with ag.stack or ag.array (differentiable), or "
        "convert t.detach() or t.numpy() to get plain data"
    )


def _qualified(func: Any) -> str:
    """numpy's name for ``func``: "sum", "linalg.norm", "fft.fft"."""
    module = (getattr(func, "__module__", None) or "numpy").split(".")
    sub = module[1] if len(module) > 1 and module[0] == "numpy" and not module[1].startswith("_") else ""
    return (sub + "." if sub else "") + getattr(func, "__name__", repr(func))


def unhandled_function(func: Any, args: tuple, kwargs: dict) -> Any:
    """A numpy function with no entry in HANDLED: a query runs on the data, so does anything
    on Tensors that do not require grad; with a Tensor that requires grad it refuses."""
    if func not in QUERY_FUNCTIONS:
        t = _tracked(args, kwargs)
        if t is not None:
            raise TypeError(refusal(_qualified(func), t))
    return func(*_plain(args), **_plain(kwargs))


# ufunc methods that are a registered operation in disguise (looked up in HANDLED at call time)
_REDUCE_AS: dict[Any, Any] = {np.add: np.sum, np.maximum: np.max, np.minimum: np.min, np.multiply: np.prod}
_ACCUMULATE_AS: dict[Any, Any] = {np.add: np.cumsum, np.multiply: np.cumprod}
# keyword arguments numpy may pass with their default values: those change nothing
_DEFAULTS = {"dtype": None, "casting": "same_kind", "order": "K", "subok": True, "where": True, "signature": None}
_UNSET = getattr(np, "_NoValue", None)


def _given(kwargs: dict, allowed: tuple[str, ...] = ()) -> list[str]:
    """The keyword arguments that ask for something a recording operation cannot do (not unset,
    not None, not numpy's default)."""
    return [
        k
        for k, v in kwargs.items()
        if k not in allowed
        and v is not _UNSET
        and v is not None
        and not (k in _DEFAULTS and isinstance(v, (str, bool)) and v == _DEFAULTS[k])
    ]


def unhandled_ufunc(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    """ufunc calls the hot path does not take: keyword arguments, methods (reduce, accumulate,
    outer, at, reduceat), queries, and ufuncs with no gradient rule."""
    name = ufunc.__name__ + ("" if method == "__call__" else f".{method}")
    out = kwargs.get("out")
    if out is not None and any(isinstance(o, _tensor.Tensor) for o in _items(out)):
        raise TypeError(
            f"numpy.{name}: out= cannot be a Tensor (writing into a Tensor would change it in place "
            "behind the graph's back); use the returned value"
        )
    if ufunc in QUERY_UFUNCS:
        return getattr(ufunc, method)(*_plain(inputs), **_plain(kwargs))
    fn = _recording(ufunc, method, inputs, kwargs)
    if fn is not None:
        return fn()
    t = _tracked(inputs, kwargs)
    if t is None:  # nothing to record: numpy on the data, as a conversion would give
        return getattr(ufunc, method)(*_plain(inputs), **_plain(kwargs))
    given = _given(kwargs, ("axis", "keepdims") if method in ("reduce", "accumulate") else ())
    why = f"with {', '.join(f'{k}=' for k in given)} is not supported" if given else "has no gradient rule"
    raise TypeError(refusal(name, t, why + " in autograd_lite", hint=method == "__call__"))


def _recording(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Callable[[], Any] | None:
    """The recording operation a ufunc call amounts to, as a thunk; None when there is none."""
    allowed = ("axis", "keepdims") if method in ("reduce", "accumulate") else ()
    if _given(kwargs, allowed):
        return None
    fn = HANDLED.get(ufunc)
    if method == "__call__":
        return None if fn is None else lambda: fn(*inputs)
    if method == "outer" and fn is not None and ufunc.nin == 2:  # a[..., None, ...] op b
        a, b = inputs
        shape = np.shape(_plain(a)) + (1,) * np.ndim(_plain(b))
        return lambda: fn(_tensor.reshape(a, shape), b)
    table: dict[Any, Any] = {"reduce": _REDUCE_AS, "accumulate": _ACCUMULATE_AS}.get(method, {})
    op = HANDLED.get(table.get(ufunc))
    if op is None:
        return None
    axis = kwargs.get("axis", 0)  # a ufunc's reduce and accumulate default to the first axis
    extra = {"keepdims": kwargs["keepdims"]} if kwargs.get("keepdims") else {}
    return lambda: op(inputs[0], axis=axis, **extra)


# ============================================================================ core operations
# numpy's signatures for the operations of ops/core.py and their composites in tensor.py.  The
# ufuncs (np.add, np.exp, np.matmul, ...) are registered next to the table, in ops/core.py.
def _only_defaults(name: str, **kwargs: Any) -> None:
    _tensor._no_out(name, kwargs)  # dtype=None, out=None and friends pass; anything else refuses


@implements(np.sum)
def sum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False, **unset: Any) -> Any:
    _only_defaults("sum", dtype=dtype, out=out, **unset)
    return _tensor._ops.sum(a, axis=_tensor._axis(axis), keepdims=bool(keepdims))


@implements(np.mean)
def mean(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False, **unset: Any) -> Any:
    _only_defaults("mean", dtype=dtype, out=out, **unset)
    return _tensor.mean(a, axis, bool(keepdims))


@implements(np.var)
def var(
    a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: int = 0, keepdims: bool = False, **unset: Any
) -> Any:
    _only_defaults("var", dtype=dtype, out=out, **unset)
    return _tensor.var(a, axis, bool(keepdims), ddof)


@implements(np.max)
def max(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False, **unset: Any) -> Any:
    _only_defaults("max", out=out, **unset)
    return _tensor._ops.max(a, axis=_tensor._axis(axis), keepdims=bool(keepdims))


@implements(np.min)
def min(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False, **unset: Any) -> Any:
    _only_defaults("min", out=out, **unset)
    return _tensor.min(a, axis, bool(keepdims))


@implements(np.clip)
def clip(
    a: Any, a_min: Any = _UNSET, a_max: Any = _UNSET, out: Any = None, *, min: Any = _UNSET, max: Any = _UNSET
) -> Any:
    _only_defaults("clip", out=out)
    lo, hi = (a_min if a_min is not _UNSET else min), (a_max if a_max is not _UNSET else max)
    return _tensor.clip(a, None if lo is _UNSET else lo, None if hi is _UNSET else hi)


@implements(np.where)
def where(condition: Any, *xy: Any) -> Any:
    if not xy:  # np.where(c) is np.nonzero(c): indices, a query
        return np.nonzero(_plain(condition))
    if len(xy) != 2:
        raise TypeError("where: pass both x and y, or neither")
    return _tensor._ops.where(np.asarray(_plain(condition), dtype=bool), *xy)


@implements(np.concatenate)
def concatenate(arrays: Any, axis: Any = 0, out: Any = None, **unset: Any) -> Any:
    _only_defaults("concatenate", out=out, **unset)
    return _tensor.concatenate(arrays, axis)


@implements(np.stack)
def stack(arrays: Any, axis: int = 0, out: Any = None, **unset: Any) -> Any:
    _only_defaults("stack", out=out, **unset)
    return _tensor.stack(arrays, axis)


@implements(np.reshape)
def reshape(a: Any, shape: Any = None, order: str = "C", **unset: Any) -> Any:
    if order != "C":
        raise TypeError(f"reshape: order={order!r} not supported on Tensors (only 'C')")
    _only_defaults("reshape", **{k: v for k, v in unset.items() if k != "copy"})
    return _tensor.reshape(a, shape)


@implements(np.transpose)
def transpose(a: Any, axes: Any = None) -> Any:
    return _tensor.transpose(a, axes)


@implements(np.swapaxes)
def swapaxes(a: Any, axis1: int, axis2: int) -> Any:
    return _tensor.swapaxes(a, axis1, axis2)


@implements(np.broadcast_to)
def broadcast_to(array: Any, shape: Any, subok: bool = False) -> Any:
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    return _tensor._ops.broadcast_to(array, shape=shape)


@implements(np.astype)
def astype(x: Any, dtype: Any, /, *, copy: bool = True, device: Any = None) -> Any:
    _only_defaults("astype", device=device)
    return _tensor.as_tensor(x).astype(dtype)  # to an integer or boolean dtype: a constant, like the method


# ============================================================================ query methods
# ndarray's query methods on Tensors: what they return is data (indices, booleans), so they run
# on ``.data`` and record nothing -- ``scores.argmax(axis=1) == y`` for an accuracy.
def _query_method(name: str) -> Any:
    def query(self: Any, *args: Any, **kwargs: Any) -> Any:
        return getattr(self.data, name)(*args, **kwargs)

    query.__name__ = name
    query.__doc__ = f"A query: ``{name}`` of the data (numpy's result; nothing is recorded)."
    return query


for _name in ("argmax", "argmin", "all", "any", "nonzero", "argpartition", "searchsorted"):
    implements(method=True)(_query_method(_name))
del _name
