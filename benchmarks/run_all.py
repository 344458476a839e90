"""Run every benchmark and print one markdown table of every engine's ratio (``make bench``).

Each script runs its engines in separate one-thread processes; see ``_harness.py``.  Options:

* ``--python PATH``: the interpreter for the workers -- a separate environment with the peers
  installed (micrograd, PyTorch, HIPS autograd, MyGrad, JAX; see README.md).  Engines that are
  not installed there are skipped.  Default: this interpreter.
* ``--quick``: a smoke run in about two minutes (3 processes per engine, short batches, smaller
  chain and epoch, only numpy, autograd_lite and micrograd); ``check.py`` uses it.
* ``--json FILE``: also write every result (ratios, facts, versions, machine) to FILE.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
# (key, script, arguments, arguments added in --quick, target for autograd_lite's ratio)
SUITE = [
    ("mlp-128-f32", "bench_mlp.py", ["--batch", "128", "--dtype", "float32"], [], 1.05),
    ("mlp-128-f64", "bench_mlp.py", ["--batch", "128", "--dtype", "float64"], [], 1.05),
    ("mlp-1024-f32", "bench_mlp.py", ["--batch", "1024", "--dtype", "float32"], [], 1.05),
    ("mlp-1024-f64", "bench_mlp.py", ["--batch", "1024", "--dtype", "float64"], [], 1.05),
    ("memory-1024-f32", "bench_memory.py", ["--dtype", "float32"], [], 1.10),
    ("memory-1024-f64", "bench_memory.py", ["--dtype", "float64"], [], 1.10),
    ("training-adam", "bench_training.py", [], ["--n", "12800"], 1.05),
    ("small-ops", "bench_small_ops.py", [], [], 2.0),
    ("demo-vectorised", "bench_demo_vec.py", [], [], 2.0),
    ("scalar-demo", "bench_scalar.py", [], [], 0.5),
    ("scalar-demo-gc-frozen", "bench_scalar.py", ["--freeze-gc", "1"], [], 0.5),
    ("deep-chain", "bench_chain.py", ["--rounds", "1"], ["--steps", "100000"], None),
    ("conv", "bench_conv.py", [], [], 3.0),
]
QUICK_ENGINES = "numpy_by_hand,autograd_lite,micrograd"
COLUMNS = ["autograd_lite", "torch", "hips_autograd", "mygrad", "jax", "jax.jit", "micrograd", "python_tape"]


def run(quick: bool, python: str, only: list[str] | None = None) -> list[dict]:
    """Every benchmark of the suite (or those named in ``only``), one summary each."""
    summaries = []
    for key, script, extra, quick_extra, target in SUITE:
        if only and key not in only:
            continue
        cmd = [sys.executable, str(HERE / script), "--json", "--python", python, *extra]
        if quick:
            cmd += ["--quick", "--engines", QUICK_ENGINES, *quick_extra]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        print(proc.stdout, end="", flush=True)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            raise SystemExit(f"{script} failed")
        summary = json.loads([ln for ln in proc.stdout.splitlines() if ln.startswith('{"title"')][-1])
        summary.update(key=key, target=target)
        summaries.append(summary)
    return summaries


def table(summaries: list[dict]) -> str:
    """One row per benchmark: each engine's ratio to the baseline (``—``: not installed or failed)."""
    head = "| benchmark | baseline | target | " + " | ".join(COLUMNS) + " |"
    lines = [head, "|" + "---|" * (3 + len(COLUMNS))]
    for s in summaries:
        cells = []
        for name in COLUMNS:
            e = s["engines"].get(name)
            bold = "**" * (name == "autograd_lite")
            cells.append("—" if e is None or e["ratio"] != e["ratio"] else f"{bold}{e['ratio']:.2f}x{bold}")
        target = "" if s["target"] is None else f"≤ {s['target']:.2f}x"
        lines.append(f"| `{s['key']}` {s['title']} | {s['baseline']} | {target} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="the workers' interpreter (with the peers)")
    parser.add_argument("--quick", action="store_true", help="a smoke run in about two minutes")
    parser.add_argument("--json", help="write every result to this file")
    parser.add_argument("--only", nargs="*", help="run only these benchmark keys")
    args = parser.parse_args()
    t0 = time.perf_counter()
    summaries = run(args.quick, args.python, args.only)
    versions: dict[str, str] = {}
    for s in summaries:
        versions.update(s.get("versions", {}))
    print(f"\n{summaries[0]['machine']}, {summaries[0]['date']}, {time.perf_counter() - t0:.0f} s in all")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in sorted(versions.items())) + "\n")
    print(table(summaries))
    if args.json:
        Path(args.json).write_text(json.dumps(summaries, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
