"""Training end to end: the spiral and moons reach the course's accuracies; fit, progress bar,
sanity-check helpers and the demo section."""

from __future__ import annotations

import io
import math
import re
import time

import numpy as np
import pytest

from autograd_lite import data, losses, nn, optim, train


def _spiral():
    X, y = data.spiral(100, classes=3, seed=0)
    return data.train_val_split(X, y, val_fraction=0.2, seed=0)


def test_two_layer_net_fits_the_spiral_and_a_linear_classifier_does_not():
    X_tr, X_val, y_tr, y_val = _spiral()
    model = nn.MLP([2, 100, 3], rng=0)
    weights = [p for n, p in model.named_parameters() if n.endswith("weight")]
    opt = optim.Adam(model, lr=1e-2)
    start = time.perf_counter()
    hist = train.fit(
        model,
        losses.cross_entropy,
        opt,
        X_tr,
        y_tr,
        epochs=200,
        batch_size=32,
        val=(X_val, y_val),
        regularization=lambda: 5e-4 * losses.l2_penalty(weights),
        seed=0,
        progress=False,
    )
    assert time.perf_counter() - start < 30
    assert hist.train_acc[-1] > 0.95
    assert hist.val_acc[-1] > 0.85
    assert hist.loss[-1] < hist.loss[0] < math.log(3) + 0.5
    assert len(hist.loss) == len(hist.val_acc) == len(hist.val_loss) == 200
    linear = nn.Linear(2, 3, rng=0)
    h = train.fit(linear, losses.cross_entropy, optim.Adam(linear, lr=1e-2), X_tr, y_tr, epochs=60, progress=False)
    assert 0.35 < h.train_acc[-1] < 0.65  # about 50%: the spiral is not linearly separable


def test_svm_loss_and_sgd_momentum_fit_the_spiral_too():
    X_tr, _, y_tr, _ = _spiral()
    model = nn.MLP([2, 100, 3], rng=1)
    opt = optim.SGD(model, lr=0.05, momentum=0.9)
    hist = train.fit(model, losses.hinge_loss, opt, X_tr, y_tr, epochs=150, batch_size=32, seed=1, progress=False)
    assert hist.train_acc[-1] > 0.95


def test_moons_with_binary_cross_entropy():
    X, y = data.moons(200, noise=0.1, seed=0)
    model = nn.MLP([2, 32, 32, 1], activation="tanh", rng=0)

    def loss_fn(scores, t):
        return losses.binary_cross_entropy_with_logits(scores.reshape(-1), np.asarray(t, dtype=float))

    hist = train.fit(
        model, loss_fn, optim.Adam(model, lr=1e-2), X, y, epochs=100, batch_size=32, seed=0, progress=False
    )
    assert hist.train_acc[-1] > 0.97


def test_batchnorm_dropout_network_trains_and_evaluates_deterministically():
    X_tr, X_val, y_tr, y_val = _spiral()
    model = nn.MLP([2, 64, 64, 3], batchnorm=True, dropout=0.1, rng=0)
    opt = optim.AdamW(model, lr=1e-2, weight_decay=1e-4)
    hist = train.fit(
        model,
        losses.cross_entropy,
        opt,
        X_tr,
        y_tr,
        epochs=80,
        batch_size=32,
        seed=0,
        scheduler=optim.StepLR(opt, 30, 0.5),
        progress=False,
    )
    assert hist.train_acc[-1] > 0.9
    assert hist.lr[0] == pytest.approx(1e-2) and hist.lr[-1] == pytest.approx(1e-2 * 0.25)
    a, b = train.predict(model, X_val), train.predict(model, X_val)
    np.testing.assert_array_equal(a, b)  # eval mode: no dropout, running statistics
    assert model.training  # predict puts the training mode back


def test_sanity_checks_initial_loss_and_overfitting():
    X_tr, _, y_tr, _ = _spiral()
    model = nn.MLP([2, 50, 3], init="small", rng=0)
    loss, expected = train.initial_loss_check(model, losses.cross_entropy, X_tr, y_tr)
    assert expected == pytest.approx(math.log(3)) and loss == pytest.approx(expected, abs=0.01)
    loss, expected = train.initial_loss_check(model, losses.hinge_loss, X_tr, y_tr, kind="svm")
    assert expected == 2.0 and loss == pytest.approx(2.0, abs=0.01)
    big = nn.MLP([2, 100, 3], rng=0)
    acc = train.overfit_check(big, losses.cross_entropy, optim.Adam(big, lr=1e-2), X_tr, y_tr, n=20, steps=200)
    assert acc == 1.0
    with pytest.raises(ValueError, match="initial_loss_check: kind must be 'softmax' or 'svm'"):
        train.initial_loss_check(model, losses.cross_entropy, X_tr, y_tr, kind="l2")


def test_progress_bar_plain_stream_and_accuracy():
    buf = io.StringIO()  # not a terminal: tqdm's bar as a few plain lines (start, half, end)
    bar = train.progress_bar(8, "epochs", file=buf, lines=2)
    for i in range(8):
        bar.set_postfix(loss=1.0 / (i + 1), refresh=False)
        bar.update(1)
    bar.close()
    lines = buf.getvalue().splitlines()
    assert len(lines) == 3 and "\r" not in buf.getvalue()
    assert re.match(r"epochs: 100%\|#{10}\| 8/8 .*loss=0\.125", lines[-1])
    assert re.match(r"epochs:  50%\|#{5} {5}\| 4/8 .*loss=0\.25", lines[1]) and " 0/8 " in lines[0]
    assert train.accuracy(np.array([[1, 2], [3, 0], [0, 1]]), np.array([1, 0, 0])) == pytest.approx(2 / 3)
    assert train.accuracy(np.array([[0.5], [-1.0]]), np.array([1, 1])) == 0.5
    with pytest.raises(ValueError, match=r"accuracy: scores of shape \(3, 2\) and labels of shape \(2,\) disagree"):
        train.accuracy(np.zeros((3, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="fit: epochs must be a positive integer, got 0"):
        train.fit(nn.Linear(2, 2), losses.cross_entropy, optim.SGD(nn.Linear(2, 2)), np.ones((2, 2)), [0, 1], epochs=0)


def test_demo_training_section(tmp_path, capsys):
    from autograd_lite.demo import section_training

    section_training(tmp_path)
    out = capsys.readouterr().out
    train_acc = float(re.search(r"two-layer network.*train ([\d.]+)%", out).group(1))
    linear_acc = float(re.search(r"linear softmax classifier:\s+train ([\d.]+)%", out).group(1))
    assert train_acc > 95 and 35 < linear_acc < 65
    assert "gradcheck passed" in out
    for name in ("0.weight", "0.bias", "2.weight", "2.bias"):
        assert re.search(rf"^{re.escape(name)}\s.*pass$", out, re.M), name
    restored = nn.MLP([2, 100, 3], rng=5).load(tmp_path / "spiral_net.npz")
    assert restored.num_parameters() == 2 * 100 + 100 + 100 * 3 + 3
