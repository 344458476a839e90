"""Losses and regularization penalties, as in the lecture, with PyTorch's names and options.

* ``hinge_loss`` (alias ``svm_loss``): multiclass SVM, L_i = sum_{j != y_i} max(0, s_j - s_{y_i}
  + margin), optionally squared.  (PyTorch's ``multi_margin_loss`` also divides by C; this is
  the lecture's form.)
* ``cross_entropy`` (softmax loss, from logits, stable through logsumexp), ``nll_loss`` (from
  log-probabilities), ``binary_cross_entropy`` (from probabilities; log clamped at -100 like
  PyTorch), ``binary_cross_entropy_with_logits`` (stable), ``mse_loss``.
* ``reduction``: 'mean' (default), 'sum' or 'none'; ``weight``: per-class weights (cross_entropy
  and nll: the weighted mean divides by the sum of the targets' weights; hinge: by N -- both as
  PyTorch) or per-element weights (binary losses).
* ``l1_penalty``, ``l2_penalty``, ``elastic_net_penalty``: R(W) over a list of parameters, so the
  full loss reads ``loss = data_loss + lam * l2_penalty(weights)``.

Bad targets -- labels out of range, float labels where class indices are needed, batch sizes
that disagree -- raise ValueError/TypeError naming the loss and the shapes or values at fault.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from . import ops
from .arguments import data_of, named_tensors
from .engine import scope
from .tensor import Tensor, as_tensor, log_softmax

__all__ = [
    "hinge_loss", "svm_loss", "cross_entropy", "softmax_loss", "nll_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "mse_loss", "l1_penalty", "l2_penalty", "elastic_net_penalty",
]  # fmt: skip

_REDUCTIONS = ("mean", "sum", "none")
_F = TypeVar("_F", bound=Callable[..., Any])


def _scoped(fn: _F) -> _F:
    """Run the loss inside ``ag.scope(<its name>)``: drawings group (and can collapse) its nodes."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        with scope(fn.__name__):
            return fn(*args, **kwargs)

    return run  # type: ignore[return-value]


