"""The main job (`make demo`, `autograd-lite demo`): the course's examples, end to end.

Each section is one function that prints its part; ``run`` calls them in order.
"""

from __future__ import annotations

from pathlib import Path

import autograd_lite as ag


def sigmoid_neuron() -> tuple[ag.Tensor, dict[str, ag.Tensor]]:
    """The lecture's neuron f = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2))) at w=(2,-3,-3), x=(-1,-2)."""
    v = {
        name: ag.Tensor(value, requires_grad=True, name=name)
        for name, value in [("w0", 2.0), ("x0", -1.0), ("w1", -3.0), ("x1", -2.0), ("w2", -3.0)]
    }
    f = 1 / (1 + ag.exp(-(v["w0"] * v["x0"] + v["w1"] * v["x1"] + v["w2"])))
    f.name = "f"
    return f, v


def section_neuron() -> None:
    print("== The sigmoid neuron: f = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2))) ==")
    f, v = sigmoid_neuron()
    f.backward()
    print(f"f = {f.item():.4f}")
    for name, t in v.items():
        print(f"  df/d{name:<3}= {t.grad.item():+.4f}")
    print()


def section_graph(out_dir: str | Path = ".") -> Path | None:
    """Draw the neuron's graph with values and gradients, explain its backward pass, check it."""
    print("== The neuron's graph, its backward pass edge by edge, and a gradient check ==")
    f, v = sigmoid_neuron()
    f.backward(retain_grads=True)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    path: Path | None = Path(out_dir) / "neuron_graph.svg"
    try:
        ag.save_graph(f, path, edge_grads=True)
        print(f"drawing: {path}  (renderer: {ag.find_renderer().kind})")
    except ag.RendererNotFound as e:
        print(f"drawing skipped: {e}")
        path = None
    print(ag.explain(f))
    neuron = lambda w0, x0, w1, x1, w2: 1 / (1 + ag.exp(-(w0 * x0 + w1 * x1 + w2)))
    print(ag.gradcheck(neuron, *v.values()))
    print()
    return path


def run(out_dir: str | Path = ".") -> None:
    """Run every section of the demo; files it writes go to ``out_dir``."""
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    section_neuron()
    section_graph(out_dir)
