"""The primitive table, core family: arithmetic, the classic activations, sum/max, matmul, and
the shape and indexing primitives the engine itself needs -- each forward with its rule.

Each entry reads as its own documentation -- the forward in numpy, then one vector-Jacobian
rule per input, ``rule(g, out, *inputs, **params)``: given the upstream gradient ``g``, the
forward result ``out`` and the inputs, return the gradient for that input -- then its ``doc``,
the same math in one line (``"a * b:  d/da = b, d/db = a"``, one ``d/d`` part per
differentiable input), which ``explain``, ``check_graph`` and the README's operation table show,
and ``elementwise=True`` where each output element depends only on the inputs' elements at its
position (``tests/test_optable.py`` checks both).  Rules never handle
broadcasting (the engine's ``sum_to_shape`` does) and use only operators, shared methods and
``P.apply``, so they run on numpy arrays in an ordinary backward pass and on Tensors -- recorded,
differentiable again -- under ``backward(create_graph=True)``.

Everything else (sub, div, mean, softmax, ...) is composed from these in ``tensor.py``.
Kink conventions: relu'(0) = 0; ties in ``maximum`` and ``max`` share the gradient evenly.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from .. import tensor as _tensor
from ..dispatch import HANDLED
from ..engine import Primitive, _OpError, pass_through, times_first, times_second

__all__ = [
    "add", "mul", "neg", "pow", "exp", "log", "sigmoid", "tanh", "relu", "maximum", "max",
    "sum", "matmul", "reshape", "transpose", "broadcast_to", "getitem", "scatter_add",
    "concatenate", "stack", "where", "astype", "PRIMITIVES",
]  # fmt: skip


# ----------------------------------------------------------------------------- helpers
def _keepdims_shape(shape: tuple[int, ...], axis: Any) -> tuple[int, ...]:
    """The shape a reduction over ``axis`` has with keepdims=True.  On a 0-d shape numpy's sum
    and max accept axis 0 or -1 and reduce nothing: the shape stays ()."""
    if axis is None or not shape:
        return (1,) * len(shape)
    axes = {a % len(shape) for a in ((axis,) if isinstance(axis, (int, np.integer)) else axis)}
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _is_basic_index(index: Any) -> bool:
    """Only ints, slices, None and Ellipsis: no element can be selected twice."""
    items = index if isinstance(index, tuple) else (index,)
    return all(
        i is None or i is Ellipsis or isinstance(i, (slice, int, np.integer)) and not isinstance(i, bool) for i in items
    )


def _scatter_add_forward(g: Any, shape: tuple[int, ...], index: Any) -> np.ndarray:
    out = np.zeros(shape, dtype=np.result_type(g))
    if _is_basic_index(index):
        out[index] = g
    else:
        np.add.at(out, index, g)  # repeated indices accumulate
    return out


def _sigmoid_forward(x: Any) -> Any:
    e = np.exp(-np.abs(x))  # never overflows
    r = 1.0 / (1.0 + e)
    return np.where(x >= 0, r, e * r)


def _relu_forward(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return np.maximum(x, 0)
    return x if not x <= 0 else x.dtype.type(0)  # a numpy scalar: skip the ufunc machinery


def _broadcast_to_forward(x: Any, shape: tuple[int, ...]) -> Any:
    try:
        return np.broadcast_to(x, shape)
    except ValueError:
        raise _OpError(f"broadcast_to: shape {np.shape(x)} cannot be broadcast to {tuple(shape)}") from None


def _matmul_forward(a: Any, b: Any) -> Any:
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        raise _OpError(f"matmul: operands must be at least 1-D, got shapes {a.shape} and {b.shape}; use * for scalars")
    ka, kb = a.shape[-1], b.shape[-2 if b.ndim > 1 else 0]
    if ka != kb:
        raise _OpError(
            f"matmul: shapes {a.shape} and {b.shape} are not aligned: {ka} (dim {a.ndim - 1} of a) "
            f"!= {kb} (dim {b.ndim - 2 if b.ndim > 1 else 0} of b)"
        )
    return np.matmul(a, b)


def _matmul_operands(g: Any, a: Any, b: Any) -> tuple[Any, Any, Any]:
    """Promote 1-D operands to matrices as numpy's matmul does, and g to match."""
    if a.ndim == 1 and b.ndim == 1:
        return g.reshape((1, 1)), a.reshape((1, -1)), b.reshape((-1, 1))
    if a.ndim == 1:
        return g.reshape(g.shape[:-1] + (1, g.shape[-1])), a.reshape((1, -1)), b
    if b.ndim == 1:
        return g.reshape(g.shape + (1,)), a, b.reshape((-1, 1))
    return g, a, b


