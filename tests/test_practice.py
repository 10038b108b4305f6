"""Practice: generated exercises, judged cell by cell against the engine, with a diagnosis.

The right numbers are read from ``ad-tutorial trace --format json``; planted mistakes of
each kind are made from the engine's own sweeps (the steps of the adjoint table, a sweep
with a wrong seed, the trace at a wrong input), never from the diagnosis's rules.
"""

from __future__ import annotations

import io
import json
import math
import re
import subprocess
import sys
from contextlib import redirect_stdout
from typing import Any, Iterator

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import ad_tutorial as adt
from ad_tutorial.cli import main
from ad_tutorial.practice.answers import AnswerError, answered, parse
from ad_tutorial.practice.diagnosis import Row, candidates, close
from ad_tutorial.practice.exercise import (LARGEST, LEVELS, MAX_SEED, POINTS, Exercise,
                                           ExerciseError, exercise)
from ad_tutorial.primitives import PRIMITIVES
from ad_tutorial.tables import number
from ad_tutorial.torch_bridge import RTOL, torch_forward, torch_reverse

levels = st.sampled_from(sorted(LEVELS))
modes = st.sampled_from(["forward", "reverse"])
seeds = st.integers(0, MAX_SEED)
#: The generated exercises that planted mistakes are tried on.
PLANT_SEEDS = range(60)

Flat = dict[str, float]          # answers by cell key: "primal:v_1", "final:x1", …


# --- helpers --------------------------------------------------------------------------

def engine_answers(ex: Exercise) -> Flat:
    """The engine's numbers for `ex`, read from `ad-tutorial trace --format json`."""
    argv = ["trace", ex.expression, "--at", *(f"{x}={v!r}" for x, v in ex.inputs.items()),
            "--mode", ex.mode, "--format", "json"]
    if ex.direction is not None:
        argv += ["--seed", *(f"{x}={v!r}" for x, v in ex.direction.items())]
    with redirect_stdout(io.StringIO()) as out:
        assert main(argv) == 0
    data = json.loads(out.getvalue())
    flat = {f"primal:{node['name']}": node["value"] for node in data["primal"]}
    if ex.mode == "forward":
        flat.update({f"tangent:{r['name']}": r["tangent"] for r in data["tangent"]["trace"]})
        flat["final:derivative"] = data["tangent"]["derivative"]
    else:
        flat.update({f"adjoint:{r['name']}": r["adjoint"] for r in data["adjoint"]["trace"]})
        flat.update({f"final:{x}": g for x, g in data["adjoint"]["gradient"].items()})
    return flat


def tables(flat: Flat) -> dict[str, Any]:
    """Flat answers as check()'s keyword arguments (an answer file's layout)."""
    out: dict[str, Any] = {}
    for k, v in flat.items():
        table, name = k.split(":")
        if k == "final:derivative":
            out["derivative"] = v
        elif table == "final":
            out.setdefault("gradient", {})[name] = v
        else:
            out.setdefault(table, {})[name] = v
    return out


def judged(ex: Exercise, flat: Flat) -> dict[str, Row]:
    return {f"{r.table}:{r.name}": r for r in ex.check(**tables(flat)).rows}


def diagnosed(ex: Exercise, flat: Flat, key: str, kind: str, node: str) -> bool:
    """The planted number in cell `key` is one the diagnosis knows for this kind and node;
    and unless it is also what a mistake named before it gives (the diagnosis names the
    most specific: a missing term, a known wrong partial, a sign, a value), the cell is
    judged wrong with this kind at this node, with a hint. Returns whether it was judged
    so; False when the number cannot be told from the right one or from an earlier one."""
    cells = {c["key"]: c for c in ex.rules}
    if close(flat[key], cells[key]["expected"]):
        return False
    found = [(c.kind, c.node) for c in candidates(cells[key], flat, cells)
             if math.isfinite(c.number) and close(flat[key], c.number)]
    assert (kind, node) in found, (ex.title, key, found)
    if found[0] != (kind, node):
        return False
    row = judged(ex, flat)[key]
    assert (row.verdict, row.kind, row.node) == ("wrong", kind, node), (ex.title, row)
    assert row.hint
    return True


