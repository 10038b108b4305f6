"""The hand-written engine against real PyTorch: values, gradients, directional derivatives."""

from __future__ import annotations

import math

import numpy as np
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


def test_a_wrong_derivative_rule_is_caught(replace_primitive):
    """The comparison can fail: give sin the wrong sign of derivative and torch disagrees."""
    replace_primitive("sin", partials=lambda x, out: (-primitives._cos(x),))
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


# --- arrays and several outputs ------------------------------------------------------------

from .array_programs import EDGES as ARRAY_EDGES, WELL_CONDITIONED, inputs, programs  # noqa: E402

ARRAY_QUANTITIES = ["y", "y (forward mode)", "∂y/∂x", "ẏ along ẋ", "ẏ along d1",
                    "ẏ along d2", "ẏ along d3", "∂y/∂x (reverse mode)",
                    "∂y/∂x (forward mode)"]


@given(programs(), st.data())
def test_random_array_programs_agree_with_torch_in_every_row(program, data):
    t = adt.trace(program.function(), *inputs(data.draw, program, WELL_CONDITIONED))
    c = adt.compare(t)
    assert c.ok, str(c)


@given(programs(max_steps=3), st.data())
def test_random_array_programs_agree_at_domain_edges(program, data):
    """nan and ±inf where torch has them, element by element, in every quantity."""
    c = adt.compare(adt.trace(program.function(), *inputs(data.draw, program, ARRAY_EDGES)))
    assert c.ok, str(c)


def test_cells_45_and_46_by_hand_and_by_torch():
    for text, y, gradient in [("sum(x**2)", 30.0, [0.0, 2.0, 4.0, 6.0, 8.0]),
                              ("mean(ln(x**2 + 1) + 5*x)", None, None)]:
        c = adt.compare(text, x=[0.0, 1.0, 2.0, 3.0, 4.0])
        assert c.ok and [r.quantity for r in c.rows] == ARRAY_QUANTITIES
        value, grad = c.rows[0], c.rows[2]
        assert type(value.handwritten) is float and value.handwritten == value.torch
        np.testing.assert_allclose(grad.handwritten, grad.torch, rtol=1e-12)
        if y is not None:
            assert value.handwritten == y and grad.handwritten.tolist() == gradient
    table = str(c)
    assert "[1, 1.2, 1.16, 1.12, 1.094118]" in table and "ẋ: x = [1, 0, 0, 0, 0]" in table


def test_several_outputs_are_compared_together():
    c = adt.compare("x*y, sum(W @ x)", x=[1.0, 2.0], y=3.0, W=[[1.0, 2.0], [3.0, 4.0]])
    assert c.ok
    quantities = [r.quantity for r in c.rows]
    assert quantities[:2] == ["(f1, f2)", "(f1, f2) (forward mode)"]
    assert quantities[2:5] == ["∂(ȳ·(f1, f2))/∂x", "∂(ȳ·(f1, f2))/∂y", "∂(ȳ·(f1, f2))/∂W"]
    assert c.rows[0].handwritten.tolist() == [3.0, 6.0, 16.0]
    assert c.rows[-1].handwritten.shape == (3, 7)          # 2 + 1 outputs, 2 + 1 + 4 inputs
    floats = adt.compare(lambda a, b: (a * b, a + b), a=2.0, b=3.0)
    assert floats.ok and floats.rows[-1].handwritten.tolist() == [[3.0, 2.0], [1.0, 1.0]]


def test_long_arrays_are_elided_with_the_largest_difference():
    c = adt.compare("x * sin(x)", x=np.linspace(-1.0, 1.0, 50))
    assert c.ok
    lines = str(c).splitlines()
    value = next(line for line in lines if line.startswith("  y "))
    assert "[0.841471, 0.785306, …, 0.785306, 0.841471]" in value
    assert all(len(line) < 200 for line in lines)              # a 50 × 50 Jacobian too


