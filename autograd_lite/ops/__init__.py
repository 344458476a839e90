"""THE primitive table, one file per family of operations, each file itself a table:

* ``core``: arithmetic, the classic activations, sum/max, matmul, shape and indexing primitives;
* ``elementwise``: the rest of numpy's elementwise functions;
* ``reductions``: prod, cumsum, statistics, quantiles;
* ``linalg``: dot and friends, einsum, diagonals, np.linalg;
* ``shape``: joining, splitting, repeating, flipping, padding, sorting, windows.

Every entry is a forward in numpy next to one vector-Jacobian rule per input (see ``core``'s
docstring for the conventions).  ``PRIMITIVES`` lists them all.
"""

from __future__ import annotations

from ..engine import Primitive
from . import core, elementwise, linalg, reductions, shape
from .core import *
from .core import PRIMITIVES as _CORE
from .elementwise import *
from .linalg import *
from .reductions import *
from .shape import *

# the whole table replaces core's own PRIMITIVES, which the star import above brought in
PRIMITIVES: tuple[Primitive, ...] = tuple(  # type: ignore[no-redef]
    {
        id(v): v
        for v in (*_CORE, *(v for m in (elementwise, reductions, linalg, shape) for v in vars(m).values()))
        if isinstance(v, Primitive)
    }.values()
)
