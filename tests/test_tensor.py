"""The Tensor value type: dtype policy, constructors, operators with numbers and ndarrays, protocols.

Expected values come from numpy on the same data or from derivatives worked by hand.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

import autograd_lite as ag

from . import strategies as S
from ._numeric import assert_close


def leaf(value, **kw) -> ag.Tensor:
    return ag.Tensor(value, requires_grad=True, **kw)


# ============================================================================ dtype policy
@pytest.mark.parametrize("data", [3, 2.5, [1, 2, 3], [[1.0, 2], [3, 4]], True], ids=repr)
def test_python_numbers_and_lists_become_float64(data):
    t = ag.Tensor(data)
    assert t.dtype == np.float64
    np.testing.assert_array_equal(t.numpy(), np.array(data, dtype=np.float64))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_])
def test_numpy_arrays_keep_their_dtype(dtype):
    assert ag.Tensor(np.zeros(3, dtype)).dtype == dtype


def test_explicit_dtype_wins():
    assert ag.Tensor([1, 2], dtype=np.float32).dtype == np.float32
    assert ag.Tensor(np.arange(3), dtype=np.float64, requires_grad=True).dtype == np.float64


def test_results_follow_numpy_promotion():
    x32 = leaf(np.ones(3, np.float32))
    assert (x32 * np.ones(3, np.float64)).dtype == np.float64
    assert (x32 + leaf(np.ones(3))).dtype == np.float64
    assert (ag.Tensor(np.arange(3)) + 1.5).dtype == np.float64


WEAK = {
    "x * 2.0": lambda x: x * 2.0,
    "2.0 * x": lambda x: 2.0 * x,
    "x + 1": lambda x: x + 1,
    "1 / x": lambda x: 1 / x,
    "x / 2": lambda x: x / 2,
    "x ** 2": lambda x: x**2,
    "2 ** x": lambda x: 2**x,
    "1 - x": lambda x: 1 - x,
    "x - 1": lambda x: x - 1,
    "minimum(x, 0.5)": lambda x: ag.minimum(x, 0.5),
    "clip(x, 0, 0.5)": lambda x: ag.clip(x, 0.0, 0.5),
    "maximum(x, 0.5)": lambda x: ag.maximum(x, 0.5),
    "where(c, x, 0.0)": lambda x: ag.where(np.array([True, False, True]), x, 0.0),
}


@pytest.mark.parametrize(
    "op",
    [pytest.param(f, id=k) for k, f in WEAK.items()],
)
def test_python_numbers_are_weak(op):
    """float32 stays float32 when combined with Python numbers, gradient included."""
    x = leaf(np.array([0.25, 1.0, 2.0], np.float32))
    y = op(x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_integer_arrays_stay_integer_and_index():
    labels = ag.Tensor(np.array([2, 0, 1]))
    assert labels.dtype == np.int64 and not labels.requires_grad
    scores = leaf(np.arange(9.0).reshape(3, 3))
    picked = scores[np.arange(3), labels]
    np.testing.assert_array_equal(picked.data, [2.0, 3.0, 7.0])
    picked.sum().backward()
    expected = np.zeros((3, 3))
    expected[[0, 1, 2], [2, 0, 1]] = 1.0
    np.testing.assert_array_equal(scores.grad.data, expected)


# ============================================================================ constructors
@pytest.mark.parametrize("make", [ag.zeros, ag.ones])
def test_zeros_and_ones(make):
    fill = 0.0 if make is ag.zeros else 1.0
    for t in (make(2, 3), make((2, 3))):
        assert t.shape == (2, 3) and t.dtype == np.float64 and np.all(t.data == fill)
    t = make(4, dtype=np.float32, requires_grad=True, name="b")
    assert t.dtype == np.float32 and t.requires_grad and t.name == "b" and t.is_leaf


def test_randn_and_rand_reproduce_with_a_seeded_generator():
    a = ag.randn(3, 4, rng=np.random.default_rng(7))
    b = ag.randn(3, 4, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(a.data, np.random.default_rng(7).standard_normal((3, 4)))
    u = ag.rand(1000, rng=np.random.default_rng(8))
    np.testing.assert_array_equal(u.data, np.random.default_rng(8).random(1000))
    assert u.data.min() >= 0.0 and u.data.max() < 1.0
    assert not np.array_equal(ag.randn(5, rng=np.random.default_rng(1)).data, ag.randn(5, rng=2).data)
    assert ag.randn(2, rng=0, dtype=np.float32, requires_grad=True).dtype == np.float32


def test_arange_is_float64_like_numpy():
    t = ag.arange(5)
    assert t.dtype == np.float64
    np.testing.assert_array_equal(t.data, np.arange(5.0))
    np.testing.assert_array_equal(ag.arange(0, 1, 0.25).data, [0.0, 0.25, 0.5, 0.75])
    assert ag.arange(3, dtype=np.int64).dtype == np.int64


# ============================================================================ protocols
def test_introspection():
    x = leaf(np.arange(6.0).reshape(2, 3), name="x")
    assert (x.shape, x.ndim, x.size, x.dtype, x.name, x.is_leaf) == ((2, 3), 2, 6, np.float64, "x", True)
    assert x.T.shape == (3, 2) and x.T.op.name == "transpose"
    assert ag.Tensor(4.5).item() == 4.5 and isinstance(ag.Tensor(4.5).item(), float)
    d = x.detach()
    assert not d.requires_grad and d.op is None and np.shares_memory(d.data, x.data)


def test_repr_shows_values_op_and_name():
    x = leaf([1.5, -2.0], name="x")
    r = repr(x)
    assert "1.5" in r and "-2." in r and "requires_grad=True" in r and "'x'" in r
    y = x * 3.0
    assert "4.5" in repr(y) and "-6." in repr(y) and "op=mul" in repr(y)
    assert "float32" in repr(ag.Tensor(np.ones(2, np.float32)))


def test_array_protocol():
    x = ag.Tensor([[1.0, 2.0], [3.0, 4.0]])  # plain; one that requires grad refuses (test_numpy_dispatch.py)
    a = np.asarray(x)
    assert isinstance(a, np.ndarray)
    np.testing.assert_array_equal(a, [[1.0, 2.0], [3.0, 4.0]])
    assert np.array(x, dtype=np.float32).dtype == np.float32
    c = np.array(x, copy=True)
    c[0, 0] = 99.0
    assert x.data[0, 0] == 1.0


def test_len_and_iteration_over_the_first_axis():
    x = leaf(np.arange(6.0).reshape(3, 2))
    assert len(x) == 3
    rows = list(x)
    assert len(rows) == 3 and all(isinstance(r, ag.Tensor) and r.shape == (2,) for r in rows)
    np.testing.assert_array_equal(rows[2].data, [4.0, 5.0])
    (rows[0] * 1.0 + rows[2] * 3.0).sum().backward()  # iteration is differentiable
    np.testing.assert_array_equal(x.grad.data, [[1.0, 1.0], [0.0, 0.0], [3.0, 3.0]])
    with pytest.raises(TypeError, match="0-d"):
        len(ag.Tensor(1.0))


def test_transpose_method_accepts_none_like_numpy_default():
    x = ag.Tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x.transpose().data, x.data.transpose())


def test_transpose_method_accepts_explicit_none():
    x = ag.Tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x.transpose(None).data, x.data.transpose(None))


# ============================================================================ operators
A = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]])


@pytest.mark.parametrize(
    ("expr", "value", "grad"),
    [
        (lambda x: 2 * x, 2 * A, np.full_like(A, 2.0)),
        (lambda x: x * 2, 2 * A, np.full_like(A, 2.0)),
        (lambda x: 1 / x, 1 / A, -1 / A**2),
        (lambda x: x / 4, A / 4, np.full_like(A, 0.25)),
        (lambda x: x**2, A**2, 2 * A),
        (lambda x: 2**x, 2**A, np.log(2) * 2**A),
        (lambda x: x - 1, A - 1, np.ones_like(A)),
        (lambda x: 1 - x, 1 - A, -np.ones_like(A)),
        (lambda x: -x, -A, -np.ones_like(A)),
        (lambda x: +x, A, np.ones_like(A)),
        (lambda x: abs(x), np.abs(A), np.sign(A)),
        (lambda x: np.ones(3) + x, 1 + A, np.ones_like(A)),
        (lambda x: np.full(3, 2.0) * x, 2 * A, np.full_like(A, 2.0)),
        (lambda x: np.exp(x), np.exp(A), np.exp(A)),
    ],
    ids=["2*x", "x*2", "1/x", "x/4", "x**2", "2**x", "x-1", "1-x", "-x", "+x", "abs", "nd+x", "nd*x", "np.exp"],
)
def test_operators_with_numbers_and_ndarrays_on_either_side(expr, value, grad):
    x = leaf(A)
    y = expr(x)
    assert isinstance(y, ag.Tensor) and y.requires_grad
    assert_close(y.data, value, rtol=1e-12)
    y.sum().backward()
    assert_close(x.grad.data, grad, rtol=1e-12)


def test_ndarray_on_the_left_of_matmul_gives_a_tensor():
    m = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 1.0]])
    x = leaf([0.5, -1.5])
    y = m @ x
    assert isinstance(y, ag.Tensor) and y.op.name == "matmul"
    np.testing.assert_allclose(y.data, m @ np.array([0.5, -1.5]))
    y.backward(grad=np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(x.grad.data, m.T @ np.array([1.0, 2.0, 3.0]))
    z = x @ m.T
    assert isinstance(z, ag.Tensor) and z.shape == (3,)


def _is_boolean_array(v) -> bool:
    return (isinstance(v, np.ndarray) or (isinstance(v, np.bool_) and np.ndim(v) == 0)) and v.dtype == np.bool_


@settings(max_examples=20)
@given(pair=S.broadcastable_pairs(), seed=S.seeds)
def test_comparisons_return_boolean_arrays_and_record_nothing(pair, seed):
    """Booleans as numpy gives them: an ndarray, or numpy's bool scalar when both sides are 0-d."""
    rng = np.random.default_rng(seed)
    a, b = rng.integers(-2, 3, pair[0]).astype(float), rng.integers(-2, 3, pair[1]).astype(float)
    x, y = leaf(a), leaf(b)
    for op in (np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal):
        for got in (op(x, y), op(x, b), op(a, y)):
            assert _is_boolean_array(got)
            np.testing.assert_array_equal(got, op(a, b))
    for got in (x < y, x <= b, x > 0.0, x >= y, x == y, x != b):
        assert _is_boolean_array(got)
    np.testing.assert_array_equal(x < y, a < b)
    np.testing.assert_array_equal(x == b, a == b)
    assert x.grad is None and y.grad is None


