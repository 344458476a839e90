"""Specs for the elementwise family of the primitive table (``autograd_lite/ops/elementwise.py``)."""

from __future__ import annotations

from .opspec import Spec

SPECS: list[Spec] = []
