"""Instructions per op of a benchmark's step, counted by valgrind's callgrind (deterministic).

    python count_instructions.py bench_small_ops autograd_lite [--ops 1000] [--steps 5 25]
    python count_instructions.py bench_mlp autograd_lite --ops 1 --set batch=128 --set dtype=float32

runs the engine's step ``--steps`` times in two processes under ``valgrind --tool=callgrind``
(``PYTHONHASHSEED=0``, one BLAS thread: an idle BLAS thread's spinning would be counted too) and
prints the difference of the two totals divided by (difference of steps x ops), so start-up and
imports cancel.  Counts the autograd_lite of the checkout this script is in.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def _worker(module: str, engine: str, steps: int, settings: list[str]) -> None:
    sys.path[:0] = [os.path.dirname(HERE), HERE]
    import _harness

    for setting in settings:  # the script's own options (read from _harness.opts by its setup functions)
        name, value = setting.split("=", 1)
        setattr(_harness.opts, name, int(value) if value.isdigit() else value)
    step, _ = importlib.import_module(module).ENGINES[engine]()
    for _ in range(steps):
        step()


def _total(module: str, engine: str, steps: int, settings: list[str]) -> int:
    env = {**os.environ, "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, __file__]
        sets = [f"--set={x}" for x in settings]
        subprocess.run([*cmd, module, engine, f"--worker={steps}", *sets], env=env, check=True, capture_output=True)
        with open(out, encoding="utf-8", errors="replace") as f:
            return int(re.search(r"^(?:summary|totals): (\d+)", f.read(), re.M).group(1))  # type: ignore[union-attr]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("module")
    parser.add_argument("engine")
    parser.add_argument("--ops", type=int, default=1000, help="ops per step")
    parser.add_argument("--steps", type=int, nargs=2, default=(5, 25))
    parser.add_argument("--set", action="append", default=[], help="NAME=VALUE: one of the script's own options")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)  # run this many steps, uncounted
    args = parser.parse_args()
    for setting in args.set:
        if "=" not in setting:
            parser.error(f"--set {setting!r}: expected NAME=VALUE (e.g. --set batch=128)")
    if args.worker is not None:
        return _worker(args.module, args.engine, args.worker, args.set)
    lo, hi = args.steps
    total = lambda steps: _total(args.module, args.engine, steps, args.set)
    per_op = (total(hi) - total(lo)) / ((hi - lo) * args.ops)
    print(f"{args.module} {args.engine}: {per_op:,.0f} instructions per op (steps {lo} and {hi})")


if __name__ == "__main__":
    main()