def test_every_op_is_a_method_and_a_function():
    x = leaf([[0.5, 1.5], [2.0, 0.25]])
    for name in ("exp", "log", "sigmoid", "tanh", "relu", "abs", "sqrt", "sum", "mean", "var", "max", "min"):
        np.testing.assert_allclose(getattr(x, name)().data, getattr(ag, name)(x).data, err_msg=name)
    for name in ("logsumexp", "softmax", "log_softmax"):
        np.testing.assert_allclose(getattr(x, name)(axis=1).data, getattr(ag, name)(x, axis=1).data, err_msg=name)
    np.testing.assert_allclose(x.reshape(4).data, ag.reshape(x, (4,)).data)
    np.testing.assert_allclose(x.swapaxes(0, 1).data, ag.swapaxes(x, 0, 1).data)
    np.testing.assert_allclose(x.maximum(1.0).data, ag.maximum(x, 1.0).data)
    np.testing.assert_allclose(x.minimum(1.0).data, ag.minimum(x, 1.0).data)
    np.testing.assert_allclose(x.clip(0.3, 1.0).data, ag.clip(x, 0.3, 1.0).data)
    np.testing.assert_allclose(x.matmul(x).data, ag.matmul(x, x).data)


def test_item_assignment_is_refused():
    x = leaf([1.0, 2.0])
    with pytest.raises(TypeError, match="item assignment"):
        x[0] = 3.0


