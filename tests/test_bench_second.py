"""The second-derivative benchmark in --quick mode: its numbers are torch's, its ratios and
goals are what its medians say (timings themselves are never asserted)."""

from __future__ import annotations

import math

import pytest
import torch

from ad_tutorial.bench import second, traces
from ad_tutorial.bench.core import Runner
from ad_tutorial.bench.report import text


@pytest.fixture(scope="module")
def section():
    return second.run(Runner(quick=True))


def test_the_hvps_timed_are_torchs(section):
    """H·ẋ of each random trace (ẋ = the inputs' values), against torch.func.jvp of
    torch.func.grad on the same graph."""
    import ad_tutorial as adt

    to_torch = {adt.sin: torch.sin, adt.cos: torch.cos, adt.tanh: torch.tanh,
                adt.sigmoid: torch.sigmoid}
    for size in traces.QUICK_SIZES:
        plan = [(to_torch.get(op, op), j) for op, j in traces.random_plan(size)]
        x = tuple(torch.tensor(v, dtype=torch.float64) for v in traces.INPUTS.values())
        _, hvp = torch.func.jvp(torch.func.grad(lambda *xs: traces.run_plan(plan, *xs),
                                                argnums=(0, 1, 2, 3)), x, x)
        mine = section.data[str(size)]["hvp"]
        for ours, theirs in zip(mine.values(), hvp, strict=True):
            assert math.isclose(ours, theirs.item(), rel_tol=1e-9, abs_tol=1e-12)


def test_the_seed_hessian_timed_is_torchs(section):
    data = section.data["seed Hessian"]
    assert data["hand-written"] == [[-0.25, 1.0], [1.0, -0.9589242746631385]]
    assert all(math.isclose(a, b, rel_tol=1e-12) for r, s in
               zip(data["hand-written"], data["torch.func.hessian"]) for a, b in zip(r, s))


def test_ratios_goals_and_memory_come_from_the_measurements(section):
    rows = {r.label: r for r in section.rows}
    for size in traces.QUICK_SIZES:
        label = f"{size:,} nodes:"
        primal, hvp = rows[f"{label} evaluate (primal sweep)"], \
            rows[f"{label} one HVP (second-order sweep)"]
        assert primal.ratio == 1.0 and math.isclose(hvp.ratio, hvp.median / primal.median)
        goal = next(g for g in section.goals if g.text == f"{label} one HVP / primal")
        assert goal.value == hvp.ratio and goal.target == second.HVP_GOAL and goal.at_most
        memory = section.data[str(size)]["bytes per node"]
        assert rows[f"{label} memory: trace (first order)"].median == memory["trace"]
        assert 0 < memory["second-order kept"] <= memory["second-order peak"]
    hand = rows["seed example: trace + Hessian (one sweep, vector mode)"]
    by_torch = rows["seed example: torch.func.hessian"]
    goal = section.goals[-1]
    assert goal.target == second.HESSIAN_GOAL and not goal.at_most
    assert math.isclose(goal.value, by_torch.median / hand.median)
    table = text([section])
    assert "one HVP / primal" in table and ("goal met" in table or "goal MISSED" in table)
