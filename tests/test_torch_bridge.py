"""The hand-written engine against real PyTorch: values, gradients, directional derivatives."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ad_tutorial as adt
from ad_tutorial import primitives
from ad_tutorial.torch_bridge import agree, finite_difference, torch_forward, torch_reverse

from .strategies import (SMOOTH_UNARY, edge_points, expressions, used,
                         well_conditioned_points)

SEED = "ln(x1) + x1*x2 - sin(x2)"


def assert_matches_torch(text: str, point: dict[str, float]) -> adt.Comparison:
    c = adt.compare(text, **used(point, text))
    assert c.ok, str(c)
    return c


@given(expressions(), well_conditioned_points())
def test_random_expressions_match_torch(text, point):
    assert_matches_torch(text, point)


@given(expressions(max_leaves=6), edge_points())
def test_random_expressions_match_torch_at_domain_edges(text, point):
    """nan and ±inf exactly where torch has them, in both modes."""
    assert_matches_torch(text, point)


@given(expressions(max_leaves=5), well_conditioned_points(),
       st.dictionaries(st.sampled_from("xyz"), st.floats(-2, 2), min_size=1))
def test_any_seed_direction_matches_torch_forward_mode(text, point, seed):
    t = adt.trace(text, **used(point, text))
    seed = {k: v for k, v in seed.items() if k in t.inputs} or {t.inputs[0]: 1.0}
    tangent = t.forward(**seed)
    _, derivative = torch_forward(t, tangent.seed)
    assert agree(tangent.derivative, derivative), (tangent.derivative, derivative)


@given(expressions(max_leaves=5, unary=SMOOTH_UNARY, binary=("+", "-", "*")),
       well_conditioned_points())
def test_smooth_expressions_match_finite_differences(text, point):
    t = adt.trace(text, **used(point, text))
    gradient = t.reverse().gradient
    if not all(math.isfinite(v) and abs(v) < 1e4 for v in [t.value, *gradient.values()]):
        return
    for x in t.inputs:
        fd = finite_difference(t, {z: float(z == x) for z in t.inputs})
        assert math.isclose(gradient[x], fd, rel_tol=1e-5, abs_tol=1e-6), (x, gradient, fd)


EDGES = [
    ("ln(x)", {"x": 0.0}),            # ln 0 = -inf, derivative +inf
    ("ln(x)", {"x": -1.0}),           # nan, derivative -1
    ("sqrt(x)", {"x": 0.0}),          # derivative inf
    ("x**0.5", {"x": 0.0}),           # derivative inf, as sqrt
    ("abs(x)", {"x": 0.0}),           # derivative 0
    ("relu(x)", {"x": 0.0}),          # derivative 0
    ("x/y", {"x": 1.0, "y": 0.0}),    # inf; forward mode along y is -inf, not nan
    ("x/y", {"x": 0.0, "y": 0.0}),    # nan
    ("1/x", {"x": 0.0}),
    ("x/0", {"x": 1.0}),
    ("sqrt(relu(x))", {"x": -1.0}),   # relu's masked zero meets sqrt's inf
    ("relu(sqrt(x) - 1)", {"x": 0.0}),
    ("sqrt(x)**0", {"x": 0.0}),       # x**0 selects zero even for an infinite tangent
    ("sqrt(x)**y", {"x": 0.0, "y": 0.0}),
    ("0**sqrt(x)", {"x": 0.0}),
    ("x**y", {"x": 0.0, "y": 2.0}),
    ("x**y", {"x": -8.0, "y": 1 / 3}),
    ("exp(-1/x)", {"x": 0.0}),
    ("exp(x)", {"x": 1000.0}),        # overflow to inf
    ("sin(x)", {"x": math.inf}),      # nan
    ("abs(x)", {"x": math.nan}),
    ("relu(x)", {"x": math.nan}),
]


@pytest.mark.parametrize("text, point", EDGES)
def test_domain_edges_match_torch_exactly(text, point):
    c = assert_matches_torch(text, point)
    t = c.trace
    y, grad = torch_reverse(t)
    # The comparison's own verdict is checked above; spell out the exactness here too.
    for mine, theirs in [(t.value, y), *[(c.trace.reverse().gradient[x], grad[x])
                                          for x in t.inputs]]:
        assert (math.isnan(mine) and math.isnan(theirs)) or mine == theirs


def test_seed_example_agrees_and_prints_every_quantity():
    c = adt.compare(lambda x1, x2: adt.ln(x1) + x1 * x2 - adt.sin(x2), x1=2.0, x2=5.0)
    assert c.ok
    assert [r.quantity for r in c.rows] == ["y", "y (forward mode)", "∂y/∂x1", "∂y/∂x2",
                                            "∇y·ẋ, ẋ = (1, 0)"]
    assert c.rows[3].torch == 2 - math.cos(5)
    assert "agree" in str(c) and "MISMATCH" not in str(c)


def test_a_wrong_derivative_rule_is_caught(monkeypatch):
    """The comparison can fail: give sin the wrong sign of derivative and torch disagrees."""
    sin = primitives.FUNCTIONS["sin"]
    wrong = replace(sin, partials=lambda x, out: (-primitives._cos(x),))
    monkeypatch.setitem(primitives.FUNCTIONS, "sin", wrong)
    c = adt.compare(SEED, x1=2.0, x2=5.0)
    assert not c.ok
    assert "MISMATCH" in str(c) and "DISAGREE" in str(c)


def test_agree_is_strict():
    assert agree(1.0, 1.0 + 1e-12) and not agree(1.0, 1.0 + 1e-8)
    assert agree(math.nan, math.nan) and not agree(math.nan, 1.0)
    assert agree(math.inf, math.inf) and not agree(math.inf, -math.inf)
    assert not agree(math.inf, 1e308)
