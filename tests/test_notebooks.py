"""The notebooks stay true: each runs top to bottom in a real Jupyter kernel without an error output,
reproduces the numbers it states (its ``KEY_NUMBERS``, compared here with the course's values), and is
stored with its outputs.

How a notebook is run lives in notebooks/execute.py (shared with ``make notebooks``): ipykernel's
"python3" kernel started with this interpreter, importing this checkout's autograd_lite.
"""

from __future__ import annotations

import importlib.util
import math
import os
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient.exceptions import CellExecutionError

_spec = importlib.util.spec_from_file_location(
    "notebook_execute", Path(__file__).resolve().parent.parent / "notebooks" / "execute.py"
)
execute = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(execute)

NOTEBOOKS = execute.notebooks()
COURSE = 0.005  # the course states its numbers to two decimals


class Between:
    """An expected number known only to lie in [lo, hi] (an accuracy, a relative error)."""

    def __init__(self, lo: float, hi: float) -> None:
        self.lo, self.hi = lo, hi

    def __eq__(self, other: object) -> bool:
        return isinstance(other, (int, float)) and not isinstance(other, bool) and self.lo <= other <= self.hi

    def __repr__(self) -> str:
        return f"Between({self.lo}, {self.hi})"


def exactly(value: float) -> Between:
    """A closed form the notebook computes in floating point (to 1e-12, not the course's two decimals)."""
    return Between(value - 1e-12, value + 1e-12)


NEURON = {"f": 0.73, "grads": [-0.20, 0.39, -0.39, -0.59, 0.20]}  # w0, x0, w1, x1, w2
SIMPLE_GRAPH = {"f": -12, "dx": -4, "dy": -4, "dz": 3}  # (x + y) z at x = -2, y = 5, z = -4
RELU_VECTOR = [4, 0, 5, 0]  # relu at [1, -2, 3, -1], upstream [4, -1, 5, 9]

