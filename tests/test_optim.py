"""Optimizers step by step against the textbook update rules, schedules against closed forms,
the update-ratio monitor against its definition."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite import optim

STEPS = 6


def _run(make_opt, dtype=np.float64, seed=0, shape=(3, 2)):
    """Run an optimizer for STEPS steps on one parameter with given random gradients; return the
    parameter's trajectory, the gradients fed, and the start value."""
    rng = np.random.default_rng(seed)
    w0 = rng.standard_normal(shape).astype(dtype)
    p = ag.nn.Parameter(w0.copy(), name="w")
    opt = make_opt([p])
    grads = [rng.standard_normal(shape).astype(dtype) for _ in range(STEPS)]
    traj = []
    for g in grads:
        opt.zero_grad()
        assert p.grad is None
        p.grad = ag.Tensor(g)
        opt.step()
        assert p.is_leaf and p.op is None and p.requires_grad  # no graph recorded
        assert p.dtype == dtype
        traj.append(p.numpy().copy())
    return w0, grads, traj


def _check(traj, expected, rtol=1e-12):
    for t, (a, b) in enumerate(zip(traj, expected, strict=True)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-14, err_msg=f"step {t + 1}")


# The reference rules below are written from the course notes, one line each.
@settings(max_examples=10)
@given(st.integers(0, 2**31 - 1), st.sampled_from([0.0, 0.9]), st.booleans(), st.sampled_from([0.0, 1e-2]))
def test_sgd_momentum_nesterov_weight_decay(seed, rho, nesterov, wd):
    nesterov = nesterov and rho > 0
    lr = 0.1
    w0, grads, traj = _run(lambda ps: optim.SGD(ps, lr=lr, momentum=rho, nesterov=nesterov, weight_decay=wd), seed=seed)
    x, v, expected = w0.copy(), np.zeros_like(w0), []
    for dx in grads:
        dx = dx + wd * x
        v = rho * v + dx  # the lecture: v = rho v + dx; x -= lr v
        x = x - lr * ((dx + rho * v) if nesterov else v)  # Nesterov as PyTorch
        expected.append(x)
    _check(traj, expected)


def test_plain_sgd_is_w_minus_lr_dw():
    w0, grads, traj = _run(lambda ps: optim.SGD(ps, lr=0.5))
    np.testing.assert_allclose(traj[0], w0 - 0.5 * grads[0], rtol=1e-15)


@settings(max_examples=10)
@given(st.integers(0, 2**31 - 1))
def test_adagrad(seed):
    w0, grads, traj = _run(lambda ps: optim.Adagrad(ps, lr=0.3), seed=seed)
    x, g2, expected = w0.copy(), np.zeros_like(w0), []
    for dx in grads:
        g2 += dx * dx
        x = x - 0.3 * dx / (np.sqrt(g2) + 1e-7)
        expected.append(x)
    _check(traj, expected)


@settings(max_examples=10)
@given(st.integers(0, 2**31 - 1), st.sampled_from([0.9, 0.99]))
def test_rmsprop(seed, decay):
    w0, grads, traj = _run(lambda ps: optim.RMSprop(ps, lr=0.01, alpha=decay), seed=seed)
    x, g2, expected = w0.copy(), np.zeros_like(w0), []
    for dx in grads:
        g2 = decay * g2 + (1 - decay) * dx * dx
        x = x - 0.01 * dx / (np.sqrt(g2) + 1e-7)
        expected.append(x)
    _check(traj, expected)


@settings(max_examples=10)
@given(st.integers(0, 2**31 - 1), st.sampled_from([0.0, 0.1]))
def test_adam_with_bias_correction(seed, wd):
    b1, b2, lr = 0.9, 0.999, 1e-3
    w0, grads, traj = _run(lambda ps: optim.Adam(ps, lr=lr, weight_decay=wd), seed=seed)
    x, m, v, expected = w0.copy(), np.zeros_like(w0), np.zeros_like(w0), []
    for t, dx in enumerate(grads, start=1):
        dx = dx + wd * x
        m = b1 * m + (1 - b1) * dx
        v = b2 * v + (1 - b2) * dx**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        x = x - lr * m_hat / (np.sqrt(v_hat) + 1e-7)
        expected.append(x)
    _check(traj, expected)
    # the first step of Adam moves every coordinate by about lr (m_hat / sqrt(v_hat) = sign(g))
    if wd == 0:
        np.testing.assert_allclose(np.abs(traj[0] - w0), lr, rtol=1e-3)


