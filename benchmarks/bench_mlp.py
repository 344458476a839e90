"""One SGD step of a 784 -> 256 -> 256 -> 10 ReLU MLP, stable softmax cross-entropy (``--batch``
128 or 1024, ``--dtype`` float32 or float64), in every engine installed.

Target: at most 1.05x the hand-written numpy step (forward, backward by hand, update).  At batch
1024 the matrix products dominate, so any extra array work an engine does shows there.
"""

from __future__ import annotations

import _peers
import numpy as np

from _harness import main, opts

SIZES, LR = [784, 256, 256, 10], 1e-2


def problem():
    rng = np.random.default_rng(0)
    dtype = np.dtype(opts.dtype)
    x = rng.standard_normal((opts.batch, SIZES[0])).astype(dtype)
    y = rng.integers(0, SIZES[-1], opts.batch)
    params = []
    for i, o in zip(SIZES, SIZES[1:]):
        params += [(rng.standard_normal((i, o)) * np.sqrt(2 / i)).astype(dtype), np.zeros(o, dtype)]
    return x, y, params


def numpy_by_hand():
    x, y, (W1, b1, W2, b2, W3, b3) = problem()
    n = len(y)
    rows = np.arange(n)

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
        ds /= n
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

    def step():
        h1 = ag.relu(x @ W1 + b1)
        h2 = ag.relu(h1 @ W2 + b2)
        loss = ag.losses.cross_entropy(h2 @ W3 + b3, y)
        for p in params:
            p.grad = None
        loss.backward()
        with ag.no_grad():
            for p in params:
                p.data -= LR * p.grad.data
        return loss

    return step, {"loss0": round(float(step().item()), 4)}


def torch_cpu():
    torch = _peers.torch()
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


def hips_autograd():
    import autograd.numpy as anp
    from autograd import grad

    x, y, params = problem()
    rows = np.arange(len(y))

    def loss_fn(ps):
        W1, b1, W2, b2, W3, b3 = ps
        h1 = anp.maximum(anp.dot(x, W1) + b1, 0)
        h2 = anp.maximum(anp.dot(h1, W2) + b2, 0)
        s = anp.dot(h2, W3) + b3
        z = s - anp.max(s, axis=1, keepdims=True)
        logp = z - anp.log(anp.sum(anp.exp(z), axis=1, keepdims=True))
        return -anp.mean(logp[rows, y])

    loss_grad = grad(loss_fn)

    def step():
        for w, dw in zip(params, loss_grad(params)):
            w -= LR * dw

    return step, {"loss0": round(float(loss_fn(params)), 4)}


def mygrad():
    import mygrad as mg
    from mygrad.nnet.activations import relu
    from mygrad.nnet.losses import softmax_crossentropy

    x, y, arrays = problem()
    params = [mg.tensor(a) for a in arrays]
    W1, b1, W2, b2, W3, b3 = params

    def step():
        h1 = relu(mg.matmul(x, W1) + b1)
        h2 = relu(mg.matmul(h1, W2) + b2)
        loss = softmax_crossentropy(mg.matmul(h2, W3) + b3, y)
        loss.backward()
        for p in params:
            p.data -= LR * p.grad
        return loss

    return step, {"loss0": round(float(step().item()), 4)}


def _jax_step(jit: bool):
    jax = _peers.jax(opts.dtype == "float64")
    jnp = jax.numpy
    x, y, arrays = problem()
    xj, yj = jnp.asarray(x), jnp.asarray(y)
    state = [[jnp.asarray(a) for a in arrays]]

    def loss_fn(ps):
        W1, b1, W2, b2, W3, b3 = ps
        h1 = jax.nn.relu(xj @ W1 + b1)
        h2 = jax.nn.relu(h1 @ W2 + b2)
        logp = jax.nn.log_softmax(h2 @ W3 + b3, axis=1)
        return -jnp.take_along_axis(logp, yj[:, None], axis=1).mean()

    def update(ps):
        loss, grads = jax.value_and_grad(loss_fn)(ps)
        return loss, [w - LR * g for w, g in zip(ps, grads)]

    update = jax.jit(update) if jit else update

    def step():
        loss, state[0] = update(state[0])
        return loss.block_until_ready()

    return step, {"loss0": round(float(loss_fn(state[0])), 4)}


def jax_eager():
    return _jax_step(jit=False)


def jax_jit():
    return _jax_step(jit=True)


ENGINES = {
    "numpy_by_hand": numpy_by_hand,
    "autograd_lite": autograd_lite,
    "torch": torch_cpu,
    "hips_autograd": hips_autograd,
    "mygrad": mygrad,
    "jax": jax_eager,
    "jax.jit": jax_jit,
}
OPTIONS = {"--batch": (int, 128, "minibatch size"), "--dtype": (str, "float32", "float32 or float64")}

if __name__ == "__main__":
    main(
        ENGINES,
        baseline="numpy_by_hand",
        title=lambda a: f"MLP 784-256-256-10 SGD step, batch {a.batch}, {a.dtype}",
        options=OPTIONS,
    )
