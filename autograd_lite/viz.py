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

from .explain import backward_trace, node_labels, shape_text, summarize
from .render import find_renderer, render_bytes
from .tensor import Tensor
from .textview import _outputs, _role, format_graph

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


def grad_health(g: Any, vanishing: float = 1e-7, exploding: float = 1e3) -> str:
    """Classify a gradient: "nonfinite", "zero", "vanishing", "exploding" or "ok"."""
    a = np.asarray(g.data if isinstance(g, Tensor) else g)
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
    parts: list[str] = []
    for k, v in params.items():
        if v is None or v is False:
            continue  # defaults: axis=None, keepdims=False
        r = repr(v)
        parts.append(f"{k}={r if len(r) <= 24 else r[:21] + '...'}")
    return "\n" + ", ".join(parts) if parts else ""


def _leaf_scopes(shown: list[Tensor]) -> dict[int, tuple]:
    """Leaves made outside any scope (a module's parameters) go where all their consumers are."""
    found: dict[int, tuple | None] = {}
    for t in shown:
        if t._op is None:
            continue
        for x in t._inputs:
            if isinstance(x, Tensor) and x._op is None and not x._scope:
                k = id(x)
                found[k] = t._scope if k not in found or found[k] == t._scope else None
    return {k: sc for k, sc in found.items() if sc}


def to_dot(
    output: Tensor | Iterable[Tensor],
    *,
    direction: str = "TB",
    show_grad: bool = True,
    edge_grads: bool = False,
    health: bool = False,
    clusters: bool = True,
    collapse: bool | str | Iterable[str] = False,
    max_nodes: int | None = 500,
    max_depth: int | None = None,
    hide_constants: bool = False,
    legend: bool = True,
    vanishing: float = 1e-7,
    exploding: float = 1e3,
) -> str:
    """DOT text for the graph that computed ``output`` (a Tensor or a list of them).

    ``direction``: "TB" (top to bottom) or "LR".  ``show_grad``: show ``.grad`` where computed.
    ``edge_grads``: label every edge with the gradient it carries downstream (recomputed from the
    rules, seeded with each output's ``.grad`` or ones).  ``health``: colour nodes' borders by
    gradient health (NaN/Inf, all-zero, below ``vanishing``, above ``exploding``).  ``clusters``:
    group nodes by ``ag.scope``; ``collapse``: True for every top-level scope, or scope paths, each
    drawn as one box.  ``max_nodes`` / ``max_depth`` (steps from the outputs) cut the drawing,
    leaving a "... N more" stub.  ``hide_constants``: leave out raw numbers and arrays.
    """
    outs = _outputs(output, "to_dot")
    direction = str(direction).upper()
    if direction not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"to_dot: direction must be 'TB' or 'LR' (or 'BT', 'RL'), got {direction!r}")
    for name, v in (("max_nodes", max_nodes), ("max_depth", max_depth)):
        if v is not None and (not isinstance(v, (int, np.integer)) or v < 0):
            raise ValueError(f"to_dot: {name} must be a non-negative int or None, got {v!r}")
    shown, hidden = _collect(outs, max_nodes, max_depth)
    out_ids = {id(o) for o in outs}
    labels = node_labels(outs)
    trace = None
    if edge_grads and any(o.requires_grad for o in outs):
        seeds = [o.grad.data if o.grad is not None else None for o in outs]
        trace = backward_trace(outs, seeds)

    # which scopes collapse: scope tuple prefixes
    if collapse is True:
        collapsed = {t._scope[:1] for t in shown if t._scope}
    elif collapse is False or collapse is None:
        collapsed = set()
    else:
        items = [collapse] if isinstance(collapse, str) else list(collapse)
        collapsed = {tuple(str(c).split("/")) for c in items}
    box_of: dict[tuple, str] = {}
    box_count: dict[str, int] = {}

    def where(scope: tuple) -> tuple[tuple, str | None]:
        if not clusters:
            return (), None
        for n in range(1, len(scope) + 1):
            if scope[:n] in collapsed:
                key = box_of.setdefault(scope[:n], f"box{len(box_of)}")
                return scope[: n - 1], key
        return scope, None

    nodes: dict[tuple, list[str]] = {}  # scope -> node statements
    edges: list[str] = []
    edge_set: set[tuple[str, str]] = set()

    def add_node(key: str, scope: tuple, stmt: str) -> str:
        sc, box = where(scope)
        if box is not None:
            box_count[box] = box_count.get(box, 0) + 1
            return box
        nodes.setdefault(sc, []).append(f"\t{key} {stmt}\n")
        return key

    def add_edge(a: str, b: str, attrs: str = "") -> None:
        if a == b:
            return
        if a.startswith("box") or b.startswith("box"):
            if (a, b) in edge_set:
                return
            edge_set.add((a, b))
            attrs = ""
        edges.append(f"\t{a} -> {b}{' [' + attrs + ']' if attrs else ''}\n")

    home = _leaf_scopes(shown)
    tkey: dict[int, str] = {}
    for k, t in enumerate(shown):
        role = _role(t, out_ids)
        rows = [f'<TR><TD><B>{_h(labels[id(t)])}</B> <FONT POINT-SIZE="9">{role}</FONT></TD></TR>']
        rows.append(f'<TR><TD><FONT POINT-SIZE="10">{_h(shape_text(t))}</FONT></TD></TR>')
        rows.append(f"<TR><TD>data {_h(summarize(t))}</TD></TR>")
        border, colour = 1, "#555555"
        if show_grad and t.grad is not None:
            state = grad_health(t.grad, vanishing, exploding) if health else "ok"
            if state != "ok":
                border, colour = 4, HEALTH_COLOURS[state]
                rows.append(f'<TR><TD><FONT COLOR="{colour}">grad {_h(summarize(t.grad))} ({state})</FONT></TD></TR>')
            else:
                rows.append(f"<TR><TD>grad {_h(summarize(t.grad))}</TD></TR>")
        table = (
            f'<<TABLE BORDER="{border}" COLOR="{colour}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2" '
            f'BGCOLOR="{ROLE_COLOURS[role]}">{"".join(rows)}</TABLE>>'
        )
        tkey[id(t)] = add_node(f"t{k}", home.get(id(t), t._scope), f"[label={table} shape=plain]")
    stub = None
    if hidden:
        stub = "more"
        nodes.setdefault((), []).append(
            f'\tmore [label="... {hidden} more node{"s" if hidden != 1 else ""}" shape=note style=dashed]\n'
        )
    for k, t in enumerate(shown):
        op = t._op
        if op is None:
            continue
        consts = []
        if hide_constants:
            consts = [summarize(x) for x in t._inputs if not isinstance(x, Tensor) and np.size(x) == 1]
        label = op.name + (" " + ", ".join(consts) if consts else "") + _params_text(t._params)
        okey = add_node(f"o{k}", t._scope, f'[label={_q(label)} shape=ellipse style=filled fillcolor="{OP_COLOUR}"]')
        add_edge(okey, tkey[id(t)])
        for i, x in enumerate(t._inputs):
            if isinstance(x, Tensor):
                src = tkey.get(id(x), stub)
                if src is None:
                    continue
                attrs = ""
                if trace is not None and src != stub and (id(t), i) in trace.edges:
                    text = summarize(trace.edges[(id(t), i)])
                    attrs = f'label={_q(text)} fontcolor="{EDGE_GRAD_COLOUR}"'
                add_edge(src, okey, attrs)
            elif not hide_constants:
                ckey = add_node(
                    f"c{k}_{i}", t._scope,
                    f'[label={_q(summarize(x))} shape=box style="rounded,filled" fillcolor="{CONST_COLOUR}"]',
                )  # fmt: skip
                add_edge(ckey, okey)
    for scope, key in box_of.items():
        sc = scope[:-1]
        n = box_count.get(key, 0)
        nodes.setdefault(sc, []).append(
            f"\t{key} [label={_q('/'.join(scope) + f' ({n} nodes, collapsed)')} shape=box3d style=filled "
            f'fillcolor="#e8e8ff"]\n'
        )
    return "".join(_dot_lines(nodes, edges, direction, legend, health))