def generated(mode: str, levels=(1, 2, 3)) -> Iterator[Exercise]:
    for level in levels:
        for seed in PLANT_SEEDS:
            yield exercise(level, seed, mode)


# --- generating -----------------------------------------------------------------------

@given(levels, seeds, modes)
def test_an_exercise_is_what_its_level_promises(level, seed, mode):
    ex = exercise(level, seed, mode)
    spec, t = LEVELS[level], ex.trace
    assert spec.inputs[0] <= len(t.inputs) <= spec.inputs[1]
    assert spec.nodes[0] <= len(t) - len(t.inputs) <= spec.nodes[1]
    assert {op.name for op in t.ops[len(t.inputs):]} <= set(spec.primitives)
    assert list(ex.inputs) == list(t.inputs) == [f"x{k + 1}" for k in range(len(t.inputs))]
    assert all(v in POINTS and (2 * v).is_integer() for v in ex.inputs.values())
    uses = [j for args in t.args for j in args if j < len(t.inputs)]
    assert set(uses) == set(range(len(t.inputs)))                  # every input is used
    if spec.shared:                                 # some adjoint receives two contributions
        assert len(uses) > len(set(uses))
    numbers = [*t.values, *(d for ds in t.local_partials for d in ds)]
    assert all(math.isfinite(x) and abs(x) <= LARGEST for x in numbers)
    if mode == "forward":
        assert math.isclose(sum(v * v for v in ex.direction.values()), 1.0)
        assert sorted(ex.blank) == ["primal", "tangent"]
    else:
        assert ex.direction is None and sorted(ex.blank) == ["adjoint", "primal"]
        assert ex.blank["adjoint"] == ex.blank["primal"][::-1]


@given(levels, seeds)
def test_both_modes_of_a_seed_are_the_same_function_at_the_same_point(level, seed):
    forward, reverse = exercise(level, seed, "forward"), exercise(level, seed, "reverse")
    assert (forward.expression, forward.inputs) == (reverse.expression, reverse.inputs)


def test_the_same_seed_gives_the_same_exercise_in_any_process():
    """Nothing depends on hash order or global random state: a fresh interpreter with
    another hash seed makes the same exercises."""
    wanted = [(level, seed) for level in LEVELS for seed in (0, 1, 99, 123456, MAX_SEED)]
    code = ("import json, random, sys; random.seed(7); from ad_tutorial import exercise; "
            f"print(json.dumps([exercise(l, s).to_json() for l, s in {wanted!r}]))")
    for hashseed in ("0", "12345"):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env={"PYTHONHASHSEED": hashseed}, timeout=120, check=True)
        assert json.loads(done.stdout) == [exercise(l, s).to_json() for l, s in wanted]


@pytest.mark.parametrize("level, expression, point, direction", [
    (1, "x1*sin(ln(x2))", {"x1": 2.0, "x2": 1.5}, {"x1": 1.0, "x2": 0.0}),
    (2, "sin(x1) + cos(x2) + ln(ln(x1))", {"x1": 1.5, "x2": -0.5}, {"x1": 0.0, "x2": 1.0}),
    (3, "tanh(x1)/ln(x1) - x2 - sin(ln(x1) + sqrt(x2) - (cos(x1) + x1))",
     {"x1": 2.0, "x2": 2.5}, {"x1": 0.8, "x2": 0.6}),
])
def test_seed_1_of_each_level_stays_the_exercise_it_was(level, expression, point, direction):
    """A regression guard, pinned once: handing out seed 1 next year gives the same sheet."""
    ex = exercise(level, 1, "forward")
    assert (ex.expression, ex.inputs, ex.direction) == (expression, point, direction)


def test_a_fresh_seed_is_named_and_reproduces_its_exercise():
    ex = exercise(level=2, mode="reverse")
    assert ex == exercise(level=2, seed=ex.seed, mode="reverse")
    assert f"seed {ex.seed}" in str(ex)


