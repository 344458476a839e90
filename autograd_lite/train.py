"""Training: a small ``fit`` loop with a progress bar and history, plus the course's sanity checks.

* ``fit(model, loss_fn, optimizer, X, y, epochs=..., batch_size=..., val=(X_val, y_val))``:
  minibatch training; returns a ``History`` (loss per epoch, train/val accuracy per epoch).
  ``regularization`` is a function of no arguments added to every minibatch loss (e.g.
  ``lambda: 1e-3 * ag.losses.l2_penalty(weights)``); ``scheduler.step()`` runs once per epoch.
* ``ProgressBar``: a dependency-free text bar; redrawn in place on a terminal, a few plain lines
  otherwise (logs stay readable).
* ``accuracy(scores, y)``, ``predict(model, X)``.
* Babysitting helpers: ``initial_loss_check`` (softmax starts near ln C, the SVM near C - 1)
  and ``overfit_check`` (a model that cannot fit a tiny subset has a bug).
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np

from .data import Minibatches
from .engine import no_grad
from .tensor import Tensor

__all__ = ["ProgressBar", "History", "fit", "accuracy", "predict", "initial_loss_check", "overfit_check"]


class ProgressBar:
    """``bar = ProgressBar(total, "epoch"); bar.update(1, loss=0.3); bar.close()``.

    On a terminal the line is redrawn with a carriage return; elsewhere (pipes, CI logs) it
    prints at most ``lines`` plain lines.
    """

    def __init__(self, total: int, desc: str = "", width: int = 30, stream: TextIO | None = None, lines: int = 4):
        self.total, self.desc, self.width = max(int(total), 1), desc, int(width)
        self.stream = stream if stream is not None else sys.stdout
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.n = 0
        self.info: dict[str, float] = {}
        self._every = max(self.total // max(lines, 1), 1)
        self._start = time.perf_counter()
        self._closed = False

    def render(self) -> str:
        frac = min(self.n / self.total, 1.0)
        filled = int(round(frac * self.width))
        bar = "#" * filled + "-" * (self.width - filled)
        extra = " ".join(f"{k} {v:.4g}" for k, v in self.info.items())
        elapsed = time.perf_counter() - self._start
        return f"{self.desc} [{bar}] {self.n}/{self.total} {elapsed:.1f}s {extra}".strip()

    def update(self, n: int = 1, **info: float) -> None:
        self.n += n
        self.info.update(info)
        if self.tty:
            self.stream.write("\r" + self.render())
            self.stream.flush()
        elif self.n % self._every == 0 and self.n < self.total:
            self.stream.write(self.render() + "\n")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.stream.write(("\r" if self.tty else "") + self.render() + "\n")
        self.stream.flush()


@dataclass
class History:
    """Per-epoch records of a ``fit`` run."""

    loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)


def _data(x: Any) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def accuracy(scores: Any, y: Any) -> float:
    """Fraction of rows whose highest score is the label (binary: one column, score > 0)."""
    s, y = _data(scores), _data(y)
    if s.ndim == 2 and s.shape[1] > 1:
        pred = s.argmax(axis=1)
    else:
        pred = (s.reshape(len(s)) > 0).astype(np.int64)
    if pred.shape != y.shape:
        raise ValueError(f"accuracy: scores of shape {s.shape} and labels of shape {y.shape} disagree")
    return float(np.mean(pred == y))


def predict(model: Callable[[Any], Any], X: Any, batch_size: int = 1024) -> np.ndarray:
    """Scores of the model on X in evaluation mode, without recording a graph."""
    was_training = getattr(model, "training", None)
    if hasattr(model, "eval"):
        model.eval()
    try:
        with no_grad():
            parts = [_data(model(X[i : i + batch_size])) for i in range(0, len(X), batch_size)]
    finally:
        if was_training and hasattr(model, "train"):
            model.train()
    return np.concatenate(parts)


def fit(
    model: Any, loss_fn: Callable[[Any, Any], Tensor], optimizer: Any, X: Any, y: Any, epochs: int = 10,
    batch_size: int = 64, val: tuple[Any, Any] | None = None, regularization: Callable[[], Tensor] | None = None,
    scheduler: Any = None, seed: Any = None, progress: bool | TextIO = True, desc: str = "training",
) -> History:  # fmt: skip
    """Minibatch training for ``epochs`` passes over (X, y); see the module docstring."""
    if int(epochs) < 1:
        raise ValueError(f"fit: epochs must be a positive integer, got {epochs}")
    batches = Minibatches(X, y, batch_size=batch_size, shuffle=True, seed=seed)
    if batches.n == 0:
        raise ValueError(f"fit: no training examples (X has shape {np.shape(_data(X))}); pass at least one")
    stream = progress if hasattr(progress, "write") else None
    bar = ProgressBar(epochs, desc, stream=stream) if progress else None
    hist = History()
    for _ in range(int(epochs)):
        if hasattr(model, "train"):
            model.train()
        total, count = 0.0, 0
        for xb, yb in batches:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            if regularization is not None:
                loss = loss + regularization()
            loss.backward()
            optimizer.step()
            total += float(loss.item()) * len(xb)
            count += len(xb)
            del loss  # free this step's graph before the next forward builds its own
        hist.loss.append(total / count)
        hist.lr.append(float(getattr(optimizer, "lr", math.nan)))
        hist.train_acc.append(accuracy(predict(model, _data(X)), _data(y)))
        info = {"loss": hist.loss[-1], "train_acc": hist.train_acc[-1]}
        if val is not None:
            scores = predict(model, _data(val[0]))
            hist.val_acc.append(accuracy(scores, _data(val[1])))
            with no_grad():
                hist.val_loss.append(float(loss_fn(Tensor(scores), val[1]).item()))
            info["val_acc"] = hist.val_acc[-1]
        if scheduler is not None:
            scheduler.step()
        if bar is not None:
            bar.update(1, **info)
    if bar is not None:
        bar.close()
    return hist


def initial_loss_check(
    model: Callable[[Any], Any], loss_fn: Callable[[Any, Any], Tensor], X: Any, y: Any, kind: str = "softmax"
) -> tuple[float, float]:
    """(loss of the untrained model with no regularization, the value the lecture expects):
    ln C for the softmax loss, C - 1 for the multiclass SVM (scores near zero)."""
    with no_grad():
        scores = model(X)
        loss = float(loss_fn(scores, y).item())
    c = _data(scores).shape[1]
    if kind == "softmax":
        return loss, math.log(c)
    if kind in ("svm", "hinge"):
        return loss, float(c - 1)
    raise ValueError(f"initial_loss_check: kind must be 'softmax' or 'svm', got {kind!r}")


def overfit_check(
    model: Any, loss_fn: Callable[[Any, Any], Tensor], optimizer: Any, X: Any, y: Any, n: int = 20,
    steps: int = 200,
) -> float:  # fmt: skip
    """Train on the first ``n`` examples only, full batch, for ``steps`` steps; return the
    training accuracy reached there (it should be ~1.0: a model that cannot memorize 20
    examples has a bug)."""
    Xs, ys = _data(X)[:n], _data(y)[:n]
    for _ in range(int(steps)):
        optimizer.zero_grad()
        loss_fn(model(Xs), ys).backward()
        optimizer.step()
    return accuracy(predict(model, Xs), ys)
