"""Real rendering (SVG, PNG, PDF), Jupyter display, and finding the renderer."""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import autograd_lite as ag
from autograd_lite import render
from autograd_lite.demo import sigmoid_neuron
from autograd_lite.render import ENV_VAR, RendererNotFound, find_renderer, render_bytes
from autograd_lite.viz import draw_graph, format_graph, save_graph, to_dot

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def svg_texts(svg: str | bytes) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(e.itertext()) for e in root.iter() if e.tag.endswith("text")]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(autouse=True)
def fresh_renderer(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    render._cache.clear()
    yield
    render._cache.clear()


def neuron():
    f, v = sigmoid_neuron()
    f.backward(retain_grads=True)
    return f


def test_svg_parses_and_contains_the_labels(tmp_path):
    path = save_graph(neuron(), tmp_path / "n.svg", edge_grads=True)
    texts = svg_texts(path.read_bytes())
    for label in ["w0", "x0", "w1", "x1", "w2", "f", "mul", "exp", "pow", "data 0.7311", "grad -0.1966"]:
        assert label in texts, label
    assert "-0.5344" in texts  # an edge label: the gradient through 1/x


def test_png_has_a_valid_header_and_a_capped_size(tmp_path):
    small = png_size(save_graph(neuron(), tmp_path / "n.png").read_bytes())
    assert 100 < small[0] < 3000 and 100 < small[1] < 3000
    x = ag.Tensor(0.5, requires_grad=True, name="x")
    y = x
    for _ in range(150):
        y = ag.tanh(y)
    big = png_size(save_graph(y, tmp_path / "big.png", max_nodes=None).read_bytes())
    cap = render.PNG_MAX_INCHES * render.PNG_DPI
    assert max(big) <= cap and max(big) > cap // 2  # a long chain hits the cap instead of growing


def test_dot_file_needs_no_renderer(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "no-such-dot"))
    f = neuron()
    path = save_graph(f, tmp_path / "n.dot")
    assert path.read_text() == to_dot(f)
    with pytest.raises(ValueError, match=r"save_graph: cannot tell the format from '.*n\.jpg'"):
        save_graph(f, tmp_path / "n.jpg")


def test_pdf_from_the_system_dot_or_a_clear_error(tmp_path):
    r = find_renderer()
    if "pdf" in r.formats:
        assert save_graph(neuron(), tmp_path / "n.pdf").read_bytes()[:5] == b"%PDF-"
    else:
        with pytest.raises(RendererNotFound, match="cannot write PDF.*Save as .svg or .png"):
            save_graph(neuron(), tmp_path / "n.pdf")


def test_jupyter_display_uses_the_same_renderer():
    g = draw_graph(neuron())
    assert "w0" in g.source
    bundle = g._repr_mimebundle_()
    assert "w0" in svg_texts(bundle["image/svg+xml"].encode())
    assert png_size(g._repr_image_png())[0] > 0


def test_digraph_render_writes_the_file(tmp_path):
    g = draw_graph(neuron(), format="svg")
    out = g.render(outfile=tmp_path / "g.svg")
    assert "w2" in svg_texts(Path(out).read_bytes())
    out2 = g.render(filename=tmp_path / "g2", format="png", cleanup=True)
    assert out2.endswith(".png") and png_size(Path(out2).read_bytes())[0] > 0
    assert not (tmp_path / "g2").exists()


def test_render_bytes_rejects_unknown_formats():
    with pytest.raises(ValueError, match="render: unknown format 'gif'"):
        render_bytes("digraph { a }", "gif")


def test_env_var_overrides_and_a_bad_one_is_a_clear_error(tmp_path, monkeypatch):
    pure = find_renderer()
    monkeypatch.setenv(ENV_VAR, pure.path)
    assert find_renderer(refresh=True).path == pure.path
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "missing"))
    with pytest.raises(RendererNotFound, match=f"{ENV_VAR}=.*missing.*does not run as a Graphviz dot"):
        find_renderer(refresh=True)
    with pytest.raises(RendererNotFound):
        draw_graph(neuron())  # fails at the call, before any rendering


def fake_dot(tmp_path: Path, version_ok: bool) -> Path:
    d = tmp_path / "bin"
    d.mkdir()
    exe = d / "dot"
    answer = 'echo "dot - graphviz version 2.43.0 (0)" >&2; exit 0' if version_ok else "exit 3"
    exe.write_text(f'#!/bin/sh\nif [ "$1" = -V ]; then {answer}; fi\ncat\n')
    exe.chmod(0o755)
    return d


@pytest.mark.skipif(os.name == "nt", reason="a shell-script dot")
def test_a_system_dot_answering_dash_v_comes_first(tmp_path, monkeypatch):
    d = fake_dot(tmp_path, version_ok=True)
    monkeypatch.setenv("PATH", f"{d}{os.pathsep}{os.environ['PATH']}")
    r = find_renderer(refresh=True)
    assert (r.kind, r.path) == ("dot", str(d / "dot"))
    assert "pdf" in r.formats


@pytest.mark.skipif(os.name == "nt", reason="a shell-script dot")
def test_a_broken_dot_is_skipped_for_graphviz_pure(tmp_path, monkeypatch):
    d = fake_dot(tmp_path, version_ok=False)
    monkeypatch.setenv("PATH", f"{d}{os.pathsep}{os.environ['PATH']}")
    assert find_renderer(refresh=True).kind == "graphviz-pure"


def test_graphviz_pure_is_found_without_path(tmp_path):
    # a Jupyter kernel from an un-activated virtual environment: its bin/ is not on PATH
    code = "from autograd_lite.render import find_renderer; r = find_renderer(); print(r.kind, r.path)"
    env = {k: v for k, v in os.environ.items() if k not in ("PATH", ENV_VAR)}
    env["PATH"] = str(tmp_path)  # nothing there
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    kind, path = out.stdout.split()
    assert kind == "graphviz-pure" and Path(path).is_file()


def test_nothing_to_render_with_fails_early_with_the_fixes(monkeypatch):
    monkeypatch.setattr(render, "_pure_candidates", lambda: [])
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    f = neuron()
    with pytest.raises(
        RendererNotFound, match="no Graphviz renderer found.*pip install graphviz-pure.*AUTOGRAD_LITE_DOT"
    ):
        draw_graph(f)
    render._cache.clear()
    with pytest.raises(RendererNotFound, match="no Graphviz renderer found"):
        save_graph(f, "never-written.svg")
    assert not Path("never-written.svg").exists()
    assert "w0" in to_dot(f) and "w0" in format_graph(f)  # the text views need no renderer


def test_inline_drawings_of_big_graphs_are_cut_at_a_smaller_node_limit():
    from autograd_lite.viz import INLINE_MAX_NODES

    x = ag.Tensor([0.5, -0.5], requires_grad=True, name="x")
    y = x
    for _ in range(100):  # 302 tensors: more than draw_graph's limit, fewer than to_dot's
        y = ag.tanh(y * 1.01 + 0.1)
    g = draw_graph(y.sum())  # what Jupyter shows
    assert INLINE_MAX_NODES < 500
    assert len(re.findall(r"^\tt\d+ \[label=<", g.source, re.M)) == INLINE_MAX_NODES and "more nodes" in g.source
    assert "more nodes" not in to_dot(y.sum())  # to_dot and save_graph keep their 500
    assert "more nodes" not in draw_graph(y.sum(), max_nodes=None).source
    width, height = (float(v) for v in ET.fromstring(g.pipe("svg")).get("viewBox").split()[2:])
    assert width < 1000 and height < 20_000  # a column, not a 10,000 x 90,000 pt staircase of constants
