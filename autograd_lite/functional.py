"""Functional derivatives: grad, value_and_grad, vjp, jvp, jacobian, hessian, hvp -- thin, on the engine.

Each takes a function of Tensors and returns derivatives as Tensors, without touching the
``.grad`` of anything the caller holds (every ``.grad`` the engine fills in along the way is
put back as it was).  They nest: when an argument already takes part in a recorded computation
(it requires grad), or ``f`` closes over tensors that do, the derivative is itself recorded
(``create_graph``), so ``grad(grad(f))``, ``hessian`` and ``hvp`` need no second set of rules.

No perturbation confusion: the variable differentiated is always a node of its own -- a fresh
leaf for a plain value, a recorded ``variable`` node on top of an argument that requires grad
-- and only the paths through that node count.  So in ``grad(lambda x: grad(lambda y: x * y)(x))``
the inner derivative is ``x`` (not ``2x``), and ``grad(f, argnums=(0, 1))(x, x)`` gives each
position its own partial derivative.

They record what they need even inside ``no_grad()`` (a derivative asked for is computed).

Shapes: a gradient has its variable's shape; ``jacobian(f, x)`` has shape
``f(x).shape + x.shape`` (rows = outputs for vector f and vector x).

Forward mode (``jvp``, ``jacobian(..., mode="forward")``) comes from the same reverse-mode rules
by the double-VJP construction: u -> J^T u is linear in u, so recording it once and
differentiating <J^T u, t> with respect to u gives J t.  No second set of (tangent) rules.

A function whose output does not depend on the variables (a constant, or a value computed
from other tensors only) has zero derivatives: they come back as zeros, with a UserWarning
saying so (HIPS autograd's convention) -- a Python number or numeric numpy array returned by
``f`` counts as such a constant.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

import numpy as np

from .arguments import data_of
from .engine import Primitive, enable_grad, gradients
from .tensor import Tensor

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "jacobian", "hessian", "hvp"]

Argnums = int | Sequence[int]


# --------------------------------------------------------------------------- argument handling
def _argnums(argnums: Argnums, nargs: int, fname: str) -> tuple[tuple[int, ...], bool]:
    """Normalise ``argnums``; the flag says whether the caller gets one gradient or a tuple."""
    nums: tuple[int, ...]
    if isinstance(argnums, (int, np.integer)):
        nums, single = (int(argnums),), True
    else:
        nums, single = tuple(int(a) for a in argnums), False
    if not nums:
        raise ValueError(f"{fname}: argnums is empty; name at least one argument to differentiate")
    for a in nums:
        if not -nargs <= a < nargs:
            raise ValueError(f"{fname}: argnums {a} is out of range for {nargs} positional argument(s)")
    return tuple(a % nargs for a in nums), single


# The inner variable on top of an argument that requires grad: the identity, recorded, so the
# derivative captures only the paths through this node (not through closures or other arguments).
_variable = Primitive(
    "variable", lambda x: x, (lambda g, out, x: g,),
    doc="variable(x) = x, the node a derivative is taken with respect to:  d/dx = 1", elementwise=True,
)  # fmt: skip


def _as_variable(x: Any, fname: str, position: int) -> tuple[Tensor, bool]:
    """A node of its own to differentiate with respect to, and whether it belongs to an outer graph.

    A Tensor that already requires grad gets a recorded identity node on top (so nested
    derivatives stay connected to it, yet are not confused with it); anything else becomes a
    fresh leaf that requires grad (sharing the caller's data).
    """
    if isinstance(x, Tensor) and x.requires_grad:
        return _variable(x), True
    data = data_of(x)
    arr = np.asarray(data) if isinstance(data, (np.ndarray, np.generic)) else np.asarray(data, dtype=np.float64)
    if not np.issubdtype(arr.dtype, np.floating):
        raise TypeError(
            f"{fname}: argument {position} has dtype {arr.dtype} (shape {arr.shape}); only floating-point "
            "values can be differentiated"
        )
    name = x.name if isinstance(x, Tensor) else None
    return Tensor(arr, requires_grad=True, name=name), False


def _reaches(out: Any, variables: Sequence[Tensor], outer_leaf: bool = False) -> bool:
    """Whether the graph of ``out`` (its nodes that require grad; an explicit stack) reaches one of
    ``variables`` -- or, with ``outer_leaf``, a leaf other than them, not passing through them.

    Such a leaf (a tensor ``f`` closes over) may be an outer derivative's variable, so the
    derivative must be recorded.  The walk stops at the first node found.
    """
    if not isinstance(out, Tensor) or not out.requires_grad:
        return False
    mine = {id(v) for v in variables}
    seen: set[int] = set()
    stack = [out]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if id(node) in mine:
            if outer_leaf:
                continue
            return True
        if outer_leaf and node.is_leaf:
            return True
        stack.extend(x for x in node.inputs if isinstance(x, Tensor) and x.requires_grad)
    return False


def _as_output(out: Any, fname: str) -> Tensor:
    """What ``f`` returned, as a Tensor: a number or numeric array is a constant (zero derivatives)."""
    if isinstance(out, Tensor):
        return out
    if (
        isinstance(out, (int, float, np.integer, np.floating))
        and not isinstance(out, bool)
        or (isinstance(out, np.ndarray) and out.dtype.kind in "iuf")
    ):
        return Tensor(out)
    raise TypeError(f"{fname}: f must return a Tensor, got {type(out).__name__}")


def _scalar_output(out: Any, fname: str) -> Tensor:
    out = _as_output(out, fname)
    if out.size != 1:
        raise ValueError(
            f"{fname}: f must return a one-element Tensor, got shape {out.shape}; reduce it (e.g. .sum()), "
            "or use jacobian or vjp for vector-valued f"
        )
    return out


def _warn_if_constant(fname: str | None, out: Tensor, variables: Sequence[Tensor], derivatives: Sequence[Any]) -> None:
    """Warn (when ``fname`` is given) if ``out`` does not depend on the variables, so that every
    derivative is zero.  The graph is walked only when all the derivatives came out zero."""
    if fname is None or any(np.any(d.data) for d in derivatives):
        return
    if not _reaches(out, variables):
        warnings.warn(
            f"{fname}: f's output does not depend on the argument(s) differentiated (it is a constant "
            "for them), so its derivatives are zero",
            UserWarning,
            stacklevel=_user_level(),
        )


def _user_level() -> int:
    """The ``stacklevel`` of the caller's frame: the first one outside autograd_lite."""
    frame: FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("autograd_lite"):
        frame, level = frame.f_back, level + 1
    return level


# --------------------------------------------------------------------------- the toolkit
def value_and_grad(f: Callable[..., Tensor], argnums: Argnums = 0) -> Callable[..., tuple[Tensor, Any]]:
    """A function returning ``(f(*args), gradient of f at args)`` for scalar-valued ``f``.

    ``argnums`` picks the argument(s) to differentiate: an int gives one gradient, a sequence
    gives a tuple.  Gradients are Tensors of their argument's shape and dtype (zeros, with a
    warning, when ``f`` does not depend on them).
    """
    return _value_and_grad(f, argnums, "grad")


def _value_and_grad(f: Callable[..., Tensor], argnums: Argnums, warn: str | None) -> Callable[..., tuple[Tensor, Any]]:
    """``value_and_grad``; ``warn`` names the caller in the constant-output warning (None: no warning)."""

    @enable_grad()  # a derivative is asked for, so record even inside no_grad()
    def value_and_grad_f(*args: Any, **kwargs: Any) -> tuple[Tensor, Any]:
        nums, single = _argnums(argnums, len(args), "grad")
        call = list(args)
        outer = False
        for a in nums:
            call[a], nested = _as_variable(args[a], "grad", a)
            outer = outer or nested
        out = _scalar_output(f(*call, **kwargs), "grad")
        variables = [call[a] for a in nums]
        outer = outer or _reaches(out, variables, outer_leaf=True)
        gs = gradients(out, variables, create_graph=outer, allow_constant=True)
        _warn_if_constant(warn, out, variables, gs)
        value = out if outer else out.detach()
        return value, gs[0] if single else tuple(gs)

    value_and_grad_f.__name__ = f"value_and_grad_{getattr(f, '__name__', 'f')}"
    return value_and_grad_f


def grad(f: Callable[..., Tensor], argnums: Argnums = 0) -> Callable[..., Any]:
    """A function computing the gradient of scalar-valued ``f`` with respect to ``args[argnums]``.

    >>> import autograd_lite as ag
    >>> ag.grad(lambda x: (x * x).sum())(ag.Tensor([1.0, -3.0])).tolist()
    [2.0, -6.0]
    """
    vg = value_and_grad(f, argnums)

    def grad_f(*args: Any, **kwargs: Any) -> Any:
        return vg(*args, **kwargs)[1]

    grad_f.__name__ = f"grad_{getattr(f, '__name__', 'f')}"
    return grad_f


def _call_on_variables(f: Callable[..., Tensor], inputs: Sequence[Any], fname: str) -> tuple[list, Tensor, bool]:
    """Call ``f`` on fresh variables for ``inputs``; also say whether the result must be recorded
    (an input, or a tensor ``f`` closes over, belongs to an outer recorded computation)."""
    if not inputs:
        raise TypeError(f"{fname}: give at least one input after f")
    call, outer = [], False
    for i, x in enumerate(inputs):
        t, nested = _as_variable(x, fname, i)
        call.append(t)
        outer = outer or nested
    out = _as_output(f(*call), fname)
    return call, out, outer or _reaches(out, call, outer_leaf=True)


@enable_grad()
def vjp(f: Callable[..., Tensor], *inputs: Any, v: Any) -> tuple[Tensor, Any]:
    """``(f(*inputs), v^T J)``: the vector-Jacobian product for every input, J = df/dinputs.

    ``v`` has the output's shape.  One input gives one Tensor, several give a tuple.
    """
    call, out, outer = _call_on_variables(f, inputs, "vjp")
    vdata = v.data if isinstance(v, Tensor) else np.asarray(v, dtype=out.dtype)
    if vdata.shape != out.shape:
        raise ValueError(f"vjp: v has shape {vdata.shape} but f's output has shape {out.shape}")
    seed = v if (outer and isinstance(v, Tensor)) else vdata
    gs = gradients(out, call, seed, create_graph=outer, allow_constant=True)
    _warn_if_constant("vjp", out, call, gs)
    return (out if outer else out.detach()), (gs[0] if len(gs) == 1 else tuple(gs))


def jvp(f: Callable[..., Tensor], primals: Any, tangents: Any) -> tuple[Tensor, Tensor]:
    """``(f(*primals), J t)``: the Jacobian-vector product, forward mode, as JAX's ``jvp``.

    ``primals`` is a tuple (or list) of f's arguments, ``tangents`` one tangent per argument, of
    its shape (a single Tensor or array stands for a 1-tuple); J t = sum_i df/dprimal_i t_i has
    the output's shape.  Computed from the reverse-mode rules (the double-VJP construction): two
    backward passes whatever the sizes.  Nests with ``grad`` and the others like them.

    >>> import autograd_lite as ag
    >>> ag.jvp(lambda x: x * x, (ag.Tensor([1.0, 3.0]),), (ag.Tensor([1.0, 1.0]),))[1].tolist()
    [2.0, 6.0]
    """
    primals, tangents = _as_arguments(primals, "primals"), _as_arguments(tangents, "tangents")
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primal(s) but {len(tangents)} tangent(s); give one tangent per primal")
    return _jvp(f, primals, tangents)


def _as_arguments(xs: Any, what: str) -> tuple:
    if isinstance(xs, (Tensor, np.ndarray, np.generic, int, float)):
        return (xs,)
    if not isinstance(xs, (tuple, list)):
        raise TypeError(f"jvp: {what} must be a tuple or list of arguments, got {type(xs).__name__}")
    return tuple(xs)


@enable_grad()
def _jvp(f: Callable[..., Tensor], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Tensor, Tensor]:
    call, out, outer = _call_on_variables(f, primals, "jvp")
    ts = []
    for i, (x, t) in enumerate(zip(call, tangents)):
        tdata = t.data if isinstance(t, Tensor) else np.asarray(t, dtype=x.dtype)
        if tdata.shape != x.shape:
            raise ValueError(f"jvp: tangent {i} has shape {tdata.shape} but primal {i} has shape {x.shape}")
        nested = isinstance(t, Tensor) and t.requires_grad  # d/dt of J t, wanted by an outer derivative
        outer = outer or nested
        ts.append(t if nested else tdata)
    u, transposed = _transpose(out, call)
    parts = [gradients(g_i, [u], t, create_graph=outer, allow_constant=True)[0] for g_i, t in zip(transposed, ts)]
    jt = parts[0]  # jvp refuses a call without inputs
    for part in parts[1:]:
        jt = jt + part
    _warn_if_constant("jvp", out, call, [jt])
    return (out if outer else out.detach()), jt


def _transpose(out: Tensor, variables: Sequence[Tensor]) -> tuple[Tensor, list[Tensor]]:
    """A fresh variable u of the output's shape and J_i^T u for every variable, recorded: linear in
    u, so differentiating <J_i^T u, t> with respect to u gives J_i t (the double-VJP construction)."""
    u = Tensor(np.zeros(out.shape, dtype=out.dtype if out.dtype.kind == "f" else np.float64), requires_grad=True)
    return u, gradients(out, variables, u, create_graph=True, allow_constant=True)


@enable_grad()
def jacobian(f: Callable[..., Tensor], *inputs: Any, mode: str = "reverse") -> Any:
    """The Jacobian of ``f`` at ``inputs``: shape ``f(x).shape + x.shape`` (rows = outputs).

    ``mode="reverse"`` (the default) takes one backward pass per output element, a row at a
    time; ``mode="forward"`` one Jacobian-vector product per input element, a column at a time
    (fewer passes when inputs have fewer elements than outputs).  Several inputs give a tuple of
    Jacobians.  When the inputs (or tensors ``f`` closes over) belong to an outer recorded
    computation, the Jacobian is recorded too.
    """
    return _jacobian(f, inputs, mode, "jacobian")


@enable_grad()
def _jacobian(f: Callable[..., Tensor], inputs: Sequence[Any], mode: str, warn: str | None) -> Any:
    if mode not in ("reverse", "forward"):
        raise ValueError(f"jacobian: mode must be 'reverse' or 'forward', got {mode!r}")
    call, out, outer = _call_on_variables(f, inputs, "jacobian")
    parts: list[list[Tensor]] = [[] for _ in call]
    if mode == "reverse":  # a row per output element: d<e_k, f>/dx
        for k in range(out.size):
            for rows, g in zip(
                parts, gradients(out, call, _unit(k, out.shape, out.dtype), create_graph=outer, allow_constant=True)
            ):
                rows.append(g)
    else:  # a column per input element: J e_k = d<J^T u, e_k>/du
        u, transposed = _transpose(out, call)
        for cols, g_i, x in zip(parts, transposed, call):
            for k in range(x.size):
                cols.append(gradients(g_i, [u], _unit(k, x.shape, x.dtype), create_graph=outer, allow_constant=True)[0])
    axis = 0 if mode == "reverse" else -1
    jacs = [_assemble(p, axis, out.shape, x.shape, x.dtype, outer) for p, x in zip(parts, call)]
    _warn_if_constant(warn, out, call, jacs)
    return jacs[0] if len(jacs) == 1 else tuple(jacs)


def _unit(k: int, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """The k-th unit array of ``shape`` (k counts elements in C order)."""
    e = np.zeros(int(np.prod(shape, dtype=np.int64)), dtype=dtype)
    e[k] = 1
    return e.reshape(shape)


def _assemble(parts: list[Tensor], axis: int, out_shape: tuple, in_shape: tuple, dtype: Any, recorded: bool) -> Tensor:
    """A Jacobian from its rows (``axis=0``) or its columns (``axis=-1``)."""
    if not parts:
        return Tensor(np.zeros(out_shape + in_shape, dtype=dtype))
    if recorded:
        from . import stack  # the differentiable stack, so the Jacobian stays in the graph

        return stack(parts, axis=axis).reshape(out_shape + in_shape)
    return Tensor(np.stack([p.data for p in parts], axis=axis).reshape(out_shape + in_shape))


def hessian(f: Callable[..., Tensor], x: Any) -> Tensor:
    """The Hessian of scalar-valued ``f`` at ``x``, shape ``x.shape + x.shape``.

    The Jacobian of the gradient, differentiating the recorded backward pass
    (``create_graph=True``): one extra backward pass per element of ``x``.
    """
    return _jacobian(grad(f), (x,), "reverse", None)  # no warning: a linear f's gradient is constant


def hvp(f: Callable[..., Tensor], x: Any, v: Any) -> Tensor:
    """The Hessian-vector product H v of scalar-valued ``f`` at ``x``, never forming H.

    The gradient of <grad f(x), v>: two backward passes whatever the size of ``x``.
    """
    vt = v if isinstance(v, Tensor) else Tensor(np.asarray(v))
    if vt.shape != np.shape(data_of(x)):
        raise ValueError(f"hvp: v has shape {vt.shape} but x has shape {np.shape(data_of(x))}")
    gf = grad(f)
    return _value_and_grad(lambda y: (gf(y) * vt).sum(), 0, None)(x)[1]  # as hessian: no warning
