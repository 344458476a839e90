"""Tensor: the one value type -- scalars are 0-d tensors.

A Tensor wraps a numpy value (``data``), may carry a gradient (``grad``) and, when an operation
on it was recorded, remembers the primitive (``op``) and its inputs.  This module holds the
class, its operators, the composite operations built from primitives (sub, div, mean, var,
abs, sqrt, min, clip, logsumexp, softmax, log_softmax) and the constructors.  The primitives
themselves and their gradient rules are in ``ops.py``; recording and backward in ``engine.py``.

dtype policy: Python numbers and nested lists become float64; numpy arrays keep their dtype
(float32 stays float32, integer labels stay integer); results follow numpy's promotion, with
Python numbers "weak" (``x * 2.0`` keeps float32).  Only floating tensors can require grad.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .engine import Primitive

ArrayLike = Any
Axis = int | Sequence[int] | None


class _Marker:
    """A sentinel in a recorded node's ``_y`` slot, saying how its inputs are stored (``Tensor._inputs``)."""

    __slots__ = ("label",)

    def __init__(self, label: str) -> None:
        self.label = label

    def __repr__(self) -> str:
        return self.label


ONE_INPUT, MANY_INPUTS = _Marker("ONE_INPUT"), _Marker("MANY_INPUTS")
# Tensor and all its subclasses (Parameter, users' own).  The engine's hot paths ask
# ``type(x) in TENSOR_TYPES`` rather than ``isinstance(x, Tensor)``: for the commonest non-Tensor
# operand, an ndarray, isinstance's miss looks up ``x.__class__`` (proxies may lie about their
# class), about 4x the cost of this set lookup.
TENSOR_TYPES: set[type] = set()


