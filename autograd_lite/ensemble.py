"""Model ensembles: average the predictions of several models; snapshot ensembles.

The lecture: train several independent models and average their predictions at test time --
usually a couple of percent better.  A snapshot ensemble gets the models from a single run: a
cyclic cosine schedule (``optim.CosineAnnealingWarmRestarts``) anneals the learning rate to
near zero several times, and the model is saved at the end of every cycle (Huang et al. 2017,
"Snapshot Ensembles: Train 1, get M for free").

* ``Ensemble(models, average="probs")``: a Module whose output is the log of the members'
  mean softmax probabilities (so ``argmax``, ``accuracy`` and ``cross_entropy`` apply as to any
  model's scores), or with ``average="scores"`` the mean of the raw scores (SVM scores).
* ``average_predictions(models, X)``: the mean probabilities as a plain array, in eval mode.
* ``snapshot_ensemble(model, loss_fn, optimizer, X, y, cycles, epochs_per_cycle)``: trains with
  ``train.fit`` and the cyclic schedule (stepped per epoch), snapshots at each cycle's end.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .nn import Module
from .optim import CosineAnnealingWarmRestarts
from .tensor import Tensor, log_softmax, logsumexp, stack
from .train import History, fit, predict

__all__ = ["Ensemble", "average_predictions", "SnapshotResult", "snapshot_ensemble"]

_AVERAGES = ("probs", "scores")


class Ensemble(Module):
    """The average of several models' predictions (see the module docstring)."""

    def __init__(self, models: Sequence[Callable[[Any], Any]], average: str = "probs") -> None:
        if len(models) == 0:
            raise ValueError("Ensemble: needs at least one model")
        if average not in _AVERAGES:
            raise ValueError(f"Ensemble: average must be one of {_AVERAGES}, got {average!r}")
        self.members, self.average = list(models), average

    def forward(self, x: Any) -> Tensor:
        outs = [m(x) for m in self.members]
        shapes = {tuple(np.shape(getattr(o, "data", o))) for o in outs}
        if len(shapes) != 1:
            raise ValueError(f"Ensemble: the members' outputs disagree in shape: {sorted(shapes)}")
        scores = stack([o if isinstance(o, Tensor) else Tensor(np.asarray(o)) for o in outs], axis=0)
        if self.average == "scores":
            return scores.mean(axis=0)
        # log of the mean probability, computed stably: logsumexp over members of log p, minus log M
        return logsumexp(log_softmax(scores, axis=-1), axis=0) - np.log(len(outs))

    def extra_repr(self) -> str:
        return f"{len(self.members)} members, average={self.average!r}"


def average_predictions(models: Sequence[Callable[[Any], Any]], X: Any, average: str = "probs") -> np.ndarray:
    """Mean softmax probabilities (``average="probs"``) or mean scores of ``models`` on X,
    each model in eval mode without a graph (``train.predict``)."""
    if len(models) == 0:
        raise ValueError("average_predictions: needs at least one model")
    if average not in _AVERAGES:
        raise ValueError(f"average_predictions: average must be one of {_AVERAGES}, got {average!r}")
    outs = [np.asarray(predict(m, X), dtype=np.float64) for m in models]
    if average == "scores":
        return np.mean(outs, axis=0)
    probs = [np.exp(o - o.max(axis=-1, keepdims=True)) for o in outs]
    return np.mean([p / p.sum(axis=-1, keepdims=True) for p in probs], axis=0)


@dataclass
class SnapshotResult:
    """The snapshots (deep copies of the model at each cycle's end), their ensemble, the
    learning rate of every epoch and the training histories of the cycles."""

    snapshots: list[Any]
    ensemble: Ensemble
    lrs: list[float] = field(default_factory=list)
    histories: list[History] = field(default_factory=list)


def snapshot_ensemble(
    model: Any, loss_fn: Callable[[Any, Any], Tensor], optimizer: Any, X: Any, y: Any, cycles: int = 5,
    epochs_per_cycle: int = 10, eta_min: float = 0.0, **fit_options: Any,
) -> SnapshotResult:  # fmt: skip
    """Train ``model`` for ``cycles`` x ``epochs_per_cycle`` epochs under a cyclic cosine
    schedule restarting every ``epochs_per_cycle`` epochs (from ``optimizer.lr`` down towards
    ``eta_min``); keep a copy of the model after each cycle.  ``fit_options`` go to
    ``train.fit`` (batch_size, val, seed, progress, ...)."""
    if int(cycles) < 1 or int(epochs_per_cycle) < 1:
        raise ValueError(
            f"snapshot_ensemble: cycles and epochs_per_cycle must be >= 1, got {cycles}, {epochs_per_cycle}"
        )
    schedule = CosineAnnealingWarmRestarts(optimizer, T_0=int(epochs_per_cycle), eta_min=eta_min)
    result = SnapshotResult([], Ensemble([model]))
    for _ in range(int(cycles)):
        hist = fit(model, loss_fn, optimizer, X, y, epochs=int(epochs_per_cycle), scheduler=schedule, **fit_options)
        assert schedule.cycle_end(schedule.t - 1)  # the last epoch trained was its cycle's last
        result.histories.append(hist)
        result.lrs += hist.lr
        result.snapshots.append(copy.deepcopy(model))
    result.ensemble = Ensemble(result.snapshots)
    return result
