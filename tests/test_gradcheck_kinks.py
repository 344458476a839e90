"""Kinks: relu/max/abs/hinge exactly at their non-differentiable points.

A kink crossed by x +/- h is reported as such and judged by one-sided derivatives (which we know
by hand here: relu has left 0 and right 1 at 0); a rule that is wrong only at a kink still fails.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as ag


def test_relu_exactly_at_zero_is_a_kink_crossed_and_passes() -> None:
    x = ag.Tensor([0.0, 1.5, 0.0, -2.0], name="x")
    report = ag.gradcheck(lambda x: ag.relu(x).sum(), x)
    e = report["x"]
    assert report.passed and e.kinks_crossed == 2 and e.kink_failures == 0
    assert "kinks: elements where f(x+h) and f(x-h) took different branches" in str(report)


def test_without_kink_handling_the_same_check_would_fail() -> None:
    # the central difference at relu's kink is 1/2 while the rule's subgradient is 0: a relative
    # error of 1 -- this is why the kink is judged one-sidedly and not by tolerance
    assert ag.numerical_grad(lambda x: ag.relu(x).sum(), np.array([0.0]))[0] == pytest.approx(0.5)


def test_one_sided_derivatives_are_the_left_and_right_slopes() -> None:
    # f = relu(x) + 2 relu(-x): slope -2 left of 0, 1 right of 0; relu'(0) = 0 gives analytic 0
    e = ag.gradcheck(lambda x: (ag.relu(x) + 2 * ag.relu(-x)).sum(), np.array([0.0])).entries[0]
    assert e.passed and e.kinks_crossed == 1
    left, right = e.one_sided
    assert left == pytest.approx(-2.0, abs=1e-8) and right == pytest.approx(1.0, abs=1e-8)
    assert e.analytic == 0.0


def test_svm_hinge_exactly_at_its_margin_passes() -> None:
    # the course's multiclass SVM loss, with one margin exactly 0: s_car - s_cat + 1 = 2 - 3 + 1
    scores = ag.Tensor([3.0, 2.0, -1.7], name="scores")
    y = 0

    def svm(s: ag.Tensor) -> ag.Tensor:
        margins = ag.maximum(0.0, s - s[y] + 1.0)
        return margins.sum() - 1.0  # minus the j = y term, which is max(0, 1) = 1

    report = ag.gradcheck(svm, scores)
    e = report["scores"]
    assert report.passed and e.kinks_crossed >= 2  # s_car and s_cat both move the tied margin


def test_abs_and_max_reduction_ties() -> None:
    assert ag.gradcheck(lambda x: ag.abs(x).sum(), np.array([0.0, -1.0, 2.0])).passed
    report = ag.gradcheck(lambda x: x.max(), np.array([1.0, 3.0, 3.0, -2.0]))  # a tie for the max
    assert report.passed and report.entries[0].kinks_crossed == 2


def test_a_rule_wrong_only_at_the_kink_is_caught() -> None:
    def forward(x: np.ndarray) -> np.ndarray:
        return np.maximum(x, 0)

    # right everywhere except at 0, where it claims slope 3 (outside [0, 1])
    bad_relu = ag.primitive(
        "bad_relu", forward, lambda g, out, x: g * np.where(x == 0, 3.0, x > 0), branch=lambda out, x: x > 0
    )
    x = ag.Tensor([0.0, 1.0, -1.0], name="x")
    e = ag.gradcheck(lambda x: bad_relu(x).sum(), x).entries[0]
    assert not e.passed and e.failures == 1 and e.kink_failures == 1 and e.kinks_crossed == 1
    assert e.worst_index == (0,) and e.analytic == 3.0
    assert e.one_sided == pytest.approx((0.0, 1.0), abs=1e-8)
    # and the same rule away from 0 passes
    assert ag.gradcheck(lambda x: bad_relu(x).sum(), np.array([1.0, -1.0])).passed


def test_a_rule_with_the_kink_in_the_wrong_place_is_caught() -> None:
    shifted = ag.primitive("shifted_relu", lambda x: np.maximum(x, 0), lambda g, out, x: g * (x > 0.5),
                           branch=lambda out, x: x > 0)  # fmt: skip
    e = ag.gradcheck(lambda x: shifted(x).sum(), np.array([0.3])).entries[0]
    assert not e.passed and e.kinks_crossed == 0 and e.analytic == 0.0 and e.numeric == pytest.approx(1.0)


def test_kinks_do_not_loosen_the_check_elsewhere() -> None:
    # a kink in one element, a small (1e-3 relative) error in another: still a failure there
    cube = ag.primitive("cube", lambda x: x**3, lambda g, out, x: g * 3 * x**2 * 1.001)
    x = ag.Tensor([0.0, 0.8], name="x")
    e = ag.gradcheck(lambda x: ag.relu(x[0]) + cube(x[1]), x).entries[0]
    assert not e.passed and e.kinks_crossed == 1 and e.kink_failures == 0 and e.worst_index == (1,)


def test_nearly_at_the_kink_within_h_is_also_judged_one_sidedly() -> None:
    e = ag.gradcheck(lambda x: ag.relu(x).sum() * 2, np.array([3e-7, -4e-7])).entries[0]
    assert e.passed and e.kinks_crossed == 2


def test_several_kinks_crossed_at_once_are_counted_and_explained() -> None:
    # two samples at relu's kink, bending opposite ways: f(w) = 2 relu(w) - 3 relu(-w), slopes 3 | 2.
    # The subgradient 0 (relu'(0) = 0 twice) is correct term by term, but lies outside [2, 3]: the
    # one-sided test cannot confirm it, and the report says why instead of hiding it
    X, c = np.array([[1.0], [-1.0]]), np.array([2.0, -3.0])
    f = lambda w: (ag.relu(X @ w)[:, 0] * c).sum()
    report = ag.gradcheck(f, np.array([[0.0]]))
    e = report.entries[0]
    assert e.kinks_at_once == 2 and e.one_sided == pytest.approx((3.0, 2.0), abs=1e-8)
    assert "2 kinks were crossed at once" in str(report)
    assert ag.gradcheck(f, np.array([[0.25]])).passed and ag.gradcheck(f, np.array([[-0.25]])).passed
