"""The benchmarks run in --quick mode and their numbers are consistent.

Timings are never asserted (shared, noisy machines); what is checked is that every
contender computes the same derivatives, checked against torch, and that the
tables, goals, JSON and plot agree with the measurements they come from.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import ad_tutorial as adt
from ad_tutorial import network as network_model
from ad_tutorial.bench import arrays, gradient, jacobian, network, rendering, startup, traces
from ad_tutorial.bench.core import Goal, Runner, Section, yardstick_why
from ad_tutorial.bench.suite import BENCHMARKS
from ad_tutorial.bench.report import _number, as_json
from ad_tutorial.bench.report import text as report_text
from ad_tutorial.plots import plot_jacobian_cost

ROOT = Path(__file__).resolve().parents[1]
RTOL = 1e-9


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=RTOL, abs_tol=1e-12)


def check_rows(section) -> None:
    """Every row is a median inside its spread; the ratios are what the medians say."""
    assert section.rows
    for r in section.rows:
        assert r.low <= r.median <= r.high and r.median > 0, r


@pytest.fixture(scope="module")
def quick() -> Runner:
    return Runner(quick=True)


def test_time_all_takes_the_contenders_repeats_in_turn(quick):
    """A, B, A, B …: each repeat of each contender, one after the other, so that a burst
    of load elsewhere falls on both alike."""
    calls = []
    samples = quick.time_all({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")})
    assert list(samples) == ["a", "b"] and all(len(s) == quick.repeats for s in samples.values())
    assert all(t > 0 for s in samples.values() for t in s)
    runs = [k for k, (x, y) in enumerate(zip(calls, calls[1:])) if x != y]
    assert len(runs) >= 2 * quick.repeats                  # a→b and b→a in every repeat


# --- 1. one gradient of the seed example ------------------------------------------

@pytest.fixture(scope="module")
def gradient_section(quick):
    return gradient.run(quick)


def test_gradient_agrees_with_torch_and_the_tutorial(gradient_section):
    data = gradient_section.data
    x1, x2 = gradient.AT
    on_paper = [1 / x1 + x2, x1 - math.cos(x2)]          # 5.5 and 1.716…
    for got in data["gradient"].values():
        assert all(map(close, got, on_paper))
    for got in data["directional derivative"].values():
        assert close(got[0], on_paper[0])
    assert set(data["gradient"]) == {"hand-written", "torch.autograd: backward()",
                                     "torch.autograd.grad", "torch.func.grad", "bare tape",
                                     "hand-written, keywords"}
    assert set(data["directional derivative"]) == {
        "hand-written", "torch.autograd.forward_ad", "torch.func.jvp", "bare tape"}
    x = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in gradient.AT]
    expected = torch.autograd.grad(gradient.seed(*x), x)
    assert all(map(close, data["gradient"]["hand-written"], map(float, expected)))


def test_gradient_table_ratios_and_goals_come_from_the_medians(gradient_section):
    check_rows(gradient_section)
    rows = {r.label: r for r in gradient_section.rows}
    adjoint = rows["hand-written: trace + adjoint sweep"]
    tangent = rows["hand-written: trace + tangent sweep"]
    assert adjoint.ratio == tangent.ratio == 1.0
    for name in ("torch.autograd.grad", "torch.func.grad"):
        assert math.isclose(rows[name].ratio, rows[name].median / adjoint.median)
    assert math.isclose(rows["torch.func.jvp"].ratio, rows["torch.func.jvp"].median
                        / tangent.median)
    for sweep, by_hand in (("adjoint", adjoint), ("tangent", tangent)):
        bare = rows[f"bare tape (yardstick): record + {sweep} sweep"]
        assert math.isclose(bare.ratio, bare.median / by_hand.median)
    gradient_goal, directional_goal, keyword_goal = gradient_section.goals
    keywords = rows["hand-written: the same, inputs by keyword"]
    assert math.isclose(keywords.ratio, keywords.median / adjoint.median)
    assert math.isclose(keyword_goal.value, keywords.ratio)
    assert keyword_goal.met == (keyword_goal.value <= 1.1)
    fastest_autograd = min(rows["torch.autograd.grad"].median,
                           rows["torch.autograd: backward()"].median)
    assert math.isclose(gradient_goal.value, fastest_autograd / adjoint.median)
    assert gradient_goal.met == (gradient_goal.value >= 10)
    assert math.isclose(directional_goal.value,
                        rows["torch.autograd.forward_ad"].median / tangent.median)
    for goal, theirs, ours, sweep in (
            (gradient_goal, fastest_autograd, adjoint, "adjoint"),
            (directional_goal, rows["torch.autograd.forward_ad"].median, tangent, "tangent")):
        bare = rows[f"bare tape (yardstick): record + {sweep} sweep"].median
        assert_why_measures(goal, theirs, ours.median, bare)


def assert_why_measures(goal, theirs: float, ours: float, bare: float) -> None:
    """A goal's why states the ratios of the medians it comes from, bare tape included."""
    room = theirs / bare
    assert f"{room:.3g}× faster" in goal.why
    if room >= goal.target:
        assert f"the engine takes {ours / bare:.3g}× the bare tape's time" in goal.why
        assert f"allows at most {room / goal.target:.3g}×" in goal.why
    else:
        assert "out of reach" in goal.why


