"""Deep chain: y = tanh(1.0001 * y + 0.0001) repeated 10^6 times, then backward.

Must complete (no recursion anywhere); targets: under 200 bytes and 2 µs per node.  Peak memory is
the growth of the process's maximum resident set while the chain is built and backpropagated.
autograd_lite also reports the share of its forward pass spent in Python's cyclic garbage
collector (timed with ``gc.callbacks``); times are CPU times.
"""

from __future__ import annotations

import gc
import resource
import sys
import time

import _peers

from _harness import main, opts


def peak_bytes() -> int:
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib if sys.platform == "darwin" else kib * 1024


def autograd_lite():
    import autograd_lite as ag

    facts = {"once": True}

    def work():
        before = peak_bytes()
        in_gc = _GcTimer()
        t0 = time.process_time()
        x = ag.Tensor(0.5, requires_grad=True)
        y = x
        for _ in range(opts.steps):
            y = ag.tanh(1.0001 * y + 0.0001)
        forward = time.process_time() - t0
        in_gc.stop()
        y.backward()
        seconds = time.process_time() - t0
        nodes = 3 * opts.steps  # mul, add, tanh
        grown = peak_bytes() - before
        facts.update(nodes=nodes, bytes_per_node=round(grown / nodes), bytes_per_step=round(grown / opts.steps))
        facts.update(us_per_node=round(seconds / nodes * 1e6, 2), gc_share_of_forward=round(in_gc.total / forward, 2))
        facts["dy_dx"] = float(x.grad.item())

    return work, facts


class _GcTimer:
    """Seconds spent in the cyclic garbage collector from creation until ``stop()``."""

    def __init__(self) -> None:
        self.total, self._start = 0.0, 0.0
        gc.callbacks.append(self._tick)

    def _tick(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.process_time()
        else:
            self.total += time.process_time() - self._start

    def stop(self) -> None:
        gc.callbacks.remove(self._tick)


def torch_cpu():
    torch = _peers.torch()
    facts = {"once": True}

    def work():
        before = peak_bytes()
        t0 = time.process_time()
        x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
        y = x
        for _ in range(opts.steps):
            y = torch.tanh(1.0001 * y + 0.0001)
        y.backward()
        nodes, grown = 3 * opts.steps, peak_bytes() - before
        facts.update(nodes=nodes, bytes_per_node=round(grown / nodes), bytes_per_step=round(grown / opts.steps))
        facts.update(us_per_node=round((time.process_time() - t0) / nodes * 1e6, 2), dy_dx=float(x.grad))

    return work, facts


def numpy_by_hand():
    import numpy as np

    facts = {"once": True}

    def work():
        before = peak_bytes()
        y = np.float64(0.5)
        outs = []
        for _ in range(opts.steps):
            y = np.tanh(1.0001 * y + 0.0001)
            outs.append(y)
        g = np.float64(1.0)
        for t in reversed(outs):
            g = g * (1 - t * t) * 1.0001
        grown = peak_bytes() - before
        facts.update(bytes_per_step=round(grown / opts.steps), dy_dx=float(g))

    return work, facts


def micrograd():
    from micrograd.engine import Value

    facts = {"once": True}

    def work():  # micrograd 0.1.0 on PyPI has no tanh: relu keeps the chain's shape
        x = Value(0.5)
        y = x
        for _ in range(opts.steps):
            y = (1.0001 * y + 0.0001).relu()
        y.backward()  # recursive topological sort: RecursionError long before 10^6

    return work, facts


ENGINES = {"numpy_by_hand": numpy_by_hand, "autograd_lite": autograd_lite, "micrograd": micrograd, "torch": torch_cpu}

if __name__ == "__main__":
    main(
        ENGINES,
        baseline="numpy_by_hand",
        title=lambda a: f"Deep chain: {a.steps:,} x tanh(1.0001*y + 0.0001), then backward",
        options={"--steps": (int, 1_000_000, "length of the chain")},
    )
