"""The lessons: every cell runs and its claim holds against the installed torch."""

from __future__ import annotations

import dataclasses
import io
import re

import pytest
import torch

from ad_tutorial.cli import main
from ad_tutorial.lessons import LESSONS, Cell, Lesson, cells, lesson
from ad_tutorial.lessons.commands import run_lesson
from ad_tutorial.lessons.terminal import PROMPT, run
from ad_tutorial.results import Shown

NAMES = list(LESSONS)


@pytest.fixture(scope="module")
def outcomes() -> dict[str, list[cells.Outcome]]:
    """Every lesson, run once."""
    return {name: list(LESSONS[name].run()) for name in NAMES}


def outcome_of(outcomes, name: str, code_part: str) -> cells.Outcome:
    """The one cell of lesson `name` whose code contains `code_part`."""
    found = [o for o in outcomes[name] if code_part in o.cell.code]
    assert len(found) == 1, f"{len(found)} cells of {name} contain {code_part!r}"
    return found[0]


# --- every lesson runs and every claim holds -------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_every_cell_runs_and_its_check_passes(outcomes, name):
    problems = [f"cell {o.number}: {o.problem}" for o in outcomes[name] if o.problem]
    assert not problems, "\n".join(problems)


def test_the_lessons_follow_the_tutorial_order():
    assert NAMES == ["tensors", "two-modes", "autograd", "descent", "network", "second-order"]


@pytest.mark.parametrize("name", NAMES)
def test_every_cell_claims_something_in_one_line(name):
    for cell in LESSONS[name].cells:
        assert cell.shows is not None or cell.check is not None
        assert cell.says and "\n" not in cell.says


def test_a_cell_must_claim_something():
    with pytest.raises(ValueError, match="claim"):
        Cell(code="1 + 1", says="Two.")


# --- checks can fail ---------------------------------------------------------------------

def run_one(cell: Cell) -> cells.Outcome:
    return next(Lesson("t", "T", "a test", (cell,)).run())


def test_a_wrong_output_fails():
    outcome = run_one(Cell(code="1 + 1", says="Two.", shows="3"))
    assert outcome.text == "2\n"
    assert "instead of" in outcome.problem


def test_a_false_check_fails():
    outcome = run_one(Cell(code="x = 2\nx", says="Two.", shows="2", check=lambda v: v.x == 3))
    assert outcome.problem == "its check does not hold"


def test_a_check_that_raises_fails():
    outcome = run_one(Cell(code="2", says="Two.", check=lambda v: v.missing))
    assert "its check raised AttributeError" in outcome.problem


def test_a_raising_cell_fails_and_shows_the_message_not_a_traceback():
    outcome = run_one(Cell(code="print('before')\n1 / 0", says="No.", shows="before"))
    assert outcome.text == "before\nZeroDivisionError: division by zero\n"
    assert outcome.problem == "raised ZeroDivisionError: division by zero"


def altered(lesson_: Lesson, shows: bool = True, on_gpu: bool = True) -> Lesson:
    """The lesson with its pinned outputs (without a GPU, with one, or both) changed by
    one character."""
    def alter(text: str | None, change: bool) -> str | None:
        return text + "!" if text is not None and change else text

    return Lesson(lesson_.name, "", "", tuple(
        dataclasses.replace(c, shows=alter(c.shows, shows), on_gpu=alter(c.on_gpu, on_gpu))
        for c in lesson_.cells))


@pytest.mark.parametrize("name", NAMES)
def test_every_pinned_output_is_compared(name):
    """Changing every pinned output by one character makes each cell that pins one fail,
    on this machine, whether it has a GPU or not."""
    failures = [o.problem is not None for o in altered(LESSONS[name]).run()]
    assert failures == [c.shows is not None for c in LESSONS[name].cells]


class _Shown:
    """A value whose display is the given text."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


@pytest.fixture
def no_gpu(monkeypatch):
    """This machine as one without a GPU, whatever it has."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


