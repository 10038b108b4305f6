"""The tangent sweep (forward mode) and the adjoint sweep (reverse mode)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

import ad_tutorial as adt
from ad_tutorial.forward import array_tangents, tangents
from ad_tutorial.torch_bridge import agree, magnitudes

from .strategies import edge_points, expressions, used, well_conditioned_points

SEED_TEXT = "ln(x1) + x1*x2 - sin(x2)"


def test_seed_tangent_trace_is_the_textbook_one():
    tangent = adt.trace(SEED_TEXT, x1=2.0, x2=5.0).forward(x1=1.0)
    assert tangent.seed == {"x1": 1.0, "x2": 0.0}
    assert tangent.tangents == [1.0, 0.0, 1 / 2, 1 * 5.0 + 0 * 2.0, 0 * math.cos(5.0),
                                0.5 + 5.0, 5.5 - 0.0]
    assert tangent.derivative == 5.5


def test_default_seed_is_the_first_input():
    t = adt.trace(SEED_TEXT, x1=2.0, x2=5.0)
    assert t.forward().seed == {"x1": 1.0, "x2": 0.0}
    assert t.forward(x2=1.0).derivative == 2.0 - math.cos(5.0)


def test_seed_adjoint_trace_is_the_textbook_one():
    adjoint = adt.trace(SEED_TEXT, x1=2.0, x2=5.0).reverse()
    v = ["v_-1", "v_0", "v_1", "v_2", "v_3", "v_4", "v_5"]
    assert dict(zip(v, adjoint.adjoints)) == {
        "v_5": 1.0, "v_4": 1.0, "v_3": -1.0, "v_2": 1.0, "v_1": 1.0,
        "v_0": -math.cos(5.0) + 2.0, "v_-1": 5.0 + 1 / 2}
    assert adjoint.gradient == {"x1": 5.5, "x2": 2.0 - math.cos(5.0)}
    assert round(adjoint.gradient["x2"], 3) == 1.716


def test_adjoint_steps_are_one_per_edge_in_baydins_order():
    t = adt.trace(SEED_TEXT, x1=2.0, x2=5.0)
    steps = [(t.name(s.node), t.name(s.source) if s.source >= 0 else "y", s.first)
             for s in t.reverse().steps()]
    assert steps == [("v_5", "y", True), ("v_4", "v_5", True), ("v_3", "v_5", True),
                     ("v_1", "v_4", True), ("v_2", "v_4", True), ("v_0", "v_3", True),
                     ("v_-1", "v_2", True), ("v_0", "v_2", False), ("v_-1", "v_1", False)]
    last = {s.node: s.adjoint for s in t.reverse().steps()}      # each node's final row
    assert [last[i] for i in range(len(t))] == t.reverse().adjoints


def test_reverse_seed_scales_the_gradient():
    t = adt.trace(SEED_TEXT, x1=2.0, x2=5.0)
    assert t.reverse(seed=2.0).gradient == {x: 2 * g for x, g in t.reverse().gradient.items()}


@given(expressions(), well_conditioned_points())
def test_n_tangent_sweeps_give_the_gradient_of_one_adjoint_sweep(text, point):
    """Where every local partial is finite. Otherwise the modes legitimately differ, in torch
    as here: at a pole, x/(x - y) at x = y gives -inf forward and nan in reverse; and where
    relu's masked zero meets an infinite partial, sqrt(relu(x)) at x = -1, reverse applies
    the mask after the infinity (0) and forward before it (0 · inf = nan)."""
    t = adt.trace(text, **used(point, text))
    assume(all(math.isfinite(d) for i in range(len(t)) for d in t.partials(i)))
    adjoint = t.reverse()
    for x, scale in zip(t.inputs, magnitudes(t, t.forward(), adjoint)[2]):
        assert agree(t.forward(**{x: 1.0}).derivative, adjoint.gradient[x], scale=scale,
                     zero_signs=False)


def same(a: float, b: float) -> bool:
    """Equal to the last bit, nan included."""
    return a == b or (math.isnan(a) and math.isnan(b))


@given(expressions(), st.one_of(well_conditioned_points(), edge_points()))
def test_the_sweeps_give_the_same_numbers_in_textbook_order(text, point):
    """The sweeps run in the order f computed its nodes; any order with each node after
    its arguments must give the same numbers. Re-run them over the textbook numbering:
    every tangent is the same to the last bit (each is its own sum), and every adjoint
    agrees (a sum of three or more contributions may round differently in another order)."""
    t = adt.trace(text, **used(point, text))
    textbook = adt.Trace(t.inputs, t.numbered, (t.output,))
    tangent, adjoint = t.forward(), t.reverse()
    assert all(map(same, textbook.forward().computed, tangent.tangents))
    again = textbook.reverse().computed
    scales = magnitudes(t, tangent, adjoint)[2]
    scale = max(scales, default=1.0)
    assert all(agree(a, b, scale=scale) for a, b in zip(again, adjoint.adjoints))
    final = {s.node: s.adjoint for s in adjoint.steps()}     # the table's running sums
    assert all(agree(final[i], adjoint.adjoints[i], scale=scale) for i in final)


def argument_values(t: adt.Trace) -> list[float]:
    """Every node's arguments, by value (nodes' values and constants), in textbook order."""
    return [t.values[j] for a in t.args[len(t.inputs):] for j in a]


@given(expressions(), expressions(), st.one_of(well_conditioned_points(), edge_points()))
def test_what_f_computes_and_ignores_changes_nothing(text, ignored, point):
    """f computes `ignored` first and throws it away: those nodes stay in the trace as
    computed, but the adjoint sweep passes nothing through them (their partials may be
    infinite here) and the tables leave them out, so every number is the plain trace's."""
    wanted, unwanted = adt.parse(text), adt.parse(ignored)

    def f(x, y, z):
        at = {"x": x, "y": y, "z": z}
        unwanted(**{v: at[v] for v in unwanted.variables})
        return wanted(**{v: at[v] for v in wanted.variables})

    plain, t = adt.trace(text, **used(point, text)), adt.trace(f, **point)
    assert same(t.value, plain.value)
    assert [op.name for op in t.ops if op] == [op.name for op in plain.ops if op]
    assert len(t) - len(t.inputs) == len(plain) - len(plain.inputs)
    assert all(map(same, argument_values(t), argument_values(plain)))
    gradient = t.reverse().gradient
    for x in t.inputs:
        assert same(gradient[x], plain.reverse().gradient.get(x, 0.0))
        if x in plain.inputs:
            assert same(t.forward(**{x: 1.0}).derivative, plain.forward(**{x: 1.0}).derivative)


