"""A differential fuzzer: random programs over the op-spec table, against float64 finite differences.

A program is a few steps; each step calls one spec of ``test_ops_spec.SPECS`` (so every primitive
and composite with a spec -- and every one added later with its spec -- is drawn), on inputs that
are fresh leaves in the spec's domain or earlier results reused through a small adapter that keeps
the domain: ``leaf * (1 + 0.01 tanh(v))`` (no sign, order or bound changes: the samplers keep a
gap of 0.1 from every kink) or, for unconstrained inputs, ``tanh(v) + leaf / 2``.  A result whose
shape broadcasts to the input's feeds it elementwise, otherwise through its mean.  Binary
elementwise specs get random broadcasting shapes.  Some reuses are cut: ``detach()`` or built
under ``no_grad()``.

The numpy side runs the same program with the specs' numpy references, cut values frozen at the
base point.  Checked: every step's value, and the gradient of sum_k <w_k, step_k> for every leaf
against central differences of the numpy program in float64 (a cut leaf's gradient is zero).

``make test`` runs ``FAST`` programs; the slow marker runs ``SLOW`` longer ones (more with the
environment variable ``AUTOGRAD_LITE_FUZZ=<n>``).
"""

from __future__ import annotations

import functools
import os
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings

import autograd_lite as ag

from . import strategies as S
from ._numeric import central_difference
from .opspec import Spec
from .test_ops_spec import SPECS

FAST = 40
SLOW = int(os.environ.get("AUTOGRAD_LITE_FUZZ", "200"))


@dataclass
class Arg:
    """One input of a step: a fresh leaf, optionally mixed with an earlier step's result."""

    leaf: int  # index into the program's leaves
    source: int | None = None  # an earlier step whose result is reused
    smooth: bool = False  # tanh(v) + leaf / 2 (unconstrained domain) instead of leaf * (1 + 0.01 tanh(v))
    whole: bool = True  # v broadcasts to the input's shape; otherwise its mean is used
    cut: str = ""  # "", "detach" or "no_grad"

    @property
    def kind(self) -> str:
        return ("tanh" if self.smooth else "scale") + ("" if self.whole else "-mean")


@dataclass
class Program:
    steps: list[tuple[Spec, list[Arg]]] = field(default_factory=list)
    leaves: list[np.ndarray] = field(default_factory=list)
    weights: list[np.ndarray] = field(default_factory=list)

    def describe(self) -> str:
        parts = []
        for k, (spec, args) in enumerate(self.steps):
            ins = [f"L{a.leaf}" if a.source is None else f"L{a.leaf}<{a.cut}{a.kind}(s{a.source})" for a in args]
            parts.append(f"s{k} = {spec.id}({', '.join(ins)})")
        return "; ".join(parts)


def _domains(spec: Spec, n: int) -> list[Any]:
    return list(spec.domain) if isinstance(spec.domain, (list, tuple)) else [spec.domain] * n


def _broadcast_shapes(rng: np.random.Generator, n: int) -> list[S.Shape]:
    """n shapes that broadcast together: a random base, each input dropping leading axes or setting sides to 1."""
    base = tuple(int(d) for d in rng.integers(1, 4, rng.integers(0, 4)))
    out = []
    for _ in range(n):
        shape = list(base[rng.integers(0, len(base) + 1) :])
        out.append(tuple(1 if rng.random() < 0.3 else d for d in shape))
    return out


def build(rng: np.random.Generator, n_steps: int, specs: list[Spec] = SPECS) -> Program:
    """A random program; the numpy reference decides the shapes (a step's output feeds later steps)."""
    prog = Program()
    shapes: list[S.Shape] = []
    for _ in range(n_steps):
        spec = specs[rng.integers(len(specs))]
        in_shapes = list(spec.shapes)
        if spec.broadcasts and rng.random() < 0.7:
            in_shapes = _broadcast_shapes(rng, len(in_shapes))
        args = []
        for shape, domain in zip(in_shapes, _domains(spec, len(in_shapes)), strict=True):
            prog.leaves.append(np.asarray(domain(rng, shape), dtype=np.float64))
            arg = Arg(leaf=len(prog.leaves) - 1)
            if shapes and rng.random() < 0.6:
                arg.source = int(rng.integers(len(shapes)))
                src = shapes[arg.source]
                arg.whole = _fits(src, shape)
                arg.smooth = domain is S.normal
                arg.cut = str(rng.choice(["", "", "", "", "detach", "no_grad"]))
            args.append(arg)
        prog.steps.append((spec, args))
        out = run_numpy(prog)[0][-1]
        shapes.append(np.shape(out))
        prog.weights.append(rng.standard_normal(np.shape(out)))
    return prog


