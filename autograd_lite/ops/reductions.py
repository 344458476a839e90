"""The primitive table, reductions family: products, cumulative sums and products, statistics
(std, var, average, median, quantile), extremes (amax, amin, ptp) and logsumexp."""

from __future__ import annotations

__all__: list[str] = []
