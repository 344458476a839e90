"""Drawing computation graphs: DOT text, rendered pictures (SVG/PNG/PDF, inline in Jupyter) and a
text view for terminals.

``to_dot`` needs nothing but this package; ``draw_graph`` / ``save_graph`` lay the DOT out with the
renderer found by ``render.py`` (system ``dot``, else ``graphviz-pure`` from PyPI).  Every tensor is
a node showing its name (or a generated ``v<k>``), shape and dtype, value and gradient; every
recorded operation is an ellipse naming its primitive.  Roles (input, parameter, constant,
intermediate, output) are fill colours with a legend; gradient health (NaN/Inf, all-zero,
vanishing, exploding) colours the node's border.  Nodes made inside ``ag.scope(...)`` are grouped
into clusters, which can be collapsed to one box each.  All traversals are iterative.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import graphviz
import numpy as np

from .arguments import data_of
from .graphbase import (
    Trace,
    as_outputs,
    backward_trace,
    constant_text,
    node_labels,
    role,
    shape_text,
    short_repr,
    summarize,
)
from .render import find_renderer, render_bytes
from .tensor import Tensor
from .textview import format_graph

__all__ = ["Graph", "draw_graph", "format_graph", "grad_health", "save_graph", "to_dot"]

ROLE_COLOURS = {
    "input": "#d6eaff",
    "parameter": "#ffe3b0",
    "constant": "#eeeeee",
    "intermediate": "#ffffff",
    "output": "#c9f0d2",
}
HEALTH_COLOURS = {
    "nonfinite": "#d62728",  # NaN or Inf somewhere in the gradient
    "zero": "#9467bd",  # exactly zero everywhere, e.g. a dead ReLU
    "vanishing": "#17becf",  # largest magnitude below `vanishing`
    "exploding": "#ff7f0e",  # largest magnitude above `exploding`
}
OP_COLOUR = "#f2f2f2"
CONST_COLOUR = ROLE_COLOURS["constant"]
EDGE_GRAD_COLOUR = "#b03a2e"
INLINE_MAX_NODES = 80  # draw_graph (Jupyter's inline picture) cuts here; to_dot and save_graph at 500
AUTO_NODES = 60  # "auto": beyond this many drawn nodes, constants fold into their op and repeats collapse
CHAR_EM = 0.62  # a character's width in ems that boxes leave room for: Helvetica's digits are 0.56,
# those of the fonts a browser or renderer falls back to (DejaVu Sans, Verdana) up to 0.64


def grad_health(g: Any, vanishing: float = 1e-7, exploding: float = 1e3) -> str:
    """Classify a gradient: "nonfinite", "zero", "vanishing", "exploding" or "ok"."""
    a = np.asarray(data_of(g))
    if a.size == 0:
        return "ok"
    if not np.all(np.isfinite(a)):
        return "nonfinite"
    biggest = float(np.max(np.abs(a)))
    if biggest == 0:
        return "zero"
    if biggest < vanishing:
        return "vanishing"
    if biggest > exploding:
        return "exploding"
    return "ok"


def _collect(outs: list[Tensor], max_nodes: int | None, max_depth: int | None) -> tuple[list[Tensor], int]:
    """Breadth-first from the outputs: the tensors to show (a prefix of BFS order) and how many are hidden."""
    order: list[Tensor] = []
    depth: list[int] = []
    seen: set[int] = set()
    for o in outs:
        if id(o) not in seen:
            seen.add(id(o))
            order.append(o)
            depth.append(0)
    head = 0
    while head < len(order):
        t, d = order[head], depth[head]
        head += 1
        for x in t._inputs:
            if isinstance(x, Tensor) and id(x) not in seen:
                seen.add(id(x))
                order.append(x)
                depth.append(d + 1)
    n = len(order)
    if max_depth is not None:
        n = next((k for k, d in enumerate(depth) if d > max_depth), n)
    if max_nodes is not None:
        n = min(n, max(max_nodes, len(outs)))
    return order[:n], len(order) - n


def _q(text: str) -> str:
    """A DOT double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _h(text: str) -> str:
    """Text escaped for an HTML-like label."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _params_text(params: dict | None) -> str:
    if not params:
        return ""
    parts = [f"{k}={short_repr(v)}" for k, v in params.items() if v is not None and v is not False]
    return "\n" + ", ".join(parts) if parts else ""  # None / False are the defaults (axis, keepdims)


def _leaf_scopes(shown: list[Tensor]) -> dict[int, tuple]:
    """Parameters made outside any scope (a module's) go where all their consumers are; inputs stay out."""
    found: dict[int, tuple | None] = {}
    for t in shown:
        if t._op is None:
            continue
        for x in t._inputs:
            if isinstance(x, Tensor) and x._op is None and x.requires_grad and not x._scope:
                k = id(x)
                found[k] = t._scope if k not in found or found[k] == t._scope else None
    return {k: sc for k, sc in found.items() if sc}


def _kind(part: str) -> str:
    """What a scope is an instance of: ``Linear`` for a module's ``0: Linear(2, 100)``; a plain name itself."""
    return part.split(": ", 1)[-1].split("(", 1)[0]


def _answers_to(part: str, wanted: str) -> bool:
    """A scope matches its full text or its short name: ``0: Linear(2, 100)`` answers to ``0``, ``MLP()`` to ``MLP``."""
    return wanted in (part, part.split(": ", 1)[0] if ": " in part else part.split("(", 1)[0])


def _repeats(shown: list[Tensor]) -> set[tuple]:
    """Scopes repeating a sibling's structure (same kind, same operations): all but the first in
    forward order, which stays open to show what the others hold."""
    ops: dict[tuple, dict[str, int]] = {}
    first: dict[tuple, int] = {}  # scope -> its largest breadth-first index: the earliest in forward order
    for k, t in enumerate(shown):
        for n in range(1, len(t._scope) + 1):
            p = t._scope[:n]
            counts = ops.setdefault(p, {})
            if t._op is not None:
                counts[t._op.name] = counts.get(t._op.name, 0) + 1
            first[p] = k
    groups: dict[tuple, list[tuple]] = {}
    for p, counts in ops.items():
        if counts:
            groups.setdefault((p[:-1], _kind(p[-1]), frozenset(counts.items())), []).append(p)
    out: set[tuple] = set()
    for members in groups.values():
        members.sort(key=lambda p: -first[p])
        out.update(members[1:])
    return out


def _collapsed(collapse: bool | str | Iterable[str], shown: list[Tensor], many: bool) -> set[tuple]:
    """The scope paths drawn as one box each."""
    if collapse == "auto":
        return _repeats(shown) if many else set()
    if collapse is False or collapse is None:
        return set()
    present = {t._scope[:n] for t in shown for n in range(1, len(t._scope) + 1)}
    if collapse is True:
        return {p for p in present if len(p) == 1}
    wanted = [tuple(str(c).split("/")) for c in ([collapse] if isinstance(collapse, str) else collapse)]
    return {p for p in present for w in wanted if len(p) == len(w) and all(map(_answers_to, p, w))}


def _tensor_node(t: Tensor, name: str, role: str, show_grad: bool, health: bool, vanishing: float,
                 exploding: float) -> str:  # fmt: skip
    """A tensor's HTML-table label: name and role, shape and dtype, data, gradient; its width leaves
    room for fonts wider than the layout's Helvetica metrics (``CHAR_EM``)."""
    shape, data = shape_text(t), f"data {summarize(t)}"
    texts = [(11 * len(name) + 9 * (len(role) + 1)), 10 * len(shape), 11 * len(data)]
    title = f"<B>{_h(name)}</B>" + (f' <FONT POINT-SIZE="9">{role}</FONT>' if role != name else "")
    rows = [title, f'<FONT POINT-SIZE="10">{_h(shape)}</FONT>', _h(data)]
    border, colour = 1, "#555555"
    if show_grad and t.grad is not None:
        state = grad_health(t.grad, vanishing, exploding) if health else "ok"
        grad = f"grad {summarize(t.grad)}"
        if state != "ok":
            border, colour = 4, HEALTH_COLOURS[state]
            grad += f" ({state})"
            rows.append(f'<FONT COLOR="{colour}">{_h(grad)}</FONT>')
        else:
            rows.append(_h(grad))
        texts.append(11 * len(grad))
    width = int(CHAR_EM * max(texts)) + 6
    cells = f'<TR><TD WIDTH="{width}">{rows[0]}</TD></TR>' + "".join(f"<TR><TD>{r}</TD></TR>" for r in rows[1:])
    return (
        f'[label=<<TABLE BORDER="{border}" COLOR="{colour}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2" '
        f'BGCOLOR="{ROLE_COLOURS[role]}">{cells}</TABLE>> shape=plain]'
    )


def _edge_label(text: str, direction: str) -> str:
    """An edge's gradient, set off from its edge by a spacer cell (beside it in top-to-bottom
    drawings, under it in left-to-right ones), on white so that crossing lines do not hide it."""
    cell = f'<TD BGCOLOR="#ffffff"><FONT COLOR="{EDGE_GRAD_COLOUR}">{_h(text)}</FONT></TD>'
    across = direction in ("LR", "RL")
    rows = f'<TR>{cell}</TR><TR><TD HEIGHT="10"></TD></TR>' if across else f'<TR><TD WIDTH="8"></TD>{cell}</TR>'
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLPADDING="1" CELLSPACING="0">{rows}</TABLE>>'


def to_dot(
    output: Tensor | Iterable[Tensor],
    *,
    direction: str = "TB",
    show_grad: bool = True,
    edge_grads: bool = False,
    health: bool = False,
    clusters: bool = True,
    collapse: bool | str | Iterable[str] = "auto",
    max_nodes: int | None = 500,
    max_depth: int | None = None,
    hide_constants: bool | str = "auto",
    legend: bool = True,
    vanishing: float = 1e-7,
    exploding: float = 1e3,
) -> str:
    """DOT text for the graph that computed ``output`` (a Tensor or a list of them).

    ``direction``: "TB" (top to bottom) or "LR".  ``show_grad``: show ``.grad`` where computed.
    ``edge_grads``: label every edge with the gradient it carries downstream (recomputed from the
    rules, seeded with each output's ``.grad`` or ones).  ``health``: colour nodes' borders by
    gradient health (NaN/Inf, all-zero, below ``vanishing``, above ``exploding``).  ``clusters``:
    group nodes by ``ag.scope``; ``collapse``: True for every top-level scope, or scope paths
    (``"MLP/0"``: a module answers to its name), each drawn as one box; "auto" (the default), in
    drawings of more than ``AUTO_NODES`` nodes, collapses the scopes that repeat a sibling's
    structure (layers 2, 3, ... of a stack; the first stays open).  ``max_nodes`` / ``max_depth``
    (steps from the outputs) cut the drawing, leaving a "... N more" stub.  ``hide_constants``:
    True writes raw numbers and arrays into their operation's ellipse instead of drawing them;
    "auto" does so in drawings of more than ``AUTO_NODES`` nodes.  Constants are labelled by their
    role where it can be told (softmax's "-max shift").
    """
    outs = as_outputs(output, "to_dot")
    direction = _checked_options(direction, max_nodes, max_depth, hide_constants)
    shown, hidden = _collect(outs, max_nodes, max_depth)
    many = len(shown) + sum(t._op is not None for t in shown) > AUTO_NODES
    trace = None
    if edge_grads and any(o.requires_grad for o in outs):
        trace = backward_trace(outs, [o.grad.data if o.grad is not None else None for o in outs])
    dot = _Dot(_collapsed(collapse, shown, many) if clusters else None)
    tkey = dot.add_tensors(shown, outs, show_grad, health, vanishing, exploding)
    stub = dot.add_stub(hidden)
    fold = hide_constants is True or (hide_constants == "auto" and many)
    for k, t in enumerate(shown):
        if t._op is not None:
            dot.add_op(k, t, tkey, stub, fold, trace, direction)
    dot.add_boxes()
    return "".join(_dot_lines(dot.nodes, dot.edges, direction, legend, health))


def _checked_options(direction: str, max_nodes: Any, max_depth: Any, hide_constants: Any) -> str:
    """to_dot's options checked (a clear error naming the bad one); the direction in capitals."""
    direction = str(direction).upper()
    if direction not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"to_dot: direction must be 'TB' or 'LR' (or 'BT', 'RL'), got {direction!r}")
    for name, v in (("max_nodes", max_nodes), ("max_depth", max_depth)):
        if v is not None and (not isinstance(v, (int, np.integer)) or v < 0):
            raise ValueError(f"to_dot: {name} must be a non-negative int or None, got {v!r}")
    if not (isinstance(hide_constants, bool) or hide_constants == "auto"):
        raise ValueError(f"to_dot: hide_constants must be True, False or 'auto', got {hide_constants!r}")
    return direction


