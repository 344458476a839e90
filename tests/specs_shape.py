"""Specs for the shape family of the primitive table (``autograd_lite/ops/shape.py``).

Functions that return lists (the splits) are wrapped so the spec returns one tensor: the
pieces joined again in reverse order, which still checks every piece's gradient.
"""

from __future__ import annotations

import itertools

import numpy as np

import autograd_lite as ag
from autograd_lite import ops

from . import strategies as S
from .opspec import Spec

swv = np.lib.stride_tricks.sliding_window_view

COMPOSITES = (
    "ravel", "flatten", "squeeze", "expand_dims", "moveaxis", "atleast_1d", "atleast_2d", "atleast_3d",
    "split", "array_split", "hsplit", "vsplit", "dsplit", "hstack", "vstack", "dstack", "column_stack",
    "repeat", "tile", "roll", "flip", "flipud", "fliplr", "rot90", "pad", "diff", "append",
    "take", "take_along_axis", "sort",
)  # fmt: skip


def _fold_ref(g: np.ndarray, shape: tuple, window: tuple, axis: tuple) -> np.ndarray:
    """Element by element: window position p, offset k lands at p + k on the windowed axes."""
    out = np.zeros(shape)
    n = len(shape)
    for idx in itertools.product(*(range(s) for s in g.shape)):
        pos = list(idx[:n])
        for a, k in zip(axis, idx[n:]):
            pos[a] += k
        out[tuple(pos)] += g[idx]
    return out


def _rev_join(pieces, axis, join=ag.concatenate):
    return join(list(pieces)[::-1], axis=axis)


IDX = np.array([[2, 0], [0, 0], [1, 2]])  # take: repeated indices accumulate
ALONG = np.array([[0, 2, 2, 1], [1, 1, 0, 0]])  # take_along_axis over axis 0 of (3, 4)
COUNTS = np.array([2, 0, 3])

