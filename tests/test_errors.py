"""Bad input: a clear error at the user's call, naming the operation and the
shapes or values at fault -- never a numpy traceback from inside a rule.  Each message is tested.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings

import autograd_lite as ag

from . import strategies as S


def leaf(value, **kw) -> ag.Tensor:
    return ag.Tensor(value, requires_grad=True, **kw)


def shapes_pattern(*shapes: tuple[int, ...]) -> str:
    return r".*".join(re.escape(str(s)) for s in shapes)


# ============================================================================ broadcasting
BINARY = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "pow": lambda a, b: a**b,
    "maximum": ag.maximum,
}


@pytest.mark.parametrize("name", BINARY)
@settings(max_examples=10)
@given(pair=S.incompatible_pairs())
def test_shapes_that_do_not_broadcast_name_the_op_and_the_shapes(name, pair):
    a, b = leaf(np.ones(pair[0])), np.ones(pair[1])
    with pytest.raises(ValueError, match=rf"^{name}: shapes {shapes_pattern(*pair)} do not broadcast"):
        BINARY[name](a, b)
    with pytest.raises(ValueError, match=rf"^{name}: shapes {shapes_pattern(pair[1], pair[0])} do not broadcast"):
        BINARY[name](b, a)


@pytest.mark.parametrize("expr", [lambda a, b: a - b, lambda a, b: a / b, ag.minimum], ids=["sub", "div", "minimum"])
def test_composites_report_broadcast_failures_with_the_shapes(expr):
    with pytest.raises(ValueError, match=r"shapes \(2, 3\) and \(4,\) do not broadcast"):
        expr(leaf(np.ones((2, 3))), leaf(np.ones(4)))


def test_where_names_all_three_shapes():
    with pytest.raises(ValueError, match=r"^where: shapes \(4,\) and \(2, 3\) and \(\) do not broadcast"):
        ag.where(np.ones(4, bool), leaf(np.ones((2, 3))), 0.0)


def test_broadcast_to_names_source_and_target_shapes():
    with pytest.raises(ValueError, match=r"broadcast_to: .*\(2, 3\).*\(4, 3\)"):
        ag.broadcast_to(leaf(np.ones((2, 3))), shape=(4, 3))


# ============================================================================ matmul


def test_matmul_not_aligned_names_shapes_and_dims():
    with pytest.raises(
        ValueError, match=r"^matmul: shapes \(3, 4\) and \(5, 2\) are not aligned: 4 \(dim 1 of a\) != 5 \(dim 0 of b\)"
    ):
        leaf(np.ones((3, 4))) @ np.ones((5, 2))


def test_matmul_vector_not_aligned():
    with pytest.raises(ValueError, match=r"^matmul: shapes \(3,\) and \(4,\) are not aligned: 3 \(dim 0 of a\)"):
        leaf(np.ones(3)) @ leaf(np.ones(4))


def test_matmul_batched_not_aligned_names_the_dim_of_b():
    with pytest.raises(
        ValueError, match=r"^matmul: shapes \(3, 4\) and \(2, 5, 2\) are not aligned: 4 .* != 5 \(dim 1 of b\)"
    ):
        leaf(np.ones((3, 4))) @ np.ones((2, 5, 2))


def test_matmul_batch_dims_that_do_not_broadcast():
    with pytest.raises(ValueError, match=r"^matmul: shapes \(2, 3, 4\) and \(3, 4, 2\) do not broadcast"):
        leaf(np.ones((2, 3, 4))) @ np.ones((3, 4, 2))


@pytest.mark.parametrize("expr", [lambda x: x @ 3, lambda x: 3 @ x, lambda x: x @ 2.5], ids=["x@3", "3@x", "x@2.5"])
def test_matmul_with_a_scalar_says_to_use_star(expr):
    """numpy raises ValueError here too; the message points to ``*``."""
    with pytest.raises(ValueError, match=r"^matmul: operands must be at least 1-D.*use \* for scalars"):
        expr(leaf(np.ones(3)))


# ============================================================================ backward
def test_backward_on_a_non_scalar_needs_grad():
    with pytest.raises(RuntimeError, match=r"^backward: the output has shape \(2, 3\); pass grad="):
        (leaf(np.ones((2, 3))) * 2.0).backward()


def test_backward_with_a_grad_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"^backward: grad has shape \(3,\) but the output has shape \(2, 3\)"):
        (leaf(np.ones((2, 3))) * 2.0).backward(grad=np.ones(3))


def test_backward_on_an_output_that_does_not_require_grad():
    with pytest.raises(RuntimeError, match=r"^backward: this tensor does not require grad"):
        (ag.Tensor([1.0, 2.0]) * 2.0).sum().backward()
    x = leaf(1.0)
    with ag.no_grad():
        y = x * 2.0
    with pytest.raises(RuntimeError, match=r"does not require grad.*outside no_grad"):
        y.backward()


# ============================================================================ integer data
@pytest.mark.parametrize(
    "make",
    [
        lambda: ag.Tensor(np.arange(3), requires_grad=True),
        lambda: ag.Tensor(np.array(5, np.int32), requires_grad=True),
        lambda: ag.zeros(3, dtype=np.int64, requires_grad=True),
        lambda: ag.arange(3, dtype=np.int64, requires_grad=True),
    ],
    ids=["array", "int32-scalar", "zeros", "arange"],
)
def test_requires_grad_on_integer_data(make):
    with pytest.raises(TypeError, match=r"requires_grad=True needs floating-point data, got int(32|64)"):
        make()


def test_requires_grad_method_on_integer_data():
    with pytest.raises(TypeError, match=r"^requires_grad_: integer tensor \(int64\) cannot require grad"):
        ag.Tensor(np.arange(3)).requires_grad_()


# ============================================================================ operand types


@pytest.mark.parametrize(
    ("expr", "pattern"),
    [
        pytest.param(lambda x: x + object(), r"^add: .*object", id="x+object()"),
        pytest.param(lambda x: object() * x, r"^mul: .*object", id="object()*x"),
        pytest.param(lambda x: x + None, r"^add: .*None", id="x+None"),
        pytest.param(lambda x: x ** "a", r"^pow: .*'a'", id="x**'a'"),
        pytest.param(lambda x: x + "a", r"^add: .*'a'", id="x+'a'"),
        pytest.param(lambda x: "a" + x, r"^add: .*'a'", id="'a'+x"),
        pytest.param(lambda x: x * "a", r"^mul: .*'a'", id="x*'a'"),
    ],
)
def test_unsupported_operand_types_name_the_op_and_the_value(expr, pattern):
    with pytest.raises(TypeError, match=pattern):
        expr(leaf([1.0, 2.0, 3.0]))


@pytest.mark.parametrize("data", ["abc", object(), {"a": 1}], ids=["str", "object", "dict"])
def test_non_numeric_data(data):
    with pytest.raises(TypeError, match=r"^Tensor: "):
        ag.Tensor(data)


def test_numpy_ufunc_without_a_rule():
    with pytest.raises(TypeError, match=r"numpy\.spacing .*has no gradient rule"):
        np.spacing(leaf([1.0]))


# ============================================================================ other calls
@pytest.mark.parametrize(
    ("expr", "exc", "pattern"),
    [
        (lambda x: x.reshape(4), ValueError, r"^reshape: .*\(2, 3\).*size 6 into shape \(4,\)"),
        (lambda x: x.sum(axis=5), IndexError, r"^sum: .*axis 5 is out of bounds"),
        (lambda x: x.max(axis=2), IndexError, r"^max: .*axis 2 is out of bounds"),
        (lambda x: x[5], IndexError, r"^getitem: .*index 5 is out of bounds"),
        (lambda x: x.swapaxes(0, 4), ValueError, r"^swapaxes: axes 0, 4 out of range for shape \(2, 3\)"),
        (lambda x: ag.concatenate([x, np.ones((3, 3))], axis=1), ValueError, r"^concatenate: .*\(2, 3\).*\(3, 3\)"),
        (lambda x: ag.stack([x, np.ones((3, 3))]), ValueError, r"^stack: .*\(2, 3\).*\(3, 3\)"),
        (lambda x: x.item(), ValueError, r"^item: the tensor has shape \(2, 3\)"),
        (lambda x: bool(x), ValueError, r"truth value of a tensor of shape \(2, 3\) is ambiguous"),
        (lambda x: ag.var(x[0, :1], ddof=1), ValueError, r"^var: 1 elements with ddof=1"),
    ],
    ids=["reshape", "sum-axis", "max-axis", "getitem", "swapaxes", "concatenate", "stack", "item", "bool", "var"],
)
def test_other_bad_calls_name_the_operation(expr, exc, pattern):
    with pytest.raises(exc, match=pattern):
        expr(leaf(np.ones((2, 3))))
