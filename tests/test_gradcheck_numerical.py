"""numerical_grad and numerical_jacobian: against closed forms; the caller's data is never touched."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag


@settings(max_examples=15)
@given(n=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_numerical_grad_of_cubic_and_product(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal(n), rng.standard_normal(n)
    gx, gy = ag.numerical_grad(lambda x, y: (x * x * x * y).sum(), x, y)
    np.testing.assert_allclose(gx, 3 * x**2 * y, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(gy, x**3, rtol=1e-7, atol=1e-8)


def test_numerical_grad_of_one_input_is_an_array_of_its_shape() -> None:
    x = np.arange(6.0).reshape(3, 2) / 5
    g = ag.numerical_grad(lambda x: ag.exp(x).sum(), x)
    assert isinstance(g, np.ndarray) and g.shape == (3, 2) and g.dtype == np.float64
    np.testing.assert_allclose(g, np.exp(x), rtol=1e-8)


def test_numerical_grad_scales_the_step_with_large_values() -> None:
    # with a fixed h = 1e-6, f ~ 1e16 carries rounding errors of ~2 (its last bit), which divided by
    # 2h would be an error of 1e6 on a gradient of 2e8; the step eps * max(1, |x|) keeps it at ~1e-9
    x = np.array([1e8, -3e7])
    np.testing.assert_allclose(ag.numerical_grad(lambda x: (x * x).sum(), x), 2 * x, rtol=1e-6)


def test_integer_inputs_pass_through_and_get_none() -> None:
    labels = np.array([2, 0])
    scores = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
    g_scores, g_labels = ag.numerical_grad(lambda s, y: s[np.arange(2), y.data].sum(), scores, labels)
    assert g_labels is None
    np.testing.assert_allclose(g_scores, [[0, 0, 1], [1, 0, 0]], atol=1e-9)


@settings(max_examples=10)
@given(m=st.integers(1, 4), n=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_numerical_jacobian_of_linear_map_and_of_tanh(m: int, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    A, x = rng.standard_normal((m, n)), rng.standard_normal(n)
    np.testing.assert_allclose(ag.numerical_jacobian(lambda x: A @ x, x), A, atol=1e-8)
    X = rng.standard_normal((m, n))
    J = ag.numerical_jacobian(ag.tanh, X)
    assert J.shape == (m, n, m, n)
    expected = np.diag((1 - np.tanh(X) ** 2).reshape(-1)).reshape(m, n, m, n)
    np.testing.assert_allclose(J, expected, atol=1e-8)


def test_inputs_are_bit_identical_even_when_f_raises_part_way() -> None:
    x = np.array([0.1, 0.2, 0.3, np.nextafter(0.4, 1)])
    t = ag.Tensor(np.array([1.0, 2.0]), requires_grad=True, name="t")
    x_before, t_before, t_data = x.tobytes(), t.data.tobytes(), t.data
    calls = []

    def f(x: ag.Tensor, t: ag.Tensor) -> ag.Tensor:
        calls.append(1)
        if len(calls) == 5:
            raise RuntimeError("boom")
        return (x * x).sum() + t.sum()

    with pytest.raises(RuntimeError, match="boom"):
        ag.numerical_grad(f, x, t)
    assert x.tobytes() == x_before and t.data is t_data and t.data.tobytes() == t_before
    with pytest.raises(RuntimeError, match="boom"):
        calls.clear()
        ag.gradcheck(f, x, t)
    assert x.tobytes() == x_before and t.data is t_data and t.data.tobytes() == t_before
    assert t.grad is None


def test_f_that_writes_into_its_argument_cannot_reach_the_callers_array() -> None:
    x = np.array([1.0, 2.0, 3.0])

    def f(t: ag.Tensor) -> ag.Tensor:
        s = (t * t).sum()
        t.data[...] = 0.0  # vandalism: only our private copy suffers
        return s

    np.testing.assert_allclose(ag.numerical_grad(f, x), 2 * np.array([1.0, 2.0, 3.0]), rtol=1e-8)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])


def test_errors() -> None:
    with pytest.raises(ValueError, match=r"numerical_grad: f must return one element, got shape \(2,\)"):
        ag.numerical_grad(lambda x: x * 2, np.ones(2))
    with pytest.raises(ValueError, match="numerical_grad: eps must be positive, got 0.0"):
        ag.numerical_grad(lambda x: x.sum(), np.ones(2), eps=0)
