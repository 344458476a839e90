"""The engine: recording, the backward pass, gradient buffers, graph lifetime, grad mode, anomalies.

Oracles are closed forms (derivatives worked by hand) and central finite differences in float64.
"""

from __future__ import annotations

import gc
import math
import threading
import weakref

import numpy as np
import pytest

import autograd_lite as ag

from ._numeric import assert_close, central_difference


def leaf(value, name: str | None = None) -> ag.Tensor:
    return ag.Tensor(value, requires_grad=True, name=name)


# ============================================================================ order of backward
def test_reused_intermediate_sums_all_consumers():
    """q = x*y; f = q*q + q: df/dx = (2q + 1) y, df/dy = (2q + 1) x."""
    x, y = leaf(1.5), leaf(-2.0)
    q = x * y
    f = q * q + q
    f.backward()
    qv = 1.5 * -2.0
    assert f.item() == pytest.approx(qv * qv + qv)
    assert x.grad.item() == pytest.approx((2 * qv + 1) * -2.0)
    assert y.grad.item() == pytest.approx((2 * qv + 1) * 1.5)


def test_diamond_and_fan_out():
    """a = 2x, b = 3x, f = a*b + x = 6x^2 + x: df/dx = 12x + 1, for each element."""
    xv = np.array([0.5, -1.0, 2.0])
    x = leaf(xv)
    a, b = x * 2.0, x * 3.0
    (a * b + x).sum().backward()
    assert_close(x.grad.data, 12 * xv + 1)


def test_deep_reuse_ladder_matches_finite_differences():
    """y_{k+1} = y_k * y_k - y_k * 0.5 + x: every node feeds two consumers at once."""
    rng = np.random.default_rng(0)
    xv = rng.uniform(-0.3, 0.3, 4)

    def f(x):
        y = x
        for _ in range(6):
            y = y * y - y * 0.5 + x
        return y.sum()

    x = leaf(xv)
    f(x).backward()
    assert_close(x.grad.data, central_difference(lambda v: f(v), [xv], 0))


def test_toposort_lists_consumers_before_producers():
    x, y = leaf(1.0), leaf(2.0)
    q = x * y
    f = q * q + q
    order = ag.toposort(f)
    pos = {id(t): i for i, t in enumerate(order)}
    assert order[0] is f and {id(x), id(y), id(q)} <= set(pos)
    for node in order:
        for inp in node.inputs:
            if isinstance(inp, ag.Tensor) and inp.requires_grad:
                assert pos[id(node)] < pos[id(inp)]


@pytest.mark.slow
def test_million_deep_chain_backpropagates_and_is_freed():
    """y = x * c repeated 10^6 times: dy/dx = c^(10^6), no RecursionError, freed on drop."""
    n, c = 1_000_000, 1.000001
    x = leaf(0.5)
    y = x
    for _ in range(n):
        y = y * c
    probe = weakref.ref(y.inputs[0])
    first = weakref.ref(ag.toposort(y)[-2])  # the node right above the leaf, at the far end
    y.backward()
    assert x.grad.item() == pytest.approx(math.exp(n * math.log(c)), rel=1e-9)
    gc.disable()  # freed by reference counting alone: no reference cycles
    try:
        del y
        assert probe() is None and first() is None
    finally:
        gc.enable()


# ============================================================================ accumulation
def test_two_backward_calls_give_exactly_twice_the_gradient():
    rng = np.random.default_rng(1)
    x = leaf(rng.standard_normal((2, 3)))
    w = rng.standard_normal((3, 2))
    f = ag.tanh(x @ w).sum()
    f.backward()
    once = x.grad.data.copy()
    f.backward()
    np.testing.assert_array_equal(x.grad.data, 2 * once)


def test_gradient_of_a_reused_leaf_is_one_sum():
    x = leaf(3.0)
    (x + x + x * x).backward()
    assert x.grad.item() == 2 + 2 * 3.0


