"""The explorer's fourth phase: the second-order adjoint sweep, step by step, with the
sweep's own numbers and torch's H·ẋ at the end."""

from __future__ import annotations

import math
import re

import pytest
import torch

from ad_tutorial import parse, trace
from ad_tutorial.cli import main
from ad_tutorial.explorer import build_model
from ad_tutorial.tables import NOTATIONS

from .test_explorer import EXAMPLES, SEED, shown, steps_of, svg_ids

number = NOTATIONS["html"].number


def torch_hvp(text: str, at: dict[str, float], seed: dict[str, float] | None) -> list[float]:
    """H·ẋ by torch.func.jvp of torch.func.grad, ẋ = the seed (1 on the first input)."""
    expression, names = parse(text), list(at)
    direction = seed or {names[0]: 1.0}

    def f(*xs):
        return expression(**dict(zip(names, xs)))

    primals = tuple(torch.tensor(at[x], dtype=torch.float64) for x in names)
    tangents = tuple(torch.tensor(direction.get(x, 0.0), dtype=torch.float64) for x in names)
    _, hvp = torch.func.jvp(torch.func.grad(f, argnums=tuple(range(len(names)))), primals,
                            tangents)
    return [h.item() for h in hvp]


@pytest.mark.parametrize("text, at, seed", EXAMPLES)
def test_the_fourth_phase_ends_on_torchs_hessian_vector_product(text, at, seed):
    model = build_model(trace(text, **at), seed)
    assert [p["name"] for p in model["phases"]] == ["primal", "tangent", "adjoint", "second"]
    second = next(p for p in model["phases"] if p["name"] == "second")
    assert second["graph"] == "adjoint" and second["title"] == "Second order"
    last = steps_of(model, "second")[-1]
    for ours, theirs in zip(last["value"], torch_hvp(text, at, seed), strict=True):
        assert math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-300)


@pytest.mark.parametrize("text, at, seed", EXAMPLES)
def test_each_step_is_a_contribution_of_the_sweep(text, at, seed):
    """One step per row of the second-order table, with the sweep's running v̄˙_j, lighting
    the edge v_i → v_j of the adjoint graph; the node shows v̄˙ as it grows."""
    t = trace(text, **at)
    s = t.second(**(seed or {}))
    model = build_model(t, seed)
    steps = steps_of(model, "second")
    contributions = list(s.steps())
    assert [x["value"] for x in steps[:-1]] == [c.second_adjoint for c in contributions]
    adjoint_edges = [x["edges"] for x in steps_of(model, "adjoint")[:-1]]
    assert [x["edges"] for x in steps[:-1]] == adjoint_edges      # the same edges, again
    for step, c in zip(steps, contributions):
        assert step["labels"] == {f"a-second-{t.name(c.node)}": number(c.second_adjoint)}
        assert step["say"].endswith(f"= {number(c.second_adjoint)}")
    k = model["steps"].index(steps[0])
    # throughout the phase the nodes show their values and final adjoints
    assert {line for line in shown(model, k) if "-adjoint-" in line} == {
        f"a-adjoint-{t.name(i)}" for i in range(len(t))}


def test_the_seed_walks_second_order_phase():
    model = build_model(trace(SEED, x1=2.0, x2=5.0))
    says = [re.sub(r"</?su[bp]>", "", s["say"]) for s in steps_of(model, "second")]
    assert len(says) == 10
    assert says[0] == "v̄˙5 = ȳ˙ = 0"
    # said with its numbers; the table's row beside it has the rule
    assert says[7] == "v̄˙0 = −0 + 0 × 2 + 1 × 1 = 1"
    assert says[8] == "v̄˙−1 = 0 + 0 × 1/2 + 1 × (−1/22) × 1 = −0.25"
    rows = next(p for p in model["phases"] if p["name"] == "second")["tables"][0]
    row = re.search(r'<tr id="second-0-8">(.*?)</tr>', rows)[1]
    assert "∂²v<sub>1</sub>/∂v<sub>−1</sub>²" in row and "= −0.25" in row
    assert says[9] == "x̄˙1 = v̄˙−1 = −0.25, x̄˙2 = v̄˙0 = 1"
    tables = next(p for p in model["phases"] if p["name"] == "second")["tables"]
    assert "Second-order adjoint trace (forward over reverse)" in tables[0]
    assert "Hessian-vector product" in tables[1]


def test_the_forward_graph_keeps_room_for_the_second_order_line():
    """Both graphs have a v̄˙ quantity on every node (so they draw nodes alike), but only
    the adjoint graph's are ever filled in."""
    t = trace(SEED, x1=2.0, x2=5.0)
    model = build_model(t)
    for prefix, graph in (("f", "forward"), ("a", "adjoint")):
        ids = svg_ids(model["graphs"][graph])
        assert all(ids[f"{prefix}-second-{t.name(i)}"] == "line" for i in range(len(t)))
    filled = {line for k in range(len(model["steps"])) for line in shown(model, k)}
    assert not any(line.startswith("f-second-") for line in filled)
    assert {line for line in filled if "-second-" in line} == {
        f"a-second-{t.name(i)}" for i in range(len(t))}


@pytest.mark.parametrize("seed, message", [
    ("x=inf", "the seed for x must be finite; it is inf"),
    ("q=1", "cannot seed 'q': the inputs are x, y"),
])
def test_explore_refuses_a_seed_second_order_cannot_take(tmp_path, capsys, seed, message):
    out = tmp_path / "page.html"
    assert main(["explore", "x*y", "--at", "x=1", "y=2", "--seed", seed, "-o", str(out)]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.err.count("\n") == 1
    assert not out.exists()
