"""The primitive table, shape family: reshaping, joining, splitting, repeating, flipping,
padding, sorting and window views -- operations that move elements without changing them.

Almost everything here is a composite of the core primitives, so its gradient is exact by
construction and needs no rule of its own: squeezes, expansions and ``ravel`` are ``reshape``;
``moveaxis``/``rot90`` are ``transpose`` (and flips); splits, flips, ``diff``, ``take`` and
``sort`` are ``getitem`` (whose rule scatter-adds, so repeated indices accumulate); stacking,
``append`` and ``roll`` are ``concatenate``; ``repeat``/``tile`` are ``broadcast_to`` between
reshapes (backward: one sum); constant ``pad`` is one ``scatter_add`` (backward: a crop) and the
other pad modes index each axis with numpy's own padded ``arange``, so they follow numpy exactly.

Two primitives are new, for speed: ``sliding_window_view`` (a strided view, no copy) and its
transpose ``fold_windows``, which adds every window back into its place.  Composing the window
view from ``getitem`` would need one node per window offset, or an integer-array index whose
backward goes through ``np.add.at`` -- many times slower on the convolutions this powers.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import dispatch
from ..arguments import data_of
from ..engine import Primitive
from ..tensor import Tensor, as_tensor, concatenate, reshape, transpose
from . import core

__all__ = [
    "sliding_window_view", "fold_windows",
    "ravel", "flatten", "squeeze", "expand_dims", "moveaxis", "atleast_1d", "atleast_2d", "atleast_3d",
    "split", "array_split", "hsplit", "vsplit", "dsplit", "hstack", "vstack", "dstack", "column_stack",
    "repeat", "tile", "roll", "flip", "flipud", "fliplr", "rot90", "pad", "diff", "append",
    "take", "take_along_axis", "sort", "argsort",
]  # fmt: skip


# ----------------------------------------------------------------------------- helpers
def _axis(name: str, axis: Any, shape: tuple[int, ...]) -> int:
    """``axis`` as a non-negative int, or a ValueError naming the operation and the shape."""
    try:
        a = operator.index(axis)
    except TypeError:
        raise TypeError(f"{name}: axis must be an integer, got {axis!r}") from None
    if not -len(shape) <= a < len(shape):
        raise ValueError(f"{name}: axis {a} is out of bounds for a tensor of shape {shape}")
    return a % len(shape)


def _axes(name: str, axis: Any, shape: tuple[int, ...]) -> tuple[int, ...]:
    """One axis or a sequence of distinct axes, normalised."""
    items = axis if isinstance(axis, (tuple, list)) else (axis,)
    axes = tuple(_axis(name, a, shape) for a in items)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{name}: repeated axis in {axis!r} for a tensor of shape {shape}")
    return axes


def _tensor_and_axis(name: str, x: Any, axis: Any) -> tuple[Tensor, int]:
    """x as a Tensor and ``axis`` normalised; ``axis=None`` means the flattened x along axis 0."""
    x = as_tensor(x)
    if axis is None:
        return ravel(x), 0
    return x, _axis(name, axis, x.shape)


def _along(axis: int, key: Any) -> tuple:
    """The index that applies ``key`` to ``axis`` and keeps the axes before it whole."""
    return (slice(None),) * axis + (key,)


def _index_array(name: str, indices: Any) -> np.ndarray:
    idx = np.asarray(data_of(indices))
    if idx.dtype == bool or not np.issubdtype(idx.dtype, np.integer):
        if idx.size or idx.dtype == bool:
            raise TypeError(f"{name}: indices must be integers, got dtype {idx.dtype} (shape {idx.shape})")
        idx = idx.astype(np.intp)  # an empty list
    return idx


# ----------------------------------------------------------------------------- window views
def _windows_forward(x: Any, window_shape: tuple[int, ...], axis: tuple[int, ...]) -> Any:
    return np.lib.stride_tricks.sliding_window_view(x, window_shape, axis)  # a read-only view


def _fold_forward(g: Any, shape: tuple[int, ...], window_shape: tuple[int, ...], axis: tuple[int, ...]) -> Any:
    """Each window of ``g`` added back at its place in zeros(shape): one vectorised add per
    offset inside the window (9 for 3x3), each over all window positions at once."""
    out = np.zeros(shape, dtype=np.result_type(g))
    positions = g.shape[: len(shape)]
    for offsets in np.ndindex(*window_shape):
        start = [0] * len(shape)
        for a, k in zip(axis, offsets):
            start[a] += k
        out[tuple(slice(s, s + n) for s, n in zip(start, positions))] += g[(Ellipsis,) + offsets]
    return out


def _windows_grad(g: Any, out: Any, x: Any, window_shape: tuple[int, ...], axis: tuple[int, ...]) -> Any:
    return fold_windows_p.apply(g, shape=x.shape, window_shape=window_shape, axis=axis)


def _fold_grad(g: Any, out: Any, x: Any, shape: Any, window_shape: tuple[int, ...], axis: tuple[int, ...]) -> Any:
    return sliding_window_view_p.apply(g, window_shape=window_shape, axis=axis)


P = Primitive

# windows of x along axes, appended as trailing axes:  d/dx = fold_windows(g), overlapping windows adding up
sliding_window_view_p = P(
    "sliding_window_view",
    _windows_forward,
    (_windows_grad,),
    doc="sliding_window_view(x, w, axis):  d/dx = fold_windows(g)  (each window added back; overlaps sum)",
)
# sliding_window_view's transpose, windows summed back into zeros(shape):  d/dg = sliding_window_view(g')
fold_windows_p = P(
    "fold_windows",
    _fold_forward,
    (_fold_grad,),
    doc="fold_windows(g, shape, w, axis):  d/dg = sliding_window_view(g', w, axis)",
)

del P


@dispatch.implements(np.lib.stride_tricks.sliding_window_view)
def sliding_window_view(
    x: Any, window_shape: int | Sequence[int], axis: int | Sequence[int] | None = None, *,
    subok: bool = False, writeable: bool = False,
) -> Tensor:  # fmt: skip
    """Windows of ``window_shape`` sliding along ``axis`` (numpy's semantics; the window axes are
    appended).  The gradient adds every window back in place, overlapping windows summing."""
    if writeable:
        raise TypeError("sliding_window_view: writeable=True would let writes bypass the graph; tensors are read-only")
    x = as_tensor(x)
    window = tuple(int(w) for w in np.atleast_1d(window_shape))
    if axis is None:
        if len(window) != x.ndim:
            raise ValueError(
                f"sliding_window_view: window_shape {window} needs one entry per axis of shape {x.shape} "
                "when axis is not given"
            )
        axes = tuple(range(x.ndim))
    else:
        axes = tuple(_axis("sliding_window_view", a, x.shape) for a in np.atleast_1d(axis).tolist())
        if len(axes) != len(window):
            raise ValueError(f"sliding_window_view: {len(window)} window sizes {window} for {len(axes)} axes {axes}")
    trimmed = list(x.shape)
    for a, w in zip(axes, window):
        if w < 0:
            raise ValueError(f"sliding_window_view: negative window size {w}")
        trimmed[a] -= w - 1
        if x.shape[a] < w or trimmed[a] < 0:
            raise ValueError(f"sliding_window_view: window {window} is larger than axis {a} of shape {x.shape}")
    return sliding_window_view_p(x, window_shape=window, axis=axes)


def fold_windows(
    g: Any, shape: Sequence[int], window_shape: Sequence[int], axis: Sequence[int] | None = None
) -> Tensor:
    """sliding_window_view's transpose: ``g`` holds windows of an array of ``shape``; add each back in place."""
    g = as_tensor(g)
    shape, window = tuple(int(s) for s in shape), tuple(int(w) for w in window_shape)
    axes = tuple(range(len(shape))) if axis is None else tuple(_axis("fold_windows", a, shape) for a in axis)
    if len(axes) != len(window):
        raise ValueError(f"fold_windows: {len(window)} window sizes {window} for {len(axes)} axes {axes}")
    expected = list(shape)
    for a, w in zip(axes, window):
        expected[a] -= w - 1
    if g.shape != tuple(expected) + window:
        raise ValueError(
            f"fold_windows: windows of shape {window} on axes {axes} of shape {shape} have shape "
            f"{tuple(expected) + window}, got {g.shape}"
        )
    return fold_windows_p(g, shape=shape, window_shape=window, axis=axes)