# What each notebook must reproduce: the course's numbers (two decimals), closed forms worked out by
# hand, and ranges where a number depends on seeded data. A notebook stating KEY_NUMBERS needs an entry.
EXPECTED: dict[str, dict[str, Any]] = {
    "01_linear_classifiers.ipynb": {
        "bias_trick_gap": Between(0, 1e-12),  # x W + b == [x, 1] [W; b]
        # the lecture's table: scores of (cat, car, frog) for the cat, car and frog images
        "hinge_losses": [2.9, 0, 12.9],
        "hinge_mean": 5.27,
        "hinge_by_hand": [2.9, 0, 12.9],
        "cat_exp_scores": [24.53, 164.02, 0.18],
        "cat_probabilities": [0.13, 0.87, 0.00],
        "cat_softmax_loss": 2.04,  # -ln 0.13
        "l2_penalties": [1.0, 0.25],  # w1 = (1, 0, 0, 0) vs w2 = (1/4, 1/4, 1/4, 1/4)
        # class 0 with scores (10, -2, 3), (10, 9, 9), (10, -100, -100): the SVM is content with all three
        "svm_vs_softmax": {
            "svm": [0, 0, 0],
            "softmax": [math.log(1 + math.exp(-12) + math.exp(-7)), math.log(1 + 2 * math.exp(-1)), 0],
        },
        "initial_softmax_loss": Between(2.29, 2.32),  # ln 10 = 2.303 with 0.01 randn weights
        "initial_svm_loss": Between(8.95, 9.05),  # C - 1 = 9
        "softmax_val_accuracy": Between(0.9, 0.99),  # linear classifiers on the 8x8 digits
        "svm_val_accuracy": Between(0.9, 0.99),
        "agreement": Between(0.9, 1.0),
    },
    "05_training_neural_networks.ipynb": {
        "sigmoid_grad_at_0_and_10": [0.25, Between(4.53e-5, 4.55e-5)],  # s (1 - s): 1/4, saturated at 10
        "tanh_grad_at_0": 1.0,
        "relu_grad_at_-1_and_2": [0, 1],
        # std of the 10th hidden layer's activations (unit-Gaussian input, 256 units per layer)
        "layer10_activation_std": {
            "small random, tanh": Between(0, 1e-6),  # x 0.16 per layer: collapses to 0
            "too large, tanh": Between(0.9, 1.0),  # saturated at +-1
            "Xavier, tanh": Between(0.1, 0.6),  # stays O(1)
            "Xavier, ReLU": Between(0.005, 0.1),  # halves the variance per layer
            "He, ReLU": Between(0.5, 2.0),  # stays O(1)
        },
        "too_large_tanh_saturated": Between(0.7, 1.0),
        "bn_output_std": Between(0.999, 1.0),
        "bn_val_accuracy": {  # 4 hidden layers of 100 ReLUs, 8 epochs on the digits
            "small random init": Between(0.05, 0.2),  # stuck at chance
            "small random init, batch norm": Between(0.9, 1.0),
            "He init": Between(0.9, 1.0),
            "He init, batch norm": Between(0.9, 1.0),
        },
        "dropout_eval_is_identity": True,
        "dropout_val_accuracy": {"p=0.0": Between(0.65, 0.85), "p=0.5": Between(0.7, 0.9)},  # 100 training digits
        "dropout_gain_per_seed": [Between(0.0, 0.15)] * 3,
        "initial_loss": Between(2.295, 2.31),  # ln 10
        "initial_loss_with_reg_1": Between(2.5, 4.0),  # regularization raises it
        "tiny_subset_accuracy": 1.0,
        "sweep_verdicts": ["barely moves (too small)", "falls", "falls", "falls", "explodes (too large)"],
        "sweep_best_lr": 0.1,  # of 1e-4 ... 1
        "search_best_val_acc": Between(0.93, 1.0),
        "ensemble_minus_member_mean": Between(0.0, 0.1),
        "ensemble_accuracy": Between(0.93, 1.0),
        "snapshot_ensemble_accuracy": Between(0.93, 1.0),
    },
    "06_optimizers.ipynb": {
        # f = 0.01 x0^2 + x1^2 from (-8, 1), 60 steps, each optimizer's best lr of 0.01 ... 0.3
        "valley_best_lr": dict.fromkeys(["SGD", "momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam"], 0.3),
        "valley_final_loss": {
            "SGD": Between(0.2, 0.4),  # crawls along the valley: (1 - 0.02 lr) per step
            "momentum": Between(1e-4, 1e-2),
            "Nesterov": Between(1e-4, 1e-2),
            "AdaGrad": Between(0.1, 0.3),  # its step sizes only shrink
            "RMSProp": Between(0, 1e-10),  # per-coordinate steps: the axis-aligned valley becomes round
            "Adam": Between(1e-4, 1e-2),
        },
        "valley_final_distance": {
            "SGD": Between(5, 6),
            "momentum": Between(0.1, 1),
            "Nesterov": Between(0.1, 1),
            "AdaGrad": Between(3.5, 5),
            "RMSProp": Between(0, 1e-6),
            "Adam": Between(0.1, 1),
        },
        "turned_valley_final_loss": {  # the valley turned by 45 degrees
            "SGD": Between(0.2, 0.4),  # the SGD family does not depend on the axes
            "momentum": Between(1e-4, 1e-2),
            "Nesterov": Between(1e-4, 1e-2),
            "AdaGrad": Between(0.3, 0.6),  # the adaptive methods lose their advantage
            "RMSProp": Between(0.05, 0.2),
            "Adam": Between(0.05, 0.2),
        },
        "adam_first_step_over_lr": [1.0, 1.0],  # bias correction: m^ / sqrt(v^) = g / |g| at t = 1
        # x0^2 - x1^2 + x1^4 / 2 from (1, 1e-6), lr 0.05, 100 steps: the step where |x1| > 0.5 (None: stuck)
        "saddle_escape_step": {
            "SGD": None,
            "momentum": Between(40, 60),
            "Nesterov": Between(35, 55),
            "AdaGrad": Between(10, 30),
            "RMSProp": Between(1, 5),
            "Adam": Between(5, 20),
        },
        "ridge_final_x1": Between(0.0, 0.0),  # from (1, 0): the gradient along x1 is exactly 0
        "lr_at_30": {  # lr0 = 0.1, closed forms
            "step (halve every 20)": exactly(0.05),
            "exponential (k = 0.05)": exactly(0.1 * math.exp(-1.5)),
            "1/t (k = 0.1)": exactly(0.1 / 4),
            "cosine (T = 60)": exactly(0.05),
            "cosine, restarts every 20": exactly(0.05),  # halfway through the second cycle
        },
        # softmax + L2 (0.01) on the digits, SGD + momentum 0.1, 20 epochs: the full training objective
        "schedule_final_objective": {
            "constant": Between(0.38, 0.45),  # its noise floor
            "step decay": Between(0.3675, 0.370),
            "cosine": Between(0.3675, 0.370),
        },
        "newton_one_step_distance": Between(0, 1e-12),  # exact on a quadratic
        "rosenbrock_steps": {"Newton": Between(4, 8), "L-BFGS": Between(20, 50), "Adam": Between(1000, 3000)},
        "lbfgs_digits_objective": Between(0.367, 0.368),
        "sgd_best_minus_lbfgs": Between(0, 1e-3),
    },
    "quickstart.ipynb": {
        "simple_graph": SIMPLE_GRAPH,
        "neuron": NEURON,
        "relu_vector": RELU_VECTOR,
        "accumulated": 12,  # d(a*a)/da twice at a = 3
        "broadcast_bias_grad": [5, 5, 5, 5],
        "second_order": [12, 12],  # d(t^3)/dt and d2(t^3)/dt2 at t = 2
    },
    "graphs.ipynb": {
        "simple_graph": SIMPLE_GRAPH,
        "neuron": NEURON,
        "neuron_gradcheck": True,
        "copy_gate": 7,  # d(x*x + x)/dx = 2x + 1 at x = 3
        "dead_layer_grad_is_zero": True,  # relu(X W1 - 5): every unit dead, W1's gradient all zero
    },
    "02_optimization.ipynb": {
        # random search over W vs following the slope on the same 10-class data
        "random_search_accuracy": Between(0.05, 0.6),
        "gradient_descent_accuracy": Between(0.85, 1.0),
        # numerical vs analytic: forward difference (h = 1e-5) is "fine", centered is "good"
        "forward_difference_rel_err": Between(1e-7, 1e-3),  # medians over the elements of dW
        "centered_difference_rel_err": Between(0, 1e-7),
        "gradcheck_passes": True,
        "gradcheck_catches_wrong_rule": True,
        "minibatch_sgd_accuracy": Between(0.85, 1.0),
        # f(w) = a w^2 / 2 with a = 2 (eta_opt = 1/a = 0.5) from w = 1: w_t = (1 - eta a)^t
        "step_sizes": [0.25, 0.75, 1.25],
        "step_factors": [0.5, -0.5, -1.5],
        "w_after_10_steps": [0.5**10, 0.5**10, 1.5**10],
        "regimes": ["monotone", "oscillating", "diverging"],
    },
    "04_least_squares.ipynb": {
        "closed_form_w": [Between(2.8, 3.2), Between(-2.5, 0.5)],  # y = 3 x - 1 + noise (sd 2, N = 50)
        "closed_form_is_lstsq": True,
        "grad_matches_formula": Between(0, 1e-10),  # backward vs 2/N X^T (X w - y)
        "hessian_matches_formula": Between(0, 1e-10),  # ag.hessian vs 2/N X^T X
        "grad_at_closed_form": Between(0, 1e-10),
        "gd_vs_closed_form": Between(0, 1e-6),
        "rate_measured_over_predicted": Between(1 - 1e-6, 1 + 1e-6),  # the rate 1 - lambda_min / lambda_max
        "steps_to_1e-6": {"raw": Between(1500, 3000), "normalized": 1},  # normalized: Hessian 2 I, eta 1/2
        "normalized_fit_in_x_units_vs_closed_form": Between(0, 1e-10),
        "growth_per_step_above_2_over_lambda_max": 1.2,  # |1 - eta lambda_max| at eta = 2.2 / lambda_max
    },
    "03_backprop.ipynb": {
        "simple_graph": SIMPLE_GRAPH,
        "neuron": NEURON,
        "sigmoid_local_gradient": 0.20,  # (1 - 0.73) 0.73
        "gate_patterns": {"x": -8, "y": 6, "z": 2, "w": 0},  # 2 (x y + max(z, w)) at 3, -4, 2, -1
        "copy_gate": 7,
        "own_gate_checks": [True, False],  # check_graph passes the right rule, fails the wrong one
        "relu_vector": RELU_VECTOR,
        # ||W x||^2 at W = [[0.1, 0.5], [-0.3, 0.8]], x = [0.2, 0.4]: 2 q x^T and 2 W^T q with q = W x
        "matvec": {"f": 0.116, "dW": [[0.088, 0.176], [0.104, 0.208]], "dx": [-0.112, 0.636]},
        "matvec_gradcheck": True,
    },
}


