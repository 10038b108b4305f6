"""The command line, as a user meets it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace

import pytest

import ad_tutorial as adt
from ad_tutorial import primitives
from ad_tutorial.cli import main
from ad_tutorial.tables import NOTATIONS

TEXT = NOTATIONS["text"]

SEED = "ln(x1) + x1*x2 - sin(x2)"


def run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ad_tutorial", *argv], capture_output=True,
                          text=True, timeout=120)


def test_trace_prints_the_three_seed_tables(capsys):
    assert main(["trace", SEED, "--at", "x1=2", "x2=5"]) == 0
    out = capsys.readouterr().out
    for line in ["  v_1  = ln v_−1    = ln 2              = 0.693",
                 "  y    = v_5                            = 11.652",
                 "  ẏ    = v̇_5                                     = 5.5",
                 "  x̄2   = v̄_0  = 1.716"]:
        assert line in out.splitlines()
    assert out.index("Forward evaluation") < out.index("Forward derivative") < out.index(
        "Reverse adjoint")


@pytest.mark.parametrize("mode, shown, hidden", [("forward", "ẏ", "Reverse adjoint"),
                                                 ("reverse", "Reverse adjoint", "ẏ")])
def test_mode_chooses_the_sweeps(capsys, mode, shown, hidden):
    main(["trace", SEED, "--at", "x1=2", "x2=5", "--mode", mode])
    out = capsys.readouterr().out
    assert shown in out and hidden not in out


def test_seed_option_sets_the_direction(capsys):
    main(["trace", SEED, "--at", "x1=2", "x2=5", "--mode", "forward", "--seed", "x2=1"])
    assert "seed ẋ1 = 0, ẋ2 = 1" in capsys.readouterr().out


def test_json_output_is_strict_json(capsys):
    main(["trace", "ln(x)", "--at", "x=0", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert data["value"] == "-Infinity" and data["adjoint"]["gradient"] == {"x": "Infinity"}


@pytest.mark.parametrize("fmt, marker", [("markdown", "| v₁ | = ln v₋₁ |"),
                                         ("latex", r"\begin{tabularx}")])
def test_formats(capsys, fmt, marker):
    main(["trace", SEED, "--at", "x1=2", "x2=5", "--format", fmt])
    assert marker in capsys.readouterr().out


def test_check_agrees_on_the_seed_example(capsys):
    assert main(["check", SEED, "--at", "x1=2", "x2=5"]) == 0
    assert "hand-written and torch agree" in capsys.readouterr().out


def test_check_exits_1_on_a_mismatch(capsys, monkeypatch):
    sin = primitives.FUNCTIONS["sin"]
    monkeypatch.setitem(primitives.FUNCTIONS, "sin",
                        replace(sin, partials=lambda x, out: (2.0,)))
    assert main(["check", SEED, "--at", "x1=2", "x2=5"]) == 1
    assert "MISMATCH" in capsys.readouterr().out


BAD = [
    (["trace", "ln(x1", "--at", "x1=2"], "column 3: syntax error"),
    (["trace", "foo(x)", "--at", "x=1"], "column 1: unknown function 'foo'"),
    (["trace", "sin(x, y)", "--at", "x=1", "y=1"], "takes 1 argument, got 2"),
    (["trace", "x.real", "--at", "x=1"], "attribute access"),
    (["trace", "x[0]", "--at", "x=1"], "a number has no elements"),
    (["trace", "lambda: x", "--at", "x=1"], "lambda"),
    (["trace", "__import__('os').system('echo pwned')", "--at", "x=1"], "strings not allowed"),
    (["trace", "(" * 250 + "x" + ")" * 250, "--at", "x=1"],
     "at column 250: brackets are nested 250 deep; at most 50 are allowed"),
    (["trace", "-" * 5000 + "x", "--at", "x=1"],
     "at column 5001: operations are nested 5000 deep around this operand"),
    (["trace", "x*y", "--at", "x=1"], "no value for y"),
    (["trace", "x*y", "--at", "x=1", "y"], "expects NAME=NUMBER"),
    (["trace", "x*y", "--at", "x=1", "y=two"], "'two' is not a number"),
    (["trace", "x", "--at", "x=1", "z=2"], "z does not appear"),
    (["trace", "x", "--at", "x=1", "--seed", "q=1"], "cannot seed 'q'"),
    (["trace", "x"], "--at"),
    (["trace", "x", "--at", "x=1", "--format", "pdf"], "invalid choice"),
    (["frobnicate"], "invalid choice"),
    (["check", "x^2", "--at", "x=1"], "write powers as x**2"),
    # arrays: the point, then shapes that do not fit, each kind
    (["trace", "x**2", "--at", "x=[[1,2],[3]]"], "--at x: the array is ragged"),
    (["trace", "x**2", "--at", "x=[]"], "--at x: the array [] is empty"),
    (["trace", "x**2", "--at", "x=[1,b]"], "--at x: 'b' is not a number"),
    (["trace", "x**2", "--at", "x=[1,2"], "--at x: '[' is never closed"),
    (["trace", "x**2", "--at", "x=[1,2]", "--seed", "x=[1,,0]"], "--seed x: an entry is missing"),
    (["trace", "x + y", "--at", "x=[1,2,3]", "y=[1,2]"],
     "+: shapes (3,) and (2,) do not broadcast together"),
    (["trace", "W @ x", "--at", "W=[[1,2],[3,4]]", "x=[1,-1,2]"],
     "@ of shapes (2, 2) and (3,): the inner sizes differ (2 ≠ 3)"),
    (["trace", "x[3]", "--at", "x=[1,2,3]"], "index 3 is out of range for an axis of 3"),
    (["trace", "reshape(x, 2, 2)", "--at", "x=[1,2,3]"],
     "reshape of shape (3,) with shape (2, 2): cannot reshape array of size 3"),
    (["trace", "sum(x, 1)", "--at", "x=[1,2,3]"], "sum of shape (3,) with axis 1"),
    (["trace", "x**2", "--at", "x=[1,2,3]", "--seed", "x=[1,0]"],
     "the seed for x has shape (2,); x has shape (3,)"),
    (["trace", "x**2", "--at", "x=[1,2,3]", "--ybar", "y=[1,0]"], "has shape (2,)"),
    (["trace", "x*y, x+y", "--at", "x=[1,2]", "y=1", "--ybar", "y1=1"],
     "cannot seed ȳ of 'y1': the function's outputs are f1, f2"),
    (["check", "x**2", "--at", "x=[1,2]", "--seed", "x=[1,0,0]"], "the seed for x has shape"),
    (["trace", "x + y", "--at", "x=[" + ",".join(["0"] * 4000) + "]",
      "y=[" + ",".join(["[0]"] * 3000) + "]"],
     "+ would make an array of shape (3000, 4000), 12,000,000 numbers; at most 10,000,000"),
    (["graph", "x + y", "--at", "x=[1,2,3]", "y=[1,2]", "-o", "never.svg"], "do not broadcast"),
    (["graph", "x*y, x+y", "--at", "x=[0,1]", "y=2", "--kind", "torch", "-o", "never.svg"],
     "the function has 2 outputs; torch's graph is drawn for a function of one"),
    (["explore", "x**2", "--at", "x=[1,2]", "--seed", "x=[1]", "-o", "never.html"],
     "the seed for x has shape (1,)"),
]


@pytest.mark.parametrize("argv, message", BAD)
def test_bad_input_is_one_line_and_exit_2(capsys, monkeypatch, tmp_path, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err and captured.err.count("\n") == 1
    assert not list(tmp_path.iterdir())                  # nothing written


@pytest.mark.parametrize("argv, message", BAD[:3] + BAD[8:9] + BAD[15:])
def test_bad_input_never_shows_a_traceback(argv, message):
    done = run(*argv)
    assert done.returncode == 2 and message in done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1


#: Every kind of step that cannot take the values given, each written inside a larger
#: expression: (expression, the part that fails, the point).
STEP_ERRORS = [
    ("sum(x + y) * 2", "x + y", ["x=[1,2,3]", "y=[1,2]"]),
    ("sum(W @ x)", "W @ x", ["W=[[1,2],[3,4]]", "x=[1,-1,2]"]),
    ("sum(stack(x, y))", "stack(x, y)", ["x=[1,2,3]", "y=[1,2]"]),
    ("sum(reshape(x, 2, 2))", "reshape(x, 2, 2)", ["x=[1,2,3]"]),
    ("sum(sin(x[3]))", "x[3]", ["x=[1,2,3]"]),
    ("sum(x[0, 1]) + x[0]", "x[0, 1]", ["x=[1,2,3]"]),
    ("sum(x[::-1] * x)", "x[::-1]", ["x=[1,2,3]"]),
    ("sum(x[1:3:0])", "x[1:3:0]", ["x=[1,2,3]"]),
    ("mean(sum(x, 1))", "sum(x, 1)", ["x=[1,2,3]"]),
    ("  sum(x)[0]", "sum(x)[0]", ["x=[1,2,3]"]),
]


@pytest.mark.parametrize("command", ["trace", "check", "hessian", "graph", "explore"])
@pytest.mark.parametrize("expression, part, at", STEP_ERRORS)
def test_a_step_that_cannot_take_its_values_names_its_column(capsys, monkeypatch, tmp_path,
                                                             command, expression, part, at):
    """Shapes that do not fit, an index out of range, a step torch does not take: one line
    naming the column and the text of the part of the expression that failed, exit 2,
    nothing written; and the same error from the API, a TraceError with that column."""
    monkeypatch.chdir(tmp_path)
    output = {"graph": ["-o", "never.svg"], "explore": ["-o", "never.html"]}.get(command, [])
    assert main([command, expression, "--at", *at, *output]) == 2
    captured = capsys.readouterr()
    column = expression.index(part) + 1
    assert captured.out == "" and captured.err.count("\n") == 1
    assert f" at column {column}: {part}: " in captured.err, captured.err
    assert not list(tmp_path.iterdir())
    point = {name: json.loads(value) for name, value in (a.split("=", 1) for a in at)}
    with pytest.raises(adt.TraceError) as error:
        adt.trace(expression, **point)
    assert error.value.column == column


def test_python_dash_m_and_help_teach():
    done = run("trace", "--help")
    assert done.returncode == 0
    for words in ["--at", "--mode", "--format", "examples:", "ln (or log)"]:
        assert words in done.stdout
    assert run().returncode == 2


def test_trace_does_not_import_torch_or_matplotlib():
    code = ("import sys; from ad_tutorial.cli import main; "
            f"main(['trace', {SEED!r}, '--at', 'x1=2', 'x2=5']); "
            "heavy = {'torch', 'matplotlib', 'graphviz'} & set(sys.modules); "
            "assert not heavy, heavy")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "11.652" in done.stdout


def test_top_level_help_lists_every_command_and_where_to_start(capsys):
    from ad_tutorial.cli import build_parser

    build_parser().print_help()
    out = capsys.readouterr().out
    for command in ["trace", "check", "lesson", "notebook", "figures", "graph", "explore",
                    "serve", "bench"]:
        assert f"\n    {command} " in out
    assert "start here:" in out and "--help\" explains each command" in out


def test_a_reader_that_leaves_early_gets_no_traceback():
    """`ad-tutorial trace … | head -1`: the pipe closes before the tables are written."""
    child = subprocess.Popen([sys.executable, "-m", "ad_tutorial", "trace", SEED, "--at",
                              "x1=2", "x2=5"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.stdout.close()                     # long before the child has anything to write
    stderr = child.stderr.read().decode()
    assert child.wait() == 141 and stderr == ""


# --- a terminal that cannot show Unicode ---------------------------------------------------

def run_ascii(*argv: str) -> subprocess.CompletedProcess:
    """The command on a terminal that takes ASCII only (its output read as bytes)."""
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    return subprocess.run([sys.executable, "-m", "ad_tutorial", *argv], capture_output=True,
                          timeout=300, env=env)


@pytest.mark.parametrize("argv, pieces", [
    (["trace", SEED, "--at", "x1=2", "x2=5"],
     ["v_-1 = x1", "vdot_-1 = xdot1", "seed xdot1 = 1, xdot2 = 0", "v_2  = v_-1 * v_0",
      "v_5  = v_4 - v_3  = 10.693 - (-0.959) = 11.652", "vbar_0  = vbar_3 dv_3/dv_0",
      "seed ybar = 1", "xbar1   = vbar_-1 = 5.5"]),
    (["trace", "x**2/y - sigmoid(x)", "--at", "x=3", "y=-0.5", "--format", "markdown"],
     ["| v_-1 | = x |", "v_-1^2", "| fdot | = vdot_", "sigmoid(v_-1)", "dv_"]),
    (["trace", "sqrt(x)*y", "--at", "x=2", "y=1", "--format", "latex"],
     [r"\paragraph{Reverse adjoint trace, seed $\bar{f} = 1$}", r"\frac{1}{2 \times 1.414}"]),
    (["trace", "sqrt(x)*y", "--at", "x=2", "y=1", "--format", "json"], ['"output": "f"']),
    (["check", "sqrt(x) + x/y", "--at", "x=1", "y=2"],
     ["df/dx ", "df/dy ", "grad f*xdot, xdot = (1, 0)", "f (forward mode)"]),
    (["lesson", "two-modes"],
     ["vbar_0  = vbar_0 + vbar_2 dv_2/dv_0", "vdot_2  = vdot_-1 * v_0 + vdot_0 * v_-1",
      "Seed xdot = (1, 0)", "v_-1 * v_0"]),
    (["trace", "--help"], ["the tangent direction xdot"]),
    (["trace", "sum(x, 1)", "--at", "x=[[1,2],[3,4]]"],
     ["v_1  (2,)   = sum(v_0, axis=1)", "vbar_0  (2, 2) = vbar_1 dv_1/dv_0 = vbar_1 broadcast "
      "along axis 1 to (2, 2)"]),
    (["trace", "x + y", "--at", "x=[[1],[2]]", "y=[" + ",".join(["-1"] * 9) + "]",
      "--mode", "reverse", "--format", "markdown", "--ybar", "f=-1"],
     ["| vbar_-1 | (2, 1) | = vbar_1 dv_1/dv_-1 | = (vbar_1 * 1) summed over axis 1 -> (2, 1) |",
      "[-1, -1, -1, ..., -1, -1, -1]"]),
    (["check", "x*y, sum(x)", "--at", "x=[1,2]", "y=3"], ["(fdot1, fdot2) along d1", "..."]),
])
def test_on_an_ascii_terminal_every_table_is_written_in_ascii(argv, pieces):
    done = run_ascii(*argv)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert b"Traceback" not in done.stderr and done.stderr == b""
    out = done.stdout.decode("ascii")              # raises on any byte that is not ASCII
    for piece in pieces:
        assert piece in out, piece


# --- a name given twice ------------------------------------------------------------------

POINT_COMMANDS = [["trace"], ["check"], ["graph", "-o", "g.gv"], ["explore", "-o", "p.html"]]


@pytest.mark.parametrize("command", POINT_COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("options, message", [
    (["--at", "x=1", "x=2", "y=1"], "--at gives x twice"),
    (["--at", "x=1", "--at", "x=2", "y=1"], "--at gives x twice"),
    (["--at", "x=1", "y=1", "--seed", "y=1", "y=0"], "--seed gives y twice"),
    (["--at", "x=1", "y=1", "--seed", "y=1", "--seed", "y=0"], "--seed gives y twice"),
], ids=["at", "at-repeated", "seed", "seed-repeated"])
def test_a_name_given_twice_is_refused_in_one_line(tmp_path, monkeypatch, capsys, command,
                                                     options, message):
    monkeypatch.chdir(tmp_path)
    assert main([command[0], "x*y", *options, *command[1:]]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"ad-tutorial: {message}\n"
    assert captured.out == "" and not list(tmp_path.iterdir())


def test_a_repeated_option_adds_to_the_point_and_the_seed(capsys):
    assert main(["trace", "x*y", "--at", "x=2", "--at", "y=3", "--seed", "x=0",
                 "--seed", "y=1", "--mode", "forward"]) == 0
    out = capsys.readouterr().out
    assert "at x = 2, y = 3" in out and "seed ẋ = 0, ẏ = 1" in out and "= 2\n" in out


# --- outputs: checked before any work, "-" for standard output ------------------------------

def _forbid(monkeypatch, target: str) -> None:
    """Make the work of a command fail the test if it starts."""
    def work(*args, **kwargs):
        raise AssertionError(f"{target} ran before the output was checked")
    monkeypatch.setattr(target, work)


# (argv before the output option, the output option, the function doing the work)
WRITERS = [
    (["graph", "x*sin(x)", "--at", "x=1"], "-o", "ad_tutorial.figures.draw"),
    (["explore", "x*sin(x)", "--at", "x=1"], "-o", "ad_tutorial.explorer.build_model"),
    (["figures", "--only", "convex-objective"], "--out", "ad_tutorial.figures.rendered"),
    (["notebook", "tensors"], "--out", "ad_tutorial.lessons.notebooks.notebook"),
    (["bench", "--quick", "--only", "jacobian"], "--json", "ad_tutorial.bench.suite.run"),
    (["bench", "--quick", "--only", "jacobian"], "--plot", "ad_tutorial.bench.suite.run"),
]
FOLDER_OPTIONS = {"--out"}
SUFFIXED = {"graph": ".svg", "explore": ".html", "--json": ".json", "--plot": ".svg"}


def _bad_outputs(argv: list[str], option: str) -> list[tuple[str, str]]:
    """Outputs that cannot be written, each with a word the refusal must say."""
    if option in FOLDER_OPTIONS:
        return [("", "needs a folder name"), ("{tmp}/a-file", "it is a file"),
                ("{tmp}/a-file/below", "cannot")]
    suffix = SUFFIXED.get(option, SUFFIXED.get(argv[0]))
    bad = [("", "needs a file name"), ("{tmp}", "it is a folder"),
           (f"{{tmp}}/no/such/folder/x{suffix}", "no such folder"),
           (f"{{tmp}}/a-file/x{suffix}", "no such folder")]
    if argv[0] == "graph" or option == "--plot":
        bad.append(("{tmp}/p.bogus", "cannot tell the format"))
    return bad


@pytest.mark.parametrize("argv, option, work", WRITERS, ids=lambda x: str(x))
def test_every_output_is_checked_before_any_work(tmp_path, monkeypatch, capsys, argv, option,
                                                work):
    _forbid(monkeypatch, work)
    (tmp_path / "a-file").write_text("")
    for output, words in _bad_outputs(argv, option):
        output = output.replace("{tmp}", str(tmp_path))
        assert main([*argv, option, output]) == 2, output
        captured = capsys.readouterr()
        assert words in captured.err and captured.err.count("\n") == 1, (output, captured.err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


@pytest.mark.parametrize("argv, start", [
    (["graph", "x*sin(x)", "--at", "x=1", "--annotate", "-o", "-"], "<?xml"),
    (["explore", "x*sin(x)", "--at", "x=1", "-o", "-"], "<!DOCTYPE html>"),
])
def test_dash_writes_to_standard_output(tmp_path, argv, start):
    done = subprocess.run([sys.executable, "-m", "ad_tutorial", *argv], capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.startswith(start) and done.stdout.rstrip().endswith(">")
    assert not list(tmp_path.iterdir())                   # no file named "-"


# --- standard output that is full, or closed early ------------------------------------------

STDOUT_COMMANDS = [
    ["trace", SEED, "--at", "x1=2", "x2=5"],
    ["trace", SEED, "--at", "x1=2", "x2=5", "--format", "json"],
    ["check", SEED, "--at", "x1=2", "x2=5"],
    ["graph", SEED, "--at", "x1=2", "x2=5", "-o", "-"],
    ["explore", SEED, "--at", "x1=2", "x2=5", "-o", "-"],
    ["figures", "--list"],
    ["lesson"],
    ["lesson", "tensors"],
    ["notebook", "tensors", "--out", "."],
]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("argv", STDOUT_COMMANDS, ids=lambda a: " ".join(a[:2])[:30])
def test_a_full_standard_output_is_one_line_and_exit_1(tmp_path, argv):
    """`ad-tutorial … > /dev/full`: writing fails, which is no fault of the input."""
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "ad_tutorial", *argv], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stderr == "ad-tutorial: cannot write to standard output: No space left on " \
                          "device\n"


@pytest.mark.parametrize("argv", STDOUT_COMMANDS, ids=lambda a: " ".join(a[:2])[:30])
def test_a_reader_that_leaves_early_ends_every_command_quietly(tmp_path, argv):
    child = subprocess.Popen([sys.executable, "-m", "ad_tutorial", *argv], cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.stdout.close()
    stderr = child.stderr.read().decode()
    assert child.wait(timeout=120) == 141 and stderr == ""


@pytest.mark.parametrize("argv, message", [
    (["trace", "x", "--at", "x=[1,2]", "--ybar", "q=1"], "cannot seed ybar of 'q'"),
    (["trace", "W @ x", "--at", "W=[[1,2]]", "x=[1,2,3]"], "the inner sizes differ (2 != 3)"),
])
def test_on_an_ascii_terminal_messages_are_spelled_out_too(argv, message):
    done = run_ascii(*argv)
    assert done.returncode == 2 and done.stdout == b""
    assert message in done.stderr.decode("ascii")


# --- arrays: the tutorial's cells 45 and 46 by hand ----------------------------------------

CELLS = ["sum(x**2)", "mean(ln(x**2 + 1) + 5*x)"]


def torch_cell(expression: str) -> tuple[float, list[float]]:
    """y and x.grad of the cell, as the tutorial computes them, in float64."""
    import torch

    x = torch.arange(5.0, dtype=torch.float64, requires_grad=True)
    y = torch.sum(x**2) if expression == "sum(x**2)" else torch.mean(torch.log(x**2 + 1) + 5 * x)
    y.backward()
    return y.item(), x.grad.tolist()


@pytest.mark.parametrize("expression", CELLS)
def test_cells_45_and_46_by_hand_from_the_command_line(capsys, expression):
    import numpy as np

    y, grad = torch_cell(expression)
    assert main(["trace", expression, "--at", "x=[0,1,2,3,4]", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    np.testing.assert_allclose(data["value"], y, rtol=1e-12)
    np.testing.assert_allclose(data["adjoint"]["gradient"]["x"], grad, rtol=1e-12)
    assert data["primal"][0]["shape"] == [5] and data["primal"][-1]["shape"] == []
    assert main(["trace", expression, "--at", "x=[0,", "1,", "2,", "3,", "4]"]) == 0
    lines = capsys.readouterr().out.splitlines()
    shown = "[" + ", ".join(map(TEXT.number, grad)) + "]"          # [1, 1.2, 1.16, …]
    assert f"  x̄    (5,) = v̄_0 = {shown}" in lines
    assert any(line.startswith("  y    ()   = ") and line.endswith(TEXT.number(y))
               for line in lines)


def test_ybar_seeds_reverse_mode_of_several_outputs(capsys):
    assert main(["trace", "x*y, x+y", "--at", "x=[1,2]", "y=3", "--mode", "reverse",
                 "--ybar", "f2=[1,1]", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["output"] == ["f1", "f2"]
    assert data["adjoint"]["seed"] == {"f1": [0.0, 0.0], "f2": [1.0, 1.0]}
    assert data["adjoint"]["gradient"] == {"x": [1.0, 1.0], "y": 2.0}
