"""Versions and checked assignment: stale graphs refused, `.data`/`.grad` validated, user primitives checked.

Every in-place change made through the library (``t.data = v``, ``t[i] = v`` under no_grad, an
optimizer step, ``engine.bump_version``) bumps a tensor's version; backward refuses a node whose
rule reads a value changed since it was recorded.  Raw writes into a ``.data`` array are invisible
to versions; ``detect_anomaly()`` catches them by fingerprint.  Oracles: closed forms.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite import engine, nn, optim

from ._numeric import assert_close


def leaf(value, name: str | None = None) -> ag.Tensor:
    return ag.Tensor(value, requires_grad=True, name=name)


# ============================================================================ stale graphs
def test_changed_output_of_exp_is_refused_with_a_message_naming_it():
    x = leaf([1.0, 2.0], "x")
    e = ag.exp(x)
    y = e.sum()
    e.data *= 0  # augmented assignment goes through the .data setter: a counted change
    with pytest.raises(RuntimeError) as info:
        y.backward()
    msg = str(info.value)
    assert "the output of exp" in msg and "shape (2,) float64" in msg
    assert "changed in place" in msg and "Recompute the forward pass" in msg
    assert x.grad is None  # nothing half-accumulated


def test_changed_input_is_refused_naming_tensor_shape_and_operation():
    x = leaf([1.0, 2.0], "x")
    y = (x * x).sum()
    x.data = np.array([10.0, 20.0])
    with pytest.raises(RuntimeError) as info:
        y.backward()
    msg = str(info.value)
    assert "tensor 'x'" in msg and "input 0 of mul" in msg and "shape (2,) float64" in msg
    assert "Recompute the forward pass after changing 'x'" in msg


def test_raw_write_is_invisible_to_versions_until_bump_version_is_called():
    x = leaf([1.0, 2.0], "x")
    y = (x * x).sum()
    x.data[...] = [10.0, 20.0]  # a raw write: no counter sees it (documented, as in PyTorch)
    engine.bump_version(x)  # ... unless the writer says so
    with pytest.raises(RuntimeError, match="tensor 'x'.*changed in place after mul"):
        y.backward()


def test_detect_anomaly_catches_a_raw_write_into_an_input():
    with ag.detect_anomaly():
        x = leaf([1.0, 2.0], "x")
        y = (x * x).sum()
        x.data[...] = [10.0, 20.0]
        with pytest.raises(RuntimeError, match=r"detect_anomaly: .*tensor 'x'.*written into directly"):
            y.backward()


def test_detect_anomaly_catches_a_raw_write_into_a_constant_array_and_an_output():
    a = np.array([3.0, 4.0])
    with ag.detect_anomaly():
        x = leaf([1.0, 2.0])
        y = (x * a).sum()
        a[0] = 0.0
        with pytest.raises(RuntimeError, match="a constant array.*input 1 of mul.*written into directly"):
            y.backward()
        e = ag.exp(x)
        z = e.sum()
        e.data[0] = 0.0
        with pytest.raises(RuntimeError, match="the output of exp.*written into directly"):
            z.backward()


def test_detect_anomaly_fingerprints_recorded_forward_then_checked_outside_anomaly_mode():
    with ag.detect_anomaly():
        x = leaf([1.0, 2.0])
        y = (x * x).sum()
    x.data[...] = 5.0
    with pytest.raises(RuntimeError, match="written into directly"):
        y.backward()


def test_detect_anomaly_passes_an_untouched_graph_with_the_right_gradient():
    a = np.array([3.0, 4.0])
    with ag.detect_anomaly():
        x = leaf([1.0, 2.0])
        (ag.tanh(x * a) * x).sum().backward()
    t = np.tanh(np.array([1.0, 2.0]) * a)
    assert_close(x.grad.data, (1 - t**2) * a * np.array([1.0, 2.0]) + t)


@pytest.mark.parametrize(
    "make", [lambda p: optim.SGD(p, lr=0.1, momentum=0.9), lambda p: optim.Adam(p, lr=0.1), lambda p: optim.RMSprop(p)]
)
def test_backward_of_a_kept_graph_after_an_optimizer_step_is_refused(make):
    X = ag.Tensor(np.arange(6.0).reshape(3, 2))
    W = leaf(np.ones((2, 2)), "W")
    b = leaf(np.zeros(2), "b")
    loss = ((X @ W + b) ** 2).sum()
    loss.backward()
    make([W, b]).step()
    with pytest.raises(RuntimeError, match=r"tensor 'W' \(input 1 of matmul, shape \(2, 2\) float64\) was changed"):
        loss.backward()


def test_a_rule_that_does_not_read_a_changed_value_still_runs():
    """add's rule reads neither input: a bias updated after the forward pass does not matter to it."""
    x = leaf([1.0, 2.0])
    b = leaf([0.5, -0.5], "b")
    y = (x * 3.0 + b).sum()
    y.backward()
    optim.SGD([b], lr=0.1).step()
    y.backward()  # b's gradient is 1 whatever b is: allowed, and exactly twice the first one
    assert_close(b.grad.data, [2.0, 2.0])
    assert_close(x.grad.data, [6.0, 6.0])


