"""micrograd's demo model written with arrays: MLP 2 -> 16 -> 16 -> 1, ReLU, 100 two-moons points,
SVM hinge loss + 1e-4 L2 on the weights, one SGD step (forward, backward, update), float64.

The arrays are tiny (at most 100 x 16), so this measures each engine's cost per recorded
operation (about 20 of them), not numpy's arithmetic.  Target: at most 2x the hand-written step.
"""

from __future__ import annotations

import _peers
import numpy as np
from bench_scalar import SIZES, moons

from _harness import main

LR, ALPHA = 0.05, 1e-4


def problem():
    X, y = moons()
    rng = np.random.default_rng(0)
    params = []
    for i, o in zip(SIZES, SIZES[1:]):
        params += [rng.uniform(-1, 1, (i, o)), np.zeros(o)]
    return X, y, params


def _loss(X, y, ps, relu, mean, total):
    W1, b1, W2, b2, W3, b3 = ps
    h1 = relu(X @ W1 + b1)
    h2 = relu(h1 @ W2 + b2)
    s = (h2 @ W3 + b3).reshape(-1)
    return mean(relu(1 - y * s)) + ALPHA * (total(W1 * W1) + total(W2 * W2) + total(W3 * W3))


def numpy_by_hand():
    X, y, params = problem()
    W1, b1, W2, b2, W3, b3 = params
    n = len(y)

    def step():
        z1 = X @ W1 + b1
        h1 = np.maximum(z1, 0)
        z2 = h1 @ W2 + b2
        h2 = np.maximum(z2, 0)
        s = (h2 @ W3 + b3).reshape(-1)
        m = 1 - y * s
        loss = np.maximum(m, 0).mean() + ALPHA * ((W1 * W1).sum() + (W2 * W2).sum() + (W3 * W3).sum())
        ds = ((m > 0) * (-y / n)).reshape(-1, 1)
        dW3, db3 = h2.T @ ds + 2 * ALPHA * W3, ds.sum(0)
        dz2 = (ds @ W3.T) * (z2 > 0)
        dW2, db2 = h1.T @ dz2 + 2 * ALPHA * W2, dz2.sum(0)
        dz1 = (dz2 @ W2.T) * (z1 > 0)
        dW1, db1 = X.T @ dz1 + 2 * ALPHA * W1, dz1.sum(0)
        for w, dw in ((W1, dW1), (b1, db1), (W2, dW2), (b2, db2), (W3, dW3), (b3, db3)):
            w -= LR * dw
        return loss

    return step, {"loss0": round(float(step()), 6)}


def autograd_lite():
    import autograd_lite as ag

    X, y, arrays = problem()
    params = [ag.Tensor(a, requires_grad=True) for a in arrays]

    def step():
        loss = _loss(X, y, params, ag.relu, ag.mean, ag.sum)
        for p in params:
            p.grad = None
        loss.backward()
        with ag.no_grad():
            for p in params:
                p.data -= LR * p.grad.data
        return loss

    return step, {"loss0": round(step().item(), 6)}


def python_tape():
    """The floor of any engine written in Python (``_tape.py``: a tape, no checks): not a peer."""
    import _tape

    X, y, arrays = problem()
    params = [_tape.Var(a) for a in arrays]

    def step():
        loss = _loss(X, y, params, _tape.relu, _tape.mean, _tape.total)
        for p in params:
            p.grad = None
        loss.backward()
        for p in params:
            p.value -= LR * p.grad
        return loss

    return step, {"loss0": round(float(step().value), 6)}


def torch_cpu():
    torch = _peers.torch()
    X, y, arrays = problem()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    params = [torch.tensor(a, requires_grad=True) for a in arrays]

    def step():
        loss = _loss(Xt, yt, params, torch.relu, torch.mean, torch.sum)
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad
        return loss

    return step, {"loss0": round(step().item(), 6)}


def hips_autograd():
    import autograd.numpy as anp
    from autograd import value_and_grad

    X, y, params = problem()
    loss_grad = value_and_grad(lambda ps: _loss(X, y, ps, lambda v: anp.maximum(v, 0), anp.mean, anp.sum))

    def step():
        loss, grads = loss_grad(params)
        for w, dw in zip(params, grads):
            w -= LR * dw
        return loss

    return step, {"loss0": round(float(step()), 6)}


def mygrad():
    import mygrad as mg
    from mygrad.nnet.activations import relu

    X, y, arrays = problem()
    params = [mg.tensor(a) for a in arrays]

    def step():
        loss = _loss(X, y, params, relu, mg.mean, mg.sum)
        loss.backward()
        for p in params:
            p.data -= LR * p.grad
        return loss

    return step, {"loss0": round(float(step().item()), 6)}


def _jax(jit: bool):
    jax = _peers.jax(x64=True)
    jnp = jax.numpy
    X, y, arrays = problem()
    Xj, yj = jnp.asarray(X), jnp.asarray(y)
    state = [[jnp.asarray(a) for a in arrays]]

    def update(ps):
        loss, grads = jax.value_and_grad(lambda ps: _loss(Xj, yj, ps, jax.nn.relu, jnp.mean, jnp.sum))(ps)
        return loss, [w - LR * g for w, g in zip(ps, grads)]

    update = jax.jit(update) if jit else update

    def step():
        loss, state[0] = update(state[0])
        return loss.block_until_ready()

    return step, {"loss0": round(float(step()), 6)}


def jax_eager():
    return _jax(jit=False)


def jax_jit():
    return _jax(jit=True)


ENGINES = {
    "numpy_by_hand": numpy_by_hand,
    "autograd_lite": autograd_lite,
    "torch": torch_cpu,
    "hips_autograd": hips_autograd,
    "mygrad": mygrad,
    "jax": jax_eager,
    "jax.jit": jax_jit,
    "python_tape": python_tape,
}

if __name__ == "__main__":
    main(ENGINES, baseline="numpy_by_hand", title="micrograd's demo model as arrays (2-16-16-1, 100 points), SGD step")