def _dot_lines(nodes: dict[tuple, list[str]], edges: list[str], direction: str, legend: bool, health: bool) -> list:
    lines = [
        "digraph autograd {\n",
        f'\trankdir={direction} fontname="Helvetica"\n',
        '\tnode [fontname="Helvetica" fontsize=11]\n',
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
        lines.append(f'\tsubgraph cluster_s{k} {{\n\tlabel={_q(sc[-1])} style="rounded,dashed" color="#888888"\n')
        lines += nodes.get(sc, [])
    lines += ["\t}\n"] * len(stack)
    lines += edges
    if legend:
        lines.append('\tsubgraph cluster_legend {\n\tlabel="legend" style=dotted\n')
        for role, colour in ROLE_COLOURS.items():
            lines.append(f'\tlegend_{role} [label="{role}" shape=box style=filled fillcolor="{colour}"]\n')
        if health:
            for state, colour in HEALTH_COLOURS.items():
                lines.append(f'\tlegend_{state} [label="grad {state}" shape=box color="{colour}" penwidth=4]\n')
        lines.append("\t}\n")
    lines.append("}\n")
    return lines


class Graph(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose ``pipe``/``render`` (and so Jupyter's inline display) use the
    renderer ``render.find_renderer`` picks: the system ``dot`` or ``graphviz-pure``."""

    def pipe(self, format: str | None = None, renderer: str | None = None, formatter: str | None = None,  # noqa: A002
             neato_no_op: Any = None, quiet: bool = False, *, engine: str | None = None,
             encoding: str | None = None) -> bytes | str:  # fmt: skip
        data = render_bytes(self.source, format or self.format or "svg")
        return data.decode(encoding) if encoding else data

    def render(self, filename: Any = None, directory: Any = None, view: bool = False, cleanup: bool = False,
               format: str | None = None, renderer: str | None = None, formatter: str | None = None,  # noqa: A002
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


def draw_graph(output: Tensor | Iterable[Tensor], format: str = "svg", **options: Any) -> Graph:  # noqa: A002
    """The graph as a ``graphviz.Digraph`` (shows inline in Jupyter; ``.render()``, ``.pipe()``).

    Takes ``to_dot``'s options.  Raises ``RendererNotFound`` now, with the fixes, when no renderer
    is available (``to_dot`` and ``format_graph`` need none).
    """
    find_renderer()
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
