"""Specs for the linalg family of the primitive table (``autograd_lite/ops/linalg.py``)."""

from __future__ import annotations

from .opspec import Spec

SPECS: list[Spec] = []