@pytest.mark.parametrize("theirs, ours, bare, expected", [
    # torch 30 µs, the engine 20 µs, the bare tape 5 µs: 6× room, 4× bookkeeping, 2× allowed
    (30e-6, 20e-6, 5e-6, ["6× faster than torch (5 µs)", "takes 4× the bare tape's time",
                          "where 3× allows at most 2×", "bookkeeping"]),
    # the bare tape itself only 2× faster than torch: no engine could reach 3×
    (10e-6, 8e-6, 5e-6, ["only 2× faster than torch", "out of reach"]),
])
def test_why_a_goal_is_missed_is_measured_against_the_bare_tape(theirs, ours, bare, expected):
    why = yardstick_why(3.0, theirs, ours, bare, bare_name="the bare tape", their_name="torch")
    for part in expected:
        assert part in why, why


def test_the_report_says_why_under_a_missed_goal_only():
    goals = [Goal("fast", 2.0, 3.0, at_most=False, why="the bookkeeping"),
             Goal("small", 1.0, 3.0, at_most=True, why="nothing is missing")]
    lines = report_text([Section("s", "S", goals=goals)]).splitlines()
    missed = lines.index("   goal MISSED fast: 2.00 (goal ≥ 3.00)")
    assert lines[missed + 1].split() == ["why:", "the", "bookkeeping"]
    assert not any("nothing is missing" in line for line in lines)


# --- 2. big random traces -------------------------------------------------------------

def test_random_traces_are_finite_and_every_node_counts():
    f = traces.random_function(2_000, seed=3)
    t = adt.trace(f, **traces.INPUTS)
    assert len(t) == 2_000
    assert all(map(math.isfinite, t.values))
    assert t.value == f(*traces.INPUTS.values())               # same plan on floats
    assert traces.random_plan(500, seed=3) == traces.random_plan(500, seed=3)


def test_traces_benchmark_gradients_match_torch(quick):
    section = traces.run(quick)
    check_rows(section)
    for size in traces.QUICK_SIZES:
        data = section.data[str(size)]
        hand, theirs = data["gradient"], data["torch gradient"]
        assert hand.keys() == theirs.keys()
        assert all(close(hand[k], theirs[k]) for k in hand)
        along_x = sum(hand[k] * x for k, x in traces.INPUTS.items())
        assert math.isclose(data["derivative along x"], along_x, rel_tol=1e-9, abs_tol=1e-12)
        assert 0 < data["bytes per node"] < 10_000
        rows = {r.label.split(": ", 1)[1]: r for r in section.rows
                if r.label.startswith(f"{size:,} nodes:")}
        primal = rows["evaluate (primal sweep)"]
        assert primal.ratio == 1.0
        adjoint_goal = next(g for g in section.goals
                            if g.text == f"{size:,} nodes: adjoint sweep / primal")
        assert math.isclose(adjoint_goal.value, rows["adjoint sweep"].median / primal.median)


# --- 3. Jacobian cost -----------------------------------------------------------------