class Tensor:
    """An n-dimensional value that can record the operations applied to it.

    >>> import autograd_lite as ag
    >>> x = ag.Tensor(3.0, requires_grad=True, name="x")
    >>> y = x * x + 2 * x
    >>> y.backward(); x.grad.item()
    8.0
    """

    __slots__ = (
        "_data",  # read through the ``data`` property (a checked setter); the engine reads the slot
        "_grad",  # read through the ``grad`` property (a checked setter); the engine writes the slot
        "requires_grad",
        "name",
        "_op",
        "_x",  # a recorded node's inputs, encoded without a tuple (see ``_inputs`` below)
        "_y",
        "_params",
        "_scope",
        "_mark",
        "_pending",
        "_g",
        "_version",  # the write clock at this tensor's last in-place change (0: none); see engine.bump_version
        "_stamp",  # a recorded node: the write clock when it was recorded (see engine._check_saved)
        "__weakref__",
    )
    __array_priority__ = 1000

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        TENSOR_TYPES.add(cls)  # the engine tells Tensors by ``type(x) in TENSOR_TYPES`` (see there)

    if TYPE_CHECKING:  # what type checkers see: the slots' types; the real properties are set below the class
        _data: Any  # a numpy array, or a numpy scalar on results
        _grad: Tensor | None
        requires_grad: bool
        name: str | None
        _op: Primitive | None  # the primitive that made it (None: a leaf or a constant)
        _x: Any  # that primitive's inputs, Tensors and constants (see ``_inputs``)
        _y: Any
        _params: dict[str, Any] | None  # its keyword parameters (axis=...), None for none
        _scope: tuple[str, ...]
        _mark: int  # the backward pass that last counted this node (engine._count_consumers)
        _pending: int  # consumers yet to send their gradient, during that pass
        _g: Any  # the gradient in flight during that pass (array, Tensor under create_graph, or None)
        _version: int
        _stamp: Any  # an int, or (int, fingerprints) under detect_anomaly

        @property
        def data(self) -> Any: ...
        @data.setter
        def data(self, value: ArrayLike) -> None: ...
        @property
        def grad(self) -> Tensor | None: ...
        @grad.setter
        def grad(self, value: Any) -> None: ...

    def __init__(
        self,
        data: ArrayLike,
        requires_grad: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        if isinstance(data, Tensor):
            data = data._data
        elif data is None:
            raise TypeError("Tensor: data is None; give a number, a (nested) list or a numpy array")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Tensor: name must be a str, got {type(name).__name__} ({name!r:.40})")
        if dtype is None and not isinstance(data, (np.ndarray, np.generic)):
            dtype = np.float64  # Python numbers and lists: float64, so checks mean something
        try:
            arr = np.array(data, dtype=dtype)
        except (ValueError, TypeError) as e:
            _real_array("Tensor", data)  # names complex or non-numeric data when that is the cause
            raise TypeError(f"Tensor: cannot make an array from {type(data).__name__}: {e}") from None
        if arr.dtype.kind not in "biuf":
            raise TypeError(_not_real("Tensor", arr.dtype, type(data).__name__))
        if requires_grad and not np.issubdtype(arr.dtype, np.floating):
            raise TypeError(
                f"Tensor: requires_grad=True needs floating-point data, got {arr.dtype} "
                f"(shape {arr.shape}); integer tensors hold labels and indices -- pass "
                "dtype=np.float64 to differentiate with respect to these values"
            )
        self._data = arr  # an ndarray, 0-d ones too: leaves are what optimizers update in place
        self._grad = None
        self.requires_grad = bool(requires_grad)
        self.name = name
        self._op = None
        self._params = None
        self._scope = _engine.current_scope()
        self._mark = 0  # backward bookkeeping (engine._count_consumers)
        self._version = 0

    @staticmethod
    def _wrap(data: Any) -> Tensor:
        """A constant (leaf, no grad) around an existing numpy value, without copying."""
        t = Tensor.__new__(Tensor)
        t._data = data
        t._grad = None
        t.requires_grad = False
        t.name = None
        t._op = None
        t._params = None
        t._scope = ()
        t._mark = 0
        t._version = 0
        return t

    def _set_data(self, value: ArrayLike) -> None:
        """``t.data = value``: checked (see ``_assigned``), and counted as an in-place change."""
        self._data = _assigned(self, value)
        _engine.bump_version(self)

    def _set_grad(self, value: Any) -> None:
        """``t.grad = value``: None, or a Tensor / numpy array of exactly this tensor's shape and dtype."""
        if value is None:
            self._grad = None
            return
        if not isinstance(value, (Tensor, np.ndarray, np.generic)):
            who = f"{_label(self)}.grad"
            raise TypeError(f"{who}: expected a Tensor, a numpy array or None, got {type(value).__name__}")
        g = value if isinstance(value, Tensor) else Tensor._wrap(value)
        if g.shape != self.shape or g.dtype != self.dtype:
            raise ValueError(
                f"{_label(self)}.grad: a gradient of shape {g.shape} {g.dtype} for a tensor of shape "
                f"{self.shape} {self.dtype}; a gradient has its tensor's shape and dtype"
            )
        self._grad = g

    # ---------------------------------------------------------------- introspection
    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> int:
        return self._data.size

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user (or under no_grad), not by a recorded operation."""
        return self._op is None

    @property
    def op(self) -> Any:
        """The primitive that produced this tensor (None for a leaf)."""
        return self._op

    @property
    def inputs(self) -> tuple:
        """The operands of ``op``: Tensors, or constants (numbers, arrays) as they were given."""
        return self._inputs

    @property
    def _inputs(self) -> tuple:
        """The inputs of a recorded node as a tuple (() for a leaf).  The node stores them in two
        slots instead of a tuple -- one object less per node, which on million-node graphs is a
        quarter of the memory and half of the cyclic GC's work: one input: ``_x`` is it and
        ``_y`` is ``ONE_INPUT``; two: ``_x``, ``_y``; any other number: ``_x`` is their tuple and
        ``_y`` is ``MANY_INPUTS``.  The engine's hot loops read the slots; everything else this."""
        if self._op is None:
            return ()
        y = self._y
        return (self._x,) if y is ONE_INPUT else self._x if y is MANY_INPUTS else (self._x, y)

    @property
    def params(self) -> dict:
        """The keyword parameters of ``op`` (axis, shape, index, ...)."""
        return self._params or {}

    @property
    def scope(self) -> str:
        """The ``ag.scope(...)`` path this tensor was created in, joined with '/'."""
        return "/".join(self._scope)

    def item(self) -> float:
        if self.data.size != 1:
            raise ValueError(f"item: the tensor has shape {self.shape}; item() needs exactly one element")
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The data as a numpy array (shared, not copied; no graph)."""
        return np.asarray(self.data)

    def tolist(self) -> Any:
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """np.array / np.asarray: the data -- refused for a Tensor that requires grad, whose
        graph the array would drop (use .detach() or .numpy(), or ag.stack / ag.array)."""
        if self.requires_grad:
            raise TypeError(_dispatch.conversion_refusal(self))
        arr = np.asarray(self.data, dtype=dtype)
        return arr.copy() if copy else arr

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        for i in range(len(self)):
            yield self[i]

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor of shape {self.shape} is ambiguous; use .numpy().any() or .all()"
            )
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        shown = np.asarray(self.data)
        if shown.dtype.kind == "f":
            shown = shown + 0.0  # -0.0 prints as 0. (g * [x > 0] makes -0.0 where g < 0)
        body = np.array2string(shown, separator=", ", precision=4, threshold=20, edgeitems=3)
        body = body.replace("\n", "\n       ")
        extra = []
        if self.data.dtype != np.float64:
            extra.append(f"dtype={self.data.dtype}")
        if self._op is not None:
            extra.append(f"op={self._op.name}")
        elif self.requires_grad:
            extra.append("requires_grad=True")
        if self.name:
            extra.append(f"name={self.name!r}")
        return f"Tensor({body}{''.join(', ' + e for e in extra)})"

    # ---------------------------------------------------------------- graph
    def backward(self, grad: ArrayLike = None, create_graph: bool = False, retain_grads: bool = False) -> None:
        """Accumulate gradients of this tensor into ``.grad`` of every leaf that requires grad.

        ``grad``: the upstream gradient, needed when this tensor has more than one element.
        ``create_graph=True`` records the backward pass so gradients can be differentiated.
        ``retain_grads=True`` keeps ``.grad`` on every intermediate node as well.
        """
        _engine.backward(self, grad, create_graph=create_graph, retain_grads=retain_grads)

    def retain_grad(self) -> Tensor:
        """Keep this (non-leaf) tensor's gradient in ``.grad`` after backward."""
        _engine.retain(self)
        return self

    def detach(self) -> Tensor:
        """The same data as a new leaf that records nothing (shares memory)."""
        return Tensor._wrap(self._data)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and not np.issubdtype(self._data.dtype, np.floating):
            raise TypeError(f"requires_grad_: integer tensor ({self._data.dtype}) cannot require grad")
        if requires_grad and not isinstance(self._data, np.ndarray):
            self._data = np.array(self._data)  # a leaf holds an ndarray, so optimizers can update it in place
        self.requires_grad = requires_grad
        return self

    # ---------------------------------------------------------------- operators
    def __add__(self, other: ArrayLike) -> Tensor:
        return _ops.add.call2(self, other)

    def __radd__(self, other: ArrayLike) -> Tensor:
        return _ops.add.call2(other, self)

    def __mul__(self, other: ArrayLike) -> Tensor:
        return _ops.mul.call2(self, other)

    def __rmul__(self, other: ArrayLike) -> Tensor:
        return _ops.mul.call2(other, self)

    def __sub__(self, other: ArrayLike) -> Tensor:
        return sub(self, other)

    def __rsub__(self, other: ArrayLike) -> Tensor:
        return sub(other, self)

    def __truediv__(self, other: ArrayLike) -> Tensor:
        return div(self, other)

    def __rtruediv__(self, other: ArrayLike) -> Tensor:
        return div(other, self)

    def __pow__(self, other: ArrayLike) -> Tensor:
        return _ops.pow.call2(self, other)

    def __rpow__(self, other: ArrayLike) -> Tensor:
        return _ops.pow.call2(other, self)

    def __matmul__(self, other: ArrayLike) -> Tensor:
        return _ops.matmul.call2(self, other)

    def __rmatmul__(self, other: ArrayLike) -> Tensor:
        return _ops.matmul.call2(other, self)

    def __neg__(self) -> Tensor:
        return _ops.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return abs(self)

    def __getitem__(self, index: Any) -> Tensor:
        return _ops.getitem(self, index=_plain_index(index))

    def __setitem__(self, index: Any, value: Any) -> None:
        """``t[index] = value``, in place, on a leaf -- under ``no_grad()`` when it requires grad.

        Counted as an in-place change (``engine.bump_version``): a recorded graph that saved ``t``
        refuses to backpropagate afterwards.  Not recorded: on the result of a recorded operation it
        is refused (build the value with where/concatenate/stack instead)."""
        who = f"{_label(self)}[...] = value"
        if self._op is not None:
            raise TypeError(
                f"{who}: item assignment on the result of {self._op.name} is not recorded and would break its "
                "gradients; build the value with where/concatenate/stack instead"
            )
        recording = _engine.is_grad_enabled()
        if recording and (self.requires_grad or isinstance(value, Tensor) and value.requires_grad):
            raise TypeError(
                f"{who}: item assignment is not recorded, so with a tensor that requires grad it would lose "
                "gradients; do it under no_grad() (e.g. to set weights), or build a new tensor with "
                "where/concatenate/stack"
            )
        arr = _real_array(who, value._data if isinstance(value, Tensor) else value)
        if not np.can_cast(arr.dtype, self._data.dtype, "same_kind"):
            raise TypeError(f"{who}: cannot store {arr.dtype} values in a {self._data.dtype} tensor")
        if not isinstance(self._data, np.ndarray):
            self._data = np.array(self._data)  # a numpy scalar cannot be written into
        try:
            self._data[_plain_index(index)] = arr
        except (IndexError, ValueError, TypeError) as e:
            raise type(e)(f"{who}: {e} (tensor shape {self.shape}, value shape {arr.shape})") from None
        _engine.bump_version(self)

    # comparisons give boolean numpy arrays and record nothing
    def __lt__(self, other: ArrayLike) -> np.ndarray:
        return np.less(self.data, _data(other))

    def __le__(self, other: ArrayLike) -> np.ndarray:
        return np.less_equal(self.data, _data(other))

    def __gt__(self, other: ArrayLike) -> np.ndarray:
        return np.greater(self.data, _data(other))

    def __ge__(self, other: ArrayLike) -> np.ndarray:
        return np.greater_equal(self.data, _data(other))

    def __eq__(self, other: ArrayLike) -> np.ndarray:  # type: ignore[override]
        return np.equal(self.data, _data(other))

    def __ne__(self, other: ArrayLike) -> np.ndarray:  # type: ignore[override]
        return np.not_equal(self.data, _data(other))

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """numpy's ufuncs on Tensors (``ndarray * x``, ``np.exp(x)``): the registered operation,
        recorded; queries (comparisons, isfinite) on the data; anything else refuses when a
        Tensor requires grad (see ``dispatch``)."""
        if method == "__call__" and not kwargs:  # the hot path: one lookup, one call
            fn = _dispatch.HANDLED.get(ufunc)
            if fn is not None:
                return fn(*inputs)
        return _dispatch.unhandled_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        """numpy's functions on Tensors (``np.sum(x)``, ``np.concatenate([x, y])``): the
        registered operation, recorded; else a query, or a refusal (see ``dispatch``)."""
        fn = _dispatch.HANDLED.get(func)
        if fn is not None:
            return fn(*args, **kwargs)
        return _dispatch.unhandled_function(func, args, kwargs)

    # ---------------------------------------------------------------- methods
    def exp(self) -> Tensor:
        return _ops.exp(self)

    def log(self) -> Tensor:
        return _ops.log(self)

    def sigmoid(self) -> Tensor:
        return _ops.sigmoid(self)

    def tanh(self) -> Tensor:
        return _ops.tanh(self)

    def relu(self) -> Tensor:
        return _ops.relu(self)

    def abs(self) -> Tensor:
        return abs(self)

    def sqrt(self) -> Tensor:
        return sqrt(self)

    def maximum(self, other: ArrayLike) -> Tensor:
        return _ops.maximum(self, other)

    def minimum(self, other: ArrayLike) -> Tensor:
        return minimum(self, other)

    def clip(self, lo: ArrayLike = None, hi: ArrayLike = None) -> Tensor:
        return clip(self, lo, hi)

    def sum(self, axis: Axis = None, keepdims: bool = False, **numpy_kwargs: Any) -> Tensor:
        _no_out("sum", numpy_kwargs)
        return _ops.sum(self, axis=_axis(axis), keepdims=keepdims)

    def mean(self, axis: Axis = None, keepdims: bool = False, **numpy_kwargs: Any) -> Tensor:
        _no_out("mean", numpy_kwargs)
        return mean(self, axis, keepdims)

    def var(self, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        return var(self, axis, keepdims, ddof)

    def max(self, axis: Axis = None, keepdims: bool = False, **numpy_kwargs: Any) -> Tensor:
        _no_out("max", numpy_kwargs)
        return _ops.max(self, axis=_axis(axis), keepdims=keepdims)

    def min(self, axis: Axis = None, keepdims: bool = False, **numpy_kwargs: Any) -> Tensor:
        _no_out("min", numpy_kwargs)
        return min(self, axis, keepdims)

    def logsumexp(self, axis: Axis = None, keepdims: bool = False, b: ArrayLike = None) -> Tensor:
        return logsumexp(self, axis, keepdims, b)

    def softmax(self, axis: int = -1) -> Tensor:
        return softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return log_softmax(self, axis)

    def matmul(self, other: ArrayLike) -> Tensor:
        return _ops.matmul.call2(self, other)

    def reshape(self, *shape: Any) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return reshape(self, shape)

    def flatten(self) -> Tensor:
        return reshape(self, (-1,))

    def transpose(self, *axes: Any) -> Tensor:
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            return transpose(self, axes[0] or None)
        return transpose(self, axes or None)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        return swapaxes(self, axis1, axis2)

    @property
    def T(self) -> Tensor:
        return transpose(self)

    def astype(self, dtype: Any) -> Tensor:
        """A copy in ``dtype``; to an integer or boolean dtype it is a constant (no gradient)."""
        dtype = np.dtype(dtype)
        if not np.issubdtype(dtype, np.inexact):
            return Tensor._wrap(np.asarray(self.data).astype(dtype))
        return _ops.astype(self, dtype=dtype)


# ``data`` and ``grad`` are properties with checked setters; their getters are the slots' own C
# getters (no Python frame -- though in CPython 3.11 a read still costs about what a Python
# property's does, ~35 ns more than a plain slot, which is why the engine reads the slots).
setattr(  # noqa: B010 - set after the class: the getter is the slot's, which exists only now
    Tensor,
    "data",
    property(
        Tensor.__dict__["_data"].__get__,
        Tensor._set_data,
        doc="The numpy value.  Assigning checks it (``_assigned``) and counts as an in-place change.",
    ),
)
setattr(  # noqa: B010
    Tensor,
    "grad",
    property(
        Tensor.__dict__["_grad"].__get__,
        Tensor._set_grad,
        doc="The accumulated gradient (a Tensor of this tensor's shape and dtype), or None.",
    ),
)


def _label(t: Tensor) -> str:
    return f"tensor {t.name!r}" if t.name else "tensor"


def _not_real(who: str, dtype: np.dtype, what: str) -> str:
    if dtype.kind == "c":
        return (
            f"{who}: complex data ({dtype}) is not supported: autograd_lite differentiates real-valued "
            "functions; carry the real and imaginary parts as two real tensors"
        )
    return f"{who}: data of type {what} ({dtype}) is not numeric"


def _real_array(who: str, value: Any) -> np.ndarray:
    """``value`` as a real numeric array (numbers: their default numpy dtype), or a TypeError."""
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{who}: cannot make an array from {type(value).__name__}: {e}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(_not_real(who, arr.dtype, type(value).__name__))
    return arr


def _assigned(t: Tensor, value: Any) -> np.ndarray:
    """What ``t.data = value`` stores: always an ndarray of ``t``'s shape (0-d included).

    * a numpy array (or numpy scalar, or a Tensor's data) of the same kind of dtype is stored as
      it is (shared, not copied; a numpy scalar becomes a 0-d array); between floating dtypes the
      tensor takes the new precision (float32 <-> float64, as gradcheck's float64 copies do);
    * an array of another kind that casts safely (int -> float) is converted to ``t``'s dtype;
    * Python numbers and lists take ``t``'s dtype (when the cast keeps their kind: 1.5 into an
      integer tensor is refused);
    * a different shape, a complex or non-numeric value, or an unsafe cast is a clear error.
    """
    old = t._data
    if value is old:  # ``t.data -= step``: numpy's in-place operator gave back the same array
        return old
    who = f"{_label(t)}.data"
    if isinstance(value, Tensor):
        value = value._data
    arr = _real_array(who, value)
    if isinstance(value, (np.ndarray, np.generic)):
        if arr.dtype.kind != old.dtype.kind and not {arr.dtype.kind, old.dtype.kind} <= {"i", "u"}:
            if not np.can_cast(arr.dtype, old.dtype, "safe"):
                raise TypeError(
                    f"{who}: cannot store a {arr.dtype} array in a {old.dtype} tensor; convert it first "
                    f"(value.astype(np.{old.dtype})) or make a new Tensor"
                )
            arr = arr.astype(old.dtype)
    elif arr.dtype != old.dtype:
        if not np.can_cast(arr.dtype, old.dtype, "same_kind"):
            raise TypeError(f"{who}: cannot store {arr.dtype} values ({value!r:.40}) in a {old.dtype} tensor")
        arr = arr.astype(old.dtype)
    if arr.shape != old.shape:
        raise ValueError(
            f"{who}: the new value has shape {arr.shape} but the tensor has shape {old.shape}; assignment "
            "keeps a tensor's shape (recorded graphs and optimizer state depend on it) -- make a new Tensor"
        )
    return arr


def _no_out(name: str, numpy_kwargs: dict) -> None:
    """``np.sum(t)`` and friends pass dtype=None, out=None: accept those, refuse the rest."""
    unset = (None, getattr(np, "_NoValue", None))  # numpy's "argument not given" markers
    given = [k for k, v in numpy_kwargs.items() if not any(v is u for u in unset) and not (k == "where" and v is True)]
    if given:
        raise TypeError(f"{name}: {', '.join(given)} not supported on tensors; use .astype() or .data")


# ==================================================================== composites
# Built from primitives only, so a composite can never disagree with a rule.
def _data(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _axis(axis: Axis) -> int | tuple[int, ...] | None:
    if axis is None or isinstance(axis, (int, np.integer)):
        return axis
    return tuple(int(a) for a in axis)


TENSOR_TYPES.add(Tensor)


def _plain_index(index: Any) -> Any:
    """Tensors inside an index become their (integer or boolean) arrays."""
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index.data if isinstance(index, Tensor) else index


def _count(name: str, shape: tuple[int, ...], axis: Axis) -> int:
    """How many elements a reduction over ``axis`` combines (checking the axes)."""
    if axis is None:
        return math.prod(shape)
    axes = (axis,) if isinstance(axis, (int, np.integer)) else axis
    for a in axes:
        if not -len(shape) <= a < len(shape):
            raise ValueError(f"{name}: axis {a} is out of bounds for a tensor of shape {shape}")
    return math.prod(shape[a] for a in axes)


def as_tensor(x: ArrayLike) -> Tensor:
    """``x`` itself if it is a Tensor, else a constant Tensor holding it."""
    return x if isinstance(x, Tensor) else Tensor(x)


def _negative(x: ArrayLike) -> Any:
    """-x: recorded for a Tensor; plain arithmetic for a constant, so 2.0 stays a weak Python float.

    Unsigned and boolean arrays are widened to a signed type first, so -x means what it says
    (numpy's -uint8(1) is 255)."""
    if isinstance(x, Tensor) and x.requires_grad:
        return _ops.neg(x)
    x = _data(x)
    if isinstance(x, (list, tuple)):
        return -np.asarray(x, dtype=np.float64)
    if isinstance(x, (np.ndarray, np.generic)) and x.dtype.kind in "ub":
        x = x.astype(np.result_type(x.dtype, np.int8))
    return -x


def sub(a: ArrayLike, b: ArrayLike) -> Tensor:
    """a - b = a + (-b)  (one node when b is a constant)"""
    return _ops.add(a, _negative(b))


def div(a: ArrayLike, b: ArrayLike) -> Tensor:
    """a / b = a * b**-1  (one node when b is a constant; 1 / b is just b**-1, the slides' 1/x gate)"""
    if isinstance(b, Tensor):
        reciprocal = _ops.pow(b, -1)
        return reciprocal if isinstance(a, (int, float)) and a == 1 else _ops.mul(a, reciprocal)
    if isinstance(b, (int, float)) and not isinstance(b, bool):  # stays a weak Python float
        return _ops.mul(a, 1.0 / b if b != 0 else math.copysign(math.inf, b))
    with np.errstate(divide="ignore"):  # x / 0 is inf like numpy
        return _ops.mul(a, np.true_divide(1.0, np.asarray(b, dtype=None if hasattr(b, "dtype") else np.float64)))


def abs(x: ArrayLike) -> Tensor:
    """|x| = maximum(x, -x); the tie at 0 gives the subgradient 0."""
    return _ops.maximum(x, _ops.neg(x))


def sqrt(x: ArrayLike) -> Tensor:
    """x ** 0.5"""
    return _ops.pow(x, 0.5)


def minimum(a: ArrayLike, b: ArrayLike) -> Tensor:
    """min(a, b) = -max(-a, -b); ties share the gradient evenly."""
    return _ops.neg(_ops.maximum(_negative(a), _negative(b)))


def min(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """min over axes = -max(-x); ties share the gradient evenly."""
    return _ops.neg(_ops.max(_negative(x), axis=_axis(axis), keepdims=keepdims))


def clip(x: ArrayLike, lo: ArrayLike = None, hi: ArrayLike = None) -> Tensor:
    """minimum(maximum(x, lo), hi); at a bound exactly the gradient is shared (1/2)."""
    out = as_tensor(x)
    if lo is not None:
        out = _ops.maximum(out, lo)
    if hi is not None:
        out = minimum(out, hi)
    return out


def mean(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """sum(x) / n"""
    x = as_tensor(x)
    n = _count("mean", x.shape, _axis(axis))
    return _ops.sum(x, axis=_axis(axis), keepdims=keepdims) * (1.0 / n if n else math.nan)  # empty: NaN, as numpy


def var(x: ArrayLike, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """mean((x - mean(x))**2), with n - ddof in the denominator like numpy."""
    x = as_tensor(x)
    axis = _axis(axis)
    n = _count("var", x.shape, axis)
    if n - ddof <= 0:
        raise ValueError(f"var: {n} elements with ddof={ddof} leave no degrees of freedom")
    centred = sub(x, mean(x, axis, keepdims=True))
    return _ops.sum(centred * centred, axis=axis, keepdims=keepdims) * (1.0 / (n - ddof))


def _along(name: str, shape: tuple[int, ...], axis: Axis) -> int | tuple[int, ...] | None:
    """``axis`` checked against ``shape``; on a 0-d tensor axis 0 or -1 is the whole of it, as
    numpy's sum and max accept."""
    axis = _axis(axis)
    if not shape and isinstance(axis, int) and axis in (0, -1):
        return None
    _count(name, shape, axis)
    return axis


def _max_shift(xd: Any, axis: Any) -> np.ndarray:
    """max(xd) over ``axis`` with keepdims, to shift exponentials by: held constant, and 0 where
    it is not finite (all -inf, +inf) or where there is nothing to reduce."""
    if np.size(xd) == 0:
        return np.zeros(np.shape(np.sum(xd, axis=axis, keepdims=True)))
    m = np.max(xd, axis=axis, keepdims=True)
    return np.where(np.isfinite(m), m, 0)


def logsumexp(x: ArrayLike, axis: Axis = None, keepdims: bool = False, b: ArrayLike = None) -> Tensor:
    """log(sum(b * exp(x))) = m + log(sum(b * exp(x - m))) with m = max(x) held constant
    (stable).  ``b`` (optional, scipy's weights; may be a Tensor) broadcasts against x; where a
    constant b is 0, x is left out (so x = 1000 there cannot overflow).  Over no elements the sum
    is 0 and the result -inf, as log(sum(exp([]))) is in numpy."""
    x = as_tensor(x)
    shape = x.shape if b is None else np.broadcast_shapes(x.shape, np.shape(_data(b)))
    axis = _along("logsumexp", shape, axis)
    if _count("logsumexp", shape, axis) == 0:  # the empty sum: -inf, and an (empty) gradient
        return _ops.add(_ops.sum(x if b is None else _ops.mul(x, b), axis=axis, keepdims=keepdims), -np.inf)
    if b is not None:
        dropped = np.asarray(_data(b)) == 0
        if dropped.any() and not (isinstance(b, Tensor) and b.requires_grad):  # scipy's rule: b = 0 drops x
            x = _ops.where(dropped, -np.inf, x)
    m = _max_shift(np.broadcast_to(x.data, shape), axis)
    e = _ops.exp(sub(x, m))
    with np.errstate(divide="ignore"):  # a sum of 0 (every element -inf): -inf
        s = _ops.log(_ops.sum(e if b is None else _ops.mul(e, b), axis=axis, keepdims=keepdims))
    return s + (m if keepdims else np.squeeze(m, axis=axis))


def log_softmax(x: ArrayLike, axis: int = -1) -> Tensor:
    """x - logsumexp(x) along ``axis``, as z - log(sum(exp(z))) with z = x - max(x) (stable)."""
    x = as_tensor(x)
    ax = _along("log_softmax", x.shape, axis)
    z = _ops.add(x, -_max_shift(x.data, ax))
    return sub(z, _ops.log(_ops.sum(_ops.exp(z), axis=ax, keepdims=True)))


def softmax(x: ArrayLike, axis: int = -1) -> Tensor:
    """exp(x - m) / sum(exp(x - m)) along ``axis``, m = max held constant (stable)."""
    x = as_tensor(x)
    ax = _along("softmax", x.shape, axis)
    e = _ops.exp(sub(x, _max_shift(x.data, ax)))
    return div(e, _ops.sum(e, axis=ax, keepdims=True))


def reshape(x: ArrayLike, shape: Any) -> Tensor:
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    return _ops.reshape(x, shape=shape)


def transpose(x: ArrayLike, axes: Sequence[int] | None = None) -> Tensor:
    return _ops.transpose(x, axes=None if axes is None else tuple(axes))


def swapaxes(x: ArrayLike, axis1: int, axis2: int) -> Tensor:
    x = as_tensor(x)
    axes = list(range(x.ndim))
    try:
        axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    except IndexError:
        raise ValueError(f"swapaxes: axes {axis1}, {axis2} out of range for shape {x.shape}") from None
    return transpose(x, axes)


def concatenate(tensors: Sequence[ArrayLike], axis: int = 0) -> Tensor:
    """Join a sequence of tensors along an existing axis (like numpy.concatenate)."""
    return _ops.concatenate(*tensors, axis=axis)


def stack(tensors: Sequence[ArrayLike], axis: int = 0) -> Tensor:
    """Join a sequence of same-shaped tensors along a new axis (like numpy.stack)."""
    return _ops.stack(*tensors, axis=axis)


# ==================================================================== constructors
def _rng(rng: Any) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _shape_arg(shape: tuple) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def zeros(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False, name: str | None = None) -> Tensor:
    return Tensor(np.zeros(_shape_arg(shape), dtype), requires_grad=requires_grad, name=name)


def ones(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False, name: str | None = None) -> Tensor:
    return Tensor(np.ones(_shape_arg(shape), dtype), requires_grad=requires_grad, name=name)


def randn(
    *shape: Any, rng: Any = None, dtype: Any = np.float64, requires_grad: bool = False, name: str | None = None
) -> Tensor:
    """Standard normal samples; ``rng`` is a numpy Generator or a seed."""
    data = _rng(rng).standard_normal(_shape_arg(shape)).astype(dtype, copy=False)
    return Tensor(data, requires_grad=requires_grad, name=name)


def rand(
    *shape: Any, rng: Any = None, dtype: Any = np.float64, requires_grad: bool = False, name: str | None = None
) -> Tensor:
    """Uniform samples on [0, 1); ``rng`` is a numpy Generator or a seed."""
    data = _rng(rng).random(_shape_arg(shape)).astype(dtype, copy=False)
    return Tensor(data, requires_grad=requires_grad, name=name)


def arange(*args: Any, dtype: Any = None, requires_grad: bool = False, name: str | None = None) -> Tensor:
    """Like numpy.arange; integer arguments give float64 unless ``dtype`` says otherwise."""
    data = np.arange(*args, dtype=dtype if dtype is not None else np.float64)
    return Tensor(data, requires_grad=requires_grad, name=name)


def array(obj: ArrayLike, dtype: Any = None, requires_grad: bool = False, name: str | None = None) -> Tensor:
    """A Tensor from nested lists of Tensors and numbers, built differentiably (with ``stack``):
    ``ag.array([[a, b], [0.0, c]])`` records, where ``np.array`` of Tensors that require grad
    refuses.  Numbers take the Tensors' dtype.  Without Tensors inside it is ``Tensor(obj)``;
    ``requires_grad`` makes such a leaf, and is refused when the result is built from Tensors
    (it requires grad exactly when they do)."""
    if isinstance(obj, Tensor) and not requires_grad and name is None:
        return obj if dtype is None or obj.dtype == dtype else obj.astype(dtype)
    if not any(isinstance(x, Tensor) for x in _dispatch._items(obj)):
        return Tensor(obj, requires_grad=requires_grad, dtype=dtype, name=name)
    if requires_grad:
        raise ValueError("array: requires_grad=True makes a leaf, but this list is built from Tensors")
    if not isinstance(obj, (list, tuple)):
        raise TypeError(f"array: expected nested lists of Tensors and numbers, got {type(obj).__name__}")
    tensors = [x for x in _dispatch._items(obj) if isinstance(x, Tensor)]
    common = np.result_type(*(t.dtype for t in tensors)) if dtype is None else np.dtype(dtype)
    out = stack([array(x, dtype=common) for x in obj])  # one level per call: recursion depth = ndim
    out = out if out.dtype == common else out.astype(common)
    out.name = name if name is not None else out.name
    return out


# The cycle tensor -> ops/engine -> tensor is broken by importing the modules (not names)
# after the class exists; methods look them up when called.
from . import dispatch as _dispatch  # noqa: E402
from . import engine as _engine  # noqa: E402
from . import ops as _ops  # noqa: E402

# Tensor's forward operators are the primitives' two-input recorders themselves: ``x * y`` is one
# Python frame (engine._two_input_recorder); the methods above say what they mean for readers and
# type checkers.  The reflected ones (``2 * x``) swap their operands in a method of their own.
for _name in ("add", "mul", "pow", "matmul"):
    setattr(Tensor, f"__{_name}__", getattr(_ops, _name).call2)
