"""The misuse catalogue: one table of wrong calls, each with the exact error it must raise and what
its message must say (the operation, and the shapes, dtypes or values at fault).

A second table holds misuses the library answers with a documented result instead of an error
(backward twice adds, BCE with logits at +-inf is finite, ...).

Rows marked ``open`` (``xfail(strict=True)``) are gaps not fixed yet; they document the wanted
behaviour and fail loudly once a fix makes them pass, so the marker comes off.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import cli, exprparse, losses, nn, optim
from autograd_lite.nn.npzfile import ModelFileError

T = ag.Tensor


def leaf(*shape: int, value: float = 1.0) -> ag.Tensor:
    return T(np.full(shape, value), requires_grad=True)


@dataclass(frozen=True)
class Misuse:
    name: str
    call: Callable[[], Any]
    error: type[BaseException]
    message: str  # a regex searched in str(error)
    fixed_in: str = ""  # the branch whose fix makes the row pass ("open: ..." when none owns it)


# ----------------------------------------------------------------------------- helpers for the rows
def _model_file(entries: dict[str, np.ndarray]) -> Path:
    path = Path(tempfile.mkdtemp()) / "student.npz"
    np.savez(path, **entries)
    return path


def _load(entries: dict[str, np.ndarray]) -> None:
    nn.Linear(2, 3, rng=0).load(_model_file(entries))


def _good_linear() -> dict[str, np.ndarray]:
    return nn.Linear(2, 3, rng=1).state_dict()


def _bomb() -> None:
    path = Path(tempfile.mkdtemp()) / "bomb.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for k, v in _good_linear().items():
            with z.open(k + ".npy", "w") as f:
                np.lib.format.write_array(f, v)
        with z.open("extra.npy", "w") as f:
            np.lib.format.write_array(f, np.zeros(4_000_000))  # 32 MB, compresses to ~30 kB
    nn.Linear(2, 3, rng=0).load(path)


def _backward_after_step() -> None:
    w = nn.Parameter(np.ones(3))
    opt = optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    loss = (w * w).sum()
    opt.step()  # changes w in place after mul saved it
    loss.backward()


def _backward_after_data_assignment() -> None:
    w = leaf(3)
    loss = (w * w).sum()
    w.data = np.zeros(3)
    loss.backward()


def _wrong_grad_assignment() -> None:
    w = leaf(3)
    w.grad = np.ones(2)


def _data_of_another_shape() -> None:
    w = leaf(3)
    w.data = np.ones(2)


def _data_of_strings() -> None:
    w = leaf(3)
    w.data = np.array(["a", "b", "c"])


def _rule_of_wrong_shape() -> None:
    bad = ag.primitive("badshape", lambda a: a * 2, lambda g, out, a: np.ones(7))
    bad(leaf(3)).sum().backward()


def _forward_returning_text() -> None:
    bad = ag.primitive("badout", lambda a: "x", lambda g, out, a: g)
    bad(leaf(3))


def _rule_returning_complex() -> None:
    bad = ag.primitive("badcomplex", lambda a: a, lambda g, out, a: g * 1j)
    bad(leaf(3)).sum().backward()


def _gradcheck_number() -> None:
    ag.gradcheck(lambda x: float((x * x).sum().item()), np.ones(2))


def _gradcheck_backward() -> None:
    def f(x: ag.Tensor) -> ag.Tensor:
        y = (x * x).sum()
        y.backward()
        return y

    ag.gradcheck(f, np.ones(2))


def _fit(X: np.ndarray, y: np.ndarray, epochs: int = 1) -> None:
    m = nn.Linear(3, 2, rng=0)
    ag.train.fit(m, losses.cross_entropy, optim.SGD(m.parameters(), lr=0.1), X, y, epochs=epochs, progress=False)


def _anomaly_log0() -> None:
    with ag.detect_anomaly():
        ag.log(leaf(2, value=0.0))


def _anomaly_backward() -> None:
    with ag.detect_anomaly():
        ag.sqrt(T(np.array([0.0, 1.0]), requires_grad=True)).sum().backward()


def _step_without_gradients() -> None:
    w = nn.Parameter(np.ones(3))
    optim.SGD([w], lr=0.1).step()


MISUSES = [
    # --- values: dtypes, shapes, kinds of data
    Misuse("int-requires-grad", lambda: T(np.array([1, 2]), requires_grad=True), TypeError,
           r"Tensor: requires_grad=True needs floating-point data, got int64 \(shape \(2,\)\)"),
    Misuse("bool-requires-grad", lambda: T(np.array([True]), requires_grad=True), TypeError,
           r"Tensor: requires_grad=True needs floating-point data, got bool \(shape \(1,\)\)"),
    Misuse("int-requires-grad_", lambda: T(np.ones(3, int)).requires_grad_(), TypeError,
           r"requires_grad_: integer tensor \(int64\) cannot require grad"),
    Misuse("object-array", lambda: T(np.array([{}, 1], dtype=object)), TypeError, r"Tensor: .*object.* not numeric"),
    Misuse("strings", lambda: T(["a", "b"]), TypeError, r"Tensor: .*('a'|<U1)"),
    Misuse("ragged-list", lambda: T([[1, 2], [3]]), TypeError, r"Tensor: .*inhomogeneous shape"),
    Misuse("complex-tensor", lambda: T(np.array([1 + 2j])), TypeError, r"Tensor: complex data \(complex128\)"),
    Misuse("complex-operand", lambda: leaf(4) * np.full(4, 1j), TypeError, r"mul: complex .*\(4,\)"),
    Misuse("name-not-text", lambda: T(1.0, name=123), TypeError, r"Tensor: name must be a str, got int \(123\)"),
    Misuse("none-as-data", lambda: T(None), TypeError, r"Tensor: .*None"),
    Misuse("parameter-int", lambda: nn.Parameter(np.array([1, 2])), TypeError,
           r"Parameter: needs floating-point data, got int64 \(shape \(2,\)\)"),
    # --- operations: shapes and axes
    Misuse("matmul-shapes", lambda: T(np.ones((3, 4))) @ T(np.ones((5, 2))), ValueError,
           r"matmul: shapes \(3, 4\) and \(5, 2\) are not aligned: 4 \(dim 1 of a\) != 5 \(dim 0 of b\)"),
    Misuse("matmul-0d", lambda: T(2.0) @ T(np.ones(2)), ValueError,
           r"matmul: operands must be at least 1-D, got shapes \(\) and \(2,\); use \* for scalars"),
    Misuse("add-broadcast", lambda: leaf(3, 4) + T(np.ones((2, 4))), ValueError,
           r"add: shapes \(3, 4\) and \(2, 4\) do not broadcast together"),
    Misuse("reshape-size", lambda: leaf(3, 4).reshape(5, 3), ValueError,
           r"reshape: invalid input \(\(3, 4\) float64\): cannot reshape array of size 12 into shape \(5, ?3\)"),
    Misuse("sum-axis", lambda: leaf(3, 4).sum(axis=2), IndexError,
           r"sum: invalid input \(\(3, 4\) float64\): axis 2 is out of bounds for array of dimension 2"),
    Misuse("sum-huge-axis", lambda: leaf(3, 4).sum(axis=10**30), ValueError,
           r"sum: an integer argument is too large \(axis=10{30}.*shape \(3, 4\)"),
    Misuse("max-empty", lambda: leaf(0).max(), ValueError, r"max: invalid input \(\(0,\) float64\): zero-size array"),
    Misuse("mean-0d-axis-1", lambda: T(1.0).mean(axis=1), ValueError,
           r"mean: axis 1 is out of bounds for a tensor of shape \(\)"),
    Misuse("transpose-repeated", lambda: leaf(3, 4).transpose(0, 0), ValueError,
           r"transpose: invalid input \(\(3, 4\) float64\): repeated axis"),
    Misuse("getitem-out-of-bounds", lambda: leaf(3, 4)[5], IndexError,
           r"getitem: invalid input \(\(3, 4\) float64\): index 5 is out of bounds for axis 0 with size 3"),
    Misuse("broadcast_to", lambda: ag.broadcast_to(leaf(3, 4), shape=(2, 3)), ValueError,
           r"broadcast_to: shape \(3, 4\) cannot be broadcast to \(2, 3\)"),
    Misuse("concatenate-shapes", lambda: ag.concatenate([leaf(3, 4), leaf(2, 3)], axis=0), ValueError,
           r"concatenate: invalid input \(\(3, 4\) float64, \(2, 3\) float64\)"),
    Misuse("stack-shapes", lambda: ag.stack([leaf(3, 4), leaf(2, 3)]), ValueError,
           r"stack: invalid input \(\(3, 4\) float64, \(2, 3\) float64\): all input arrays must have the same shape"),
    Misuse("where-shapes", lambda: ag.where(np.ones((2, 2), bool), leaf(3, 4), leaf(3, 4)), ValueError,
           r"where: shapes \(2, 2\) and \(3, 4\) and \(3, 4\) do not broadcast together"),
    Misuse("scatter-index", lambda: ag.ops.scatter_add(leaf(3), shape=(2,), index=np.array([0, 5, 1])), IndexError,
           r"scatter_add: invalid input \(\(3,\) float64\): index 5 is out of bounds for axis 0 with size 2"),
    Misuse("softmax-axis", lambda: ag.softmax(leaf(3, 4), axis=5), ValueError,
           r"softmax: axis 5 is out of bounds for a tensor of shape \(3, 4\)"),
    Misuse("var-ddof", lambda: leaf(2).var(ddof=3), ValueError, r"var: 2 elements with ddof=3 leave no degrees"),
    # --- conversions and queries
    Misuse("float-of-many", lambda: float(leaf(3, 4)), ValueError,
           r"item: the tensor has shape \(3, 4\); item\(\) needs exactly one element"),
    Misuse("bool-of-many", lambda: bool(leaf(3, 4)), ValueError, r"truth value of a tensor of shape \(3, 4\)"),
    Misuse("np.array-of-grad-tensor", lambda: np.array(leaf(3, 4)), TypeError,
           r"cannot convert a Tensor of shape \(3, 4\) float64 that requires grad"),
    Misuse("np.histogram-unrecorded", lambda: np.histogram(leaf(3, 4)), TypeError,
           r"numpy.histogram has no gradient rule .*shape \(3, 4\) float64"),
    Misuse("setitem-on-leaf", lambda: leaf(3, 4).__setitem__(0, 1.0), TypeError, r"item assignment"),
    # --- backward, gradients, versions
    Misuse("backward-non-scalar", lambda: (leaf(3, 4) * 2).backward(), RuntimeError,
           r"backward: the output has shape \(3, 4\); pass grad= of that shape"),
    Misuse("backward-grad-shape", lambda: (leaf(3, 4) * 2).backward(np.ones(3)), ValueError,
           r"backward: grad has shape \(3,\) but the output has shape \(3, 4\)"),
    Misuse("backward-no-grad", lambda: T(1.0).backward(), RuntimeError,
           r"backward: this tensor does not require grad"),
    Misuse("backward-after-optimizer-step", _backward_after_step, RuntimeError,
           r"backward: a tensor \(input 0 of mul, shape \(3,\) float64\) was changed in place"),
    Misuse("backward-after-data-assignment", _backward_after_data_assignment, RuntimeError,
           r"backward: a tensor \(input 0 of mul, shape \(3,\) float64\) was changed in place"),
    Misuse("grad-assigned-wrong-shape", _wrong_grad_assignment, ValueError,
           r"tensor.grad: a gradient of shape \(2,\) float64 for a tensor of shape \(3,\) float64"),
    Misuse("data-assigned-wrong-shape", _data_of_another_shape, ValueError,
           r"tensor.data: the new value has shape \(2,\) but the tensor has shape \(3,\)"),
    Misuse("data-assigned-strings", _data_of_strings, TypeError, r"tensor.data: .*<U1.* not numeric"),
    Misuse("anomaly-forward", _anomaly_log0, FloatingPointError,
           r"detect_anomaly: log produced NaN/Inf in its forward pass \(inputs: shape \(2,\) float64\)"),
    Misuse("anomaly-backward", _anomaly_backward, FloatingPointError,
           r"detect_anomaly: the gradient pow sends to its input 0 \(shape \(2,\) float64\) contains NaN/Inf"),
    # --- user primitives
    Misuse("primitive-rules-count", lambda: ag.primitive("f", lambda a, b: a * b, lambda g, out, a, b: g), TypeError,
           r"primitive 'f': its forward takes 2 inputs but 1 vjp rule was given"),
    Misuse("primitive-rule-not-callable", lambda: ag.primitive("f", lambda a: a, 3), TypeError,
           r"primitive 'f': rule 0 must be callable or None, got int"),
    Misuse("primitive-name-not-text", lambda: ag.primitive(3, lambda a: a, lambda g, out, a: g), TypeError,
           r"primitive: name must be a str"),
    Misuse("primitive-rule-shape", _rule_of_wrong_shape, ValueError,
           r"badshape: its gradient rule returned shape \(7,\), which does not reduce to the input's shape \(3,\)"),
    Misuse("primitive-forward-text", _forward_returning_text, TypeError, r"badout: its forward returned str \('x'\)"),
    Misuse("primitive-rule-complex", _rule_returning_complex, TypeError, r"badcomplex: .*complex"),
    # --- optimizers
    Misuse("optimizer-empty", lambda: optim.SGD([], lr=0.1), ValueError, r"SGD: got an empty parameter list"),
    Misuse("optimizer-negative-lr", lambda: optim.SGD([nn.Parameter(np.ones(3))], lr=-1), ValueError,
           r"SGD: lr must be >= 0, got -1"),
    Misuse("optimizer-ndarray", lambda: optim.SGD([np.ones(3)], lr=0.1), TypeError,
           r"SGD: params must be tensors, item 0 is ndarray"),
    Misuse("optimizer-int-tensor", lambda: optim.SGD([T(np.ones(3, int))], lr=0.1), ValueError,
           r"SGD: parameter 0 must be a leaf tensor with requires_grad=True"),
    Misuse("optimizer-without-gradients", _step_without_gradients, RuntimeError, r"SGD.*no gradient"),
    # --- losses and training
    Misuse("ce-float-labels", lambda: losses.cross_entropy(leaf(2, 3), np.array([0.0, 1.0])), TypeError,
           r"cross_entropy: labels must be integer class indices, got dtype float64"),
    Misuse("ce-label-range", lambda: losses.cross_entropy(leaf(2, 3), np.array([0, 3])), ValueError,
           r"cross_entropy: labels must be in \[0, 3\) for 3 classes, got \[3\]"),
    Misuse("ce-1d-scores", lambda: losses.cross_entropy(leaf(3), np.array([0])), ValueError,
           r"cross_entropy: expected scores of shape \(N, C\), got \(3,\)"),
    Misuse("ce-0d-label", lambda: losses.cross_entropy(leaf(2, 3), np.array(1)), ValueError,
           r"cross_entropy: scores of shape \(2, 3\) need 2 labels of shape \(2,\), got shape \(\)"),
    Misuse("mse-shapes", lambda: losses.mse_loss(leaf(2, 3), np.zeros((3, 2))), ValueError,
           r"mse_loss: input of shape \(2, 3\) and target of shape \(3, 2\) must have the same shape"),
    Misuse("bce-reduction", lambda: losses.binary_cross_entropy_with_logits(leaf(2), np.zeros(2), reduction="avg"),
           ValueError, r"binary_cross_entropy_with_logits: reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    Misuse("bce-not-probabilities", lambda: losses.binary_cross_entropy(leaf(3, value=1.5), np.zeros(3)), ValueError,
           r"binary_cross_entropy: input must be probabilities in \[0, 1\]"),
    Misuse("fit-empty-data", lambda: _fit(np.zeros((0, 3)), np.zeros(0, int)), ValueError,
           r"fit: no training examples \(X has shape \(0, 3\)\)"),
    Misuse("fit-zero-epochs", lambda: _fit(np.zeros((4, 3)), np.zeros(4, int), epochs=0), ValueError,
           r"fit: epochs must be a positive integer, got 0"),
    Misuse("minibatches-misaligned", lambda: ag.data.Minibatches(np.zeros((3, 2)), np.zeros(4)), ValueError,
           r"Minibatches: arrays disagree on the number of examples: shapes \[\(3, 2\), \(4,\)\]"),
    Misuse("linear-features", lambda: nn.Linear(3, 2)(T(np.ones((4, 5)))), ValueError,
           r"Linear\(3, 2\): input of shape \(4, 5\) needs 3 features on its last axis"),
    Misuse("batchnorm-one-example", lambda: nn.BatchNorm1d(4)(T(np.ones((1, 4)))), ValueError,
           r"BatchNorm1d: training needs a batch of at least 2 examples"),
    Misuse("dropout-p", lambda: nn.Dropout(1.5), ValueError, r"Dropout: p must be a probability in \[0, 1\], got 1.5"),
    # --- gradcheck
    Misuse("gradcheck-number", _gradcheck_number, TypeError,
           r"gradcheck: f returned a plain float \(\[2.0\]\), not a Tensor"),
    Misuse("gradcheck-calls-backward", _gradcheck_backward, RuntimeError,
           r"gradcheck: f called .backward\(\) itself \(it set the gradient of input 0\)"),
    Misuse("gradcheck-vector", lambda: ag.gradcheck(lambda a: a * 2, np.ones(3)), ValueError,
           r"gradcheck: f must return a one-element Tensor, got shape \(3,\)"),
    Misuse("gradcheck-eps", lambda: ag.gradcheck(lambda a: a.sum(), np.ones(3), eps=0), ValueError,
           r"gradcheck: eps must be positive, got 0.0"),
    # --- model files
    Misuse("load-extra-entry", lambda: _load(dict(_good_linear(), extra=np.ones(2))), ModelFileError,
           r"student.npz' does not fit Linear: unexpected entries: extra"),
    Misuse("load-missing-entry", lambda: _load({"weight": np.ones((2, 3))}), ModelFileError,
           r"student.npz' does not fit Linear: missing entries: bias"),
    Misuse("load-wrong-shape", lambda: _load(dict(_good_linear(), weight=np.ones((3, 2)))), ModelFileError,
           r"student.npz': entry weight has shape \(3, 2\), the model needs \(2, 3\)"),
    Misuse("load-objects", lambda: _load(dict(_good_linear(), bias=np.array([{}, 1, 2], dtype=object))),
           ModelFileError, r"student.npz' as a saved model: entry bias: it holds Python objects \(dtype object\)"),
    Misuse("load-complex", lambda: _load(dict(_good_linear(), bias=np.ones(3, complex))), ModelFileError,
           r"entry bias: dtype complex128; a model's entries are real numbers"),
    Misuse("load-bomb", _bomb, ModelFileError, r"bomb.npz' (does not fit Linear: unexpected entries: extra|is \d)"),
    Misuse("load-no-file", lambda: nn.Linear(2, 3).load("/nonexistent/m"), FileNotFoundError,
           r"load: no such file: '/nonexistent/m'"),
    # --- the command line's expression language
    Misuse("cli-attribute", lambda: exprparse.evaluate("x.__class__", {"x": 1.0}), exprparse.ExpressionError,
           r"attribute access: 'x.__class__' at column 1 is not allowed"),
    Misuse("cli-exponent", lambda: exprparse.evaluate("x ** 1000", {"x": 1.0}), exprparse.ExpressionError,
           r"exponent 1000 is beyond the limit \|exponent\| <= 100"),
    Misuse("cli-unknown-variable", lambda: exprparse.evaluate("x + y", {"x": 1.0}), exprparse.ExpressionError,
           r"unknown variable 'y' at column 5; give it a value with --at y=VALUE"),
    Misuse("cli-ragged-value", lambda: exprparse.parse_value("x", "[[1,2],[3]]"), exprparse.ExpressionError,
           r"--at x: the array is ragged or not all numbers"),
    Misuse("cli-syntax-warning", lambda: exprparse.evaluate("x + 1if 1 else 2", {"x": 1.0}),
           exprparse.ExpressionError, r"cannot parse the expression at column 5: invalid decimal literal"),
    Misuse("cli-too-many-variables", lambda: cli._variables([f"x{i}=1" for i in range(10_000)]), cli.UsageError,
           r"--at: 10,000 variables exceed the limit of 1,000"),
]  # fmt: skip


def _param(row: Any) -> Any:
    if not row.fixed_in:
        return pytest.param(row, id=row.name)
    reason = row.fixed_in if row.fixed_in.startswith("open") else f"fixed in branch {row.fixed_in}"
    return pytest.param(row, id=row.name, marks=pytest.mark.xfail(strict=True, reason=reason))


def test_the_catalogue_is_large_and_its_names_unique():
    names = [m.name for m in MISUSES] + [o.name for o in OUTCOMES]
    assert len(MISUSES) >= 60 and len(set(names)) == len(names)


@pytest.mark.parametrize("misuse", [_param(m) for m in MISUSES])
def test_misuse_raises_a_clear_error(misuse: Misuse):
    with pytest.raises(BaseException) as info:
        misuse.call()
    err = info.value
    assert type(err) is misuse.error, f"{misuse.name}: {type(err).__name__}: {err}"
    text = str(err)
    assert re.search(misuse.message, text), f"{misuse.name}: {text!r} does not match {misuse.message!r}"
    assert "\n" not in text.strip() or isinstance(err, AssertionError), f"{misuse.name}: not one line: {text!r}"


# ----------------------------------------------------------------------------- answered, not refused
@dataclass(frozen=True)
class Outcome:
    name: str
    call: Callable[[], bool]  # True when the documented behaviour holds
    fixed_in: str = ""


def _twice() -> bool:
    x = leaf(3, value=2.0)
    y = (x * x).sum()
    y.backward()
    once = x.grad.numpy().copy()
    y.backward()
    return np.array_equal(x.grad.numpy(), 2 * once)  # accumulates, as PyTorch with retain_graph=True


def _bce_at_inf() -> bool:
    s = T(np.array([np.inf, np.inf, -np.inf, -np.inf]), requires_grad=True)
    t = np.array([1.0, 0.0, 0.0, 1.0])
    loss = losses.binary_cross_entropy_with_logits(s, t, reduction="none")
    loss.sum().backward()
    return np.array_equal(loss.numpy(), [0, np.inf, 0, np.inf]) and np.array_equal(s.grad.numpy(), [0, 1, 0, -1])


def _logsumexp_empty() -> bool:
    x = leaf(0)
    y = ag.logsumexp(x)
    y.backward()
    return y.item() == -np.inf and x.grad.shape == (0,)


def _zero_d_axis() -> bool:
    return T(3.0).sum(axis=0).item() == 3.0 and T(3.0).max(axis=-1).item() == 3.0  # as numpy


def _zero_d_data_stays_an_array() -> bool:
    p = nn.Parameter(1.0)
    (p * 3).backward()
    p.data = p.data - 0.1 * p.grad.numpy()
    return isinstance(p.data, np.ndarray) and p.data.shape == ()


def _no_grad_bare_decorator() -> bool:
    @ag.no_grad  # type: ignore[arg-type]
    def f(a: ag.Tensor) -> ag.Tensor:
        return a * 2

    return not f(leaf(2)).requires_grad


def _save_load_same_path() -> bool:
    here = Path(tempfile.mkdtemp()) / "m"
    a, b = nn.Linear(2, 3, rng=0), nn.Linear(2, 3, rng=1)
    a.save(here)
    b.load(here)
    return np.array_equal(a.weight.numpy(), b.weight.numpy())


OUTCOMES = [
    Outcome("backward-twice-accumulates", _twice),
    Outcome("bce-with-logits-at-inf-is-finite-where-defined", _bce_at_inf),
    Outcome("save-and-load-the-same-path", _save_load_same_path),
    Outcome("logsumexp-of-empty-is-minus-inf", _logsumexp_empty),
    Outcome("0d-axis-0-reductions-as-numpy", _zero_d_axis),
    Outcome("0d-data-assignment-keeps-an-array", _zero_d_data_stays_an_array),
    Outcome("no_grad-without-parentheses-decorates", _no_grad_bare_decorator),
]


@pytest.mark.parametrize("outcome", [_param(o) for o in OUTCOMES])
def test_misuse_answered_with_the_documented_result(outcome: Outcome):
    assert outcome.call() is True
