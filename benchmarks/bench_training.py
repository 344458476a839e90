"""One training epoch: a 784 -> 256 -> 256 -> 10 ReLU MLP, softmax cross-entropy, Adam, batch 128,
float32, on random data (N examples, shuffled minibatches), written with autograd_lite's nn /
losses / optim / data against the same written by hand in numpy (forward, backward, Adam).

Both do the same arithmetic from the same initial weights and the same shuffles (in float64
their final losses agree to every printed digit; in float32 rounding differences grow over an
epoch on random labels, so the last digits differ); the ratio is the library's whole overhead --
modules, recording, backward, the optimizer's bookkeeping.  Target: at most 1.15x.
Run: ``python benchmarks/bench_training.py [--rounds 5] [--repeat 5] [--n 60000] [--default-malloc]``.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from _harness import main

SIZES, BATCH, LR, BETAS, EPS = [784, 256, 256, 10], 128, 1e-3, (0.9, 0.999), 1e-7
N = int(os.environ.get("BENCH_TRAINING_N", "60000"))  # one MNIST-sized epoch (469 steps)
WARMUP = 5  # steps run (and discarded) before the timed epoch


def problem():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, SIZES[-1], N)
    return X, y


def he_init():
    """The same weights nn.MLP(SIZES, rng=0, dtype=float32) draws: He normal, zero biases."""
    rng = np.random.default_rng(0)
    params = []
    for i, o in zip(SIZES, SIZES[1:], strict=False):
        params += [(np.sqrt(2.0 / i) * rng.standard_normal((i, o))).astype(np.float32), np.zeros(o, np.float32)]
    return params


def numpy_by_hand():
    X, y = problem()
    params = he_init()
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    b1, b2 = BETAS
    t = [0]

    def step(xb, yb):
        W1, c1, W2, c2, W3, c3 = params
        n = len(yb)
        rows = np.arange(n)
        z1 = xb @ W1 + c1
        h1 = np.maximum(z1, 0)
        z2 = h1 @ W2 + c2
        h2 = np.maximum(z2, 0)
        s = h2 @ W3 + c3
        e = np.exp(s - s.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        loss = -np.log(p[rows, yb]).mean()
        ds = p
        ds[rows, yb] -= 1
        ds /= n
        dz2 = (ds @ W3.T) * (z2 > 0)
        dz1 = (dz2 @ W2.T) * (z1 > 0)
        grads = [xb.T @ dz1, dz1.sum(0), h1.T @ dz2, dz2.sum(0), h2.T @ ds, ds.sum(0)]
        t[0] += 1
        for w, g, mi, vi in zip(params, grads, m, v, strict=True):  # Adam with bias correction
            mi *= b1
            mi += (1 - b1) * g
            vi *= b2
            vi += (1 - b2) * (g * g)
            m_hat = mi / (1 - b1 ** t[0])
            v_hat = vi / (1 - b2 ** t[0])
            w -= LR * m_hat / (np.sqrt(v_hat) + EPS)
        return loss

    def epoch(rng, n):
        order = rng.permutation(n)
        loss = 0.0
        for start in range(0, n, BATCH):
            idx = order[start : start + BATCH]
            loss = step(X[idx], y[idx])
        return float(loss)

    return _runner(epoch)


def autograd_lite():
    import autograd_lite as ag

    X, y = problem()
    model = ag.nn.MLP(SIZES, rng=0, dtype=np.float32)
    opt = ag.optim.Adam(model, lr=LR, betas=BETAS, eps=EPS)

    def epoch(rng, n):
        last = None
        for xb, yb in ag.data.Minibatches(X[:n], y[:n], batch_size=BATCH, shuffle=True, seed=rng):
            opt.zero_grad()
            loss = ag.losses.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            last = loss.item()
            del loss  # drop this step's graph before the next forward, as the numpy version drops its arrays
        return float(last)

    return _runner(epoch)


def _runner(epoch):
    """A few warm-up steps, then the harness times whole epochs (one warm-up epoch, then the
    median of ``--repeat`` epochs per process: single epochs drift too much on a shared machine)."""
    epoch(np.random.default_rng(99), WARMUP * BATCH)
    facts = {"n": N, "steps": -(-N // BATCH)}
    first = {}

    def timed():
        loss = round(epoch(np.random.default_rng(1), N), 4)
        first.setdefault("loss", loss)
        facts["first_epoch_loss"] = first["loss"]

    return timed, facts


ENGINES = {"numpy_by_hand": numpy_by_hand, "autograd_lite": autograd_lite}

if __name__ == "__main__":
    if "--n" in sys.argv:  # pass the epoch size on to the worker processes through the environment
        i = sys.argv.index("--n")
        os.environ["BENCH_TRAINING_N"] = str(int(sys.argv[i + 1]))
        del sys.argv[i : i + 2]
    main(ENGINES, baseline="numpy_by_hand", title="One epoch: MLP 784-256-256-10, Adam, batch 128, float32")
