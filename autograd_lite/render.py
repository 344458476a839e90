"""Finding and running a Graphviz renderer: DOT text in, SVG/PNG/PDF bytes out.

The order, first match wins:

1. ``AUTOGRAD_LITE_DOT``: an explicit path (or command name) of a ``dot``-compatible program;
2. the system Graphviz ``dot``, if it is on PATH and answers ``dot -V``;
3. ``graphviz-pure`` (a dependency from PyPI: a self-contained port of Graphviz's ``dot``),
   looked for next to the running interpreter, in the installed package's file list, and on PATH
   -- a Jupyter kernel started from a virtual environment does not have its ``bin/`` on PATH.

PNG output is capped (``PNG_MAX_INCHES`` at ``PNG_DPI``) so a big graph cannot produce a
gigapixel image.  ``graphviz-pure`` has no PDF output; asking it for PDF is a clear error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import threading
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ENV_VAR", "Renderer", "RendererNotFound", "find_renderer", "render_bytes"]

ENV_VAR = "AUTOGRAD_LITE_DOT"
PNG_MAX_INCHES = 40  # width and height cap of PNG output ...
PNG_DPI = 96  # ... at this resolution: at most 3840 x 3840 pixels
FORMATS = ("svg", "png", "pdf", "dot", "json")
_TIMEOUT_S = 120


class RendererNotFound(RuntimeError):
    """No program that can lay out DOT was found; the message says what was tried and the fixes."""


@dataclass(frozen=True)
class Renderer:
    """A ``dot``-compatible program: where it is, what kind it is, and its version line."""

    path: str
    kind: str  # "env", "dot" or "graphviz-pure"
    version: str

    @property
    def formats(self) -> tuple[str, ...]:
        if "graphviz-pure" in self.version or self.kind == "graphviz-pure":
            return ("svg", "png", "dot", "json")
        return FORMATS


def _version(exe: str) -> str | None:
    """The program's ``-V`` line, or None when it does not run or does not answer like dot."""
    try:
        p = subprocess.run([exe, "-V"], capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    text = (p.stderr or p.stdout).decode("utf-8", "replace").strip()
    if p.returncode != 0 or "version" not in text.lower():
        return None
    return text.splitlines()[0]


def _pure_candidates() -> list[str]:
    """Where graphviz-pure may be, without relying on PATH."""
    names = ["graphviz-pure.exe", "graphviz-pure"] if os.name == "nt" else ["graphviz-pure"]
    dirs = [Path(sys.executable).parent]
    try:
        dirs.append(Path(sysconfig.get_path("scripts")))
    except KeyError:  # pragma: no cover - unusual installation schemes
        pass
    found = [str(d / n) for d in dirs for n in names]
    try:
        from importlib.metadata import PackageNotFoundError, distribution

        dist = distribution("graphviz-pure")
        for f in dist.files or ():
            if Path(str(f)).name in names:
                found.append(str(Path(str(dist.locate_file(f))).resolve()))
    except PackageNotFoundError:
        pass
    on_path = shutil.which("graphviz-pure")
    if on_path:
        found.append(on_path)
    return found


_cache: dict[str, Renderer] = {}
_lock = threading.Lock()


def find_renderer(refresh: bool = False) -> Renderer:
    """The renderer to use (cached; ``refresh=True`` looks again), or raise RendererNotFound."""
    override = os.environ.get(ENV_VAR)
    key = override or ""
    with _lock:
        if not refresh and key in _cache:
            return _cache[key]
        tried: list[str] = []
        r: Renderer | None
        if override:
            exe = shutil.which(override) or override
            version = _version(exe)
            if version is None:
                raise RendererNotFound(
                    f"{ENV_VAR}={override!r} does not run as a Graphviz dot (`{override} -V` failed); "
                    f"point it at a working `dot` or `graphviz-pure`, or unset it"
                )
            kind = "graphviz-pure" if "graphviz-pure" in version else "env"
            r = Renderer(exe, kind, version)
        else:
            r = None
            dot = shutil.which("dot")
            tried.append(f"`dot` on PATH ({dot or 'not found'})")
            if dot and (version := _version(dot)):
                r = Renderer(dot, "dot", version)
            if r is None:
                for exe in _pure_candidates():
                    if os.path.isfile(exe) and (version := _version(exe)):
                        r = Renderer(exe, "graphviz-pure", version)
                        break
                tried.append("`graphviz-pure` next to Python, in its package files and on PATH (not found)")
            if r is None:
                raise RendererNotFound(
                    "no Graphviz renderer found; tried " + ", ".join(tried) + ". Fix: "
                    "`pip install graphviz-pure` (installed with autograd-lite on Linux, macOS and Windows), "
                    f"or install Graphviz (https://graphviz.org/download/), or set {ENV_VAR} to a `dot`. "
                    "to_dot() and format_graph() work without one"
                )
        assert r is not None  # every branch above found one or raised
        _cache[key] = r
        return r


def render_bytes(source: str, fmt: str, renderer: Renderer | None = None) -> bytes:
    """Lay out DOT ``source`` and return the ``fmt`` output (svg, png, pdf, dot, json)."""
    fmt = fmt.lower().lstrip(".")
    if fmt == "gv":
        fmt = "dot"
    if fmt not in FORMATS:
        raise ValueError(f"render: unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    r = renderer or find_renderer()
    if fmt not in r.formats:
        raise RendererNotFound(
            f"render: {r.kind} ({r.path}) cannot write {fmt.upper()}; it writes {', '.join(r.formats)}. "
            f"Save as .svg or .png, or install Graphviz (https://graphviz.org/download/) for {fmt.upper()}"
        )
    cmd = [r.path, f"-T{fmt}"]
    if fmt == "png":
        cmd += [f"-Gsize={PNG_MAX_INCHES},{PNG_MAX_INCHES}", f"-Gdpi={PNG_DPI}"]
    try:
        p = subprocess.run(cmd, input=source.encode("utf-8"), capture_output=True, timeout=_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"render: {r.path} took more than {_TIMEOUT_S} s; draw fewer nodes (max_nodes=)") from None
    except OSError as e:
        raise RendererNotFound(f"render: cannot run {r.path}: {e}") from None
    if p.returncode != 0:
        err = p.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"render: {Path(r.path).name} -T{fmt} failed (exit {p.returncode}): {' '.join(err[-3:])}")
    return p.stdout
