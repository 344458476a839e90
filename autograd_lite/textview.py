"""The text view of a computation graph: ``format_graph(output)``, an indented tree for terminals and logs."""

from __future__ import annotations

from collections.abc import Iterable

from .graphbase import as_outputs, constant_text, node_labels, role, shape_text, short_repr, summarize
from .tensor import Tensor

__all__ = ["format_graph"]

MAX_INDENT = 32  # levels of visible indentation; deeper nodes say "[depth N]" instead, keeping the text linear


def format_graph(output: Tensor | Iterable[Tensor], max_nodes: int | None = 200) -> str:
    """An indented text view of the graph (depth first from the outputs), for terminals and logs.

    A node used more than once is written out once and referred to as "(see above)" afterwards.
    Operation parameters are summarised (an index array shows its dtype and shape, not its elements).
    Indentation stops growing after ``MAX_INDENT`` levels; deeper lines start with ``[depth N]``, so
    the text stays linear in the number of nodes however deep the graph.
    """
    outs = as_outputs(output, "format_graph")
    labels = node_labels(outs)
    out_ids = {id(o) for o in outs}
    lines: list[str] = []
    done: set[int] = set()
    stack: list[tuple[Tensor, str, str, int]] = [(o, "", "", 0) for o in reversed(outs)]
    budget = max_nodes
    while stack:
        t, prefix, branch, depth = stack.pop()
        if depth > MAX_INDENT:
            branch += f"[depth {depth}] "
        name = labels[id(t)]
        if id(t) in done:
            lines.append(f"{prefix}{branch}{name} (see above)")
            continue
        if budget is not None and len(done) >= budget:
            lines.append(f"{prefix}{branch}... {len(labels) - len(done)} more nodes")
            break
        done.add(id(t))
        head = name
        if t._op is not None:
            args = ", ".join(
                labels[id(x)] if isinstance(x, Tensor) else constant_text(t, i) for i, x in enumerate(t._inputs)
            )
            params = ", ".join(f"{k}={short_repr(v)}" for k, v in (t._params or {}).items())
            head += f" = {t._op.name}({args}{', ' + params if params else ''})"
        text = f"{head}  [{role(t, out_ids)}]  {shape_text(t)}  data {summarize(t)}"
        if t.grad is not None:
            text += f"  grad {summarize(t.grad)}"
        lines.append(prefix + branch + text)
        child_prefix = prefix
        if branch and depth < MAX_INDENT:
            child_prefix += "    " if branch.startswith("└") else "│   "
        kids = [x for x in t._inputs if isinstance(x, Tensor)]
        for j in range(len(kids) - 1, -1, -1):
            stack.append((kids[j], child_prefix, "└── " if j == len(kids) - 1 else "├── ", depth + 1))
    return "\n".join(lines)
