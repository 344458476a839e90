"""Weight initialization: small random, Xavier/Glorot (normal, uniform), He/Kaiming (normal, uniform).

Each function returns a new numpy array of ``shape`` and ``dtype`` drawn from ``rng`` (a numpy
Generator or a seed, so runs repeat).  Layout is the course's ``x @ W``: a weight of shape
``(fan_in, fan_out)``; for more axes the last two are (fan_in, fan_out) (Maxout's pieces share
them), a 1-d shape has fan_in = fan_out = its length.

* ``small_random``: 0.01 * randn -- fine for shallow nets only (activations shrink layer by layer).
* ``xavier_normal`` / ``xavier_uniform``: Glorot & Bengio, variance 2 / (fan_in + fan_out) (as
  PyTorch); ``mode="fan_in"`` gives the lecture's ``randn(fan_in, fan_out) / sqrt(fan_in)``.
* ``kaiming_normal`` / ``kaiming_uniform``: He et al. for ReLU, variance 2 / fan_in (the
  lecture's "He adds a factor 2").

Nothing here changes a tensor in place, so nothing here bumps a version: to re-initialize a
parameter, assign ``p.data = init(p.shape)`` -- a checked assignment that counts as an in-place
change (graphs recorded before it refuse to backpropagate).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..arguments import generator

__all__ = [
    "fans", "small_random", "xavier_normal", "xavier_uniform", "kaiming_normal", "kaiming_uniform",
    "zeros", "get",
]  # fmt: skip


def _shape(shape: Any) -> tuple[int, ...]:
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    if not shape or any(s <= 0 for s in shape):
        raise ValueError(f"init: needs a non-empty shape of positive sizes, got {shape}")
    return shape


def fans(shape: Any) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of this shape in the ``x @ W`` layout."""
    shape = _shape(shape)
    if len(shape) == 1:
        return shape[0], shape[0]
    return shape[-2], shape[-1]


def _fan(shape: tuple[int, ...], mode: str, fn: str) -> float:
    fan_in, fan_out = fans(shape)
    if mode == "fan_in":
        return fan_in
    if mode == "fan_out":
        return fan_out
    if mode == "fan_avg":
        return (fan_in + fan_out) / 2
    raise ValueError(f"{fn}: mode must be 'fan_in', 'fan_out' or 'fan_avg', got {mode!r}")


def _normal(shape: tuple[int, ...], std: float, rng: Any, dtype: Any) -> np.ndarray:
    return (std * generator(rng).standard_normal(shape)).astype(dtype, copy=False)


def _uniform(shape: tuple[int, ...], bound: float, rng: Any, dtype: Any) -> np.ndarray:
    return generator(rng).uniform(-bound, bound, shape).astype(dtype, copy=False)


def zeros(shape: Any, rng: Any = None, dtype: Any = np.float64) -> np.ndarray:
    return np.zeros(_shape(shape), dtype)


def small_random(shape: Any, rng: Any = None, dtype: Any = np.float64, scale: float = 0.01) -> np.ndarray:
    """scale * randn(shape), the lecture's first try (0.01)."""
    return _normal(_shape(shape), scale, rng, dtype)


def xavier_normal(
    shape: Any, rng: Any = None, dtype: Any = np.float64, gain: float = 1.0, mode: str = "fan_avg"
) -> np.ndarray:
    """Normal with std = gain / sqrt(fan), fan = (fan_in + fan_out) / 2 by default."""
    shape = _shape(shape)
    return _normal(shape, gain / math.sqrt(_fan(shape, mode, "xavier_normal")), rng, dtype)


def xavier_uniform(
    shape: Any, rng: Any = None, dtype: Any = np.float64, gain: float = 1.0, mode: str = "fan_avg"
) -> np.ndarray:
    """Uniform on [-a, a], a = gain * sqrt(3 / fan): the same variance as ``xavier_normal``."""
    shape = _shape(shape)
    return _uniform(shape, gain * math.sqrt(3.0 / _fan(shape, mode, "xavier_uniform")), rng, dtype)


def kaiming_normal(shape: Any, rng: Any = None, dtype: Any = np.float64, mode: str = "fan_in") -> np.ndarray:
    """Normal with std = sqrt(2 / fan_in) (He et al., for ReLU)."""
    shape = _shape(shape)
    return _normal(shape, math.sqrt(2.0 / _fan(shape, mode, "kaiming_normal")), rng, dtype)


def kaiming_uniform(shape: Any, rng: Any = None, dtype: Any = np.float64, mode: str = "fan_in") -> np.ndarray:
    """Uniform on [-a, a], a = sqrt(6 / fan_in): the same variance as ``kaiming_normal``."""
    shape = _shape(shape)
    return _uniform(shape, math.sqrt(6.0 / _fan(shape, mode, "kaiming_uniform")), rng, dtype)


_BY_NAME = {
    "small": small_random,
    "small_random": small_random,
    "xavier": xavier_normal,
    "xavier_normal": xavier_normal,
    "glorot": xavier_normal,
    "xavier_uniform": xavier_uniform,
    "he": kaiming_normal,
    "kaiming": kaiming_normal,
    "kaiming_normal": kaiming_normal,
    "kaiming_uniform": kaiming_uniform,
    "zeros": zeros,
}


def get(init: Any) -> Any:
    """An init function from its name ('xavier', 'he', 'small', ...) or the function itself."""
    if callable(init):
        return init
    try:
        return _BY_NAME[init]
    except (KeyError, TypeError):
        raise ValueError(f"init: unknown initialization {init!r}; choose one of {sorted(_BY_NAME)}") from None
