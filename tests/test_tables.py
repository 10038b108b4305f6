"""The tables: the tutorial's rows in text, markdown, LaTeX, HTML, ASCII, and JSON for tools."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ad_tutorial as adt
from ad_tutorial.functions import apply
from ad_tutorial.primitives import PRIMITIVES
from ad_tutorial.tables import (NOTATIONS, adjoint_rows, ascii_only, gradient_rows, number,
                                output_name, primal_rows, render, tangent_rows, titled_tables,
                                to_json)

SEED = adt.trace("ln(x1) + x1*x2 - sin(x2)", x1=2.0, x2=5.0)
TEXT = NOTATIONS["text"]
#: Every format a table is written in; "ascii" is text on a terminal without Unicode.
FORMATS = ("text", "markdown", "html", "latex", "ascii")


def tables(obj, fmt: str) -> list[tuple[str, list[tuple[str, ...]]]]:
    """The titled tables of obj as `fmt` writes them (ASCII: as render() writes them)."""
    if fmt != "ascii":
        return titled_tables(obj, NOTATIONS[fmt])
    with ascii_only():
        text = render(obj, "text")
    return [(block.splitlines()[0], [tuple(re.split(r"\s+=\s+", line.strip()))
                                     for line in block.splitlines()[1:]])
            for block in text.split("\n\n")]


def written(t, fmt: str) -> str:
    """Everything the three sweeps of t show in `fmt`."""
    with ascii_only(fmt == "ascii"):
        return "\n\n".join(render(x, "text" if fmt == "ascii" else fmt)
                           for x in (t, t.forward(), t.reverse()))


# --- the tutorial's rows -------------------------------------------------------------------

def test_primal_rows_read_as_the_tutorial():
    assert primal_rows(SEED, TEXT) == [
        ("v_−1", "x1", "", "2"),
        ("v_0", "x2", "", "5"),
        ("v_1", "ln v_−1", "ln 2", "0.693"),
        ("v_2", "v_−1 × v_0", "2 × 5", "10"),
        ("v_3", "sin v_0", "sin 5", "−0.959"),
        ("v_4", "v_1 + v_2", "0.693 + 10", "10.693"),
        ("v_5", "v_4 − v_3", "10.693 − (−0.959)", "11.652"),
        ("y", "v_5", "", "11.652"),
    ]


def test_tangent_rows_read_as_the_tutorial():
    assert tangent_rows(SEED.forward(x1=1.0), TEXT) == [
        ("v̇_−1", "ẋ1", "", "1"),
        ("v̇_0", "ẋ2", "", "0"),
        ("v̇_1", "v̇_−1/v_−1", "1/2", "0.5"),
        ("v̇_2", "v̇_−1 × v_0 + v̇_0 × v_−1", "1 × 5 + 0 × 2", "5"),
        ("v̇_3", "v̇_0 × cos v_0", "0 × cos 5", "0"),
        ("v̇_4", "v̇_1 + v̇_2", "0.5 + 5", "5.5"),
        ("v̇_5", "v̇_4 − v̇_3", "5.5 − 0", "5.5"),
        ("ẏ", "v̇_5", "", "5.5"),
    ]


def test_adjoint_rows_accumulate_one_edge_at_a_time():
    rows = adjoint_rows(SEED.reverse(), TEXT)
    assert rows[0] == ("v̄_5", "ȳ", "", "", "1")
    assert rows[2] == ("v̄_3", "v̄_5 ∂v_5/∂v_3", "v̄_5 × (−1)", "1 × (−1)", "−1")
    assert rows[5] == ("v̄_0", "v̄_3 ∂v_3/∂v_0", "v̄_3 × cos v_0", "−1 × cos 5", "−0.284")
    assert rows[7] == ("v̄_0", "v̄_0 + v̄_2 ∂v_2/∂v_0", "v̄_0 + v̄_2 × v_−1",
                       "−0.284 + 1 × 2", "1.716")
    assert rows[8] == ("v̄_−1", "v̄_−1 + v̄_1 ∂v_1/∂v_−1", "v̄_−1 + v̄_1 × 1/v_−1",
                       "5 + 1 × 1/2", "5.5")
    assert gradient_rows(SEED.reverse(), TEXT)[-2:] == [("x̄1", "v̄_−1", "5.5"),
                                                         ("x̄2", "v̄_0", "1.716")]


def test_each_edge_of_a_repeated_argument_shows_its_own_partial():
    """x**x passes v̄_1 back along two edges to v_0: ∂/∂base, then ∂/∂exponent."""
    rows = adjoint_rows(adt.trace("x**x", x=2.0).reverse(), TEXT)
    assert [r[2] for r in rows[1:]] == ["v̄_1 × (v_0 × v_0^(v_0 − 1))",
                                        "v̄_0 + v̄_1 × (v_1 × ln v_0)"]
    assert rows[-1][-1] == number(4 + 4 * math.log(2))


def test_printed_numbers_are_the_float64_ones_rounded():
    for row, value in zip(primal_rows(SEED, TEXT), SEED.values + [SEED.value]):
        assert row[-1] == TEXT.number(value)
        assert math.isclose(float(row[-1].replace("−", "-")), value, abs_tol=5e-4)


@pytest.mark.parametrize("x, text", [(0.6931471805599453, "0.693"), (10.0, "10"),
                                     (5.5, "5.5"), (-0.9589242746631385, "-0.959"),
                                     (1.5e7, "1.5e+07"), (1e-5, "1e-05"), (math.inf, "inf"),
                                     (-math.inf, "-inf"), (math.nan, "nan"), (-0.0, "-0"),
                                     (0.0, "0")])
def test_number(x, text):
    assert number(x) == text


@pytest.mark.parametrize("fmt, x, text", [
    ("text", -0.959, "−0.959"), ("text", 1.5e7, "1.5×10⁷"), ("text", -1e-5, "−10⁻⁵"),
    ("html", 2.5e-8, "2.5×10<sup>−8</sup>"), ("latex", -1.5e7, r"-1.5 \times 10^{7}"),
    ("latex", math.inf, r"\infty"), ("text", -0.0, "−0"), ("latex", -0.0, "-0")])
def test_numbers_in_each_notation(fmt, x, text):
    assert NOTATIONS[fmt].number(x) == text


def test_text_layout_aligns_columns():
    lines = str(SEED).splitlines()
    assert lines[0] == "Forward evaluation trace (primal) at x1 = 2, x2 = 5"
    assert lines[3] == "  v_1  = ln v_−1    = ln 2              = 0.693"
    assert len({line.index(" = ") for line in lines[1:]}) == 1


def test_markdown_escapes_pipes_of_abs():
    md = render(adt.trace("abs(x)", x=-2.0).forward(), "markdown")
    assert r"\|v₀\|" in render(adt.trace("abs(x)", x=-2.0), "markdown")
    assert md.count("\n| ") >= 4 and "v̇₁" in md


def test_html_escapes_operators_but_not_names():
    html = render(adt.trace("relu(x)", x=2.0).forward(), "html")
    assert "[v<sub>0</sub> &gt; 0]" in html


# --- numbers glued together: every primitive, every format ---------------------------------

# A number as each format writes it, without its sign: 0.693, 1.5×10⁷, 10<sup>−8</sup>, …
_MANTISSA = r"\d+(?:\.\d+)?"
NUMBER = {
    "text": rf"(?:(?P<m>{_MANTISSA})×)?10(?P<e>[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)|{_MANTISSA}|inf|nan",
    "html": rf"(?:(?P<m>{_MANTISSA})×)?10<sup>(?P<e>−?\d+)</sup>|{_MANTISSA}|inf|nan",
    "latex": rf"(?:(?P<m>{_MANTISSA}) \\times )?10\^{{(?P<e>-?\d+)}}|{_MANTISSA}|\\infty"
             r"|\\mathrm{nan}",
    "ascii": rf"(?:(?P<m>{_MANTISSA})\*)?10\^(?P<e>-?\d+)|{_MANTISSA}|inf|nan",
}
NUMBER["markdown"] = NUMBER["text"]
# What may stand between two numbers without saying how they combine.
NOTHING_BETWEEN = re.compile(r"(\s|[()\[\]{}|]|\\left|\\right)*")


def magnitude(token: re.Match) -> float:
    """The value a number token writes (without its sign)."""
    text = token[0]
    if text in ("inf", r"\infty"):
        return math.inf
    if text in ("nan", r"\mathrm{nan}"):
        return math.nan
    if token["e"] is None:
        return float(text)
    exponent = int(token["e"].translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹−", "-0123456789-")))
    return float(token["m"] or 1) * 10.0 ** exponent


def latex_fractions_as_quotients(text: str) -> str:
    r"""\frac{a}{b} as (a)/(b), so that the quotient's bar counts as an operator."""
    while (start := text.find(r"\frac{")) >= 0:
        depth, k, braces = 0, start + len(r"\frac"), []
        while len(braces) < 4:
            depth += {"{": 1, "}": -1}.get(text[k], 0)
            if text[k] in "{}" and depth == (1 if text[k] == "{" else 0):
                braces.append(k)
            k += 1
        a, b = text[braces[0] + 1:braces[1]], text[braces[2] + 1:braces[3]]
        text = f"{text[:start]}({a})/({b}){text[braces[3] + 1:]}"
    return text


