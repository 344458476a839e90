"""Gradient checking: finite differences, and the ``gradcheck`` that compares them with backward.

* ``numerical_grad`` / ``numerical_jacobian``: central differences on float64 copies -- the
  caller's arrays are never written, so they are bit-identical afterwards even when f raises.
* ``gradcheck``: the analytic gradient (one backward pass) against central differences, per
  input and per parameter, element by element (or ``sparse=k`` sampled elements, or
  ``projections=n`` random directions <u, J v>), returning a ``GradcheckReport`` table.

Kinks: every evaluation runs inside ``record_branches()``.  When f(x+h) and f(x-h) took different
branches at some relu/maximum/max/where (a "winner" changed), the element is "kink crossed": it
is judged by one-sided differences instead, and passes when the analytic value lies between the
left and right derivatives.  Tolerances are never loosened for it.

Errors: relative error is |a - n| / max(|a|, |n|, floor), floor = (atol + noise) / rtol, where
noise estimates the rounding error of the difference quotient; an element passes when its
relative error is at most rtol (equivalently |a - n| <= max(atol + noise, rtol * max(|a|, |n|))).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .checkreport import GradcheckEntry, GradcheckError, GradcheckReport, GradcheckWarning, ToleranceSpec
from .engine import enable_grad, no_grad, record_branches
from .functional import grads_of
from .tensor import Tensor

__all__ = [
    "numerical_grad",
    "numerical_jacobian",
    "gradcheck",
    "GradcheckReport",
    "GradcheckEntry",
    "GradcheckError",
    "GradcheckWarning",
]

DEFAULT_EPS = 1e-6
_NOISE = 32 * np.finfo(np.float64).eps  # rounding in f, relative to |f|, that a difference may carry


# --------------------------------------------------------------------------- numerical derivatives
def _float_copy(x: Any) -> np.ndarray | None:
    """A float64 copy of a floating (or Python-number) input; None for integer/bool inputs."""
    data = x.data if isinstance(x, Tensor) else x
    arr = np.asarray(data)
    if arr.dtype.kind in "iub" and not isinstance(data, (float, list)):
        return None
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"numerical derivative: input of dtype {arr.dtype} is not numeric")
    return np.array(arr, dtype=np.float64)


def _steps(x: np.ndarray, eps: float) -> np.ndarray:
    """The step per element: eps scaled by the magnitude of the element (at least eps)."""
    return eps * np.maximum(1.0, np.abs(x))


def _call_constant(f: Callable[..., Any], args: list[Any]) -> np.ndarray:
    with no_grad():
        out = f(*args)
    return np.asarray(out.data if isinstance(out, Tensor) else out, dtype=np.float64)


def _numeric_jac(f: Callable[..., Any], inputs: tuple, eps: float | None, fname: str) -> list[Any]:
    eps = DEFAULT_EPS if eps is None else float(eps)
    if not eps > 0:
        raise ValueError(f"{fname}: eps must be positive, got {eps}")
    bases = [_float_copy(x) for x in inputs]

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
        hs = _steps(b, eps).reshape(-1)
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
                f"numerical_grad: f must return one element, got shape {np.shape(_data(out))}; "
                "use numerical_jacobian for vector-valued f"
            )
        return out

    res = _numeric_jac(scalar_f, inputs, eps, "numerical_grad")
    res = [None if r is None else r.reshape(np.shape(_data(x))) for r, x in zip(res, inputs)]
    return res[0] if len(res) == 1 else tuple(res)


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


# --------------------------------------------------------------------------- gradcheck
class _Checked:
    """One tensor under check: where it lives, its float64 value, its analytic gradient."""

    __slots__ = ("name", "kind", "slot", "base", "dtype", "grad")

    def __init__(self, name: str, kind: str, slot: int, base: np.ndarray, dtype: str) -> None:
        self.name, self.kind, self.slot, self.base, self.dtype = name, kind, slot, base, dtype
        self.grad: np.ndarray | None = None


def _branches_equal(a: list, b: list) -> bool:
    if len(a) != len(b):
        return False
    return all(na == nb and np.array_equal(xa, xb) for (na, xa), (nb, xb) in zip(a, b))


class _Problem:
    """f, its inputs and parameters, evaluated with one checked tensor's value replaced."""

    def __init__(self, f: Callable[..., Any], inputs: tuple, params: list[Tensor], checked: list[_Checked],
                 reseed: Callable[[], None] | None) -> None:  # fmt: skip
        self.f, self.inputs, self.params, self.checked, self.reseed = f, inputs, params, checked, reseed
        self.u: np.ndarray | None = None  # output weights for projection mode

    def _set(self, k: int | None, value: np.ndarray | None, leaves: bool) -> list[Any]:
        """Arguments for f (fresh copies), with parameters' .data swapped in place."""
        args = list(self.inputs)
        made = []
        for j, c in enumerate(self.checked):
            arr = value if j == k else c.base.copy()
            if c.kind == "input":
                t = Tensor(arr, requires_grad=leaves, name=getattr(self.inputs[c.slot], "name", None))
                args[c.slot] = t
            else:
                t = self.params[c.slot]
                t.data = arr
                if leaves:
                    t.requires_grad = True
            made.append(t)
        self._made = made
        return args

    def phi(self, k: int | None = None, value: np.ndarray | None = None) -> tuple[float, list]:
        """<u, f> (or f) with checked tensor k set to ``value``, and the branches taken."""
        args = self._set(k, value, leaves=False)
        with no_grad(), record_branches() as log:
            if self.reseed is not None:
                self.reseed()
            out = self.f(*args)
        data = np.asarray(out.data if isinstance(out, Tensor) else out, dtype=np.float64)
        if self.u is not None:
            return float(np.sum(self.u * data)), log
        return float(data.reshape(())) if data.size == 1 else _bad_output(data.shape), log

    def analytic(self, projections: bool, rng: np.random.Generator) -> None:
        args = self._set(None, None, leaves=True)
        with enable_grad():
            if self.reseed is not None:
                self.reseed()
            out = self.f(*args)
        if not isinstance(out, Tensor):
            if np.size(out) == 1 and not projections:
                out = Tensor(np.asarray(out, dtype=np.float64))  # f ignores its inputs: gradient 0
            else:
                raise TypeError(f"gradcheck: f must return a Tensor, got {type(out).__name__}")
        if projections:
            self.u = rng.standard_normal(out.shape)
            seed = self.u.astype(out.dtype)
        else:
            if out.size != 1:
                _bad_output(out.shape)
            seed = None
        for c, g in zip(self.checked, grads_of(out, self._made, seed=seed)):
            c.grad = np.array(g.data, dtype=np.float64)