# ============================================================================ grad mode
def test_no_grad_records_nothing():
    x = leaf([1.0, 2.0])
    with ag.no_grad():
        assert not ag.is_grad_enabled()
        y = ag.exp(x * 2.0).sum()
    assert ag.is_grad_enabled()
    assert not y.requires_grad and y.op is None and y.is_leaf and y.inputs == ()
    assert y.item() == pytest.approx(np.exp(2.0) + np.exp(4.0))


def test_no_grad_as_decorator_and_restored_after_an_exception():
    x = leaf(2.0)

    @ag.no_grad()
    def step(t):
        return t * 3.0

    assert step(x).op is None and ag.is_grad_enabled()
    with pytest.raises(RuntimeError, match="inside"), ag.no_grad():
        raise RuntimeError("raised inside no_grad")
    assert ag.is_grad_enabled() and (x * 3.0).op.name == "mul"


def test_enable_grad_inside_no_grad():
    x = leaf(2.0)
    with ag.no_grad():
        with ag.enable_grad():
            y = x * x
        z = x * x
    assert y.op.name == "mul" and z.op is None
    y.backward()
    assert x.grad.item() == 4.0


def test_enable_grad_as_decorator():
    x = leaf(2.0)

    @ag.enable_grad()
    def f(t):
        return t * t

    with ag.no_grad():
        y = f(x)
    assert y.requires_grad and y.op.name == "mul"


def test_nothing_recorded_without_an_input_that_requires_grad():
    y = ag.Tensor([1.0, 2.0]) * 3.0
    assert y.op is None and not y.requires_grad


def test_grad_mode_is_per_thread():
    """A thread inside no_grad() does not switch recording off for another thread."""
    inside, done = threading.Event(), threading.Event()
    seen = {}

    def worker():
        with ag.no_grad():
            inside.set()
            done.wait(5)
            seen["worker_enabled"] = ag.is_grad_enabled()
            seen["worker_op"] = (leaf(1.0) * 2.0).op

    t = threading.Thread(target=worker)
    t.start()
    assert inside.wait(5)
    try:
        assert ag.is_grad_enabled()
        assert (leaf(1.0) * 2.0).op.name == "mul"
    finally:
        done.set()
        t.join(5)
    assert seen == {"worker_enabled": False, "worker_op": None}


# ============================================================================ gradient buffers
def _assert_no_shared_memory(*tensors: ag.Tensor) -> None:
    grads = [np.asarray(t.grad.data) for t in tensors]
    for i in range(len(grads)):
        for j in range(i + 1, len(grads)):
            assert not np.shares_memory(grads[i], grads[j]), (i, j)


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda x, y: x + y, id="add"),
        pytest.param(lambda x, y: x.reshape(6) + y.reshape(6), id="reshape-of-leaves"),
        pytest.param(lambda x, y: ag.broadcast_to(x[0], shape=(2, 3)) + y, id="broadcast"),
        pytest.param(lambda x, y: ag.concatenate([x, y]), id="concatenate"),
        pytest.param(lambda x, y: x.T + y.T, id="transpose"),
    ],
)
def test_no_aliasing_between_gradient_buffers(build):
    """Mutating one .grad in place must not change another, nor the upstream grad passed in."""
    rng = np.random.default_rng(2)
    x, y = leaf(rng.standard_normal((2, 3))), leaf(rng.standard_normal((2, 3)))
    out = build(x, y)
    seed = rng.standard_normal(out.shape)
    out.backward(grad=seed)
    _assert_no_shared_memory(x, y)
    y_before = y.grad.data.copy()
    x.grad.data[...] += 100.0
    np.testing.assert_array_equal(y.grad.data, y_before)
    seed_before = seed.copy()
    y.grad.data[...] += 100.0
    np.testing.assert_array_equal(seed, seed_before)