def known(x: float, numbers: list[float]) -> bool:
    """x is one of the numbers (as rounded to 3 digits), or an infinity or nan among them."""
    if math.isnan(x) or math.isinf(x):
        return any(math.isnan(v) if math.isnan(x) else v == x for v in numbers)
    return any(math.isclose(x, v, rel_tol=5e-3, abs_tol=6e-4) for v in numbers)


def glued(cell: str, fmt: str, numbers: list[float]) -> str | None:
    """What is wrong with the numbers of a cell: two with no operator between them
    (2 1.414, 0.354(1 − 0.354)), or one that is two run together (21.414)."""
    if fmt == "latex":
        cell = latex_fractions_as_quotients(cell)
    tokens = list(re.finditer(NUMBER[fmt], cell))
    for a, b in zip(tokens, tokens[1:]):
        if NOTHING_BETWEEN.fullmatch(cell[a.end():b.start()]):
            return f"{a[0]!r} and {b[0]!r} are glued in {cell!r}"
    for token in tokens:
        if not known(magnitude(token), numbers):
            return f"{token[0]!r} in {cell!r} is no number of the trace"
    return None


AWKWARD = st.sampled_from([2.0, 3.0, 0.5, -0.6, -2.0, 1.5e7, 2.5e-8, -0.0, 0.0, math.inf,
                           -math.inf, math.nan])


