"""The op-spec table: one spec per primitive and per composite, and the tests it drives.

A spec names the operation, how to call it on Tensors, a numpy reference forward, the input
shapes, and a sampler that keeps the inputs in the domain and away from kinks and ties.  Every
spec runs through: forward vs numpy; gradient vs central finite differences of the numpy
reference in float64 (upstream weighted randomly: sum(out * w)); backward through a small
composition; second derivatives with ``create_graph=True`` vs finite differences of the first
gradient; float32 in, float32 gradients out.  Binary elementwise ops also get hypothesis
broadcasting shapes.  A primitive or composite without a spec fails ``test_every_*_has_a_spec``.
"""

from __future__ import annotations

import warnings
import zlib
from collections.abc import Callable, Sequence

import numpy as np
import pytest
from hypothesis import given, settings

import autograd_lite as ag

from . import specs_core, specs_elementwise, specs_linalg, specs_nn, specs_reductions, specs_shape
from . import strategies as S
from ._numeric import assert_close, central_difference
from .opspec import Spec

FAMILIES = (specs_core, specs_elementwise, specs_reductions, specs_linalg, specs_shape, specs_nn)
COMPOSITES = tuple(name for family in FAMILIES for name in getattr(family, "COMPOSITES", ()))
SPECS: list[Spec] = [
    *specs_core.SPECS,
    *specs_elementwise.SPECS,
    *specs_reductions.SPECS,
    *specs_linalg.SPECS,
    *specs_shape.SPECS,
    *specs_nn.SPECS,
]
IDS = [s.id for s in SPECS]


def _rng(spec: Spec, salt: int = 0) -> np.random.Generator:
    """A generator of its own for each spec, stable when specs are added elsewhere."""
    return np.random.default_rng([zlib.crc32(spec.id.encode()), salt])


def _leaves(arrays: Sequence[np.ndarray], dtype=np.float64) -> list[ag.Tensor]:
    return [ag.Tensor(a.astype(dtype), requires_grad=True) for a in arrays]


def _fd_tol(spec: Spec) -> tuple[float, dict]:
    tol = dict(spec.tol)
    eps = tol.pop("eps", 1e-6)
    return eps, {"rtol": tol.get("rtol", 1e-5), "atol": tol.get("atol", 1e-7)}


# ============================================================================ coverage
def test_every_primitive_has_a_spec():
    names = {p.name for p in ag.PRIMITIVES}
    missing = names - {s.name for s in SPECS}
    assert not missing, f"primitives with no spec: {sorted(missing)}"


def test_every_composite_has_a_spec():
    missing = set(COMPOSITES) - {s.name for s in SPECS}
    assert not missing, f"composites with no spec: {sorted(missing)}"


def test_every_activation_and_loss_has_a_spec():
    """The functions of ag.nn's activations and of ag.losses are in the table too."""
    from autograd_lite import losses
    from autograd_lite.nn import activations

    public = {f"nn.{n}" for n in activations.__all__ if n.islower()} | {f"losses.{n}" for n in losses.__all__}
    assert public == set(specs_nn.COMPOSITES), f"not in specs_nn: {sorted(public - set(specs_nn.COMPOSITES))}"
    missing = public - {s.name for s in SPECS}
    assert not missing, f"activations/losses with no spec: {sorted(missing)}"


@pytest.mark.parametrize("spec", [s for s in SPECS if s.name not in COMPOSITES], ids=lambda s: s.id)
def test_spec_exercises_its_primitive(spec):
    """A primitive's spec must really end in that primitive (not in a composite of others)."""
    out = spec.fn(*_leaves(spec.sample(_rng(spec))))
    assert out.op is not None and out.op.name == spec.name


# ============================================================================ forward
@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_forward_matches_numpy(spec):
    arrays = spec.sample(_rng(spec))
    out = spec.fn(*_leaves(arrays))
    expected = spec.ref(*arrays)
    assert isinstance(out, ag.Tensor)
    assert out.shape == np.shape(expected)
    assert out.dtype == np.asarray(expected).dtype
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)


# ============================================================================ first order
def _weighted(ref: Callable, w: np.ndarray) -> Callable[..., float]:
    return lambda *xs: float(np.sum(np.asarray(ref(*xs), dtype=np.float64) * w))