@pytest.mark.parametrize("kwargs, words", [
    ({"level": 4}, "level must be one of 1, 2, 3"),
    ({"level": True}, "level must be"),
    ({"mode": "sideways"}, "mode must be forward or reverse"),
    ({"seed": -3}, "seed must be a whole number"),
    ({"seed": 2.0}, "seed must be a whole number"),
    ({"seed": MAX_SEED + 1}, "seed must be a whole number"),
])
def test_impossible_exercises_are_refused_clearly(kwargs, words):
    with pytest.raises(ExerciseError, match=words):
        exercise(**kwargs)


# --- the engine's own numbers are right ---------------------------------------------------

@given(levels, seeds, modes, st.booleans())
def test_the_engines_numbers_pass_as_all_right(level, seed, mode, rounded):
    """Read from `trace --format json`, exact or rounded as the tables print them."""
    ex = exercise(level, seed, mode)
    flat = engine_answers(ex)
    if rounded:
        flat = {k: float(number(v)) for k, v in flat.items()}
    check = ex.check(**tables(flat))
    assert [r.verdict for r in check.rows] == ["right"] * len(check.rows)
    assert check.ok and check.score == 1.0
    assert len(check.rows) == sum(map(len, ex.blank.values())) + (
        1 if mode == "forward" else len(ex.inputs))


@pytest.mark.parametrize("level", sorted(LEVELS))
def test_the_expected_derivatives_are_torchs(level):
    for seed in range(10):
        ex = exercise(level, seed, "reverse")
        y, gradient = torch_reverse(ex.trace)
        assert math.isclose(ex.key()["primal"][ex.trace.name(ex.trace.output)], y, rel_tol=RTOL)
        for x, g in ex.key()["gradient"].items():
            assert math.isclose(g, gradient[x], rel_tol=RTOL, abs_tol=1e-12), (ex.title, x)
        ex = exercise(level, seed, "forward")
        _, derivative = torch_forward(ex.trace, ex.direction)
        assert math.isclose(ex.key()["derivative"], derivative, rel_tol=RTOL, abs_tol=1e-12)


def test_unanswered_cells_are_not_wrong():
    ex = exercise(2, 5, "reverse")
    flat = engine_answers(ex)
    some = {k: v for k, v in flat.items() if k.startswith("primal:")}
    check = ex.check(**tables(some))
    assert check.ok and check.count("unanswered") == len(flat) - len(some)
    assert 0 < check.score < 1
    assert ex.check().ok and ex.check().score == 0.0
    nulls = tables(flat)
    nulls["primal"] = dict.fromkeys(nulls["primal"])
    assert ex.check(**nulls).count("unanswered") == len(nulls["primal"])


# --- planted mistakes, each diagnosed with its kind and node --------------------------------

def adjoint_contributions(ex: Exercise) -> Iterator[tuple[str, str, float]]:
    """(cell of v̄_j, name of v_i, v̄_i·∂v_i/∂v_j) for every v_j that receives two or more
    contributions, from the adjoint table's steps."""
    t = ex.trace
    steps = [s for s in t.reverse().steps() if s.source >= 0]
    for s in steps:
        if sum(other.node == s.node for other in steps) > 1:
            yield f"adjoint:{t.name(s.node)}", t.name(s.source), s.contribution


def tangent_terms(ex: Exercise) -> Iterator[tuple[str, str, int, float]]:
    """(cell of v̇_i, name of v_i, argument k, ∂v_i/∂v_j·v̇_j) for every term of a tangent."""
    t, tangents = ex.trace, ex.trace.forward(**ex.direction).tangents
    for i in range(len(t.inputs), len(t)):
        for k, j in enumerate(t.args[i]):
            if j < len(t):
                yield f"tangent:{t.name(i)}", t.name(i), k, t.partials(i)[k] * tangents[j]


def count_diagnosed(plants: Iterator[tuple[Exercise, Flat, str, str, str]]) -> int:
    return sum(diagnosed(ex, flat, key, kind, node) for ex, flat, key, kind, node in plants)


def test_a_dropped_contribution_names_the_consumer():
    def plants():
        for ex in generated("reverse"):
            flat = engine_answers(ex)
            for key, consumer, c in adjoint_contributions(ex):
                yield ex, {**flat, key: flat[key] - c}, key, "missing", consumer
    assert count_diagnosed(plants()) >= 450