@pytest.mark.parametrize("name", [n for n, p in PRIMITIVES.items() if p.elementwise])
@settings(max_examples=40)
@given(x=AWKWARD, c=AWKWARD, shape=st.sampled_from(["nodes", "constant right", "constant left"]))
def test_no_two_numbers_are_glued_in_any_format(name, x, c, shape):
    """Every primitive's rows with numbers substituted, in every format: each number is
    one the trace computed, and an operator stands between any two."""
    p = PRIMITIVES[name]
    if p.arity == 1:
        t = adt.trace(lambda x: apply(p, x), x)
    elif shape == "nodes":
        t = adt.trace(lambda x, y: apply(p, x, y), x, 3.0 if math.isnan(c) else c)
    else:
        t = adt.trace(lambda x: apply(p, *((x, c) if shape == "constant right" else (c, x))), x)
    tangent, adjoint = t.forward(), t.reverse()
    numbers = [abs(v) for v in [*t.values, *tangent.tangents, *adjoint.adjoints,
                                *(s.adjoint for s in adjoint.steps()), 0.0, 1.0, 2.0]]
    numbers += [abs(v - 1) for v in t.values[len(t):]]     # an exponent folded: x^(c − 1)
    for fmt in FORMATS:
        for obj in (t, tangent, adjoint):
            for _, rows in tables(obj, fmt):
                for row in rows:
                    for cell in row[1:]:
                        problem = glued(cell, fmt, numbers)
                        assert problem is None, (fmt, problem)


