"""The argument helpers the package shares: the data behind a Tensor, a generator from a seed,
(name, tensor) pairs from the many ways of passing parameters, and checks of counts and sizes.

Each check raises a ValueError naming the caller (``who``) and the argument at fault.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .tensor import Tensor

__all__ = ["data_of", "generator", "named_tensors", "check_positive_int", "check_non_negative"]


def data_of(x: Any) -> Any:
    """The data of a Tensor (its ndarray or numpy scalar); anything else as it is."""
    return x.data if isinstance(x, Tensor) else x


def generator(seed: Any) -> np.random.Generator:
    """A numpy Generator: ``seed`` itself when it is one, else ``np.random.default_rng(seed)``."""
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def named_tensors(params: Any, who: str, unnamed: str = "param{}") -> list[tuple[str, Any]]:
    """(name, item) pairs from Tensors, (name, Tensor) pairs, a dict, or a Module (its
    ``named_parameters()``); an unnamed item is called by its tensor's name or ``unnamed.format(i)``.
    Items that are not Tensors are the caller's to refuse (with its own words)."""
    if hasattr(params, "named_parameters") and callable(params.named_parameters):
        params = params.named_parameters()
    elif isinstance(params, dict):
        params = list(params.items())
    elif isinstance(params, Tensor):
        params = [params]
    if not isinstance(params, Iterable):
        raise TypeError(f"{who}: params must be an iterable of tensors, got {type(params).__name__}")
    out = []
    for i, p in enumerate(params):
        name = None
        if isinstance(p, tuple) and len(p) == 2:
            name, p = p
        default = p.name if isinstance(p, Tensor) else None
        out.append((str(name) if name is not None else default or unnamed.format(i), p))
    return out


def check_positive_int(who: str, **values: Any) -> None:
    """Every value a positive integer (bools refused): ``who: k must be a positive integer, got v``."""
    for k, v in values.items():
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{who}: {k} must be a positive integer, got {v!r}")


def check_non_negative(who: str, **values: float) -> None:
    """Every value >= 0 (NaN refused): ``who: k must be >= 0, got v``."""
    for k, v in values.items():
        if not v >= 0:
            raise ValueError(f"{who}: {k} must be >= 0, got {v}")