def _bad_output(shape: tuple[int, ...]) -> Any:
    raise ValueError(
        f"gradcheck: f must return a one-element Tensor, got shape {shape}; reduce it (e.g. .sum()), "
        "or pass projections=n to check <u, J v> for vector-valued f"
    )


class _Judge:
    """Compares an analytic directional derivative with finite differences of phi along a direction."""

    def __init__(self, problem: _Problem, atol: float, rtol: float, f0: float) -> None:
        self.p, self.atol, self.rtol, self.f0 = problem, atol, rtol, f0

    def _floor(self, noise: float) -> float:
        """Below this magnitude, errors are compared in absolute terms (guards |a|, |n| near 0)."""
        return (self.atol + noise) / self.rtol if self.rtol > 0 else max(self.atol + noise, 1e-300)

    def judge(self, k: int, direction: np.ndarray, h: float, a: float) -> dict:
        base = self.p.checked[k].base
        plus, minus = base + h * direction, base - h * direction
        fp, lp = self.p.phi(k, plus)
        fm, lm = self.p.phi(k, minus)
        noise = _NOISE * max(abs(fp), abs(fm), abs(self.f0)) / h
        floor = self._floor(noise)
        n = (fp - fm) / (2 * h)
        if _branches_equal(lp, lm):
            err = abs(a - n)
            rel = err / max(abs(a), abs(n), floor)
            return {"a": a, "n": n, "abs": err, "rel": rel, "kink": False, "sides": None,
                    "ok": rel <= self.rtol or err <= self.atol + noise}  # fmt: skip
        # a kink was crossed: one-sided derivatives, second order where the branch stays the same
        noise *= 4  # one-sided quotients divide by h, and the 3-point stencil weighs f by up to 4
        floor = self._floor(noise)
        fp2, lp2 = self.p.phi(k, base + 2 * h * direction)
        fm2, lm2 = self.p.phi(k, base - 2 * h * direction)
        right = (-3 * self.f0 + 4 * fp - fp2) / (2 * h) if _branches_equal(lp, lp2) else (fp - self.f0) / h
        left = (3 * self.f0 - 4 * fm + fm2) / (2 * h) if _branches_equal(lm, lm2) else (self.f0 - fm) / h
        lo, hi = min(left, right), max(left, right)
        err = max(lo - a, a - hi, 0.0)
        rel = err / max(abs(a), abs(lo), abs(hi), floor)
        return {"a": a, "n": n, "abs": err, "rel": rel, "kink": True, "sides": (left, right),
                "ok": rel <= self.rtol or err <= self.atol + noise}  # fmt: skip


