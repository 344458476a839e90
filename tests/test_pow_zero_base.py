"""pow at a zero base: 0**b is constant in b (0 for b > 0, 1 at b = 0, inf for b < 0), so
d(0**b)/db = 0 -- never the NaN of inf * log 1 or 0 * log 0.  Oracles: closed forms, and central
differences along b where the function is finite."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag

B = np.array([-2.0, -0.5, 0.0, 0.5, 1.0, 2.0])


def test_derivative_in_the_exponent_at_a_zero_base_is_zero_for_every_b():
    a = ag.Tensor(np.zeros_like(B), requires_grad=True)
    b = ag.Tensor(B.copy(), requires_grad=True)
    with np.errstate(divide="ignore"):
        (a**b).sum().backward()
    np.testing.assert_array_equal(b.grad.data, np.zeros_like(B))
    # d/da = b a^(b-1) at a = 0: its limits from a > 0 (and 0 where b = 0, the other convention)
    np.testing.assert_array_equal(a.grad.data, [-np.inf, -np.inf, 0.0, np.inf, 1.0, 0.0])


def test_a_number_base_of_zero():
    b = ag.Tensor(B.copy(), requires_grad=True)
    with np.errstate(divide="ignore"):
        (0.0**b).sum().backward()
    np.testing.assert_array_equal(b.grad.data, np.zeros_like(B))


@pytest.mark.parametrize("b0", [0.5, 1.0, 3.0])
def test_zero_matches_finite_differences_where_0_to_the_b_is_finite(b0):
    h = 1e-6
    numeric = (0.0 ** (b0 + h) - 0.0 ** (b0 - h)) / (2 * h)
    b = ag.Tensor(b0, requires_grad=True)
    (ag.Tensor(0.0) ** b).backward()
    assert b.grad.item() == numeric == 0.0


def test_second_derivative_in_b_is_finite_and_the_closed_form():
    a = np.array([0.0, 0.0, 2.0, 0.5])
    b = np.array([-1.0, 2.0, 1.5, -0.5])
    with np.errstate(divide="ignore"):
        d2 = ag.grad(lambda bb: ag.grad(lambda c: (ag.Tensor(a) ** c).sum())(bb).sum())(b).data
    safe_a = np.where(a == 0, 1.0, a)
    expected = np.where(a == 0, 0.0, safe_a**b * np.log(safe_a) ** 2)  # d2/db2 a^b = a^b (log a)^2
    np.testing.assert_allclose(d2, expected, rtol=1e-12, atol=0)
    assert np.all(np.isfinite(d2))
