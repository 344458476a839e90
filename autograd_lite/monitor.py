"""Babysitting the learning process: the lecture's checks while a network trains.

* ``lr_sweep(make_model, loss_fn, X, y, lrs)``: ~100 iterations at each learning rate from the
  same initialization; says which rates make the loss fall, which barely move it (too small)
  and which make it explode (too large, NaN).
* ``moving_average(values, window)``: a minibatch loss curve is noisy; the trend is its mean.
* ``train_val_gap(history)``: training minus validation accuracy per epoch, with the lecture's
  reading (a big gap: overfitting; no gap: room for a bigger model).
* ``LayerStats(model)``: forward hooks on the model's layers record each layer's output (mean,
  std, histogram) and the loss's gradient with respect to it -- the initialization lecture's
  pictures, where activations collapse to zero with too small weights and saturate with too big.
* The update/weight ratio (about 1e-3) is ``optim.UpdateRatioMonitor``; its ``history`` is the
  ratio over training (``ag.plot.update_ratios`` draws it).
* ``optimizer_path(f, x0, optimizer_cls)``: where an optimizer goes on a 2-d function (for
  ``ag.plot.loss_surface``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .data import Minibatches
from .nn import Module
from .optim import LBFGS, SGD, UpdateRatioMonitor
from .tensor import Tensor

__all__ = [
    "LRSweep", "lr_sweep", "moving_average", "GapReport", "train_val_gap", "LayerStats", "UpdateRatioMonitor",
    "optimizer_path",
]  # fmt: skip


def moving_average(values: Sequence[float] | np.ndarray, window: int = 10) -> np.ndarray:
    """The trailing mean of the last ``window`` values at each position (fewer at the start),
    same length as ``values``; a NaN stays in every window that holds it."""
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1:
        raise ValueError(f"moving_average: needs a 1-d sequence, got shape {v.shape}")
    if isinstance(window, bool) or int(window) < 1:
        raise ValueError(f"moving_average: window must be a positive integer, got {window!r}")
    c = np.concatenate([[0.0], np.cumsum(v)])
    i = np.arange(1, len(v) + 1)
    start = np.maximum(i - int(window), 0)
    return (c[i] - c[start]) / (i - start)


# --------------------------------------------------------------------------- learning-rate sweep
@dataclass
class LRSweep:
    """Loss curves per learning rate; ``verdicts`` reads each one as the lecture does."""

    losses: dict[float, list[float]]
    window: int = 10

    def ratio(self, lr: float) -> float:
        """Smoothed final loss over the first loss (inf when the run blew up)."""
        curve = self.losses[lr]
        end = moving_average(curve, self.window)[-1]
        return float(end / curve[0]) if math.isfinite(end) and curve[0] > 0 else math.inf

    def verdict(self, lr: float) -> str:
        r = self.ratio(lr)
        if not math.isfinite(r) or r > 1.5:
            return "explodes (too large)"
        if r > 0.9:
            return "barely moves (too small)"
        return "falls"

    def falling(self) -> list[float]:
        """The learning rates whose loss falls."""
        return [lr for lr in self.losses if self.verdict(lr) == "falls"]

    @property
    def best(self) -> float:
        """The rate with the lowest smoothed final loss."""
        return min(self.losses, key=self.ratio)

    def report(self) -> str:
        lines = ["lr         first loss  last (smoothed)  verdict"]
        for lr, curve in self.losses.items():
            end = moving_average(curve, self.window)[-1]
            lines.append(f"{lr:<9.1e}  {curve[0]:<10.4g}  {end:<15.4g}  {self.verdict(lr)}")
        return "\n".join(lines)


def lr_sweep(
    make_model: Callable[[], Any], loss_fn: Callable[[Any, Any], Tensor], X: Any, y: Any,
    lrs: Sequence[float] = (1e-1, 1e-2, 1e-3, 1e-4), iterations: int = 100, batch_size: int = 64,
    optimizer: Callable[..., Any] = SGD, seed: Any = 0, **optimizer_options: Any,
) -> LRSweep:  # fmt: skip
    """Train a fresh ``make_model()`` for ``iterations`` minibatch steps at each rate (the same
    minibatches for every rate) and keep the loss of every step.  ``make_model`` should seed its
    initialization so every rate starts from the same weights."""
    if int(iterations) < 1:
        raise ValueError(f"lr_sweep: iterations must be a positive integer, got {iterations}")
    losses: dict[float, list[float]] = {}
    for lr in lrs:
        model = make_model()
        opt = optimizer(model, lr=lr, **optimizer_options)
        curve: list[float] = []
        batches = Minibatches(X, y, batch_size=batch_size, seed=seed)
        while len(curve) < int(iterations):
            for xb, yb in batches:
                opt.zero_grad()
                loss = loss_fn(model(xb), yb)
                value = float(loss.item())
                curve.append(value)
                if not math.isfinite(value) or len(curve) == int(iterations):
                    break
                loss.backward()
                opt.step()
            if not math.isfinite(curve[-1]):
                curve += [math.nan] * (int(iterations) - len(curve))
        losses[float(lr)] = curve
    return LRSweep(losses)


# --------------------------------------------------------------------------- train / val gap
@dataclass
class GapReport:
    gap: np.ndarray  # train accuracy - validation accuracy, per epoch
    verdict: str

    def __str__(self) -> str:
        return self.verdict


def train_val_gap(history: Any, large: float = 0.1, small: float = 0.02) -> GapReport:
    """Training minus validation accuracy per epoch of a ``fit`` history (needs ``val=``), and
    what the last epoch's gap suggests."""
    tr, va = np.asarray(history.train_acc, float), np.asarray(history.val_acc, float)
    if len(va) == 0 or len(tr) != len(va):
        raise ValueError("train_val_gap: the history has no validation accuracy (train with fit(..., val=(X, y)))")
    gap = tr - va
    last = gap[-1]
    if last > large:
        verdict = f"gap {last:.2f}: overfitting -- increase regularization (or get more data)"
    elif last < small:
        verdict = f"gap {last:.2f}: no overfitting -- a bigger model could do better"
    else:
        verdict = f"gap {last:.2f}: moderate"
    return GapReport(gap, verdict)


