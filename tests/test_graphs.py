"""Computation graphs of traces: the tutorial's two graphviz cells, and annotated views."""

from __future__ import annotations

import json
import re

import graphviz
import pytest
import torch
from hypothesis import given, settings

import ad_tutorial as adt
from ad_tutorial.graphs import INPUT_COLOR, OUTPUT_COLOR, adjoint_graph, forward_graph
from ad_tutorial.rendering import GRAPH_PNG_DPI, PROJECTOR, png_size, render_graph
from ad_tutorial.tables import number

from .strategies import expressions, used, well_conditioned_points

SEED = "ln(x1) + x1*x2 - sin(x2)"

# The edges of the tutorial's cell 35 (forward graph), in the order it draws them.
TUTORIAL_EDGES = [("v_-1", "v_1"), ("v_-1", "v_2"), ("v_0", "v_2"), ("v_0", "v_3"),
                  ("v_1", "v_4"), ("v_2", "v_4"), ("v_4", "v_5"), ("v_3", "v_5")]


@pytest.fixture
def seed():
    return adt.trace(SEED, x1=2.0, x2=5.0)


# A 22-node expression, as a class might try.
LARGE = ("exp(-x1/x2) * sqrt(x2) - tanh(x1*x2) + ln(1 + x1**2) * sin(x1 - x2) / cos(x2)"
         " + sigmoid(x1*x2)", {"x1": 0.7, "x2": 1.3})


def edges(g: graphviz.Digraph) -> list[tuple[str, str]]:
    """The arrows `g` draws, from → to as a reader sees them: ``dir=back`` turns an edge
    round, and an edge drawn through the box of its label v_i.k (on the edge from v_i)
    counts once."""
    arrows = []
    for a, b, attributes in re.findall(r'^\t("?[\w.-]+"?) -> ("?[\w.-]+"?)(?: \[(.*)\])?$',
                                       g.source, re.M):
        if "dir=none" in attributes:
            continue                                # the part of an edge with no arrowhead
        a, b = (name.strip('"').split(".")[0] for name in (a, b))
        arrows.append((b, a) if "dir=back" in attributes else (a, b))
    return arrows


def layout(g: graphviz.Digraph) -> dict:
    """dot's layout of `g`: {"nodes": {name: (x, y, width, height)}, "edges": [(tail,
    head, [points of its spline, sampled])]}, in points."""
    data = json.loads(g.pipe(format="json"))
    nodes = {o["_gvid"]: o for o in data["objects"]}
    boxes = {o["name"]: (*map(float, o["pos"].split(",")), 72 * float(o["width"]),
                         72 * float(o["height"])) for o in nodes.values()}
    return {"nodes": boxes,
            "edges": [(nodes[e["tail"]]["name"], nodes[e["head"]]["name"], _spline(e["pos"]))
                      for e in data.get("edges", [])]}


def _spline(pos: str) -> list[tuple[float, float]]:
    """Points along a graphviz B-spline "[s,x,y] [e,x,y] p0 c1 c2 p1 c3 c4 p2 …"."""
    p = [tuple(map(float, xy.split(","))) for xy in pos.split() if not xy[:2] in ("s,", "e,")]
    points = []
    for k in range(0, len(p) - 1, 3):
        a, b, c, d = p[k:k + 4]
        for t in (n / 20 for n in range(21)):
            points.append(tuple((1 - t) ** 3 * a[m] + 3 * (1 - t) ** 2 * t * b[m]
                                + 3 * (1 - t) * t ** 2 * c[m] + t ** 3 * d[m] for m in (0, 1)))
    return points


def inside(point: tuple[float, float], box: tuple[float, float, float, float],
           margin: float) -> bool:
    x, y, width, height = box
    return abs(point[0] - x) <= width / 2 + margin and abs(point[1] - y) <= height / 2 + margin


def torch_gradient(text: str, **at: float) -> dict[str, float]:
    xs = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in at.items()}
    y = adt.parse(text)(**xs)
    grads = torch.autograd.grad(y, list(xs.values()))
    return {k: g.item() for k, g in zip(xs, grads)}


