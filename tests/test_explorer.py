"""The explorer's walk and page: right numbers (checked against torch), consistent ids,
a page that works offline, and the explore command."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings

from ad_tutorial import trace
from ad_tutorial.cli import main
from ad_tutorial.explorer import build_model, render_page, write_page, write_seed_page
from ad_tutorial.explorer.page import _json_for_script
from ad_tutorial.graph_svg import ROOM, graph_svgs
from ad_tutorial.tables import NOTATIONS
from ad_tutorial.torch_bridge import RTOL, torch_forward, torch_reverse

from .strategies import expressions, used, well_conditioned_points

SEED = "ln(x1) + x1*x2 - sin(x2)"
number = NOTATIONS["html"].number       # as the page writes numbers: −0.959
EXAMPLES = [
    (SEED, {"x1": 2.0, "x2": 5.0}, None),
    ("x*x + 3*sin(x)", {"x": 0.7}, None),                    # a repeated argument
    ("exp(-x/y) * sqrt(y) - tanh(x*y)", {"x": 1.5, "y": 0.4}, {"x": 0.3, "y": -2.0}),
    ("sigmoid(a) ** 2 / (1 + abs(b))", {"a": -0.8, "b": 2.5}, {"b": 1.0}),
]


def steps_of(model, phase):
    return [s for s in model["steps"] if s["phase"] == phase]


def svg_ids(svg: str) -> dict[str, str]:
    """id -> class of every element of an SVG."""
    root = ET.fromstring(svg)
    return {e.get("id"): e.get("class", "") for e in root.iter() if e.get("id")}


@pytest.mark.parametrize("text, at, seed", EXAMPLES)
def test_walk_ends_on_torchs_value_derivative_and_gradient(text, at, seed):
    t = trace(text, **at)
    model = build_model(t, seed)
    y, gradient = torch_reverse(t)
    direction = {x: (seed or {next(iter(at)): 1.0}).get(x, 0.0) for x in at}
    _, derivative = torch_forward(t, direction)
    primal, tangent, adjoint = (steps_of(model, p) for p in ("primal", "tangent", "adjoint"))
    assert math.isclose(primal[-1]["value"], y, rel_tol=RTOL)
    assert math.isclose(tangent[-1]["value"], derivative, rel_tol=RTOL, abs_tol=1e-300)
    for ours, torchs in zip(adjoint[-1]["value"], gradient.values(), strict=True):
        assert math.isclose(ours, torchs, rel_tol=RTOL, abs_tol=1e-300)
    # What the step says ends with the number it computed, as a teacher writes it.
    for s in primal + tangent + adjoint[:-1]:
        assert s["say"].endswith(f"= {number(s['value'])}")
    assert adjoint[-1]["say"].endswith(number(gradient[list(at)[-1]]))


@pytest.mark.parametrize("text, at, seed", EXAMPLES)
def test_every_step_shows_the_sweeps_own_numbers(text, at, seed):
    """Each step's number is the engine's (whose sweeps the engine tests check against
    torch node by node), in the order the sweeps make them."""
    t = trace(text, **at)
    tangent, adjoint = t.forward(**(seed or {})), t.reverse()
    model = build_model(t, seed)
    n = len(t)
    assert [s["value"] for s in steps_of(model, "primal")] == t.values[:n] + [t.value]
    assert [s["value"] for s in steps_of(model, "tangent")] == (
        tangent.tangents[:n] + [tangent.derivative])
    contributions = list(adjoint.steps())
    assert [s["value"] for s in steps_of(model, "adjoint")[:-1]] == [
        c.adjoint for c in contributions]
    assert model["seed"] == tangent.seed


def test_seed_walk_is_the_tutorials():
    model = build_model(trace(SEED, x1=2.0, x2=5.0))
    says = [re.sub(r"</?sub>", "", s["say"]) for s in model["steps"]]
    assert len(says) == 8 + 8 + 10 + 10         # primal, tangent, adjoint, second order
    assert says[4] == "v3 = sin v0 = sin 5 = −0.959"
    assert says[7] == "y = v5 = 11.652"
    assert says[15] == "ẏ = v̇5 = 5.5"
    assert says[23] == "v̄0 = v̄0 + v̄2 ∂v2/∂v0 = v̄0 + v̄2 × v−1 = −0.284 + 1 × 2 = 1.716"
    assert says[25] == "x̄1 = v̄−1 = 5.5, x̄2 = v̄0 = 1.716"
    last = model["steps"][23]
    assert last["nodes"] == ["a-n-v_0"] and last["edges"] == ["a-e-v_2-v_0-0"]
    assert last["sources"] == ["a-n-v_2"]
    assert model["steps"][3]["edges"] == ["f-e-v_-1-v_2-0", "f-e-v_0-v_2-0"]


def check_ids(model) -> None:
    """Every row, node, edge and line of numbers a step lights up or fills in exists, in
    the graph its sweep shows."""
    graphs = {name: svg_ids(svg) for name, svg in model["graphs"].items()}
    rows = set()
    for phase in model["phases"]:
        for table in phase["tables"]:
            rows |= set(re.findall(r'<tr id="([^"]+)"', table))
    graph_of = {p["name"]: p["graph"] for p in model["phases"]}
    for s in model["steps"]:
        ids = graphs[graph_of[s["phase"]]]
        assert set(s["rows"]) <= rows
        assert all(s["phase"] in r for r in s["rows"])
        for node in s["nodes"] + s["sources"]:
            assert "node" in ids[node]
        for edge in s["edges"]:
            assert ids[edge] == "edge"
        for line in s["labels"]:
            assert ids[line] == "line"
    for phase in model["phases"]:
        assert all(graphs[phase["graph"]][line] == "line" for line in phase["labels"])
    for ids in graphs.values():
        assert len(ids) == len(set(ids))


@settings(max_examples=25)
@given(expressions(max_leaves=6), well_conditioned_points())
def test_ids_of_random_walks_exist(text, point):
    check_ids(build_model(trace(text, **used(point, text))))


def svg_tree(svg: str) -> ET.Element:
    """An SVG's elements, with their plain names (g, text), not {namespace}g."""
    root = ET.fromstring(svg)
    for el in root.iter():
        el.tag = el.tag.rpartition("}")[2]
    return root


