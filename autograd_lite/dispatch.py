"""numpy dispatch: which numpy function or ufunc runs which autograd_lite operation.

``HANDLED`` maps a numpy callable (``np.sin``, ``np.linalg.det``, ...) to the function that
records it on Tensors.  Operation modules fill it with the ``implements`` decorator, which can
also attach the function as a Tensor method where numpy's ndarray has that method:

    @implements(np.cumsum, method=True)
    def cumsum(x, axis=None): ...

``Tensor.__array_ufunc__`` and ``Tensor.__array_function__`` look numpy's callables up here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

HANDLED: dict[Any, Callable[..., Any]] = {}


def implements(*numpy_callables: Any, method: bool | str = False) -> Callable[[Callable], Callable]:
    """Register ``fn`` as what each numpy callable does on Tensors; ``method=True`` (or a name)
    also makes it ``Tensor.<name>``."""

    def register(fn: Callable) -> Callable:
        for np_fn in numpy_callables:
            HANDLED[np_fn] = fn
        if method:
            from .tensor import Tensor

            setattr(Tensor, method if isinstance(method, str) else fn.__name__, fn)
        return fn

    return register