@pytest.mark.parametrize("size", [1, 2, 7])
def test_hand_jacobians_match_torch(size):
    from torch.func import jacrev
    k = torch.arange(1, size + 1, dtype=torch.float64)
    x = jacobian.X + k / 1000
    f_rows = jacrev(lambda x: torch.sin(k * x).sum())(x).tolist()
    g_column = jacrev(lambda x: torch.sin(k * x))(torch.tensor(jacobian.X,
                                                               dtype=torch.float64)).tolist()
    for got in (jacobian.jacobian_f_forward(size), jacobian.jacobian_f_reverse(size),
                jacobian.jacobian_f_vector(size)):
        assert len(got) == size and all(map(close, got, f_rows))
    for got in (jacobian.jacobian_g_forward(size), jacobian.jacobian_g_reverse(size),
                jacobian.jacobian_g_vector(size)):
        assert len(got) == size and all(map(close, got, g_column))


def test_jacobian_benchmark_data_and_plot(quick, tmp_path):
    section = jacobian.run(quick)
    check_rows(section)
    for shape in jacobian.SHAPES:
        series = section.data[shape]
        assert series["sizes"] == list(jacobian.QUICK_SIZES)
        for mode in jacobian.MODES:
            assert len(series[mode]) == len(series["sizes"]) and min(series[mode]) > 0
    (goal,) = section.goals
    f = section.data["f: Rⁿ → R"]
    assert goal.text.startswith(f"f: Rⁿ → R, n = {jacobian.QUICK_SIZES[-1]}:")
    assert math.isclose(goal.value, f["tangent sweeps"][-1] / f["vector mode"][-1])
    assert goal.met == (goal.value >= jacobian.VECTOR_GOAL)
    n = jacobian.QUICK_SIZES[-1]
    nodes = 4 * n - 1            # per k: k·x_k and its sin, and a sum of n terms; n inputs
    recording = next(r for r in section.rows if r.label.endswith("recording the trace"))
    vector = f["vector mode"][-1] * 1e3
    assert recording.label == f"f: Rⁿ → R, n = {n}: recording the trace"
    for part in (f"vector mode's {vector:.3g} ms", f"takes {recording.median:.3g}",
                 f"{nodes:,} numpy operations", f"the other {vector - recording.median:.3g}"):
        assert part in goal.why, part
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    jacobian.save_jacobian_cost(section.data, first)
    jacobian.save_jacobian_cost(section.data, second)
    svg = first.read_bytes()
    assert svg.startswith(b"<?xml") and b"<dc:date>" not in svg
    assert svg == second.read_bytes()                          # deterministic
    assert [p.name for p in tmp_path.iterdir()] and not list(tmp_path.glob(".*"))


# --- arrays: the tutorial's cells 45 and 46, and a Jacobian in vector mode ----------------

@pytest.fixture(scope="module")
def arrays_section(quick):
    return arrays.run(quick)


def test_cells_45_and_46_give_the_tutorials_gradients_every_way(arrays_section):
    x = torch.arange(5.0, dtype=torch.float64, requires_grad=True)
    (torch.mean(torch.log(x**2 + 1) + 5 * x)).backward()
    expected = {"cell 45": [0.0, 2.0, 4.0, 6.0, 8.0], "cell 46": x.grad.tolist()}
    assert expected["cell 46"][:3] == pytest.approx([1.0, 1.2, 1.16], rel=1e-12)
    for cell, expected_gradient in expected.items():
        got = arrays_section.data[cell]["gradients"]
        assert set(got) == {"hand-written, function", "hand-written, expression",
                            "torch: y.backward()", arrays.BARE}
        for values in got.values():
            assert all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)
                       for a, b in zip(values, expected_gradient, strict=True))


