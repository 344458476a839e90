"""Forward hooks on modules, PyTorch's convention: hook(module, inputs, output), a removable handle."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import nn


def test_hook_sees_module_inputs_and_output_and_can_be_removed():
    model = nn.MLP([3, 4, 2], rng=0)
    x = np.arange(6.0).reshape(2, 3)
    calls = []
    first = model.layers[0]
    handle = first.register_forward_hook(lambda m, inp, out: calls.append((m, inp, out)))
    out = model(x)
    assert len(calls) == 1
    m, inp, hidden = calls[0]
    assert m is first and isinstance(inp, tuple) and len(inp) == 1
    np.testing.assert_array_equal(np.asarray(getattr(inp[0], "data", inp[0])), x)
    np.testing.assert_allclose(hidden.data, x @ first.weight.data + first.bias.data)  # the layer's own output
    assert out.shape == (2, 2)
    handle.remove()
    handle.remove()  # twice is harmless
    model(x)
    assert len(calls) == 1


def test_hooks_run_in_order_and_a_returned_value_replaces_the_output():
    lin = nn.Linear(2, 2, rng=0)
    order = []
    lin.register_forward_hook(lambda m, i, o: order.append("a"))
    h = lin.register_forward_hook(lambda m, i, o: o * 0.0)
    lin.register_forward_hook(lambda m, i, o: order.append(float(np.abs(o.data).sum())))
    x = ag.Tensor(np.ones((1, 2)), requires_grad=True)
    y = lin(x)
    assert order == ["a", 0.0] and np.all(y.data == 0)
    y.sum().backward()  # the replacement is part of the graph: d(0 * out)/dx = 0
    np.testing.assert_array_equal(x.grad.data, 0.0)
    h.remove()
    assert np.abs(lin(x).data).sum() > 0


def test_hooks_leave_parameters_state_and_copies_alone(tmp_path):
    lin = nn.Linear(2, 3, rng=0)
    lin.register_forward_hook(lambda m, i, o: None)
    assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]
    assert sorted(lin.state_dict()) == ["bias", "weight"]
    twin = copy.deepcopy(lin)
    np.testing.assert_array_equal(twin(np.ones((1, 2))).data, lin(np.ones((1, 2))).data)
    with pytest.raises(TypeError, match="register_forward_hook: hook must be callable, got int"):
        lin.register_forward_hook(3)
