"""check_graph: an op-by-op audit that names the primitive whose rule is wrong."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag

# d(x^2)/dx = 2x, but this rule says x: the deliberately broken primitive
bad_square = ag.primitive("bad_square", lambda x: x * x, lambda g, out, x: g * x)


def _net(rng: np.random.Generator, square: ag.Primitive | None = None) -> tuple[ag.Tensor, list[ag.Tensor]]:
    W = ag.Tensor(rng.standard_normal((3, 4)), requires_grad=True, name="W")
    b = ag.Tensor(rng.standard_normal(4), requires_grad=True, name="b")  # broadcast over the batch
    X = rng.standard_normal((5, 3))
    with ag.scope("layer1"):
        h = ag.tanh(X @ W + b)
        h.name = "h"
        if square is not None:
            h = square(h)
            h.name = "h2"
    loss = ag.log_softmax(h, axis=1).mean() + ag.relu(h).max()
    return loss, [W, b]


def test_a_correct_graph_passes_including_broadcast_bias_and_kinks() -> None:
    loss, _ = _net(np.random.default_rng(0))
    report = ag.check_graph(loss)
    assert report and report.passed and report.failure is None
    assert report.checked == len([n for n in ag.toposort(loss) if n.op is not None])
    assert str(report).startswith("check_graph passed")


def test_bad_primitive_fails_gradcheck_and_check_graph_names_it() -> None:
    rng = np.random.default_rng(1)
    loss, params = _net(rng, bad_square)
    W, b = params
    X = rng.standard_normal((5, 3))
    assert not ag.gradcheck(lambda: bad_square(ag.tanh(X @ W + b)).sum(), params=[W, b])
    report = ag.check_graph(loss)
    assert not report
    fail = report.failure
    assert (fail.op, fail.node, fail.scope, fail.shape, fail.input_index) == ("bad_square", "'h2'", "layer1", (5, 4), 0)
    # the rule gives u * x where u * 2x is right: relative error 1/2, numeric twice the analytic
    assert fail.max_rel_err == pytest.approx(0.5, rel=1e-6)
    assert fail.numeric == pytest.approx(2 * fail.analytic, rel=1e-6)
    assert len(report.failures) == 1
    text = str(report)
    assert "op 'bad_square' at 'h2' (shape (5, 4)) in scope 'layer1'" in text and "FAILED" in text


def test_first_failure_is_the_earliest_in_forward_order() -> None:
    half = ag.primitive("half_exp", np.exp, lambda g, out, x: 0.5 * g * out)
    x = ag.Tensor([0.3, -0.2], requires_grad=True)
    out = bad_square(half(x)).sum()
    report = ag.check_graph(out)
    assert [f.op for f in report.failures] == ["half_exp", "bad_square"]
    assert report.failure.op == "half_exp" and report.failure.node == "node 0"


def test_rule_with_the_wrong_shape_is_reported_not_raised() -> None:
    bad_shape = ag.primitive("bad_shape", lambda x: 2 * x, lambda g, out, x: np.ones((7,)))
    report = ag.check_graph(bad_shape(ag.Tensor(np.ones(3), requires_grad=True)).sum())
    assert report.failure.op == "bad_shape"
    assert "wrong shape" in report.failure.message and "(7,)" in report.failure.message


def test_rule_that_raises_is_reported() -> None:
    boom = ag.primitive("boom", lambda x: x + 1, lambda g, out, x: g[999])
    report = ag.check_graph(boom(ag.Tensor(np.ones(2), requires_grad=True)).sum())
    assert report.failure.op == "boom" and "raised IndexError" in report.failure.message


def test_rule_wrong_only_at_a_kink_is_caught_by_check_graph() -> None:
    bad_relu = ag.primitive("bad_relu", lambda x: np.maximum(x, 0), lambda g, out, x: g * np.where(x == 0, -1.0, x > 0),
                            branch=lambda out, x: x > 0)  # fmt: skip
    assert ag.check_graph(ag.relu(ag.Tensor([0.0, 2.0], requires_grad=True)).sum())
    report = ag.check_graph(bad_relu(ag.Tensor([0.0, 2.0], requires_grad=True)).sum())
    assert report.failure.op == "bad_relu" and report.failure.worst == (0,)


def test_large_inputs_are_checked_along_random_directions() -> None:
    x = ag.Tensor(np.linspace(-1, 1, 500), requires_grad=True)
    assert ag.check_graph(ag.tanh(x).sum())
    report = ag.check_graph(bad_square(x).sum())
    assert report.failure.op == "bad_square" and str(report.failure.worst).startswith("direction")


def test_errors() -> None:
    with pytest.raises(ValueError, match="check_graph: this tensor was not produced by a recorded operation"):
        ag.check_graph(ag.Tensor([1.0], requires_grad=True))
    with pytest.raises(TypeError, match="check_graph: expected the Tensor a computation produced, got ndarray"):
        ag.check_graph(np.ones(2))


def test_a_failure_quotes_the_rule_from_the_primitives_doc() -> None:
    def cube(x):
        """x^3:  d/dx = 3 x^2"""
        return x**3

    bad_cube = ag.primitive("bad_cube", cube, lambda g, out, x: 2 * g * x * x)  # 2, not 3
    report = ag.check_graph(bad_cube(ag.Tensor([0.5, 1.5], requires_grad=True)).sum())
    assert report.failure.rule == "d/dx = 3 x^2"
    assert "the rule for input 0 [d/dx = 3 x^2] (shape (2,)) disagrees" in str(report)
