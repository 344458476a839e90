"""Run every benchmark and print one markdown table of medians and ratios (``make bench``).

Each script runs its engines in separate one-thread processes; see ``_harness.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
# script, extra arguments, the engine whose ratio has a target, the target
SUITE = [
    ("bench_scalar.py", [], "autograd_lite", "<= 1.00x micrograd"),
    ("bench_chain.py", ["--rounds", "1"], "autograd_lite", "completes, < 500 bytes/node"),
    ("bench_mlp.py", [], "autograd_lite", "<= 1.10x numpy"),
    ("bench_small_ops.py", [], "autograd_lite", "<= 3x numpy"),
    ("bench_training.py", [], "autograd_lite", "<= 1.15x numpy"),
    ("bench_conv.py", [], "autograd_lite", "<= 3x numpy"),
]


def main() -> int:
    rows = []
    for script, extra, _, target in SUITE:
        if not (HERE / script).exists():
            continue
        proc = subprocess.run([sys.executable, str(HERE / script), "--json", *extra], capture_output=True, text=True)
        print(proc.stdout, end="")
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return proc.returncode
        summary = json.loads([ln for ln in proc.stdout.splitlines() if ln.startswith('{"title"')][-1])
        for name, e in summary["engines"].items():
            facts = ", ".join(f"{k}={v}" for k, v in e.items() if k not in ("seconds", "ratio"))
            rows.append(f"| {summary['title']} | {name} | {e['seconds'] * 1e3:.3f} | {e['ratio']:.2f}x | {facts} |")
        rows.append(f"| | target | | {target} | |")
    print(f"\n{summary['machine']}, {summary['date']}\n")
    print("| benchmark | engine | median ms | ratio | facts |\n|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
