"""Run the course notebooks in a real Jupyter kernel: the one place that knows how.

Used by the test suite (tests/test_notebooks.py executes every notebook and checks its numbers)
and by ``make notebooks`` (``python notebooks/execute.py --write``: re-execute every notebook and
store it with its outputs, so the pictures show on a code host).

The kernel is ipykernel's "python3", always started with *this* interpreter (``sys.executable``),
never with whatever ``python`` a kernelspec's argv finds on PATH: under ``make test`` the virtual
environment is not activated, and the installed "python3" kernelspec says just ``python``. The
kernel imports ``autograd_lite`` from the checkout this file lives in (its root goes first on
``PYTHONPATH``), runs in a fresh temporary folder (files a notebook writes go there), and any
error stops the run (``CellExecutionError``).

A notebook states its key numbers in a variable ``KEY_NUMBERS`` (a dict of numbers and lists);
after the last cell, one probe cell -- never stored -- prints it as JSON, and
``execute_notebook`` returns it next to the executed notebook.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpec
from nbclient import NotebookClient

NOTEBOOK_DIR = Path(__file__).resolve().parent
REPO_ROOT = NOTEBOOK_DIR.parent
KERNEL_NAME = "python3"
_PROBE = (
    "import json as _json\n"
    "_as_json = lambda o: o.tolist() if hasattr(o, 'tolist') else float(o)  # numpy arrays and numbers\n"
    "print(_json.dumps(globals().get('KEY_NUMBERS'), default=_as_json))"
)
# a warning or a traceback written to stderr counts as an error output (progress bars do not)
_STDERR_ERROR = re.compile(r"Traceback|\w+(Warning|Error)\b")
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+>")
WARNS_TAG = "warns"  # a cell with this tag may show a warning (never a traceback)


class ThisPythonKernelManager(AsyncKernelManager):
    """The "python3" kernel, run by the interpreter running this file (``sys.executable``)."""

    @property
    def kernel_spec(self) -> KernelSpec:
        return KernelSpec(
            name=KERNEL_NAME,
            display_name="Python 3 (ipykernel)",
            language="python",
            argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        )


def notebooks() -> list[Path]:
    """Every notebook of the course, in lecture order (their names start with the lecture number)."""
    return sorted(NOTEBOOK_DIR.glob("*.ipynb"))


def _kernel_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env["PYTHONHASHSEED"] = "0"
    env.pop("MPLBACKEND", None)  # the kernel's own inline backend draws the figures into the notebook
    # one BLAS thread unless the caller says otherwise: the notebooks multiply small matrices, where a second
    # thread buys nothing, and on a busy machine (two notebooks at once under pytest -n 2) OpenBLAS's
    # threads wait on each other for cores: training cells ran 5-10 times slower, measured on 2 cores
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    return env


def _without_addresses(nb: nbformat.NotebookNode) -> None:
    """Drop memory addresses from the plain-text fallbacks of rich outputs (``<Graph at 0x7f...>``),
    so re-executing an unchanged notebook stores the same file."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if "text/plain" in out.get("data", {}):
                out.data["text/plain"] = _ADDRESS.sub(">", out.data["text/plain"])


def error_outputs(nb: nbformat.NotebookNode) -> list[str]:
    """The error outputs of an executed notebook: error cells, and warnings or tracebacks on stderr
    (a warning is allowed in a cell tagged ``warns``)."""
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                found.append(f"cell {i}: {out.ename}: {out.evalue}")
            elif out.output_type == "stream" and out.name == "stderr" and _STDERR_ERROR.search(out.text):
                if WARNS_TAG in cell.metadata.get("tags", []) and "Traceback" not in out.text:
                    continue  # a warning the notebook shows on purpose
                found.append(f"cell {i}: stderr: {out.text.strip()[:500]}")
    return found


def execute_notebook(path: Path, timeout: int = 120) -> tuple[nbformat.NotebookNode, Any]:
    """Execute ``path`` top to bottom in a fresh kernel; return (executed notebook, KEY_NUMBERS or None).

    Raises nbclient's ``CellExecutionError`` at the first cell that fails, and ``RuntimeError``
    when a cell wrote a warning or traceback to stderr."""
    nb = nbformat.read(path, as_version=4)
    probe = nbformat.v4.new_code_cell(_PROBE)
    nb.cells.append(probe)
    with tempfile.TemporaryDirectory(prefix="notebook-") as cwd:
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name=KERNEL_NAME,
            kernel_manager_class=ThisPythonKernelManager,
            coalesce_streams=True,  # one stdout output per cell, as a notebook front end shows it
            record_timing=False,  # no timestamps: re-running leaves an unchanged notebook unchanged
            # the kernel listens on localhost only; its log's warning about unencrypted TCP is noise here
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
            resources={"metadata": {"path": cwd}},
        )
        client.execute(env=_kernel_env())
    nb.cells.pop()
    _without_addresses(nb)
    printed = "".join(o.text for o in probe.outputs if o.output_type == "stream" and o.name == "stdout")
    errors = error_outputs(nb)
    if errors:
        raise RuntimeError(f"{path.name}: error output\n" + "\n".join(errors))
    return nb, json.loads(printed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebooks to run (default: all of notebooks/)")
    parser.add_argument("--write", action="store_true", help="store each notebook with its new outputs")
    args = parser.parse_args(argv)
    paths = [Path(n) for n in args.names] or notebooks()
    for path in paths:
        start = time.perf_counter()
        nb, key_numbers = execute_notebook(path)
        took = time.perf_counter() - start
        if args.write:
            nbformat.write(nb, path)
        size = path.stat().st_size if args.write else len(nbformat.writes(nb))
        print(f"{path.name}: {took:.1f} s, {size / 1024:.0f} KiB, key numbers: {json.dumps(key_numbers)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