def _fits(src: S.Shape, shape: S.Shape) -> bool:
    try:
        return tuple(np.broadcast_shapes(src, shape)) == tuple(shape)
    except ValueError:
        return False


def _adapt(arg: Arg, leaf: Any, v: Any, tanh: Any) -> Any:
    v = v if arg.whole else v.mean()
    return tanh(v) + leaf * 0.5 if arg.smooth else leaf * (1 + 0.01 * tanh(v))


def run_numpy(prog: Program, leaves: list[np.ndarray] | None = None, frozen: dict | None = None):
    """(step values, cut values) of the program in numpy; ``frozen`` replaces the cut inputs (constants)."""
    leaves = prog.leaves if leaves is None else leaves
    values: list[np.ndarray] = []
    cuts: dict[tuple[int, int], np.ndarray] = {}
    for k, (spec, args) in enumerate(prog.steps):
        ins = []
        for j, a in enumerate(args):
            x = leaves[a.leaf]
            if a.source is not None:
                v = values[a.source]
                if a.cut == "detach":  # v is a constant; the leaf still flows
                    v = cuts[(k, j)] = v if frozen is None else frozen[(k, j)]
                x = _adapt(a, x, v, np.tanh)
                if a.cut == "no_grad":  # the whole input is a constant
                    x = cuts[(k, j)] = x if frozen is None else frozen[(k, j)]
            ins.append(x)
        values.append(np.asarray(spec.ref(*ins)))
    return values, cuts


def run_recording(prog: Program, leaf: Any = None, tanh: Any = ag.tanh, no_grad: Any = ag.no_grad):
    """(leaves, step values) of the program on a recording library: autograd_lite by default, or PyTorch
    given its leaf constructor, tanh and no_grad (the specs' fns are then called on torch tensors)."""
    leaves = [(leaf or (lambda x: ag.Tensor(x, requires_grad=True)))(x) for x in prog.leaves]
    values: list[Any] = []
    for spec, args in prog.steps:
        ins = []
        for a in args:
            x = leaves[a.leaf]
            if a.source is not None:
                if a.cut == "no_grad":
                    with no_grad():
                        x = _adapt(a, x, values[a.source], tanh)
                else:
                    v = values[a.source].detach() if a.cut == "detach" else values[a.source]
                    x = _adapt(a, x, v, tanh)
            ins.append(x)
        values.append(spec.fn(*ins))
    return leaves, values


def _tolerances(prog: Program) -> list[tuple[float, float, float]]:
    """(eps, rtol, atol) per leaf: the loosest among the specs its value reaches (a float32 step downstream
    needs a big step and wide tolerances; other leaves keep the fine ones)."""
    reach = [{k} for k in range(len(prog.steps))]  # the steps each step's result flows into
    for k in reversed(range(len(prog.steps))):
        for a in prog.steps[k][1]:
            if a.source is not None:
                reach[a.source] |= reach[k]
    out: list[tuple[float, float, float]] = [(1e-6, 1e-5, 1e-6)] * len(prog.leaves)
    for k, (_, args) in enumerate(prog.steps):
        for a in args:
            eps, rtol, atol = out[a.leaf]
            for j in reach[k]:
                tol = prog.steps[j][0].tol
                eps, rtol, atol = (
                    max(eps, tol.get("eps", eps)),
                    max(rtol, tol.get("rtol", rtol)),
                    max(atol, tol.get("atol", atol)),
                )
            out[a.leaf] = (eps, rtol, atol)
    return out


