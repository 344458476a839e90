"""Graph drawing: DOT structure, names, values, gradients, roles, options, limits, text view."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.viz import HEALTH_COLOURS, ROLE_COLOURS, format_graph, grad_health, to_dot
from tests._graphs import lecture_graph


def parse_dot(text: str):
    """Tensor nodes {key: label-html}, op nodes {key: label}, const nodes, and the edge list."""
    tensors = dict(re.findall(r"^\t(t\d+) \[label=<(.*)> shape=plain\]$", text, re.M))
    ops = dict(re.findall(r'^\t(o\d+) \[label="([^"]*)" shape=ellipse', text, re.M))
    consts = dict(re.findall(r'^\t(c\d+_\d+) \[label="([^"]*)"', text, re.M))
    edges = re.findall(r"^\t(\w+) -> (\w+)(?: \[(.*)\])?$", text, re.M)
    return tensors, ops, consts, edges


def edge_grad(attrs: str) -> str:
    """The gradient an edge's label shows."""
    return re.search(r'<FONT COLOR="#b03a2e">([^<]*)</FONT>', attrs).group(1)


def name_of(html: str) -> str:
    return re.search(r"<B>(.*?)</B>", html).group(1)


def keyed_by_name(tensors):
    return {name_of(h): k for k, h in tensors.items()}


def test_one_node_per_tensor_and_op_with_the_right_edges():
    f, (x, y, z, q) = lecture_graph()
    tensors, ops, consts, edges = parse_dot(to_dot(f))
    by = keyed_by_name(tensors)
    assert set(by) == {"x", "y", "z", "q", "f"}
    assert sorted(ops.values()) == ["add", "mul"]
    assert not consts
    add = next(k for k, v in ops.items() if v == "add")
    mul = next(k for k, v in ops.items() if v == "mul")
    expected = {(by["x"], add), (by["y"], add), (add, by["q"]), (by["q"], mul), (by["z"], mul), (mul, by["f"])}
    assert {(a, b) for a, b, _ in edges} == expected
    assert len(edges) == 6


def test_values_gradients_and_roles_show_on_nodes():
    f, (x, y, z, q) = lecture_graph()
    before = keyed_by_name(parse_dot(to_dot(f))[0])
    assert before  # no gradients yet
    assert all("grad" not in h for h in parse_dot(to_dot(f))[0].values())
    f.backward(retain_grads=True)
    tensors = parse_dot(to_dot(f))[0]
    html = {name_of(h): h for h in tensors.values()}
    # the lecture's numbers: q = 3, f = -12, df/dx = df/dy = z = -4, df/dz = q = 3, df/dq = z
    assert "data 3<" in html["q"] and "grad -4<" in html["q"]
    assert "data -12<" in html["f"] and "grad 1<" in html["f"]
    assert "grad -4<" in html["x"] and "grad -4<" in html["y"] and "grad 3<" in html["z"]
    assert "scalar float64" in html["x"]
    for name, role in [("x", "parameter"), ("q", "intermediate"), ("f", "output")]:
        assert f">{role}<" in html[name]
        assert ROLE_COLOURS[role] in html[name]


def test_inputs_constants_and_generated_names():
    w = ag.Tensor([1.0, 2.0], requires_grad=True, name="w")
    data = ag.Tensor([3.0, 4.0])  # a leaf without grad: an input
    out = (w * data + 2.5).sum()
    tensors, ops, consts, edges = parse_dot(to_dot(out))
    names = {name_of(h): h for h in tensors.values()}
    unnamed = [n for n in names if n != "w"]
    assert all(re.fullmatch(r"v\d+", n) for n in unnamed) and len(set(unnamed)) == len(unnamed)
    roles = {n: re.search(r'POINT-SIZE="9">(\w+)<', h).group(1) for n, h in names.items()}
    assert sorted(roles.values()) == ["input", "intermediate", "intermediate", "output", "parameter"]
    assert list(consts.values()) == ["2.5"]
    assert "(2,) float64" in names["w"] and "[1., 2.]" in names["w"]
    hidden = to_dot(out, hide_constants=True)
    assert not parse_dot(hidden)[2]
    assert "add 2.5" in parse_dot(hidden)[1].values()


