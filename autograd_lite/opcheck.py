"""Auditing a recorded graph op by op: ``check_graph`` finds the primitive whose rule is wrong.

``gradcheck`` says *that* a gradient is wrong; ``check_graph(output)`` says *where*.  It walks the
graph (``toposort``), and at every node checks each input's rule, applied through the primitive's
own ``vjp(i, ...)`` -- at the values that node actually received, with a random upstream
gradient u -- against central differences of ``op.forward`` alone:
<u, F(x + h d) - F(x - h d)> / 2h versus <rule(u), d>, element by element for small inputs and
along random directions d for large ones.  ``Primitive.vjp`` reduces the rule's gradient to the
input's shape exactly as backward does, so rules need not handle broadcasting here either.
Kinks are handled as in gradcheck, from the primitive's ``branch`` function.  The report names
the first node (in forward order) that disagrees: op, tensor name and shape, input, error.
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass
from typing import Any

import numpy as np

from .arguments import data_of
from .engine import GradientShapeError, toposort
from .numerical import DEFAULT_EPS, Judge, Verdict, judge_tensor, nanmax_err
from .tensor import Tensor

__all__ = ["check_graph", "GraphCheckReport", "NodeFailure"]


@dataclass
class NodeFailure:
    """One rule that disagrees with finite differences of its primitive."""

    op: str
    node: str  # the tensor's name, or "node k" (k counts nodes in forward order from 0)
    scope: str
    shape: tuple[int, ...]
    input_index: int
    input_shape: tuple[int, ...]
    max_abs_err: float
    max_rel_err: float
    worst: Any
    analytic: float | None
    numeric: float | None
    message: str = ""
    rule: str = ""  # the rule's math, from the primitive's doc ("d/db = a^T @ g")

    def __str__(self) -> str:
        where = f" in scope {self.scope!r}" if self.scope else ""
        rule = f" [{self.rule}]" if self.rule else ""
        head = (
            f"op {self.op!r} at {self.node} (shape {self.shape}){where}: the rule for input {self.input_index}"
            f"{rule} (shape {self.input_shape})"
        )
        if self.message:
            return f"{head} {self.message}"
        return (
            f"{head} disagrees with finite differences of {self.op}'s forward: max abs err {self.max_abs_err:.1e}, "
            f"max rel err {self.max_rel_err:.1e}; worst at {self.worst}: rule {self.analytic:.6g}, "
            f"numeric {self.numeric:.6g}"
        )


class GraphCheckReport:
    """The result of ``check_graph``: truthy iff every rule agreed; ``.failure`` is the first one."""

    def __init__(self, checked: int, failures: list[NodeFailure], skipped: list[str]) -> None:
        self.checked = checked
        self.failures = failures
        self.skipped = skipped

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def failure(self) -> NodeFailure | None:
        return self.failures[0] if self.failures else None

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"<GraphCheckReport {'passed' if self.passed else 'FAILED'}: {self.checked} nodes checked>"

    def __str__(self) -> str:
        if self.passed:
            lines = [f"check_graph passed: the rules of all {self.checked} nodes agree with finite differences"]
        else:
            lines = [
                f"check_graph FAILED: {len(self.failures)} of {self.checked} nodes disagree; "
                "the first, in forward order:",
                "  " + str(self.failures[0]),
            ]
            lines += ["  also: " + str(f) for f in self.failures[1:4]]
            if len(self.failures) > 4:
                lines.append(f"  ... and {len(self.failures) - 4} more")
        lines += ["  skipped: " + s for s in self.skipped]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """The report as an HTML table of the disagreeing rules, forward order (Jupyter shows it)."""
        esc = html.escape
        state = "passed" if self.passed else "FAILED"
        head = f"check_graph {state}: {len(self.failures)} of {self.checked} nodes disagree"
        cols = ("op", "node", "scope", "shape", "input", "rule", "max abs err", "max rel err", "worst at", "rule gives",
                "numeric", "message")  # fmt: skip
        rows = [
            (f.op, f.node, f.scope, str(f.shape), f"{f.input_index} {f.input_shape}", f.rule, f"{f.max_abs_err:.1e}",
             f"{f.max_rel_err:.1e}", str(f.worst), "-" if f.analytic is None else f"{f.analytic:.6g}",
             "-" if f.numeric is None else f"{f.numeric:.6g}", f.message)
            for f in self.failures
        ]  # fmt: skip
        body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows)
        skipped = "".join(f"<li>skipped: {esc(s)}</li>" for s in self.skipped)
        return (
            f"<table><caption>{esc(head)}</caption><thead><tr>{''.join(f'<th>{c}</th>' for c in cols)}</tr></thead>"
            f"<tbody>{body}</tbody></table>" + (f"<ul>{skipped}</ul>" if skipped else "")
        )


def _as64(x: Any) -> Any:
    data = data_of(x)
    if isinstance(data, (np.ndarray, np.generic)) and data.dtype.kind == "f":
        return np.array(data, dtype=np.float64)
    return data


def _check_input(
    node: Tensor,
    i: int,
    args: list,
    u: np.ndarray,
    judge: Judge,
    eps: float,
    max_elements: int,
    projections: int,
    rng: np.random.Generator,
) -> _InputCheck | str | None:
    """Check one input's rule: its verdicts, an error message, or None (no rule)."""
    op, params = node.op, node.params
    if not op.differentiable[0 if op.variadic else i]:
        return None
    base = args[i]
    out = np.asarray(op.forward(*args, **params), dtype=np.float64)
    try:
        g = op.vjp(i, u, out, args, params)  # reduced to the input's shape, as backward does
    except GradientShapeError as e:
        return f"returned a gradient of the wrong shape: {e}"
    except Exception as e:  # a broken rule is what we are looking for: report it, don't crash
        return f"raised {type(e).__name__}: {e}"
    if g is None:
        return "returned None for an input that requires grad"
    g = np.asarray(data_of(g), dtype=np.float64)

    def phi(value: np.ndarray) -> tuple[float, list]:
        a = list(args)
        a[i] = value
        y = op.forward(*a, **params)
        log = [] if op.branch is None else [(op.name, np.asarray(op.branch(y, *a, **params)))]
        return float(np.sum(u * np.asarray(y, dtype=np.float64))), log

    base = np.asarray(base, dtype=np.float64)
    f0 = phi(base)[0]
    by_direction = base.size > max_elements
    return _InputCheck(
        judge_tensor(judge, phi, base, f0, g, eps, rng, projections=projections if by_direction else None)
    )


