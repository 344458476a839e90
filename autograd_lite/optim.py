"""Optimizers, learning-rate schedules and the update-to-weight ratio monitor.

Every optimizer takes the parameters (a list, ``model.parameters()``, ``model.named_parameters()``
or a Module), has ``zero_grad()`` and ``step()``, and updates ``p.data`` in place under
``no_grad()`` -- an update records no graph -- and counts as an in-place change
(``engine.bump_version``), so a graph kept from before the step refuses to backpropagate.  A
parameter that cannot be updated in place (its ``.data`` not a writeable ndarray) is an error
naming it, never a silent skip.  The rules, with g the gradient (plus
``weight_decay * p`` when asked, as PyTorch's L2 form):

* ``SGD``:      v = momentum v + g;  p -= lr v   (Nesterov: p -= lr (g + momentum v))
* ``Adagrad``:  G += g^2;  p -= lr g / (sqrt(G) + eps)
* ``RMSprop``:  G = alpha G + (1 - alpha) g^2;  p -= lr g / (sqrt(G) + eps)   (alpha: the lecture's decay rate)
* ``Adam``:     m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  m^ = m / (1 - b1^t);  v^ = v / (1 - b2^t);
                p -= lr m^ / (sqrt(v^) + eps)
* ``AdamW``:    Adam with decoupled weight decay: first p -= lr weight_decay p.

Options carry PyTorch's names; eps defaults to the lecture's 1e-7 (PyTorch: 1e-10 Adagrad,
1e-8 RMSprop/Adam).  Schedules (``StepLR``, ``ExponentialLR``, ``InverseTimeLR``,
``CosineAnnealingLR``) set ``optimizer.lr`` each time their ``step()`` is called (once per epoch,
or per iteration -- your choice), from a closed form in the step count t.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .arguments import check_non_negative, named_tensors
from .engine import bump_version, no_grad
from .tensor import Tensor

__all__ = [
    "Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW",
    "LRScheduler", "StepLR", "ExponentialLR", "InverseTimeLR", "CosineAnnealingLR", "UpdateRatioMonitor",
]  # fmt: skip


def _named(params: Any, who: str) -> list[tuple[str, Tensor]]:
    """(name, tensor) pairs of leaf tensors that require grad (see ``arguments.named_tensors``)."""
    out = named_tensors(params, who)
    for i, (name, p) in enumerate(out):
        if not isinstance(p, Tensor):
            raise TypeError(f"{who}: params must be tensors, item {i} is {type(p).__name__}")
        if not p.requires_grad or not p.is_leaf:
            label = i if name == f"param{i}" else name  # an unnamed one by its position
            raise ValueError(f"{who}: parameter {label} must be a leaf tensor with requires_grad=True")
    if not out:
        raise ValueError(f"{who}: got an empty parameter list")
    return out


class Optimizer:
    """Base class: holds ``params`` (list), ``names``, the learning rate ``lr`` and per-parameter
    ``state`` (a dict of numpy arrays per parameter index).  Subclasses write ``_update``."""

    def __init__(self, params: Any, lr: float) -> None:
        pairs = _named(params, type(self).__name__)
        self.names = [n for n, _ in pairs]
        self.params = [p for _, p in pairs]
        check_non_negative(type(self).__name__, lr=lr)
        self.lr = float(lr)
        self.t = 0  # steps taken
        self.state: list[dict[str, np.ndarray]] = [{} for _ in self.params]

    def zero_grad(self) -> None:
        """Forget the accumulated gradients (``p.grad = None``)."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """One update of every parameter that has a gradient; records nothing.

        A parameter without a gradient is left alone (as in PyTorch: a frozen or unused one), but
        a step where *no* parameter has one is an error -- backward() was forgotten, or zero_grad()
        came after it."""
        if all(p.grad is None for p in self.params):
            raise RuntimeError(
                f"{type(self).__name__}.step: no gradient to apply: none of its {len(self.params)} parameters "
                f"({', '.join(self.names[:3])}{', ...' if len(self.names) > 3 else ''}) has a .grad; call "
                "loss.backward() before step(), and zero_grad() after it"
            )
        self.t += 1
        with no_grad():
            for name, p, state in zip(self.names, self.params, self.state, strict=True):
                if p.grad is None:
                    continue
                g = p.grad.data
                w = p.data
                who = type(self).__name__
                if g.shape != w.shape:
                    raise ValueError(f"{who}: gradient of shape {g.shape} for a parameter of shape {p.shape}")
                if not isinstance(w, np.ndarray) or not w.flags.writeable:
                    raise TypeError(
                        f"{who}: parameter {name!r} cannot be updated in place: its data is a "
                        f"{'read-only array' if isinstance(w, np.ndarray) else type(w).__name__}; give it a "
                        "writeable array (p.data = np.array(p.data))"
                    )
                self._update(w, g, state)
                bump_version(p)

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray]) -> None:  # pragma: no cover
        raise NotImplementedError

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v}" for k, v in vars(self).items() if k not in ("names", "params", "state", "t"))
        return f"{type(self).__name__}({len(self.params)} tensors, {opts})"


class SGD(Optimizer):
    """Minibatch SGD with optional momentum (the lecture's v = rho v + dx; x -= lr v), Nesterov
    momentum as in PyTorch, and L2 weight decay."""

    def __init__(
        self, params: Any, lr: float = 1e-2, momentum: float = 0.0, nesterov: bool = False, weight_decay: float = 0.0
    ) -> None:
        super().__init__(params, lr)
        check_non_negative("SGD", momentum=momentum, weight_decay=weight_decay)
        if nesterov and momentum <= 0:
            raise ValueError("SGD: nesterov=True needs momentum > 0")
        self.momentum, self.nesterov, self.weight_decay = float(momentum), bool(nesterov), float(weight_decay)

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray]) -> None:
        if self.weight_decay:
            g = g + self.weight_decay * w
        if self.momentum:
            v = state.get("v")
            if v is None:
                v = state["v"] = np.zeros_like(w)
            v *= self.momentum
            v += g
            g = g + self.momentum * v if self.nesterov else v
        w -= self.lr * g


class Adagrad(Optimizer):
    """AdaGrad: G += g^2; w -= lr g / (sqrt(G) + eps), eps 1e-7 as in the lecture."""

    def __init__(self, params: Any, lr: float = 1e-2, eps: float = 1e-7, weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        check_non_negative("Adagrad", eps=eps, weight_decay=weight_decay)
        self.eps, self.weight_decay = float(eps), float(weight_decay)

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray]) -> None:
        if self.weight_decay:
            g = g + self.weight_decay * w
        G = state.get("sum_sq")
        if G is None:
            G = state["sum_sq"] = np.zeros_like(w)
        G += g * g
        w -= self.lr * g / (np.sqrt(G) + self.eps)


class RMSprop(Optimizer):
    """RMSProp: G = alpha G + (1 - alpha) g^2; w -= lr g / (sqrt(G) + eps).  ``alpha`` is
    PyTorch's name for the lecture's decay rate (0.99)."""

    def __init__(
        self, params: Any, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-7, weight_decay: float = 0.0
    ) -> None:
        super().__init__(params, lr)
        check_non_negative("RMSprop", eps=eps, weight_decay=weight_decay)
        if not 0.0 <= alpha < 1.0:
            raise ValueError(f"RMSprop: alpha must be in [0, 1), got {alpha}")
        self.alpha, self.eps, self.weight_decay = float(alpha), float(eps), float(weight_decay)

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray]) -> None:
        if self.weight_decay:
            g = g + self.weight_decay * w
        G = state.get("square_avg")
        if G is None:
            G = state["square_avg"] = np.zeros_like(w)
        G *= self.alpha
        G += (1 - self.alpha) * (g * g)
        w -= self.lr * g / (np.sqrt(G) + self.eps)


class Adam(Optimizer):
    """Adam with bias correction, as in the lecture's pseudo-code (betas (0.9, 0.999), eps 1e-7);
    ``weight_decay`` adds weight_decay * w to the gradient (PyTorch's Adam)."""

    _decoupled = False

    def __init__(
        self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-7,
        weight_decay: float = 0.0,
    ) -> None:  # fmt: skip
        super().__init__(params, lr)
        b1, b2 = betas
        if not (0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
            raise ValueError(f"{type(self).__name__}: betas must be in [0, 1), got {betas}")
        check_non_negative(type(self).__name__, eps=eps, weight_decay=weight_decay)
        self.betas, self.eps, self.weight_decay = (float(b1), float(b2)), float(eps), float(weight_decay)

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray]) -> None:
        b1, b2 = self.betas
        if self.weight_decay:
            if self._decoupled:
                w -= self.lr * self.weight_decay * w
            else:
                g = g + self.weight_decay * w
        m = state.get("m")
        if m is None:
            m = state["m"] = np.zeros_like(w)
            state["v"] = np.zeros_like(w)
        v = state["v"]
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * (g * g)
        m_hat = m / (1 - b1**self.t)
        v_hat = v / (1 - b2**self.t)
        w -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): w -= lr weight_decay w, then the
    Adam step on the plain gradient; weight_decay defaults to 1e-2 as in PyTorch."""

    _decoupled = True

    def __init__(
        self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-7,
        weight_decay: float = 1e-2,
    ) -> None:  # fmt: skip
        super().__init__(params, lr, betas, eps, weight_decay)


# =============================================================================== schedules
class LRScheduler:
    """Sets ``optimizer.lr = lr_at(t)`` where t counts the calls to ``step()``; lr_at(0) is the
    optimizer's learning rate when the schedule was made (``base_lr``)."""

    def __init__(self, optimizer: Optimizer) -> None:
        if not hasattr(optimizer, "lr"):
            who = type(self).__name__
            raise TypeError(f"{who}: needs an optimizer with an lr attribute, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lr = float(optimizer.lr)
        self.t = 0

    def lr_at(self, t: int) -> float:  # pragma: no cover
        raise NotImplementedError

    def step(self) -> float:
        self.t += 1
        self.optimizer.lr = self.lr_at(self.t)
        return self.optimizer.lr

    def get_last_lr(self) -> float:
        return self.optimizer.lr


class StepLR(LRScheduler):
    """lr0 * gamma ** floor(t / step_size) (gamma 0.5: "halve every few epochs")."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        super().__init__(optimizer)
        if int(step_size) < 1:
            raise ValueError(f"StepLR: step_size must be a positive integer, got {step_size}")
        self.step_size, self.gamma = int(step_size), float(gamma)

    def lr_at(self, t: int) -> float:
        return self.base_lr * self.gamma ** (t // self.step_size)


class ExponentialLR(LRScheduler):
    """lr0 * gamma ** t, PyTorch's form; the lecture's lr0 e^(-k t) is gamma = e^(-k) (pass ``k=``)."""

    def __init__(self, optimizer: Optimizer, gamma: float | None = None, k: float | None = None) -> None:
        super().__init__(optimizer)
        if (gamma is None) == (k is None):
            raise ValueError("ExponentialLR: give exactly one of gamma (lr0 gamma^t) or k (lr0 e^(-k t))")
        if gamma is None:
            assert k is not None  # exactly one is given
            gamma = math.exp(-float(k))
        self.gamma = float(gamma)

    def lr_at(self, t: int) -> float:
        return self.base_lr * self.gamma**t


class InverseTimeLR(LRScheduler):
    """lr0 / (1 + k t), the lecture's 1/t decay."""

    def __init__(self, optimizer: Optimizer, k: float) -> None:
        super().__init__(optimizer)
        check_non_negative("InverseTimeLR", k=k)
        self.k = float(k)

    def lr_at(self, t: int) -> float:
        return self.base_lr / (1.0 + self.k * t)


class CosineAnnealingLR(LRScheduler):
    """eta_min + (lr0 - eta_min) (1 + cos(pi t / T_max)) / 2, held at eta_min after T_max."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        super().__init__(optimizer)
        if int(T_max) < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be a positive integer, got {T_max}")
        self.T_max, self.eta_min = int(T_max), float(eta_min)

    def lr_at(self, t: int) -> float:
        t = min(t, self.T_max)
        return self.eta_min + (self.base_lr - self.eta_min) * (1 + math.cos(math.pi * t / self.T_max)) / 2


class CosineAnnealingWarmRestarts(LRScheduler):
    """The cyclic cosine schedule (SGDR, Loshchilov & Hutter; PyTorch's name): cosine annealing
    from lr0 down to eta_min over a cycle of T_0 steps, then a restart at lr0; each cycle is
    T_mult times longer than the last.  Within a cycle, at step t_cur of T_i:
    lr = eta_min + (lr0 - eta_min) (1 + cos(pi t_cur / T_i)) / 2.

    Snapshot ensembles (Huang et al. 2017) save the model at the end of every cycle, where the
    learning rate is lowest: ``cycle_end(t)`` says whether step t is a cycle's last.
    """

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0) -> None:
        super().__init__(optimizer)
        if isinstance(T_0, bool) or int(T_0) != T_0 or T_0 < 1:
            raise ValueError(f"CosineAnnealingWarmRestarts: T_0 must be a positive integer, got {T_0!r}")
        if isinstance(T_mult, bool) or int(T_mult) != T_mult or T_mult < 1:
            raise ValueError(f"CosineAnnealingWarmRestarts: T_mult must be an integer >= 1, got {T_mult!r}")
        self.T_0, self.T_mult, self.eta_min = int(T_0), int(T_mult), float(eta_min)

    def position(self, t: int) -> tuple[int, int]:
        """(t_cur, T_i): how far step t is into its cycle, and that cycle's length."""
        t_cur, length = int(t), self.T_0
        while t_cur >= length:
            t_cur -= length
            length *= self.T_mult
        return t_cur, length

    def lr_at(self, t: int) -> float:
        t_cur, length = self.position(t)
        return self.eta_min + (self.base_lr - self.eta_min) * (1 + math.cos(math.pi * t_cur / length)) / 2

    def cycle_end(self, t: int) -> bool:
        """True when step t is the last of its cycle (step t + 1 restarts at lr0)."""
        t_cur, length = self.position(t)
        return t_cur == length - 1


# =============================================================================== monitor
class UpdateRatioMonitor:
    """The lecture's rule of thumb: ||update|| / ||weights|| should be about 1e-3 per parameter.

    >>> # mon = UpdateRatioMonitor(optimizer)
    >>> # with mon: optimizer.step()        # records one ratio per parameter
    >>> # mon.last  -> {'0.weight': 1.2e-3, ...};  print(mon.report())
    """

    def __init__(self, optimizer: Optimizer, low: float = 1e-4, high: float = 1e-2) -> None:
        self.optimizer = optimizer
        self.low, self.high = float(low), float(high)
        self.history: dict[str, list[float]] = {n: [] for n in optimizer.names}
        self.last: dict[str, float] = {}
        self._before: list[np.ndarray] | None = None

    def __enter__(self) -> UpdateRatioMonitor:
        self._before = [p.data.copy() for p in self.optimizer.params]
        return self

    def __exit__(self, *exc: object) -> None:
        before, self._before = self._before, None
        if before is None or exc[0] is not None:
            return
        self.last = {}
        for name, p, w0 in zip(self.optimizer.names, self.optimizer.params, before, strict=True):
            upd = float(np.linalg.norm((p.data - w0).ravel()))
            norm = float(np.linalg.norm(w0.ravel()))
            ratio = upd / norm if norm > 0 else (0.0 if upd == 0 else math.inf)
            self.last[name] = ratio
            self.history[name].append(ratio)

    def report(self) -> str:
        """A table of the last ratios, flagging those outside [low, high]."""
        if not self.last:
            return "UpdateRatioMonitor: no step recorded yet (use `with monitor: optimizer.step()`)"
        width = max(len(n) for n in self.last)
        lines = [f"{'parameter':<{width}}  update/weight"]
        for n, r in self.last.items():
            flag = "" if self.low <= r <= self.high else ("  <- too small?" if r < self.low else "  <- too large?")
            lines.append(f"{n:<{width}}  {r:.2e}{flag}")
        return "\n".join(lines)


# =============================================================================== second order
def _flat(tensors: list[Tensor], grads: bool = False) -> np.ndarray:
    parts = []
    for p in tensors:
        v = (p.grad.data if p.grad is not None else np.zeros(p.shape)) if grads else p.data
        parts.append(np.asarray(v, dtype=np.float64).ravel())
    return np.concatenate(parts)


def _assign(tensors: list[Tensor], flat: np.ndarray) -> None:
    i = 0
    for p in tensors:
        p.data[...] = flat[i : i + p.size].reshape(p.shape)
        bump_version(p)  # an in-place change: graphs recorded before it refuse to backpropagate
        i += p.size


def _cubic_min(t1: float, f1: float, g1: float, t2: float, f2: float, g2: float, lo: float, hi: float) -> float:
    """Minimizer in [lo, hi] of the cubic through (t1, f1) and (t2, f2) with slopes g1, g2
    (Nocedal & Wright eq. 3.59); the midpoint when the cubic has no minimum."""
    d1 = g1 + g2 - 3 * (f1 - f2) / (t1 - t2)
    disc = d1 * d1 - g1 * g2
    if disc >= 0 and t1 != t2:
        d2 = math.copysign(math.sqrt(disc), t2 - t1)
        denom = g2 - g1 + 2 * d2
        if denom != 0:
            return min(max(t2 - (t2 - t1) * (g2 + d2 - d1) / denom, lo), hi)
    return (lo + hi) / 2


def _strong_wolfe(
    phi: Callable[[float], tuple[float, np.ndarray, float]], t: float, f0: float, gtd0: float, g0: np.ndarray,
    c1: float = 1e-4, c2: float = 0.9, tolerance_change: float = 1e-9, max_evals: int = 25,
) -> tuple[float, float, np.ndarray, int]:  # fmt: skip
    """A step t along the direction satisfying the strong Wolfe conditions
    f(t) <= f0 + c1 t gtd0 and |f'(t)| <= c2 |gtd0| (Nocedal & Wright, algorithms 3.5 and 3.6:
    bracket, then zoom by safeguarded cubic interpolation).  ``phi(t)`` -> (f, grad, slope).
    Returns (t, f, grad, evaluations)."""
    prev = (0.0, f0, g0, gtd0)
    evals, bracket = 0, None
    while evals < max_evals:  # phase 1: grow t until the minimum is bracketed
        f, g, gtd = phi(t)
        evals += 1
        cur = (t, f, g, gtd)
        if f > f0 + c1 * t * gtd0 or (evals > 1 and f >= prev[1]):
            bracket = [prev, cur]
            break
        if abs(gtd) <= -c2 * gtd0:
            return t, f, g, evals
        if gtd >= 0:
            bracket = [cur, prev]
            break
        t_next = _cubic_min(prev[0], prev[1], prev[3], t, f, gtd, t + 0.01 * (t - prev[0]), 10 * t)
        prev, t = cur, t_next
    if bracket is None:
        return prev[0], prev[1], prev[2], evals
    lo, hi = bracket if bracket[0][1] <= bracket[1][1] else bracket[::-1]
    while evals < max_evals and abs(hi[0] - lo[0]) > tolerance_change:  # phase 2: zoom
        a, b = sorted((lo[0], hi[0]))
        t = _cubic_min(lo[0], lo[1], lo[3], hi[0], hi[1], hi[3], a, b)
        if min(t - a, b - t) < 0.1 * (b - a):  # too close to an end: bisect instead
            t = (a + b) / 2
        f, g, gtd = phi(t)
        evals += 1
        cur = (t, f, g, gtd)
        if f > f0 + c1 * t * gtd0 or f >= lo[1]:
            hi = cur
        else:
            if abs(gtd) <= -c2 * gtd0:
                return t, f, g, evals
            if gtd * (hi[0] - lo[0]) >= 0:
                hi = lo
            lo = cur
    return lo[0], lo[1], lo[2], evals


class LBFGS(Optimizer):
    """L-BFGS (quasi-Newton), closure-based as PyTorch's: ``optimizer.step(closure)`` where
    ``closure()`` zeroes the gradients, computes the loss, calls ``backward()`` and returns the
    loss.  One ``step`` runs up to ``max_iter`` iterations: the direction d = -H g from the
    last ``history_size`` (s, y) pairs (two-loop recursion, H0 = s.y / y.y), then a step along d:
    ``lr`` times d (the first iteration scaled by min(1, 1 / |g|_1)), or, with
    ``line_search_fn="strong_wolfe"``, a step that satisfies the strong Wolfe conditions.
    Stops early when max|g| <= tolerance_grad, or the step or the loss change falls below
    tolerance_change.  Returns the loss of the first closure call, as PyTorch does.  Works in
    float64 on the flattened parameters; the history carries over between ``step`` calls.
    """

    def __init__(
        self, params: Any, lr: float = 1.0, max_iter: int = 20, max_eval: int | None = None,
        tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9, history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:  # fmt: skip
        super().__init__(params, lr)
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got {line_search_fn!r}")
        for name, v in (("max_iter", max_iter), ("history_size", history_size)):
            if int(v) < 1:
                raise ValueError(f"LBFGS: {name} must be a positive integer, got {v}")
        self.max_iter, self.history_size, self.line_search_fn = int(max_iter), int(history_size), line_search_fn
        self.max_eval = int(max_eval) if max_eval is not None else self.max_iter * 5 // 4
        self.tolerance_grad, self.tolerance_change = float(tolerance_grad), float(tolerance_change)
        self._pairs: list[tuple[np.ndarray, np.ndarray, float]] = []  # (s, y, 1 / y.s)
        self.n_iter = 0  # iterations over all steps
        self.evals = 0  # closure calls over all steps

    def __repr__(self) -> str:
        return (f"LBFGS({len(self.params)} tensors, lr={self.lr}, max_iter={self.max_iter}, "
                f"history_size={self.history_size}, line_search_fn={self.line_search_fn!r})")  # fmt: skip

    def _evaluate(self, closure: Callable[[], Any]) -> tuple[float, np.ndarray]:
        from .engine import enable_grad

        with enable_grad():
            loss = closure()
        self.evals += 1
        return float(loss.item() if hasattr(loss, "item") else loss), _flat(self.params, grads=True)

    def _direction(self, g: np.ndarray) -> np.ndarray:
        q = -g
        alphas = []
        for s, y, rho in reversed(self._pairs):
            a = rho * (s @ q)
            q -= a * y
            alphas.append(a)
        if self._pairs:
            s, y, _ = self._pairs[-1]
            q *= (s @ y) / (y @ y)
        for (s, y, rho), a in zip(self._pairs, reversed(alphas), strict=True):
            q += s * (a - rho * (y @ q))
        return q

    def step(self, closure: Callable[[], Any] | None = None) -> float:  # type: ignore[override]
        """Up to ``max_iter`` L-BFGS iterations; needs the closure (see the class docstring)."""
        if closure is None or not callable(closure):
            raise TypeError("LBFGS.step: needs a closure: step(closure) with closure() -> loss (after backward())")
        loss, g = self._evaluate(closure)
        first_loss, evals = loss, 1
        if np.abs(g).max() <= self.tolerance_grad:
            return first_loss
        x = _flat(self.params)
        for _ in range(self.max_iter):
            self.n_iter += 1
            d = self._direction(g)
            gtd = float(g @ d)
            if gtd > -self.tolerance_change:  # not a descent direction any more
                break
            t = self.lr * (min(1.0, 1.0 / np.abs(g).sum()) if self.n_iter == 1 else 1.0)
            prev_loss, prev_g = loss, g
            if self.line_search_fn == "strong_wolfe":

                def phi(step: float, x: np.ndarray = x, d: np.ndarray = d) -> tuple[float, np.ndarray, float]:
                    _assign(self.params, x + step * d)
                    f, grad = self._evaluate(closure)
                    return f, grad, float(grad @ d)

                t, loss, g, ls_evals = _strong_wolfe(phi, t, loss, gtd, g, tolerance_change=self.tolerance_change)
                evals += ls_evals
            else:
                _assign(self.params, x + t * d)
                loss, g = self._evaluate(closure)
                evals += 1
            x_new = x + t * d
            _assign(self.params, x_new)  # the line search's last trial may not be the point it chose
            s, y = x_new - x, g - prev_g
            ys = float(y @ s)
            if ys > 1e-10:  # keep only pairs with positive curvature (H stays positive definite)
                self._pairs = [*self._pairs, (s, y, 1.0 / ys)][-self.history_size :]
            x = x_new
            if (
                evals >= self.max_eval
                or np.abs(g).max() <= self.tolerance_grad
                or np.abs(s).max() <= self.tolerance_change
                or abs(loss - prev_loss) < self.tolerance_change
            ):
                break
        return first_loss


def newton_step(loss_fn: Callable[[], Tensor], params: Any, damping: float = 0.0) -> float:
    """One Newton step on all ``params`` together: theta <- theta - (H + damping I)^-1 grad,
    with the exact Hessian H of ``loss_fn()`` (a function of no arguments over the parameters,
    as a closure), found as ``ag.hessian`` finds it -- differentiating the recorded gradient,
    one backward pass per parameter element, so for small models only (H is n x n: O(n^2)
    memory, O(n^3) to solve).  On a quadratic it lands on the minimum in one step.  Returns
    the loss before the step; raises when H + damping I is singular (try ``damping > 0``).
    """
    from .engine import enable_grad, gradients

    tensors = [p for _, p in _named(params, "newton_step")]
    with enable_grad():
        loss = loss_fn()
        grads = gradients(loss, tensors, create_graph=True)
        flat_g = _concat_flat(grads)
        n = flat_g.shape[0]
        rows = []
        for i in range(n):
            row = gradients(flat_g[i], tensors) if flat_g.requires_grad else [np.zeros(p.shape) for p in tensors]
            rows.append(np.concatenate([np.asarray(getattr(r, "data", r), np.float64).ravel() for r in row]))
    H = np.stack(rows) + float(damping) * np.eye(n)
    g = np.asarray(flat_g.data, np.float64)
    try:
        delta = np.linalg.solve(H, g)
    except np.linalg.LinAlgError:
        raise np.linalg.LinAlgError(
            f"newton_step: the Hessian ({n} x {n}) plus damping={damping} is singular; pass damping > 0"
        ) from None
    with no_grad():
        _assign(tensors, _flat(tensors) - delta)
    return float(loss.item())


def _concat_flat(tensors: list[Tensor]) -> Tensor:
    from .tensor import concatenate

    return concatenate([t.reshape(-1) for t in tensors])


__all__ += ["CosineAnnealingWarmRestarts", "LBFGS", "newton_step"]
