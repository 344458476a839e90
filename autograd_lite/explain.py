"""The backward pass, edge by edge: ``explain(output)`` tabulates the chain rule as the slides do.

For every edge of the graph, in the order backward visits them: the node, its op, the upstream
gradient arriving at it, the local gradient of the op with respect to that input, and the product
sent downstream ("upstream times local"); where a value fans out to several consumers, a row
showing the sum of what they sent ("the copy gate adds").  Scalars show numbers; tensors show
shapes and short summaries.

Nothing here touches ``.grad``: the trace (``graphbase.backward_trace``) recomputes the gradients
from each node's own rule on raw arrays, iteratively (``ag.toposort``), so it works before or
after ``backward()`` and on million-node chains.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .arguments import data_of
from .engine import Primitive, split_doc
from .graphbase import as_outputs, backward_trace, data_array, node_labels, summarize
from .tensor import Tensor

__all__ = ["Explanation", "ExplainRow", "explain"]

TEXT_WIDTH = 120  # the text table wraps its cells to stay within this many characters a line


def _cell(x: Any) -> str:
    a = data_array(x)
    return summarize(a) if a.size == 1 else f"{tuple(a.shape)} {summarize(a)}"


@dataclass
class ExplainRow:
    """One step of the walk.  ``kind`` is "edge" (upstream x local = downstream) or "sum" (fan-out)."""

    kind: str
    node: str  # the node the gradient arrives at (edge) / the value that fans out (sum)
    op: str
    upstream: np.ndarray | None
    local: np.ndarray | None  # None when the local Jacobian is not a same-shape array
    downstream: np.ndarray
    target: str  # the input receiving the downstream gradient (edge); the parts (sum)
    note: str
    terms: list[np.ndarray] = field(default_factory=list)  # the summed contributions (sum rows)


def _local(node: Tensor, i: int, args: list) -> np.ndarray | None:
    """The local derivative d node / d input i as an array of the input's shape -- where there is
    one: scalars, and elementwise primitives whose input has the output's shape."""
    out, op, x = np.asarray(node.data), node._op, args[i]
    if op is None or not (out.size == 1 and np.size(x) == 1) and not (op.elementwise and np.shape(x) == out.shape):
        return None
    with np.errstate(all="ignore"):
        gi = op.vjp(i, np.ones_like(out), node.data, args, node._params)
    return None if gi is None else np.asarray(gi)


def _why(op: Primitive, i: int) -> str:
    """The table entry's math for input ``i``: ``"a * b:  d/db = a  (mul swaps the inputs)"``."""
    forward = split_doc(op.doc)[0]
    rule = op.rule_doc(i)
    return f"{forward}:  {rule}" if forward and rule else rule


class Explanation:
    """The chain-rule table: ``str()`` is text, ``_repr_html_`` an HTML table (Jupyter)."""

    COLUMNS = ("#", "node", "op", "upstream", "local", "downstream", "to", "why")

    def __init__(self, rows: list[ExplainRow], outputs: list[str]) -> None:
        self.rows = rows
        self.outputs = outputs

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def table(self) -> list[tuple[str, ...]]:
        """The rows as text cells (the same cells both views show); tensors get their shape first."""
        summarize = _cell
        cells: list[tuple[str, ...]] = []
        for k, r in enumerate(self.rows, 1):
            if r.kind == "sum":
                terms = " + ".join(summarize(t) for t in r.terms)
                cells.append((str(k), r.node, "copy", terms, "", summarize(r.downstream), r.target, r.note))
            else:
                up = "" if r.upstream is None else summarize(r.upstream)
                local = "(see why)" if r.local is None else summarize(r.local)
                cells.append((str(k), r.node, r.op, up, local, summarize(r.downstream), r.target, r.note))
        return cells

    def __str__(self) -> str:
        head = f"backward pass of {', '.join(self.outputs)}: downstream = upstream x local, fan-outs add"
        return "\n".join([head, *_text_table(self.COLUMNS, self.table(), TEXT_WIDTH)])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        esc = html.escape
        head = "".join(f"<th>{esc(c)}</th>" for c in self.COLUMNS)
        body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in self.table())
        caption = esc(f"backward pass of {', '.join(self.outputs)}")
        return f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _text_table(header: Sequence[str], rows: list[tuple[str, ...]], width: int) -> list[str]:
    """Rows as aligned columns within ``width`` characters: when too wide, the last column goes on
    a line of its own under its row, then the widest columns wrap their cells onto more lines."""
    last_apart = sum(max(len(r[c]) for r in [header, *rows]) + 2 for c in range(len(header))) > width
    cols = len(header) - 1 if last_apart else len(header)
    widths = [max(len(r[c]) for r in [header[:cols], *(r[:cols] for r in rows)]) for c in range(cols)]
    while sum(widths) + 2 * (cols - 1) > width and max(widths) > 8:
        widths[widths.index(max(widths))] -= 1
    lines: list[str] = []
    for j, r in enumerate([header, *rows]):
        cells = [textwrap.wrap(r[c], widths[c], break_on_hyphens=False) or [""] for c in range(cols)]
        for k in range(max(len(c) for c in cells)):
            lines.append("  ".join((c[k] if k < len(c) else "").ljust(w) for c, w in zip(cells, widths)).rstrip())
        if j == 0:
            if last_apart:
                lines.append("      " + header[-1])
            lines.append("  ".join("-" * w for w in widths))
        elif last_apart and r[-1]:
            lines += textwrap.wrap(r[-1], width, initial_indent="      ", subsequent_indent="        ")
    return lines


def explain(output: Tensor | Iterable[Tensor], grad: Any = None) -> Explanation:
    """Walk the backward pass of ``output`` in topological order and tabulate every edge.

    ``grad``: the upstream gradient of the output (default ones, i.e. d output / d output = 1).
    Does not change any ``.grad``.
    """
    outputs = as_outputs(output, "explain")
    for o in outputs:
        if not o.requires_grad:
            raise ValueError("explain: the output does not require grad, so there is no backward pass to explain")
    seeds = None if grad is None else [grad] * len(outputs)
    trace = backward_trace(outputs, seeds)
    labels = node_labels(outputs)
    rows: list[ExplainRow] = []
    for node in trace.order:
        parts = trace.parts.get(id(node), [])
        name = labels[id(node)]
        if len(parts) > 1:
            rows.append(
                ExplainRow(
                    "sum", name, "copy", None, None, trace.grads[id(node)],
                    "from " + ", ".join(labels[c] for c, _ in parts),
                    "copy adds: a value used twice sums its gradients",
                    terms=[trace.edges[p] for p in parts],
                )
            )  # fmt: skip
        op = node._op
        g = trace.grads.get(id(node))
        if op is None or g is None:
            continue
        args = [data_of(x) for x in node._inputs]
        for i, x in enumerate(node._inputs):
            if (id(node), i) not in trace.edges:
                continue
            rows.append(
                ExplainRow(
                    "edge", name, op.name, g, _local(node, i, args),
                    trace.edges[(id(node), i)], labels[id(x)], _why(op, i),
                )
            )  # fmt: skip
    return Explanation(rows, [labels[id(o)] for o in outputs])
