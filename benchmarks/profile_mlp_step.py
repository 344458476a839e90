"""Op-by-op accounting of one MLP SGD step (784-256-256-10, cross-entropy), autograd_lite against
the same step written by hand in numpy, in one process, interleaved step by step.

Every numpy line of the hand-written step is timed on its own; in autograd_lite every primitive's
forward and every gradient rule is wrapped with a timer (``ag fwd`` / ``ag bwd`` lines; a rule
that calls another primitive includes it), and FORWARD / BACKWARD / update are timed whole, so
"whole minus the sum of its lines" is the engine's own time (bookkeeping, sum_to_shape, ...).
Each line reports the fastest of ``--steps`` steps (CPU time would hide nothing here: one
thread).  The wrappers add about 1 µs per timed call.  Diagnostic only: the ratios to quote
come from ``bench_mlp.py``, which runs each engine in its own process.

Run: ``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/profile_mlp_step.py --batch 1024 --dtype float32``
"""

from __future__ import annotations

import argparse
import gc
import time
from collections import defaultdict

import numpy as np

SIZES, LR = [784, 256, 256, 10], 1e-2
times: dict[str, list[float]] = defaultdict(list)


def timed(key: str, fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    times[key].append(time.perf_counter() - t0)
    return out


def _shapes(values) -> str:
    return " ".join(str(getattr(v, "shape", "")) for v in values)


def instrument(ag) -> None:
    """Wrap every primitive's forward and rules with ``timed`` (keyed by name and shapes)."""
    prims = {id(p): p for p in ag.ops.PRIMITIVES}.values()
    for p in prims:
        fwd = p.forward
        p.forward = lambda *a, _f=fwd, _n=p.name, **k: timed(f"ag fwd {_n} {_shapes(a)}", _f, *a, **k)
        if p.variadic:
            continue
        p.vjps = tuple(
            None
            if rule is None
            else (lambda *a, _r=rule, _n=p.name, _i=i, **k: timed(f"ag bwd {_n}[{_i}] {_shapes(a[2:])}", _r, *a, **k))
            for i, rule in enumerate(p.vjps)
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--steps", type=int, default=25)
    args = parser.parse_args()
    import autograd_lite as ag

    rng = np.random.default_rng(0)
    dtype = np.dtype(args.dtype)
    x = rng.standard_normal((args.batch, SIZES[0])).astype(dtype)
    y = rng.integers(0, SIZES[-1], args.batch)
    arrays = []
    for i, o in zip(SIZES, SIZES[1:]):
        arrays += [(rng.standard_normal((i, o)) * np.sqrt(2 / i)).astype(dtype), np.zeros(o, dtype)]
    rows = np.arange(args.batch)
    W1, b1, W2, b2, W3, b3 = [a.copy() for a in arrays]

    def numpy_step():
        t0 = time.perf_counter()
        z1 = timed("np z1 = x @ W1 + b1", lambda: x @ W1 + b1)
        h1 = timed("np h1 = maximum(z1, 0)", np.maximum, z1, 0)
        z2 = timed("np z2 = h1 @ W2 + b2", lambda: h1 @ W2 + b2)
        h2 = timed("np h2 = maximum(z2, 0)", np.maximum, z2, 0)
        s = timed("np s = h2 @ W3 + b3", lambda: h2 @ W3 + b3)
        e = timed("np e = exp(s - max s)", lambda: np.exp(s - s.max(axis=1, keepdims=True)))
        p = timed("np p = e / sum e", lambda: e / e.sum(axis=1, keepdims=True))
        timed("np loss = -log p[rows, y] mean", lambda: -np.log(p[rows, y]).mean())

        def dscores():
            ds = p
            ds[rows, y] -= 1
            ds /= args.batch
            return ds

        ds = timed("np ds = (p - onehot) / n", dscores)
        dW3 = timed("np dW3 = h2.T @ ds", lambda: h2.T @ ds)
        db3 = timed("np db3 = ds.sum(0)", lambda: ds.sum(0))
        dh2 = timed("np dh2 = ds @ W3.T", lambda: ds @ W3.T)
        dz2 = timed("np dz2 = dh2 * (z2 > 0)", lambda: dh2 * (z2 > 0))
        dW2 = timed("np dW2 = h1.T @ dz2", lambda: h1.T @ dz2)
        db2 = timed("np db2 = dz2.sum(0)", lambda: dz2.sum(0))
        dh1 = timed("np dh1 = dz2 @ W2.T", lambda: dz2 @ W2.T)
        dz1 = timed("np dz1 = dh1 * (z1 > 0)", lambda: dh1 * (z1 > 0))
        dW1 = timed("np dW1 = x.T @ dz1", lambda: x.T @ dz1)
        db1 = timed("np db1 = dz1.sum(0)", lambda: dz1.sum(0))

        def update():
            for w, dw in ((W1, dW1), (b1, db1), (W2, dW2), (b2, db2), (W3, dW3), (b3, db3)):
                w -= LR * dw

        timed("np update", update)
        times["np TOTAL"].append(time.perf_counter() - t0)

    instrument(ag)
    params = [ag.Tensor(a.copy(), requires_grad=True) for a in arrays]
    P1, c1, P2, c2, P3, c3 = params

    def ag_step():
        t0 = time.perf_counter()
        h1 = ag.relu(x @ P1 + c1)
        h2 = ag.relu(h1 @ P2 + c2)
        loss = ag.losses.cross_entropy(h2 @ P3 + c3, y)
        t1 = time.perf_counter()
        for p in params:
            p.grad = None
        loss.backward()
        t2 = time.perf_counter()
        with ag.no_grad():
            for p in params:
                p.data -= LR * p.grad.data
        t3 = time.perf_counter()
        times["ag FORWARD"].append(t1 - t0)
        times["ag BACKWARD"].append(t2 - t1)
        times["ag update"].append(t3 - t2)
        times["ag TOTAL"].append(t3 - t0)

    for _ in range(3):  # warm-up
        numpy_step()
        ag_step()
    times.clear()
    gc.collect()
    for _ in range(args.steps):
        numpy_step()
        ag_step()
    print(f"batch {args.batch}, {args.dtype}: the fastest of {args.steps} steps, ms (x: calls per step)")
    for key, values in times.items():
        per_step = len(values) // args.steps
        fastest = min(values)
        print(f"  {key:<44} {fastest * 1e3:8.3f}  x{per_step}")


if __name__ == "__main__":
    main()
