"""One SGD step of a 784 -> 256 -> 256 -> 10 ReLU MLP, stable softmax cross-entropy, batch 128, float32.

Target: at most 1.10x the hand-written numpy step (forward, backward by hand, update).
"""

from __future__ import annotations

import numpy as np

from _harness import main

SIZES, BATCH, LR = [784, 256, 256, 10], 128, 1e-2


def problem():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH)
    params = []
    for i, o in zip(SIZES, SIZES[1:]):
        params += [(rng.standard_normal((i, o)) * np.sqrt(2 / i)).astype(np.float32), np.zeros(o, np.float32)]
    return x, y, params


def numpy_by_hand():
    x, y, (W1, b1, W2, b2, W3, b3) = problem()
    rows = np.arange(BATCH)

    def step():
        z1 = x @ W1 + b1
        h1 = np.maximum(z1, 0)
        z2 = h1 @ W2 + b2
        h2 = np.maximum(z2, 0)
        s = h2 @ W3 + b3
        e = np.exp(s - s.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        loss = -np.log(p[rows, y]).mean()
        ds = p
        ds[rows, y] -= 1
        ds /= BATCH
        dW3, db3 = h2.T @ ds, ds.sum(0)
        dz2 = (ds @ W3.T) * (z2 > 0)
        dW2, db2 = h1.T @ dz2, dz2.sum(0)
        dz1 = (dz2 @ W2.T) * (z1 > 0)
        dW1, db1 = x.T @ dz1, dz1.sum(0)
        for w, dw in ((W1, dW1), (b1, db1), (W2, dW2), (b2, db2), (W3, dW3), (b3, db3)):
            w -= LR * dw
        return loss

    return step, {"loss0": round(float(step()), 4)}


def autograd_lite():
    import autograd_lite as ag

    x, y, arrays = problem()
    W1, b1, W2, b2, W3, b3 = params = [ag.Tensor(a, requires_grad=True) for a in arrays]
    rows = np.arange(BATCH)

    def step():
        h1 = ag.relu(x @ W1 + b1)
        h2 = ag.relu(h1 @ W2 + b2)
        logits = h2 @ W3 + b3
        loss = -ag.log_softmax(logits, axis=1)[rows, y].mean()
        for p in params:
            p.grad = None
        loss.backward()
        with ag.no_grad():
            for p in params:
                p.data -= LR * p.grad.data
        return loss

    return step, {"loss0": round(float(step().item()), 4)}


def torch_cpu():
    import torch

    torch.set_num_threads(1)
    x, y, arrays = problem()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    params = [torch.tensor(a, requires_grad=True) for a in arrays]
    W1, b1, W2, b2, W3, b3 = params

    def step():
        h1 = torch.relu(xt @ W1 + b1)
        h2 = torch.relu(h1 @ W2 + b2)
        loss = torch.nn.functional.cross_entropy(h2 @ W3 + b3, yt)
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad
        return loss

    return step, {"loss0": round(float(step()), 4)}


ENGINES = {"numpy_by_hand": numpy_by_hand, "autograd_lite": autograd_lite, "torch": torch_cpu}

if __name__ == "__main__":
    main(ENGINES, baseline="numpy_by_hand", title="MLP 784-256-256-10 SGD step, batch 128, float32")