SPECS: list[Spec] = [
    # ------------------------------------------------------------------ primitives
    Spec(
        "sliding_window_view",
        lambda x: ag.sliding_window_view(x, (2, 3), axis=(0, 1)),
        lambda x: swv(x, (2, 3), axis=(0, 1)),
        ((4, 5),),
        label="2d",
    ),
    Spec(
        "sliding_window_view",
        lambda x: np.lib.stride_tricks.sliding_window_view(x, 3, axis=-1),
        lambda x: swv(x, 3, axis=-1),
        ((2, 6),),
        label="last-axis",
    ),
    Spec(
        "sliding_window_view",
        lambda x: ag.sliding_window_view(x, (2, 2), axis=(1, 1)),
        lambda x: swv(x, (2, 2), axis=(1, 1)),
        ((2, 5),),
        label="repeated-axis",
    ),
    Spec(
        "fold_windows",
        lambda g: ops.fold_windows(g, shape=(4, 5), window_shape=(2, 3), axis=(0, 1)),
        lambda g: _fold_ref(g, (4, 5), (2, 3), (0, 1)),
        ((3, 3, 2, 3),),
    ),
    # ------------------------------------------------------------------ reshaping
    Spec("ravel", np.ravel, np.ravel, ((2, 3, 2),)),
    Spec("ravel", lambda x: x.ravel(order="F"), lambda x: x.ravel(order="F"), ((2, 3),), label="F"),
    Spec("flatten", lambda x: x.flatten(), lambda x: x.flatten(), ((3, 2),)),
    Spec("squeeze", np.squeeze, np.squeeze, ((1, 3, 1, 2),), label="all"),
    Spec("squeeze", lambda x: x.squeeze(axis=2), lambda x: x.squeeze(axis=2), ((1, 3, 1, 2),), label="axis"),
    Spec("expand_dims", lambda x: np.expand_dims(x, (0, -1)), lambda x: np.expand_dims(x, (0, -1)), ((2, 3),)),
    Spec("moveaxis", lambda x: np.moveaxis(x, 0, -1), lambda x: np.moveaxis(x, 0, -1), ((2, 3, 4),), label="one"),
    Spec(
        "moveaxis",
        lambda x: ag.moveaxis(x, (0, 1), (2, 0)),
        lambda x: np.moveaxis(x, (0, 1), (2, 0)),
        ((2, 3, 4),),
        label="two",
    ),
    Spec("atleast_1d", np.atleast_1d, np.atleast_1d, ((),)),
    Spec("atleast_2d", np.atleast_2d, np.atleast_2d, ((3,),)),
    Spec("atleast_3d", np.atleast_3d, np.atleast_3d, ((2, 3),)),
    # ------------------------------------------------------------------ splitting (joined back reversed)
    Spec(
        "split",
        lambda x: _rev_join(np.split(x, 3, axis=1), 1),
        lambda x: np.concatenate(np.split(x, 3, axis=1)[::-1], axis=1),
        ((2, 6),),
        label="sections",
    ),
    Spec(
        "split",
        lambda x: _rev_join(ag.split(x, [1, 3]), 0),
        lambda x: np.concatenate(np.split(x, [1, 3])[::-1], axis=0),
        ((5, 2),),
        label="indices",
    ),
    Spec(
        "array_split",
        lambda x: _rev_join(np.array_split(x, 3, axis=-1), -1),
        lambda x: np.concatenate(np.array_split(x, 3, axis=-1)[::-1], axis=-1),
        ((2, 7),),
    ),
    Spec(
        "hsplit",
        lambda x: _rev_join(np.hsplit(x, 2), 1),
        lambda x: np.concatenate(np.hsplit(x, 2)[::-1], axis=1),
        ((3, 4),),
    ),
    Spec(
        "vsplit",
        lambda x: _rev_join(np.vsplit(x, 2), 0),
        lambda x: np.concatenate(np.vsplit(x, 2)[::-1], axis=0),
        ((4, 3),),
    ),
    Spec(
        "dsplit",
        lambda x: _rev_join(np.dsplit(x, [1]), 2),
        lambda x: np.concatenate(np.dsplit(x, [1])[::-1], axis=2),
        ((2, 2, 3),),
    ),
    # ------------------------------------------------------------------ joining
    Spec("hstack", lambda a, b: np.hstack([a, b]), lambda a, b: np.hstack([a, b]), ((2, 3), (2, 1)), label="2d"),
    Spec("hstack", lambda a, b: ag.hstack([a, b]), lambda a, b: np.hstack([a, b]), ((3,), (2,)), label="1d"),
    Spec("vstack", lambda a, b: np.vstack([a, b]), lambda a, b: np.vstack([a, b]), ((3,), (2, 3))),
    Spec("dstack", lambda a, b: np.dstack([a, b]), lambda a, b: np.dstack([a, b]), ((2, 3), (2, 3, 2))),
    Spec("column_stack", lambda a, b: np.column_stack([a, b]), lambda a, b: np.column_stack([a, b]), ((3,), (3, 2))),
    Spec("append", lambda a, b: np.append(a, b), lambda a, b: np.append(a, b), ((2, 2), (3,)), label="flat"),
    Spec(
        "append",
        lambda a, b: np.append(a, b, axis=0),
        lambda a, b: np.append(a, b, axis=0),
        ((2, 3), (1, 3)),
        label="axis",
    ),
    # ------------------------------------------------------------------ repeating
    Spec("repeat", lambda x: np.repeat(x, 3, axis=1), lambda x: np.repeat(x, 3, axis=1), ((2, 2),), label="axis"),
    Spec("repeat", lambda x: x.repeat(2), lambda x: x.repeat(2), ((2, 3),), label="flat"),
    Spec(
        "repeat",
        lambda x: np.repeat(x, COUNTS, axis=0),
        lambda x: np.repeat(x, COUNTS, axis=0),
        ((3, 2),),
        label="counts",
    ),
    Spec("tile", lambda x: np.tile(x, (2, 1, 3)), lambda x: np.tile(x, (2, 1, 3)), ((2, 3),), label="more-reps"),
    Spec("tile", lambda x: np.tile(x, 2), lambda x: np.tile(x, 2), ((2, 3),), label="fewer-reps"),
    Spec("roll", lambda x: np.roll(x, 2, axis=1), lambda x: np.roll(x, 2, axis=1), ((2, 5),), label="axis"),
    Spec("roll", lambda x: np.roll(x, -4), lambda x: np.roll(x, -4), ((2, 3),), label="flat"),
    Spec(
        "roll",
        lambda x: np.roll(x, (1, -1, 2), axis=(0, 1, 0)),
        lambda x: np.roll(x, (1, -1, 2), axis=(0, 1, 0)),
        ((4, 3),),
        label="axes",
    ),
    # ------------------------------------------------------------------ flipping
    Spec("flip", np.flip, np.flip, ((2, 3),), label="all"),
    Spec("flip", lambda x: np.flip(x, (0, 2)), lambda x: np.flip(x, (0, 2)), ((2, 3, 2),), label="axes"),
    Spec("flipud", np.flipud, np.flipud, ((3, 2),)),
    Spec("fliplr", np.fliplr, np.fliplr, ((3, 2),)),
    Spec("rot90", np.rot90, np.rot90, ((2, 3),), label="k1"),
    Spec("rot90", lambda x: np.rot90(x, 2), lambda x: np.rot90(x, 2), ((2, 3),), label="k2"),
    Spec(
        "rot90",
        lambda x: np.rot90(x, -1, axes=(2, 0)),
        lambda x: np.rot90(x, -1, axes=(2, 0)),
        ((2, 3, 4),),
        label="k3-axes",
    ),
    # ------------------------------------------------------------------ padding
    Spec("pad", lambda x: np.pad(x, 1), lambda x: np.pad(x, 1), ((2, 3),), label="constant"),
    Spec(
        "pad",
        lambda x: np.pad(x, ((0, 0), (2, 1)), constant_values=1.5),
        lambda x: np.pad(x, ((0, 0), (2, 1)), constant_values=1.5),
        ((2, 3),),
        label="constant-value",
    ),
    Spec(
        "pad",
        lambda x: np.pad(x, ((1, 2), (3, 0)), mode="edge"),
        lambda x: np.pad(x, ((1, 2), (3, 0)), mode="edge"),
        ((2, 3),),
        label="edge",
    ),
    Spec(
        "pad",
        lambda x: np.pad(x, ((2, 1), (1, 2)), mode="reflect"),
        lambda x: np.pad(x, ((2, 1), (1, 2)), mode="reflect"),
        ((3, 3),),
        label="reflect",
    ),
    Spec(
        "pad",
        lambda x: np.pad(x, 4, mode="reflect"),
        lambda x: np.pad(x, 4, mode="reflect"),
        ((3,),),
        label="reflect-wider-than-input",
    ),
    Spec(
        "pad", lambda x: np.pad(x, (2, 3), mode="wrap"), lambda x: np.pad(x, (2, 3), mode="wrap"), ((3,),), label="wrap"
    ),
    # ------------------------------------------------------------------ differences
    Spec("diff", np.diff, np.diff, ((2, 5),), label="last"),
    Spec("diff", lambda x: np.diff(x, n=2, axis=0), lambda x: np.diff(x, n=2, axis=0), ((5, 2),), label="n2-axis0"),
    Spec(
        "diff",
        lambda x: np.diff(x, prepend=0.5, append=x[:, :1]),
        lambda x: np.diff(x, prepend=0.5, append=x[:, :1]),
        ((2, 3),),
        label="prepend-append",
    ),
    # ------------------------------------------------------------------ indexing and sorting
    Spec("take", lambda x: np.take(x, IDX, axis=1), lambda x: np.take(x, IDX, axis=1), ((2, 3),), label="repeated"),
    Spec("take", lambda x: x.take([5, -1, 0]), lambda x: x.take([5, -1, 0]), ((2, 3),), label="flat"),
    Spec(
        "take_along_axis",
        lambda x: np.take_along_axis(x, ALONG, axis=0),
        lambda x: np.take_along_axis(x, ALONG, axis=0),
        ((3, 4),),
    ),
    Spec("sort", np.sort, np.sort, ((3, 4),), S.distinct, label="last"),
    Spec("sort", lambda x: np.sort(x, axis=0), lambda x: np.sort(x, axis=0), ((3, 4),), S.distinct, label="axis0"),
    Spec("sort", lambda x: ag.sort(x, axis=None), lambda x: np.sort(x, axis=None), ((2, 3),), S.distinct, label="flat"),
]


