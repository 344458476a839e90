"""Deep chain: y = tanh(1.0001 * y + 0.0001) repeated 10^6 times, then backward.

Must complete (no recursion anywhere) with peak memory under 500 bytes per node.  Peak memory is
the growth of the process's maximum resident set while the chain is built and backpropagated.
"""

from __future__ import annotations

import resource
import sys

from _harness import main

STEPS = 1_000_000


def peak_bytes() -> int:
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib if sys.platform == "darwin" else kib * 1024


def autograd_lite():
    import autograd_lite as ag

    facts = {"once": True}

    def work():
        before = peak_bytes()
        x = ag.Tensor(0.5, requires_grad=True)
        y = x
        for _ in range(STEPS):
            y = ag.tanh(1.0001 * y + 0.0001)
        y.backward()
        nodes = 3 * STEPS  # mul, add, tanh
        grown = peak_bytes() - before
        facts.update(nodes=nodes, bytes_per_node=round(grown / nodes), bytes_per_step=round(grown / STEPS))
        facts["dy_dx"] = float(x.grad.item())

    return work, facts


def numpy_by_hand():
    import numpy as np

    facts = {"once": True}

    def work():
        before = peak_bytes()
        y = np.float64(0.5)
        outs = []
        for _ in range(STEPS):
            y = np.tanh(1.0001 * y + 0.0001)
            outs.append(y)
        g = np.float64(1.0)
        for t in reversed(outs):
            g = g * (1 - t * t) * 1.0001
        grown = peak_bytes() - before
        facts.update(bytes_per_step=round(grown / STEPS), dy_dx=float(g))

    return work, facts


def micrograd():
    from micrograd.engine import Value

    facts = {"once": True}

    def work():  # micrograd 0.1.0 on PyPI has no tanh: relu keeps the chain's shape
        x = Value(0.5)
        y = x
        for _ in range(STEPS):
            y = (1.0001 * y + 0.0001).relu()
        y.backward()  # recursive topological sort: RecursionError long before 10^6

    return work, facts


ENGINES = {"numpy_by_hand": numpy_by_hand, "autograd_lite": autograd_lite, "micrograd": micrograd}

if __name__ == "__main__":
    main(ENGINES, baseline="numpy_by_hand", title="Deep chain: 10^6 x tanh(1.0001*y + 0.0001), then backward")