def _check_grads(spec: Spec, arrays: list[np.ndarray], rng: np.random.Generator) -> list[ag.Tensor]:
    xs = _leaves(arrays)
    out = spec.fn(*xs)
    w = rng.standard_normal(out.shape)
    (out * w).sum().backward()
    eps, tol = _fd_tol(spec)
    for i, x in enumerate(xs):
        assert x.grad is not None, f"{spec.id}: no gradient for input {i}"
        assert x.grad.shape == x.shape and x.grad.dtype == x.dtype
        expected = central_difference(_weighted(spec.ref, w), arrays, i, eps=eps)
        assert_close(x.grad.data, expected, **tol)
    return xs


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_gradient_matches_finite_differences(spec):
    rng = _rng(spec)
    _check_grads(spec, spec.sample(rng), rng)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_backward_through_a_composition(spec):
    """tanh(op(u + 0)) * w + op(...)**2 / 2: the op sits between recorded nodes and is reused."""
    rng = _rng(spec, 1)
    arrays = spec.sample(rng)
    w = rng.standard_normal(np.shape(spec.ref(*arrays)))
    us = _leaves(arrays)
    out = spec.fn(*[u + 0.0 for u in us])
    (ag.tanh(out) * w + out * out * 0.5).sum().backward()

    def composed(*xs):
        y = np.asarray(spec.ref(*xs), dtype=np.float64)
        return float(np.sum(np.tanh(y) * w + 0.5 * y * y))

    eps, tol = _fd_tol(spec)
    for i, u in enumerate(us):
        assert_close(u.grad.data, central_difference(composed, arrays, i, eps=eps), **tol)


# ============================================================================ second order
def _first_grads(spec: Spec, arrays: Sequence[np.ndarray], w: np.ndarray) -> list[np.ndarray]:
    xs = _leaves(arrays)
    (spec.fn(*xs) * w).sum().backward()
    return [x.grad.data for x in xs]


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_second_derivatives_match_finite_differences_of_the_gradient(spec):
    """Differentiate h(xs, w) = sum_i <dL/dx_i, v_i>, L = sum(op(xs) * w), through create_graph.

    d h / d x_i is a Hessian-vector product; d h / d w checks that the recorded rules are
    linear in the upstream gradient with the right coefficients (this part is nonzero even
    for linear ops).  The oracle: central differences of the engine's first-order gradient,
    which ``test_gradient_matches_finite_differences`` checks against the numpy reference.
    """
    rng = _rng(spec, 2)
    arrays = spec.sample(rng)
    w0 = rng.standard_normal(np.shape(spec.ref(*arrays)))
    vs = [rng.standard_normal(a.shape) for a in arrays]

    xs = _leaves(arrays)
    w = ag.Tensor(w0, requires_grad=True)
    (spec.fn(*xs) * w).sum().backward(create_graph=True)
    firsts = [x.grad for x in xs]
    for x in xs:
        x.grad = None
    w.grad = None
    h = ag.sum(ag.stack([(g * v).sum() for g, v in zip(firsts, vs, strict=True)]))
    assert h.requires_grad, "the first gradient does not depend on w: create_graph recorded nothing"
    h.backward()

    def h_num(*args):
        grads = _first_grads(spec, args[:-1], args[-1])
        return sum(float(np.sum(g * v)) for g, v in zip(grads, vs, strict=True))

    every = [*arrays, w0]
    eps, tol = _fd_tol(spec)
    eps = max(eps, 1e-5)
    tol = {"rtol": max(tol["rtol"], 1e-4), "atol": max(tol["atol"], 1e-6)}
    for i, t in enumerate([*xs, w]):
        got = np.zeros_like(every[i]) if t.grad is None else t.grad.data
        assert_close(got, central_difference(h_num, every, i, eps=eps), **tol)


# ============================================================================ dtype
FLOAT32 = [pytest.param(s, id=s.id) for s in SPECS]


@pytest.mark.parametrize("spec", FLOAT32)
def test_float32_inputs_keep_float32_gradients(spec):
    rng = _rng(spec, 3)
    arrays = spec.sample(rng)
    xs = _leaves(arrays, np.float32)
    out = spec.fn(*xs)
    assert out.dtype == np.float32
    w = rng.standard_normal(out.shape).astype(np.float32)
    (out * w).sum().backward()
    for i, x in enumerate(xs):
        assert x.grad.dtype == np.float32
        eps = _fd_tol(spec)[0]
        expected = central_difference(_weighted(spec.ref, w), arrays, i, eps=eps)
        assert_close(x.grad.data, expected, rtol=2e-3, atol=2e-3)


# ============================================================================ broadcasting
BROADCASTING = [s for s in SPECS if s.broadcasts]


@pytest.mark.parametrize("spec", BROADCASTING, ids=[s.id for s in BROADCASTING])
@settings(max_examples=12)
@given(pair=S.broadcastable_pairs(), seed=S.seeds)
def test_broadcasting_gradients_keep_shapes_and_match(spec, pair, seed):
    rng = np.random.default_rng(seed)
    arrays = spec.sample(rng, pair)
    out = spec.fn(*_leaves(arrays))
    assert out.shape == np.broadcast_shapes(*pair)
    np.testing.assert_allclose(out.data, spec.ref(*arrays), rtol=1e-12, atol=1e-12)
    _check_grads(spec, arrays, rng)  # shapes kept, values vs finite differences


