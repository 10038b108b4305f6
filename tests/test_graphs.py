"""Computation graphs of traces: the tutorial's two graphviz cells, and annotated views."""

from __future__ import annotations

import re

import graphviz
import pytest
import torch

import ad_tutorial as adt
from ad_tutorial.graphs import INPUT_COLOR, OUTPUT_COLOR, adjoint_graph, forward_graph
from ad_tutorial.tables import number

SEED = "ln(x1) + x1*x2 - sin(x2)"

# The edges of the tutorial's cell 35 (forward graph), in the order it draws them.
TUTORIAL_EDGES = [("v_-1", "v_1"), ("v_-1", "v_2"), ("v_0", "v_2"), ("v_0", "v_3"),
                  ("v_1", "v_4"), ("v_2", "v_4"), ("v_4", "v_5"), ("v_3", "v_5")]


@pytest.fixture
def seed():
    return adt.trace(SEED, x1=2.0, x2=5.0)


def edges(g: graphviz.Digraph) -> list[tuple[str, str]]:
    return [(a.strip('"'), b.strip('"')) for a, b in
            re.findall(r'^\t("?[\w-]+"?) -> ("?[\w-]+"?)', g.source, re.M)]


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


def test_adjoint_graph_reverses_every_edge_and_runs_right_to_left(seed):
    g = adjoint_graph(seed)
    assert "rankdir=RL" in g.source
    assert edges(g) == [(b, a) for a, b in TUTORIAL_EDGES]


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
