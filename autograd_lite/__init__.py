"""autograd_lite: reverse-mode automatic differentiation on numpy, for scalars and tensors alike.

The whole public API is re-exported here: ``import autograd_lite as ag``.
"""

from __future__ import annotations

# tensor first: it defines Tensor, then imports engine and ops, which build on it
from .tensor import Tensor  # isort: skip
from .engine import (
    Primitive,
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    no_grad,
    primitive,
    record_branches,
    scope,
    set_grad_enabled,
    sum_to_shape,
    toposort,
)
from .ops import (
    PRIMITIVES,
    add,
    astype,
    broadcast_to,
    concatenate as _concatenate,
    exp,
    getitem,
    log,
    matmul,
    max,
    maximum,
    mul,
    neg,
    pow,
    relu,
    sigmoid,
    stack as _stack,
    sum,
    tanh,
    where,
)
from .tensor import (
    abs,
    arange,
    as_tensor,
    clip,
    div,
    log_softmax,
    logsumexp,
    mean,
    min,
    minimum,
    ones,
    rand,
    randn,
    reshape,
    softmax,
    sqrt,
    sub,
    swapaxes,
    transpose,
    var,
    zeros,
)

__version__ = "0.1.0"

# numpy's names for the same operations
subtract, multiply, divide, negative, power = sub, mul, div, neg, pow
tensor = Tensor


def concatenate(tensors, axis: int = 0) -> Tensor:
    """Join a sequence of tensors along an existing axis (like numpy.concatenate)."""
    return _concatenate(*tensors, axis=axis)


def stack(tensors, axis: int = 0) -> Tensor:
    """Join a sequence of same-shaped tensors along a new axis (like numpy.stack)."""
    return _stack(*tensors, axis=axis)


# --- gradient checking and functional derivatives (gradcheck.py, functional.py)
# --- /gradient checking

# --- graphs, explanations, command line (viz.py)
# --- /graphs

# --- models: nn, losses, optimizers, data
# --- /models
