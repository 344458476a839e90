"""grad, value_and_grad, vjp, jacobian, hessian, hvp: against closed forms and finite differences.

Oracles: matrices written by hand (A, A + A^T, diag(p) - p p^T), and central differences of
hand-written numpy functions and gradients (tests/_numeric.py); never the library's checker.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag
from tests._numeric import assert_close, central_difference

dims = st.integers(1, 5)
seeds = st.integers(0, 2**32 - 1)


def _np_jacobian(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference Jacobian of a numpy function, rows = outputs."""
    x = np.array(x, dtype=np.float64)
    cols = []
    for i in range(x.size):
        d = np.zeros(x.size)
        d[i] = eps
        cols.append((f(x + d.reshape(x.shape)) - f(x - d.reshape(x.shape))).reshape(-1) / (2 * eps))
    return np.stack(cols, axis=1)


# ----------------------------------------------------------------------------- closed forms
@settings(max_examples=15, deadline=None)
@given(m=dims, n=dims, seed=seeds)
def test_jacobian_of_linear_map_is_the_matrix(m: int, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    A, x = rng.standard_normal((m, n)), rng.standard_normal(n)
    J = ag.jacobian(lambda x: A @ x, x)
    assert J.shape == (m, n)
    np.testing.assert_allclose(J.data, A, rtol=0, atol=1e-14)


@settings(max_examples=15, deadline=None)
@given(n=dims, seed=seeds)
def test_hessian_of_quadratic_form_is_A_plus_A_transpose(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    A, x = rng.standard_normal((n, n)), rng.standard_normal(n)
    H = ag.hessian(lambda x: x @ (A @ x), x)
    np.testing.assert_allclose(H.data, A + A.T, rtol=1e-12, atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(n=dims, seed=seeds)
def test_hvp_of_quadratic_form_is_A_plus_A_transpose_times_v(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    A, x, v = rng.standard_normal((n, n)), rng.standard_normal(n), rng.standard_normal(n)
    np.testing.assert_allclose(ag.hvp(lambda x: x @ (A @ x), x, v).data, (A + A.T) @ v, rtol=1e-12, atol=1e-12)


def test_jacobian_of_softmax_is_diag_p_minus_p_pT() -> None:
    x = np.array([0.3, -1.2, 2.0, 0.0])
    p = np.exp(x) / np.exp(x).sum()
    np.testing.assert_allclose(ag.jacobian(ag.softmax, x).data, np.diag(p) - np.outer(p, p), atol=1e-15)


def test_jacobian_shape_is_output_shape_then_input_shape() -> None:
    X = np.arange(6.0).reshape(2, 3) / 7
    J = ag.jacobian(lambda X: ag.tanh(X).sum(axis=0), X)  # (3,) from (2, 3)
    expected = np.zeros((3, 2, 3))
    for j in range(3):
        expected[j, :, j] = 1 - np.tanh(X[:, j]) ** 2
    assert J.shape == (3, 2, 3)
    np.testing.assert_allclose(J.data, expected, atol=1e-15)


def test_grad_of_the_lecture_graph() -> None:
    # f = (x + y) z at x=-2, y=5, z=-4: df/dx = df/dy = z = -4, df/dz = x + y = 3
    f = lambda x, y, z: (x + y) * z
    gx, gy, gz = ag.grad(f, argnums=(0, 1, 2))(-2.0, 5.0, -4.0)
    assert (gx.item(), gy.item(), gz.item()) == (-4.0, -4.0, 3.0)
    value, gz_only = ag.value_and_grad(f, argnums=2)(-2.0, 5.0, -4.0)
    assert value.item() == -12.0 and gz_only.item() == 3.0


def test_vjp_of_linear_map_is_A_transpose_v() -> None:
    rng = np.random.default_rng(1)
    A, B, x, y, v = rng.standard_normal((3, 4)), rng.standard_normal((3, 2)), rng.standard_normal(4), \
        rng.standard_normal(2), rng.standard_normal(3)  # fmt: skip
    out, (gx, gy) = ag.vjp(lambda x, y: A @ x + B @ y, x, y, v=v)
    np.testing.assert_allclose(out.data, A @ x + B @ y)
    np.testing.assert_allclose(gx.data, A.T @ v, atol=1e-14)
    np.testing.assert_allclose(gy.data, B.T @ v, atol=1e-14)


# ----------------------------------------------------------------------------- nonlinear, finite differences
def _mlp_np(W: np.ndarray, x: np.ndarray) -> float:
    """sum(c * log_softmax(sigmoid(W x)) + tanh(x)): a tanh/sigmoid/softmax composition."""
    z = 1 / (1 + np.exp(-(W @ x)))
    logp = z - np.log(np.exp(z).sum())
    return float(np.sum(np.arange(1, len(z) + 1) * logp) + np.tanh(x).sum())


def _mlp_ag(W: np.ndarray, x: ag.Tensor) -> ag.Tensor:
    z = ag.sigmoid(W @ x)
    return (np.arange(1, W.shape[0] + 1) * ag.log_softmax(z)).sum() + ag.tanh(x).sum()


def _mlp_grad_np(W: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The gradient of _mlp_np, derived by hand: dz = c - sum(c) p; ds = dz z(1-z); dx = W^T ds + 1 - tanh^2."""
    c = np.arange(1, W.shape[0] + 1, dtype=float)
    z = 1 / (1 + np.exp(-(W @ x)))
    p = np.exp(z) / np.exp(z).sum()
    ds = (c - c.sum() * p) * z * (1 - z)
    return W.T @ ds + 1 - np.tanh(x) ** 2


@settings(max_examples=10, deadline=None)
@given(m=dims, n=dims, seed=seeds)
def test_grad_jacobian_hessian_hvp_of_nonlinear_composition(m: int, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    W, x, v = rng.standard_normal((m, n)), rng.standard_normal(n), rng.standard_normal(n)
    f = lambda x: _mlp_ag(W, x)
    g = ag.grad(f)(x)
    assert_close(g.data, central_difference(lambda x: _mlp_np(W, x), [x], 0), rtol=1e-6, atol=1e-8)
    assert_close(g.data, _mlp_grad_np(W, x), rtol=1e-12, atol=1e-13)
    H_fd = _np_jacobian(lambda x: _mlp_grad_np(W, x), x)
    H = ag.hessian(f, x).data
    assert_close(H, H_fd, rtol=1e-5, atol=1e-7)
    assert_close(ag.hvp(f, x, v).data, H_fd @ v, rtol=1e-5, atol=1e-7)
    J = ag.jacobian(lambda x: ag.softmax(ag.tanh(W @ x)), x).data
    J_fd = _np_jacobian(lambda x: np.exp(np.tanh(W @ x)) / np.exp(np.tanh(W @ x)).sum(), x)
    assert_close(J, J_fd, rtol=1e-6, atol=1e-9)


def test_nested_grad_gives_second_and_third_derivatives() -> None:
    f = lambda x: x * x * x * x  # f' = 4x^3, f'' = 12x^2, f''' = 24x
    x = 1.5
    assert ag.grad(f)(x).item() == pytest.approx(4 * x**3)
    assert ag.grad(ag.grad(f))(x).item() == pytest.approx(12 * x**2)
    assert ag.grad(ag.grad(ag.grad(f)))(x).item() == pytest.approx(24 * x)


@pytest.mark.slow
def test_hvp_on_a_large_input_without_forming_the_hessian() -> None:
    rng = np.random.default_rng(3)
    n = 2000
    a, x, v = rng.standard_normal(n), rng.standard_normal(n), rng.standard_normal(n)
    # f = sum(a * tanh(x)): H = diag(a * (-2 tanh (1 - tanh^2)))
    t = np.tanh(x)
    np.testing.assert_allclose(ag.hvp(lambda x: (a * ag.tanh(x)).sum(), x, v).data, a * -2 * t * (1 - t * t) * v,
                               rtol=1e-12, atol=1e-14)  # fmt: skip


# ----------------------------------------------------------------------------- side effects and errors
def test_functional_api_leaves_gradients_of_closed_over_tensors_alone() -> None:
    W = ag.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, name="W")
    W.grad = ag.Tensor(np.full((2, 2), 7.0))
    before = W.grad
    x = np.array([0.5, -1.0])
    g = ag.grad(lambda x: ag.tanh(W @ x).sum())(x)
    ag.hessian(lambda x: ag.tanh(W @ x).sum(), x)
    ag.hvp(lambda x: ag.tanh(W @ x).sum(), x, x)
    assert W.grad is before and np.all(W.grad.data == 7.0)
    np.testing.assert_allclose(g.data, W.data.T @ (1 - np.tanh(W.data @ x) ** 2))


def test_grad_keeps_dtype_and_shape_and_does_not_copy_or_change_input() -> None:
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    snapshot = x.copy()
    g = ag.grad(lambda x: (x * x).sum())(x)
    assert g.shape == (2, 3) and g.dtype == np.float32
    np.testing.assert_array_equal(g.data, 2 * snapshot)
    np.testing.assert_array_equal(x, snapshot)


def test_unused_argument_gets_zeros() -> None:
    gx, gy = ag.grad(lambda x, y: (x * 2).sum(), argnums=(0, 1))(np.ones(2), np.ones(3))
    np.testing.assert_array_equal(gx.data, [2.0, 2.0])
    np.testing.assert_array_equal(gy.data, np.zeros(3))


def test_errors_name_the_function_and_the_fault() -> None:
    with pytest.raises(ValueError, match=r"grad: f must return a one-element Tensor, got shape \(3,\)"):
        ag.grad(lambda x: x * 2)(np.ones(3))
    with pytest.raises(TypeError, match="grad: f must return a Tensor, got str"):
        ag.grad(lambda x: "1.0")(np.ones(3))
    with pytest.raises(TypeError, match="jacobian: f must return a Tensor, got list"):
        ag.jacobian(lambda x: [x, x], np.ones(3))
    with pytest.raises(ValueError, match="grad: argnums 2 is out of range for 2 positional"):
        ag.grad(lambda x, y: x.sum(), argnums=2)(np.ones(1), np.ones(1))
    with pytest.raises(TypeError, match=r"grad: argument 0 has dtype int64 \(shape \(2,\)\)"):
        ag.grad(lambda x: x.sum())(np.array([1, 2]))
    with pytest.raises(ValueError, match=r"vjp: v has shape \(2,\) but f's output has shape \(3,\)"):
        ag.vjp(lambda x: x * 2, np.ones(3), v=np.ones(2))
    with pytest.raises(ValueError, match=r"hvp: v has shape \(2,\) but x has shape \(3,\)"):
        ag.hvp(lambda x: (x * x).sum(), np.ones(3), np.ones(2))
    with pytest.raises(TypeError, match="jacobian: give at least one input"):
        ag.jacobian(lambda x: x)


# ----------------------------------------------------------------------------- nesting: no perturbation confusion
def test_nested_grad_keeps_inner_and_outer_variable_apart() -> None:
    # inner(x) = d/dy (x y) at y = x  ->  x, so d inner/dx = 1 (confusing y with x gives 2)
    inner = lambda x: ag.grad(lambda y: x * y)(x)
    assert ag.grad(inner)(ag.Tensor(3.0)).item() == pytest.approx(1.0)
    # inner(x) = d/dy (x y^2) at y = x  ->  2 x^2, so d inner/dx = 4x (confusion gives 6x)
    inner2 = lambda x: ag.grad(lambda y: x * y * y)(x)
    assert ag.grad(inner2)(ag.Tensor(1.5)).item() == pytest.approx(6.0)
    # the same through hessian's machinery: jacobian of inner over a vector
    xs = np.array([0.5, -2.0])
    J = ag.jacobian(lambda x: ag.grad(lambda y: (x * y).sum())(x), xs).data
    np.testing.assert_allclose(J, np.eye(2), rtol=0, atol=1e-14)


def test_inner_derivative_over_a_closed_over_outer_variable_stays_recorded() -> None:
    # inner(x) = d/dy (x y) at a constant y = 2  ->  x, so d inner/dx = 1 (not 0)
    inner = lambda x: ag.grad(lambda y: x * y)(ag.Tensor(2.0))
    assert ag.grad(inner)(ag.Tensor(3.0)).item() == pytest.approx(1.0)


def test_one_tensor_at_two_argument_positions_gets_one_partial_each() -> None:
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    ga, gb = ag.grad(lambda a, b: (a * b).sum(), argnums=(0, 1))(x, x)
    np.testing.assert_array_equal(ga.data, [1.0, 2.0])  # d/da sum(a b) = b
    np.testing.assert_array_equal(gb.data, [1.0, 2.0])  # d/db sum(a b) = a
    assert x.grad is None
    va, vb = ag.vjp(lambda a, b: a * b * b, x, x, v=np.ones(2))[1]
    np.testing.assert_array_equal(va.data, [1.0, 4.0])  # b^2
    np.testing.assert_array_equal(vb.data, [2.0, 8.0])  # 2 a b
    Ja, Jb = ag.jacobian(lambda a, b: a * b, x, x)
    np.testing.assert_array_equal(Ja.data, np.diag([1.0, 2.0]))
    np.testing.assert_array_equal(Jb.data, np.diag([1.0, 2.0]))


def test_derivatives_are_computed_even_inside_no_grad() -> None:
    x = np.array([1.0, -2.0])
    with ag.no_grad():
        g = ag.grad(lambda x: (x * x * x).sum())(x)
        H = ag.hessian(lambda x: (x * x * x).sum(), x)
        J = ag.jacobian(lambda x: x * x, x)
        _, v = ag.vjp(lambda x: x * x, x, v=np.ones(2))
    np.testing.assert_array_equal(g.data, 3 * x**2)
    np.testing.assert_array_equal(H.data, np.diag(6 * x))
    np.testing.assert_array_equal(J.data, np.diag(2 * x))
    np.testing.assert_array_equal(v.data, 2 * x)
