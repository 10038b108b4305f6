"""Recording evaluation traces: the textbook numbering, constants, dead code, re-evaluation."""

from __future__ import annotations

import math
import sys

import pytest

import ad_tutorial as adt
from ad_tutorial import TraceError

SEED_TEXT = "ln(x1) + x1*x2 - sin(x2)"


def seed_callable(x1, x2):
    return adt.ln(x1) + x1 * x2 - adt.sin(x2)


def rows(t):
    """Each node as (name, op, argument names or constants, value)."""
    def arg(j):
        return t.name(j) if j < len(t) else t.values[j]
    return [(n.name, n.op.name if n.op else "input", [arg(j) for j in n.args], n.value)
            for n in t.nodes()]


@pytest.mark.parametrize("f", [SEED_TEXT, seed_callable], ids=["string", "callable"])
def test_seed_example_gives_the_textbook_rows_exactly(f):
    t = adt.trace(f, x1=2.0, x2=5.0)
    v1, v2, v3 = math.log(2.0), 2.0 * 5.0, math.sin(5.0)
    assert rows(t) == [
        ("v_-1", "input", [], 2.0),
        ("v_0", "input", [], 5.0),
        ("v_1", "ln", ["v_-1"], v1),
        ("v_2", "mul", ["v_-1", "v_0"], v2),
        ("v_3", "sin", ["v_0"], v3),
        ("v_4", "add", ["v_1", "v_2"], v1 + v2),
        ("v_5", "sub", ["v_4", "v_3"], (v1 + v2) - v3),
    ]
    assert t.value == (v1 + v2) - v3 and round(t.value, 3) == 11.652
    assert t.inputs == ("x1", "x2") and t.output == len(t) - 1
    assert t.expression == SEED_TEXT


def test_inputs_are_numbered_in_the_order_given():
    t = adt.trace(SEED_TEXT, x2=5.0, x1=2.0)
    assert t.inputs == ("x2", "x1") and t.values[:2] == [5.0, 2.0]
    assert t.value == adt.trace(SEED_TEXT, x1=2.0, x2=5.0).value


def test_numbering_is_by_depth_then_order_of_computation():
    t = adt.trace("sin(x*y) + exp(x)", x=1.0, y=2.0)
    assert [n.op.name for n in t.nodes() if n.op] == ["mul", "exp", "sin", "add"]


def test_constants_are_not_nodes():
    t = adt.trace("3*x + x**2", x=2.0)
    assert [r[:3] for r in rows(t)] == [("v_0", "input", []), ("v_1", "mul", [3.0, "v_0"]),
                                        ("v_2", "pow", ["v_0", 2.0]),
                                        ("v_3", "add", ["v_1", "v_2"])]


def test_constants_find_their_slots_after_the_nodes_wherever_they_stand():
    """Two constants in one node, and a constant whose node was refused (f caught the
    error and went on): each argument names its own constant, after the nodes."""
    import numpy as np

    t = adt.trace(lambda x: adt.sum(adt.stack([2.0, x, 3.0]) * 4.0), x=np.array(1.5))
    nodes = t.computed
    n = len(nodes.ops)
    constants = [[nodes.values[j] for j in args if j >= n] for args in nodes.args]
    assert constants == [[], [2.0, 3.0], [4.0], []]
    assert t.value == 26.0 and t.reverse().gradient == {"x": 4.0}

    def f(x):
        try:
            x @ np.ones(3)                   # refused: its constant stays unused
        except TraceError:
            pass
        return adt.sum(x * 2.0)

    t = adt.trace(f, x=np.ones(2))
    n = len(t.computed.ops)
    assert [[t.computed.values[j] for j in args if j >= n] for args in t.computed.args] \
        == [[], [2.0], []]
    assert t.reverse().gradient["x"].tolist() == [2.0, 2.0]