# ----------------------------------------------------------------------------- reshaping
@dispatch.implements(np.ravel, method=True)
def ravel(x: Any, order: str = "C") -> Tensor:
    """reshape(x, -1) (order 'F': of the transpose)"""
    x = as_tensor(x)
    if order == "F":
        return reshape(transpose(x), (-1,))
    if order != "C":
        raise ValueError(f"ravel: order must be 'C' or 'F' on tensors, got {order!r}")
    return reshape(x, (-1,))


@dispatch.implements(method=True)
def flatten(x: Any, order: str = "C") -> Tensor:
    """A flat copy (ndarray.flatten): reshape(x, -1)"""
    return ravel(x, order)


@dispatch.implements(np.squeeze, method=True)
def squeeze(x: Any, axis: int | Sequence[int] | None = None) -> Tensor:
    """reshape without the length-1 axes (all of them, or those named)"""
    x = as_tensor(x)
    if axis is None:
        drop = {i for i, s in enumerate(x.shape) if s == 1}
    else:
        drop = set(_axes("squeeze", axis, x.shape))
        for a in sorted(drop):
            if x.shape[a] != 1:
                raise ValueError(f"squeeze: axis {a} of shape {x.shape} has length {x.shape[a]}, not 1")
    return reshape(x, tuple(s for i, s in enumerate(x.shape) if i not in drop))


@dispatch.implements(np.expand_dims)
def expand_dims(x: Any, axis: int | Sequence[int]) -> Tensor:
    """reshape with new length-1 axes at ``axis`` (positions in the result)"""
    x = as_tensor(x)
    n = x.ndim + (len(axis) if isinstance(axis, (tuple, list)) else 1)
    try:
        new = _axes("expand_dims", axis, (1,) * n)
    except ValueError:
        raise ValueError(
            f"expand_dims: axis {axis!r} is out of bounds or repeated for a {n}-d result from shape {x.shape}"
        ) from None
    sides = iter(x.shape)
    return reshape(x, tuple(1 if i in new else next(sides) for i in range(n)))


@dispatch.implements(np.moveaxis)
def moveaxis(x: Any, source: int | Sequence[int], destination: int | Sequence[int]) -> Tensor:
    """transpose that moves the ``source`` axes to ``destination``, the others keeping their order"""
    x = as_tensor(x)
    src, dst = _axes("moveaxis", source, x.shape), _axes("moveaxis", destination, x.shape)
    if len(src) != len(dst):
        raise ValueError(f"moveaxis: source {source!r} and destination {destination!r} differ in length")
    order = [a for a in range(x.ndim) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, order)


