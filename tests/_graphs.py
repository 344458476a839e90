"""Graphs from the course notes, built the same way by every test that needs them."""

from __future__ import annotations

import autograd_lite as ag


def lecture_graph() -> tuple[ag.Tensor, tuple[ag.Tensor, ...]]:
    """f = (x + y) z at x = -2, y = 5, z = -4, with q = x + y named; returns f and (x, y, z, q)."""
    x = ag.Tensor(-2.0, requires_grad=True, name="x")
    y = ag.Tensor(5.0, requires_grad=True, name="y")
    z = ag.Tensor(-4.0, requires_grad=True, name="z")
    q = x + y
    q.name = "q"
    f = q * z
    f.name = "f"
    return f, (x, y, z, q)
