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
from collections.abc import Iterable
from typing import Any

import numpy as np

from .engine import bump_version, no_grad
from .tensor import Tensor

__all__ = [
    "Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW",
    "LRScheduler", "StepLR", "ExponentialLR", "InverseTimeLR", "CosineAnnealingLR", "UpdateRatioMonitor",
]  # fmt: skip


def _named(params: Any, who: str) -> list[tuple[str, Tensor]]:
    """(name, tensor) pairs from tensors, pairs, a dict or a Module; unnamed ones get 'param<i>'."""
    if hasattr(params, "named_parameters") and callable(params.named_parameters):
        params = params.named_parameters()
    elif isinstance(params, dict):
        params = list(params.items())
    elif isinstance(params, Tensor):
        params = [params]
    if not isinstance(params, Iterable):
        raise TypeError(f"{who}: params must be an iterable of tensors, got {type(params).__name__}")
    out = []
    for i, p in enumerate(params):
        name = None
        if isinstance(p, tuple) and len(p) == 2:
            name, p = p
        if not isinstance(p, Tensor):
            raise TypeError(f"{who}: params must be tensors, item {i} is {type(p).__name__}")
        if not p.requires_grad or not p.is_leaf:
            raise ValueError(f"{who}: parameter {name or p.name or i} must be a leaf tensor with requires_grad=True")
        out.append((name or p.name or f"param{i}", p))
    if not out:
        raise ValueError(f"{who}: got an empty parameter list")
    return out


def _positive(who: str, **values: float) -> None:
    for k, v in values.items():
        if not v >= 0:
            raise ValueError(f"{who}: {k} must be >= 0, got {v}")


class Optimizer:
    """Base class: holds ``params`` (list), ``names``, the learning rate ``lr`` and per-parameter
    ``state`` (a dict of numpy arrays per parameter index).  Subclasses write ``_update``."""

    def __init__(self, params: Any, lr: float) -> None:
        pairs = _named(params, type(self).__name__)
        self.names = [n for n, _ in pairs]
        self.params = [p for _, p in pairs]
        _positive(type(self).__name__, lr=lr)
        self.lr = float(lr)
        self.t = 0  # steps taken
        self.state: list[dict[str, np.ndarray]] = [{} for _ in self.params]

    def zero_grad(self) -> None:
        """Forget the accumulated gradients (``p.grad = None``)."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """One update of every parameter that has a gradient; records nothing."""
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
        _positive("SGD", momentum=momentum, weight_decay=weight_decay)
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
        _positive("Adagrad", eps=eps, weight_decay=weight_decay)
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
        _positive("RMSprop", eps=eps, weight_decay=weight_decay)
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
        _positive(type(self).__name__, eps=eps, weight_decay=weight_decay)
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
        self.gamma = float(gamma) if gamma is not None else math.exp(-float(k))

    def lr_at(self, t: int) -> float:
        return self.base_lr * self.gamma**t


class InverseTimeLR(LRScheduler):
    """lr0 / (1 + k t), the lecture's 1/t decay."""

    def __init__(self, optimizer: Optimizer, k: float) -> None:
        super().__init__(optimizer)
        _positive("InverseTimeLR", k=k)
        self.k = float(k)

    def lr_at(self, t: int) -> float:
        return self.base_lr / (1.0 + self.k * t)


class CosineAnnealingLR(LRScheduler):
    """eta_min + (lr0 - eta_min) (1 + cos(pi t / T_max)) / 2, held at eta_min after T_max."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:  # noqa: N803 - PyTorch's name
        super().__init__(optimizer)
        if int(T_max) < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be a positive integer, got {T_max}")
        self.T_max, self.eta_min = int(T_max), float(eta_min)

    def lr_at(self, t: int) -> float:
        t = min(t, self.T_max)
        return self.eta_min + (self.base_lr - self.eta_min) * (1 + math.cos(math.pi * t / self.T_max)) / 2


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
