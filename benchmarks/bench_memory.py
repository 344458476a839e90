"""Peak memory of three SGD steps of the 784 -> 256 -> 256 -> 10 MLP at batch 1024 (``--dtype``).

Each engine's worker builds the problem, runs one step (imports, BLAS buffers, caches), hands
the freed heap back to the kernel (glibc's ``malloc_trim``), resets the kernel's high-water mark
of its resident set (``/proc/self/clear_refs``) and runs three more steps; the measure is how far
the resident set then rose above where it stood before them (``VmHWM - VmRSS`` from
``/proc/self/status``; Linux with glibc only).  For the numpy-based engines the worker also
reports ``tracemalloc``'s peak of the three steps (numpy reports its allocations to it), the
exact count of array bytes.  Target: at most 1.10x numpy's peak.
"""

from __future__ import annotations

import ctypes
import gc
import tracemalloc

import bench_mlp

from _harness import main


def _status(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise OSError(f"no {field} in /proc/self/status")


def _measured(setup, traced: bool):
    def run():
        step, facts = setup()
        facts.pop("loss0", None)
        facts["once"] = True

        def work():
            step()
            gc.collect()
            ctypes.CDLL("libc.so.6").malloc_trim(0)
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")  # reset the high-water mark to the current resident set
            rss = _status("VmRSS")
            if traced:
                tracemalloc.start()
            for _ in range(3):
                step()
            facts["peak_bytes"] = _status("VmHWM") - rss
            facts["peak_mb"] = round(facts["peak_bytes"] / 2**20, 2)
            if traced:
                facts["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 2)
                tracemalloc.stop()

        return work, facts

    return run


ENGINES = {
    name: _measured(setup, traced=name in ("numpy_by_hand", "autograd_lite", "hips_autograd", "mygrad"))
    for name, setup in bench_mlp.ENGINES.items()
}

if __name__ == "__main__":
    main(
        ENGINES,
        baseline="numpy_by_hand",
        title=lambda a: f"Peak memory of 3 MLP SGD steps, batch {a.batch}, {a.dtype}",
        options={"--batch": (int, 1024, "minibatch size"), "--dtype": (str, "float32", "float32 or float64")},
        measure="peak_bytes",
    )
