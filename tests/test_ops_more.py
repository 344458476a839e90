"""The subtle cases of "more of numpy's names": all-NaN slices, zero-gradient inputs, kinks,
two-output functions, float64-computing functions, and the refusals.  Values and gradients are
checked against numpy, closed forms and float64 central differences (the op-spec rows in
``specs_*.py`` check each operation's ordinary cases)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import autograd_lite as ag

from ._numeric import assert_close, central_difference


def leaf(value, dtype=np.float64) -> ag.Tensor:
    return ag.Tensor(np.array(value, dtype=dtype), requires_grad=True)


ROWS = np.array([[1.0, np.nan, 3.0, -0.5], [np.nan, np.nan, np.nan, np.nan], [2.0, 5.0, -1.0, np.nan]])


# ============================================================================ NaN-aware reductions
@pytest.mark.parametrize(
    "name, message",
    [
        ("nanmean", "Mean of empty slice"),
        ("nanvar", "Degrees of freedom <= 0"),
        ("nanstd", "Degrees of freedom <= 0"),
        ("nanmax", "All-NaN slice encountered"),
        ("nanmin", "All-NaN slice encountered"),
        ("nanmedian", "All-NaN slice encountered"),
    ],
)
def test_an_all_nan_slice_gives_nan_and_numpys_warning_and_zero_gradient(name, message):
    fn = getattr(np, name)
    with pytest.warns(RuntimeWarning, match=message):
        expected = fn(ROWS, axis=1)
    x = leaf(ROWS)
    with pytest.warns(RuntimeWarning, match=message):
        out = fn(x, axis=1)
    np.testing.assert_allclose(out.data, expected, rtol=1e-14)  # NaN in the same place
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # backward divides by nothing that is zero
        (out[np.array([0, 2])] * np.array([1.5, -2.0])).sum().backward()
    grad = x.grad.data
    assert not np.isnan(grad).any()
    np.testing.assert_array_equal(grad[1], 0.0)  # the all-NaN row
    np.testing.assert_array_equal(grad[np.isnan(ROWS)], 0.0)
    live = ~np.isnan(ROWS[[0, 2]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's own, on the all-NaN row
        fd = central_difference(lambda a: np.sum(fn(a, axis=1)[[0, 2]] * np.array([1.5, -2.0])), [ROWS], 0)
    assert_close(grad[[0, 2]][live], fd[[0, 2]][live])


def test_nansum_and_nanprod_of_an_all_nan_slice_are_the_neutral_values_without_warning():
    x = leaf(ROWS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s, p = np.nansum(x, axis=1), np.nanprod(x, axis=1)
        (s + p).sum().backward()
    np.testing.assert_array_equal(s.data, np.nansum(ROWS, axis=1))
    np.testing.assert_array_equal(p.data, np.nanprod(ROWS, axis=1))
    np.testing.assert_array_equal(x.grad.data[np.isnan(ROWS)], 0.0)
    np.testing.assert_array_equal(x.grad.data[0], [1.0 + 3.0 * -0.5, 0.0, 1.0 + 1.0 * -0.5, 1.0 + 3.0])


def test_nanquantile_of_an_all_nan_slice_and_several_q_matches_numpy():
    q = [0.0, 0.25, 0.9, 1.0]
    with pytest.warns(RuntimeWarning, match="All-NaN"):
        expected = np.nanquantile(ROWS, q, axis=1, keepdims=True)
    x = leaf(ROWS)
    with pytest.warns(RuntimeWarning, match="All-NaN"):
        out = np.nanquantile(x, q, axis=1, keepdims=True)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-14)
    out[:, [0, 2]].sum().backward()
    np.testing.assert_array_equal(x.grad.data[1], 0.0)
    # each q's weights sum to one over the row's non-NaN values: 4 quantiles -> 4 per row
    np.testing.assert_allclose(x.grad.data.sum(axis=1), [4.0, 0.0, 4.0])


def test_nanquantile_keeps_float32_with_a_python_q_as_numpy():
    data = np.where(np.isnan(ROWS), np.nan, ROWS).astype(np.float32)[[0, 2]]
    out = np.nanquantile(leaf(data, np.float32), 0.3, axis=1)
    assert out.dtype == np.nanquantile(data, 0.3, axis=1).dtype == np.float32
    np.testing.assert_array_equal(out.data, np.nanquantile(data, 0.3, axis=1))


def test_nanquantile_with_nans_supports_only_the_linear_method():
    with pytest.raises(ValueError, match=r"nanquantile: method='lower'"):
        np.nanquantile(leaf(ROWS[0]), 0.5, method="lower")
    out = np.nanquantile(leaf([3.0, 1.0, 2.0]), 0.5, method="lower")  # no NaNs: quantile's methods
    assert out.item() == 2.0


# ============================================================================ elementwise
def test_heaviside_gradient_goes_to_x2_where_x1_is_zero_and_never_to_x1():
    x1, x2 = leaf([-1.0, 0.0, 2.0, 0.0]), leaf([0.3, 0.5, 0.7, 0.9])
    out = np.heaviside(x1, x2)
    np.testing.assert_array_equal(out.data, [0.0, 0.5, 1.0, 0.9])
    (out * np.array([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x1.grad.data, 0.0)
    np.testing.assert_array_equal(x2.grad.data, [0.0, 2.0, 0.0, 4.0])


def test_copysign_gradient_is_sign_a_times_sign_b_and_zero_at_the_kink():
    a = leaf([-1.5, 2.0, 0.0, 3.0])
    b = leaf([2.0, -1.0, -1.0, -0.0])  # -0.0 has its sign bit set
    out = np.copysign(a, b)
    np.testing.assert_array_equal(out.data, np.copysign(a.data, b.data))
    out.sum().backward()
    np.testing.assert_array_equal(a.grad.data, [-1.0, -1.0, 0.0, -1.0])
    np.testing.assert_array_equal(b.grad.data, 0.0)


def test_sinc_is_exact_at_zero_to_the_second_derivative():
    d1 = ag.grad(lambda t: ag.sinc(t))
    d2 = ag.grad(d1)
    assert ag.sinc(leaf(0.0)).item() == 1.0
    assert d1(leaf(0.0)).item() == 0.0
    assert d2(leaf(0.0)).item() == pytest.approx(-(math.pi**2) / 3, rel=1e-12)
    x = 0.3  # away from 0: d/dx sin(pi x)/(pi x) = (cos(pi x) - sinc(x)) / x
    assert d1(leaf(x)).item() == pytest.approx((math.cos(math.pi * x) - np.sinc(x)) / x, rel=1e-12)


def test_float_power_computes_in_float64_as_numpy_and_keeps_the_leafs_dtype():
    a = leaf([0.5, 2.0], np.float32)
    out = np.float_power(a, 3)
    assert out.dtype == np.float_power(a.data, 3).dtype == np.float64
    out.sum().backward()
    assert a.grad.dtype == np.float32
    np.testing.assert_allclose(a.grad.data, [0.75, 12.0])


def test_divmod_and_modf_return_tuples_of_tensors_with_exact_gradients():
    a, b = leaf([7.5, -7.5]), leaf([2.0, 2.0])
    q, r = divmod(a, b)  # the builtin, through Tensor.__divmod__
    np.testing.assert_array_equal(q.data, [3.0, -4.0])
    np.testing.assert_array_equal(r.data, [1.5, 0.5])
    (q + r).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [1.0, 1.0])  # d(a mod b)/da = 1, d(a // b)/da = 0
    np.testing.assert_array_equal(b.grad.data, [-3.0, 4.0])  # d(a mod b)/db = -floor(a/b)
    assert (a // 2).op.name == "floor_divide" and (7.0 // b).op.name == "floor_divide"
    x = leaf([-1.25, 2.5])
    frac, whole = np.modf(x)
    np.testing.assert_array_equal(frac.data, [-0.25, 0.5])
    np.testing.assert_array_equal(whole.data, [-1.0, 2.0])
    (frac * 3 + whole * 5).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])


def test_ldexp_refuses_an_exponent_that_requires_grad():
    with pytest.raises(TypeError, match="ldexp: the exponent x2 must be integers"):
        ag.ldexp(leaf([1.0]), leaf([2.0]))
    np.testing.assert_array_equal(np.ldexp(leaf([1.5, 3.0]), [2, -1]).data, [6.0, 1.5])


# ============================================================================ interp
XP, FP = np.array([0.0, 1.0, 2.5, 3.0]), np.array([1.0, -1.0, 2.0, 0.5])


def test_interp_is_differentiable_in_x_fp_and_xp_between_knots():
    x = np.array([0.3, 1.7, 2.9, -0.5, 3.5])
    f = lambda x, xp, fp: np.interp(x, xp, fp)
    xs = [leaf(x), leaf(XP), leaf(FP)]
    w = np.array([1.0, -2.0, 0.5, 3.0, 1.5])
    (f(*xs) * w).sum().backward()
    for i, t in enumerate(xs):
        assert_close(t.grad.data, central_difference(lambda *a: np.sum(f(*a) * w), [x, XP, FP], i))
    np.testing.assert_array_equal(xs[0].grad.data[3:], 0.0)  # outside the knots: constant


def test_interp_at_a_knot_takes_the_slope_on_its_right_and_refuses_period():
    x = leaf([1.0])
    np.interp(x, XP, FP).sum().backward()
    assert x.grad.item() == pytest.approx((2.0 - -1.0) / 1.5)
    with pytest.raises(TypeError, match="interp: period="):
        np.interp(x, XP, FP, period=2.0)
    with pytest.raises(ValueError, match="interp: xp and fp must be 1-D"):
        np.interp(x, XP, FP[:3])


# ============================================================================ statistics
def test_cov_and_corrcoef_compute_in_float64_as_numpy():
    rng = np.random.default_rng(3)
    data = rng.standard_normal((3, 6)).astype(np.float32)
    x = leaf(data, np.float32)
    c, r = np.cov(x), np.corrcoef(x)
    assert c.dtype == np.cov(data).dtype == np.float64
    np.testing.assert_allclose(c.data, np.cov(data), rtol=1e-12)
    np.testing.assert_allclose(r.data, np.corrcoef(data), rtol=1e-12)
    np.testing.assert_allclose(np.diagonal(r.data), 1.0)
    r.sum().backward()
    assert x.grad.dtype == np.float32


def test_cov_of_one_variable_is_0d_and_refuses_weights_that_require_grad():
    x = leaf([1.0, 2.0, 4.0])
    assert np.cov(x).shape == () and np.cov(x).item() == pytest.approx(np.cov(x.data))
    with pytest.raises(TypeError, match="cov: aweights must be a constant"):
        np.cov(x, aweights=leaf([1.0, 1.0, 1.0]))


def test_cumulative_sum_needs_an_axis_beyond_1d():
    with pytest.raises(ValueError, match=r"cumulative_sum: axis must be given .*\(2, 2\)"):
        np.cumulative_sum(leaf(np.ones((2, 2))))


# ============================================================================ shape
def test_resize_accumulates_the_gradient_of_repeated_elements():
    x = leaf([1.0, 2.0, 3.0])
    out = np.resize(x, (2, 4))  # 1 2 3 1 / 2 3 1 2
    np.testing.assert_array_equal(out.data, np.resize(x.data, (2, 4)))
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0, 2.0])


def test_select_takes_the_first_true_condition():
    a, b = leaf([1.0, 2.0, 3.0]), leaf([10.0, 20.0, 30.0])
    conds = [np.array([True, True, False]), np.array([True, False, False])]
    out = np.select(conds, [a, b], default=-1.0)
    np.testing.assert_array_equal(out.data, [1.0, 2.0, -1.0])
    out.sum().backward()
    np.testing.assert_array_equal(a.grad.data, [1.0, 1.0, 0.0])
    np.testing.assert_array_equal(b.grad.data, 0.0)


def test_insert_gives_gradients_to_both_arr_and_the_broadcast_values():
    x, v = leaf(np.zeros((2, 2))), leaf(5.0)
    out = np.insert(x, 1, v, axis=1)  # one value broadcast down a new column
    np.testing.assert_array_equal(out.data, np.insert(x.data, 1, 5.0, axis=1))
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, 1.0)
    assert v.grad.item() == 2.0


def test_rearranging_functions_name_themselves_in_errors():
    with pytest.raises(ValueError, match=r"^block: .*\(tensors of shape"):
        np.block([[leaf(np.ones((2, 2))), leaf(np.ones((3, 3)))]])
    with pytest.raises(IndexError, match=r"^delete: .*\(tensors of shape \(3,\)\)"):
        np.delete(leaf([1.0, 2.0, 3.0]), 5)
    with pytest.raises(ValueError, match="correlate: mode must be one of"):
        np.correlate(leaf([1.0, 2.0]), leaf([1.0]), mode="circular")
    with pytest.raises(ValueError, match="convolve: two non-empty 1-D inputs"):
        np.convolve(leaf(np.ones((2, 2))), leaf([1.0]))


def test_unstack_and_broadcast_arrays_return_tuples_on_the_graph():
    x = leaf(np.arange(6.0).reshape(2, 3))
    parts = np.unstack(x, axis=1)
    assert isinstance(parts, tuple) and len(parts) == 3 and all(p.requires_grad for p in parts)
    a, b = np.broadcast_arrays(x, leaf([1.0, 2.0, 3.0]))
    assert a is x and b.shape == (2, 3)


def test_numpy_2_ufuncs_with_keywords_are_refused_by_name():
    with pytest.raises(TypeError, match=r"numpy\.vecdot with axis= is not supported"):
        np.vecdot(leaf(np.ones((2, 3))), leaf(np.ones((2, 3))), axis=0)


def test_nanquantile_and_nanpercentile_refuse_a_q_that_requires_grad():
    for fn in (np.nanquantile, np.nanpercentile):
        with pytest.raises(TypeError, match=r"nan(quantile|percentile): q must be a constant"):
            fn(leaf(ROWS[0]), leaf(0.5))


def test_vander_takes_an_integer_n_and_conj_real_are_the_tensor_itself():
    x = leaf([0.5, 2.0])
    with pytest.raises(TypeError, match="vander: N must be an integer"):
        np.vander(x, leaf(3.0))
    assert np.conj(x) is x and np.real(x) is x and x.conj() is x
    v = np.vander(x, 3)  # columns x^2, x, 1
    (v * np.array([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2 * 0.5 + 10.0, 2 * 2.0 + 10.0])


def test_bincount_sums_the_weights_by_bin_and_counts_without_them():
    w = leaf([0.5, 1.0, 2.0, 4.0])
    out = np.bincount(np.array([2, 0, 2, 2]), weights=w)
    np.testing.assert_array_equal(out.data, [1.0, 0.0, 6.5])
    (out * np.array([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_array_equal(w.grad.data, [100.0, 1.0, 100.0, 100.0])
    counts = np.bincount(ag.Tensor(np.array([1, 1, 3])))
    assert isinstance(counts, np.ndarray) and counts.tolist() == [0, 2, 0, 1]
    with pytest.raises(TypeError, match="bincount: x must be non-negative integers"):
        np.bincount(leaf([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"bincount: weights of shape \(2,\) differ"):
        np.bincount(np.array([0, 1, 1]), weights=leaf([1.0, 2.0]))


def test_gradient_is_numpys_and_refuses_a_spacing_that_requires_grad():
    f = leaf([1.0, 4.0, 9.0, 16.0])
    out = np.gradient(f)
    np.testing.assert_array_equal(out.data, [3.0, 4.0, 6.0, 7.0])
    out.sum().backward()  # f1 - f0, (f2 - f0)/2, (f3 - f1)/2, f3 - f2
    np.testing.assert_array_equal(f.grad.data, [-1.5, 0.5, -0.5, 1.5])
    with pytest.raises(TypeError, match="gradient: the spacing must be constant"):
        np.gradient(f, leaf(0.5))
    with pytest.raises(ValueError, match="gradient: axis 0 of shape"):
        np.gradient(leaf([1.0, 2.0]), edge_order=2)