def node_boxes(svg: str) -> dict[str, str]:
    """The outline (path) of every node of an SVG graph, by the node's name."""
    root = svg_tree(svg)
    return {g.find("title").text: g.find("path").get("d")
            for g in root.iter("g") if g.get("class") == "node"}


def check_same_places(model) -> None:
    forward, adjoint = (node_boxes(model["graphs"][g]) for g in ("forward", "adjoint"))
    assert forward == adjoint and len(forward) == len(steps_of(model, "primal")) - 1
    sizes = [re.search(r'viewBox="([^"]+)"', svg)[1] for svg in model["graphs"].values()]
    assert sizes[0] == sizes[1]


@pytest.mark.parametrize("text, at, seed", EXAMPLES)
def test_both_graphs_put_every_node_in_the_same_place(text, at, seed):
    """The page switches from the forward to the adjoint graph without the picture
    moving: nodes in the same boxes, at the same places, in a drawing of the same size."""
    check_same_places(build_model(trace(text, **at), seed))


@settings(max_examples=30, deadline=None)
@given(expressions(), well_conditioned_points())
def test_random_graphs_put_every_node_in_the_same_place(text, point):
    check_same_places(build_model(trace(text, **used(point, text))))


def shown(model, k: int) -> dict[str, str]:
    """The numbers on the graph's nodes at step k: its phase's, then its steps' so far."""
    step = model["steps"][k]
    phase = next(p for p in model["phases"] if p["name"] == step["phase"])
    labels = dict(phase["labels"])
    for s in model["steps"][:k + 1]:
        if s["phase"] == step["phase"]:
            labels.update(s["labels"])
    return labels


