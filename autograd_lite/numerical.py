"""Finite differences: numerical gradients and Jacobians, and judging an analytic value by them.

* ``numerical_grad`` / ``numerical_jacobian``: central differences on float64 copies -- the
  caller's arrays are never written, so they are bit-identical afterwards even when f raises.
* ``Judge``: one directional derivative, analytic against central differences, with kinks
  detected from the branch logs of ``record_branches()`` and re-checked one-sidedly, and a
  disagreement retried with smaller steps (truncation error shrinks, a wrong rule's does not).  Shared by
  ``gradcheck`` (whole functions) and ``check_graph`` (one primitive at a time).

Errors: an element passes when |a - n| <= max(atol + noise, rtol * max(|a|, |n|)), where noise
estimates the rounding error of the difference quotient (32 eps |f| / h).  The relative error
reported is |a - n| / max(|a|, |n|, floor), floor = (atol + noise) / rtol, for a passing element
(at most rtol; the floor guards gradients near 0) and the plain |a - n| / max(|a|, |n|) for a
failing one (above rtol).  NaN never passes and is reported as NaN (``nanmax_err``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .arguments import data_of
from .engine import no_grad
from .tensor import Tensor

__all__ = [
    "numerical_grad",
    "numerical_jacobian",
    "Judge",
    "Verdict",
    "judge_tensor",
    "DEFAULT_EPS",
    "nanmax_err",
    "same_value",
    "float_copy",
    "steps",
]

DEFAULT_EPS = 1e-6
_NOISE = 32 * np.finfo(np.float64).eps  # rounding in f, relative to |f|, that a difference may carry


# --------------------------------------------------------------------------- numerical derivatives
def float_copy(x: Any) -> np.ndarray | None:
    """A float64 copy of a floating input (Python numbers and lists count as float, like Tensor's
    dtype policy); None for integer and boolean arrays (labels, indices, masks), passed through."""
    data = data_of(x)
    python = isinstance(data, (int, float, list, tuple)) and not isinstance(data, bool)
    arr = np.asarray(data)
    if arr.dtype.kind in "iub" and not python:
        return None
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"numerical derivative: input of dtype {arr.dtype} (shape {arr.shape}) is not numeric")
    return np.array(arr, dtype=np.float64)


def steps(x: np.ndarray, eps: float) -> np.ndarray:
    """The step per element: eps scaled by the magnitude of the element (at least eps)."""
    return eps * np.maximum(1.0, np.abs(x))


def _call_constant(f: Callable[..., Any], args: list[Any]) -> np.ndarray:
    with no_grad():
        out = f(*args)
    return np.asarray(data_of(out), dtype=np.float64)


def _numeric_jac(f: Callable[..., Any], inputs: tuple, eps: float | None, fname: str) -> list[Any]:
    eps = DEFAULT_EPS if eps is None else float(eps)
    if not eps > 0:
        raise ValueError(f"{fname}: eps must be positive, got {eps}")
    bases = [float_copy(x) for x in inputs]

    def evaluate(k: int, value: np.ndarray) -> np.ndarray:
        args = [
            inputs[j] if b is None else Tensor(value if j == k else b.copy(), name=getattr(inputs[j], "name", None))
            for j, b in enumerate(bases)
        ]
        return _call_constant(f, args)

    results: list[Any] = []
    out_shape: tuple[int, ...] | None = None
    for k, b in enumerate(bases):
        if b is None:
            results.append(None)
            continue
        cols = []
        hs = steps(b, eps).reshape(-1)
        for i in range(b.size):
            plus, minus = b.copy(), b.copy()
            plus.flat[i] += hs[i]
            minus.flat[i] -= hs[i]
            step = plus.flat[i] - minus.flat[i]  # the step actually taken, after rounding
            fp, fm = evaluate(k, plus), evaluate(k, minus)
            out_shape = fp.shape
            cols.append((fp - fm).reshape(-1) / step)
        if out_shape is None:
            out_shape = evaluate(k, b.copy()).shape
        jac = np.stack(cols, axis=1) if cols else np.zeros((int(np.prod(out_shape)), 0))
        results.append(jac.reshape(out_shape + b.shape))
    return results


def numerical_jacobian(f: Callable[..., Any], *inputs: Any, eps: float | None = None) -> Any:
    """Central-difference Jacobian of ``f`` at ``inputs``: shape ``f(x).shape + x.shape``.

    f is called with float64 Tensor copies (under ``no_grad``); the caller's arrays are never
    written.  Integer inputs (labels, indices) are passed through unchanged and get None.  The
    step for element x_i is ``eps * max(1, |x_i|)`` (eps defaults to 1e-6).  One input gives an
    ndarray, several give a tuple.
    """
    res = _numeric_jac(f, inputs, eps, "numerical_jacobian")
    return res[0] if len(res) == 1 else tuple(res)


def numerical_grad(f: Callable[..., Any], *inputs: Any, eps: float | None = None) -> Any:
    """Central-difference gradient of scalar-valued ``f``: one float64 array per input, its shape.

    Like the lecture's numerical gradient, but centred, in float64 and on copies.
    """

    def scalar_f(*args: Any) -> Any:
        out = f(*args)
        size = out.size if isinstance(out, Tensor) else np.size(out)
        if size != 1:
            raise ValueError(
                f"numerical_grad: f must return one element, got shape {np.shape(data_of(out))}; "
                "use numerical_jacobian for vector-valued f"
            )
        return out

    res = _numeric_jac(scalar_f, inputs, eps, "numerical_grad")
    res = [None if r is None else r.reshape(np.shape(data_of(x))) for r, x in zip(res, inputs)]
    return res[0] if len(res) == 1 else tuple(res)


# --------------------------------------------------------------------------- judging one direction
def nanmax_err(a: float, b: float) -> float:
    """max(a, b) for error sizes, where NaN wins (Python's max drops NaN when it comes second)."""
    if np.isnan(a) or np.isnan(b):
        return float("nan")
    return max(a, b)


def same_value(a: float, b: float) -> bool:
    """a == b, with NaN equal to NaN (a function returning NaN twice is repeatable)."""
    return bool(a == b or (np.isnan(a) and np.isnan(b)))


def _kinks_between(a: list, b: list) -> int:
    """How many kinks changed side between two branch logs (at least 1 if the logs' structure differs)."""
    if len(a) != len(b) or any(na != nb or np.shape(xa) != np.shape(xb) for (na, xa), (nb, xb) in zip(a, b)):
        return max(1, abs(len(a) - len(b)))
    return int(sum(np.count_nonzero(np.asarray(xa) != np.asarray(xb)) for (_, xa), (_, xb) in zip(a, b)))


def _branches_equal(a: list, b: list) -> bool:
    if len(a) != len(b):
        return False
    return all(na == nb and np.array_equal(xa, xb) for (na, xa), (nb, xb) in zip(a, b))


def _plain_rel(err: float, scale: float) -> float:
    """|a - n| / max(|a|, |n|) without a guard: inf for a nonzero error at scale 0, NaN for NaN."""
    if np.isnan(err):
        return float("nan")
    return err / scale if scale > 0 else (float("inf") if err > 0 else 0.0)


@dataclass(frozen=True)
class Verdict:
    """One direction judged: the analytic value against the numeric one, and whether they agree."""

    analytic: float
    numeric: float
    abs_err: float
    rel_err: float
    ok: bool
    scale: float  # max(|analytic|, |numeric|) (with the one-sided derivatives at a kink)
    noise: float  # the rounding allowance of the difference quotient
    kink: bool = False  # a kink was crossed: judged by one-sided differences
    sides: tuple[float, float] | None = None  # (left, right) derivatives at a kink
    kinks_at_once: int = 0  # how many kinks the step crossed together

    @property
    def badness(self) -> tuple[bool, float, float]:
        """Sort key for the worst verdict: failures first, then relative error (3 significant
        digits; NaN worst), then absolute error."""
        rel = float(f"{self.rel_err:.2e}") if np.isfinite(self.rel_err) else np.inf
        return (not self.ok, rel, self.abs_err if not np.isnan(self.abs_err) else np.inf)


class Judge:
    """Compares an analytic directional derivative ``a`` with finite differences of a scalar phi.

    ``phi(value) -> (float, branch log)`` evaluates the function with the tensor under check set
    to ``value``; ``f0 = phi(base)[0]``.  Used by ``gradcheck`` (phi = f) and by ``check_graph``
    (phi = one primitive's forward, weighted by a random upstream gradient).
    """

    def __init__(self, atol: float, rtol: float) -> None:
        self.atol, self.rtol = atol, rtol

    def _floor(self, noise: float) -> float:
        """Below this magnitude, errors are compared in absolute terms (guards |a|, |n| near 0)."""
        return (self.atol + noise) / self.rtol if self.rtol > 0 else max(self.atol + noise, 1e-300)

    def judge(self, phi: Callable[[np.ndarray], tuple[float, list]], base: np.ndarray, f0: float,
              direction: np.ndarray, h: float, a: float) -> Verdict:  # fmt: skip
        """The verdict for one direction; a disagreement is retried with steps h/10 and h/100.

        A too-large step shows as truncation error, which for central differences shrinks like
        h^2 (e.g. x^-0.5 near a small x); a wrong rule disagrees by the same amount at every step.
        A retry is believed only when it passes *and* its discrepancy shrank as truncation error
        does -- at least 10x per 10x smaller step -- or passes the first step's (smaller) rounding
        allowance: a smaller step's larger noise allowance alone never turns a failure into a pass.
        A failure reports the try with the smallest |a - n| + noise allowance: the smaller step
        where truncation error dominated, the first step where rounding noise did.
        """
        first = self._judge_once(phi, base, f0, direction, h, a)
        if first.ok:
            return first
        tries = [first]
        for k in (1, 2):
            r = self._judge_once(phi, base, f0, direction, h / 10**k, a)
            if r.ok and (r.abs_err * 10**k <= first.abs_err or self._passes(r.abs_err, r.scale, first.noise)):
                return r
            if r.ok:  # passed only by its larger noise allowance: not believed
                r = replace(r, ok=False, rel_err=_plain_rel(r.abs_err, r.scale))
            tries.append(r)
        return min(tries, key=lambda r: r.abs_err + r.noise if not np.isnan(r.abs_err + r.noise) else np.inf)

    def _passes(self, err: float, scale: float, noise: float) -> bool:
        """|a - n| within max(atol + noise, rtol * scale); NaN never passes."""
        return bool(err <= self.atol + noise or err <= self.rtol * scale)

    def _judge_once(self, phi: Callable[[np.ndarray], tuple[float, list]], base: np.ndarray, f0: float,
                    direction: np.ndarray, h: float, a: float) -> Verdict:  # fmt: skip
        fp, lp = phi(base + h * direction)
        fm, lm = phi(base - h * direction)
        noise = _NOISE * max(abs(fp), abs(fm), abs(f0)) / h
        n = (fp - fm) / (2 * h)
        if _branches_equal(lp, lm):
            err = abs(a - n)
            return self._verdict(a, n, err, max(abs(a), abs(n)), noise)
        # a kink was crossed: one-sided derivatives, second order where the branch stays the same
        noise *= 4  # one-sided quotients divide by h, and the 3-point stencil weighs f by up to 4
        fp2, lp2 = phi(base + 2 * h * direction)
        fm2, lm2 = phi(base - 2 * h * direction)
        right = (-3 * f0 + 4 * fp - fp2) / (2 * h) if _branches_equal(lp, lp2) else (fp - f0) / h
        left = (3 * f0 - 4 * fm + fm2) / (2 * h) if _branches_equal(lm, lm2) else (f0 - fm) / h
        lo, hi = min(left, right), max(left, right)
        err = max(lo - a, a - hi, 0.0) if not np.isnan([a, lo, hi]).any() else float("nan")
        scale = max(abs(a), abs(lo), abs(hi))
        return self._verdict(a, n, err, scale, noise, sides=(left, right), kinks_at_once=_kinks_between(lp, lm))

    def _verdict(self, a: float, n: float, err: float, scale: float, noise: float,
                 sides: tuple[float, float] | None = None, kinks_at_once: int = 0) -> Verdict:  # fmt: skip
        """One try's record.  ``rel`` is the guarded relative error when the element passes (at
        most rtol) and the plain |a - n| / max(|a|, |n|) when it fails (above rtol), so the
        lecture's band of ``rel`` never calls a failure acceptable because of the guard."""
        ok = self._passes(err, scale, noise)
        rel = err / max(scale, self._floor(noise)) if ok else _plain_rel(err, scale)
        kink = sides is not None
        return Verdict(a, n, err, rel, ok, scale, noise, kink=kink, sides=sides, kinks_at_once=kinks_at_once)


Phi = Callable[[np.ndarray], tuple[float, list]]


def judge_tensor(
    judge: Judge,
    phi: Phi,
    base: np.ndarray,
    f0: float,
    grad: np.ndarray,
    eps: float,
    rng: np.random.Generator,
    *,
    elements: Iterable[int] | None = None,
    projections: int | None = None,
    label: str = "direction",
) -> list[tuple[Any, Verdict]]:
    """The checking loop of ``gradcheck`` and ``check_graph``: one tensor's analytic gradient
    ``grad`` against finite differences of the scalar ``phi`` around ``base`` (``f0 = phi(base)[0]``).

    Element by element (the flat indices ``elements``, all by default; step ``steps(base, eps)``),
    or along ``projections`` random directions d drawn from ``rng``, <grad, d> against the
    directional difference (step eps * max(1, max |base|)).  Returns (index or "label k", verdict).
    """
    results: list[tuple[Any, Verdict]] = []
    if projections:
        h = eps * max(1.0, float(np.max(np.abs(base), initial=0.0)))
        for k in range(projections):
            d = rng.standard_normal(base.shape)
            results.append((f"{label} {k}", judge.judge(phi, base, f0, d, h, float(np.sum(grad * d)))))
        return results
    hs = steps(base, eps)
    for i in range(base.size) if elements is None else elements:
        idx = tuple(int(t) for t in np.unravel_index(i, base.shape))
        e = np.zeros(base.shape)
        e[idx] = 1.0
        results.append((idx, judge.judge(phi, base, f0, e, float(hs[idx]), float(grad[idx]))))
    return results
