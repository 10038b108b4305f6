"""Views of traces as tables: text, markdown, LaTeX, HTML and JSON.

Every table is built once as rows of cells in a chosen notation
(:mod:`ad_tutorial.notation`), then laid out for its format. A row reads as the tutorial
writes it: ``v_1 = ln v_−1 = ln 2 = 0.693`` (name = formula = numbers = value).

The formulas come from the primitive table (each primitive, and its local partials as
formulas, :mod:`ad_tutorial.formulas`); the numbers come from finished sweeps. Nothing
here does calculus.

On arrays a row also gives the node's shape, right after its name, and no column of
numbers substituted into the formula (arrays would not fit a line): the value is
the array itself, its long axes elided. A tangent row shows the Jacobian–vector product
applied and an adjoint row the vector–Jacobian product, from the primitive's rules:
``v̄_5 = v̄_6 ∂v_6/∂v_5 = (v̄_6/5) broadcast to (5,)``, and where a broadcast is undone,
``(v̄_3 × 1) summed over axis 1 → (3, 1)``.
"""

from __future__ import annotations

import json
import math
import unicodedata
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from itertools import chain as _chain, count
from typing import Any, Iterable, Iterator, Union

from .arrays import key_text, np, summed_axes
from .formulas import (NO_TANGENT, Apply, Formula, Name, Num, Param, chain, fill, parse, times,
                       total)
from .forward import Tangent
from .notation import NOTATIONS, SUBSCRIPT_DIGITS, Notation, number, to_ascii
from .results import Shown
from .reverse import Adjoint, Step
from .second import SecondAdjoint
from .trace import Node, Trace, TraceError

__all__ = ["FORMATS", "NOTATIONS", "SUBSCRIPT_DIGITS", "FormulaWriter", "Notation", "Row",
           "element_names", "final_rows",
           "Shape", "adjoint_rows", "ascii_only", "dumps", "equations", "gradient_rows",
           "json_value", "layout", "notation_for", "number", "output_name", "output_names",
           "plain", "primal_rows", "render", "reverse_sweep", "tangent_rows", "titled_tables",
           "to_json"]

Table = Union[Trace, Tangent, Adjoint, SecondAdjoint]
FORMATS = ("text", "markdown", "latex", "html")


def output_name(inputs: Iterable[str]) -> str:
    """The name of the function's value in every table, graph and check: y, unless an
    input is called y; then the first of f, g, h, f1, f2, … that no input is called."""
    taken = set(inputs)
    names = _chain(("y", "f", "g", "h"), (f"f{k}" for k in count(1)))
    return next(name for name in names if name not in taken)


def output_names(trace: Trace) -> list[str]:
    """The names of the trace's outputs: [y] for one (see :func:`output_name`); for a
    function that returns several, y1, y2 …, or f1, f2 … (then g1, …) where an input
    is called y or has one of those names, so that ȳ1 and ȳ mean one thing each."""
    if not trace.several:
        return [output_name(trace.inputs)]
    m, taken = len(trace.results), set(trace.inputs)
    stems = _chain(("y", "f", "g", "h"), (f"f{k}_" for k in count(1)))
    stem = next(s for s in stems if s not in taken
                and not any(f"{s}{r}" in taken for r in range(1, m + 1)))
    return [f"{stem}{r}" for r in range(1, m + 1)]


def element_names(trace: Trace, nt: Notation) -> list[str]:
    """The inputs' elements as a table names them: x1, x2 for numbers, x[0], x[1, 2] in
    arrays (the order of :meth:`Trace.elements`)."""
    return [nt.variable(x) + (f"[{', '.join(map(str, index))}]" if trace.arrays else "")
            for x, index in trace.elements()]


