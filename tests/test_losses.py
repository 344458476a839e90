"""Losses and penalties against their formulas, the lecture's worked numbers and finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite import losses

from ._numeric import assert_close, central_difference

# the lecture's table: rows are the three images (true classes cat, car, frog), columns the
# scores of the classes cat, car, frog
COURSE_SCORES = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
COURSE_LABELS = np.array([0, 1, 2])


def _grad(loss_fn, x, *args, **kwargs):
    t = ag.Tensor(x, requires_grad=True)
    loss_fn(t, *args, **kwargs).backward()
    return t.grad.numpy()


# ----------------------------------------------------------------------------- the lecture's numbers
def test_hinge_loss_course_table():
    per = losses.hinge_loss(COURSE_SCORES, COURSE_LABELS, reduction="none").numpy()
    np.testing.assert_allclose(per, [2.9, 0.0, 12.9], atol=1e-12)
    assert losses.hinge_loss(COURSE_SCORES, COURSE_LABELS).item() == pytest.approx(5.27, abs=0.005)
    assert losses.svm_loss(COURSE_SCORES, COURSE_LABELS, reduction="sum").item() == pytest.approx(15.8)


def test_softmax_loss_of_the_cat_image():
    s = COURSE_SCORES[:1]
    p = ag.softmax(ag.Tensor(s), axis=1).numpy()[0]
    np.testing.assert_allclose(p, [0.13, 0.87, 0.00], atol=0.005)
    assert losses.cross_entropy(s, [0]).item() == pytest.approx(2.04, abs=0.005)


def test_initial_losses_at_chance():
    scores = np.zeros((50, 10))
    y = np.arange(50) % 10
    assert losses.cross_entropy(scores, y).item() == pytest.approx(math.log(10))
    assert losses.hinge_loss(scores, y).item() == pytest.approx(9.0)


# ----------------------------------------------------------------------------- against formulas
def _hinge_np(s, y, margin=1.0, squared=False):
    n = len(y)
    m = np.maximum(0, s - s[np.arange(n), y][:, None] + margin)
    m[np.arange(n), y] = 0
    return (m**2 if squared else m).sum(axis=1)


def _ce_np(s, y):
    z = s - s.max(axis=1, keepdims=True)
    return -(z[np.arange(len(y)), y] - np.log(np.exp(z).sum(axis=1)))


@settings(max_examples=25)
@given(st.integers(1, 6), st.integers(2, 5), st.integers(0, 2**31 - 1), st.booleans())
def test_multiclass_losses_match_numpy_and_finite_differences(n, c, seed, squared):
    rng = np.random.default_rng(seed)
    s = rng.standard_normal((n, c)) * 3
    y = rng.integers(0, c, n)
    np.testing.assert_allclose(
        losses.hinge_loss(s, y, squared=squared, reduction="none").numpy(), _hinge_np(s, y, squared=squared), rtol=1e-12
    )
    np.testing.assert_allclose(losses.cross_entropy(s, y, reduction="none").numpy(), _ce_np(s, y), rtol=1e-10)
    np.testing.assert_allclose(
        losses.nll_loss(ag.log_softmax(ag.Tensor(s), axis=1), y, reduction="sum").item(), _ce_np(s, y).sum(), rtol=1e-10
    )
    # gradients: hinge away from its kinks (margins not within 1e-3 of 0)
    margins = s - s[np.arange(n), y][:, None] + 1
    if np.min(np.abs(margins)) > 1e-3:
        assert_close(
            _grad(losses.hinge_loss, s, y, squared=squared),
            central_difference(lambda a: _hinge_np(a, y, squared=squared).mean(), [s], 0),
            rtol=1e-5,
        )
    assert_close(_grad(losses.cross_entropy, s, y), central_difference(lambda a: _ce_np(a, y).mean(), [s], 0))


def test_cross_entropy_gradient_is_softmax_minus_onehot_and_stable():
    s = np.array([[1000.0, 0.0, -1000.0], [0.0, 0.0, 0.0]])
    y = np.array([2, 1])
    loss = losses.cross_entropy(s, y, reduction="sum")
    assert loss.item() == pytest.approx(2000.0 + math.log(3))
    p = np.exp(s - s.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    p[np.arange(2), y] -= 1
    np.testing.assert_allclose(_grad(losses.cross_entropy, s, y, reduction="sum"), p, atol=1e-12)


def test_class_weights_follow_pytorch_weighted_mean():
    rng = np.random.default_rng(1)
    s, y = rng.standard_normal((6, 3)), np.array([0, 1, 2, 2, 1, 0])
    w = np.array([0.2, 1.0, 3.0])
    per = _ce_np(s, y)
    expected = (w[y] * per).sum() / w[y].sum()
    assert losses.cross_entropy(s, y, weight=w).item() == pytest.approx(expected)
    assert losses.cross_entropy(s, y, weight=w, reduction="sum").item() == pytest.approx((w[y] * per).sum())
    h = _hinge_np(s, y)
    assert losses.hinge_loss(s, y, weight=w).item() == pytest.approx((w[y] * h).mean())  # PyTorch: / N


def _sigmoid(s):
    return 0.5 * (1 + np.tanh(np.asarray(s) / 2))  # no overflow


@settings(max_examples=25)
@given(st.integers(1, 8), st.integers(0, 2**31 - 1))
def test_binary_losses_match_formula_and_finite_differences(n, seed):
    rng = np.random.default_rng(seed)
    s = rng.standard_normal(n) * 3
    t = rng.integers(0, 2, n).astype(float)

    def bce_np(s_):
        p = _sigmoid(s_)
        return -(t * np.log(p) + (1 - t) * np.log(1 - p))

    np.testing.assert_allclose(
        losses.binary_cross_entropy_with_logits(s, t, reduction="none").numpy(), bce_np(s), rtol=1e-9
    )
    np.testing.assert_allclose(
        losses.binary_cross_entropy(_sigmoid(s), t, reduction="none").numpy(), bce_np(s), rtol=1e-9
    )
    # the lecture: dE/ds = y - t for y = sigma(s)
    assert_close(_grad(losses.binary_cross_entropy_with_logits, s, t, reduction="sum"), _sigmoid(s) - t)
    p = _sigmoid(s)
    assert_close(
        _grad(losses.binary_cross_entropy, p, t),
        central_difference(lambda q: (-(t * np.log(q) + (1 - t) * np.log(1 - q))).mean(), [p], 0, eps=1e-8),
        rtol=1e-4,
    )


def test_binary_cross_entropy_with_logits_is_stable_and_exact_at_zero():
    s = np.array([800.0, -800.0, 0.0, 30.0])
    t = np.array([0.0, 1.0, 1.0, 1.0])
    loss = losses.binary_cross_entropy_with_logits(s, t, reduction="none").numpy()
    np.testing.assert_allclose(loss, [800.0, 800.0, math.log(2), math.log1p(math.exp(-30))], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(
        _grad(losses.binary_cross_entropy_with_logits, s, t, reduction="sum"), _sigmoid(s) - t, atol=1e-15
    )


def test_bce_pos_weight_and_clamp():
    s, t = np.array([0.3, -1.2]), np.array([1.0, 0.0])
    sp = np.log1p(np.exp(-s))  # -log sigmoid(s)
    got = losses.binary_cross_entropy_with_logits(s, t, pos_weight=2.5, reduction="none").numpy()
    np.testing.assert_allclose(got, [2.5 * sp[0], s[1] + sp[1]], rtol=1e-12)
    # p exactly 0 for a positive target: log clamped at -100 as in PyTorch, gradient finite
    p = ag.Tensor([0.0, 1.0], requires_grad=True)
    loss = losses.binary_cross_entropy(p, [1.0, 1.0], reduction="sum")
    assert loss.item() == pytest.approx(100.0)
    loss.backward()
    assert np.all(np.isfinite(p.grad.numpy()))


def test_mse_and_reductions():
    a, b = np.array([[1.0, 2.0], [3.0, -1.0]]), np.array([[0.0, 2.0], [1.0, 1.0]])
    d2 = (a - b) ** 2
    np.testing.assert_allclose(losses.mse_loss(a, b, reduction="none").numpy(), d2)
    assert losses.mse_loss(a, b).item() == pytest.approx(d2.mean())
    assert losses.mse_loss(a, b, reduction="sum").item() == pytest.approx(d2.sum())
    assert_close(_grad(losses.mse_loss, a, b), 2 * (a - b) / a.size)


def test_float32_stays_float32():
    s = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    assert losses.cross_entropy(s, [0, 1, 2, 0]).dtype == np.float32
    assert losses.hinge_loss(s, [0, 1, 2, 0]).dtype == np.float32


# ----------------------------------------------------------------------------- penalties
def test_penalties_closed_forms_and_gradients():
    rng = np.random.default_rng(2)
    W1 = ag.Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    W2 = ag.Tensor(rng.standard_normal(4), requires_grad=True)
    l2 = losses.l2_penalty([W1, W2])
    assert l2.item() == pytest.approx((W1.numpy() ** 2).sum() + (W2.numpy() ** 2).sum())
    l1 = losses.l1_penalty([("a", W1), ("b", W2)])
    assert l1.item() == pytest.approx(np.abs(W1.numpy()).sum() + np.abs(W2.numpy()).sum())
    en = losses.elastic_net_penalty([W1, W2], beta=0.3)
    assert en.item() == pytest.approx(0.3 * l2.item() + l1.item())
    en.backward()
    assert_close(W1.grad.numpy(), 0.6 * W1.numpy() + np.sign(W1.numpy()))
    assert_close(W2.grad.numpy(), 0.6 * W2.numpy() + np.sign(W2.numpy()))


def test_penalty_of_a_module_and_regularization_raises_loss():
    model = ag.nn.Linear(3, 2, rng=0)
    assert losses.l2_penalty(model).item() == pytest.approx((model.weight.numpy() ** 2).sum())
    X, y = np.ones((4, 3)), np.array([0, 1, 0, 1])
    data_loss = losses.cross_entropy(model(X), y).item()
    assert (losses.cross_entropy(model(X), y) + 0.1 * losses.l2_penalty([model.weight])).item() > data_loss


# ----------------------------------------------------------------------------- bad input
def test_bad_targets_are_clear_errors():
    s = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"cross_entropy: labels must be in \[0, 4\) for 4 classes, got \[4\]"):
        losses.cross_entropy(s, [0, 1, 4])
    with pytest.raises(ValueError, match=r"hinge_loss: labels must be in \[0, 4\).*\[-1\]"):
        losses.hinge_loss(s, [0, -1, 2])
    with pytest.raises(TypeError, match="nll_loss: labels must be integer class indices, got dtype float64"):
        losses.nll_loss(s, [0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match=r"cross_entropy: scores of shape \(3, 4\) need 3 labels.*got shape \(2,\)"):
        losses.cross_entropy(s, [0, 1])
    with pytest.raises(ValueError, match=r"cross_entropy: expected scores of shape \(N, C\), got \(4,\)"):
        losses.cross_entropy(np.zeros(4), [0])
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        losses.cross_entropy(s, [0, 1, 2], reduction="avg")
    with pytest.raises(ValueError, match=r"weight must have one entry per class, shape \(4,\), got \(3,\)"):
        losses.cross_entropy(s, [0, 1, 2], weight=[1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"mse_loss: input of shape \(3, 4\) and target of shape \(3,\)"):
        losses.mse_loss(s, np.zeros(3))
    with pytest.raises(ValueError, match=r"binary_cross_entropy: input must be probabilities in \[0, 1\]"):
        losses.binary_cross_entropy(np.array([0.5, 1.5]), np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="l2_penalty: got no parameters"):
        losses.l2_penalty([])
    with pytest.raises(TypeError, match="l1_penalty: expected tensors"):
        losses.l1_penalty(["W"])


def test_nll_and_weighted_losses_gradients_against_finite_differences():
    rng = np.random.default_rng(4)
    logp, y, w = rng.standard_normal((5, 4)), np.array([3, 0, 1, 1, 2]), np.array([0.5, 2.0, 1.0, 3.0])

    def nll_np(a):
        return (w[y] * -a[np.arange(5), y]).sum() / w[y].sum()

    assert_close(_grad(losses.nll_loss, logp, y, weight=w), central_difference(nll_np, [logp], 0))
    assert_close(
        _grad(losses.cross_entropy, logp, y, weight=w),
        central_difference(lambda a: (w[y] * _ce_np(a, y)).sum() / w[y].sum(), [logp], 0),
    )
    t, ew = rng.integers(0, 2, 6).astype(float), rng.random(6)
    s = rng.standard_normal(6)

    def bce_np(a):
        p = _sigmoid(a)
        return (ew * -(t * np.log(p) + (1 - t) * np.log(1 - p))).mean()

    assert_close(_grad(losses.binary_cross_entropy_with_logits, s, t, weight=ew), central_difference(bce_np, [s], 0))


@pytest.mark.parametrize("which", ["cross_entropy", "hinge_squared", "bce_logits"])
def test_second_order_through_the_losses(which):
    # Hessian (backward with create_graph) against central differences of the first gradient
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((6, 3)), np.array([0, 1, 2, 2, 1, 0])
    fns = {
        "cross_entropy": lambda W: losses.cross_entropy(X @ W, y),
        "hinge_squared": lambda W: losses.hinge_loss(X @ W, y, squared=True),
        "bce_logits": lambda W: losses.binary_cross_entropy_with_logits((X @ W)[:, 0], (y > 0).astype(float)),
    }
    fn = fns[which]
    w0 = rng.standard_normal((3, 3))
    H = np.asarray(ag.hessian(fn, ag.Tensor(w0)).data).reshape(9, 9)

    def grad_at(i, w):
        t = ag.Tensor(w, requires_grad=True)
        fn(t).backward()
        return t.grad.numpy().ravel()[i]

    numeric = np.stack([central_difference(lambda w, i=i: grad_at(i, w), [w0], 0).ravel() for i in range(9)])
    assert_close(H, numeric, rtol=1e-5, atol=1e-6)