def test_large_arrays_are_summarised_not_printed():
    x = ag.Tensor(np.arange(1000.0), requires_grad=True, name="x")
    text = to_dot((x * 2).sum())
    node = {name_of(h): h for h in parse_dot(text)[0].values()}["x"]
    assert "min 0 mean 499.5 max 999" in node  # closed forms of arange(1000)
    assert "998" not in node and "(1000,) float64" in node


def test_edge_gradients_are_what_each_edge_carries_and_fan_out_sums():
    x = ag.Tensor(3.0, requires_grad=True, name="x")
    y = x * x + x  # dy/dx = 2x + 1 = 7: the edges into x carry 3, 3 and 1
    tensors, ops, _, edges = parse_dot(to_dot(y, edge_grads=True))
    xkey = keyed_by_name(tensors)["x"]
    labels = [edge_grad(a) for s, _, a in edges if s == xkey]
    assert sorted(float(v) for v in labels) == [1.0, 3.0, 3.0]
    assert sum(float(v) for v in labels) == pytest.approx(2 * 3.0 + 1)


def test_edge_gradients_on_the_neuron_match_the_slides():
    from autograd_lite.demo import sigmoid_neuron

    f, v = sigmoid_neuron()
    tensors, ops, _, edges = parse_dot(to_dot(f, edge_grads=True))
    by = keyed_by_name(tensors)
    got = {}
    for s, _, a in edges:
        for name in ("w0", "x0", "w1", "x1", "w2"):
            if s == by[name]:
                got[name] = float(edge_grad(a))
    # course notes: gradients w0 -0.20, x0 0.39, w1 -0.39, x1 -0.59, w2 0.20
    assert {k: round(g, 2) for k, g in got.items()} == {"w0": -0.2, "x0": 0.39, "w1": -0.39, "x1": -0.59, "w2": 0.2}


@pytest.mark.parametrize(
    "make, state",
    [
        (lambda x: ag.relu(x - 10.0).sum(), "zero"),  # a dead ReLU
        (lambda x: ag.log(x * 0.0).sum(), "nonfinite"),  # d log(0) = inf
        (lambda x: (x * 1e-12).sum(), "vanishing"),
        (lambda x: (x * 1e6).sum(), "exploding"),
    ],
)
def test_health_colours(make, state):
    x = ag.Tensor([1.0, 2.0], requires_grad=True, name="x")
    with np.errstate(all="ignore"):
        out = make(x)
        out.backward(retain_grads=True)
    html = keyed_by_name(parse_dot(to_dot(out, health=True))[0])
    node = {name_of(h): h for h in parse_dot(to_dot(out, health=True))[0].values()}["x"]
    assert html
    assert f"({state})" in node and HEALTH_COLOURS[state] in node
    plain = {name_of(h): h for h in parse_dot(to_dot(out))[0].values()}["x"]
    assert HEALTH_COLOURS[state] not in plain
    assert f"grad {state}" in to_dot(out, health=True)  # in the legend


def test_healthy_gradient_gets_no_health_colour():
    f, _ = lecture_graph()
    f.backward(retain_grads=True)
    text = to_dot(f, health=True, legend=False)
    assert not any(c in text for c in HEALTH_COLOURS.values())


def test_grad_health_thresholds():
    assert grad_health(np.array([0.0, 0.0])) == "zero"
    assert grad_health(np.array([1.0, np.nan])) == "nonfinite"
    assert grad_health(np.array([1e-9, -1e-8])) == "vanishing"
    assert grad_health(np.array([1e-9, -1e-8]), vanishing=1e-9) == "ok"
    assert grad_health(np.array([1.0, -5e3])) == "exploding"
    assert grad_health(np.array([1.0, -5e3]), exploding=1e4) == "ok"