def mismatches(actual: Any, expected: Any, where: str = "KEY_NUMBERS") -> list[str]:
    """Every place where ``actual`` differs from ``expected`` (numbers: within COURSE, or a Between)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict) or set(actual) != set(expected):
            return [
                f"{where}: keys {sorted(actual) if isinstance(actual, dict) else actual!r}, expected {sorted(expected)}"
            ]
        return [m for k in expected for m in mismatches(actual[k], expected[k], f"{where}[{k!r}]")]
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where}: {actual!r}, expected {len(expected)} entries {expected!r}"]
        return [m for i, (a, e) in enumerate(zip(actual, expected)) for m in mismatches(a, e, f"{where}[{i}]")]
    if isinstance(expected, (bool, str)):
        ok = type(actual) is type(expected) and actual == expected
    elif isinstance(expected, (int, float)):
        ok = isinstance(actual, (int, float)) and not isinstance(actual, bool)
        ok = ok and actual == pytest.approx(expected, abs=COURSE, rel=1e-6)
    else:
        ok = actual == expected
    return [] if ok else [f"{where}: {actual!r}, expected {expected!r}"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_and_reproduces_its_numbers(path):
    _, key_numbers = execute.execute_notebook(path)  # raises at an error output
    if path.name not in EXPECTED:
        assert key_numbers is None, f"{path.name} states KEY_NUMBERS: add the expected values to EXPECTED"
        return
    assert key_numbers is not None, f"{path.name} should end with a cell that sets KEY_NUMBERS"
    assert not mismatches(key_numbers, EXPECTED[path.name]), "\n".join(mismatches(key_numbers, EXPECTED[path.name]))


def test_every_notebook_with_expected_numbers_exists():
    assert sorted(EXPECTED) == sorted(set(EXPECTED) & {p.name for p in NOTEBOOKS})


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_stored_with_its_outputs(path):
    assert path.stat().st_size < 1_000_000, f"{path.name} is {path.stat().st_size} bytes: keep notebooks small"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == execute.KERNEL_NAME
    code = [c for c in nb.cells if c.cell_type == "code"]
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), f"{path.name}: run `make notebooks` (execution counts {counts})"
    assert any(c.outputs for c in code), f"{path.name} has no outputs"
    assert not execute.error_outputs(nb)


def _notebook(tmp_path: Path, *sources: str) -> Path:
    path = tmp_path / "probe.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_kernel_runs_this_interpreter_and_this_checkout(tmp_path):
    path = _notebook(
        tmp_path,
        "import sys, os, autograd_lite",
        "KEY_NUMBERS = {'python': sys.executable, 'package': autograd_lite.__file__, 'cwd': os.getcwd(),"
        " 'blas_threads': os.environ.get('OPENBLAS_NUM_THREADS')}",
    )
    _, found = execute.execute_notebook(path)
    assert found["python"] == sys.executable
    assert found["blas_threads"] == os.environ.get("OPENBLAS_NUM_THREADS", "1")  # one thread unless the caller set it
    assert Path(found["package"]).resolve().is_relative_to(execute.REPO_ROOT)
    assert not Path(found["cwd"]).resolve().is_relative_to(execute.REPO_ROOT)  # files a notebook writes go elsewhere


def test_an_error_or_a_warning_fails_the_notebook(tmp_path):
    with pytest.raises(CellExecutionError, match="ZeroDivisionError"):
        execute.execute_notebook(_notebook(tmp_path, "x = 1", "1 / 0"))
    warn = "import warnings; warnings.warn('careful')"
    with pytest.raises(RuntimeError, match="UserWarning: careful"):
        execute.execute_notebook(_notebook(tmp_path, warn))
    nb = nbformat.read(_notebook(tmp_path, warn), as_version=4)
    nb.cells[0].metadata.tags = [execute.WARNS_TAG]  # a warning shown on purpose
    nbformat.write(nb, tmp_path / "probe.ipynb")
    executed, _ = execute.execute_notebook(tmp_path / "probe.ipynb")
    assert "careful" in executed.cells[0].outputs[0].text


def test_mismatches_reports_each_wrong_number():
    expected = {"a": 0.73, "b": [1, True], "c": Between(0, 1)}
    assert mismatches({"a": 0.731, "b": [1.0, True], "c": 0.5}, expected) == []
    found = mismatches({"a": 0.74, "b": [1.0, 1], "c": 2.0}, expected)
    assert found == [
        "KEY_NUMBERS['a']: 0.74, expected 0.73",
        "KEY_NUMBERS['b'][1]: 1, expected True",
        "KEY_NUMBERS['c']: 2.0, expected Between(0, 1)",
    ]
    assert mismatches({"a": 0.73}, expected) == ["KEY_NUMBERS: keys ['a'], expected ['a', 'b', 'c']"]