@settings(max_examples=12)
@given(shapes=S.broadcastable_pairs(), cond_shape=S.shapes(max_dims=2, max_side=3), seed=S.seeds)
def test_where_broadcasts_condition_and_branches(shapes, cond_shape, seed):
    try:
        np.broadcast_shapes(cond_shape, *shapes)
    except ValueError:
        cond_shape = ()
    rng = np.random.default_rng(seed)
    cond = rng.random(cond_shape) < 0.5
    a, b = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    ta, tb = _leaves([a, b])
    out = ag.where(cond, ta, tb)
    np.testing.assert_array_equal(out.data, np.where(cond, a, b))
    w = rng.standard_normal(out.shape)
    (out * w).sum().backward()
    f = lambda a, b: float(np.sum(np.where(cond, a, b) * w))
    assert ta.grad.shape == a.shape and tb.grad.shape == b.shape
    assert_close(ta.grad.data, central_difference(f, [a, b], 0))
    assert_close(tb.grad.data, central_difference(f, [a, b], 1))


# ============================================================================ numerical stability
BIG = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])


def test_sigmoid_is_stable_for_large_inputs():
    x = ag.Tensor(BIG, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow in exp
        y = ag.sigmoid(x)
        y.sum().backward()
    expected = np.array([0.0, np.exp(-30.0) / (1 + np.exp(-30.0)), 0.5, 1 / (1 + np.exp(-30.0)), 1.0])
    np.testing.assert_allclose(y.data, expected, rtol=1e-12, atol=0)
    np.testing.assert_allclose(x.grad.data, expected * (1 - expected), rtol=1e-9, atol=0)


@pytest.mark.parametrize("name", ["logsumexp", "softmax", "log_softmax"])
def test_softmax_family_is_stable_for_large_inputs(name):
    """Shifting the inputs by 1000 changes softmax/log_softmax by nothing and logsumexp by 1000."""
    rng = np.random.default_rng(5)
    base = rng.standard_normal((2, 4))
    small, large = ag.Tensor(base, requires_grad=True), ag.Tensor(base + 1000.0, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ys, yl = getattr(ag, name)(small, axis=1), getattr(ag, name)(large, axis=1)
        w = rng.standard_normal(ys.shape)
        (ys * w).sum().backward()
        (yl * w).sum().backward()
    shift = 1000.0 if name == "logsumexp" else 0.0
    np.testing.assert_allclose(yl.data, ys.data + shift, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(large.grad.data, small.grad.data, rtol=1e-9, atol=1e-12)


def test_sum_to_shape_reduces_broadcast_axes_and_refuses_the_rest():
    g = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(ag.sum_to_shape(g, (3, 1)), g.sum(axis=(0, 2)).reshape(3, 1))
    np.testing.assert_array_equal(ag.sum_to_shape(g, ()), g.sum())
    assert ag.sum_to_shape(g, (2, 3, 4)) is g
    with pytest.raises(ValueError, match=r"^myop: .*shape \(2, 3, 4\).*does not reduce to the input's shape \(5,\)"):
        ag.sum_to_shape(g, (5,), "myop")


# ============================================================================ corner cases: pow at 0, concatenate
def test_pow_with_exponent_zero_at_base_zero_has_zero_derivatives():
    x = ag.Tensor([0.0, 2.0], requires_grad=True)
    (x**3 + x**0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 12.0])
    np.testing.assert_array_equal(ag.hessian(lambda t: (t**1 * 3).sum(), np.array([0.0, 1.0])).data, np.zeros((2, 2)))
    assert ag.grad(ag.grad(ag.grad(lambda t: t**2)))(ag.Tensor(0.0)).item() == 0.0
    b = ag.Tensor([0.0, 2.0], requires_grad=True)  # a tensor exponent, zero at one element
    base = ag.Tensor([0.0, 3.0], requires_grad=True)
    (base**b).sum().backward()
    np.testing.assert_allclose(base.grad.data, [0.0, 6.0])


def test_concatenate_without_axis_flattens_and_backpropagates():
    a = ag.Tensor(np.arange(4.0).reshape(2, 2), requires_grad=True)
    b = ag.Tensor([5.0, 6.0], requires_grad=True)
    out = ag.concatenate([a, b], axis=None)
    np.testing.assert_array_equal(out.data, np.concatenate([a.data, b.data], axis=None))
    (out * np.arange(6.0)).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [[0.0, 1.0], [2.0, 3.0]])
    np.testing.assert_array_equal(b.grad.data, [4.0, 5.0])
