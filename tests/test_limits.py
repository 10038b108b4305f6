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
