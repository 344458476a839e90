"""The engine: recording primitives into a graph, and running it backwards.

What lives here, and nowhere else:

* grad mode (``no_grad``, ``enable_grad``), anomaly detection, name scopes and the branch
  recorder used by the gradient checker -- all thread-local;
* ``Primitive``: a forward function plus one vector-Jacobian rule per input; calling it wraps
  the result in a Tensor and records a node when some input requires grad;
* versions: every in-place change made through the library (``t.data = v``, ``t[i] = v``, an
  optimizer step) calls ``bump_version``; a recorded node keeps the write clock of its recording,
  and backward refuses a node whose rule would read a value changed since (``_check_saved``);
* ``toposort``: the graph's nodes in reverse topological order, by counting consumers (Kahn's
  algorithm on an explicit stack -- never recursion, so million-node chains are fine);
* numpy's RuntimeWarnings from primitives re-issued at the user's line, naming the primitive;
* ``backward``: pushes gradients through the nodes in that order, summing the contributions of
  all consumers out of place before a node propagates, and reducing each gradient to its input's
  shape and dtype in exactly one place (``sum_to_shape``).
"""

from __future__ import annotations

import contextlib
import inspect
import itertools
import operator
import os
import re
import sys
import threading
import types
import warnings
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from .arguments import data_of
from .tensor import MANY_INPUTS, ONE_INPUT, TENSOR_TYPES, Tensor

__all__ = [
    "Primitive",
    "primitive",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "detect_anomaly",
    "scope",
    "record_branches",
    "bump_version",
    "sum_to_shape",
    "toposort",
    "backward",
    "gradients",
]


# --------------------------------------------------------------------------- thread-local state
class _ThreadState:
    """One thread's recording state.  A plain object reached through a threading.local
    (``_thread()``): each attribute of a threading.local costs ~600 instructions, a slot of this
    ~30, and entering and leaving ``no_grad()`` touched about fifteen."""

    __slots__ = ("grad_enabled", "anomaly", "branch_log", "scope", "saved_modes", "token")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        self.branch_log: list | None = None
        self.scope: tuple[str, ...] = ()
        self.saved_modes: tuple[bool, Any] | None = None  # set_grad_enabled's stack, as nested pairs
        self.token: Any = None  # lives as long as this thread: its death removes the thread's entry of _modes

    def refresh(self) -> None:
        """Publish this thread's mode in ``_modes`` (see there)."""
        if self.grad_enabled and not (self.anomaly or self.branch_log is not None or self.scope):  # the default
            if _modes:
                _modes.pop(_get_ident(), None)
            return
        mode = (self.grad_enabled, self.anomaly or self.branch_log is not None, self.scope)
        ident = _get_ident()
        if self.token is None:
            self.token = _ThreadToken()
            weakref.finalize(self.token, _modes.pop, ident, None)
        _modes[ident] = mode


class _Local(threading.local):
    def __init__(self) -> None:
        self.state = _ThreadState()


class _ThreadToken:
    """A weak-referenceable object held by one thread's ``_ThreadState`` (see ``refresh``)."""


# What Primitive.__call__ needs of the thread's state, in one read: (grad_enabled, anomaly or
# branch_log, scope).  Even reaching the thread's state costs ~600 instructions (a threading.local
# attribute), a third of a small op's recording, so each thread whose mode is not the default
# publishes it here, by thread id: ``_modes.get(get_ident(), _DEFAULT_MODE) if _modes else
# _DEFAULT_MODE`` costs a truth test while every thread is in the default mode, ~250 instructions
# otherwise.  An entry goes when its thread's mode is the default again, or when the thread ends
# (its token dies).
_DEFAULT_MODE: tuple[bool, bool, tuple[str, ...]] = (True, False, ())
_modes: dict[int, tuple[bool, bool, tuple[str, ...]]] = {}
_get_ident = threading.get_ident
_local = _Local()


def _thread() -> _ThreadState:
    """This thread's recording state."""
    return _local.state


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad are recorded (this thread)."""
    return _thread().grad_enabled


class set_grad_enabled:
    """Context manager and decorator that turns recording on or off for this thread."""

    __slots__ = ("mode",)

    def __init__(self, mode: bool = True) -> None:
        if callable(mode):
            raise TypeError("set_grad_enabled needs the mode: @set_grad_enabled(False), or use @no_grad")
        self.mode = bool(mode)

    def __enter__(self) -> None:
        st = _local.state
        st.saved_modes = (st.grad_enabled, st.saved_modes)  # a per-thread stack
        if self.mode is not st.grad_enabled:
            st.grad_enabled = self.mode
            st.refresh()

    def __exit__(self, *exc: object) -> None:
        st = _local.state
        saved = st.saved_modes
        if saved is None:
            raise RuntimeError("set_grad_enabled: __exit__ without a matching __enter__")
        mode, st.saved_modes = saved
        if mode is not st.grad_enabled:
            st.grad_enabled = mode
            st.refresh()

    def __call__(self, fn: Callable) -> Callable:
        mode = self.mode
        return _each_call_inside(fn, lambda: set_grad_enabled(mode), type(self).__name__)


def _each_call_inside(fn: Callable, context: Callable[[], Any], who: str) -> Callable:
    """``fn`` wrapped so that each call runs inside a fresh ``context()`` (the decorator form of
    ``set_grad_enabled``, ``no_grad``, ``enable_grad`` and ``scope``)."""
    import functools

    if not callable(fn):
        raise TypeError(f"{who}(...) decorates a function, got {type(fn).__name__} ({fn!r:.40})")

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with context():
            return fn(*args, **kwargs)

    return wrapper


class _GradSwitch(set_grad_enabled):
    """A fixed mode, usable as ``with s():``, ``@s()`` and ``@s`` (PyTorch accepts all three)."""

    __slots__ = ()
    _mode = True

    def __new__(cls, fn: Callable | None = None) -> Any:
        if fn is None:
            return object.__new__(cls)
        if not callable(fn):
            raise TypeError(f"{cls.__name__}() takes no arguments, got {type(fn).__name__}")
        return cls()(fn)  # used as a decorator without parentheses

    def __init__(self, fn: Callable | None = None) -> None:
        self.mode = self._mode  # a bool already: set_grad_enabled's checks are not needed


class no_grad(_GradSwitch):
    """``with no_grad():``, ``@no_grad()`` or ``@no_grad``: record nothing (evaluation, parameter updates)."""

    __slots__ = ()
    _mode = False


class enable_grad(_GradSwitch):
    """``with enable_grad():``, ``@enable_grad()`` or ``@enable_grad``: record again inside a ``no_grad`` block."""

    __slots__ = ()
    _mode = True


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise FloatingPointError at the first primitive whose forward or backward gives NaN/Inf."""
    st = _thread()
    saved = st.anomaly
    st.anomaly = True
    st.refresh()
    try:
        yield
    finally:
        st.anomaly = saved
        st.refresh()


