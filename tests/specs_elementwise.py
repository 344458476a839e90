"""Specs for the elementwise family of the primitive table (``autograd_lite/ops/elementwise.py``)."""

from __future__ import annotations

import numpy as np

import autograd_lite as ag

from . import strategies as S
from .opspec import Spec

# built from other primitives: their specs' results end in those primitives' nodes
COMPOSITES = (
    "exp2", "square", "reciprocal", "logaddexp2", "fabs", "positive", "fix", "fmax", "fmin", "nan_to_num",
)  # fmt: skip

U = (S.inside_unit,)


def _unary(name: str, domain: S.Sampler = S.normal, shape: S.Shape = (2, 3), **kw) -> Spec:
    return Spec(name, getattr(ag, name), getattr(np, name), (shape,), domain, **kw)


def _binary(name: str, domains=S.normal, **kw) -> Spec:
    return Spec(name, getattr(ag, name), getattr(np, name), ((2, 3), (2, 3)), domains, broadcasts=True, **kw)


SPECS: list[Spec] = [
    # trigonometric and hyperbolic
    _unary("sin"),
    _unary("cos"),
    _unary("tan", S.inside_unit),
    _unary("arcsin", S.inside_unit),
    _unary("arccos", S.inside_unit),
    _unary("arctan"),
    _binary("arctan2"),
    _binary("hypot"),
    _unary("sinh"),
    _unary("cosh"),
    _unary("arcsinh"),
    _unary("arccosh", S.above_one),
    _unary("arctanh", S.inside_unit),
    # exponentials and logarithms
    _unary("exp2"),
    _unary("expm1"),
    _unary("log2", S.positive),
    _unary("log10", S.positive),
    _unary("log1p", S.positive),
    _binary("logaddexp"),
    _binary("logaddexp2"),
    # powers and signs
    _unary("square"),
    _unary("cbrt", S.away_from_zero),
    _unary("reciprocal", S.away_from_zero),
    _unary("fabs", S.away_from_zero),
    _unary("positive"),
    # piecewise constant: the gradient is zero
    _unary("sign", S.off_steps),
    _unary("floor", S.off_steps),
    _unary("ceil", S.off_steps),
    _unary("trunc", S.off_steps),
    _unary("rint", S.off_steps),
    _unary("fix", S.off_steps),
    _unary("round", S.off_steps),
    Spec("round", lambda x: x.round(1), lambda x: np.round(x, 1), ((2, 3),), S.scaled(S.off_steps, 0.1), "decimals"),
    # remainders, NaN-aware extremes, nan_to_num
    _binary("remainder", (S.mid_lattice, S.near_unit)),
    Spec("remainder", lambda a, b: a % b, np.mod, ((2, 3), (2, 3)), (S.mid_lattice, S.near_unit), "operator"),
    Spec("remainder", ag.mod, np.mod, ((3,), (3,)), (S.mid_lattice, S.near_unit), "mod-alias"),
    _binary("fmod", (S.mid_lattice, S.near_unit)),
    _binary("fmax", (S.lattice_low, S.lattice_high)),
    _binary("fmin", (S.lattice_high, S.lattice_low)),
    _unary("nan_to_num"),
]


# ---- more of numpy's names
COMPOSITES += ("deg2rad", "rad2deg", "float_power", "sinc", "divmod", "modf", "ldexp", "interp")

EXPONENTS = np.array([[0, 1, -2], [3, -1, 2]])  # ldexp's integer exponents
KNOTS = np.array([-1.5, -0.5, 0.3, 1.2])  # interp's xp


def _stacked(pair_fn):
    """A two-output function as one tensor: its outputs stacked (each output's gradient counts)."""
    return lambda *xs: (ag.stack if isinstance(xs[0], ag.Tensor) else np.stack)(list(pair_fn(*xs)))


SPECS += [
    _unary("deg2rad"),
    Spec("deg2rad", np.radians, np.radians, ((2, 3),), label="radians"),
    _unary("rad2deg"),
    Spec("rad2deg", np.degrees, np.degrees, ((2, 3),), label="degrees"),
    # float_power computes in float64 (float32 in, float64 out, as numpy): cast back for the float32 test
    Spec(
        "float_power",
        lambda a, b: ag.float_power(a, b).astype(a.dtype),
        lambda a, b: np.float_power(a, b).astype(a.dtype),
        ((2, 3), (2, 3)),
        (S.positive, S.normal),
        "cast-back",
        broadcasts=True,
    ),
    Spec(
        "float_power",
        lambda a: np.float_power(a, 3).astype(a.dtype),
        lambda a: np.float_power(a, 3).astype(a.dtype),
        ((2, 3),),
        label="integer-exponent",
    ),
    _binary("copysign", (S.away_from_zero, S.away_from_zero)),
    _binary("heaviside", (S.away_from_zero, S.normal)),
    _unary("sinc"),
    Spec("sinc", ag.sinc, np.sinc, ((2, 3),), S.scaled(S.normal, 1e-4), "series-near-zero"),
    _binary("floor_divide", (S.mid_lattice, S.near_unit)),
    Spec("divmod", _stacked(np.divmod), _stacked(np.divmod), ((2, 3), (2, 3)), (S.mid_lattice, S.near_unit)),
    Spec("modf", _stacked(np.modf), _stacked(np.modf), ((2, 3),), S.off_steps),
    Spec("ldexp", lambda x: np.ldexp(x, EXPONENTS), lambda x: np.ldexp(x, EXPONENTS), ((2, 3),)),
    # interp returns float64 (as numpy): cast back for the float32 test
    Spec(
        "interp",
        lambda x, fp: np.interp(x, KNOTS, fp).astype(x.dtype),
        lambda x, fp: np.interp(x, KNOTS, fp).astype(x.dtype),
        ((2, 5), (4,)),
        (S.off_knots(KNOTS), S.normal),
        "x-and-fp",
    ),
    Spec(
        "interp",
        lambda x, fp, lo, hi: np.interp(x, KNOTS, fp, left=lo, right=hi).astype(x.dtype),
        lambda x, fp, lo, hi: np.interp(x, KNOTS, fp, left=lo, right=hi).astype(x.dtype),
        ((7,), (4,), (), ()),
        (S.off_knots(KNOTS), S.normal, S.normal, S.normal),
        "left-right",
    ),
]

# real-valued conj and real: the tensor itself
COMPOSITES += ("conjugate", "real")
SPECS += [
    _unary("conjugate"),
    Spec("conjugate", np.conj, np.conj, ((2, 3),), label="conj"),
    Spec("conjugate", lambda x: x.conj(), lambda x: x.conj(), ((2, 3),), label="method"),
    _unary("real"),
]