def reverse_sweep(trace: Trace, ybar: dict[str, Any] | None = None) -> Adjoint:
    """The adjoint sweep a view shows: from ȳ = 1 for a function whose value is one number
    (unless `ybar` says otherwise); else from `ybar`, output name → its ȳ (0 for an output
    not named), or by default ȳ = 1 on the first element of the first output and 0
    elsewhere: the first row of the Jacobian, as the default tangent seed gives its
    first column."""
    names = output_names(trace)
    for name in ybar or {}:
        if name not in names:
            raise TraceError(f"cannot seed ȳ of {name!r}: the function's "
                             f"{'outputs are' if trace.several else 'value is'} "
                             + ", ".join(names))
    shapes = [trace.shape(slot) for slot in trace.outputs]
    if not ybar:
        if not trace.several and shapes[0] == ():
            return trace.reverse()
        ybar = {names[0]: _unit(shapes[0])}
    seeds = tuple(ybar.get(name, 0.0) if shape == () else ybar.get(name, np.zeros(shape))
                  for name, shape in zip(names, shapes))
    return trace.reverse(seeds if trace.several else seeds[0])


def _unit(shape: tuple[int, ...]) -> Any:
    """1.0, or an array of zeros of `shape` with a 1 first."""
    if shape == ():
        return 1.0
    e = np.zeros(shape)
    e.flat[0] = 1.0
    return e


# --- ASCII, for a terminal that cannot show Unicode --------------------------------------

_ascii_only: ContextVar[bool] = ContextVar("ascii_only", default=False)


@contextmanager
def ascii_only(on: bool = True) -> Iterator[None]:
    """Within this block, text and markdown tables, check's table and JSON are written in
    ASCII (v_1, vdot_1, xdot1, d/dx, *, -), for a terminal that cannot show Unicode."""
    token = _ascii_only.set(on)
    try:
        yield
    finally:
        _ascii_only.reset(token)


def plain(text: str) -> str:
    """text as a terminal shows it: in ASCII inside :func:`ascii_only`, else unchanged."""
    return to_ascii(text) if _ascii_only.get() else text


# --- rows ------------------------------------------------------------------------------

Row = tuple[str, ...]   # (left-hand side, [shape,] formula, [more formulas …], value)


class Shape(str):
    """The cell of a row that gives its node's shape, on arrays: written beside the name,
    not equated to it (``v_1  (5,)  = v_0²``)."""


