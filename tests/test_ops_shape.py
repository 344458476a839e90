"""The shape family beyond the spec table: numpy dispatch for every name, pad modes and window
views against finite differences, hypothesis shapes, the errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag

from . import strategies as S
from ._numeric import assert_close, central_difference

swv = np.lib.stride_tricks.sliding_window_view

# name -> a call through numpy's own function (or the ndarray method) on a (2, 4, 3) input
NUMPY_CALLS = {
    "ravel": lambda x: np.ravel(x),
    "flatten": lambda x: x.flatten(),
    "squeeze": lambda x: np.squeeze(x[:, :1], axis=1),
    "expand_dims": lambda x: np.expand_dims(x, 1),
    "moveaxis": lambda x: np.moveaxis(x, -1, 0),
    "swapaxes": lambda x: np.swapaxes(x, 0, 2),
    "atleast_1d": lambda x: np.atleast_1d(x[0, 0]),
    "atleast_2d": lambda x: np.atleast_2d(x[0, 0]),
    "atleast_3d": lambda x: np.atleast_3d(x[0]),
    "split": lambda x: np.split(x, 2, axis=1)[1],
    "array_split": lambda x: np.array_split(x, 3, axis=1)[0],
    "hsplit": lambda x: np.hsplit(x, 2)[0],
    "vsplit": lambda x: np.vsplit(x, 2)[1],
    "dsplit": lambda x: np.dsplit(x, 3)[2],
    "hstack": lambda x: np.hstack([x, x]),
    "vstack": lambda x: np.vstack([x, x]),
    "dstack": lambda x: np.dstack([x, x]),
    "column_stack": lambda x: np.column_stack([x[0, 0], x[1, 0]]),
    "repeat": lambda x: np.repeat(x, 2, axis=0),
    "tile": lambda x: np.tile(x, 2),
    "roll": lambda x: np.roll(x, 1, axis=1),
    "flip": lambda x: np.flip(x, 0),
    "flipud": lambda x: np.flipud(x),
    "fliplr": lambda x: np.fliplr(x),
    "rot90": lambda x: np.rot90(x),
    "pad": lambda x: np.pad(x, 1, mode="edge"),
    "diff": lambda x: np.diff(x, axis=1),
    "append": lambda x: np.append(x, x, axis=0),
    "take": lambda x: np.take(x, [1, 1], axis=1),
    "take_along_axis": lambda x: np.take_along_axis(x, np.zeros((2, 1, 3), int), axis=1),
    "sort": lambda x: np.sort(x, axis=1),
    "sliding_window_view": lambda x: swv(x, (2, 2), axis=(1, 2)),
}
METHOD_CALLS = {
    "ravel": lambda x: x.ravel(),
    "squeeze": lambda x: x[:1].squeeze(),
    "repeat": lambda x: x.repeat(2, axis=1),
    "take": lambda x: x.take([0, 2], axis=2),
}


@pytest.mark.parametrize("name", sorted(NUMPY_CALLS))
def test_numpy_function_on_a_tensor_records(name):
    """np.<name>(t) gives a Tensor that records, whose values are numpy's, and backward reaches t."""
    data = np.random.default_rng(0).standard_normal((2, 4, 3))
    x = ag.Tensor(data, requires_grad=True)
    out = NUMPY_CALLS[name](x)
    assert isinstance(out, ag.Tensor) and out.requires_grad and out.op is not None
    np.testing.assert_array_equal(out.data, NUMPY_CALLS[name](data))
    out.sum().backward()
    assert x.grad is not None and x.grad.shape == x.shape and np.any(x.grad.data != 0)
    assert callable(getattr(ag, name))


@pytest.mark.parametrize("name", sorted(METHOD_CALLS))
def test_tensor_method_records(name):
    data = np.arange(24.0).reshape(2, 4, 3)
    out = METHOD_CALLS[name](ag.Tensor(data, requires_grad=True))
    assert isinstance(out, ag.Tensor) and out.requires_grad
    np.testing.assert_array_equal(out.data, METHOD_CALLS[name](data))


def test_split_returns_a_list_and_atleast_a_tuple():
    x = ag.Tensor(np.arange(6.0), requires_grad=True)
    parts = np.split(x, 3)
    assert isinstance(parts, list) and [p.shape for p in parts] == [(2,)] * 3
    assert all(isinstance(p, ag.Tensor) and p.requires_grad for p in parts)
    one, two = ag.atleast_2d(x, ag.Tensor(1.0))
    assert (one.shape, two.shape) == ((1, 6), (1, 1))


