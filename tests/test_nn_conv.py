"""Conv2d, pooling, Flatten, LayerNorm, Embedding: forward against loops written from the
definitions, gradients against float64 central differences, PyTorch as an optional cross-check."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite import nn

from . import strategies as S
from ._numeric import assert_close, central_difference


# ----------------------------------------------------------------------------- references (loops)
def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def conv_ref(x, w, b=None, stride=1, padding=0, dilation=1):
    """out[n, o, i, j] = b[o] + sum_{c,p,q} w[o, c, p, q] x_pad[n, c, i s + p d, j s + q d]"""
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride), _pair(padding), _pair(dilation)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    _, _, kh, kw = w.shape
    ho = (xp.shape[2] - dh * (kh - 1) - 1) // sh + 1
    wo = (xp.shape[3] - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((x.shape[0], w.shape[0], ho, wo))
    for i in range(ho):
        for j in range(wo):
            patch = xp[:, :, i * sh : i * sh + dh * (kh - 1) + 1 : dh, j * sw : j * sw + dw * (kw - 1) + 1 : dw]
            out[:, :, i, j] = np.einsum("nckl,ockl->no", patch, w)
    return out if b is None else out + b[:, None, None]


def pool_ref(x, k, stride=None, padding=0, reduce=np.max):
    (kh, kw), (ph, pw) = _pair(k), _pair(padding)
    sh, sw = _pair(stride if stride is not None else k)
    fill = -np.inf if reduce is np.max else 0.0
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    ho, wo = (xp.shape[2] - kh) // sh + 1, (xp.shape[3] - kw) // sw + 1
    out = np.zeros(x.shape[:2] + (ho, wo))
    for i in range(ho):
        for j in range(wo):
            out[:, :, i, j] = reduce(xp[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw], axis=(2, 3))
    return out


def _grads_vs_fd(fn, ref, arrays, rng, tol=None):
    """Gradients of sum(fn(*tensors) * G) against central differences of sum(ref(*arrays) * G)."""
    xs = [ag.Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*xs)
    np.testing.assert_allclose(out.data, ref(*arrays), rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(out.shape)
    (out * g).sum().backward()
    for i, x in enumerate(xs):
        expected = central_difference(lambda *a: float(np.sum(ref(*a) * g)), arrays, i)
        assert_close(x.grad.data, expected, **(tol or {}))


CONV_CASES = [
    dict(),
    dict(stride=2),
    dict(padding=1),
    dict(stride=(2, 1), padding=(1, 2)),
    dict(dilation=2, padding=2),
    dict(stride=3, padding=1, dilation=(1, 2)),
]


@pytest.mark.parametrize("kw", CONV_CASES, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()) or "plain")
def test_conv2d_matches_the_definition_and_finite_differences(kw):
    rng = np.random.default_rng(len(str(kw)))
    x, w, b = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    _grads_vs_fd(lambda x, w, b: nn.conv2d(x, w, b, **kw), lambda x, w, b: conv_ref(x, w, b, **kw), [x, w, b], rng)


@settings(max_examples=10)
@given(
    n=st.integers(1, 2), c=st.integers(1, 2), o=st.integers(1, 2), h=st.integers(3, 6), wd=st.integers(3, 6),
    k=st.integers(1, 3), s=st.integers(1, 3), p=st.integers(0, 2), seed=S.seeds,
)  # fmt: skip
def test_conv2d_on_random_shapes(n, c, o, h, wd, k, s, p, seed):
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal((n, c, h, wd)), rng.standard_normal((o, c, k, k))
    _grads_vs_fd(
        lambda x, w: nn.conv2d(x, w, stride=s, padding=p), lambda x, w: conv_ref(x, w, None, s, p), [x, w], rng
    )


def test_conv2d_unbatched_same_padding_and_no_bias():
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((2, 5, 4)), rng.standard_normal((3, 2, 3, 3))
    out = nn.conv2d(x, w, padding="same")
    assert out.shape == (3, 5, 4)
    np.testing.assert_allclose(out.data, conv_ref(x[None], w, None, padding=1)[0], rtol=1e-12)
    assert nn.conv2d(x, w, padding="valid").shape == (3, 3, 2)


def test_conv2d_second_derivatives_match_finite_differences_of_the_gradient():
    """h = <d sum(conv(x, w)^2 G)/dx, v>: its w-gradient through create_graph vs differences of the first."""
    rng = np.random.default_rng(4)
    x0, w0 = rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((2, 2, 3, 3))
    g, v = rng.standard_normal((2, 3, 3)), rng.standard_normal(x0.shape)

    def first(w_arr, create_graph=False):
        x, w = ag.Tensor(x0, requires_grad=True), ag.Tensor(w_arr, requires_grad=True)
        ((nn.conv2d(x, w, stride=2, padding=1) ** 2)[0] * g).sum().backward(create_graph=create_graph)
        return x, w

    x, w = first(w0, create_graph=True)
    gx = x.grad
    w.grad = None
    (gx * v).sum().backward()
    expected = central_difference(lambda a: float(np.sum(first(a)[0].grad.data * v)), [w0], 0, eps=1e-5)
    assert_close(w.grad.data, expected, rtol=1e-5, atol=1e-6)


def test_conv2d_keeps_float32():
    layer = nn.Conv2d(2, 3, 3, padding=1, dtype=np.float32, rng=0)
    x = ag.Tensor(np.ones((1, 2, 4, 4), np.float32), requires_grad=True)
    out = layer(x)
    out.sum().backward()
    assert out.dtype == x.grad.dtype == layer.weight.grad.dtype == layer.bias.grad.dtype == np.float32


# ----------------------------------------------------------------------------- pooling
@pytest.mark.parametrize(
    "k, stride, padding", [(2, None, 0), (3, 2, 1), ((2, 3), (1, 2), (1, 0)), (3, 1, 0)], ids=str
)  # fmt: skip
def test_max_pool2d_matches_the_definition_and_finite_differences(k, stride, padding):
    rng = np.random.default_rng(5)
    x = S.distinct(rng, (2, 2, 6, 7))  # no ties: central differences stay on one side
    _grads_vs_fd(lambda t: nn.max_pool2d(t, k, stride, padding), lambda a: pool_ref(a, k, stride, padding), [x], rng)


@pytest.mark.parametrize("k, stride, padding", [(2, None, 0), (3, 2, 1), ((2, 3), (1, 2), (1, 0))], ids=str)
def test_avg_pool2d_matches_the_definition_and_finite_differences(k, stride, padding):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 2, 6, 7))
    ref = lambda a: pool_ref(a, k, stride, padding, reduce=np.mean)
    _grads_vs_fd(lambda t: nn.avg_pool2d(t, k, stride, padding), ref, [x], rng)


def test_max_pool_ties_share_the_gradient_and_overlaps_add():
    x = ag.Tensor(np.array([[[[1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 2.0]]]]), requires_grad=True)
    nn.max_pool2d(x, 2, stride=1).sum().backward()
    # windows: top-left {1, 1, 0, 0} -> 1/2 to each 1; top-right: 1 to (0, 1); bottom-left all 0 -> 1/4
    # to each; bottom-right: 1 to the 2 at (2, 2)
    np.testing.assert_array_equal(x.grad.data[0, 0], [[0.5, 1.5, 0.0], [0.25, 0.25, 0.0], [0.25, 0.25, 1.0]])


# ----------------------------------------------------------------------------- Flatten, LayerNorm, Embedding
def test_flatten_merges_the_named_axes():
    x = ag.Tensor(np.arange(24.0).reshape(2, 3, 2, 2), requires_grad=True)
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0, 1)(x).shape == (6, 2, 2)
    assert nn.Flatten(1, 2)(x).shape == (2, 6, 2)
    (nn.Flatten()(x) * np.arange(24.0).reshape(2, 12)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.arange(24.0).reshape(2, 3, 2, 2))


@pytest.mark.parametrize("shape, norm", [((3, 4), 4), ((2, 3, 4), (3, 4))], ids=str)
def test_layer_norm_matches_the_formula_and_finite_differences(shape, norm):
    rng = np.random.default_rng(7)
    n_axes = 1 if isinstance(norm, int) else len(norm)
    axes = tuple(range(len(shape) - n_axes, len(shape)))

    def ref(x, w, b):
        mu, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
        return (x - mu) / np.sqrt(var + 1e-5) * w + b

    layer = nn.LayerNorm(norm)
    np.testing.assert_array_equal(layer.weight.data, np.ones(shape[-n_axes:]))
    np.testing.assert_array_equal(layer.bias.data, np.zeros(shape[-n_axes:]))
    x, w, b = rng.standard_normal(shape), rng.standard_normal(shape[-n_axes:]), rng.standard_normal(shape[-n_axes:])
    _grads_vs_fd(lambda x, w, b: nn.layer_norm(x, norm, w, b), ref, [x, w, b], rng, {"rtol": 1e-5, "atol": 1e-6})
    plain = nn.LayerNorm(norm, elementwise_affine=False)
    assert plain.parameters() == []
    np.testing.assert_allclose(plain(x).data, ref(x, 1.0, 0.0), rtol=1e-10, atol=1e-12)


def test_embedding_picks_rows_and_repeated_rows_add_their_gradients():
    emb = nn.Embedding(5, 3, rng=0)
    idx = np.array([[1, 4], [1, 1]])
    out = emb(idx)
    np.testing.assert_array_equal(out.data, emb.weight.data[idx])
    (out * np.arange(12.0).reshape(2, 2, 3)).sum().backward()
    expected = np.zeros((5, 3))
    expected[1] = [0 + 6 + 9, 1 + 7 + 10, 2 + 8 + 11]
    expected[4] = [3, 4, 5]
    np.testing.assert_array_equal(emb.weight.grad.data, expected)
    assert emb(ag.Tensor(np.array([0, 2]))).shape == (2, 3)  # integer tensors are indices too


def test_initialisation_follows_pytorch_defaults():
    conv = nn.Conv2d(8, 16, 3, rng=0)
    bound = 1 / np.sqrt(8 * 9)
    for p in (conv.weight, conv.bias):
        assert np.all(np.abs(p.data) <= bound) and np.abs(p.data).max() > 0.9 * bound
    assert abs(conv.weight.data.std() - bound / np.sqrt(3)) < 0.1 * bound / np.sqrt(3)  # uniform's std
    emb = nn.Embedding(200, 50, rng=0).weight.data
    assert abs(emb.mean()) < 0.03 and abs(emb.std() - 1) < 0.03  # N(0, 1)
    assert nn.Conv2d(1, 1, 2, bias=False).bias is None


def test_layers_name_their_parameters_and_save_them(tmp_path):
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1, rng=0), nn.ReLU(), nn.MaxPool2d(2), nn.AvgPool2d(1), nn.Flatten(),
        nn.LayerNorm(8), nn.Linear(8, 3, rng=0),
    )  # fmt: skip
    names = [n for n, _ in model.named_parameters()]
    assert names == ["0.weight", "0.bias", "5.weight", "5.bias", "6.weight", "6.bias"]
    assert [p.name for p in model.parameters()] == names
    out = model(np.ones((2, 1, 4, 4)))
    assert out.shape == (2, 3)
    model.save(tmp_path / "m.npz")
    again = nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1, rng=1), nn.ReLU(), nn.MaxPool2d(2), nn.AvgPool2d(1), nn.Flatten(),
        nn.LayerNorm(8), nn.Linear(8, 3, rng=1),
    ).load(tmp_path / "m.npz")  # fmt: skip
    np.testing.assert_array_equal(again(np.ones((2, 1, 4, 4))).data, out.data)
    assert "Conv2d(1, 2, kernel_size=(3, 3)" in repr(model)
    assert "Embedding(4, 2)" in repr(nn.Embedding(4, 2))


BAD = [
    (
        lambda: nn.conv2d(np.zeros((1, 2, 5, 5)), np.zeros((3, 1, 3, 3))),
        ValueError,
        r"^conv2d: weight of shape \(3, 1, 3, 3\) must be \(out_channels, 2, kh, kw\)",
    ),
    (
        lambda: nn.conv2d(np.zeros((5, 5)), np.zeros((1, 1, 3, 3))),
        ValueError,
        r"^conv2d: expected input of shape \(N, C, H, W\) or \(C, H, W\), got \(5, 5\)",
    ),
    (
        lambda: nn.conv2d(np.zeros((1, 1, 2, 5)), np.zeros((1, 1, 3, 3))),
        ValueError,
        r"^conv2d: input of shape \(1, 1, 2, 5\) padded to 2x5 is smaller than the 3x3",
    ),
    (
        lambda: nn.conv2d(np.zeros((1, 1, 5, 5)), np.zeros((2, 1, 3, 3)), np.zeros(3)),
        ValueError,
        r"^conv2d: bias of shape \(3,\) must be \(2,\)",
    ),
    (
        lambda: nn.Conv2d(3, 4, 3)(np.zeros((1, 2, 5, 5))),
        ValueError,
        r"^Conv2d\(3, 4\): input of shape \(1, 2, 5, 5\) must be \(N, 3, H, W\)",
    ),
    (lambda: nn.Conv2d(1, 1, 3, stride=0), ValueError, r"^Conv2d: stride must be an integer >= 1"),
    (lambda: nn.Conv2d(1, 1, 2, padding="same"), ValueError, r"^Conv2d: padding='same' needs stride 1 and an odd"),
    (lambda: nn.Conv2d(0, 1, 3), ValueError, r"^Conv2d: channel counts must be positive"),
    (lambda: nn.MaxPool2d(2, padding=2), ValueError, r"^MaxPool2d: padding \(2, 2\) must be at most half the kernel"),
    (lambda: nn.avg_pool2d(np.zeros((1, 1, 4, 4)), 0), ValueError, r"^avg_pool2d: kernel_size must be an integer >= 1"),
    (lambda: nn.Embedding(3, 2)(np.array([0, 3])), IndexError, r"^embedding: index 3 is out of range for 3 embeddings"),
    (
        lambda: nn.Embedding(3, 2)(np.array([0.0])),
        TypeError,
        r"^embedding: indices must be integers, got dtype float64",
    ),
    (
        lambda: nn.LayerNorm(3)(np.zeros((2, 4))),
        ValueError,
        r"^layer_norm: input of shape \(2, 4\) does not end in normalized_shape \(3,\)",
    ),
    (lambda: nn.Flatten(2, 1)(np.zeros((2, 3, 4))), ValueError, r"^Flatten: start_dim 2 is after end_dim 1"),
    (
        lambda: nn.Flatten(5)(np.zeros((2, 3))),
        ValueError,
        r"^Flatten: dimension 5 is out of range for input of shape \(2, 3\)",
    ),
]


@pytest.mark.parametrize("call, kind, message", BAD)
def test_bad_arguments_name_the_layer_and_the_shapes(call, kind, message):
    with pytest.raises(kind, match=message):
        call()


# ----------------------------------------------------------------------------- PyTorch cross-check
@pytest.mark.parametrize("kw", CONV_CASES, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()) or "plain")
def test_conv_and_pools_agree_with_pytorch(kw):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(8)
    x0 = S.distinct(rng, (2, 3, 9, 8)) * 0.1
    layer = nn.Conv2d(3, 4, (3, 2), rng=0, **kw)
    x = ag.Tensor(x0, requires_grad=True)
    xt = torch.tensor(x0, requires_grad=True)
    wt, bt = torch.tensor(layer.weight.data, requires_grad=True), torch.tensor(layer.bias.data, requires_grad=True)
    ours = [layer(x), nn.max_pool2d(x, 3, 2, 1), nn.avg_pool2d(x, (2, 3), 1, (1, 0))]
    theirs = [
        F.conv2d(xt, wt, bt, **kw),
        F.max_pool2d(xt, 3, 2, 1),
        F.avg_pool2d(xt, (2, 3), 1, (1, 0)),
    ]
    for a, b in zip(ours, theirs, strict=True):
        g = rng.standard_normal(a.shape)
        (a * g).sum().backward()
        (b * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.weight.grad.data, wt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.bias.grad.data, bt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_layer_norm_and_embedding_agree_with_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(9)
    x0, w0, b0 = rng.standard_normal((2, 3, 4)), rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    x, w, b = (ag.Tensor(a, requires_grad=True) for a in (x0, w0, b0))
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x0, w0, b0))
    g = rng.standard_normal((2, 3, 4))
    (nn.layer_norm(x, (3, 4), w, b) * g).sum().backward()
    (torch.nn.functional.layer_norm(xt, (3, 4), wt, bt) * torch.tensor(g)).sum().backward()
    for ours, theirs in ((x, xt), (w, wt), (b, bt)):
        np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-9, atol=1e-12)
    idx = np.array([[0, 2, 2], [1, 0, 2]])
    table = ag.Tensor(w0, requires_grad=True)
    tt = torch.tensor(w0, requires_grad=True)
    (nn.embedding(idx, table) * g[:, :, :4][:, :3]).sum().backward()
    (torch.nn.functional.embedding(torch.tensor(idx), tt) * torch.tensor(g[:, :, :4][:, :3])).sum().backward()
    np.testing.assert_allclose(table.grad.data, tt.grad.numpy(), rtol=1e-12, atol=1e-12)


# ----------------------------------------------------------------------------- end to end
def _bars(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """6x6 images of one horizontal (label 0) or vertical (label 1) bar at a random place, plus noise."""
    y = rng.integers(0, 2, n)
    x = 0.1 * rng.standard_normal((n, 1, 6, 6))
    for i, (label, pos) in enumerate(zip(y, rng.integers(0, 6, n))):
        if label:
            x[i, 0, :, pos] += 1.0
        else:
            x[i, 0, pos, :] += 1.0
    return x, y


def test_a_small_convnet_learns_to_tell_bars_apart():
    rng = np.random.default_rng(0)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, rng=0), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(36, 2, rng=0)
    )
    opt = ag.optim.Adam(model.parameters(), lr=0.05)
    x, y = _bars(64, rng)
    first = None
    for _ in range(25):
        loss = ag.cross_entropy(model(x), y)
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    x_test, y_test = _bars(200, rng)
    with ag.no_grad():
        accuracy = (model(x_test).numpy().argmax(axis=1) == y_test).mean()
    assert loss.item() < 0.2 * first and accuracy > 0.95