class FormulaWriter:
    """Writes the formulas of one trace in one notation: the names of its nodes, each
    node's operation and its local partials (on arrays, its JVP and VJP rules), with the
    trace's names or its numbers."""

    def __init__(self, trace: Trace, notation: Notation) -> None:
        self.t, self.nt = trace, notation
        self.outputs = output_names(trace)
        self.output = self.outputs[0]

    def name(self, slot: int, accent: str = "") -> str:
        """v_i (with an accent) for a node, the number itself for a constant."""
        if slot >= len(self.t):
            return self.nt.number(self.t.values[slot])
        return self.nt.node(slot + 1 - len(self.t.inputs), accent)

    def operand(self, slot: int, numbers: bool = False, accent: str = "") -> Formula:
        """A node as its name, or with ``numbers`` as its value; a constant of the trace
        (an array constant, of a Python function, as written: it folds with nothing)."""
        value = self.t.values[slot]
        if slot >= len(self.t):
            return Num(value) if type(value) is float else Name(self.nt.number(value))
        return Num(value, constant=False) if numbers else Name(self.name(slot, accent))

    def parameters(self, i: int) -> dict[str, Param | None]:
        """v_i's parameters by name (an axis, a shape, an index), None where not given."""
        given = self.t.node(i).parameters
        return {name: None if v is None else Param(name, v)
                for name, v in zip(self.t.ops[i].parameters, given)}

    def op_formula(self, i: int, numbers: bool = False) -> Formula:
        """v_i's operation: ``ln v_−1``, or with numbers ``ln 2``; on arrays with its
        parameters: ``sum(v_0, axis=1)``, ``v_0[1:3]``."""
        operands = tuple(self.operand(j, numbers) for j in self.t.args[i])
        if not self.t.arrays:
            return Apply(self.t.ops[i].name, operands)
        given = tuple(p for p in self.parameters(i).values() if p is not None)
        return Apply(self.t.ops[i].name, operands + given)

    def partial_formulas(self, i: int, numbers: bool = False) -> list[Formula]:
        """∂v_i/∂(each argument): the primitive's formulas, its x, y and out filled in."""
        names = dict(zip("xy", (self.operand(j, numbers) for j in self.t.args[i])),
                     out=self.operand(i, numbers))
        return [fill(parse(text), names) for text in self.t.ops[i].partial_formulas]

    def op(self, i: int, numbers: bool = False) -> str:
        return self.nt.formula(self.op_formula(i, numbers))

    def partials(self, i: int, numbers: bool = False) -> list[str]:
        """∂v_i/∂(each argument), written out, e.g. ``cos v_0`` or ``cos 5``."""
        return [self.nt.formula(f) for f in self.partial_formulas(i, numbers)]

    def partial_is_constant(self, i: int, k: int) -> bool:
        """Whether ∂v_i/∂(argument k) is a number whatever the values (1, −1, the 3 of 3x)."""
        return isinstance(self.partial_formulas(i)[k], Num)

    def output_variable(self, accent: str = "", r: int = 0) -> str:
        """y (or f, …; see :func:`output_names`) with an accent: ẏ, ȳ; y2 for output r = 1."""
        return self.nt.variable(self.outputs[r], accent)

    # --- on arrays: the rules of the primitives that move or combine elements -------------

    def tangent(self, slot: int) -> Formula:
        """v̇_j for a node; a constant has no tangent."""
        return NO_TANGENT if slot >= len(self.t) else self.operand(slot, accent="dot")

    def rule_names(self, i: int) -> dict[str, object]:
        """What the rules of v_i's primitive are written over (see Primitive): its
        arguments, their tangents and shapes, out, v̄_i as g, its parameters, and n."""
        t, args = self.t, self.t.args[i]
        names: dict[str, object] = {"out": self.operand(i), "g": self.operand(i, accent="bar"),
                                    "dxs": tuple(map(self.tangent, args)), **self.parameters(i)}
        for letter, j in zip("xy", args):
            names[letter], names[f"d{letter}"] = self.operand(j), self.tangent(j)
            names[f"shape_{letter}"] = Param("shape", t.shape(j))
        names["n"] = Num(float(math.prod(t.shape(args[0])) // max(1, math.prod(t.shape(i)))))
        return names

    def jvp_formula(self, i: int) -> Formula:
        """v̇_i: Σ_j v̇_j ∂v_i/∂v_j for an elementwise primitive (and every primitive of a
        trace of floats), else its JVP rule: ``sum v̇_5``, ``v̇_1 @ v_2 + v_1 @ v̇_2``."""
        op, args = self.t.ops[i], self.t.args[i]
        if op.elementwise or not self.t.arrays:
            partials = self.partial_formulas(i)
            return total([chain(self.tangent(j), partials[k]) for k, j in enumerate(args)
                          if j < len(self.t)])
        return fill(parse(op.jvp_formula), self.rule_names(i))

    def vjp_formula(self, i: int, k: int) -> Formula:
        """What v_i passes back to its argument k, given v̄_i: v̄_i × ∂v_i/∂v_j for an
        elementwise primitive, summed back over the axes a broadcast added; else its VJP
        rule: ``v̄_6 broadcast to (5,)``, ``v̄_3 @ v_2ᵀ``."""
        op, j = self.t.ops[i], self.t.args[i][k]
        if op.elementwise or not self.t.arrays:
            product = times(self.operand(i, accent="bar"), self.partial_formulas(i)[k])
            axes = summed_axes(self.t.shape(j), self.t.shape(i)) if self.t.arrays else ()
            if axes:
                product = Apply("unbroadcast", (product, Param("axes", axes),
                                                Param("shape", self.t.shape(j))))
            return product
        rule = op.vjp_formulas[min(k, len(op.vjp_formulas) - 1)]   # stack: one for all
        return fill(parse(rule), {**self.rule_names(i), "k": Param("key", (k,))})

    def row(self, lhs: str, slot: int, symbolic: list[str], numeric: list[str],
            value: object) -> Row:
        """A table row: lhs = formulas = numbers substituted = value; on arrays, lhs, the
        shape of the node in `slot`, the formulas and the value (no numbers)."""
        if self.t.arrays:
            return (lhs, Shape(self.nt.shape(self.t.shape(slot))), *symbolic,
                    self.nt.number(value))
        return (lhs, *symbolic, *numeric, self.nt.number(value))


def primal_rows(trace: Trace, nt: Notation) -> list[Row]:
    """v_{1−n} = x_1 … v_k = op(…), then y = v_k: the forward evaluation trace."""
    w = FormulaWriter(trace, nt)
    rows: list[Row] = [w.row(w.name(k), k, [nt.variable(x)], [""], trace.values[k])
                       for k, x in enumerate(trace.inputs)]
    rows += [w.row(w.name(i), i, [w.op(i)], [] if trace.arrays else [w.op(i, numbers=True)],
                   trace.values[i]) for i in range(len(trace.inputs), len(trace))]
    rows += [w.row(w.output_variable(r=r), slot, [w.name(slot)], [""], trace.values[slot])
             for r, slot in enumerate(trace.outputs)]
    return rows


def tangent_rows(tangent: Tangent, nt: Notation) -> list[Row]:
    """v̇_i = Σ_j v̇_j ∂v_i/∂v_j: the forward derivative trace (on arrays, each
    primitive's Jacobian–vector product)."""
    t, w = tangent.trace, FormulaWriter(tangent.trace, nt)
    dots = tangent.tangents
    rows: list[Row] = [w.row(w.name(k, "dot"), k, [nt.variable(x, "dot")], [""], dots[k])
                       for k, x in enumerate(t.inputs)]
    for i in range(len(t.inputs), len(t)):
        numbers = ""
        if not t.arrays:
            numeric = w.partial_formulas(i, numbers=True)
            numbers = nt.formula(total([chain(Num(dots[j], constant=False), numeric[k])
                                        for k, j in enumerate(t.args[i]) if j < len(t)]))
        rows.append(w.row(w.name(i, "dot"), i, [nt.formula(w.jvp_formula(i))], [numbers],
                          dots[i]))
    rows += [w.row(w.output_variable("dot", r), slot, [w.name(slot, "dot")], [""], dots[slot])
             for r, slot in enumerate(t.outputs)]
    return rows


def _edges(adjoint: Adjoint) -> Iterator[tuple[Step, int]]:
    """Each step of the sweep with the argument position k of its edge (v_j is the k-th
    argument of v_i): x**x passes back along two edges with two different partials; for
    the seed of output r, k is r."""
    t = adjoint.trace
    positions: Iterator[int] = count()
    source = -1
    for step in adjoint.steps():
        if step.source != source:
            source = step.source
            positions = iter([k for k, j in enumerate(t.args[source]) if j < len(t)])
        yield step, next(positions)


def adjoint_rows(adjoint: Adjoint, nt: Notation) -> list[Row]:
    """Baydin et al.'s reverse table: one row per contribution v̄_j += v̄_i ∂v_i/∂v_j (on
    arrays, the primitive's vector–Jacobian product)."""
    t, w = adjoint.trace, FormulaWriter(adjoint.trace, nt)
    rows: list[Row] = []
    previous: dict[int, object] = {}
    for s, k in _edges(adjoint):
        lhs = w.name(s.node, "bar")
        if s.source < 0:
            rows.append(w.row(lhs, s.node, [w.output_variable("bar", k)], ["", ""], s.adjoint))
            previous[s.node] = s.adjoint
            continue
        i = s.source
        symbol = f"{w.name(i, 'bar')} {nt.partial(w.name(i), w.name(s.node))}"
        product = w.vjp_formula(i, k)
        if not s.first:
            symbol = f"{lhs} + {symbol}"
            product = Apply("add", (Name(lhs), product))
        numeric = []                    # on floats, the numbers put in: 1 × cos 5
        if not t.arrays:
            numbers = times(Num(adjoint.adjoints[i], constant=False),
                            w.partial_formulas(i, numbers=True)[k])
            if not s.first:
                numbers = Apply("add", (Num(previous[s.node], constant=False), numbers))
            numeric = [nt.formula(numbers)]
        rows.append(w.row(lhs, s.node, [symbol, nt.formula(product)], numeric, s.adjoint))
        previous[s.node] = s.adjoint
    return rows


def gradient_rows(adjoint: Adjoint, nt: Notation) -> list[Row]:
    """Each final adjoint, then ∂y/∂x_i = v̄ of each input."""
    return final_rows(adjoint.trace, adjoint.adjoints, "bar", nt)


def final_rows(t: Trace, finals: list[Any], accent: str, nt: Notation) -> list[Row]:
    """Each node's final v̄ (or v̄˙, …: `accent`), from the last node back, then each
    input's: x̄ = v̄_−1."""
    w = FormulaWriter(t, nt)
    rows: list[Row] = [w.row(w.name(i, accent), i, [""], [], finals[i])
                       for i in range(len(t) - 1, -1, -1)]
    rows += [w.row(nt.variable(x, accent), k, [w.name(k, accent)], [], finals[k])
             for k, x in enumerate(t.inputs)]
    return rows


# --- titles ----------------------------------------------------------------------------

def equations(values: dict[str, float], nt: Notation, accent: str = "") -> str:
    """x1 = 2, x2 = 5 (or with an accent ẋ1 = 1, ẋ2 = 0), as mathematics in a sentence."""
    return ", ".join(nt.math(f"{nt.variable(x, accent)} = {nt.number(v)}")
                     for x, v in values.items())


def titled_tables(obj: Table, nt: Notation) -> list[tuple[str, list[Row]]]:
    """The tables that show `obj`, each with its title."""
    if isinstance(obj, SecondAdjoint):
        from .second_tables import second_titled_tables
        return second_titled_tables(obj, nt)
    if isinstance(obj, Trace):
        return [(f"Forward evaluation trace (primal) at {equations(obj.at(), nt)}",
                 primal_rows(obj, nt))]
    if isinstance(obj, Tangent):
        return [(f"Forward derivative trace (tangent), seed {equations(obj.seed, nt, 'dot')}",
                 tangent_rows(obj, nt))]
    t = obj.trace
    seed = dict(zip(output_names(t), obj.seed if t.several else (obj.seed,)))
    return [(f"Reverse adjoint trace, seed {equations(seed, nt, 'bar')}",
             adjoint_rows(obj, nt)),
            ("Adjoints, and the gradient", gradient_rows(obj, nt))]


# --- layouts ---------------------------------------------------------------------------

def _width(s: str) -> int:
    """Terminal width of s: combining accents take no column."""
    return sum(not unicodedata.combining(c) for c in s)


def _cells(row: Row, ncols: int) -> list[str]:
    """The row's cells in ncols columns: blanks before the value, which comes last."""
    return list(row[:-1]) + [""] * (ncols - len(row)) + [row[-1]]


def _equals(cell: str, sign: str = "= ") -> str:
    """What comes before a cell after the first: "= ", or nothing before a shape."""
    return "" if isinstance(cell, Shape) or not cell else sign


def _text(title: str, rows: list[Row]) -> str:
    """Aligned columns joined by ' = ' (a shape by spaces), blank cells skipped but their
    space kept."""
    ncols = max(map(len, rows))
    widths = [max(_width(r[c]) for r in rows if c < len(r)) for c in range(ncols)]
    lines = [title]
    for row in rows:
        cells = _cells(row, ncols)
        parts = [cells[0] + " " * (widths[0] - _width(cells[0]))]
        for c, cell in enumerate(cells[1:-1], start=1):
            pad = " " * (widths[c] - _width(cell))
            joint = "  " if isinstance(cell, Shape) else " = "
            parts.append(f"{joint}{cell}{pad}" if cell else
                         " " * (widths[c] + 3) if widths[c] else "")
        parts.append(f" = {cells[-1]}")
        lines.append("  " + "".join(parts).rstrip())
    return "\n".join(lines)


def _markdown(title: str, rows: list[Row]) -> str:
    ncols = max(map(len, rows))
    shaped = isinstance(rows[0][1], Shape)

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", r"\|") for c in cells) + " |"

    heading = ["node"] + ["shape"] * shaped + [""] * (ncols - 2 - shaped) + ["value"]
    out = [f"**{title}**", "", line(heading), "|" + " --- |" * ncols]
    for row in rows:
        cells = _cells(row, ncols)
        out.append(line([cells[0]] + [_equals(c) + c for c in cells[1:]]))
    return "\n".join(out)


def _latex(title: str, rows: list[Row]) -> str:
    """A visible heading, then the table. Where partials are written out (the last two
    formula columns of the primal, tangent and adjoint tables), the columns share the
    text width and break long formulas after a + or a ×, indenting what follows; the
    adjoint table is set small. On arrays a column of shapes follows the names."""
    ncols = max(map(len, rows))
    shaped = isinstance(rows[0][1], Shape)
    formulas = ncols - 2 - shaped
    growing = 2 if formulas >= 2 else 0
    wrap = r">{\raggedright\arraybackslash\relpenalty=10000\hangindent=1em}X"
    spec = ("@{}" + "l" * (1 + shaped + formulas - growing)
            + (f"*{{2}}{{{wrap}}}" if growing else "") + "l@{}")
    environment = "tabularx}{\\linewidth" if growing else "tabular"
    small = formulas >= 3 or shaped and formulas >= 2
    out = [rf"\paragraph{{{title}}}\mbox{{}}\par\nobreak\noindent"]
    out.append(("{\\small" + "\n" if small else "") + rf"\begin{{{environment}}}{{{spec}}}")
    for row in rows:
        cells = _cells(row, ncols)
        out.append(" & ".join([f"${cells[0]}$"] + [f"${_equals(c, '{} = ')}{c}$" if c else ""
                                                    for c in cells[1:]]) + r" \\")
    out.append(rf"\end{{{environment.split('}')[0]}}}" + (r"\par}" if small else ""))
    return "\n".join(out)


_HTML_STYLE = {"table": "border-collapse:collapse;margin:0 0 1em 0",
               "caption": "caption-side:top;text-align:left;font-weight:bold;white-space:nowrap",
               "td": "text-align:left;white-space:nowrap;padding:1px 0.8em 1px 0"}


def _html(title: str, rows: list[Row]) -> str:
    """A table with its title as caption, styled inline so that it reads the same in any
    notebook: left-aligned cells on one line each, the title above them in bold."""
    ncols = max(map(len, rows))
    style = {tag: f" style='{css}'" for tag, css in _HTML_STYLE.items()}
    out = [f"<table{style['table']}><caption{style['caption']}>{title}</caption>"]
    for row in rows:
        out.append("<tr>" + "".join(f"<td{style['td']}>{_equals(c) if k else ''}{c}</td>"
                                    for k, c in enumerate(_cells(row, ncols))) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


_LAYOUTS = {"text": _text, "markdown": _markdown, "latex": _latex, "html": _html}


def render(obj: Table, fmt: str = "text", digits: int = 3) -> str:
    """`obj` (a trace, tangent, adjoint or second-order adjoint) as tables in one of
    :data:`FORMATS`.

    LaTeX needs ``\\usepackage{amsmath, tabularx}``. Inside :func:`ascii_only`, text and
    markdown are written in ASCII.
    """
    nt = notation_for(fmt, digits)
    return layout(titled_tables(obj, nt), fmt)


def notation_for(fmt: str, digits: int = 3) -> Notation:
    """The notation of a format, writing numbers to `digits` decimals."""
    nt = NOTATIONS[fmt]
    return nt if digits == nt.digits else replace(nt, digits=digits)


def layout(tables: list[tuple[str, list[Row]]], fmt: str) -> str:
    """Titled tables of rows laid out in `fmt` (in ASCII inside :func:`ascii_only`)."""
    if fmt in ("text", "markdown"):
        tables = [(plain(title), [tuple(type(c)(plain(c)) for c in row) for row in rows])
                  for title, rows in tables]
    return "\n\n".join(_LAYOUTS[fmt](title, rows) for title, rows in tables)


# A trace, a tangent and an adjoint print as these tables (see ad_tutorial.results).
Shown.renderer = render


# --- JSON ------------------------------------------------------------------------------

def json_number(x: float) -> float | str:
    """Strict JSON has no NaN or infinity: write them as strings."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def json_value(x: Any) -> Any:
    """A number as :func:`json_number` writes it, or an array as nested lists of them."""
    if type(x) is float:
        return json_number(x)
    if not getattr(x, "ndim", 0):
        return json_number(float(x))
    if np.isfinite(x).all():
        return x.tolist()
    return np.vectorize(json_number, otypes=[object])(x).tolist()


def json_partial(partial: Any) -> Any:
    """An elementwise partial on arrays as nested lists, None for a VJP rule. A partial
    that divides (1/x) or selects (relu's) is applied to 1 to give its array."""
    if partial is None:
        return None
    with np.errstate(all="ignore"):
        return json_value(1.0 * partial)


def to_json(trace: Trace, tangent: Tangent | None = None,
            adjoint: Adjoint | None = None, second: SecondAdjoint | None = None
            ) -> dict[str, Any]:
    """The traces as plain data, for tools (see the README for the schema).

    On arrays every value is nested lists, and each node has its ``shape`` (and its
    ``parameters``, where its primitive has some: an axis, a shape, an index written
    ``1:3``). For several outputs, ``output``, ``value`` and ``derivative`` are lists.
    """
    n, names = len(trace), output_names(trace)
    several, arrays = trace.several, trace.arrays
    value = json_value if arrays else json_number

    def arg(j: int) -> str | float | int:
        return trace.name(j) if j < n else value(trace.values[j])

    def outputs(per_output: Any) -> Any:
        return [value(v) for v in per_output] if several else value(per_output)

    def node(nd: Node) -> dict[str, Any]:
        data = {"name": nd.name, "op": nd.op.name if nd.op else "input",
                "args": [arg(j) for j in nd.args], "value": value(nd.value)}
        if arrays:
            data["shape"] = list(trace.shape(nd.index))
            if nd.op and nd.op.parameters:
                data["parameters"] = {name: key_text(v) if name == "key" else v
                                      for name, v in zip(nd.op.parameters, nd.parameters)}
        return data

    data: dict[str, Any] = {
        "expression": trace.expression,
        "inputs": {x: value(v) for x, v in trace.at().items()},
        "output": names if several else names[0],
        "value": outputs(trace.value),
        "primal": [node(nd) for nd in trace.nodes()],
    }
    if tangent is not None:
        data["tangent"] = {
            "seed": {x: value(v) for x, v in tangent.seed.items()},
            "trace": [{"name": trace.name(i), "tangent": value(v)}
                      for i, v in enumerate(tangent.tangents)],
            "derivative": outputs(tangent.derivative)}
    if adjoint is not None:
        data["adjoint"] = {
            "steps": [{"node": trace.name(s.node),
                       "source": trace.name(s.source) if s.source >= 0 else names[k],
                       "partial": (json_number(s.partial) if not arrays else
                                   json_partial(s.partial)),
                       "contribution": value(s.contribution),
                       "adjoint": value(s.adjoint)} for s, k in _edges(adjoint)],
            "trace": [{"name": trace.name(i), "adjoint": value(adjoint.adjoints[i])}
                      for i in range(n - 1, -1, -1)],
            "gradient": {x: value(v) for x, v in adjoint.gradient.items()}}
        if arrays or several:
            data["adjoint"] = {"seed": dict(zip(names, map(value, adjoint.seed if several
                                                           else (adjoint.seed,)))),
                               **data["adjoint"]}
    if second is not None:
        from .second_tables import second_json
        data["second"] = second_json(second)
    return data


def dumps(data: dict[str, Any]) -> str:
    """Strict JSON; non-ASCII characters escaped inside :func:`ascii_only`."""
    return json.dumps(data, indent=2, ensure_ascii=_ascii_only.get(), allow_nan=False)
