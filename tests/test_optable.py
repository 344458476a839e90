"""The primitive table as the one home of per-op facts: docs, elementwise flags, differentiable
inputs, ``Primitive.vjp`` (the rule applied as backward applies it), and the README's operation
table generated from them (``python -m autograd_lite.optable``)."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import optable
from autograd_lite.engine import GradientShapeError, split_doc

from . import specs_core, specs_elementwise, specs_linalg, specs_reductions, specs_shape

SPECS = [*specs_core.SPECS, *specs_elementwise.SPECS, *specs_reductions.SPECS, *specs_linalg.SPECS, *specs_shape.SPECS]
BY_NAME = {p.name: p for p in ag.PRIMITIVES}
PRIMITIVE_SPECS = [s for s in SPECS if s.name in BY_NAME]


def _rng(spec, salt: int = 0) -> np.random.Generator:
    return np.random.default_rng([zlib.crc32(spec.id.encode()), salt])


# ============================================================================ the docs
def test_primitive_names_are_unique():
    names = [p.name for p in ag.PRIMITIVES]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


@pytest.mark.parametrize("p", ag.PRIMITIVES, ids=lambda p: p.name)
def test_every_primitive_has_a_doc_with_one_rule_per_differentiable_input(p):
    assert p.doc, f"primitive {p.name!r} has no doc=: give it 'forward:  d/dx = ...' in the table"
    forward, rules, _ = split_doc(p.doc)
    assert forward, f"{p.name}: doc {p.doc!r} should read 'forward:  d/d<input> = ...' (colon, two spaces)"
    parts = [part for part in rules.split(", ") if part.startswith("d/d")]
    expected = 1 if p.variadic else sum(p.differentiable)
    assert len(parts) == expected, f"{p.name}: doc {p.doc!r} has {len(parts)} d/d rules for {expected} inputs"


def test_split_doc_and_rule_doc():
    assert split_doc("a * b:  d/da = b, d/db = a  (mul swaps)") == ("a * b", "d/da = b, d/db = a", "mul swaps")
    assert split_doc(None) == ("", "", "")
    assert split_doc("just words") == ("", "just words", "")
    assert ag.mul.rule_doc(1) == "d/db = a  (mul swaps the inputs)"
    assert ag.matmul.rule_doc(0) == "d/da = g @ b^T" and ag.matmul.rule_doc(1) == "d/db = a^T @ g"
    # where's condition has no rule, so the two parts belong to inputs 1 and 2
    assert ag.where.rule_doc(2).startswith("d/db = [not c]") and ag.where.differentiable == (False, True, True)
    assert BY_NAME["concatenate"].differentiable == (True,)  # variadic: one entry for all inputs
    mine = ag.primitive("cube", lambda x: x**3, lambda g, out, x: 3 * g * x**2)  # a user's, without doc
    assert mine.doc is None and mine.rule_doc(0) == ""
    assert ag.primitive("e", np.exp, lambda g, out, x: g * out).doc is None  # not numpy's long docstring

    def cube(x):
        """x^3:  d/dx = 3 x^2

        The first line of a Python forward's docstring is the doc."""
        return x**3

    assert ag.primitive("cube", cube, lambda g, out, x: 3 * g * x**2).rule_doc(0) == "d/dx = 3 x^2"


def _diagonal_violation(spec, arrays: list[np.ndarray], i: int, out_shape: tuple) -> float:
    """The largest change of an output element when a *different* element of input i moves."""
    worst = 0.0
    x = arrays[i]
    base = np.asarray(spec.ref(*arrays), dtype=np.float64).reshape(-1)
    for k in range(x.size):
        moved = [a.copy() for a in arrays]
        moved[i].reshape(-1)[k] += 0.01
        diff = np.abs(np.asarray(spec.ref(*moved), dtype=np.float64).reshape(-1) - base)
        diff[k] = 0.0
        worst = max(worst, float(diff.max()))
    return worst


def test_elementwise_flags_match_the_forwards():
    """A primitive flagged elementwise: moving one input element changes only its own output element
    (checked on numpy's forward, the specs' reference).  Every flagged primitive must be checked."""
    checked = set()
    for spec in PRIMITIVE_SPECS:
        p = BY_NAME[spec.name]
        arrays = spec.sample(_rng(spec))
        out_shape = np.shape(spec.ref(*arrays))
        if not p.elementwise or any(a.shape != out_shape for a in arrays):
            continue
        for i in range(len(arrays)):
            assert _diagonal_violation(spec, arrays, i, out_shape) == 0.0, f"{spec.id}: not elementwise in input {i}"
        checked.add(p.name)
    flagged = {p.name for p in ag.PRIMITIVES if p.elementwise}
    assert flagged <= checked, f"elementwise primitives without a same-shape spec to check: {flagged - checked}"


