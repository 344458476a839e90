"""One 3x3 convolution, 3 -> 16 channels, padding 1, on a (64, 3, 32, 32) float32 batch: forward
and backward (input, weight and bias gradients for a given upstream gradient).

Baseline: the hand-written numpy im2col version (windows by ``sliding_window_view``, one matmul,
col2im by hand as one strided add per kernel offset).  Target: autograd_lite within 3x of it.
"""

from __future__ import annotations

import numpy as np

from _harness import main

N, C, H, W, OUT, K, PAD = 64, 3, 32, 32, 16, 3, 1


def problem():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, W)).astype(np.float32)
    bound = 1 / np.sqrt(C * K * K)
    w = rng.uniform(-bound, bound, (OUT, C, K, K)).astype(np.float32)
    b = rng.uniform(-bound, bound, OUT).astype(np.float32)
    g = rng.standard_normal((N, OUT, H, W)).astype(np.float32)  # the upstream gradient
    return x, w, b, g


def _checksum(dx, dw, db) -> float:
    return round(float(np.abs(dx).sum() + np.abs(dw).sum() + np.abs(db).sum()), 1)


def numpy_by_hand():
    x, w, b, g = problem()
    window_view = np.lib.stride_tricks.sliding_window_view

    def step():
        xp = np.pad(x, ((0, 0), (0, 0), (PAD, PAD), (PAD, PAD)))
        cols = window_view(xp, (K, K), axis=(2, 3)).transpose(0, 2, 3, 1, 4, 5).reshape(N * H * W, C * K * K)
        w2 = w.reshape(OUT, C * K * K)
        out = (cols @ w2.T).reshape(N, H, W, OUT).transpose(0, 3, 1, 2) + b[:, None, None]
        g2 = g.transpose(0, 2, 3, 1).reshape(N * H * W, OUT)
        dw = (g2.T @ cols).reshape(w.shape)
        db = g.sum(axis=(0, 2, 3))
        dcols = (g2 @ w2).reshape(N, H, W, C, K, K)
        dxp = np.zeros_like(xp)
        for i in range(K):  # col2im: each kernel offset's gradient added back in place
            for j in range(K):
                dxp[:, :, i : i + H, j : j + W] += dcols[:, :, :, :, i, j].transpose(0, 3, 1, 2)
        dx = dxp[:, :, PAD:-PAD, PAD:-PAD]
        return out, dx, dw, db

    _, dx, dw, db = step()
    return step, {"checksum": _checksum(dx, dw, db)}


def autograd_lite():
    import autograd_lite as ag

    x0, w0, b0, g = problem()
    x, w, b = (ag.Tensor(a, requires_grad=True) for a in (x0, w0, b0))

    def step():
        x.grad = w.grad = b.grad = None
        out = ag.nn.conv2d(x, w, b, padding=PAD)
        out.backward(g)
        return out

    step()
    return step, {"checksum": _checksum(x.grad.data, w.grad.data, b.grad.data)}


def torch_cpu():
    import torch

    torch.set_num_threads(1)
    x0, w0, b0, g0 = problem()
    x, w, b = (torch.tensor(a, requires_grad=True) for a in (x0, w0, b0))
    g = torch.from_numpy(g0)

    def step():
        x.grad = w.grad = b.grad = None
        out = torch.nn.functional.conv2d(x, w, b, padding=PAD)
        out.backward(g)
        return out

    step()
    return step, {"checksum": _checksum(x.grad.numpy(), w.grad.numpy(), b.grad.numpy())}


ENGINES = {"numpy_by_hand": numpy_by_hand, "autograd_lite": autograd_lite, "torch": torch_cpu}

if __name__ == "__main__":
    main(ENGINES, baseline="numpy_by_hand", title="Conv2d 3->16 3x3 pad 1, batch (64, 3, 32, 32) float32, fwd + bwd")
