"""The tables of array traces: each node's shape and value, the JVP and VJP each primitive
applies, several outputs, elided arrays, in every format and in JSON."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import ad_tutorial as adt
from ad_tutorial.notation import to_ascii
from ad_tutorial.primitives import PRIMITIVES
from ad_tutorial.tables import (NOTATIONS, Shape, adjoint_rows, ascii_only, dumps,
                                gradient_rows, output_names, primal_rows, render,
                                reverse_sweep, tangent_rows, titled_tables, to_json)

TEXT = NOTATIONS["text"]
FORMATS = ("text", "markdown", "latex", "html")
CELL_46 = adt.trace("mean(ln(x**2 + 1) + 5*x)", x=[0, 1, 2, 3, 4])


def formulas(rows):
    """The cells between the shape and the value of each row."""
    return [row[2:-1] for row in rows]


# --- the tutorial's cell 46, by hand ----------------------------------------------------------

def test_cell_46_primal_rows_show_shapes_and_values():
    assert primal_rows(CELL_46, TEXT) == [
        ("v_0", "(5,)", "x", "[0, 1, 2, 3, 4]"),
        ("v_1", "(5,)", "v_0²", "[0, 1, 4, 9, 16]"),
        ("v_2", "(5,)", "5 × v_0", "[0, 5, 10, 15, 20]"),
        ("v_3", "(5,)", "v_1 + 1", "[1, 2, 5, 10, 17]"),
        ("v_4", "(5,)", "ln v_3", "[0, 0.693, 1.609, 2.303, 2.833]"),
        ("v_5", "(5,)", "v_4 + v_2", "[0, 5.693, 11.609, 17.303, 22.833]"),
        ("v_6", "()", "mean v_5", "11.488"),
        ("y", "()", "v_6", "11.488"),
    ]
    assert all(isinstance(row[1], Shape) for row in primal_rows(CELL_46, TEXT))


def test_cell_46_adjoint_rows_show_the_vjp_applied():
    rows = adjoint_rows(CELL_46.reverse(), TEXT)
    assert rows[0] == ("v̄_6", "()", "ȳ", "1")
    # the adjoint of a mean is a broadcast (of v̄/5): every element received it
    assert rows[1] == ("v̄_5", "(5,)", "v̄_6 ∂v_6/∂v_5", "(v̄_6/5) broadcast to (5,)",
                       "[0.2, 0.2, 0.2, 0.2, 0.2]")
    assert rows[4] == ("v̄_3", "(5,)", "v̄_4 ∂v_4/∂v_3", "v̄_4 × 1/v_3",
                       "[0.2, 0.1, 0.04, 0.02, 0.012]")
    # x is used twice: its second contribution is added
    assert rows[-1] == ("v̄_0", "(5,)", "v̄_0 + v̄_1 ∂v_1/∂v_0", "v̄_0 + v̄_1 × (2 × v_0)",
                        "[1, 1.2, 1.16, 1.12, 1.094]")
    assert gradient_rows(CELL_46.reverse(), TEXT)[-1] == ("x̄", "(5,)", "v̄_0",
                                                          "[1, 1.2, 1.16, 1.12, 1.094]")


def test_cell_45_the_adjoint_of_a_sum_is_a_broadcast():
    rows = adjoint_rows(adt.trace("sum(x**2)", x=[0, 1, 2, 3, 4]).reverse(), TEXT)
    assert rows[1] == ("v̄_1", "(5,)", "v̄_2 ∂v_2/∂v_1", "v̄_2 broadcast to (5,)",
                       "[1, 1, 1, 1, 1]")
    assert rows[2][-1] == "[0, 2, 4, 6, 8]"


def test_cell_46_tangent_rows_show_the_jvp_applied():
    rows = tangent_rows(CELL_46.forward(x=[0, 0, 1, 0, 0]), TEXT)
    assert formulas(rows) == [("ẋ",), ("v̇_0 × (2 × v_0)",), ("v̇_0 × 5",), ("v̇_1",),
                              ("v̇_3/v_3",), ("v̇_4 + v̇_2",), ("mean v̇_5",), ("v̇_6",)]
    assert rows[-1][-1] == "1.16"


# --- every primitive that moves or combines elements: its JVP and its VJP, as written -------

MOVING = {   # primitive: (expression, inputs, JVP of v_1, VJP to each argument)
    "sum": ("sum(x, 1)", {"x": np.ones((2, 3))}, "sum(v̇_0, axis=1)",
            ["v̄_1 broadcast along axis 1 to (2, 3)"]),
    "mean": ("mean(x)", {"x": np.ones((2, 3))}, "mean v̇_0", ["(v̄_1/6) broadcast to (2, 3)"]),
    "matmul": ("A @ x", {"A": np.ones((2, 3)), "x": np.ones(3)}, "v̇_−1 @ v_0 + v_−1 @ v̇_0",
               ["v̄_1 @ v_0ᵀ", "v_−1ᵀ @ v̄_1"]),
    "transpose": ("transpose(x)", {"x": np.ones((2, 3))}, "v̇_0ᵀ", ["v̄_1ᵀ"]),
    "reshape": ("reshape(x, 3, 2)", {"x": np.ones((2, 3))}, "reshape(v̇_0, (3, 2))",
                ["reshape(v̄_1, (2, 3))"]),
    "index": ("x[0, 1:]", {"x": np.ones((2, 3))}, "v̇_0[0, 1:]",
              ["v̄_1 scattered into zeros of (2, 3) at [0, 1:]"]),
    "stack": ("stack(x, y)", {"x": np.ones(2), "y": np.ones(2)}, "stack(v̇_−1, v̇_0)",
              ["v̄_1[0]", "v̄_1[1]"]),
}


def test_every_primitive_with_rules_is_shown_here():
    assert set(MOVING) == {name for name, p in PRIMITIVES.items() if not p.elementwise}


@pytest.mark.parametrize("name", MOVING)
def test_each_rule_is_written_as_applied(name):
    text, at, jvp, vjps = MOVING[name]
    t = adt.trace(text, **at)
    assert [op.name for op in t.ops if op] == [name]
    assert tangent_rows(t.forward(), TEXT)[len(at)][2] == jvp
    adjoint = t.reverse(seed=np.ones(np.shape(t.value)))
    assert [row[3] for row in adjoint_rows(adjoint, TEXT)[1:]] == vjps


@pytest.mark.parametrize("fmt", FORMATS + ("ascii",))
@pytest.mark.parametrize("name", MOVING)
def test_each_rule_is_written_in_every_format(name, fmt):
    text, at, _, _ = MOVING[name]
    t = adt.trace(text, **at)
    shown = [t, t.forward(), t.reverse(seed=np.ones(np.shape(t.value)))]
    with ascii_only(fmt == "ascii"):
        written = "\n\n".join(render(x, "text" if fmt == "ascii" else fmt) for x in shown)
    if fmt == "ascii":
        written.encode("ascii")                 # raises on anything else
    assert "(2, 3)" in written or "(2,)" in written
    assert "None" not in written and "Param(" not in written and "Name(" not in written


def test_a_constant_has_no_tangent_and_its_terms_drop_out():
    t = adt.trace(lambda x: adt.matmul(np.array([[2.0, 0.0], [0.0, 3.0]]), x)
                  + adt.stack([x[0], 2.0]), x=np.array([1.0, 1.0]))
    jvps = [row[2] for row in tangent_rows(t.forward(), TEXT)]
    assert "[[2, 0], [0, 3]] @ v̇_0" in jvps and "stack(v̇_2, 0)" in jvps


@pytest.mark.parametrize("x, y, summed", [
    (np.ones((3, 1)), np.ones((3, 4)), "(v̄_1 × 1) summed over axis 1 → (3, 1)"),
    (np.ones(4), np.ones((3, 4)), "(v̄_1 × 1) summed over axis 0 → (4,)"),
    (np.array(2.0), np.ones((3, 4)), "(v̄_1 × 1) summed over axes 0, 1 → ()"),
])
def test_the_adjoint_of_a_broadcast_is_a_sum(x, y, summed):
    rows = adjoint_rows(adt.trace("x + y", x=x, y=y).reverse(seed=np.ones((3, 4))), TEXT)
    assert rows[1][3] == summed and rows[2][3] == "v̄_1 × 1"      # y is not broadcast
    assert rows[1][1] == str(np.shape(x))


# --- values ---------------------------------------------------------------------------------

def test_long_arrays_are_elided_in_tables_and_whole_in_json():
    t = adt.trace("2*x", x=np.arange(100.0))
    assert primal_rows(t, TEXT)[1][-1] == "[0, 2, 4, …, 194, 196, 198]"
    with ascii_only():
        assert "[0, 2, 4, ..., 194, 196, 198]" in render(t)
    assert to_json(t)["primal"][1]["value"] == list(np.arange(100.0) * 2)
    matrix = adt.trace("x", x=np.arange(64.0).reshape(8, 8))
    assert primal_rows(matrix, TEXT)[0][-1].startswith("[[0, 1, 2, …, 5, 6, 7], [8, 9, 10, …")
    assert NOTATIONS["latex"].number(np.arange(8.0)) == r"[0, 1, 2, \ldots, 5, 6, 7]"


@given(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=7))
def test_the_numbers_shown_are_the_values_rounded(xs):
    t = adt.trace("sin(x) * x", x=xs)
    for row, value in zip(primal_rows(t, TEXT), t.values[:len(t)]):
        text = re.sub(r"\*10\^", "e", to_ascii(row[-1]))            # 1.23*10^8, 10^-5
        shown = json.loads(re.sub(r"(?<![\de.])10\^(-?\d+)", r"1e\1", text))
        np.testing.assert_allclose(shown, value, rtol=5e-3, atol=6e-4)


# --- several outputs ------------------------------------------------------------------------

@given(st.lists(st.sampled_from(["x", "y", "y1", "y2", "f", "f1", "f2", "g1", "h", "a"]),
                min_size=1, max_size=6, unique=True), st.integers(1, 3))
def test_outputs_are_named_apart_from_every_input(inputs, m):
    text = ", ".join(["+".join(inputs)] * m) if m > 1 else "+".join(inputs)
    t = adt.trace(text, **dict.fromkeys(inputs, 1.0))
    names = output_names(t)
    assert len(names) == m and not set(names) & set(inputs)
    if m > 1:
        stem = names[0][:-1]
        assert names == [f"{stem}{r}" for r in range(1, m + 1)] and stem not in inputs


def test_several_outputs_have_a_row_each_in_every_table():
    t = adt.trace("x*y, stack(x[1], sum(y))", x=[1.0, 2.0], y=3.0)
    assert [row[0] for row in primal_rows(t, TEXT)[-2:]] == ["f1", "f2"]
    assert [row[0] for row in tangent_rows(t.forward(), TEXT)[-2:]] == ["ḟ1", "ḟ2"]
    adjoint = reverse_sweep(t, {"f2": [0.0, 1.0]})
    assert adjoint_rows(adjoint, TEXT)[:2] == [("v̄_1", "(2,)", "f̄1", "[0, 0]"),
                                               ("v̄_4", "(2,)", "f̄2", "[0, 1]")]
    assert titled_tables(adjoint, TEXT)[0][0] == ("Reverse adjoint trace, seed f̄1 = [0, 0], "
                                                 "f̄2 = [0, 1]")


def test_several_float_outputs():
    t = adt.trace(lambda a, b: (a * b, a + b), 2.0, 3.0)
    assert [row[0] for row in primal_rows(t, TEXT)[-2:]] == ["y1", "y2"]
    adjoint = reverse_sweep(t, {"y1": 1.0, "y2": 1.0})
    assert adjoint.gradient == {"a": 4.0, "b": 3.0}
    data = to_json(t, t.forward(), adjoint)
    assert data["output"] == ["y1", "y2"] and data["value"] == [6.0, 5.0]
    assert data["tangent"]["derivative"] == [3.0, 1.0]
    assert data["adjoint"]["seed"] == {"y1": 1.0, "y2": 1.0}
    assert [s["source"] for s in data["adjoint"]["steps"][:2]] == ["y1", "y2"]


@pytest.mark.parametrize("ybar, message", [({"q": 1.0}, "cannot seed ȳ of 'q': the function's "
                                                        "value is y"),
                                           ({"y": [1.0, 2.0]}, "shape")])
def test_a_bad_seed_for_y_is_a_trace_error(ybar, message):
    with pytest.raises(adt.TraceError, match=message):
        reverse_sweep(adt.trace("x**2", x=[1.0, 2.0, 3.0]), ybar)


def test_the_default_ybar_is_the_first_row_of_the_jacobian():
    t = adt.trace("x*y, x+y", x=[1.0, 2.0], y=3.0)
    gradient = reverse_sweep(t).gradient
    jacobian = t.jacobian()
    np.testing.assert_array_equal(np.concatenate([gradient["x"], [gradient["y"]]]), jacobian[0])


# --- JSON -----------------------------------------------------------------------------------

def test_json_of_cell_46_has_shapes_lists_and_torch_gradient():
    data = json.loads(dumps(to_json(CELL_46, CELL_46.forward(), CELL_46.reverse())))
    assert [node["shape"] for node in data["primal"]] == [[5]] * 6 + [[]]
    assert data["primal"][-1]["parameters"] == {"axis": None}
    x = torch.arange(5.0, dtype=torch.float64, requires_grad=True)
    y = torch.mean(torch.log(x**2 + 1) + 5 * x)
    y.backward()
    np.testing.assert_allclose(data["adjoint"]["gradient"]["x"], x.grad.numpy(), rtol=1e-12)
    assert math.isclose(data["value"], y.item(), rel_tol=1e-12)
    assert data["adjoint"]["seed"] == {"y": 1.0}
    assert data["adjoint"]["steps"][1]["partial"] is None            # mean: a VJP rule
    assert data["adjoint"]["steps"][-1]["partial"] == [0.0, 2.0, 4.0, 6.0, 8.0]


def test_json_of_arrays_is_strict_and_keeps_nan_and_infinity_as_strings():
    t = adt.trace("ln(x)/y", x=[0.0, -1.0, 1.0], y=0.0)
    data = to_json(t, t.forward(), reverse_sweep(t))
    text = dumps(data)                                      # allow_nan=False
    assert json.loads(text)["value"] == ["-Infinity", "NaN", "NaN"]
    for node in data["primal"]:
        assert np.shape(node["value"]) == tuple(node["shape"])
    assert data["primal"][2]["args"] == ["v_-1"] and data["primal"][3]["op"] == "div"


def test_json_keys_of_array_traces_are_the_scalar_ones_and_shape():
    scalar = to_json(adt.trace("x*y", x=1.0, y=2.0))
    arrays = to_json(adt.trace("x*y", x=[1.0], y=2.0))
    assert set(arrays) == set(scalar)
    assert all(set(node) == {"name", "op", "args", "value", "shape"}
               for node in arrays["primal"])
    assert re.fullmatch(r"\{.*\}", dumps(arrays), flags=re.S)


# --- every kind of trace, in every format ----------------------------------------------------

KINDS = {
    "array constants": lambda: adt.trace(lambda x: np.array([-1.0, 2.0]) / x
                                         - (-x) * np.array([[-3.0], [1.0]]), x=np.array([1.0, 2.0])),
    "domain edges": lambda: adt.trace("ln(x)/y + relu(x) + x**0 + sqrt(x)",
                                      x=[0.0, -0.0, -1.0, 1e-310, np.inf, np.nan],
                                      y=[[0.0], [-0.0]]),
    "several floats": lambda: adt.trace(lambda a, b: (a * b, adt.sin(a) / b), 2.0, 3.0),
    "several arrays": lambda: adt.trace("tanh(W @ x), sum(x[1:] * b)", W=[[0.5, -1.0, 2.0]],
                                        x=[0.2, -0.1, 0.3], b=[[0.1], [-0.2]]),
}


@pytest.mark.parametrize("fmt", FORMATS + ("ascii", "json"))
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_of_trace_is_written_in_every_format(kind, fmt):
    t = KINDS[kind]()
    shown = (t, t.forward(), reverse_sweep(t))
    if fmt == "json":
        data = json.loads(dumps(to_json(*shown)))                 # strict JSON
        assert len(data["primal"]) == len(t)
        return
    with ascii_only(fmt == "ascii"):
        written = "\n\n".join(render(x, "text" if fmt == "ascii" else fmt) for x in shown)
    assert written.count("\n") > 2 * len(t)
    if fmt == "ascii":
        written.encode("ascii")
    for name in output_names(t):
        assert name in written or fmt == "latex"
