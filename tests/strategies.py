"""Hypothesis strategies and value samplers for the tests: shapes, broadcasting, kink-free inputs.

Shapes come from hypothesis; values come from a numpy Generator seeded by hypothesis, through
samplers that keep inputs inside an operation's domain (log and pow need positive bases) and away
from its kinks and ties (relu at 0, maximum/max/clip where two candidates are equal), so a
central difference never straddles a non-differentiable point.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

Shape = tuple[int, ...]
Sampler = Callable[[np.random.Generator, Shape], np.ndarray]

# ----------------------------------------------------------------------------- samplers
# Every sampler keeps at least GAP between a value and the nearest kink or tie; finite
# differences use steps of 1e-6, so GAP = 0.1 leaves a wide margin.
GAP = 0.1


def normal(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    return rng.standard_normal(shape)


def positive(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    """Inside (0.5, 2): the domain of log, sqrt and a real-valued power."""
    return rng.uniform(0.5, 2.0, shape)


def away_from_zero(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    """|x| in [0.2, 1.5] with random signs: relu, abs and 1/x stay off their kink/pole."""
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.2, 1.5, shape)


def distinct(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    """All values at least 0.2 apart (a shuffled lattice, jittered): max/min have no ties."""
    n = int(np.prod(shape, dtype=np.int64))
    lattice = rng.permutation(n) * 0.3 - 0.15 * n
    return (lattice + rng.uniform(-0.05, 0.05, n)).reshape(shape)


def lattice_low(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    """Integer + a fraction in (0.1, 0.4); paired with ``lattice_high`` no two values are within 0.2."""
    return rng.integers(-2, 3, shape) + rng.uniform(0.1, 0.4, shape)


def lattice_high(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    """Integer + a fraction in (0.6, 0.9): never within 0.2 of a ``lattice_low`` value."""
    return rng.integers(-2, 3, shape) + rng.uniform(0.6, 0.9, shape)


def off_bounds(lo: float, hi: float) -> Sampler:
    """Values below ``lo``, between the bounds, or above ``hi`` -- at least GAP from each bound."""

    def sample(rng: np.random.Generator, shape: Shape) -> np.ndarray:
        below = rng.uniform(lo - 1.0, lo - 2 * GAP, shape)
        inside = rng.uniform(lo + 2 * GAP, hi - 2 * GAP, shape)
        above = rng.uniform(hi + 2 * GAP, hi + 1.0, shape)
        pick = rng.integers(0, 3, shape)
        return np.choose(pick, [below, inside, above])

    return sample


# ----------------------------------------------------------------------------- strategies
def shapes(min_dims: int = 0, max_dims: int = 3, max_side: int = 4) -> st.SearchStrategy[Shape]:
    """Array shapes with small sides (sides may be 1, the broadcasting case)."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side)


