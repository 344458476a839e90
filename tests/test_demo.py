"""The main job (`make demo`, `autograd-lite demo`): it runs end to end, its digits part trains two
classifiers to sensible accuracies and draws the loss curve (or says why not), and the README's
paragraph about it states what it prints."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest

from autograd_lite import cli
from autograd_lite.demo import section_digits

README = Path(__file__).resolve().parents[1] / "README.md"
HINT = "pip install 'autograd-lite[plot]'"
ACCURACY = re.compile(r"\b(train|val) (\d+\.\d)%")


def matplotlib_importable() -> bool:
    try:
        import matplotlib.pyplot  # noqa: F401
    except ImportError:
        return False
    return True


def readme_demo_paragraph() -> str:
    """The README's account of what the main job prints: from "The main job walks the course" to "`make bench`"."""
    text = README.read_text(encoding="utf-8")
    start, end = text.find("The main job walks the course"), text.find("`make bench` runs the benchmarks")
    assert 0 <= start < end, "README.md lost its list of what the main job prints (before `make bench`)"
    return text[start:end]


def digits_accuracies(out: str) -> dict[str, tuple[float, float]]:
    """{"linear": (train, val), "two-layer": (train, val)} from the digits section, in [0, 1]."""
    digits_part = out[out.index("== Real images: the handwritten digits") :]
    found = {}
    for model, pattern in [("linear", "linear softmax classifier"), ("two-layer", "two-layer network")]:
        m = re.search(rf"^{pattern} \(64 -> .*:\s+train ([\d.]+)%\s+val ([\d.]+)%", digits_part, re.M)
        assert m, f"no {pattern} line in the digits section:\n{digits_part}"
        found[model] = (float(m.group(1)) / 100, float(m.group(2)) / 100)
    return found


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """One run of the whole demo through the command line's entry point, as `make demo` runs it."""
    import contextlib
    import io

    out_dir = tmp_path_factory.mktemp("demo_out")
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        status = cli.main(["demo", "--out-dir", str(out_dir)])
    assert status == 0, stderr.getvalue()  # cli.main turns an error into status 1 and one line on stderr
    return stdout.getvalue(), out_dir


def test_demo_runs_end_to_end_and_trains_both_digits_classifiers(demo_run):
    out, out_dir = demo_run
    assert "Traceback" not in out
    headers = ("== The sigmoid neuron", "== The neuron's graph", "== Training: a two-layer network", "== Real images")
    assert all(header in out for header in headers), out
    acc = digits_accuracies(out)
    assert acc["linear"][1] > 0.85 and acc["two-layer"][1] > 0.9, acc
    assert acc["two-layer"][1] > acc["linear"][1], "the hidden layer should beat the linear classifier on digits"
    assert "test split held out" in out


def test_demo_draws_the_loss_curve_when_matplotlib_is_there(demo_run):
    out, out_dir = demo_run
    png = out_dir / "digits_loss_curve.png"
    if not matplotlib_importable():
        assert f"loss curve skipped: autograd_lite.plot needs matplotlib, an optional extra: {HINT}" in out
        assert not png.exists()
        return
    assert f"loss curve: {png}" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import matplotlib.image

    pixels = matplotlib.image.imread(png)
    assert pixels.shape[:2] == (350, 600)  # loss_curve's 6 x 3.5 inches at 100 dpi
    assert np.ptp(pixels[..., :3]) > 0.5, "the picture is blank"


def test_digits_section_without_matplotlib_prints_the_hint(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib...` now raises ImportError
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    assert section_digits(tmp_path) is None
    out = capsys.readouterr().out
    assert f"loss curve skipped: autograd_lite.plot needs matplotlib, an optional extra: {HINT}" in out
    assert "Traceback" not in out
    assert not (tmp_path / "digits_loss_curve.png").exists()
    acc = digits_accuracies(out)  # the training still ran and printed
    assert acc["linear"][1] > 0.85 and acc["two-layer"][1] > 0.9, acc


def test_readme_states_what_the_demo_prints(demo_run):
    """Every accuracy the README quotes is printed by the demo, and every one it prints is quoted
    (the demo is seeded and float64: the numbers are the same on every run)."""
    out, out_dir = demo_run
    paragraph = " ".join(readme_demo_paragraph().split())  # one line, whatever the wrapping
    quoted = ACCURACY.findall(paragraph)
    printed = ACCURACY.findall(out)
    assert len(quoted) == 8 and sorted(quoted) == sorted(printed), f"README: {quoted}\ndemo:   {printed}"
    # the pairs as they go together: "train X% / val Y%" in the README, "train X%  val Y%" printed
    for train_acc, val_acc in re.findall(r"train (\d+\.\d)% / val (\d+\.\d)%", paragraph):
        assert re.search(rf"train {re.escape(train_acc)}%\s+val {re.escape(val_acc)}%", out), (train_acc, val_acc)
    value = re.search(r"f = (\d\.\d{4})", paragraph).group(1)
    assert f"f = {value}" in out
    for name in re.findall(r"`out/([\w.]+)`", paragraph):
        if name.endswith(".png") and not matplotlib_importable():
            continue
        assert (out_dir / name).is_file(), f"the README names out/{name}, which the demo did not write"
    assert HINT in paragraph and "loss curve skipped:" in paragraph