def test_an_expression_is_parsed_once_however_often_it_is_traced(monkeypatch):
    import ad_tutorial.expression

    parsed = []
    parse = ad_tutorial.expression.parse
    monkeypatch.setattr(sys.modules["ad_tutorial.trace"], "parse",
                        lambda text: parsed.append(text) or parse(text))
    text = "x*x + 0.125  "                   # a text no other test traces
    values = [adt.trace(text, x=x).reverse().gradient["x"] for x in (1.0, 2.0, 3.0)]
    assert values == [2.0, 4.0, 6.0] and parsed == [text]
    for _ in range(2):                       # a mistake is found every time
        with pytest.raises(adt.ExpressionError, match="unknown function 'foo'"):
            adt.trace("foo(x) + 0.125", x=1.0)


def test_nodes_the_output_does_not_use_are_dropped():
    def f(x):
        unused = adt.exp(x) * 2
        return x * x + 0 * len([unused])

    assert [n.op.name for n in adt.trace(f, 3.0).nodes() if n.op] == ["mul", "add"]


def test_a_dead_node_with_an_infinite_partial_does_not_poison_the_gradient():
    """sqrt(x - x) has partial 1/(2·0) = inf: were it swept, 0 · inf = nan would reach x.
    torch never visits it either."""
    def f(x):
        adt.sqrt(x - x)
        return x * 2

    t = adt.trace(f, 3.0)
    assert len(t) == 2 and t.reverse().gradient == {"x": 2.0}
    assert t.forward().derivative == 2.0


def test_nodes_recorded_after_the_output_are_dropped():
    out = []

    def f(x):
        out.append(x * x)
        adt.ln(x - 3)                       # after the result: never part of y
        return out[0]

    t = adt.trace(f, 3.0)
    assert [n.op.name for n in t.nodes() if n.op] == ["mul"] and t.output == len(t) - 1
    assert t.reverse().gradient == {"x": 6.0}


def test_the_sweeps_run_as_computed_and_the_views_read_the_textbook_numbering():
    t = adt.trace(seed_callable, 2.0, 5.0)
    assert [op.name for op in t.computed.ops[2:]] == ["ln", "mul", "add", "sin", "sub"]
    tangent, adjoint = t.forward(), t.reverse()
    assert tangent.derivative == 5.5 and adjoint.gradient["x1"] == 5.5
    assert "numbered" not in vars(t)         # a derivative never pays for the numbering
    assert [op.name for op in t.ops[2:]] == ["ln", "mul", "sin", "add", "sub"]
    for i, op in enumerate(t.computed.ops[2:], 2):
        j = t.ops.index(op)                  # each primitive appears once here
        assert t.values[j] == t.computed.values[i]
        assert tangent.tangents[j] == tangent.computed[i]
        assert adjoint.adjoints[j] == adjoint.computed[i]


def test_inputs_follow_the_signature_with_defaults_keywords_and_wrappers():
    import functools

    def f(x, y=2.0):
        return x * y

    assert adt.trace(f, 3.0).at() == {"x": 3.0, "y": 2.0}           # a default is an input
    assert adt.trace(f, 3.0, 5.0).at() == {"x": 3.0, "y": 5.0}
    assert adt.trace(f, y=5.0, x=3.0).inputs == ("x", "y")            # f's order, not the call's

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        return f(*args, **kwargs)

    assert adt.trace(wrapped, 3.0, 5.0).reverse().gradient == {"x": 5.0, "y": 3.0}
    with pytest.raises(TraceError, match="input y must be a number or an array, not str"):
        adt.trace(f, 3.0, "5")


def test_an_input_as_the_output():
    t = adt.trace(lambda x, y: y, 1.0, 2.0)
    assert len(t) == 2 and t.value == 2.0 and t.reverse().gradient == {"x": 0.0, "y": 1.0}
    assert adt.trace("x", x=4.0).forward().derivative == 1.0


def test_evaluate_replays_the_trace_at_new_inputs():
    t = adt.trace(seed_callable, x1=2.0, x2=5.0)
    again = t.evaluate(x1=3.0, x2=1.0)
    assert again.values == adt.trace(seed_callable, x1=3.0, x2=1.0).values
    assert again.computed.ops is t.computed.ops            # the same graph, not re-traced
    assert again.computed.args is t.computed.args
    assert t.evaluate(x2=1.0).at() == {"x1": 2.0, "x2": 1.0}
    with pytest.raises(TraceError, match="unknown input 'x3'"):
        t.evaluate(x3=1.0)


