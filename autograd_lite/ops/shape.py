"""The primitive table, shape family: reshaping, joining, splitting, repeating, flipping,
padding, sorting and window views -- operations that move elements without changing them."""

from __future__ import annotations

__all__: list[str] = []