class _Dot:
    """The DOT statements of one drawing, per cluster, with collapsed scopes drawn as one box each.

    ``collapsed``: the scope paths drawn as boxes; None when clusters are off (everything at top level).
    """

    def __init__(self, collapsed: set[tuple] | None) -> None:
        self.clusters = collapsed is not None
        self.collapsed = collapsed or set()
        self.nodes: dict[tuple, list[str]] = {}  # scope -> node statements
        self.edges: list[str] = []
        self.edge_set: set[tuple[str, str]] = set()
        self.box_of: dict[tuple, str] = {}
        self.box_count: dict[str, int] = {}

    def where(self, scope: tuple, keep: bool = False) -> tuple[tuple, str | None]:
        """The cluster a node is drawn in, and the collapsed box standing for it (None: drawn itself)."""
        if not self.clusters:
            return (), None
        for n in range(1, len(scope) + 1):
            if scope[:n] in self.collapsed:
                if keep:  # an output stays visible, next to the box it comes out of
                    return scope[: n - 1], None
                key = self.box_of.setdefault(scope[:n], f"box{len(self.box_of)}")
                return scope[: n - 1], key
        return scope, None

    def add_node(self, key: str, scope: tuple, stmt: str, keep: bool = False) -> str:
        """Add a node statement; returns the key edges should use (the node's, or its box's)."""
        sc, box = self.where(scope, keep)
        if box is not None:
            self.box_count[box] = self.box_count.get(box, 0) + 1
            return box
        self.nodes.setdefault(sc, []).append(f"\t{key} {stmt}\n")
        return key

    def add_edge(self, a: str, b: str, attrs: str = "") -> None:
        if a == b:
            return
        if a.startswith("box") or b.startswith("box"):
            if (a, b) in self.edge_set:
                return
            self.edge_set.add((a, b))
            attrs = ""
        self.edges.append(f"\t{a} -> {b}{' [' + attrs + ']' if attrs else ''}\n")

    def add_tensors(self, shown: list[Tensor], outs: list[Tensor], show_grad: bool, health: bool,
                    vanishing: float, exploding: float) -> dict[int, str]:  # fmt: skip
        """A node per tensor; ``id(tensor) -> key`` of the node (or box) standing for it."""
        out_ids = {id(o) for o in outs}
        labels = node_labels(outs)
        home = _leaf_scopes(shown)
        tkey: dict[int, str] = {}
        for k, t in enumerate(shown):
            stmt = _tensor_node(t, labels[id(t)], role(t, out_ids), show_grad, health, vanishing, exploding)
            tkey[id(t)] = self.add_node(f"t{k}", home.get(id(t), t._scope), stmt, keep=id(t) in out_ids)
        return tkey

    def add_stub(self, hidden: int) -> str | None:
        """The "... N more nodes" note standing for what max_nodes/max_depth cut (None: nothing cut)."""
        if not hidden:
            return None
        self.nodes.setdefault((), []).append(
            f'\tmore [label="... {hidden} more node{"s" if hidden != 1 else ""}" shape=note style=dashed]\n'
        )
        return "more"

    def add_op(self, k: int, t: Tensor, tkey: dict[int, str], stub: str | None, fold: bool, trace: Trace | None,
               direction: str) -> None:  # fmt: skip
        """The ellipse of the operation that made ``t``, its edges, and its constant inputs."""
        op = t._op
        assert op is not None
        consts = [i for i, x in enumerate(t._inputs) if not isinstance(x, Tensor)]
        folded = " " + ", ".join(constant_text(t, i) for i in consts) if fold and consts else ""
        label = op.name + folded + _params_text(t._params)
        okey = self.add_node(
            f"o{k}", t._scope, f'[label={_q(label)} shape=ellipse style=filled fillcolor="{OP_COLOUR}"]'
        )
        self.add_edge(okey, tkey[id(t)])
        for i, x in enumerate(t._inputs):
            if isinstance(x, Tensor):
                src = tkey.get(id(x), stub)
                if src is None:
                    continue
                attrs = ""
                if trace is not None and src != stub and (id(t), i) in trace.edges:
                    attrs = f"label={_edge_label(summarize(trace.edges[(id(t), i)]), direction)}"
                self.add_edge(src, okey, attrs)
            elif not fold:
                text = constant_text(t, i)
                if np.size(x) > 6 and not text.startswith("-max"):
                    text = f"{np.shape(x)}\n{summarize(x)}"
                style = f'shape=box style="rounded,filled" fillcolor="{CONST_COLOUR}"'
                self.add_edge(self.add_node(f"c{k}_{i}", t._scope, f"[label={_q(text)} {style}]"), okey)

    def add_boxes(self) -> None:
        """One box per collapsed scope, saying how many nodes it stands for."""
        for scope, key in self.box_of.items():
            text = f"{scope[-1]}\n({self.box_count.get(key, 0)} nodes, collapsed)"
            self.nodes.setdefault(scope[:-1], []).append(
                f'\t{key} [label={_q(text)} shape=box3d style=filled fillcolor="#e8e8ff"]\n'
            )