def test_a_dropped_term_of_a_tangent_names_its_node():
    def plants():
        for ex in generated("forward"):
            flat = engine_answers(ex)
            terms = list(tangent_terms(ex))
            for key, node, k, c in terms:
                if sum(other[0] == key for other in terms) == 2:
                    yield ex, {**flat, key: flat[key] - c}, key, "missing", node
    assert count_diagnosed(plants()) >= 550


def test_a_flipped_sign_is_found_on_the_whole_cell_and_on_one_partial():
    def whole():
        for mode in ("forward", "reverse"):
            for ex in generated(mode):
                flat = engine_answers(ex)
                for cell in ex.rules:
                    if len(cell["terms"]) > 1:         # one term: its partial's sign, the same
                        yield ex, {**flat, cell["key"]: -flat[cell["key"]]}, cell["key"], \
                            "sign", cell["node"]

    def subtraction():                                 # ∂(a − b)/∂b = −1 taken as +1
        for ex in generated("reverse"):
            flat = engine_answers(ex)
            for key, consumer, c in adjoint_contributions(ex):
                i = ex.names.index(consumer)
                if ex.trace.ops[i].name == "sub" and key == f"adjoint:{ex.trace.name(ex.trace.args[i][1])}":
                    yield ex, {**flat, key: flat[key] - 2 * c}, key, "sign", consumer
        for ex in generated("forward"):
            flat = engine_answers(ex)
            for key, node, k, c in tangent_terms(ex):
                if ex.trace.ops[ex.names.index(node)].name == "sub" and k == 1:
                    yield ex, {**flat, key: flat[key] - 2 * c}, key, "sign", node

    assert count_diagnosed(whole()) >= 550
    assert count_diagnosed(subtraction()) >= 100


@given(levels, seeds, modes, st.sampled_from([0.0, 0.5, 7.0]))
def test_a_wrong_input_value_is_a_flipped_sign_only_when_it_is_minus_the_input(level, seed,
                                                                                mode, x):
    """Rows without a formula (the inputs' values) have no terms to flip but their own."""
    ex = exercise(level, seed, mode)
    flat = engine_answers(ex)
    for k, name in enumerate(ex.inputs):
        key, right = f"primal:{ex.names[k]}", ex.inputs[name]
        row = judged(ex, {**flat, key: -right})[key]
        assert (row.verdict, row.kind, row.node, row.hint) == (
            "wrong", "sign", ex.names[k], "the sign is flipped")
        if not close(x, right) and not close(x, -right):
            row = judged(ex, {**flat, key: x})[key]
            assert (row.verdict, row.kind, row.hint) == ("wrong", None, "")


def test_the_value_where_a_derivative_was_wanted():
    def whole():
        for mode in ("forward", "reverse"):
            for ex in generated(mode):
                flat = engine_answers(ex)
                for cell in ex.rules:
                    if cell["table"] in ("tangent", "adjoint") and cell["seed"] is None:
                        value = flat[f"primal:{cell['name']}"]
                        yield ex, {**flat, cell["key"]: value}, cell["key"], "value", cell["node"]

    def partial():                      # v̄_i·v_i instead of v̄_i·∂v_i/∂v_j, as d sin = sin
        for ex in generated("reverse"):
            t, adjoints = ex.trace, ex.trace.reverse().adjoints
            flat = engine_answers(ex)
            for s in t.reverse().steps():
                if s.source >= 0 and t.ops[s.source].arity == 1:
                    key = f"adjoint:{t.name(s.node)}"
                    planted = flat[key] - s.contribution + adjoints[s.source] * t.values[s.source]
                    yield ex, {**flat, key: planted}, key, "value", t.name(s.source)

    assert count_diagnosed(whole()) >= 2000
    assert count_diagnosed(partial()) >= 400


#: Known wrong partials, written here from the rule each breaks: (primitive, argument,
#: the wrong ∂v/∂argument from the argument values a, b).
WRONG = [
    ("cos", 0, lambda a, b: math.sin(a)),              # d cos = +sin
    ("ln", 0, lambda a, b: a),                         # d ln x = x
    ("div", 1, lambda a, b: a / b ** 2),               # the quotient rule's sign
    ("pow", 0, lambda a, b: b * a ** b),               # the power rule's exponent kept
]


