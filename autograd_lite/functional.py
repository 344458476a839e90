"""Functional derivatives: grad, value_and_grad, vjp, jacobian, hessian, hvp -- thin, on the engine.

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
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .engine import enable_grad, gradients, primitive
from .tensor import Tensor

__all__ = ["grad", "value_and_grad", "vjp", "jacobian", "hessian", "hvp"]

Argnums = int | Sequence[int]


# --------------------------------------------------------------------------- the one primitive
def grads_of(
    out: Tensor, wrt: Sequence[Tensor], seed: Any = None, create_graph: bool = False
) -> list[Tensor]:
    """d<seed, out>/d w for every ``w`` in ``wrt``, as Tensors of w's shape and dtype.

    One backward pass that leaves every ``.grad`` alone (``engine.gradients``); a ``w`` that
    ``out`` does not depend on gets zeros.
    """
    if not isinstance(out, Tensor) or not out.requires_grad:
        return [_zeros_like(w) for w in wrt]
    return gradients(out, wrt, seed, create_graph=create_graph)


def _zeros_like(w: Tensor) -> Tensor:
    return Tensor(np.zeros(w.shape, dtype=w.dtype))


# --------------------------------------------------------------------------- argument handling
def _argnums(argnums: Argnums, nargs: int, fname: str) -> tuple[tuple[int, ...], bool]:
    """Normalise ``argnums``; the flag says whether the caller gets one gradient or a tuple."""
    single = isinstance(argnums, (int, np.integer))
    nums = (int(argnums),) if single else tuple(int(a) for a in argnums)
    if not nums:
        raise ValueError(f"{fname}: argnums is empty; name at least one argument to differentiate")
    for a in nums:
        if not -nargs <= a < nargs:
            raise ValueError(f"{fname}: argnums {a} is out of range for {nargs} positional argument(s)")
    return tuple(a % nargs for a in nums), single


# The inner variable on top of an argument that requires grad: the identity, recorded, so the
# derivative captures only the paths through this node (not through closures or other arguments).
_variable = primitive("variable", lambda x: x, lambda g, out, x: g)


def _as_variable(x: Any, fname: str, position: int) -> tuple[Tensor, bool]:
    """A node of its own to differentiate with respect to, and whether it belongs to an outer graph.

    A Tensor that already requires grad gets a recorded identity node on top (so nested
    derivatives stay connected to it, yet are not confused with it); anything else becomes a
    fresh leaf that requires grad (sharing the caller's data).
    """
    if isinstance(x, Tensor) and x.requires_grad:
        return _variable(x), True
    data = x.data if isinstance(x, Tensor) else x
    arr = np.asarray(data) if isinstance(data, (np.ndarray, np.generic)) else np.asarray(data, dtype=np.float64)
    if not np.issubdtype(arr.dtype, np.floating):
        raise TypeError(
            f"{fname}: argument {position} has dtype {arr.dtype} (shape {arr.shape}); only floating-point "
            "values can be differentiated"
        )
    name = x.name if isinstance(x, Tensor) else None
    return Tensor(arr, requires_grad=True, name=name), False


def _reaches_outer_leaf(out: Any, variables: Sequence[Tensor]) -> bool:
    """Whether ``out`` depends on a leaf that requires grad other than ``variables``.

    Such a leaf (a tensor ``f`` closes over) may be an outer derivative's variable, so the
    derivative must be recorded.  An explicit stack, stopping at the first such leaf.
    """
    if not isinstance(out, Tensor) or not out.requires_grad:
        return False
    mine = {id(v) for v in variables}
    seen: set[int] = set()
    stack = [out]
    while stack:
        node = stack.pop()
        if id(node) in seen or id(node) in mine:
            continue
        seen.add(id(node))
        if node.is_leaf:
            return True
        stack.extend(x for x in node.inputs if isinstance(x, Tensor) and x.requires_grad)
    return False


def _scalar_output(out: Any, fname: str) -> Tensor:
    if not isinstance(out, Tensor):
        raise TypeError(f"{fname}: f must return a Tensor, got {type(out).__name__}")
    if out.size != 1:
        raise ValueError(
            f"{fname}: f must return a one-element Tensor, got shape {out.shape}; reduce it (e.g. .sum()), "
            "or use jacobian or vjp for vector-valued f"
        )
    return out


# --------------------------------------------------------------------------- the toolkit
def value_and_grad(f: Callable[..., Tensor], argnums: Argnums = 0) -> Callable[..., tuple[Tensor, Any]]:
    """A function returning ``(f(*args), gradient of f at args)`` for scalar-valued ``f``.

    ``argnums`` picks the argument(s) to differentiate: an int gives one gradient, a sequence
    gives a tuple.  Gradients are Tensors of their argument's shape and dtype.
    """

    @enable_grad()  # a derivative is asked for, so record even inside no_grad()
    def value_and_grad_f(*args: Any, **kwargs: Any) -> tuple[Tensor, Any]:
        nums, single = _argnums(argnums, len(args), "grad")
        call = list(args)
        outer = False
        for a in nums:
            call[a], nested = _as_variable(args[a], "grad", a)
            outer = outer or nested
        out = _scalar_output(f(*call, **kwargs), "grad")
        outer = outer or _reaches_outer_leaf(out, [call[a] for a in nums])
        gs = grads_of(out, [call[a] for a in nums], create_graph=outer)
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
    out = f(*call)
    if not isinstance(out, Tensor):
        raise TypeError(f"{fname}: f must return a Tensor, got {type(out).__name__}")
    return call, out, outer or _reaches_outer_leaf(out, call)


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
    gs = grads_of(out, call, seed=seed, create_graph=outer)
    return (out if outer else out.detach()), (gs[0] if len(gs) == 1 else tuple(gs))


@enable_grad()
def jacobian(f: Callable[..., Tensor], *inputs: Any) -> Any:
    """The Jacobian of ``f`` at ``inputs``: shape ``f(x).shape + x.shape`` (rows = outputs).

    One backward pass per output element.  Several inputs give a tuple of Jacobians.  When the
    inputs (or tensors ``f`` closes over) belong to an outer recorded computation, the Jacobian
    is recorded too.
    """
    call, out, outer = _call_on_variables(f, inputs, "jacobian")
    rows: list[list[Tensor]] = [[] for _ in call]
    for k in range(out.size):
        seed = np.zeros(out.size, dtype=out.dtype)
        seed[k] = 1
        for rows_i, g in zip(rows, grads_of(out, call, seed=seed.reshape(out.shape), create_graph=outer)):
            rows_i.append(g)
    jacs = [_assemble(rows_i, out.shape, t.shape, t.dtype, outer) for rows_i, t in zip(rows, call)]
    return jacs[0] if len(jacs) == 1 else tuple(jacs)


def _assemble(rows: list[Tensor], out_shape: tuple, in_shape: tuple, dtype: Any, recorded: bool) -> Tensor:
    if not rows:
        return Tensor(np.zeros(out_shape + in_shape, dtype=dtype))
    if recorded:
        from . import stack  # the differentiable stack, so the Jacobian stays in the graph

        return stack(rows, axis=0).reshape(out_shape + in_shape)
    return Tensor(np.stack([r.data for r in rows]).reshape(out_shape + in_shape))


def hessian(f: Callable[..., Tensor], x: Any) -> Tensor:
    """The Hessian of scalar-valued ``f`` at ``x``, shape ``x.shape + x.shape``.

    The Jacobian of the gradient, differentiating the recorded backward pass
    (``create_graph=True``): one extra backward pass per element of ``x``.
    """
    return jacobian(grad(f), x)


def hvp(f: Callable[..., Tensor], x: Any, v: Any) -> Tensor:
    """The Hessian-vector product H v of scalar-valued ``f`` at ``x``, never forming H.

    The gradient of <grad f(x), v>: two backward passes whatever the size of ``x``.
    """
    vt = v if isinstance(v, Tensor) else Tensor(np.asarray(v))
    if vt.shape != np.shape(x.data if isinstance(x, Tensor) else x):
        raise ValueError(f"hvp: v has shape {vt.shape} but x has shape {np.shape(_data(x))}")
    gf = grad(f)
    return grad(lambda y: (gf(y) * vt).sum())(x)


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x
