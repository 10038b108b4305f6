"""Judging a student's cells, and naming the mistake behind a wrong number.

Every cell of an exercise is one row of a sweep: v_i = op(v_j, …) in the primal table,
v̇_i = Σ_j ∂v_i/∂v_j · v̇_j in the tangent table, v̄_j = Σ_i v̄_i · ∂v_i/∂v_j in the adjoint
table, then ẏ = v̇_k or x̄ = v̄ of each input. :func:`rules` writes each row down as plain
data, read from the finished trace and sweep: the right number, the terms of the sum
(where each comes from and its local partial), and the partials that known mistakes put
in their place (:mod:`.mistakes`). :func:`judge` reads the student's numbers against it:

1. **right** within 3 significant digits, as the tables print (relative or absolute 5e-3),
   or what the row's formula gives from the student's own earlier cells when those are
   all right (a rounding that a later row makes larger is no mistake);
2. **follows**: wrong, but what the row's formula gives from the student's own earlier
   cells, one of them wrong, "follows from your v̇_3": one slip does not turn the whole
   table red;
3. **wrong**, and where the number is one a mistake gives (computed from the student's
   earlier cells too), the mistake is named: a missing term, a flipped sign, a value where
   a derivative belongs, a known wrong partial, a wrong seed;
4. **unanswered**: no number given, which is not wrong.

A hint is a sentence in the text notation of the tables (v̄_2·∂v_2/∂v_0 from
v_2 = v_0 × v_−1), the same wherever it is shown: the terminal, Jupyter, the page and the
``hint`` of the check's JSON (whose ``name`` and ``node`` name cells as answer files do,
``v_-1``). The practice page's script (``static/practice.js``) takes the same steps over
the same data, which the page carries as JSON; the tests hold both to the same verdicts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Collection, Iterator, NamedTuple

from ..primitives import PRIMITIVES
from ..tables import NOTATIONS, FormulaWriter, Notation
from .mistakes import wrong_partials

if TYPE_CHECKING:
    from .exercise import Exercise

#: Three significant digits: relative or absolute.
TOLERANCE = 5e-3
VERDICTS = ("right", "follows", "wrong", "unanswered")


def close(given: float, expected: float) -> bool:
    """Whether `given` agrees with `expected` to 3 significant digits."""
    return abs(given - expected) <= TOLERANCE * max(1.0, abs(expected))


def key(table: str, name: str) -> str:
    """A cell's key: ``"primal:v_1"``, ``"adjoint:v_-1"``, ``"final:x1"``."""
    return f"{table}:{name}"


# --- the rules: each cell as data ------------------------------------------------------

def rules(ex: Exercise) -> list[dict[str, Any]]:
    """Every cell of `ex` in the order of the sweeps, each a dict:

    ``key``, ``table``, ``name``, ``label`` (v̄_2), ``node`` (v_2), ``expected``;
    ``seed``: a hint if the cell is a seed of the sweep (any wrong number is a wrong seed);
    ``op`` and ``args`` (keys of cells, or constants) for a primal row;
    ``terms`` of a derivative row, each ``{source, partial, node, missing, sign, value,
    wrong}``: the cell it multiplies, ∂v_i/∂v_j, the node v_i whose partial it is, and the
    hints for leaving it out or flipping its sign, v_i's value with the hint for writing it
    for the partial (``value``), and each known wrong partial (``wrong``: ``[[partial,
    hint], …]``);
    ``flipped``: the hint for the whole number's sign; ``value``: ``[v_i, hint]``, the
    primal value that a derivative cell may be confused with.
    """
    return _Rules(ex).cells()


