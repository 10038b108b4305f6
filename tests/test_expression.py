"""The safe parser: what it accepts, what it refuses, and where it says the problem is."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ad_tutorial import Expression, ExpressionError, parse
from ad_tutorial.primitives import PRIMITIVES

from .strategies import expressions


def test_seed_expression_becomes_five_steps_in_python_order():
    e = parse("ln(x1) + x1*x2 - sin(x2)")
    assert e.variables == ("x1", "x2")
    assert [p.name for p, _ in e.steps] == ["ln", "mul", "add", "sin", "sub"]
    assert e(x1=2.0, x2=5.0) == math.log(2) + 10 - math.sin(5)


@pytest.mark.parametrize("text, value", [
    ("2*pi*x", 2 * math.pi * 3),      # constants fold: one node
    ("-x + +x", 0.0),
    ("x**2**0.5", 3 ** (2 ** 0.5)),   # ** is right-associative
    ("-x**2", -9.0),
    ("log(e**x)", 3.0),
    ("x/4", 0.75),
    ("relu(x - 5) + abs(-x)", 3.0),
])
def test_evaluates_like_python(text, value):
    assert math.isclose(parse(text)(x=3.0), value, rel_tol=1e-15)


def test_huge_powers_fold_to_inf_without_big_integer_arithmetic():
    e = parse("10**400000000 * x")            # Python ints would take minutes
    assert e.steps[0][1][0] == math.inf


def test_constants_fold_into_the_operation_that_uses_them():
    e = parse("2*pi*x")
    assert len(e.steps) == 1
    p, (c, x) = e.steps[0]
    assert p is PRIMITIVES["mul"] and c == 2 * math.pi and x == "x"


@pytest.mark.parametrize("text, message, column", [
    ("ln(x1", "never closed", 3),
    ("foo(x)", "unknown function 'foo'", 1),
    ("x + foo(x)", "unknown function 'foo'", 5),
    ("x.real", "attribute access", 1),
    ("x[0]", "subscripts", 1),
    ("lambda: 1", "lambda", 1),
    ("sin(x, y)", "takes 1 argument, got 2", 1),
    ("sin()", "takes 1 argument, got 0", 1),
    ("sin(x=1)", "keyword", 5),
    ("x^2", "write powers as x**2", 1),
    ("x % 2", "%", 1),
    ("x < 2", "comparisons", 1),
    ("'a' + x", "strings", 1),
    ('x + f"{x}"', "strings", 6),
    ("x + b'1'", "strings", 6),
    ("...", "ellipsis constant", 1),
    ("True * x", "bool constant", 1),
    ("1j * x", "complex constant", 1),
    ("x + 1e999", "too large", 5),
    ("sin", "is a function", 1),
    ("sin + x", "is a function", 1),
    ("x.__class__.__bases__", "attribute access", 1),
    ("__import__('os').system('ls')", "strings", 12),
    ("__import__(os).system(ls)", "only named functions", 1),
    ("[x]", "lists", 1),
    ("x if x else y", "'if' expressions", 1),
    ("not x", "'not'", 1),
    ("x + foo(y)", "unknown function 'foo'", 5),
    ("sin(*x)", "'*' unpacking not allowed: sin() takes 1 argument", 5),
    ("sin(x, *y)", "'*' unpacking not allowed", 8),
    ("sin(**x)", "'**' unpacking not allowed", 5),
    ("x # anything", "comments ('#') not allowed", 3),
    ("x#", "comments", 2),
    ("𝐬𝐢𝐧(x)", "Python would read '𝐬𝐢𝐧' as 'sin'; write sin", 1),
    ("ｘ + 1", "(U+FF58 FULLWIDTH LATIN SMALL LETTER X) is not plain ASCII", 1),
    ("2*ｘ", "Python would read 'ｘ' as 'x'", 3),
    ("é + sin(x)", "names are ASCII letters, digits and _", 1),
    ("x − 1", "(U+2212 MINUS SIGN) is not plain ASCII: write -", 3),
    ("2π*x", "write pi", 2),
])
def test_refusals_name_the_problem_and_its_column(text, message, column):
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert message in str(info.value)
    assert info.value.column == column


@pytest.mark.parametrize("text", ["", "   ", "x\ny", "x" * 20_000, "(" * 300 + "x" + ")" * 300,
                                  "+".join(["x"] * 100_000)[:9_999], "-" * 9_000 + "x"])
def test_hostile_input_is_refused_or_parsed_without_crashing(text):
    try:
        assert isinstance(parse(text), Expression)
    except ExpressionError:
        pass


def test_absurd_nesting_is_a_clear_error():
    with pytest.raises(ExpressionError, match="nested|too long|syntax"):
        parse("-" * 9_000 + "x")


@given(st.text(max_size=60))
def test_random_text_gives_an_expression_or_expression_error(text):
    try:
        parse(text)
    except ExpressionError:
        pass


@given(expressions(), st.data())
def test_mangled_expressions_give_only_expression_error(text, data):
    k = data.draw(st.integers(0, len(text) - 1))
    junk = data.draw(st.sampled_from(["", "(", ")", ",", "*", ".", "[", "'", "sin", "=", "\\"]))
    try:
        parse(text[:k] + junk + text[k + 1:])
    except ExpressionError:
        pass


@given(expressions())
def test_generated_expressions_parse(text):
    assert parse(text).variables
