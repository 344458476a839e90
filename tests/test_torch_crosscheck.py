"""Optional cross-check against PyTorch (skipped when torch is not installed).

The suite's oracles are mathematics (finite differences, closed forms, the course's numbers);
this file only adds a second opinion on whole models, losses and optimizers.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import losses, nn, optim

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _pair(a):
    return ag.Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def test_mlp_cross_entropy_gradients_match_torch():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 5)), rng.integers(0, 3, 16)
    shapes = [(5, 8), (8,), (8, 3), (3,)]
    (W1, tW1), (b1, tb1), (W2, tW2), (b2, tb2) = (_pair(rng.standard_normal(s)) for s in shapes)
    loss = losses.cross_entropy(ag.tanh(x @ W1 + b1) @ W2 + b2, y) + 1e-3 * losses.l2_penalty([W1, W2])
    tloss = F.cross_entropy(torch.tanh(torch.tensor(x) @ tW1 + tb1) @ tW2 + tb2, torch.tensor(y)) + 1e-3 * (
        (tW1**2).sum() + (tW2**2).sum()
    )
    loss.backward()
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-12)
    for ours, theirs in ((W1, tW1), (b1, tb1), (W2, tW2), (b2, tb2)):
        np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda x: ag.softmax(x, axis=1) ** 2, lambda x: torch.softmax(x, 1) ** 2),
        (lambda x: ag.logsumexp(x, axis=0), lambda x: torch.logsumexp(x, 0)),
        (lambda x: x.var(axis=1), lambda x: x.var(1, unbiased=False)),
        (lambda x: ag.sigmoid(x) * ag.abs(x - 0.3), lambda x: torch.sigmoid(x) * (x - 0.3).abs()),
        (lambda x: (x @ x.T).max(axis=1), lambda x: (x @ x.T).amax(1)),
        (lambda x: ag.concatenate([x, x * 2], axis=1)[:, ::2], lambda x: torch.cat([x, x * 2], 1)[:, ::2]),
    ],
)
def test_composite_gradients_match_torch(ours, theirs):
    a = np.random.default_rng(1).standard_normal((4, 6))
    x, tx = _pair(a)
    w = np.random.default_rng(2).standard_normal(np.shape(ours(ag.Tensor(a)).data))
    (ours(x) * w).sum().backward()
    (theirs(tx) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_adam_steps_match_torch_with_the_same_eps():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((3, 2))
    w, tw = _pair(a)
    opt = optim.Adam([w], lr=0.05, eps=1e-8)
    topt = torch.optim.Adam([tw], lr=0.05, eps=1e-8)
    for _ in range(5):
        opt.zero_grad()
        topt.zero_grad()
        (ag.tanh(w) ** 2).sum().backward()
        (torch.tanh(tw) ** 2).sum().backward()
        opt.step()
        topt.step()
    np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=1e-10)


def test_batchnorm_training_gradients_match_torch():
    rng = np.random.default_rng(4)
    a = rng.standard_normal((8, 3))
    x, tx = _pair(a)
    bn, tbn = nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3, dtype=torch.float64)
    w = rng.standard_normal((8, 3))
    (bn(x) * w).sum().backward()
    (tbn(tx) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(bn.running_var, tbn.running_var.numpy(), rtol=1e-10)
