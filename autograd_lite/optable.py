"""The README's table of operations, generated from the primitive table itself.

The primitive table (``ops/``) is the one home of per-op facts; this module only renders them:
every primitive with its forward and gradient rule (its ``doc``), whether it is elementwise, and
the numpy names that run it on Tensors; then every numpy name registered for a composite
(``dispatch.HANDLED``) with the first sentence of its docstring.

``python -m autograd_lite.optable`` prints the Markdown; ``--write`` puts it into README.md
between the markers ``<!-- optable:start -->`` and ``<!-- optable:end -->``; ``--check`` exits 1
when the README's copy is out of date (``tests/test_optable.py`` does the same check).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import dispatch, ops
from .engine import Primitive, split_doc

__all__ = ["START", "END", "README", "numpy_names", "table_markdown", "readme_table", "write_readme", "main"]

START = "<!-- optable:start -->"
END = "<!-- optable:end -->"
README = Path(__file__).resolve().parent.parent / "README.md"
_FAMILIES = ("core", "elementwise", "reductions", "linalg", "shape")


def _numpy_name(obj: Any) -> str:
    """``np.sin``, ``np.linalg.det``: how a numpy callable is spelled in the README."""
    module = getattr(obj, "__module__", None) or "numpy"
    prefix = "np" + module[len("numpy") :] if module.startswith("numpy") and "._" not in module else "np"
    return f"{prefix}.{getattr(obj, '__name__', obj)}"


def numpy_names() -> list[tuple[str, Callable[..., Any]]]:
    """Every numpy name that runs an autograd_lite operation on Tensors, with what it runs."""
    return sorted({_numpy_name(k): fn for k, fn in dispatch.HANDLED.items()}.items())


def _primitive_of(fn: Any, by_name: dict[str, Primitive]) -> Primitive | None:
    """The primitive a registered function runs: itself, or the primitive of its name that it wraps."""
    if isinstance(fn, Primitive):
        return fn
    return by_name.get(getattr(fn, "__name__", ""))


def _code(text: str) -> str:
    """A Markdown table cell showing ``text`` as code ('|' escaped, as GitHub tables need)."""
    if not text:
        return ""
    tick = "``" if "`" in text else "`"
    return f"{tick}{text.replace('|', chr(92) + '|')}{tick}"


def _family(p: Primitive) -> str:
    """Which file of the primitive table defines ``p`` (``ops/<family>.py``)."""
    return next((f for f in _FAMILIES if any(v is p for v in vars(getattr(ops, f)).values())), "")


def _rules_text(p: Primitive) -> str:
    _, rules, note = split_doc(p.doc)
    return f"{rules}  ({note})" if note else rules


def _summary(fn: Any) -> str:
    """The first sentence of a docstring's first paragraph, on one line, ``x`` shown as `x`."""
    paragraph = (getattr(fn, "__doc__", None) or "").strip().split("\n\n")[0]
    text = " ".join(paragraph.split()).replace("``", "")
    end = text.find(". ")
    return text[: end + 1] if end >= 0 else text


def table_markdown() -> str:
    """The operation tables as Markdown: primitives first, then composites numpy dispatches to."""
    prims = ops.PRIMITIVES
    by_name = {p.name: p for p in prims}
    names_of: dict[int, list[str]] = {}
    composites: dict[int, tuple[Callable[..., Any], list[str]]] = {}
    for np_name, fn in numpy_names():
        p = _primitive_of(fn, by_name)
        if p is not None:
            names_of.setdefault(id(p), []).append(np_name)
        else:
            composites.setdefault(id(fn), (fn, []))[1].append(np_name)
    lines = [
        "| primitive | family | forward | gradient rule | elementwise | numpy |",
        "|---|---|---|---|:-:|---|",
    ]
    for p in prims:
        forward = split_doc(p.doc)[0]
        numpy = ", ".join(_code(n) for n in names_of.get(id(p), []))
        mark = "✓" if p.elementwise else ""
        lines.append(f"| `{p.name}` | {_family(p)} | {_code(forward)} | {_code(_rules_text(p))} | {mark} | {numpy} |")
    lines += ["", "| composite or query | definition | numpy |", "|---|---|---|"]
    for fn, np_names in sorted(composites.values(), key=lambda c: getattr(c[0], "__name__", "")):
        numpy = ", ".join(_code(n) for n in np_names)
        lines.append(f"| `{getattr(fn, '__name__', '?')}` | {_code(_summary(fn))} | {numpy} |")
    return "\n".join(lines) + "\n"


def readme_table(text: str) -> str | None:
    """The table between the markers in README text (None when the markers are missing)."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        return None
    return text[start + len(START) : end].strip("\n") + "\n"


def write_readme(path: Path = README) -> bool:
    """Put the generated table between the markers of ``path``; True if the file changed."""
    text = path.read_text(encoding="utf-8")
    if readme_table(text) is None:
        raise ValueError(f"optable: {path} has no {START} ... {END} markers to write the table between")
    start, end = text.index(START) + len(START), text.index(END)
    new = text[:start] + "\n" + table_markdown() + text[end:]
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograd_lite.optable", description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the table into the README between its markers")
    parser.add_argument("--check", action="store_true", help="exit 1 if the README's table is out of date")
    parser.add_argument(
        "--readme", type=Path, default=README, help="the README to write or check (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    if args.write:
        changed = write_readme(args.readme)
        print(f"{args.readme}: operation table {'updated' if changed else 'already up to date'}")
        return 0
    if args.check:
        current = readme_table(args.readme.read_text(encoding="utf-8"))
        if current != table_markdown():
            print(f"{args.readme}: the operation table is out of date; run python -m autograd_lite.optable --write")
            return 1
        return 0
    sys.stdout.write(table_markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
