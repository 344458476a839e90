"""The primitive table, elementwise family: trigonometric, hyperbolic, exponential and
logarithmic functions, rounding, and the other numpy ufuncs that act element by element.

Same conventions as ``core``: each primitive is its forward (numpy's own ufunc, so values and
dtypes are numpy's) next to one vector-Jacobian rule per input, written with operators and
``P.apply`` so that it also runs on Tensors under ``create_graph=True``.

Primitives are kept for accuracy: sin/cos/tan and their inverses, the hyperbolic functions,
expm1/log1p/log2/log10, logaddexp, hypot, arctan2, cbrt (real for negative x), the rounding
functions (gradient zero; ``branch`` tells the gradient checker which step each element is on)
and remainder/fmod.  The rest are composites of primitives, marked "composite" below:
exp2 = 2**x, square = x**2, reciprocal = x**-1, logaddexp2 = logaddexp(a ln2, b ln2) / ln2,
fabs = abs, fmax/fmin = maximum/minimum with NaNs routed by ``where``, nan_to_num = where,
positive = the tensor itself.

On inputs that record nothing (integers, constants, under ``no_grad``), composites return
numpy's own result, so dtypes follow numpy exactly (``reciprocal`` of an integer array is
numpy's integer reciprocal, ``fabs`` of integers is float64).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import engine as _engine
from .. import tensor as _tensor
from ..arguments import data_of
from ..dispatch import implements
from ..engine import Primitive
from . import core as _ops
from .core import exp as _exp
from .core import maximum, where

__all__ = [
    "sin", "cos", "tan", "arcsin", "arccos", "arctan", "arctan2", "hypot",
    "sinh", "cosh", "arcsinh", "arccosh", "arctanh",
    "exp2", "expm1", "log2", "log10", "log1p", "logaddexp", "logaddexp2",
    "square", "cbrt", "reciprocal", "fabs", "positive",
    "sign", "floor", "ceil", "round", "trunc", "rint", "fix",
    "remainder", "mod", "fmod", "fmax", "fmin", "nan_to_num",
]  # fmt: skip

LN2, LN10 = math.log(2.0), math.log(10.0)


def _zero(g: Any) -> Any:
    """A zero gradient shaped like g: where(False, g, 0), which (unlike g * 0) stays 0 when g is
    inf and is still recorded as a function of g under create_graph."""
    return where.apply(False, g, 0)


def _nonzero(d: Any) -> Any:
    """d with zeros replaced by 1 (a divisor that may vanish where its numerator does too)."""
    return where.apply(d == 0, 1, d)


# ----------------------------------------------------------------------------- the table
P = Primitive

# trigonometric (sin's rule names cos, defined just after it)
cos: Primitive
sin = P("sin", np.sin, (lambda g, out, x: g * cos.apply(x),), doc="sin x:  d/dx = cos x", elementwise=True)
cos = P("cos", np.cos, (lambda g, out, x: -(g * sin.apply(x)),), doc="cos x:  d/dx = -sin x", elementwise=True)
tan = P("tan", np.tan, (lambda g, out, x: g * (1 + out * out),), doc="tan x:  d/dx = 1 + tan^2 x", elementwise=True)
arcsin = P(
    "arcsin",
    np.arcsin,
    (lambda g, out, x: g * ((1 - x) * (1 + x)) ** -0.5,),
    doc="arcsin x:  d/dx = 1/sqrt(1 - x^2)",
    elementwise=True,
)
arccos = P(
    "arccos",
    np.arccos,
    (lambda g, out, x: -(g * ((1 - x) * (1 + x)) ** -0.5),),
    doc="arccos x:  d/dx = -1/sqrt(1 - x^2)",
    elementwise=True,
)
arctan = P(
    "arctan", np.arctan, (lambda g, out, x: g / (1 + x * x),), doc="arctan x:  d/dx = 1/(1 + x^2)", elementwise=True
)
# arctan2(y, x), the angle of (x, y):  d/dy = x/(x^2+y^2), d/dx = -y/(x^2+y^2)
arctan2 = P(
    "arctan2",
    np.arctan2,
    (lambda g, out, y, x: g * x / (x * x + y * y), lambda g, out, y, x: -(g * y) / (x * x + y * y)),
    doc="arctan2(y, x):  d/dy = x/(x^2 + y^2), d/dx = -y/(x^2 + y^2)",
    elementwise=True,
)
# hypot(a, b) = sqrt(a^2 + b^2) without overflow:  d/da = a/out  (0 at the origin)
hypot = P(
    "hypot",
    np.hypot,
    (lambda g, out, a, b: g * a / _nonzero(out), lambda g, out, a, b: g * b / _nonzero(out)),
    doc="hypot(a, b) = sqrt(a^2 + b^2):  d/da = a/hypot, d/db = b/hypot  (0 at the origin)",
    elementwise=True,
)

# hyperbolic
cosh: Primitive  # named by sinh's rule
sinh = P("sinh", np.sinh, (lambda g, out, x: g * cosh.apply(x),), doc="sinh x:  d/dx = cosh x", elementwise=True)
cosh = P("cosh", np.cosh, (lambda g, out, x: g * sinh.apply(x),), doc="cosh x:  d/dx = sinh x", elementwise=True)
arcsinh = P(
    "arcsinh",
    np.arcsinh,
    (lambda g, out, x: g * (x * x + 1) ** -0.5,),
    doc="arcsinh x:  d/dx = 1/sqrt(x^2 + 1)",
    elementwise=True,
)
arccosh = P(
    "arccosh",
    np.arccosh,
    (lambda g, out, x: g * ((x - 1) * (x + 1)) ** -0.5,),
    doc="arccosh x:  d/dx = 1/sqrt(x^2 - 1)",
    elementwise=True,
)
arctanh = P(
    "arctanh",
    np.arctanh,
    (lambda g, out, x: g / ((1 - x) * (1 + x)),),
    doc="arctanh x:  d/dx = 1/(1 - x^2)",
    elementwise=True,
)

# exponentials and logarithms
expm1 = P("expm1", np.expm1, (lambda g, out, x: g * (out + 1),), doc="e^x - 1:  d/dx = e^x", elementwise=True)
log1p = P("log1p", np.log1p, (lambda g, out, x: g / (1 + x),), doc="log(1 + x):  d/dx = 1/(1 + x)", elementwise=True)
log2 = P("log2", np.log2, (lambda g, out, x: g / (x * LN2),), doc="log2 x:  d/dx = 1/(x ln 2)", elementwise=True)
log10 = P("log10", np.log10, (lambda g, out, x: g / (x * LN10),), doc="log10 x:  d/dx = 1/(x ln 10)", elementwise=True)
# log(e^a + e^b) without overflow:  d/da = e^(a - out), the softmax weight of a
logaddexp = P(
    "logaddexp",
    np.logaddexp,
    (lambda g, out, a, b: g * _exp.apply(a - out), lambda g, out, a, b: g * _exp.apply(b - out)),
    doc="log(e^a + e^b):  d/da = e^(a - out), d/db = e^(b - out)",
    elementwise=True,
)
# the real cube root (x ** (1/3) is NaN for x < 0):  d/dx = 1/(3 cbrt(x)^2)
cbrt = P(
    "cbrt", np.cbrt, (lambda g, out, x: g / (3 * out * out),), doc="cbrt x:  d/dx = 1/(3 cbrt(x)^2)", elementwise=True
)


# piecewise constant: the gradient is zero; branch = the step each element is on
def _step(name: str, forward: Any, math_: str) -> Primitive:
    return Primitive(
        name,
        forward,
        (lambda g, out, x, **params: _zero(g),),
        branch=lambda out, x, **params: out,
        doc=f"{math_}:  d/dx = 0  (piecewise constant)",
        elementwise=True,
    )


sign = _step("sign", np.sign, "sign x")
floor = _step("floor", np.floor, "floor x")
ceil = _step("ceil", np.ceil, "ceil x")
trunc = _step("trunc", np.trunc, "trunc x")
rint = _step("rint", np.rint, "rint x")
_round = _step("round", lambda x, decimals=0: np.round(x, decimals), "round(x, decimals)")


# a - q b with q an integer quotient (floor(a/b) for remainder, trunc(a/b) for fmod), read back
# from the result as rint((a - out)/b), which agrees with numpy's own quotient
def _quotient(a: Any, b: Any, out: Any) -> Any:
    return rint.apply((a - out) / b)


def _remainder_like(name: str, forward: Any, quotient: str) -> Primitive:
    return Primitive(
        name,
        forward,
        (lambda g, out, a, b: g, lambda g, out, a, b: -(g * _quotient(a, b, out))),
        branch=lambda out, a, b: np.rint((a - out) / b),
        doc=f"{name}(a, b) = a - {quotient}(a/b) b:  d/da = 1, d/db = -{quotient}(a/b)",
        elementwise=True,
    )


remainder = _remainder_like("remainder", np.remainder, "floor")
fmod = _remainder_like("fmod", np.fmod, "trunc")
mod = remainder  # numpy's alias

del P


# ----------------------------------------------------------------------------- composites
def _numpy_result(ufunc: Any, *xs: Any, **params: Any) -> Any:
    """numpy's own result as a constant Tensor when nothing here records (no input requires
    grad, or grad mode is off); None when the operation must be recorded."""
    xs, args, record = _engine._unwrap(xs)
    if record and _engine.is_grad_enabled():
        return None
    return _tensor.Tensor._wrap(ufunc(*args, **params))


def exp2(x: Any) -> _tensor.Tensor:
    """2^x = 2 ** x  (composite: pow)"""
    const = _numpy_result(np.exp2, x)
    return const if const is not None else _ops.pow(2.0, x)


def square(x: Any) -> _tensor.Tensor:
    """x^2 = x ** 2  (composite: pow)"""
    const = _numpy_result(np.square, x)
    return const if const is not None else _ops.pow(x, 2)


def reciprocal(x: Any) -> _tensor.Tensor:
    """1/x = x ** -1  (composite: pow)"""
    const = _numpy_result(np.reciprocal, x)
    return const if const is not None else _ops.pow(x, -1)


def logaddexp2(a: Any, b: Any) -> _tensor.Tensor:
    """log2(2^a + 2^b) = logaddexp(a ln2, b ln2) / ln2  (composite)"""
    const = _numpy_result(np.logaddexp2, a, b)
    return const if const is not None else logaddexp(_ops.mul(a, LN2), _ops.mul(b, LN2)) * (1 / LN2)


def fabs(x: Any) -> _tensor.Tensor:
    """|x| = abs(x) = maximum(x, -x)  (composite; the tie at 0 gives 0)"""
    const = _numpy_result(np.fabs, x)
    return const if const is not None else _tensor.abs(x)


def positive(x: Any) -> _tensor.Tensor:
    """+x: the tensor itself, as ``+t`` (composite: no node)"""
    return _tensor.as_tensor(x)


def round(x: Any, decimals: int = 0, out: Any = None) -> _tensor.Tensor:
    """x rounded to ``decimals`` places, halves to even (numpy's rule); gradient zero."""
    if out is not None:
        raise TypeError("round: out= is not supported on tensors")
    return _round(x, decimals=int(decimals))


def fix(x: Any) -> _tensor.Tensor:
    """Round towards zero: numpy's fix is trunc; gradient zero."""
    return trunc(x)


def fmax(a: Any, b: Any) -> _tensor.Tensor:
    """max(a, b) ignoring NaNs = where(b is NaN, a, where(a is NaN, b, maximum(a, b)))  (composite;
    ties share the gradient evenly, as maximum)"""
    const = _numpy_result(np.fmax, a, b)
    if const is not None:
        return const
    a_nan, b_nan = _isnan(a), _isnan(b)
    larger = maximum(a, b)
    if not (a_nan.any() or b_nan.any()):
        return larger
    return where(b_nan, a, where(a_nan, b, larger))


def fmin(a: Any, b: Any) -> _tensor.Tensor:
    """min(a, b) ignoring NaNs = -fmax(-a, -b)  (composite)"""
    const = _numpy_result(np.fmin, a, b)
    return const if const is not None else -fmax(_tensor._negative(a), _tensor._negative(b))


def _isnan(x: Any) -> np.ndarray:
    return np.isnan(np.asarray(data_of(x), dtype=np.float64))


def nan_to_num(
    x: Any, copy: bool = True, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
) -> _tensor.Tensor:
    """x where finite, else the replacement (NaN -> nan, +-inf -> posinf/neginf, by default the
    largest finite numbers) = where(isfinite(x), x, replacement)  (composite: gradient 1 where x
    is finite, 0 where it was replaced)"""
    const = _numpy_result(lambda v: np.nan_to_num(v, nan=nan, posinf=posinf, neginf=neginf), x)
    if const is not None:
        return const
    data = data_of(x)
    return where(np.isfinite(data), x, np.nan_to_num(data, nan=nan, posinf=posinf, neginf=neginf))


def _mod_method(self: Any, other: Any) -> _tensor.Tensor:
    return remainder(self, other)


def _rmod_method(self: Any, other: Any) -> _tensor.Tensor:
    return remainder(other, self)


# ----------------------------------------------------------------------------- numpy dispatch
for _fn in (
    sin, cos, tan, arcsin, arccos, arctan, arctan2, hypot, sinh, cosh, arcsinh, arccosh, arctanh,
    exp2, expm1, log2, log10, log1p, logaddexp, logaddexp2, square, cbrt, reciprocal, fabs, positive,
    sign, floor, ceil, trunc, rint, remainder, fmod, fmax, fmin,
):  # fmt: skip
    implements(getattr(np, _fn.__name__ if not isinstance(_fn, Primitive) else _fn.name))(_fn)
implements(np.round, np.around, method=True)(round)
implements(np.fix)(fix)
implements(np.nan_to_num)(nan_to_num)
implements(method="__mod__")(_mod_method)
implements(method="__rmod__")(_rmod_method)
del _fn


# ---- more of numpy's names
# Angle conversions, float_power, sinc, ldexp and modf are composites; copysign, heaviside and
# floor_divide are primitives, because one of their inputs has a zero gradient that composing
# would leave unconnected (copysign's b, heaviside's x1) or numpy's quotient is not floor(a/b)
# bit for bit (floor_divide).
from ..dispatch import describe as _describe  # noqa: E402

__all__ += [
    "deg2rad", "radians", "rad2deg", "degrees", "float_power", "copysign", "heaviside", "sinc",
    "floor_divide", "divmod", "modf", "ldexp", "interp", "conjugate", "conj", "real",
]  # fmt: skip

# copysign(a, b) = |a| with b's sign bit:  d/da = sign(a) sign(out) (0 at the kink a = 0), d/db = 0
copysign = Primitive(
    "copysign",
    np.copysign,
    (lambda g, out, a, b: g * (sign.apply(a) * sign.apply(out)), lambda g, out, a, b: _zero(g)),
    branch=lambda out, a, b: np.sign(a) * np.where(np.signbit(b), -1, 1),
    doc="copysign(a, b) = |a| with the sign of b:  d/da = sign(a) sign(out)  (0 at a = 0), d/db = 0",
    elementwise=True,
    reads=(0, "out"),
)
# heaviside(x1, x2) = 0, x2 or 1 for x1 <, =, > 0:  d/dx1 = 0, d/dx2 = [x1 == 0]
heaviside = Primitive(
    "heaviside",
    np.heaviside,
    (lambda g, out, x1, x2: _zero(g), lambda g, out, x1, x2: where.apply(x1 == 0, g, 0)),
    branch=lambda out, x1, x2: np.sign(x1),
    doc="heaviside(x1, x2) = 0, x2, 1 for x1 <, =, > 0:  d/dx1 = 0  (piecewise constant), d/dx2 = [x1 == 0]",
    elementwise=True,
    reads=(0,),
)
# floor_divide(a, b) = floor(a / b), numpy's rounding of it:  d/da = d/db = 0 (piecewise constant)
floor_divide = Primitive(
    "floor_divide",
    np.floor_divide,
    (lambda g, out, a, b: _zero(g), lambda g, out, a, b: _zero(g)),
    branch=lambda out, a, b: out,
    doc="a // b = floor(a/b):  d/da = 0, d/db = 0  (piecewise constant)",
    elementwise=True,
    reads=(),
)


def deg2rad(x: Any) -> _tensor.Tensor:
    """x pi/180, degrees to radians  (composite: mul)."""
    const = _numpy_result(np.deg2rad, x)
    return const if const is not None else _ops.mul(x, math.pi / 180)


def rad2deg(x: Any) -> _tensor.Tensor:
    """x 180/pi, radians to degrees  (composite: mul)."""
    const = _numpy_result(np.rad2deg, x)
    return const if const is not None else _ops.mul(x, 180 / math.pi)


radians, degrees = deg2rad, rad2deg  # numpy's aliases


def float_power(a: Any, b: Any) -> _tensor.Tensor:
    """a ** b computed in float64, as numpy's float_power  (composite: astype, pow)."""
    const = _numpy_result(np.float_power, a, b)
    if const is not None:
        return const
    return _ops.pow(_tensor.as_tensor(a).astype(np.float64), _tensor.as_tensor(b).astype(np.float64))


_SINC_SERIES = 1e-3  # below this |x|, sinc is its Taylor series (exact to rounding, and at x = 0)


def sinc(x: Any) -> _tensor.Tensor:
    """sin(pi x)/(pi x), 1 at x = 0  (composite; for |x| < 1e-3 the series 1 - (pi x)^2/6 + (pi x)^4/120,
    so that every derivative is right at and near 0)."""
    const = _numpy_result(np.sinc, x)
    if const is not None:
        return const
    x = _tensor.as_tensor(x)
    near = np.abs(x.data) < _SINC_SERIES
    if not near.any():
        px = _ops.mul(x, math.pi)
        return sin(px) / px
    px = _ops.mul(where(near, 1.0, x), math.pi)  # no division by zero on the unused branch
    p2 = _ops.mul(x, math.pi) ** 2
    return where(near, 1 - p2 / 6 + p2 * p2 / 120, sin(px) / px)


def divmod(a: Any, b: Any) -> tuple[_tensor.Tensor, _tensor.Tensor]:
    """(a // b, a % b) = (floor_divide(a, b), remainder(a, b))  (composite; a tuple of two Tensors)."""
    return floor_divide(a, b), remainder(a, b)


def modf(x: Any) -> tuple[_tensor.Tensor, _tensor.Tensor]:
    """(x - trunc(x), trunc(x)): the fractional and integral parts, signed as x  (composite; a tuple:
    d frac/dx = 1, d int/dx = 0)."""
    whole = trunc(x)
    return _tensor.sub(x, whole), whole


def ldexp(x1: Any, x2: Any) -> _tensor.Tensor:
    """x1 2^x2 for integer x2  (composite: mul by the constant 2^x2; x2 has no gradient)."""
    if isinstance(x2, _tensor.Tensor) and x2.requires_grad:
        raise TypeError(f"ldexp: the exponent x2 must be integers, not {_describe(x2)}")
    const = _numpy_result(np.ldexp, x1, _tensor._data(x2))
    if const is not None:
        return const
    x1 = _tensor.as_tensor(x1)
    dtype = x1.dtype if np.issubdtype(x1.dtype, np.floating) else np.float64
    return _ops.mul(x1, np.ldexp(np.ones((), dtype), _tensor._data(x2)))


def _float64(x: Any) -> _tensor.Tensor:
    x = _tensor.as_tensor(x)
    return x if x.dtype == np.float64 else x.astype(np.float64)


def interp(x: Any, xp: Any, fp: Any, left: Any = None, right: Any = None, period: Any = None) -> _tensor.Tensor:
    """The piecewise-linear interpolant through the points (xp, fp), at x: fp[j] + slope (x - xp[j])
    between the knots xp[j] <= x < xp[j+1], left/right (default fp[0]/fp[-1]) outside  (composite;
    float64 as numpy; differentiable in x between knots (at a knot: the slope to its right), in fp
    and in xp)."""
    if period is not None:
        raise TypeError("interp: period= is not supported on tensors")
    x, xp, fp = _float64(x), _float64(xp), _float64(fp)
    if xp.ndim != 1 or fp.ndim != 1 or xp.shape != fp.shape or not xp.shape[0]:
        raise ValueError(f"interp: xp and fp must be 1-D of the same, non-zero length, got {xp.shape} and {fp.shape}")
    n, knots, at = xp.shape[0], xp.data, x.data
    if n == 1:
        inside = _ops.broadcast_to(fp[0], shape=x.shape)
    else:
        j = np.clip(np.searchsorted(knots, at, side="right") - 1, 0, n - 2)
        slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
        inside = slope * (x - xp[j]) + fp[j]
    low = fp[0] if left is None else _float64(left)
    high = fp[n - 1] if right is None else _float64(right)
    return where(at < knots[0], low, where(at > knots[-1], high, inside))


def conjugate(x: Any) -> _tensor.Tensor:
    """The complex conjugate, which of real values is the values themselves: the tensor itself
    (composite: no node; autograd_lite is real-valued)."""
    return _tensor.as_tensor(x)


def real(val: Any) -> _tensor.Tensor:
    """The real part, which of real values is the values themselves: the tensor itself  (composite: no node)."""
    return _tensor.as_tensor(val)


conj = conjugate  # numpy's alias


for _more in (
    copysign,
    heaviside,
    floor_divide,
    deg2rad,
    rad2deg,
    float_power,
    sinc,
    divmod,
    modf,
    ldexp,
    interp,
    real,
):
    implements(getattr(np, _more.name if isinstance(_more, Primitive) else _more.__name__))(_more)
implements(np.conjugate, method=True)(conjugate)
implements(method="conj")(conjugate)
implements(np.radians)(deg2rad)
implements(np.degrees)(rad2deg)
implements(method="__floordiv__")(lambda self, other: floor_divide(self, other))
implements(method="__rfloordiv__")(lambda self, other: floor_divide(other, self))
implements(method="__divmod__")(lambda self, other: divmod(self, other))
implements(method="__rdivmod__")(lambda self, other: divmod(other, self))
del _more
