"""The command line's safe expression language: text is parsed, checked and evaluated, never executed.

``evaluate("sigmoid(w @ x + b)", {"w": ..., "x": ..., "b": ...})`` parses the text with Python's
``ast`` and walks the tree itself, allowing only: numbers, variable names given by the caller,
``+ - * / ** @``, unary ``-``/``+``, parentheses, and calls of the library's own functions listed in
``FUNCTIONS`` (with the keyword arguments ``axis``, ``keepdims``, ``ddof``, ``lo``, ``hi`` taking
literal values).  Anything else is an ``ExpressionError`` naming the offending part and its column.
Resources are bounded: the text's length, the tree's size and depth, literal exponents, and the
number of elements of every value (inputs and intermediate results alike).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from . import ops as _ops
from . import tensor as _t
from .tensor import Tensor

__all__ = ["ExpressionError", "FUNCTIONS", "evaluate", "parse_value", "check_expression"]

MAX_CHARS = 2000
MAX_NODES = 500
MAX_DEPTH = 60
MAX_EXPONENT = 100  # |literal exponent| in a ** b
MAX_ELEMENTS = 1_000_000  # of any input or intermediate value
MAX_VALUE_CHARS = 10_000_000

FUNCTIONS: dict[str, Any] = {
    "exp": _ops.exp,
    "log": _ops.log,
    "sigmoid": _ops.sigmoid,
    "tanh": _ops.tanh,
    "relu": _ops.relu,
    "abs": _t.abs,
    "sqrt": _t.sqrt,
    "max": _ops.max,
    "min": _t.min,
    "maximum": _ops.maximum,
    "minimum": _t.minimum,
    "sum": _ops.sum,
    "mean": _t.mean,
    "var": _t.var,
    "logsumexp": _t.logsumexp,
    "softmax": _t.softmax,
    "log_softmax": _t.log_softmax,
    "clip": _t.clip,
}
KEYWORDS = {"axis", "keepdims", "ddof", "lo", "hi"}
_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.MatMult: "@"}
_BINARY_FN = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
    ast.MatMult: lambda a, b: a @ b,
}
_WHAT = {
    ast.Attribute: "attribute access",
    ast.Subscript: "indexing",
    ast.Lambda: "lambda",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension",
    ast.Compare: "a comparison",
    ast.BoolOp: "and/or",
    ast.IfExp: "if/else",
    ast.NamedExpr: "assignment (:=)",
    ast.Starred: "*-unpacking",
    ast.JoinedStr: "an f-string",
    ast.List: "a list (give arrays with --at NAME=[...])",
    ast.Tuple: "a tuple",
    ast.Dict: "a dict",
    ast.Set: "a set",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


class ExpressionError(ValueError):
    """An expression or a value the command line refuses; the message is one line for the user."""


def _where(expr: str, node: ast.AST) -> str:
    seg = ast.get_source_segment(expr, node) or type(node).__name__
    if len(seg) > 40:
        seg = seg[:37] + "..."
    return f"{seg!r} at column {getattr(node, 'col_offset', 0) + 1}"


def _refuse(expr: str, node: ast.AST, why: str) -> ExpressionError:
    return ExpressionError(f"{why}: {_where(expr, node)} is not allowed")


def check_expression(expr: str) -> ast.Expression:
    """Parse ``expr`` and check it against the allow-list (no evaluation); return the tree."""
    if not isinstance(expr, str):
        raise ExpressionError(f"expression must be text, got {type(expr).__name__}")
    if len(expr) > MAX_CHARS:
        raise ExpressionError(f"expression is {len(expr)} characters long; the limit is {MAX_CHARS}")
    if not expr.strip():
        raise ExpressionError("expression is empty")
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError as e:
        col = f" at column {e.offset}" if e.offset else ""
        raise ExpressionError(f"cannot parse the expression{col}: {e.msg}") from None
    except (ValueError, RecursionError, MemoryError, OverflowError) as e:
        raise ExpressionError(f"cannot parse the expression: {type(e).__name__}: {e}") from None
    expr = expr.strip()
    stack: list[tuple[ast.AST, int]] = [(tree.body, 1)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise ExpressionError(f"expression has more than {MAX_NODES} parts; the limit is {MAX_NODES}")
        if depth > MAX_DEPTH:
            raise ExpressionError(f"expression nests deeper than {MAX_DEPTH} levels")
        kids: list[ast.AST] = []
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise _refuse(expr, node, "only numbers are allowed as literals")
        elif isinstance(node, ast.Name):
            if node.id.startswith("_"):
                raise _refuse(expr, node, "names starting with '_'")
            if node.id in FUNCTIONS:
                raise _refuse(expr, node, f"{node.id} is a function; call it")
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                raise _refuse(expr, node, f"the operator {type(node.op).__name__}")
            kids = [node.left, node.right]
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                raise _refuse(expr, node, f"the operator {type(node.op).__name__}")
            kids = [node.operand]
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                raise _refuse(expr, node.func, _WHAT.get(type(node.func), "calling anything but a function name"))
            if node.func.id.startswith("_"):
                raise _refuse(expr, node.func, "names starting with '_'")
            if node.func.id not in FUNCTIONS:
                raise ExpressionError(
                    f"unknown function {_where(expr, node.func)}; the functions are {', '.join(sorted(FUNCTIONS))}"
                )
            for kw in node.keywords:
                if kw.arg not in KEYWORDS:
                    raise _refuse(
                        expr, kw.value, f"the keyword {kw.arg or '**'}= (allowed: {', '.join(sorted(KEYWORDS))})"
                    )
                _literal(expr, kw.value)
            kids = list(node.args)
        else:
            raise _refuse(expr, node, _WHAT.get(type(node), f"{type(node).__name__} syntax"))
        stack.extend((k, depth + 1) for k in kids)
    return tree


def _literal(expr: str, node: ast.AST) -> Any:
    """A keyword's value: a number, True/False/None, or a tuple of ints, written literally."""
    if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, (bool, int, float))):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        v = node.operand.value
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return -v
    if isinstance(node, ast.Tuple) and len(node.elts) <= 32:
        vals = tuple(_literal(expr, e) for e in node.elts)
        if all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
            return vals
    raise _refuse(expr, node, "keyword values must be numbers, True/False/None or tuples of ints")