def test_forward_graph_is_the_tutorials_cell(seed):
    g = forward_graph(seed)
    assert isinstance(g, graphviz.Digraph)
    assert "rankdir=LR" in g.source and "node [shape=circle]" in g.source
    assert edges(g) == TUTORIAL_EDGES
    for k in range(-1, 6):
        assert f"[label=<v<sub>{k}</sub>>]".replace("-", "−") in g.source


def test_adjoint_graph_is_the_forward_picture_with_every_edge_reversed(seed):
    g = adjoint_graph(seed)
    assert "rankdir=LR" in g.source                 # inputs on the left, y on the right
    assert edges(g) == [(b, a) for a, b in TUTORIAL_EDGES]


@pytest.mark.parametrize("annotate", [False, True])
def test_both_graphs_of_the_seed_put_every_node_in_the_same_place(seed, annotate):
    """The tutorial draws v₋₁ above v₀ in both pictures; so do we. Annotated, nodes show
    different numbers and adjoint edges carry labels, so only the order must agree."""
    forward = layout(forward_graph(seed, annotate=annotate))["nodes"]
    adjoint = layout(adjoint_graph(seed, annotate=annotate))["nodes"]
    assert forward["v_-1"][1] > forward["v_0"][1] and adjoint["v_-1"][1] > adjoint["v_0"][1]
    if not annotate:
        assert forward == adjoint


@settings(max_examples=30, deadline=None)
@given(expressions(), well_conditioned_points())
def test_both_graphs_put_every_node_in_the_same_place(text, point):
    t = adt.trace(text, **used(point, text))
    assert layout(forward_graph(t))["nodes"] == layout(adjoint_graph(t))["nodes"]


@pytest.mark.parametrize("text, at", [("ln(x1) + x1*x2 - sin(x2)", {"x1": 2.0, "x2": 5.0}),
                                      LARGE, ("x*x + x*sin(x)", {"x": 0.5}),
                                      ("x1*x2*x3 + x1/x2 - x3*x1", {"x1": 1, "x2": 2, "x3": 3})])
def test_every_edge_label_sits_on_its_own_edge_and_on_no_other(text, at):
    """∂v_i/∂v_j is a box on the line of its edge v_i → v_j: both halves of the edge end
    at the box, and no other line runs through it (dot's own edge labels sit beside the
    edge, where two close edges make a label ambiguous)."""
    t = adt.trace(text, **at)
    drawn = layout(adjoint_graph(t, annotate=True))
    boxes = {name: box for name, box in drawn["nodes"].items() if "." in name}
    assert len(boxes) == sum(j < len(t) for args in t.args[len(t.inputs):len(t)] for j in args)
    for name, box in boxes.items():
        own = [points for tail, head, points in drawn["edges"] if name in (tail, head)]
        assert len(own) == 2
        for points in own:
            assert inside(points[0], box, 2) or inside(points[-1], box, 2), name
        for tail, head, points in drawn["edges"]:
            if name not in (tail, head):
                assert not any(inside(p, box, -1) for p in points), (name, tail, head)


def test_a_callable_draws_the_same_graph_as_the_expression(seed):
    t = adt.trace(lambda x1, x2: adt.ln(x1) + x1 * x2 - adt.sin(x2), 2.0, 5.0)
    assert forward_graph(t).source == forward_graph(seed).source
    assert adjoint_graph(t, annotate=True).source == adjoint_graph(seed, annotate=True).source


def test_annotated_forward_graph_shows_values_and_tangents_checked_by_torch(seed):
    source = forward_graph(seed, annotate=True).source
    dy_dx1 = torch_gradient(SEED, x1=2.0, x2=5.0)["x1"]
    assert f"ẏ = {number(dy_dx1)}" in source                      # 5.5
    assert f"= {number(seed.value)}" in source                     # 11.652
    assert "ln v<sub>−1</sub>" in source and "v<sub>−1</sub> × v<sub>0</sub>" in source
    assert "v̇<sub>2</sub> = 5<" in source                          # 1 × 5 + 0 × 2