@pytest.mark.parametrize("text, at, seed", EXAMPLES)
def test_nodes_show_the_sweeps_numbers_as_the_walk_reaches_them(text, at, seed):
    t = trace(text, **at)
    tangent, adjoint = t.forward(**(seed or {})), t.reverse()
    model = build_model(t, seed)
    n, names = len(t), [t.name(i) for i in range(len(t))]
    primal, forward, backward = (steps_of(model, p) for p in ("primal", "tangent", "adjoint"))
    # The primal sweep writes v_i onto its node at row i, and nothing else.
    for i, step in enumerate(primal[:n]):
        assert step["labels"] == {f"f-value-{names[i]}": number(t.values[i])}
    start = model["steps"].index(forward[0])
    assert shown(model, start - 1) == {f"f-value-{x}": number(t.values[i])
                                       for i, x in enumerate(names)}
    # The tangent sweep shows every value, and v̇_i from row i on.
    assert shown(model, start) == {**{f"f-value-{x}": number(t.values[i])
                                      for i, x in enumerate(names)},
                                   f"f-tangent-{names[0]}": number(tangent.tangents[0])}
    assert {k: v for k, v in shown(model, start + n - 1).items() if "tangent" in k} == {
        f"f-tangent-{x}": number(tangent.tangents[i]) for i, x in enumerate(names)}
    # The adjoint sweep: an adjoint grows contribution by contribution, to v̄_i = ∂y/∂v_i.
    end = model["steps"].index(backward[-1])
    for k, (step, c) in enumerate(zip(backward, adjoint.steps())):
        assert step["labels"] == {f"a-adjoint-{names[c.node]}": number(c.adjoint)}
    final = {k: v for k, v in shown(model, end).items() if "adjoint" in k}
    reached = {i for i in range(n) if any(c.node == i for c in adjoint.steps())}
    assert final == {f"a-adjoint-{names[i]}": number(adjoint.adjoints[i])
                     for i in reached | set(range(len(t.inputs)))}


def test_a_node_has_room_for_the_longest_number_it_will_show():
    """v̄_-1 of this walk grows through several sums; the box is drawn round the longest
    text (the SVG holds as many zeros, until the page writes in the current number)."""
    t = trace("x*y + x*x*1000.123 - x/y + 1e-7*x*y", x=-3.25, y=7.5)
    model = build_model(t)
    longest = 0
    for graph in ("forward", "adjoint"):
        root = svg_tree(model["graphs"][graph])
        for line in (g for g in root.iter("g") if g.get("class") == "line"):
            texts = [text for k in range(len(model["steps"]))
                     for ident, text in shown(model, k).items() if ident == line.get("id")]
            (number_text,) = [e for e in line.iter("text") if e.get("class") == "number"]
            assert set(number_text.text) == {"0"}
            assert len(number_text.text) >= max(map(len, texts), default=0), line.get("id")
            longest = max(longest, len(number_text.text))
    assert longest > ROOM                       # some numbers here are long ones


@pytest.mark.parametrize("text, exponent", [("x**2 + y", "2"), ("(x + y)**3", "3"),
                                            ("x**(-1) * y", "−1"), ("x**y", "v"),
                                            ("sigmoid(y)**x", "v")])
def test_a_nodes_exponent_is_raised_and_its_subscripts_lowered(text, exponent):
    """v_−1² is not v_−1 2: an exponent (HTML's <sup>) is set smaller and raised, a
    subscript smaller and lowered, in both graphs."""
    t = trace(text, x=2.0, y=3.0)
    for svg in graph_svgs(t, {}).values():
        shifted = [(span.text, float(span.get("baseline-shift")), float(span.get("font-size")))
                   for span in svg_tree(svg).iter("tspan") if span.get("baseline-shift")]
        raised = [(run, size) for run, shift, size in shifted if shift > 0]
        assert raised and raised[0][0] == exponent, shifted
        assert {run for run, shift, _ in shifted if shift < 0} >= {"−1", "0", "1"}
        assert all(size < 14 for _, _, size in shifted)


def test_points_whose_numbers_are_short_share_one_drawing():
    """Changing the point keeps the picture: nodes keep their places in class."""
    graphs = [build_model(trace(SEED, x1=x1, x2=x2))["graphs"]
              for x1, x2 in [(2.0, 5.0), (0.5, 1.25), (-3.0, 7.5)]]
    assert graphs[0] == graphs[1] == graphs[2]


