"""The package's shape: no function in autograd_lite/ is longer than one screen (80 lines)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "autograd_lite"
MAX_LINES = 80

# files allowed longer functions (none: split a long function into named steps instead)
EXEMPT: set[str] = set()


def long_functions(source: str, max_lines: int = MAX_LINES) -> list[tuple[str, int]]:
    """(name, length in lines) of every function or method in ``source`` longer than ``max_lines``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > max_lines:
                found.append((node.name, length))
    return found


def test_the_checker_finds_a_long_function():
    body = "\n".join(f"    x{k} = {k}" for k in range(MAX_LINES))
    assert long_functions(f"def f():\n{body}\n") == [("f", MAX_LINES + 1)]
    assert long_functions(f"def f():\n{body}\n", max_lines=MAX_LINES + 1) == []


def test_no_function_is_longer_than_a_screen():
    too_long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel in EXEMPT:
            continue
        too_long += [f"{rel}: {name} ({n} lines)" for name, n in long_functions(path.read_text(encoding="utf-8"))]
    assert not too_long, f"functions longer than {MAX_LINES} lines (split them into named steps): {too_long}"
