"""The ``autograd-lite`` command (also ``python -m autograd_lite``).

Subcommands: ``demo`` (the course examples end to end), and for one expression given as text --
``graph`` (values and gradients, as text or drawn to a file), ``check`` (backward's gradients
against finite differences) and ``explain`` (the chain-rule table).  Expressions are parsed and
checked by ``exprparse`` (an allow-list over Python's ``ast``), never executed.

Every command is linear in the number of ``--at`` variables, at most ``MAX_VARIABLES`` of them
with ``MAX_INPUT_ELEMENTS`` elements together (more is refused with one line).  ``check``
differences only the variables the expression uses (the others have gradient 0 and are listed),
and is bounded in time: with more than ``SPARSE_ABOVE`` input elements it checks ``SPARSE_K``
random elements of each input (gradcheck's sparse mode; ``--sparse K`` forces it), and it checks
fewer when the estimated cost (evaluations x work of one evaluation, Python's per-operation
bookkeeping included) would pass ``MAX_CHECK_WORK``.

Exit status: 0 success; 1 a gradient check that fails, or a runtime failure (no renderer, a file
that cannot be written); 2 a refused expression or bad arguments.  Errors are one line on stderr;
warnings (numpy's about a division by zero in backward, say) are one line each,
``autograd-lite: warning: ...``, never a Python warning or traceback.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from typing import Any, NoReturn

PROG = "autograd-lite"
SPARSE_ABOVE = 2_000  # check: more input elements than this switch to sparse mode
SPARSE_K = 200  # elements checked per input in sparse mode
MAX_CHECK_WORK = 1_000_000_000  # check: evaluations x (elements one evaluation makes), about 1-10 s
MAX_VARIABLES = 1_000  # --at variables (an expression of at most 500 parts cannot use more)
MAX_INPUT_ELEMENTS = 1_000_000  # elements of all --at values together
VAR_WORK = 2_000  # check: the bookkeeping of one input per evaluation, in element operations (as exprparse's)
EXAMPLES = """examples:
  autograd-lite graph "(x + y) * z" --at x=-2 y=5 z=-4
  autograd-lite graph "1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))" --at w0=2 x0=-1 w1=-3 x1=-2 w2=-3 -o neuron.svg
  autograd-lite explain "(x + y) * z" --at x=-2 y=5 z=-4
  autograd-lite check "sum(relu(W @ x))" --at 'W=[[0.1,0.5],[-0.3,0.8]]' 'x=[0.2,0.4]'