def test_a_tangent_draws_its_own_seed(seed):
    source = forward_graph(seed.forward(x2=1.0)).source
    dy_dx2 = torch_gradient(SEED, x1=2.0, x2=5.0)["x2"]
    assert f"ẏ = {number(dy_dx2)}" in source                      # 1.716
    assert "ẋ2 = 1" in source and "ẋ1 = 0" in source


def test_annotated_adjoint_graph_shows_adjoints_and_partials_checked_by_torch(seed):
    source = adjoint_graph(seed, annotate=True).source
    grad = torch_gradient(SEED, x1=2.0, x2=5.0)
    assert f"v̄<sub>−1</sub> = {number(grad['x1'])}" in source      # 5.5
    assert f"v̄<sub>0</sub> = {number(grad['x2'])}" in source       # 1.716
    # ∂v_3/∂v_0 = cos v_0, which torch computes as the derivative of sin at 5
    x2 = torch.tensor(5.0, dtype=torch.float64, requires_grad=True)
    (dsin,) = torch.autograd.grad(torch.sin(x2), x2)
    assert f"∂v<sub>3</sub>/∂v<sub>0</sub> = cos v<sub>0</sub> = {number(dsin.item())}" in source
    assert "∂v<sub>5</sub>/∂v<sub>3</sub> = −1>" in source         # a constant partial, once


def test_inputs_and_output_are_set_apart(seed):
    g = adjoint_graph(seed, annotate=True)
    lines = {m[1]: m[0] for m in re.finditer(r'^\t"?([\w-]+)"? \[label=.*$', g.source, re.M)}
    assert INPUT_COLOR in lines["v_-1"] and INPUT_COLOR in lines["v_0"]
    assert OUTPUT_COLOR in lines["v_5"] and "peripheries=2" in lines["v_5"]
    assert INPUT_COLOR not in lines["v_2"] and OUTPUT_COLOR not in lines["v_2"]
    assert "y = v<sub>5</sub>" in lines["v_5"]


def test_a_repeated_argument_gets_one_edge_per_use():
    t = adt.trace("x*x", x=3.0)
    g = adjoint_graph(t, annotate=True)
    assert edges(g) == [("v_1", "v_0"), ("v_1", "v_0")]
    assert g.source.count("∂v<sub>1</sub>/∂v<sub>0</sub> = v<sub>0</sub> = 3>") == 2
    assert f"v̄<sub>0</sub> = {number(torch_gradient('x*x', x=3.0)['x'])}" in g.source  # 6


def test_constants_are_written_into_the_operation_not_drawn():
    t = adt.trace("3*x**2", x=5.0)
    g = forward_graph(t, annotate=True)
    assert "3 × v<sub>1</sub>" in g.source and "v<sub>0</sub><sup>2</sup>" in g.source
    assert edges(g) == [("v_0", "v_1"), ("v_1", "v_2")]


def test_graphs_render_through_dot_as_svg(seed):
    svg = adjoint_graph(seed, annotate=True).pipe(format="svg").decode()
    assert svg.lstrip().startswith("<?xml") and "1.716" in svg and "11.652" in svg


@pytest.mark.parametrize("text, at, output", [("x*y", {"x": 2.0, "y": 3.0}, "f"),
                                              ("f*y", {"f": 2.0, "y": 3.0}, "g"),
                                              ("f - x", {"f": 2.0, "x": 3.0}, "y")])
def test_the_output_is_named_apart_from_the_inputs(text, at, output):
    t = adt.trace(text, **at)
    forward, adjoint = forward_graph(t, annotate=True).source, adjoint_graph(t, annotate=True).source
    for source in (forward, adjoint):
        assert f"<b>{output} = v<sub>1</sub></b>" in source
    dot, bar = (adt.tables.NOTATIONS["html"].variable(output, a) for a in ("dot", "bar"))
    assert f": {dot} = " in forward and f"reverse mode, {bar} = 1" in adjoint
    assert all(f"∂{output}/∂{x} = " in adjoint for x in at)


@pytest.mark.parametrize("draw", [forward_graph, adjoint_graph,
                                  lambda t: forward_graph(t, annotate=True),
                                  lambda t: adjoint_graph(t, annotate=True)])
