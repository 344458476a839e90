"""Second order: L-BFGS (closure-based, with and without the strong-Wolfe line search), a Newton
step from the exact Hessian; and the cyclic cosine schedule of snapshot ensembles."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import optim

rng = np.random.default_rng(0)
M = rng.standard_normal((5, 5))
A = M @ M.T + 0.5 * np.eye(5)  # symmetric positive definite, condition number ~ 30
b = rng.standard_normal(5)
x_star = np.linalg.solve(A, b)


def quadratic(x):
    return 0.5 * (x @ (A @ x)) - b @ x


def rosenbrock(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def closure_for(f, x, opt_ref):
    def closure():
        opt_ref[0].zero_grad()
        loss = f(x)
        loss.backward()
        return loss

    return closure


def run_lbfgs(f, x0, steps=1, **kw):
    x = ag.Tensor(np.array(x0, dtype=np.float64), requires_grad=True)
    ref = [None]
    ref[0] = opt = optim.LBFGS([x], **kw)
    losses = [opt.step(closure_for(f, x, ref)) for _ in range(steps)]
    return x, opt, losses


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_lbfgs_solves_a_quadratic(line_search):
    x, opt, losses = run_lbfgs(
        quadratic,
        np.zeros(5),
        steps=3,
        max_iter=50,
        line_search_fn=line_search,
        lr=1.0 if line_search else 0.3,
        tolerance_grad=1e-12,
        tolerance_change=1e-15,
    )
    np.testing.assert_allclose(x.data, x_star, rtol=1e-6, atol=1e-8)
    assert losses[0] == 0.0 and losses[-1] <= losses[0]  # step returns the loss before its iterations


def test_lbfgs_with_line_search_reaches_the_rosenbrock_minimum_quickly():
    x, opt, _ = run_lbfgs(
        rosenbrock,
        [-1.2, 1.0],
        steps=1,
        max_iter=100,
        line_search_fn="strong_wolfe",
        tolerance_grad=1e-12,
        tolerance_change=1e-15,
    )
    np.testing.assert_allclose(x.data, [1.0, 1.0], atol=1e-6)
    assert opt.n_iter < 60 and opt.evals < 100  # plain gradient descent needs thousands of steps
    y, slow, _ = run_lbfgs(rosenbrock, [-1.2, 1.0], steps=20, max_iter=20, lr=0.1, tolerance_change=1e-15)
    np.testing.assert_allclose(y.data, [1.0, 1.0], atol=1e-3)


def test_strong_wolfe_steps_satisfy_the_wolfe_conditions():
    f0_x = np.array([-1.2, 1.0])

    def fg(v):
        t = ag.Tensor(v, requires_grad=True)
        loss = rosenbrock(t)
        loss.backward()
        return float(loss.item()), t.grad.data

    f0, g0 = fg(f0_x)
    d = -g0
    gtd0 = float(g0 @ d)
    phi = lambda t: (lambda f, g: (f, g, float(g @ d)))(*fg(f0_x + t * d))
    t, f, g, evals = optim._strong_wolfe(phi, 1.0 / np.abs(g0).sum(), f0, gtd0, g0)
    assert f <= f0 + 1e-4 * t * gtd0  # sufficient decrease
    assert abs(float(g @ d)) <= 0.9 * abs(gtd0)  # curvature (strong)
    assert evals >= 1 and t > 0


def test_lbfgs_matches_pytorch_without_line_search():
    torch = pytest.importorskip("torch")
    x, _, _ = run_lbfgs(rosenbrock, [-1.2, 1.0], steps=3, max_iter=10, lr=0.1, history_size=5)
    xt = torch.tensor([-1.2, 1.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([xt], lr=0.1, max_iter=10, history_size=5)

    def closure():
        opt.zero_grad()
        loss = (1 - xt[0]) ** 2 + 100 * (xt[1] - xt[0] ** 2) ** 2
        loss.backward()
        return loss

    for _ in range(3):
        opt.step(closure)
    np.testing.assert_allclose(x.data, xt.detach().numpy(), rtol=1e-10)


def test_lbfgs_needs_a_closure_and_valid_options():
    x = ag.Tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(TypeError, match=r"LBFGS.step: needs a closure"):
        optim.LBFGS([x]).step()
    with pytest.raises(ValueError, match="LBFGS: line_search_fn must be None or 'strong_wolfe', got 'armijo'"):
        optim.LBFGS([x], line_search_fn="armijo")
    assert repr(optim.LBFGS([x])) == "LBFGS(1 tensors, lr=1.0, max_iter=20, history_size=100, line_search_fn=None)"


def test_lbfgs_trains_a_small_network_full_batch():
    X, y = ag.data.spiral(50, classes=3, seed=0)
    model = ag.nn.MLP([2, 30, 3], rng=0)
    opt = optim.LBFGS(model, max_iter=40, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = ag.cross_entropy(model(X), y)
        loss.backward()
        return loss

    first = opt.step(closure)
    for _ in range(4):
        opt.step(closure)
    assert first == pytest.approx(float(ag.cross_entropy(ag.nn.MLP([2, 30, 3], rng=0)(X), y).item()))
    assert ag.train.accuracy(ag.train.predict(model, X), y) > 0.9


# --------------------------------------------------------------------------- Newton
def test_newton_converges_in_one_step_on_a_quadratic():
    x = ag.Tensor(np.array([3.0, -2.0, 1.0, 0.0, 5.0]), requires_grad=True)
    before = optim.newton_step(lambda: quadratic(x), [x])
    np.testing.assert_allclose(x.data, x_star, rtol=1e-12, atol=1e-12)
    assert before == pytest.approx(float(quadratic(ag.Tensor(np.array([3.0, -2.0, 1.0, 0.0, 5.0]))).item()))
    g = ag.grad(quadratic)(ag.Tensor(x.data))
    np.testing.assert_allclose(g.data, 0.0, atol=1e-12)


def test_newton_step_over_several_parameters_uses_the_exact_hessian():
    """One step on a logistic regression equals theta - H^-1 g with H from ag.hessian on the
    flattened parameters."""
    X, t = rng.standard_normal((30, 3)), (rng.random(30) < 0.5).astype(float)
    w = ag.Tensor(rng.standard_normal(3) * 0.1, requires_grad=True)
    c = ag.Tensor(np.array(0.2), requires_grad=True)

    def loss_of(theta):
        return ag.binary_cross_entropy_with_logits(X @ theta[:3] + theta[3], t) + 0.01 * (theta * theta).sum()

    theta0 = np.concatenate([w.data, [c.data]])
    H = ag.hessian(loss_of, ag.Tensor(theta0)).data
    g = ag.grad(loss_of)(ag.Tensor(theta0)).data
    optim.newton_step(lambda: loss_of(ag.concatenate([w, c.reshape(1)])), [w, c])
    expected = theta0 - np.linalg.solve(H, g)
    np.testing.assert_allclose(np.concatenate([w.data, [c.data]]), expected, rtol=1e-10)


def test_newton_damping_and_singular_hessians():
    x = ag.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(np.linalg.LinAlgError, match=r"newton_step: the Hessian \(2 x 2\) plus damping=0.0 is singular"):
        optim.newton_step(lambda: (x[0] - 1.0) ** 2, [x])  # flat in x[1]
    optim.newton_step(lambda: (x[0] - 3.0) ** 2, [x], damping=2.0)  # (H + 2I)^-1 g: half way
    np.testing.assert_allclose(x.data, [2.0, 2.0])


# --------------------------------------------------------------------------- cyclic cosine
def test_cosine_warm_restarts_values_and_cycle_ends():
    w = ag.Tensor(np.zeros(1), requires_grad=True)
    opt = optim.SGD([w], lr=0.2)
    sched = optim.CosineAnnealingWarmRestarts(opt, T_0=4, eta_min=0.0)
    lrs = [opt.lr] + [sched.step() for _ in range(11)]
    cycle = [0.2 * (1 + math.cos(math.pi * k / 4)) / 2 for k in range(4)]  # 0.2, 0.171, 0.1, 0.029
    np.testing.assert_allclose(lrs, cycle * 3, rtol=1e-12)
    assert [t for t in range(12) if sched.cycle_end(t)] == [3, 7, 11]
    # the snapshot-ensemble formula (Huang et al.): lr0 / 2 (cos(pi mod(t, T) / T) + 1)
    np.testing.assert_allclose(
        [sched.lr_at(t) for t in range(12)], [0.1 * (math.cos(math.pi * (t % 4) / 4) + 1) for t in range(12)]
    )


def test_cosine_warm_restarts_with_growing_cycles():
    w = ag.Tensor(np.zeros(1), requires_grad=True)
    sched = optim.CosineAnnealingWarmRestarts(optim.SGD([w], lr=1.0), T_0=2, T_mult=2, eta_min=0.1)
    assert [sched.position(t) for t in (0, 1, 2, 5, 6, 13, 14)] == [
        (0, 2),
        (1, 2),
        (0, 4),
        (3, 4),
        (0, 8),
        (7, 8),
        (0, 16),
    ]
    assert [t for t in range(15) if sched.cycle_end(t)] == [1, 5, 13]
    assert sched.lr_at(0) == 1.0 and sched.lr_at(4) == pytest.approx(0.1 + 0.9 * 0.5)
    with pytest.raises(ValueError, match="CosineAnnealingWarmRestarts: T_0 must be a positive integer, got 0"):
        optim.CosineAnnealingWarmRestarts(optim.SGD([w]), T_0=0)
