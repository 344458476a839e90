"""The command line's safe expression language: text is parsed, checked and evaluated, never executed.

``evaluate("sigmoid(w @ x + b)", {"w": ..., "x": ..., "b": ...})`` parses the text with Python's
``ast`` and walks the tree itself, allowing only: numbers, variable names given by the caller,
``+ - * / ** @``, unary ``-``/``+``, parentheses, and calls of the library's own functions listed in
``FUNCTIONS`` (with the keyword arguments ``axis``, ``keepdims``, ``ddof``, ``lo``, ``hi`` taking
literal values).  Anything else is an ``ExpressionError`` naming the offending part and its column.
Resources are bounded: the text's length, the tree's size and depth, literal exponents, the
number of elements of every value (inputs and intermediate results alike), the total number of
elements of all intermediate results, and the multiply-adds of all matrix products.  Every result's
shape is predicted *before* it is computed: binary operators by numpy's broadcasting (or matmul's)
rules, function calls by their entry in ``SHAPE_RULES`` (a function without one is refused).
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from . import ops as _ops
from . import tensor as _t
from .tensor import Tensor

__all__ = ["ExpressionError", "FUNCTIONS", "SHAPE_RULES", "evaluate", "evaluate_with_work", "parse_value",
           "check_expression", "variable_names"]  # fmt: skip

MAX_CHARS = 2000
MAX_NODES = 500
MAX_DEPTH = 60
MAX_EXPONENT = 100  # |literal exponent| in a ** b
MAX_ELEMENTS = 1_000_000  # of any input or intermediate value
MAX_VALUE_CHARS = 10_000_000
MAX_TOTAL_ELEMENTS = 10_000_000  # of all intermediate results of one evaluation together
MAX_MATMUL_FLOPS = 1_000_000_000  # multiply-adds of all the @ of one evaluation together
NODE_WORK = 2_000  # the Python bookkeeping of one operation (~10 us), in element operations (~5 ns each)

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
# How each function's result shape follows from its arguments, and about how many values of that
# size it creates (the composite ones, such as softmax, build several primitives).
#   "elementwise": the broadcast of all its arguments (and of its array-valued keywords lo/hi);
#   "reduce": at most the size of its first argument (its other arguments are axis/keepdims/ddof).
SHAPE_RULES: dict[str, tuple[str, int]] = {
    "exp": ("elementwise", 1),
    "log": ("elementwise", 1),
    "sigmoid": ("elementwise", 1),
    "tanh": ("elementwise", 1),
    "relu": ("elementwise", 1),
    "abs": ("elementwise", 2),
    "sqrt": ("elementwise", 1),
    "maximum": ("elementwise", 1),
    "minimum": ("elementwise", 4),
    "clip": ("elementwise", 5),
    "softmax": ("elementwise", 3),
    "log_softmax": ("elementwise", 4),
    "max": ("reduce", 1),
    "min": ("reduce", 2),
    "sum": ("reduce", 1),
    "mean": ("reduce", 1),
    "var": ("reduce", 3),
    "logsumexp": ("reduce", 2),
}
KEYWORDS = {"axis", "keepdims", "ddof", "lo", "hi"}
_NOT_ARRAYS = {"axis", "keepdims", "ddof"}  # keywords that are options, not operands
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
        with warnings.catch_warnings():  # Python's warnings about the text (e.g. "1if") are parse errors here
            warnings.simplefilter("error", SyntaxWarning)
            warnings.simplefilter("error", DeprecationWarning)
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


def variable_names(expr: str) -> list[str]:
    """The variables ``expr`` uses, in order of first appearance (the expression is checked first)."""
    tree = check_expression(expr)
    names: dict[str, None] = {}
    for node in ast.walk(tree.body):
        if isinstance(node, ast.Name) and node.id not in FUNCTIONS:
            names.setdefault(node.id)
    return list(names)


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


def _result_shape(op: type, a: Any, b: Any) -> tuple[tuple[int, ...] | None, int]:
    """The shape of ``a <op> b`` (None where the operation itself will report a mismatch) and its multiply-adds."""
    sa, sb = np.shape(a), np.shape(b)
    try:
        if op is ast.MatMult:
            if len(sa) < 1 or len(sb) < 1:
                return None, 0
            batch = tuple(np.broadcast_shapes(sa[:-2], sb[:-2]))
            shape = batch + sa[-2:-1] + sb[-1:] if len(sb) > 1 else batch + sa[-2:-1]
            return shape, _size(shape) * sa[-1]
        return tuple(np.broadcast_shapes(sa, sb)), 0
    except ValueError:
        return None, 0  # the operation itself reports the mismatch


def _call_bound(name: str, args: list[Any], kwargs: dict[str, Any]) -> tuple[tuple[int, ...] | None, int, int]:
    """For a call: its predicted result shape (None: not known), an upper bound on its size, and its cost factor."""
    kind, factor = SHAPE_RULES[name]
    if kind == "reduce":
        size = max((_size(np.shape(a)) for a in args), default=1)
        return None, size, factor
    shapes = [np.shape(a) for a in args] + [np.shape(v) for k, v in kwargs.items() if k not in _NOT_ARRAYS]
    try:
        shape = tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        return None, max((_size(s) for s in shapes), default=1), factor  # the function reports the mismatch
    return shape, _size(shape), factor


class _Budget:
    """What one evaluation has spent so far: elements of intermediate results, and matmul multiply-adds."""

    def __init__(self, text: str) -> None:
        self.text, self.elements, self.flops, self.operations = text, 0, 0, 0

    def spend(self, node: ast.AST, shape: tuple[int, ...] | None, size: int, flops: int = 0, copies: int = 1) -> None:
        """Refuse ``node`` if a result of ``size`` elements (made ``copies`` times, with ``flops``) is beyond a
        limit; else count it."""
        if size > MAX_ELEMENTS:
            what = f"a result of shape {shape}" if shape is not None else f"a result of up to {size} elements"
            raise _refuse(self.text, node, f"{what} exceeds the limit of {MAX_ELEMENTS} elements")
        if self.elements + copies * size > MAX_TOTAL_ELEMENTS:
            raise _refuse(
                self.text, node, f"the intermediate results total more than {MAX_TOTAL_ELEMENTS} elements; this part"
            )
        if self.flops + flops > MAX_MATMUL_FLOPS:
            raise _refuse(
                self.text, node, f"the matrix products need more than {MAX_MATMUL_FLOPS} multiply-adds; this part"
            )
        self.elements += copies * size
        self.flops += flops
        self.operations += copies

    @property
    def work(self) -> int:
        """One number for the cost of an evaluation: elements, plus multiply-adds at BLAS speed (~16 per element),
        plus each operation's Python bookkeeping (``NODE_WORK``)."""
        return self.elements + self.flops // 16 + NODE_WORK * self.operations