class scope:
    """``with scope(name):`` groups the nodes created inside under ``name`` (nested scopes join
    with '/').  Graph drawings cluster nodes by scope; modules use it to label their parameters.

    A slotted class, not a ``@contextmanager`` generator: every module call enters one, and a
    ``with`` block costs ~10,000 instructions this way against ~16,000 through a generator.
    """

    __slots__ = ("name", "saved")

    def __init__(self, name: str) -> None:
        self.name = str(name)

    def __enter__(self) -> None:
        st = _local.state
        self.saved = st.scope
        st.scope = self.saved + (self.name,)
        st.refresh()

    def __exit__(self, *exc: object) -> None:
        st = _local.state
        st.scope = self.saved
        st.refresh()

    def __call__(self, fn: Callable) -> Callable:
        """``@scope(name)`` on a function: each call runs inside the scope."""
        name = self.name
        return _each_call_inside(fn, lambda: scope(name), "scope")


def current_scope() -> tuple[str, ...]:
    return _thread().scope


@contextmanager
def record_branches() -> Iterator[list]:
    """Collect ``(primitive name, branch array)`` for every primitive with a kink that runs inside.

    A primitive with a non-differentiable point (relu, maximum, max, where) declares a
    ``branch`` function telling which side of the kink each element took ("the winner").  The
    gradient checker compares these logs between f(x+h) and f(x-h) to tell a kink crossed by
    the finite difference from a wrong rule.
    """
    st = _thread()
    saved = st.branch_log
    log: list = []
    st.branch_log = log
    st.refresh()
    try:
        yield log
    finally:
        st.branch_log = saved
        st.refresh()


# --------------------------------------------------------------------------- versions
# The write clock: bumped by every in-place change made through the library.  A tensor's
# ``_version`` is the clock at its last such change (0: never changed); a recorded node's
# ``_stamp`` is the clock when it was recorded.  So "x changed after node saved it" is one
# comparison, ``x._version > node._stamp``, and a backward pass that finds ``node._stamp`` to be
# the clock's current int object (nothing changed anywhere since) skips even that: no per-node
# memory beyond one slot, one identity test per node.  (The clock only grows, so its current
# object is identical to a stamp exactly when their values are equal.)
_clock = 0


def bump_version(*tensors: Tensor) -> None:
    """Record that each tensor's data was changed in place (graphs that saved it refuse backward).

    Called by ``t.data = v``, ``t[i] = v`` and the optimizers; call it yourself after writing into
    ``t.data``'s array directly (``t.data[...] = v``), which no counter can see.
    """
    global _clock
    for t in tensors:
        _clock += 1
        t._version = _clock


# --------------------------------------------------------------------------- numpy's warnings
# numpy attributes a RuntimeWarning ("divide by zero encountered in log") to the innermost Python
# frame -- ours -- so users saw one line of engine.py, once a session, for every forward that is a
# numpy function.  Those are re-issued at the user's line, naming the primitive, at no cost on the
# normal path: a warnings filter turns the RuntimeWarnings raised on the engine's two lines that
# call a forward (only those) into exceptions; Primitive.__call__ and .apply catch them (a
# zero-cost ``try``), compute the forward again with numpy's warnings off, and warn at the first
# frame outside this package.  numpy's other error modes (ignore, raise, ...) are left as the user
# set them.  Warnings raised inside a forward or rule written in Python (the ops tables' lambdas)
# keep numpy's attribution -- the table line, which shows the rule -- because other code (opcheck,
# explain) calls those directly, and an exception there would change what it does.  A first
# import inside ``warnings.catch_warnings()`` (pytest's collection does this) loses the filter when
# the block ends.
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _install_warning_filter() -> None:
    for line in _FORWARD_CALL_LINES:
        warnings.filterwarnings("error", category=RuntimeWarning, module=re.escape(__name__) + r"\Z", lineno=line)


def _warn_at_caller(message: str) -> None:
    """A RuntimeWarning attributed to the first frame outside this package: the user's line."""
    frame: Any = sys._getframe()
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, RuntimeWarning, stacklevel=level)


def _quiet() -> Any:
    """numpy's error state with "warn" turned into "ignore" (the user's other choices kept)."""
    return np.errstate(**{k: "ignore" for k, v in np.geterr().items() if v == "warn"})  # type: ignore[arg-type]


# --------------------------------------------------------------------------- primitives
def _shape(x: Any) -> tuple[int, ...]:
    return tuple(np.shape(x))


def _describe(args: Sequence[Any]) -> str:
    parts = []
    for a in args:
        if isinstance(a, (np.ndarray, np.generic)):
            parts.append(f"{a.shape if a.ndim else '()'} {a.dtype}")
        else:
            parts.append(repr(a) if np.ndim(a) == 0 else f"{_shape(a)} {type(a).__name__}")
    return ", ".join(parts)


