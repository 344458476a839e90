"""Specs of the activation functions (``ag.nn``) and the losses (``ag.losses``).

They are composites of the primitive table, so the spec tests check each one as a whole: forward
against the formula written in numpy here, gradients and second derivatives against central
differences, float32 in and out.  Labels and targets are fixed constants of the spec.
"""

from __future__ import annotations

import numpy as np

from autograd_lite import losses, nn

from . import strategies as S
from .opspec import Spec

Y = np.array([0, 2, 1, 2])  # labels for (4, 3) scores
T = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.5]])  # binary targets (soft ones allowed)
MARGIN = 0.45  # score differences from S.distinct are 0.3 k +- 0.1: never within 0.05 of -MARGIN


def probabilities(rng: np.random.Generator, shape: S.Shape) -> np.ndarray:
    """Inside (0.1, 0.9): binary cross-entropy's domain, away from its log(0) clamp."""
    return rng.uniform(0.1, 0.9, shape)


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def _log_softmax(s: np.ndarray) -> np.ndarray:
    m = s.max(axis=1, keepdims=True)
    return s - m - np.log(np.exp(s - m).sum(axis=1, keepdims=True))


def _hinge(s: np.ndarray) -> np.ndarray:
    rows = np.arange(len(s))
    terms = np.maximum(0.0, s - s[rows, Y][:, None] + MARGIN)
    terms[rows, Y] = 0.0
    return terms.sum(axis=1).mean()


ACTIVATIONS = ("relu", "sigmoid", "tanh", "leaky_relu", "prelu", "elu", "softplus", "maxout")
LOSSES = (
    "hinge_loss", "svm_loss", "cross_entropy", "softmax_loss", "nll_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "mse_loss", "l1_penalty", "l2_penalty", "elastic_net_penalty",
)  # fmt: skip
COMPOSITES = tuple(f"nn.{n}" for n in ACTIVATIONS) + tuple(f"losses.{n}" for n in LOSSES)

SPECS: list[Spec] = [
    # ------------------------------------------------------------------ activations
    Spec("nn.relu", nn.relu, lambda x: np.maximum(x, 0.0), ((3, 4),), S.away_from_zero),
    Spec("nn.sigmoid", nn.sigmoid, lambda x: 1.0 / (1.0 + np.exp(-x)), ((3, 4),)),
    Spec("nn.tanh", nn.tanh, np.tanh, ((3, 4),)),
    Spec(
        "nn.leaky_relu",
        lambda x: nn.leaky_relu(x, 0.1),
        lambda x: np.where(x > 0, x, 0.1 * x),
        ((3, 4),),
        S.away_from_zero,
    ),
    Spec(
        "nn.prelu",
        nn.prelu,
        lambda x, a: np.where(x > 0, x, x * a),
        ((3, 4), (4,)),
        (S.away_from_zero, S.normal),
    ),
    Spec("nn.elu", nn.elu, lambda x: np.where(x > 0, x, np.exp(np.minimum(x, 0.0)) - 1.0), ((3, 4),), S.away_from_zero),
    Spec("nn.softplus", nn.softplus, _softplus, ((3, 4),)),
    Spec("nn.maxout", nn.maxout, np.maximum, ((2, 3), (2, 3)), (S.lattice_low, S.lattice_high)),
    # ------------------------------------------------------------------ losses
    Spec("losses.hinge_loss", lambda s: losses.hinge_loss(s, Y, margin=MARGIN), _hinge, ((4, 3),), S.distinct),
    Spec("losses.svm_loss", lambda s: losses.svm_loss(s, Y, margin=MARGIN), _hinge, ((4, 3),), S.distinct),
    Spec(
        "losses.cross_entropy",
        lambda s: losses.cross_entropy(s, Y),
        lambda s: -_log_softmax(s)[np.arange(4), Y].mean(),
        ((4, 3),),
    ),
    Spec(
        "losses.softmax_loss",
        lambda s: losses.softmax_loss(s, Y),
        lambda s: -_log_softmax(s)[np.arange(4), Y].mean(),
        ((4, 3),),
    ),
    Spec("losses.nll_loss", lambda lp: losses.nll_loss(lp, Y), lambda lp: -lp[np.arange(4), Y].mean(), ((4, 3),)),
    Spec(
        "losses.binary_cross_entropy",
        lambda p: losses.binary_cross_entropy(p, T),
        lambda p: -(T * np.log(p) + (1 - T) * np.log(1 - p)).mean(),
        ((2, 3),),
        probabilities,
    ),
    Spec(
        "losses.binary_cross_entropy_with_logits",
        lambda s: losses.binary_cross_entropy_with_logits(s, T),
        lambda s: (T * _softplus(-s) + (1 - T) * _softplus(s)).mean(),
        ((2, 3),),
    ),
    Spec("losses.mse_loss", lambda x: losses.mse_loss(x, T), lambda x: ((x - T) ** 2).mean(), ((2, 3),)),
    Spec(
        "losses.l1_penalty",
        lambda a, b: losses.l1_penalty([a, b]),
        lambda a, b: np.abs(a).sum() + np.abs(b).sum(),
        ((2, 3), (3,)),
        S.away_from_zero,
    ),
    Spec(
        "losses.l2_penalty",
        lambda a, b: losses.l2_penalty([a, b]),
        lambda a, b: (a * a).sum() + (b * b).sum(),
        ((2, 3), (3,)),
    ),
    Spec(
        "losses.elastic_net_penalty",
        lambda a: losses.elastic_net_penalty([a], beta=0.5),
        lambda a: (0.5 * a * a + np.abs(a)).sum(),
        ((2, 3),),
        S.away_from_zero,
    ),
]