def test_argsort_is_a_query_and_tensor_sort_refuses():
    x = ag.Tensor([3.0, 1.0, 2.0], requires_grad=True)
    for order in (np.argsort(x), x.argsort(), ag.argsort(x)):
        assert type(order) is np.ndarray
        np.testing.assert_array_equal(order, [1, 2, 0])
    with pytest.raises(TypeError, match=r"^Tensor\.sort: .*in place.*np\.sort"):
        x.sort()


def test_sort_sends_each_gradient_back_to_where_the_value_came_from():
    x = ag.Tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]], requires_grad=True)
    w = np.array([[10.0, 20.0, 30.0], [1.0, 2.0, 3.0]])
    (np.sort(x, axis=1) * w).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[30.0, 10.0, 20.0], [1.0, 3.0, 2.0]])


def test_take_with_repeated_indices_accumulates():
    x = ag.Tensor(np.arange(4.0), requires_grad=True)
    np.take(x, [1, 1, 3, 1]).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 3.0, 0.0, 1.0])
    y = ag.Tensor(np.arange(4.0), requires_grad=True)
    out = np.take(y, [5, -1], mode="wrap") + np.take(y, [9], mode="clip")
    np.testing.assert_array_equal(out.data, [4.0, 6.0])
    out.sum().backward()
    np.testing.assert_array_equal(y.grad.data, [0.0, 1.0, 0.0, 3.0])


# ----------------------------------------------------------------------------- pad
@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric", "wrap"])
@settings(max_examples=10)
@given(shape=S.shapes(min_dims=1, max_dims=2, max_side=4), data=st.data(), seed=S.seeds)
def test_pad_modes_match_numpy_and_finite_differences(mode, shape, data, seed):
    if mode == "reflect":
        shape = tuple(max(s, 2) for s in shape)  # numpy cannot reflect a length-1 axis with padding
    widths = [tuple(data.draw(st.integers(0, 5)) for _ in range(2)) for _ in shape]
    rng = np.random.default_rng(seed)
    x0 = rng.standard_normal(shape)
    ref = lambda a: np.pad(a, widths, mode=mode)
    x = ag.Tensor(x0, requires_grad=True)
    out = np.pad(x, widths, mode=mode)
    np.testing.assert_array_equal(out.data, ref(x0))
    w = rng.standard_normal(out.shape)
    (out * w).sum().backward()
    assert_close(x.grad.data, central_difference(lambda a: float(np.sum(ref(a) * w)), [x0], 0))


def test_pad_constant_keeps_float32_and_the_constant():
    x = ag.Tensor(np.ones((2, 2), np.float32), requires_grad=True)
    out = np.pad(x, ((1, 0), (0, 2)), constant_values=-3)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.data, np.pad(np.ones((2, 2), np.float32), ((1, 0), (0, 2)), constant_values=-3))
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.ones((2, 2)))


# ----------------------------------------------------------------------------- windows
@settings(max_examples=20)
@given(n=st.integers(1, 9), data=st.data())
def test_overlapping_windows_gradient_counts_the_windows_covering_each_element(n, data):
    """d sum(windows) / dx_i = number of windows containing i = min(i + 1, w, n - i, n - w + 1)."""
    w = data.draw(st.integers(1, n))
    x = ag.Tensor(np.zeros(n), requires_grad=True)
    ag.sliding_window_view(x, w).sum().backward()
    i = np.arange(n)
    np.testing.assert_array_equal(x.grad.data, np.minimum.reduce([i + 1, np.full(n, w), n - i, np.full(n, n - w + 1)]))


@settings(max_examples=25)
@given(shape=S.shapes(min_dims=1, max_dims=3, max_side=5), data=st.data(), seed=S.seeds)
def test_windows_on_random_shapes_and_axes_match_finite_differences(shape, data, seed):
    axes = data.draw(st.lists(st.integers(-len(shape), len(shape) - 1), min_size=1, max_size=3))
    room = list(shape)  # windows on a repeated axis share its length
    window = []
    for a in axes:
        w = data.draw(st.integers(1, room[a]))
        room[a] -= w - 1
        window.append(w)
    rng = np.random.default_rng(seed)
    x0 = rng.standard_normal(shape)
    ref = lambda a: swv(a, window, axis=axes)
    x = ag.Tensor(x0, requires_grad=True)
    out = np.lib.stride_tricks.sliding_window_view(x, window, axis=axes)
    np.testing.assert_array_equal(out.data, ref(x0))
    wt = rng.standard_normal(out.shape)
    (out * wt).sum().backward()
    assert_close(x.grad.data, central_difference(lambda a: float(np.sum(ref(a) * wt)), [x0], 0))


