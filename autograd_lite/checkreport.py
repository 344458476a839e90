"""What a gradient check tells its user: one entry per checked tensor, printed as a table.

The verdict bands are the lecture's, on the relative error |a - n| / max(|a|, |n|):
> 1e-2 wrong; 1e-2..1e-4 suspicious; 1e-4..1e-7 acceptable (expected only with kinks);
< 1e-7 good.  Whether a tensor *passes* is decided by the check's own tolerances (``rtol``),
and by the one-sided test at every kink crossed; a tensor that fails is never called
"acceptable" or "good" (its verdict then reads "fails rtol"), and a NaN error reads "nan", "wrong".
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "GradcheckEntry",
    "GradcheckReport",
    "GradcheckError",
    "GradcheckWarning",
    "ToleranceSpec",
    "band",
]


class GradcheckError(AssertionError):
    """Raised by ``gradcheck(..., raise_exception=True)``; the message is the report's table."""

    def __init__(self, report: GradcheckReport) -> None:
        super().__init__(str(report))
        self.report = report


class GradcheckWarning(UserWarning):
    """A gradient check whose result may mislead: float32 inputs, or an f that is not repeatable."""


@dataclass(frozen=True)
class ToleranceSpec:
    eps: float
    atol: float
    rtol: float
    mode: str  # "elements", "sparse k", or "projections n"


def band(rel_err: float) -> str:
    """The lecture's verdict for a relative error."""
    if not rel_err <= 1e-2:  # NaN counts as wrong
        return "wrong"
    if rel_err > 1e-4:
        return "suspicious"
    if rel_err > 1e-7:
        return "acceptable"
    return "good"


@dataclass
class GradcheckEntry:
    """The check of one input or parameter tensor.

    ``worst_index`` is the element (a numpy index tuple) -- or, in projection mode, the number
    of the random direction -- with the largest relative error; ``analytic`` and ``numeric`` are
    the two values there (for a kink crossed, ``numeric`` is the central difference and
    ``one_sided`` the (left, right) derivatives).
    """

    name: str
    shape: tuple[int, ...]
    dtype: str
    size: int
    checked: int
    max_abs_err: float = 0.0
    max_rel_err: float = 0.0
    worst_index: Any = None
    analytic: float | None = None
    numeric: float | None = None
    one_sided: tuple[float, float] | None = None
    kinks_at_once: int = 0  # how many kinks the worst element's x +/- h crossed together
    kinks_crossed: int = 0
    kink_failures: int = 0
    failures: int = 0
    failed_indices: list = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.failures == 0

    @property
    def band(self) -> str:
        """The lecture's band of ``max_rel_err`` -- but a failed tensor is never "acceptable" or
        "good": with a tight rtol its error can fall in those bands, and then it reads "fails rtol"."""
        verdict = band(self.max_rel_err)
        if not self.passed and verdict in ("acceptable", "good"):
            return "fails rtol"
        return verdict

    def __bool__(self) -> bool:
        return self.passed


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.4e}"


def _fmt_err(v: float) -> str:
    return f"{v:.1e}"


def _fmt_index(i: Any) -> str:
    if i is None:
        return "-"
    if isinstance(i, str):
        return i
    return "(" + ", ".join(str(int(k)) for k in i) + (",)" if len(i) == 1 else ")")


