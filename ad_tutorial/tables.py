"""Views of traces as tables: text, markdown, LaTeX, HTML and JSON.

Every table is built once as rows of cells in a chosen notation
(:mod:`ad_tutorial.notation`), then laid out for its format. A row reads as the tutorial
writes it: ``v_1 = ln v_−1 = ln 2 = 0.693`` (name = formula = numbers = value).

The formulas come from the primitive table (each primitive, and its local partials as
formulas, :mod:`ad_tutorial.formulas`); the numbers come from finished sweeps. Nothing
here does calculus.
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

from .formulas import Apply, Formula, Name, Num, chain, fill, parse, times, total
from .forward import Tangent
from .notation import NOTATIONS, SUBSCRIPT_DIGITS, Notation, number, to_ascii
from .results import Shown
from .reverse import Adjoint, Step
from .second import SecondAdjoint
from .trace import Trace

__all__ = ["FORMATS", "NOTATIONS", "SUBSCRIPT_DIGITS", "FormulaWriter", "Notation", "Row",
           "adjoint_rows", "ascii_only", "dumps", "equations", "gradient_rows", "layout",
           "notation_for", "number", "output_name", "plain", "primal_rows", "render",
           "tangent_rows", "titled_tables", "to_json"]

Table = Union[Trace, Tangent, Adjoint, SecondAdjoint]
FORMATS = ("text", "markdown", "latex", "html")


def output_name(inputs: Iterable[str]) -> str:
    """The name of the function's value in every table, graph and check: y, unless an
    input is called y; then the first of f, g, h, f1, f2, … that no input is called."""
    taken = set(inputs)
    names = _chain(("y", "f", "g", "h"), (f"f{k}" for k in count(1)))
    return next(name for name in names if name not in taken)


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

Row = tuple[str, ...]   # (left-hand side, formula, [more formulas …], value)


class FormulaWriter:
    """Writes the formulas of one trace in one notation: the names of its nodes, each
    node's operation and its local partials, with the trace's names or its numbers."""

    def __init__(self, trace: Trace, notation: Notation) -> None:
        self.t, self.nt = trace, notation
        self.output = output_name(trace.inputs)

    def name(self, slot: int, accent: str = "") -> str:
        """v_i (with an accent) for a node, the number itself for a constant."""
        if slot >= len(self.t):
            return self.nt.number(self.t.values[slot])
        return self.nt.node(slot + 1 - len(self.t.inputs), accent)

    def operand(self, slot: int, numbers: bool = False, accent: str = "") -> Formula:
        """A node as its name, or with ``numbers`` as its value; a constant of the trace."""
        value = self.t.values[slot]
        if slot >= len(self.t):
            return Num(value)
        return Num(value, constant=False) if numbers else Name(self.name(slot, accent))

    def op_formula(self, i: int, numbers: bool = False) -> Formula:
        """v_i's operation: ``ln v_−1``, or with numbers ``ln 2``."""
        return Apply(self.t.ops[i].name, tuple(self.operand(j, numbers) for j in self.t.args[i]))

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

    def output_variable(self, accent: str = "") -> str:
        """y (or f, …; see :func:`output_name`) with an accent: ẏ, ȳ."""
        return self.nt.variable(self.output, accent)


def primal_rows(trace: Trace, nt: Notation) -> list[Row]:
    """v_{1−n} = x_1 … v_k = op(…), then y = v_k: the forward evaluation trace."""
    w = FormulaWriter(trace, nt)
    rows: list[Row] = [(w.name(k), nt.variable(x), "", nt.number(trace.values[k]))
                       for k, x in enumerate(trace.inputs)]
    rows += [(w.name(i), w.op(i), w.op(i, numbers=True), nt.number(trace.values[i]))
             for i in range(len(trace.inputs), len(trace))]
    rows.append((w.output_variable(), w.name(trace.output), "", nt.number(trace.value)))
    return rows