class Primitive:
    """An operation the engine knows how to differentiate.

    ``forward(*arrays, **params)`` maps numpy values to a numpy value.  ``vjps`` holds one rule
    per positional input, ``rule(g, out, *inputs, **params)`` -> the gradient for that input
    (None for an input that is not differentiable, e.g. a boolean condition).  A rule gets the
    upstream gradient ``g``, the forward result ``out`` and all inputs.  During an ordinary
    backward pass they are raw numpy values; under ``backward(create_graph=True)`` they are
    Tensors and the rule is itself recorded -- so rules use only operators, methods that numpy
    arrays and Tensors share, and ``Primitive.apply``.  Rules never mention broadcasting: the
    engine sums each gradient down to its input's shape.

    ``variadic=True`` means any number of inputs, all with the one rule
    ``vjps[0](i, g, out, *inputs, **params)`` for input ``i``.

    ``branch(out, *inputs, **params)`` (optional) returns an array saying which side of a kink
    each element took; see ``record_branches``.

    ``doc``: the one-line math of the forward and its rules, ``"a * b:  d/da = b, d/db = a"``.
    ``elementwise``: each output element depends only on the input elements at its position
    (after broadcasting).
    ``reads``: which values the rules read -- input indices and ``"out"`` -- so that backward can
    refuse one changed in place since the forward pass (``add`` reads none, ``mul`` reads both
    inputs, ``exp`` its output).  None (the default) means all inputs and the output.
    """

    __slots__ = (
        "name", "forward", "vjps", "branch", "variadic", "doc", "elementwise", "reads", "same_shape", "arity", "call2",
    )  # fmt: skip

    def __init__(
        self,
        name: str,
        forward: Callable[..., Any],
        vjps: Sequence[Callable[..., Any] | None],
        branch: Callable[..., Any] | None = None,
        variadic: bool = False,
        doc: str | None = None,
        elementwise: bool = False,
        reads: Sequence[int | str] | None = None,
    ) -> None:
        if not callable(forward):
            raise TypeError(f"primitive {name!r}: forward must be callable, got {type(forward).__name__}")
        vjps = tuple(vjps)
        for i, rule in enumerate(vjps):
            if rule is not None and not callable(rule):
                raise TypeError(f"primitive {name!r}: rule {i} must be callable or None, got {type(rule).__name__}")
        if not vjps or variadic and len(vjps) != 1:
            raise TypeError(
                f"primitive {name!r}: give one vjp rule per input (None where none)"
                + (", and exactly one rule for a variadic primitive" if variadic else "")
            )
        self.name = name
        self.forward = forward
        self.vjps = vjps
        self.branch = branch
        self.variadic = variadic
        self.doc = doc
        self.elementwise = elementwise
        # one input, elementwise: the result, and so the rule's gradient, has the input's shape and
        # dtype -- backward skips checking that (two ndarray attribute reads and compares each, a
        # tenth of a small op's backward); the op-spec tests check every such rule, float32 included
        self.same_shape = elementwise and len(vjps) == 1 and not variadic
        self.arity = -1 if variadic else len(vjps)  # backward's test of the inputs a node may have
        self.call2 = _two_input_recorder(self)  # ``prim.call2(a, b)`` is ``prim(a, b)``, one frame less
        # input positions as ints (numpy's integers too), so that backward tells them from "out" by type
        self.reads = None if reads is None else tuple(r if isinstance(r, str) else operator.index(r) for r in reads)

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"

    def __call__(self, *inputs: Any, **params: Any) -> Tensor:
        """Run forward on the inputs' data; record a node when some input requires grad."""
        # The hottest path of the library.  Two inputs without parameters take the two-input
        # recorder (the one Tensor's operators are); one Tensor input is spelled out here; anything
        # else goes through _unwrap (lists, subclasses of numbers, three inputs, no Tensor).
        n = len(inputs)
        if n == 2 and not params:
            return self.call2(inputs[0], inputs[1])
        if n == 1 and type(inputs[0]) in _TENSORS:
            a, b = inputs[0], ONE_INPUT
            args: Sequence[Any] = (a._data,)
            record = a.requires_grad
        else:
            inputs, args, record = _unwrap(inputs)
            a, b = (inputs if n == 2 else (inputs, MANY_INPUTS)) if n != 1 else (inputs[0], ONE_INPUT)
        try:  # without parameters, no ``**{}``: calling with an empty dict still unpacks it (~50 ns)
            out = self.forward(*args, **params) if params else self.forward(*args)
        except (ValueError, TypeError, IndexError, OverflowError) as e:
            raise _input_error(self.name, args, e, params) from None
        except RuntimeWarning as w:  # numpy's, made an exception by _install_warning_filter
            out = self._forward_warned(w, args, params)
        # from here on the same steps as in _two_input_recorder (written twice: a shared helper
        # would cost a Python frame, a tenth of a small op's recording)
        grad_enabled, watching, scope = _modes.get(_get_ident(), _DEFAULT_MODE) if _modes else _DEFAULT_MODE
        record = record and grad_enabled
        # the result must be a real numpy value: the common ones pass on identity tests (a few ns)
        cls = type(out)  # type() is a specialised call; ``.__class__`` a generic attribute lookup
        if cls is _ndarray:
            dtype = out.dtype
            if dtype is not _F64 and dtype is not _F32:
                self._check_output(out, inputs, record)
        elif cls is not _float64 and cls is not _float32:
            self._check_output(out, inputs, record)
        t = _new(Tensor)  # object.__new__ bound once: no attribute lookup on the class per result
        t._data = out
        t._grad = None
        t.name = None
        t._mark = 0
        t._scope = scope
        # ``_version`` is left unset on results: an unset slot reads as 0 where versions are
        # compared (_check_saved, bump_version) -- one store less on the hottest path; ``_x`` and
        # ``_y`` are left unset on results that record nothing (read only where ``_op`` is set)
        if record:
            t.requires_grad = True
            t._op = self
            t._x = a
            t._y = b
            t._params = params or None
            t._stamp = _clock
        else:
            t.requires_grad = False
            t._op = None
            t._params = None
        if watching:
            self._watch(t, inputs, args, params)
        return t

    def _check_output(self, out: Any, inputs: Sequence[Any], record: bool) -> None:
        """A forward's result must be a real numpy array or scalar -- floating when recorded."""
        if isinstance(out, Tensor) or not isinstance(out, (np.ndarray, np.generic)):
            raise TypeError(
                f"{self.name}: its forward returned {type(out).__name__} ({out!r:.40}); a forward maps numpy "
                "values to a numpy array or numpy scalar (use numpy inside it, np.asarray(...) to convert)"
            )
        kind = out.dtype.kind
        if kind == "c":
            raise TypeError(
                f"{self.name}: complex result ({out.dtype}) from inputs {_describe_inputs(inputs)}: autograd_lite "
                "differentiates real-valued functions; a complex constant (like 1j) or complex array is not supported"
            )
        if kind not in "biuf" or record and kind != "f":
            why = " from inputs that require grad; only floating-point results can be differentiated"
            raise TypeError(f"{self.name}: its forward returned {out.dtype} data" + (why if record else ""))

    def _fingerprints(self, out: Any, args: Sequence[Any]) -> tuple:
        """detect_anomaly only: a hash of each array the rules read, to catch raw writes at backward."""
        picks = (*range(len(args)), "out") if self.reads is None else self.reads
        return tuple(
            (r, _fingerprint(args[r] if isinstance(r, int) else out))
            for r in picks
            if not isinstance(r, int) or r < len(args)
        )

    def _watch(self, t: Tensor, inputs: Sequence[Any], args: Sequence[Any], params: dict) -> None:
        """detect_anomaly: NaN/Inf in the forward, fingerprints of what the rules read; the branch log."""
        out, st = t._data, _thread()
        if st.anomaly and t._op is not None:
            t._stamp = (t._stamp, self._fingerprints(out, args))
        if st.anomaly and not np.all(np.isfinite(out)):
            raise FloatingPointError(
                f"detect_anomaly: {self.name} produced NaN/Inf in its forward pass (inputs: {_describe_inputs(inputs)})"
            )
        log = st.branch_log
        if log is not None and self.branch is not None:
            log.append((self.name, np.asarray(self.branch(out, *args, **params))))

    def _forward_warned(self, w: Warning, args: Sequence[Any], params: dict) -> Any:
        """The forward's result once more, numpy's warning re-issued at the user's line."""
        with _quiet():
            out = self.forward(*args, **params)
        _warn_at_caller(f"{self.name}: {w}")
        return out

    def apply(self, *inputs: Any, **params: Any) -> Any:
        """Tensors in: a recorded Tensor out.  Plain arrays in: a plain array out.

        This is how rules call other primitives, so that the same rule serves an ordinary
        backward pass (numpy speed) and ``create_graph=True`` (recorded, differentiable).
        """
        for x in inputs:
            if isinstance(x, Tensor):
                return self(*inputs, **params)
        try:
            return self.forward(*inputs, **params)
        except RuntimeWarning as w:  # numpy's, made an exception by _install_warning_filter
            return self._forward_warned(w, inputs, params)

    # ---- the table's per-op facts, read by explain, check_graph and the README's operation table
    @property
    def differentiable(self) -> tuple[bool, ...]:
        """Per input position, whether it has a rule (a variadic primitive: one entry for all)."""
        return tuple(rule is not None for rule in self.vjps)

    def vjp(self, i: int, g: Any, out: Any, inputs: Sequence[Any], params: dict | None = None) -> Any:
        """The gradient input ``i`` receives, as in a backward pass: its rule applied to the
        upstream ``g``, the forward result ``out`` and all ``inputs`` (their values), then reduced
        to input ``i``'s shape (``sum_to_shape``) and cast to its dtype.  None where input ``i``
        has no rule (not differentiable).  Values are numpy arrays, or Tensors to record it."""
        rule = self.vjps[0] if self.variadic else self.vjps[i] if i < len(self.vjps) else None
        if rule is None:
            return None
        params = params or _NO_PARAMS
        gi = rule(i, g, out, *inputs, **params) if self.variadic else rule(g, out, *inputs, **params)
        if gi is None:
            return None
        x = inputs[i]
        shape, dtype = (x.shape, x.dtype) if hasattr(x, "dtype") else (np.shape(x), np.result_type(x))
        if not hasattr(gi, "shape"):
            gi = np.asarray(gi)
        if gi.shape != shape:
            try:
                gi = sum_to_shape(gi, shape, self.name)
            except ValueError as e:
                raise GradientShapeError(str(e)) from None
        return gi if gi.dtype == dtype else gi.astype(dtype)

    def rule_doc(self, i: int) -> str:
        """The part of ``doc`` about input ``i`` (``"d/db = a"`` for mul's input 1) followed by the
        entry's note in parentheses, if any; the whole rule text when the parts cannot be told apart.

        ``doc`` reads ``"forward:  d/dx = ..., d/dy = ...  (note)"``, one ``d/d`` part per
        differentiable input in order (a variadic primitive has one part for all its inputs)."""
        _, rules, note = split_doc(self.doc)
        parts = _DOC_PARTS.split(rules) if rules else []
        positions = [k for k, ok in enumerate(self.differentiable) if ok]
        text = rules
        if not self.variadic and len(parts) == len(positions) and i in positions:
            text = parts[positions.index(i)]
        return f"{text}  ({note})" if note and text else text or note


