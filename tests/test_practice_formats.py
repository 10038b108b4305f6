"""Practice writes as the tables write, in every format: names, numbers and formulas in the
format's notation (− in text and HTML, - in LaTeX and in JSON's names), the function's
value named by tables.output_name, and each known slip set beside the primitive's own
partial."""

from __future__ import annotations

import html
import json
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ad_tutorial.practice import exercise
from ad_tutorial.practice.diagnosis import candidates
from ad_tutorial.practice.exercise import MODES, POINTS, Exercise
from ad_tutorial.practice.mistakes import WRONG_PARTIALS, wrong_partials
from ad_tutorial.practice.page import render_page
from ad_tutorial.practice.worksheet import html_fragment, html_sheet, latex_sheet, text
from ad_tutorial.primitives import PRIMITIVES
from ad_tutorial.tables import NOTATIONS, dumps, output_name

from .test_practice import Flat, engine_answers, tables

#: Exercises at a negative point, of every level.
NEGATIVE = [(level, seed, mode) for level, seed in [(1, 3), (2, 1), (3, 4), (3, 9)]
            for mode in MODES]


def slips(ex: Exercise) -> Flat:
    """Every cell answered with the wrong number whose hint is longest: hints of every kind
    the exercise has, each naming nodes and writing formulas."""
    engine, cells, flat = engine_answers(ex), {c["key"]: c for c in ex.rules}, {}
    for cell in ex.rules:
        options = [c for c in candidates(cell, flat, cells) if math.isfinite(c.number)
                   and c.hint and c.number != engine[cell["key"]]]
        flat[cell["key"]] = (max(options, key=lambda c: len(c.hint)).number if options
                             else engine[cell["key"]] + 1)
    return flat


def visible_text(page: str) -> str:
    """What a reader sees of a page, without its style, script and code (the expression as
    typed, the next exercise's command), and the graph's tooltips (graphviz's node ids)."""
    page = re.sub(r"<(style|script|code|title)\b.*?</\1>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]*>", "", page))


@pytest.mark.parametrize("level, seed, mode", NEGATIVE)
def test_text_and_html_write_the_minus_of_the_tables(level, seed, mode):
    """v_−1, −0.5 and v_1 − v_2 in the terminal, in Jupyter, on sheets and on the page: no
    ASCII minus but the expression's own, as typed."""
    ex = exercise(level, seed, mode)
    assert min(ex.inputs.values()) < 0
    check = ex.check(**tables(slips(ex)))
    assert sum(bool(r.hint) for r in check.rows) > len(check.rows) // 2
    written = {"exercise": str(ex), "answer key": text(ex, key=True), "check": str(check),
               "Jupyter exercise": visible_text(html_fragment(ex)),
               "Jupyter key": visible_text(html_fragment(ex, key=True)),
               "sheet": visible_text(html_sheet([ex], key=True)),
               "Jupyter check": visible_text(check._repr_html_()),
               "page": visible_text(render_page(ex, ""))}
    for where, shown in written.items():
        assert "-" not in shown.replace(ex.expression, ""), where
        assert "v_−1" in shown or "v−1" in shown, where            # text, or HTML's v<sub>
    point = NOTATIONS["text"].number(min(ex.inputs.values()))
    for where in ("exercise", "check", "Jupyter exercise", "page"):
        assert f"= {point}" in written[where], where
    for row in check.rows:                                          # hints name as the tables
        assert "v_-" not in row.hint and not re.search(r"(?<![\w(])-\d", row.hint), row


@pytest.mark.parametrize("level, seed, mode", NEGATIVE)
def test_latex_and_json_write_their_own_minus(level, seed, mode):
    """LaTeX's minus is "-" in math mode (v_{-1}, -0.5); JSON names nodes as answer files do."""
    ex = exercise(level, seed, mode)
    for key in (False, True):
        tex = latex_sheet([ex], key=key)
        assert "−" not in tex and "v_{-1}" in tex
        assert f"= {NOTATIONS['latex'].number(min(ex.inputs.values()))}$" in tex
    data = json.loads(dumps(ex.to_json()))
    assert data["blank"]["primal"][:2] == [f"v_{1 - len(ex.inputs)}", f"v_{2 - len(ex.inputs)}"]
    check = json.loads(dumps(ex.check(**tables(slips(ex))).to_json()))
    names = set(ex.names) | set(ex.inputs) | {"derivative"}
    assert {r["name"] for r in check["rows"]} <= names
    assert {r["node"] for r in check["rows"]} - {None} <= set(ex.names)


