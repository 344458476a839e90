"""Babysitting tools: learning-rate sweep, moving average, train/val gap, per-layer statistics by
hooks, optimizer paths."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite import data, monitor, nn, optim
from autograd_lite.train import History


@settings(max_examples=50)
@given(values=st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=40), window=st.integers(1, 12))
def test_moving_average_is_the_trailing_mean(values, window):
    got = monitor.moving_average(values, window)
    want = [np.mean(values[max(0, i + 1 - window) : i + 1]) for i in range(len(values))]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


def test_moving_average_errors_and_nan():
    assert np.isnan(monitor.moving_average([1.0, math.nan, 1.0, 1.0], 2)[:3]).tolist() == [False, True, True]
    with pytest.raises(ValueError, match="moving_average: window must be a positive integer, got 0"):
        monitor.moving_average([1.0], 0)


@pytest.fixture(scope="module")
def digits():
    X, y = data.digits("train")
    return data.Standardize().fit_transform(X), y


def test_lr_sweep_tells_falling_rates_from_tiny_and_exploding_ones(digits):
    X, y = digits
    sweep = monitor.lr_sweep(
        lambda: nn.MLP([64, 32, 10], rng=0),
        ag.cross_entropy,
        X,
        y,
        lrs=(30.0, 1e-1, 1e-6),
        iterations=60,
        batch_size=64,
    )
    assert all(len(c) == 60 for c in sweep.losses.values())
    first = {lr: c[0] for lr, c in sweep.losses.items()}
    assert len(set(first.values())) == 1  # same initialization and first batch for every rate
    assert sweep.verdict(1e-1) == "falls" and sweep.falling() == [1e-1] and sweep.best == 1e-1
    assert sweep.verdict(1e-6) == "barely moves (too small)"
    assert sweep.verdict(30.0) == "explodes (too large)"
    assert sweep.ratio(1e-1) < 0.5 and 0.9 < sweep.ratio(1e-6) < 1.1  # minibatch noise only
    report = sweep.report().splitlines()
    assert len(report) == 4 and report[2].startswith("1.0e-01") and report[2].endswith("falls")


def test_train_val_gap_reads_overfitting():
    h = History(train_acc=[0.5, 0.9, 1.0], val_acc=[0.5, 0.7, 0.75])
    gap = monitor.train_val_gap(h)
    np.testing.assert_allclose(gap.gap, [0.0, 0.2, 0.25])
    assert "overfitting" in str(gap)
    assert "bigger model" in monitor.train_val_gap(History(train_acc=[0.6], val_acc=[0.6])).verdict
    with pytest.raises(ValueError, match=r"train_val_gap: the history has no validation accuracy"):
        monitor.train_val_gap(History(train_acc=[0.6]))


def test_layer_stats_record_activations_and_the_gradient_at_each_layer():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((50, 20)), rng.integers(0, 4, 50)
    model = nn.MLP([20, 30, 30, 4], activation="tanh", rng=0)
    with monitor.LayerStats(model) as stats:
        loss = ag.cross_entropy(model(X), y)
        loss.backward()
    names = [r["layer"] for r in stats.summary()]
    assert names == ["0", "1", "2", "3", "4"]
    assert [r["type"] for r in stats.summary()] == ["Linear", "Tanh", "Linear", "Tanh", "Linear"]
    # activations are the layers' real outputs
    lin0 = model.layers[0]
    np.testing.assert_allclose(stats.activations["0"], X @ lin0.weight.data + lin0.bias.data)
    np.testing.assert_allclose(stats.activations["1"], np.tanh(stats.activations["0"]))
    # the gradient at the scores: d mean-cross-entropy / d s = (softmax(s) - onehot) / N
    s = stats.activations["4"]
    p = np.exp(s - s.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    p[np.arange(50), y] -= 1
    np.testing.assert_allclose(stats.gradients["4"], p / 50, rtol=1e-10, atol=1e-14)
    # through tanh: dL/d(pre-activation) = dL/d(activation) * (1 - tanh^2)
    np.testing.assert_allclose(
        stats.gradients["2"], stats.gradients["3"] * (1 - stats.activations["3"] ** 2), rtol=1e-10
    )
    row = stats.summary()[1]
    assert row["act_std"] == pytest.approx(stats.activations["1"].std())
    assert "1 (Tanh)" in stats.table()
    # the hooks are gone after the block
    model(X[:5])
    assert stats.activations["1"].shape == (50, 30) and not any(
        mod.__dict__.get("_forward_hooks") for _, mod in model.named_modules()
    )


def test_layer_stats_show_the_lectures_vanishing_activations():
    """Small random init (0.01 randn) with tanh: the activations shrink towards zero layer by
    layer; Xavier keeps them spread (the initialization lecture's histograms)."""
    X = np.random.default_rng(1).standard_normal((200, 100))

    def stds(init):
        model = nn.Sequential(*[m for _ in range(5) for m in (nn.Linear(100, 100, init=init, rng=0), nn.Tanh())])
        with monitor.LayerStats(model, [(n, m) for n, m in model.named_modules() if type(m).__name__ == "Tanh"]) as st_:
            with ag.no_grad():
                model(X)
        return [r["act_std"] for r in st_.summary()]

    small, xavier = stds("small"), stds("xavier")
    assert all(b < a / 5 for a, b in zip(small, small[1:])) and small[-1] < 1e-4
    assert min(xavier) > 0.2
    idle = monitor.LayerStats(nn.Linear(2, 2))
    assert idle.summary() == [] and "nothing recorded" in idle.table()


def test_update_ratio_monitor_is_optims():
    assert monitor.UpdateRatioMonitor is optim.UpdateRatioMonitor


def test_optimizer_path_follows_the_closed_form():
    # f = 0.5 |x|^2: gradient descent gives x_t = (1 - lr)^t x0
    path = monitor.optimizer_path(lambda x: 0.5 * (x * x).sum(), [2.0, -1.0], optim.SGD, steps=10, lr=0.1)
    assert path.shape == (11, 2)
    np.testing.assert_allclose(path, np.outer(0.9 ** np.arange(11), [2.0, -1.0]), rtol=1e-12)
    lb = monitor.optimizer_path(lambda x: 0.5 * (x * x).sum(), [2.0, -1.0], optim.LBFGS, steps=2)
    np.testing.assert_allclose(lb[-1], 0.0, atol=1e-8)
