"""The lecture's worked numbers (course notes, "Gradients"): the engine must reproduce them.

Values are the course's, to the precision the course states them; the closed forms next to them
are the same numbers worked by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_lite as ag


def leaf(value, name: str) -> ag.Tensor:
    return ag.Tensor(value, requires_grad=True, name=name)


def test_add_then_multiply():
    """f = (x + y) z at x = -2, y = 5, z = -4: q = 3, f = -12; df/dx = df/dy = -4, df/dz = 3."""
    x, y, z = leaf(-2.0, "x"), leaf(5.0, "y"), leaf(-4.0, "z")
    q = x + y
    f = q * z
    f.backward()
    assert q.item() == 3.0 and f.item() == -12.0
    assert x.grad.item() == -4.0 and y.grad.item() == -4.0 and z.grad.item() == 3.0


def _neuron_values() -> dict[str, float]:
    return {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda v: 1 / (1 + ag.exp(-(v["w0"] * v["x0"] + v["w1"] * v["x1"] + v["w2"]))), id="gates"),
        pytest.param(lambda v: ag.sigmoid(v["w0"] * v["x0"] + v["w1"] * v["x1"] + v["w2"]), id="sigmoid"),
        pytest.param(
            lambda v: ag.sigmoid(ag.stack([v["w0"], v["w1"], v["w2"]]) @ ag.stack([v["x0"], v["x1"], ag.Tensor(1.0)])),
            id="bias-trick",
        ),
    ],
)
def test_sigmoid_neuron(build):
    """f = 1/(1 + exp(-(w0 x0 + w1 x1 + w2))) at w = (2, -3, -3), x = (-1, -2): f = 0.73 and
    (w0, x0, w1, x1, w2) gradients (-0.20, 0.39, -0.39, -0.59, 0.20) to two decimals."""
    v = {k: leaf(val, k) for k, val in _neuron_values().items()}
    f = build(v)
    f.backward()
    assert round(f.item(), 2) == 0.73
    grads = {k: round(t.grad.item(), 2) for k, t in v.items()}
    assert grads == {"w0": -0.20, "x0": 0.39, "w1": -0.39, "x1": -0.59, "w2": 0.20}

    # the same by hand: sigma'(s) = (1 - sigma) sigma, then the mul gates swap their inputs
    n = _neuron_values()
    s = n["w0"] * n["x0"] + n["w1"] * n["x1"] + n["w2"]
    sig = 1 / (1 + math.exp(-s))
    local = (1 - sig) * sig
    assert f.item() == pytest.approx(sig, rel=1e-12)
    exact = {"w0": n["x0"], "x0": n["w0"], "w1": n["x1"], "x1": n["w1"], "w2": 1.0}
    for k, t in v.items():
        assert t.grad.item() == pytest.approx(local * exact[k], rel=1e-12)


def test_demo_neuron_matches_the_lecture():
    """The main job's neuron (autograd_lite.demo) gives the lecture's numbers."""
    from autograd_lite.demo import sigmoid_neuron

    f, v = sigmoid_neuron()
    f.backward()
    assert round(f.item(), 2) == 0.73
    assert [round(v[k].grad.item(), 2) for k in ("w0", "x0", "w1", "x1", "w2")] == [-0.20, 0.39, -0.39, -0.59, 0.20]


def test_relu_multiplies_the_upstream_gradient_implicitly():
    """relu on [1, -2, 3, -1] with upstream [4, -1, 5, 9] gives [4, 0, 5, 0]."""
    x = leaf([1.0, -2.0, 3.0, -1.0], "x")
    ag.relu(x).backward(grad=np.array([4.0, -1.0, 5.0, 9.0]))
    np.testing.assert_array_equal(x.grad.data, [4.0, 0.0, 5.0, 0.0])
    assert x.grad.shape == x.shape  # the gradient has the variable's shape


def test_gates_distribute_swap_route_and_add():
    """add distributes, mul swaps, max routes to the winner, a copy adds (the course's gate patterns)."""
    x, y, z, w = leaf(3.0, "x"), leaf(-4.0, "y"), leaf(2.0, "z"), leaf(-1.0, "w")
    f = 2.0 * (x * y + ag.maximum(z, w))  # mul(x, y) + max(z, w), upstream 2
    f.backward()
    assert (x.grad.item(), y.grad.item()) == (2.0 * -4.0, 2.0 * 3.0)  # swap
    assert (z.grad.item(), w.grad.item()) == (2.0, 0.0)  # route to the winner
    a = leaf(1.5, "a")
    (a * 2.0 + a * 5.0).backward()  # a fans out to two consumers: the gradients add
    assert a.grad.item() == 7.0
