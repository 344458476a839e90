"""gradcheck: correct gradients pass, wrong ones fail at the right element, and the report says so.

Wrong gradients come from functions whose true gradient we know by hand (x * x.detach() has
analytic x where the truth is 2x) or from primitives with deliberately wrong rules.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite.checkreport import band

seeds = st.integers(0, 2**32 - 1)


def _cube_with_error(rel: float) -> ag.Primitive:
    """x^3 whose rule is off by the factor (1 + rel): a known relative error."""
    return ag.primitive("cube", lambda x: x**3, lambda g, out, x: g * 3 * x**2 * (1 + rel))


# ----------------------------------------------------------------------------- correct functions pass
@settings(max_examples=8)
@given(n=st.integers(1, 4), d=st.integers(1, 4), c=st.integers(2, 4), seed=seeds)
def test_softmax_classifier_with_l2_passes(n: int, d: int, c: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((n, d)), rng.integers(0, c, n)
    W = ag.Tensor(0.5 * rng.standard_normal((d, c)), name="W")
    b = ag.Tensor(0.1 * rng.standard_normal(c), name="b")

    def loss(W: ag.Tensor, b: ag.Tensor) -> ag.Tensor:
        logp = ag.log_softmax(ag.tanh(X @ W + b), axis=1)
        return -logp[np.arange(n), y].mean() + 1e-2 * (W * W).sum()

    report = ag.gradcheck(loss, W, b)
    assert report and report.passed
    assert [e.name for e in report.entries] == ["W", "b"]
    assert all(e.checked == e.size for e in report.entries)


def test_sigmoid_neuron_from_the_lecture_passes() -> None:
    w = ag.Tensor([2.0, -3.0, -3.0], name="w")
    x = ag.Tensor([-1.0, -2.0], name="x")
    report = ag.gradcheck(lambda w, x: ag.sigmoid(w[0] * x[0] + w[1] * x[1] + w[2]), w, x)
    assert report.passed
    assert report["w"].max_rel_err < 1e-7 and report["w"].band == "good"


# ----------------------------------------------------------------------------- wrong ones fail, at the right element
def test_detach_bug_fails_with_worst_element_and_both_values() -> None:
    data = np.array([[0.5, -3.0], [1.5, 2.0]])
    x = ag.Tensor(data, name="x")
    report = ag.gradcheck(lambda x: (x * x.detach()).sum(), x)
    assert not report and not report.passed
    e = report["x"]
    assert e.failures == 4 and not e.passed and e.band == "wrong"
    # analytic x, truth 2x: relative error 1/2 everywhere, absolute |x|: the worst is the largest |x|
    assert e.worst_index == (0, 1)
    assert e.analytic == pytest.approx(-3.0, abs=1e-12)
    assert e.numeric == pytest.approx(-6.0, rel=1e-7)
    assert e.max_abs_err == pytest.approx(3.0, rel=1e-7)
    assert e.max_rel_err == pytest.approx(0.5, rel=1e-7)


@pytest.mark.parametrize("rel, verdict, passes", [(3e-2, "wrong", False), (1e-3, "suspicious", False),
                                                   (1e-6, "acceptable", True), (1e-9, "good", True)])  # fmt: skip
def test_relative_error_and_verdict_bands(rel: float, verdict: str, passes: bool) -> None:
    x = np.array([0.7, -1.3, 2.1])
    e = ag.gradcheck(lambda x: _cube_with_error(rel)(x).sum(), x, rtol=1e-5).entries[0]
    # |a - n| / max(|a|, |n|) with a = 3x^2 (1 + rel), n = 3x^2
    assert e.max_rel_err == pytest.approx(rel / (1 + rel), rel=1e-3, abs=1e-9)
    assert e.band == verdict and e.passed is passes
    if rel > 1e-6:  # (below that, rounding noise decides which element is worst)
        assert e.worst_index == (2,)  # equal relative errors: the larger absolute error wins


def test_band_thresholds_are_the_lecture_s() -> None:
    assert [band(v) for v in (2e-2, 1e-2, 5e-3, 1e-4, 5e-5, 1e-7, 5e-8, 0.0, np.nan)] == [
        "wrong", "suspicious", "suspicious", "acceptable", "acceptable", "good", "good", "good", "wrong"]  # fmt: skip


def test_rtol_decides_pass_and_zero_gradients_are_guarded() -> None:
    x = np.array([0.7, -1.3, 2.1])
    assert ag.gradcheck(lambda x: _cube_with_error(1e-3)(x).sum(), x, rtol=1e-2).passed
    # elements with gradient exactly 0 (unused) and tiny ones: no relative-error blow-up
    report = ag.gradcheck(lambda x: (x[:2] * x[:2]).sum() + 1e-12 * x[2], x)
    assert report.passed and report.entries[0].max_rel_err < 1e-7


def test_only_the_wrong_input_fails() -> None:
    x, y = ag.Tensor([1.0, 2.0], name="x"), ag.Tensor([0.5, -0.5], name="y")
    report = ag.gradcheck(lambda x, y: (x * y.detach() * y).sum(), x, y)
    # d/dx = y^2 (right); d/dy = 2xy but the detached copy hides half: analytic xy = (0.5, -1)
    assert report["x"].passed and not report["y"].passed
    assert report["y"].worst_index == (1,)
    assert report["y"].analytic == pytest.approx(-1.0) and report["y"].numeric == pytest.approx(-2.0)


# ----------------------------------------------------------------------------- the report's text
def test_report_text_names_inputs_shapes_dtypes_and_worst_elements() -> None:
    W = ag.Tensor(np.array([[1.0, -2.0], [0.5, 4.0]]), name="weights")
    v = np.array([1.0, 2.0])  # unnamed: "input 1"
    report = ag.gradcheck(lambda W, v: (W.detach() @ v.detach() * (W @ v)).sum(), W, v)
    text = str(report)
    assert text.startswith("gradcheck FAILED")
    lines = text.splitlines()
    row = next(line for line in lines if line.startswith("weights"))
    e = report["weights"]
    for piece in ["(2, 2)", "float64", "4/4", f"{e.max_abs_err:.1e}", f"{e.max_rel_err:.1e}",
                  str(e.worst_index), f"{e.analytic:.4e}", f"{e.numeric:.4e}", "wrong", "FAIL"]:  # fmt: skip
        assert piece in row, (piece, row)
    assert any(line.startswith("input 1") and line.rstrip().endswith("FAIL") for line in lines)
    assert "verdict (relative error)" in text


def test_raise_exception_raises_gradcheck_error_with_the_table() -> None:
    x = ag.Tensor([1.0, 2.0], name="x")
    with pytest.raises(ag.GradcheckError, match=r"(?s)gradcheck FAILED.*\nx +\(2,\)") as info:
        ag.gradcheck(lambda x: (x * x.detach()).sum(), x, raise_exception=True)
    assert isinstance(info.value, AssertionError) and not info.value.report.passed
    assert ag.gradcheck(lambda x: (x * x).sum(), x, raise_exception=True).passed


# ----------------------------------------------------------------------------- float32
def test_float32_inputs_warn_and_are_checked_in_float64() -> None:
    x = np.array([0.3, -1.1, 2.2], dtype=np.float32)
    before = x.tobytes()
    with pytest.warns(ag.GradcheckWarning, match=r"input 0 \(float32\).*float64 copies"):
        report = ag.gradcheck(lambda x: (ag.tanh(x) * x).sum(), x)
    # in float32 central differences would be off by ~1e-2 relative; in float64 the check is clean
    assert report.passed and report.entries[0].dtype == "float32" and report.entries[0].max_rel_err < 1e-7
    assert x.dtype == np.float32 and x.tobytes() == before
    assert issubclass(ag.GradcheckWarning, UserWarning)


def test_float64_inputs_do_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ag.gradcheck(lambda x: (x * x).sum(), np.ones(2)).passed


# ----------------------------------------------------------------------------- params (closures)
def _model(rng: np.random.Generator) -> tuple[dict[str, ag.Tensor], np.ndarray, np.ndarray]:
    p = {
        "fc1.weight": ag.Tensor(rng.standard_normal((3, 4)), requires_grad=True),
        "fc1.bias": ag.Tensor(rng.standard_normal(4), requires_grad=True),
        "fc2.weight": ag.Tensor(rng.standard_normal((4, 2)).astype(np.float32), requires_grad=True),
    }
    return p, rng.standard_normal((5, 3)), rng.integers(0, 2, 5)


def test_params_are_checked_by_name_and_restored_bit_identically() -> None:
    p, X, y = _model(np.random.default_rng(0))
    arrays = {k: t.data for k, t in p.items()}
    snapshot = {k: t.data.tobytes() for k, t in p.items()}
    p["fc1.bias"].grad = ag.Tensor(np.full(4, 9.0))
    old_grad = p["fc1.bias"].grad

    def loss() -> ag.Tensor:
        h = ag.tanh(X @ p["fc1.weight"] + p["fc1.bias"])
        return -ag.log_softmax(h @ p["fc2.weight"], axis=1)[np.arange(5), y].mean()

    with pytest.warns(ag.GradcheckWarning, match=r"fc2.weight \(float32\)"):
        report = ag.gradcheck(loss, params=p.items())
    assert report.passed and [e.name for e in report.entries] == list(p)
    for k, t in p.items():
        assert t.data is arrays[k] and t.data.tobytes() == snapshot[k]
        assert t.requires_grad
    assert p["fc1.bias"].grad is old_grad and p["fc2.weight"].dtype == np.float32


def test_params_restored_when_f_raises_and_plain_tensor_params_are_named() -> None:
    w = ag.Tensor([1.0, 2.0], name="w")
    b = ag.Tensor([0.5])
    data_w, data_b = w.data, b.data
    calls = []

    def f() -> ag.Tensor:
        calls.append(1)
        if len(calls) == 4:
            raise FloatingPointError("mid-check")
        return (w * w).sum() + b.sum()

    with pytest.raises(FloatingPointError, match="mid-check"):
        ag.gradcheck(f, params=[w, b])
    assert w.data is data_w and b.data is data_b and list(w.data) == [1.0, 2.0] and list(b.data) == [0.5]
    assert not w.requires_grad and not b.requires_grad
    assert [e.name for e in ag.gradcheck(f, params=[w, b]).entries] == ["w", "param 1"]


def test_wrong_bias_gradient_in_a_closure_is_caught_and_named() -> None:
    rng = np.random.default_rng(1)
    W = ag.Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    b = ag.Tensor(rng.standard_normal(2), requires_grad=True)
    X = rng.standard_normal((4, 3))
    halve = ag.primitive("halfgrad", lambda x: x, lambda g, out, x: 0.5 * g)  # identity with a wrong rule
    report = ag.gradcheck(lambda: ag.tanh(X @ W + halve(b)).sum(), params=[("layer.W", W), ("layer.b", b)])
    assert report["layer.W"].passed and not report["layer.b"].passed
    assert report["layer.b"].max_rel_err == pytest.approx(0.5, rel=1e-6)


# ----------------------------------------------------------------------------- sparse and projections
def test_sparse_samples_k_elements_of_every_tensor_including_biases_seeded() -> None:
    rng = np.random.default_rng(2)
    W = ag.Tensor(rng.standard_normal((6, 5)), name="W")
    b = ag.Tensor(rng.standard_normal(5), name="b")
    calls = []

    def f() -> ag.Tensor:
        calls.append(1)
        return ag.tanh(W.sum(axis=0) + b).sum()

    report = ag.gradcheck(f, params=[W, b], sparse=3, seed=7)
    assert [(e.name, e.checked, e.size) for e in report.entries] == [("W", 3, 30), ("b", 3, 5)]
    assert len(calls) == 1 + 2 + 2 * 6  # one backward pass, f(x) twice, two per sampled element
    again = ag.gradcheck(f, params=[W, b], sparse=3, seed=7)
    assert [e.worst_index for e in again.entries] == [e.worst_index for e in report.entries]
    assert ag.gradcheck(f, params=[W, b], sparse=100).entries[1].checked == 5


def test_sparse_mode_catches_a_wrong_rule_that_hits_every_element() -> None:
    x = np.linspace(-1, 1, 50)
    assert not ag.gradcheck(lambda x: _cube_with_error(0.1)(x + 2).sum(), x, sparse=2)


@settings(max_examples=5)
@given(seed=seeds)
def test_projection_mode_passes_correct_and_fails_wrong_vector_valued_f(seed: int) -> None:
    rng = np.random.default_rng(seed)
    A, x = rng.standard_normal((4, 3)), rng.standard_normal(3)
    good = ag.gradcheck(lambda x: ag.sigmoid(A @ x), x, projections=3, seed=seed)
    assert good.passed and good.entries[0].checked == 3 and good.entries[0].worst_index.startswith("proj")
    bad = ag.gradcheck(lambda x: _cube_with_error(0.1)(A @ x + 3), x, projections=3, seed=seed)
    assert not bad.passed


def test_projection_mode_compares_u_J_v_with_the_vjp() -> None:
    # f(x) = A x: <u, J v> = u^T A v exactly; a rule giving 2 A^T u must fail by a factor 2
    A, x = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 1.0]]), np.array([0.2, 0.4])
    double = ag.primitive("double_grad", lambda x: x, lambda g, out, x: 2 * g)
    e = ag.gradcheck(lambda x: A @ double(x), x, projections=4).entries[0]
    assert not e.passed and e.analytic == pytest.approx(2 * e.numeric, rel=1e-7)


# ----------------------------------------------------------------------------- randomness inside f
def test_dropout_like_randomness_is_made_checkable_by_reseeding() -> None:
    x = np.linspace(-1, 1, 8)

    def dropout_loss(x: ag.Tensor) -> ag.Tensor:
        mask = np.random.rand(8) < 0.5
        return (ag.tanh(x) * mask / 0.5).sum()

    np.random.seed(123)
    state = np.random.get_state()[1].copy()
    assert ag.gradcheck(dropout_loss, x).passed
    assert np.array_equal(np.random.get_state()[1], state)  # the caller's global RNG is restored
    with pytest.warns(ag.GradcheckWarning, match="not repeatable|same input"):
        assert not ag.gradcheck(dropout_loss, x, reseed=False).passed


def test_reseed_accepts_your_own_generator_factory() -> None:
    holder = {}

    def reseed() -> None:
        holder["rng"] = np.random.default_rng(5)

    def f(x: ag.Tensor) -> ag.Tensor:
        return (x * holder["rng"].standard_normal(3)).sum()

    assert ag.gradcheck(f, np.ones(3), reseed=reseed).passed


def test_a_step_too_large_for_the_scale_is_refined_not_reported() -> None:
    # x^-0.5 at x = 1e-5: the default step 1e-6 is 10% of x (truncation error ~1e-2 relative);
    # the checker retries with h/10 and h/100 before calling it a failure
    x = np.array([1e-5, 3e-5])
    e = ag.gradcheck(lambda x: (x**-0.5).sum(), x).entries[0]
    assert e.passed and e.analytic == pytest.approx(-0.5 * x[e.worst_index] ** -1.5, rel=1e-12)
    wrong = ag.primitive("rsqrt", lambda x: x**-0.5, lambda g, out, x: g * -0.5 * x**-1.5 * 1.01)
    assert not ag.gradcheck(lambda x: wrong(x).sum(), x)
    assert not ag.check_graph(wrong(ag.Tensor(x, requires_grad=True)).sum())
    assert ag.check_graph((ag.Tensor(x, requires_grad=True) ** -0.5).sum())


def test_scalars_python_numbers_empty_tensors_and_shared_params() -> None:
    e = ag.gradcheck(lambda x: x * x * x, 3).entries[0]  # a Python int counts as float64
    assert e.passed and e.shape == () and e.worst_index == () and e.analytic == pytest.approx(27.0)
    assert ag.gradcheck(lambda x: (x * x).sum(), np.zeros((0, 3))).entries[0].checked == 0
    W = ag.Tensor(np.array([1.0, -2.0]), name="W")
    report = ag.gradcheck(lambda: (W * W).sum(), params=[W, ("tied", W)])  # listed twice, checked once
    assert report.passed and [e.name for e in report.entries] == ["W"]


def test_integer_and_boolean_inputs_pass_through_unchecked() -> None:
    scores, labels, mask = np.array([[1.0, 2.0], [3.0, -1.0]]), np.array([1, 0]), np.array([True, False])
    report = ag.gradcheck(lambda s, y, m: (s[np.arange(2), y.data if isinstance(y, ag.Tensor) else y] * m).sum(),
                          scores, labels, mask)  # fmt: skip
    assert report.passed and [e.name for e in report.entries] == ["input 0"]


# ----------------------------------------------------------------------------- bad calls
def test_errors_are_clear() -> None:
    x = np.ones(3)
    with pytest.raises(ValueError, match=r"gradcheck: f must return a one-element Tensor, got shape \(3,\)"):
        ag.gradcheck(lambda x: x * 2, x)
    with pytest.raises(ValueError, match="gradcheck: eps must be positive, got -1.0"):
        ag.gradcheck(lambda x: x.sum(), x, eps=-1)
    with pytest.raises(ValueError, match="gradcheck: sparse must be a positive integer, got 0"):
        ag.gradcheck(lambda x: x.sum(), x, sparse=0)
    with pytest.raises(ValueError, match="choose sparse=k or projections=n, not both"):
        ag.gradcheck(lambda x: x.sum(), x, sparse=1, projections=1)
    with pytest.raises(TypeError, match="gradcheck: params must hold Tensors or .name, Tensor. pairs; item 0 is str"):
        ag.gradcheck(lambda x: x.sum(), x, params=["W"])
    with pytest.raises(TypeError, match="gradcheck: f must return a Tensor, got str"):
        ag.gradcheck(lambda x: "loss", x)


# ----------------------------------------------------------------------------- large |f|, failing verdicts, NaN
def test_a_wrong_rule_is_caught_when_f_has_a_large_constant_offset() -> None:
    # d/dx sum(x^2) = 2x = 0.02; a rule 5% off gives 0.021, one that gives 0 is off by 100%.
    # At |f| = 1e4 (1e6) the rounding of f disturbs the quotient by ~1e-6 (~1e-4) only.
    x = np.full(3, 0.01)
    bad = ag.primitive("bad_square", lambda x: x * x, lambda g, out, x: g * 2.1 * x)
    zero = ag.primitive("zero_square", lambda x: x * x, lambda g, out, x: g * 0 * x)
    assert ag.gradcheck(lambda t: (t * t).sum() + 1e4, x).passed
    assert ag.gradcheck(lambda t: (t * t).sum() + 1e6, x).passed
    assert not ag.gradcheck(lambda t: bad(t).sum(), x).passed
    e = ag.gradcheck(lambda t: bad(t).sum() + 1e4, x).entries[0]
    assert not e.passed and e.failures == 3
    assert e.max_rel_err == pytest.approx(0.1 / 2.1, rel=1e-2) and e.band == "wrong"
    for offset in (1e4, 1e6):
        e = ag.gradcheck(lambda t, offset=offset: zero(t).sum() + offset, x).entries[0]
        assert not e.passed and e.failures == 3
        assert e.max_rel_err == pytest.approx(1.0) and e.band == "wrong"  # |0 - 0.02| / 0.02
    assert not ag.check_graph(zero(ag.Tensor(x, requires_grad=True)).sum() + 1e6)


def test_a_failing_tensor_is_never_called_acceptable_or_good() -> None:
    x = np.array([0.7, -1.3, 2.1])
    for rel, rtol in ((3e-5, 1e-5), (1e-8, 1e-9)):  # errors in the lecture's acceptable / good bands
        cube = _cube_with_error(rel)
        report = ag.gradcheck(lambda x, cube=cube: cube(x).sum(), x, rtol=rtol, atol=0.0)
        e = report.entries[0]
        assert not e.passed and e.max_rel_err > rtol
        assert e.band not in ("acceptable", "good")
        row = next(line for line in str(report).splitlines() if line.startswith("input 0"))
        assert " acceptable " not in row and " good " not in row and row.endswith("FAIL")


def test_nan_from_f_fails_without_a_randomness_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", ag.GradcheckWarning)
        with np.errstate(invalid="ignore"):
            report = ag.gradcheck(lambda x: (ag.log(x) * 0.0).sum() + ag.log(x - 2.0).sum(), np.array([1.0]))
    assert "not repeatable" not in str(report)
    e = report.entries[0]
    assert not e.passed and np.isnan(e.numeric) and e.band == "wrong"


def test_a_nan_analytic_gradient_shows_as_nan_and_fails() -> None:
    nan_rule = ag.primitive("nan_square", lambda x: x * x, lambda g, out, x: g * np.nan * x)
    report = ag.gradcheck(lambda x: nan_rule(x).sum(), np.array([1.0, 2.0]))
    e = report.entries[0]
    assert not e.passed and e.failures == 2
    assert np.isnan(e.max_abs_err) and np.isnan(e.max_rel_err) and e.band == "wrong"
    row = next(line for line in str(report).splitlines() if line.startswith("input 0"))
    assert row.split()[4:7] == ["2/2", "nan", "nan"] and row.endswith("FAIL")
    assert not ag.check_graph(nan_rule(ag.Tensor([1.0, 2.0], requires_grad=True)).sum())


class _Table:
    """The parts of an HTML table that matter: caption, header cells and body rows (html.parser)."""

    def __init__(self, text: str) -> None:
        from html.parser import HTMLParser

        self.caption, self.header, self.rows, self.items = "", [], [], []
        table = self

        class P(HTMLParser):
            where: list[str] = []

            def handle_starttag(self, tag, attrs):
                self.where.append(tag)
                if tag == "tr":
                    table.rows.append([])

            def handle_endtag(self, tag):
                assert self.where and self.where[-1] == tag, (tag, self.where)  # well nested
                self.where.pop()

            def handle_data(self, data):
                top = self.where[-1] if self.where else ""
                if top == "caption":
                    table.caption += data
                elif top == "th":
                    table.header.append(data)
                elif top == "td":
                    table.rows[-1].append(data)
                elif top == "li":
                    table.items.append(data)

        p = P()
        p.feed(text)
        p.close()
        assert not p.where, p.where
        self.rows = [r for r in self.rows if r]


def test_gradcheck_report_shows_as_an_html_table_in_jupyter() -> None:
    x = ag.Tensor(np.array([[0.5, -3.0], [1.5, 2.0]]), name="x<1>")  # a name that needs escaping
    w = ag.Tensor(np.array([1.0, 2.0]), name="w")
    report = ag.gradcheck(lambda x, w: ((x * x.detach()) @ w).sum(), x, w)
    t = _Table(report._repr_html_())
    assert t.caption.startswith("gradcheck FAILED (1 of 2 tensors)")
    assert t.header[:4] == ["tensor", "shape", "dtype", "checked"] and t.header[-1] == "result"
    assert len(t.rows) == 2 and all(len(r) == len(t.header) for r in t.rows)
    by = {r[0]: dict(zip(t.header, r)) for r in t.rows}
    assert by["x<1>"]["result"] == "FAIL" and by["x<1>"]["worst at"] == "(0, 1)" and by["w"]["result"] == "pass"
    assert by["x<1>"]["shape"] == "(2, 2)" and by["x<1>"]["verdict"] == "wrong"
    assert any("verdict (relative error)" in i for i in t.items)
    assert str(report).splitlines()[0] == t.caption  # the text view and the table say the same


def test_check_graph_report_shows_as_an_html_table() -> None:
    bad = ag.primitive("bad_square_html", lambda x: x * x, lambda g, out, x: g * x)
    x = ag.Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True, name="x")
    report = ag.check_graph(bad(ag.tanh(x)).sum())
    t = _Table(report._repr_html_())
    assert t.caption.startswith("check_graph FAILED: 1 of 3 nodes disagree")
    assert t.header[:3] == ["op", "node", "scope"] and len(t.rows) == 1
    assert t.rows[0][0] == "bad_square_html"
    good = _Table(ag.check_graph(ag.tanh(x).sum())._repr_html_())
    assert good.caption.startswith("check_graph passed") and not good.rows


def test_jupyter_shows_the_reports_as_html_not_the_one_line_repr() -> None:
    pytest.importorskip("IPython")
    from IPython.core.formatters import DisplayFormatter

    x = ag.Tensor(np.array([1.0, -2.0]), name="x")
    shown = [
        ag.gradcheck(lambda x: (x * x).sum(), x),
        ag.check_graph((ag.Tensor([1.0, 2.0], requires_grad=True) ** 2).sum()),
        ag.explain((ag.Tensor([1.0, 2.0], requires_grad=True) ** 2).sum()),
    ]
    for obj in shown:
        data, _ = DisplayFormatter().format(obj)
        assert data["text/html"].startswith("<table>") and "</table>" in data["text/html"], type(obj)
