"""Small-op overhead: 1,000 elementwise ops (mul, add, tanh in turn) on 10-element arrays, forward + backward.

Target: at most 3x the hand-written numpy cost per op (the same forward, and the backward by hand).
"""

from __future__ import annotations

import numpy as np

from _harness import main

OPS, SIZE = 1000, 10


def operands():
    rng = np.random.default_rng(0)
    return rng.standard_normal(SIZE) * 0.1, rng.standard_normal(SIZE) * 0.1, rng.standard_normal(SIZE) * 0.1


def numpy_by_hand():
    x0, a, b = operands()

    def step():
        xs, x = [], x0
        for i in range(OPS):  # forward, keeping what backward needs
            kind = i % 3
            x = x * a if kind == 0 else x + b if kind == 1 else np.tanh(x)
            xs.append(x)
        g = np.ones(SIZE)
        for i in range(OPS - 1, -1, -1):
            kind = i % 3
            if kind == 0:
                g = g * a
            elif kind == 2:
                g = g * (1 - xs[i] * xs[i])
        return g

    return step, {"ops": OPS}


def autograd_lite():
    import autograd_lite as ag

    x0, a, b = operands()
    x = ag.Tensor(x0, requires_grad=True)

    def step():
        y = x
        for i in range(OPS):
            kind = i % 3
            y = y * a if kind == 0 else y + b if kind == 1 else ag.tanh(y)
        x.grad = None
        y.backward(np.ones(SIZE))
        return x.grad

    return step, {"ops": OPS}


def torch_cpu():
    import torch

    torch.set_num_threads(1)
    x0, a, b = (torch.from_numpy(v) for v in operands())
    x = x0.clone().requires_grad_(True)

    def step():
        y = x
        for i in range(OPS):
            kind = i % 3
            y = y * a if kind == 0 else y + b if kind == 1 else torch.tanh(y)
        x.grad = None
        y.backward(torch.ones(SIZE, dtype=torch.float64))
        return x.grad

    return step, {"ops": OPS}


ENGINES = {"numpy_by_hand": numpy_by_hand, "autograd_lite": autograd_lite, "torch": torch_cpu}

if __name__ == "__main__":
    main(ENGINES, baseline="numpy_by_hand", title="Small-op overhead: 1000 ops on 10-element arrays, fwd + bwd")