@pytest.mark.parametrize("primitive, argument, wrong", WRONG, ids=[w[0] for w in WRONG])
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_a_known_wrong_partial_is_named_at_its_node(mode, primitive, argument, wrong):
    def plants():
        for ex in generated(mode, levels=(3,) if primitive in ("div", "pow") else (1, 2, 3)):
            t, flat = ex.trace, engine_answers(ex)
            sweep = t.forward(**ex.direction) if mode == "forward" else t.reverse()
            for i in range(len(t.inputs), len(t)):
                if t.ops[i].name != primitive or t.args[i][argument] >= len(t):
                    continue
                j = t.args[i][argument]
                arguments = [t.values[k] for k in t.args[i]]
                a, b = (arguments * 2)[:2]             # b: the second argument, if any
                change = wrong(a, b) - t.partials(i)[argument]
                if mode == "forward":
                    key = f"tangent:{t.name(i)}"
                    planted = flat[key] + change * sweep.tangents[j]
                else:
                    key = f"adjoint:{t.name(j)}"
                    planted = flat[key] + change * sweep.adjoints[i]
                yield ex, {**flat, key: planted}, key, "partial", t.name(i)
    assert count_diagnosed(plants()) >= 30


def test_a_wrong_seed_is_named_and_the_rest_follows_from_it():
    """The student's tables are the engine's own sweep from the wrong seed."""
    checked = 0
    for ex in generated("forward"):
        t = ex.trace
        wrong = dict(zip(ex.direction, reversed(list(ex.direction.values()))))   # swapped
        if wrong == ex.direction:
            continue
        sweep = t.forward(**wrong)
        flat = {**engine_answers(ex), **{f"tangent:{t.name(i)}": v
                                         for i, v in enumerate(sweep.tangents)},
                "final:derivative": sweep.derivative}
        rows = judged(ex, flat)
        for k, x in enumerate(t.inputs):
            row = rows[f"tangent:{t.name(k)}"]
            if ex.direction[x] != wrong[x]:
                assert (row.verdict, row.kind, row.node) == ("wrong", "seed", t.name(k))
                assert "the seed is the direction ẋ" in row.hint
        assert_the_rest_follows(rows, seeds=[f"tangent:{t.name(k)}" for k in range(len(t.inputs))])
        checked += 1
    for ex in generated("reverse"):
        t = ex.trace
        sweep = t.reverse(seed=-1.0)
        flat = {**engine_answers(ex), **{f"adjoint:{t.name(i)}": v
                                         for i, v in enumerate(sweep.adjoints)},
                **{f"final:{x}": g for x, g in sweep.gradient.items()}}
        rows = judged(ex, flat)
        out = rows[f"adjoint:{t.name(t.output)}"]
        assert (out.verdict, out.kind, out.node) == ("wrong", "seed", t.name(t.output))
        assert out.hint.startswith("the adjoint sweep starts from ȳ = 1")
        assert_the_rest_follows(rows, seeds=[f"adjoint:{t.name(t.output)}"])
        checked += 1
    assert checked >= 300


def assert_the_rest_follows(rows: dict[str, Row], seeds: list[str]) -> None:
    """Every cell but the slip is right, or follows from an earlier answer."""
    for key, row in rows.items():
        if key not in seeds:
            assert row.verdict in ("right", "follows"), row
            if row.verdict == "follows":
                assert row.hint.startswith("follows from your ") and row.kind is None


# --- one slip, and the later rows follow -----------------------------------------------

@given(levels, seeds, st.sampled_from([-1.25, 0.75, 3.0]))
def test_a_slip_in_an_input_value_leaves_the_later_primal_rows_following(level, seed, delta):
    ex = exercise(level, seed, "reverse")
    t, x = ex.trace, ex.trace.inputs[0]
    slipped = t.evaluate(**{x: ex.inputs[x] + delta})  # the student's values, from a slip
    assume(all(map(math.isfinite, slipped.values)))     # ln of a negative slip: no number
    flat = {**engine_answers(ex), **{f"primal:{t.name(i)}": slipped.values[i]
                                     for i in range(len(t))}}
    rows = judged(ex, flat)
    slip = rows[f"primal:{t.name(0)}"]
    assert slip.verdict == "wrong"
    assert_the_rest_follows(rows, seeds=[f"primal:{t.name(0)}"])
    # a row that uses the slipped value, and changes with it, follows from the slip
    uses = [i for i in range(len(t.inputs), len(t)) if 0 in t.args[i]
            and not close(slipped.values[i], t.values[i])]
    for i in uses:
        row = rows[f"primal:{t.name(i)}"]
        assert row.verdict == "follows" and slip.label in row.hint.split(), row