def test_recomputing_the_forward_pass_after_a_step_works_and_uses_the_new_values():
    w = leaf([1.0, -2.0], "w")
    opt = optim.SGD([w], lr=0.25)
    for _ in range(3):
        opt.zero_grad()
        (w * w).sum().backward()  # d/dw = 2w
        opt.step()  # w <- w - 0.25 * 2w = w / 2
    assert_close(w.data, [1.0 / 8, -2.0 / 8])


def test_versions_increase_with_every_change_made_through_the_library():
    w = leaf([1.0, 2.0])
    seen = [w._version]
    w.data = np.array([3.0, 4.0])
    seen.append(w._version)
    with ag.no_grad():
        w[0] = 7.0
    seen.append(w._version)
    w.grad = ag.Tensor([1.0, 1.0])
    optim.SGD([w], lr=0.1).step()
    seen.append(w._version)
    engine.bump_version(w)
    seen.append(w._version)
    assert seen == sorted(seen) and len(set(seen)) == 5
    before = w._version
    (w * w).sum().backward()  # reading records nothing as a change
    assert w._version == before


def test_item_assignment_on_a_constant_bumps_its_version_and_refuses_stale_graphs():
    x = leaf([1.0, 2.0])
    c = ag.Tensor([3.0, 4.0], name="c")
    y = (x * c).sum()
    c[0] = 5.0  # a constant: allowed outside no_grad
    assert_close(c.data, [5.0, 4.0])
    with pytest.raises(RuntimeError, match="tensor 'c' \\(input 1 of mul"):
        y.backward()


def test_item_assignment_rules():
    w = leaf([1.0, 2.0], "w")
    with pytest.raises(TypeError, match="tensor 'w'.*do it under no_grad"):
        w[0] = 3.0
    with pytest.raises(TypeError, match="result of mul is not recorded"):
        (w * 2.0)[0] = 1.0
    c = ag.Tensor([0.0, 0.0])
    with pytest.raises(TypeError, match="would lose gradients"):
        c[0] = w[0]  # the value requires grad: its gradient would be dropped
    with ag.no_grad():
        w[1] = ag.Tensor(9.0)
        c[...] = w
    assert_close(w.data, [1.0, 9.0])
    assert_close(c.data, [1.0, 9.0])
    with pytest.raises(TypeError, match="complex data \\(complex128\\) is not supported"):
        c[0] = 1j
    with pytest.raises(IndexError, match=r"tensor\[...\] = value: .*tensor shape \(2,\)"):
        c[5] = 1.0
    ints = ag.Tensor(np.array([1, 2]))
    with pytest.raises(TypeError, match="cannot store float64 values in a int64 tensor"):
        ints[0] = 1.5


def test_in_place_operator_falls_back_to_an_out_of_place_result():
    """There is no __iadd__: `x += 1` rebinds the name to x + 1 and leaves the old tensor (and graphs) alone."""
    x = leaf([1.0, 2.0])
    old = x
    y = (x * x).sum()
    x += 1.0
    assert x is not old and x.op.name == "add"
    assert_close(old.data, [1.0, 2.0])
    y.backward()
    assert_close(old.grad.data, [2.0, 4.0])