# ---- more of numpy's names
COMPOSITES += (
    "rollaxis", "unstack", "broadcast_arrays", "block", "select", "compress", "delete", "insert",
    "resize", "partition",
)  # fmt: skip

CONDS = [np.array([[True, False, False], [False, True, False]]), np.array([[True, True, False], [False, False, False]])]
KEEP = np.array([True, False, True, True])


def _same(name: str, call, shapes, domain=S.normal, label: str = "", **kw) -> Spec:
    """A spec whose Tensor call and numpy reference are the same expression."""
    return Spec(name, call, call, shapes, domain, label, **kw)


def _joined(split_fn):
    """A function returning a tuple of arrays as one: the pieces joined in reverse order."""
    return lambda *xs: (ag.stack if isinstance(xs[0], ag.Tensor) else np.stack)(list(split_fn(*xs))[::-1])


SPECS += [
    _same("rollaxis", lambda x: np.rollaxis(x, 2), ((2, 3, 4),), label="to-front"),
    _same("rollaxis", lambda x: np.rollaxis(x, 0, 3), ((2, 3, 4),), label="start"),
    _same("rollaxis", lambda x: np.rollaxis(x, -1, -2), ((2, 3, 4),), label="negative"),
    _same("unstack", _joined(np.unstack), ((3, 2),), label="axis0"),
    _same("unstack", _joined(lambda x: np.unstack(x, axis=-1)), ((2, 3, 2),), label="last-axis"),
    _same("broadcast_arrays", _joined(np.broadcast_arrays), ((2, 1), (3,)), label="pair"),
    _same("broadcast_arrays", _joined(lambda a, b, c: np.broadcast_arrays(a, b, c)), ((3,), (2, 3), ()), label="three"),
    _same("block", lambda a, b, c, d: np.block([[a, b], [c, d]]), ((2, 2), (2, 3), (1, 2), (1, 3)), label="2x2"),
    _same("block", lambda a, b: np.block([a, b, np.ones(2, dtype=np.float32)]), ((3,), (1,)), label="1d-constant"),
    _same("block", lambda a, b: np.block([[a], [b]]), ((2,), (1, 2)), label="promoted"),
    _same("select", lambda a, b: np.select(CONDS, [a, b], -1.0), ((2, 3), (2, 3)), label="default"),
    _same("select", lambda a, b, d: np.select(CONDS, [a, b], d), ((2, 3), (3,), (2, 1)), label="broadcast-default"),
    _same("compress", lambda x: np.compress(KEEP, x, axis=1), ((2, 4),), label="axis"),
    _same("compress", lambda x: x.compress([False, True, True], axis=0), ((3, 2),), label="method-short-condition"),
    _same("compress", lambda x: np.compress(KEEP, x), ((2, 2),), label="flat"),
    _same("delete", lambda x: np.delete(x, [0, 2], axis=1), ((2, 4),), label="axis"),
    _same("delete", lambda x: np.delete(x, slice(1, None, 2)), ((2, 3),), label="slice-flat"),
    _same("insert", lambda x, v: np.insert(x, 1, v, axis=1), ((3, 2), (3,)), label="column"),
    _same("insert", lambda x, v: np.insert(x, [0, 2, 2], v), ((4,), (3,)), label="indices"),
    _same("insert", lambda x, v: np.insert(x, 2, v, axis=0), ((3, 2), ()), label="broadcast-value"),
    _same("resize", lambda x: np.resize(x, (3, 3)), ((2, 2),), label="repeat"),
    _same("resize", lambda x: np.resize(x, 4), ((2, 3),), label="cut"),
    _same("partition", lambda x: np.partition(x, 2), ((3, 5),), S.distinct, "last-axis"),
    _same("partition", lambda x: np.partition(x, (1, 3), axis=0), ((5, 2),), S.distinct, "several-kth"),
    _same("partition", lambda x: np.partition(x, 1, axis=None), ((2, 3),), S.distinct, "flat"),
]

