"""Setting up the peer engines the benchmarks compare against, each at one thread.

Only imported inside worker processes, each engine in its own; a peer that is not installed makes
its worker fail, and the harness reports it as skipped.  None of these is a dependency of the
project: install them in a separate environment (``benchmarks/README.md``) and run the
benchmarks with ``--python`` pointing at it.
"""

from __future__ import annotations

import os


def torch():
    import torch as t

    t.set_num_threads(1)
    return t


def jax(x64: bool):
    """JAX on the CPU, XLA's thread pools at one thread, float64 on when ``x64``."""
    os.environ["XLA_FLAGS"] = (
        os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    )
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    import jax as j

    j.config.update("jax_enable_x64", bool(x64))
    return j