_DOC_PARTS = re.compile(r",\s*(?=d/d)")  # the separator between the rules of two inputs
_DOC_NOTE = re.compile(r"\s{2,}\(([^()]*(?:\([^()]*\)[^()]*)*)\)\s*$")  # a trailing "  (note)"


class GradientShapeError(ValueError):
    """A rule's gradient that does not reduce to its input's shape (``Primitive.vjp``)."""


def split_doc(doc: str | None) -> tuple[str, str, str]:
    """A primitive's ``doc`` as (forward, rules, note): ``"a * b:  d/da = b, d/db = a  (mul swaps)"``
    gives ``("a * b", "d/da = b, d/db = a", "mul swaps")``; missing parts are empty strings."""
    if not doc:
        return "", "", ""
    forward, sep, rules = doc.partition(":  ")
    if not sep:
        forward, rules = "", doc
    m = _DOC_NOTE.search(rules)
    note = m.group(1) if m else ""
    return forward.strip(), (rules[: m.start()] if m else rules).strip(), note


def _unwrap(inputs: Sequence[Any]) -> tuple[tuple, list, bool]:
    """The inputs as recorded (lists become float64 arrays), their data, and whether any
    requires grad."""
    inputs = tuple(np.asarray(x, dtype=np.float64) if isinstance(x, (list, tuple)) else x for x in inputs)
    args = [x.data if isinstance(x, Tensor) else x for x in inputs]
    if not any(isinstance(x, Tensor) for x in inputs):  # ag.add(1, 2): numbers become float64 arrays
        return inputs, [np.asarray(a, dtype=np.float64 if isinstance(a, (int, float)) else None) for a in args], False
    return inputs, args, any(isinstance(x, Tensor) and x.requires_grad for x in inputs)


_ndarray, _float64, _float32 = np.ndarray, np.float64, np.float32
_TENSORS = TENSOR_TYPES  # Tensor and its subclasses (a set kept by Tensor.__init_subclass__)
# operands passed to a forward as they are (numbers stay weak, arrays keep their dtype); any other
# type -- lists, tuples, bools, subclasses -- goes through _unwrap
_CONSTANTS = frozenset({_ndarray, float, int, _float64, _float32})
# what a rule may return and backward accepts as it is, once shape and dtype match (scalars: a 0-d gradient)
_GRADIENT_VALUES = frozenset({_ndarray, _float64, _float32})
_new = object.__new__
_F64, _F32 = np.dtype(np.float64), np.dtype(np.float32)


def _two_input_recorder(prim: Primitive) -> Callable[[Any, Any], Tensor]:
    """``prim(a, b)`` as a plain function of two arguments: Tensor's operators are these functions
    themselves (``Tensor.__mul__ is ops.mul.call2``), so ``x * y`` runs one Python frame, where a
    method calling the primitive ran three (the method, the instance call's ``__call__`` lookup and
    its ``*inputs`` tuple).  A Tensor and a Tensor or plain constant of an exact common type are
    spelled out; anything else goes through _unwrap first."""
    name, forward = prim.name, prim.forward

    def call2(a: Any, b: Any) -> Tensor:
        ta, tb = type(a), type(b)  # exact-type tests rather than isinstance: see TENSOR_TYPES
        if ta in _TENSORS:  # the operands' values in x0, x1: no tuple (each one a GC allocation)
            if tb in _CONSTANTS:
                x0, x1 = a._data, b
                record = a.requires_grad
            elif tb in _TENSORS:
                x0, x1 = a._data, b._data
                record = a.requires_grad or b.requires_grad
            else:
                (a, b), (x0, x1), record = _unwrap((a, b))
        elif tb in _TENSORS and ta in _CONSTANTS:
            x0, x1 = a, b._data
            record = b.requires_grad
        else:
            (a, b), (x0, x1), record = _unwrap((a, b))
        try:
            out = forward(x0, x1)
        except (ValueError, TypeError, IndexError, OverflowError) as e:
            raise _input_error(name, (x0, x1), e) from None
        except RuntimeWarning as w:  # numpy's, made an exception by _install_warning_filter
            out = prim._forward_warned(w, (x0, x1), _NO_PARAMS)
        # from here on the same steps as in Primitive.__call__ (see there)
        grad_enabled, watching, scope = _modes.get(_get_ident(), _DEFAULT_MODE) if _modes else _DEFAULT_MODE
        record = record and grad_enabled
        cls = type(out)
        if cls is _ndarray:
            dtype = out.dtype
            if dtype is not _F64 and dtype is not _F32:
                prim._check_output(out, (a, b), record)
        elif cls is not _float64 and cls is not _float32:
            prim._check_output(out, (a, b), record)
        t = _new(Tensor)
        t._data = out
        t._grad = None
        t.name = None
        t._mark = 0
        t._scope = scope
        if record:
            t.requires_grad = True
            t._op = prim
            t._x = a
            t._y = b
            t._params = None
            t._stamp = _clock
        else:
            t.requires_grad = False
            t._op = None
            t._params = None
        if watching:
            prim._watch(t, (a, b), (x0, x1), _NO_PARAMS)
        return t

    return call2


