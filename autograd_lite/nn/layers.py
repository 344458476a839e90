"""Layers: Linear, Sequential, MLP, BatchNorm1d, Dropout, Flatten, LayerNorm and Embedding.

Layout is the course's: a batch ``x`` of shape (N, in_features) times a weight of shape
(in_features, out_features), plus a bias -- ``x @ W + b``, so a drawing of a layer reads like
the lecture's formula.  (PyTorch stores the transpose; the names and options are PyTorch's.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import ops
from ..arguments import data_of, generator
from ..tensor import Tensor, as_tensor, reshape
from . import init as _init
from .activations import ACTIVATIONS
from .module import Module, Parameter

__all__ = [
    "Linear", "Sequential", "MLP", "BatchNorm1d", "Dropout", "Identity", "Flatten", "LayerNorm", "Embedding",
    "layer_norm", "embedding",
]  # fmt: skip


class Identity(Module):
    def forward(self, x: Any) -> Any:
        return x


class Linear(Module):
    """``x @ weight + bias``; weight (in_features, out_features), bias (out_features,) or none.

    ``init``: a name from ``nn.init`` ('xavier' -- Glorot normal --, 'xavier_uniform', 'he',
    'kaiming_uniform', 'small') or a function ``(shape, rng=, dtype=) -> array``.  The bias
    starts at zero.  ``rng``: a numpy Generator or a seed.
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, init: Any = "xavier",
        rng: Any = None, dtype: Any = np.float64,
    ) -> None:  # fmt: skip
        if int(in_features) < 1 or int(out_features) < 1:
            raise ValueError(f"Linear: sizes must be positive, got {in_features} and {out_features}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        shape = (self.in_features, self.out_features)
        self.weight = Parameter(_init.get(init)(shape, rng=generator(rng), dtype=dtype))
        self.bias = Parameter(np.zeros(self.out_features, dtype)) if bias else None

    def forward(self, x: Any) -> Tensor:
        shape = np.shape(data_of(x))
        if len(shape) == 0 or shape[-1] != self.in_features:
            raise ValueError(
                f"Linear({self.in_features}, {self.out_features}): input of shape {shape} needs "
                f"{self.in_features} features on its last axis"
            )
        out = ops.matmul(x, self.weight)
        return out if self.bias is None else out + self.bias

    def extra_repr(self) -> str:
        return f"{self.in_features}, {self.out_features}, bias={self.bias is not None}"


class Sequential(Module):
    """Modules (or plain functions) applied in order; parameters are named ``0.weight``, ``1.bias``, ..."""

    def __init__(self, *layers: Any) -> None:
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        for i, m in enumerate(layers):
            if not callable(m):
                raise TypeError(f"Sequential: item {i} ({type(m).__name__}) is not a module or function")
        self.layers = list(layers)

    def _children(self) -> Any:
        for i, m in enumerate(self.layers):
            if isinstance(m, Module):
                yield str(i), m

    def forward(self, x: Any) -> Any:
        for m in self.layers:
            x = m(x)
        return x

    def __getitem__(self, i: int) -> Any:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def append(self, layer: Any) -> Sequential:
        self.layers.append(layer)
        self._named = False
        return self


def _activation(activation: Any) -> Module:
    if isinstance(activation, Module):
        return activation
    if isinstance(activation, type) and issubclass(activation, Module):
        return activation()
    if isinstance(activation, str) and activation in ACTIVATIONS:
        return ACTIVATIONS[activation]()
    raise ValueError(f"MLP: unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)} or pass a Module")


class MLP(Sequential):
    """Fully connected network: ``MLP([2, 100, 3])`` is Linear(2, 100), ReLU, Linear(100, 3).

    ``activation``: a name ('relu', 'leaky_relu', 'prelu', 'elu', 'tanh', 'sigmoid'), a Module
    class, or a Module instance to share.  ``init`` defaults to He for the ReLU family and to
    Xavier otherwise.  ``batchnorm=True`` puts a BatchNorm1d before each activation and
    ``dropout=p`` a Dropout after it.  The last layer has no activation (it gives scores).
    """

    def __init__(
        self, sizes: Sequence[int], activation: Any = "relu", init: Any = None, batchnorm: bool = False,
        dropout: float = 0.0, rng: Any = None, dtype: Any = np.float64,
    ) -> None:  # fmt: skip
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2:
            raise ValueError(f"MLP: sizes needs at least an input and an output size, got {sizes}")
        if init is None:
            relu_like = type(_activation(activation)).__name__ in ("ReLU", "LeakyReLU", "PReLU", "ELU")
            init = "he" if relu_like else "xavier"
        rng = generator(rng)
        layers: list[Module] = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            layers.append(Linear(a, b, init=init, rng=rng, dtype=dtype))
            if i < len(sizes) - 2:
                if batchnorm:
                    layers.append(BatchNorm1d(b, dtype=dtype))
                layers.append(_activation(activation) if not isinstance(activation, Module) else activation)
                if dropout:
                    layers.append(Dropout(dropout, rng=rng))
        super().__init__(*layers)
        self.sizes = sizes


class BatchNorm1d(Module):
    """Batch normalization per feature over the minibatch, as in the lecture.

    Training: mu = mean(x), var = mean((x - mu)^2) over the batch axis, x_hat = (x - mu) /
    sqrt(var + eps), y = gamma x_hat + beta; the running averages are updated as
    ``running = (1 - momentum) running + momentum batch_stat`` (PyTorch's convention, with the
    unbiased variance n/(n-1) var for ``running_var``).  Evaluation: x_hat uses the running
    averages.  Input (N, num_features).
    """

    _buffer_names = ("running_mean", "running_var")

    def __init__(
        self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = True,
        dtype: Any = np.float64,
    ) -> None:  # fmt: skip
        if int(num_features) < 1:
            raise ValueError(f"BatchNorm1d: num_features must be positive, got {num_features}")
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"BatchNorm1d: momentum must be in [0, 1], got {momentum}")
        self.num_features, self.eps, self.momentum = int(num_features), float(eps), float(momentum)
        self.weight = Parameter(np.ones(self.num_features, dtype)) if affine else None  # gamma
        self.bias = Parameter(np.zeros(self.num_features, dtype)) if affine else None  # beta
        self.running_mean = np.zeros(self.num_features, dtype)
        self.running_var = np.ones(self.num_features, dtype)

    def forward(self, x: Any) -> Tensor:
        x = as_tensor(x)
        if x.ndim != 2 or x.shape[1] != self.num_features:
            raise ValueError(
                f"BatchNorm1d({self.num_features}): expected input of shape (N, {self.num_features}), got {x.shape}"
            )
        if self.training:
            n = x.shape[0]
            if n < 2:
                raise ValueError("BatchNorm1d: training needs a batch of at least 2 examples to estimate a variance")
            mu = x.mean(axis=0)
            centred = x - mu
            var = (centred * centred).mean(axis=0)
            m = self.momentum
            self.running_mean = (1 - m) * self.running_mean + m * mu.data
            self.running_var = (1 - m) * self.running_var + m * var.data * (n / (n - 1))
            x_hat = centred * ops.pow(var + self.eps, -0.5)
        else:
            x_hat = (x - self.running_mean) * (1.0 / np.sqrt(self.running_var + self.eps))
        if self.weight is not None:
            x_hat = x_hat * self.weight + self.bias
        return x_hat

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