@pytest.fixture
def gpu(monkeypatch):
    """This machine as one with a GPU: torch.cuda.is_available() says so, and each cell that
    uses a GPU displays what it displays there (its code runs on the CPU meanwhile, so the
    cells after it find its variables)."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    shown_there = {c.code: c.on_gpu for lesson_ in LESSONS.values() for c in lesson_.cells
                   if c.uses_gpu}
    execute = cells.execute

    def execute_as_on_a_gpu(code: str, namespace: dict, filename: str):
        if code not in shown_there:
            return execute(code, namespace, filename)
        with monkeypatch.context() as m:
            m.setattr(torch.cuda, "is_available", lambda: False)
            printed, _, error = execute(code, namespace, filename)
        return printed, _Shown(shown_there[code]), error

    monkeypatch.setattr(cells, "execute", execute_as_on_a_gpu)


@pytest.mark.parametrize("machine", ["no_gpu", "gpu"])
@pytest.mark.parametrize("name", NAMES)
def test_each_cell_is_compared_with_the_output_pinned_for_the_machine(request, machine, name):
    """Without a GPU a cell is compared with `shows`; with one, a GPU cell with `on_gpu`.
    Both machines are made here, so this holds wherever the tests run."""
    request.getfixturevalue(machine)
    lesson_, has_gpu = LESSONS[name], machine == "gpu"
    outcomes = list(lesson_.run())
    assert [o.problem for o in outcomes] == [None] * len(outcomes)
    assert [o.gpu for o in outcomes] == [has_gpu if c.uses_gpu else None for c in lesson_.cells]
    compared = [c.shows is not None and not (has_gpu and c.uses_gpu) for c in lesson_.cells]
    on_gpu = [has_gpu and c.uses_gpu for c in lesson_.cells]
    assert [o.problem is not None for o in altered(lesson_, on_gpu=False).run()] == compared
    assert [o.problem is not None for o in altered(lesson_, shows=False).run()] == on_gpu


def test_a_gpu_cell_is_compared_with_the_gpu_output_when_there_is_a_gpu(monkeypatch):
    cell = Cell(code="'cpu'", says="Where.", shows="'cpu'", on_gpu="'cuda:0'")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert run_one(cell).problem is None and run_one(cell).gpu is False
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert "instead of\n'cuda:0'" in run_one(cell).problem and run_one(cell).gpu is True


# --- the tutorial's facts, pinned here independently of the lesson files -----------------

@pytest.mark.parametrize("code_part, expected", [
    ("z_3.backward()", "tensor(5., requires_grad=True) tensor(116.)"),
    ("torch.sum(x**2)", "tensor(30., grad_fn=<SumBackward0>)\ntensor([0., 2., 4., 6., 8.])"),
    ("torch.mean(", "tensor(11.4877, grad_fn=<MeanBackward0>)\n"
                    "tensor([1.0000, 1.2000, 1.1600, 1.1200, 1.0941])"),
    ("y.retain_grad()", "tensor(2., grad_fn=<MulBackward0>) tensor(1.)"),
    ("z = x_1**2 + x_2**2", "tensor(5., requires_grad=True) tensor(10.)\n"
                            "tensor(2., requires_grad=True) tensor(4.)"),
    ("4 * torch.sin(x)", "tensor(76.1643, grad_fn=<AddBackward0>) True"),
])
def test_autograd_lesson_prints_the_tutorials_numbers(outcomes, code_part, expected):
    assert expected in outcome_of(outcomes, "autograd", code_part).text


def test_gradients_accumulate_then_are_zeroed(outcomes):
    accumulate = outcome_of(outcomes, "autograd", "for ii in range(2):\n    y = 3").text
    assert accumulate.count("tensor(30.)") == 1 and accumulate.count("tensor(60.)") == 1
    zeroed = outcome_of(outcomes, "autograd", "x.grad.zero_()").text
    lines = zeroed.splitlines()
    assert lines[0] == "'NoneType' object has no attribute 'zero_'"
    assert zeroed.count("tensor(30.)") == 2 and "60." not in zeroed
    assert "Traceback" not in zeroed


def test_two_modes_gradient_is_torchs(outcomes):
    x = torch.tensor([2.0, 5.0], dtype=torch.float64, requires_grad=True)
    (torch.log(x[0]) + x[0] * x[1] - torch.sin(x[1])).backward()
    gradient = outcome_of(outcomes, "two-modes", "adjoint.gradient").value
    assert list(gradient) == ["x1", "x2"]
    assert torch.allclose(torch.tensor(list(gradient.values()), dtype=torch.float64), x.grad,
                          rtol=1e-12, atol=0)
    sweeps = outcome_of(outcomes, "two-modes", "for name in t.inputs").value
    assert torch.allclose(torch.tensor(sweeps, dtype=torch.float64), x.grad, rtol=1e-12, atol=0)


def test_two_modes_says_why_its_adjoint_table_has_9_rows_where_the_tutorials_has_7(outcomes):
    o = outcome_of(outcomes, "two-modes", "adjoint = t.reverse()")
    table = o.text.split("\n\n")[0].splitlines()
    assert table[0].startswith("Reverse adjoint trace") and len(table) - 1 == 9
    trace = o.value.trace
    edges = sum(j < len(trace) for i in range(len(trace)) for j in trace.args[i])
    assert edges + 1 == 9 and len(trace) == 7         # the tutorial's rows: one per node
    says = o.cell.says
    assert "9 rows" in says and "7" in says and "one row per edge" in says
    assert "v̄_0 and v̄_-1" in says and o.problem is None


@pytest.mark.parametrize("name", NAMES)
def test_traces_are_displayed_not_printed(outcomes, name):
    """A cell ends in the trace or sweep itself, which Jupyter shows as HTML tables."""
    titles = ("evaluation trace (primal)", "derivative trace (tangent)", "adjoint trace")
    for o in outcomes[name]:
        assert not any(title in o.printed for title in titles), o.cell.code
    shown = [o for o in outcomes[name] if isinstance(o.value, Shown)]
    # two-modes: trace, tangent, adjoint; autograd: cells 45 and 46 by hand, trace and adjoint
    assert len(shown) == {"two-modes": 3, "autograd": 4, "second-order": 1}.get(name, 0)
    assert all(o.text == str(o.value) + "\n" for o in shown)


def test_two_modes_checks_catch_an_engine_off_by_one_part_in_a_billion(monkeypatch):
    from ad_tutorial.trace import Trace

    forward, reverse = Trace.forward, Trace.reverse

    def off(result, field):
        return dataclasses.replace(result, **{field: [x * (1 + 1e-9) + 1e-9
                                                      for x in getattr(result, field)]})

    monkeypatch.setattr(Trace, "forward", lambda t, **seed: off(forward(t, **seed), "tangents"))
    monkeypatch.setattr(Trace, "reverse", lambda t, seed=1.0: off(reverse(t, seed), "adjoints"))
    failed = [o.number for o in LESSONS["two-modes"].run() if o.problem]
    # every cell showing or comparing tangents or adjoints; not the trace, graphs or Jacobians
    assert failed == [3, 4, 5, 6, 8, 9]


def test_autograd_works_cells_45_and_46_out_by_hand_next_to_torch(outcomes):
    by_hand = [o for o in outcomes["autograd"] if "adt." in o.cell.code or "adjoint" in o.cell.code]
    assert [o.cell.code.splitlines()[-1] for o in by_hand] == [
        "t", "adjoint", 'adjoint.gradient["x"], x.grad'] * 2
    assert all(o.problem is None for o in by_hand)
    import numpy as np
    for o, expected in zip(by_hand[2::3], [[0.0, 2.0, 4.0, 6.0, 8.0],
                                            [1.0, 1.2, 1.16, 1.12, 1.0941176470588236]]):
        ours, torchs = o.value
        np.testing.assert_allclose(ours, expected, rtol=1e-12)
        np.testing.assert_allclose(ours, torchs.numpy(), rtol=1e-6)      # torch's float32


@pytest.mark.parametrize("rule, failing", [
    # the adjoint of the mean off by a factor: cell 46's adjoint table and gradient
    ("vjp", ['adjoint', 'adjoint.gradient["x"], x.grad']),
    # its value off: cell 46's trace and gradient (the checks compare y too)
    ("array", ['t', 'adjoint.gradient["x"], x.grad']),
])
def test_the_by_hand_cells_catch_a_wrong_rule(replace_primitive, rule, failing):
    from ad_tutorial import primitives

    mean = primitives.PRIMITIVES["mean"]
    off = {"vjp": lambda g, k, xs, out, axis: 1.001 * mean.vjp(g, k, xs, out, axis),
           "array": lambda x, axis: 1.001 * mean.array(x, axis)}[rule]
    replace_primitive("mean", **{rule: off})
    outcomes = list(LESSONS["autograd"].run())
    cell_46 = next(o.number for o in outcomes if "mean(log" in o.cell.code)
    failed = [o for o in outcomes if o.problem]
    assert [o.cell.code.splitlines()[-1] for o in failed] == failing
    assert all(o.number >= cell_46 for o in failed)         # torch's own cells hold


def test_network_checks_catch_a_gradient_off_by_a_part_in_a_million(monkeypatch):
    from ad_tutorial.reverse import Adjoint
    from ad_tutorial.trace import Trace

    reverse = Trace.reverse

    def off(t, seed=None):
        right = reverse(t, seed)
        return Adjoint(t, right.seed, [g * (1 + 1e-6) for g in right.computed])

    monkeypatch.setattr(Trace, "reverse", off)
    failed = [o.number for o in LESSONS["network"].run() if o.problem]
    # the gradient, the adjoints of the mean and the bias, and the training by hand
    assert failed == [4, 5, 6, 7]


def test_network_lesson_shows_every_node_with_its_shape(outcomes):
    o = outcome_of(outcomes, "network", "def argument(slot)")
    rows = [row.strip() for row in o.text.splitlines()]
    assert len(rows) == 17 and rows[0] == "v_1 = matmul(data (200, 2), v_-5)  shape (200, 16)"
    assert rows[-2:] == ["v_16 = mean(v_15)  shape ()", "v_17 = neg(v_16)  shape ()"]


def test_two_modes_counts_n_forward_and_m_reverse_sweeps(outcomes):
    text = outcome_of(outcomes, "two-modes", "def g(x)").text
    assert text.startswith("forward mode: 3 sweeps, reverse mode: 2 sweeps\n")


@pytest.mark.parametrize("name, calls", [
    ("tensors", ["torch.arange(", "torch.zeros(", "torch.ones(", "torch.randn(",
                 "torch.tensor(", "reshape(3, -1)", ".dtype", "dtype=torch.float64",
                 "dtype=torch.uint8", "dtype=torch.int32", "torch.FloatTensor",
                 "torch.DoubleTensor", "torch.ByteTensor", "torch.CharTensor", "torch.IntTensor",
                 "torch.LongTensor", "torch.BoolTensor", ".device", "device=cuda0", "device=0",
                 'device="cuda:0"', ".to(cuda0)", '.to("cpu")', "x + c", "x**y", "torch.exp(",
                 "torch.mm(A, B)", "A @ B", "torch.mul(A, B)", "dim=0", "dim=1", "A == B",
                 "A > B", "a + b", "X[-1]", "X[1:3]", "A[A > B]"]),
    ("autograd", ["requires_grad=True", "make_dot(y)", "backward()", ".grad",
                  "retain_grad()", "grad.zero_()", "retain_graph=True", "torch.sum(x**2)",
                  "torch.mean(torch.log(x**2 + 1) + 5 * x)"]),
    ("two-modes", ["adt.trace(", "t.forward(", "t.reverse()", "torch.func.jvp(",
                   "torch.func.vjp(", "retain_grad()", "forward_graph(t)", "adjoint_graph(t)"]),
    ("descent", ["def gradient_descent(", "def visualize_result(", "torch.linspace(0, 10, 100)",
                 "torch.linspace(-5, 5, 100)", "x_true = float(x[np.argmin(y)])",
                 "The true minimum location is:", "init=0)", "init=10)", "init=-3.5)",
                 "init=-2.5)", "init=-2)", "init=-1)", "init=-0.5)", "step_size=0.05,",
                 "step_size=0.001,", 'engine="handwritten"', "MINIMISERS"]),


    ("network", ["network.moons()", "network.initial_weights()", "network.loss_of(",
                 "adt.trace(loss", "t.reverse()", ".gradient", "adt.PRIMITIVES['mean']",
                 "network.train('handwritten')", "network.train('torch')", "network.accuracy("]),
])
def test_every_part_of_the_tutorial_is_covered(name, calls):
    code = "\n".join(cell.code for cell in LESSONS[name].cells)
    assert [c for c in calls if c not in code] == []


# --- where today's torch (or this machine) differs from the tutorial ----------------------

def test_differences_from_the_tutorial_are_named_in_the_explanation():
    for name in NAMES:
        for cell in LESSONS[name].cells:
            if cell.tutorial is not None or cell.uses_gpu:
                assert "tutorial" in cell.says, cell.code


def test_the_torch_version_differs_from_the_tutorials(outcomes):
    version = outcome_of(outcomes, "tensors", "torch.__version__")
    assert version.cell.tutorial == "1.8.1"
    assert version.text == torch.__version__ + "\n" and version.text.startswith("2.")


def test_random_cells_are_seeded_so_they_repeat():
    again = [list(LESSONS[name].run()) for name in NAMES]
    twice = [list(LESSONS[name].run()) for name in NAMES]
    assert [[o.text for o in ls] for ls in again] == [[o.text for o in ls] for ls in twice]
    for name in NAMES:
        for cell in LESSONS[name].cells:
            if "randn" in cell.code:
                assert "torch.manual_seed(" in cell.code


def test_gpu_cells_run_on_the_cpu_and_say_so(no_gpu):
    gpu_cells = [o for o in LESSONS["tensors"].run() if o.cell.uses_gpu]
    assert len(gpu_cells) == 5
    for o in gpu_cells:
        assert o.gpu is False and "cuda" not in o.text and "cuda" in o.cell.on_gpu
    text = io.StringIO()
    run(lesson("tensors"), text, color=False)
    assert text.getvalue().count("(no GPU here: this cell ran on the CPU)") == 5


def test_on_a_gpu_the_terminal_shows_the_gpu_output_without_a_remark(gpu):
    text = io.StringIO()
    run(lesson("tensors"), text, color=False)
    assert "(no GPU here" not in text.getvalue()
    assert text.getvalue().count("], device='cuda:0')") == 4


# --- the display matches Jupyter's ----------------------------------------------------------

def test_display_lays_out_values_as_ipython_does(outcomes):
    pretty = pytest.importorskip("IPython.lib.pretty").pretty
    shown = 0
    for name in NAMES:
        for o in outcomes[name]:
            if o.value is not None and not cells.is_graph(o.value):
                assert cells.display(o.value) == pretty(o.value) + "\n", o.cell.code
                shown += 1
    assert shown > 30


# --- the terminal and the command line --------------------------------------------------------

def test_lesson_lists_the_lessons_one_per_line(capsys):
    assert main(["lesson"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == NAMES
    assert all(LESSONS[line.split()[0]].about in line for line in lines)


def test_an_unknown_lesson_is_one_line_listing_the_names(capsys):
    assert main(["lesson", "tensor"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ("ad-tutorial: unknown lesson 'tensor'; the lessons are: "
                            "tensors, two-modes, autograd, descent, network, second-order\n")


def test_running_a_lesson_prints_explanation_code_and_output(capsys):
    assert main(["lesson", "autograd"]) == 0
    out = capsys.readouterr().out
    cells_ = LESSONS["autograd"].cells
    for k, cell in enumerate(cells_, 1):
        assert f"[{k}/{len(cells_)}] {cell.says}" in out
        assert "\n".join(("    " + line).rstrip() for line in cell.code.splitlines()) in out
    assert "tensor(5., requires_grad=True) tensor(116.)" in out
    assert "\x1b[" not in out                     # not a terminal: no colours


def test_code_is_highlighted_on_a_terminal():
    out = io.StringIO()
    run(lesson("autograd"), out, color=True)
    assert "\x1b[" in out.getvalue() and "tensor(116.)" in out.getvalue()


def test_step_waits_for_enter_between_cells():
    total = len(LESSONS["autograd"].cells)
    out = io.StringIO()
    assert run_lesson("autograd", step=True, stdin=io.StringIO("\n" * total), stdout=out) == 0
    text = out.getvalue()
    assert text.count(PROMPT) == total - 1
    assert text.index(PROMPT) > text.index("[1/") and text.index(PROMPT) < text.index("[2/")


def test_step_stops_on_q():
    out = io.StringIO()
    assert run_lesson("autograd", step=True, stdin=io.StringIO("\nq\n\n"), stdout=out) == 0
    text = out.getvalue()
    assert "[2/" in text and "[3/" not in text and text.count(PROMPT) == 2


def test_step_stops_waiting_at_the_end_of_the_input():
    total = len(LESSONS["autograd"].cells)
    out = io.StringIO()
    assert run_lesson("autograd", step=True, stdin=io.StringIO("\n"), stdout=out) == 0
    assert f"[{total}/{total}]" in out.getvalue() and out.getvalue().count(PROMPT) == 2


def test_step_needs_a_lesson(capsys):
    assert main(["lesson", "--step"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_a_failing_check_gives_exit_status_1(monkeypatch, capsys):
    broken = dataclasses.replace(LESSONS["autograd"], cells=(
        Cell(code="import torch\ntorch.ones(2)", says="Ones.", shows="tensor([1., 2.])"),))
    monkeypatch.setitem(LESSONS, "autograd", broken)
    assert main(["lesson", "autograd"]) == 1
    captured = capsys.readouterr()
    assert "CHECK FAILED" in captured.out
    assert captured.err == ("ad-tutorial: 1 cell(s) of lesson autograd failed their checks "
                            "against this torch\n")


# --- the gradient-descent lesson ------------------------------------------------------------

def test_descent_lesson_prints_the_tutorials_numbers_in_float32(outcomes):
    text = outcome_of(outcomes, "descent", 'print("The true minimum location is:').text
    assert text.splitlines() == ["The true minimum location is:          4.545455",
                                 "The final location got by GD is:        4.499998",
                                 "Errors between true and final location is: 0.045456"]


def test_descent_lesson_explains_the_printout_in_float64(outcomes):
    lines = outcome_of(outcomes, "descent", "tutorial_check(dtype=torch.float64)").text.splitlines()
    assert lines[1].endswith(" 4.499999") and lines[2].endswith(" 0.045455")
    # the tutorial's "true minimum" is grid point 45 of 100 on [0, 10], 50/11; the minimiser
    # is 9/2; after the first step (to 0.5) the gap to 4.5 shrinks by 1 − 2·0.05 per step
    x = torch.tensor(0.0, dtype=torch.float64)
    for _ in range(150):
        x = x - 0.05 * (torch.sign(x) + 2 * (x - 5))
    assert f"{4.5 - x.item():.4g}" in lines[4] and f"{1 / 22:.6f} = 1/22" in lines[3]


def test_descent_lesson_runs_the_hand_written_engine_beside_torch(outcomes):
    o = outcome_of(outcomes, "descent", 'engine="handwritten")\nby_torch')
    assert "largest difference from torch in float64: 0.0" in o.text


def test_descent_lesson_marks_the_unfinished_runs(outcomes):
    table = outcome_of(outcomes, "descent", "print(\"  x0   x_150").text.splitlines()[1:]
    assert [line.split()[0] for line in table] == ["-3.5", "-2.5", "-2.0", "-1.0", "-0.5"]
    assert [line.split()[-1] for line in table] == ["True", "True", "True", "False", "False"]


def test_descent_lesson_step_size_bound_is_torchs_curvature(outcomes):
    o = outcome_of(outcomes, "descent", "create_graph=True")
    x = torch.tensor(-3.121483710036719, dtype=torch.float64)
    curvature = (-8 * torch.sin(4 * x) - 16 * x * torch.cos(4 * x)).item()   # f″ for x < 0
    assert f"f'' = {curvature:.2f}" in o.text and f"{2 / curvature:.4f}" in o.text


def test_every_plotting_cell_shows_one_line_per_figure_and_closes_it(outcomes):
    import matplotlib.pyplot as plt

    for o in outcomes["descent"]:       # calls of visualize_result, or a figure of its own
        drawn = len(re.findall(r"^(visualize_result\(|fig, ax = plt.subplots)", o.cell.code,
                               flags=re.M))
        assert o.plots == drawn == o.text.count(cells.PLOT), o.cell.code
    assert sum(o.plots for o in outcomes["descent"]) == 12
    list(LESSONS["descent"].run())
    assert plt.get_fignums() == []


def test_a_cell_that_plots_twice_shows_two_plots():
    import matplotlib.pyplot as plt

    outcome = run_one(Cell(code="import matplotlib.pyplot as plt\nplt.figure()\nplt.figure()\n"
                                "print('drawn')", says="Two.", shows=f"drawn\n{cells.PLOT}\n"
                                                                      f"{cells.PLOT}"))
    assert outcome.problem is None and outcome.plots == 2
    assert plt.get_fignums() == []


@pytest.mark.parametrize("backend, expected", [(None, "agg"), ("template", "template")])
def test_plots_draw_off_screen_unless_mplbackend_says_otherwise(tmp_path, backend, expected):
    """Outside Jupyter a lesson never opens a window: pyplot gets Agg, although this
    machine's matplotlibrc asks for another backend, unless MPLBACKEND names one."""
    import os
    import subprocess
    import sys

    (tmp_path / "matplotlibrc").write_text("backend: template\n")
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env["MPLCONFIGDIR"] = str(tmp_path)
    if backend:
        env["MPLBACKEND"] = backend
    code = ("from ad_tutorial.lessons import Cell, Lesson\n"
            "cell = Cell(code='import matplotlib.pyplot as plt\\nplt.get_backend()', says='.',"
            " check=lambda v: True)\n"
            "print(next(Lesson('t', 'T', 'a test', (cell,)).run()).text, end='')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == repr(expected) + "\n"
