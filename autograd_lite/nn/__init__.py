"""autograd_lite.nn: models as expressions -- Module/Parameter, layers, activations, init.

``import autograd_lite as ag``; then ``ag.nn.MLP([2, 100, 3])``, ``ag.nn.Linear(...)``, ...
"""

from __future__ import annotations

from . import init
from .activations import (
    ACTIVATIONS,
    ELU,
    LeakyReLU,
    Maxout,
    PReLU,
    ReLU,
    Sigmoid,
    Softplus,
    Tanh,
    elu,
    leaky_relu,
    maxout,
    prelu,
    relu,
    sigmoid,
    softplus,
    tanh,
)
from .conv import AvgPool2d, Conv2d, MaxPool2d, avg_pool2d, conv2d, max_pool2d
from .layers import (
    MLP,
    BatchNorm1d,
    Dropout,
    Embedding,
    Flatten,
    Identity,
    LayerNorm,
    Linear,
    Sequential,
    embedding,
    layer_norm,
)
from .module import Module, Parameter

__all__ = [
    "init", "Module", "Parameter", "Linear", "Sequential", "MLP", "BatchNorm1d", "Dropout", "Identity",
    "ReLU", "LeakyReLU", "PReLU", "ELU", "Sigmoid", "Tanh", "Softplus", "Maxout", "ACTIVATIONS",
    "relu", "leaky_relu", "prelu", "elu", "sigmoid", "tanh", "softplus", "maxout",
    "Conv2d", "MaxPool2d", "AvgPool2d", "Flatten", "LayerNorm", "Embedding",
    "conv2d", "max_pool2d", "avg_pool2d", "layer_norm", "embedding",
]  # fmt: skip