def test_a_repeated_argument_has_two_edges_each_lit_once():
    model = build_model(trace("x*x", x=3.0))
    adjoint = steps_of(model, "adjoint")
    assert [s["edges"] for s in adjoint[1:3]] == [["a-e-v_1-v_0-0"], ["a-e-v_1-v_0-1"]]
    assert steps_of(model, "primal")[1]["edges"] == ["f-e-v_0-v_1-0", "f-e-v_0-v_1-1"]
    check_ids(model)
    assert adjoint[-1]["value"] == [6.0]


def test_infinite_values_are_strict_json():
    model = build_model(trace("ln(x) * y", x=0.0, y=1.0))
    text = json.dumps(model, allow_nan=False)          # raises on a bare NaN or inf
    assert '"-Infinity"' in text


def test_page_is_self_contained_and_its_policy_allows_only_its_own_code(tmp_path):
    page = write_page(tmp_path / "page.html", trace(SEED, x1=2.0, x2=5.0)).read_text()
    assert not re.search(r"<(link|img|iframe)\b|<script[^>]*\bsrc=|@import|url\(", page)
    assert not re.search(r"https?://(?!www\.w3\.org/)", page)    # only SVG namespaces
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)[1]
    assert "default-src 'none'" in policy and "connect-src 'none'" in policy

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    script = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    style = re.findall(r"<style>(.*?)</style>", page, flags=re.S)
    assert len(script) == len(style) == 1
    assert f"script-src {digest(script[0])}'" in policy
    assert f"style-src {digest(style[0])}'" in policy
    model = re.search(r'<script type="application/json" id="model">(.*?)</script>', page,
                      flags=re.S)[1]
    assert json.loads(model)["expression"] == SEED


def test_script_data_cannot_close_its_element():
    text = _json_for_script({"say": "</script><script>alert(1)</script>"})
    assert "</" not in text and "<" not in text
    assert json.loads(text) == {"say": "</script><script>alert(1)</script>"}


def test_markers_in_an_expression_stay_as_typed():
    page = render_page(build_model(trace("__SCRIPT__ * __MODEL__", __SCRIPT__=1.0,
                                         __MODEL__=2.0)))
    assert page.count("use strict") == 1
    assert "AD explorer: __SCRIPT__ * __MODEL__" in page


def test_server_page_has_the_form_and_may_ask_its_server():
    page = render_page(build_model(trace(SEED, x1=2.0, x2=5.0)), server=True, max_length=200)
    assert 'data-mode="server"' in page and "connect-src 'self'" in page
    assert 'maxlength="200"' in page and 'value="x1=2 x2=5"' in page


def test_seed_page_is_the_tutorials_example(tmp_path):
    path = write_seed_page(tmp_path / "seed.html")
    text = path.read_text()
    assert "AD explorer: ln(x1) + x1*x2 - sin(x2)" in text and "11.652" in text
    assert [p.name for p in tmp_path.iterdir()] == ["seed.html"]     # no temporary left
    again = write_seed_page(tmp_path / "again.html").read_bytes()
    assert again == path.read_bytes()          # reproducible, as a registered output must be


def run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ad_tutorial", *argv], capture_output=True,
                          text=True, timeout=120)


