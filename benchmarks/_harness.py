"""Shared benchmark harness: each engine in its own process, one thread, interleaved, medians.

A benchmark script defines ``ENGINES = {name: setup_function}``.  A setup function imports what
it needs and returns a zero-argument callable doing one unit of work and a dict of facts to
report (the callable may add to it; ``"once": True`` times a single call without warm-up).
``main()`` runs every engine ``--rounds`` times in fresh subprocesses, in a rotating order, and
prints medians and ratios against the baseline engine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ONE_THREAD = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")}
# glibc's malloc hands big blocks back to the kernel and faults them in again, with a threshold
# that slides with the program's history: with ~1 MB temporaries that page-faulting can take half
# of a step and depends on each engine's order of frees, not on its work.  Fixed thresholds
# take it out for every engine alike (--default-malloc puts it back).
FIXED_MALLOC = {"MALLOC_MMAP_THRESHOLD_": str(4 << 20), "MALLOC_TRIM_THRESHOLD_": str(128 << 20)}


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


ROOT = Path(__file__).resolve().parent.parent
# the engines a benchmark may compare (import name -> shown name), reported with their versions
PEERS = {"numpy": "numpy", "autograd_lite": "autograd_lite", "micrograd": "micrograd", "torch": "PyTorch",
         "autograd": "HIPS autograd", "mygrad": "MyGrad", "jax": "JAX"}  # fmt: skip


def versions() -> dict[str, str]:
    """The version of each engine this worker imported, and Python's."""
    from importlib import metadata

    found = {"Python": platform.python_version()}
    for module, shown in PEERS.items():
        if module in sys.modules:
            own = getattr(sys.modules[module], "__version__", None)  # a checkout's own, not an installed copy's
            try:
                found[shown] = own if isinstance(own, str) else metadata.version(module)
            except metadata.PackageNotFoundError:
                found[shown] = "unknown"
    return found


# Which clock the workers read.  "cpu" (the default): the process's CPU time -- on a machine shared
# with other jobs, wall-clock time also counts the moments the process waited for a core, which
# is the load's doing, not the engine's.  Every engine runs at one thread, so its CPU time is its
# work (JAX's runtime threads included, as they should be).  "wall": time.perf_counter.
CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
clock = CLOCKS["cpu"]


def time_worker(work: Callable[[], object], repeat: int, min_time: float = 0.2) -> float:
    """Median seconds per call of ``work`` over ``repeat`` timed batches (after a warm-up)."""
    work()
    n, t = 1, 0.0
    while True:  # calls per batch so that a batch takes at least min_time / repeat
        t0 = clock()
        for _ in range(n):
            work()
        t = clock() - t0
        if t >= min_time / repeat or n >= 1 << 16:
            break
        n *= 2
    samples = []
    for _ in range(repeat):
        t0 = clock()
        for _ in range(n):
            work()
        samples.append((clock() - t0) / n)
    return statistics.median(samples)


# a script's own options (``options`` of ``main``), parsed in the parent and in every worker
opts = argparse.Namespace()


def main(
    engines: dict[str, Callable[[], tuple]],
    baseline: str,
    title: str | Callable[[argparse.Namespace], str],
    unit: str = "s",
    options: dict[str, tuple[type, object, str]] | None = None,
    measure: str = "seconds",
) -> dict:
    """Run ``engines`` (see the module docstring).  ``options`` maps a script's own flags to
    (type, default, help); they reach every worker, and setup functions read them in ``opts``.
    Ratios compare the medians of ``measure``: a fact the workers report (default: the time)."""
    parser = argparse.ArgumentParser(description=title if isinstance(title, str) else None)
    parser.add_argument("--rounds", type=int, default=5, help="fresh processes per engine")
    parser.add_argument("--repeat", type=int, default=5, help="timed batches per process")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--default-malloc", action="store_true", help="leave glibc's malloc thresholds alone")
    parser.add_argument("--python", default=sys.executable, help="the workers' interpreter (a venv with the peers)")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu", help="CPU time (default) or wall time")
    parser.add_argument("--engines", help="comma-separated: run only these engines (and the baseline)")
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds (a smoke run, ~10x faster)")
    for flag, (kind, default, helptext) in (options or {}).items():
        parser.add_argument(flag, type=kind, default=default, help=helptext)
    args = parser.parse_args()
    vars(opts).update(vars(args))
    global clock
    clock = CLOCKS[args.clock]
    own = [a for flag in (options or {}) for a in (flag, str(getattr(args, flag.lstrip("-").replace("-", "_"))))]
    title = title if isinstance(title, str) else title(args)
    if args.quick:
        args.rounds, args.repeat = min(args.rounds, 3), min(args.repeat, 3)
    if args.worker:
        work, facts = engines[args.worker]()
        facts = facts if facts is not None else {}
        if facts.pop("once", False):  # a long run: time one call, no warm-up
            t0 = clock()
            work()
            facts["seconds"] = clock() - t0
        else:
            facts["seconds"] = time_worker(work, args.repeat, 0.05 if args.quick else 0.2)
        facts["_versions"] = versions()
        print("RESULT " + json.dumps(facts))
        return facts
    results: dict[str, list[dict]] = {}
    skipped: dict[str, str] = {}
    names = list(engines)
    if args.engines:
        names = [n for n in names if n == baseline or n in args.engines.split(",")]
    for r in range(args.rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:  # rotate the order
            if name in skipped:
                continue
            env = dict(os.environ, **ONE_THREAD, **({} if args.default_malloc else FIXED_MALLOC))
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))  # this checkout
            proc = subprocess.run(
                [args.python, sys.argv[0], "--worker", name, "--repeat", str(args.repeat), "--clock", args.clock, *own]
                + ["--quick"] * args.quick,
                capture_output=True, text=True, env=env,
            )  # fmt: skip
            lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
            if proc.returncode != 0 or not lines:
                last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
                skipped[name] = last
                continue
            results.setdefault(name, []).append(json.loads(lines[-1][7:]))
    summary = {"title": title, "machine": machine(), "date": time.strftime("%Y-%m-%d"), "baseline": baseline}
    summary["clock"] = args.clock
    summary.update(measure=measure, engines={}, versions={}, skipped=skipped)
    for runs in results.values():
        summary["versions"].update(runs[-1].pop("_versions", {}))
        for run in runs:
            run.pop("_versions", None)
    base = statistics.median(x[measure] for x in results[baseline]) if baseline in results else None
    print(f"{title}\n  {summary['machine']}, {summary['date']}, one thread,", end=" ")
    print(f"{args.rounds} processes x {args.repeat} batches, {args.clock} time")
    for name, runs in results.items():
        med = statistics.median(x["seconds"] for x in runs)
        facts = {k: v for k, v in runs[-1].items() if k != "seconds"}
        if measure != "seconds":
            facts[measure] = statistics.median(x[measure] for x in runs)
        ratio = facts.get(measure, med) / base if base else float("nan")
        summary["engines"][name] = {"seconds": med, "ratio": ratio, **facts}
        extra = "".join(f", {k}={v}" for k, v in facts.items())
        print(f"  {name:<16} {med * 1e3:10.3f} ms   {ratio:6.2f}x {baseline}{extra}")
    for name, why in skipped.items():
        print(f"  {name:<16} skipped: {why}")
    print("  versions: " + ", ".join(f"{k} {v}" for k, v in sorted(summary["versions"].items())))
    if args.json:
        print(json.dumps(summary))
    return summary