def _legend(direction: str, health: bool) -> str:
    """One small table node: a row of role colours (a column in left-to-right drawings)."""
    cells = [f'<TD BGCOLOR="{c}"><FONT POINT-SIZE="9">{r}</FONT></TD>' for r, c in ROLE_COLOURS.items()]
    if health:
        cells += [
            f'<TD BORDER="3" COLOR="{c}"><FONT POINT-SIZE="9">grad {s}</FONT></TD>' for s, c in HEALTH_COLOURS.items()
        ]
    rows = "".join(f"<TR>{c}</TR>" for c in cells) if direction in ("LR", "RL") else f"<TR>{''.join(cells)}</TR>"
    return (
        '\tlegend [shape=plain label=<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="2" CELLPADDING="3" '
        f'COLOR="#777777">{rows}</TABLE>>]\n'
    )


def _dot_lines(nodes: dict[tuple, list[str]], edges: list[str], direction: str, legend: bool, health: bool) -> list:
    lines = [
        "digraph autograd {\n",
        f'\trankdir={direction} fontname="Helvetica"\n',
        '\tnode [fontname="Helvetica" fontsize=11 margin="0.16,0.06"]\n',
        '\tedge [fontname="Helvetica" fontsize=9]\n',
    ]
    # nested clusters: sorted scope paths come in depth-first order; a stack tracks the open ones
    paths = set()
    for sc in nodes:
        for n in range(1, len(sc) + 1):
            paths.add(sc[:n])
    lines += nodes.get((), [])
    stack: list[tuple] = []
    for k, sc in enumerate(sorted(paths)):
        while stack and sc[: len(stack[-1])] != stack[-1]:
            stack.pop()
            lines.append("\t}\n")
        stack.append(sc)
        style = 'labeljust=l style="rounded,dashed" color="#888888"'  # the label at the left, clear of edges
        lines.append(f"\tsubgraph cluster_s{k} {{\n\tlabel={_q(sc[-1])} {style}\n")
        lines += nodes.get(sc, [])
    lines += ["\t}\n"] * len(stack)
    lines += edges
    if legend:
        lines.append(_legend(direction, health))
    lines.append("}\n")
    return lines