def test_adamw_decouples_weight_decay():
    b1, b2, lr, wd = 0.9, 0.999, 1e-2, 0.1
    w0, grads, traj = _run(lambda ps: optim.AdamW(ps, lr=lr, betas=(b1, b2), eps=1e-8, weight_decay=wd))
    x, m, v, expected = w0.copy(), np.zeros_like(w0), np.zeros_like(w0), []
    for t, dx in enumerate(grads, start=1):
        x = x - lr * wd * x
        m = b1 * m + (1 - b1) * dx
        v = b2 * v + (1 - b2) * dx**2
        x = x - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + 1e-8)
        expected.append(x)
    _check(traj, expected)


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9), lambda ps: optim.Adagrad(ps),
    lambda ps: optim.RMSprop(ps), lambda ps: optim.Adam(ps), lambda ps: optim.AdamW(ps),
])  # fmt: skip
def test_float32_parameters_stay_float32_and_close_to_float64(make):
    _, _, t64 = _run(make, np.float64)
    _, _, t32 = _run(make, np.float32)
    np.testing.assert_allclose(t32[-1], t64[-1], rtol=1e-4, atol=1e-5)


def test_step_records_no_graph_even_inside_enable_grad():
    p = ag.nn.Parameter(np.ones(3))
    opt = optim.Adam([p], lr=0.1)
    (p * p).sum().backward()
    with ag.enable_grad():
        opt.step()
    assert p.is_leaf and p.op is None and ag.is_grad_enabled()
    # a parameter without a gradient is left alone
    q = ag.nn.Parameter(np.ones(2))
    opt2 = optim.SGD([p, q], lr=1.0)
    opt2.step()
    np.testing.assert_array_equal(q.numpy(), 1.0)


def test_optimizer_minimizes_a_quadratic():
    # f(w) = ||w - c||^2: every optimizer reaches c
    c = np.array([1.0, -2.0, 3.0])
    for opt_cls, kw in [
        (optim.SGD, {"lr": 0.1, "momentum": 0.9}),
        (optim.Adam, {"lr": 0.1}),
        (optim.RMSprop, {"lr": 0.01}),
        (optim.Adagrad, {"lr": 0.5}),
    ]:
        w = ag.nn.Parameter(np.zeros(3))
        opt = opt_cls([w], **kw)
        for _ in range(500):
            opt.zero_grad()
            ((w - c) * (w - c)).sum().backward()
            opt.step()
        np.testing.assert_allclose(w.numpy(), c, atol=0.05, err_msg=opt_cls.__name__)


def test_fixed_step_regimes_on_a_quadratic():
    # f = a/2 w^2: eta_opt = 1/a; below: monotone, between eta_opt and 2 eta_opt: oscillates, above: diverges
    a = 4.0

    def run(eta):
        w = ag.nn.Parameter(np.array([1.0]))
        opt = optim.SGD([w], lr=eta)
        out = []
        for _ in range(20):
            opt.zero_grad()
            (0.5 * a * w * w).sum().backward()
            opt.step()
            out.append(w.item())
        return np.array(out)

    slow, osc, div = run(0.5 / a), run(1.5 / a), run(2.5 / a)
    assert np.all(slow > 0) and np.all(np.diff(slow) < 0)
    assert np.all(np.sign(osc[:-1]) != np.sign(osc[1:])) and abs(osc[-1]) < 1e-3
    assert abs(div[-1]) > 1e3


# ----------------------------------------------------------------------------- schedules
def _lrs(sched, n):
    return [sched.step() for _ in range(n)]


