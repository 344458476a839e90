"""The floor of a reverse-mode engine written in Python: a tape and nothing else.

Not a peer and not a library: about the least Python an engine that records operations on numpy
arrays must run per operation -- one Python object per result, one frame to record it, one
closure call to backpropagate it -- with none of the guarantees autograd_lite keeps (no shape or
dtype checks of gradients, no versions, no grad mode, no names or scopes, no retained or
accumulated .grad, no second-order gradients, a tape that only works when the loss is the last
value recorded).  The benchmarks run it as the engine ``python_tape``, to show how much of the
distance to hand-written numpy is the interpreter's and how much is autograd_lite's own.
"""

from __future__ import annotations

import numpy as np

_tape: list = []  # (output Var, rule) in the order they were made


class Var:
    __slots__ = ("value", "grad")
    __array_ufunc__ = None  # ``ndarray @ Var`` and ``ndarray * Var`` come to the reflected methods

    def __init__(self, value):
        self.value, self.grad = value, None

    def __add__(self, other):
        return _binary(self, other, np.add, _pass, _pass)

    __radd__ = __add__

    def __mul__(self, other):
        return _binary(self, other, np.multiply, lambda g, a, b: g * b, lambda g, a, b: g * a)

    __rmul__ = __mul__

    def __matmul__(self, other):
        return _binary(self, other, np.matmul, lambda g, a, b: g @ b.T, lambda g, a, b: a.T @ g)

    def __rmatmul__(self, other):
        return _binary(other, self, np.matmul, lambda g, a, b: g @ b.T, lambda g, a, b: a.T @ g)

    def __rsub__(self, other):  # other - self
        out = Var(other - self.value)
        _tape.append((out, lambda g: _send(self, -g)))
        return out

    def reshape(self, *shape):
        out = Var(self.value.reshape(*shape))
        _tape.append((out, lambda g: _send(self, g.reshape(self.value.shape))))
        return out

    def backward(self):
        self.grad = np.ones_like(self.value)
        while _tape:  # the last value made comes first: reverse order of the tape
            out, rule = _tape.pop()
            if out.grad is not None:
                rule(out.grad)


def _pass(g, a, b):
    return g


def _value(x):
    return x.value if type(x) is Var else x


def _binary(a, b, forward, rule_a, rule_b):
    av, bv = _value(a), _value(b)
    out = Var(forward(av, bv))

    def rule(g):
        if type(a) is Var:
            _send(a, rule_a(g, av, bv))
        if type(b) is Var:
            _send(b, rule_b(g, av, bv))

    _tape.append((out, rule))
    return out


def _send(x, g):
    """Add ``g`` (summed down to x's shape: undoes broadcasting) into x.grad."""
    shape = x.value.shape
    if g.shape != shape:
        lead = g.ndim - len(shape)
        g = g.sum(axis=tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1))
        g = g.reshape(shape)
    x.grad = g if x.grad is None else x.grad + g


def relu(x):
    out = Var(np.maximum(x.value, 0))
    _tape.append((out, lambda g: _send(x, g * (x.value > 0))))
    return out


def tanh(x):
    out = Var(np.tanh(x.value))
    _tape.append((out, lambda g: _send(x, g * (1 - out.value * out.value))))
    return out


def total(x):
    out = Var(x.value.sum())
    _tape.append((out, lambda g: _send(x, np.full(x.value.shape, g))))
    return out


def mean(x):
    n = x.value.size
    out = Var(x.value.mean())
    _tape.append((out, lambda g: _send(x, np.full(x.value.shape, g / n))))
    return out
