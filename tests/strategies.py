"""Hypothesis strategies shared by the tests: random expressions and points."""

from __future__ import annotations

from hypothesis import strategies as st

from ad_tutorial.primitives import FUNCTIONS

VARIABLES = ("x", "y", "z")
BINARY = ("+", "-", "*", "/", "**")
#: The elementwise functions of one argument (sin, ln, …; not sum or reshape), and negation.
UNARY = sorted(name for name, p in FUNCTIONS.items() if p.elementwise and p.arity == 1
               and name != "log") + ["log", "-"]
SMOOTH_UNARY = ["cos", "exp", "ln", "sigmoid", "sin", "sqrt", "tanh", "-"]

#: Points where functions meet their domain edges: ln 0, sqrt 0, abs/relu at ±0, x/0 …,
#: and subnormal numbers, whose reciprocals overflow.
EDGE_VALUES = (0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, 5e-324, -5e-324, 1e-310,
               -1e-310)


def _constants() -> st.SearchStrategy[str]:
    return st.sampled_from(["2", "3", "0.5", "1.5", "pi", "e", "0", "1"])


def expressions(max_leaves: int = 8, unary=UNARY, binary=BINARY) -> st.SearchStrategy[str]:
    """Random expression text over x, y, z, small constants and the given operations."""
    leaves = st.one_of(st.sampled_from(VARIABLES), _constants())

    def extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        def call(f: str, a: str) -> str:
            return f"(-{a})" if f == "-" else f"{f}({a})"

        return st.one_of(
            st.builds(call, st.sampled_from(unary), children),
            st.builds(lambda a, op, b: f"({a} {op} {b})", children, st.sampled_from(binary),
                      children))

    return st.recursive(leaves, extend, max_leaves=max_leaves).filter(_has_variables)


def _has_variables(text: str) -> bool:
    from ad_tutorial import parse
    return bool(parse(text).variables)


def well_conditioned_points() -> st.SearchStrategy[dict[str, float]]:
    """Inputs in [0.2, 2]: away from the edges, where libm and torch agree to the ulp."""
    x = st.floats(0.2, 2.0, allow_nan=False, allow_infinity=False)
    return st.fixed_dictionaries({v: x for v in VARIABLES})


def edge_points() -> st.SearchStrategy[dict[str, float]]:
    """Inputs drawn from the domain edges, where nan and inf must match torch exactly."""
    return st.fixed_dictionaries({v: st.sampled_from(EDGE_VALUES) for v in VARIABLES})


def used(point: dict[str, float], text: str) -> dict[str, float]:
    """The part of `point` naming variables that occur in `text`."""
    from ad_tutorial import parse
    return {v: point[v] for v in parse(text).variables}
