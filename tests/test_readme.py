"""Every ```python block of README.md runs, in order, in one namespace, as a reader would paste them.

Each block is a test of its own (named by its line in the README); the blocks before it run first
in the same namespace (once per test process), in a temporary folder, so files the README writes
land there.  A block that needs something optional (a Graphviz renderer for pictures, matplotlib
for ``ag.plot``) is skipped, with the reason shown, only when that thing is missing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
FENCE = re.compile(r"^```python\n(.*?)^```", re.M | re.S)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """(line number of the opening fence, code) for every ```python block of ``text``, in order."""
    return [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in FENCE.finditer(text)]


BLOCKS = python_blocks(README.read_text(encoding="utf-8"))


def missing_need(code: str) -> str | None:
    """Why ``code`` cannot run here (an optional dependency it needs is missing), or None."""
    if re.search(r"\b(draw_graph|save_graph)\(", code):
        import autograd_lite as ag

        try:
            ag.find_renderer()
        except ag.RendererNotFound:
            return "draws a picture and no Graphviz renderer is installed (pip install graphviz-pure)"
    if "ag.plot." in code:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            return "draws with ag.plot and matplotlib is not installed (the plot extra)"
    return None


class _Session:
    """The shared namespace, and how many blocks have run in it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.restart()

    def restart(self) -> None:
        self.namespace: dict[str, Any] = {"__name__": "__readme__"}
        self.done = 0

    def run(self, index: int) -> None:
        line, code = BLOCKS[index]
        exec(compile(code, f"README.md, the block at line {line}", "exec"), self.namespace)  # the README's own code
        self.done = index + 1


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> _Session:
    return _Session(tmp_path_factory.mktemp("readme"))


def test_the_readme_has_its_examples():
    assert len(BLOCKS) >= 8, f"found {len(BLOCKS)} python blocks in README.md"
    assert python_blocks("text\n```python\nx = 1\n```\n```sh\nls\n```\n") == [(2, "x = 1\n")]


@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=[f"line {line}" for line, _ in BLOCKS])
def test_readme_block_runs(index: int, session: _Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(session.folder)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    if session.done > index:  # a later block ran first in this process: start again from the top
        session.restart()
    while session.done < index:  # the blocks before it, as a reader runs them (once per process)
        if missing_need(BLOCKS[session.done][1]) is None:
            session.run(session.done)
        else:
            session.done += 1
    reason = missing_need(BLOCKS[index][1])
    if reason:
        pytest.skip(f"README.md line {BLOCKS[index][0]}: {reason}")
    session.run(index)
