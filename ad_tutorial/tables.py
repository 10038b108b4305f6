"""Views of traces as tables: text, markdown, LaTeX, HTML and JSON.

Every table is built once as rows of cells in a chosen :class:`Notation`, then laid
out for its format. A row reads as the tutorial writes it:
``v_1 = ln v_-1 = ln 2 = 0.693`` (name = formula = numbers = value).

The formulas come from the primitive table (``text``/``latex`` for a node,
``partial_text``/``partial_latex`` for its local partials); the numbers come from
finished sweeps. Nothing here does calculus.
"""

from __future__ import annotations

import html
import json
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable, Union

from .forward import Tangent
from .results import Shown
from .reverse import Adjoint
from .trace import Trace

Table = Union[Trace, Tangent, Adjoint]
FORMATS = ("text", "markdown", "latex", "html")


def number(x: float, digits: int = 3) -> str:
    """A number as a teacher writes it: 0.693, 10, 5.5, -0.959, 1.23e+07, inf, nan."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x.is_integer() and abs(x) < 1e6:
        return str(int(x))
    if abs(x) >= 1e6 or abs(x) < 10.0 ** -digits:
        return f"{x:.{digits}g}"
    return f"{x:.{digits}f}".rstrip("0").rstrip(".")


# --- notations: how names, accents, numbers and templates are written ---------------

SUBSCRIPT_DIGITS = str.maketrans("-0123456789", "₋₀₁₂₃₄₅₆₇₈₉")
_ACCENT = {"": "", "dot": "\u0307", "bar": "\u0304"}


@dataclass(frozen=True)
class Notation:
    """How one format writes v_i, v̇_i, v̄_i, the inputs, numbers and formulas."""

    node: Callable[[int, str], str]          # (subscript, accent) -> "v̇_-1"
    variable: Callable[[str, str], str]      # (input name, accent) -> "ẋ1"
    latex: bool                              # use the LaTeX templates of primitives
    digits: int = 3
    minus: str = "−"

    def number(self, x: float) -> str:
        s = number(x, self.digits)
        if self.latex:
            return s.replace("inf", r"\infty").replace("nan", r"\mathrm{nan}")
        return s

    def operand(self, x: float) -> str:
        """A number inside a formula: negative ones in parentheses."""
        s = self.number(x)
        return f"({s})" if s.startswith("-") else s


def _text_node(k: int, accent: str) -> str:
    return f"v{_ACCENT[accent]}_{k}"


def _markdown_node(k: int, accent: str) -> str:
    return f"v{_ACCENT[accent]}{str(k).translate(SUBSCRIPT_DIGITS)}"


def _html_node(k: int, accent: str) -> str:
    return f"v{_ACCENT[accent]}<sub>{k}</sub>"


def _latex_node(k: int, accent: str) -> str:
    v = {"": "v", "dot": r"\dot{v}", "bar": r"\bar{v}"}[accent]
    return f"{v}_{{{k}}}"


def _plain_variable(name: str, accent: str) -> str:
    """x1 with an accent on its letter: ẋ1 (one precomposed character where Unicode has it)."""
    return unicodedata.normalize("NFC", f"{name[0]}{_ACCENT[accent]}{name[1:]}")


def _html_variable(name: str, accent: str) -> str:
    return html.escape(_plain_variable(name, accent))


def _latex_variable(name: str, accent: str) -> str:
    m = re.fullmatch(r"([A-Za-z])_?(\d+)", name)
    base, sub = (m[1], f"_{{{m[2]}}}") if m else (
        name if len(name) == 1 else r"\mathrm{%s}" % name.replace("_", r"\_"), "")
    return (rf"\{accent}{{{base}}}" if accent else base) + sub


NOTATIONS: dict[str, Notation] = {
    "text": Notation(_text_node, _plain_variable, latex=False),
    "markdown": Notation(_markdown_node, _plain_variable, latex=False),
    "html": Notation(_html_node, _html_variable, latex=False),
    "latex": Notation(_latex_node, _latex_variable, latex=True, minus="-"),
}


# --- rows ------------------------------------------------------------------------------

Row = tuple[str, ...]   # (left-hand side, formula, [more formulas …], value)


class FormulaWriter:
    """Writes the formulas of one trace in one notation."""

    def __init__(self, trace: Trace, notation: Notation) -> None:
        self.t, self.nt = trace, notation

    def name(self, slot: int, accent: str = "") -> str:
        """v_i (with an accent) for a node, the number itself for a constant."""
        if slot >= len(self.t):
            return self.nt.operand(self.t.values[slot])
        return self.nt.node(slot + 1 - len(self.t.inputs), accent)

    def template(self, template: str, args: list[str], y: str) -> str:
        if not self.nt.latex and self.nt.node is _html_node:
            template = html.escape(template)
        return template.format(*args, y=y)

    def op(self, i: int, numbers: bool = False) -> str:
        """The right-hand side of v_i: ``ln v_-1``, or with numbers ``ln 2``."""
        p = self.t.ops[i]
        args = [self.value(j) if numbers else self.name(j) for j in self.t.args[i]]
        return self.template(p.latex if self.nt.latex else p.text, args, "")

    def value(self, slot: int) -> str:
        return self.nt.operand(self.t.values[slot])

    def partials(self, i: int, numbers: bool = False) -> list[str]:
        """∂v_i/∂(each argument), written out, e.g. ``cos v_0`` or ``cos 5``."""
        p = self.t.ops[i]
        args = [self.value(j) if numbers else self.name(j) for j in self.t.args[i]]
        y = self.value(i) if numbers else self.name(i)
        templates = p.partial_latex if self.nt.latex else p.partial_text
        return [self.template(s, args, y) for s in templates]

    def times(self, factor: str, partial: str) -> str:
        """factor × partial, with parentheses where the partial needs them."""
        if partial.startswith(("−", "-")) or re.search(r" [+−-] ", partial):
            partial = f"({partial})"
        times = r"\times" if self.nt.latex else "×"
        return f"{factor} {times} {partial}"

    def chain(self, factor: str, partial: str) -> str:
        """The tangent term v̇_j · ∂v_i/∂v_j, simplified as the textbook writes it."""
        if partial == "1":
            return factor
        if partial in ("−1", "-1"):
            return f"{self.nt.minus}{factor}"
        if partial.startswith("1/"):
            return f"{factor}/{partial[2:]}"
        if partial.startswith(r"\frac{1}"):
            return r"\frac{%s}" % factor + partial[len(r"\frac{1}"):]
        return self.times(factor, partial)

    def sum(self, terms: list[str]) -> str:
        out = terms[0]
        for term in terms[1:]:
            if term.startswith(("−", "-")) and not term.startswith("-("):
                out += f" {self.nt.minus} {term[1:]}"
            else:
                out += f" + {term}"
        return out


def primal_rows(trace: Trace, nt: Notation) -> list[Row]:
    """v_{1−n} = x_1 … v_k = op(…), then y = v_k: the forward evaluation trace."""
    w = FormulaWriter(trace, nt)
    rows: list[Row] = [(w.name(k), nt.variable(x, ""), "", nt.number(trace.values[k]))
                       for k, x in enumerate(trace.inputs)]
    rows += [(w.name(i), w.op(i), w.op(i, numbers=True), nt.number(trace.values[i]))
             for i in range(len(trace.inputs), len(trace))]
    rows.append(("y", w.name(trace.output), "", nt.number(trace.value)))
    return rows


def tangent_rows(tangent: Tangent, nt: Notation) -> list[Row]:
    """v̇_i = Σ_j v̇_j ∂v_i/∂v_j: the forward derivative trace."""
    t, w = tangent.trace, FormulaWriter(tangent.trace, nt)
    rows: list[Row] = [(w.name(k, "dot"), nt.variable(x, "dot"), "",
                        nt.number(tangent.tangents[k])) for k, x in enumerate(t.inputs)]
    for i in range(len(t.inputs), len(t)):
        nodes = [(k, j) for k, j in enumerate(t.args[i]) if j < len(t)]
        symbolic, numeric = w.partials(i), w.partials(i, numbers=True)
        rows.append((
            w.name(i, "dot"),
            w.sum([w.chain(w.name(j, "dot"), symbolic[k]) for k, j in nodes]),
            w.sum([w.chain(nt.operand(tangent.tangents[j]), numeric[k]) for k, j in nodes]),
            nt.number(tangent.tangents[i])))
    rows.append((_accented_y(nt, "dot"), w.name(t.output, "dot"), "",
                 nt.number(tangent.derivative)))
    return rows


def adjoint_rows(adjoint: Adjoint, nt: Notation) -> list[Row]:
    """Baydin et al.'s reverse table: one row per contribution v̄_j += v̄_i ∂v_i/∂v_j."""
    t, w = adjoint.trace, FormulaWriter(adjoint.trace, nt)
    ybar = _accented_y(nt, "bar")
    rows: list[Row] = []
    previous: dict[int, float] = {}
    for s in adjoint.steps():
        lhs = w.name(s.node, "bar")
        if s.source < 0:
            rows.append((lhs, ybar, "", "", nt.number(s.adjoint)))
            continue
        k = t.args[s.source].index(s.node)
        partial, partial_number = w.partials(s.source)[k], w.partials(s.source, True)[k]
        source, vi, vj = w.name(s.source, "bar"), w.name(s.source), w.name(s.node)
        d = (rf"\frac{{\partial {vi}}}{{\partial {vj}}}" if nt.latex else f"∂{vi}/∂{vj}")
        keep, keep_n = ("", "") if s.first else (f"{lhs} + ", f"{nt.number(previous[s.node])} + ")
        factor = nt.number(adjoint.adjoints[s.source]) if s.first else nt.operand(
            adjoint.adjoints[s.source])
        rows.append((lhs, f"{keep}{source} {d}", keep + w.times(source, partial),
                     keep_n + w.times(factor, partial_number),
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


def _accented_y(nt: Notation, accent: str) -> str:
    return nt.variable("y", accent) if not nt.latex else rf"\{accent}{{y}}"


# --- titles ----------------------------------------------------------------------------

def _point(trace: Trace, nt: Notation) -> str:
    return ", ".join(f"{nt.variable(x, '')} = {nt.number(v)}" for x, v in trace.at().items())


def titled_tables(obj: Table, nt: Notation) -> list[tuple[str, list[Row]]]:
    """The tables that show `obj`, each with its title."""
    if isinstance(obj, Trace):
        return [(f"Forward evaluation trace (primal) at {_point(obj, nt)}",
                 primal_rows(obj, nt))]
    if isinstance(obj, Tangent):
        seed = ", ".join(nt.number(v) for v in obj.seed.values())
        return [(f"Forward derivative trace (tangent), ẋ = ({seed})", tangent_rows(obj, nt))]
    return [(f"Reverse adjoint trace, ȳ = {nt.number(obj.seed)}", adjoint_rows(obj, nt)),
            ("Adjoints, and the gradient", gradient_rows(obj, nt))]


# --- layouts ---------------------------------------------------------------------------

def _width(s: str) -> int:
    """Terminal width of s: combining accents take no column."""
    return sum(not unicodedata.combining(c) for c in s)


def _text(title: str, rows: list[Row]) -> str:
    """Aligned columns joined by ' = ', blank cells skipped but their space kept."""
    ncols = max(map(len, rows))
    widths = [max(_width(r[c]) for r in rows if c < len(r)) for c in range(ncols)]
    lines = [title]
    for row in rows:
        cells = list(row[:-1]) + [""] * (ncols - len(row)) + [row[-1]]
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

    out = [f"**{title}**", "", line([""] * ncols), "|" + " --- |" * ncols]
    for row in rows:
        cells = list(row[:-1]) + [""] * (ncols - len(row)) + [row[-1]]
        out.append(line([cells[0]] + [f"= {c}" if c else "" for c in cells[1:]]))
    out[2] = line(["node"] + ["" for _ in range(ncols - 2)] + ["value"])
    return "\n".join(out)


def _latex(title: str, rows: list[Row]) -> str:
    ncols = max(map(len, rows))
    out = [f"% {title}", r"\begin{tabular}{" + "l" * ncols + "}"]
    for row in rows:
        cells = list(row[:-1]) + [""] * (ncols - len(row)) + [row[-1]]
        out.append(" & ".join([f"${cells[0]}$"] + [f"${{}} = {c}$" if c else "" for c in
                                                    cells[1:]]) + r" \\")
    out.append(r"\end{tabular}")
    return "\n".join(out)


def _html(title: str, rows: list[Row]) -> str:
    ncols = max(map(len, rows))
    out = [f"<table><caption>{html.escape(title)}</caption>"]
    for row in rows:
        cells = list(row[:-1]) + [""] * (ncols - len(row)) + [row[-1]]
        out.append("<tr>" + "".join(
            f"<td style='text-align:left'>{'= ' if k and c else ''}{c}</td>"
            for k, c in enumerate(cells)) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


_LAYOUTS = {"text": _text, "markdown": _markdown, "latex": _latex, "html": _html}


def render(obj: Table, fmt: str = "text", digits: int = 3) -> str:
    """`obj` (a trace, tangent or adjoint) as tables in one of :data:`FORMATS`."""
    nt = NOTATIONS[fmt]
    if digits != nt.digits:
        nt = Notation(nt.node, nt.variable, nt.latex, digits, nt.minus)
    return "\n\n".join(_LAYOUTS[fmt](title, rows) for title, rows in titled_tables(obj, nt))


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
            adjoint: Adjoint | None = None) -> dict[str, Any]:
    """The traces as plain data, for tools (see the README for the schema)."""
    n = len(trace)

    def arg(j: int) -> str | float | int:
        return trace.name(j) if j < n else json_number(trace.values[j])

    data: dict[str, Any] = {
        "expression": trace.expression,
        "inputs": {x: json_number(v) for x, v in trace.at().items()},
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
                       "source": trace.name(s.source) if s.source >= 0 else "y",
                       "partial": json_number(s.partial), "contribution": json_number(s.contribution),
                       "adjoint": json_number(s.adjoint)} for s in adjoint.steps()],
            "trace": [{"name": trace.name(i), "adjoint": json_number(adjoint.adjoints[i])}
                      for i in range(n - 1, -1, -1)],
            "gradient": {x: json_number(v) for x, v in adjoint.gradient.items()}}
    return data


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