def propagate(ex: Exercise, key: str, delta: float) -> Flat:
    """The student's table after adding `delta` to one cell, every later row computed from
    it by the textbook formula with the trace's local partials (independent of practice)."""
    t, flat = ex.trace, engine_answers(ex)
    table = key.split(":")[0]
    values = [flat[f"{table}:{t.name(i)}"] for i in range(len(t))]
    start = ex.names.index(key.split(":")[1])
    values[start] += delta
    if table == "tangent":
        for i in range(start + 1, len(t)):
            values[i] = sum(d * values[j] for j, d in zip(t.args[i], t.partials(i)) if j < len(t))
        final = {"final:derivative": values[t.output]}
    else:
        for j in range(start - 1, -1, -1):
            values[j] = sum(values[i] * d for i in range(j + 1, len(t))
                            for a, d in zip(t.args[i], t.partials(i)) if a == j)
        final = {f"final:{x}": values[k] for k, x in enumerate(t.inputs)}
    return {**flat, **{f"{table}:{t.name(i)}": v for i, v in enumerate(values)}, **final}


@given(levels, seeds, modes)
def test_one_early_slip_leaves_the_later_rows_following(level, seed, mode):
    ex = exercise(level, seed, mode)
    t = ex.trace
    node = len(t.inputs) if mode == "forward" else t.output - 1    # the first row computed
    key = f"{'tangent' if mode == 'forward' else 'adjoint'}:{t.name(node)}"
    flat = propagate(ex, key, delta=1.5)
    rows = judged(ex, flat)
    assert rows[key].verdict == "wrong"
    assert_the_rest_follows(rows, seeds=[key])
    # a row that uses the slipped cell, and changes with it, follows from the slip
    engine, table = engine_answers(ex), key.split(":")[0]
    uses = ([i for i in range(len(t)) if node in t.args[i]] if mode == "forward"
            else [j for j in t.args[node] if j < len(t)])
    changed = [f"{table}:{t.name(i)}" for i in uses
               if not close(flat[f"{table}:{t.name(i)}"], engine[f"{table}:{t.name(i)}"])]
    assert [rows[k].verdict for k in changed] == ["follows"] * len(changed)
    check = ex.check(**tables(flat))
    assert not check.ok and check.score == (len(check.rows) - 1) / len(check.rows)


def rounding_student(ex: Exercise, digits: int) -> Flat:
    """A student who rounds every number as the tables print it (digits 0), or moves it to
    the edge of 3 significant digits (1, 2: up or down), and computes each row from their
    own numbers with the trace's local partials."""
    t = ex.trace

    def rounded(x: float) -> float:
        return x + 0.9 * 5e-3 * max(1.0, abs(x)) * (-1) ** digits if digits else round(x, 3)

    flat = {f"primal:{t.name(k)}": rounded(t.values[k]) for k in range(len(t))}
    derivatives = [0.0] * len(t)
    if ex.mode == "forward":
        for i in range(len(t)):
            exact = ex.direction[t.inputs[i]] if i < len(t.inputs) else sum(
                d * derivatives[j] for j, d in zip(t.args[i], t.partials(i)) if j < len(t))
            derivatives[i] = rounded(exact)
        flat["final:derivative"] = rounded(derivatives[t.output])
    else:
        for j in range(len(t) - 1, -1, -1):
            exact = 1.0 if j == t.output else sum(
                derivatives[i] * d for i in range(j + 1, len(t))
                for a, d in zip(t.args[i], t.partials(i)) if a == j)
            derivatives[j] = rounded(exact)
        flat.update({f"final:{x}": rounded(derivatives[k]) for k, x in enumerate(t.inputs)})
    table = "tangent" if ex.mode == "forward" else "adjoint"
    return {**flat, **{f"{table}:{t.name(i)}": v for i, v in enumerate(derivatives)}}