def scoped_model():
    with ag.scope("layer1"):
        W1 = ag.Tensor(np.ones((3, 4)), requires_grad=True, name="W1")
        h = ag.relu(ag.Tensor(np.ones((2, 3))) @ W1)
        with ag.scope("act"):
            h2 = ag.tanh(h)
    with ag.scope("layer2"):
        W2 = ag.Tensor(np.ones((4, 1)), requires_grad=True, name="W2")
        out = (h2 @ W2).sum()
    return out


def cluster_contents(text: str) -> dict[str, str]:
    """Cluster label -> the text between its opening line and the next cluster or closing brace."""
    found = {}
    for m in re.finditer(r'subgraph cluster_\w+ \{\n\tlabel="([^"]*)"', text):
        found[m.group(1)] = text[m.end() : text.find("\t}", m.end())]
    return found


def test_scopes_become_nested_clusters():
    text = to_dot(scoped_model(), legend=False)
    clusters = cluster_contents(text)
    assert set(clusters) == {"layer1", "act", "layer2"}
    assert "<B>W1</B>" in clusters["layer1"] and "<B>W2</B>" in clusters["layer2"]
    # "act" opens inside "layer1": between layer1's opening and act's, no brace closes
    start, inner = text.index('label="layer1"'), text.index('label="act"')
    assert start < inner and "\t}\n" not in text[start:inner]
    assert text.count("{") == text.count("}")
    assert "cluster" not in to_dot(scoped_model(), clusters=False, legend=False)


def test_collapsed_scope_is_one_box_with_deduplicated_edges():
    out = scoped_model()
    full = parse_dot(to_dot(out, legend=False))
    text = to_dot(out, collapse=["layer1"], legend=False)
    tensors, ops, consts, edges = parse_dot(text)
    assert "W1" not in keyed_by_name(tensors) and "W2" in keyed_by_name(tensors)
    n_layer1 = len(full[0]) + len(full[1]) - len(tensors) - len(ops)
    assert f'label="layer1\\n({n_layer1} nodes, collapsed)"' in text
    box_edges = [(a, b) for a, b, _ in edges if "box" in a or "box" in b]
    assert len(box_edges) == len(set(box_edges)) >= 1
    everything = to_dot(out, collapse=True, legend=False)
    assert "layer1\\n(" in everything and "layer2\\n(" in everything and "<B>W2</B>" not in everything


def chain(n: int):
    x = ag.Tensor(0.5, requires_grad=True, name="x")
    y = x
    for _ in range(n):
        y = ag.tanh(y)
    return y


def test_node_limit_leaves_a_stub_counting_the_rest():
    y = chain(50)  # 51 tensors
    tensors, ops, _, edges = parse_dot(to_dot(y, max_nodes=10))
    assert len(tensors) == 10
    text = to_dot(y, max_nodes=10)
    assert "... 41 more nodes" in text
    assert any(a == "more" for a, _, _ in edges)
    assert "more" not in to_dot(y, max_nodes=None)


def test_depth_limit():
    y = chain(50)
    tensors, *_ = parse_dot(to_dot(y, max_depth=3))
    assert len(tensors) == 4  # depths 0..3 along a chain
    assert "... 47 more nodes" in to_dot(y, max_depth=3)


def test_several_outputs_and_direction():
    x = ag.Tensor(2.0, requires_grad=True, name="x")
    a, b = ag.exp(x), ag.log(x)
    a.name, b.name = "a", "b"
    text = to_dot([a, b], direction="LR")
    assert "rankdir=LR" in text
    html = {name_of(h): h for h in parse_dot(text)[0].values()}
    assert set(html) == {"x", "a", "b"}
    assert ">output<" in html["a"] and ">output<" in html["b"]