def test_no_aliasing_with_retained_gradients():
    x, y = leaf(np.ones(3)), leaf(np.ones(3))
    z = x + y
    z.retain_grad()
    w = z * 1.0
    w.backward(grad=np.full(3, 2.0), retain_grads=True)
    _assert_no_shared_memory(x, y, z, w)
    z.grad.data[...] = -1.0
    assert_close(x.grad.data, np.full(3, 2.0))


# ============================================================================ non-leaf gradients
def test_retain_grad_keeps_only_the_requested_node():
    x, y = leaf(2.0), leaf(3.0)
    q = (x * y).retain_grad()
    r = q + 1.0
    f = r * r
    f.backward()
    assert q.grad.item() == pytest.approx(2 * (6.0 + 1.0))
    assert r.grad is None and f.grad is None
    assert x.grad.item() == pytest.approx(2 * 7.0 * 3.0)


def test_backward_retain_grads_keeps_every_node():
    """f = (x + y) * z at the lecture's point: every node's .grad is df/d(node)."""
    x, y, z = leaf(-2.0), leaf(5.0), leaf(-4.0)
    q = x + y
    f = q * z
    f.backward(retain_grads=True)
    assert f.grad.item() == 1.0 and q.grad.item() == -4.0
    assert (x.grad.item(), y.grad.item(), z.grad.item()) == (-4.0, -4.0, 3.0)


# ============================================================================ graph lifetime
def test_graph_inspectable_after_backward_and_collected_when_dropped():
    x = leaf([1.0, 2.0])
    h = ag.tanh(x * 2.0)
    f = h.sum()
    f.backward()
    assert f.op.name == "sum" and f.inputs[0] is h and h.op.name == "tanh"
    refs = [weakref.ref(h), weakref.ref(h.inputs[0])]
    del h
    assert all(r() is not None for r in refs)  # still reachable from f
    gc.disable()
    try:
        del f
        assert all(r() is None for r in refs)
    finally:
        gc.enable()
    assert x.grad is not None  # the leaf and its gradient outlive the graph


# ============================================================================ anomalies
def test_detect_anomaly_names_the_primitive_of_a_forward_nan():
    a = leaf([1.0, -1.0], name="a")
    with np.errstate(all="ignore"), ag.detect_anomaly():
        with pytest.raises(FloatingPointError, match=r"\blog\b.*forward.*'a'.*\(2,\)"):
            ag.log(a)
    with np.errstate(all="ignore"):
        assert np.isnan(ag.log(a).data[1])  # outside detect_anomaly NaN just flows


def test_detect_anomaly_names_the_primitive_of_a_backward_inf():
    """sqrt(z) = z ** 0.5 is finite at 0, its derivative 0.5 z^-0.5 is not."""
    z = leaf(np.array([0.0, 4.0]), name="z")
    with np.errstate(all="ignore"), ag.detect_anomaly():
        y = ag.sqrt(z).sum()
        with pytest.raises(FloatingPointError, match=r"gradient \bpow\b.*'z'.*\(2,\)"):
            y.backward()


# ============================================================================ conventions
def test_relu_derivative_at_zero_is_zero():
    x = leaf([-1.0, 0.0, 2.0])
    ag.relu(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 1.0])


def test_maximum_tie_shares_the_gradient_evenly():
    a, b = leaf([1.0, 2.0, 3.0]), leaf([1.0, 5.0, 3.0])
    ag.maximum(a, b).backward(grad=np.array([2.0, 2.0, 4.0]))
    np.testing.assert_array_equal(a.grad.data, [1.0, 0.0, 2.0])
    np.testing.assert_array_equal(b.grad.data, [1.0, 2.0, 2.0])


def test_max_reduction_ties_share_the_gradient_evenly():
    x = leaf([[3.0, 1.0, 3.0, 3.0], [0.0, 2.0, 1.0, 2.0]])
    x.max(axis=1).backward(grad=np.array([3.0, 1.0]))
    np.testing.assert_array_equal(x.grad.data, [[1.0, 0.0, 1.0, 1.0], [0.0, 0.5, 0.0, 0.5]])