@pytest.mark.parametrize("name, fields, wrong_rows", [
    # a wrong value: the values (sin's value is no factor of a derivative here)
    ("sin", {"array": lambda x: np.sin(x) + 1e-6}, {"y", "y (forward mode)"}),
    # a wrong elementwise partial: every derivative
    ("sin", {"array_partials": lambda x, out: (-np.cos(x),)},
     {"∂y/∂x", "ẏ along ẋ", "ẏ along d1", "ẏ along d2", "ẏ along d3",
      "∂y/∂x (reverse mode)", "∂y/∂x (forward mode)"}),
    # a wrong VJP: reverse mode only
    ("sum", {"vjp": lambda g, k, xs, out, axis: 2 * np.broadcast_to(
        g.reshape(g.shape[:1] + (1,) * xs[0].ndim), g.shape[:1] + xs[0].shape)},
     {"∂y/∂x", "∂y/∂x (reverse mode)"}),
    # a wrong JVP: forward mode only
    ("sum", {"jvp": lambda ts, xs, out, axis: 2 * ts[0].sum(axis=tuple(range(1, ts[0].ndim)))},
     {"ẏ along ẋ", "ẏ along d1", "ẏ along d2", "ẏ along d3", "∂y/∂x (forward mode)"}),
])
def test_a_wrong_array_rule_is_caught_where_it_is_used(replace_primitive, name, fields, wrong_rows):
    replace_primitive(name, **fields)
    c = adt.compare("sum(sin(x) + x*x)", x=[0.5, 1.0, 2.0])
    assert {r.quantity for r in c.rows if not r.ok} == wrong_rows
    assert "MISMATCH" in str(c) and "DISAGREE" in str(c)


def test_check_exits_1_on_an_array_mismatch(replace_primitive, capsys):
    from ad_tutorial.cli import main

    replace_primitive("sin", array_partials=lambda x, out: (2 * np.cos(x),))
    assert main(["check", "mean(sin(x))", "--at", "x=[0,1,2]"]) == 1
    assert "MISMATCH" in capsys.readouterr().out


def test_in_ascii_an_array_comparison_is_ascii():
    from ad_tutorial.tables import ascii_only
    with ascii_only():
        text = str(adt.compare("x*y, sum(x)", x=np.linspace(-1.0, 1.0, 9), y=-2.0))
    assert text.isascii() and "..." in text and "(fdot1, fdot2) along d1" in text


def test_agree_arrays_is_strict_element_by_element():
    from ad_tutorial.torch_bridge import agree_arrays

    assert agree_arrays([1.0, math.nan, -math.inf], [1.0 + 1e-12, math.nan, -math.inf])
    assert not agree_arrays([1.0, 2.0], [1.0, 2.0 + 1e-8])
    assert not agree_arrays([math.nan], [1.0]) and not agree_arrays([math.inf], [-math.inf])
    assert not agree_arrays([0.0], [-0.0]) and agree_arrays([0.0], [-0.0], zero_signs=False)
    assert not agree_arrays([1.0, 2.0], [1.0, 2.0, 3.0])
    assert agree_arrays([0.0], [1e-16], scale=[1.0]) and not agree_arrays([0.0], [1e-16])


def test_a_jacobian_too_large_to_hold_is_not_compared(monkeypatch):
    from ad_tutorial import torch_bridge

    monkeypatch.setattr(torch_bridge, "JACOBIAN_LIMIT", 20)
    c = adt.compare("sin(x) * y", x=np.linspace(0.0, 1.0, 5), y=[[1.0], [2.0]])   # 10 × 7
    assert c.ok and not any("mode)" in r.quantity and "∂" in r.quantity for r in c.rows)
    assert "the Jacobian is not compared: 10 × 7 entries, more than 20" in str(c)
    assert len(adt.compare("sin(x)", x=[0.5, 1.0]).rows) == 9                    # 2 × 2