def test_arrays_goals_come_from_the_medians(arrays_section):
    check_rows(arrays_section)
    rows = {r.label: r for r in arrays_section.rows}
    goals = {g.text: g for g in arrays_section.goals}
    assert len(goals) == 5
    for cell in arrays.CELLS:
        torch_time = rows[f"{cell}: torch: y.backward()"].median
        for form in ("function", "expression"):
            goal = goals[f"{cell}: torch backward() / hand-written ({form})"]
            ours = rows[f"{cell}: hand-written, {form}"].median
            assert math.isclose(goal.value, torch_time / ours)
            assert goal.met == (goal.value >= arrays.CELL_GOAL)
            assert_why_measures(goal, torch_time, ours, rows[f"{cell}: {arrays.BARE}"].median)
    n = arrays.QUICK_SIZE
    jacobian_goal = goals[f"Jacobian, n = {n}: hand-written reverse / torch.func.jacrev"]
    assert math.isclose(jacobian_goal.value,
                        rows[f"Jacobian, n = {n}: hand-written, 1 adjoint sweep"].median
                        / rows[f"Jacobian, n = {n}: torch.func.jacrev"].median)
    assert jacobian_goal.met == (jacobian_goal.value <= arrays.JACOBIAN_GOAL)


def test_the_arrays_jacobian_is_one_row_of_torchs():
    from torch.func import jacrev

    x = arrays._jacobian_point(7)
    t = adt.trace(arrays.jacobian_f, x=x)
    expected = jacrev(lambda x: torch.sum(torch.log(x**2 + 1) + 5 * x))(torch.tensor(x))
    for mode in ("reverse", "forward"):
        assert t.jacobian(mode).shape == (1, 7)
        assert np.allclose(t.jacobian(mode)[0], expected.numpy(), rtol=1e-12, atol=0)


# --- network: one training step ----------------------------------------------------------

def test_network_steps_start_from_torchs_loss_and_the_goal_is_their_ratio(quick):
    section = network.run(quick)
    check_rows(section)
    points, labels = network_model.moons()
    weights = {k: torch.tensor(w) for k, w in network_model.initial_weights().items()}
    x = torch.from_numpy(points)
    for k in (1, 2):
        x = torch.tanh(x @ weights[f"W{k}"] + weights[f"b{k}"])
    p = torch.sigmoid(x @ weights["W3"] + weights["b3"])
    loss = torch.nn.functional.binary_cross_entropy(p, torch.from_numpy(labels)).item()
    assert all(math.isclose(v, loss, rel_tol=1e-12) for v in section.data["loss"].values())
    rows = {r.label: r for r in section.rows}
    (goal,) = section.goals
    assert math.isclose(goal.value, rows["torch: one step"].median
                        / rows["hand-written: one step"].median)
    assert goal.met == (goal.value >= network.GOAL)
    torch_forward = rows["torch: forward (build the graph)"].median
    for label, median in (("hand-written forward", rows["hand-written: forward (record the "
                                                         "trace)"].median),
                          ("against torch's", torch_forward),
                          ("adjoint sweep and gradient",
                           rows["hand-written: adjoint sweep and gradient"].median),
                          ("backward()", rows["torch: forward and backward()"].median
                           - torch_forward)):
        assert f"{median:.3g}" in goal.why.split(label, 1)[1].split(",")[0], label     # µs


def test_network_steps_train_as_the_lesson_does():
    """Timed steps are the lesson's steps, restarting every STEPS steps."""
    steps = network._contenders()
    hand, theirs = steps["hand-written: one step"], steps["torch: one step"]
    expected = network_model.train("handwritten").losses
    for _ in range(2):
        losses = [(hand(), theirs()) for _ in range(network_model.STEPS)]
        assert [a for a, _ in losses] == expected
        assert all(math.isclose(a, b, rel_tol=1e-9) for a, b in losses)


# --- instructions per seed gradient (a tool run by hand under valgrind) ------------------