def _at_least(name: str, shapes: dict[int, Any], arys: tuple) -> Any:
    out = []
    for a in arys:
        t = as_tensor(a)
        out.append(reshape(t, shapes[t.ndim](t.shape)) if t.ndim in shapes else t)
    return out[0] if len(out) == 1 else tuple(out)


@dispatch.implements(np.atleast_1d)
def atleast_1d(*arys: Any) -> Any:
    """0-d becomes (1,); others unchanged (a tuple for several inputs)"""
    return _at_least("atleast_1d", {0: lambda s: (1,)}, arys)


@dispatch.implements(np.atleast_2d)
def atleast_2d(*arys: Any) -> Any:
    """0-d becomes (1, 1), (n,) becomes (1, n)"""
    return _at_least("atleast_2d", {0: lambda s: (1, 1), 1: lambda s: (1, *s)}, arys)


@dispatch.implements(np.atleast_3d)
def atleast_3d(*arys: Any) -> Any:
    """0-d becomes (1, 1, 1), (n,) becomes (1, n, 1), (m, n) becomes (m, n, 1)"""
    return _at_least("atleast_3d", {0: lambda s: (1, 1, 1), 1: lambda s: (1, *s, 1), 2: lambda s: (*s, 1)}, arys)


# ----------------------------------------------------------------------------- splitting
@dispatch.implements(np.array_split)
def array_split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    """Pieces x[..., a:b] along ``axis`` (getitem each); N sections may differ by one in length."""
    x = as_tensor(x)
    ax = _axis("array_split", axis, x.shape)
    n = x.shape[ax]
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError(f"array_split: number of sections must be positive, got {sections}")
        size, extra = divmod(n, sections)
        bounds = np.cumsum([0] + [size + 1] * extra + [size] * (sections - extra)).tolist()
    else:
        bounds = [0, *(int(i) for i in indices_or_sections), n]
    return [core.getitem(x, index=_along(ax, slice(a, b))) for a, b in zip(bounds[:-1], bounds[1:])]


@dispatch.implements(np.split)
def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    """Pieces x[..., a:b] along ``axis``; N sections must have equal lengths."""
    x = as_tensor(x)
    if isinstance(indices_or_sections, (int, np.integer)):
        ax = _axis("split", axis, x.shape)
        if indices_or_sections <= 0 or x.shape[ax] % indices_or_sections:
            raise ValueError(
                f"split: axis {ax} of shape {x.shape} (length {x.shape[ax]}) does not divide into "
                f"{indices_or_sections} equal parts; use array_split for unequal parts"
            )
    return array_split(x, indices_or_sections, axis)


def _split_along(name: str, min_ndim: int, axis: int, x: Any, indices_or_sections: Any) -> list[Tensor]:
    x = as_tensor(x)
    if x.ndim < min_ndim:
        raise ValueError(f"{name}: needs a tensor of at least {min_ndim} dimensions, got shape {x.shape}")
    return split(x, indices_or_sections, axis)


@dispatch.implements(np.hsplit)
def hsplit(x: Any, indices_or_sections: Any) -> list[Tensor]:
    """split along axis 1 (axis 0 for 1-d)"""
    return _split_along("hsplit", 1, 1 if np.ndim(data_of(x)) > 1 else 0, x, indices_or_sections)


@dispatch.implements(np.vsplit)
def vsplit(x: Any, indices_or_sections: Any) -> list[Tensor]:
    """split along axis 0 (at least 2-d)"""
    return _split_along("vsplit", 2, 0, x, indices_or_sections)


@dispatch.implements(np.dsplit)
def dsplit(x: Any, indices_or_sections: Any) -> list[Tensor]:
    """split along axis 2 (at least 3-d)"""
    return _split_along("dsplit", 3, 2, x, indices_or_sections)


# ----------------------------------------------------------------------------- joining
def _tensors(name: str, tup: Any, dtype: Any) -> list[Tensor]:
    if dtype is not None:
        raise TypeError(f"{name}: dtype= is not supported on tensors; use .astype() on the result")
    items = [as_tensor(t) for t in tup]
    if not items:
        raise ValueError(f"{name}: needs at least one tensor to join")
    return items


def _join(name: str, items: list[Tensor], axis: int) -> Tensor:
    """concatenate, with the shapes checked first so that a mismatch names ``name``."""
    first = items[0].shape
    ax = _axis(name, axis, first)
    for t in items[1:]:
        if len(t.shape) != len(first) or any(a != b for i, (a, b) in enumerate(zip(t.shape, first)) if i != ax):
            shapes = ", ".join(str(u.shape) for u in items)
            raise ValueError(f"{name}: shapes {shapes} must agree on every axis but axis {ax}")
    return concatenate(items, axis=ax)


@dispatch.implements(np.hstack)
def hstack(tup: Sequence[Any], *, dtype: Any = None, casting: str = "same_kind") -> Tensor:
    """concatenate along axis 1 (axis 0 for 1-d inputs)"""
    items = [atleast_1d(t) for t in _tensors("hstack", tup, dtype)]
    return _join("hstack", items, 0 if items[0].ndim == 1 else 1)


@dispatch.implements(np.vstack)
def vstack(tup: Sequence[Any], *, dtype: Any = None, casting: str = "same_kind") -> Tensor:
    """concatenate the atleast_2d inputs along axis 0"""
    return _join("vstack", [atleast_2d(t) for t in _tensors("vstack", tup, dtype)], 0)


@dispatch.implements(np.dstack)
def dstack(tup: Sequence[Any]) -> Tensor:
    """concatenate the atleast_3d inputs along axis 2"""
    return _join("dstack", [atleast_3d(t) for t in _tensors("dstack", tup, None)], 2)