def test_graph_pngs_fill_a_full_hd_projector(seed, draw):
    width, height = png_size(render_graph(draw(seed), "png"))
    assert width <= PROJECTOR[0] and height <= PROJECTOR[1]
    assert max(width / PROJECTOR[0], height / PROJECTOR[1]) > 0.98, (width, height)


def test_a_graph_too_large_for_the_projector_is_not_shrunk():
    t = adt.trace(" + ".join(f"sin(x*{k})" for k in range(1, 16)), x=0.5)
    g = forward_graph(t, annotate=True)
    at_least = g.copy()
    at_least.attr(dpi=str(GRAPH_PNG_DPI))
    size = png_size(render_graph(g, "png"))
    assert size == png_size(at_least.pipe(format="png")) and size[1] > PROJECTOR[1]


# --- arrays: shapes on every node, numbers abbreviated, the VJP on each adjoint edge --------

CELL_46 = ("mean(ln(x**2 + 1) + 5*x)", {"x": [0, 1, 2, 3, 4]})


def labels(g: graphviz.Digraph) -> dict[str, str]:
    """Each node's label as text (HTML tags dropped), by node name."""
    found = re.findall(r'^\t"?([\w.-]+)"? \[label=<(.*)>(?: [\w-]+=(?:"[^"]*"|\S+))*\]$',
                       g.source, re.M)
    return {name: re.sub(r"<[^>]+>", "", label) for name, label in found}


@pytest.mark.parametrize("draw", [forward_graph, adjoint_graph])
@pytest.mark.parametrize("annotate", [False, True])
def test_every_node_of_an_array_trace_shows_its_shape(draw, annotate):
    t = adt.trace(CELL_46[0], **CELL_46[1])
    g = draw(t, annotate=annotate)
    nodes = {name: text for name, text in labels(g).items() if "." not in name}
    assert len(nodes) == len(t)
    for i in range(len(t)):
        assert str(t.shape(i)) in nodes[t.name(i)], nodes[t.name(i)]
    assert edges(g) == [(a, b) if draw is forward_graph else (b, a)
                        for a, b in edges(forward_graph(t))]


def test_annotated_array_graphs_abbreviate_and_adjoint_edges_carry_the_vjp():
    t = adt.trace(CELL_46[0], **CELL_46[1])
    forward = labels(forward_graph(t, annotate=True))
    assert "v5 (5,) = v4 + v2= [0, …, 22.833]" in forward["v_5"]
    adjoint = labels(adjoint_graph(t, annotate=True))
    assert adjoint["v_6.0"] == "(v̄6/5) broadcast to (5,)"          # mean passes back v̄/5
    assert adjoint["v_4.0"] == "v̄4 × 1/v3"
    assert "v̄0 = [1, …, 1.094]" in adjoint["v_0"]
    assert "∂y/∂x = [1, …, 1.094]" in adjoint_graph(t, annotate=True).source


def test_each_output_of_several_is_marked_and_the_caption_gives_each_seed():
    t = adt.trace("x*y, sum(W @ x)", x=[1.0, 2.0], y=3.0, W=[[1.0, 2.0], [3.0, 4.0]])
    g = adjoint_graph(t, annotate=True)
    assert g.source.count('peripheries=2') == 2
    nodes = labels(g)
    assert nodes["v_1"].startswith("f1 = v1 (2,)") and nodes["v_3"].startswith("f2 = v3 ()")
    assert "f̄1 = [1, 0], f̄2 = 0: x̄ = [3, 0], ȳ = 1, W̄ = [[0, 0], [0, 0]]" in g.source
    assert "ḟ1 = [3, 0], ḟ2 = 4" in forward_graph(t, annotate=True).source
    render_graph(g, "svg")                      # dot reads it


def test_torch_graph_of_an_array_trace_beside_the_trace():
    from ad_tutorial.torch_graphs import side_by_side

    g = side_by_side(adt.trace(CELL_46[0], **CELL_46[1]))
    for fn, node in [("PowBackward0", 1), ("LogBackward0", 4), ("MeanBackward0", 6)]:
        assert f"{fn}<br/>= v<sub>{node}</sub>" in g.source
    assert "at x = [0, …, 4]" in g.source
    render_graph(g, "svg")
