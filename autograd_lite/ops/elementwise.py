"""The primitive table, elementwise family: trigonometric, hyperbolic, exponential and
logarithmic functions, rounding, and the other numpy ufuncs that act element by element."""

from __future__ import annotations

__all__: list[str] = []