@pytest.mark.parametrize("mode", MODES)
def test_the_functions_value_is_named_as_the_tables_name_it(mode):
    """An input called y: the value is f, as in `trace`, in every format and every hint,
    and ȳ is the input's adjoint."""
    direction = {"x": 0.0, "y": 1.0} if mode == "forward" else None
    ex = Exercise(1, 0, mode, "ln(y)*x + y", {"x": 1.5, "y": 2.0}, direction)
    assert output_name(ex.inputs) == "f"
    nt = NOTATIONS["text"]
    f_dot, f_bar = nt.variable("f", "dot"), nt.variable("f", "bar")
    last = f"v_{ex.trace.output - 1}"                               # v_1 … v_k, from v_-1
    # the output's seed wrong; a value where its derivative belongs in the last cells
    key = ({"final:derivative": ex.trace.value} if mode == "forward" else
           {f"final:{x}": v for x, v in ex.inputs.items()})
    check = ex.check(**tables({**engine_answers(ex), **key,
                               f"{ex.derivatives}:{ex.trace.name(ex.trace.output)}": -1.0}))
    hints = {r.name: r.hint for r in check.rows if r.table in ("final", ex.derivatives)}
    sheet, tex = text(ex), latex_sheet([ex])
    assert sheet.splitlines()[1] == "f = ln(y)*x + y"
    assert str(check).splitlines()[0].endswith(": f = ln(y)*x + y at x = 1.5, y = 2")
    assert "<p class='function'>f = <code>" in html_fragment(ex)
    assert '<p id="function">f = <code>' in render_page(ex, "")
    assert r"$f = {}$\texttt{ln(y)*x + y}" in tex
    if mode == "forward":
        assert f"directional derivative {f_dot}." in sheet and f"  {f_dot}  = v̇_{last[2:]}" in sheet
        assert r"the directional derivative $\dot{f}$." in tex
        assert [r.label for r in check.rows][-1] == f_dot
        assert hints["derivative"] == f"that is the value f, not the derivative {f_dot}"
    else:
        assert f"Adjoints, from {f_bar} = 1" in sheet and f"= {f_bar}  = ______" in sheet
        assert "ȳ  = ∂f/∂y  = ______" in sheet and "x̄  = ∂f/∂x  = ______" in sheet
        assert r"\bar{y}$ & ${} = \frac{\partial f}{\partial y}$" in tex
        assert r"Adjoints, from $\bar{f} = 1$" in tex
        assert hints[ex.trace.name(ex.trace.output)] == (
            f"the adjoint sweep starts from {f_bar} = 1: v̄_{last[2:]} = 1")
        assert hints["y"] == "that is the value y, not the derivative ȳ = ∂f/∂y"


#: Each known slip: its hint, as a teacher says it, and the number it gives, written here
#: from the rule it breaks. pow's exponent is the trace's constant 3.
SLIPS = {
    ("sin", 0): [("d sin x = cos x, not −cos x", lambda x, y: -math.cos(x))],
    ("cos", 0): [("d cos x = −sin x, not +sin x", lambda x, y: math.sin(x))],
    ("ln", 0): [("d ln x = 1/x, not x", lambda x, y: x)],
    ("exp", 0): [("d exp x = exp x, not x × exp (x − 1): exp x is no power of x",
                  lambda x, y: x * math.exp(x - 1))],
    ("sqrt", 0): [("d √x = 1/(2 × √x), not 1/√x", lambda x, y: 1 / math.sqrt(x))],
    ("tanh", 0): [("d tanh x = 1 − (tanh x)², not 1 + (tanh x)²",
                   lambda x, y: 1 + math.tanh(x) ** 2)],
    ("mul", 0): [("∂(x × y)/∂x = y, not x: the other factor", lambda x, y: x)],
    ("mul", 1): [("∂(x × y)/∂y = x, not y: the other factor", lambda x, y: y)],
    ("div", 0): [("∂(x/y)/∂x = 1/y, not y", lambda x, y: y)],
    ("div", 1): [("∂(x/y)/∂y = −x/y², not +x/y²: the quotient rule's sign",
                  lambda x, y: x / y ** 2)],
    ("pow", 0): [("d x³ = 3 × x², not 3 × x³: the power rule lowers the exponent",
                  lambda x, y: 3 * x ** 3),
                 ("d x³ = 3 × x², not x²: the exponent comes down as a factor",
                  lambda x, y: x ** 2)],
}


def test_every_known_slip_has_its_hint():
    assert set(SLIPS) == {(name, w.argument) for name, ws in WRONG_PARTIALS.items()
                          for w in ws}


@given(st.sampled_from([x for x in POINTS if x > 0]), st.sampled_from(POINTS))
def test_a_slip_sets_the_primitives_own_partial_beside_the_wrong_one(x, y):
    for (name, k), expected in SLIPS.items():
        arity = PRIMITIVES[name].arity
        args = [x, 3.0 if name == "pow" else y][:arity]
        constant = [False, name == "pow"][:arity]
        found = wrong_partials(name, k, args, PRIMITIVES[name].value(*args), constant,
                               NOTATIONS["text"])
        assert [hint for _, hint in found] == [hint for hint, _ in expected], name
        for (number, _), (_, slip) in zip(found, expected):
            assert math.isclose(number, slip(args[0], args[-1]), rel_tol=1e-12), name