# ============================================================================ corner cases: leaves, dtypes, axes
def test_scalar_leaves_hold_arrays_that_optimizers_update_in_place():
    w = ag.Tensor(1.0, requires_grad=True)
    assert isinstance(w.data, np.ndarray) and w.data.shape == ()
    opt = ag.optim.SGD([w], lr=0.1)
    (w * w).backward()
    opt.step()
    assert w.item() == pytest.approx(0.8)


def test_subtracting_unsigned_or_boolean_arrays_means_subtraction():
    x = ag.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    np.testing.assert_array_equal((x - np.array([1, 1, 1], np.uint8)).data, [0.0, 1.0, 2.0])
    np.testing.assert_array_equal((x - ag.Tensor(np.array([1, 1, 1], np.uint8))).data, [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(ag.minimum(x, np.array([2, 2, 2], np.uint8)).data, [1.0, 2.0, 2.0])
    np.testing.assert_array_equal((x - np.array([True, False, True])).data, [0.0, 2.0, 2.0])


def test_astype_to_integer_is_a_constant():
    y = ag.Tensor([1.5, 2.5], requires_grad=True)
    z = y.astype(np.int64)
    assert z.dtype == np.int64 and not z.requires_grad and z.is_leaf


def test_reductions_check_their_axes_and_empty_mean_is_nan():
    x = ag.Tensor(np.ones(3))
    with pytest.raises(ValueError, match=r"^var: axis 5 is out of bounds for a tensor of shape \(3,\)"):
        x.var(axis=5)
    with pytest.raises(ValueError, match=r"^softmax: axis 3 is out of bounds"):
        ag.softmax(x, axis=3)
    with pytest.raises(ValueError, match=r"^logsumexp: axis -2 is out of bounds"):
        ag.logsumexp(x, axis=-2)
    assert np.isnan(ag.Tensor(np.zeros((0, 3))).mean().item())


def test_numpy_reductions_on_tensors_record():
    t = ag.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    total = np.sum(t) + np.mean(t) + np.max(t, axis=0).sum()
    assert isinstance(total, ag.Tensor)
    total.backward()
    expected = np.ones((2, 3)) + 1 / 6 + np.array([[0, 0, 0], [1, 1, 1]])
    np.testing.assert_allclose(t.grad.data, expected)
    with pytest.raises(TypeError, match=r"^sum: out not supported on tensors"):
        np.sum(t, out=np.zeros(()))


def test_repr_prints_the_lectures_relu_gradient_without_negative_zeros():
    x = ag.Tensor([1.0, -2.0, 3.0, -1.0], requires_grad=True)
    ag.relu(x).backward(np.array([4.0, -1.0, 5.0, 9.0]))
    assert repr(x.grad) == "Tensor([4., 0., 5., 0.])"