def test_record_branches_reports_kinked_primitives():
    x = leaf([-1.0, 2.0])
    with ag.record_branches() as log:
        ag.relu(x)
        ag.tanh(x)
    assert [name for name, _ in log] == ["relu"]
    np.testing.assert_array_equal(log[0][1], [False, True])


def test_scope_labels_nodes():
    x = leaf(1.0)
    with ag.scope("layer1"), ag.scope("act"):
        y = ag.tanh(x)
    assert y.scope == "layer1/act" and (y * 2.0).scope == ""


def test_scope_is_restored_when_its_block_raises_and_can_be_reused():
    x = leaf(1.0)
    outer = ag.scope("outer")
    with pytest.raises(KeyError), outer, ag.scope("inner"):
        raise KeyError("inside both scopes")
    assert ag.tanh(x).scope == ""
    with outer:  # the same object again, after its first block ended
        assert ag.tanh(x).scope == "outer"
    assert ag.tanh(x).scope == ""


def test_scope_as_a_decorator_wraps_each_call_and_nests():
    @ag.scope("layer")
    def layer(t):
        return ag.tanh(t)

    x = leaf(0.5)
    assert layer(x).scope == "layer" and layer.__name__ == "layer"
    with ag.scope("model"):
        assert layer(x).scope == "model/layer"
    assert ag.tanh(x).scope == ""
    with pytest.raises(TypeError, match=r"scope\(\.\.\.\) decorates a function, got int \(5\)"):
        ag.scope("layer")(5)
    with pytest.raises(TypeError, match=r"set_grad_enabled\(\.\.\.\) decorates a function, got str"):
        ag.set_grad_enabled(False)("f")
    with pytest.raises(TypeError, match=r"no_grad\(\.\.\.\) decorates a function, got list"):
        ag.no_grad()([])


# ============================================================================ indexing and matmul
def test_getitem_with_repeated_indices_accumulates():
    x = leaf([10.0, 20.0, 30.0, 40.0])
    x[[0, 2, 0, 0, 3]].backward(grad=np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    np.testing.assert_array_equal(x.grad.data, [1.0 + 3.0 + 4.0, 0.0, 2.0, 5.0])


def test_getitem_2d_fancy_repeats_accumulate():
    x = leaf(np.zeros((2, 2)))
    x[[0, 0, 1], [1, 1, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0.0, 2.0], [1.0, 0.0]])


MATMUL_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),
    ((3,), (5, 3, 4)),
    ((5, 2, 3), (3,)),
    ((5, 1, 2, 3), (6, 3, 4)),
]


@pytest.mark.parametrize(("sa", "sb"), MATMUL_SHAPES, ids=[f"{a}@{b}" for a, b in MATMUL_SHAPES])
def test_matmul_follows_numpy_semantics(sa, sb):
    """Forward equals np.matmul; gradients have the operands' shapes and are g b^T, a^T g summed."""
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    ta, tb = leaf(a), leaf(b)
    out = ta @ tb
    np.testing.assert_allclose(out.data, np.matmul(a, b), rtol=1e-12)
    w = rng.standard_normal(out.shape)
    (out * w).sum().backward()
    f = lambda a, b: float(np.sum(np.matmul(a, b) * w))
    assert ta.grad.shape == sa and tb.grad.shape == sb
    assert_close(ta.grad.data, central_difference(f, [a, b], 0))
    assert_close(tb.grad.data, central_difference(f, [a, b], 1))


# ============================================================================ second order and extension
def test_create_graph_gives_second_derivatives_in_closed_form():
    """f = x^3 y: d2f/dx2 = 6xy, d2f/dxdy = 3x^2."""
    x, y = leaf(1.5), leaf(-2.0)
    (x**3 * y).backward(create_graph=True)
    gx = x.grad
    assert gx.requires_grad and gx.item() == pytest.approx(3 * 1.5**2 * -2.0)
    x.grad = y.grad = None
    gx.backward()
    assert x.grad.item() == pytest.approx(6 * 1.5 * -2.0)
    assert y.grad.item() == pytest.approx(3 * 1.5**2)