@given(levels, seeds, modes, st.integers(0, 2))
def test_rows_computed_from_numbers_accepted_as_right_are_right(level, seed, mode, digits):
    """Each row is right, even where a rounding accepted in an earlier row grows beyond 3
    digits of the engine's number in a later one."""
    ex = exercise(level, seed, mode)
    rows = judged(ex, rounding_student(ex, digits))
    assert [k for k, r in rows.items() if r.verdict != "right"] == []


def test_a_mistake_after_a_slip_is_judged_on_the_students_own_numbers():
    """The README's exercise: v̄_0 misses a contribution, and x̄2 follows from that."""
    ex = exercise(1, 5, "reverse")
    assert ex.expression == "ln(x2)*(x2*x1)"
    flat = engine_answers(ex)
    flat["adjoint:v_0"] = 1.0                                  # v̄_1/v_0 only: 1.5/1.5
    flat["final:x2"] = 1.0
    rows = judged(ex, flat)
    assert rows["adjoint:v_0"] == Row(
        "adjoint", "v_0", "v̄_0", flat_expected(ex, "adjoint:v_0"), 1.0, "wrong", "missing",
        "v_2", "missing the contribution v̄_2·∂v_2/∂v_0 from v_2 = v_0 × v_−1")
    assert (rows["final:x2"].verdict, rows["final:x2"].hint) == ("follows",
                                                                 "follows from your v̄_0")
    # a second slip, on top: v̄_2 flipped, and v̄_-1 = v̄_2·v_0 computed from it follows
    flat["adjoint:v_2"] = -flat["adjoint:v_2"]
    flat["adjoint:v_-1"] = flat["adjoint:v_2"] * ex.inputs["x2"]
    rows = judged(ex, flat)
    assert rows["adjoint:v_2"].kind == "sign"
    assert rows["adjoint:v_-1"].verdict == "follows"
    # v̄_0 = 1 is now v̄_1/v_0 + (−v̄_2)·v_-1 without the second term: still that contribution
    assert (rows["adjoint:v_0"].kind, rows["adjoint:v_0"].node) == ("missing", "v_2")


def flat_expected(ex: Exercise, key: str) -> float:
    return next(c["expected"] for c in ex.rules if c["key"] == key)


# --- answers -------------------------------------------------------------------------------