def _fingerprint(value: Any) -> Any:
    """A cheap summary of an array's contents (None for immutable values: numbers, numpy scalars)."""
    if not isinstance(value, np.ndarray):
        return None
    return value.shape, value.dtype.str, hash(value.tobytes())


def _forward_call_lines() -> tuple[int, ...]:
    """The lines of Primitive.__call__, .apply and the two-input recorder that call a forward (for
    the warnings filter)."""
    lines = []
    for fn in (Primitive.__call__, Primitive.apply, _two_input_recorder):  # "forward(x0, x1)" too
        try:
            source, first = inspect.getsourcelines(fn)
        except (OSError, TypeError):  # no source shipped: numpy's warnings keep numpy's attribution
            continue
        lines += [first + k for k, text in enumerate(source) if re.search(r"\bforward\((\*|x0, x1\))", text)]
    return tuple(lines)


_FORWARD_CALL_LINES = _forward_call_lines()
_install_warning_filter()


def primitive(
    name: str,
    forward: Callable[..., Any],
    *vjps: Callable[..., Any] | None,
    branch: Callable[..., Any] | None = None,
    reads: Sequence[int | str] | None = None,
) -> Primitive:
    """Define a new differentiable operation from its forward and one VJP rule per input.

    The forward's positional parameters without defaults are its inputs, one rule each (give
    parameters such as ``axis`` a default, or make them keyword-only); ``reads`` (optional) says
    which values the rules use (input indices, ``"out"``) -- by default all of them, so backward
    refuses to run after any of them was changed in place.

    >>> import numpy as np, autograd_lite as ag
    >>> cube = ag.primitive("cube", lambda x: x**3, lambda g, out, x: g * 3 * x**2)
    >>> x = ag.Tensor(2.0, requires_grad=True); cube(x).backward(); x.grad.item()
    12.0
    """
    if not isinstance(name, str):
        raise TypeError(f"primitive: name must be a str, got {type(name).__name__} ({name!r:.40})")
    n = _count_inputs(forward)
    if n is not None and n != len(vjps):
        raise TypeError(
            f"primitive {name!r}: its forward takes {n} input{'s' * (n != 1)} but {len(vjps)} vjp "
            f"rule{'s were' if len(vjps) != 1 else ' was'} given; give one rule per input (None for one that is "
            "not differentiable)"
        )
    # a Python forward's docstring is the doc (its first line); numpy's own docstrings are not
    doc = (forward.__doc__ or "").strip().split("\n")[0] if isinstance(forward, types.FunctionType) else ""
    return Primitive(name, forward, vjps, branch=branch, doc=doc or None, reads=reads)


def _count_inputs(forward: Callable[..., Any]) -> int | None:
    """How many inputs ``forward`` takes: its positional parameters without defaults (None: unknown)."""
    nin = getattr(forward, "nin", None)  # a numpy ufunc
    if isinstance(nin, int):
        return nin
    try:
        sig = inspect.signature(forward)
    except (TypeError, ValueError):
        return None
    kinds = [p.kind for p in sig.parameters.values()]
    if inspect.Parameter.VAR_POSITIONAL in kinds:
        return None
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for p in sig.parameters.values() if p.kind in positional and p.default is p.empty)


def _describe_inputs(inputs: Sequence[Any]) -> str:
    parts = []
    for x in inputs:
        if isinstance(x, Tensor):
            label = f"{x.name!r} " if x.name else ""
            parts.append(f"{label}shape {x.shape} {x.dtype}")
        else:
            parts.append(_describe([x]))
    return ", ".join(parts)


def _input_error(name: str, args: Sequence[Any], e: Exception, params: dict | None = None) -> Exception:
    """Turn a numpy failure inside a forward into a message about the user's call."""
    msg = str(e)
    if isinstance(e, _OpError):
        return ValueError(msg)
    if isinstance(e, OverflowError):
        given = ", ".join(f"{k}={v!r:.60}" for k, v in (params or {}).items())
        shapes = " and ".join(str(_shape(a)) for a in args)
        return ValueError(f"{name}: an integer argument is too large ({given or msg}) for input shape {shapes}")
    for a in args:
        if not isinstance(a, (np.ndarray, np.generic, int, float, complex)) or np.asarray(a).dtype == object:
            return TypeError(
                f"{name}: unsupported operand type {type(a).__name__} ({a!r:.40}); "
                "operands must be numbers, numpy arrays or Tensors"
            )
    if "broadcast" in msg:
        shapes = " and ".join(str(_shape(a)) for a in args)
        return ValueError(f"{name}: shapes {shapes} do not broadcast together")
    kind = IndexError if isinstance(e, IndexError) else ValueError if isinstance(e, ValueError) else TypeError
    return kind(f"{name}: invalid input ({_describe(args)}): {msg}")


class _OpError(ValueError):
    """Raised by a forward that checked its own inputs; the message is already final."""


# --------------------------------------------------------------------------- backward
def sum_to_shape(g: Any, shape: tuple[int, ...], op: str = "backward") -> Any:
    """Sum a broadcast gradient down to ``shape`` -- the one place broadcasting is undone.

    Works for numpy arrays and for Tensors (so gradients of gradients reduce the same way).
    """
    gshape = g.shape
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    if lead > 0 and gshape[lead:] == shape:  # only leading axes were added (a bias): one sum, a fresh array
        return g.sum(axis=0 if lead == 1 else tuple(range(lead)))
    if lead < 0 or any(s != 1 and s != gs for s, gs in zip(shape, gshape[lead:])):
        raise ValueError(
            f"{op}: its gradient rule returned shape {gshape}, which does not reduce to the input's shape {shape}"
        )
    inner = tuple(lead + i for i, s in enumerate(shape) if s == 1 and gshape[lead + i] != 1)
    if not inner:  # only leading axes were added (a bias): one sum, and a fresh array
        return g.sum(axis=tuple(range(lead)))
    return g.sum(axis=tuple(range(lead)) + inner, keepdims=True).reshape(shape)


# Tensors marked by ``retain_grad()``, by id, each with a weak reference that removes its entry when
# the tensor dies.  A registry instead of a flag slot on every Tensor: one slot less per node, and
# backward pays one truth test of an empty dict on the usual path.
_retained: dict[int, Any] = {}


def retain(t: Tensor) -> None:
    """Keep ``t``'s gradient in ``t.grad`` after backward passes (``Tensor.retain_grad``)."""
    key = id(t)

    def forget(_ref: Any) -> None:
        _retained.pop(key, None)

    _retained[key] = weakref.ref(t, forget)


_passes = itertools.count(1)
# Backward passes keep their bookkeeping on the nodes, so two passes over a shared graph must not
# interleave: one lock serialises them (numpy still runs one pass's big kernels without the GIL).
_graph_lock = threading.RLock()