@dispatch.implements(np.column_stack)
def column_stack(tup: Sequence[Any]) -> Tensor:
    """1-d inputs become columns (n, 1); then concatenate along axis 1"""
    items = _tensors("column_stack", tup, None)
    return _join("column_stack", [reshape(t, (-1, 1)) if t.ndim < 2 else t for t in items], 1)


@dispatch.implements(np.append)
def append(x: Any, values: Any, axis: int | None = None) -> Tensor:
    """concatenate([x, values], axis) (both flattened when axis is None)"""
    if axis is None:
        return concatenate([ravel(x), ravel(values)], axis=0)
    return _join("append", [as_tensor(x), as_tensor(values)], axis)


# ----------------------------------------------------------------------------- repeating
@dispatch.implements(np.repeat, method=True)
def repeat(x: Any, repeats: Any, axis: int | None = None) -> Tensor:
    """Each element ``repeats`` times along ``axis``: broadcast_to between reshapes (backward: a
    sum over the copies); per-element counts: getitem with numpy's repeated arange."""
    x, ax = _tensor_and_axis("repeat", x, axis)
    counts = np.asarray(data_of(repeats))
    if not np.issubdtype(counts.dtype, np.integer) or np.any(counts < 0):
        raise ValueError(f"repeat: repeats must be non-negative integers, got {repeats!r}")
    if counts.size == 1:
        r = int(counts.reshape(()))
        wide = reshape(x, x.shape[: ax + 1] + (1,) + x.shape[ax + 1 :])
        copies = core.broadcast_to(wide, shape=x.shape[: ax + 1] + (r,) + x.shape[ax + 1 :])
        return reshape(copies, x.shape[:ax] + (x.shape[ax] * r,) + x.shape[ax + 1 :])
    if counts.shape != (x.shape[ax],):
        raise ValueError(f"repeat: {counts.shape} repeats for axis {ax} of shape {x.shape}; need 1 or {x.shape[ax]}")
    return core.getitem(x, index=_along(ax, np.repeat(np.arange(x.shape[ax]), counts)))


@dispatch.implements(np.tile)
def tile(x: Any, reps: int | Sequence[int]) -> Tensor:
    """x repeated ``reps`` times as a block: reshape to (1, s0, 1, s1, ...), broadcast_to
    (r0, s0, r1, s1, ...), reshape to (r0 s0, r1 s1, ...)"""
    x = as_tensor(x)
    reps_t = tuple(int(r) for r in np.atleast_1d(reps))
    if any(r < 0 for r in reps_t):
        raise ValueError(f"tile: reps must be non-negative, got {reps!r}")
    n = max(x.ndim, len(reps_t))
    shape, reps_t = (1,) * (n - x.ndim) + x.shape, (1,) * (n - len(reps_t)) + reps_t
    wide = reshape(x, tuple(v for s in shape for v in (1, s)))
    blocks = core.broadcast_to(wide, shape=tuple(v for r, s in zip(reps_t, shape) for v in (r, s)))
    return reshape(blocks, tuple(r * s for r, s in zip(reps_t, shape)))


@dispatch.implements(np.roll)
def roll(x: Any, shift: int | Sequence[int], axis: int | Sequence[int] | None = None) -> Tensor:
    """x[..., n-s:] joined to x[..., :n-s] along each axis (concatenate of two slices)"""
    x = as_tensor(x)
    if axis is None:
        return reshape(roll(ravel(x), shift, 0), x.shape)
    shifts, axes = np.broadcast_arrays(np.asarray(shift), np.asarray(axis))
    total: dict[int, int] = {}
    for s, a in zip(shifts.ravel().tolist(), axes.ravel().tolist()):
        ax = _axis("roll", a, x.shape)
        total[ax] = total.get(ax, 0) + int(s)
    for ax, s in total.items():
        n = x.shape[ax]
        cut = n - s % n if n else 0
        if 0 < cut < n:
            x = concatenate(
                [
                    core.getitem(x, index=_along(ax, slice(cut, None))),
                    core.getitem(x, index=_along(ax, slice(None, cut))),
                ],
                axis=ax,
            )
    return x


# ----------------------------------------------------------------------------- flipping
@dispatch.implements(np.flip)
def flip(x: Any, axis: int | Sequence[int] | None = None) -> Tensor:
    """x[..., ::-1] on each axis named (all when None): getitem with reversed slices"""
    x = as_tensor(x)
    axes = set(range(x.ndim)) if axis is None else set(_axes("flip", axis, x.shape))
    return core.getitem(x, index=tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(x.ndim)))


@dispatch.implements(np.flipud)
def flipud(x: Any) -> Tensor:
    """flip(x, 0)"""
    return _flip_needing("flipud", 1, x, 0)


@dispatch.implements(np.fliplr)
def fliplr(x: Any) -> Tensor:
    """flip(x, 1)"""
    return _flip_needing("fliplr", 2, x, 1)


def _flip_needing(name: str, min_ndim: int, x: Any, axis: int) -> Tensor:
    x = as_tensor(x)
    if x.ndim < min_ndim:
        raise ValueError(f"{name}: needs a tensor of at least {min_ndim} dimensions, got shape {x.shape}")
    return flip(x, axis)


