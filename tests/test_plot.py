"""The pictures render (Agg backend, PNG) and show what they claim; without matplotlib, a clear
error naming the extra."""

from __future__ import annotations

import builtins

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import monitor, nn, optim, plot, tune
from autograd_lite.train import History

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def saved(path):
    raw = path.read_bytes()
    assert raw[:8] == PNG and len(raw) > 2000
    return raw


def test_class_templates_show_each_column_as_an_image(tmp_path):
    W = np.random.default_rng(0).standard_normal((64, 10))
    fig = plot.class_templates(W, (8, 8), path=tmp_path / "t.png")
    saved(tmp_path / "t.png")
    images = [ax.get_images()[0].get_array() for ax in fig.axes if ax.get_images()]
    assert len(images) == 10
    k = 3
    col = W[:, k].reshape(8, 8)
    np.testing.assert_allclose(images[k], (col - col.min()) / np.ptp(col))
    assert [ax.get_title() for ax in fig.axes[:10]] == [str(i) for i in range(10)]
    lin = nn.Linear(3 * 4 * 4, 2, rng=0)  # a layer works too; colour images are channel first
    fig = plot.class_templates(lin, (3, 4, 4), class_names=["cat", "car"])
    assert fig.axes[0].get_images()[0].get_array().shape == (4, 4, 3) and fig.axes[1].get_title() == "car"
    with pytest.raises(
        ValueError, match=r"class_templates: weights of shape \(64, 10\) do not hold images of shape \(7, 7\)"
    ):
        plot.class_templates(W, (7, 7))


def test_loss_surface_with_optimizer_paths(tmp_path):
    def rosenbrock(x):
        return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2

    paths = {
        "SGD+momentum": monitor.optimizer_path(rosenbrock, [-1.5, 2.0], optim.SGD, steps=200, lr=2e-4, momentum=0.9),
        "Adam": monitor.optimizer_path(rosenbrock, [-1.5, 2.0], optim.Adam, steps=200, lr=0.05),
        "L-BFGS": monitor.optimizer_path(
            rosenbrock, [-1.5, 2.0], optim.LBFGS, steps=10, max_iter=5, line_search_fn="strong_wolfe"
        ),
    }
    fig = plot.loss_surface(rosenbrock, (-2, 2), (-1, 3), paths=paths, path=tmp_path / "surface.png")
    saved(tmp_path / "surface.png")
    ax = fig.axes[0]
    drawn = {line.get_label(): line.get_xydata() for line in ax.get_lines()}
    for name, p in paths.items():
        np.testing.assert_allclose(drawn[name], p)
    np.testing.assert_allclose(paths["L-BFGS"][-1], [1.0, 1.0], atol=1e-3)
    # a function that cannot take the whole grid at once is evaluated point by point
    Z = plot._surface(
        lambda x: ag.Tensor(float(x.data[0] ** 2 + x.data[1] ** 2)), np.array([0.0, 1.0]), np.array([2.0])
    )
    np.testing.assert_allclose(Z, [[4.0, 5.0]])


