"""fit's progress bar is tqdm's: plain lines in logs, redrawn in place on a terminal."""

from __future__ import annotations

import io
import re

from autograd_lite import data, losses, nn, optim, train


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def run(progress):
    X, y = data.spiral(20, seed=0)
    model = nn.MLP([2, 8, 3], rng=0)
    return train.fit(
        model,
        losses.cross_entropy,
        optim.Adam(model, lr=1e-2),
        X,
        y,
        epochs=8,
        batch_size=20,
        val=(X, y),
        seed=0,
        progress=progress,
        desc="spiral",
    )


def test_fit_writes_a_few_plain_lines_to_a_log():
    log = io.StringIO()
    hist = run(log)
    text = log.getvalue()
    lines = text.splitlines()
    assert "\r" not in text and len(lines) == 5  # start, then every 2 of 8 epochs (the bar's default 4 lines)
    assert lines[0].startswith("spiral:   0%") and " 0/8 " in lines[0]
    assert re.match(r"spiral: 100%\|#{10}\| 8/8 ", lines[-1])
    # the postfix carries the last epoch's numbers
    assert f"train_acc={hist.train_acc[-1]:.3g}" in lines[-1] and "val_acc=" in lines[-1] and "loss=" in lines[-1]


def test_fit_redraws_in_place_on_a_terminal_and_is_silent_when_asked(capsys):
    term = FakeTerminal()
    run(term)
    text = term.getvalue()  # one line, redrawn with carriage returns (tqdm throttles fast updates)
    assert text.count("\r") >= 2 and text.count("\n") == 1 and text.endswith("\n")
    assert re.search(r"\rspiral: 100%.* 8/8 .*val_acc=", text)
    run(False)
    assert capsys.readouterr() == ("", "")