@pytest.mark.parametrize("stride", [1, 2, 3])
def test_strided_2d_windows_match_finite_differences(stride):
    """The conv pattern: NCHW windows on the last two axes, then every stride-th window."""
    rng = np.random.default_rng(stride)
    x0 = rng.standard_normal((2, 2, 6, 5))
    ref = lambda a: swv(a, (3, 2), axis=(2, 3))[:, :, ::stride, ::stride]
    wt = rng.standard_normal(ref(x0).shape)
    x = ag.Tensor(x0, requires_grad=True)
    (swv(x, (3, 2), axis=(2, 3))[:, :, ::stride, ::stride] * wt).sum().backward()
    assert_close(x.grad.data, central_difference(lambda a: float(np.sum(ref(a) * wt)), [x0], 0))


def test_windows_second_derivative_and_float32():
    """d/dx of <grad, v> for sum(windows(x)**2 * w) is the Hessian 2 fold(w * windows(v))."""
    rng = np.random.default_rng(1)
    x0, v = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    w = rng.standard_normal((4, 2, 2, 3))
    x = ag.Tensor(x0, requires_grad=True)
    ((ag.sliding_window_view(x, (2, 3)) ** 2) * w).sum().backward(create_graph=True)
    g = x.grad
    x.grad = None
    (g * v).sum().backward()
    expected = ag.fold_windows(2 * w * swv(v, (2, 3)), shape=(5, 4), window_shape=(2, 3)).data
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-12)
    x32 = ag.Tensor(x0.astype(np.float32), requires_grad=True)
    ag.sliding_window_view(x32, 2, axis=0).sum().backward()
    assert x32.grad.dtype == np.float32


# ----------------------------------------------------------------------------- hypothesis shapes
MOVES = {
    "roll": (lambda a, k: np.roll(a, k, axis=-1)),
    "flip": (lambda a, k: np.flip(a, k % a.ndim)),
    "moveaxis": (lambda a, k: np.moveaxis(a, 0, k % a.ndim)),
    "repeat": (lambda a, k: np.repeat(a, k % 3 + 1, axis=0)),
    "tile": (lambda a, k: np.tile(a, (k % 2 + 1, 2))),
    "rot90": (lambda a, k: np.rot90(a, k, axes=(0, a.ndim - 1)) if a.ndim > 1 else np.flip(a)),
    "expand_dims": (lambda a, k: np.expand_dims(a, k % (a.ndim + 1))),
    "squeeze": (lambda a, k: np.squeeze(a)),
    "diff": (lambda a, k: np.diff(a, n=k % 2 + 1, axis=0) if a.shape[0] > 2 else np.diff(a, axis=-1)),
    "hstack": (lambda a, k: np.hstack([a, a[:, :1]]) if a.ndim > 1 else np.hstack([a, a])),
    "take": (lambda a, k: np.take(a, [k % a.shape[-1]] * 2, axis=-1)),
}


@pytest.mark.parametrize("name", sorted(MOVES))
@settings(max_examples=12)
@given(shape=S.shapes(min_dims=1, max_dims=3, max_side=4), k=st.integers(-5, 5), seed=S.seeds)
def test_shape_ops_on_random_shapes_match_numpy_and_finite_differences(name, shape, k, seed):
    rng = np.random.default_rng(seed)
    x0 = rng.standard_normal(shape)
    op = MOVES[name]
    x = ag.Tensor(x0, requires_grad=True)
    out = op(x, k)
    assert isinstance(out, ag.Tensor)
    np.testing.assert_array_equal(out.data, op(x0, k))
    w = rng.standard_normal(out.shape)
    (out * w).sum().backward()
    assert_close(x.grad.data, central_difference(lambda a: float(np.sum(op(a, k) * w)), [x0], 0))


