"""Layers, activations and initializers: forward against numpy, gradients against finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite import nn

from ._numeric import assert_close, central_difference


def _param_grads(module, x, weights):
    """Gradients of sum(out * weights) with respect to the input and every parameter."""
    xt = ag.Tensor(x, requires_grad=True)
    module.zero_grad()
    (module(xt) * weights).sum().backward()
    return xt.grad.numpy(), {n: p.grad.numpy() for n, p in module.named_parameters()}


def _fd_param(module, x, weights, param):
    """Central differences of sum(module(x) * weights) in one parameter."""

    def f(value):
        saved = param.data
        param.data = value
        try:
            return float((module(x).numpy() * weights).sum())
        finally:
            param.data = saved

    return central_difference(f, [param.numpy()], 0)


# ----------------------------------------------------------------------------- Linear, MLP
@settings(max_examples=15)
@given(st.integers(1, 5), st.integers(1, 4), st.integers(1, 4), st.booleans(), st.integers(0, 2**31 - 1))
def test_linear_forward_and_gradients(n, d_in, d_out, bias, seed):
    rng = np.random.default_rng(seed)
    lin = nn.Linear(d_in, d_out, bias=bias, rng=rng)
    x, w = rng.standard_normal((n, d_in)), rng.standard_normal((n, d_out))
    expected = x @ lin.weight.numpy() + (lin.bias.numpy() if bias else 0)
    np.testing.assert_allclose(lin(x).numpy(), expected, rtol=1e-12)
    gx, gp = _param_grads(lin, x, w)
    assert_close(gx, central_difference(lambda a: (lin(a).numpy() * w).sum(), [x], 0))
    for name, p in lin.named_parameters():
        assert_close(gp[name], _fd_param(lin, x, w, p))
    assert (lin.bias is None) == (not bias)


def test_mlp_structure_init_and_seed():
    m = nn.MLP([4, 8, 8, 3], rng=0)
    kinds = [type(layer).__name__ for layer in m.layers]
    assert kinds == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert [p.shape for p in m.parameters()] == [(4, 8), (8,), (8, 8), (8,), (8, 3), (3,)]
    again = nn.MLP([4, 8, 8, 3], rng=0)
    for a, b in zip(m.parameters(), again.parameters(), strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    other = nn.MLP([4, 8, 8, 3], rng=1)
    assert not np.array_equal(m.parameters()[0].numpy(), other.parameters()[0].numpy())
    full = nn.MLP([4, 8, 3], activation="tanh", batchnorm=True, dropout=0.2, rng=0)
    assert [type(layer).__name__ for layer in full.layers] == ["Linear", "BatchNorm1d", "Tanh", "Dropout", "Linear"]
    x = np.random.default_rng(0).standard_normal((5, 4))
    h = np.maximum(x @ m[0].weight.numpy() + m[0].bias.numpy(), 0)
    h = np.maximum(h @ m[2].weight.numpy() + m[2].bias.numpy(), 0)
    np.testing.assert_allclose(m(x).numpy(), h @ m[4].weight.numpy() + m[4].bias.numpy(), rtol=1e-12)


def test_sequential_applies_functions_too():
    seq = nn.Sequential(nn.Linear(2, 3, rng=0), ag.tanh, nn.Linear(3, 1, rng=1))
    x = np.ones((2, 2))
    np.testing.assert_allclose(seq(x).numpy(), seq[2](ag.tanh(seq[0](x))).numpy())
    assert len(seq) == 3 and [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]


# ----------------------------------------------------------------------------- activations
def _np_act(name, x, a=None):
    return {
        "relu": lambda: np.maximum(0, x),
        "leaky_relu": lambda: np.where(x > 0, x, 0.1 * x),
        "elu": lambda: np.where(x > 0, x, 1.5 * (np.exp(np.minimum(x, 0)) - 1)),
        "sigmoid": lambda: 1 / (1 + np.exp(-x)),
        "tanh": lambda: np.tanh(x),
        "softplus": lambda: np.log1p(np.exp(x)),
    }[name]()


ACT_MODULES = {
    "relu": nn.ReLU(), "leaky_relu": nn.LeakyReLU(0.1), "elu": nn.ELU(1.5), "sigmoid": nn.Sigmoid(),
    "tanh": nn.Tanh(), "softplus": nn.Softplus(),
}  # fmt: skip


@settings(max_examples=20)
@given(st.sampled_from(sorted(ACT_MODULES)), st.integers(0, 2**31 - 1))
def test_activations_forward_and_gradient(name, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((3, 4)) * 3
    x = np.where(np.abs(x) < 1e-3, 0.5, x)  # away from the kink at 0
    w = rng.standard_normal((3, 4))
    mod = ACT_MODULES[name]
    np.testing.assert_allclose(mod(x).numpy(), _np_act(name, x), rtol=1e-10)
    gx, _ = _param_grads(mod, x, w)
    assert_close(gx, central_difference(lambda a: (_np_act(name, a) * w).sum(), [x], 0))


def test_activation_functions_and_kink_conventions():
    x = ag.Tensor([-2.0, 0.0, 3.0], requires_grad=True)
    nn.leaky_relu(x, 0.1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.1, 0.1, 1.0])  # PyTorch: slope at 0
    x.grad = None
    nn.relu(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 1.0])  # relu'(0) = 0
    x.grad = None
    nn.elu(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [np.exp(-2.0), 1.0, 1.0])
    # ELU of a huge input: no overflow, no NaN in the gradient
    big = ag.Tensor([1000.0, -1000.0], requires_grad=True)
    nn.elu(big).sum().backward()
    np.testing.assert_array_equal(big.grad.numpy(), [1.0, 0.0])
    sp = ag.Tensor([1000.0, -1000.0, 0.0], requires_grad=True)
    out = nn.softplus(sp)
    np.testing.assert_allclose(out.numpy(), [1000.0, 0.0, np.log(2)], atol=1e-300)
    out.sum().backward()
    np.testing.assert_allclose(sp.grad.numpy(), [1.0, 0.0, 0.5])


def test_prelu_learns_its_slope():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    for mod in (nn.PReLU(), nn.PReLU(3, init=0.1)):
        a = mod.weight.numpy()
        np.testing.assert_allclose(mod(x).numpy(), np.where(x > 0, x, a * x))
        gx, gp = _param_grads(mod, x, w)
        assert_close(gp["weight"], _fd_param(mod, x, w, mod.weight))
        assert_close(gx, np.where(x > 0, 1.0, a) * w)
    with pytest.raises(ValueError, match=r"PReLU: input of shape \(5, 3\) has 3 features .* the layer has 4"):
        nn.PReLU(4)(x)


def test_maxout_forward_and_gradients():
    rng = np.random.default_rng(3)
    mo = nn.Maxout(3, 2, pieces=3, rng=rng)
    mo.bias.data = rng.standard_normal((3, 2))
    x, w = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    W, b = mo.weight.numpy(), mo.bias.numpy()
    expected = np.max(np.stack([x @ W[k] + b[k] for k in range(3)]), axis=0)
    np.testing.assert_allclose(mo(x).numpy(), expected, rtol=1e-12)
    gx, gp = _param_grads(mo, x, w)
    assert_close(gx, central_difference(lambda a: (mo(a).numpy() * w).sum(), [x], 0))
    for name, p in mo.named_parameters():
        assert_close(gp[name], _fd_param(mo, x, w, p))
    np.testing.assert_allclose(nn.maxout(ag.Tensor(x), ag.Tensor(-x)).numpy(), np.abs(x))
    with pytest.raises(ValueError, match=r"Maxout: expected input of shape \(N, 3\), got \(4, 2\)"):
        mo(np.ones((4, 2)))


# ----------------------------------------------------------------------------- BatchNorm, Dropout
def _bn_np(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=0)
    var = ((x - mu) ** 2).mean(axis=0)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


@settings(max_examples=10)
@given(st.integers(2, 6), st.integers(1, 4), st.integers(0, 2**31 - 1))
def test_batchnorm_train_mode_forward_and_gradients(n, d, seed):
    rng = np.random.default_rng(seed)
    bn = nn.BatchNorm1d(d)
    bn.weight.data = rng.standard_normal(d)
    bn.bias.data = rng.standard_normal(d)
    x, w = rng.standard_normal((n, d)) * 2 + 1, rng.standard_normal((n, d))
    np.testing.assert_allclose(bn(x).numpy(), _bn_np(x, bn.weight.numpy(), bn.bias.numpy()), rtol=1e-9, atol=1e-12)
    gx, gp = _param_grads(bn, x, w)
    fx = central_difference(lambda a: (_bn_np(a, bn.weight.numpy(), bn.bias.numpy()) * w).sum(), [x], 0)
    assert_close(gx, fx, rtol=1e-4, atol=1e-6)
    for name, p in bn.named_parameters():
        assert_close(gp[name], _fd_param(bn, x, w, p), rtol=1e-5, atol=1e-6)


def test_batchnorm_running_averages_and_eval_mode():
    rng = np.random.default_rng(0)
    bn = nn.BatchNorm1d(3, momentum=0.1)
    batches = [rng.standard_normal((8, 3)) * 2 + 5 for _ in range(3)]
    rm, rv = np.zeros(3), np.ones(3)
    for xb in batches:
        bn(xb)
        rm = 0.9 * rm + 0.1 * xb.mean(axis=0)
        rv = 0.9 * rv + 0.1 * xb.var(axis=0, ddof=1)
    np.testing.assert_allclose(bn.running_mean, rm)
    np.testing.assert_allclose(bn.running_var, rv)
    bn.eval()
    x = rng.standard_normal((4, 3))
    np.testing.assert_allclose(bn(x).numpy(), (x - rm) / np.sqrt(rv + 1e-5))
    np.testing.assert_allclose(bn(x[:1]).numpy(), (x[:1] - rm) / np.sqrt(rv + 1e-5))  # one example is fine in eval
    np.testing.assert_allclose(bn.running_mean, rm)  # eval does not update
    bn.train()
    with pytest.raises(ValueError, match="BatchNorm1d: training needs a batch of at least 2"):
        bn(x[:1])
    with pytest.raises(ValueError, match=r"BatchNorm1d\(3\): expected input of shape \(N, 3\), got \(4, 2\)"):
        bn(np.ones((4, 2)))


def test_dropout_is_inverted_and_inactive_in_eval():
    drop = nn.Dropout(0.25, rng=0)
    x = ag.Tensor(np.ones((200, 50)), requires_grad=True)
    y = drop(x)
    kept = y.numpy() != 0
    assert 0.72 < kept.mean() < 0.78
    np.testing.assert_allclose(y.numpy()[kept], 1 / 0.75)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), kept / 0.75)  # the gradient goes through the kept units only
    drop.eval()
    assert drop(x) is x
    assert np.all(nn.Dropout(1.0).train()(np.ones(3)).numpy() == 0)
    a, b = nn.Dropout(0.5, rng=7)(np.ones(20)).numpy(), nn.Dropout(0.5, rng=7)(np.ones(20)).numpy()
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match=r"Dropout: p must be a probability in \[0, 1\], got 1.5"):
        nn.Dropout(1.5)


# ----------------------------------------------------------------------------- init
@pytest.mark.parametrize(("fn", "kwargs", "std"), [
    (nn.init.small_random, {}, lambda i, o: 0.01),
    (nn.init.xavier_normal, {}, lambda i, o: np.sqrt(2 / (i + o))),
    (nn.init.xavier_normal, {"mode": "fan_in"}, lambda i, o: np.sqrt(1 / i)),  # the lecture's randn / sqrt(fan_in)
    (nn.init.xavier_uniform, {}, lambda i, o: np.sqrt(2 / (i + o))),
    (nn.init.kaiming_normal, {}, lambda i, o: np.sqrt(2 / i)),
    (nn.init.kaiming_uniform, {}, lambda i, o: np.sqrt(2 / i)),
])  # fmt: skip
def test_initializers_have_the_right_spread_and_are_seedable(fn, kwargs, std):
    fan_in, fan_out = 400, 300
    w = fn((fan_in, fan_out), rng=0, **kwargs)
    assert w.shape == (fan_in, fan_out) and w.dtype == np.float64
    assert abs(w.mean()) < 0.01 * std(fan_in, fan_out) * 10
    assert w.std() == pytest.approx(std(fan_in, fan_out), rel=0.02)
    np.testing.assert_array_equal(w, fn((fan_in, fan_out), rng=0, **kwargs))
    assert fn((3, 2), rng=0, dtype=np.float32, **kwargs).dtype == np.float32
    if "uniform" in fn.__name__:
        bound = np.sqrt(3) * std(fan_in, fan_out)
        assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound


def test_init_by_name_and_errors():
    assert nn.init.get("he") is nn.init.kaiming_normal
    lin = nn.Linear(500, 200, init="small", rng=0)
    assert lin.weight.numpy().std() == pytest.approx(0.01, rel=0.02)
    with pytest.raises(ValueError, match="init: unknown initialization 'gauss'"):
        nn.Linear(2, 2, init="gauss")
    with pytest.raises(ValueError, match="xavier_normal: mode must be 'fan_in', 'fan_out' or 'fan_avg'"):
        nn.init.xavier_normal((2, 2), mode="fan")
    with pytest.raises(ValueError, match=r"Linear\(3, 2\): input of shape \(4, 5\) needs 3 features"):
        nn.Linear(3, 2)(np.ones((4, 5)))
    with pytest.raises(ValueError, match="MLP: unknown activation 'swish'"):
        nn.MLP([2, 3, 1], activation="swish")


def test_dropout_in_training_is_gradient_checkable():
    """gradcheck re-seeds numpy's global generator before every evaluation; a Dropout without
    its own rng draws from it, so the masks repeat and the check passes in training mode."""
    model = nn.Sequential(nn.Linear(4, 6, rng=0), nn.Tanh(), nn.Dropout(0.5), nn.Linear(6, 2, rng=1)).train()
    x = np.random.default_rng(2).standard_normal((5, 4))
    report = ag.gradcheck(lambda: (model(x) ** 2).sum(), params=model.named_parameters())
    assert report, str(report)
    # and the masks really are random: two evaluations without re-seeding differ
    a, b = model(x).numpy(), model(x).numpy()
    assert not np.array_equal(a, b)