@pytest.mark.parametrize("mode, answer, words", [
    ("forward", {"adjoint": {}}, "this exercise is in forward mode: it asks for primal, "
                                 "tangent, derivative, not adjoint"),
    ("reverse", {"derivative": 1.0}, "reverse mode: it asks for primal, adjoint, gradient"),
    ("reverse", {"primals": {}}, "unknown part 'primals'"),
    ("reverse", {"primal": {"v_9": 1.0}}, "primal: unknown node 'v_9' (the nodes are v_-1 …"),
    ("reverse", {"primal": {"x1": 1.0}}, "unknown node 'x1'"),
    ("reverse", {"gradient": {"x3": 1.0}}, "gradient: unknown input 'x3'"),
    ("reverse", {"primal": {"v_1": "0.693"}}, 'primal v_1: "0.693" is not a number'),
    ("reverse", {"primal": {"v_1": True}}, "primal v_1: true is not a number"),
    ("reverse", {"primal": {"v_1": [1]}}, "is not a number"),
    ("reverse", {"primal": [1, 2]}, "primal should be an object of node names and numbers"),
    ("reverse", {"primal": {"v_1": 10 ** 400}}, "is not a finite number"),
    ("reverse", {"exercise": {"level": 2, "seed": 5, "mode": "reverse"}},
     "it belongs to another exercise (level 2 · seed 5 · reverse mode), not to level 1"),
    ("reverse", {"exercise": {"level": 1, "seed": 5}}, '"exercise" should be {"level"'),
    ("reverse", {"exercise": {"level": 7, "seed": 5, "mode": "reverse"}}, "level 7 is not"),
])
def test_an_answer_that_cannot_be_judged_says_why(mode, answer, words):
    ex = exercise(1, 5, mode)
    with pytest.raises(AnswerError) as caught:
        answered(ex, answer)
    assert words in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("text, words", [
    (b'{"primal": ', "it is not JSON: Expecting value (line 1, column 12)"),
    (b'{"primal": {"v_1": NaN}}', "NaN is not a number an answer can be"),
    (b'[1, 2]', "it should be a JSON object"),
    (b"\xff\xfe\x00", "it is not text (UTF-8)"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
])
def test_a_file_that_is_not_an_answer_says_why(text, words):
    with pytest.raises(AnswerError, match=words.replace("(", r"\(").replace(")", r"\)")):
        parse(text)


def test_check_takes_the_tables_by_keyword_and_refuses_unknown_names():
    ex = adt.exercise(level=2, seed=3, mode="reverse")
    key = ex.key()
    check = ex.check(primal=key["primal"], adjoint=key["adjoint"], gradient=key["gradient"])
    assert check.ok and check.score == 1.0
    row = check.rows[0]
    assert (row.name, row.expected, row.given, row.verdict, row.hint) == (
        "v_-1", ex.inputs["x1"], ex.inputs["x1"], "right", "")
    with pytest.raises(AnswerError, match="unknown node 'v_99'"):
        ex.check(primal={"v_99": 1.0})
    with pytest.raises(AnswerError, match="reverse mode"):
        ex.check(tangent={"v_1": 1.0})


# --- how it shows --------------------------------------------------------------------------

def test_a_check_prints_every_cell_and_shows_as_html_in_jupyter():
    ex = exercise(1, 5, "reverse")
    flat = {**engine_answers(ex), "adjoint:v_0": 1.0, "final:x2": 1.0}
    check = ex.check(**tables(flat))
    text = str(check)
    assert text.splitlines()[0] == ("level 1 · seed 5 · reverse mode: y = ln(x2)*(x2*x1) at "
                                    "x1 = 1, x2 = 1.5")
    assert len(text.splitlines()) == len(check.rows) + 3
    assert text.splitlines()[-1] == ("12 cells: 10 right, 1 follows from an earlier slip, "
                                     "1 wrong: score 92%")
    page = check._repr_html_()
    assert page.count("<tr>") == len(check.rows) + 2
    assert "missing the contribution v̄_2·∂v_2/∂v_0 from v_2 = v_0 × v_−1" in page
    data = check.to_json()
    assert json.loads(json.dumps(data)) == data and set(data) == {"ok", "score", "rows"}
    assert {r["table"] for r in data["rows"]} == {"primal", "adjoint", "final"}


def test_an_exercise_prints_blank_tables_named_as_the_traces_json_names_them():
    ex = exercise(2, 3, "forward")
    text = str(ex)
    for name in ex.blank["primal"]:                 # v_-1 is written v_−1, as the tables do
        k = name[2:].replace("-", "−")
        assert f"v_{k}" in text and f"v̇_{k}" in text
    assert text.count("______") == 2 * len(ex.names) + 1
    assert ex.expression in text and "direction ẋ = (0, 1)" in text
    assert "<table>" in ex._repr_html_()
    data = ex.to_json()
    assert set(data) == {"expression", "inputs", "mode", "seed", "level", "direction", "blank"}
    assert data["blank"]["tangent"] == [n["name"] for n in json.loads(trace_json(ex))["primal"]]


def trace_json(ex: Exercise) -> str:
    argv = ["trace", ex.expression, "--at", *(f"{x}={v!r}" for x, v in ex.inputs.items()),
            "--format", "json", "--mode", "forward"]
    with redirect_stdout(io.StringIO()) as out:
        main(argv)
    return out.getvalue()


def test_every_primitive_an_exercise_uses_is_one_the_page_can_evaluate():
    """The page recomputes primal rows with its own small table of values."""
    from importlib.resources import files

    script = files("ad_tutorial.practice").joinpath("static", "practice.js").read_text()
    table = re.search(r"const VALUES = \{(.*?)\};", script, flags=re.S)[1]
    used = {p for spec in LEVELS.values() for p in spec.primitives}
    assert used <= set(PRIMITIVES) and used <= set(re.findall(r"(\w+): ", table))