class _Rules:
    """Writes the rules of one exercise: names, numbers and formulas in the text notation
    of the tables (v̄_−1, −0.5, v_0 × v_−1), the function's value named as they name it."""

    def __init__(self, ex: Exercise) -> None:
        self.ex, self.t, self.sweep = ex, ex.trace, ex.sweep
        self.w = FormulaWriter(self.t, NOTATIONS["text"])
        self.nt = self.w.nt
        self.accent = "dot" if ex.mode == "forward" else "bar"

    def cells(self) -> list[dict[str, Any]]:
        t, w, n = self.t, self.w, len(self.t)
        cells = [self.primal(i) for i in range(n)]
        if self.ex.mode == "forward":
            cells += [self.tangent(i) for i in range(n)]
            cells.append(self.final("derivative", self.sweep.derivative, t.output, t.value,
                                    w.output_variable(),
                                    f"the derivative {w.output_variable('dot')}"))
        else:
            cells += [self.adjoint(j) for j in range(n - 1, -1, -1)]
            for k, x in enumerate(t.inputs):
                derivative = self.nt.partial(w.output_variable(), self.nt.variable(x))
                cells.append(self.final(x, self.sweep.gradient[x], k, t.values[k], x,
                                        f"the derivative {self.nt.variable(x, 'bar')} = "
                                        f"{derivative}"))
        return cells

    def cell(self, table: str, i: int, expected: float, label: str) -> dict[str, Any]:
        return {"key": key(table, self.t.name(i)), "table": table, "name": self.t.name(i),
                "label": label, "node": self.t.name(i), "expected": expected, "seed": None,
                "op": None, "args": [], "terms": [], "flipped": "the sign is flipped",
                "value": None}

    def primal(self, i: int) -> dict[str, Any]:
        t, n = self.t, len(self.t)
        cell = self.cell("primal", i, t.values[i], self.w.name(i))
        if t.ops[i] is not None:
            cell["op"] = t.ops[i].name
            cell["args"] = [key("primal", t.name(j)) if j < n else t.values[j]
                            for j in t.args[i]]
        return cell

    def tangent(self, i: int) -> dict[str, Any]:
        t, w, nt = self.t, self.w, self.nt
        cell = self.cell("tangent", i, self.sweep.tangents[i], w.name(i, "dot"))
        if t.ops[i] is None:
            x = t.inputs[i]
            cell["seed"] = (f"the seed is the direction {direction(self.sweep.seed, nt)}: "
                            f"{w.name(i, 'dot')} = {nt.variable(x, 'dot')} = "
                            f"{nt.number(self.sweep.seed[x])}")
            return cell
        cell["terms"] = [self.term(i, k, j) for k, j in enumerate(t.args[i]) if j < len(t)]
        cell["value"] = [t.values[i], f"that is the value {w.name(i)}, not the tangent "
                                      f"{w.name(i, 'dot')}"]
        return cell

    def adjoint(self, j: int) -> dict[str, Any]:
        t, w = self.t, self.w
        cell = self.cell("adjoint", j, self.sweep.adjoints[j], w.name(j, "bar"))
        if j == t.output:
            seed = self.nt.number(self.sweep.seed)
            cell["seed"] = (f"the adjoint sweep starts from {w.output_variable('bar')} = {seed}: "
                            f"{w.name(j, 'bar')} = {seed}")
            return cell
        cell["terms"] = [self.term(i, k, j) for i in range(j + 1, len(t))
                         for k, a in enumerate(t.args[i]) if a == j]
        cell["value"] = [t.values[j], f"that is the value {w.name(j)}, not the adjoint "
                                      f"{w.name(j, 'bar')}"]
        return cell

    def final(self, name: str, expected: float, source: int, value: float, shown: str,
              wanted: str) -> dict[str, Any]:
        """ẏ = v̇ of the output, or x̄ = v̄ of an input: one term, with partial 1."""
        t = self.t
        forward = self.ex.mode == "forward"
        label = self.w.output_variable("dot") if forward else self.nt.variable(name, "bar")
        term = {"source": key("tangent" if forward else "adjoint", t.name(source)),
                "partial": 1.0, "node": t.name(source), "missing": None, "sign": None,
                "value": None, "wrong": []}
        return {**self.cell("final", source, expected, label), "key": key("final", name),
                "name": name, "terms": [term],
                "value": [value, f"that is the value {shown}, not {wanted}"]}

    def term(self, i: int, k: int, j: int) -> dict[str, Any]:
        """The term of v_j's tangent (forward) or adjoint (reverse) that passes through
        argument k of v_i, ∂v_i/∂v_j times v̇_j (or times v̄_i), and the hints."""
        t, w, n = self.t, self.w, len(self.t)
        vi, d = w.name(i), self.nt.partial(w.name(i), w.name(j))
        formula, rule = f"{vi} = {w.op(i)}", w.partials(i)[k]
        if self.accent == "dot":
            source = key("tangent", t.name(j))
            missing = f"missing the term {w.name(j, 'dot')}·{d} of {formula}"
        else:
            source = key("adjoint", t.name(i))
            missing = f"missing the contribution {w.name(i, 'bar')}·{d} from {formula}"
        arguments = [t.values[a] for a in t.args[i]]
        constant = [a >= n for a in t.args[i]]
        return {
            "source": source, "partial": t.partials(i)[k], "node": t.name(i),
            "missing": missing,
            "sign": f"the sign of {d} is flipped: {formula}, so {d} = {rule}",
            "value": [t.values[i], f"{d} = {rule}, not the value {vi} = {w.op(i)}"],
            "wrong": [[p, f"{says} ({formula})"] for p, says in
                      wrong_partials(t.ops[i].name, k, arguments, t.values[i], constant,
                                     self.nt)],
        }