def _matmul_grad_a(g: Any, out: Any, a: Any, b: Any) -> Any:
    g2, _, b2 = _matmul_operands(g, a, b)
    return g2 @ b2.swapaxes(-1, -2)  # (.., 1, k) for 1-D a: the engine sums the extra axes


def _matmul_grad_b(g: Any, out: Any, a: Any, b: Any) -> Any:
    g2, a2, _ = _matmul_operands(g, a, b)
    gb = a2.swapaxes(-1, -2) @ g2
    return gb.reshape(gb.shape[:-1]) if b.ndim == 1 else gb


def _max_grad(g: Any, out: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    kshape = _keepdims_shape(x.shape, axis)
    winners = x == out.reshape(kshape)  # a boolean array, also for Tensors
    return g.reshape(kshape) * (winners / winners.sum(axis=axis, keepdims=True))


def _sum_grad(g: Any, out: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    if axis is None and (type(g) is np.ndarray or isinstance(g, np.generic)):  # the commonest sum: all of x
        # g everywhere: a read-only zero-stride view of g's one number (np.broadcast_to costs ~5x
        # more, a Python wrapper and an nditer, a tenth of a small model's backward pass)
        v = g.reshape(-1)[0] if type(g) is np.ndarray else g
        return np.ndarray(x.shape, v.dtype, v, 0, (0,) * x.ndim)
    return broadcast_to.apply(g.reshape(_keepdims_shape(x.shape, axis)), shape=x.shape)


def _inverse_axes(axes: Any, ndim: int) -> tuple[int, ...]:
    """The permutation undoing ``axes`` (None: reversed, as numpy), spelled out so that the rule
    also runs on Tensors under create_graph."""
    if axes is None:
        return tuple(range(ndim - 1, -1, -1))
    return tuple(int(i) for i in np.argsort([a % ndim for a in axes]))


def _shape_of(x: Any) -> tuple[int, ...]:
    return x.shape if hasattr(x, "shape") else np.shape(x)


def _concatenate_grad(i: int, g: Any, out: Any, *xs: Any, axis: int | None = 0) -> Any:
    if axis is None:  # the inputs were flattened and joined
        start = int(np.sum([np.prod(_shape_of(x), dtype=np.int64) for x in xs[:i]], dtype=np.int64))
        return g[start : start + int(np.prod(_shape_of(xs[i]), dtype=np.int64))].reshape(_shape_of(xs[i]))
    ax = axis % out.ndim
    start = int(np.sum([_shape_of(x)[ax] for x in xs[:i]], dtype=np.int64))
    return g[(slice(None),) * ax + (slice(start, start + _shape_of(xs[i])[ax]),)]


def _stack_grad(i: int, g: Any, out: Any, *xs: Any, axis: int = 0) -> Any:
    return g[(slice(None),) * (axis % out.ndim) + (i,)]


def _pow_grad_base(g: Any, out: Any, a: Any, b: Any) -> Any:
    """b a^(b-1), and exactly 0 where b == 0 (not 0 * a^-1, which is NaN at a = 0)."""
    if isinstance(b, (int, float)):  # the common x**2, x**0.5: the exponent is a number
        return g * 0.0 if b == 0 else g * b * a ** (b - 1)
    safe_a = where.apply(b == 0, 1.0, a)  # also keeps the masked branch out of second derivatives
    return g * b * safe_a ** (b - 1)


def _pow_grad_exponent(g: Any, out: Any, a: Any, b: Any) -> Any:
    """a^b log a, and exactly 0 where a == 0: 0**b is constant in b (0 for b > 0, 1 at b = 0, inf
    for b < 0), so neither 0 * log 0 (b > 0) nor inf * log 1 (b < 0) can make a NaN."""
    at_zero = a == 0
    return g * where.apply(at_zero, 0.0, out) * log.apply(where.apply(at_zero, 1.0, a))


# ----------------------------------------------------------------------------- the table
# Forwards use operators rather than ufunc calls where they can: on numpy scalars (the data of
# 0-d tensors) `a * b` costs a tenth of `np.multiply(a, b)`; add, mul and neg are the operator
# module's functions themselves (`operator.mul(a, b)` is `a * b` without a Python frame), and the
# rule "d/dx = g" is the engine's ``pass_through``, whose call backward skips (mul's rules, g times the other
# input, are the engine's ``times_second``/``times_first``, inlined likewise).  Each ``doc`` is the entry's math,
# "forward:  d/d<input> = ..." -- for elementwise entries the local derivative (times g), for the
# others the gradient in terms of the upstream g; ``explain`` and the README's table show it.
P = Primitive
# primitives whose rules call primitives defined further down (the rules run only after the table exists)
broadcast_to: Primitive
scatter_add: Primitive
where: Primitive

add = P(
    "add", operator.add, (pass_through, pass_through),
    doc="a + b:  d/da = 1, d/db = 1  (add distributes g)", elementwise=True,
)  # fmt: skip
mul = P(
    "mul", operator.mul, (times_second, times_first),
    doc="a * b:  d/da = b, d/db = a  (mul swaps the inputs)", elementwise=True,
)  # fmt: skip
neg = P("neg", operator.neg, (lambda g, out, x: -g,), doc="-x:  d/dx = -1", elementwise=True)
pow = P(  # numpy's name
    "pow", lambda a, b: a**b, (_pow_grad_base, _pow_grad_exponent),
    doc="a ** b:  d/da = b a^(b-1) (0 where b = 0), d/db = a^b log a (0 where a = 0: 0^b is constant in b)",
    elementwise=True,
)  # fmt: skip
exp = P("exp", np.exp, (lambda g, out, x: g * out,), doc="e^x:  d/dx = e^x (the output, reused)", elementwise=True)
log = P("log", np.log, (lambda g, out, x: g / x,), doc="log x:  d/dx = 1/x", elementwise=True)
sigmoid = P(
    "sigmoid", _sigmoid_forward, (lambda g, out, x: g * out * (1 - out),),
    doc="s = 1/(1 + e^-x):  d/dx = s (1 - s)", elementwise=True,
)  # fmt: skip
tanh = P(
    "tanh", np.tanh, (lambda g, out, x: g * (1 - out * out),),
    doc="tanh x:  d/dx = 1 - tanh^2 x", elementwise=True,
)  # fmt: skip
relu = P(
    "relu", _relu_forward, (lambda g, out, x: g * (x > 0),), branch=lambda out, x: x > 0,
    doc="max(x, 0):  d/dx = [x > 0]  (max routes g; 0 at x = 0)", elementwise=True,
)  # fmt: skip
maximum = P(
    "maximum",
    np.maximum,
    (lambda g, out, a, b: g * ((a > b) + 0.5 * (a == b)), lambda g, out, a, b: g * ((b > a) + 0.5 * (a == b))),
    branch=lambda out, a, b: np.sign(np.subtract(a, b)),
    doc="max(a, b):  d/da = [a > b] + [a = b]/2, d/db = [b > a] + [a = b]/2  (max routes g to the winner; a tie "
    "shares it)",
    elementwise=True,
)
max = P(  # numpy's name
    "max",
    lambda x, axis=None, keepdims=False: x.max(axis=axis, keepdims=keepdims),  # the method: no wrapper cost
    (_max_grad,),
    branch=lambda out, x, axis=None, keepdims=False: x == np.reshape(out, _keepdims_shape(np.shape(x), axis)),
    doc="max(x, axis):  d/dx = g to the winners, shared evenly between ties  (max routes g)",
)
sum = P(  # numpy's name
    "sum",
    lambda x, axis=None, keepdims=False: x.sum(axis=axis, keepdims=keepdims),
    (_sum_grad,),
    doc="sum(x, axis):  d/dx = g broadcast back to x's shape  (sum copies g to every element)",
)
matmul = P(
    "matmul", _matmul_forward, (_matmul_grad_a, _matmul_grad_b),
    doc="a @ b (numpy's 1-D and batched semantics):  d/da = g @ b^T, d/db = a^T @ g",
)  # fmt: skip
reshape = P(
    "reshape", lambda x, shape: x.reshape(shape) if type(x) is np.ndarray else np.reshape(x, shape),
    (lambda g, out, x, shape: g.reshape(x.shape),),  # forward: the method if it can (np.reshape wraps it)
    doc="reshape(x, shape):  d/dx = g reshaped back to x's shape",
)  # fmt: skip
transpose = P(
    "transpose",
    lambda x, axes=None: np.transpose(x, axes),
    (lambda g, out, x, axes=None: g.transpose(_inverse_axes(axes, x.ndim)),),
    doc="transpose(x, axes):  d/dx = g transposed by the inverse permutation",
)
broadcast_to = P(
    "broadcast_to", _broadcast_to_forward, (pass_through,),
    doc="broadcast_to(x, shape):  d/dx = g summed over the broadcast axes (by the engine)",
)  # fmt: skip
getitem = P(
    "getitem",
    lambda x, index: x[index],
    (lambda g, out, x, index: scatter_add.apply(g, shape=x.shape, index=index),),
    doc="x[index]:  d/dx = g scattered into zeros of x's shape, repeated indices adding (scatter_add)",
)
scatter_add = P(
    "scatter_add", _scatter_add_forward, (lambda g, out, x, shape, index: g[index],),
    doc="zeros(shape) with x added at index (getitem's rule):  d/dx = g[index]",
)  # fmt: skip
concatenate = P(
    "concatenate", lambda *xs, axis=0: np.concatenate(xs, axis=axis), (_concatenate_grad,), variadic=True,
    doc="concatenate(xs, axis):  d/dxs[i] = the slice of g that xs[i] filled",
)  # fmt: skip
stack = P(
    "stack", lambda *xs, axis=0: np.stack(xs, axis=axis), (_stack_grad,), variadic=True,
    doc="stack(xs, axis):  d/dxs[i] = g at index i along axis",
)  # fmt: skip
where = P(
    "where",
    np.where,
    (None, lambda g, out, c, a, b: where.apply(c, g, 0), lambda g, out, c, a, b: where.apply(c, 0, g)),
    branch=lambda out, c, a, b: np.asarray(c, dtype=bool),
    doc="where(c, a, b):  d/da = [c], d/db = [not c]  (c is not differentiable)",
    elementwise=True,
)
astype = P(
    "astype", lambda x, dtype: np.asarray(x).astype(dtype), (lambda g, out, x, dtype: g.astype(x.dtype),),
    doc="x.astype(dtype):  d/dx = 1 (g cast back to x's dtype)", elementwise=True,
)  # fmt: skip

del P

PRIMITIVES: tuple[Primitive, ...] = tuple(v for v in list(globals().values()) if isinstance(v, Primitive))


# numpy's ufuncs on Tensors: ndarray * x, np.exp(x), ... (numpy's function names: dispatch.py)
HANDLED.update({
    np.add: add, np.subtract: _tensor.sub, np.multiply: mul, np.divide: _tensor.div, np.power: pow,
    np.negative: neg, np.exp: exp, np.log: log, np.tanh: tanh, np.maximum: maximum,
    np.minimum: _tensor.minimum, np.matmul: matmul, np.sqrt: _tensor.sqrt, np.absolute: _tensor.abs,
})  # fmt: skip

# What each rule reads, besides shapes (``Primitive.reads``): backward refuses a node when one of
# these was changed in place after the forward pass.  A primitive not listed reads everything.
for _prim, _reads in (
    (add, ()), (mul, (0, 1)), (neg, ()), (pow, (0, 1, "out")), (exp, ("out",)), (log, (0,)),
    (sigmoid, ("out",)), (tanh, ("out",)), (relu, (0,)), (maximum, (0, 1)), (max, (0, "out")), (sum, ()),
    (matmul, (0, 1)), (reshape, ()), (transpose, ()), (broadcast_to, ()), (getitem, ()), (scatter_add, ()),
    (concatenate, ()), (stack, ()), (where, (0,)), (astype, ()),
):  # fmt: skip
    _prim.reads = _reads
del _prim, _reads
