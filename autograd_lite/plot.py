"""The lecture's pictures, drawn with matplotlib (an optional extra: ``pip install autograd-lite[plot]``).

matplotlib is imported when a picture is drawn, never at ``import autograd_lite``; without it
each function raises an ImportError naming the extra.  Every function returns the matplotlib
Figure and, given ``path=``, also saves it there (PNG, SVG, PDF by the suffix).

* ``class_templates(W, image_shape)``: a linear classifier's weights, one image per class
* ``loss_surface(f, xlim, ylim, paths)``: contours of a 2-d function with optimizer paths
* ``loss_curve(losses, window)``: minibatch losses and their moving average
* ``accuracy_curves(history)``: training and validation accuracy per epoch (the gap)
* ``lr_sweep(sweep)``: the loss curve of every learning rate of ``monitor.lr_sweep``
* ``layer_histograms(stats)``: per-layer activation (and gradient) histograms from ``LayerStats``
* ``update_ratios(monitor)``: the update/weight ratio of every parameter over training
* ``search_scatter(result)``: validation score against each hyperparameter of a search
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import numpy as np

from .engine import no_grad
from .monitor import moving_average
from .nn import Module
from .tensor import Tensor

__all__ = [
    "class_templates", "loss_surface", "loss_curve", "accuracy_curves", "lr_sweep", "layer_histograms",
    "update_ratios", "search_scatter",
]  # fmt: skip


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "autograd_lite.plot needs matplotlib, an optional extra: pip install 'autograd-lite[plot]'"
        ) from None
    return plt


def _finish(fig: Any, path: str | os.PathLike | None) -> Any:
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig


def _grid(n: int, max_cols: int = 5) -> tuple[int, int]:
    cols = min(n, max_cols)
    return -(-n // cols), cols


def _array(x: Any) -> np.ndarray:
    if isinstance(x, Module):  # a Linear layer: its weight
        x = cast(Any, x).weight
    return np.asarray(getattr(x, "data", x), dtype=np.float64)


def class_templates(weights: Any, image_shape: Sequence[int], class_names: Sequence[str] | None = None,
                    path: str | os.PathLike | None = None) -> Any:  # fmt: skip
    """Each column of ``weights`` (D, C) -- the course's ``x @ W`` layout, or a Linear layer --
    reshaped to ``image_shape`` ((H, W) grey, or (3, H, W) colour, channel first) and stretched
    to the full grey/colour range: what each class's score looks for."""
    W = _array(weights)
    shape = tuple(int(s) for s in image_shape)
    if W.ndim != 2 or W.shape[0] != int(np.prod(shape)):
        raise ValueError(f"class_templates: weights of shape {W.shape} do not hold images of shape {shape} per column")
    c = W.shape[1]
    names = list(class_names) if class_names is not None else [str(k) for k in range(c)]
    if len(names) != c:
        raise ValueError(f"class_templates: {len(names)} class names for {c} classes")
    plt = _pyplot()
    rows, cols = _grid(c)
    fig, axes = plt.subplots(rows, cols, figsize=(1.6 * cols, 1.8 * rows), squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k >= c:
            continue
        img = W[:, k].reshape(shape)
        img = (img - img.min()) / (np.ptp(img) or 1.0)
        if img.ndim == 3:
            ax.imshow(np.moveaxis(img, 0, -1))
        else:
            ax.imshow(img, cmap="gray")
        ax.set_title(names[k], fontsize=9)
    return _finish(fig, path)


def _surface(f: Callable[[Tensor], Any], xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """f on the grid: one call on a (2, ny, nx) Tensor when f is written elementwise in x[0],
    x[1]; point by point otherwise."""
    X, Y = np.meshgrid(xs, ys)
    with no_grad():
        try:
            Z = np.asarray(getattr(f(Tensor(np.stack([X, Y]))), "data", None), dtype=np.float64)
            if Z.shape == X.shape:
                return Z
        except (ValueError, TypeError, IndexError):
            pass
        return np.array([[float(f(Tensor(np.array([x, y]))).item()) for x in xs] for y in ys])


def loss_surface(f: Callable[[Tensor], Any], xlim: tuple[float, float] = (-2.0, 2.0),
                 ylim: tuple[float, float] = (-1.0, 3.0), paths: Mapping[str, Any] | None = None,
                 levels: int = 30, log: bool = True, resolution: int = 120,
                 path: str | os.PathLike | None = None) -> Any:  # fmt: skip
    """Contour lines of the 2-d function ``f`` (a Tensor of shape (2,) -> scalar) over the box,
    with each optimizer path (name -> positions (T, 2), e.g. from ``monitor.optimizer_path``)
    drawn from its start (circle) to its end (cross).  ``log`` spaces the levels
    logarithmically (for valleys like Rosenbrock's)."""
    xs, ys = np.linspace(*xlim, resolution), np.linspace(*ylim, resolution)
    Z = _surface(f, xs, ys)
    plt = _pyplot()
    from matplotlib.colors import LogNorm

    fig, ax = plt.subplots(figsize=(5.5, 5))
    if log and np.all(np.isfinite(Z)):
        shifted = Z - Z.min() + 1e-3
        ax.contour(xs, ys, shifted, levels=np.geomspace(1e-3, shifted.max(), levels), cmap="viridis",
                   linewidths=0.8, norm=LogNorm())  # fmt: skip
        ax.set_title("contours of f, log-spaced", fontsize=9)
    else:
        ax.contour(xs, ys, Z, levels=levels, cmap="viridis", linewidths=0.8)
    for name, p in (paths or {}).items():
        p = np.asarray(p, dtype=np.float64)
        if p.ndim != 2 or p.shape[1] != 2:
            raise ValueError(f"loss_surface: path {name!r} must have shape (T, 2), got {p.shape}")
        (line,) = ax.plot(p[:, 0], p[:, 1], ".-", markersize=3, linewidth=1.2, label=name)
        ax.plot(*p[0], "o", color=line.get_color())
        ax.plot(*p[-1], "x", color=line.get_color(), markersize=8)
    ax.set(xlim=xlim, ylim=ylim, xlabel="x[0]", ylabel="x[1]")
    if paths:
        ax.legend(fontsize=8)
    return _finish(fig, path)


def loss_curve(losses: Sequence[float], window: int = 20, val_losses: Sequence[float] | None = None,
               log: bool = False, path: str | os.PathLike | None = None) -> Any:  # fmt: skip
    """The loss of every iteration (faint) and its moving average over ``window`` (bold);
    ``val_losses`` (any length, spread over the same span) as points."""
    v = np.asarray(losses, dtype=np.float64)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    it = np.arange(1, len(v) + 1)
    ax.plot(it, v, alpha=0.3, linewidth=0.8, label="loss")
    ax.plot(it, moving_average(v, window), linewidth=2, label=f"moving average ({window})")
    if val_losses is not None and len(val_losses):
        vl = np.asarray(val_losses, dtype=np.float64)
        ax.plot(np.linspace(len(v) / len(vl), len(v), len(vl)), vl, "o-", label="validation")
    ax.set(xlabel="iteration", ylabel="loss", yscale="log" if log else "linear")
    ax.legend(fontsize=8)
    return _finish(fig, path)


def accuracy_curves(history: Any, path: str | os.PathLike | None = None) -> Any:
    """Training and validation accuracy per epoch of a ``fit`` history; the space between them
    is the train/val gap (big: overfitting)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ep = np.arange(1, len(history.train_acc) + 1)
    ax.plot(ep, history.train_acc, label="train")
    if len(history.val_acc):
        ax.plot(ep, history.val_acc, label="validation")
        ax.fill_between(ep, history.val_acc, history.train_acc, alpha=0.15, label="gap")
    ax.set(xlabel="epoch", ylabel="accuracy")
    ax.legend(fontsize=8)
    return _finish(fig, path)


def lr_sweep(sweep: Any, path: str | os.PathLike | None = None) -> Any:
    """One smoothed loss curve per learning rate of a ``monitor.lr_sweep``, labelled with its
    verdict (falls / barely moves / explodes)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for lr, curve in sweep.losses.items():
        ax.plot(moving_average(curve, sweep.window), label=f"lr {lr:.0e}: {sweep.verdict(lr)}")
    ax.set(xlabel="iteration", ylabel=f"loss (moving average, {sweep.window})", yscale="log")
    ax.legend(fontsize=8)
    return _finish(fig, path)


def layer_histograms(stats: Any, bins: int = 50, gradients: bool = True, range: tuple[float, float] | None = None,
                     path: str | os.PathLike | None = None) -> Any:  # fmt: skip
    """A histogram of every watched layer's outputs (top row, with mean and std in the title)
    and of the loss's gradient with respect to them (bottom row, when recorded).

    ``range=(lo, hi)`` gives every activation histogram the same bins and axis, as the lecture
    draws them, so activations collapsing towards 0 show as a narrowing spike (by default each
    panel spans its own data: a collapse is hidden by the rescaling)."""
    rows = stats.summary()
    if not rows:
        raise ValueError("layer_histograms: nothing recorded (run the model inside `with LayerStats(model):`)")
    if range is not None and not (len(range) == 2 and float(range[0]) < float(range[1])):
        raise ValueError(f"layer_histograms: range must be (lo, hi) with lo < hi, got {range!r}")
    with_grads = gradients and any(stats.gradients.get(r["layer"]) is not None for r in rows)
    plt = _pyplot()
    nrows = 2 if with_grads else 1
    fig, axes = plt.subplots(nrows, len(rows), figsize=(2.4 * len(rows), 2.2 * nrows), squeeze=False)
    for j, r in enumerate(rows):
        ax = axes[0, j]
        ax.hist(stats.activations[r["layer"]].ravel(), bins=bins, range=range)
        if range is not None:
            ax.set_xlim(*range)
        ax.set_title(f"{r['layer']} {r['type']}\nmean {r['act_mean']:+.2f} std {r['act_std']:.2f}", fontsize=8)
        ax.tick_params(labelsize=7)
        if with_grads:
            g = stats.gradients.get(r["layer"])
            ax = axes[1, j]
            if g is not None:
                ax.hist(g.ravel(), bins=bins, color="tab:orange")
                ax.set_title(f"gradient std {r['grad_std']:.1e}", fontsize=8)
            ax.tick_params(labelsize=7)
    return _finish(fig, path)


def update_ratios(monitor: Any, path: str | os.PathLike | None = None) -> Any:
    """||update|| / ||weights|| per parameter over the steps an ``UpdateRatioMonitor`` saw, on a
    log scale, with the lecture's target 1e-3 and the monitor's [low, high] band."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for name, ratios in monitor.history.items():
        if ratios:
            ax.plot(np.arange(1, len(ratios) + 1), ratios, label=name)
    ax.axhspan(monitor.low, monitor.high, color="tab:green", alpha=0.08)
    ax.axhline(1e-3, color="tab:green", linestyle="--", linewidth=1, label="1e-3")
    ax.set(xlabel="step", ylabel="update / weight", yscale="log")
    ax.legend(fontsize=7)
    return _finish(fig, path)


def search_scatter(result: Any, path: str | os.PathLike | None = None) -> Any:
    """The score of every trial of a hyperparameter search against each hyperparameter, one
    panel each (log axis for log-uniform ones), the best trial circled; later coarse-to-fine
    rounds in darker colours."""
    trials = result.trials
    if not trials:
        raise ValueError("search_scatter: the search has no trials")
    names = list(trials[0].params)
    space = result.spaces[0] if result.spaces else {}
    best = result.best
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3), squeeze=False)
    rounds = np.array([t.round for t in trials])
    score = np.array([t.score for t in trials])
    for ax, name in zip(axes[0], names):
        vals = [t.params[name] for t in trials]
        numeric = all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in vals)
        x = np.asarray(vals, dtype=np.float64) if numeric else np.unique(vals, return_inverse=True)[1]
        ax.scatter(x, score, c=rounds, cmap="viridis_r" if rounds.max() else None, s=14)
        bx = best.params[name] if numeric else x[trials.index(best)]
        ax.scatter([bx], [best.score], s=90, facecolors="none", edgecolors="red", label="best")
        if getattr(space.get(name), "log", False) or (numeric and x.min() > 0 and x.max() / x.min() > 100):
            ax.set_xscale("log")
        if not numeric:
            ax.set_xticks(range(len(np.unique(vals))), [str(u) for u in np.unique(vals)])
        ax.set(xlabel=name, ylabel="score")
    axes[0, 0].legend(fontsize=8)
    return _finish(fig, path)
