"""Hyperparameter search: grid, random with log-uniform sampling, coarse-to-fine, the table."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd_lite import tune
from autograd_lite.tune import Choice, LogUniform, Uniform


def peak(p):
    """A made-up validation accuracy, best at lr = 1e-3, reg = 1e-4 (log-scale bowl)."""
    return 1.0 - 0.05 * (math.log10(p["lr"]) + 3) ** 2 - 0.02 * (math.log10(p["reg"]) + 4) ** 2


def test_log_uniform_samples_stay_in_bounds_and_spread_evenly_over_decades():
    d = LogUniform(1e-5, 1e-1)
    x = d.sample(np.random.default_rng(0), 20_000)
    assert x.min() >= 1e-5 and x.max() <= 1e-1
    counts = np.histogram(np.log10(x), bins=4, range=(-5, -1))[0]  # one bin per decade
    np.testing.assert_allclose(counts / len(x), 0.25, atol=0.015)
    # a plain Uniform over the same range would put ~90% in the top decade
    u = Uniform(1e-5, 1e-1).sample(np.random.default_rng(0), 20_000)
    assert np.mean(u > 1e-2) > 0.85
    with pytest.raises(ValueError, match=r"LogUniform: needs 0 < low < high, got \(0, 1\)"):
        LogUniform(0, 1)
    with pytest.raises(ValueError, match=r"Uniform: needs finite low < high, got \(2, 1\)"):
        Uniform(2, 1)


def test_grid_search_tries_every_combination_and_ranks_them():
    seen = []

    def objective(p):
        seen.append(dict(p))
        return peak(p)

    res = tune.grid_search(objective, {"lr": [1e-4, 1e-3, 1e-2], "reg": [1e-5, 1e-4]}, score="acc")
    assert len(seen) == 6 and {(s["lr"], s["reg"]) for s in seen} == {
        (a, b) for a in (1e-4, 1e-3, 1e-2) for b in (1e-5, 1e-4)
    }
    assert res.best.params == {"lr": 1e-3, "reg": 1e-4} and res.best.score == pytest.approx(1.0)
    ranked = [t.score for t in res.ranked()]
    assert ranked == sorted(ranked, reverse=True)
    table = res.table()
    lines = table.splitlines()
    assert lines[0].split() == ["rank", "lr", "reg", "score"] and len(lines) == 7
    assert lines[1].split()[:3] == ["1", "1.000e-03", "1.000e-04"]
    worst = tune.grid_search(peak, {"lr": [1e-4, 1e-3, 1e-2], "reg": [1e-4]}, maximize=False).best
    assert worst.params["lr"] in (1e-4, 1e-2) and worst.score == pytest.approx(0.95)
    with pytest.raises(ValueError, match="grid_search: needs at least one value for every name"):
        tune.grid_search(peak, {"lr": []})


def test_random_search_is_seeded_and_can_minimize_and_read_dicts():
    space = {"lr": LogUniform(1e-5, 1e-1), "reg": LogUniform(1e-6, 1e-2), "act": Choice(["relu", "tanh"])}
    a = tune.random_search(lambda p: {"val_acc": peak(p), "train_acc": 1.0}, space, n_trials=12, seed=3)
    b = tune.random_search(lambda p: {"val_acc": peak(p), "train_acc": 1.0}, space, n_trials=12, seed=3)
    assert [t.params for t in a.trials] == [t.params for t in b.trials]
    assert all(1e-5 <= t.params["lr"] <= 1e-1 and t.params["act"] in ("relu", "tanh") for t in a.trials)
    assert isinstance(a.trials[0].params["lr"], float)  # plain Python numbers, not numpy scalars
    assert a.trials[0].metrics == {"val_acc": a.trials[0].score, "train_acc": 1.0}
    assert "train_acc" in a.table().splitlines()[0]
    lossy = tune.random_search(lambda p: -peak(p), space, n_trials=12, seed=3, maximize=False)
    assert lossy.best.params == a.best.params
    with pytest.raises(KeyError, match="without the score key 'val_acc'"):
        tune.random_search(lambda p: {"acc": 1.0}, space, n_trials=1)
    with pytest.raises(TypeError, match="random_search: 'lr' must be LogUniform, Uniform or Choice, got list"):
        tune.random_search(peak, {"lr": [1, 2]})


def test_nan_scores_rank_last():
    res = tune.grid_search(lambda p: math.nan if p["lr"] > 0.5 else p["lr"], {"lr": [0.1, 0.9, 0.3]})
    assert [t.params["lr"] for t in res.ranked()] == [0.3, 0.1, 0.9]


def test_coarse_to_fine_narrows_the_ranges_around_the_best():
    space = {"lr": LogUniform(1e-6, 1.0), "reg": LogUniform(1e-7, 1e-1), "act": Choice(["relu"])}
    res = tune.coarse_to_fine(peak, space, rounds=4, n_trials=25, keep=3, seed=0)
    assert len(res.trials) == 100 and len(res.spaces) == 4
    assert [t.round for t in res.trials] == [r for r in range(4) for _ in range(25)]
    widths = [math.log10(s["lr"].high / s["lr"].low) for s in res.spaces]
    assert all(w1 < w0 for w0, w1 in zip(widths, widths[1:]))  # every round narrower
    assert widths[-1] < widths[0] / 3
    for s0, s1 in zip(res.spaces, res.spaces[1:]):  # nested
        assert s0["lr"].low <= s1["lr"].low and s1["lr"].high <= s0["lr"].high
        assert s1["act"] == s0["act"]
    final = res.spaces[-1]
    assert final["lr"].low <= 1e-3 <= final["lr"].high  # the optimum stays inside
    assert final["reg"].low <= 1e-4 <= final["reg"].high
    assert res.best.score > max(t.score for t in res.trials if t.round == 0)  # the fine rounds found better
    assert abs(math.log10(res.best.params["lr"]) + 3) < 0.3


def test_narrowing_keeps_a_range_of_some_width_inside_the_old_one():
    d = Uniform(0.0, 10.0).narrowed([4.0, 4.0, 4.0], pad=0.25)
    assert 0.0 <= d.low < 4.0 < d.high <= 10.0
    e = LogUniform(1e-4, 1e-2).narrowed([1e-4, 2e-4], pad=0.5)
    assert e.low == 1e-4 and e.high < 1e-3
