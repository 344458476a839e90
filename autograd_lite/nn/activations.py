"""The lecture's activation functions, as functions and as modules.

sigmoid, tanh, ReLU max(0, x), Leaky ReLU (x if x > 0 else slope x), PReLU (the same with a
learned slope), ELU (x if x > 0 else alpha (e^x - 1)), Maxout (max over k affine pieces), plus
softplus log(1 + e^x).  All are composed from the engine's primitives; the branch is chosen
with ``where(x > 0, ...)``, so at x = 0 the gradient is the one of the left piece, as in
PyTorch (relu'(0) = 0, leaky_relu'(0) = slope).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops
from ..arguments import generator
from ..tensor import Tensor, as_tensor, logsumexp
from . import init as _init
from .module import Module, Parameter

__all__ = [
    "relu", "leaky_relu", "prelu", "elu", "sigmoid", "tanh", "softplus", "maxout",
    "ReLU", "LeakyReLU", "PReLU", "ELU", "Sigmoid", "Tanh", "Softplus", "Maxout", "ACTIVATIONS",
]  # fmt: skip


# ------------------------------------------------------------------------------ functions
def relu(x: Any) -> Tensor:
    """max(0, x)"""
    return ops.relu(x)


def sigmoid(x: Any) -> Tensor:
    """1 / (1 + e^-x)"""
    return ops.sigmoid(x)


def tanh(x: Any) -> Tensor:
    return ops.tanh(x)


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Tensor:
    """x if x > 0 else negative_slope * x (PyTorch's default slope 0.01; the lecture uses 0.1)."""
    x = as_tensor(x)
    return ops.where(x.data > 0, x, x * negative_slope)


def prelu(x: Any, weight: Any) -> Tensor:
    """x if x > 0 else a * x with a learned ``weight`` (a scalar, or one per feature on the last axis)."""
    x = as_tensor(x)
    return ops.where(x.data > 0, x, x * weight)


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """x if x > 0 else alpha * (e^x - 1); e^x is taken of min(x, 0) so it never overflows."""
    x = as_tensor(x)
    pos = x.data > 0
    return ops.where(pos, x, (ops.exp(ops.where(pos, 0.0, x)) - 1.0) * alpha)


def softplus(x: Any) -> Tensor:
    """log(1 + e^x) = logsumexp(0, x): stable for large |x|, gradient exactly sigmoid(x)."""
    x = as_tensor(x)
    return logsumexp(ops.stack(np.zeros_like(x.data), x, axis=0), axis=0)


def maxout(*pieces: Any) -> Tensor:
    """Elementwise max over the pieces (the lecture's max(w1 x + b1, w2 x + b2)); ties share."""
    if not pieces:
        raise ValueError("maxout: needs at least one piece")
    if len(pieces) == 1:
        return as_tensor(pieces[0])
    return ops.max(ops.stack(*pieces, axis=0), axis=0)


# ------------------------------------------------------------------------------ modules
class ReLU(Module):
    def forward(self, x: Any) -> Tensor:
        return ops.relu(x)


class Sigmoid(Module):
    def forward(self, x: Any) -> Tensor:
        return ops.sigmoid(x)


class Tanh(Module):
    def forward(self, x: Any) -> Tensor:
        return ops.tanh(x)


class Softplus(Module):
    def forward(self, x: Any) -> Tensor:
        return softplus(x)


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01) -> None:
        self.negative_slope = float(negative_slope)

    def forward(self, x: Any) -> Tensor:
        return leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = float(alpha)

    def forward(self, x: Any) -> Tensor:
        return elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class PReLU(Module):
    """Leaky ReLU whose slope ``weight`` is learned: one shared slope, or ``num_parameters``
    slopes (one per feature of the last axis); initial value 0.25 as in PyTorch."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, dtype: Any = np.float64) -> None:
        if int(num_parameters) < 1:
            raise ValueError(f"PReLU: num_parameters must be >= 1, got {num_parameters}")
        shape = () if num_parameters == 1 else (int(num_parameters),)
        self.weight = Parameter(np.full(shape, init, dtype=dtype))

    def forward(self, x: Any) -> Tensor:
        x = as_tensor(x)
        if self.weight.ndim and (x.ndim == 0 or x.shape[-1] != self.weight.shape[0]):
            raise ValueError(
                f"PReLU: input of shape {x.shape} has {x.shape[-1] if x.ndim else 0} features on its "
                f"last axis, the layer has {self.weight.shape[0]} slopes"
            )
        return prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.weight.size}"


class Maxout(Module):
    """max over k affine maps of the input: ``max_i (x @ W_i + b_i)``; ``weight`` has shape
    (k, in_features, out_features), ``bias`` (k, out_features)."""

    def __init__(
        self, in_features: int, out_features: int, pieces: int = 2, init: Any = "xavier",
        rng: Any = None, dtype: Any = np.float64,
    ) -> None:  # fmt: skip
        if pieces < 1 or in_features < 1 or out_features < 1:
            raise ValueError(f"Maxout: sizes must be positive, got {in_features}, {out_features}, pieces={pieces}")
        rng = generator(rng)
        self.in_features, self.out_features, self.pieces = int(in_features), int(out_features), int(pieces)
        self.weight = Parameter(_init.get(init)((pieces, in_features, out_features), rng=rng, dtype=dtype))
        self.bias = Parameter(np.zeros((pieces, out_features), dtype))

    def forward(self, x: Any) -> Tensor:
        x = as_tensor(x)
        if x.ndim != 2 or x.shape[-1] != self.in_features:
            raise ValueError(f"Maxout: expected input of shape (N, {self.in_features}), got {x.shape}")
        z = ops.matmul(x, self.weight) + self.bias.reshape(self.pieces, 1, self.out_features)
        return ops.max(z, axis=0)

    def extra_repr(self) -> str:
        return f"{self.in_features}, {self.out_features}, pieces={self.pieces}"


ACTIVATIONS: dict[str, type[Module]] = {
    "relu": ReLU, "leaky_relu": LeakyReLU, "prelu": PReLU, "elu": ELU,
    "sigmoid": Sigmoid, "tanh": Tanh, "softplus": Softplus,
}  # fmt: skip
