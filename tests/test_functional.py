"""grad, value_and_grad, vjp, jacobian, hessian, hvp: against closed forms and finite differences.

Oracles: matrices written by hand (A, A + A^T, diag(p) - p p^T), and central differences of
hand-written numpy functions and gradients (tests/_numeric.py); never the library's checker.
"""

from __future__ import annotations

import warnings

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
@settings(max_examples=15)
@given(m=dims, n=dims, seed=seeds)
def test_jacobian_of_linear_map_is_the_matrix(m: int, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    A, x = rng.standard_normal((m, n)), rng.standard_normal(n)
    J = ag.jacobian(lambda x: A @ x, x)
    assert J.shape == (m, n)
    np.testing.assert_allclose(J.data, A, rtol=0, atol=1e-14)


@settings(max_examples=15)
@given(n=dims, seed=seeds)
def test_hessian_of_quadratic_form_is_A_plus_A_transpose(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    A, x = rng.standard_normal((n, n)), rng.standard_normal(n)
    H = ag.hessian(lambda x: x @ (A @ x), x)
    np.testing.assert_allclose(H.data, A + A.T, rtol=1e-12, atol=1e-12)


@settings(max_examples=15)
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


@settings(max_examples=10)
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


# ----------------------------------------------------------------------------- forward mode: jvp, jacobian
def _directional(f, xs: list[np.ndarray], ts: list[np.ndarray], eps: float = 1e-6) -> np.ndarray:
    """Central difference of a numpy function along the tangents: (f(x + h t) - f(x - h t)) / 2h."""
    hi = f(*[x + eps * t for x, t in zip(xs, ts)])
    lo = f(*[x - eps * t for x, t in zip(xs, ts)])
    return (np.asarray(hi) - np.asarray(lo)) / (2 * eps)


# (name, the function on Tensors, the same on ndarrays, input shapes from (m, n))
FORWARD_CASES = [
    ("A @ tanh(x)", lambda A: (lambda x: A @ ag.tanh(x), lambda x: A @ np.tanh(x)), lambda m, n: [(n,)]),
    ("exp(x) * sum(x^2)", lambda A: (lambda x: ag.exp(x) * (x * x).sum(), lambda x: np.exp(x) * (x * x).sum()),
     lambda m, n: [(n,)]),
    ("softmax(X) rows", lambda A: (lambda X: ag.softmax(X, axis=1),
                                   lambda X: np.exp(X) / np.exp(X).sum(1, keepdims=True)), lambda m, n: [(m, n)]),
    ("two inputs", lambda A: (lambda a, b: ag.sigmoid(a.reshape(-1, 1) * b).sum(axis=0) + b * b,
     lambda a, b: (1 / (1 + np.exp(-(a.reshape(-1, 1) * b)))).sum(axis=0) + b * b), lambda m, n: [(m,), (n,)]),
    ("scalar out of a matrix", lambda A: (lambda X: ag.log((X * X).sum() + 1.0), lambda X: np.log((X * X).sum() + 1.0)),
     lambda m, n: [(m, n)]),
]  # fmt: skip


@pytest.mark.parametrize("case", FORWARD_CASES, ids=[c[0] for c in FORWARD_CASES])
@settings(max_examples=8)
@given(m=dims, n=dims, seed=seeds)
def test_jvp_matches_finite_differences_along_the_tangent(case, m: int, n: int, seed: int) -> None:
    _, make, shapes = case
    rng = np.random.default_rng(seed)
    f_ag, f_np = make(rng.standard_normal((m, n)))
    xs = [rng.standard_normal(s) for s in shapes(m, n)]
    ts = [rng.standard_normal(s) for s in shapes(m, n)]
    out, jt = ag.jvp(f_ag, tuple(xs), tuple(ts))
    np.testing.assert_allclose(out.data, f_np(*xs), rtol=1e-12, atol=1e-14)
    assert jt.shape == out.shape and jt.dtype == np.float64 and not jt.requires_grad
    assert_close(jt.data, _directional(f_np, xs, ts), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("case", FORWARD_CASES, ids=[c[0] for c in FORWARD_CASES])
def test_forward_mode_jacobian_equals_reverse_mode_and_finite_differences(case) -> None:
    _, make, shapes = case
    rng = np.random.default_rng(7)
    f_ag, f_np = make(rng.standard_normal((3, 4)))
    xs = [rng.standard_normal(s) for s in shapes(3, 4)]
    fwd, rev = ag.jacobian(f_ag, *xs, mode="forward"), ag.jacobian(f_ag, *xs)
    fwd, rev = (fwd, rev) if isinstance(fwd, tuple) else ((fwd,), (rev,))
    for i, (jf, jr) in enumerate(zip(fwd, rev)):
        out_shape = np.shape(f_np(*xs))
        assert jf.shape == jr.shape == out_shape + xs[i].shape
        np.testing.assert_allclose(jf.data, jr.data, rtol=1e-12, atol=1e-14)
        fixed = lambda x, i=i: f_np(*[x if k == i else xs[k] for k in range(len(xs))])
        fd = _np_jacobian(fixed, xs[i]).reshape(out_shape + xs[i].shape)
        assert_close(jf.data, fd, rtol=1e-6, atol=1e-8)


def test_jvp_of_a_linear_map_is_A_t_and_keeps_float32() -> None:
    A = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])
    t = np.array([1.0, 0.5, -2.0])
    out, jt = ag.jvp(lambda x: A @ x, (np.ones(3),), (t,))
    np.testing.assert_array_equal(jt.data, A @ t)
    x32 = np.arange(3, dtype=np.float32)
    out, jt = ag.jvp(lambda x: x * x, [x32], [np.ones(3, dtype=np.float32)])  # lists work too
    assert jt.dtype == np.float32 and out.dtype == np.float32
    np.testing.assert_array_equal(jt.data, 2 * x32)
    _, jt = ag.jvp(lambda x: x * x, ag.Tensor([3.0]), np.array([1.0]))  # a single argument needs no tuple
    assert jt.item() == 6.0


def test_jvp_nests_with_grad_both_ways() -> None:
    rng = np.random.default_rng(5)
    W, x, v = rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal(4)
    f = lambda x: _mlp_ag(W, x)
    H_fd = _np_jacobian(lambda x: _mlp_grad_np(W, x), x)
    # forward over reverse: jvp of the gradient is the Hessian-vector product
    _, hv = ag.jvp(ag.grad(f), (x,), (v,))
    assert_close(hv.data, H_fd @ v, rtol=1e-5, atol=1e-7)
    # forward-mode Jacobian of the gradient is the Hessian
    assert_close(ag.jacobian(ag.grad(f), x, mode="forward").data, H_fd, rtol=1e-5, atol=1e-7)
    # reverse over forward: d/dx of the directional derivative <grad f(x), v> is H v again
    directional = lambda x: ag.jvp(f, (x,), (v,))[1]
    assert_close(ag.grad(directional)(x).data, H_fd @ v, rtol=1e-5, atol=1e-7)
    # and with respect to the tangent: d/dv (J v).sum() = J^T 1, for vector-valued g
    g_np = lambda x: np.tanh(W @ x)
    g_ag = lambda x: ag.tanh(W @ x)
    dv = ag.grad(lambda t: ag.jvp(g_ag, (x,), (t,))[1].sum())(v)
    assert_close(dv.data, _np_jacobian(g_np, x).T @ np.ones(3), rtol=1e-6, atol=1e-8)
    # nested in its own inner variable: d/dx [d/dy (x y) at y = x, along 1] = 1 (not 2)
    assert ag.grad(lambda x: ag.jvp(lambda y: x * y, (x,), (1.0,))[1])(ag.Tensor(3.0)).item() == pytest.approx(1.0)


def test_jvp_errors_name_the_fault() -> None:
    with pytest.raises(ValueError, match=r"jvp: tangent 0 has shape \(2,\) but primal 0 has shape \(3,\)"):
        ag.jvp(lambda x: x * 2, (np.ones(3),), (np.ones(2),))
    with pytest.raises(ValueError, match=r"jvp: 2 primal\(s\) but 1 tangent\(s\)"):
        ag.jvp(lambda x, y: x * y, (np.ones(3), np.ones(3)), (np.ones(3),))
    with pytest.raises(TypeError, match="jvp: primals must be a tuple or list of arguments, got dict"):
        ag.jvp(lambda x: x, {"x": 1.0}, (1.0,))
    with pytest.raises(ValueError, match="jacobian: mode must be 'reverse' or 'forward', got 'sideways'"):
        ag.jacobian(lambda x: x, np.ones(2), mode="sideways")


# ----------------------------------------------------------------------------- constant f: zeros and a warning
CONSTANT = "does not depend on the argument"


def test_a_constant_f_gets_zero_derivatives_and_a_warning() -> None:
    x = np.array([1.0, -2.0, 0.5])
    W = ag.Tensor([2.0, 3.0], requires_grad=True)  # f may depend on other tensors, just not on x
    for f in (lambda x: 3.0, lambda x: np.float32(3.0), lambda x: ag.Tensor(3.0), lambda x: (W * W).sum()):
        with pytest.warns(UserWarning, match=f"grad: f's output {CONSTANT}"):
            g = ag.grad(f)(x)
        np.testing.assert_array_equal(g.data, np.zeros(3))
        assert g.shape == x.shape and g.dtype == x.dtype
    with pytest.warns(UserWarning, match=CONSTANT):
        value, g = ag.value_and_grad(lambda x: 4.0)(x)
    assert value.item() == 4.0 and not np.any(g.data)
    vec = lambda x: np.ones(2)  # a numpy array: a constant too
    with pytest.warns(UserWarning, match=f"vjp: f's output {CONSTANT}"):
        out, g = ag.vjp(vec, x, v=np.ones(2))
    np.testing.assert_array_equal(out.data, [1.0, 1.0])
    np.testing.assert_array_equal(g.data, np.zeros(3))
    for mode in ("reverse", "forward"):
        with pytest.warns(UserWarning, match=f"jacobian: f's output {CONSTANT}"):
            J = ag.jacobian(vec, x, mode=mode)
        np.testing.assert_array_equal(J.data, np.zeros((2, 3)))
    with pytest.warns(UserWarning, match=f"jvp: f's output {CONSTANT}"):
        out, jt = ag.jvp(vec, (x,), (x,))
    np.testing.assert_array_equal(jt.data, np.zeros(2))
    assert W.grad is None


def test_no_warning_for_zero_derivatives_of_a_function_that_depends_on_x() -> None:
    x = np.array([0.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(ag.grad(lambda x: (x * x).sum())(x).data, [0.0, 0.0])  # zero at a minimum
        np.testing.assert_array_equal(ag.hessian(lambda x: (2 * x).sum(), x).data, np.zeros((2, 2)))  # linear f
        np.testing.assert_array_equal(ag.hvp(lambda x: (2 * x).sum(), x, np.ones(2)).data, [0.0, 0.0])
        np.testing.assert_array_equal(ag.jvp(lambda x: x * x, (x,), (np.ones(2),))[1].data, [0.0, 0.0])