def test_user_primitive_with_second_derivative():
    cube = ag.primitive("cube", lambda x: x**3, lambda g, out, x: g * 3 * x**2)
    x = leaf([1.0, -2.0])
    y = cube(x)
    assert y.op.name == "cube" and y.op is cube
    y.sum().backward(create_graph=True)
    first = x.grad
    assert_close(first.data, 3 * np.array([1.0, -2.0]) ** 2)
    x.grad = None
    first.sum().backward()
    assert_close(x.grad.data, 6 * np.array([1.0, -2.0]))


def test_user_primitive_with_a_non_differentiable_input():
    """scale(x, k) = k x with no rule for k: k gets no gradient, x gets k g."""
    scale = ag.primitive("scale", lambda x, k: x * k, lambda g, out, x, k: g * k, None)
    x, k = leaf([1.0, 2.0]), leaf(3.0)
    scale(x, k).sum().backward()
    assert_close(x.grad.data, [3.0, 3.0])
    assert k.grad is None
    assert scale.apply(np.array([1.0]), 2.0)[0] == 2.0  # raw arrays in, raw array out


# ============================================================================ gradients()
def test_gradients_returns_what_backward_would_and_touches_no_grad():
    x = ag.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = ag.Tensor(2.0, requires_grad=True)
    x.grad = ag.Tensor([10.0, 10.0, 10.0])  # an earlier gradient that must survive
    q = x * y
    q.retain_grad()
    f = (q * q).sum()
    gx, gy, gq = ag.gradients(f, [x, y, q])
    # f = y^2 sum(x^2): df/dx = 2 y^2 x, df/dy = 2 y sum(x^2), df/dq = 2 q
    np.testing.assert_allclose(gx.data, 2 * 4 * np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(gy.data, 2 * 2 * 14.0)
    np.testing.assert_allclose(gq.data, 2 * np.array([2.0, 4.0, 6.0]))
    np.testing.assert_array_equal(x.grad.data, [10.0, 10.0, 10.0])
    assert y.grad is None and q.grad is None


def test_gradients_gives_zeros_for_unused_inputs_and_unshared_buffers():
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    y = ag.Tensor([3.0, 4.0], requires_grad=True)
    unused = ag.Tensor(np.ones((2, 2), np.float32), requires_grad=True)
    gx, gy, gu = ag.gradients((x + y).sum(), [x, y, unused])
    assert gu.shape == (2, 2) and gu.dtype == np.float32 and not gu.data.any()
    gx.data[0] = 99.0  # add sends one array to both inputs: the results must not share it
    assert gy.data[0] == 1.0


def test_gradients_with_create_graph_differentiates_again():
    x = ag.Tensor(1.5, requires_grad=True)
    (gx,) = ag.gradients(x**4, [x], create_graph=True)
    (gxx,) = ag.gradients(gx, [x])
    assert gx.item() == pytest.approx(4 * 1.5**3)
    assert gxx.item() == pytest.approx(12 * 1.5**2)
    assert x.grad is None


def test_gradients_errors_name_the_call():
    with pytest.raises(RuntimeError, match=r"^gradients: this tensor does not require grad"):
        ag.gradients(ag.Tensor(1.0), [ag.Tensor(1.0)])
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^gradients: the output has shape \(2,\)"):
        ag.gradients(x * 2, [x])


# ============================================================================ threads, shared tensors, corner cases
def test_backward_in_two_threads_on_a_shared_leaf_gives_the_right_gradient():
    w = ag.Tensor(0.5, requires_grad=True)

    def chain_grad():
        h = ag.Tensor(0.3)
        for _ in range(3000):
            h = ag.tanh(h * w + 0.1)
        return ag.gradients(h, [w])[0].item()

    expected = chain_grad()
    results: list[float] = []

    def worker():
        for _ in range(3):
            results.append(chain_grad())

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 6


def test_create_graph_gradients_do_not_share_tensors():
    a, b = ag.Tensor(np.ones(3), requires_grad=True), ag.Tensor(np.ones(3), requires_grad=True)
    (a + b).sum().backward(create_graph=True)
    assert a.grad is not b.grad and not np.shares_memory(a.grad.data, b.grad.data)
    upstream = ag.Tensor(np.ones(3))
    c = ag.Tensor(np.ones(3), requires_grad=True)
    (c * 1.0).backward(upstream, create_graph=True)
    assert c.grad is not upstream and not np.shares_memory(c.grad.data, upstream.data)


def test_retained_gradients_accumulate_like_leaves():
    y = ag.Tensor(2.0, requires_grad=True)
    q = y * y
    q.retain_grad()
    (q * 3).backward()
    (q * 4).backward()
    assert q.grad.item() == 7.0  # 3 + 4
    assert y.grad.item() == 28.0  # (3 + 4) * 2y


def test_toposort_lists_a_repeated_root_once():
    z = ag.Tensor(2.0, requires_grad=True) * 3
    order = ag.toposort(z, z)
    assert len(order) == len({id(n) for n in order}) == 2


def test_list_operands_are_recorded_as_arrays():
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    (x ** [2, 3]).sum().backward()
    assert_close(x.grad.data, [2.0, 12.0])
    x.grad = None
    (x @ [[1.0, 2.0], [3.0, 4.0]]).sum().backward()
    assert_close(x.grad.data, [3.0, 7.0])


def test_one_no_grad_object_used_by_two_threads_restores_each_threads_mode():
    shared = ag.no_grad()
    inside = threading.Event()
    release = threading.Event()
    seen = {}

    def other():
        with shared:
            inside.set()
            release.wait(5)
        seen["after"] = ag.is_grad_enabled()

    t = threading.Thread(target=other)
    t.start()
    inside.wait(5)
    with shared:  # enter here while the other thread is inside, leave after it left
        release.set()
        t.join()
    assert ag.is_grad_enabled() and seen["after"] is True


def test_gradients_of_a_constant_output_raise_unless_allowed():
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    constant = ag.Tensor(3.0)
    with pytest.raises(RuntimeError, match=r"^gradients: this tensor does not require grad"):
        ag.gradients(constant, [x])
    (g,) = ag.gradients(constant, [x], allow_constant=True)
    assert g.shape == (2,) and g.dtype == x.dtype and not g.data.any()
    (g,) = ag.gradients((x * x).sum(), [x], allow_constant=True)  # a recorded output: as usual
    np.testing.assert_array_equal(g.data, [2.0, 4.0])


# ---------------------------------------------------------------- the recording fast paths (round 3)
def test_operators_record_the_same_node_as_the_primitive_call():
    a = ag.Tensor(np.array([1.0, -2.0]), requires_grad=True)
    w = np.array([3.0, 4.0])
    for via_operator, via_call in ((a * w, ag.mul(a, w)), (w * a, ag.mul(w, a)), (a + a, ag.add(a, a))):
        assert via_operator.op is via_call.op
        assert [x is y for x, y in zip(via_operator.inputs, via_call.inputs)] == [True, True]
        np.testing.assert_array_equal(via_operator.data, via_call.data)


def test_inputs_of_one_two_and_three_input_nodes():
    a = ag.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    c = np.array([True, False])
    one = ag.tanh(a).inputs
    assert len(one) == 1 and one[0] is a
    two = a * 2.0
    assert len(two.inputs) == 2 and two.inputs[0] is a and two.inputs[1] == 2.0
    three = ag.where(c, a, two)
    assert len(three.inputs) == 3 and three.inputs[1] is a and three.inputs[2] is two
    assert a.inputs == () and (a.detach() * 2.0).inputs == ()  # leaves and unrecorded results
    three.sum().backward()
    np.testing.assert_array_equal(a.grad.data, [1.0, 2.0])  # d/da where(c, a, 2a) = c + 2(1 - c)


def test_retain_grad_registry_forgets_dead_tensors():
    x = ag.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = (x * x).retain_grad()
    (h * 3.0).sum().backward()
    np.testing.assert_array_equal(h.grad.data, [3.0, 3.0])
    key = id(h)
    assert key in ag.engine._retained
    del h
    assert key not in ag.engine._retained  # the weak reference removed the entry


def test_a_thread_that_ends_inside_no_grad_leaves_no_mode_behind():
    seen = {}

    def worker():
        ag.no_grad().__enter__()  # never exited: the thread ends inside the block
        seen["ident"] = threading.get_ident()
        seen["records"] = (ag.Tensor(1.0, requires_grad=True) * 2.0).requires_grad

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    gc.collect()
    assert seen["records"] is False
    assert seen["ident"] not in ag.engine._modes
    assert (ag.Tensor(1.0, requires_grad=True) * 2.0).requires_grad  # this thread still records


def test_in_place_update_of_data_counts_as_a_change():
    w = ag.Tensor(np.array([1.0, 2.0]), requires_grad=True, name="w")
    y = (w * w).sum()
    with ag.no_grad():
        w.data -= 0.5 * np.ones(2)  # the same array comes back: stored without a copy, version bumped
    with pytest.raises(RuntimeError, match="'w'.*changed in place"):
        y.backward()


def test_muls_inlined_rules_are_also_right_when_called():
    """Backward inlines mul's two rules (g times the other input); called directly -- by explain,
    opcheck or a user's own primitive -- they compute the same thing."""
    rng = np.random.default_rng(3)
    g, a, b = rng.standard_normal((3, 2, 4))
    rule_a, rule_b = ag.ops.mul.vjps
    assert_close(rule_a(g, a * b, a, b), g * b)
    assert_close(rule_b(g, a * b, a, b), g * a)
    x, w = ag.Tensor(a, requires_grad=True), ag.Tensor(b, requires_grad=True)
    (x * w * 3.0).backward(g)  # through the inlined path, a tensor and a constant operand
    assert_close(x.grad.data, 3.0 * g * b)
    assert_close(w.grad.data, 3.0 * g * a)
    f = lambda t, u: float(np.sum(g * (t * u) * 3.0))
    assert_close(x.grad.data, central_difference(f, [a, b], 0), rtol=1e-6)
    assert_close(w.grad.data, central_difference(f, [a, b], 1), rtol=1e-6)


def test_an_input_whose_requires_grad_was_switched_off_after_recording_gets_nothing():
    x = ag.Tensor([1.0, 2.0], requires_grad=True)
    w = ag.Tensor([3.0, 4.0], requires_grad=True)
    y = (2.0 * (w * x) + 3.0 * w).sum()  # 3.0 * w: a node whose only Tensor input no longer requires grad
    w.requires_grad = False
    y.backward()
    assert_close(x.grad.data, [6.0, 8.0])
    assert w.grad is None


def test_sums_gradient_view_never_reaches_a_grad_as_a_view():
    """sum's gradient is a read-only zero-stride view of one number; a leaf's .grad is its own
    writable array, and a second pass accumulates into it correctly."""
    x = ag.Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    (x.sum() * 2.0).backward()
    g = x.grad.data
    assert g.dtype == np.float32 and g.flags.writeable and g.strides != (0, 0)
    g[0, 0] = 5.0  # writing into one element changes only that element
    assert_close(g, [[5.0, 2.0, 2.0], [2.0, 2.0, 2.0]])
    x.grad = None
    x.sum().backward()
    x.sum(keepdims=True).backward(np.full((1, 1), 3.0, dtype=np.float32))
    assert_close(x.grad.data, np.full((2, 3), 4.0))
    e = ag.Tensor(np.ones((0, 3)), requires_grad=True)
    e.sum().backward()
    assert e.grad.shape == (0, 3)
