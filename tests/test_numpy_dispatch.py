"""numpy on Tensors: record or refuse, never drop.

Every numpy function or ufunc applied to a Tensor that requires grad records (a Tensor comes
back, on the graph), is a documented query (``dispatch.QUERIES``: shapes, indices, booleans),
or raises a TypeError naming the function.  The namespace walk calls everything in numpy's top
level and ``np.linalg`` on such a Tensor and fails on any plain ndarray that comes back
silently.  Gradients through numpy's names are checked against float64 central differences of
the very same expression on ndarrays.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite import dispatch
from autograd_lite.engine import Primitive

from . import specs_core, specs_elementwise, specs_linalg, specs_reductions, specs_shape
from . import strategies as S
from ._numeric import assert_close, central_difference

RNG = np.random.default_rng(8)


def leaf(value, **kw) -> ag.Tensor:
    return ag.Tensor(np.array(value, dtype=np.float64), requires_grad=True, **kw)


def _grad_matches(f, *arrays, eps: float = 1e-6, **tol) -> None:
    """Backward through ``f`` on Tensors == central differences of the same ``f`` on ndarrays
    (the output weighted by fixed random numbers, so every element's gradient counts)."""
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    weights = RNG.standard_normal(np.shape(f(*arrays)))
    xs = [leaf(a) for a in arrays]
    out = f(*xs)
    assert isinstance(out, ag.Tensor) and out.requires_grad, f"{f} dropped the graph: {type(out).__name__}"
    assert_close(out.data, f(*arrays))
    (out * weights).sum().backward()
    for i, x in enumerate(xs):
        expected = central_difference(lambda *a: np.sum(f(*a) * weights), arrays, i, eps)
        assert_close(x.grad.data, expected, **tol)


# ============================================================================ the namespace walk
# Functions the walk does not call: they print, touch files or global state, or build callables.
NOT_CALLED = {
    "info", "show_config", "show_runtime", "test", "save", "savez", "savez_compressed", "savetxt", "load",
    "loadtxt", "genfromtxt", "fromfile", "fromregex", "memmap", "seterr", "seterrcall", "setbufsize",
    "set_printoptions", "printoptions", "get_printoptions", "geterr", "geterrcall", "getbufsize",
    "frompyfunc", "vectorize", "fromfunction", "apply_along_axis", "apply_over_axes", "piecewise",
}  # fmt: skip


def _public_callables():
    for space, prefix in ((np, ""), (np.linalg, "linalg.")):
        for name in sorted(dir(space)):
            obj = getattr(space, name)
            if name.startswith("_") or name in NOT_CALLED or isinstance(obj, type) or not callable(obj):
                continue
            yield prefix + name, obj


PATTERNS = {
    "(t)": lambda t, s: ((t,), {}),
    "(t, t)": lambda t, s: ((t, t), {}),
    "(t, axis=0)": lambda t, s: ((t,), {"axis": 0}),
    "([t, t])": lambda t, s: (([t, t],), {}),
    "(t, s)": lambda t, s: ((t, s), {}),
    "(t, 1)": lambda t, s: ((t, 1), {}),
    "(t, 0, 1)": lambda t, s: ((t, 0, 1), {}),
    "(t, (3, 3))": lambda t, s: ((t, (3, 3)), {}),
}
CALLABLES = list(_public_callables())


def _on_the_graph(result) -> bool:
    """A Tensor that requires grad, or a tuple/list of Tensors with at least one on the graph
    (np.split; np.linalg.slogdet, whose sign may be a constant Tensor; np.linalg.lstsq, whose rank is
    a Python int) -- never an ndarray."""
    if isinstance(result, ag.Tensor):
        return result.requires_grad
    if isinstance(result, (tuple, list)) and result:
        return all(isinstance(r, (ag.Tensor, int)) or _on_the_graph(r) for r in result) and any(
            map(_on_the_graph, result)
        )
    return False


def _is_ours(message: str, name: str, fn) -> bool:
    """Our refusal: it names the function (by this name or numpy's own, np.atan2 -> arctan2),
    or it is the refusal to convert."""
    names = (name, getattr(fn, "__name__", name))
    return any(f"numpy.{n} " in message for n in names) or "cannot convert" in message and "requires grad" in message


def _walk_verdict(name: str, fn, args, kwargs) -> str:
    """records / query / refused / error (numpy rejected the arguments) / DROPPED."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            result = fn(*args, **kwargs)
    except TypeError as e:
        return "refused" if _is_ours(str(e), name, fn) else "error"
    except Exception:
        return "error"
    if _on_the_graph(result):
        return "records"
    if fn in dispatch.QUERIES or fn is np.where and len(args) == 1:  # np.where(c) is np.nonzero(c)
        return "query"
    if fn is np.where and isinstance(result, ag.Tensor):  # np.where(t, 0, 1): the condition has no gradient
        return "records"
    if result is None:  # e.g. np.bmat of anything but a string, list or ndarray: no data came back
        return "nothing"
    return "DROPPED"


def walk() -> tuple[dict[str, set[str]], list[str]]:
    """Each public callable's outcomes over the argument patterns, and the calls that dropped."""
    dropped, verdicts = [], {}
    for name, fn in CALLABLES:
        for pattern, make in PATTERNS.items():
            t = leaf(RNG.uniform(0.5, 1.5, (3, 3)), name="t")
            args, kwargs = make(t, leaf(0.7, name="s"))
            verdict = _walk_verdict(name, fn, args, kwargs)
            verdicts.setdefault(name, set()).add(verdict)
            if verdict == "DROPPED":
                dropped.append(f"np.{name}{pattern}")
    return verdicts, dropped


def test_namespace_walk_records_queries_or_refuses():
    """Every public numpy callable, in every argument pattern, on a Tensor that requires grad."""
    verdicts, dropped = walk()
    assert not dropped, f"plain data came back silently from: {dropped}"
    # the walk is not vacuous: it reaches each of the three outcomes many times
    counts = {v: sum(v in vs for vs in verdicts.values()) for v in ("records", "query", "refused")}
    assert counts["records"] >= 20 and counts["query"] >= 20 and counts["refused"] >= 100, counts


def test_the_issues_functions_record_or_refuse_by_name():
    """The functions a new user reaches for first: each records, or its refusal names it."""
    x, w = leaf(RNG.standard_normal((2, 3))), leaf(RNG.standard_normal((3, 3)))
    calls = {
        "dot": lambda: np.dot(x, w),
        "clip": lambda: np.clip(x, -0.5, 0.5),
        "where": lambda: np.where(x.data > 0, x, 0.0),
        "concatenate": lambda: np.concatenate([x, w]),
        "stack": lambda: np.stack([w, w]),
        "einsum": lambda: np.einsum("ij,jk->ik", x, w),
        "outer": lambda: np.outer(x, w),
        "tensordot": lambda: np.tensordot(x, w, 1),
        "linalg.norm": lambda: np.linalg.norm(w),
    }
    for name, call in calls.items():
        try:
            out = call()
        except TypeError as e:
            assert f"numpy.{name}" in str(e) and "t.detach()" in str(e), str(e)
        else:
            assert isinstance(out, ag.Tensor) and out.requires_grad, name


# ============================================================================ records
@pytest.mark.parametrize(
    "f, shapes",
    [
        (lambda x, w: np.matmul(x, w), ((2, 3), (3, 4))),
        (lambda x, y: np.sum(np.tanh(x) * np.exp(y), axis=0), ((3, 2), (3, 2))),
        (lambda x, y: np.mean(np.maximum(x, y) - np.minimum(x, y), axis=1, keepdims=True), ((2, 4), (2, 4))),
        (lambda x: np.var(x, axis=0, ddof=1), ((4, 3),)),
        (lambda x: np.max(x, axis=1) + np.min(x, axis=0)[:2], ((2, 3),)),
        (lambda x: np.sqrt(np.absolute(x) + 1.0) / np.power(np.abs(x) + 2.0, 1.5), ((3, 2),)),
        (lambda x: np.log(np.clip(x, 0.1, 2.0)), ((3, 3),)),
        (lambda x: np.clip(x, a_min=-0.3, a_max=None), ((2, 3),)),
        (lambda x, y: np.where(np.array([[True, False, True]]), x, y), ((2, 3), (2, 3))),
        (lambda x, y: np.concatenate([x, y], axis=1), ((2, 1), (2, 3))),
        (lambda x, y: np.stack((x, y), axis=-1), ((2, 3), (2, 3))),
        (lambda x: np.reshape(x, (3, -1)), ((2, 3, 2),)),
        (lambda x: np.transpose(x, (2, 0, 1)), ((2, 3, 4),)),
        (lambda x: np.swapaxes(x, 0, 2), ((2, 3, 4),)),
        (lambda x: np.broadcast_to(x, (2, 3, 4)), ((3, 1),)),
        (lambda x, y: np.subtract(x, y) * np.negative(np.divide(x, y)), ((2, 3), (2, 3))),
    ],
)
def test_numpy_names_record_with_correct_gradients(f, shapes):
    arrays = [RNG.uniform(0.5, 1.5, s) * RNG.choice([-1, 1], s) for s in shapes]
    _grad_matches(f, *arrays)


def test_np_astype_records_to_floats_and_is_a_constant_to_integers():
    def f(x):
        return np.astype(x * 3.0, np.float32).astype(np.float64)

    _grad_matches(f, RNG.standard_normal((2, 2)), eps=1e-3, rtol=2e-3, atol=2e-3)  # float32 rounding
    labels = np.astype(leaf([1.0, 2.0]), np.int64)
    assert isinstance(labels, ag.Tensor) and not labels.requires_grad and labels.dtype == np.int64


def test_ndarray_on_the_left_records():
    a, x = RNG.standard_normal((2, 3)), leaf(RNG.standard_normal((3, 3)))
    for out in (a @ x, a * x[:2], a + x[:2], a - x[:2], a / (x[:2] + 3.0), a**1.0 + x[:2]):
        assert isinstance(out, ag.Tensor) and out.requires_grad
    _grad_matches(lambda a, x: a @ x - np.ones((2, 3)) * x[:2] / (np.full((2, 3), 4.0) - x[1:]), a, x.data)


BINARY_UFUNCS = {
    np.add: (S.normal, S.normal),
    np.subtract: (S.normal, S.normal),
    np.multiply: (S.normal, S.normal),
    np.divide: (S.normal, S.away_from_zero),
    np.power: (S.positive, S.normal),
    np.maximum: (S.lattice_low, S.lattice_high),
    np.minimum: (S.lattice_high, S.lattice_low),
}


@settings(max_examples=15)
@given(pair=S.broadcastable_pairs(), seed=st.integers(0, 2**16), ufunc=st.sampled_from(list(BINARY_UFUNCS)))
def test_ndarray_op_tensor_records_under_broadcasting(pair, seed, ufunc):
    """``ndarray <ufunc> Tensor`` (numpy's __array_ufunc__ path) records, both ways round."""
    rng = np.random.default_rng(seed)
    da, db = BINARY_UFUNCS[ufunc]
    a, b = da(rng, pair[0]), db(rng, pair[1])
    _grad_matches(lambda b: ufunc(a, b), b)  # the constant on the left, numpy's ufunc called
    _grad_matches(lambda a: ufunc(a, b), a)


def test_ufunc_methods_map_to_recording_operations():
    _grad_matches(lambda x: np.add.reduce(x), RNG.standard_normal((3, 2)))  # axis 0 by default, like numpy
    _grad_matches(lambda x: np.add.reduce(x, axis=None), RNG.standard_normal((3, 2)))
    _grad_matches(lambda x: np.add.reduce(x, 1, keepdims=True), RNG.standard_normal((3, 2)))
    _grad_matches(lambda x: np.maximum.reduce(x, axis=1), np.arange(6.0).reshape(2, 3) ** 1.5)
    _grad_matches(lambda x: np.minimum.reduce(x), np.arange(6.0).reshape(3, 2) ** 1.5)
    _grad_matches(lambda x, y: np.multiply.outer(x, y), RNG.standard_normal((2,)), RNG.standard_normal((2, 3)))
    _grad_matches(lambda x, y: np.subtract.outer(x, y), RNG.standard_normal((3,)), RNG.standard_normal((2,)))


def test_ufunc_methods_without_a_rule_refuse_by_name():
    x = leaf(RNG.standard_normal((3, 2)), name="x")
    with pytest.raises(TypeError, match=r"numpy\.add\.at .*Tensor 'x' of shape \(3, 2\)"):
        np.add.at(x, [0, 0], 1.0)
    with pytest.raises(TypeError, match=r"numpy\.add\.reduceat"):
        np.add.reduceat(x, [0, 1])
    with pytest.raises(TypeError, match=r"numpy\.power\.accumulate has no gradient rule"):
        np.power.accumulate(x)
    with pytest.raises(TypeError, match=r"numpy\.add\.reduce with initial="):
        np.add.reduce(x, initial=1.0)
    if np.cumsum not in dispatch.HANDLED:  # a cumsum operation makes accumulate record
        with pytest.raises(TypeError, match=r"numpy\.add\.accumulate"):
            np.add.accumulate(x)
    else:
        _grad_matches(lambda x: np.add.accumulate(x, axis=1), x.data)


def test_ufunc_keywords_defaults_pass_others_refuse():
    x = leaf([1.0, 2.0], name="x")
    out = np.exp(x, dtype=None, casting="same_kind", where=True)
    assert isinstance(out, ag.Tensor) and out.requires_grad
    with pytest.raises(TypeError, match=r"numpy\.exp with dtype= is not supported.*use ag\.exp"):
        np.exp(x, dtype=np.float32)
    with pytest.raises(TypeError, match=r"numpy\.add with where= is not supported"):
        np.add(x, x, where=np.array([True, False]))
    for target in (ag.Tensor([0.0, 0.0]), x):
        with pytest.raises(TypeError, match=r"numpy\.add: out= cannot be a Tensor"):
            np.add(x, 1.0, out=target)
    with pytest.raises(TypeError, match=r"numpy\.multiply: out= cannot be a Tensor"):
        np.multiply(np.ones(2), np.ones(2), out=(ag.Tensor([0.0, 0.0]),))


def test_in_place_into_an_ndarray_refuses_and_leaves_it_alone():
    a, t = np.zeros(2), leaf([1.0, 2.0])
    with pytest.raises(TypeError, match=r"numpy\.add with out= is not supported"):
        a += t  # would write t's values into a plain array: the graph dropped
    np.testing.assert_array_equal(a, [0.0, 0.0])
    a += t.detach()  # saying so works
    np.testing.assert_array_equal(a, [1.0, 2.0])


def test_numpy_function_keywords_refuse_what_they_cannot_do():
    x = leaf(np.ones((2, 3)))
    with pytest.raises(TypeError, match=r"^sum: out"):
        np.sum(x, out=np.zeros(3))
    with pytest.raises(TypeError, match=r"^mean: dtype"):
        np.mean(x, dtype=np.float32)
    with pytest.raises(TypeError, match=r"^concatenate: dtype"):
        np.concatenate([x, x], dtype=np.float32)
    with pytest.raises(TypeError, match=r"^reshape: order='F'"):
        np.reshape(x, (3, 2), order="F")
    assert np.sum(x, dtype=None, keepdims=True).shape == (1, 1)


# ============================================================================ queries
def test_queries_answer_from_the_data_and_record_nothing():
    x = leaf([[3.0, -1.0, 2.0], [0.5, 4.0, np.nan]], name="x")
    assert np.shape(x) == (2, 3) and np.ndim(x) == 2 and np.size(x) == 6
    assert np.argmax(x[0]) == 0 and np.argmin(x, axis=1)[0] == 1
    np.testing.assert_array_equal(np.argsort(x[0]), [1, 2, 0])
    np.testing.assert_array_equal(np.isnan(x), [[False] * 3, [False, False, True]])
    np.testing.assert_array_equal(np.isfinite(x)[1], [True, True, False])
    np.testing.assert_array_equal(x > 1.0, [[True, False, True], [False, True, False]])
    np.testing.assert_array_equal(np.greater(2.0, x[0]), [False, True, False])
    assert np.count_nonzero(x[0] > 0) == 2
    assert not np.allclose(x, x) and np.allclose(x[0], [3.0, -1.0, 2.0])
    assert np.array_equal(x[0], x[0])
    rows, cols = np.nonzero(x[:, :2] > 1.0)
    np.testing.assert_array_equal(rows, [0, 1])
    assert np.where(x[0] > 0)[0].tolist() == [0, 2]  # one argument: indices, a query
    assert np.result_type(x) == np.float64 and np.zeros_like(x).shape == (2, 3)
    assert np.logical_and.reduce(np.isfinite(x), axis=1).tolist() == [True, False]
    assert x.grad is None and x.is_leaf


def test_every_query_is_documented_in_the_readme():
    readme = open("README.md", encoding="utf-8").read()
    section = readme.split("## numpy interop", 1)[1].split("\n## ", 1)[0]
    missing = sorted(n for n in map(dispatch._qualified, dispatch.QUERIES) if f"`{n}`" not in section)
    assert not missing, f"queries not listed in the README's numpy interop section: {missing}"


# ============================================================================ refusals
def test_refusal_names_the_function_the_tensor_and_what_to_use():
    w = leaf(np.ones((3, 4)), name="W")
    with pytest.raises(TypeError) as e:
        np.unwrap(w)
    msg = str(e.value)
    assert msg.startswith("numpy.unwrap has no gradient rule in autograd_lite")
    assert "Tensor 'W' of shape (3, 4) float64 that requires grad" in msg
    assert "t.detach() or t.numpy()" in msg
    y = w * 2.0
    with pytest.raises(TypeError, match=r"numpy\.(percentile|frexp) .*\(the result of mul\)"):
        np.percentile(y, 50) if np.percentile not in dispatch.HANDLED else np.frexp(y)


def test_refusal_points_to_ag_when_ag_has_the_name(monkeypatch):
    w = leaf(np.ones((3,)))
    monkeypatch.setattr(ag, "unwrap", lambda x: x, raising=False)
    with pytest.raises(TypeError, match=r"numpy\.unwrap .*use ag\.unwrap,"):
        np.unwrap(w)


def test_plain_tensors_fall_back_to_numpy_on_their_data():
    x = ag.Tensor([[1.0, 2.0], [3.0, 4.0]])
    out = np.unwrap(x)
    assert isinstance(out, (np.ndarray, np.generic))
    np.testing.assert_array_equal(np.asarray(x), [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(np.sin(x), np.sin(x.data))
    assert np.exp(x, dtype=np.float32).dtype == np.float32
    assert isinstance(np.exp(x, dtype=None), ag.Tensor) and isinstance(np.add.reduce(x), ag.Tensor)  # as np.exp(x)
    # a requires-grad Tensor among the arguments is enough to refuse
    with pytest.raises(TypeError, match=r"numpy\.polyfit"):
        np.polyfit(x[0], leaf([1.0, 2.0]), 1)


def test_a_tensor_under_no_grad_still_refuses():
    """Refusal depends on requires_grad alone, as PyTorch's .numpy() does: predictable."""
    w = leaf(np.ones(3))
    with ag.no_grad(), pytest.raises(TypeError, match="cannot convert"):
        np.asarray(w)


# ============================================================================ conversions
@pytest.mark.parametrize(
    "convert",
    [
        np.asarray,
        np.array,
        np.asanyarray,
        np.ascontiguousarray,
        lambda t: np.array([t, t]),
        lambda t: np.array([[1.0], [t]]),
    ],
    ids=["asarray", "array", "asanyarray", "ascontiguousarray", "list", "nested-list"],
)
def test_converting_a_tensor_that_requires_grad_refuses(convert):
    t = leaf(1.5, name="t")
    with pytest.raises(TypeError) as e:
        convert(t)
    msg = str(e.value)
    assert "cannot convert Tensor 't' of shape () float64 that requires grad" in msg
    assert "ag.stack or ag.array" in msg and "t.detach() or t.numpy()" in msg


def test_plain_data_is_one_call_away():
    t = leaf([1.0, 2.0])
    np.testing.assert_array_equal(np.asarray(t.detach()), [1.0, 2.0])
    np.testing.assert_array_equal(t.numpy(), [1.0, 2.0])
    assert float(t[0]) == 1.0 and t[1].item() == 2.0


def test_tensor_from_a_list_holding_a_tracked_tensor_refuses():
    with pytest.raises(TypeError, match="ag.stack or ag.array"):
        ag.Tensor([leaf(1.0), 2.0])


# ============================================================================ ag.array
def test_array_builds_differentiably_from_nested_lists():
    a, b = leaf(1.5), leaf(-2.0)
    arrays = [a.data, b.data]

    def build(a, b):
        return ag.array([[a, b], [0.5, a * b]]) if isinstance(a, ag.Tensor) else np.array([[a, b], [0.5, a * b]])

    out = build(a, b)
    assert out.shape == (2, 2) and out.requires_grad and out.dtype == np.float64
    _grad_matches(build, *arrays)


def test_array_rows_of_tensors_and_lists():
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    _grad_matches(lambda x, y: (ag.array if isinstance(x, ag.Tensor) else np.array)([x, [5.0, 6.0], y]), x.data, y.data)


def test_array_keeps_the_tensors_dtype_and_plain_lists_are_leaves():
    x = ag.Tensor(np.ones(2, np.float32), requires_grad=True)
    assert ag.array([x, [1, 2]]).dtype == np.float32
    leaf_ = ag.array([[1, 2], [3, 4]], requires_grad=True, name="m")
    assert leaf_.is_leaf and leaf_.requires_grad and leaf_.dtype == np.float64 and leaf_.name == "m"
    assert ag.array(x) is x
    with pytest.raises(ValueError, match="requires_grad=True makes a leaf"):
        ag.array([x, x], requires_grad=True)
    with pytest.raises(ValueError):
        ag.array([x, [1.0, 2.0, 3.0]])  # ragged: stack names the shapes


# ============================================================================ coverage
def _op_name(fn) -> str:
    return fn.name if isinstance(fn, Primitive) else fn.__name__


def test_every_registered_numpy_callable_has_an_op_spec():
    """A numpy name that records must map to an operation the op-spec table tests."""
    specs = {
        s.name for m in (specs_core, specs_elementwise, specs_reductions, specs_linalg, specs_shape) for s in m.SPECS
    }
    missing = sorted(
        f"np.{_np_name(k)} -> {_op_name(v)}" for k, v in dispatch.HANDLED.items() if _op_name(v) not in specs
    )
    assert not missing, f"registered in dispatch.HANDLED without an op spec: {missing}"


def _np_name(fn) -> str:
    return getattr(fn, "__name__", repr(fn))


def test_the_core_numpy_names_are_registered():
    core = [np.add, np.subtract, np.multiply, np.divide, np.power, np.negative, np.exp, np.log, np.tanh]
    core += [np.maximum, np.minimum, np.matmul, np.sqrt, np.absolute, np.sum, np.mean, np.var, np.max]
    core += [np.min, np.clip, np.where, np.concatenate, np.stack, np.reshape, np.transpose, np.swapaxes]
    core += [np.broadcast_to, np.astype]
    assert [f.__name__ for f in core if f not in dispatch.HANDLED] == []
    assert not set(dispatch.HANDLED) & dispatch.QUERIES


if __name__ == "__main__":  # python -m tests.test_numpy_dispatch: what numpy does on a Tensor, by outcome
    outcomes, _ = walk()
    for outcome in ("records", "query", "refused", "nothing", "DROPPED"):
        names = sorted(
            n for n, v in outcomes.items() if outcome in v and not (outcome == "refused" and v & {"records", "query"})
        )
        print(f"{outcome} ({len(names)}): {' '.join(names)}\n")
    unreached = sorted(n for n, v in outcomes.items() if v == {"error"})
    print(f"never reached by the walk's argument patterns: {' '.join(unreached)}")


def test_query_methods_return_numpys_answer_and_record_nothing():
    x = leaf(np.array([[0.5, -1.0, 2.0], [3.0, 0.0, -2.0]]))
    np.testing.assert_array_equal(x.argmax(axis=1), [2, 0])
    np.testing.assert_array_equal(x.argmin(axis=1), [1, 2])
    assert x.argmax() == 3 and isinstance(x.argmax(), np.integer)
    assert not x.all() and x.any() and (x > -5).all()
    np.testing.assert_array_equal(x.nonzero()[1], [0, 1, 2, 0, 2])
    np.testing.assert_array_equal(x.argpartition(1, axis=1)[:, :1], [[1], [2]])
    assert x.grad is None and x.is_leaf