# ----------------------------------------------------------------------------- checks
def _reduction(fn: str, reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{fn}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _labels(fn: str, scores: Tensor, y: Any) -> np.ndarray:
    """Check (N, C) scores against N integer labels in [0, C); return the labels as an array."""
    y = np.asarray(data_of(y))
    if scores.ndim != 2:
        raise ValueError(f"{fn}: expected scores of shape (N, C), got {scores.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(
            f"{fn}: labels must be integer class indices, got dtype {y.dtype}"
            + (" (convert with y.astype(int) if they are whole numbers)" if np.issubdtype(y.dtype, np.floating) else "")
        )
    n, c = scores.shape
    if y.shape != (n,):
        raise ValueError(f"{fn}: scores of shape {scores.shape} need {n} labels of shape ({n},), got shape {y.shape}")
    if n and (y.min() < 0 or y.max() >= c):
        bad = y[(y < 0) | (y >= c)]
        raise ValueError(f"{fn}: labels must be in [0, {c}) for {c} classes, got {bad[:5].tolist()}")
    return y


def _class_weight(fn: str, weight: Any, c: int, dtype: Any) -> np.ndarray | None:
    if weight is None:
        return None
    w = np.asarray(data_of(weight), dtype=dtype)
    if w.shape != (c,):
        raise ValueError(f"{fn}: weight must have one entry per class, shape ({c},), got {w.shape}")
    return w


def _reduce(losses: Tensor, reduction: str, w: np.ndarray | None = None) -> Tensor:
    """Per-example losses (already weighted) -> mean (weighted by w), sum, or as they are."""
    if reduction == "none":
        return losses
    total = losses.sum()
    if reduction == "sum":
        return total
    denom = losses.size if w is None else float(np.sum(w))
    return total * (1.0 / denom) if denom else total * np.nan


def _same_shape(fn: str, a: Tensor, b: Any, what: str = "target") -> np.ndarray:
    bd = np.asarray(data_of(b))
    if bd.shape != a.shape:
        raise ValueError(f"{fn}: input of shape {a.shape} and {what} of shape {bd.shape} must have the same shape")
    return bd


def _target(fn: str, a: Tensor, target: Any) -> np.ndarray:
    """A constant target of ``a``'s shape, in ``a``'s floating dtype (float32 scores keep float32 losses)."""
    return _same_shape(fn, a, target).astype(a.dtype if a.dtype.kind == "f" else np.float64)


# ----------------------------------------------------------------------------- multiclass
@_scoped
def hinge_loss(
    scores: Any, y: Any, margin: float = 1.0, squared: bool = False, weight: Any = None, reduction: str = "mean"
) -> Tensor:
    """Multiclass SVM loss: L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + margin) (squared: each
    term squared).  ``weight[y_i]`` scales example i's loss; 'mean' then still divides by N."""
    _reduction("hinge_loss", reduction)
    scores = as_tensor(scores)
    y = _labels("hinge_loss", scores, y)
    n, c = scores.shape
    w = _class_weight("hinge_loss", weight, c, scores.dtype)
    rows = np.arange(n)
    correct = scores[rows, y].reshape(n, 1)
    terms = ops.relu(scores - correct + margin)
    if squared:
        terms = terms * terms
    others = np.ones((n, c), scores.dtype)
    others[rows, y] = 0  # the j = y_i term is not part of the sum
    losses = (terms * others).sum(axis=1)
    if w is not None:
        losses = losses * w[y]
    return _reduce(losses, reduction)  # a plain mean even with weights, as PyTorch's multi_margin_loss


svm_loss = hinge_loss


@_scoped
def nll_loss(log_probs: Any, y: Any, weight: Any = None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood from log-probabilities: L_i = -weight[y_i] log P(y_i | x_i)."""
    _reduction("nll_loss", reduction)
    log_probs = as_tensor(log_probs)
    return _nll("nll_loss", log_probs, _labels("nll_loss", log_probs, y), weight, reduction)


def _nll(fn: str, log_probs: Tensor, y: np.ndarray, weight: Any, reduction: str) -> Tensor:
    w = _class_weight(fn, weight, log_probs.shape[1], log_probs.dtype)
    losses = -log_probs[np.arange(len(y)), y]
    if w is not None:
        losses = losses * w[y]
    return _reduce(losses, reduction, None if w is None else w[y])


@_scoped
def cross_entropy(logits: Any, y: Any, weight: Any = None, reduction: str = "mean") -> Tensor:
    """Softmax cross-entropy from raw scores: L_i = -log softmax(s_i)[y_i] = logsumexp(s_i) - s_{i,y_i}."""
    logits = as_tensor(logits)
    _reduction("cross_entropy", reduction)
    y = _labels("cross_entropy", logits, y)
    return _nll("cross_entropy", log_softmax(logits, axis=1), y, weight, reduction)


softmax_loss = cross_entropy


# ----------------------------------------------------------------------------- binary, regression
def _check_probabilities(fn: str, p: np.ndarray) -> None:
    if np.any((p < 0) | (p > 1)) or np.any(np.isnan(p)):
        raise ValueError(f"{fn}: input must be probabilities in [0, 1] (use the _with_logits form for raw scores)")


def _safe_log(p: Tensor) -> Tensor:
    """log p with log 0 = -100 (PyTorch's clamp), and gradient 0 there instead of NaN."""
    pos = p.data > 0
    return ops.where(pos, ops.log(ops.where(pos, p, 1.0)), -100.0)


@_scoped
def binary_cross_entropy(p: Any, target: Any, weight: Any = None, reduction: str = "mean") -> Tensor:
    """E = -(t log p + (1 - t) log(1 - p)) elementwise, from probabilities p = sigmoid(s)."""
    _reduction("binary_cross_entropy", reduction)
    p = as_tensor(p)
    t = _target("binary_cross_entropy", p, target)
    _check_probabilities("binary_cross_entropy", np.asarray(p.data))
    losses = -(t * _safe_log(p) + (1 - t) * _safe_log(1 - p))
    if weight is not None:
        losses = losses * np.asarray(data_of(weight), dtype=losses.dtype)
    return _reduce(losses, reduction)


def _softplus(s: Tensor) -> Tensor:
    """log(1 + exp(s)), finite gradient sigmoid(s) everywhere, +-inf included: s - log sigmoid(s) for
    s > 0 and -log sigmoid(-s) otherwise (sigmoid of at least 1/2 in each), each branch fed a safe
    stand-in where the other is taken, so the branch not taken adds no NaN to the gradient."""
    up = s > 0
    return ops.where(up, ops.where(up, s, 1.0) - ops.log(ops.sigmoid(ops.where(up, s, 1.0))),
                     -ops.log(ops.sigmoid(-ops.where(up, -1.0, s))))  # fmt: skip


def _weighted(term: Tensor, w: np.ndarray) -> Tensor:
    """term * w, exactly 0 where w == 0 (a target of 0 or 1 at a logit of +-inf: 0 * inf would be NaN)."""
    return ops.where(w == 0, 0.0, term) * w


@_scoped
def binary_cross_entropy_with_logits(
    logits: Any, target: Any, weight: Any = None, pos_weight: Any = None, reduction: str = "mean"
) -> Tensor:
    """The same loss from raw scores s, stable: t softplus(-s) + (1 - t) softplus(s).  Its gradient
    in s is sigmoid(s) - t, finite at s = +-inf too (as PyTorch's), and so is the loss where a term's
    weight is 0 (s = +inf with t = 1 gives 0, not PyTorch's NaN).  ``pos_weight`` scales the
    positive term (PyTorch's option)."""
    _reduction("binary_cross_entropy_with_logits", reduction)
    s = as_tensor(logits)
    t = _target("binary_cross_entropy_with_logits", s, target)
    pos = t if pos_weight is None else t * np.asarray(pos_weight, dtype=t.dtype)
    losses = _weighted(_softplus(-s), pos) + _weighted(_softplus(s), 1 - t)
    if weight is not None:
        losses = losses * np.asarray(data_of(weight), dtype=losses.dtype)
    return _reduce(losses, reduction)


@_scoped
def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """(input - target)^2 elementwise, then reduced."""
    _reduction("mse_loss", reduction)
    x = as_tensor(input)
    if isinstance(target, Tensor):  # a target that may require grad: differentiated too
        _same_shape("mse_loss", x, target)
        d = x - target
    else:
        d = x - _target("mse_loss", x, target)
    return _reduce(d * d, reduction)


# ----------------------------------------------------------------------------- regularization
def _tensors(fn: str, params: Any) -> list[Tensor]:
    """Tensors from a list of tensors, (name, tensor) pairs, a dict, or a Module."""
    out = [p for _, p in named_tensors(params, fn)]
    for p in out:
        if not isinstance(p, Tensor):
            raise TypeError(f"{fn}: expected tensors (or (name, tensor) pairs), got {type(p).__name__}")
    if not out:
        raise ValueError(f"{fn}: got no parameters to penalize")
    return out


@_scoped
def l2_penalty(params: Any) -> Tensor:
    """R(W) = sum of W^2 over all the given tensors (the lecture's L2; no 1/2 factor)."""
    terms = [(p * p).sum() for p in _tensors("l2_penalty", params)]
    return _add_all(terms)


@_scoped
def l1_penalty(params: Any) -> Tensor:
    """R(W) = sum of |W| over all the given tensors (subgradient 0 at 0)."""
    return _add_all([ops.relu(p).sum() + ops.relu(-p).sum() for p in _tensors("l1_penalty", params)])


@_scoped
def elastic_net_penalty(params: Any, beta: float = 1.0) -> Tensor:
    """R(W) = sum of beta W^2 + |W| (the lecture's elastic net)."""
    ps = _tensors("elastic_net_penalty", params)
    return l2_penalty(ps) * beta + l1_penalty(ps)


def _add_all(terms: list[Tensor]) -> Tensor:
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total