class GradcheckReport:
    """The result of ``gradcheck``: truthy iff every checked tensor passed; prints as a table."""

    def __init__(self, entries: list[GradcheckEntry], spec: ToleranceSpec, notes: list[str] | None = None) -> None:
        self.entries = entries
        self.spec = spec
        self.notes = list(notes or [])

    @property
    def passed(self) -> bool:
        return all(e.passed for e in self.entries)

    def __bool__(self) -> bool:
        return self.passed

    def __getitem__(self, name: str) -> GradcheckEntry:
        for e in self.entries:
            if e.name == name:
                return e
        raise KeyError(f"gradcheck report: no tensor named {name!r} (have {[e.name for e in self.entries]})")

    def __repr__(self) -> str:
        failed = sum(not e.passed for e in self.entries)
        state = "passed" if self.passed else "FAILED"
        return f"<GradcheckReport {state}: {len(self.entries)} tensors, {failed} failed>"

    HEADER = ("tensor", "shape", "dtype", "checked", "max abs err", "max rel err", "worst at", "analytic", "numeric",
              "kinks", "verdict", "result")  # fmt: skip

    def _headline(self) -> str:
        s = self.spec
        failed = [e for e in self.entries if not e.passed]
        head = "passed" if not failed else f"FAILED ({len(failed)} of {len(self.entries)} tensors)"
        return (
            f"gradcheck {head}: float64 central differences, eps={s.eps:g}, atol={s.atol:g}, rtol={s.rtol:g}, {s.mode}"
        )

    def _rows(self) -> list[list[str]]:
        """One row of text cells per checked tensor (the same cells both views show)."""
        rows = []
        for e in self.entries:
            kinks = str(e.kinks_crossed) + (f" ({e.kink_failures} failed)" if e.kink_failures else "")
            rows.append([
                e.name, str(e.shape), e.dtype, f"{e.checked}/{e.size}", _fmt_err(e.max_abs_err),
                _fmt_err(e.max_rel_err), _fmt_index(e.worst_index), _fmt(e.analytic), _fmt(e.numeric),
                kinks, e.band, "pass" if e.passed else "FAIL",
            ])  # fmt: skip
        return rows

    def _notes(self) -> list[str]:
        """The lines under the table: kinks crossed, failed elements, the verdict bands, the check's notes."""
        lines = []
        for e in self.entries:
            if e.one_sided is not None:
                lo, hi = e.one_sided
                lines.append(
                    f"{e.name} {_fmt_index(e.worst_index)}: a kink was crossed there; one-sided derivatives "
                    f"left {lo:.4e}, right {hi:.4e}, analytic {_fmt(e.analytic)}"
                )
                if e.kinks_at_once > 1 and not e.passed:
                    lines.append(f"  {e.kinks_at_once} kinks were crossed at once: when they bend opposite ways,")
                    lines.append("  the one-sided bounds can exclude a correct subgradient; re-check off the kinks")
            if e.failures > 1:
                shown = ", ".join(_fmt_index(i) for i in e.failed_indices[:8])
                more = " ..." if e.failures > 8 else ""
                lines.append(f"{e.name}: {e.failures} elements failed: {shown}{more}")
        if any(e.kinks_crossed for e in self.entries):
            lines.append("kinks: elements where f(x+h) and f(x-h) took different branches of relu/max/maximum/where;")
            lines.append("       judged by one-sided differences: pass when the analytic value lies between them")
        lines.append(
            "verdict (relative error): > 1e-2 wrong, 1e-2..1e-4 suspicious, 1e-4..1e-7 acceptable (kinks), < 1e-7 good"
        )
        if any(e.band == "fails rtol" for e in self.entries):
            lines.append("fails rtol: the error is above your rtol, though small by the lecture's bands")
        return lines + self.notes

    def __str__(self) -> str:
        rows = [list(self.HEADER), *self._rows()]
        widths = [max(len(r[c]) for r in rows) for c in range(len(self.HEADER))]
        lines = [self._headline()]
        lines += ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
        return "\n".join(lines + ["  " + n for n in self._notes()])

    def _repr_html_(self) -> str:
        """The report as an HTML table (Jupyter shows it instead of the one-line repr)."""
        esc = html.escape
        head = "".join(f"<th>{esc(c)}</th>" for c in self.HEADER)
        body = "".join(
            f'<tr style="color:{"inherit" if e.passed else "#b00020"}">'
            + "".join(f"<td>{esc(c)}</td>" for c in r)
            + "</tr>"
            for e, r in zip(self.entries, self._rows())
        )
        notes = "".join(f"<li>{esc(n.strip())}</li>" for n in self._notes())
        return (
            f"<table><caption>{esc(self._headline())}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table><ul>{notes}</ul>"
        )