def tangent_rows(tangent: Tangent, nt: Notation) -> list[Row]:
    """v̇_i = Σ_j v̇_j ∂v_i/∂v_j: the forward derivative trace."""
    t, w = tangent.trace, FormulaWriter(tangent.trace, nt)
    rows: list[Row] = [(w.name(k, "dot"), nt.variable(x, "dot"), "",
                        nt.number(tangent.tangents[k])) for k, x in enumerate(t.inputs)]
    for i in range(len(t.inputs), len(t)):
        nodes = [(k, j) for k, j in enumerate(t.args[i]) if j < len(t)]
        symbolic, numeric = w.partial_formulas(i), w.partial_formulas(i, numbers=True)
        rows.append((
            w.name(i, "dot"),
            nt.formula(total([chain(w.operand(j, accent="dot"), symbolic[k]) for k, j in nodes])),
            nt.formula(total([chain(Num(tangent.tangents[j], constant=False), numeric[k])
                              for k, j in nodes])),
            nt.number(tangent.tangents[i])))
    rows.append((w.output_variable("dot"), w.name(t.output, "dot"), "",
                 nt.number(tangent.derivative)))
    return rows


def _edges(adjoint: Adjoint) -> Iterator[tuple[Step, int]]:
    """Each step of the sweep with the argument position k of its edge (v_j is the k-th
    argument of v_i): x**x passes back along two edges with two different partials."""
    t = adjoint.trace
    positions: Iterator[int] = iter(())
    source = None
    for step in adjoint.steps():
        if step.source != source:
            source = step.source
            positions = iter([k for k, j in enumerate(t.args[source]) if j < len(t)]
                             if source >= 0 else [-1])
        yield step, next(positions)


def adjoint_rows(adjoint: Adjoint, nt: Notation) -> list[Row]:
    """Baydin et al.'s reverse table: one row per contribution v̄_j += v̄_i ∂v_i/∂v_j."""
    w = FormulaWriter(adjoint.trace, nt)
    rows: list[Row] = []
    previous: dict[int, float] = {}
    for s, k in _edges(adjoint):
        lhs = w.name(s.node, "bar")
        if s.source < 0:
            rows.append((lhs, w.output_variable("bar"), "", "", nt.number(s.adjoint)))
            continue
        i = s.source
        symbol = f"{w.name(i, 'bar')} {nt.partial(w.name(i), w.name(s.node))}"
        product = times(w.operand(i, accent="bar"), w.partial_formulas(i)[k])
        numbers = times(Num(adjoint.adjoints[i], constant=False),
                        w.partial_formulas(i, numbers=True)[k])
        if not s.first:
            symbol = f"{lhs} + {symbol}"
            product = Apply("add", (Name(lhs), product))
            numbers = Apply("add", (Num(previous[s.node], constant=False), numbers))
        rows.append((lhs, symbol, nt.formula(product), nt.formula(numbers),
                     nt.number(s.adjoint)))
        previous[s.node] = s.adjoint
    return rows