def evaluate(expr: str, variables: Mapping[str, Any]) -> Tensor:
    """Evaluate ``expr`` with ``variables`` (Tensors or array-likes); raise ExpressionError on anything else."""
    return evaluate_with_work(expr, variables)[0]


def evaluate_with_work(expr: str, variables: Mapping[str, Any]) -> tuple[Tensor, int]:
    """``evaluate``, also returning the evaluation's work (elements made, plus multiply-adds / 16): a cost measure."""
    tree = check_expression(expr)
    text = expr.strip()
    env = {k: v if isinstance(v, Tensor) else Tensor(v) for k, v in variables.items()}
    budget = _Budget(text)

    def ev(node: ast.AST) -> Any:  # recursion bounded by MAX_DEPTH, checked above
        if isinstance(node, ast.Constant):
            assert isinstance(node.value, (int, float))  # check_expression allows numbers only
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
            if isinstance(node.op, ast.UAdd):
                return v
            budget.spend(node, np.shape(v), _size(np.shape(v)))
            return -v
        if isinstance(node, ast.BinOp):
            a = ev(node.left)
            b = ev(node.right)
            op = type(node.op)
            if op is ast.Pow and not isinstance(b, Tensor) and abs(float(b)) > MAX_EXPONENT:
                raise _refuse(text, node, f"exponent {float(b):.6g} is beyond the limit |exponent| <= {MAX_EXPONENT}")
            shape, flops = _result_shape(op, a, b)
            if shape is not None:
                budget.spend(node, shape, _size(shape), flops)
            return _BINARY_FN[op](a, b)
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        name = node.func.id
        if name not in SHAPE_RULES:  # fail closed: a function must say how big its result can be
            raise _refuse(text, node, f"{name} has no shape rule in SHAPE_RULES, so its result size cannot be bounded")
        args = [ev(a) for a in node.args]
        kwargs = {str(kw.arg): _literal(text, kw.value) for kw in node.keywords}  # check_expression refused **
        shape, size, factor = _call_bound(name, args, kwargs)
        budget.spend(node, shape, size, copies=factor)
        try:
            return FUNCTIONS[name](*args, **kwargs)
        except TypeError as e:
            raise ExpressionError(f"{name}: bad arguments in {_where(text, node)}: {e}") from None

    try:
        with np.errstate(all="ignore"):
            out = ev(tree.body)
    except ExpressionError:
        raise
    except (ValueError, TypeError, IndexError, ArithmeticError, np.exceptions.AxisError) as e:
        raise ExpressionError(str(e).splitlines()[0] if str(e) else type(e).__name__) from None
    return (out if isinstance(out, Tensor) else Tensor(out)), budget.work


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
