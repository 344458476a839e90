"""Scalar graph: micrograd's demo model built node by node from 0-d tensors.

MLP 2 -> 16 -> 16 -> 1 with ReLU, 100 two-moons points, SVM hinge loss + 1e-4 L2; one forward and
backward pass per call.  Target: at most 0.5x micrograd's (pure-Python floats) time per node, also
with ``--freeze-gc`` (``gc.freeze()`` after the imports: the interpreter's own objects then no
longer make each garbage collection slower, which otherwise favours graphs that create fewer
cycles).
"""

from __future__ import annotations

import gc

import _peers
import numpy as np

from _harness import main, opts

SIZES = [2, 16, 16, 1]


def moons(n: int = 100, noise: float = 0.1, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, np.pi, n)
    upper = rng.random(n) < 0.5
    x = np.where(upper, np.cos(t), 1 - np.cos(t))
    y = np.where(upper, np.sin(t), 0.5 - np.sin(t))
    X = np.stack([x, y], 1) + noise * rng.standard_normal((n, 2))
    return X, np.where(upper, 1.0, -1.0)


def weights(seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [(rng.uniform(-1, 1, (o, i)), np.zeros(o)) for i, o in zip(SIZES, SIZES[1:])]


def scalar_step(V, relu, X, y):
    """The demo's loss built from scalars of type V; returns (loss, parameters)."""
    layers = [([[V(w) for w in row] for row in W], [V(c) for c in b]) for W, b in weights()]
    params = [p for W, b in layers for row in W for p in row] + [p for _, b in layers for p in b]

    def step():
        losses = []
        for xrow, yi in zip(X.tolist(), y.tolist()):
            h = [V(v) for v in xrow]
            for li, (W, b) in enumerate(layers):
                h = [sum((wi * hi for wi, hi in zip(row, h)), bi) for row, bi in zip(W, b)]
                if li < len(layers) - 1:
                    h = [relu(v) for v in h]
            losses.append(relu(1 + -yi * h[0]))
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in params)
        loss = data_loss + reg_loss
        for p in params:
            p.grad = None if hasattr(p, "requires_grad") else 0.0
        loss.backward()
        return loss

    return step


def count_nodes(root, children) -> int:
    seen, stack = {id(root)}, [root]
    while stack:
        for c in children(stack.pop()):
            if id(c) not in seen:
                seen.add(id(c))
                stack.append(c)
    return len(seen)


def autograd_lite():
    import autograd_lite as ag

    X, y = moons()
    step = scalar_step(lambda v: ag.Tensor(v, requires_grad=True), ag.relu, X, y)
    _freeze()
    loss = step()
    nodes = count_nodes(loss, lambda t: [x for x in t.inputs if isinstance(x, ag.Tensor)])
    return step, {"nodes": nodes, "loss": round(loss.item(), 10)}


def micrograd():
    from micrograd.engine import Value

    X, y = moons()
    step = scalar_step(Value, lambda v: v.relu(), X, y)
    _freeze()
    loss = step()
    nodes = count_nodes(loss, lambda v: v._prev)
    return step, {"nodes": nodes, "loss": round(loss.data, 10)}


def _freeze() -> None:
    if opts.freeze_gc:
        gc.collect()
        gc.freeze()


def torch_scalars():
    torch = _peers.torch()
    X, y = moons()
    step = scalar_step(lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True), torch.relu, X, y)
    _freeze()
    return step, {}


ENGINES = {"micrograd": micrograd, "autograd_lite": autograd_lite, "torch": torch_scalars}

if __name__ == "__main__":
    summary = main(
        ENGINES,
        baseline="micrograd",
        title=lambda a: "Scalar graph: micrograd's demo MLP, forward + backward" + ", gc.freeze()" * a.freeze_gc,
        options={"--freeze-gc": (int, 0, "1: gc.freeze() after the imports and the model's set-up")},
    )
    per_node = {n: e["seconds"] / e["nodes"] * 1e6 for n, e in summary.get("engines", {}).items() if "nodes" in e}
    for name, us in per_node.items():
        print(f"  {name:<16} {us:.3f} us per node")
    if len(per_node) == 2:
        print(f"  per-node ratio autograd_lite / micrograd: {per_node['autograd_lite'] / per_node['micrograd']:.2f}")