class Graph(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose ``pipe``/``render`` (and so Jupyter's inline display) use the
    renderer ``render.find_renderer`` picks: the system ``dot`` or ``graphviz-pure``."""

    def pipe(self, format: str | None = None, renderer: str | None = None, formatter: str | None = None,
             neato_no_op: Any = None, quiet: bool = False, *, engine: str | None = None,
             encoding: str | None = None) -> bytes | str:  # fmt: skip
        data = render_bytes(self.source, format or self.format or "svg")
        return data.decode(encoding) if encoding else data

    def render(self, filename: Any = None, directory: Any = None, view: bool = False, cleanup: bool = False,
               format: str | None = None, renderer: str | None = None, formatter: str | None = None,
               neato_no_op: Any = None, quiet: bool = False, quiet_view: bool = False, *, outfile: Any = None,
               engine: str | None = None, raise_if_result_exists: bool = False,
               overwrite_source: bool = False) -> str:  # fmt: skip
        if outfile is not None:
            out = Path(outfile)
            fmt = format or out.suffix.lstrip(".") or self.format
            source_path = self.save(filename, directory=directory) if filename is not None else None
        else:
            fmt = format or self.format
            source_path = self.save(filename, directory=directory)
            out = Path(f"{source_path}.{fmt}")
        if raise_if_result_exists and out.exists():
            raise FileExistsError(f"render: {out} exists")
        out.write_bytes(render_bytes(self.source, fmt))
        if cleanup and source_path is not None:
            os.remove(source_path)
        if view or quiet_view:
            graphviz.view(str(out), quiet=quiet_view)
        return str(out)


def draw_graph(output: Tensor | Iterable[Tensor], format: str = "svg", **options: Any) -> Graph:
    """The graph as a ``graphviz.Digraph`` (shows inline in Jupyter; ``.render()``, ``.pipe()``).

    Takes ``to_dot``'s options; ``max_nodes`` defaults to ``INLINE_MAX_NODES`` (80) here, so a big
    graph shown inline stays legible (pass ``max_nodes=None`` for all of it).  Raises
    ``RendererNotFound`` now, with the fixes, when no renderer is available (``to_dot`` and ``format_graph`` need none).
    """
    find_renderer()
    options.setdefault("max_nodes", INLINE_MAX_NODES)
    text = to_dot(output, **options)
    g = Graph(name="autograd", format=format)
    g.body = text.splitlines(keepends=True)[1:-1]  # without "digraph autograd {" and "}"
    return g


def save_graph(output: Tensor | Iterable[Tensor], path: str | os.PathLike, **options: Any) -> Path:
    """Write the drawing to ``path``; the suffix picks the format: .svg .png .pdf (rendered), .dot/.gv (text)."""
    p = Path(path)
    fmt = p.suffix.lower().lstrip(".")
    if fmt in ("dot", "gv"):
        p.write_text(to_dot(output, **options), encoding="utf-8")
        return p
    if fmt not in ("svg", "png", "pdf"):
        raise ValueError(f"save_graph: cannot tell the format from {str(path)!r}; use .svg, .png, .pdf, .dot or .gv")
    find_renderer()
    p.write_bytes(render_bytes(to_dot(output, **options), fmt))
    return p
