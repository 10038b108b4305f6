"""The point as typed: numbers and arrays written as nested lists, read without eval."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from ad_tutorial.usage import MAX_DIMENSIONS, MAX_ELEMENTS, UsageError, parse_point


def written(a: np.ndarray, separator: str = ",") -> str:
    """An array as a user types it: [[1,2],[3,4]], each number by repr (nan, inf, -0.0)."""
    if a.ndim == 0:
        return repr(float(a))
    return "[" + separator.join(written(b, separator) for b in a) + "]"


FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=64)


@given(arrays(np.float64, array_shapes(min_dims=1, max_dims=4, max_side=4), elements=FLOATS),
       st.sampled_from([",", ", ", " , "]))
def test_an_array_reads_back_as_written(a, separator):
    value = parse_point([f"x={written(a, separator)}"], "--at")["x"]
    back = np.array(value, dtype=np.float64)
    assert back.shape == a.shape
    assert np.array_equal(back, a, equal_nan=True)
    numbers = ~np.isnan(a)                          # nan is written without a sign
    assert np.array_equal(np.signbit(back[numbers]), np.signbit(a[numbers]))   # -0 stays -0


@pytest.mark.parametrize("text, expected", [
    ("2", 2.0), ("-0", -0.0), ("nan", math.nan), ("-inf", -math.inf), ("1e-310", 1e-310),
    ("[0,1,2,3,4]", [0.0, 1.0, 2.0, 3.0, 4.0]), ("[[1,2],[3,4]]", [[1.0, 2.0], [3.0, 4.0]]),
    ("[ nan , -0 ]", [math.nan, -0.0]), ("[[[7]]]", [[[7.0]]]),
])
def test_numbers_are_read_as_float_reads_them(text, expected):
    value = parse_point([f"x={text}"], "--at")["x"]
    assert np.array_equal(np.array(value), np.array(expected), equal_nan=True)
    assert np.array_equal(np.signbit(value), np.signbit(expected))
    assert type(value) is type(expected)


def test_the_order_given_is_kept_and_an_array_split_by_the_shell_is_joined_again():
    point = parse_point(["W=[[1,", "2],", "[3,", "4]]", "x=[1,", "-1]", "b=2"], "--at")
    assert list(point) == ["W", "x", "b"]
    assert point == {"W": [[1.0, 2.0], [3.0, 4.0]], "x": [1.0, -1.0], "b": 2.0}


@pytest.mark.parametrize("item, message", [
    ("x=[[1,2],[3]]", "--at x: the array is ragged: one list holds entries of shapes (2,) and (1,)"),
    ("x=[[1],2]", "--at x: the array is ragged: one list holds entries of shapes (1,) and ()"),
    ("x=[]", "--at x: the array [] is empty"),
    ("x=[[],[]]", "--at x: the array [[],[]] is empty"),
    ("x=[1,a]", "--at x: 'a' is not a number"),
    ("x=[1,'2']", "--at x: \"'2'\" is not a number"),
    ("x=[1 2]", "--at x: a comma is missing between '1' and '2'"),
    ("x=[1,,2]", "--at x: an entry is missing between commas"),
    ("x=[,1]", "--at x: a list starts with a comma"),
    ("x=[1,]", "--at x: an entry is missing before ']'"),
    ("x=[1,2", "--at x: '[' is never closed"),
    ("x=1,2]", "--at x: '1' outside the brackets"),
    ("x=[1][2]", "--at x: '[' after the end of the array"),
    ("x=[1]2", "--at x: '2' after the end of the array"),
    ("x=[[1]2]", "--at x: a comma is missing before '2'"),
    ("x=[1[2]]", "--at x: a comma is missing before '['"),
    ("x=" + "[" * (MAX_DIMENSIONS + 1) + "1" + "]" * (MAX_DIMENSIONS + 1),
     f"--at x: lists nested more than {MAX_DIMENSIONS} deep"),
    ("x=two", "--at x: 'two' is not a number"),
    ("x", "--at expects NAME=NUMBER"),
    ("2x=[1]", "--at expects NAME=NUMBER"),
])
def test_a_bad_value_is_one_line_naming_the_option_and_the_name(item, message):
    with pytest.raises(UsageError) as caught:
        parse_point([item], "--at")
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_a_name_given_twice_is_refused():
    with pytest.raises(UsageError, match="--seed gives x twice"):
        parse_point(["x=[1]", "x=2"], "--seed")


def test_arrays_above_the_limit_are_refused_while_reading():
    assert MAX_ELEMENTS == 10**7
    text = "x=[" + ",".join(["1"] * 11) + "]"
    assert len(parse_point([text], "--at", max_elements=11)["x"]) == 11
    with pytest.raises(UsageError, match=r"--at x: more than 10 elements; at most 10 are allowed"):
        parse_point([text], "--at", max_elements=10)


def test_ten_million_and_one_elements_are_refused_on_the_command_line():
    """The limit itself: 10⁷ + 1 zeros, as nested lists, are refused by count."""
    row = "[" + ",".join(["0"] * 1000) + "]"
    block = "[" + ",".join([row] * 10_000) + "]"               # 10⁷ elements
    with pytest.raises(UsageError, match="more than 10,000,000 elements"):
        parse_point(["x=[" + block + "," + block + "]"], "--at")


# --- arrays made by the expression: sizes worked out from shapes alone -------------------------

from ad_tutorial.expression import parse  # noqa: E402
from ad_tutorial.usage import check_sizes  # noqa: E402


@pytest.mark.parametrize("expression, point, message", [
    ("x + y", {"x": [0.0] * 4000, "y": [[0.0]] * 3000},
     "+ would make an array of shape (3000, 4000), 12,000,000 numbers; at most 10,000,000"),
    ("sum(x * y, 0) @ transpose(y*x)", {"x": [0.0] * 4000, "y": [[0.0]] * 2600},
     "* would make an array of shape (2600, 4000), 10,400,000 numbers"),
    ("stack(x, x) * reshape(y, 2, 1, 1, 1)", {"x": [[0.0] * 3000] * 900, "y": [1.0, 2.0]},
     "* would make an array of shape (2, 2, 900, 3000)"),
    ("x @ y", {"x": [[0.0]] * 100_000, "y": [[0.0] * 100_000]},       # 10¹⁰, not computed
     "@ would make an array of shape (100000, 100000), 10,000,000,000 numbers"),
])
def test_an_array_the_expression_would_make_above_the_limit_is_refused(expression, point,
                                                                      message):
    with pytest.raises(UsageError, match=re.escape(message)):
        check_sizes(parse(expression), point)


def test_shapes_are_worked_out_without_computing_them(monkeypatch):
    """Within the limit nothing is refused, and no value is computed: sum and @ run on
    arrays of zeros that take no memory."""
    point = {"x": [0.0] * 3000, "y": [[0.0]] * 3000}
    check_sizes(parse("sum(x + y, 1) @ transpose(x + y) + mean(x)"), point)   # 9·10⁶ each
    check_sizes(parse("x + y + z"), {"x": [0.0, 1.0], "y": [0.0, 1.0, 2.0]})  # left to trace
    check_sizes(parse("x + y"), point, per_array=9_000_000)
    with pytest.raises(UsageError, match="the trace's nodes would hold 9,006,000 numbers"):
        check_sizes(parse("x + y"), point, in_all=10_000)
