"""The safe parser: what it accepts, what it refuses, and where it says the problem is."""

from __future__ import annotations

import ast
import math
import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ad_tutorial import Expression, ExpressionError, parse, trace
from ad_tutorial.expression import LIMITS, ExpressionLimits, measure, unparse
from ad_tutorial.primitives import FUNCTIONS, PRIMITIVES

from .strategies import expressions


def test_seed_expression_becomes_five_steps_in_python_order():
    e = parse("ln(x1) + x1*x2 - sin(x2)")
    assert e.variables == ("x1", "x2")
    assert [p.name for p, _, _ in e.steps] == ["ln", "mul", "add", "sin", "sub"]
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
    p, (c, x), parameters = e.steps[0]
    assert p is PRIMITIVES["mul"] and c == 2 * math.pi and x == "x" and parameters == ()


@pytest.mark.parametrize("text, message, column", [
    ("ln(x1", "never closed", 3),
    ("foo(x)", "unknown function 'foo'", 1),
    ("x + foo(x)", "unknown function 'foo'", 5),
    ("x.real", "attribute access", 1),
    ("x[y]", "whole numbers", 3),
    ("x[0.5]", "whole numbers", 3),
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


# --- the text: one line of plain ASCII, no comments, no strings --------------------------

REFUSED = [text for text, _, _ in test_refusals_name_the_problem_and_its_column.pytestmark[0]
           .args[1]]


@pytest.mark.parametrize("text", REFUSED)
def test_leading_spaces_move_the_column_with_the_text(text):
    """The column counts in the text as given: spaces in front move it by as many."""
    with pytest.raises(ExpressionError) as plain:
        parse(text)
    with pytest.raises(ExpressionError) as spaced:
        parse("   " + text)
    assert spaced.value.message == plain.value.message
    assert spaced.value.column == plain.value.column + 3


def _lookalikes() -> dict[str, str]:
    """Every character Python takes into a name and reads as an ASCII one (NFKC)."""
    found = {}
    for ch in map(chr, range(0x80, sys.maxunicode + 1)):
        read = unicodedata.normalize("NFKC", ch)
        if len(read) == 1 and read.isascii() and ("x" + ch).isidentifier():
            found[ch] = read
    return found


LOOKALIKES = _lookalikes()


def test_every_lookalike_of_an_ascii_name_is_refused_at_its_column():
    assert len(LOOKALIKES) > 500 and {"ｘ", "𝐬", "𝑥", "ℯ", "ⅰ", "𝟏"} <= set(LOOKALIKES)
    for ch, read in LOOKALIKES.items():
        for text, column in [(ch, 1), (f"2*{ch}", 3), (f" sin(x{ch})", 7)]:
            with pytest.raises(ExpressionError) as info:
                parse(text)
            assert info.value.column == column, (text, info.value)
            assert f"U+{ord(ch):04X}" in info.value.message
            assert "not plain ASCII" in info.value.message
        assert f"Python would read 'x{ch}' as 'x{read}'; write x{read}" in info.value.message


@given(expressions(), st.data())
def test_any_non_ascii_character_is_refused_at_its_column(text, data):
    k = data.draw(st.integers(0, len(text)))
    ch = data.draw(st.characters(min_codepoint=0x80))
    spaces = data.draw(st.sampled_from(["", " ", "   "]))
    with pytest.raises(ExpressionError) as info:
        parse(spaces + text[:k] + ch + text[k:])
    column = len(spaces) + k + 1
    assert info.value.column == column
    assert "printable" in info.value.message if not ch.isprintable() else \
        "not plain ASCII" in info.value.message


@given(expressions(), st.text(max_size=20), st.sampled_from(["#", " #", "  # "]))
def test_any_comment_is_refused_at_its_hash(text, comment, hash_):
    with pytest.raises(ExpressionError) as info:
        parse(text + hash_ + comment)
    assert info.value.column == len(text) + hash_.index("#") + 1
    assert "comments" in info.value.message or "printable" in info.value.message


@given(st.text(max_size=60))
def test_whatever_is_accepted_is_plain_ascii_without_comments_or_strings(text):
    try:
        parse(text)
    except ExpressionError:
        return
    assert text.isascii() and text.isprintable() and not set("#'\"") & set(text)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("arguments, column", [("*x", 1), ("x, *y", 4), ("**x", 1),
                                               ("*[x]", 1), ("*x, *y", 1)])
def test_unpacking_into_any_function_says_so(name, arguments, column):
    with pytest.raises(ExpressionError) as info:
        parse(f"{name}({arguments})")
    assert "unpacking not allowed" in info.value.message
    takes = "1 argument" if FUNCTIONS[name].elementwise else ""
    assert f"{name}() takes {takes}" in info.value.message and "got" not in str(info.value)
    assert info.value.column == len(name) + 1 + column


# --- the limits: the project's own, the same on every Python ------------------------------

def python_depth(tree: ast.Expression) -> int:
    """How many nodes of Python's syntax tree lie around the deepest operand (no recursion)."""
    deepest, stack = 0, [(tree.body, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node)
                     if not isinstance(child, (ast.expr_context, ast.operator, ast.unaryop,
                                               ast.cmpop, ast.boolop)))
    return deepest


def python_like() -> st.SearchStrategy[str]:
    """Random Python expressions of every kind, not only the ones we accept."""
    leaves = st.sampled_from(["x", "y", "1", "2.5", "0x1f", "1e-3", "3j", "True", "None", "pi"])

    def extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        forms = ["{a} + {b}", "{a} * {b}", "{a} ** {b}", "{a} ** -{b}", "-{a} ** {b}",
                 "{a} // {b}", "{a} @ {b}", "{a} << {b}", "{a} & {b} | {a} ^ {b}", "-{a}",
                 "~{a}", "not {a}", "({a})", "({a}, {b})", "[{a}, {b}]", "{{{a}: {b}}}",
                 "{{{a}}}", "sin({a})", "f({a}, {b})", "f({a})({b})", "{a}.real", "x[{a}]",
                 "x[{a}, {b}]", "x[{a}:{b}]", "lambda q: {a}", "lambda q={a}: {b}",
                 "{a} if {b} else {a}", "{a} < {b} <= {a}", "{a} and {b} or {a}",
                 "f(k={a})", "f(*{a}, **{b})", "(q := {a})", "[{a} for q in {b} if {a}]",
                 "f({a} for q in {b})", "{a}, {b}", "{a} is not {b}", "{a} not in {b}",
                 "()", "[]", "x[::{a}]", "await {a}"]
        return st.builds(lambda form, a, b: form.format(a=a, b=b), st.sampled_from(forms),
                         children, children)

    return st.recursive(leaves, extend, max_leaves=40)


@given(python_like())
def test_the_measured_depth_is_never_less_than_pythons(text):
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return
    assert python_depth(tree) <= measure(text).depth


@given(expressions(max_leaves=30))
def test_the_depth_of_arithmetic_is_exactly_pythons(text):
    assert measure(text).depth == python_depth(ast.parse(text, mode="eval"))


def at_most(limits: ExpressionLimits = LIMITS) -> dict[str, str]:
    """Texts as deep as the limits allow, each built the way Python's parser likes least:
    unary chains, ** chains (right to left), long chains of + (left to right), brackets
    that each cost CPython's parser ~30 levels, and keywords that cost it more."""
    b, d = limits.brackets, limits.depth
    return {
        "unary minus": "-" * d + "x",
        "unary plus": "+" * d + "x",
        "invert": "~" * d + "x",
        "not": "not " * d + "x",
        "power": "x**" * d + "x",
        "power of minus": "x**-" * (d // 2) + "x",
        "sum": "+".join(["x"] * (d + 1)),
        "product": "*".join(["x"] * (d + 1)),
        "difference of negatives": "x" + "--x" * (d - 1),
        "attributes": "x" + ".a" * d,
        "brackets": "(" * b + "x" + ")" * b,
        "calls": "sin(" * b + "x" + ")" * b,
        "lists": "[" * b + "x" + "]" * b,
        "power of brackets": "x**(" * b + "x" + ")" * b,
        "brackets around powers of minus": "x**(" * b + "x**-" * ((d - b) // 2) + "x" + ")" * b,
        "calls around a sum": "sin(" * b + "+".join(["x"] * (d - b + 1)) + ")" * b,
        "lambda defaults": "lambda a=" * (d // 3) + "0" + ": 0" * (d // 3),
        "conditionals": "x if x else " * (d // 2) + "x",
    }


@pytest.mark.parametrize("family", list(at_most()))
def test_at_the_limits_pythons_parser_never_gives_up(family):
    """Every text the limits let through parses with this Python's own parser: its limits
    (which differ from version to version) are never the ones reached."""
    text = at_most()[family]
    size = measure(text)
    LIMITS.check(size)
    assert size.depth >= LIMITS.depth - 2 or size.brackets == LIMITS.brackets
    ast.parse(text, mode="eval")                    # no SyntaxError, RecursionError …
    try:
        parse(text)
    except ExpressionError as e:                     # the whitelist may refuse it, not size
        assert "nested" not in e.message and "at most" not in e.message, e


@pytest.mark.parametrize("text, message", [
    ("-" * 501 + "x", "column 502: operations are nested 501 deep around this operand (a + b "
                      "+ c is (a + b) + c, two deep); at most 500 are allowed"),
    ("x" + "+x" * 501, "column 1: operations are nested 501 deep around this operand"),
    ("x**" * 501 + "x", "column 1501: operations are nested 501 deep"),
    ("sin(" * 51 + "x" + ")" * 51, "column 204: brackets are nested 51 deep; at most 50 are "
                                   "allowed"),
    ("(" * 300 + "x" + ")" * 300, "column 300: brackets are nested 300 deep"),
    ("[" * 300, "column 300: brackets are nested 300 deep"),
    ("-" * 9_000 + "x", "column 9001: operations are nested 9000 deep"),
    ("x" * 10_001, "the expression is 10,001 characters long; at most 10,000 are allowed"),
    ("+".join(["(x+x+x+x)"] * 300), "the expression has 2,399 numbers, names and operators; "
                                    "at most 2,000 are allowed"),
    ("lambda: " * 251 + "x", "column 2009: operations are nested 502 deep"),
])
def test_beyond_the_limits_the_same_message_on_every_python(text, message):
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert message in str(info.value)


@pytest.mark.parametrize("text", ["-" * 500 + "x", "x" + "+x" * 500, "x**" * 500 + "x",
                                  "sin(-" * 50 + "x" + ")" * 50,
                                  "sin(" * 50 + "x" + "+x" * 450 + ")" * 50])
def test_no_walk_recurses_at_the_deepest_accepted_expression(text):
    """Parsing, recording, both sweeps, the textbook numbering, unparsing, the tables, the
    graphs and the JSON all finish with only a few frames of Python's stack to spare."""
    tables = pytest.importorskip("ad_tutorial.tables")
    expression = parse(text)         # (3.11's parser counts Python's frames: parse first)
    depth = len(_frames())
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 60)              # a recursive walk would need 500 more
    try:
        t = trace(expression, x=1.0)
        tangent, adjoint = t.forward(), t.reverse()
        t.evaluate(x=0.5)
        assert t.output == len(t) - 1 and t.name(t.output) == f"v_{len(t) - 1}"
        texts = [unparse(t)] + [tables.render(r, fmt) for r in (t, tangent, adjoint)
                                for fmt in ("text", "markdown", "latex", "html")]
        texts.append(tables.dumps(tables.to_json(t, tangent, adjoint)))
    finally:
        sys.setrecursionlimit(old)
    assert all(texts) and adjoint.gradient["x"] == pytest.approx(tangent.derivative, rel=1e-9)


@pytest.mark.parametrize("text", ["-" * 500 + "x", "sin(" * 50 + "x" + "+x" * 450 + ")" * 50])
def test_graphs_are_written_for_the_deepest_accepted_expression(text):
    """The graphviz source of both graphs (dot's own time is the graph commands' node
    limit, not a matter of depth)."""
    graphs = pytest.importorskip("ad_tutorial.graphs")
    pytest.importorskip("graphviz")
    t = trace(parse(text), x=1.0)
    depth = len(_frames())
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 60)
    try:
        sources = [graphs.forward_graph(t.forward(), annotate=True).source,
                   graphs.adjoint_graph(t.reverse(), annotate=True).source]
    finally:
        sys.setrecursionlimit(old)
    assert all(s.count("->") >= len(t) - 1 for s in sources)


def _frames() -> list[object]:
    frame, frames = sys._getframe(), []
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    return frames


# --- numbers keep their text and column ---------------------------------------------------

@given(st.lists(st.sampled_from(["3", "1e300", "1_000", "0x1F", ".5", "5.", "2.5e-3", "0o17",
                                 "0b101", "1000000001"]), min_size=1, max_size=5),
       st.sampled_from(["", " ", "  "]))
def test_every_literal_keeps_its_text_and_column(literals, spaces):
    text = spaces + " + ".join(f"{n}*x" for n in literals)
    written = [n for n in parse(text).numbers if n.literal]
    assert [n.text for n in written] == literals
    for n in written:
        assert text[n.column - 1:n.column - 1 + len(n.text)] == n.text
        assert n.value == float(eval(n.text))      # our own literals, not a user's


@pytest.mark.parametrize("text, numbers", [
    ("2*pi*x", [("2", 1, True), ("pi", 3, False), ("2*pi", 1, False)]),
    ("x*(1e300/1e300)", [("1e300", 4, True), ("1e300", 10, True), ("1e300/1e300", 4, False)]),
    (" -3*x", [("3", 3, True), ("-3", 2, False)]),
    ("x**(1 + 1)", [("1", 5, True), ("1", 9, True), ("1 + 1", 5, False)]),
    ("sin(x)*e", [("e", 8, False)]),
])
def test_numbers_worked_out_while_parsing_keep_the_text_they_came_from(text, numbers):
    assert [(n.text, n.column, n.literal) for n in parse(text).numbers] == numbers