@dispatch.implements(np.rot90)
def rot90(x: Any, k: int = 1, axes: Sequence[int] = (0, 1)) -> Tensor:
    """Rotate by 90 degrees k times in the plane of ``axes``: flips and a transpose (numpy's recipe)"""
    x = as_tensor(x)
    if len(axes) != 2:
        raise ValueError(f"rot90: axes must name two axes, got {axes!r}")
    a0, a1 = (_axis("rot90", a, x.shape) for a in axes)
    if a0 == a1:
        raise ValueError(f"rot90: axes {tuple(axes)} must be different (shape {x.shape})")
    k = int(k) % 4
    if k == 0:
        return core.getitem(x, index=(Ellipsis,))
    if k == 2:
        return flip(x, (a0, a1))
    perm = list(range(x.ndim))
    perm[a0], perm[a1] = a1, a0
    return transpose(flip(x, a1), perm) if k == 1 else flip(transpose(x, perm), a1)


# ----------------------------------------------------------------------------- padding
_INDEX_MODES = ("edge", "reflect", "symmetric", "wrap")


@dispatch.implements(np.pad)
def pad(x: Any, pad_width: Any, mode: str = "constant", **kwargs: Any) -> Tensor:
    """numpy.pad.  'constant': x scattered into zeros of the padded shape (backward: the crop),
    plus the constant border;  'edge', 'reflect', 'symmetric', 'wrap': along each padded axis,
    getitem with ``np.pad(arange(n), ..., mode)`` (backward: copies of an element add up)."""
    x = as_tensor(x)
    try:
        widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.ndim, 2))
    except (ValueError, TypeError):
        raise ValueError(f"pad: pad_width {pad_width!r} does not fit a tensor of shape {x.shape}") from None
    if np.any(widths < 0):
        raise ValueError(f"pad: pad_width must be non-negative, got {pad_width!r}")
    if mode == "constant":
        values = kwargs.pop("constant_values", 0)
        if isinstance(values, Tensor) and values.requires_grad:
            raise TypeError("pad: constant_values that require grad are not supported; concatenate instead")
        if kwargs:
            raise TypeError(f"pad: mode 'constant' takes constant_values only, got {sorted(kwargs)}")
        padded = tuple(int(n + b + a) for n, (b, a) in zip(x.shape, widths))
        inner = tuple(slice(int(b), int(b) + n) for n, (b, _) in zip(x.shape, widths))
        out = core.scatter_add(x, shape=padded, index=inner)
        border = np.pad(np.zeros(x.shape, x.dtype), widths, constant_values=data_of(values))
        return out + border if np.any(border) else out
    if mode not in _INDEX_MODES:
        raise ValueError(f"pad: mode {mode!r} is not supported on tensors; use 'constant' or one of {_INDEX_MODES}")
    if kwargs.pop("reflect_type", "even") != "even" or kwargs:  # 'odd' is arithmetic, not an index map
        raise TypeError(f"pad: mode {mode!r} takes no options on tensors (reflect_type='even' only)")
    for ax, (b, a) in enumerate(widths.tolist()):
        if b or a:
            if x.shape[ax] == 0:
                raise ValueError(f"pad: cannot pad the empty axis {ax} of shape {x.shape} in mode {mode!r}")
            index = np.pad(np.arange(x.shape[ax]), (b, a), mode=mode)  # type: ignore[call-overload]  # mode is checked above
            x = core.getitem(x, index=_along(ax, index))
    return x


# ----------------------------------------------------------------------------- differences
@dispatch.implements(np.diff)
def diff(x: Any, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None) -> Tensor:
    """x[..., 1:] - x[..., :-1] along ``axis``, ``n`` times (after joining prepend/append)"""
    x = as_tensor(x)
    if x.ndim == 0:
        raise ValueError("diff: needs a tensor of at least 1 dimension, got shape ()")
    ax = _axis("diff", axis, x.shape)
    if int(n) < 0:
        raise ValueError(f"diff: order n must be non-negative, got {n}")
    edge_shape = x.shape[:ax] + (1,) + x.shape[ax + 1 :]
    parts = [x]
    for value, where in ((prepend, 0), (append, 1)):
        if isinstance(value, (int, float)):  # a Python number is weak: it takes x's dtype
            value = np.full(edge_shape, value, x.dtype)
        if value is not None:
            v = as_tensor(value)
            parts.insert(where * len(parts), core.broadcast_to(v, shape=edge_shape) if v.ndim == 0 else v)
    x = concatenate(parts, axis=ax) if len(parts) > 1 else x
    for _ in range(int(n)):
        x = core.getitem(x, index=_along(ax, slice(1, None))) - core.getitem(x, index=_along(ax, slice(None, -1)))
    return x