def direction(seed: dict[str, float], nt: Notation) -> str:
    """The tangent direction as a vector: ẋ = (0.6, 0.8)."""
    return f"{nt.variable('x', 'dot')} = ({', '.join(nt.number(v) for v in seed.values())})"


# --- judging --------------------------------------------------------------------------

class Candidate(NamedTuple):
    """A number that a cell would hold after one kind of mistake (or an earlier slip)."""

    kind: str          # "right", "follows", or a kind of mistake (see mistakes.KINDS)
    node: str          # the node it is at
    number: float
    hint: str


def candidates(cell: dict[str, Any], answers: dict[str, float],
               cells: dict[str, dict[str, Any]],
               accepted: Collection[str] = ()) -> Iterator[Candidate]:
    """The numbers a wrong cell is compared with, in order: what follows from the
    student's own earlier cells, then each mistake made on those same cells.

    `answers` holds the student's numbers by key; `cells` the rules by key; `accepted`
    the earlier cells judged right although not within 3 digits of the engine's number
    (they follow from numbers that were). What follows from cells that are all right is
    right ("right"); what follows from a wrong one follows from the slip ("follows").
    """
    def basis(k: str) -> float:
        return answers[k] if k in answers else cells[k]["expected"]

    terms = cell["terms"]
    sources = [a for a in cell["args"] if isinstance(a, str)] + [t["source"] for t in terms]
    if cell["op"] is not None:                # v_i = op(…) of the student's values
        follows = PRIMITIVES[cell["op"]].value(
            *[basis(a) if isinstance(a, str) else a for a in cell["args"]])
    elif terms:                               # Σ ∂v_i/∂v_j times the student's v̇_j or v̄_i
        follows = sum(term["partial"] * basis(term["source"]) for term in terms)
    else:                                     # an input's value: nothing it follows from
        follows = cell["expected"]
    slips = [k for k in dict.fromkeys(sources) if k in answers and k not in accepted
             and not close(answers[k], cells[k]["expected"])]
    if slips:
        yield Candidate("follows", cells[slips[0]]["node"], follows, "follows from your "
                        + " and ".join(cells[k]["label"] for k in slips))
    elif any(k in answers for k in sources):  # rounded as printed, then computed on
        yield Candidate("right", cell["node"], follows, "")
    contributions = [term["partial"] * basis(term["source"]) for term in terms]
    if len(terms) > 1:
        for term, c in zip(terms, contributions):
            yield Candidate("missing", term["node"], follows - c, term["missing"])
    for term, c in zip(terms, contributions):
        for partial, hint in term["wrong"]:
            yield Candidate("partial", term["node"],
                            follows - c + partial * basis(term["source"]), hint)
    for term, c in zip(terms, contributions):
        if term["sign"] is not None:
            yield Candidate("sign", term["node"], follows - 2 * c, term["sign"])
    yield Candidate("sign", cell["node"], -follows, cell["flipped"])
    if cell["value"] is not None:
        yield Candidate("value", cell["node"], *cell["value"])
    for term, c in zip(terms, contributions):
        if term["value"] is not None:
            value, hint = term["value"]
            yield Candidate("value", term["node"], follows - c + value * basis(term["source"]),
                            hint)