def test_evaluate_keeps_the_branch_taken_while_tracing():
    """The static-graph caveat: a value-dependent branch is frozen into the trace."""
    def f(x):
        return x * x if x > 0 else -x

    t = adt.trace(f, 2.0)
    assert t.evaluate(x=-3.0).value == 9.0              # replays x*x
    assert adt.trace(f, -3.0).value == 3.0              # re-tracing takes the other branch


@pytest.mark.parametrize("call, message", [
    (lambda: adt.trace(lambda x: 3.0, 1.0), "does not depend"),
    (lambda: adt.trace(lambda x: x, 1.0, 2.0), "inputs do not match"),
    (lambda: adt.trace(lambda x: x, "a"), "must be a number"),
    (lambda: adt.trace(lambda: 1.0), "no inputs"),
    (lambda: adt.trace(SEED_TEXT, x1=2.0), "no value for x2"),
    (lambda: adt.trace(SEED_TEXT, x1=2.0, x2=5.0, x3=1.0), "x3 does not appear"),
    (lambda: adt.trace(SEED_TEXT, 2.0, 5.0), "by name"),
    (lambda: adt.trace("2 + 3"), "no variables"),
    (lambda: adt.trace(seed_callable, 2.0, 5.0).forward(x3=1.0), "cannot seed 'x3'"),
])
def test_mistakes_are_trace_errors(call, message):
    with pytest.raises(TraceError, match=message):
        call()


def test_math_functions_on_traced_values_explain_themselves():
    with pytest.raises(TypeError, match="adt.sin"):
        adt.trace(lambda x: math.sin(x), 1.0)


def test_a_traced_value_cannot_add_to_a_finished_trace():
    escaped = []

    def f(x):
        escaped.append(x)
        return x * x

    t = adt.trace(f, 3.0)
    for late in (lambda x: x * 2, lambda x: x + x, adt.sin, lambda x: -x):
        with pytest.raises(TraceError, match="after its trace was finished"):
            late(escaped[0])
    assert len(t.computed.ops) == 2 and t.reverse().gradient == {"x": 6.0}


def test_traced_values_of_two_traces_do_not_mix():
    kept = []
    adt.trace(lambda x: kept.append(x) or x * 1, 1.0)
    with pytest.raises(TraceError, match="another trace"):
        adt.trace(lambda y: y + kept[0], 1.0)


def test_functions_dispatch_on_floats_and_tensors():
    import torch

    assert adt.ln(2.0) == math.log(2.0) and adt.sqrt(4) == 2.0
    x = torch.tensor(2.0, dtype=torch.float64)
    assert adt.ln(x).item() == torch.log(x).item()
    with pytest.raises(TypeError, match="takes 1 argument"):
        adt.sin(1.0, 2.0)


def test_repr_and_str_describe_the_trace():
    t = adt.trace(SEED_TEXT, x1=2.0, x2=5.0)
    assert "5 primitives" in repr(t) and "11.652071455223084" in repr(t)
    assert "v_5  = v_4 − v_3" in str(t)
    assert t._repr_html_().startswith("<table") and "<caption" in t._repr_html_()


@pytest.mark.slow
def test_a_million_node_trace_differentiates_without_recursion():
    c, steps = 1.000001, 500_000

    def f(x):
        for _ in range(steps):
            x = x * c + 0.5
        return x

    t = adt.trace(f, 1.0)
    assert len(t) == 2 * steps + 1
    gradient = t.reverse().gradient["x"]
    assert gradient == t.forward().derivative          # the same products, in the same order
    # dy/dx = c**steps; 500,000 rounded products drift from the closed form by ~1e-11.
    assert math.isclose(gradient, c ** steps, rel_tol=1e-9)
