"""The server's limits on the expression: numbers as written, and as worked out."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ad_tutorial.explorer.limits import Limits, Refusal, check
from ad_tutorial.primitives import FUNCTIONS

LIMIT = Limits().magnitude

#: Ways to write a number just above the limit, and the largest one allowed.
TOO_LARGE = ["1000000001", "1_000_000_001", "1000000001.0", "1.000000001e9", "1e10", "1e300",
             "0x3B9ACA01", "0o7346545001", "0b111011100110101100101000000001", "1000000000.5"]
LARGEST = ["1000000000", "1e9", "1_000_000_000", "0x3B9ACA00", "1000000000.0"]

#: The functions that make a number of a number (sin, …, and sum, mean, transpose of one).
OF_A_NUMBER = sorted(f for f, p in FUNCTIONS.items()
                     if p.elementwise or f in ("sum", "mean", "transpose"))
#: Places for a number N, some of which work it out to something small again.
PLACES = ["x*N", "N*x", "x + N", "N - x", "x/N", "x**N", "-N*x", "x*(N/N)", "x*(N - N)",
          "x + N*0", "x*N**0", "x*(1 + N - N)", *(f"{f}(x*N)" for f in OF_A_NUMBER),
          *(f"x*{f}(N)*0" for f in OF_A_NUMBER)]


def refusal(expression: str) -> Refusal | None:
    try:
        check({"expression": expression, "at": "x=1"})
    except Refusal as r:
        return r
    return None


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("number", TOO_LARGE)
def test_a_number_written_too_large_is_refused_wherever_it_stands(number, place):
    expression = "  " + place.replace("N", number)
    r = refusal(expression)
    column = expression.index(number) + 1
    assert r is not None and r.field == "expression" and r.status == 422
    assert r.message == (f"the number {number} at column {column} is larger than 1e+09, the "
                         "largest allowed")


@pytest.mark.parametrize("place", PLACES[:6])
@pytest.mark.parametrize("number", LARGEST)
def test_the_largest_number_allowed_is_accepted(number, place):
    assert refusal(place.replace("N", number)) is None


@pytest.mark.parametrize("expression, message", [
    ("2**40*x", "2**40 at column 1 works out to 1099511627776; numbers must be finite and at "
                "most 1e+09 in size"),
    ("x*(1e9 + 0.5)", "1e9 + 0.5 at column 4 works out to 1000000000.5;"),
    ("10**400*x", "10**400 at column 1 works out to inf; numbers must be finite"),
    ("x + exp(1000)", "exp(1000) at column 5 works out to inf"),
    ("x*(-1e9 - 1)", "-1e9 - 1 at column 4 works out to -1000000001"),
])
def test_a_number_worked_out_too_large_is_refused_in_the_words_it_was_written(expression,
                                                                              message):
    r = refusal(expression)
    assert r is not None and message in r.message


@given(st.floats(min_value=LIMIT, exclude_min=True, allow_infinity=False),
       st.sampled_from(PLACES))
def test_any_literal_above_the_limit_is_refused_as_written(value, place):
    number = repr(value)
    r = refusal(place.replace("N", number))
    assert r is not None and f"the number {number} at column" in r.message


# --- arrays: elements per input, and all the trace's nodes together -------------------------

def checked(expression: str, at, seed=""):
    try:
        return check({"expression": expression, "at": at, "seed": seed})
    except Refusal as r:
        return r


def test_arrays_are_read_as_text_and_as_json_lists():
    for at in ["x=[0, 1, 2], W=[[1,2],[3,4]]", "x=[0,1,2]; W=[[1, 2], [3, 4]]",
               {"x": [0, 1, 2], "W": [[1, 2], [3, 4]]}]:
        request = checked("sum(W @ x[0:2])", at)
        assert request.at == {"x": [0.0, 1.0, 2.0], "W": [[1.0, 2.0], [3.0, 4.0]]}, at
    assert checked("x", "x=[1,2]", "x=[0, 1]").seed == {"x": [0.0, 1.0]}


@pytest.mark.parametrize("field", ["at", "seed"])
def test_an_input_holds_at_most_so_many_elements(field):
    limit = Limits().elements
    fits, above = (f"x=[{','.join(['1'] * n)}]" for n in (limit, limit + 1))
    point = {"at": fits, "seed": fits}
    assert not isinstance(checked("x", **point), Refusal)
    r = checked("x", **{**point, field: above})
    assert isinstance(r, Refusal) and r.field == field and r.status == 422
    assert r.message == f"{field} x: more than {limit} elements; at most {limit} are allowed"


@pytest.mark.parametrize("expression, at", [
    ("x + y", "x=[" + ",".join(["1"] * 100) + "] y=[" + ",".join(["[1]"] * 100) + "]"),
    ("x*y + z", "x=[" + ",".join(["1"] * 50) + "] y=[" + ",".join(["[1]"] * 50) + "]"
                " z=[[[1]],[[2]],[[3]],[[4]],[[5]]]"),
    ("sum(x + y, 0) * y", "x=[" + ",".join(["1"] * 100) + "] y=[" + ",".join(["[1]"] * 99)
                          + "]"),
])
def test_the_trace_holds_at_most_so_many_numbers_worked_out_from_shapes(expression, at):
    """Broadcasting makes large arrays of small ones: refused before anything is computed."""
    r = checked(expression, at)
    assert isinstance(r, Refusal) and r.field == "expression" and r.status == 422
    assert "numbers or more; at most 10,000 are allowed" in r.message


def test_a_trace_within_the_limits_is_worked_out():
    request = checked("mean(ln(x**2 + 1) + 5*x)", "x=[0, 1, 2, 3, 4]")
    assert request.trace().value == pytest.approx(11.487676706008860, rel=1e-15)


@pytest.mark.parametrize("at, message", [
    ("x=[1, 2e10]", "at: x holds 2e+10, too large"),
    ("x=[1, nan]", "at: x holds nan, too large; numbers must be finite"),
    ("x=[[1, 2], [3]]", "at x: the array is ragged"),
    ("x=[]", "at x: the array [] is empty"),
    ("x=[1, one]", "at x: 'one' is not a number"),
    ("x=[1, " + "1" * 40 + "]", "is too long for a number"),
    ({"x": [1, "2"]}, "at: every value must be a number or a list of numbers"),
    ({"x": [1, [True]]}, "at: every value must be a number or a list of numbers"),
])
def test_bad_arrays_are_refused_with_a_sentence(at, message):
    r = checked("x", at)
    assert isinstance(r, Refusal) and 400 <= r.status < 500 and message in r.message
