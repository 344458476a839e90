"""The handwritten digits that ship with the package: contents, splits, licence, and the wheel."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import zipfile
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from autograd_lite import data

SHIPPED_SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"  # sklearn 1.9.1's copy


def test_the_shipped_file_is_the_published_one_with_its_licence():
    raw = resources.files("autograd_lite.data").joinpath("digits.csv.gz").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == SHIPPED_SHA256
    licence = resources.files("autograd_lite.data").joinpath("DIGITS_LICENSE.txt").read_text()
    for words in ("CC BY 4.0", "Alpaydin", "Kaynak", "UCI Machine Learning Repository", SHIPPED_SHA256):
        assert words in licence


def test_all_digits_shapes_values_and_classes():
    X, y = data.digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64 and y.dtype == np.int64
    assert X.min() == 0 and X.max() == 16 and np.all(X == np.round(X))  # counts of on-pixels in 4x4 blocks
    # the class sizes of the UCI test set (optdigits.tes)
    np.testing.assert_array_equal(np.bincount(y), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
    # first image of the file: a zero (a ring of ink around a blank centre)
    img = data.digits(images=True)[0][0]
    assert img.shape == (8, 8) and y[0] == 0
    assert img[3:5, 3:5].max() <= 2 and img[1:7, 1:7].max() >= 13
    np.testing.assert_array_equal(img.ravel(), X[0])
    assert data.digits(dtype=np.float32)[0].dtype == np.float32


def test_splits_are_fixed_disjoint_stratified_and_cover_everything():
    X, y = data.digits()
    parts = {s: data.digits(s) for s in data.DIGITS_SPLITS}
    sizes = {s: len(p[1]) for s, p in parts.items()}
    assert sizes == {"train": 1085, "val": 357, "test": 355} and sum(sizes.values()) == 1797
    # rebuild the full multiset of (pixels, label) rows from the three parts
    joined = np.concatenate([np.c_[p[0], p[1]] for p in parts.values()]).astype(int)
    full = np.c_[X, y].astype(int)
    np.testing.assert_array_equal(
        np.unique(joined, axis=0, return_counts=True)[1], np.unique(full, axis=0, return_counts=True)[1]
    )
    for s, (Xs, ys) in parts.items():  # every class in every split, in the 3/1/1 proportion
        frac = np.bincount(ys, minlength=10) / np.bincount(y)
        np.testing.assert_allclose(frac, {"train": 0.6, "val": 0.2, "test": 0.2}[s], atol=0.02)
        again = data.digits(s)
        np.testing.assert_array_equal(again[0], Xs)
        np.testing.assert_array_equal(again[1], ys)
    # disjoint by position: each split takes ranks (within class) mod 5 in {0,1,2} / {3} / {4}
    for k in range(10):
        members = X[y == k]
        np.testing.assert_array_equal(parts["val"][0][parts["val"][1] == k], members[3::5])
        np.testing.assert_array_equal(parts["test"][0][parts["test"][1] == k], members[4::5])


def test_arrays_are_fresh_and_bad_split_is_named():
    X, y = data.digits("val")
    X[:] = -1
    y[:] = -1
    X2, y2 = data.digits("val")
    assert X2.min() == 0 and y2.min() == 0
    with pytest.raises(ValueError, match=r"digits: split must be None or one of \('train', 'val', 'test'\), got 'dev'"):
        data.digits("dev")


def test_a_linear_softmax_classifier_learns_the_digits():
    import autograd_lite as ag

    X_tr, y_tr = data.digits("train")
    X_val, y_val = data.digits("val")
    pre = data.Standardize().fit(X_tr)
    model = ag.nn.Linear(64, 10, rng=0)
    ag.train.fit(
        model,
        ag.cross_entropy,
        ag.optim.Adam(model, lr=1e-2),
        pre.transform(X_tr),
        y_tr,
        epochs=15,
        seed=0,
        progress=False,
    )
    acc = ag.train.accuracy(ag.train.predict(model, pre.transform(X_val)), y_val)
    assert acc > 0.9  # a linear classifier reaches ~95% on these digits


@pytest.mark.slow
def test_the_wheel_carries_the_data_and_its_licence(tmp_path):
    pytest.importorskip("setuptools")
    root = Path(__file__).resolve().parents[1]
    src = tmp_path / "src"  # build from a copy, so no build/ or egg-info lands in the checkout
    shutil.copytree(
        root,
        src,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "build", "*.egg-info", "out", ".pytest_cache", ".hypothesis", "__pycache__"
        ),
    )
    # pip's isolated build brings the setuptools pyproject.toml asks for (>= 77, for the SPDX licence);
    # without a package index, fall back to the environment's own setuptools
    base = [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-q", "-w", str(tmp_path / "w")]
    done = subprocess.run(base, capture_output=True, text=True)
    if done.returncode != 0:
        done = subprocess.run([*base, "--no-build-isolation"], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {done.stderr[-300:]}")
    (wheel,) = (tmp_path / "w").glob("autograd_lite-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        assert {"autograd_lite/data/digits.csv.gz", "autograd_lite/data/DIGITS_LICENSE.txt"} <= names
        assert hashlib.sha256(z.read("autograd_lite/data/digits.csv.gz")).hexdigest() == SHIPPED_SHA256
        meta = z.read(next(n for n in names if n.endswith("METADATA"))).decode()
    requires = [line for line in meta.splitlines() if line.startswith("Requires-Dist:")]
    assert "Provides-Extra: plot" in meta and any(r.startswith("Requires-Dist: tqdm") for r in requires)
    assert not any("scikit" in r or "sklearn" in r for r in requires)