def _size(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape, dtype=object))  # exact, no overflow


def _result_shape(op: type, a: Any, b: Any) -> tuple[int, ...] | None:
    sa, sb = np.shape(a), np.shape(b)
    try:
        if op is ast.MatMult:
            if len(sa) < 1 or len(sb) < 1:
                return None
            batch = np.broadcast_shapes(sa[:-2], sb[:-2])
            return tuple(batch) + sa[-2:-1] + sb[-1:] if len(sb) > 1 else tuple(batch) + sa[-2:-1]
        return tuple(np.broadcast_shapes(sa, sb))
    except ValueError:
        return None  # the operation itself reports the mismatch


def evaluate(expr: str, variables: Mapping[str, Any]) -> Tensor:
    """Evaluate ``expr`` with ``variables`` (Tensors or array-likes); raise ExpressionError on anything else."""
    tree = check_expression(expr)
    text = expr.strip()
    env = {k: v if isinstance(v, Tensor) else Tensor(v) for k, v in variables.items()}

    def ev(node: ast.AST) -> Any:  # recursion bounded by MAX_DEPTH, checked above
        if isinstance(node, ast.Constant):
            try:
                return np.float64(float(node.value))
            except OverflowError:
                raise _refuse(text, node, "numbers beyond float64's range") from None
        if isinstance(node, ast.Name):
            if node.id not in env:
                raise ExpressionError(
                    f"unknown variable {_where(text, node)}; give it a value with --at {node.id}=VALUE"
                )
            return env[node.id]
        if isinstance(node, ast.UnaryOp):
            v = ev(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            a = ev(node.left)
            b = ev(node.right)
            op = type(node.op)
            if op is ast.Pow and not isinstance(b, Tensor) and abs(float(b)) > MAX_EXPONENT:
                raise _refuse(text, node, f"exponent {float(b):.6g} is beyond the limit |exponent| <= {MAX_EXPONENT}")
            shape = _result_shape(op, a, b)
            if shape is not None and _size(shape) > MAX_ELEMENTS:
                raise _refuse(text, node, f"a result of shape {shape} exceeds the limit of {MAX_ELEMENTS} elements")
            return _BINARY_FN[op](a, b)
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        args = [ev(a) for a in node.args]
        kwargs = {kw.arg: _literal(text, kw.value) for kw in node.keywords}
        try:
            return FUNCTIONS[node.func.id](*args, **kwargs)
        except TypeError as e:
            raise ExpressionError(f"{node.func.id}: bad arguments in {_where(text, node)}: {e}") from None

    try:
        with np.errstate(all="ignore"):
            out = ev(tree.body)
    except ExpressionError:
        raise
    except (ValueError, TypeError, IndexError, ArithmeticError, np.exceptions.AxisError) as e:
        raise ExpressionError(str(e).splitlines()[0] if str(e) else type(e).__name__) from None
    return out if isinstance(out, Tensor) else Tensor(out)


def parse_value(name: str, text: str) -> np.ndarray:
    """A variable's value from the command line: a number or a JSON array, as float64."""
    if not _NAME.match(name):
        raise ExpressionError(f"--at: {name!r} is not a variable name (letters, digits, _; starting with a letter)")
    if name in FUNCTIONS:
        raise ExpressionError(f"--at: {name!r} is the name of a function; pick another variable name")
    if len(text) > MAX_VALUE_CHARS:
        raise ExpressionError(f"--at {name}: the value is {len(text)} characters long; the limit is {MAX_VALUE_CHARS}")
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):
        raise ExpressionError(f"--at {name}: {text[:40]!r} is not a number or a JSON array") from None
    if isinstance(raw, dict) or isinstance(raw, str) or isinstance(raw, bool) or raw is None:
        raise ExpressionError(f"--at {name}: give a number or a JSON array of numbers, not {type(raw).__name__}")
    try:
        arr = np.array(raw, dtype=np.float64)
    except (ValueError, TypeError):
        raise ExpressionError(f"--at {name}: the array is ragged or not all numbers") from None
    if arr.size > MAX_ELEMENTS:
        raise ExpressionError(f"--at {name}: {arr.size} elements exceed the limit of {MAX_ELEMENTS}")
    return arr
