"""Small-op overhead: 1,000 elementwise ops (mul, add, tanh in turn) on 10-element arrays, forward + backward.

Target: at most 2x the hand-written numpy cost per op (the same forward, and the backward by hand).
"""

from __future__ import annotations

import _peers
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
    torch = _peers.torch()
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


def _chain(x, a, b, tanh):
    for i in range(OPS):
        kind = i % 3
        x = x * a if kind == 0 else x + b if kind == 1 else tanh(x)
    return x


def python_tape():
    """The floor of any engine written in Python (``_tape.py``: a tape, no checks): not a peer."""
    import _tape

    x0, a, b = operands()

    def step():
        x = _tape.Var(x0)
        _chain(x, a, b, _tape.tanh).backward()
        return x.grad

    return step, {"ops": OPS}


def hips_autograd():
    import autograd.numpy as anp
    from autograd import make_vjp

    x0, a, b = operands()

    def step():
        vjp, _ = make_vjp(lambda x: _chain(x, a, b, anp.tanh))(x0)
        return vjp(np.ones(SIZE))

    return step, {"ops": OPS}


def mygrad():
    import mygrad as mg

    x0, a, b = operands()
    x = mg.tensor(x0)

    def step():
        y = _chain(x, a, b, mg.tanh)
        y.backward(np.ones(SIZE))
        return x.grad

    return step, {"ops": OPS}


def _jax(jit: bool):
    jax = _peers.jax(x64=True)
    x0, a, b = (jax.numpy.asarray(v) for v in operands())

    def grad_x(x):
        _, vjp = jax.vjp(lambda x: _chain(x, a, b, jax.numpy.tanh), x)
        return vjp(jax.numpy.ones(SIZE))[0]

    grad_x = jax.jit(grad_x) if jit else grad_x
    return (lambda: grad_x(x0).block_until_ready()), {"ops": OPS}


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
    main(ENGINES, baseline="numpy_by_hand", title="Small-op overhead: 1000 ops on 10-element arrays, fwd + bwd")
