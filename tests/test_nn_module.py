"""Module and Parameter: parameter discovery and names, scopes, modes, state and .npz files."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import nn


class Block(nn.Module):
    def __init__(self, n_in=3):
        self.fc = nn.Linear(n_in, 4, rng=0)
        self.extra = [nn.Parameter(np.ones(2)), {"gain": nn.Parameter(np.ones(4))}]
        self.bn = nn.BatchNorm1d(4)
        self._hidden = nn.Parameter(np.zeros(1))  # private attributes are not parameters

    def forward(self, x):
        return self.bn(self.fc(x)) * self.extra[1]["gain"] + self.extra[0].sum()


class Net(nn.Module):
    def __init__(self):
        self.blocks = [Block(3), Block(4)]
        self.head = nn.Linear(4, 2, bias=False, rng=1)

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return self.head(x)


def test_named_parameters_walk_attributes_lists_and_dicts_with_dotted_names():
    names = [n for n, _ in Net().named_parameters()]
    block = ["fc.weight", "fc.bias", "extra.0", "extra.1.gain", "bn.weight", "bn.bias"]
    assert names == [f"blocks.0.{n}" for n in block] + [f"blocks.1.{n}" for n in block] + ["head.weight"]


def test_names_flow_into_tensor_names_and_forward_runs_in_module_scopes():
    net = Net()
    net(np.ones((2, 3)))  # first call names everything
    assert net.head.weight.name == "head.weight"
    assert net.blocks[1].fc.bias.name == "blocks.1.fc.bias"
    out = net(np.ones((2, 3)))
    assert out.scope == "Net/head: Linear(4, 2, bias=False)"  # module name: class(extra_repr), for drawings
    scopes = {t.scope for t in ag.toposort(out)}
    assert "Net/blocks.0: Block/fc: Linear(3, 4, bias=True)" in scopes
    assert "Net/blocks.1: Block/bn: BatchNorm1d(4, eps=1e-05, momentum=0.1)" in scopes
    # asking a sub-module keeps the model's qualified names; a name given by the user is kept
    assert [n for n, _ in net.head.named_parameters()] == ["weight"]
    assert net.head.weight.name == "head.weight"
    mine = nn.Parameter(np.ones(2), name="W_mine")
    holder = nn.Sequential(nn.PReLU())
    holder.layers[0].weight = mine
    assert holder.named_parameters() == [("0.weight", mine)] and mine.name == "W_mine"
    # a standalone layer names its own parameters and uses its class name as scope
    lin = nn.Linear(2, 2, rng=0)
    y = lin(np.ones((1, 2)))
    assert lin.weight.name == "weight" and y.scope == "Linear(2, 2, bias=True)"


def test_module_scope_label_follows_a_changed_extra_repr_and_a_later_name():
    class Scale(nn.Module):
        def __init__(self, k):
            self.k = k

        def forward(self, x):
            return x * self.k

        def extra_repr(self):
            return f"k={self.k}"

    m = Scale(2.0)
    assert m(np.ones(2)).scope == "Scale(k=2.0)"
    m.k = 3.0  # the label is cached, but not past a change of what it shows
    assert m(np.ones(2)).scope == "Scale(k=3.0)"
    outer = nn.Sequential(m)  # the module now has a name in a tree
    assert outer(np.ones(2)).scope == "Sequential/0: Scale(k=3.0)"
    assert m(np.ones(2, np.float16)).scope == "0: Scale(k=3.0)"


def test_every_floating_input_array_is_the_named_input_leaf():
    lin = nn.Linear(2, 1, rng=0, dtype=np.float32)
    for dtype in (np.float16, np.float32, np.float64):
        x = np.ones((1, 2), dtype)
        first = lin(x)._inputs[0]._inputs[0]  # (x @ weight) + bias: the product's first input
        assert first.name == "input" and first.data is x, dtype
    first = lin(np.ones((1, 2), np.int64))._inputs[0]._inputs[0]  # integer data is no model input
    assert type(first) is np.ndarray  # a constant operand, not a named leaf


def test_shared_parameter_counts_once_and_parameters_match_named():
    shared = nn.Linear(2, 2, rng=0)
    seq = nn.Sequential(shared, nn.ReLU(), shared)
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias"]
    assert seq.parameters()[0] is shared.weight
    assert seq.num_parameters() == 6


def test_zero_grad_and_train_eval_reach_every_module():
    net = Net()
    net(np.random.default_rng(0).standard_normal((5, 3))).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.eval()
    assert not any(m.training for _, m in net.named_modules())
    net.train()
    assert all(m.training for _, m in net.named_modules())


def test_state_dict_holds_copies_of_parameters_and_buffers():
    net = Net()
    state = net.state_dict()
    assert "blocks.0.bn.running_mean" in state and "blocks.1.bn.running_var" in state
    state["head.weight"][:] = 123.0
    assert not np.any(net.head.weight.numpy() == 123.0)


def test_save_load_round_trip(tmp_path):
    a = Net()
    a(np.random.default_rng(0).standard_normal((6, 3)))  # moves the running averages
    path = tmp_path / "net.npz"
    a.save(path)
    b = Net()
    for p in b.parameters():
        p.data = p.data + 1.0
    b.load(path)
    for (na, pa), (nb, pb) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        assert na == nb
        np.testing.assert_array_equal(pa.numpy(), pb.numpy())
    np.testing.assert_array_equal(a.blocks[0].bn.running_mean, b.blocks[0].bn.running_mean)
    x = np.random.default_rng(1).standard_normal((4, 3))
    a.eval(), b.eval()
    np.testing.assert_array_equal(a(x).numpy(), b(x).numpy())


def test_load_keeps_the_model_dtype(tmp_path):
    m32 = nn.Linear(2, 3, rng=0, dtype=np.float32)
    m64 = nn.Linear(2, 3, rng=1)
    m64.save(tmp_path / "m.npz")
    m32.load(tmp_path / "m.npz")
    assert m32.weight.dtype == np.float32
    np.testing.assert_allclose(m32.weight.numpy(), m64.weight.numpy(), rtol=1e-6)


def test_malformed_files_are_refused_with_clear_errors(tmp_path):
    model = nn.MLP([3, 4, 2], rng=0)
    good = model.state_dict()

    def write(name, **arrays):
        path = tmp_path / name
        np.savez(path, **arrays)
        return path

    missing = {k: v for k, v in good.items() if k != "2.bias"}
    with pytest.raises(ValueError, match="missing entries: 2.bias"):
        model.load(write("missing.npz", **missing))
    with pytest.raises(ValueError, match="unexpected entries: 9.weight"):
        model.load(write("extra.npz", **good, **{"9.weight": np.ones(2)}))
    bad = dict(good, **{"0.weight": np.ones((4, 3))})
    with pytest.raises(ValueError, match=r"0.weight has shape \(4, 3\), the model needs \(3, 4\)"):
        model.load(write("shape.npz", **bad))
    with pytest.raises(ValueError, match="not a real-valued numeric array"):
        model.load_state_dict(dict(good, **{"0.bias": np.array(["a"] * 4)}))
    np.testing.assert_array_equal(model.state_dict()["0.weight"], good["0.weight"])  # nothing changed
    # pickled object arrays are not unpickled
    np.savez(tmp_path / "obj.npz", **dict(good, **{"0.bias": np.array([{"a": 1}] * 4, dtype=object)}))
    with pytest.raises(ValueError, match="cannot read .*obj.npz.* as a saved model"):
        model.load(tmp_path / "obj.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip file at all")
    with pytest.raises(ValueError, match="junk.npz"):
        model.load(tmp_path / "junk.npz")
    np.save(tmp_path / "single.npy", np.ones(3))
    with pytest.raises(ValueError, match="single.npy' holds a single array, not named entries"):
        model.load(tmp_path / "single.npy")
    (tmp_path / "empty.npz").write_bytes(b"")
    with pytest.raises(ValueError, match="cannot read .*empty.npz.* as a saved model"):
        model.load(tmp_path / "empty.npz")
    with pytest.raises(FileNotFoundError, match="load: no such file"):
        model.load(tmp_path / "nope.npz")


def test_parameter_and_module_basics():
    p = nn.Parameter([1, 2, 3])
    assert p.dtype == np.float64 and p.requires_grad and p.is_leaf
    assert nn.Parameter(np.zeros(2, np.float32)).dtype == np.float32
    assert "Parameter(" in repr(p)
    with pytest.raises(TypeError, match="Parameter: needs floating-point data, got int64"):
        nn.Parameter(np.arange(3))
    with pytest.raises(NotImplementedError, match="Module define forward"):
        nn.Module()(1.0)
    text = repr(nn.MLP([2, 3, 1], rng=0))
    assert "(0): Linear(2, 3, bias=True)" in text and "(1): ReLU()" in text


def test_deep_module_tree_needs_no_recursion():
    seq = nn.Identity()
    for _ in range(3000):  # deeper than Python's recursion limit
        seq = nn.Sequential(seq)
    assert len(seq.named_modules()) == 3001
    seq.train(False)
    assert repr(seq).count("Sequential") == 3000