def test_curves_histograms_ratios_and_sweeps_render(tmp_path):
    losses = 2.3 * np.exp(-np.arange(300) / 80) + 0.2 * np.random.default_rng(0).random(300)
    fig = plot.loss_curve(losses, window=25, val_losses=[2.0, 1.0, 0.6], path=tmp_path / "loss.png")
    saved(tmp_path / "loss.png")
    np.testing.assert_allclose(fig.axes[0].get_lines()[1].get_ydata(), monitor.moving_average(losses, 25))
    h = History(train_acc=[0.5, 0.8, 0.95], val_acc=[0.5, 0.7, 0.75])
    plot.accuracy_curves(h, path=tmp_path / "acc.png")
    saved(tmp_path / "acc.png")

    X = np.random.default_rng(1).standard_normal((100, 20))
    model = nn.MLP([20, 30, 30, 3], activation="tanh", rng=0)
    with monitor.LayerStats(model) as stats:
        ag.cross_entropy(model(X), np.zeros(100, dtype=np.int64)).backward()
    fig = plot.layer_histograms(stats, path=tmp_path / "hist.png")
    saved(tmp_path / "hist.png")
    assert len([ax for ax in fig.axes if ax.patches]) == 10  # 5 layers x (activations, gradients)
    fig = plot.layer_histograms(stats, bins=4, gradients=False, range=(-1.0, 1.0))
    types = [r["type"] for r in stats.summary()]
    assert types == ["Linear", "Tanh", "Linear", "Tanh", "Linear"]
    for ax, kind in zip(fig.axes, types):  # the same 4 bins of width 0.5 in every panel
        assert ax.get_xlim() == (-1.0, 1.0)
        assert [p.get_x() for p in ax.patches] == [-1.0, -0.5, 0.0, 0.5]
        if kind == "Tanh":  # all of tanh's 100 x 30 outputs lie in the range
            assert sum(p.get_height() for p in ax.patches) == 100 * 30
    with pytest.raises(ValueError, match="range must be"):
        plot.layer_histograms(stats, range=(1.0, -1.0))

    opt = optim.SGD(model, lr=0.01)
    mon = optim.UpdateRatioMonitor(opt)
    for _ in range(5):
        opt.zero_grad()
        ag.cross_entropy(model(X), np.zeros(100, dtype=np.int64)).backward()
        with mon:
            opt.step()
    fig = plot.update_ratios(mon, path=tmp_path / "ratio.png")
    saved(tmp_path / "ratio.png")
    assert fig.axes[0].get_yscale() == "log" and len(fig.axes[0].get_lines()) == 6 + 1

    Xs, ys = ag.data.spiral(30, seed=0)
    sweep = monitor.lr_sweep(
        lambda: nn.MLP([2, 16, 3], rng=0), ag.cross_entropy, Xs, ys, lrs=(1.0, 1e-4), iterations=20, batch_size=30
    )
    fig = plot.lr_sweep(sweep, path=tmp_path / "sweep.png")
    saved(tmp_path / "sweep.png")
    assert fig.axes[0].get_legend().get_texts()[1].get_text().endswith("barely moves (too small)")


def test_search_scatter_plots_score_against_each_hyperparameter(tmp_path):
    space = {"lr": tune.LogUniform(1e-5, 1e-1), "reg": tune.Uniform(0.0, 1.0), "act": tune.Choice(["relu", "tanh"])}
    res = tune.coarse_to_fine(
        lambda p: 1 - (np.log10(p["lr"]) + 3) ** 2 / 10 - p["reg"] / 5, space, rounds=2, n_trials=15, seed=0
    )
    fig = plot.search_scatter(res, path=tmp_path / "search.png")
    saved(tmp_path / "search.png")
    lr_ax, reg_ax, act_ax = fig.axes
    assert lr_ax.get_xscale() == "log" and reg_ax.get_xscale() == "linear"
    pts = lr_ax.collections[0].get_offsets()
    np.testing.assert_allclose(pts[:, 0], [t.params["lr"] for t in res.trials])
    np.testing.assert_allclose(pts[:, 1], [t.score for t in res.trials])
    np.testing.assert_allclose(lr_ax.collections[1].get_offsets()[0], [res.best.params["lr"], res.best.score])
    assert [t.get_text() for t in act_ax.get_xticklabels()] == ["relu", "tanh"]


def test_without_matplotlib_the_error_names_the_extra(monkeypatch):
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(ImportError, match=r"autograd_lite.plot needs matplotlib.*pip install 'autograd-lite\[plot\]'"):
        plot.loss_curve([1.0, 0.5])


def test_importing_the_package_does_not_import_matplotlib():
    import subprocess
    import sys

    code = "import sys, autograd_lite as ag; ag.plot; print('matplotlib' in sys.modules, 'tqdm' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]
