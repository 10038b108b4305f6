"""The hand-written engine against real PyTorch: values, gradients, directional derivatives."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import ad_tutorial as adt
from ad_tutorial import primitives
from ad_tutorial.torch_bridge import (agree, finite_difference, magnitudes, torch_forward,
                                      torch_reverse)

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
    _, scale, _ = magnitudes(t, tangent, t.reverse())
    assert agree(tangent.derivative, derivative, scale=scale), (tangent.derivative, derivative)


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
    ("ln(relu(ln(x)))", {"x": 1.0}),    # reverse 0, forward nan: the mask before or after inf
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
    assert repr(c) == str(c) and "<pre>" in c._repr_html_()


@pytest.mark.parametrize("text, at, output", [
    ("sqrt(x) + x/y", {"x": 0.0, "y": 0.0}, "f"), ("f*y", {"f": 1.0, "y": 2.0}, "g"),
    ("y*f*g - h", {"y": 1.0, "f": 2.0, "g": 3.0, "h": 4.0}, "f1"), ("f + 1", {"f": 2.0}, "y"),
    ("sin(x)", {"x": 1.0}, "y")])
def test_the_output_never_takes_an_inputs_name(text, at, output):
    c = adt.compare(text, **at)
    direction = "1" if len(at) == 1 else "(" + ", ".join(["1"] + ["0"] * (len(at) - 1)) + ")"
    assert [r.quantity for r in c.rows] == [output, f"{output} (forward mode)",
                                            *(f"∂{output}/∂{x}" for x in at),
                                            f"∇{output}·ẋ, ẋ = {direction}"]


def test_in_ascii_the_quantities_are_spelled_out():
    from ad_tutorial.tables import ascii_only
    with ascii_only():
        c = adt.compare("x*y", x=2.0, y=3.0)
    assert [r.quantity for r in c.rows] == ["f", "f (forward mode)", "df/dx", "df/dy",
                                            "grad f*xdot, xdot = (1, 0)"]
    assert str(c).isascii()


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


def test_cancellation_is_judged_against_the_terms_that_cancelled():
    """d/dx cos(x/x) is 0 by hand and 1.1e-16 in torch (g/y against g·(1/y)): agreement."""
    c = adt.compare("cos(x/x)", x=1.25)
    gradient = c.rows[2]
    assert gradient.handwritten == 0.0 and gradient.torch != 0.0
    assert gradient.scale > 1.0 and c.ok
    assert not agree(0.0, 1.1e-16)                       # without the scale, no agreement
    assert not agree(1.0, 1.0 + 1e-8, scale=1.0)         # and the scale is no free pass


@pytest.mark.skipif(torch.backends.cpu.get_cpu_capability() == "DEFAULT",
                    reason="torch's plain CPU kernel rounds y·y before 1 − y·y")
def test_saturated_tanh_keeps_its_digits():
    """tanh(2/x) at x = 0.203125: y = 1 − 5.6e-9, and 1 − y·y cancels to eight digits,
    which is a 3e-9 relative error in the gradient; (1 − y)(1 + y) gives torch's number."""
    c = adt.compare("tanh(2/x)", x=0.203125)
    gradient, derivative = c.rows[2], c.rows[3]
    assert gradient.handwritten == gradient.torch and derivative.handwritten == derivative.torch
    assert c.ok


def test_magnitudes_of_the_seed_example():
    """|own value| + Σ |∂v_i/∂v_j| · (magnitude of v_j), node by node."""
    t = adt.trace(SEED, x1=2.0, x2=5.0)
    y, dot, bar = magnitudes(t, t.forward(), t.reverse())
    ln2, s5, c5 = math.log(2), abs(math.sin(5)), abs(math.cos(5))
    m1, m2, m3 = ln2 + 0.5 * 2, 10 + 5 * 2 + 2 * 5, s5 + c5 * 5
    m4 = (10 + ln2) + m1 + m2
    assert math.isclose(y, (10 + ln2 - math.sin(5)) + m4 + m3, rel_tol=1e-15)
    d1, d2 = 0.5 + 0.5 * 1, 5 + 5 * 1 + 2 * 0
    assert dot == 5.5 + (5.5 + d1 + d2) + 0.0
    assert bar == [5.0 + 0.5, c5 + 2.0]