@pytest.mark.parametrize("form", ["positional", "keyword"])
def test_the_instruction_counter_runs_the_checked_gradient_in_each_form(form):
    """What runs under callgrind: the seed gradient, checked, in the calling form asked
    for, with this tree's ad_tutorial (as a file, so PYTHONPATH picks the tree)."""
    done = subprocess.run([sys.executable, str(ROOT / "ad_tutorial/bench/instructions.py"),
                           "--run", form, "3"], capture_output=True, text=True,
                          env={**startup._environment(), "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr


# --- 4. start-up ------------------------------------------------------------------------

def test_trace_imports_nothing_heavy():
    assert startup.heavy_imports(startup.trace_command()) == []
    assert "torch" in startup.heavy_imports([sys.executable, "-c", "import torch"])


@pytest.mark.slow
def test_startup_benchmark_runs(quick):
    section = startup.run(quick)
    check_rows(section)
    assert section.data["heavy imports"] == []
    ours, torch_import = section.rows
    assert math.isclose(section.goals[0].value, ours.low / torch_import.low)


# --- 5. figures ------------------------------------------------------------------------

@pytest.mark.slow
def test_plain_script_draws_the_tutorials_14_figures(tmp_path):
    subprocess.run([sys.executable, "-m", "ad_tutorial.bench.plain_figures", str(tmp_path)],
                   check=True, capture_output=True, env=startup._environment())
    assert len(list(tmp_path.glob("figure*.png"))) == 14


@pytest.mark.slow
def test_figures_benchmark_runs(quick):
    section = rendering.run(quick)
    check_rows(section)
    assert section.data["files"]["plain"] == 14
    assert section.data["files"]["ours"] > 14
    (goal,) = section.goals
    ours, plain = section.rows
    for what, files, best in (("ours", section.data["files"]["ours"], ours.low),
                              ("plain", section.data["files"]["plain"], plain.low)):
        assert f"{files} files" in goal.why and f"{best / files:.3g} s" in goal.why, what


# --- the command --------------------------------------------------------------------------

def bench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ad_tutorial.bench", *args],
                          capture_output=True, text=True, env=startup._environment())


def test_command_prints_the_table_and_writes_json(tmp_path):
    out = tmp_path / "bench.json"
    done = bench("--quick", "--only", "gradient", "--json", str(out))
    assert done.returncode == 0, done.stderr
    assert "hand-written: trace + adjoint sweep" in done.stdout and "goal" in done.stdout
    assert "[1/1] gradient:" in done.stderr                    # progress
    result = json.loads(out.read_text())
    assert result["quick"] is True and result["machine"]["torch"] == torch.__version__
    (section,) = result["sections"]
    assert section["name"] == "gradient" and len(section["rows"]) == 10
    assert all(g["met"] == (g["value"] <= g["target"] if g["at_most"] else
                            g["value"] >= g["target"]) for g in section["goals"])


@pytest.mark.parametrize("args, message", [
    (["--json", "/no/such/dir/x.json"], "no such folder"),
    (["--only", "gradient", "--plot", "x.svg"], "--plot needs the jacobian benchmark"),
    (["--only", "nothing"], "invalid choice"),
])
def test_command_refuses_bad_arguments_in_one_line(args, message):
    done = bench("--quick", *args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
def test_quick_run_of_everything(tmp_path):
    done = bench("--quick", "--json", str(tmp_path / "b.json"), "--plot", str(tmp_path / "j.svg"))
    assert done.returncode == 0, done.stderr
    names = [s["name"] for s in json.loads((tmp_path / "b.json").read_text())["sections"]]
    assert names == list(BENCHMARKS)
    assert (tmp_path / "j.svg").stat().st_size > 0


def test_numbers_are_written_for_people():
    assert [_number(x) for x in (0.012345, 4.567, 789.1, 12345.6, 0.0)] == \
        ["0.0123", "4.57", "789", "12,346", "0"]


def test_json_carries_goal_verdicts(gradient_section):
    result = as_json([gradient_section], quick=True)
    assert [g["met"] for g in result["sections"][0]["goals"]] == \
        [g.met for g in gradient_section.goals]


def test_recorded_jacobian_cost_draws_the_registry_plot(tmp_path):
    from ad_tutorial.bench.recorded import JACOBIAN_COST
    assert set(JACOBIAN_COST) == set(jacobian.SHAPES)
    for series in JACOBIAN_COST.values():
        assert series["sizes"] == list(jacobian.SIZES)
        assert all(len(series[mode]) == len(jacobian.SIZES) for mode in jacobian.MODES)
    fig = plot_jacobian_cost(JACOBIAN_COST)
    assert [ax.get_xlabel() for ax in fig.axes] == ["n", "m"]
    assert len(fig.axes[0].get_lines()) == len(jacobian.MODES)
