"""Hyperparameter search as in the lecture: grid, random (log-uniform), coarse-to-fine.

The search space is a dict of name -> distribution: ``LogUniform(1e-4, 1e-1)`` for scale
parameters such as learning rates and regularization strengths (uniform in log10), ``Uniform``,
``Choice``.  The objective takes a dict of values and returns a score -- higher is better
(validation accuracy) -- or a dict of numbers holding ``score``'s key (``"val_acc"`` by default);
pass ``maximize=False`` for losses.

* ``grid_search(objective, {"lr": [1e-3, 1e-2], "reg": [0, 1e-4]})`` tries every combination.
* ``random_search(objective, space, n_trials, seed)``: the lecture's preference -- with one
  important and one unimportant parameter, a grid tries only a few values of the important one.
* ``coarse_to_fine(objective, space, rounds, n_trials, keep)``: random search, then narrows every
  continuous range to the span of the best ``keep`` trials (padded a little, never outside the
  old range) and searches again.
* Each returns a ``SearchResult``: ``.trials``, ``.best``, ``.table()`` (best first), and
  ``ag.plot.search_scatter(result)`` draws the score against each hyperparameter.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .arguments import generator

__all__ = [
    "LogUniform", "Uniform", "Choice", "Trial", "SearchResult", "grid_search", "random_search", "coarse_to_fine",
]  # fmt: skip


# --------------------------------------------------------------------------- distributions
@dataclass(frozen=True)
class Uniform:
    """Uniform on [low, high]."""

    low: float
    high: float
    log = False

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise ValueError(f"{type(self).__name__}: needs finite low < high, got ({self.low}, {self.high})")

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)

    def narrowed(self, values: Sequence[float] | np.ndarray, pad: float) -> Uniform:
        """The span of ``values`` widened by ``pad`` times itself on each side, inside this range."""
        lo, hi = float(np.min(values)), float(np.max(values))
        width = max(hi - lo, (self.high - self.low) * 1e-3)
        return type(self)(max(self.low, lo - pad * width), min(self.high, hi + pad * width))


@dataclass(frozen=True)
class LogUniform(Uniform):
    """log10 of the value uniform on [log10 low, log10 high] (both > 0): each decade is as likely."""

    log = True

    def __post_init__(self) -> None:
        if not self.low > 0:
            raise ValueError(f"LogUniform: needs 0 < low < high, got ({self.low}, {self.high})")
        super().__post_init__()

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return 10.0 ** rng.uniform(math.log10(self.low), math.log10(self.high), n)

    def narrowed(self, values: Sequence[float] | np.ndarray, pad: float) -> LogUniform:
        exps = Uniform(math.log10(self.low), math.log10(self.high)).narrowed(np.log10(values), pad)
        return LogUniform(max(self.low, 10.0**exps.low), min(self.high, 10.0**exps.high))


@dataclass(frozen=True)
class Choice:
    """One of a fixed list of values, equally likely."""

    values: tuple[Any, ...]

    def __init__(self, values: Sequence[Any]) -> None:
        if len(values) == 0:
            raise ValueError("Choice: needs at least one value")
        object.__setattr__(self, "values", tuple(values))

    def sample(self, rng: np.random.Generator, n: int) -> list[Any]:
        return [self.values[i] for i in rng.integers(0, len(self.values), n)]


# --------------------------------------------------------------------------- results
@dataclass
class Trial:
    """One evaluation: the hyperparameters, the score, every number the objective returned."""

    params: dict[str, Any]
    score: float
    metrics: dict[str, float] = field(default_factory=dict)
    round: int = 0


@dataclass
class SearchResult:
    """All trials of a search, in the order they ran; ``spaces`` holds each round's space."""

    trials: list[Trial]
    maximize: bool = True
    spaces: list[dict[str, Any]] = field(default_factory=list)

    def ranked(self) -> list[Trial]:
        """Best first; trials whose score is NaN (a diverged run) last."""

        def key(t: Trial) -> tuple[bool, float]:
            return (math.isnan(t.score), -t.score if self.maximize else t.score)

        return sorted(self.trials, key=key)

    @property
    def best(self) -> Trial:
        if not self.trials:
            raise ValueError("SearchResult.best: no trials")
        return self.ranked()[0]

    def table(self, top: int | None = None) -> str:
        """The trials as a text table, best first (``top`` rows)."""
        rows = self.ranked()[:top]
        if not rows:
            return "(no trials)"
        names = list(rows[0].params)
        extra = [k for k in rows[0].metrics if k not in names]
        head = ["rank", *names, "score", *extra]
        body = [
            [str(i + 1), *(_fmt(t.params[n]) for n in names), _fmt(t.score), *(_fmt(t.metrics.get(k)) for k in extra)]
            for i, t in enumerate(rows)
        ]
        widths = [max(len(r[c]) for r in [head, *body]) for c in range(len(head))]
        return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in [head, *body])

    def __repr__(self) -> str:
        return f"SearchResult({len(self.trials)} trials, best score {self.best.score:.4g}: {self.best.params})"