def test_explore_command_writes_the_page(tmp_path):
    out = tmp_path / "page.html"
    result = run("explore", SEED, "--at", "x1=2", "x2=5", "--seed", "x2=1", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert str(out) in result.stdout
    model = json.loads(re.search(r'id="model">(.*?)</script>', out.read_text(), re.S)[1])
    assert model["seed"] == {"x1": 0.0, "x2": 1.0}
    assert steps_of(model, "tangent")[-1]["say"].endswith("= 1.716")


def test_explore_takes_an_expression_starting_with_minus(tmp_path, capsys):
    assert main(["explore", "-x**2", "--at", "x=3", "-o", str(tmp_path / "p.html")]) == 0
    assert "y = v" in (tmp_path / "p.html").read_text()


@pytest.mark.parametrize("argv, message", [
    (["explore", "ln(x1) +", "--at", "x1=2", "-o", "{tmp}/p.html"], "syntax error"),
    (["explore", "x*y", "--at", "x=2", "-o", "{tmp}/p.html"], "no value for y"),
    (["explore", "x", "--at", "x=2", "--seed", "z=1", "-o", "{tmp}/p.html"], "cannot seed"),
    (["explore", "x", "--at", "x=2", "-o", "{tmp}/missing/p.html"], "cannot write"),
    (["explore", "x", "--at", "x=2"], "-o/--output"),
])
def test_explore_refuses_in_one_line(tmp_path, capsys, argv, message):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("text, at, output, point, direction", [
    (SEED, {"x1": 2.0, "x2": 5.0}, "y", "x1 = 2, x2 = 5", "ẋ1 = 1, ẋ2 = 0"),
    ("x*y", {"x": -0.0, "y": -0.6}, "f", "x = −0, y = −0.6", "ẋ = 1, ẏ = 0"),
    ("sin(y)", {"y": 1.0}, "f", "y = 1", "ẏ = 1")])
def test_the_heading_names_the_output_apart_from_the_inputs(text, at, output, point, direction):
    model = build_model(trace(text, **at))
    assert (model["output"], model["point"], model["direction"]) == (output, point, direction)
    html = NOTATIONS["html"]
    assert steps_of(model, "primal")[-1]["say"].startswith(f"{output} = v")
    assert steps_of(model, "tangent")[-1]["say"].startswith(html.variable(output, "dot") + " = ")
    assert steps_of(model, "adjoint")[0]["say"].endswith(f"= {html.variable(output, 'bar')} = 1")


# --- arrays, and the numbers on the graph's nodes -----------------------------------------

def test_numbers_on_the_nodes_are_plain_text_never_markup():
    """The page sets them as text: 10⁻³¹⁰, not 10<sup>−310</sup> shown as written."""
    for t in [trace("x*1e-7 + sin(x)", x=1e-310),
              trace("x*1e-7 + sum(x)", x=[1e-310, 2.0, 3.0])]:
        model = build_model(t)
        labels = [text for s in model["steps"] + model["phases"] for text in s["labels"].values()]
        assert labels and not any("<" in text or "&" in text for text in labels)
        assert any("10⁻³¹⁰" in text for text in labels)


def test_an_array_walk_shows_whole_tables_and_abbreviated_graphs():
    t = trace("mean(ln(x**2 + 1) + 5*x)", x=[float(k) for k in range(12)])
    model = build_model(t)
    primal = model["phases"][0]["tables"][0]
    assert "<td>(12,)</td>" in primal and "= [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]" in primal
    first = model["steps"][0]
    assert first["say"] == "v<sub>0</sub> (12,) = x = [0, 1, …, 10, 11]"
    assert first["labels"] == {"f-value-v_0": "[0, …, 11]"}
    assert first["value"] == [float(k) for k in range(12)]
    gradient = [s for s in model["steps"] if s["phase"] == "adjoint"][-1]
    assert gradient["value"] == [t.reverse().gradient["x"].tolist()]
    assert model["steps"][-1]["value"] == [t.hvp()["x"].tolist()]
    assert 'class="num"' not in "".join(model["phases"][2]["tables"])    # no numbers column


def test_several_outputs_each_end_the_forward_sweeps():
    t = trace("x*y, x + y", x=[1.0, 2.0], y=3.0)
    model = build_model(t)
    primal = steps_of(model, "primal")
    assert [s["say"].split(" ")[0] for s in primal[-2:]] == ["f1", "f2"]
    assert [s["value"] for s in primal[-2:]] == [[3.0, 6.0], [4.0, 5.0]]
    assert model["output"] == "(f1, f2)"
    assert steps_of(model, "adjoint")[0]["say"] == "v̄<sub>1</sub> (2,) = f̄1 = [1, 0]"


def test_explore_writes_an_array_page(tmp_path, capsys):
    out = tmp_path / "cell46.html"
    assert main(["explore", "mean(ln(x**2 + 1) + 5*x)", "--at", "x=[0,1,2,3,4]",
                 "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert 'value="x=[0,1,2,3,4]"' in page and "broadcast to (5,)" in page