def _count_consumers(roots: Sequence[Tensor]) -> int:
    """Mark every node reachable from ``roots`` with how many reachable nodes consume it.

    The counts live on the nodes (``_pending``, valid where ``_mark`` equals the returned pass
    number), as does the gradient in flight (``_g``): attribute slots are several times faster
    than dictionaries keyed by node on graphs of millions of nodes.
    """
    mark = next(_passes)
    for r in roots:
        r._mark, r._pending, r._g = mark, 0, None
    stack = list(roots)
    pop, push, tensors, one, many = stack.pop, stack.append, _TENSORS, ONE_INPUT, MANY_INPUTS  # hot loop
    while stack:
        node = pop()
        if node._op is None:
            continue
        a, b = node._x, node._y  # the inputs, as Tensor._inputs decodes them
        if b is one:  # one input, a Tensor (spelled out: the commonest node)
            if a.requires_grad:
                if a._mark == mark:
                    a._pending += 1
                else:
                    a._mark, a._pending, a._g = mark, 1, None
                    push(a)
            continue
        if b is not many:  # two inputs, spelled out too
            if type(b) in tensors and b.requires_grad:
                if b._mark == mark:
                    b._pending += 1
                else:
                    b._mark, b._pending, b._g = mark, 1, None
                    push(b)
            if type(a) in tensors and a.requires_grad:  # (requires_grad may have been switched off since)
                if a._mark == mark:
                    a._pending += 1
                else:
                    a._mark, a._pending, a._g = mark, 1, None
                    push(a)
            continue
        for x in a:
            if type(x) in tensors and x.requires_grad:
                if x._mark == mark:
                    x._pending += 1
                else:
                    x._mark, x._pending, x._g = mark, 1, None
                    push(x)
    return mark


def toposort(*roots: Tensor) -> list[Tensor]:
    """Nodes reachable from ``roots`` through inputs that require grad, consumers first.

    Every node comes after all the nodes that consume it (Kahn's algorithm with consumer
    counts), so a backward pass can visit them in this order.  Iterative: no recursion.
    """
    roots = tuple({id(r): r for r in roots}.values())  # each root once
    with _graph_lock:
        _count_consumers(roots)
        ready = [r for r in reversed(roots) if r._pending == 0]
        order = []
        while ready:
            node = ready.pop()
            order.append(node)
            for x in node._inputs:
                if isinstance(x, Tensor) and x.requires_grad:
                    x._pending -= 1
                    if x._pending == 0:
                        ready.append(x)
    return order


def backward(
    root: Tensor,
    grad: Any = None,
    create_graph: bool = False,
    retain_grads: bool = False,
) -> None:
    """Accumulate d(root)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

    ``grad`` is the upstream gradient (default 1 for a one-element root).  With
    ``create_graph=True`` the backward pass is itself recorded, so the gradients can be
    differentiated again.  With ``retain_grads=True`` every intermediate node keeps its
    ``.grad`` too (for drawing and teaching); otherwise only nodes marked by ``retain_grad()``.
    """
    seed = _seed("backward", root, grad, create_graph)
    with _graph_lock, set_grad_enabled(create_graph), _rule_warnings():
        _run_backward(root, seed, create_graph, retain_grads)


def gradients(
    output: Tensor,
    inputs: Sequence[Tensor],
    grad: Any = None,
    create_graph: bool = False,
    *,
    allow_constant: bool = False,
) -> list[Tensor]:
    """d<grad, output>/d x for every x in ``inputs``, returned, with no ``.grad`` touched.

    Like ``backward`` (same ``grad`` and ``create_graph``), but the gradients come back as a
    list -- zeros for an input the output does not depend on -- and nothing accumulates.
    An ``output`` that records nothing (a constant) is an error, as in backward, unless
    ``allow_constant=True``: then every gradient is zeros (the functional API's convention).
    """
    if allow_constant and not (isinstance(output, Tensor) and output.requires_grad):
        return [Tensor(np.zeros(x.shape, dtype=x.dtype)) for x in inputs]
    seed = _seed("gradients", output, grad, create_graph)
    capture: dict[int, Any] = {id(x): None for x in inputs if isinstance(x, Tensor)}
    with _graph_lock, set_grad_enabled(create_graph), _rule_warnings():
        _run_backward(output, seed, create_graph, False, capture)
    result = []
    for x in inputs:
        if not isinstance(x, Tensor):
            raise TypeError(f"gradients: inputs must be Tensors, got {type(x).__name__}")
        g = capture[id(x)]
        if g is None:
            g = np.zeros(x.shape, dtype=x.dtype)
        result.append(g if isinstance(g, Tensor) else Tensor._wrap(g))
    return result


def _rule_errstate() -> Any:
    """numpy's floating-point warnings raised inside gradient rules during a backward pass, sent to
    ``_rule_warning`` instead (numpy's ``errstate(call=...)``, per thread): it names the rule and
    points at the user's line, not at a line of the primitive table.  Only numpy's "warn" modes
    change; "raise" or "ignore" set by the user stay as they are."""
    modes = {kind: "call" for kind, mode in np.geterr().items() if mode == "warn"}
    return np.errstate(call=_rule_warning, **modes) if modes else contextlib.nullcontext()  # type: ignore[arg-type]


# numpy (2.x) keeps the error state in a private context variable that errstate sets and resets;
# should a numpy release rename it, each pass builds its errstate again (correct, only slower)
_np_errors: Any = getattr(getattr(np, "_core", None), "umath", None)
_np_errors = getattr(_np_errors, "_extobj_contextvar", None)
# (numpy's error state, the state _rule_errstate makes of it): building the state costs ~25,000
# instructions (np.geterr's dict, an errstate), as much as a whole small backward pass; the state
# only changes when the user's numpy error settings do, so it is made once per setting.
_rule_errors: tuple[Any, Any] = (None, None)


class _rule_warnings:
    """``with _rule_warnings():`` -- _rule_errstate's state for the block, made once per setting."""

    __slots__ = ("token",)
    token: Any

    def __enter__(self) -> None:
        global _rule_errors
        if _np_errors is None:
            self.token = _rule_errstate()
            self.token.__enter__()
            return
        current = _np_errors.get()
        made_from, for_rules = _rule_errors
        if current is not made_from:
            with _rule_errstate():
                for_rules = _np_errors.get()
            _rule_errors = (current, for_rules)
        self.token = _np_errors.set(for_rules)

    def __exit__(self, *exc: object) -> None:
        if _np_errors is None:
            self.token.__exit__(*exc)
        else:
            _np_errors.reset(self.token)


def _rule_warning(kind: str, flag: int) -> None:
    """numpy's error callback during backward: which rule was running is read off the backward
    loop's frame (only here, on the rare error path: the loop itself pays nothing)."""
    frame: Any = sys._getframe(1)
    while frame is not None and frame.f_code not in (_run_backward.__code__, _send_all.__code__):
        frame = frame.f_back
    where = ""
    if frame is not None:
        op, i = frame.f_locals.get("op"), frame.f_locals.get("i")
        if op is not None:
            where = f" in {op.name}'s gradient rule for input {i}"
    _warn_at_caller(f"backward: {kind} encountered{where}")


