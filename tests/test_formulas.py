"""The partials as formulas: each says what its primitive computes, folds what is constant,
and is written with the parentheses it needs."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ad_tutorial.formulas import (Apply, Name, Num, apply, chain, fill, negative, parse, times,
                                  total)
from ad_tutorial.notation import NOTATIONS
from ad_tutorial.primitives import PRIMITIVES

#: The primitives with local partials (the others, sum, @ …, have JVP and VJP rules).
ELEMENTWISE = [name for name, p in PRIMITIVES.items() if p.elementwise]

TEXT, LATEX = NOTATIONS["text"], NOTATIONS["latex"]


def evaluate(f, values: dict[str, float]) -> float:
    """A formula's value: the primitives' own values, sign, and [a > b] as 1 or 0."""
    if isinstance(f, Num):
        return f.value
    if isinstance(f, Name):
        return values[f.text]
    args = [evaluate(a, values) for a in f.args]
    if f.op == "sign":
        return float((args[0] > 0) - (args[0] < 0))
    if f.op == "gt":
        return float(args[0] > args[1])
    return PRIMITIVES[f.op].value(*args)


def names(f) -> set[str]:
    if isinstance(f, Name):
        return {f.text}
    return set().union(*map(names, f.args)) if isinstance(f, Apply) else set()


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_each_partial_is_one_formula_over_the_arguments_and_out(name):
    p = PRIMITIVES[name]
    assert len(p.partial_formulas) == p.arity
    allowed = {"x", "out"} if p.arity == 1 else {"x", "y", "out"}
    for text in p.partial_formulas:
        assert names(parse(text)) <= allowed, text


@pytest.mark.parametrize("name", ELEMENTWISE)
@given(st.floats(0.25, 3.0), st.floats(0.25, 3.0), st.booleans())
def test_the_written_partials_are_the_computed_ones(name, a, b, flip):
    """What the tables write for a partial is what the sweeps multiply by."""
    p = PRIMITIVES[name]
    args = (a, b)[:p.arity] if not flip else (-a, b)[:p.arity]
    out = p.value(*args)
    computed = p.partials(*args, out)
    values = dict(zip("xy", args), out=out)
    for formula, number in zip(p.partial_formulas, computed):
        written = evaluate(parse(formula), values)
        assert math.isclose(written, number, rel_tol=1e-12) or (
            math.isnan(written) and math.isnan(number)), (name, formula, args)


def test_constants_fold_and_values_do_not():
    pow_dx = parse(PRIMITIVES["pow"].partial_formulas[0])           # y * x**(y - 1)
    x = Name("v_0")
    assert fill(pow_dx, {"x": x, "y": Num(2.0)}) == Apply("mul", (Num(2.0), x))
    assert fill(pow_dx, {"x": x, "y": Num(3.0)}) == Apply(
        "mul", (Num(3.0), Apply("pow", (x, Num(2.0)))))
    shown = fill(pow_dx, {"x": Num(3.0, constant=False), "y": Num(2.0, constant=False)})
    assert TEXT.formula(shown) == "2 × 3^(2 − 1)"
    assert apply("neg", Num(1.0)) == Num(-1.0) and apply("ln", Num(2.0)) == Apply(
        "ln", (Num(2.0),))


@pytest.mark.parametrize("formula, text, latex", [
    (Apply("sub", (Num(10.693, False), Num(-0.959, False))), "10.693 − (−0.959)",
     "10.693 - (-0.959)"),
    (Apply("mul", (Num(-1.0, False), Name("c"))), "−1 × c", r"-1 \times c"),
    (Apply("add", (Num(5.0, False), Apply("mul", (Num(-1.0, False), Name("c"))))),
     "5 + (−1) × c", r"5 + (-1) \times c"),
    (parse("1/(2*out)"), "1/(2 × out)", r"\frac{1}{2 \times out}"),
    (parse("-x/y**2"), "−x/y²", r"-\frac{x}{y^{2}}"),
    (parse("out * (1 - out)"), "out × (1 − out)", r"out \times (1 - out)"),
    (Apply("sigmoid", (Num(-0.6, False),)), "σ(−0.6)", r"\sigma\left(-0.6\right)"),
    (Apply("abs", (Num(-0.6, False),)), "|−0.6|", r"\left|-0.6\right|"),
    (Apply("sqrt", (Num(-2.0, False),)), "√(−2)", r"\sqrt{-2}"),
    (Apply("ln", (Num(-2.0, False),)), "ln (−2)", r"\ln (-2)"),
    (Apply("pow", (Num(-2.0, False), Num(2.0))), "(−2)²", "(-2)^{2}"),
    (Apply("pow", (Num(1.5e7, False), Num(-3.0))), "(1.5×10⁷)⁻³",
     r"(1.5 \times 10^{7})^{-3}"),
    (Apply("neg", (Apply("add", (Name("a"), Name("b"))),)), "−(a + b)", "-(a + b)"),
    (parse("x > 0"), "[x > 0]", "[x > 0]"),
])
def test_parentheses_where_needed_and_nowhere_else(formula, text, latex):
    assert TEXT.formula(formula) == text and LATEX.formula(formula) == latex


def test_the_rows_algebra():
    v, d = Name("v̇"), Name("d")
    assert chain(v, Num(1.0)) is v and chain(v, Num(-1.0)) == Apply("neg", (v,))
    assert TEXT.formula(chain(v, Apply("div", (Num(1.0), d)))) == "v̇/d"
    assert TEXT.formula(times(v, parse("-x/y**2"))) == "v̇ × (−x/y²)"
    assert TEXT.formula(times(v, parse("y * x"))) == "v̇ × (y × x)"
    assert TEXT.formula(total([v, Apply("neg", (d,)), Num(2.0)])) == "v̇ − d + 2"
    assert negative(Num(-0.0)) and not negative(Num(math.nan)) and negative(parse("-x/y"))


# --- the array rules: JVP and VJP of the primitives that move or combine elements -----------

#: What an array rule may be written over (see Primitive): arguments, tangents, the adjoint,
#: shapes, the count a mean divides by, the argument's position, and parameters.
RULE_NAMES = {"x", "y", "out", "dx", "dy", "*dxs", "g", "shape_x", "shape_y", "n", "k"}
MOVING = [name for name, p in PRIMITIVES.items() if not p.elementwise]


@pytest.mark.parametrize("name", MOVING)
def test_each_array_rule_is_one_formula_over_the_documented_names(name):
    p = PRIMITIVES[name]
    assert p.jvp_formula and len(p.vjp_formulas) == (p.arity or 1)
    for text in (p.jvp_formula, *p.vjp_formulas):
        assert names(parse(text)) <= RULE_NAMES | set(p.parameters), text


def test_a_missing_tangent_drops_out_of_a_linear_rule():
    from ad_tutorial.formulas import NO_TANGENT, Param

    jvp = parse(PRIMITIVES["matmul"].jvp_formula)
    filled = fill(jvp, {"x": Name("A"), "y": Name("B"), "dx": Name("Ȧ"), "dy": NO_TANGENT})
    assert TEXT.formula(filled) == "Ȧ @ B"
    summed = fill(parse(PRIMITIVES["sum"].jvp_formula),
                  {"dx": NO_TANGENT, "axis": Param("axis", 0)})
    assert summed is NO_TANGENT
    stacked = fill(parse("stack(*dxs)"), {"dxs": (Name("ẋ"), NO_TANGENT)})
    assert TEXT.formula(stacked) == "stack(ẋ, 0)"
