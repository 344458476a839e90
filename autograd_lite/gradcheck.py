"""gradcheck: the analytic gradient (backward) against finite differences, as a readable report.

Per input and per parameter, element by element (or ``sparse=k`` sampled elements, or
``projections=n`` random directions <u, J v> against the VJP), in float64.  Every evaluation runs
inside ``record_branches()``: when f(x+h) and f(x-h) took different branches at some
relu/maximum/max/where (a "winner" changed), the element is "kink crossed" and is judged by
one-sided differences instead -- it passes when the analytic value lies between the left and
right derivatives.  Tolerances are never loosened for it.  (The finite differences and the
judging live in ``numerical.py``; the report table in ``checkreport.py``.)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .arguments import data_of, named_tensors
from .checkreport import GradcheckEntry, GradcheckError, GradcheckReport, GradcheckWarning, ToleranceSpec
from .engine import enable_grad, gradients, no_grad, record_branches
from .numerical import (
    DEFAULT_EPS,
    Judge,
    Verdict,
    float_copy,
    judge_tensor,
    nanmax_err,
    numerical_grad,
    numerical_jacobian,
    same_value,
)
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


# --------------------------------------------------------------------------- gradcheck
class _Checked:
    """One tensor under check: where it lives, its float64 value, its analytic gradient."""

    __slots__ = ("name", "kind", "slot", "base", "dtype", "grad")

    def __init__(self, name: str, kind: str, slot: int, base: np.ndarray, dtype: str) -> None:
        self.name, self.kind, self.slot, self.base, self.dtype = name, kind, slot, base, dtype
        self.grad: np.ndarray | None = None


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
            try:
                out = self.f(*args)
            except RuntimeError as e:
                if str(e).startswith("backward:"):  # the engine's refusal under no_grad: not the user's doing
                    raise _calls_backward("a tensor it made") from None
                raise
        data = np.asarray(data_of(out), dtype=np.float64)
        if self.u is not None:
            return float(np.sum(self.u * data)), log
        return float(data.reshape(())) if data.size == 1 else _bad_output(data.shape), log

    def analytic(self, projections: bool, rng: np.random.Generator) -> None:
        args = self._set(None, None, leaves=True)
        for t in self._made:
            t.grad = None  # parameters' own gradients are put back afterwards
        with enable_grad():
            if self.reseed is not None:
                self.reseed()
            out = self.f(*args)
        touched = [c.name for c, t in zip(self.checked, self._made) if t.grad is not None]
        if touched:
            raise _calls_backward(", ".join(touched))
        if isinstance(out, (int, float, complex, np.number, np.ndarray)):
            raise TypeError(
                f"gradcheck: f returned a plain {type(out).__name__} ({np.asarray(out).ravel()[:3].tolist()}), "
                "not a Tensor, so no gradient can reach the inputs; return the Tensor itself (not .item(), "
                "float(...) or a numpy function of .data)"
            )
        if not isinstance(out, Tensor):
            raise TypeError(f"gradcheck: f must return a Tensor, got {type(out).__name__}")
        if projections:
            self.u = rng.standard_normal(out.shape)
            seed = self.u.astype(out.dtype)
        else:
            if out.size != 1:
                _bad_output(out.shape)
            seed = None
        for c, g in zip(self.checked, gradients(out, self._made, seed, allow_constant=True)):
            c.grad = np.array(g.data, dtype=np.float64)


def _calls_backward(what: str) -> RuntimeError:
    return RuntimeError(
        f"gradcheck: f called .backward() itself (it set the gradient of {what}); f must only compute and "
        "return its value -- gradcheck runs backward, and evaluates f again under no_grad for the differences"
    )


def _bad_output(shape: tuple[int, ...]) -> Any:
    raise ValueError(
        f"gradcheck: f must return a one-element Tensor, got shape {shape}; reduce it (e.g. .sum()), "
        "or pass projections=n to check <u, J v> for vector-valued f"
    )


def _entry(c: _Checked, results: list[tuple[Any, Verdict]]) -> GradcheckEntry:
    e = GradcheckEntry(name=c.name, shape=c.base.shape, dtype=c.dtype, size=c.base.size, checked=len(results))
    for index, r in results:
        e.kinks_crossed += r.kink
        if not r.ok:
            e.failures += 1
            e.kink_failures += r.kink
            e.failed_indices.append(index)
        e.max_abs_err = nanmax_err(e.max_abs_err, r.abs_err)
        e.max_rel_err = nanmax_err(e.max_rel_err, r.rel_err)
    if results:
        index, worst = max(results, key=lambda ir: ir[1].badness)  # the first of equals, as before
        e.worst_index, e.analytic, e.numeric = index, worst.analytic, worst.numeric
        e.one_sided, e.kinks_at_once = worst.sides, worst.kinks_at_once
    return e


def _named_params(params: Iterable[Any] | None) -> list[tuple[str, Tensor]]:
    out: list[tuple[str, Tensor]] = []
    seen: set[int] = set()
    for j, (name, t) in enumerate(named_tensors(params or (), "gradcheck", unnamed="param {}")):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"gradcheck: params must hold Tensors or (name, Tensor) pairs; item {j} is {type(t).__name__}"
            )
        if id(t) not in seen:  # a tensor listed twice (shared weights) is checked once
            seen.add(id(t))
            out.append((name, t))
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
    eps = _validated_options(eps, atol, rtol, sparse, projections)
    named = _named_params(params)
    checked = _checked_tensors(inputs, named)
    _warn_low_precision(checked)
    ptensors = [p for _, p in named]
    saved = [(p, p.data, p.grad, p.requires_grad) for p in ptensors]
    rng_state = np.random.get_state()
    problem = _Problem(f, inputs, ptensors, checked, _make_reseed(reseed, seed))
    try:
        rng = np.random.default_rng(seed)
        problem.analytic(projections is not None, rng)
        f0, notes = _first_value(problem)
        judge = Judge(atol, rtol)
        entries = [
            _check_tensor(problem, judge, k, f0, eps, sparse, projections, seed, rng) for k in range(len(checked))
        ]
    finally:
        for p, data, grad, rg in saved:
            p.data, p.grad, p.requires_grad = data, grad, rg
        np.random.set_state(rng_state)
    mode = f"sparse {sparse}" if sparse else f"projections {projections}" if projections else "all elements"
    report = GradcheckReport(entries, ToleranceSpec(eps, atol, rtol, mode), notes)
    if raise_exception and not report.passed:
        raise GradcheckError(report)
    return report


# --------------------------------------------------------------------------- gradcheck's steps
def _validated_options(
    eps: float | None, atol: float, rtol: float, sparse: int | None, projections: int | None
) -> float:
    """The step to use, after checking every option (a clear error naming the bad one)."""
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
    return eps


def _checked_tensors(inputs: tuple, named: list[tuple[str, Tensor]]) -> list[_Checked]:
    """Every floating input (integer ones, such as labels, pass unchanged), then every parameter."""
    checked: list[_Checked] = []
    for i, x in enumerate(inputs):
        base = float_copy(x)
        if base is None:
            continue
        name = (x.name if isinstance(x, Tensor) else None) or f"input {i}"
        data = data_of(x)
        dtype = str(np.asarray(data).dtype) if isinstance(data, (np.ndarray, np.generic)) else "float64"
        checked.append(_Checked(name, "input", i, base, dtype))
    for j, (name, p) in enumerate(named):
        if p.dtype.kind != "f":
            raise TypeError(f"gradcheck: parameter {name!r} has dtype {p.dtype}; only floating tensors have gradients")
        checked.append(_Checked(name, "param", j, np.array(p.data, dtype=np.float64), str(p.dtype)))
    return checked


def _warn_low_precision(checked: list[_Checked]) -> None:
    low_precision = [f"{c.name} ({c.dtype})" for c in checked if c.dtype in ("float32", "float16")]
    if low_precision:
        warnings.warn(
            GradcheckWarning(
                f"gradcheck: {', '.join(low_precision)} would give false alarms in low precision; the check runs "
                "on float64 copies (your tensors are not changed) -- also train/debug in float64 when in doubt"
            ),
            stacklevel=3,
        )


def _first_value(problem: _Problem) -> tuple[float, list[str]]:
    """f at the unperturbed point, and a note (and a warning) when a second call gives another value."""
    f0, _ = problem.phi()
    f0_again, _ = problem.phi()
    if same_value(f0, f0_again):
        return f0, []
    warnings.warn(
        GradcheckWarning(
            f"gradcheck: f gave {f0!r} and then {f0_again!r} for the same input; make its randomness "
            "repeatable (numpy's global RNG is re-seeded before each call; pass reseed=<function> for "
            "your own generators)"
        ),
        stacklevel=3,
    )
    return f0, ["f gave different values for the same input: its randomness is not repeatable"]


def _check_tensor(problem: _Problem, judge: Judge, k: int, f0: float, eps: float, sparse: int | None,
                  projections: int | None, seed: int, rng: np.random.Generator) -> GradcheckEntry:  # fmt: skip
    """Checked tensor k: every element, ``sparse`` sampled ones, or ``projections`` random directions."""
    c = problem.checked[k]
    assert c.grad is not None  # problem.analytic() filled it in

    def phi(value: np.ndarray) -> tuple[float, list]:
        return problem.phi(k, value)

    elements = None
    if sparse and sparse < c.base.size:
        elements = np.sort(np.random.default_rng([seed, k]).choice(c.base.size, sparse, replace=False))
    results = judge_tensor(judge, phi, c.base, f0, c.grad, eps, rng, elements=elements, projections=projections,
                           label="proj")  # fmt: skip
    return _entry(c, results)