def _seed(caller: str, root: Tensor, grad: Any, create_graph: bool) -> Any:
    """The upstream gradient to start from, checked against the output's shape."""
    if not isinstance(root, Tensor):
        raise TypeError(f"{caller}: expected a Tensor, got {type(root).__name__}")
    if not root.requires_grad:
        raise RuntimeError(
            f"{caller}: this tensor does not require grad, so there is nothing to differentiate "
            "(create its inputs with requires_grad=True, outside no_grad())"
        )
    rdata = root._data
    if grad is None:
        if rdata.size != 1:
            raise RuntimeError(
                f"{caller}: the output has shape {rdata.shape}; pass grad= of that shape, or "
                "reduce it to a scalar first (e.g. .sum() or .mean())"
            )
        seed: Any = np.ones(rdata.shape, rdata.dtype) if rdata.shape else np.array(1, rdata.dtype)  # 1/3 the cost
    else:
        gdata = grad.data if isinstance(grad, Tensor) else grad
        try:
            seed = np.array(gdata, dtype=rdata.dtype)
        except (TypeError, ValueError) as e:
            raise TypeError(f"{caller}: grad must be numeric of shape {rdata.shape}, got {gdata!r}: {e}") from None
        if seed.shape != rdata.shape:
            raise ValueError(f"{caller}: grad has shape {seed.shape} but the output has shape {rdata.shape}")
    if create_graph:
        seed = grad if isinstance(grad, Tensor) else Tensor._wrap(seed)
    return seed


def _run_backward(
    root: Tensor, seed: Any, create_graph: bool, retain_all: bool, capture: dict[int, Any] | None = None
) -> None:
    """Kahn's algorithm: a node runs its rules once every consumer has sent its gradient.

    Gradients go to ``.grad`` (leaves, retained nodes) -- or, when ``capture`` is given, only into
    ``capture[id(node)]`` for the nodes it names.  One and two inputs are spelled out (no tuple, loop
    or call per input; add's and mul's rules inlined), more go through _send_all.  A rule's result is
    checked inline; _fit_gradient is called only to reduce, cast or refuse it."""
    anomaly, clock, values = _local.state.anomaly, _clock, _GRADIENT_VALUES
    _count_consumers((root,))
    root._g = seed
    stored, keep_all = {id(seed)}, retain_all or capture is not None  # stored: arrays a .grad holds (never reused)
    ready = [root]
    pop, push, ndarray, tensors, one, many = ready.pop, ready.append, np.ndarray, _TENSORS, ONE_INPUT, MANY_INPUTS
    while ready:
        node = pop()
        g, node._g = node._g, None
        op = node._op
        if g is not None and (op is None or keep_all or _retained):  # rare for non-leaves
            g = _keep_grad(node, g, stored, create_graph, capture, retain_all)
        if op is None:
            continue
        if node._stamp is not clock or anomaly:  # something was changed in place since it was recorded
            _check_saved(node, op)
        a, b = node._x, node._y
        if b is many or op.arity != (1 if b is one else 2):  # (arity: -1 for a variadic primitive)
            _send_all(node, op, g, create_graph, anomaly, push)
            continue
        out = node if create_graph else node._data
        params = node._params
        if b is one:  # a is a Tensor: it made this node record
            if a.requires_grad:
                rule = op.vjps[0]
                if g is not None and rule is not None:
                    i = 0
                    x0 = a if create_graph else a._data
                    gi = rule(g, out, x0, **params) if params else rule(g, out, x0)
                    if type(gi) is not ndarray or not (op.same_shape or _fits(gi, a._data)) or anomaly:
                        gi = _fit_gradient(gi, op, 0, a, create_graph, anomaly)
                    prev = a._g
                    a._g = gi if prev is None else prev + gi  # out of place: no aliasing
                a._pending -= 1
                if a._pending == 0:
                    push(a)
            continue
        ta, tb = type(a) in tensors, type(b) in tensors
        ga, gb = ta and a.requires_grad, tb and b.requires_grad
        if g is not None:
            ra, rb = op.vjps
            x0 = a._data if ta and not create_graph else a
            x1 = b._data if tb and not create_graph else b
            if ga and ra is not None:
                i = 0  # read by _rule_warning, on its rare path, to name the input
                gi = g * x1 if ra is times_second else g if ra is pass_through else None  # inlined rules: no frame
                if gi is None:
                    gi = ra(g, out, x0, x1, **params) if params else ra(g, out, x0, x1)
                xdata = a._data
                if type(gi) not in values or gi.shape != xdata.shape or gi.dtype is not xdata.dtype or anomaly:
                    gi = _fit_gradient(gi, op, 0, a, create_graph, anomaly)
                prev = a._g
                a._g = gi if prev is None else prev + gi
            if gb and rb is not None:
                i = 1  # noqa: F841 (read by _rule_warning through the frame)
                gi = g * x0 if rb is times_first else g if rb is pass_through else None
                if gi is None:
                    gi = rb(g, out, x0, x1, **params) if params else rb(g, out, x0, x1)
                xdata = b._data
                if type(gi) not in values or gi.shape != xdata.shape or gi.dtype is not xdata.dtype or anomaly:
                    gi = _fit_gradient(gi, op, 1, b, create_graph, anomaly)
                prev = b._g
                b._g = gi if prev is None else prev + gi
        if ga:
            a._pending -= 1
            if a._pending == 0:
                push(a)
        if gb:
            b._pending -= 1
            if b._pending == 0:
                push(b)


def _send_all(node: Tensor, op: Primitive, g: Any, create_graph: bool, anomaly: bool, push: Callable) -> None:
    """One step of _run_backward for any number of inputs (and variadic primitives): each input
    that requires grad gets its rule's gradient, and is pushed once all its consumers have sent."""
    inputs = node._inputs
    out, args = (node, inputs) if create_graph else (node._data, tuple(data_of(x) for x in inputs))
    params = node._params or _NO_PARAMS
    vjps, variadic = op.vjps, op.variadic
    for i, x in enumerate(inputs):
        if not (isinstance(x, Tensor) and x.requires_grad):
            continue
        if g is not None:
            if not variadic and i >= len(vjps):
                raise _arity_error(op, inputs)
            rule = vjps[0] if variadic else vjps[i]
            if rule is not None:
                if rule is pass_through:
                    gi = g
                else:
                    gi = rule(i, g, out, *args, **params) if variadic else rule(g, out, *args, **params)
                gi = _fit_gradient(gi, op, i, x, create_graph, anomaly)
                prev = x._g
                x._g = gi if prev is None else prev + gi
        x._pending -= 1
        if x._pending == 0:
            push(x)


def _fit_gradient(gi: Any, op: Primitive, i: int, x: Tensor, create_graph: bool, anomaly: bool) -> Any:
    """A rule's gradient for input ``i`` made to fit it: a numpy value or (under create_graph) a
    Tensor, summed down to the input's shape (``sum_to_shape``) and cast to its dtype -- or the
    error naming the rule.  Under detect_anomaly, NaN/Inf are refused."""
    xdata = x._data
    gcls = type(gi)
    if gcls is not type(xdata) or gcls is np.ndarray:  # equal numpy scalar types agree in shape and dtype
        if gcls is not np.ndarray and gcls is not np.float64:
            gi = _rule_result(gi, op, i, x, create_graph)
        if gi.shape != xdata.shape:
            gi = _reduce_gradient(gi, op, i, x)
        dtype = gi.dtype
        if dtype is not xdata.dtype and dtype != xdata.dtype:
            gi = _cast_gradient(gi, op, i, x)
    if anomaly:
        _check_gradient(gi, op, i, x)
    return gi


