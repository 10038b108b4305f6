"""Second derivatives on the command line and in the tables: `trace --mode second|all`,
`hessian`, every format, JSON, bad seeds, ASCII terminals."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from dataclasses import replace

import pytest

import ad_tutorial as adt
from ad_tutorial import primitives
from ad_tutorial.cli import build_parser, main
from ad_tutorial.tables import render

SEED = "ln(x1) + x1*x2 - sin(x2)"
AT = ["--at", "x1=2", "x2=5"]
SEED_HESSIAN = [[-0.25, 1.0], [1.0, -0.9589242746631385]]


def test_mode_second_prints_the_four_tables(capsys):
    assert main(["trace", SEED, *AT, "--mode", "second"]) == 0
    out = capsys.readouterr().out
    titles = ["Forward evaluation trace", "Forward derivative trace (tangent), seed ẋ1 = 1",
              "Reverse adjoint trace", "Second-order adjoint trace (forward over reverse) "
              "along ẋ1 = 1, ẋ2 = 0, from ȳ = 1", "Second-order adjoints, and the "
              "Hessian-vector product Hẋ"]
    assert [out.index(title) for title in titles] == sorted(out.index(t) for t in titles)
    lines = out.splitlines()
    for row in ["  v̄˙_5  = ȳ˙", "  x̄˙1   = v̄˙_−1 = −0.25", "  x̄˙2   = v̄˙_0  = 1"]:
        assert any(line.startswith(row) for line in lines), row
    last = next(line for line in lines if line.startswith("  v̄˙_−1 = v̄˙_−1 + "))
    assert "v̄˙_−1 + v̄˙_1 ∂v_1/∂v_−1 + v̄_1 ∂²v_1/∂v_−1² v̇_−1" in last
    assert "v̄_1 × (−1/v_−1²) × v̇_−1" in last and "1 × (−1/2²) × 1" in last
    assert last.endswith("= −0.25")
    assert "The Hessian" not in out


def test_mode_all_adds_the_hessian(capsys):
    assert main(["trace", SEED, *AT, "--mode", "all", "--digits", "16"]) == 0
    out = capsys.readouterr().out
    hessian = out[out.index("The Hessian"):].splitlines()[1:]
    assert [line.split("=")[-1].strip() for line in hessian] == \
        ["−0.25", "1", "1", "−0.9589242746631385"]
    assert hessian[1].split("=")[0].strip() == "∂²y/∂x1∂x2"


def test_the_seed_hessian_is_exact_in_json(capsys):
    main(["trace", SEED, *AT, "--mode", "all", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert data["hessian"] == {"inputs": ["x1", "x2"], "elements": ["x1", "x2"],
                               "matrix": SEED_HESSIAN}
    second = data["second"]
    assert set(second) == {"seed", "trace", "steps", "hvp"}
    assert second["seed"] == {"x1": 1.0, "x2": 0.0} and second["hvp"] == {"x1": -0.25, "x2": 1.0}
    assert second["trace"][0] == {"name": "v_5", "tangent": 5.5, "adjoint": 1.0,
                                  "second_adjoint": 0.0}
    assert second["steps"][-1] == {"node": "v_-1", "source": "v_1", "partial": 0.5,
                                   "second_partials": [{"wrt": "v_-1", "partial": -0.25}],
                                   "contribution": -0.25, "second_adjoint": -0.25}
    final = {step["node"]: step["second_adjoint"] for step in second["steps"]}
    assert final == {row["name"]: row["second_adjoint"] for row in second["trace"]}
    # the tangent and adjoint are the first-order sweeps', as --mode both writes them
    main(["trace", SEED, *AT, "--format", "json"])
    both = json.loads(capsys.readouterr().out)
    assert (data["tangent"], data["adjoint"]) == (both["tangent"], both["adjoint"])


def test_the_seed_hessian_is_exact_from_the_hessian_command(capsys):
    assert main(["hessian", SEED, *AT]) == 0
    out = capsys.readouterr().out.splitlines()
    rows = {line.split()[0]: line.split()[1:4] for line in out[2:6]}
    assert rows == {"∂²y/∂x1²": ["-0.25"] * 3, "∂²y/∂x1∂x2": ["1.0"] * 3,
                    "∂²y/∂x2∂x1": ["1.0"] * 3, "∂²y/∂x2²": ["-0.9589242746631385"] * 3}
    assert out[1].split() == ["entry", "hand-written", "torch.func.hessian", "double",
                              "backward", "finite", "diff."]
    assert out[-1].startswith("hand-written and torch agree")


def test_hessian_exits_1_on_a_mismatch(capsys, monkeypatch):
    """A wrong second partial of sin makes the hand-written Hessian wrong: torch says so."""
    sin = primitives.FUNCTIONS["sin"]
    monkeypatch.setitem(primitives.FUNCTIONS, "sin",
                        replace(sin, second_partials=lambda x, out: (out,)))
    assert main(["hessian", SEED, *AT]) == 1
    out = capsys.readouterr().out
    assert "MISMATCH" in out and "DISAGREE" in out
    assert [line.split()[-1] for line in out.splitlines()[2:6]] == ["ok", "ok", "ok", "MISMATCH"]


def test_where_torch_differs_from_itself_the_entry_is_marked(capsys):
    assert main(["hessian", "y**y", "--at", "y=0"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[2].split()[-1] == "ok*"
    assert "* torch's double backward differs here from torch.func.hessian" in out


@pytest.mark.parametrize("mode", ["second", "all"])
@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "json"])
def test_every_format_writes_second_order(capsys, mode, fmt):
    assert main(["trace", "x*sqrt(y) - y/x", "--at", "x=3", "y=2", "--mode", mode,
                 "--seed", "y=1", "--format", fmt]) == 0
    out = capsys.readouterr().out
    marker = {"text": "v̄˙_−1 = ", "markdown": "| v̄˙₋₁ |", "latex": r"\dot{\bar{v}}_{-1}",
              "json": '"second_adjoint"'}[fmt]
    assert marker in out
    if fmt == "json":
        data = json.loads(out)
        t = adt.trace("x*sqrt(y) - y/x", x=3.0, y=2.0)
        assert data["second"]["hvp"] == t.hvp(y=1.0)
        assert ("hessian" in data) == (mode == "all")
        if mode == "all":
            assert data["hessian"]["matrix"] == t.hessian().tolist()


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "html"])
def test_a_second_order_sweep_renders_in_every_format(fmt):
    s = adt.trace("x**3*y + exp(x*y)", x=0.5, y=-1.0).second(x=1.0, y=2.0)
    text = render(s, fmt)
    assert text.count("Second-order") == 2 and "exp" in text
    if fmt == "html":
        assert s._repr_html_() == text and "<table" in text
    if fmt == "text":
        assert str(s) == text


def test_a_second_order_table_shows_the_sweeps_numbers():
    """Each row's value is the running v̄˙ of its step; the last rows of H·ẋ are hvp."""
    t = adt.trace("x*x*y + y/x", x=2.0, y=3.0)
    s = t.second(x=1.0, y=-1.0)
    rows = [line for line in str(s).split("\n\n")[0].splitlines()[1:]]
    steps = list(s.steps())
    assert len(rows) == len(steps)
    for line, step in zip(rows, steps):
        assert line.rsplit("= ", 1)[1] == adt.tables.number(step.second_adjoint).replace("-", "−")
    hvp = str(s).split("\n\n")[1].splitlines()[-2:]
    assert [line.rsplit("= ", 1)[1] for line in hvp] == \
        [adt.tables.number(v).replace("-", "−") for v in s.hvp.values()]