@dataclass(frozen=True)
class _InputCheck:
    """The verdicts on one input's rule, per element or direction."""

    results: list[tuple[Any, Verdict]]

    @property
    def ok(self) -> bool:
        return all(r.ok for _, r in self.results)

    def failure(self, fail: NodeFailure) -> NodeFailure:
        """``fail`` with the errors and the worst element filled in."""
        worst_index, worst = max(self.results, key=lambda ir: ir[1].badness)
        fail.max_abs_err = functools.reduce(nanmax_err, (r.abs_err for _, r in self.results), 0.0)
        fail.max_rel_err = functools.reduce(nanmax_err, (r.rel_err for _, r in self.results), 0.0)
        fail.worst, fail.analytic, fail.numeric = worst_index, worst.analytic, worst.numeric
        return fail


def check_graph(
    output: Tensor,
    *,
    eps: float | None = None,
    atol: float = 1e-8,
    rtol: float = 1e-5,
    seed: int = 0,
    max_elements: int = 64,
    projections: int = 4,
) -> GraphCheckReport:
    """Check every recorded node's gradient rules against finite differences of its primitive.

    Inputs with at most ``max_elements`` elements are checked element by element, larger ones
    along ``projections`` random directions.  Evaluation is in float64 at the values each node
    received.  Returns a ``GraphCheckReport`` (truthy iff all rules agree) naming the first
    node, in forward order, whose rule disagrees.
    """
    if not isinstance(output, Tensor):
        raise TypeError(f"check_graph: expected the Tensor a computation produced, got {type(output).__name__}")
    if output.op is None:
        raise ValueError(
            "check_graph: this tensor was not produced by a recorded operation (a leaf, or computed under "
            "no_grad() or from inputs that do not require grad); nothing to check"
        )
    eps = DEFAULT_EPS if eps is None else float(eps)
    judge = Judge(atol, rtol)
    rng = np.random.default_rng(seed)
    failures: list[NodeFailure] = []
    skipped: list[str] = []
    order = [n for n in reversed(toposort(output)) if n.op is not None]
    for k, node in enumerate(order):
        op = node.op
        label = repr(node.name) if node.name else f"node {k}"
        args = [_as64(x) for x in node.inputs]
        out = np.asarray(op.forward(*args, **node.params))
        if out.dtype != np.float64:
            skipped.append(f"{op.name} at {label}: its output is {out.dtype} even for float64 inputs")
            continue
        u = rng.standard_normal(out.shape)
        for i, x in enumerate(node.inputs):
            if not (isinstance(x, Tensor) and x.requires_grad):
                continue
            r = _check_input(node, i, args, u, judge, eps, max_elements, projections, rng)
            if r is None or (isinstance(r, _InputCheck) and r.ok):
                continue
            fail = NodeFailure(op.name, label, node.scope, node.shape, i, x.shape, np.inf, np.inf, None, None, None,
                               rule=op.rule_doc(i))  # fmt: skip
            if isinstance(r, str):
                fail.message = r
            else:
                fail = r.failure(fail)
            failures.append(fail)
    return GraphCheckReport(len(order) - len(skipped), failures, skipped)
