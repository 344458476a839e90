"""autograd_lite: reverse-mode automatic differentiation on numpy, for scalars and tensors alike.

The whole public API is re-exported here: ``import autograd_lite as ag``.
"""

from __future__ import annotations

# tensor first: it defines Tensor, then imports engine and ops, which build on it
from .tensor import Tensor

# isort: split
from . import data, ensemble, linalg, losses, monitor, nn, optim, plot, train, tune
from .checkreport import GradcheckEntry, GradcheckError, GradcheckReport, GradcheckWarning
from .engine import (
    Primitive,
    bump_version,
    detect_anomaly,
    enable_grad,
    gradients,
    is_grad_enabled,
    no_grad,
    primitive,
    record_branches,
    scope,
    set_grad_enabled,
    sum_to_shape,
    toposort,
)
from .explain import Explanation, explain
from .functional import grad, hessian, hvp, jacobian, jvp, value_and_grad, vjp
from .gradcheck import gradcheck, numerical_grad, numerical_jacobian
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    l1_penalty,
    l2_penalty,
    mse_loss,
    nll_loss,
)
from .nn import Module, Parameter
from .opcheck import GraphCheckReport, check_graph
from .ops import (
    PRIMITIVES,
    add,
    astype,
    broadcast_to,
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
    sum,
    tanh,
    where,
)
from .ops.elementwise import *
from .ops.linalg import *
from .ops.reductions import *
from .ops.shape import *
from .render import RendererNotFound, find_renderer
from .tensor import (
    abs,
    arange,
    array,
    as_tensor,
    clip,
    concatenate,
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
    stack,
    sub,
    swapaxes,
    transpose,
    var,
    zeros,
)
from .viz import Graph, draw_graph, format_graph, grad_health, save_graph, to_dot

__version__ = "0.2.0"

# numpy's names for the same operations
subtract, multiply, divide, negative, power = sub, mul, div, neg, pow