# --------------------------------------------------------------------------- per-layer statistics
def _leaf_modules(model: Module) -> list[tuple[str, Module]]:
    mods = model.named_modules()
    parents = {name.rsplit(".", 1)[0] for name, _ in mods if "." in name}
    leaves = [(n, m) for n, m in mods if n and n not in parents]
    return leaves or [("", model)]


class LayerStats:
    """Per-layer activation and gradient statistics, by forward hooks::

        with ag.monitor.LayerStats(model) as stats:
            loss = loss_fn(model(X), y)
            loss.backward()
        print(stats.table());  ag.plot.layer_histograms(stats)

    ``modules``: which (name, module) pairs to watch -- by default every module without
    sub-modules (each Linear and activation of a Sequential/MLP).  For each, the last forward's
    output is kept in ``activations[name]`` and, when it required grad, the gradient of the loss
    with respect to it in ``gradients[name]`` (read at the end of the ``with`` block: call
    ``backward()`` inside it).
    """

    def __init__(self, model: Module, modules: Sequence[tuple[str, Module]] | None = None) -> None:
        self.model = model
        self.modules = list(modules) if modules is not None else _leaf_modules(model)
        self.activations: dict[str, np.ndarray] = {}
        self.gradients: dict[str, np.ndarray | None] = {}
        self._outputs: dict[str, Tensor] = {}
        self._handles: list[Any] = []

    def _hook(self, name: str) -> Callable[[Module, tuple, Any], None]:
        def record(module: Module, inputs: tuple, output: Any) -> None:
            if isinstance(output, Tensor):
                self.activations[name] = np.array(output.data)
                if output.requires_grad:
                    output.retain_grad()
                    self._outputs[name] = output

        return record

    def __enter__(self) -> LayerStats:
        self.activations.clear()
        self.gradients.clear()
        self._handles = [m.register_forward_hook(self._hook(n)) for n, m in self.modules]
        return self

    def __exit__(self, *exc: object) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []
        for name, out in self._outputs.items():
            self.gradients[name] = None if out.grad is None else np.array(out.grad.data)
        self._outputs = {}  # let the graph go

    def summary(self) -> list[dict[str, Any]]:
        """One dict per watched layer that ran: name, type, output shape, activation mean/std,
        gradient mean/std (NaN without a gradient)."""
        rows = []
        for name, mod in self.modules:
            if name not in self.activations:
                continue
            a, g = self.activations[name], self.gradients.get(name)
            rows.append({
                "layer": name, "type": type(mod).__name__, "shape": a.shape,
                "act_mean": float(a.mean()), "act_std": float(a.std()),
                "grad_mean": float(g.mean()) if g is not None else math.nan,
                "grad_std": float(g.std()) if g is not None else math.nan,
            })  # fmt: skip
        return rows

    def table(self) -> str:
        rows = self.summary()
        if not rows:
            return "LayerStats: nothing recorded (run the model inside `with LayerStats(model):`)"
        w = max(len(f"{r['layer']} ({r['type']})") for r in rows)
        lines = [f"{'layer':<{w}}  act mean    act std     grad mean   grad std"]
        for r in rows:
            label = f"{r['layer']} ({r['type']})"
            lines.append(f"{label:<{w}}  {r['act_mean']:<+10.3e}  {r['act_std']:<10.3e}  "
                         f"{r['grad_mean']:<+10.3e}  {r['grad_std']:.3e}")  # fmt: skip
        return "\n".join(lines)


# --------------------------------------------------------------------------- optimizer paths
def optimizer_path(f: Callable[[Tensor], Tensor], x0: Sequence[float], optimizer: Callable[..., Any] = SGD,
                   steps: int = 50, **options: Any) -> np.ndarray:  # fmt: skip
    """Positions (steps + 1, d) of ``optimizer`` minimizing ``f`` (a Tensor of shape (d,) -> a
    scalar Tensor) from ``x0``: ``optimizer_path(f, [-1, 1], ag.optim.Adam, lr=0.1)``.  For
    ``LBFGS`` each step is one ``step(closure)`` (up to its ``max_iter`` iterations)."""
    x = Tensor(np.array(x0, dtype=np.float64), requires_grad=True, name="x")
    opt = optimizer([x], **options)

    def closure() -> Tensor:
        opt.zero_grad()
        loss = f(x)
        loss.backward()
        return loss

    path = [x.data.copy()]
    for _ in range(int(steps)):
        if isinstance(opt, LBFGS):  # closure-based: one step may take several iterations (max_iter)
            opt.step(closure)
        else:
            closure()
            opt.step()
        path.append(x.data.copy())
    return np.stack(path)
