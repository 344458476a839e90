"""Specs for the reductions family of the primitive table (``autograd_lite/ops/reductions.py``)."""

from __future__ import annotations

from .opspec import Spec

SPECS: list[Spec] = []