def _entry(c: _Checked, size: int, results: list[tuple[Any, dict]]) -> GradcheckEntry:
    e = GradcheckEntry(name=c.name, shape=c.base.shape, dtype=c.dtype, size=size, checked=len(results))
    worst_key = None
    for index, r in results:
        e.kinks_crossed += r["kink"]
        if not r["ok"]:
            e.failures += 1
            e.kink_failures += r["kink"]
            e.failed_indices.append(index)
        e.max_abs_err = max(e.max_abs_err, r["abs"])
        e.max_rel_err = max(e.max_rel_err, r["rel"]) if np.isfinite(r["rel"]) else float("inf")
        # worst: failures first, then relative error (3 significant digits), then absolute error
        key = (not r["ok"], float(f"{r['rel']:.2e}") if np.isfinite(r["rel"]) else np.inf, r["abs"])
        if worst_key is None or key > worst_key:
            worst_key = key
            e.worst_index, e.analytic, e.numeric = index, r["a"], r["n"]
            e.one_sided = r["sides"]
    return e


def _named_params(params: Iterable[Any] | None) -> list[tuple[str, Tensor]]:
    out = []
    for j, p in enumerate(params or ()):
        if isinstance(p, tuple) and len(p) == 2 and isinstance(p[1], Tensor):
            out.append((str(p[0]), p[1]))
        elif isinstance(p, Tensor):
            out.append((p.name or f"param {j}", p))
        else:
            raise TypeError(
                f"gradcheck: params must hold Tensors or (name, Tensor) pairs; item {j} is {type(p).__name__}"
            )
    return out


def _make_reseed(reseed: bool | Callable[[], None], seed: int) -> Callable[[], None] | None:
    if callable(reseed):
        return reseed
    if reseed:
        return lambda: np.random.seed(seed)
    return None