def gradient_rows(adjoint: Adjoint, nt: Notation) -> list[Row]:
    """Each final adjoint, then ∂y/∂x_i = v̄ of each input."""
    t, w = adjoint.trace, FormulaWriter(adjoint.trace, nt)
    rows: list[Row] = [(w.name(i, "bar"), "", nt.number(adjoint.adjoints[i]))
                       for i in range(len(t) - 1, -1, -1)]
    rows += [(nt.variable(x, "bar"), w.name(k, "bar"), nt.number(adjoint.adjoints[k]))
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
    seed = {output_name(obj.trace.inputs): obj.seed}
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


def _text(title: str, rows: list[Row]) -> str:
    """Aligned columns joined by ' = ', blank cells skipped but their space kept."""
    ncols = max(map(len, rows))
    widths = [max(_width(r[c]) for r in rows if c < len(r)) for c in range(ncols)]
    lines = [title]
    for row in rows:
        cells = _cells(row, ncols)
        parts = [cells[0] + " " * (widths[0] - _width(cells[0]))]
        for c, cell in enumerate(cells[1:-1], start=1):
            pad = " " * (widths[c] - _width(cell))
            parts.append(f" = {cell}{pad}" if cell else " " * (widths[c] + 3) if widths[c] else "")
        parts.append(f" = {cells[-1]}")
        lines.append("  " + "".join(parts).rstrip())
    return "\n".join(lines)


def _markdown(title: str, rows: list[Row]) -> str:
    ncols = max(map(len, rows))

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", r"\|") for c in cells) + " |"

    out = [f"**{title}**", "", line(["node"] + [""] * (ncols - 2) + ["value"]),
           "|" + " --- |" * ncols]
    for row in rows:
        cells = _cells(row, ncols)
        out.append(line([cells[0]] + [f"= {c}" if c else "" for c in cells[1:]]))
    return "\n".join(out)


def _latex(title: str, rows: list[Row]) -> str:
    """A visible heading, then the table. Where partials are written out (the last two
    formula columns of the primal, tangent and adjoint tables), the columns share the
    text width and break long formulas after a + or a ×, indenting what follows; the
    adjoint table is set small."""
    ncols = max(map(len, rows))
    formulas = ncols - 2
    growing = 2 if formulas >= 2 else 0
    wrap = r">{\raggedright\arraybackslash\relpenalty=10000\hangindent=1em}X"
    spec = ("@{}" + "l" * (1 + formulas - growing) + (f"*{{2}}{{{wrap}}}" if growing else "")
            + "l@{}")
    environment = "tabularx}{\\linewidth" if growing else "tabular"
    small = formulas >= 3
    out = [rf"\paragraph{{{title}}}\mbox{{}}\par\nobreak\noindent"]
    out.append(("{\\small" + "\n" if small else "") + rf"\begin{{{environment}}}{{{spec}}}")
    for row in rows:
        cells = _cells(row, ncols)
        out.append(" & ".join([f"${cells[0]}$"] + [f"${{}} = {c}$" if c else ""
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
        out.append("<tr>" + "".join(f"<td{style['td']}>{'= ' if k and c else ''}{c}</td>"
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
        tables = [(plain(title), [tuple(map(plain, row)) for row in rows])
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


def to_json(trace: Trace, tangent: Tangent | None = None,
            adjoint: Adjoint | None = None, second: SecondAdjoint | None = None
            ) -> dict[str, Any]:
    """The traces as plain data, for tools (see the README for the schema)."""
    n, output = len(trace), output_name(trace.inputs)

    def arg(j: int) -> str | float | int:
        return trace.name(j) if j < n else json_number(trace.values[j])

    data: dict[str, Any] = {
        "expression": trace.expression,
        "inputs": {x: json_number(v) for x, v in trace.at().items()},
        "output": output,
        "value": json_number(trace.value),
        "primal": [{"name": node.name, "op": node.op.name if node.op else "input",
                    "args": [arg(j) for j in node.args], "value": json_number(node.value)}
                   for node in trace.nodes()],
    }
    if tangent is not None:
        data["tangent"] = {
            "seed": {x: json_number(v) for x, v in tangent.seed.items()},
            "trace": [{"name": trace.name(i), "tangent": json_number(v)}
                      for i, v in enumerate(tangent.tangents)],
            "derivative": json_number(tangent.derivative)}
    if adjoint is not None:
        data["adjoint"] = {
            "steps": [{"node": trace.name(s.node),
                       "source": trace.name(s.source) if s.source >= 0 else output,
                       "partial": json_number(s.partial),
                       "contribution": json_number(s.contribution),
                       "adjoint": json_number(s.adjoint)} for s in adjoint.steps()],
            "trace": [{"name": trace.name(i), "adjoint": json_number(adjoint.adjoints[i])}
                      for i in range(n - 1, -1, -1)],
            "gradient": {x: json_number(v) for x, v in adjoint.gradient.items()}}
    if second is not None:
        from .second_tables import second_json
        data["second"] = second_json(second)
    return data


def dumps(data: dict[str, Any]) -> str:
    """Strict JSON; non-ASCII characters escaped inside :func:`ascii_only`."""
    return json.dumps(data, indent=2, ensure_ascii=_ascii_only.get(), allow_nan=False)