def broadcastable_pairs(max_dims: int = 3, max_side: int = 3) -> st.SearchStrategy[tuple[Shape, Shape]]:
    """Two shapes that broadcast together (different ranks, size-1 axes, scalars)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=max_dims, max_side=max_side).map(
        lambda bs: bs.input_shapes
    )


def incompatible_pairs(max_dims: int = 3) -> st.SearchStrategy[tuple[Shape, Shape]]:
    """Two shapes that do NOT broadcast: some aligned axis has sides m != n, both > 1."""

    @st.composite
    def build(draw: st.DrawFn) -> tuple[Shape, Shape]:
        a = list(draw(shapes(min_dims=1, max_dims=max_dims)))
        b = list(a[len(a) - draw(st.integers(1, len(a))) :])  # a suffix of a: broadcastable so far
        k = draw(st.integers(1, len(b)))  # break axis -k
        m = draw(st.integers(2, 4))
        n = draw(st.integers(2, 4).filter(lambda v: v != m))
        a[-k], b[-k] = m, n
        return tuple(a), tuple(b)

    return build()


seeds = st.integers(min_value=0, max_value=2**32 - 1)


# ----------------------------------------------------------------------------- samplers: elementwise, reductions
def inside_unit(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    """Inside (-0.9, 0.9): arcsin, arccos and arctanh, away from their poles at +-1."""
    return rng.uniform(-0.9, 0.9, shape)


def above_one(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    """Inside (1.2, 3): arccosh, away from its pole at 1."""
    return rng.uniform(1.2, 3.0, shape)


def off_steps(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    """An integer + a fraction in (0.1, 0.4) or (0.6, 0.9): off the jumps of floor, ceil, trunc
    (integers) and of round, rint (halves), and not 0 (sign)."""
    frac = rng.uniform(0.1, 0.4, shape) + rng.integers(0, 2, shape) * 0.5
    return rng.integers(-3, 3, shape) + frac


def mid_lattice(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    """An integer in [-2, 2] + a fraction in (0.25, 0.75): paired with ``near_unit`` divisors,
    a / b stays at least 0.15 from every integer (remainder and fmod are off their jumps)."""
    return rng.integers(-2, 3, shape) + rng.uniform(0.25, 0.75, shape)


def near_unit(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    """+-(0.97 ... 1.03): divisors for ``mid_lattice`` dividends."""
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.97, 1.03, shape)


def with_zeros(k: int) -> Sampler:
    """Normal values with the first ``k`` elements (in C order, so in one slice of the last
    axis) exactly 0: prod and cumprod are polynomials, smooth at zeros, where their rules need care."""

    def sample(rng: np.random.Generator, shape: Shape) -> np.ndarray:
        x = rng.standard_normal(shape)
        x.reshape(-1)[:k] = 0.0
        return x

    return sample


def scaled(sampler: Sampler, factor: float) -> Sampler:
    """``sampler``'s values times ``factor`` (e.g. off the steps of round(x, 1))."""
    return lambda rng, shape: sampler(rng, shape) * factor


# ----------------------------------------------------------------------------- matrices (linalg)
# Square samplers for the last two axes of ``shape`` (leading axes are a batch).
def well_conditioned(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    """I * 2.5 + N(0, 0.5^2) noise: singular values within about (1, 4), det far from 0
    (inv, solve, det, slogdet); non-square shapes get the identity's rectangular part."""
    return 2.5 * np.eye(*shape[-2:]) + 0.5 * rng.standard_normal(shape)


def signed_well_conditioned(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    """``well_conditioned`` with its first row negated: det < 0 (slogdet's sign -1)."""
    a = well_conditioned(rng, shape)
    a[..., 0, :] *= -1
    return a


def spd(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    """Symmetric positive definite: B B^T / n + I (cholesky)."""
    b = rng.standard_normal(shape)
    return b @ b.swapaxes(-1, -2) / shape[-1] + np.eye(shape[-1])


def symmetric_separated(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    """Q diag(w) Q^T with eigenvalues at least 0.5 apart (eigh: no near-degenerate pairs)."""
    n = shape[-1]
    q, _ = np.linalg.qr(rng.standard_normal(shape))
    w = np.cumsum(rng.uniform(0.5, 1.5, shape[:-1]), axis=-1) - n / 2
    return (q * w[..., None, :]) @ q.swapaxes(-1, -2)


def separated_singular_values(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    """U diag(s) V^T with singular values in [1, 6] at least 0.5 apart (svd, pinv: the singular
    vectors are far from their undefined, repeated-value cases)."""
    m, n = shape[-2:]
    k = min(m, n)
    u, _ = np.linalg.qr(rng.standard_normal(shape[:-2] + (m, k)))
    v, _ = np.linalg.qr(rng.standard_normal(shape[:-2] + (n, k)))
    s = 1.0 + np.cumsum(rng.uniform(0.5, 1.0, shape[:-2] + (k,)), axis=-1)
    return (u * s[..., None, :]) @ v.swapaxes(-1, -2)


# ----------------------------------------------------------------------------- samplers: knots
def off_knots(knots: np.ndarray) -> Sampler:
    """Values between consecutive knots, or up to 1 beyond the first and last, at least GAP from
    every knot (interp is piecewise linear: kinks at the knots)."""
    edges = np.concatenate([[knots[0] - 1.0], knots, [knots[-1] + 1.0]])

    def sample(rng: np.random.Generator, shape: Shape) -> np.ndarray:
        i = rng.integers(0, len(edges) - 1, shape)
        return rng.uniform(edges[i] + GAP, edges[i + 1] - GAP)

    return sample