def check(prog: Program) -> None:
    expected, cuts = run_numpy(prog)
    leaves, values = run_recording(prog)
    for k, (out, ref) in enumerate(zip(values, expected, strict=True)):
        assert isinstance(out, ag.Tensor) and out.shape == ref.shape, (k, prog.describe())
        loose = any(v.dtype == np.float32 for v in values[: k + 1])  # float32 rounding flows downstream
        np.testing.assert_allclose(out.data, ref, rtol=1e-5 if loose else 1e-9, atol=1e-6 if loose else 1e-12,
                                   err_msg=f"value of step {k}: {prog.describe()}")  # fmt: skip
    loss = ag.sum(ag.stack([(v * w).sum().astype(np.float64) for v, w in zip(values, prog.weights, strict=True)]))
    if loss.requires_grad:
        loss.backward()

    def numeric_loss(*xs: np.ndarray) -> float:
        vals, _ = run_numpy(prog, list(xs), cuts)
        return float(sum(np.sum(np.asarray(v, dtype=np.float64) * w) for v, w in zip(vals, prog.weights, strict=True)))

    for i, (leaf, (eps, rtol, atol)) in enumerate(zip(leaves, _tolerances(prog), strict=True)):
        got = np.zeros(leaf.shape) if leaf.grad is None else leaf.grad.data
        want = central_difference(numeric_loss, prog.leaves, i, eps=eps)
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=f"gradient of L{i}: {prog.describe()}")


# ----------------------------------------------------------------------------- the runs
@settings(max_examples=FAST, derandomize=True)
@given(seed=S.seeds)
def test_random_programs_match_finite_differences(seed):
    rng = np.random.default_rng(seed)
    check(build(rng, int(rng.integers(2, 6))))


@pytest.mark.slow
@settings(max_examples=SLOW)
@given(seed=S.seeds)
def test_many_longer_random_programs(seed):
    rng = np.random.default_rng(seed)
    check(build(rng, int(rng.integers(4, 12))))


def test_every_spec_is_drawn_and_a_wrong_rule_is_caught():
    """The fuzzer draws from the whole table, and fails on a gradient rule that is wrong."""
    rng = np.random.default_rng(0)
    drawn = {spec.id for _ in range(20 * len(SPECS)) for spec, _ in build(rng, 1).steps}  # misses one: ~e^-20
    assert drawn == {s.id for s in SPECS}
    bad = ag.primitive("bad_square", lambda x: x * x, lambda g, out, x: g * 2.05 * x)
    spec = Spec("bad_square", bad, np.square, ((2, 3),))
    prog = Program(steps=[(spec, [Arg(0)])], leaves=[np.ones((2, 3))], weights=[np.ones((2, 3))])
    with pytest.raises(AssertionError, match="gradient of L0"):
        check(prog)


# ----------------------------------------------------------------------------- PyTorch, optional
@functools.cache
def _torch_specs() -> list[Spec]:
    """The specs whose fn runs unchanged on torch tensors (operators and shared methods) with numpy's values."""
    import torch

    out = []
    for spec in SPECS:
        arrays = spec.sample(np.random.default_rng(0))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                y = spec.fn(*[torch.tensor(a, requires_grad=True) for a in arrays])
            if isinstance(y, torch.Tensor) and np.allclose(y.detach().numpy(), spec.ref(*arrays), rtol=1e-12):
                out.append(spec)
        except Exception:
            continue
    return out


def _weighted_sum(values: list[Any], prog: Program, const: Any) -> Any:
    return sum(((v * const(w)).sum() for v, w in zip(values, prog.weights, strict=True)), start=0.0)


@pytest.mark.filterwarnings("ignore:The use of `x.T`:UserWarning")
@settings(max_examples=FAST, derandomize=True)
@given(seed=S.seeds)
def test_random_programs_agree_with_pytorch(seed):
    """The same programs over the specs torch tensors take, gradients against torch.autograd's."""
    torch = pytest.importorskip("torch")
    specs = _torch_specs()
    assert len(specs) >= 20, [s.id for s in specs]
    rng = np.random.default_rng(seed)
    prog = build(rng, int(rng.integers(2, 7)), specs)
    ours, our_values = run_recording(prog)
    theirs, their_values = run_recording(prog, lambda x: torch.tensor(x, requires_grad=True), torch.tanh, torch.no_grad)
    for loss in (_weighted_sum(our_values, prog, lambda w: w), _weighted_sum(their_values, prog, torch.tensor)):
        if loss.requires_grad:
            loss.backward()
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        want = np.zeros(a.shape) if b.grad is None else b.grad.numpy()
        got = np.zeros(a.shape) if a.grad is None else a.grad.numpy()
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, err_msg=f"L{i}: {prog.describe()}")
