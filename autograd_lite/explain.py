"""The backward pass, edge by edge: ``explain(output)`` tabulates the chain rule as the slides do.

For every edge of the graph, in the order backward visits them: the node, its op, the upstream
gradient arriving at it, the local gradient of the op with respect to that input, and the product
sent downstream ("upstream times local"); where a value fans out to several consumers, a row
showing the sum of what they sent ("the copy gate adds").  Scalars show numbers; tensors show
shapes and short summaries.

This module also holds what the drawing code shares with it: the names given to unnamed nodes
(``node_labels``), the per-edge gradients (``backward_trace``) and the value summaries
(``summarize``).  Nothing here touches ``.grad``: the trace recomputes the gradients from each
node's own rule on raw arrays, iteratively (``ag.toposort``), so it works before or after
``backward()`` and on million-node chains.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .engine import Primitive, split_doc, toposort
from .tensor import Tensor

__all__ = ["Explanation", "ExplainRow", "backward_trace", "explain", "node_labels", "short_repr", "summarize"]

TEXT_WIDTH = 120  # the text table wraps its cells to stay within this many characters a line


def _arr(x: Any) -> np.ndarray:
    return np.asarray(x.data if isinstance(x, Tensor) else x)


def summarize(x: Any, precision: int = 4) -> str:
    """A short text for a value: the number for one element, a preview or min/mean/max otherwise."""
    a = _arr(x)
    # + 0.0 turns -0.0 into 0.0: a relu gradient g * (x > 0) with g < 0 prints 0, not -0
    if a.size == 1:
        v = a.reshape(()).item()
        return f"{v + 0.0:.{precision}g}" if isinstance(v, float) else str(v)
    if a.size == 0:
        return f"empty {a.shape}"
    if a.size <= 6:
        a = a + 0.0 if a.dtype.kind == "f" else a
        return np.array2string(a, precision=3, separator=", ", max_line_width=10**6).replace("\n", "")
    if not np.issubdtype(a.dtype, np.number):
        return f"{a.dtype} {a.shape}"
    finite = np.isfinite(a)
    text = ""
    if finite.any():
        f = a[finite].astype(np.float64)
        text = f"min {f.min() + 0.0:.4g} mean {f.mean() + 0.0:.4g} max {f.max() + 0.0:.4g}"
    bad = a.size - int(finite.sum())
    if bad:
        text += f"{' ' if text else ''}({bad} NaN/Inf)"
    return text


def _cell(x: Any) -> str:
    a = _arr(x)
    return summarize(a) if a.size == 1 else f"{tuple(a.shape)} {summarize(a)}"


def short_repr(v: Any, width: int = 24) -> str:
    """An operation parameter as short text: arrays (an index array, say) by dtype and shape, never
    their elements; tuples item by item; anything else its repr, cut at ``width`` characters."""
    if isinstance(v, np.ndarray):
        return f"{v.dtype}{list(v.shape)}" if v.size > 6 else summarize(v)
    if isinstance(v, tuple):
        inner = ", ".join(short_repr(x, width) for x in v)
        return f"({inner}{',' if len(v) == 1 else ''})"
    r = repr(v)
    return r if len(r) <= width else r[: width - 3] + "..."


def constant_role(node: Tensor, i: int) -> str | None:
    """What a constant input of ``node`` is for, when a composite's own constant can be told:
    the ``-max`` shift softmax and log_softmax add for stability (an array equal to minus the
    input's max along the axes where it has length 1), and mean's ``1/n`` factor after a sum."""
    c, op = node._inputs[i], node._op
    if op is None or len(node._inputs) != 2 or not isinstance(node._inputs[1 - i], Tensor):
        return None
    x = node._inputs[1 - i]
    if op.name == "mul" and np.ndim(c) == 0 and x._op is not None and x._op.name == "sum":
        n = np.size(x._inputs[0]) // max(x.size, 1)
        return f"1/{n} (mean)" if n > 1 and float(c) == 1.0 / n else None
    if op.name != "add" or not (isinstance(c, np.ndarray) and c.size and c.ndim == x.ndim and x.size):
        return None
    axes = tuple(k for k in range(c.ndim) if c.shape[k] == 1 and x.shape[k] != 1)
    if not axes or any(c.shape[k] != x.shape[k] for k in range(c.ndim) if k not in axes):
        return None
    with np.errstate(all="ignore"):
        m = np.max(x.data, axis=axes, keepdims=True)
        return "-max shift" if np.array_equal(c, -np.where(np.isfinite(m), m, 0)) else None


def constant_text(node: Tensor, i: int) -> str:
    """A constant input of ``node`` as short text: its role when known, its value when small, else its shape."""
    role = constant_role(node, i)
    if role:
        return role
    c = np.asarray(node._inputs[i])
    return summarize(c) if c.size <= 6 else f"const{list(c.shape)}"


def shape_text(x: Any) -> str:
    a = _arr(x)
    return f"{'scalar' if a.ndim == 0 else tuple(a.shape)} {a.dtype}"


def node_labels(outputs: Sequence[Tensor]) -> dict[int, str]:
    """``id(tensor) -> label`` for every tensor reachable from ``outputs``: its name, or ``v<k>``.

    ``k`` counts tensors breadth-first from the outputs, so labels are stable for a given graph.
    """
    labels: dict[int, str] = {}
    queue = list(outputs)
    head = 0
    for t in queue:
        labels.setdefault(id(t), "")
    while head < len(queue):
        t = queue[head]
        labels[id(t)] = t.name or f"v{head}"
        head += 1
        for x in t._inputs:
            if isinstance(x, Tensor) and id(x) not in labels:
                labels[id(x)] = ""
                queue.append(x)
    return labels


@dataclass
class Trace:
    """Per-node total gradients and per-edge contributions from one backward walk."""

    order: list[Tensor]  # consumers before producers (ag.toposort)
    grads: dict[int, np.ndarray]  # id(node) -> d(outputs)/d(node), all contributions summed
    edges: dict[tuple[int, int], np.ndarray]  # (id(consumer), input position) -> gradient sent
    parts: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # id(node) -> edges into it


def backward_trace(outputs: Sequence[Tensor], seeds: Sequence[Any] | None = None) -> Trace:
    """Recompute the backward pass of ``outputs`` keeping every edge's gradient (raw arrays).

    ``seeds`` are the upstream gradients of the outputs (default: ones).  Applies each node's
    rules through ``Primitive.vjp``, reduced to each input's shape exactly as backward does.
    """
    outputs = list(outputs)
    grads: dict[int, np.ndarray] = {}
    for k, o in enumerate(outputs):
        seed = np.ones_like(_arr(o)) if seeds is None or seeds[k] is None else np.asarray(_arr(seeds[k]))
        grads[id(o)] = grads[id(o)] + seed if id(o) in grads else seed
    order = toposort(*[o for o in outputs if o.requires_grad])
    edges: dict[tuple[int, int], np.ndarray] = {}
    parts: dict[int, list[tuple[int, int]]] = {}
    with np.errstate(all="ignore"):
        for node in order:
            g = grads.get(id(node))
            op = node._op
            if g is None or op is None:
                continue
            args = [x.data if isinstance(x, Tensor) else x for x in node._inputs]
            for i, x in enumerate(node._inputs):
                if not (isinstance(x, Tensor) and x.requires_grad):
                    continue
                gi = op.vjp(i, g, node.data, args, node._params)
                if gi is None:  # not differentiable
                    continue
                gi = np.asarray(gi)
                edges[(id(node), i)] = gi
                parts.setdefault(id(x), []).append((id(node), i))
                grads[id(x)] = grads[id(x)] + gi if id(x) in grads else gi
    return Trace(order, grads, edges, parts)


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
    outputs = [output] if isinstance(output, Tensor) else list(output)
    for o in outputs:
        if not isinstance(o, Tensor):
            raise TypeError(f"explain: expected Tensors, got {type(o).__name__}")
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
        args = [x.data if isinstance(x, Tensor) else x for x in node._inputs]
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
