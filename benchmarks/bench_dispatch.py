"""numpy-dispatch overhead: the cost of one recorded forward op, spelled five ways.

``x * y`` and ``x @ W`` are Tensor operators and never touch numpy's dispatch; ``A * t``
(ndarray on the left) goes through ``Tensor.__array_ufunc__``, ``np.exp(t)`` too, and
``np.sum(t)`` through ``Tensor.__array_function__``.  Each engine runs 1,000 forward ops on
10-element float64 arrays with a Tensor that requires grad (recording on); the baseline is the
same ops on plain ndarrays.  Run it against two checkouts (``PYTHONPATH=<checkout>``) to
compare before and after a change to the dispatch.
"""

from __future__ import annotations

import numpy as np

from _harness import main

OPS, SIZE = 1000, 10


def _operands():
    rng = np.random.default_rng(0)
    return rng.standard_normal(SIZE), rng.standard_normal(SIZE), rng.standard_normal((SIZE, SIZE))


def _engine(op):
    def setup():
        import autograd_lite as ag

        x0, y0, w0 = _operands()
        x = ag.Tensor(x0, requires_grad=True)
        y, w = ag.Tensor(y0), ag.Tensor(w0)

        def step():
            for _ in range(OPS):
                op(x, y, w, y0)

        return step, {"ops": OPS}

    return setup


def numpy_ndarrays():
    x, y, w = _operands()

    def step():
        for _ in range(OPS):
            x * y

    return step, {"ops": OPS}


ENGINES = {
    "numpy x*y": numpy_ndarrays,
    "x * y": _engine(lambda x, y, w, a: x * y),
    "x @ W": _engine(lambda x, y, w, a: x @ w),
    "ndarray * x": _engine(lambda x, y, w, a: a * x),
    "np.exp(x)": _engine(lambda x, y, w, a: np.exp(x)),
    "np.sum(x)": _engine(lambda x, y, w, a: np.sum(x)),
}

if __name__ == "__main__":
    main(ENGINES, baseline="numpy x*y", title="numpy dispatch: 1000 recorded forward ops on 10-element arrays")
