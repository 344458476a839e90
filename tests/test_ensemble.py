"""Ensembles: averaging several models' predictions; snapshot ensembles from a cyclic cosine schedule."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import ensemble, nn, optim


def softmax(s):
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_ensemble_output_is_the_log_of_the_mean_probability():
    X = np.random.default_rng(0).standard_normal((6, 4))
    members = [nn.MLP([4, 8, 3], rng=s) for s in range(3)]
    scores = [m(X).data for m in members]
    ens = ensemble.Ensemble(members)
    out = ens(X)
    np.testing.assert_allclose(np.exp(out.data), np.mean([softmax(s) for s in scores], axis=0), rtol=1e-12)
    np.testing.assert_allclose(ensemble.average_predictions(members, X), np.exp(out.data), rtol=1e-12)
    mean_scores = ensemble.Ensemble(members, average="scores")(X).data
    np.testing.assert_allclose(mean_scores, np.mean(scores, axis=0), rtol=1e-12)
    np.testing.assert_allclose(ensemble.average_predictions(members, X, average="scores"), mean_scores)
    # it is a Module: the members' parameters, and gradients flow to every member
    assert len(ens.parameters()) == sum(len(m.parameters()) for m in members)
    ag.cross_entropy(out, np.array([0, 1, 2, 0, 1, 2])).backward()
    assert all(p.grad is not None for p in ens.parameters())
    with pytest.raises(ValueError, match="Ensemble: needs at least one model"):
        ensemble.Ensemble([])
    with pytest.raises(ValueError, match=r"Ensemble: average must be one of \('probs', 'scores'\), got 'vote'"):
        ensemble.Ensemble(members, average="vote")


def test_averaging_independent_models_helps_on_the_digits():
    X_tr, y_tr = ag.data.digits("train")
    X_te, y_te = ag.data.digits("test")
    pre = ag.data.Standardize().fit(X_tr)
    X_tr, X_te = pre.transform(X_tr), pre.transform(X_te)
    members = []
    for seed in range(5):
        m = nn.MLP([64, 32, 10], rng=seed)
        ag.train.fit(
            m,
            ag.cross_entropy,
            optim.SGD(m, lr=0.05, momentum=0.9),
            X_tr[:300],
            y_tr[:300],
            epochs=8,
            batch_size=32,
            seed=seed,
            progress=False,
        )
        members.append(m)
    single = [ag.train.accuracy(ag.train.predict(m, X_te), y_te) for m in members]
    joint = ag.train.accuracy(ensemble.average_predictions(members, X_te), y_te)
    assert joint >= np.mean(single)  # the lecture: an ensemble beats its average member


def test_snapshot_ensemble_takes_a_snapshot_at_every_cycle_end():
    X, y = ag.data.spiral(40, classes=3, seed=0)
    model = nn.MLP([2, 30, 3], rng=0)
    opt = optim.SGD(model, lr=0.5, momentum=0.9)
    res = ensemble.snapshot_ensemble(
        model, ag.cross_entropy, opt, X, y, cycles=3, epochs_per_cycle=4, batch_size=30, seed=0, progress=False
    )
    cycle = [0.5 * (1 + math.cos(math.pi * k / 4)) / 2 for k in range(4)]
    np.testing.assert_allclose(res.lrs, cycle * 3, rtol=1e-12)  # restarts at lr0 after every cycle
    assert len(res.snapshots) == 3 and len(res.histories) == 3
    weights = [s.parameters()[0].data for s in res.snapshots]
    assert not np.array_equal(weights[0], weights[1])  # distinct copies, not the live model
    np.testing.assert_array_equal(weights[-1], model.parameters()[0].data)
    assert weights[-1] is not model.parameters()[0].data
    assert isinstance(res.ensemble, ensemble.Ensemble) and len(res.ensemble.members) == 3
    acc = ag.train.accuracy(ag.train.predict(res.ensemble, X), y)
    assert acc > 0.6
