"""Behaviour of the elementwise and reduction families beyond the op-spec table: prod and cumprod
at zeros (first and second derivatives), ties in median/quantile, zero-gradient ops, nan_to_num,
reductions of 0-d tensors, logsumexp's ``b=`` and empty input, numpy dispatch of every name,
numpy's dtypes, and the errors.

Oracles: closed forms worked by hand and float64 central differences (tests/_numeric.py).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.ops import elementwise, reductions

from ._numeric import assert_close, central_difference


def leaf(value, dtype=np.float64) -> ag.Tensor:
    return ag.Tensor(np.asarray(value, dtype=dtype), requires_grad=True)


def grad_of(f, value) -> np.ndarray:
    x = leaf(value)
    f(x).backward()
    return x.grad.data


def hessian_fd(f_np, value: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """Central differences of the engine-independent gradient (itself by central differences)."""
    value = np.asarray(value, dtype=np.float64)
    n = value.size
    h = np.zeros((n, n))
    for j in range(n):
        e = np.zeros(n)
        e[j] = eps
        gp = central_difference(f_np, [value + e.reshape(value.shape)], 0, eps=1e-4)
        gm = central_difference(f_np, [value - e.reshape(value.shape)], 0, eps=1e-4)
        h[:, j] = ((gp - gm) / (2 * eps)).reshape(-1)
    return h


# ============================================================================ prod and cumprod at zeros
@pytest.mark.parametrize(
    ("value", "grad", "hess"),
    [
        # one zero: d/dx0 = 2*3*5 = 30, the rest 0; d2/dx0 dxj = 30 / xj, the rest 0
        ([0.0, 2.0, 3.0, 5.0], [30.0, 0, 0, 0], [[0, 15, 10, 6], [15, 0, 0, 0], [10, 0, 0, 0], [6, 0, 0, 0]]),
        # two zeros: the gradient is 0, but d2/dx0 dx1 = 3*5 = 15
        ([0.0, 0.0, 3.0, 5.0], [0.0, 0, 0, 0], [[0, 15, 0, 0], [15, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]),
        # three zeros: everything 0 up to second order
        ([0.0, 0.0, 0.0, 5.0], [0.0, 0, 0, 0], np.zeros((4, 4))),
    ],
    ids=["one-zero", "two-zeros", "three-zeros"],
)
def test_prod_is_exact_with_zeros_to_second_order(value, grad, hess):
    np.testing.assert_array_equal(grad_of(ag.prod, value), grad)
    np.testing.assert_allclose(ag.hessian(lambda t: ag.prod(t), np.array(value)).data, hess, atol=1e-12)
    assert_close(grad_of(ag.prod, value), central_difference(np.prod, [np.array(value)], 0))
    assert_close(ag.hessian(ag.prod, np.array(value)).data, hessian_fd(np.prod, value), rtol=1e-4, atol=1e-5)


def test_prod_third_derivative_with_three_zeros():
    """prod(x0, x1, x2, 5) = 5 x0 x1 x2: d3/dx0 dx1 dx2 = 5, although every lower derivative is 0 there."""
    x = ag.Tensor(np.array([0.0, 0.0, 0.0, 5.0]), requires_grad=True)
    (g,) = ag.gradients(ag.prod(x), [x], create_graph=True)
    (h0,) = ag.gradients(g[0], [x], create_graph=True)
    (h01,) = ag.gradients(h0[1], [x])
    np.testing.assert_allclose(h01.data, [0.0, 0.0, 5.0, 0.0])


@pytest.mark.parametrize("zeros", [1, 2], ids=["one-zero", "two-zeros"])
def test_prod_along_an_axis_with_zeros_matches_finite_differences(zeros):
    rng = np.random.default_rng(zeros)
    value = rng.standard_normal((3, 4))
    value[1, :zeros] = 0.0
    w = rng.standard_normal(3)
    got = grad_of(lambda t: (t.prod(axis=1) * w).sum(), value)
    assert_close(got, central_difference(lambda a: np.sum(np.prod(a, axis=1) * w), [value], 0))
    assert_close(
        ag.hessian(lambda t: (t.prod(axis=1) * w).sum(), value).data.reshape(12, 12),
        hessian_fd(lambda a: np.sum(np.prod(a, axis=1) * w), value),
        rtol=1e-4,
        atol=1e-5,
    )


def test_cumprod_with_zeros_matches_finite_differences_and_numpy():
    value = np.array([1.5, 0.0, -2.0, 0.0, 3.0, 0.5])
    w = np.arange(1.0, 7.0)
    out = ag.cumprod(leaf(value))
    np.testing.assert_allclose(out.data, np.cumprod(value))
    f_np = lambda a: float(np.sum(np.cumprod(a) * w))
    assert_close(grad_of(lambda t: (ag.cumprod(t) * w).sum(), value), central_difference(f_np, [value], 0))
    assert_close(
        ag.hessian(lambda t: (ag.cumprod(t) * w).sum(), value).data, hessian_fd(f_np, value), rtol=1e-4, atol=1e-5
    )


def test_cumsum_gradient_is_the_reversed_cumulative_sum():
    np.testing.assert_array_equal(grad_of(lambda t: t.cumsum().sum(), np.ones((2, 2))), [[4.0, 3.0], [2.0, 1.0]])
    np.testing.assert_array_equal(grad_of(lambda t: t.cumsum(axis=0).sum(), np.ones((3, 1))), [[3.0], [2.0], [1.0]])


# ============================================================================ median and quantile: ties share
@pytest.mark.parametrize(
    ("value", "f", "expected_value", "expected_grad"),
    [
        ([1.0, 2.0, 2.0, 3.0], ag.median, 2.0, [0, 0.5, 0.5, 0]),  # two middle elements, tied
        ([1.0, 2.0, 2.0, 2.0, 3.0], ag.median, 2.0, [0, 1 / 3, 1 / 3, 1 / 3, 0]),  # three tied at the middle
        ([3.0, 1.0, 3.0], lambda t: ag.quantile(t, 1.0), 3.0, [0.5, 0, 0.5]),  # the maximum, tied: as max
        ([4.0, 1.0, 1.0, 2.0, 3.0], lambda t: ag.quantile(t, 0.3), 1.2, [0, 0.4, 0.4, 0.2, 0]),  # 0.8 * 1 + 0.2 * 2
        ([5.0, 1.0, 3.0, 2.0], ag.median, 2.5, [0, 0, 0.5, 0.5]),  # no ties: the two middle ones
        ([2.0, 2.0, 7.0], lambda t: ag.quantile(t, 0.5, method="lower"), 2.0, [0.5, 0.5, 0]),
    ],
)
def test_order_statistics_send_the_gradient_to_the_selected_elements(value, f, expected_value, expected_grad):
    x = leaf(value)
    y = f(x)
    assert y.item() == pytest.approx(expected_value)
    y.backward()
    np.testing.assert_allclose(x.grad.data, expected_grad, rtol=1e-12)


def test_median_along_an_axis_with_ties_and_keepdims():
    value = np.array([[1.0, 4.0, 4.0], [2.0, 2.0, 2.0]])
    x = leaf(value)
    y = np.median(x, axis=1, keepdims=True)
    np.testing.assert_array_equal(y.data, np.median(value, axis=1, keepdims=True))
    (y * np.array([[1.0], [3.0]])).sum().backward()
    np.testing.assert_allclose(x.grad.data, [[0, 0.5, 0.5], [1.0, 1.0, 1.0]])


def test_median_of_a_slice_with_nan_is_nan_and_so_is_its_gradient():
    x = leaf([[1.0, np.nan, 3.0], [1.0, 2.0, 3.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        y = ag.median(x, axis=1)
        y.sum().backward()
    assert np.isnan(y.data[0]) and y.data[1] == 2.0
    assert np.isnan(x.grad.data[0]).all()
    np.testing.assert_array_equal(x.grad.data[1], [0.0, 1.0, 0.0])


# ============================================================================ zero-gradient ops
STEPS = ["sign", "floor", "ceil", "round", "trunc", "rint", "fix"]


@pytest.mark.parametrize("name", STEPS)
def test_piecewise_constant_ops_have_zero_gradients_of_every_order(name):
    value = np.array([-1.7, -0.2, 0.4, 2.5])
    x = leaf(value)
    y = getattr(ag, name)(x)
    np.testing.assert_array_equal(y.data, getattr(np, name)(value))
    y.backward(np.full(4, np.inf))
    np.testing.assert_array_equal(x.grad.data, np.zeros(4))  # 0, not NaN, even for an infinite upstream gradient
    # floor(x) * x has gradient floor(x) and second derivative 0 off the steps: the rule runs recorded
    f = lambda t: (getattr(ag, name)(t) * t).sum()
    np.testing.assert_array_equal(ag.grad(f)(leaf(value)).data, getattr(np, name)(value))
    np.testing.assert_array_equal(ag.hessian(f, value).data, np.zeros((4, 4)))


def test_rounding_ops_tell_the_gradient_checker_their_step():
    x = leaf([0.4, 1.6])
    with ag.record_branches() as log:
        ag.floor(x)
        ag.remainder(x, 0.5)
    names = [name for name, _ in log]
    assert names == ["floor", "remainder"]
    np.testing.assert_array_equal(log[0][1], [0.0, 1.0])
    np.testing.assert_array_equal(log[1][1], [0.0, 3.0])


def test_remainder_and_fmod_gradients_are_one_and_minus_the_quotient():
    a, b = leaf([5.5, -5.5]), leaf([2.0, 2.0])
    ag.remainder(a, b).sum().backward()  # floor(2.75) = 2, floor(-2.75) = -3
    np.testing.assert_array_equal(a.grad.data, [1.0, 1.0])
    np.testing.assert_array_equal(b.grad.data, [-2.0, 3.0])
    a.grad = b.grad = None
    ag.fmod(a, b).sum().backward()  # trunc(2.75) = 2, trunc(-2.75) = -2
    np.testing.assert_array_equal(b.grad.data, [-2.0, 2.0])


# ============================================================================ NaN-aware ops
def test_nan_to_num_replaces_and_passes_the_gradient_only_where_finite():
    value = np.array([np.nan, np.inf, -np.inf, 1.5])
    x = leaf(value)
    y = ag.nan_to_num(x, nan=-1.0, posinf=9.0, neginf=-9.0)
    np.testing.assert_array_equal(y.data, np.nan_to_num(value, nan=-1.0, posinf=9.0, neginf=-9.0))
    (y * np.array([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 0.0, 4.0])
    np.testing.assert_array_equal(np.nan_to_num(leaf(value)).data, np.nan_to_num(value))


def test_fmax_and_fmin_ignore_nans_and_route_the_gradient_to_the_number():
    a, b = leaf([np.nan, 1.0, 2.0, np.nan]), leaf([2.0, np.nan, 2.0, np.nan])
    for fn, np_fn in ((ag.fmax, np.fmax), (ag.fmin, np.fmin)):
        a.grad = b.grad = None
        y = fn(a, b)
        np.testing.assert_array_equal(y.data, np_fn(a.data, b.data))
        (y * np.array([1.0, 1.0, 1.0, 1.0])).sum().backward()
        np.testing.assert_array_equal(a.grad.data, [0.0, 1.0, 0.5, 1.0])  # a tie shares, as maximum
        np.testing.assert_array_equal(b.grad.data, [1.0, 0.0, 0.5, 0.0])


def test_hypot_at_the_origin_has_the_zero_subgradient():
    a, b = leaf([0.0, 3.0]), leaf([0.0, 4.0])
    ag.hypot(a, b).sum().backward()
    np.testing.assert_allclose(a.grad.data, [0.0, 0.6])
    np.testing.assert_allclose(b.grad.data, [0.0, 0.8])


# ============================================================================ 0-d tensors along axis 0 / -1
ZERO_D = {
    "sum": (lambda t, ax: t.sum(ax), np.sum),
    "max": (lambda t, ax: t.max(axis=ax), np.max),
    "min": (lambda t, ax: ag.min(t, axis=ax), np.min),
    "prod": (lambda t, ax: t.prod(axis=ax), np.prod),
    "amax": (lambda t, ax: np.amax(t, axis=ax), np.amax),
    "ptp": (lambda t, ax: np.ptp(t, axis=ax), np.ptp),
    "logsumexp": (lambda t, ax: ag.logsumexp(t, axis=ax), lambda v, axis: v),
    "softmax": (lambda t, ax: ag.softmax(t, axis=ax), lambda v, axis: np.float64(1.0)),
    "log_softmax": (lambda t, ax: ag.log_softmax(t, axis=ax), lambda v, axis: np.float64(0.0)),
}


@pytest.mark.parametrize("axis", [0, -1])
@pytest.mark.parametrize("name", list(ZERO_D))
def test_reductions_of_a_0d_tensor_along_axis_0_or_minus_1_work_both_ways(name, axis):
    f, ref = ZERO_D[name]
    x = leaf(1.5)
    y = f(x, axis)
    assert y.shape == ()
    assert y.item() == pytest.approx(float(ref(np.array(1.5), axis=axis)))
    y.backward()
    expected = {"ptp": 0.0, "softmax": 0.0, "log_softmax": 0.0}.get(name, 1.0)
    assert x.grad.shape == () and x.grad.item() == pytest.approx(expected)


@pytest.mark.parametrize("axis", [0, -1])
def test_cumulative_ops_of_a_0d_tensor_give_one_element(axis):
    x = leaf(1.5)
    for f in (ag.cumsum, ag.cumprod):
        x.grad = None
        y = f(x, axis=axis)
        assert y.shape == (1,)
        y.sum().backward()
        assert x.grad.shape == () and x.grad.item() == 1.0


@pytest.mark.parametrize("name", ["sum", "max", "logsumexp", "softmax", "prod"])
def test_reductions_of_a_0d_tensor_refuse_axis_1_naming_the_operation(name):
    x = leaf(1.5)
    call = {"sum": lambda: x.sum(1), "max": lambda: x.max(axis=1), "prod": lambda: x.prod(axis=1)}
    call.update(logsumexp=lambda: ag.logsumexp(x, axis=1), softmax=lambda: ag.softmax(x, axis=1))
    with pytest.raises((ValueError, IndexError), match=rf"^{name}: .*axis 1"):
        call[name]()


@pytest.mark.parametrize("name", ["mean", "var", "std", "median", "average"])
def test_statistics_of_a_0d_tensor_refuse_axis_0_as_numpy_does(name):
    with pytest.raises(ValueError, match=r"axis 0 is out of bounds"):
        getattr(np, name)(np.array(1.5), axis=0)
    with pytest.raises(ValueError, match=rf"^(var|average|quantile|{name}): axis 0 is out of bounds"):
        getattr(ag, name)(leaf(1.5), axis=0)


# ============================================================================ logsumexp with b=, and empty
def test_logsumexp_with_weights_matches_finite_differences_in_x_and_b():
    rng = np.random.default_rng(3)
    xv, bv = rng.standard_normal((3, 4)), rng.uniform(0.5, 2.0, (3, 4))
    w = rng.standard_normal(3)
    x, b = leaf(xv), leaf(bv)
    y = ag.logsumexp(x, axis=1, b=b)
    f_np = lambda a, c: float(np.sum(np.log(np.sum(c * np.exp(a), axis=1)) * w))
    np.testing.assert_allclose(y.data, np.log(np.sum(bv * np.exp(xv), axis=1)), rtol=1e-12)
    (y * w).sum().backward()
    assert_close(x.grad.data, central_difference(f_np, [xv, bv], 0))
    assert_close(b.grad.data, central_difference(f_np, [xv, bv], 1))


def test_logsumexp_leaves_elements_with_zero_weight_out_of_its_shift():
    x = leaf([1000.0, 0.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = ag.logsumexp(x, b=np.array([0.0, 1.0, 1.0]))
        y.backward()
    assert y.item() == pytest.approx(np.log(1 + np.e))
    np.testing.assert_allclose(x.grad.data, [0.0, 1 / (1 + np.e), np.e / (1 + np.e)])


def test_logsumexp_of_nothing_is_minus_infinity_as_numpy_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ag.logsumexp(np.zeros(0)).item() == -np.inf
        x = leaf(np.zeros((2, 0)))
        y = ag.logsumexp(x, axis=1)
        np.testing.assert_array_equal(y.data, [-np.inf, -np.inf])
        y.backward(np.ones(2))
    assert x.grad.shape == (2, 0)
    assert ag.logsumexp(leaf(np.zeros((0, 3))), axis=0, b=np.ones(3)).shape == (3,)
    with np.errstate(divide="ignore"):
        assert np.log(np.sum(np.exp(np.zeros(0)))) == -np.inf  # the identity numpy gives


# ============================================================================ numpy dispatch and methods
X = np.array([[0.32, -0.67, 0.9], [0.11, 0.46, -0.21]])  # off the steps of rint and of t % 0.4
UNARY_UFUNCS = [
    "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "arcsinh", "arctanh", "exp2", "expm1",
    "square", "cbrt", "reciprocal", "fabs", "positive", "sign", "floor", "ceil", "trunc", "rint",
]  # fmt: skip
BINARY_UFUNCS = ["arctan2", "hypot", "logaddexp", "logaddexp2", "remainder", "mod", "fmod", "fmax", "fmin"]
POSITIVE_UFUNCS = ["log2", "log10", "log1p", "arccosh"]
ARRAY_FUNCTIONS = {
    "round": lambda f, t: f(t, 1),
    "around": lambda f, t: f(t, 1),
    "fix": lambda f, t: f(t),
    "nan_to_num": lambda f, t: f(t),
    "prod": lambda f, t: f(t, axis=1),
    "cumsum": lambda f, t: f(t, axis=0),
    "cumprod": lambda f, t: f(t, axis=1),
    "std": lambda f, t: f(t, ddof=1),
    "var": lambda f, t: f(t, axis=(0, 1), keepdims=True),
    "mean": lambda f, t: f(t, axis=0),
    "average": lambda f, t: f(t, axis=1, weights=[1.0, 2.0, 3.0]),
    "amax": lambda f, t: f(t, axis=0),
    "amin": lambda f, t: f(t, axis=0),
    "ptp": lambda f, t: f(t, axis=1),
    "median": lambda f, t: f(t, axis=1),
    "quantile": lambda f, t: f(t, 0.25, axis=1),
    "percentile": lambda f, t: f(t, [10.0, 90.0]),
}


def _check_numpy_call(call, value):
    x = leaf(value)
    y = call(x)
    assert isinstance(y, ag.Tensor), f"a numpy call gave {type(y).__name__}"
    assert y.requires_grad and (y.op is not None or y is x), "a numpy call on a Tensor recorded nothing"
    np.testing.assert_allclose(y.data, call(value), rtol=1e-12)
    w = np.random.default_rng(0).standard_normal(y.shape)
    (y * w).sum().backward()
    assert_close(x.grad.data, central_difference(lambda a: float(np.sum(call(a) * w)), [value], 0), atol=1e-6)


@pytest.mark.parametrize("name", UNARY_UFUNCS + POSITIVE_UFUNCS)
def test_numpy_unary_ufunc_on_a_tensor_records(name):
    value = X if name not in POSITIVE_UFUNCS else np.abs(X) + 1.1
    _check_numpy_call(getattr(np, name), value)


@pytest.mark.parametrize("name", BINARY_UFUNCS)
def test_numpy_binary_ufunc_on_tensors_records_on_either_side(name):
    other = np.array([0.77, -0.93, 1.13])  # no ratio with X + 0.05 near an integer
    f = getattr(np, name)
    _check_numpy_call(lambda t: f(t, other), X + 0.05)
    _check_numpy_call(lambda t: f(other, t), X + 0.05)


@pytest.mark.parametrize("name", list(ARRAY_FUNCTIONS))
def test_numpy_function_on_a_tensor_records(name):
    call = ARRAY_FUNCTIONS[name]
    _check_numpy_call(lambda t: call(getattr(np, name), t), X)


@pytest.mark.parametrize(
    "method",
    [
        lambda t: t.prod(axis=0),
        lambda t: t.cumsum(axis=1),
        lambda t: t.cumprod(),
        lambda t: t.std(axis=1, ddof=1, keepdims=True),
        lambda t: t.round(1),
        lambda t: t % 0.4,
        lambda t: 0.25 % (t + 1.0),
    ],
    ids=["prod", "cumsum", "cumprod", "std", "round", "mod", "rmod"],
)
def test_ndarray_methods_and_operators_exist_on_tensors(method):
    _check_numpy_call(method, X)


def test_every_new_name_is_exported_and_registered():
    for module in (elementwise, reductions):
        for name in module.__all__:
            assert getattr(ag, name) is getattr(module, name)
            np_fn = getattr(np, name, None)
            if np_fn is not None:
                assert ag.dispatch.HANDLED.get(np_fn) is not None, f"np.{name} is not registered"


def test_every_new_primitive_documents_its_rule():
    mine = [p for p in ag.PRIMITIVES if p.name in {*elementwise.__all__, *reductions.__all__, "round"}]
    assert len(mine) == 33  # with copysign, heaviside, floor_divide ("more of numpy's names")
    for p in mine:
        assert p.doc and ":  d/d" in p.doc, f"{p.name}: doc {p.doc!r}"
        assert p.elementwise == (p.name in elementwise.__all__), p.name


# ============================================================================ dtypes follow numpy
@pytest.mark.parametrize(
    "call",
    [
        lambda m, v: m.sin(v),
        lambda m, v: m.reciprocal(v),
        lambda m, v: m.fabs(v),
        lambda m, v: m.square(v),
        lambda m, v: m.exp2(v),
        lambda m, v: m.floor(v),
        lambda m, v: m.remainder(v, 3),
        lambda m, v: m.prod(v, axis=0),
        lambda m, v: m.cumsum(v),
        lambda m, v: m.cumprod(v),
        lambda m, v: m.std(v),
        lambda m, v: m.median(v),
        lambda m, v: m.average(v, weights=[[1, 2], [3, 4]]),
    ],
)
@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.float32])
def test_integer_and_float32_inputs_give_numpy_dtypes_and_values(call, dtype):
    value = np.array([[1, 2], [3, 4]], dtype=dtype)
    expected = call(np, value)
    got = call(ag, ag.Tensor(value))
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got.data, expected, rtol=1e-6)


# ============================================================================ errors
def test_quantile_refuses_what_it_cannot_differentiate_naming_itself():
    x = leaf([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"^quantile: method='hazen' has no gradient rule"):
        ag.quantile(x, 0.5, method="hazen")
    with pytest.raises(ValueError, match=r"^quantile: q must be in \[0, 1\]"):
        ag.quantile(x, 1.5)
    with pytest.raises(ValueError, match=r"^quantile: .*empty"):
        ag.median(leaf(np.zeros(0)))
    with pytest.raises(TypeError, match=r"^quantile: q must be a constant"):
        ag.quantile(x, leaf(0.5))


def test_average_refuses_bad_weights_naming_itself():
    x = leaf(np.ones((2, 3)))
    with pytest.raises(ZeroDivisionError, match=r"^average: the weights sum to zero"):
        ag.average(x, axis=1, weights=[1.0, -1.0, 0.0])
    with pytest.raises(TypeError, match=r"^average: weights of shape \(3,\) differ .*give axis="):
        ag.average(x, weights=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"^average: 3 weights for axis 0 of length 2"):
        ag.average(x, axis=0, weights=[1.0, 2.0, 3.0])


def test_numpy_out_and_dtype_arguments_are_refused_on_tensors():
    x = leaf([1.0, 2.0])
    with pytest.raises(TypeError, match=r"^prod: out not supported"):
        np.prod(x, out=np.zeros(()))
    with pytest.raises(TypeError, match=r"^cumsum: dtype not supported"):
        x.cumsum(dtype=np.float32)
    with pytest.raises(TypeError, match=r"numpy\.arctan2\.reduce has no gradient rule"):
        np.arctan2.reduce(x)
    with pytest.raises(TypeError, match=r"numpy\.sin with out= is not supported"):
        np.sin(x, out=np.zeros(2))


def test_average_returned_gives_the_sum_of_weights_like_numpy():
    value, weights = np.array([[1.0, 2.0], [3.0, 5.0]]), np.array([[1.0, 3.0], [2.0, 2.0]])
    for w in (None, weights):
        avg, total = ag.average(leaf(value), axis=1, weights=w, returned=True)
        ref_avg, ref_total = np.average(value, axis=1, weights=w, returned=True)
        np.testing.assert_allclose(avg.data, ref_avg, rtol=1e-12)
        np.testing.assert_array_equal(total.data, ref_total)


@pytest.mark.parametrize("fn", [np.quantile, np.percentile, np.nanquantile, np.nanpercentile])
def test_a_q_that_requires_grad_is_refused_never_dropped(fn):
    x = ag.Tensor(np.arange(5.0), requires_grad=True)
    q = ag.Tensor(0.5, requires_grad=True)
    with pytest.raises(TypeError, match=r"q must be a constant \(the quantile is not differentiable in q\)"):
        fn(x, q)