@given(expressions(), st.one_of(well_conditioned_points(), edge_points()))
def test_vector_mode_gives_the_tangent_sweeps_columns_to_the_last_bit(text, point):
    """One sweep carrying every direction (which passes a tangent through a partial of 1
    untouched, and drops the tangents no node needs any more) is n single sweeps at once."""
    t = adt.trace(text, **used(point, text))
    columns = [t.forward(**{x: 1.0}).derivative for x in t.inputs]
    assert all(map(same, t.jacobian("forward")[0].tolist(), columns))


def test_vector_mode_keeps_only_the_tangents_still_needed():
    """On floats and on arrays, with one output or several: every other tangent is dropped
    once read, and the outputs' are the ones a full sweep gives."""
    scalar = adt.trace(SEED_TEXT, x1=2.0, x2=5.0)
    arrays = adt.trace(lambda x, y: (adt.sum(x * y), x + y), x=[1.0, 2.0], y=[3.0, 4.0])
    eye = np.eye(4)
    for t, sweep, seeds in ((scalar, tangents, [np.array([1.0, 0.0]), np.array([0.0, 1.0])]),
                            (arrays, array_tangents, [eye[:, :2], eye[:, 2:]])):
        dots, full = sweep(t, seeds, only_outputs=True), sweep(t, seeds)
        assert [d is None for d in dots] == [i not in t.results for i in range(len(dots))]
        for r in t.results:
            np.testing.assert_array_equal(dots[r], full[r])