@pytest.mark.parametrize("text, at, fmt, cell", [
    ("sqrt(x)", {"x": 2.0}, "text", "1 × 1/(2 × 1.414)"),
    ("sqrt(x)", {"x": 2.0}, "latex", r"1 \times \frac{1}{2 \times 1.414}"),
    ("x**2", {"x": 3.0}, "latex", r"1 \times (2 \times 3)"),
    ("sigmoid(x)", {"x": -0.6}, "text", "1 × (0.354 × (1 − 0.354))"),
])
def test_the_reported_products_show_their_sign(text, at, fmt, cell):
    assert cell in written(adt.trace(text, **at), fmt)


def test_the_checker_finds_glued_numbers():
    assert glued("1 × 1/(21.414)", "text", [1.0, 2.0, 1.414])
    assert glued(r"\frac{1}{2 1.414}", "latex", [1.0, 2.0, 1.414])
    assert glued(r"(2 3^{2 - 1})", "latex", [1.0, 2.0, 3.0])
    assert glued("0.354(1 − 0.354)", "text", [1.0, 0.354])
    assert glued(r"\frac{1}{2}", "latex", [1.0, 2.0]) is None


# --- brackets, minus signs, powers ---------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_brackets_are_not_doubled_around_a_negative_number(fmt):
    text = written(adt.trace("sigmoid(x) + abs(x) + relu(x) + sqrt(-x) + ln(-x)", x=-0.6), fmt)
    for doubled in ("((−0.6))", "((-0.6))", "|(−0.6)|", "|(-0.6)|", r"\left|(-0.6)\right|"):
        assert doubled not in text
    assert {"text": "σ(−0.6)", "markdown": "σ(−0.6)", "html": "σ(−0.6)",
            "latex": r"\sigma\left(-0.6\right)", "ascii": "sigmoid(-0.6)"}[fmt] in text


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("expression", ["x - y", "ln(x1) + x1*x2 - sin(x2)", "-x/y - 3",
                                        "x**-2 * exp(-y) - tanh(x - y)"])
def test_one_kind_of_minus_per_format(fmt, expression):
    """− in text, markdown and HTML; "-" in LaTeX (math mode typesets it as a minus) and
    ASCII; never both."""
    at = dict(zip(adt.parse(expression).variables, (-2.0, 5.0)))
    lines = written(adt.trace(expression, **at), fmt).splitlines()
    # what a reader sees: no HTML tags, no markdown rule under the header
    text = "\n".join(re.sub(r"<[^>]*>", "", line) for line in lines if "| --- |" not in line)
    if fmt in ("latex", "ascii"):
        assert "−" not in text and "-" in text
    else:
        assert "-" not in text and "−" in text


def test_one_input_seed_is_written_without_brackets():
    for fmt in FORMATS:
        title = tables(adt.trace("sin(x)", x=1.0).forward(), fmt)[0][0]
        assert "(1)" not in title
    assert "seed ẋ = 1" in str(adt.trace("sin(x)", x=1.0).forward())
    assert "seed ẋ1 = 0, ẋ2 = 1" in str(SEED.forward(x2=1.0))


@pytest.mark.parametrize("text, symbolic, numbers", [
    ("x**2", "v̇_0 × (2 × v_0)", "1 × (2 × 3)"),                # (2 − 1) folded, x¹ is x
    ("x**3", "v̇_0 × (3 × v_0²)", "1 × (3 × 3²)"),
    ("x**-1", "v̇_0 × (−1 × v_0⁻²)", "1 × (−1 × 3⁻²)"),
    ("x**0.5", "v̇_0 × (0.5 × v_0^(−0.5))", "1 × (0.5 × 3^(−0.5))"),
    ("2**x", "v̇_0 × (v_1 × ln 2)", "1 × (8 × ln 2)"),
])
def test_constant_exponents_are_folded_and_integers_written_as_superscripts(text, symbolic,
                                                                           numbers):
    row = tangent_rows(adt.trace(text, x=3.0).forward(), TEXT)[1]
    assert row[1:3] == (symbolic, numbers)
    assert "^2" not in str(adt.trace("x**2", x=3.0)) and "v_0²" in str(adt.trace("x**2", x=3.0))


