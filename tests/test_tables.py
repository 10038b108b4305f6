"""The tables: the tutorial's rows in text, markdown, LaTeX, HTML, and JSON for tools."""

from __future__ import annotations

import json
import math
import shutil
import subprocess

import pytest

import ad_tutorial as adt
from ad_tutorial.tables import (NOTATIONS, adjoint_rows, gradient_rows, number, primal_rows,
                                render, tangent_rows, to_json)

SEED = adt.trace("ln(x1) + x1*x2 - sin(x2)", x1=2.0, x2=5.0)
TEXT = NOTATIONS["text"]


def test_primal_rows_read_as_the_tutorial():
    assert primal_rows(SEED, TEXT) == [
        ("v_-1", "x1", "", "2"),
        ("v_0", "x2", "", "5"),
        ("v_1", "ln v_-1", "ln 2", "0.693"),
        ("v_2", "v_-1 × v_0", "2 × 5", "10"),
        ("v_3", "sin v_0", "sin 5", "-0.959"),
        ("v_4", "v_1 + v_2", "0.693 + 10", "10.693"),
        ("v_5", "v_4 − v_3", "10.693 − (-0.959)", "11.652"),
        ("y", "v_5", "", "11.652"),
    ]


def test_tangent_rows_read_as_the_tutorial():
    assert tangent_rows(SEED.forward(x1=1.0), TEXT) == [
        ("v̇_-1", "ẋ1", "", "1"),
        ("v̇_0", "ẋ2", "", "0"),
        ("v̇_1", "v̇_-1/v_-1", "1/2", "0.5"),
        ("v̇_2", "v̇_-1 × v_0 + v̇_0 × v_-1", "1 × 5 + 0 × 2", "5"),
        ("v̇_3", "v̇_0 × cos v_0", "0 × cos 5", "0"),
        ("v̇_4", "v̇_1 + v̇_2", "0.5 + 5", "5.5"),
        ("v̇_5", "v̇_4 − v̇_3", "5.5 − 0", "5.5"),
        ("ẏ", "v̇_5", "", "5.5"),
    ]


def test_adjoint_rows_accumulate_one_edge_at_a_time():
    rows = adjoint_rows(SEED.reverse(), TEXT)
    assert rows[0] == ("v̄_5", "ȳ", "", "", "1")
    assert rows[2] == ("v̄_3", "v̄_5 ∂v_5/∂v_3", "v̄_5 × (−1)", "1 × (−1)", "-1")
    assert rows[5] == ("v̄_0", "v̄_3 ∂v_3/∂v_0", "v̄_3 × cos v_0", "-1 × cos 5", "-0.284")
    assert rows[7] == ("v̄_0", "v̄_0 + v̄_2 ∂v_2/∂v_0", "v̄_0 + v̄_2 × v_-1",
                       "-0.284 + 1 × 2", "1.716")
    assert rows[8] == ("v̄_-1", "v̄_-1 + v̄_1 ∂v_1/∂v_-1", "v̄_-1 + v̄_1 × 1/v_-1",
                       "5 + 1 × 1/2", "5.5")
    assert gradient_rows(SEED.reverse(), TEXT)[-2:] == [("x̄1", "v̄_-1", "5.5"),
                                                         ("x̄2", "v̄_0", "1.716")]


def test_printed_numbers_are_the_float64_ones_rounded():
    for row, value in zip(primal_rows(SEED, TEXT), SEED.values + [SEED.value]):
        assert row[-1] == number(value) and math.isclose(float(row[-1]), value, abs_tol=5e-4)


@pytest.mark.parametrize("x, text", [(0.6931471805599453, "0.693"), (10.0, "10"),
                                     (5.5, "5.5"), (-0.9589242746631385, "-0.959"),
                                     (1.5e7, "1.5e+07"), (1e-5, "1e-05"), (math.inf, "inf"),
                                     (-math.inf, "-inf"), (math.nan, "nan"), (-0.0, "0")])
def test_number(x, text):
    assert number(x) == text


def test_text_layout_aligns_columns():
    lines = str(SEED).splitlines()
    assert lines[0] == "Forward evaluation trace (primal) at x1 = 2, x2 = 5"
    assert lines[3] == "  v_1  = ln v_-1    = ln 2              = 0.693"
    assert len({line.index(" = ") for line in lines[1:]}) == 1


def test_markdown_escapes_pipes_of_abs():
    md = render(adt.trace("abs(x)", x=-2.0).forward(), "markdown")
    assert r"\|v₀\|" in render(adt.trace("abs(x)", x=-2.0), "markdown")
    assert md.count("\n| ") >= 4 and "v̇₁" in md


def test_html_escapes_templates_but_not_names():
    html = render(adt.trace("relu(x)", x=2.0).forward(), "html")
    assert "[v<sub>0</sub> &gt; 0]" in html


@pytest.mark.skipif(not shutil.which("pdflatex"), reason="pdflatex not installed")
@pytest.mark.parametrize("text", ["ln(x1) + x1*x2 - sin(x2)", "abs(x)/sqrt(y) + x**y - relu(-x)",
                                  "sigmoid(x) * tanh(x) + tan(x) - exp(-x) + cos(x)"])
def test_latex_compiles(tmp_path, text):
    t = adt.trace(text, **{v: 1.5 for v in adt.parse(text).variables})
    body = "\n\n".join(render(x, "latex") for x in (t, t.forward(), t.reverse()))
    (tmp_path / "t.tex").write_text(
        "\\documentclass{article}\\usepackage{amsmath}\\begin{document}\n"
        + body + "\n\\end{document}\n")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]


def test_json_follows_the_schema():
    t = SEED
    data = json.loads(json.dumps(to_json(t, t.forward(), t.reverse())))
    assert data["expression"] == "ln(x1) + x1*x2 - sin(x2)"
    assert data["inputs"] == {"x1": 2.0, "x2": 5.0} and data["value"] == t.value
    assert data["primal"][0] == {"name": "v_-1", "op": "input", "args": [], "value": 2.0}
    assert data["primal"][6] == {"name": "v_5", "op": "sub", "args": ["v_4", "v_3"],
                                 "value": t.value}
    assert data["tangent"]["seed"] == {"x1": 1.0, "x2": 0.0}
    assert data["tangent"]["derivative"] == 5.5
    assert data["tangent"]["trace"][2] == {"name": "v_1", "tangent": 0.5}
    assert data["adjoint"]["gradient"] == t.reverse().gradient
    assert data["adjoint"]["steps"][7] == {"node": "v_0", "source": "v_2", "partial": 2.0,
                                           "contribution": 2.0,
                                           "adjoint": t.reverse().gradient["x2"]}
    assert [a["name"] for a in data["adjoint"]["trace"]][0] == "v_5"


def test_json_writes_constants_and_non_finite_numbers_strictly():
    t = adt.trace("3*ln(x)", x=0.0)
    data = to_json(t, t.forward(), t.reverse())
    assert data["primal"][2]["args"] == [3.0, "v_1"]
    assert data["value"] == "-Infinity" and data["adjoint"]["gradient"]["x"] == "Infinity"
    json.dumps(data, allow_nan=False)
    assert to_json(adt.trace("ln(x)", x=-1.0))["value"] == "NaN"