# grids, extract and choose
COMPOSITES += ("meshgrid", "extract", "choose")
PICK = np.array([[0, 2, 1], [1, 0, 2]])

SPECS += [
    _same("meshgrid", lambda a, b: np.meshgrid(a, b)[0] * np.meshgrid(a, b)[1], ((3,), (2,)), label="xy"),
    _same("meshgrid", _joined(lambda a, b, c: np.meshgrid(a, b, c, indexing="ij")), ((2,), (2,), (2,)), label="ij"),
    _same("meshgrid", lambda a, b: sum(np.meshgrid(a, b, sparse=True)), ((3,), (4,)), label="sparse"),
    _same("extract", lambda x: np.extract(np.array([[True, False, True], [False, True, True]]), x), ((2, 3),)),
    _same("choose", lambda a, b, c: np.choose(PICK, [a, b, c]), ((2, 3), (3,), (2, 1)), label="broadcast"),
    _same("choose", lambda a, b: np.choose(np.array([0, 3, 1]), [a, b], mode="wrap"), ((3,), (3,)), label="wrap"),
]

# numpy's finite-difference gradient (linear in f)
COMPOSITES += ("gradient",)
COORDS = np.array([0.0, 0.5, 1.7, 2.0, 3.1], dtype=np.float32)  # uneven: the 3-point formula

SPECS += [
    _same("gradient", lambda f: np.gradient(f, axis=1), ((3, 5),), label="uniform"),
    _same("gradient", _joined(lambda f: np.gradient(f, 0.5, edge_order=2)), ((4, 5),), label="all-axes-edge2"),
    _same("gradient", lambda f: np.gradient(f, COORDS, axis=-1), ((2, 5),), label="coordinates"),
    _same("gradient", lambda f: np.gradient(f, COORDS, edge_order=2), ((5,),), label="coordinates-edge2"),
]