def test_an_exponent_that_is_a_node_is_not_folded():
    row = tangent_rows(adt.trace("x**y", x=2.0, y=3.0).forward(), TEXT)[2]
    assert row[2] == "1 × (3 × 2^(3 − 1)) + 0 × (8 × ln 2)"


def test_negative_zero_keeps_its_sign():
    t = adt.trace("1/x", x=-0.0)
    assert primal_rows(t, TEXT)[0] == ("v_0", "x", "", "−0")
    assert primal_rows(t, TEXT)[1][2:] == ("1/(−0)", "−inf")
    assert "at x = −0" in str(t) and "$x = -0$" in render(t, "latex")


# --- the output's name ---------------------------------------------------------------------

@pytest.mark.parametrize("inputs, name", [(("x",), "y"), (("y",), "f"), (("x", "y"), "f"),
                                          (("f", "y"), "g"), (("y", "f", "g", "h"), "f1"),
                                          (("f",), "y")])
def test_output_name_is_free(inputs, name):
    assert output_name(inputs) == name


@pytest.mark.parametrize("text, at", [("x**y", {"x": 2.0, "y": 3.0}),
                                      ("sqrt(x) + x/y", {"x": 1.0, "y": 2.0}),
                                      ("f*y", {"f": 2.0, "y": 3.0}),
                                      ("y*f*g - h", {"y": 1.0, "f": 2.0, "g": 3.0, "h": 4.0}),
                                      ("f + 1", {"f": 2.0})])
@pytest.mark.parametrize("fmt", FORMATS)
def test_the_output_never_shares_a_name_with_an_input(text, at, fmt):
    """Each left-hand side names one thing: an input's x, ẋ, x̄ never stands for the output."""
    t = adt.trace(text, **at)
    output = output_name(at)
    nt = NOTATIONS["text" if fmt == "ascii" else fmt]
    for accent, obj in (("", t), ("dot", t.forward()), ("bar", t.reverse())):
        names = [row[0] for _, rows in tables(obj, fmt) for row in rows]
        out = nt.variable(output, accent)
        mine = [nt.variable(x, accent) for x in at]
        if fmt == "ascii":
            out, mine = adt.tables.to_ascii(out), [adt.tables.to_ascii(x) for x in mine]
        if accent == "bar":               # the output's adjoint is the seed, on the right
            assert f"seed {out if fmt != 'latex' else '$' + out} = 1" in tables(obj, fmt)[0][0]
        else:
            assert names.count(out) == 1
        assert out not in mine


def test_json_names_the_output():
    t = adt.trace("x*y", x=2.0, y=3.0)
    data = to_json(t, t.forward(), t.reverse())
    assert data["output"] == "f" and data["adjoint"]["steps"][0]["source"] == "f"
    assert to_json(SEED, adjoint=SEED.reverse())["adjoint"]["steps"][0]["source"] == "y"


# --- LaTeX -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name, written_", [("x", "x"), ("x1", "x_{1}"), ("x_1", "x_{1}"),
                                            ("_", r"\mathrm{\_}"), ("_1", r"\mathrm{\_}_{1}"),
                                            ("X", "X"), ("rate", r"\mathrm{rate}"),
                                            ("a_b2", r"\mathrm{a\_b}_{2}"),
                                            ("alpha", r"\alpha"), ("Xy_", r"\mathrm{Xy\_}")])
def test_latex_names(name, written_):
    assert NOTATIONS["latex"].variable(name) == written_


