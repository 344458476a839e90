"""Convolution and pooling on NCHW batches, as expressions of the primitives (no opaque kernels).

Every layer here looks at windows of its input the same way (``_windows``):

    pad (constant)  ->  sliding_window_view over H, W  ->  every stride-th window, every
    dilation-th tap  =  a view of shape (N, C, H_out, W_out, kh, kw)

* ``conv2d``: im2col as ``transpose + reshape`` of the windows to (N H_out W_out, C kh kw), one
  ``matmul`` with the weight reshaped to (C kh kw, out), back to NCHW, plus the bias.  Backward is
  the same expression run backwards: matmul's rules, then ``fold_windows`` adds every window's
  gradient back into place (col2im), then the crop that undoes the padding.
* ``max_pool2d``: ``max`` over each window (padding with -inf; ties share the gradient evenly,
  the library's max convention -- PyTorch picks one);  ``avg_pool2d``: ``mean`` over each window,
  zero padding counted in the divisor (PyTorch's default ``count_include_pad=True``).

Shapes follow PyTorch: input (N, C, H, W) or unbatched (C, H, W); conv weight (out, in, kh, kw);
H_out = (H + 2 padding - dilation (k - 1) - 1) // stride + 1.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import ops
from ..arguments import data_of, generator
from ..ops import shape as _shape
from ..tensor import Tensor, as_tensor, mean, reshape, transpose
from .module import Module, Parameter

__all__ = ["conv2d", "max_pool2d", "avg_pool2d", "Conv2d", "MaxPool2d", "AvgPool2d"]

IntPair = int | tuple[int, int]


def _pair(name: str, what: str, value: Any, least: int) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or any(not isinstance(v, (int, np.integer)) or v < least for v in pair):
        raise ValueError(f"{name}: {what} must be an integer >= {least} or a pair of them, got {value!r}")
    return int(pair[0]), int(pair[1])


def _batched(name: str, x: Any) -> tuple[Tensor, bool]:
    """x as (N, C, H, W), and whether it came unbatched (C, H, W)."""
    x = as_tensor(x)
    if x.ndim == 3:
        return reshape(x, (1, *x.shape)), True
    if x.ndim != 4:
        raise ValueError(f"{name}: expected input of shape (N, C, H, W) or (C, H, W), got {x.shape}")
    return x, False


def _windows(
    name: str, x: Tensor, kernel: tuple[int, int], stride: tuple[int, int], padding: tuple[int, int],
    dilation: tuple[int, int], pad_value: float = 0.0,
) -> Tensor:  # fmt: skip
    """The (N, C, H_out, W_out, kh, kw) windows of an NCHW tensor (a view: no copy until used)."""
    (ph, pw), (dh, dw) = padding, dilation
    span = (dh * (kernel[0] - 1) + 1, dw * (kernel[1] - 1) + 1)
    h, w = x.shape[2] + 2 * ph, x.shape[3] + 2 * pw
    if h < span[0] or w < span[1]:
        raise ValueError(
            f"{name}: input of shape {x.shape} padded to {h}x{w} is smaller than the "
            f"{span[0]}x{span[1]} (dilated) kernel"
        )
    if ph or pw:
        x = _shape.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=pad_value)
    win = _shape.sliding_window_view(x, span, axis=(2, 3))
    if stride != (1, 1) or dilation != (1, 1):
        win = win[:, :, :: stride[0], :: stride[1], ::dh, ::dw]
    return win


# ----------------------------------------------------------------------------- functions
def conv2d(
    x: Any, weight: Any, bias: Any = None, stride: IntPair = 1, padding: IntPair | str = 0, dilation: IntPair = 1
) -> Tensor:
    """2-D cross-correlation (PyTorch's conv2d, groups=1):
    out[n, o, i, j] = bias[o] + sum_{c, p, q} weight[o, c, p, q] x_pad[n, c, i s + p d, j s + q d].

    ``padding``: an int, a pair, 'valid' (0) or 'same' (output as large as the input; stride 1).
    """
    x, unbatched = _batched("conv2d", x)
    weight = as_tensor(weight)
    if weight.ndim != 4 or weight.shape[1] != x.shape[1]:
        raise ValueError(
            f"conv2d: weight of shape {weight.shape} must be (out_channels, {x.shape[1]}, kh, kw) "
            f"for input of shape {x.shape}"
        )
    out_ch, in_ch, kh, kw = weight.shape
    stride, dilation = _pair("conv2d", "stride", stride, 1), _pair("conv2d", "dilation", dilation, 1)
    pads = _padding("conv2d", padding, (kh, kw), stride, dilation)
    win = _windows("conv2d", x, (kh, kw), stride, pads, dilation)
    n, _, ho, wo = win.shape[:4]
    cols = reshape(transpose(win, (0, 2, 3, 1, 4, 5)), (n * ho * wo, in_ch * kh * kw))  # im2col
    out = ops.matmul(cols, transpose(reshape(weight, (out_ch, in_ch * kh * kw))))
    out = transpose(reshape(out, (n, ho, wo, out_ch)), (0, 3, 1, 2))
    if bias is not None:
        bias = as_tensor(bias)
        if bias.shape != (out_ch,):
            raise ValueError(f"conv2d: bias of shape {bias.shape} must be ({out_ch},), one per output channel")
        out = out + reshape(bias, (out_ch, 1, 1))
    return reshape(out, out.shape[1:]) if unbatched else out


def _padding(
    name: str, padding: Any, kernel: tuple[int, int], stride: tuple[int, int], dilation: tuple[int, int]
) -> tuple[int, int]:
    if padding == "valid":
        return 0, 0
    if padding == "same":
        spans = [d * (k - 1) for k, d in zip(kernel, dilation)]
        if stride != (1, 1) or any(s % 2 for s in spans):
            raise ValueError(
                f"{name}: padding='same' needs stride 1 and an odd (dilated) kernel here, got kernel {kernel}, "
                f"stride {stride}, dilation {dilation}"
            )
        return spans[0] // 2, spans[1] // 2
    return _pair(name, "padding", padding, 0)


def _pool_args(
    name: str, kernel_size: IntPair, stride: IntPair | None, padding: IntPair, dilation: IntPair
) -> tuple[tuple[int, int], ...]:
    """(kernel, stride, padding, dilation) as pairs, checked; stride defaults to the kernel."""
    kernel = _pair(name, "kernel_size", kernel_size, 1)
    stride_p = kernel if stride is None else _pair(name, "stride", stride, 1)
    pads = _pair(name, "padding", padding, 0)
    if pads[0] > kernel[0] // 2 or pads[1] > kernel[1] // 2:
        raise ValueError(f"{name}: padding {pads} must be at most half the kernel size {kernel}")
    return kernel, stride_p, pads, _pair(name, "dilation", dilation, 1)


def _pool(
    name: str, x: Any, kernel_size: IntPair, stride: IntPair | None, padding: IntPair, dilation: IntPair,
    pad_value: float,
) -> tuple[Tensor, bool]:  # fmt: skip
    x, unbatched = _batched(name, x)
    kernel, stride_p, pads, dil = _pool_args(name, kernel_size, stride, padding, dilation)
    return _windows(name, x, kernel, stride_p, pads, dil, pad_value), unbatched


def _unbatch(out: Tensor, unbatched: bool) -> Tensor:
    return reshape(out, out.shape[1:]) if unbatched else out


def max_pool2d(
    x: Any, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0, dilation: IntPair = 1
) -> Tensor:
    """The max of each window (stride defaults to the kernel size; padding is -inf)."""
    win, unbatched = _pool("max_pool2d", x, kernel_size, stride, padding, dilation, -math.inf)
    return _unbatch(ops.max(win, axis=(4, 5)), unbatched)


def avg_pool2d(x: Any, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0) -> Tensor:
    """The mean of each window (stride defaults to the kernel size; zero padding counts)."""
    win, unbatched = _pool("avg_pool2d", x, kernel_size, stride, padding, 1, 0.0)
    return _unbatch(mean(win, axis=(4, 5)), unbatched)


# ----------------------------------------------------------------------------- modules
class Conv2d(Module):
    """2-D convolution over NCHW batches: weight (out_channels, in_channels, kh, kw), bias
    (out_channels,).  Initialised as PyTorch's default: both uniform on [-b, b] with
    b = 1 / sqrt(in_channels kh kw) (kaiming_uniform with a = sqrt(5)).  ``rng``: a numpy
    Generator or a seed."""

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: IntPair, stride: IntPair = 1,
        padding: IntPair | str = 0, dilation: IntPair = 1, bias: bool = True, rng: Any = None,
        dtype: Any = np.float64,
    ) -> None:  # fmt: skip
        if int(in_channels) < 1 or int(out_channels) < 1:
            raise ValueError(f"Conv2d: channel counts must be positive, got {in_channels} and {out_channels}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = _pair("Conv2d", "kernel_size", kernel_size, 1)
        self.stride = _pair("Conv2d", "stride", stride, 1)
        self.dilation = _pair("Conv2d", "dilation", dilation, 1)
        self.padding = padding if isinstance(padding, str) else _pair("Conv2d", "padding", padding, 0)
        _padding("Conv2d", self.padding, self.kernel_size, self.stride, self.dilation)  # check 'same' now
        rng = generator(rng)
        bound = 1.0 / math.sqrt(self.in_channels * self.kernel_size[0] * self.kernel_size[1])
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        self.weight = Parameter(rng.uniform(-bound, bound, shape).astype(dtype))
        self.bias = Parameter(rng.uniform(-bound, bound, self.out_channels).astype(dtype)) if bias else None

    def forward(self, x: Any) -> Tensor:
        shape = np.shape(data_of(x))
        if len(shape) not in (3, 4) or shape[-3] != self.in_channels:
            raise ValueError(
                f"Conv2d({self.in_channels}, {self.out_channels}): input of shape {shape} must be "
                f"(N, {self.in_channels}, H, W) or ({self.in_channels}, H, W)"
            )
        return conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"padding={self.padding}, dilation={self.dilation}, bias={self.bias is not None}"
        )


class MaxPool2d(Module):
    """The max over each kernel_size window; stride defaults to kernel_size, padding is -inf."""

    def __init__(
        self, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0, dilation: IntPair = 1
    ) -> None:
        self.kernel_size, self.stride, self.padding, self.dilation = kernel_size, stride, padding, dilation
        _pool_args("MaxPool2d", kernel_size, stride, padding, dilation)  # bad arguments fail here, not at the call

    def forward(self, x: Any) -> Tensor:
        return max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(Module):
    """The mean over each kernel_size window; stride defaults to kernel_size; zero padding counts."""

    def __init__(self, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0) -> None:
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        _pool_args("AvgPool2d", kernel_size, stride, padding, 1)

    def forward(self, x: Any) -> Tensor:
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