def test_bad_options_are_clear_errors():
    f, _ = lecture_graph()
    with pytest.raises(ValueError, match="to_dot: direction must be 'TB' or 'LR'"):
        to_dot(f, direction="up")
    with pytest.raises(ValueError, match="to_dot: max_nodes must be a non-negative int"):
        to_dot(f, max_nodes=-1)
    with pytest.raises(TypeError, match="to_dot: expected a Tensor or a list of Tensors, got float"):
        to_dot(3.0)


def test_ten_thousand_nodes_convert_in_well_under_a_second():
    x = ag.Tensor(0.1, requires_grad=True)
    y = x
    for _ in range(2500):
        y = ag.tanh(y * 1.0)  # 4 nodes per step: 2 tensors + 2 ops
    y.backward(retain_grads=True)
    start = time.perf_counter()
    text = to_dot(y, max_nodes=None, edge_grads=True)
    elapsed = time.perf_counter() - start
    assert len(parse_dot(text)[0]) == 5001
    assert elapsed < 1.0, elapsed


def test_format_graph_text_view():
    x = ag.Tensor(3.0, requires_grad=True, name="x")
    y = x * x + x
    y.name = "y"
    y.backward(retain_grads=True)
    text = format_graph(y)
    lines = text.splitlines()
    assert lines[0].startswith("y = add(") and "data 12" in lines[0] and "grad 1" in lines[0]
    assert "x (see above)" in text  # x is used three times, written out once
    assert sum("[parameter]" in line for line in lines) == 1
    assert "grad 7" in text  # dy/dx = 2x + 1
    assert lines[1].startswith(("├── ", "└── "))
    # indentation grows with depth
    depth = [len(line) - len(line.lstrip("│ ├└─")) for line in lines]
    assert max(depth) > depth[1]


@pytest.mark.slow
def test_format_graph_and_to_dot_on_a_deep_chain_do_not_recurse():
    y = chain(200_000)
    text = format_graph(y, max_nodes=20)
    assert "... 199981 more nodes" in text
    assert "more" in to_dot(y, max_nodes=100)


def test_the_teaching_notebook_runs():
    import json
    from pathlib import Path

    nb = json.loads((Path(__file__).parent.parent / "notebooks" / "graphs.ipynb").read_text())
    namespace: dict = {}
    shown = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            code = "".join(cell["source"])
            exec(compile(code, "graphs.ipynb", "exec"), namespace)  # our own notebook's code
            last = code.strip().splitlines()[-1]
            if last.startswith("ag.draw_graph"):
                shown.append(eval(last, namespace)._repr_mimebundle_()["image/svg+xml"])
    assert len(shown) == 4 and all(s.lstrip().startswith("<?xml") for s in shown)
    assert namespace["W1"].grad is not None and not namespace["W1"].grad.data.any()  # the dead layer


def test_modules_become_clusters_and_collapse():
    from autograd_lite import nn

    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    out = model(np.ones((2, 3))).sum()
    text = to_dot(out, legend=False)
    clusters = cluster_contents(text)
    assert {"Sequential", "0", "1", "2"} <= set(clusters)
    assert "<B>0.weight</B>" in clusters["0"] and "<B>2.bias</B>" in clusters["2"]
    folded = to_dot(out, collapse=["Sequential/0"], legend=False)
    assert "0.weight" not in folded and "Sequential/0 (" in folded and "<B>2.weight</B>" in folded


def test_format_graph_on_a_deep_chain_stays_linear():
    from autograd_lite.textview import MAX_INDENT

    n = 5000
    text = format_graph(chain(n), max_nodes=None)
    assert len(text.encode()) < 2_000_000  # growing indentation would be ~50 million characters
    lines = text.splitlines()
    assert len(lines) == n + 1 and lines[-1].lstrip("│ ├└─").startswith(f"[depth {n}] x  [parameter]")
    for depth, line in enumerate(lines):  # line k of a chain is the node at depth k
        body = line.lstrip("│ ├└─")
        assert body.startswith(f"[depth {depth}] ") == (depth > MAX_INDENT), line[:200]
        assert len(line) - len(body) == 4 * min(depth, MAX_INDENT), depth  # indentation stops at MAX_INDENT