def test_the_elementwise_check_can_fail():
    class Ref:  # just what _diagonal_violation reads of a spec
        def __init__(self, ref):
            self.ref = ref

    x = [np.arange(12.0).reshape(2, 6)]
    assert _diagonal_violation(Ref(lambda x: x[:, ::-1]), x, 0, (2, 6)) > 0  # a flip mixes elements
    assert _diagonal_violation(Ref(lambda x: np.cumsum(x, axis=1)), x, 0, (2, 6)) > 0
    assert _diagonal_violation(Ref(lambda x: np.exp(x / 10)), x, 0, (2, 6)) == 0


# ============================================================================ Primitive.vjp
@pytest.mark.parametrize("spec", PRIMITIVE_SPECS, ids=lambda s: s.id)
def test_primitive_vjp_is_what_backward_computes(spec):
    """explain and check_graph apply rules through Primitive.vjp: it must agree with backward exactly."""
    arrays = spec.sample(_rng(spec))
    out = spec.fn(*[ag.Tensor(a, requires_grad=True) for a in arrays])
    u = _rng(spec, 1).standard_normal(out.shape).astype(out.dtype)
    inputs = out.inputs
    # the node's inputs that require grad and enter it once (x * x would sum two rules' results)
    single = [i for i, x in enumerate(inputs) if isinstance(x, ag.Tensor) and x.requires_grad
              and sum(y is x for y in inputs) == 1]  # fmt: skip
    expected = ag.gradients(out, [inputs[i] for i in single], grad=u)
    node_args = [x.data if isinstance(x, ag.Tensor) else x for x in inputs]
    compared = 0
    for i, want in zip(single, expected):
        gi = out.op.vjp(i, u, out.data, node_args, out.params)
        assert gi.shape == want.shape and gi.dtype == want.dtype
        np.testing.assert_array_equal(gi, want.data)
        compared += 1
    assert compared, f"{spec.id}: no input of the primitive's node is a leaf to compare with"


def test_primitive_vjp_reduces_broadcasting_and_says_none_for_no_rule():
    a, b = np.ones((4, 3)), np.arange(3.0)
    out = a * b
    np.testing.assert_array_equal(ag.mul.vjp(1, np.ones((4, 3)), out, [a, b]), [4.0, 4.0, 4.0])
    c = np.array([True, False, True])
    assert ag.where.vjp(0, np.ones(3), np.where(c, b, b), [c, b, b]) is None
    bad = ag.primitive("bad", lambda x: x * 2, lambda g, out, x: np.ones(7))
    with pytest.raises(GradientShapeError, match=r"bad: its gradient rule returned shape \(7,\)"):
        bad.vjp(0, np.ones(3), np.ones(3), [np.ones(3)])


# ============================================================================ the README's table
def test_readme_operation_table_is_the_generated_one():
    readme = optable.README.read_text(encoding="utf-8")
    current = optable.readme_table(readme)
    assert current is not None, f"README.md lost its {optable.START} / {optable.END} markers"
    assert current == optable.table_markdown(), (
        "README.md's operation table is out of date: run `python -m autograd_lite.optable --write`"
    )


def test_table_lists_every_primitive_with_its_rule_and_numpy_names():
    table = optable.table_markdown()
    for p in ag.PRIMITIVES:
        rows = [line for line in table.splitlines() if line.startswith(f"| `{p.name}` |")]
        assert len(rows) == 1, p.name
        assert split_doc(p.doc)[1].replace("|", "\\|") in rows[0]
    assert "`np.multiply`" in next(r for r in table.splitlines() if r.startswith("| `mul` |"))
    assert "✓" in next(r for r in table.splitlines() if r.startswith("| `exp` |"))
    assert "✓" not in next(r for r in table.splitlines() if r.startswith("| `matmul` |"))
    sub_row = next(r for r in table.splitlines() if r.startswith("| `sub` |"))  # a composite: its docstring
    assert "a - b = a + (-b)" in sub_row and "`np.subtract`" in sub_row
    for np_name, _ in optable.numpy_names():  # every registered numpy name appears
        assert f"`{np_name}`" in table, np_name


def test_write_and_check_on_a_copy(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{optable.START}\n| stale |\n{optable.END}\n\nafter\n", encoding="utf-8")
    assert optable.main(["--check", "--readme", str(readme)]) == 1
    assert "run python -m autograd_lite.optable --write" in capsys.readouterr().out
    assert optable.main(["--write", "--readme", str(readme)]) == 0
    text = readme.read_text(encoding="utf-8")
    assert optable.readme_table(text) == optable.table_markdown() and text.endswith(f"{optable.END}\n\nafter\n")
    assert optable.main(["--check", "--readme", str(readme)]) == 0
    assert optable.write_readme(readme) is False  # already up to date: untouched
    readme.write_text("# no markers\n", encoding="utf-8")
    with pytest.raises(ValueError, match="has no <!-- optable:start --> ... <!-- optable:end --> markers"):
        optable.write_readme(readme)
    capsys.readouterr()
    assert optable.main([]) == 0 and capsys.readouterr().out == optable.table_markdown()