# ----------------------------------------------------------------------------- indexing and sorting
@dispatch.implements(np.take, method=True)
def take(x: Any, indices: Any, axis: int | None = None, out: Any = None, mode: str = "raise") -> Tensor:
    """x[..., indices] along ``axis`` (flattened when None); repeated indices accumulate gradient"""
    if out is not None:
        raise TypeError("take: out= is not supported on tensors")
    x, ax = _tensor_and_axis("take", x, axis)
    idx, n = _index_array("take", indices), x.shape[ax]
    if mode == "wrap":
        idx = idx % n if n else idx
    elif mode == "clip":
        idx = np.clip(idx, 0, max(n - 1, 0))
    elif mode != "raise":
        raise ValueError(f"take: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    bad = idx[(idx < -n) | (idx >= n)]
    if bad.size:
        raise IndexError(f"take: index {int(bad.flat[0])} is out of bounds for axis {ax} of shape {x.shape}")
    return core.getitem(x, index=_along(ax, idx))


@dispatch.implements(np.take_along_axis)
def take_along_axis(x: Any, indices: Any, axis: int | None = -1) -> Tensor:
    """x[i, j, indices[i, j, k]]-style selection: getitem with ``indices`` on ``axis`` and
    broadcast aranges on the other axes"""
    x, ax = _tensor_and_axis("take_along_axis", x, axis)
    idx = _index_array("take_along_axis", indices)
    if idx.ndim != x.ndim:
        raise ValueError(f"take_along_axis: indices of shape {idx.shape} need as many dimensions as {x.shape}")
    index = tuple(
        idx if i == ax else np.arange(s).reshape((-1,) + (1,) * (x.ndim - 1 - i)) for i, s in enumerate(x.shape)
    )
    try:
        np.broadcast_shapes(*(np.shape(i) for i in index))
    except ValueError:
        raise ValueError(f"take_along_axis: indices of shape {idx.shape} do not broadcast with {x.shape}") from None
    return core.getitem(x, index=index)


@dispatch.implements(np.sort)
def sort(
    x: Any, axis: int | None = -1, kind: str | None = None, order: Any = None, *, stable: bool | None = None
) -> Tensor:
    """The values in order along ``axis``: take_along_axis(x, argsort(x)); the gradient goes back
    to where each value came from (ties: argsort's choice)"""
    if order is not None:
        raise TypeError("sort: order= (structured arrays) is not supported on tensors")
    x, ax = _tensor_and_axis("sort", x, axis)
    return take_along_axis(x, argsort(x.data, axis=ax, kind=kind, stable=stable), ax)


@dispatch.implements(method=True)  # np.argsort itself is a query (dispatch.QUERIES)
def argsort(
    x: Any, axis: int | None = -1, kind: str | None = None, order: Any = None, *, stable: bool | None = None
) -> np.ndarray:
    """A query: the indices that sort x (an integer array; nothing is recorded)"""
    options = {} if stable is None else {"stable": stable}  # numpy >= 2.0 only
    return np.argsort(data_of(x), axis=axis, kind=kind, order=order, **options)  # type: ignore[arg-type]  # numpy checks kind


def _sort_in_place(self: Tensor, *args: Any, **kwargs: Any) -> None:
    raise TypeError(
        "Tensor.sort: ndarray.sort sorts in place, which would break recorded gradients; "
        "use np.sort(t) or ag.sort(t), which return a sorted tensor"
    )


dispatch.implements(method="sort")(_sort_in_place)


# ---- more of numpy's names
# insert, delete, resize, compress and block move elements in ways numpy's own function defines
# best, so they run numpy's function on each element's *source index* (a tag) and gather the
# elements with one ``getitem``: numpy's semantics exactly, and a gradient that scatter-adds back
# (an element repeated by resize accumulates).
__all__ += [
    "rollaxis", "unstack", "broadcast_arrays", "block", "select", "compress", "delete", "insert",
    "resize", "partition",
]  # fmt: skip


def _gathered(name: str, rearrange: Any, *arrays: Any) -> Tensor:
    """``rearrange`` (numpy's, on arrays) applied to Tensors: it runs on the inputs' element
    indices, then one getitem takes the elements from the inputs flattened and joined."""
    ts = [as_tensor(a) for a in arrays]
    starts = np.cumsum([0] + [t.size for t in ts])
    tags = [np.arange(s, s + t.size, dtype=np.intp).reshape(t.shape) for s, t in zip(starts, ts)]
    try:
        source = np.asarray(rearrange(*tags))
    except (ValueError, IndexError, TypeError) as e:
        shapes = ", ".join(str(t.shape) for t in ts)
        raise type(e)(f"{name}: {e} (tensors of shape {shapes})") from None
    flat = [reshape(t, (-1,)) for t in ts]
    return core.getitem(concatenate(flat, axis=0) if len(flat) > 1 else flat[0], index=source)


@dispatch.implements(np.rollaxis)
def rollaxis(a: Any, axis: int, start: int = 0) -> Tensor:
    """``axis`` moved to position ``start`` (numpy's older moveaxis)  (composite: transpose)."""
    x = as_tensor(a)
    n = x.ndim
    ax = _axis("rollaxis", axis, x.shape)
    if not -n <= start <= n:
        raise ValueError(f"rollaxis: start {start} is out of bounds for a tensor of shape {x.shape}")
    start = start + n if start < 0 else start
    if ax < start:
        start -= 1
    axes = [i for i in range(n) if i != ax]
    axes.insert(start, ax)
    return x if axes == list(range(n)) else transpose(x, axes)


@dispatch.implements(np.unstack)
def unstack(x: Any, /, *, axis: int = 0) -> tuple[Tensor, ...]:
    """The slices of x along ``axis``, a tuple (the inverse of stack)  (composite: getitem)."""
    x = as_tensor(x)
    ax = _axis("unstack", axis, x.shape)
    return tuple(core.getitem(x, index=_along(ax, i)) for i in range(x.shape[ax]))


@dispatch.implements(np.broadcast_arrays)
def broadcast_arrays(*args: Any, subok: bool = False) -> tuple[Tensor, ...]:
    """Every input broadcast to their common shape, a tuple  (composite: broadcast_to)."""
    ts = [as_tensor(a) for a in args]
    try:
        shape = np.broadcast_shapes(*(t.shape for t in ts))
    except ValueError:
        raise ValueError(f"broadcast_arrays: shapes {', '.join(str(t.shape) for t in ts)} do not broadcast") from None
    return tuple(t if t.shape == shape else core.broadcast_to(t, shape=shape) for t in ts)


def _block_leaves(arrays: Any) -> list[Any]:
    """The arrays inside block's nested lists, in order (nesting is a list depth: shallow)."""
    if isinstance(arrays, list):
        return [leaf for item in arrays for leaf in _block_leaves(item)]
    return [arrays]


def _block_tags(arrays: Any, tags: Any) -> Any:
    """block's nested lists with each leaf replaced by its tag array, in order."""
    if isinstance(arrays, list):
        return [_block_tags(item, tags) for item in arrays]
    return next(tags)


@dispatch.implements(np.block)
def block(arrays: Any) -> Tensor:
    """Nested lists of tensors joined into one, the innermost lists along the last axis
    (numpy's block)  (composite: one getitem of the joined elements)."""
    leaves = _block_leaves(arrays)
    return _gathered("block", lambda *tags: np.block(_block_tags(arrays, iter(tags))), *leaves)


@dispatch.implements(np.select)
def select(condlist: Sequence[Any], choicelist: Sequence[Any], default: Any = 0) -> Tensor:
    """choicelist[i] where condlist[i] is the first true condition, else ``default``
    (composite: a chain of where)."""
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: {len(condlist)} conditions for {len(choicelist)} choices")
    if not condlist:
        raise ValueError("select: needs at least one condition and choice")
    conds = [np.asarray(data_of(c)) for c in condlist]
    for i, c in enumerate(conds):
        if c.dtype != bool:
            raise TypeError(f"select: condition {i} must be boolean, got dtype {c.dtype}")
    out = default  # a Python number stays weak, as in numpy's result type
    for c, choice in zip(conds[::-1], choicelist[::-1]):
        out = core.where(c, choice, out)
    return out


@dispatch.implements(np.compress)
def compress(condition: Any, a: Any, axis: int | None = None, out: Any = None) -> Tensor:
    """The slices of a along ``axis`` where ``condition`` is true (flattened when None)
    (composite: take)."""
    if out is not None:
        raise TypeError("compress: out= is not supported on tensors")
    cond = np.asarray(data_of(condition))
    if cond.ndim != 1:
        raise ValueError(f"compress: condition must be 1-D, got shape {cond.shape}")
    return _gathered("compress", lambda t: np.compress(cond, t, axis=axis), a)


def _compress_method(self: Tensor, condition: Any, axis: int | None = None, out: Any = None) -> Tensor:
    return compress(condition, self, axis, out)


dispatch.implements(method="compress")(_compress_method)


@dispatch.implements(np.delete)
def delete(arr: Any, obj: Any, axis: int | None = None) -> Tensor:
    """arr without the slices ``obj`` along ``axis`` (flattened when None)  (composite: getitem)."""
    obj = obj if isinstance(obj, slice) else data_of(obj)
    return _gathered("delete", lambda t: np.delete(t, obj, axis=axis), arr)


@dispatch.implements(np.insert)
def insert(arr: Any, obj: Any, values: Any, axis: int | None = None) -> Tensor:
    """arr with ``values`` inserted before the indices ``obj`` along ``axis`` (flattened when None),
    values cast to arr's dtype  (composite: one getitem of arr's and values' elements; both get
    gradients)."""
    arr = as_tensor(arr)
    values = as_tensor(values)
    values = values if values.dtype == arr.dtype else values.astype(arr.dtype)
    obj = obj if isinstance(obj, slice) else data_of(obj)
    return _gathered("insert", lambda a, v: np.insert(a, obj, v, axis=axis), arr, values)


@dispatch.implements(np.resize)
def resize(a: Any, new_shape: Any) -> Tensor:
    """The flattened a repeated (or cut) to fill ``new_shape`` (numpy's resize)  (composite:
    getitem; a repeated element accumulates gradient)."""
    return _gathered("resize", lambda t: np.resize(t, new_shape), a)


@dispatch.implements(np.partition)
def partition(a: Any, kth: Any, axis: int | None = -1, kind: str = "introselect", order: Any = None) -> Tensor:
    """The values rearranged so that the kth is where sort would put it, smaller before and
    larger after: take_along_axis(x, argpartition(x))  (composite; each value's gradient goes
    back to where it came from, ties: argpartition's choice)."""
    if order is not None:
        raise TypeError("partition: order= (structured arrays) is not supported on tensors")
    x, ax = _tensor_and_axis("partition", a, axis)
    return take_along_axis(x, np.argpartition(x.data, data_of(kth), axis=ax, kind=kind), ax)  # type: ignore[arg-type]


# grids, extract and choose
__all__ += ["meshgrid", "extract", "choose"]


@dispatch.implements(np.meshgrid)
def meshgrid(*xi: Any, copy: bool = True, sparse: bool = False, indexing: str = "xy") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D coordinate vectors (indexing 'xy': the first two axes swapped, as
    numpy), a tuple  (composite: reshape, broadcast_to)."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    ts = [as_tensor(x) for x in xi]
    n = len(ts)
    grids = [reshape(t, tuple(-1 if j == i else 1 for j in range(n))) for i, t in enumerate(ts)]
    if indexing == "xy" and n > 1:
        grids = [transpose(g, (1, 0, *range(2, n))) for g in grids]
    return tuple(grids) if sparse else broadcast_arrays(*grids)


@dispatch.implements(np.extract)
def extract(condition: Any, arr: Any) -> Tensor:
    """The elements of the flattened arr where the flattened condition is true  (composite: getitem)."""
    cond = np.asarray(data_of(condition))
    return _gathered("extract", lambda t: np.extract(cond, t), arr)


@dispatch.implements(np.choose)
def choose(a: Any, choices: Sequence[Any], out: Any = None, mode: str = "raise") -> Tensor:
    """choices[a[i]][i] element by element, all broadcast together  (composite: one getitem of the
    choices' elements)."""
    if out is not None:
        raise TypeError("choose: out= is not supported on tensors")
    index = _index_array("choose", a)
    return _gathered("choose", lambda *tags: np.choose(index, tags, mode=mode), *choices)  # type: ignore[call-overload]


# numpy's finite-difference gradient: linear in f, so a sum of shifted slices
__all__ += ["gradient"]


def _spacing(f: Tensor, axes: tuple[int, ...], varargs: tuple) -> list[Any]:
    """numpy's spacings per axis: a number (uniform) or the 1-D differences of coordinates."""
    for v in varargs:
        if isinstance(v, Tensor) and v.requires_grad:
            raise TypeError("gradient: the spacing must be constant (it is not differentiated)")
    varargs = tuple(data_of(v) for v in varargs)
    if not varargs:
        return [1.0] * len(axes)
    if len(varargs) == 1 and np.ndim(varargs[0]) == 0:
        return list(varargs) * len(axes)
    if len(varargs) != len(axes):
        raise TypeError(f"gradient: {len(varargs)} spacings for {len(axes)} axes")
    out: list[Any] = []
    for ax, d in zip(axes, varargs):
        d = np.asarray(d)
        if d.ndim == 0:
            out.append(varargs[len(out)])
            continue
        if d.ndim != 1 or len(d) != f.shape[ax]:
            raise ValueError(f"gradient: coordinates of shape {d.shape} for axis {ax} of length {f.shape[ax]}")
        step = np.diff(d.astype(np.float64) if np.issubdtype(d.dtype, np.integer) else d)
        out.append(step[0] if (step == step[0]).all() else step)
    return out


def _divisor(h: Any, dtype: Any) -> Any:
    """A spacing to divide by, in the dtype numpy divides in (a float32 spacing of float64 data is
    widened first, as numpy's mixed division does)."""
    return h if isinstance(h, (int, float)) else np.asarray(h, dtype=np.result_type(dtype, h))


def _three_point(f: Tensor, ax: int, at: tuple[slice, slice, slice], coef: tuple[Any, Any, Any]) -> Tensor:
    """a f[at0] + b f[at1] + c f[at2] along ``ax``, summed in numpy's order."""
    a, b, c = (core.getitem(f, index=_along(ax, s)) for s in at)
    return coef[0] * a + coef[1] * b + coef[2] * c


@dispatch.implements(np.gradient)
def gradient(f: Any, *varargs: Any, axis: Any = None, edge_order: int = 1) -> Any:
    """numpy's finite-difference gradient along each axis: (f[i+1] - f[i-1]) / 2h inside (the
    3-point formula for uneven coordinates), one-sided differences of order ``edge_order`` at the
    ends  (composite: linear in f; the spacing is a constant).  One Tensor, or a tuple for several axes."""
    f = as_tensor(f)
    otype = f.dtype if np.issubdtype(f.dtype, np.inexact) else np.dtype(np.float64)
    f = f if f.dtype == otype else f.astype(otype)
    axes = tuple(range(f.ndim)) if axis is None else _axes("gradient", axis, f.shape)
    if edge_order not in (1, 2):
        raise ValueError(f"gradient: edge_order must be 1 or 2, got {edge_order!r}")
    outs = []
    for ax, h in zip(axes, _spacing(f, axes, varargs)):
        if f.shape[ax] < edge_order + 1:
            raise ValueError(f"gradient: axis {ax} of shape {f.shape} is too short for edge_order={edge_order}")
        uniform = np.ndim(h) == 0
        inner = (slice(None, -2), slice(1, -1), slice(2, None))
        part = lambda s, ax=ax: core.getitem(f, index=_along(ax, s))
        if uniform:
            middle = (part(inner[2]) - part(inner[0])) / _divisor(2.0 * h, otype)
        else:
            d1, d2 = h[:-1], h[1:]
            shape = tuple(-1 if i == ax else 1 for i in range(f.ndim))
            coef = (-d2 / (d1 * (d1 + d2)), (d2 - d1) / (d1 * d2), d1 / (d2 * (d1 + d2)))
            middle = _three_point(
                f, ax, inner, (coef[0].reshape(shape), coef[1].reshape(shape), coef[2].reshape(shape))
            )
        first, last = (slice(0, 1), slice(1, 2), slice(2, 3)), (slice(-3, -2), slice(-2, -1), slice(-1, None))
        if edge_order == 1:
            h0, hn = (h, h) if uniform else (h[0], h[-1])
            start = (part(first[1]) - part(first[0])) / _divisor(h0, otype)
            end = (part(last[2]) - part(last[1])) / _divisor(hn, otype)
        else:
            if uniform:
                c0, cn = (-1.5 / h, 2.0 / h, -0.5 / h), (0.5 / h, -2.0 / h, 1.5 / h)
            else:
                a1, a2, b1, b2 = h[0], h[1], h[-2], h[-1]
                c0 = (-(2.0 * a1 + a2) / (a1 * (a1 + a2)), (a1 + a2) / (a1 * a2), -a1 / (a2 * (a1 + a2)))
                cn = (b2 / (b1 * (b1 + b2)), -(b2 + b1) / (b1 * b2), (2.0 * b2 + b1) / (b2 * (b1 + b2)))
            start, end = _three_point(f, ax, first, c0), _three_point(f, ax, last, cn)
        out = concatenate([start, middle, end], axis=ax)
        outs.append(out if out.dtype == otype else out.astype(otype))
    return outs[0] if len(outs) == 1 else tuple(outs)