def gradcheck(
    f: Callable[..., Any],
    *inputs: Any,
    eps: float | None = None,
    atol: float = 1e-8,
    rtol: float = 1e-5,
    params: Iterable[Any] | None = None,
    sparse: int | None = None,
    projections: int | None = None,
    seed: int = 0,
    reseed: bool | Callable[[], None] = True,
    raise_exception: bool = False,
) -> GradcheckReport:
    """Check backward's gradient of ``f(*inputs)`` against central differences, in float64.

    Every floating-point input is checked (integer inputs such as labels are passed unchanged);
    ``params`` adds tensors that f reaches through a closure (``model.named_parameters()`` or
    plain Tensors): their ``.data`` is swapped for perturbed float64 copies and the original
    arrays are put back afterwards, also when f raises.  f must return a one-element Tensor.

    ``sparse=k`` checks k random elements (seeded by ``seed``) of every tensor, biases included;
    ``projections=n`` checks n random directions per tensor, <u, J v> against the VJP (f may then
    be vector-valued).  ``reseed`` re-seeds numpy's global RNG with ``seed`` before every
    evaluation of f (or calls the function you pass), so dropout-like randomness is repeatable;
    the global RNG state is restored afterwards.  Returns a ``GradcheckReport``: truthy iff every
    tensor passed, printable as a table.  ``raise_exception=True`` raises ``GradcheckError``
    instead of returning a failing report.
    """
    eps = DEFAULT_EPS if eps is None else float(eps)
    if not eps > 0:
        raise ValueError(f"gradcheck: eps must be positive, got {eps}")
    if atol < 0 or rtol < 0:
        raise ValueError(f"gradcheck: atol and rtol must be non-negative, got atol={atol}, rtol={rtol}")
    for label, k in (("sparse", sparse), ("projections", projections)):
        if k is not None and (not isinstance(k, (int, np.integer)) or k < 1):
            raise ValueError(f"gradcheck: {label} must be a positive integer, got {k!r}")
    if sparse is not None and projections is not None:
        raise ValueError("gradcheck: choose sparse=k or projections=n, not both")

    named = _named_params(params)
    checked: list[_Checked] = []
    low_precision = []
    for i, x in enumerate(inputs):
        base = _float_copy(x)
        if base is None:
            continue
        name = (x.name if isinstance(x, Tensor) else None) or f"input {i}"
        dtype = str(np.asarray(_data(x)).dtype) if isinstance(x, (Tensor, np.ndarray, np.generic)) else "float64"
        checked.append(_Checked(name, "input", i, base, dtype))
    for j, (name, p) in enumerate(named):
        if p.dtype.kind != "f":
            raise TypeError(f"gradcheck: parameter {name!r} has dtype {p.dtype}; only floating tensors have gradients")
        checked.append(_Checked(name, "param", j, np.array(p.data, dtype=np.float64), str(p.dtype)))
    for c in checked:
        if c.dtype in ("float32", "float16"):
            low_precision.append(f"{c.name} ({c.dtype})")
    if low_precision:
        warnings.warn(
            GradcheckWarning(
                f"gradcheck: {', '.join(low_precision)} would give false alarms in low precision; the check runs "
                "on float64 copies (your tensors are not changed) -- also train/debug in float64 when in doubt"
            ),
            stacklevel=2,
        )

    ptensors = [p for _, p in named]
    saved = [(p, p.data, p.grad, p.requires_grad) for p in ptensors]
    rng_state = np.random.get_state()
    problem = _Problem(f, inputs, ptensors, checked, _make_reseed(reseed, seed))
    mode = f"sparse {sparse}" if sparse else f"projections {projections}" if projections else "all elements"
    notes = []
    try:
        rng = np.random.default_rng(seed)
        problem.analytic(projections is not None, rng)
        f0, _ = problem.phi()
        f0_again, _ = problem.phi()
        if f0 != f0_again:
            notes.append("f gave different values for the same input: its randomness is not repeatable")
            warnings.warn(
                GradcheckWarning(
                    f"gradcheck: f gave {f0!r} and then {f0_again!r} for the same input; make its randomness "
                    "repeatable (numpy's global RNG is re-seeded before each call; pass reseed=<function> for "
                    "your own generators)"
                ),
                stacklevel=2,
            )
        judge = _Judge(problem, atol, rtol, f0)
        entries = []
        for k, c in enumerate(checked):
            results = []
            g = c.grad
            if projections:
                scale = max(1.0, float(np.max(np.abs(c.base), initial=0.0)))
                for n in range(projections):
                    v = rng.standard_normal(c.base.shape)
                    results.append((f"proj {n}", judge.judge(k, v, eps * scale, float(np.sum(g * v)))))
            else:
                flat = np.arange(c.base.size)
                if sparse and sparse < c.base.size:
                    flat = np.sort(np.random.default_rng([seed, k]).choice(c.base.size, sparse, replace=False))
                hs = _steps(c.base, eps)
                for i in flat:
                    idx = np.unravel_index(i, c.base.shape)
                    e = np.zeros(c.base.shape)
                    e[idx] = 1.0
                    results.append((tuple(int(t) for t in idx), judge.judge(k, e, float(hs[idx]), float(g[idx]))))
            entries.append(_entry(c, c.base.size, results))
    finally:
        for p, data, grad, rg in saved:
            p.data, p.grad, p.requires_grad = data, grad, rg
        np.random.set_state(rng_state)
    report = GradcheckReport(entries, ToleranceSpec(eps, atol, rtol, mode), notes)
    if raise_exception and not report.passed:
        raise GradcheckError(report)
    return report
