"""The text view of a computation graph: ``format_graph(output)``, an indented tree for terminals and logs.

Also the two small helpers the drawing code shares with it: checking the outputs argument and
naming a tensor's role (input, parameter, intermediate, output).
"""

from __future__ import annotations

from collections.abc import Iterable

from .explain import constant_text, node_labels, shape_text, short_repr, summarize
from .tensor import Tensor

__all__ = ["format_graph"]

MAX_INDENT = 32  # levels of visible indentation; deeper nodes say "[depth N]" instead, keeping the text linear


def _outputs(output: Tensor | Iterable[Tensor], fn: str) -> list[Tensor]:
    if isinstance(output, Tensor):
        outs = [output]
    elif isinstance(output, (list, tuple)):
        outs = list(output)
    else:
        raise TypeError(f"{fn}: expected a Tensor or a list of Tensors, got {type(output).__name__}")
    if not outs:
        raise ValueError(f"{fn}: no outputs given")
    for o in outs:
        if not isinstance(o, Tensor):
            raise TypeError(f"{fn}: expected a Tensor or a list of Tensors, got {type(o).__name__}")
    return outs


def _role(t: Tensor, outs: set[int]) -> str:
    if id(t) in outs:
        return "output"
    if t._op is not None:
        return "intermediate"
    return "parameter" if t.requires_grad else "input"


def format_graph(output: Tensor | Iterable[Tensor], max_nodes: int | None = 200) -> str:
    """An indented text view of the graph (depth first from the outputs), for terminals and logs.

    A node used more than once is written out once and referred to as "(see above)" afterwards.
    Operation parameters are summarised (an index array shows its dtype and shape, not its elements).
    Indentation stops growing after ``MAX_INDENT`` levels; deeper lines start with ``[depth N]``, so
    the text stays linear in the number of nodes however deep the graph.
    """
    outs = _outputs(output, "format_graph")
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
        text = f"{head}  [{_role(t, out_ids)}]  {shape_text(t)}  data {summarize(t)}"
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