@dataclass(frozen=True)
class Row:
    """One judged cell. `kind` and `node` name the mistake, where the number explains it."""

    table: str                  # "primal", "tangent", "adjoint" or "final"
    name: str                   # "v_1"; "derivative", or an input's name for its x̄
    label: str                  # as the tables write it: v̇_1, ẏ, x̄1
    expected: float
    given: float | None
    verdict: str                # "right", "follows", "wrong" or "unanswered"
    kind: str | None = None     # "missing", "sign", "value", "partial" or "seed"
    node: str | None = None     # where: the consumer whose contribution is missing, …
    hint: str = ""              # "missing the contribution v̄_4·∂v_4/∂v_2 from …"


def judge_cell(cell: dict[str, Any], answers: dict[str, float],
               cells: dict[str, dict[str, Any]], accepted: Collection[str] = ()) -> Row:
    """The verdict on one cell, given the student's numbers and the rules by key, and the
    earlier cells accepted as right beyond 3 digits (see :func:`candidates`)."""
    row = Row(cell["table"], cell["name"], cell["label"], cell["expected"],
              answers.get(cell["key"]), "unanswered")
    if row.given is None:
        return row
    if close(row.given, cell["expected"]):
        return replace(row, verdict="right")
    if cell["seed"] is not None:
        return replace(row, verdict="wrong", kind="seed", node=cell["node"], hint=cell["seed"])
    for c in candidates(cell, answers, cells, accepted):
        if math.isfinite(c.number) and close(row.given, c.number):
            if c.kind in ("right", "follows"):
                return replace(row, verdict=c.kind, node=c.node if c.hint else None,
                               hint=c.hint)
            return replace(row, verdict="wrong", kind=c.kind, node=c.node, hint=c.hint)
    return replace(row, verdict="wrong")


def judge(ex: Exercise, answers: dict[str, float]) -> Check:
    """Every cell of `ex` judged against the student's `answers` (numbers by cell key), in
    the order of the sweeps, so that each cell knows which earlier ones were right."""
    cells = {cell["key"]: cell for cell in ex.rules}
    accepted: set[str] = set()
    rows = []
    for cell in ex.rules:
        rows.append(judge_cell(cell, answers, cells, accepted))
        if rows[-1].verdict == "right":
            accepted.add(cell["key"])
    return Check(ex, tuple(rows))


@dataclass(frozen=True)
class Check:
    """The judged cells of one exercise. In Jupyter it shows as an HTML table."""

    exercise: Exercise
    rows: tuple[Row, ...]

    def count(self, verdict: str) -> int:
        return sum(row.verdict == verdict for row in self.rows)

    @property
    def ok(self) -> bool:
        """Nothing wrong: every answered cell is right (unanswered cells are not wrong)."""
        return self.count("wrong") == self.count("follows") == 0

    @property
    def score(self) -> float:
        """The share of all cells right, from 0 to 1. A cell that follows from an earlier
        slip counts as right: the slip costs its own cell, not the rest of the table."""
        return (self.count("right") + self.count("follows")) / len(self.rows)

    def mistakes(self) -> list[str]:
        """The kinds of the mistakes named, one per wrong cell whose number explains it."""
        return [row.kind for row in self.rows if row.kind is not None]

    def to_json(self) -> dict[str, Any]:
        """``{ok, score, rows: [{table, name, expected, given, verdict, kind, node, hint}]}``."""
        return {"ok": self.ok, "score": self.score, "rows": [
            {"table": r.table, "name": r.name, "expected": r.expected, "given": r.given,
             "verdict": r.verdict, "kind": r.kind, "node": r.node, "hint": r.hint}
            for r in self.rows]}

    def __str__(self) -> str:
        from .report import text
        return text(self)

    def _repr_html_(self) -> str:
        from .report import html_table
        return html_table(self)