def test_latex_tables_have_visible_titles_and_fit_the_text():
    out = written(SEED, "latex")
    assert "%" not in out
    assert out.count(r"\paragraph{") == 4 and r"\paragraph{Reverse adjoint trace, seed $\bar{y} = 1$}" in out
    assert out.count(r"\begin{tabularx}{\linewidth}") == 3      # the tables of formulas
    assert out.count(r"\begin{tabular}{@{}lll@{}}") == 1        # the adjoints, short
    assert "{\\small\n\\begin{tabularx}" in out            # the adjoint table, five columns


LATEX_DOCUMENT = ("\\documentclass{article}\\usepackage{amsmath,tabularx}"
                  "\\begin{document}\n%s\n\\end{document}\n")


@pytest.mark.skipif(not shutil.which("pdflatex"), reason="pdflatex not installed")
@pytest.mark.parametrize("text", [
    "ln(x1) + x1*x2 - sin(x2)",
    "abs(x)/sqrt(y) + x**y - relu(-x)",
    "sigmoid(x) * tanh(x) + tan(x) - exp(-x) + cos(x)",
    # a long expression: long sums in the tangent rows, long products in the adjoint rows
    "sigmoid(x*y - z) * tanh(x/y + z**2) + sqrt(abs(x*y*z)) / (1 + exp(-x*z)) - ln(1 + y**2)",
    "_ * x_1 + X2 / alpha + rate**Y",
])
def test_latex_compiles_within_the_text_width(tmp_path, text):
    variables = adt.parse(text).variables
    t = adt.trace(text, **dict(zip(variables, (1.5, -0.75, 2.25, 0.5, 3.0, 1.25))))
    (tmp_path / "t.tex").write_text(LATEX_DOCUMENT % written(t, "latex"))
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
    log = (tmp_path / "t.log").read_text(errors="replace")
    assert "Overfull \\hbox" not in log, re.findall(r"Overfull \\hbox.*\n.*", log)


# --- ASCII -----------------------------------------------------------------------------------

def test_ascii_tables_are_ascii_and_read_as_the_notation():
    t = adt.trace("x**2 * sigmoid(y) - sqrt(x)/y", x=2.0, y=-0.5)
    with ascii_only():
        text = "\n".join(render(x, fmt) for x in (t, t.forward(), t.reverse())
                         for fmt in ("text", "markdown", "latex"))
        data = adt.tables.dumps(to_json(t, t.forward(), t.reverse()))
    assert text.isascii() and data.isascii()
    for piece in ("v_-1 = x", "vdot_-1 = xdot", "vbar_0  = vbar_5 dv_5/dv_0", "v_-1^2",
                  "sigmoid(v_0)", "sqrt v_-1", "vbar_5 * (-v_3/v_0^2)", "seed fbar = 1",
                  "xbar    = vbar_-1", r"\bar{v}_{-1}"):
        assert piece in text, piece
    assert not render(t, "text").isascii() and "v_−1" in render(t, "text")   # outside it


def test_to_ascii_spells_out_every_symbol_the_tables_use():
    from ad_tutorial.notation import to_ascii
    assert to_ascii("v̇_−1 = ẋ1, ∂y/∂x = 2 × v_0² + 10⁻⁵ − √v₋₁ · σ(x) → ∇y") == (
        "vdot_-1 = xdot1, dy/dx = 2 * v_0^2 + 10^-5 - sqrt v_-1 * sigmoid(x) -> grad y")
    assert to_ascii("x̄1 ȳ …") == "xbar1 ybar ..."


# --- JSON ------------------------------------------------------------------------------------

def test_json_follows_the_schema():
    t = SEED
    data = json.loads(json.dumps(to_json(t, t.forward(), t.reverse())))
    assert data["expression"] == "ln(x1) + x1*x2 - sin(x2)"
    assert data["inputs"] == {"x1": 2.0, "x2": 5.0} and data["value"] == t.value
    assert data["output"] == "y"
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
    assert '"x": -0.0' in adt.tables.dumps(to_json(adt.trace("1/x", x=-0.0)))
