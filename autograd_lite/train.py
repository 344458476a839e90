"""Training: a small ``fit`` loop with a progress bar and history, plus the course's sanity checks.

* ``fit(model, loss_fn, optimizer, X, y, epochs=..., batch_size=..., val=(X_val, y_val))``:
  minibatch training; returns a ``History`` (loss per epoch, train/val accuracy per epoch).
  ``regularization`` is a function of no arguments added to every minibatch loss (e.g.
  ``lambda: 1e-3 * ag.losses.l2_penalty(weights)``); ``scheduler.step()`` runs once per epoch.
* ``progress_bar``: tqdm's bar (``tqdm.auto``): live in notebooks and terminals, a few plain
  lines in logs.
* ``accuracy(scores, y)``, ``predict(model, X)``.
* Babysitting helpers: ``initial_loss_check`` (softmax starts near ln C, the SVM near C - 1)
  and ``overfit_check`` (a model that cannot fit a tiny subset has a bug).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np

from .data import Minibatches
from .engine import no_grad
from .tensor import Tensor

__all__ = ["progress_bar", "History", "fit", "accuracy", "predict", "initial_loss_check", "overfit_check"]


class _LogLines:
    """A stream adapter for logs: turns tqdm's carriage-return redraws into whole plain lines,
    one per count (close() redraws the last count; that is not repeated)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._last_count = ""

    def write(self, s: str) -> None:
        line = s.replace("\r", "").rstrip()
        count = line.split(" [", 1)[0]  # "desc: 50%|#####     | 4/8", without time, rate and postfix
        if line and count != self._last_count:
            self._last_count = count
            self.stream.write(line + "\n")

    def flush(self) -> None:
        getattr(self.stream, "flush", lambda: None)()


def progress_bar(total: int, desc: str = "", file: TextIO | None = None, lines: int = 4) -> Any:
    """A ``tqdm.auto`` bar: ``bar.set_postfix(loss=0.3); bar.update(1); bar.close()``.

    A live widget in notebooks (with ipywidgets installed), redrawn in place on a terminal; on
    any other stream (pipes, CI logs, notebooks without ipywidgets) about ``lines`` plain lines
    (stderr by default, as tqdm).
    """
    import warnings

    from tqdm.notebook import tqdm as notebook_tqdm
    from tqdm.std import TqdmWarning
    from tqdm.std import tqdm as console_tqdm

    with warnings.catch_warnings():  # no ipywidgets in a notebook: fall back to plain lines, quietly
        warnings.simplefilter("ignore", TqdmWarning)
        from tqdm.auto import tqdm

    stream = file if file is not None else sys.stderr
    if issubclass(tqdm, notebook_tqdm) or getattr(stream, "isatty", lambda: False)():
        return tqdm(total=total, desc=desc, file=stream, leave=True)
    every = max(int(total) // max(int(lines), 1), 1)
    return console_tqdm(total=total, desc=desc, file=_LogLines(stream), leave=True, mininterval=0, miniters=every,
                        ascii=True)  # fmt: skip


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
    stream = None if isinstance(progress, bool) else progress
    bar = progress_bar(epochs, desc, file=stream) if progress else None
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
            bar.set_postfix(info, refresh=False)
            bar.update(1)
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