class Dropout(Module):
    """Inverted dropout: in training each activation is zeroed with probability ``p`` and the
    survivors are scaled by 1 / (1 - p), so evaluation (where it does nothing) needs no change.

    ``rng``: a numpy Generator or a seed for this layer's masks; by default the masks come from
    numpy's global generator, so ``np.random.seed`` -- and ``gradcheck``, which re-seeds it
    before every evaluation -- make them repeatable.
    """

    def __init__(self, p: float = 0.5, rng: Any = None) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p}")
        self.p = float(p)
        self._rng = None if rng is None else generator(rng)

    def forward(self, x: Any) -> Any:
        if not self.training or self.p == 0.0:
            return x
        x = as_tensor(x)
        if self.p == 1.0:
            return x * np.zeros(x.shape, x.dtype)
        keep = (self._rng.random(x.shape) if self._rng is not None else np.random.random(x.shape)) >= self.p
        return x * (keep / (1.0 - self.p)).astype(x.dtype)

    def extra_repr(self) -> str:
        return f"p={self.p}"


# ----------------------------------------------------------------------------- Flatten, LayerNorm, Embedding
class Flatten(Module):
    """Axes ``start_dim`` .. ``end_dim`` merged into one (a reshape): (N, C, H, W) -> (N, C H W)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)

    def forward(self, x: Any) -> Tensor:
        x = as_tensor(x)
        if x.ndim == 0:
            return reshape(x, (1,))
        start, end = (_axis_in("Flatten", a, x.shape) for a in (self.start_dim, self.end_dim))
        if start > end:
            raise ValueError(f"Flatten: start_dim {self.start_dim} is after end_dim {self.end_dim} (shape {x.shape})")
        return reshape(x, x.shape[:start] + (math.prod(x.shape[start : end + 1]),) + x.shape[end + 1 :])

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


def _axis_in(name: str, axis: int, shape: tuple[int, ...]) -> int:
    if not -len(shape) <= axis < len(shape):
        raise ValueError(f"{name}: dimension {axis} is out of range for input of shape {shape}")
    return axis % len(shape)


def layer_norm(x: Any, normalized_shape: Any, weight: Any = None, bias: Any = None, eps: float = 1e-5) -> Tensor:
    """(x - mean) / sqrt(var + eps) over the last ``len(normalized_shape)`` axes (biased variance,
    as PyTorch), then ``* weight + bias`` when given."""
    x = as_tensor(x)
    norm = (int(normalized_shape),) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
    if not norm or x.shape[x.ndim - len(norm) :] != norm or x.ndim < len(norm):
        raise ValueError(f"layer_norm: input of shape {x.shape} does not end in normalized_shape {norm}")
    axes = tuple(range(x.ndim - len(norm), x.ndim))
    centred = x - x.mean(axis=axes, keepdims=True)
    x_hat = centred * ops.pow((centred * centred).mean(axis=axes, keepdims=True) + eps, -0.5)
    if weight is not None:
        x_hat = x_hat * weight
    return x_hat if bias is None else x_hat + bias


class LayerNorm(Module):
    """Normalise each example over its last axes (``normalized_shape``); learned ``weight``
    (ones) and ``bias`` (zeros) of that shape unless ``elementwise_affine=False``.  Unlike
    BatchNorm it has no running statistics and acts the same in training and evaluation."""

    def __init__(
        self, normalized_shape: Any, eps: float = 1e-5, elementwise_affine: bool = True, dtype: Any = np.float64
    ) -> None:
        norm = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
        if not norm or any(int(s) < 1 for s in norm):
            raise ValueError(f"LayerNorm: normalized_shape must be positive sizes, got {normalized_shape!r}")
        self.normalized_shape, self.eps = tuple(int(s) for s in norm), float(eps)
        self.weight = Parameter(np.ones(self.normalized_shape, dtype)) if elementwise_affine else None
        self.bias = Parameter(np.zeros(self.normalized_shape, dtype)) if elementwise_affine else None

    def forward(self, x: Any) -> Tensor:
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.weight is not None}"


def embedding(indices: Any, weight: Any) -> Tensor:
    """Rows of ``weight`` picked by integer ``indices`` (any shape): weight[indices]; a row used
    several times gets the sum of its gradients."""
    weight = as_tensor(weight)
    idx = np.asarray(data_of(indices))
    if not np.issubdtype(idx.dtype, np.integer):
        raise TypeError(f"embedding: indices must be integers, got dtype {idx.dtype} (shape {idx.shape})")
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = int(idx.max() if idx.max() >= n else idx.min())
        raise IndexError(f"embedding: index {bad} is out of range for {n} embeddings (weight shape {weight.shape})")
    return ops.getitem(weight, index=idx)


class Embedding(Module):
    """A lookup table of ``num_embeddings`` vectors of size ``embedding_dim``; input: integer
    indices of any shape, output: that shape + (embedding_dim,).  Initialised N(0, 1), as PyTorch."""

    def __init__(self, num_embeddings: int, embedding_dim: int, rng: Any = None, dtype: Any = np.float64) -> None:
        if int(num_embeddings) < 1 or int(embedding_dim) < 1:
            raise ValueError(f"Embedding: sizes must be positive, got {num_embeddings} and {embedding_dim}")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        shape = (self.num_embeddings, self.embedding_dim)
        self.weight = Parameter(generator(rng).standard_normal(shape).astype(dtype))

    def forward(self, indices: Any) -> Tensor:
        return embedding(indices, self.weight)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"
