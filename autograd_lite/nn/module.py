"""Module and Parameter: how a model holds its learnable tensors, names them and saves them.

A ``Module`` finds its parameters by walking its attributes (and the lists, tuples and dicts
among them, and the sub-modules inside those) -- no registration calls.  ``named_parameters()``
gives dotted names (``layers.0.weight``) and writes each name into the parameter's
``Tensor.name``, so graph drawings and gradcheck reports show it; every ``forward`` runs inside
``ag.scope("<name>: <class>(<extra_repr>)")`` (``0: Linear(2, 100, bias=True)``) so drawings cluster the nodes
by module, and a floating numpy array passed as the first argument comes in as a constant Tensor
named ``input`` (no copy), so drawings show the model's input by name.

State is saved to ``.npz`` with ``numpy.savez`` and read back by ``npzfile.read_state``, which
trusts nothing in the file: missing, extra and mis-shaped entries, bombs and lying headers are
refused from the archive's headers, before any data is decompressed, naming the file and entry.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..engine import current_scope, scope
from ..tensor import Tensor
from .npzfile import npz_path, read_state

__all__ = ["Parameter", "Module", "HookHandle"]


class Parameter(Tensor):
    """A Tensor a Module learns: a floating leaf with ``requires_grad=True``.

    Python numbers and lists become float64; numpy arrays keep their (floating) dtype.
    """

    __slots__ = ("_auto_name",)

    def __init__(self, data: Any, name: str | None = None, dtype: Any = None) -> None:
        if isinstance(data, Tensor):
            data = data.data
        arr = np.asarray(data) if isinstance(data, (np.ndarray, np.generic)) else np.asarray(data, np.float64)
        if not np.issubdtype(arr.dtype, np.floating):
            raise TypeError(f"Parameter: needs floating-point data, got {arr.dtype} (shape {arr.shape})")
        super().__init__(arr, requires_grad=True, dtype=dtype, name=name)
        self._auto_name = name is None  # a name given here is the user's and is kept

    def __repr__(self) -> str:
        return "Parameter" + super().__repr__()[len("Tensor") :]


def _walk(value: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    """(dotted name, item) for the Parameters and Modules held directly in ``value``.

    Descends into lists, tuples and dicts (not into Modules: the caller decides), with an
    explicit stack, in attribute / list / insertion order.
    """
    stack: list[tuple[str, Any]] = [(prefix, value)]
    while stack:
        name, v = stack.pop()
        if isinstance(v, (Parameter, Module)):
            yield name, v
        elif isinstance(v, (list, tuple)):
            stack.extend(reversed([(f"{name}.{i}" if name else str(i), x) for i, x in enumerate(v)]))
        elif isinstance(v, dict):
            stack.extend(reversed([(f"{name}.{k}" if name else str(k), x) for k, x in v.items()]))


class Module:
    """Base class of layers and models: subclass it, set parameters and sub-modules as
    attributes (or in lists / dicts), and write ``forward``.

    >>> import autograd_lite as ag
    >>> class Affine(ag.nn.Module):
    ...     def __init__(self):
    ...         self.w = ag.nn.Parameter([1.0, 2.0])
    ...     def forward(self, x):
    ...         return x * self.w
    >>> [name for name, _ in Affine().named_parameters()]
    ['w']
    """

    training: bool = True
    _buffer_names: tuple[str, ...] = ()  # numpy-array attributes saved in state_dict (running stats)
    _scope_name: str | None = None
    _named: bool = False

    # ------------------------------------------------------------------ calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}: subclasses of Module define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self._named:
            self.named_parameters()  # first call: name the parameters of this (sub)tree
        if args and isinstance(args[0], np.ndarray) and args[0].dtype.kind == "f":
            args = (_named_input(args[0]), *args[1:])
        with scope(self._scope_label()):
            out = self.forward(*args, **kwargs)
        hooks = self.__dict__.get("_forward_hooks")
        if hooks:  # registered by register_forward_hook; a copy, so a hook may remove itself
            for hook in list(hooks.values()):
                replaced = hook(self, args, out)
                if replaced is not None:
                    out = replaced
        return out

    def _scope_label(self) -> str:
        """``<name>: <class>(<extra_repr>)``, rebuilt only when the name or extra_repr changed."""
        key = (self._scope_name, self.extra_repr())
        cached = self.__dict__.get("_scope_cache")
        if cached is None or cached[0] != key:
            name, extra = key
            label = f"{type(self).__name__}({extra})" if extra else type(self).__name__
            cached = self._scope_cache = (key, f"{name}: {label}" if name else label)
        return cached[1]

    def register_forward_hook(self, hook: Any) -> HookHandle:
        """Call ``hook(module, inputs, output)`` after every forward of this module (PyTorch's
        signature: ``inputs`` is the tuple of positional arguments); a hook that returns
        something other than None replaces the output.  Returns a handle: ``handle.remove()``.
        Hooks run in the order they were registered."""
        if not callable(hook):
            raise TypeError(f"register_forward_hook: hook must be callable, got {type(hook).__name__}")
        hooks = self.__dict__.setdefault("_forward_hooks", {})
        handle = HookHandle(hooks)
        hooks[handle.id] = hook
        return handle

    # ------------------------------------------------------------------ the tree
    def _children(self) -> Iterator[tuple[str, Any]]:
        """(local dotted name, Parameter or Module) held by this module; overridable."""
        for key, value in vars(self).items():
            if not key.startswith("_"):
                yield from _walk(value, key)

    def named_modules(self, prefix: str = "") -> list[tuple[str, Module]]:
        """Every module in the tree (this one first, as ``prefix``) with its dotted name."""
        out: list[tuple[str, Module]] = []
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, mod = stack.pop()
            if id(mod) in seen:
                continue
            seen.add(id(mod))
            out.append((name, mod))
            subs = [(f"{name}.{n}" if name else n, m) for n, m in mod._children() if isinstance(m, Module)]
            stack.extend(reversed(subs))
        return out

    def named_parameters(self, prefix: str = "") -> list[tuple[str, Parameter]]:
        """``(dotted name, parameter)`` pairs in attribute order, each parameter once.

        The names are also written into ``parameter.name`` (unless you named the Parameter
        yourself; a sub-module's shorter names do not replace its model's), and each sub-module
        learns its name for the scopes its forward runs in (so drawings show ``blocks.0/fc``).
        """
        out: list[tuple[str, Parameter]] = []
        seen: set[int] = {id(self)}
        stack: list[tuple[str, str, Any]] = [
            (f"{prefix}.{n}" if prefix else n, n, v) for n, v in reversed(list(self._children()))
        ]
        while stack:
            full, local, v = stack.pop()
            if id(v) in seen:
                continue
            seen.add(id(v))
            if isinstance(v, Module):
                v._scope_name = local
                v._named = True
                stack.extend((f"{full}.{n}", n, c) for n, c in reversed(list(v._children())))
            else:
                out.append((full, v))
                if getattr(v, "_auto_name", True) and (v.name is None or full.count(".") >= v.name.count(".")):
                    v.name = full  # the most qualified name seen (a sub-module's call keeps the model's)
                    if isinstance(v, Parameter):
                        v._auto_name = True
        self._named = True
        return out

    def parameters(self) -> list[Parameter]:
        return [p for _, p in self.named_parameters()]

    def named_buffers(self, prefix: str = "") -> list[tuple[str, np.ndarray]]:
        out = []
        for mname, mod in self.named_modules(prefix):
            for b in mod._buffer_names:
                out.append((f"{mname}.{b}" if mname else b, getattr(mod, b)))
        return out

    def num_parameters(self) -> int:
        return sum(p.size for p in self.parameters())

    def zero_grad(self) -> None:
        """Forget accumulated gradients (``p.grad = None`` for every parameter)."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode: bool = True) -> Module:
        """Training mode (BatchNorm uses batch statistics, Dropout drops) for the whole tree."""
        for _, mod in self.named_modules():
            mod.training = bool(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: BatchNorm uses its running averages, Dropout passes through."""
        return self.train(False)

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of every parameter's and buffer's value, by dotted name."""
        state = {name: np.array(p.data) for name, p in self.named_parameters()}
        state.update((name, np.array(b)) for name, b in self.named_buffers())
        return state

    def _state_targets(self) -> dict[str, tuple[Any, str, tuple[int, ...]]]:
        """Where each state entry goes: (parameter, "", shape) or (module, buffer attribute, shape)."""
        targets: dict[str, tuple[Any, str, tuple[int, ...]]] = {}
        for name, p in self.named_parameters():
            targets[name] = (p, "", p.shape)
        for mname, mod in self.named_modules():
            for b in mod._buffer_names:
                targets[f"{mname}.{b}" if mname else b] = (mod, b, np.shape(getattr(mod, b)))
        return targets

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Copy values into the parameters and buffers; every name must be present, known and
        of the right shape (nothing is changed when one is not)."""
        targets = self._state_targets()
        missing = [k for k in targets if k not in state]
        extra = [k for k in state if k not in targets]
        problems = []
        if missing:
            problems.append(f"missing entries: {', '.join(missing)}")
        if extra:
            problems.append(f"unexpected entries: {', '.join(map(str, extra))}")
        for k, (_, _, shape) in targets.items():
            if k in state and np.shape(state[k]) != shape:
                problems.append(f"{k} has shape {np.shape(state[k])}, the model needs {shape}")
        for k, (_, _, _) in targets.items():
            if k in state and not _is_real(state[k]):
                problems.append(f"{k} is not a real-valued numeric array ({np.asarray(state[k]).dtype})")
        if problems:
            raise ValueError(f"load_state_dict ({type(self).__name__}): " + "; ".join(problems))
        for k, (owner, attr, _) in targets.items():
            if attr:
                cur = getattr(owner, attr)
                setattr(owner, attr, np.array(state[k], dtype=np.asarray(cur).dtype, order="C"))
            else:
                owner.data = np.array(state[k], dtype=owner.data.dtype, order="C")

    def save(self, path: str | os.PathLike) -> None:
        """Write ``state_dict()`` to an ``.npz`` file (numpy.savez; no pickle).  As numpy does, ``.npz`` is
        appended to a name without it -- and ``load`` resolves a path the same way."""
        np.savez(npz_path(path), allow_pickle=False, **self.state_dict())

    def load(self, path: str | os.PathLike) -> Module:
        """Read an ``.npz`` written by ``save`` into this module (the path as given to ``save``).

        The file is not trusted: its entries' names, shapes and dtypes are read from the archive's
        headers and checked against this model before anything is decompressed, and no entry is
        read beyond the bytes its array needs (``npzfile.read_state``); nothing is unpickled.
        A file that does not fit raises ``ModelFileError`` (a ValueError) naming the file and the
        entry, and changes nothing.
        """
        name = npz_path(path)
        if not os.path.exists(name):
            if not os.path.exists(path):
                raise FileNotFoundError(f"load: no such file: {os.fspath(path)!r}")
            name = os.fspath(path)  # a file under another name (not written by save)
        expected = {k: shape for k, (_, _, shape) in self._state_targets().items()}
        self.load_state_dict(read_state(name, expected, model=type(self).__name__))
        return self

    # ------------------------------------------------------------------ display
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = []
        stack: list[tuple[int, str, Module]] = [(0, "", self)]
        while stack:
            depth, local, mod = stack.pop()
            label = f"({local}): " if local else ""
            lines.append("  " * depth + f"{label}{type(mod).__name__}({mod.extra_repr()})")
            subs = [(depth + 1, n, m) for n, m in mod._children() if isinstance(m, Module)]
            stack.extend(reversed(subs))
        return "\n".join(lines)


class HookHandle:
    """What ``register_forward_hook`` returns: ``remove()`` takes the hook off (twice is fine)."""

    _ids = itertools.count()

    def __init__(self, hooks: dict[int, Any]) -> None:
        self.hooks, self.id = hooks, next(HookHandle._ids)

    def remove(self) -> None:
        self.hooks.pop(self.id, None)


def _named_input(x: np.ndarray) -> Tensor:
    """The model's input as a constant leaf named ``input`` around the same array (no copy)."""
    t = Tensor._wrap(x)
    t.name, t._scope = "input", current_scope()
    return t


def _is_real(a: Any) -> bool:
    dt = np.asarray(a).dtype
    return np.issubdtype(dt, np.floating) or np.issubdtype(dt, np.integer)
