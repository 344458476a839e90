"""Specs for the shape family of the primitive table (``autograd_lite/ops/shape.py``)."""

from __future__ import annotations

from .opspec import Spec

SPECS: list[Spec] = []
