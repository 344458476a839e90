"""explain(): the chain rule edge by edge, checked against the lecture's numbers and closed forms."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.demo import sigmoid_neuron
from autograd_lite.explain import explain
from tests._graphs import lecture_graph
from tests._numeric import central_difference


def edges(expl):
    return [r for r in expl.rows if r.kind == "edge"]


def row(expl, node, target):
    found = [r for r in edges(expl) if r.node == node and r.target == target]
    assert len(found) == 1, (node, target, [(r.node, r.target) for r in expl.rows])
    return found[0]


def test_lecture_x_plus_y_times_z():
    # course notes: f = (x + y) z at x = -2, y = 5, z = -4: q = 3, f = -12, df/dx = df/dy = -4, df/dz = 3
    f, _ = lecture_graph()
    e = explain(f)
    assert [(r.node, r.op, r.target) for r in e.rows] == [
        ("f", "mul", "q"), ("f", "mul", "z"), ("q", "add", "x"), ("q", "add", "y"),
    ]  # fmt: skip
    fq, fz, qx, qy = e.rows
    assert (fq.upstream, fq.local, fq.downstream) == (1, -4, -4)  # mul swaps: local of q is z
    assert (fz.upstream, fz.local, fz.downstream) == (1, 3, 3)  # local of z is q = 3
    assert (qx.upstream, qx.local, qx.downstream) == (-4, 1, -4)  # add distributes
    assert (qy.upstream, qy.local, qy.downstream) == (-4, 1, -4)
    assert "mul swaps" in fq.note and "add distributes" in qx.note


def test_lecture_sigmoid_neuron_numbers():
    f, v = sigmoid_neuron()
    e = explain(f)
    s = 1 / (1 + math.exp(-1.0))  # w0 x0 + w1 x1 + w2 = -2 + 6 - 3 = 1
    d = 1 + math.exp(-1.0)  # the denominator 1.37
    # the slides' backward walk: 1/x gives -1/d^2 = -0.53; +1 passes it; exp multiplies by e^-1 = 0.37
    # giving -0.20; *-1 gives 0.20; the adds distribute 0.20; the muls swap
    by_op = {r.op: r for r in edges(e) if r.op in ("pow", "exp", "neg")}
    assert by_op["pow"].local == pytest.approx(-1 / d**2) and round(float(by_op["pow"].downstream), 2) == -0.53
    assert by_op["exp"].local == pytest.approx(math.exp(-1.0)) and round(float(by_op["exp"].local), 2) == 0.37
    assert by_op["exp"].downstream == pytest.approx(-math.exp(-1.0) / d**2)
    assert round(float(by_op["exp"].downstream), 2) == -0.20
    assert by_op["neg"].local == -1 and round(float(by_op["neg"].downstream), 2) == 0.20
    assert by_op["neg"].downstream == pytest.approx(s * (1 - s))  # sigmoid's local gradient
    leaves = {r.target: float(r.downstream) for r in edges(e) if r.target in v}
    # course notes: w0 -0.20, x0 0.39, w1 -0.39, x1 -0.59, w2 0.20
    assert {k: round(g, 2) for k, g in leaves.items()} == {"w0": -0.2, "x0": 0.39, "w1": -0.39, "x1": -0.59, "w2": 0.2}
    for r in edges(e):  # every row is upstream x local
        assert r.downstream == pytest.approx(r.upstream * r.local)
    assert not any(r.kind == "sum" for r in e.rows)  # nothing fans out in this graph


def test_fan_out_rows_sum_the_copies():
    x = ag.Tensor(3.0, requires_grad=True, name="x")
    y = x * x + x  # dy/dx = 2x + 1 = 7
    e = explain(y)
    sums = [r for r in e.rows if r.kind == "sum"]
    assert len(sums) == 1 and sums[0].node == "x"
    assert sorted(float(t) for t in sums[0].terms) == [1.0, 3.0, 3.0]
    assert float(sums[0].downstream) == 7.0
    assert e.rows[-1] is sums[0]  # x is summed when the walk reaches it, after all its consumers
    assert "copy adds" in sums[0].note


def test_course_relu_vector_example():
    # relu on [1, -2, 3, -1] with upstream [4, -1, 5, 9] gives [4, 0, 5, 0]
    x = ag.Tensor([1.0, -2.0, 3.0, -1.0], requires_grad=True, name="x")
    e = explain(ag.relu(x), grad=np.array([4.0, -1.0, 5.0, 9.0]))
    (r,) = e.rows
    np.testing.assert_array_equal(r.downstream, [4.0, 0.0, 5.0, 0.0])
    np.testing.assert_array_equal(r.local, [1.0, 0.0, 1.0, 0.0])  # the diagonal of the Jacobian
    assert "(4,)" in str(e)


def test_tensor_rows_match_finite_differences_and_show_summaries():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 3))
    W = ag.Tensor(rng.standard_normal((3, 2)), requires_grad=True, name="W")
    b = ag.Tensor(rng.standard_normal(2), requires_grad=True, name="b")
    out = ag.tanh(X @ W + b).sum()
    e = explain(out)
    fn = lambda w, bb: np.tanh(X @ w + bb).sum()
    np.testing.assert_allclose(row(e, next(r.node for r in edges(e) if r.target == "W"), "W").downstream,
                               central_difference(fn, [W.data, b.data], 0), rtol=1e-6, atol=1e-8)  # fmt: skip
    b_row = row(e, next(r.node for r in edges(e) if r.target == "b"), "b")
    np.testing.assert_allclose(b_row.downstream, central_difference(fn, [W.data, b.data], 1), rtol=1e-6, atol=1e-8)
    mm = next(r for r in edges(e) if r.op == "matmul")
    assert mm.local is None and "a^T @ g" in mm.note  # no same-shape local array for matmul
    text = str(e)
    assert "(3, 2)" in text and "min " in text and "mean " in text
    assert str(W.data[0, 0])[:6] not in text  # summaries, not full arrays


def test_explain_leaves_grad_alone_and_the_html_view():
    f, v = sigmoid_neuron()
    e = explain(f)
    assert all(t.grad is None for t in v.values())
    html = e._repr_html_()
    root = ET.fromstring(html)
    body_rows = root.find("tbody").findall("tr")
    assert len(body_rows) == len(e.rows) == len(str(e).splitlines()) - 3
    assert [c.text for c in root.find("thead").find("tr")] == list(e.COLUMNS)


def test_errors():
    with pytest.raises(ValueError, match="explain: the output does not require grad"):
        explain(ag.Tensor(1.0) * 2)
    with pytest.raises(TypeError, match="explain: expected a Tensor or a list of Tensors, got float"):
        explain([1.0])


def test_deep_chain_is_iterative():
    x = ag.Tensor(0.1, requires_grad=True, name="x")
    y = x
    for _ in range(20_000):
        y = y * 1.0
    e = explain(y)
    assert len(e.rows) == 20_000 and float(e.rows[-1].downstream) == 1.0


def test_why_is_each_inputs_rule_from_the_primitive_table():
    x = ag.Tensor(2.0, requires_grad=True, name="x")
    y = ag.Tensor(3.0, requires_grad=True, name="y")
    e = explain(x**y)
    assert row(e, "v0", "x").note == "a ** b:  d/da = b a^(b-1) (0 where b = 0)"
    assert row(e, "v0", "y").note.startswith("a ** b:  d/db = a^b log a")
    assert row(e, "v0", "y").local == pytest.approx(8 * math.log(2.0))  # the rule the note states

    def softplus(x):
        """log(1 + e^x):  d/dx = sigmoid(x)"""
        return np.logaddexp(0, x)

    mine = ag.primitive("softplus", softplus, lambda g, out, x: g * ag.sigmoid.apply(x))
    (r,) = explain(mine(x)).rows
    assert r.note == "log(1 + e^x):  d/dx = sigmoid(x)" and r.local == pytest.approx(1 / (1 + math.exp(-2.0)))
    undocumented = ag.primitive("twice", lambda x: 2 * x, lambda g, out, x: 2 * g)
    assert explain(undocumented(x)).rows[0].note == ""


def test_explain_html_table_parses_with_one_row_per_step() -> None:
    from tests.test_gradcheck import _Table

    f, _ = lecture_graph()
    e = explain(f)
    t = _Table(e._repr_html_())
    assert t.caption == "backward pass of f" and t.header == list(e.COLUMNS)
    assert [r[1:3] for r in t.rows] == [["f", "mul"], ["f", "mul"], ["q", "add"], ["q", "add"]]
    assert [r[5] for r in t.rows] == ["-4", "3", "-4", "-4"]  # downstream: the lecture's gradients


def test_explain_text_stays_within_120_characters_and_keeps_every_cell() -> None:
    X, y = ag.data.spiral(16, 3, seed=0)
    model = ag.nn.MLP([2, 100, 3], rng=0)
    e = explain(ag.losses.cross_entropy(model(X), y))
    text = str(e)
    assert max(len(line) for line in text.splitlines()) <= 120
    flat = " ".join(text.split())
    for cells in e.table():  # every cell's words are there, in order, wrapped or not
        for cell in cells:
            assert " ".join(cell.split()) in flat or all(w in flat for w in cell.split()), cell
    f, _ = lecture_graph()
    short = str(explain(f)).splitlines()
    assert "mul swaps" in short[3]  # a narrow table keeps "why" on its row
