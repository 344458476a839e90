"""The ``autograd-lite`` command end to end, through a subprocess (``python -m autograd_lite``)."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from autograd_lite.render import ENV_VAR

LECTURE = ["(x + y) * z", "--at", "x=-2", "y=5", "z=-4"]


def cli(*args: str, cwd=None, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "autograd_lite", *args], capture_output=True, text=True, timeout=120, cwd=cwd, env=env
    )


def test_graph_prints_values_and_gradients():
    r = cli("graph", *LECTURE)
    assert r.returncode == 0, r.stderr
    lines = {line.lstrip("│├└─ ").split()[0]: line for line in r.stdout.splitlines() if line.strip()}
    # the lecture: q = 3, f = -12, df/dx = df/dy = -4, df/dz = 3
    assert "data -12" in r.stdout.splitlines()[0]
    for name, grad in [("x", "-4"), ("y", "-4"), ("z", "3")]:
        assert f"grad {grad}" in lines[name], lines


def test_graph_writes_svg_png_and_dot(tmp_path):
    svg, png, dot = tmp_path / "g.svg", tmp_path / "g.png", tmp_path / "g.dot"
    for path in (svg, png, dot):
        r = cli("graph", *LECTURE, "-o", str(path), "--edge-grads", "--direction", "LR")
        assert r.returncode == 0, r.stderr
        assert f"wrote {path}" in r.stdout
    texts = ["".join(e.itertext()) for e in ET.parse(svg).getroot().iter() if e.tag.endswith("text")]
    assert {"x", "y", "z", "add", "mul", "data -12", "grad -4"} <= set(texts)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and min(struct.unpack(">II", data[16:24])) > 0
    assert "rankdir=LR" in dot.read_text() and "<B>x</B>" in dot.read_text()


def test_graph_with_array_variables_from_json():
    r = cli("graph", "sum(relu(W @ x))", "--at", "W=[[0.1,0.5],[-0.3,0.8]]", "x=[0.2,0.4]")
    assert r.returncode == 0, r.stderr
    assert "(2, 2) float64" in r.stdout and "(2,) float64" in r.stdout
    # W @ x = [0.22, 0.26] > 0, so d/dW = outer(1, x): rows [0.2, 0.4]
    assert "grad [[0.2, 0.4], [0.2, 0.4]]" in r.stdout


def test_non_scalar_expressions_use_the_sum():
    r = cli("explain", "x * x", "--at", "x=[1,2,3]")
    assert r.returncode == 0, r.stderr
    assert "has shape (3,); gradients are those of its sum" in r.stdout
    assert "(3,) [2., 4., 6.]" in r.stdout  # d sum(x^2)/dx = 2x after the copies add


def test_explain_prints_the_chain_rule_table():
    r = cli("explain", *LECTURE)
    assert r.returncode == 0, r.stderr
    rows = [line.split() for line in r.stdout.splitlines()[3:]]
    # (#, node, op, upstream, local, downstream, to, ...)
    got = {(row[2], row[6]): (float(row[3]), float(row[4]), float(row[5])) for row in rows}
    assert got[("mul", "z")] == (1.0, 3.0, 3.0)
    assert got[("add", "x")] == (-4.0, 1.0, -4.0) and got[("add", "y")] == (-4.0, 1.0, -4.0)


def test_check_compares_with_finite_differences():
    r = cli("check", "1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))", "--at", "w0=2", "x0=-1", "w1=-3", "x1=-2", "w2=-3")
    assert r.returncode == 0, r.stderr
    assert "f = " in r.stdout and "0.731059" in r.stdout
    for name in ("w0", "x0", "w1", "x1", "w2"):
        line = next(line for line in r.stdout.splitlines() if line.startswith(name + " "))
        assert line.rstrip().endswith("pass")
    assert "3.9322e-01" in r.stdout  # df/dx0 = 0.39 in the lecture


@pytest.mark.parametrize(
    "expr, message",
    [
        ("__import__('os').system('echo hi')", "attribute access"),
        ("x.__class__", "attribute access: 'x.__class__' at column 1 is not allowed"),
        ("9**9**9", "exponent 3.8742e+08 is beyond the limit"),
        ("x + nope", "unknown variable 'nope' at column 5"),
        ("nope(x)", "unknown function 'nope' at column 1"),
        ("(lambda: 1)()", "lambda"),
        ("x +", "cannot parse the expression"),
    ],
)
def test_refused_expressions_exit_2_with_one_line(expr, message, tmp_path):
    for command in ("graph", "check", "explain"):
        r = cli(command, expr, "--at", "x=1", cwd=tmp_path)
        assert r.returncode == 2, (command, r.stdout, r.stderr)
        assert r.stdout == "" and "hi" not in r.stdout
        assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
        assert r.stderr.startswith("autograd-lite: error: ") and message in r.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["graph", "x", "--at", "x"], 2, "--at: 'x' should look like NAME=VALUE"),
        (["graph", "x", "--at", "x=[1,"], 2, "is not a number or a JSON array"),
        (["graph", "x", "--at", "x=1", "x=2"], 2, "'x' is given twice"),
        (["graph", "2 * 3"], 2, "uses no variable"),
        (["graph", "x + y", "--at", "x=[1,2]", "y=[1,2,3]"], 2, "add: shapes (2,) and (3,) do not broadcast"),
        (["nope"], 2, "invalid choice: 'nope'"),
        (["graph"], 2, "the following arguments are required: EXPR"),
        (["check", "x", "--at", "x=1", "--sparse", "0"], 2, "argument --sparse: '0': K must be at least 1"),
        (["check", "x", "--at", "x=1", "--sparse", "two"], 2, "argument --sparse: 'two' is not a whole number"),
        (["graph", "x", "--at", "x=1", "--sparse", "2"], 2, "unrecognized arguments: --sparse 2"),
    ],
)
def test_bad_arguments(args, code, message):
    r = cli(*args)
    assert r.returncode == code, r.stderr
    assert message in r.stderr and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_no_renderer_is_exit_1_with_the_fix_but_dot_still_works(tmp_path):
    bad = {ENV_VAR: str(tmp_path / "missing-dot")}
    r = cli("graph", *LECTURE, "-o", str(tmp_path / "g.svg"), env_extra=bad)
    assert r.returncode == 1
    assert ENV_VAR in r.stderr and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert not (tmp_path / "g.svg").exists()
    r = cli("graph", *LECTURE, "-o", str(tmp_path / "g.dot"), env_extra=bad)
    assert r.returncode == 0 and (tmp_path / "g.dot").exists()


def test_help_lists_the_commands_and_examples():
    r = cli("--help")
    assert r.returncode == 0
    for word in ("graph", "check", "explain", "demo", "--at"):
        assert word in r.stdout


def test_demo_graph_section(tmp_path, capsys):
    from autograd_lite.demo import section_graph

    path = section_graph(tmp_path)
    out = capsys.readouterr().out
    assert path == tmp_path / "neuron_graph.svg"
    texts = ["".join(e.itertext()) for e in ET.parse(path).getroot().iter() if e.tag.endswith("text")]
    assert "w0" in texts and "data 0.7311" in texts
    assert "upstream" in out and "-0.5344" in out  # the explanation: 1/x's local gradient -1/1.37^2
    assert "gradcheck passed" in out


def test_check_exit_status_follows_the_report(monkeypatch, capsys):
    import autograd_lite as ag
    from autograd_lite import cli

    class Failing:
        def __bool__(self):
            return False

        def __str__(self):
            return "gradcheck FAILED (stand-in report)"

    monkeypatch.setattr(ag, "gradcheck", lambda f, *inputs, **kw: Failing())
    assert cli.main(["check", "x * x", "--at", "x=3"]) == 1
    assert "FAILED" in capsys.readouterr().out
    monkeypatch.undo()
    assert cli.main(["check", "x * x", "--at", "x=3"]) == 0
    assert "pass" in capsys.readouterr().out


@pytest.mark.parametrize("expr", ["x", "+x", "(x)"])
def test_graph_of_a_variable_keeps_its_name(expr):
    r = cli("graph", expr, "--at", "x=1")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [r.stdout.splitlines()[0]] and r.stdout.startswith("x  [output]"), r.stdout


def test_the_output_is_out_unless_a_variable_has_that_name():
    r = cli("graph", "x * 2", "--at", "x=1")
    assert r.stdout.splitlines()[0].startswith("out = mul(x, 2)"), r.stdout
    r = cli("graph", "out * 2", "--at", "out=1")
    first, second = r.stdout.splitlines()[:2]
    assert first.startswith("out_ = mul(out, 2)") and second.lstrip("└─ ").startswith("out  ["), r.stdout


def _count_evaluations(monkeypatch) -> list[int]:
    from autograd_lite import exprparse

    calls: list[int] = []
    real = exprparse.evaluate
    monkeypatch.setattr(exprparse, "evaluate", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def test_check_switches_to_sparse_mode_for_big_inputs(monkeypatch, capsys):
    import json

    from autograd_lite import cli as cli_module

    calls = _count_evaluations(monkeypatch)
    x = json.dumps([0.001 * i for i in range(5000)])
    assert cli_module.main(["check", "sum(x * x)", "--at", f"x={x}"]) == 0
    out = capsys.readouterr().out
    assert "sparse mode: checking 200 random elements of each input (seed 0)" in out
    assert "5,000 elements, more than 2,000" in out and "sparse 200" in out
    # 2 evaluations per checked element (12 at most with retries), not 2 per each of the 5,000 elements
    assert 400 <= len(calls) <= 12 * 200 + 10, len(calls)


def test_check_sparse_option_forces_sparse_mode(monkeypatch, capsys):
    from autograd_lite import cli as cli_module

    calls = _count_evaluations(monkeypatch)
    at = ["x=[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0]", "y=[1,2,3,4,5,6,7,8,9,10,11,12]"]
    assert cli_module.main(["check", "sum(x * x) * sum(y)", "--at", *at, "--sparse", "3"]) == 0
    out = capsys.readouterr().out
    assert "checking 3 random elements of each input" in out and "sparse 3" in out
    assert 2 * 6 <= len(calls) <= 12 * 6 + 10
    calls.clear()
    assert cli_module.main(["check", "sum(x * x)", "--at", at[0], "--sparse", "50"]) == 0  # K >= size: all of them
    out = capsys.readouterr().out
    assert "sparse" not in out and "all elements" in out and len(calls) >= 20


def test_check_work_is_bounded_even_with_few_input_elements(monkeypatch, capsys):
    import json

    from autograd_lite import cli as cli_module

    # 2,000 input elements (not sparse by count) but every evaluation makes a 1000 x 1000 array
    calls = _count_evaluations(monkeypatch)
    x, y = json.dumps([[0.5]] * 1000), json.dumps([[0.25] * 1000])
    assert cli_module.main(["check", "sum(x * y)", "--at", f"x={x}", f"y={y}"]) == 0
    out = capsys.readouterr().out
    assert "more would pass the time bound of 1,000,000,000 element operations" in out
    assert len(calls) * 1_000_000 <= 2 * cli_module.MAX_CHECK_WORK, len(calls)


def test_check_plan():
    from autograd_lite.cli import MAX_CHECK_WORK, _plan_check
    from autograd_lite.exprparse import ExpressionError

    assert _plan_check([3, 1997], 10, None) == (None, "")
    k, why = _plan_check([3, 2000], 10, 5)
    assert k == 5 and "--sparse" in why
    k, why = _plan_check([10, 1_000_000], 3_000_000, None)
    per_eval = 3_000_000 + 3 * 1_000_010
    assert 1 <= k < 200 and (2 * (10 + k) + 3) * per_eval <= MAX_CHECK_WORK
    with pytest.raises(ExpressionError, match="too many to difference even one element per input"):
        _plan_check([1] * 500, 9_000_000, None)


# ----------------------------------------------------------------------------- bounds on variables, warnings
def _many(n: int) -> list[str]:
    return [f"x{i}={i % 7 + 1}" for i in range(n)]


def test_ten_thousand_variables_are_refused_at_once_with_one_line():
    for command in ("check", "graph", "explain"):
        r = cli(command, "x0 * x1", "--at", *_many(10_000))
        assert r.returncode == 2 and r.stdout == "", (command, r.stdout[:200])
        assert r.stderr == "autograd-lite: error: --at: 10,000 variables exceed the limit of 1,000\n", r.stderr


def test_a_thousand_variables_are_fine_and_check_differences_the_used_ones_only():
    r = cli("check", "x0 * x1 + x999", "--at", *_many(1_000))
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert "not used by the expression (gradient 0, not differenced): x2, x3, x4" in r.stdout
    assert "x11 and 987 more" in r.stdout and "gradcheck passed" in r.stdout
    rows = [line.split()[0] for line in r.stdout.splitlines() if line.startswith("x")]
    assert rows == ["x0", "x1", "x999"], rows
    for command in ("graph", "explain"):
        r = cli(command, "x0 * x1 + x999", "--at", *_many(1_000))
        assert r.returncode == 0 and "x999" in r.stdout and "x500" not in r.stdout, r.stderr


def test_each_check_evaluation_sees_only_the_variables_it_uses(monkeypatch, capsys):
    from autograd_lite import cli as cli_module
    from autograd_lite import exprparse

    seen: list[int] = []
    real = exprparse.evaluate
    monkeypatch.setattr(exprparse, "evaluate", lambda expr, env: seen.append(len(env)) or real(expr, env))
    assert cli_module.main(["check", "tanh(x3) * x7", "--at", *_many(900)]) == 0
    assert "gradcheck passed" in capsys.readouterr().out
    assert seen and set(seen) == {2}, set(seen)  # per evaluation O(expression), not O(variables)


def test_all_values_together_have_a_cap(monkeypatch, capsys):
    from autograd_lite import cli as cli_module

    monkeypatch.setattr(cli_module, "MAX_INPUT_ELEMENTS", 10)
    assert cli_module.main(["graph", "sum(x) + sum(y)", "--at", "x=[1,2,3,4,5,6]", "y=[1,2,3,4,5]"]) == 2
    err = capsys.readouterr().err
    assert err == "autograd-lite: error: --at: the values have more than 10 elements together (at y)\n", err


def test_a_check_over_100_variables_finishes():
    def balanced(terms: list[str]) -> str:
        half = len(terms) // 2
        return terms[0] if len(terms) == 1 else f"({balanced(terms[:half])}+{balanced(terms[half:])})"

    r = cli("check", balanced([f"x{i}" for i in range(100)]), "--at", *_many(100))
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert "gradcheck passed" in r.stdout and "sparse" not in r.stdout and r.stdout.count("  good ") == 100


def test_numerical_warnings_are_one_line_each_never_python_warnings():
    r = cli("graph", "log(x) + sqrt(y)", "--at", "x=0", "y=0")
    assert r.returncode == 0 and "grad inf" in r.stdout
    lines = r.stderr.splitlines()
    assert lines and all(line.startswith("autograd-lite: warning: numpy: ") for line in lines), r.stderr
    assert "divide by zero" in r.stderr and len(set(lines)) == len(lines)
    assert "Warning" not in r.stderr and ".py" not in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("x + 1if 1 else 2", "cannot parse the expression at column 5: invalid decimal literal"),
        ("x + 0x1for", "cannot parse the expression at column 8: invalid hexadecimal literal"),
        ("x + '\\d'", "cannot parse the expression at column 5: invalid escape sequence '\\d'"),
    ],
)
def test_python_syntax_warnings_become_the_one_line_parse_error(expr, message):
    r = cli("graph", expr, "--at", "x=1")
    assert r.returncode == 2 and r.stderr == f"autograd-lite: error: {message}\n", r.stderr


def test_an_unexpected_failure_is_still_one_line(monkeypatch, capsys):
    from autograd_lite import cli as cli_module

    def broken(args):
        raise KeyError("lost")

    monkeypatch.setattr(cli_module, "_explain", broken)
    assert cli_module.main(["explain", "x * 2", "--at", "x=1"]) == 1
    assert capsys.readouterr().err == "autograd-lite: internal error: KeyError: 'lost' (please report it)\n"