@pytest.mark.parametrize("argv, message", [
    (["trace", "x*y", "--at", "x=1", "y=2", "--mode", "second", "--seed", "q=1"],
     "cannot seed 'q': the inputs are x, y"),
    (["trace", "x*y", "--at", "x=1", "y=2", "--mode", "second", "--seed", "x=inf"],
     "the seed for x must be finite; it is inf"),
    (["trace", "x*y", "--at", "x=1", "y=2", "--mode", "all", "--seed", "y=-inf"],
     "the seed for y must be finite; it is -inf"),
    (["trace", "x*y", "--at", "x=1", "y=2", "--mode", "second", "--seed", "y=nan"],
     "the seed for y must be finite; it is nan"),
    (["trace", "x*y", "--at", "x=1", "y=2", "--mode", "second", "--seed", "y=one"],
     "'one' is not a number"),
    (["hessian", "x*y", "--at", "x=1", "y=2", "--seed", "x=1"], "unrecognized arguments"),
    (["hessian", "x*", "--at", "x=1"], "syntax error"),
    (["hessian", "x*y", "--at", "x=1"], "no value for y"),
    (["trace", "x", "--at", "x=1", "--mode", "third"], "invalid choice"),
])
def test_bad_second_order_input_is_one_line_and_exit_2(capsys, argv, message):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err and captured.err.count("\n") == 1


def test_an_expression_like_an_option_works_for_hessian(capsys):
    assert main(["hessian", "-x**2", "--at", "x=3"]) == 0
    assert "-2.0" in capsys.readouterr().out


def test_help_names_the_second_order_commands(capsys):
    build_parser().print_help()
    out = capsys.readouterr().out
    assert "\n    hessian " in out and "--mode second" in out
    parser = build_parser()
    help_text = parser.commands["trace"].format_help()
    assert "second" in help_text and "all" in help_text


def run_ascii(*argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    return subprocess.run([sys.executable, "-m", "ad_tutorial", *argv], capture_output=True,
                          timeout=300, env=env)


@pytest.mark.parametrize("argv, pieces", [
    (["trace", SEED, *AT, "--mode", "all"],
     ["vbardot_-1 = vbardot_-1 + vbardot_1 dv_1/dv_-1 + vbar_1 d^2v_1/dv_-1^2 vdot_-1",
      "xbardot1   = vbardot_-1 = -0.25", "d^2y/dx1dx2 = 1"]),
    (["hessian", SEED, *AT], ["d^2y/dx1dx2  1.0", "hand-written and torch agree"]),
    (["hessian", "y**y", "--at", "y=0"], ["ok*", "* torch's double backward"]),
])
def test_on_an_ascii_terminal_second_order_is_ascii(argv, pieces):
    done = run_ascii(*argv)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    out = done.stdout.decode("ascii")
    for piece in pieces:
        assert piece in out, piece


def test_the_hessian_of_a_kink_is_torchs():
    """abs at 0 has the second derivative 0 (torch's convention: sgn has none); the central
    differences of the gradient see the jump of the first derivative instead."""
    from ad_tutorial.torch_hessian import compare_hessian

    comparison = compare_hessian("abs(x) + (x - 5)**2", x=0.0)
    (row,) = comparison.rows
    assert (row.handwritten, row.func, row.double) == (2.0, 2.0, 2.0)
    assert row.finite_difference > 1e4 and comparison.ok
    assert math.isnan(adt.trace("sqrt(abs(x))", x=0.0).hessian()[0, 0])
