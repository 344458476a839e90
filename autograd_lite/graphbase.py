"""What the graph tools share: walking a graph's outputs, naming its nodes, summarising values.

``viz`` (the drawing), ``textview`` (the text view) and ``explain`` (the backward pass edge by
edge) all build on this module and on nothing private of each other: the outputs argument
(``as_outputs``), a tensor's role (``role``), the labels of unnamed nodes (``node_labels``), the
short texts for values, shapes, parameters and constants (``summarize``, ``shape_text``,
``short_repr``, ``constant_text``), and the per-edge gradients of a backward walk
(``backward_trace``).  Nothing here touches ``.grad``; every walk is iterative.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .arguments import data_of
from .engine import toposort
from .tensor import Tensor

__all__ = [
    "Trace",
    "as_outputs",
    "backward_trace",
    "constant_role",
    "constant_text",
    "node_labels",
    "role",
    "shape_text",
    "short_repr",
    "summarize",
]


def as_outputs(output: Tensor | Iterable[Tensor], fn: str) -> list[Tensor]:
    """The outputs argument of a graph tool as a non-empty list of Tensors, or a clear error naming ``fn``."""
    if isinstance(output, Tensor):
        outs = [output]
    elif isinstance(output, Iterable) and not isinstance(output, (str, bytes, np.ndarray)):
        outs = list(output)
    else:
        raise TypeError(f"{fn}: expected a Tensor or a list of Tensors, got {type(output).__name__}")
    if not outs:
        raise ValueError(f"{fn}: no outputs given")
    for o in outs:
        if not isinstance(o, Tensor):
            raise TypeError(f"{fn}: expected a Tensor or a list of Tensors, got {type(o).__name__}")
    return outs


def role(t: Tensor, outputs: set[int]) -> str:
    """What a tensor is in its graph: "output" (its id in ``outputs``), "intermediate", "parameter" or "input"."""
    if id(t) in outputs:
        return "output"
    if t._op is not None:
        return "intermediate"
    return "parameter" if t.requires_grad else "input"


def data_array(x: Any) -> np.ndarray:
    return np.asarray(data_of(x))


def summarize(x: Any, precision: int = 4) -> str:
    """A short text for a value: the number for one element, a preview or min/mean/max otherwise."""
    a = data_array(x)
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
    a = data_array(x)
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
        seed = np.ones_like(data_array(o)) if seeds is None or seeds[k] is None else np.asarray(data_array(seeds[k]))
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
            args = [data_of(x) for x in node._inputs]
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