def _fmt(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{v:.3e}" if v != 0 and not 1e-2 <= abs(v) < 1e4 else f"{v:.4g}"
    return str(v)


# --------------------------------------------------------------------------- searches
def _evaluate(objective: Callable[[dict[str, Any]], Any], params: dict[str, Any], score: str, rnd: int) -> Trial:
    out = objective(dict(params))
    if isinstance(out, dict):
        if score not in out:
            raise KeyError(f"search: the objective returned {sorted(out)}, without the score key {score!r}")
        metrics = {k: float(v) for k, v in out.items()}
        value = metrics[score]
    else:
        value, metrics = float(out), {}
    return Trial(params=dict(params), score=value, metrics=metrics, round=rnd)


def grid_search(objective: Callable[[dict[str, Any]], Any], grid: dict[str, Sequence[Any]], score: str = "val_acc",
                maximize: bool = True) -> SearchResult:  # fmt: skip
    """Every combination of the listed values (the last name varies fastest)."""
    if not grid or any(len(v) == 0 for v in grid.values()):
        raise ValueError(f"grid_search: needs at least one value for every name, got {grid}")
    names = list(grid)
    trials = [_evaluate(objective, dict(zip(names, combo)), score, 0) for combo in itertools.product(*grid.values())]
    return SearchResult(trials, maximize, [dict(grid)])


def _check_space(who: str, space: dict[str, Any]) -> None:
    if not space:
        raise ValueError(f"{who}: the search space is empty")
    for name, dist in space.items():
        if not isinstance(dist, (Uniform, Choice)):
            raise TypeError(f"{who}: {name!r} must be LogUniform, Uniform or Choice, got {type(dist).__name__}")


def _sample(space: dict[str, Any], n: int, rng: np.random.Generator) -> list[dict[str, Any]]:
    columns = {name: dist.sample(rng, n) for name, dist in space.items()}
    return [{name: _plain(columns[name][i]) for name in space} for i in range(n)]


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def random_search(objective: Callable[[dict[str, Any]], Any], space: dict[str, Any], n_trials: int = 20,
                  seed: Any = None, score: str = "val_acc", maximize: bool = True) -> SearchResult:  # fmt: skip
    """``n_trials`` independent draws from ``space`` (seeded)."""
    _check_space("random_search", space)
    if int(n_trials) < 1:
        raise ValueError(f"random_search: n_trials must be a positive integer, got {n_trials}")
    rng = generator(seed)
    trials = [_evaluate(objective, p, score, 0) for p in _sample(space, int(n_trials), rng)]
    return SearchResult(trials, maximize, [dict(space)])


def coarse_to_fine(objective: Callable[[dict[str, Any]], Any], space: dict[str, Any], rounds: int = 3,
                   n_trials: int = 20, keep: int = 3, pad: float = 0.25, seed: Any = None, score: str = "val_acc",
                   maximize: bool = True) -> SearchResult:  # fmt: skip
    """Random search in ``rounds`` rounds; after each, every ``Uniform``/``LogUniform`` range
    shrinks to the span of the best ``keep`` trials so far (widened by ``pad`` of that span on
    each side, in log space for LogUniform, clipped to the previous range); ``Choice`` stays.
    ``result.spaces`` holds the space of every round, ``trial.round`` the round of each trial."""
    _check_space("coarse_to_fine", space)
    if int(rounds) < 1 or int(keep) < 1:
        raise ValueError(f"coarse_to_fine: rounds and keep must be positive integers, got {rounds}, {keep}")
    rng = generator(seed)
    result = SearchResult([], maximize, [])
    current = dict(space)
    for r in range(int(rounds)):
        result.spaces.append(dict(current))
        result.trials += [_evaluate(objective, p, score, r) for p in _sample(current, int(n_trials), rng)]
        top = [t for t in result.ranked()[: int(keep)] if not math.isnan(t.score)]
        if top:
            current = {name: dist.narrowed([t.params[name] for t in top], pad) if isinstance(dist, Uniform) else dist
                       for name, dist in current.items()}  # fmt: skip
    return result