"""


class UsageError(Exception):
    """Bad arguments: exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {self.prog} --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Reverse-mode automatic differentiation on numpy: demos and graph tools.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    demo = sub.add_parser("demo", help="run the course examples end to end")
    demo.add_argument("--out-dir", default=".", help="where the demo writes its files")
    helps = {
        "graph": "build EXPR, backpropagate, show values and gradients (text, or a drawing with -o)",
        "check": "compare backward's gradients of EXPR with central finite differences",
        "explain": "print the backward pass of EXPR edge by edge (upstream x local = downstream)",
    }
    for name, text in helps.items():
        p = sub.add_parser(name, help=text, description=text, epilog=EXAMPLES,
                           formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
        p.add_argument("expr", metavar="EXPR", help="numbers, variables, + - * / ** @, exp log sigmoid tanh relu ...")
        p.add_argument("--at", nargs="+", default=[], metavar="NAME=VALUE",
                       help="variable values: numbers or JSON arrays, e.g. x=1 'W=[[1,2],[3,4]]'")  # fmt: skip
        if name == "graph":
            p.add_argument("-o", "--output", help="write the drawing: .svg .png .pdf (rendered) or .dot")
            p.add_argument("--direction", default="TB", choices=["TB", "LR"], help="layout direction")
            p.add_argument("--edge-grads", action="store_true", help="label edges with the gradients they carry")
            p.add_argument("--health", action="store_true", help="colour nodes by gradient health")
        if name == "check":
            p.add_argument("--sparse", type=_positive_int, metavar="K",
                           help=f"check K random elements of each input (the default above {SPARSE_ABOVE:,} "
                                f"input elements, with K={SPARSE_K})")  # fmt: skip
    return parser


def _positive_int(text: str) -> int:
    try:
        k = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if k < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: K must be at least 1")
    return k


def _variables(items: Sequence[str]) -> dict[str, Any]:
    import autograd_lite as ag

    from .exprparse import parse_value

    if len(items) > MAX_VARIABLES:
        raise UsageError(f"--at: {len(items):,} variables exceed the limit of {MAX_VARIABLES:,}")
    out: dict[str, Any] = {}
    total = 0
    for item in items:
        name, sep, text = item.partition("=")
        if not sep:
            raise UsageError(f"--at: {item!r} should look like NAME=VALUE, e.g. x=1.5 or 'W=[[1,2],[3,4]]'")
        name = name.strip()
        if name in out:
            raise UsageError(f"--at: {name!r} is given twice")
        value = parse_value(name, text.strip())
        total += value.size
        if total > MAX_INPUT_ELEMENTS:
            raise UsageError(f"--at: the values have more than {MAX_INPUT_ELEMENTS:,} elements together (at {name})")
        out[name] = ag.Tensor(value, requires_grad=True, name=name)
    return out


def _build(expr: str, variables: dict[str, Any]) -> tuple[Any, str, int]:
    """The expression's output (reduced to a scalar with sum if needed), a note about that, and its work.

    The output is named "out" unless it is one of the variables (``graph "x"`` shows x as x).
    """
    from .exprparse import ExpressionError, evaluate_with_work

    out, work = evaluate_with_work(expr, variables)
    if not out.requires_grad:
        raise ExpressionError("the expression uses no variable, so there is nothing to differentiate")
    note = ""
    if out.size != 1:
        note = f"(the expression has shape {out.shape}; gradients are those of its sum)"
        out = out.sum()
    if not any(out is v for v in variables.values()):
        out.name = next(n for n in ("out", "out_", "out__", "output") if n not in variables)
    return out, note, work


def _graph(args: argparse.Namespace) -> int:
    from .viz import format_graph, save_graph

    variables = _variables(args.at)
    out, note, _ = _build(args.expr, variables)
    out.backward(retain_grads=True)
    if note:
        print(note)
    if args.output:
        path = save_graph(out, args.output, direction=args.direction, edge_grads=args.edge_grads, health=args.health)
        print(f"wrote {path}")
    else:
        print(format_graph(out))
    return 0


def _explain(args: argparse.Namespace) -> int:
    from .explain import explain

    out, note, _ = _build(args.expr, _variables(args.at))
    if note:
        print(note)
    print(explain(out))
    return 0


def _plan_check(sizes: list[int], work: int, forced: int | None) -> tuple[int | None, str]:
    """How many elements of each input ``check`` differences (None: all of them), and a line saying why.

    Each checked element costs two evaluations of the expression (more where a disagreement is retried);
    one evaluation costs ``work`` (the elements it makes) plus a few copies of the inputs.
    """
    from .exprparse import ExpressionError

    total = sum(sizes)
    k, why = None, ""
    if forced is not None:
        k, why = forced, "--sparse"
    elif total > SPARSE_ABOVE:
        k, why = SPARSE_K, f"the inputs have {total:,} elements, more than {SPARSE_ABOVE:,}"
    per_eval = max(work, 1) + 3 * total + VAR_WORK * len(sizes)

    def cost(k: int | None) -> int:
        return (2 * sum(s if k is None else min(k, s) for s in sizes) + 3) * per_eval

    if cost(k) > MAX_CHECK_WORK:
        fit = (MAX_CHECK_WORK // per_eval - 3) // (2 * max(len(sizes), 1))
        if fit < 1:
            raise ExpressionError(
                f"check: one evaluation of the expression costs about {per_eval:,} element operations, too many to "
                f"difference even one element per input within {MAX_CHECK_WORK:,}; use smaller inputs"
            )
        k = fit
        why = f"{why + '; ' if why else ''}more would pass the time bound of {MAX_CHECK_WORK:,} element operations"
    if k is None or k >= max(sizes, default=0):
        return None, ""
    return k, f"sparse mode: checking {k} random elements of each input (seed 0), as {why}"


def _check(args: argparse.Namespace) -> int:
    import autograd_lite as ag

    from .exprparse import evaluate, variable_names

    variables = _variables(args.at)
    out, note, work = _build(args.expr, variables)  # refuses bad expressions before any differencing
    used = set(variable_names(args.expr))
    names = [n for n in variables if n in used]  # each evaluation sees these alone: linear in the variables
    unused = [n for n in variables if n not in used]
    sparse, mode = _plan_check([variables[n].size for n in names], work, args.sparse)

    def f(*values: Any) -> Any:
        y = evaluate(args.expr, dict(zip(names, values)))
        return y.sum() if y.size != 1 else y

    if note:
        print(note)
    if unused:
        listed = ", ".join(unused[:10]) + (f" and {len(unused) - 10:,} more" if len(unused) > 10 else "")
        print(f"not used by the expression (gradient 0, not differenced): {listed}")
    if mode:
        print(mode)
    print(f"f = {args.expr} = {out.item():.6g}")
    report = ag.gradcheck(f, *[variables[n] for n in names], sparse=sparse, seed=0)
    print(report)
    return 0 if report else 1


def main(argv: Sequence[str] | None = None) -> int:
    from .exprparse import ExpressionError
    from .render import RendererNotFound

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            args = build_parser().parse_args(argv)
            if args.command == "demo":
                from .demo import run

                run(args.out_dir)
                return 0
            return {"graph": _graph, "check": _check, "explain": _explain}[args.command](args)
        except (UsageError, ExpressionError) as e:
            print(f"{PROG}: error: {e}", file=sys.stderr)
            return 2
        except (RendererNotFound, OSError, RuntimeError, ValueError, TypeError, ArithmeticError) as e:
            print(f"{PROG}: error: {_one_line(e)}", file=sys.stderr)
            return 1
        except Exception as e:
            print(f"{PROG}: internal error: {type(e).__name__}: {_one_line(e)} (please report it)", file=sys.stderr)
            return 1
        finally:
            _report_warnings(caught)


def _one_line(e: BaseException | warnings.WarningMessage) -> str:
    text = str(e.message if isinstance(e, warnings.WarningMessage) else e)
    return text.splitlines()[0] if text.strip() else type(e).__name__


def _report_warnings(caught: list[warnings.WarningMessage]) -> None:
    """Each distinct warning once, as one line: numpy's RuntimeWarnings (a division by zero in a gradient
    rule) say where they come from; nothing of Python's warning format (file, line, source) is shown."""
    seen: set[str] = set()
    for w in caught:
        line = _one_line(w)
        if issubclass(w.category, RuntimeWarning) and w.category.__module__ in ("builtins", "numpy"):
            line = f"numpy: {line} (the values or gradients above hold inf or nan)"
        if line not in seen:
            seen.add(line)
            print(f"{PROG}: warning: {line}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