def test_create_graph_backward_is_checked_too():
    x = leaf([1.0, 2.0], "x")
    y = (x * x * x).sum()
    x.data = np.array([0.0, 0.0])
    with pytest.raises(RuntimeError, match="tensor 'x'"):
        ag.gradients(y, [x], create_graph=True)


def test_an_ordinary_backward_keeps_no_per_node_version_memory():
    x = leaf([1.0, 2.0])
    y = ag.tanh(x * 2.0).sum()
    nodes = engine.toposort(y)
    assert all(type(n._stamp) is int for n in nodes if n.op is not None)


# ============================================================================ lost updates: .data assignment
def test_manual_step_on_a_0d_parameter_keeps_optimizers_updating_it():
    w = leaf(1.28)
    (w * w).backward()
    w.data = w.data - 0.1 * w.grad.data  # rebinding to a numpy scalar used to freeze w forever
    assert isinstance(w.data, np.ndarray) and w.data.shape == ()
    assert w.item() == pytest.approx(1.28 * 0.8)
    opt = optim.SGD([w], lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        (w * w).backward()
        opt.step()  # w <- w (1 - 2 lr)
    assert w.item() == pytest.approx(1.28 * 0.8**4)


def test_prelu_weight_is_0d_and_still_trained_after_a_manual_update():
    layer = nn.PReLU()
    assert layer.weight.ndim == 0
    x = ag.Tensor([-2.0, -1.0])
    loss = layer(x).sum()  # d/da = sum of the negative inputs = -3
    loss.backward()
    layer.weight.data = layer.weight.data - 0.1 * layer.weight.grad.data
    assert layer.weight.item() == pytest.approx(0.25 + 0.3)
    opt = optim.SGD(layer.parameters(), lr=0.1)
    opt.zero_grad()
    layer(x).sum().backward()
    opt.step()
    assert layer.weight.item() == pytest.approx(0.25 + 0.6)


def test_a_python_number_becomes_a_0d_array_of_the_tensors_dtype():
    w = ag.Tensor(np.float32(1.0), requires_grad=True)
    w.data = 2.5
    assert isinstance(w.data, np.ndarray) and w.data.shape == () and w.data.dtype == np.float32
    assert w.item() == 2.5
    ints = ag.Tensor(np.array(3))
    ints.data = 4
    assert ints.data.dtype == np.int64 and ints.item() == 4
    with pytest.raises(TypeError, match="cannot store float64 values"):
        ints.data = 4.5


def test_data_assignment_rules():
    w = leaf([1.0, 2.0], "w")
    same = np.array([5.0, 6.0])
    w.data = same
    assert w.data is same  # an array of the same dtype is stored as it is (shared)
    w.data = np.array([1, 2])  # int -> float casts safely: converted to the tensor's dtype
    assert w.data.dtype == np.float64
    w.data = ag.Tensor([7.0, 8.0])
    assert_close(w.data, [7.0, 8.0])
    w.data = [3, 4]  # a list takes the tensor's dtype
    assert w.data.dtype == np.float64
    w.data = np.array([1.0, 2.0], dtype=np.float32)  # between floating dtypes the tensor takes the new one
    assert w.dtype == np.float32
    with pytest.raises(
        ValueError, match=r"tensor 'w'.data: the new value has shape \(3,\) but the tensor has shape \(2,\)"
    ):
        w.data = np.ones(3)
    with pytest.raises(TypeError, match="complex data"):
        w.data = np.array([1j, 2j])
    with pytest.raises(TypeError, match="not numeric"):
        w.data = np.array(["a", "b"])
    labels = ag.Tensor(np.array([1, 2]))
    with pytest.raises(TypeError, match="cannot store a float64 array in a int64 tensor"):
        labels.data = np.array([0.5, 1.5])


@given(
    shape=st.lists(st.integers(1, 3), min_size=0, max_size=3).map(tuple),
    other=st.lists(st.integers(1, 3), min_size=0, max_size=3).map(tuple),
)
def test_data_assignment_keeps_the_shape(shape, other):
    t = ag.Tensor(np.zeros(shape))
    t.data = np.ones(shape)
    assert t.shape == shape and isinstance(t.data, np.ndarray)
    if other != shape:
        with pytest.raises(ValueError, match="assignment keeps a tensor's shape"):
            t.data = np.ones(other)
        assert t.shape == shape


def test_optimizer_refuses_a_parameter_it_cannot_update_in_place():
    p = leaf([1.0, 2.0], "frozen")
    p.data = np.broadcast_to(np.array([1.0, 2.0]), (2,))  # read-only
    p.grad = ag.Tensor([1.0, 1.0])
    with pytest.raises(TypeError, match="SGD: parameter 'frozen' cannot be updated in place: its data is a read-only"):
        optim.SGD([p], lr=0.1).step()


def test_detached_0d_result_made_a_parameter_holds_an_array():
    w0 = leaf(2.0)
    p = (w0 * 3.0).detach().requires_grad_()  # a 0-d result holds a numpy scalar until it becomes a leaf
    assert isinstance(p.data, np.ndarray)
    (p * p).backward()
    optim.SGD([p], lr=0.25).step()
    assert p.item() == pytest.approx(6.0 - 0.25 * 12.0)


# ============================================================================ .grad assignment
def test_grad_assignment_is_checked():
    x = leaf(np.ones((2, 2)), "x")
    with pytest.raises(
        ValueError, match=r"tensor 'x'.grad: a gradient of shape \(2,\) float64 for a tensor of shape \(2, 2\)"
    ):
        x.grad = ag.Tensor([1.0, 1.0])  # broadcastable, but a gradient has its tensor's shape
    with pytest.raises(ValueError, match="float32 for a tensor of shape"):
        x.grad = ag.Tensor(np.ones((2, 2), np.float32))
    with pytest.raises(TypeError, match="expected a Tensor, a numpy array or None, got list"):
        x.grad = [[1.0, 1.0], [1.0, 1.0]]
    x.grad = np.full((2, 2), 3.0)  # an ndarray of the right shape is wrapped
    (x * 2.0).sum().backward()
    assert_close(x.grad.data, np.full((2, 2), 5.0))
    x.grad = None
    assert x.grad is None


# ============================================================================ user-written primitives
def test_rule_count_is_checked_at_definition():
    with pytest.raises(TypeError, match="primitive 'f': its forward takes 2 inputs but 1 vjp rule was given"):
        ag.primitive("f", lambda x, y: x * y, lambda g, out, x, y: g * y)
    with pytest.raises(TypeError, match="primitive 'h': rule 0 must be callable or None"):
        ag.primitive("h", lambda x: x, 3.0)
    with pytest.raises(TypeError, match="its forward takes 1 input but 2 vjp rules were given"):
        ag.primitive("e", np.exp, lambda g, out, x: g * out, None)  # a ufunc: nin counts
    scale = ag.primitive("scale", lambda x, k=2.0: x * k, lambda g, out, x, k=2.0: g * k)  # params have defaults
    x = leaf([1.0, 2.0])
    scale(x, k=3.0).sum().backward()
    assert_close(x.grad.data, [3.0, 3.0])


def test_forward_must_return_an_array():
    x = leaf([1.0, 2.0])
    as_list = ag.primitive("as_list", lambda x: [1.0, 2.0], lambda g, out, x: g)
    with pytest.raises(TypeError, match="as_list: its forward returned list"):
        as_list(x)
    as_float = ag.primitive("as_float", lambda x: 3.0, lambda g, out, x: g)
    with pytest.raises(TypeError, match="as_float: its forward returned float"):
        as_float(x)
    as_tensor = ag.primitive("as_tensor", lambda x: ag.exp(x), lambda g, out, x: g * out)
    with pytest.raises(TypeError, match="as_tensor: its forward returned Tensor"):
        as_tensor(x)
    as_int = ag.primitive("as_int", lambda x: np.round(x).astype(np.int64), lambda g, out, x: g)
    with pytest.raises(TypeError, match="as_int: its forward returned int64 data from inputs that require grad"):
        as_int(x)
    scalar = ag.primitive("scalar", lambda x: np.float64(x.sum()), lambda g, out, x: g * np.ones_like(x))
    scalar(x).backward()  # a numpy scalar is fine
    assert_close(x.grad.data, [1.0, 1.0])


@pytest.mark.parametrize(
    "rule, kind, match",
    [
        (lambda g, out, x: 3.0, TypeError, r"the gradient rule of bad for input 0 returned float \(3.0\)"),
        (lambda g, out, x: None, TypeError, "the gradient rule of bad for input 0 returned NoneType"),
        (lambda g, out, x: [1.0, 1.0], TypeError, "the gradient rule of bad for input 0 returned list"),
        (lambda g, out, x: np.ones(3), ValueError, r"bad: its gradient rule returned shape \(3,\).*\(input 0: "),
    ],
)
def test_rule_results_are_checked_at_backward(rule, kind, match):
    bad = ag.primitive("bad", lambda x: x * 2.0, rule)
    x = leaf([1.0, 2.0])
    with pytest.raises(kind, match=match):
        bad(x).sum().backward()


def test_a_rule_built_from_library_functions_gives_its_value():
    sine = ag.primitive("sine", np.sin, lambda g, out, x: g * ag.tanh(x) * 0 + g * np.cos(x))
    x = leaf([0.3, 1.1])
    sine(x).sum().backward()
    assert_close(x.grad.data, np.cos([0.3, 1.1]))


def test_primitive_made_directly_with_too_few_rules_fails_clearly_at_backward():
    p = engine.Primitive("pair", lambda a, b: a * b, (lambda g, out, a, b: g * b,))
    a, b = leaf([1.0]), leaf([2.0])
    with pytest.raises(TypeError, match="pair has 1 vjp rule\\(s\\) but was called with 2 inputs"):
        p(a, b).sum().backward()


# ============================================================================ smaller items
def test_name_must_be_a_string():
    with pytest.raises(TypeError, match=r"Tensor: name must be a str, got int \(123\)"):
        ag.Tensor(1.0, name=123)
    with pytest.raises(TypeError, match="name must be a str"):
        ag.zeros(2, name=5)
    assert ag.Tensor(1.0, name="w").name == "w"


@pytest.mark.parametrize("call", [lambda x: x.sum(axis=10**30), lambda x: x.max(axis=2**63)])
def test_huge_axis_literal_is_a_clear_error_naming_the_operation(call):
    x = ag.Tensor([1.0, 2.0])
    with pytest.raises(ValueError, match=r"^(sum|max): an integer argument is too large \(axis=\d+.*shape \(2,\)"):
        call(x)
    with pytest.raises(ValueError, match="mean: axis 1000000000000000000000000000000 is out of bounds"):
        x.mean(axis=10**30)


def test_grad_mode_switches_work_as_bare_decorators():
    @ag.no_grad
    def off():
        return ag.is_grad_enabled()

    @ag.enable_grad
    def on():
        return ag.is_grad_enabled()

    assert off() is False
    with ag.no_grad():
        assert on() is True
    assert ag.is_grad_enabled()
    assert off.__name__ == "off"
    with pytest.raises(TypeError, match="set_grad_enabled needs the mode"):

        @ag.set_grad_enabled
        def f():
            pass

    with pytest.raises(TypeError, match="no_grad\\(\\) takes no arguments"):
        ag.no_grad(3)


@pytest.mark.parametrize(
    "make",
    [
        lambda: ag.Tensor(1j),
        lambda: ag.Tensor([1.0 + 2.0j]),
        lambda: ag.Tensor(np.array([1j])),
        lambda: ag.Tensor([1.0], dtype=np.complex128),
    ],
)
def test_complex_data_is_refused_by_the_constructor(make):
    with pytest.raises(TypeError, match="complex data .* is not supported: autograd_lite differentiates real-valued"):
        make()


@pytest.mark.parametrize(
    "call, op",
    [
        (lambda x: x * 1j, "mul"),
        (lambda x: x + np.array([1j, 2j]), "add"),
        (lambda x: ag.exp(x * 1j), "mul"),
        (lambda x: ag.Tensor([1.0, 2.0]) * (1 + 1j), "mul"),  # nothing recorded: still refused
    ],
)
def test_complex_constants_are_refused_at_the_call_without_a_complex_warning(call, op):
    x = leaf([1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a ComplexWarning would fail the test
        with pytest.raises(TypeError, match=f"^{op}: complex result"):
            call(x)


# ============================================================================ numpy's warnings, at the user's line
def _runtime_warnings(fn):
    with warnings.catch_warnings(record=True) as caught:
        engine._install_warning_filter()  # first in line, whatever filters the test runner added
        fn()
    return [w for w in caught if issubclass(w.category, RuntimeWarning)]


def test_a_forwards_numpy_warning_points_at_the_users_line_and_names_the_primitive():
    x = leaf([0.0, 1.0])

    def two_calls():
        ag.log(x)
        ag.log(x)  # another line: warned again (numpy's "once per location" is per user line now)

    caught = _runtime_warnings(two_calls)
    assert [str(w.message) for w in caught] == ["log: divide by zero encountered in log"] * 2
    assert {w.filename for w in caught} == {__file__}
    assert caught[1].lineno == caught[0].lineno + 1
    with np.errstate(divide="ignore"):
        y = ag.log(x)
    assert np.isneginf(y.data[0]) and y.data[1] == 0.0  # the result is numpy's


def test_apply_on_plain_arrays_warns_at_the_users_line_too():
    caught = _runtime_warnings(lambda: ag.ops.log.apply(np.zeros(1)))
    assert [str(w.message) for w in caught] == ["log: divide by zero encountered in log"]
    assert caught[0].filename == __file__


def test_a_rule_written_in_python_warns_at_the_users_line_and_backward_completes():
    """Rules are lambdas in the ops tables: their numpy warnings are re-issued naming the rule."""
    x = leaf([0.0, 4.0])
    y = (x**0.5).sum()
    caught = _runtime_warnings(y.backward)
    assert [str(w.message) for w in caught] == [
        "backward: divide by zero encountered in pow's gradient rule for input 0"
    ]
    assert caught[0].filename == __file__
    assert np.isposinf(x.grad.data[0]) and x.grad.data[1] == pytest.approx(0.25)


def test_numpys_other_error_modes_are_respected():
    x = leaf([0.0])
    with np.errstate(divide="ignore"):
        assert _runtime_warnings(lambda: ag.log(x)) == []
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError):
        ag.log(x)


def test_warnings_raised_inside_gradient_rules_name_the_rule_at_the_users_line():
    x = ag.Tensor([0.0, 1.0], requires_grad=True)
    y = (x**0.5).sum()  # pow's rule: 0.5 * 0 ** -0.5 divides by zero
    with pytest.warns(RuntimeWarning, match=r"^backward: divide by zero encountered in pow's gradient rule") as seen:
        y.backward()
    assert [w.filename for w in seen] == [__file__]
    assert np.isinf(x.grad.data[0]) and x.grad.data[1] == 0.5
    with np.errstate(divide="ignore"), warnings.catch_warnings():  # the user's own choice is kept
        warnings.simplefilter("error")
        (x**0.5).sum().backward()


def test_numpys_error_settings_are_read_at_every_backward_pass():
    """The rules' error state is made once per numpy setting: a setting changed between passes
    (errstate, seterr, back again) is followed by the next pass, in either order."""

    def backward_of_sqrt():
        x = leaf([0.0, 4.0])
        (x**0.5).sum().backward()
        return x

    assert len(_runtime_warnings(backward_of_sqrt)) == 1  # "warn": sent to the named warning
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError):
        backward_of_sqrt()
    with np.errstate(divide="ignore"):
        assert _runtime_warnings(backward_of_sqrt) == []
    old = np.seterr(divide="raise")
    try:
        with pytest.raises(FloatingPointError):
            backward_of_sqrt()
    finally:
        np.seterr(**old)
    caught = _runtime_warnings(backward_of_sqrt)
    assert [str(w.message) for w in caught] == [
        "backward: divide by zero encountered in pow's gradient rule for input 0"
    ]
    assert np.geterr()["divide"] == "warn"  # and the pass left the user's setting as it was


def test_without_numpys_error_context_variable_each_pass_builds_its_errstate(monkeypatch):
    """The fallback for a numpy without the (private) context variable: same warnings, same modes."""
    monkeypatch.setattr(ag.engine, "_np_errors", None)
    x = leaf([0.0, 4.0])
    caught = _runtime_warnings((x**0.5).sum().backward)
    assert [str(w.message) for w in caught] == [
        "backward: divide by zero encountered in pow's gradient rule for input 0"
    ]
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError):
        (x**0.5).sum().backward()
    assert np.geterr()["divide"] == "warn"
