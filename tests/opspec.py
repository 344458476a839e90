"""The op-spec record: one ``Spec`` per operation drives every test in ``test_ops_spec.py``.

A spec names the operation, how to call it on Tensors, a numpy reference forward, the input
shapes, and a sampler that keeps the inputs in the domain and away from kinks and ties.  The
specs themselves live in one file per family of the primitive table (``specs_core.py``,
``specs_elementwise.py``, ``specs_reductions.py``, ``specs_linalg.py``, ``specs_shape.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

import autograd_lite as ag

from . import strategies as S

Sampler = S.Sampler


@dataclass(frozen=True)
class Spec:
    """One operation under test; ``fn`` takes Tensors, ``ref`` the same values as ndarrays."""

    name: str  # primitive or composite name
    fn: Callable[..., ag.Tensor]
    ref: Callable[..., np.ndarray]
    shapes: tuple[S.Shape, ...]
    domain: Sampler | Sequence[Sampler] = S.normal  # one for all inputs, or one per input
    label: str = ""
    broadcasts: bool = False  # elementwise over broadcast inputs: hypothesis shapes too
    tol: dict = field(default_factory=dict)  # rtol/atol for gradient comparisons

    @property
    def id(self) -> str:
        return f"{self.name}-{self.label}" if self.label else self.name

    def sample(self, rng: np.random.Generator, shapes: Sequence[S.Shape] | None = None) -> list[np.ndarray]:
        shapes = self.shapes if shapes is None else shapes
        domains = self.domain if isinstance(self.domain, Sequence) else [self.domain] * len(shapes)
        return [np.asarray(d(rng, s), dtype=np.float64) for d, s in zip(domains, shapes, strict=True)]


def _scatter_ref(g: np.ndarray, shape: S.Shape, index) -> np.ndarray:
    out = np.zeros(shape)
    np.add.at(out, index, g)
    return out


def _np_logsumexp(x: np.ndarray, axis=None, keepdims: bool = False) -> np.ndarray:
    m = np.max(x, axis=axis, keepdims=True)
    s = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return s if keepdims else np.squeeze(s, axis=axis)


def _np_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _np_sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))