# ----------------------------------------------------------------------------- errors
X = ag.Tensor(np.zeros((2, 5)), requires_grad=True)
ERRORS = [
    (
        lambda: np.split(X, 3, axis=1),
        ValueError,
        r"^split: axis 1 of shape \(2, 5\) \(length 5\) .*3 equal parts.*array_split",
    ),
    (lambda: np.squeeze(X, axis=1), ValueError, r"^squeeze: axis 1 of shape \(2, 5\) has length 5"),
    (lambda: np.moveaxis(X, 2, 0), ValueError, r"^moveaxis: axis 2 is out of bounds for a tensor of shape \(2, 5\)"),
    (lambda: np.flip(X, (0, 0)), ValueError, r"^flip: repeated axis"),
    (lambda: np.expand_dims(X, 3), ValueError, r"^expand_dims: axis 3 is out of bounds or repeated for a 3-d result"),
    (lambda: np.vsplit(X[0], 1), ValueError, r"^vsplit: needs a tensor of at least 2 dimensions, got shape \(5,\)"),
    (lambda: np.fliplr(X[0]), ValueError, r"^fliplr: needs a tensor of at least 2 dimensions"),
    (lambda: np.rot90(X, axes=(1, -1)), ValueError, r"^rot90: axes \(1, -1\) must be different"),
    (lambda: np.pad(X, 1, mode="median"), ValueError, r"^pad: mode 'median' is not supported"),
    (lambda: np.pad(X, ((1, 2), (3, 4), (5, 6))), ValueError, r"^pad: pad_width .* does not fit .*\(2, 5\)"),
    (lambda: np.pad(X, -1), ValueError, r"^pad: pad_width must be non-negative"),
    (lambda: np.pad(X, 1, mode="reflect", reflect_type="odd"), TypeError, r"^pad: mode 'reflect' takes no options"),
    (lambda: np.pad(X, 1, stat_length=2), TypeError, r"^pad: mode 'constant' takes constant_values only"),
    (lambda: np.take(X, [10], axis=1), IndexError, r"^take: index 10 is out of bounds for axis 1 of shape \(2, 5\)"),
    (lambda: np.take(X, [0.5]), TypeError, r"^take: indices must be integers"),
    (lambda: np.repeat(X, [1, 2], axis=1), ValueError, r"^repeat: \(2,\) repeats for axis 1 of shape \(2, 5\)"),
    (lambda: np.repeat(X, -1), ValueError, r"^repeat: repeats must be non-negative"),
    (lambda: np.diff(X, n=-1), ValueError, r"^diff: order n must be non-negative"),
    (lambda: np.take_along_axis(X, np.zeros(2, int), 0), ValueError, r"^take_along_axis: indices of shape \(2,\)"),
    (lambda: ag.hstack([]), ValueError, r"^hstack: needs at least one tensor"),
    (
        lambda: np.hstack([X, X[:1]]),
        ValueError,
        r"^hstack: shapes \(2, 5\), \(1, 5\) must agree on every axis but axis 1",
    ),
    (lambda: np.vstack([X, X[:, :2]]), ValueError, r"^vstack: shapes \(2, 5\), \(2, 2\) must agree"),
    (lambda: np.append(X, X[0], axis=0), ValueError, r"^append: shapes \(2, 5\), \(5,\) must agree"),
    (lambda: np.column_stack([X[0], X[:, 0]]), ValueError, r"^column_stack: shapes \(5, 1\), \(2, 1\)"),
    (lambda: swv(X, 6, axis=1), ValueError, r"^sliding_window_view: window \(6,\) is larger than axis 1 of shape"),
    (lambda: swv(X, (2, 2)), None, None),
    (lambda: swv(X, 2), ValueError, r"^sliding_window_view: window_shape \(2,\) needs one entry per axis"),
    (lambda: swv(X, 2, axis=0, writeable=True), TypeError, r"^sliding_window_view: writeable=True"),
    (
        lambda: ag.fold_windows(np.zeros((2, 2)), (3, 3), (2, 2)),
        ValueError,
        r"^fold_windows: windows of shape \(2, 2\)",
    ),
]


@pytest.mark.parametrize("call, kind, message", ERRORS)
def test_bad_input_names_the_operation_and_shapes(call, kind, message):
    if kind is None:
        assert isinstance(call(), ag.Tensor)
        return
    with pytest.raises(kind, match=message):
        call()