def _fits(gi: np.ndarray, xdata: Any) -> bool:
    """A rule's array is already of its input's shape and dtype (the common case for a rule that may
    change the shape: sum, reshape, transpose)."""
    return gi.shape == xdata.shape and gi.dtype is xdata.dtype


def _keep_grad(
    node: Tensor, g: Any, stored: set[int], create_graph: bool, capture: dict[int, Any] | None, retain_all: bool
) -> Any:
    """Put ``g`` into ``capture`` (``gradients``: only for the nodes it names) or add it into
    ``node.grad`` (leaves, and intermediates under retain_grads or retain_grad() -- all accumulate);
    returns the gradient the node goes on with."""
    if capture is not None:
        if id(node) in capture:
            capture[id(node)] = _unshared(g, stored)
        return g
    if not (node._op is None or retain_all or id(node) in _retained):
        return g
    g = _unshared(g, stored)
    prev = node._grad
    if create_graph:
        node._grad = g if prev is None else prev + g
    else:
        node._grad = Tensor._wrap(g if prev is None else prev._data + g)
    return g


def _arity_error(op: Primitive, inputs: Sequence[Any]) -> TypeError:
    return TypeError(
        f"backward: {op.name} has {len(op.vjps)} vjp rule(s) but was called with {len(inputs)} inputs; "
        "give one rule per input"
    )


def _reduce_gradient(gi: Any, op: Primitive, i: int, x: Tensor) -> Any:
    """A rule's gradient summed down to its input's shape (``sum_to_shape``), or the error naming both."""
    try:
        return sum_to_shape(gi, x._data.shape, op.name)
    except ValueError as e:
        raise ValueError(f"{e} (input {i}: {_describe_inputs([x])})") from None


def _cast_gradient(gi: Any, op: Primitive, i: int, x: Tensor) -> Any:
    """A rule's gradient of another dtype than its input's: cast to it -- complex is refused."""
    if gi.dtype.kind == "c":
        raise TypeError(
            f"{op.name}: its gradient rule for input {i} returned complex values "
            f"({gi.dtype}); the engine is real-valued (input {i}: {_describe_inputs([x])})"
        )
    return gi.astype(x._data.dtype)


def pass_through(g: Any, out: Any, *inputs: Any, **params: Any) -> Any:
    """The rule "d/dx = g, unchanged" (add, broadcast_to): backward skips calling it -- a Python
    frame per node saved on the commonest node of all; the engine's sum_to_shape still reduces
    g to the input's shape."""
    return g


def times_second(g: Any, out: Any, a: Any, b: Any) -> Any:
    """The rule "d/da (a b) = b": g times the second input (mul's, for its first input).  Backward
    inlines it, as pass_through, for two-input nodes: a Python frame saved on the second commonest
    node; called anywhere else it computes the same."""
    return g * b


def times_first(g: Any, out: Any, a: Any, b: Any) -> Any:
    """The rule "d/db (a b) = a": g times the first input (mul's, for its second input); inlined as
    times_second is."""
    return g * a


_NO_PARAMS: dict = {}


def _rule_result(gi: Any, op: Primitive, i: int, x: Tensor, create_graph: bool) -> Any:
    """A rule's result that is not an ndarray: a numpy scalar, a Tensor (recorded under
    create_graph; its data otherwise) -- anything else is the rule's error, named."""
    if isinstance(gi, Tensor):
        return gi if create_graph else gi._data
    if isinstance(gi, np.generic) and gi.dtype.kind in "biuf":
        return gi
    raise TypeError(
        f"backward: the gradient rule of {op.name} for input {i} returned {type(gi).__name__} ({gi!r:.40}); "
        f"a rule returns an array of the input's shape {x.shape} (None only in place of the rule, for an "
        "input that is not differentiable)"
    )


def _check_saved(node: Tensor, op: Primitive) -> None:
    """Refuse to run ``node``'s rules when a value they read was changed since it was recorded.

    Versions see the library's in-place changes; under ``detect_anomaly()`` fingerprints taken
    at recording also catch raw writes into a ``.data`` array."""
    saved = node._stamp
    stamp, prints = saved if saved.__class__ is tuple else (saved, ())
    inputs = node._inputs
    reads = (*range(len(inputs)), "out") if op.reads is None else op.reads
    for r in reads:
        x = (inputs[r] if r < len(inputs) else None) if isinstance(r, int) else node
        if isinstance(x, Tensor) and getattr(x, "_version", 0) > stamp:
            raise RuntimeError(_stale_message(node, op.name, r, x, "was changed in place"))
    for r, fp in prints:
        x = inputs[r] if isinstance(r, int) else node
        if fp is not None and _fingerprint(x._data if isinstance(x, Tensor) else x) != fp:
            what = "was written into directly (t.data[...] = v, which versions cannot see)"
            raise RuntimeError("detect_anomaly: " + _stale_message(node, op.name, r, x, what))


def _stale_message(node: Tensor, op: str, r: int | str, x: Any, what: str) -> str:
    if r == "out":
        name = f"the output of {op}" + (f" ({node.name!r})" if node.name else "")
        where = f"shape {node.shape} {node.dtype}"
    else:
        label = getattr(x, "name", None)
        name = (f"tensor {label!r}" if label else "a tensor") if isinstance(x, Tensor) else "a constant array"
        where = f"input {r} of {op}, " + (f"shape {x.shape} {x.dtype}" if isinstance(x, Tensor) else _describe([x]))
    it = repr(getattr(x, "name", None)) if getattr(x, "name", None) else "it"
    return (
        f"backward: {name} ({where}) {what} after {op} saved it for its gradient; the gradient would use "
        f"the new values. Recompute the forward pass after changing {it} (a graph is good for the values "
        "it was built from)"
    )


def _unshared(g: Any, stored: set[int]) -> Any:
    """``g``, copied if another kept gradient (or a view of one) may share its memory.

    Under create_graph ``g`` is a Tensor: the copy is recorded (``g + 0``) so it stays
    differentiable."""
    if type(g) is np.ndarray:  # the usual case, tested first: an isinstance miss costs more than this test
        if id(g) in stored or g.base is not None:
            g = g.copy()
    elif isinstance(g, Tensor):
        if id(g) in stored or (isinstance(g.data, np.ndarray) and g.data.base is not None):
            g = g + 0.0
    elif id(g) in stored or (isinstance(g, np.ndarray) and g.base is not None):
        g = g.copy()
    stored.add(id(g))
    return g


def _check_gradient(gi: Any, op: Primitive, i: int, x: Tensor) -> None:
    data = gi.data if isinstance(gi, Tensor) else gi
    if not np.all(np.isfinite(data)):
        raise FloatingPointError(
            f"detect_anomaly: the gradient {op.name} sends to its input {i} ({_describe_inputs([x])}) contains NaN/Inf"
        )