def test_schedules_follow_their_closed_forms():
    p = [ag.nn.Parameter(np.zeros(1))]
    lr0 = 0.4
    got = _lrs(optim.StepLR(optim.SGD(p, lr=lr0), step_size=3, gamma=0.5), 10)
    np.testing.assert_allclose(got, [lr0 * 0.5 ** (t // 3) for t in range(1, 11)])
    got = _lrs(optim.ExponentialLR(optim.SGD(p, lr=lr0), k=0.2), 10)
    np.testing.assert_allclose(got, [lr0 * math.exp(-0.2 * t) for t in range(1, 11)], rtol=1e-12)
    got = _lrs(optim.ExponentialLR(optim.SGD(p, lr=lr0), gamma=0.9), 5)
    np.testing.assert_allclose(got, [lr0 * 0.9**t for t in range(1, 6)], rtol=1e-12)
    got = _lrs(optim.InverseTimeLR(optim.SGD(p, lr=lr0), k=0.5), 10)
    np.testing.assert_allclose(got, [lr0 / (1 + 0.5 * t) for t in range(1, 11)], rtol=1e-12)
    got = _lrs(optim.CosineAnnealingLR(optim.Adam(p, lr=lr0), T_max=8, eta_min=0.01), 10)
    cos = [0.01 + (lr0 - 0.01) * (1 + math.cos(math.pi * min(t, 8) / 8)) / 2 for t in range(1, 11)]
    np.testing.assert_allclose(got, cos, rtol=1e-12)
    assert got[3] == pytest.approx((lr0 + 0.01) / 2)  # half way down at T_max / 2
    assert got[-1] == pytest.approx(0.01)


def test_schedule_drives_the_optimizer_update():
    p = ag.nn.Parameter(np.array([0.0]))
    opt = optim.SGD([p], lr=1.0)
    sched = optim.StepLR(opt, step_size=1, gamma=0.5)
    sched.step()  # lr 0.5
    p.grad = ag.Tensor([2.0])
    opt.step()
    assert p.item() == pytest.approx(-1.0)
    assert sched.get_last_lr() == 0.5


# ----------------------------------------------------------------------------- monitor
def test_update_ratio_monitor_matches_definition():
    model = ag.nn.Linear(4, 3, rng=0)
    model.bias.data[:] = 0.5
    opt = optim.SGD(model.named_parameters(), lr=1e-2)
    mon = optim.UpdateRatioMonitor(opt)
    x = np.random.default_rng(0).standard_normal((5, 4))
    ag.cross_entropy(model(x), [0, 1, 2, 0, 1]).backward()
    before = {n: p.numpy().copy() for n, p in model.named_parameters()}
    grads = {n: p.grad.numpy().copy() for n, p in model.named_parameters()}
    with mon:
        opt.step()
    assert set(mon.last) == {"weight", "bias"}
    for n in before:
        expected = np.linalg.norm(1e-2 * grads[n]) / np.linalg.norm(before[n])
        assert mon.last[n] == pytest.approx(expected)
        assert mon.history[n] == [mon.last[n]]
    text = mon.report()
    assert "weight" in text and "update/weight" in text


def test_monitor_flags_ratios_far_from_1e_3():
    p = ag.nn.Parameter(np.ones(4), name="w")
    opt = optim.SGD([p], lr=1.0)
    mon = optim.UpdateRatioMonitor(opt)
    p.grad = ag.Tensor(np.ones(4))
    with mon:
        opt.step()
    assert mon.last["w"] == pytest.approx(1.0)
    assert "too large" in mon.report()


# ----------------------------------------------------------------------------- bad input
def test_optimizer_errors():
    p = ag.nn.Parameter(np.ones(2))
    with pytest.raises(ValueError, match="SGD: got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="Adam: lr must be >= 0, got -1"):
        optim.Adam([p], lr=-1)
    with pytest.raises(ValueError, match=r"Adam: betas must be in \[0, 1\), got \(0.9, 1.0\)"):
        optim.Adam([p], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="SGD: nesterov=True needs momentum > 0"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="must be a leaf tensor with requires_grad=True"):
        optim.SGD([ag.Tensor([1.0])], lr=0.1)
    with pytest.raises(TypeError, match="SGD: params must be tensors, item 0 is ndarray"):
        optim.SGD([np.ones(2)], lr=0.1)
    with pytest.raises(ValueError, match="StepLR: step_size must be a positive integer, got 0"):
        optim.StepLR(optim.SGD([p], lr=0.1), step_size=0)
    with pytest.raises(ValueError, match="ExponentialLR: give exactly one of gamma"):
        optim.ExponentialLR(optim.SGD([p], lr=0.1))
    with pytest.raises(ValueError, match=r"grad: a gradient of shape \(3,\) float64 for a tensor of shape \(2,\)"):
        p.grad = ag.Tensor(np.ones(3))  # refused at the assignment (it used to reach step())
