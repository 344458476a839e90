"""The command line's expression language: what it evaluates, what it refuses, its bounds, and a fuzz."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite import exprparse
from autograd_lite.exprparse import ExpressionError, evaluate, parse_value


def var(v, name):
    return ag.Tensor(v, requires_grad=True, name=name)


@pytest.mark.parametrize(
    "expr, expected",
    [
        ("(x + y) * z", (-2 + 5) * -4),
        ("x - y / z ** 2", -2 - 5 / 16),
        ("-x + +y", 2 + 5),
        ("1 / (1 + exp(-x))", 1 / (1 + math.exp(2))),
        ("sigmoid(x) + tanh(y) + relu(z) + relu(-z)", 1 / (1 + math.exp(2)) + math.tanh(5) + 0 + 4),
        ("maximum(x, z) + minimum(x, z) + abs(z) + sqrt(y) + log(y)", -2 - 4 + 4 + math.sqrt(5) + math.log(5)),
        ("2 ** y", 32.0),
        ("x ** 2", 4.0),
    ],
)
def test_allowed_expressions_evaluate_like_the_math(expr, expected):
    env = {"x": var(-2.0, "x"), "y": var(5.0, "y"), "z": var(-4.0, "z")}
    out = evaluate(expr, env)
    assert isinstance(out, ag.Tensor)
    assert out.item() == pytest.approx(expected)


def test_arrays_matmul_and_keyword_arguments():
    W = np.array([[0.1, 0.5], [-0.3, 0.8]])
    x = np.array([0.2, 0.4])
    env = {"W": var(W, "W"), "x": var(x, "x")}
    assert evaluate("sum(relu(W @ x))", env).item() == pytest.approx(np.maximum(W @ x, 0).sum())
    np.testing.assert_allclose(evaluate("sum(W, axis=0)", env).data, W.sum(axis=0))
    np.testing.assert_allclose(evaluate("max(W, axis=1, keepdims=True)", env).data, W.max(axis=1, keepdims=True))
    np.testing.assert_allclose(evaluate("mean(W, axis=(0, 1))", env).data, W.mean())
    np.testing.assert_allclose(evaluate("clip(W, lo=-0.2, hi=0.6)", env).data, np.clip(W, -0.2, 0.6))
    np.testing.assert_allclose(evaluate("softmax(x)", env).data, np.exp(x) / np.exp(x).sum())
    out = evaluate("sum(W @ x)", env)
    out.backward()
    np.testing.assert_allclose(env["x"].grad.data, W.sum(axis=0))  # d sum(Wx)/dx = column sums


@pytest.mark.parametrize(
    "expr, message",
    [
        (
            "__import__('os').system('echo hi')",
            r"attribute access: \"__import__\('os'\)\.system\" at column 1 is not allowed",
        ),
        ("x.__class__", r"attribute access: 'x\.__class__' at column 1 is not allowed"),
        ("__import__('os')", r"names starting with '_': '__import__' at column 1 is not allowed"),
        ("9**9**9", r"exponent 3\.8742e\+08 is beyond the limit \|exponent\| <= 100"),
        ("x ** 1000", r"exponent 1000 is beyond the limit"),
        ("foo(x)", r"unknown function 'foo' at column 1; the functions are abs, clip, exp"),
        ("x + w", r"unknown variable 'w' at column 5; give it a value with --at w=VALUE"),
        ("lambda: x", r"lambda: 'lambda: x' at column 1 is not allowed"),
        ("[v for v in x]", r"a comprehension: .* is not allowed"),
        ("x[0]", r"indexing: 'x\[0\]' at column 1 is not allowed"),
        ("x if x else x", r"if/else"),
        ("x < 1", r"a comparison"),
        ("'text'", r"only numbers are allowed as literals"),
        ("True + x", r"only numbers are allowed as literals"),
        ("x // 2", r"the operator FloorDiv"),
        ("~x", r"the operator Invert"),
        ("exp", r"exp is a function; call it"),
        ("sum(x, dtype=1)", r"the keyword dtype="),
        ("sum(x, axis=x)", r"keyword values must be numbers"),
        ("x; x", r"cannot parse the expression at column 2"),
        ("import os", r"cannot parse the expression"),
        ("", r"expression is empty"),
        ("[1, 2]", r"a list \(give arrays with --at NAME=\[\.\.\.\]\)"),
        ("(x := 1)", r"assignment"),
        ("f'{x}'", r"an f-string"),
        ("-" * 100 + "x", r"nests deeper than 60 levels"),
        ("(" * 300 + "x" + ")" * 300, r"cannot parse the expression"),
        ("x+" * 600 + "x", r"expression is 1801 characters long|more than 500 parts|nests deeper"),
        ("1" * 3000, r"expression is 3000 characters long; the limit is 2000"),
        ("1e999 * x", r"."),  # inf is a float; allowed to evaluate (no memory at stake)
    ],
)
def test_refused_expressions_point_at_the_offending_part(expr, message):
    env = {"x": var([1.0, 2.0], "x")}
    if expr == "1e999 * x":
        assert np.isinf(evaluate(expr, env).data).all()
        return
    with pytest.raises(ExpressionError, match=message):
        evaluate(expr, env)


def test_result_sizes_are_bounded_before_computing():
    env = {"a": np.ones((2000, 1)), "b": np.ones((1, 2000))}
    with pytest.raises(
        ExpressionError, match=r"a result of shape \(2000, 2000\) exceeds the limit of 1000000 elements"
    ):
        evaluate("a * b", env)
    with pytest.raises(ExpressionError, match=r"a result of shape \(2000, 2000\) exceeds"):
        evaluate("a @ b", env)
    assert evaluate("b @ a", env).shape == (1, 1)


def test_shape_errors_become_expression_errors():
    env = {"x": np.ones(2), "y": np.ones(3)}
    with pytest.raises(ExpressionError, match="add: shapes"):
        evaluate("x + y", env)
    with pytest.raises(ExpressionError, match="matmul"):
        evaluate("x @ y", env)
    with pytest.raises(ExpressionError, match="axis 5 is out of bounds"):
        evaluate("sum(x, axis=5)", env)


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("x", "[1, [2]]", "ragged or not all numbers"),
        ("x", '{"a": 1}', "give a number or a JSON array of numbers, not dict"),
        ("x", '"1"', "not str"),
        ("x", "1 2", "is not a number or a JSON array"),
        ("x", "[" * 5000 + "]" * 5000, "is not a number or a JSON array"),
        ("x", "[" + ",".join(["0"] * 1_000_001) + "]", "1000001 elements exceed the limit of 1000000"),
        ("_x", "1", "is not a variable name"),
        ("x.y", "1", "is not a variable name"),
        ("exp", "1", "is the name of a function"),
    ],
)
def test_bad_values(name, text, message):
    with pytest.raises(ExpressionError, match=message):
        parse_value(name, text)


def test_values():
    assert parse_value("x", "-3").shape == () and parse_value("x", "-3") == -3.0
    v = parse_value("W", "[[0.1, 0.5], [-0.3, 0.8]]")
    assert v.dtype == np.float64 and v.shape == (2, 2) and v[1, 0] == -0.3


ALPHABET = "xyz0123456789.+-*/@()_, eax[]'\"=<>:lambd" + "expsigmoidtanhrelusumean"
NAMES = ["x", "y", "z", "exp", "log", "sigmoid", "tanh", "relu", "sum", "mean", "max", "maximum", "foo", "__import__"]


@st.composite
def expressions(draw, depth=0):
    """Random expressions over allowed and refused constructs alike."""
    if depth > 4 or draw(st.booleans()):
        return draw(
            st.one_of(
                st.sampled_from(NAMES),
                st.integers(-20, 20).map(str),
                st.floats(-1e3, 1e3, allow_nan=False).map(repr),
                st.sampled_from(["'s'", "[1]", "x.y", "x[0]", "None", "True"]),
            )
        )
    kind = draw(st.sampled_from(["bin", "un", "call", "paren"]))
    a = draw(expressions(depth=depth + 1))
    if kind == "un":
        return draw(st.sampled_from(["-", "+", "~", "not "])) + a
    if kind == "paren":
        return f"({a})"
    b = draw(expressions(depth=depth + 1))
    if kind == "bin":
        return f"{a} {draw(st.sampled_from(['+', '-', '*', '/', '**', '@', '//', '%', '<', 'and']))} {b}"
    fn = draw(st.sampled_from(NAMES))
    kw = draw(st.sampled_from(["", ", axis=0", ", keepdims=True", ", foo=1"]))
    return f"{fn}({a}{', ' + b if draw(st.booleans()) else ''}{kw})"


def _only_results_or_the_documented_error(text: str) -> None:
    env = {"x": ag.Tensor([0.5, -1.0], requires_grad=True), "y": np.array([2.0, 3.0]), "z": np.float64(1.5)}
    try:
        out = evaluate(text, env)
    except ExpressionError as e:
        assert str(e) and "\n" not in str(e)
        return
    assert isinstance(out, ag.Tensor)


@settings(max_examples=150)
@given(expressions())
def test_fuzz_structured(text):
    _only_results_or_the_documented_error(text)


@settings(max_examples=150)
@given(st.text(alphabet=ALPHABET, max_size=60))
def test_fuzz_text(text):
    _only_results_or_the_documented_error(text)


def test_limits_are_module_constants():
    assert exprparse.MAX_EXPONENT == 100 and exprparse.MAX_ELEMENTS == 1_000_000


@pytest.mark.parametrize(
    "expr",
    ["sum(maximum(a, b))", "sum(minimum(a, b))", "sum(clip(a, b))", "sum(clip(a, 0, b))", "mean(maximum(b, a))"],
)
def test_function_calls_are_size_checked_before_computing(expr, monkeypatch):
    # a (2000, 1) and b (1, 2000) broadcast to 4,000,000 elements: refused before any array that big exists
    env = {"a": np.ones((2000, 1)), "b": np.ones((1, 2000))}
    calls = []
    for name, fn in exprparse.FUNCTIONS.copy().items():
        spy = lambda *a, _fn=fn, _n=name, **k: calls.append(_n) or _fn(*a, **k)
        monkeypatch.setitem(exprparse.FUNCTIONS, name, spy)
    with pytest.raises(ExpressionError, match=r"a result of shape \(2000, 2000\) exceeds the limit of 1000000"):
        evaluate(expr, env)
    assert calls == []  # the outer reduction never ran either: the inner call was refused first


def test_keyword_bounds_broadcast_too():
    env = {"a": np.ones((200_000, 1))}
    with pytest.raises(ExpressionError, match=r"\(200000, 8\) exceeds .*'clip\(a, lo="):
        evaluate("clip(a, lo=(0, 1, 2, 3, 4, 5, 6, 7))", env)
    assert evaluate("clip(a, lo=(0, 1))", {"a": np.ones((3, 1))}).shape == (3, 2)


def test_every_function_has_a_shape_rule():
    assert set(exprparse.SHAPE_RULES) == set(exprparse.FUNCTIONS)
    assert {kind for kind, _ in exprparse.SHAPE_RULES.values()} <= {"elementwise", "reduce"}


def test_a_function_without_a_shape_rule_is_refused(monkeypatch):
    monkeypatch.setitem(exprparse.FUNCTIONS, "newfn", lambda x: x)
    with pytest.raises(ExpressionError, match="newfn has no shape rule"):
        evaluate("newfn(x)", {"x": np.ones(2)})


@pytest.mark.parametrize(
    "expr, expected",
    [
        ("maximum(x, y)", (3, 4)),
        ("clip(x, y, 1)", (3, 4)),
        ("softmax(y, axis=0)", (1, 4)),
        ("sum(x, axis=0)", (1,)),
        ("var(y, axis=1, keepdims=True)", (1, 1)),
        ("max(x)", ()),
    ],
)
def test_call_results_have_the_predicted_shapes(expr, expected):
    env = {"x": np.ones((3, 1)), "y": np.arange(4.0).reshape(1, 4)}
    assert evaluate(expr, env).shape == expected


def test_total_size_of_all_intermediates_is_bounded():
    env = {"x": np.ones(900_000)}
    assert evaluate("sum(exp(x) * x)", env).shape == ()
    # 12 intermediates of 900,000 elements each: every one is allowed alone, their total is not
    expr = "sum(" + " + ".join(["x * x"] * 6) + ")"
    with pytest.raises(ExpressionError, match=r"intermediate results total more than 10000000 elements"):
        evaluate(expr, env)
    big = {"w": np.ones((1000, 1000))}
    with pytest.raises(ExpressionError, match=r"multiply-adds"):
        evaluate("sum(w @ w @ w)", big)
