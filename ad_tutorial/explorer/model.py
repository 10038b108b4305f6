"""The walk through a trace that the explorer page replays, as plain JSON data.

Three sweeps, one step per table row, in the order a teacher presents them:

1. the **primal** sweep: v_{1−n} … v_k, then y (each lights up its node and the edges
   from its arguments in the forward graph);
2. the **tangent** sweep: v̇_i = Σ_j v̇_j ∂v_i/∂v_j along the seed ẋ, over the same graph;
3. the **adjoint** sweep, one contribution at a time: v̄_j = v̄_j + v̄_i ∂v_i/∂v_j lights
   up the edge v_i → v_j of the adjoint graph; a last step reads off the gradient;
4. the **second-order** adjoint sweep (forward over reverse), over the adjoint graph again:
   v̄˙_j = v̄˙_j + v̄˙_i ∂v_i/∂v_j + v̄_i ∂²v_i/∂v_j∂v_k v̇_k, one contribution at a time; a
   last step reads off H·ẋ.

Each step also says which numbers the graph's nodes show from then on (``labels``: line
id → text; see :mod:`ad_tutorial.graph_svg`), and each phase which they show throughout:
the values, once the primal sweep is done. The page keeps no list of phases or lines of
its own: a new sweep is new data.

The rows and their formulas come from :mod:`ad_tutorial.tables` (HTML notation), the
numbers from finished sweeps; the page only shows and hides them. On arrays the tables
write every element and the graph abbreviates (:data:`ad_tutorial.graphs.NOTATION`); a
step's value is nested lists; where y is not one number, the adjoint sweep starts from
ȳ = 1 on its first element (see :func:`ad_tutorial.tables.reverse_sweep`).
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import replace
from typing import Any

from ..forward import Tangent
from ..graph_svg import (ADJOINT, FORWARD, GRAPH_IDS, LINES, SECOND_ORDER_ARRAY_LINES,
                         SECOND_ORDER_LINES, Quantity, edge_id, graph_svgs, line_id, node_id)
from ..graphs import NOTATION as GRAPH_NOTATION
from ..rendering import DOT_TIMEOUT
from ..reverse import Adjoint
from ..second import SecondAdjoint
from ..tables import (NOTATIONS, Row, Shape, equations, json_value, output_names,
                      reverse_sweep, titled_tables)
from ..trace import Trace

#: The sweeps in the order the walk takes them: name, the graph it is shown on, its
#: button's title and what the page calls it.
PHASES = (("primal", "forward", "Primal", "primal sweep (evaluation trace)"),
          ("tangent", "forward", "Tangent", "tangent sweep (forward mode)"),
          ("adjoint", "adjoint", "Adjoint", "adjoint sweep (reverse mode)"),
          ("second", "adjoint", "Second order", "second-order adjoint sweep (forward over "
           "reverse)"))
NUM = ' class="num"'    # the column of numbers, hidden until its step
#: The tables' notation: HTML, every element of an array written out; what a step says
#: abbreviates long axes (two entries at each end), as it is set in large type.
TABLES = replace(NOTATIONS["html"], edge_items=None)
SAY = replace(NOTATIONS["html"], edge_items=2)
#: The numbers on the graph's nodes: plain text (the page sets them as text), arrays
#: abbreviated as the graph's labels are (one entry at each end of a long axis).
LABELS = replace(NOTATIONS["text"], edge_items=GRAPH_NOTATION.edge_items)


def build_model(trace: Trace, seed: dict[str, float] | None = None,
                timeout: float = DOT_TIMEOUT) -> dict[str, Any]:
    """Everything the page needs for `trace`: tables, graphs and the steps of the walk.

    `seed` is the tangent direction ẋ (default: 1 on the first input), also the direction
    of the second-order sweep's H·ẋ; `dot` may take `timeout` seconds for each graph. The
    fourth phase, the second-order sweep, is there for a function whose value is one
    number (H·ẋ is the Hessian of a function with one value).
    """
    one_number = not trace.several and trace.shape(trace.output) == ()
    second = trace.second(**(seed or {})) if one_number else None
    if second is not None:
        tangent, adjoint = second.tangent, second.adjoint    # the first-order sweeps' own
    else:
        tangent, adjoint = trace.forward(**(seed or {})), reverse_sweep(trace)
    sweeps = {"primal": trace, "tangent": tangent, "adjoint": adjoint, "second": second}
    tables = {name: titled_tables(sweep, TABLES) for name, sweep in sweeps.items() if sweep}
    said = {name: [rows for _, rows in titled_tables(sweep, SAY)]
            for name, sweep in sweeps.items() if sweep}
    steps = (_primal_steps(trace, said["primal"][0]) + _tangent_steps(tangent, said["tangent"][0])
             + _adjoint_steps(adjoint, *said["adjoint"]))
    if second is not None:
        (title, rows), *rest = tables["second"]
        tables["second"] = [(title, _without_formulas(rows)), *rest]
        first, *others = said["second"]
        steps += _second_steps(second, _without_formulas(first), *others)
    values = {graph: {line_id(g, "value", trace.name(i)): _number(trace.values[i])
                      for i in range(len(trace))} for graph, g in GRAPH_IDS.items()}
    adjoints = {line_id(ADJOINT, "adjoint", trace.name(i)): _number(adjoint.adjoints[i])
                for i in range(len(trace))}
    known = {"primal": {}, "tangent": values["forward"], "adjoint": values["adjoint"],
             "second": {**values["adjoint"], **adjoints}}     # values, adjoints, once known
    phases = [{"name": name, "graph": graph, "title": title, "about": about,
               "tables": [_table(f"{name}-{k}", caption, rows)
                          for k, (caption, rows) in enumerate(tables[name])],
               "labels": known[name]}
              for name, graph, title, about in PHASES if name in tables]
    texts: dict[str, list[str]] = {}
    for shown in [p["labels"] for p in phases] + [s["labels"] for s in steps]:
        for line, text in shown.items():
            texts.setdefault(line, []).append(text)
    names = output_names(trace)
    return {
        "expression": trace.expression,
        "at": {x: json_value(v) for x, v in trace.at().items()},
        "seed": {x: json_value(v) for x, v in tangent.seed.items()},
        # the heading, as the tables write it: f = … at x = −0.6, y = 2 · seed ẋ = 1, ẏ = 0
        "output": names[0] if len(names) == 1 else f"({', '.join(names)})",
        "point": equations(trace.at(), NOTATIONS["text"]),
        "direction": equations(tangent.seed, NOTATIONS["text"], "dot"),
        "phases": phases,
        "graphs": graph_svgs(trace, texts, timeout, lines=_lines(trace, second is not None)),
        "steps": steps,
    }


def _lines(trace: Trace, second: bool) -> dict[str, tuple[tuple[Quantity, ...], ...]]:
    """The lines under each node: v̄˙ beside v̄ for floats, below it for arrays."""
    if not second:
        return LINES
    return SECOND_ORDER_ARRAY_LINES if trace.arrays else SECOND_ORDER_LINES


def _table(ident: str, title: str, rows: list[Row]) -> str:
    """An HTML table whose rows are ``ident-0``, ``ident-1`` …

    The value is the last cell (class ``value``); in tables with a column of numbers
    substituted into the formula, that column comes just before it (class ``num``).
    """
    ncols = max(map(len, rows))
    shaped = isinstance(rows[0][1], Shape)      # arrays: a shape, and no column of numbers
    out = [f'<table id="{ident}"><caption>{html.escape(title)}</caption>']
    for r, row in enumerate(rows):
        cells = list(row[:-1]) + [""] * (ncols - len(row)) + [row[-1]]
        tds = "".join(f"<td{NUM if k == ncols - 2 >= 3 and not shaped else ''}>"
                      f"{'= ' if c and not isinstance(c, Shape) else ''}{c}</td>"
                      for k, c in enumerate(cells[1:-1], start=1))
        out.append(f'<tr id="{ident}-{r}"><th scope="row">{cells[0]}</th>{tds}'
                   f'<td class="value">= {cells[-1]}</td></tr>')
    out.append("</table>")
    return "\n".join(out)


def _say(row: Row) -> str:
    """A table row written out: ``v<sub>1</sub> = ln v<sub>-1</sub> = ln 2 = 0.693``; on
    arrays with the shape after the name: ``v<sub>1</sub> (5,) = …``."""
    cells = [c for c in row if c]
    if isinstance(cells[1], Shape):
        cells[:2] = [f"{cells[0]} {cells[1]}"]
    return " = ".join(cells)


def _step(phase: str, rows: list[str], say: str, value: Any, nodes: list[str],
          edges: list[str] = (), sources: list[str] = (), reveal: list[str] = (),
          labels: dict[str, str] | None = None) -> dict[str, Any]:
    """One step: which rows, nodes and edges light up, and what is said about it.

    `sources` are nodes passing their adjoint back; `reveal` are whole tables shown;
    `labels` are the numbers graph nodes show from this step on (line id → text).
    """
    return {"phase": phase, "rows": rows, "nodes": nodes, "edges": list(edges),
            "sources": list(sources), "reveal": list(reveal), "say": say, "value": value,
            "labels": labels or {}}


def _in_edges(t: Trace, i: int) -> list[str]:
    """The forward-graph edges from the arguments of v_i into it."""
    if i < len(t.inputs):
        return []
    seen: Counter[int] = Counter()
    edges = []
    for j in t.args[i]:
        if j < len(t):
            edges.append(edge_id(FORWARD, t.name(j), t.name(i), seen[j]))
            seen[j] += 1
    return edges


def _forward_steps(phase: str, quantity: str, t: Trace, rows: list[Row],
                   values: list[Any]) -> list[dict[str, Any]]:
    """Row r is node r, the last rows are y (or y1, y2 …: the output nodes again); node
    r's line of `quantity` shows its number from row r on."""
    steps = []
    for r, row in enumerate(rows):
        i = r if r < len(t) else t.outputs[r - len(t)]
        edges = _in_edges(t, i) if r < len(t) else []
        steps.append(_step(phase, [f"{phase}-0-{r}"], _say(row), json_value(values[i]),
                           [node_id(FORWARD, t.name(i))], edges,
                           labels={line_id(FORWARD, quantity, t.name(i)): _number(values[i])}))
    return steps


def _number(x: Any) -> str:
    """A number on the graph, as text: an array abbreviated."""
    return LABELS.number(x)


def _primal_steps(t: Trace, rows: list[Row]) -> list[dict[str, Any]]:
    return _forward_steps("primal", "value", t, rows, t.values)


def _tangent_steps(tangent: Tangent, rows: list[Row]) -> list[dict[str, Any]]:
    return _forward_steps("tangent", "tangent", tangent.trace, rows, tangent.tangents)


def _adjoint_steps(adjoint: Adjoint, rows: list[Row],
                   gradient: list[Row]) -> list[dict[str, Any]]:
    """One step per contribution v̄_j += v̄_i ∂v_i/∂v_j, then the gradient. Node v_j shows
    its adjoint as it grows, contribution by contribution."""
    t = adjoint.trace
    edges = [(s.node, s.source, s.adjoint) for s in adjoint.steps()]
    return (_edge_steps(t, "adjoint", edges, [_say(row) for row in rows])
            + [_inputs_step(t, "adjoint", gradient, adjoint.gradient)])


def _edge_steps(t: Trace, phase: str, edges: list[tuple[int, int, Any]],
                said: list[str]) -> list[dict[str, Any]]:
    """A step per edge v_i → v_j of a sweep on the adjoint graph, given as (j, i, v_j's
    running value; i = −1 for the seed), lighting the edge and v_i, and writing the value
    on v_j's line of `phase`."""
    seen: Counter[tuple[int, int]] = Counter()
    steps = []
    for r, ((node, source, value), say) in enumerate(zip(edges, said)):
        lit, sources = [], []
        if source >= 0:
            lit = [edge_id(ADJOINT, t.name(source), t.name(node), seen[source, node])]
            sources = [node_id(ADJOINT, t.name(source))]
            seen[source, node] += 1
        steps.append(_step(phase, [f"{phase}-0-{r}"], say, json_value(value),
                           [node_id(ADJOINT, t.name(node))], lit, sources,
                           labels={line_id(ADJOINT, phase, t.name(node)): _number(value)}))
    return steps


def _without_formulas(rows: list[Row]) -> list[Row]:
    """The second-order table's rows without one column, so that they fit a projector's
    width as the other sweeps' rows do: on floats the formulas (v̄˙_1 × 1/v_−1 …), leaving
    the rule and its numbers; on arrays the rule, leaving its shape and formula."""
    return [row[:2] + row[3:] if len(row) == 5 else row for row in rows]


def _second_steps(second: SecondAdjoint, rows: list[Row],
                  hvp: list[Row]) -> list[dict[str, Any]]:
    """One step per contribution v̄˙_j += v̄˙_i ∂v_i/∂v_j + v̄_i Σ_k ∂²v_i/∂v_j∂v_k v̇_k, along
    the same edges as the adjoint sweep, then H·ẋ. Node v_j shows its v̄˙ as it grows."""
    t = second.trace
    edges = [(s.node, s.source, s.second_adjoint) for s in second.steps()]
    # said with its numbers (the table's current row writes the rule beside them)
    said = [_say(row if isinstance(row[1], Shape) or not row[2] else (row[0], *row[2:]))
            for row in rows]
    return (_edge_steps(t, "second", edges, said)
            + [_inputs_step(t, "second", hvp, second.hvp)])


def _inputs_step(t: Trace, phase: str, rows: list[Row], values: dict[str, Any]
                 ) -> dict[str, Any]:
    """The sweep's last step: what it gives each input (∂y/∂x, or H·ẋ), the last rows of
    its second table. On arrays with several inputs what it says leaves their values to
    the rows and the nodes: three arrays would fill the projector's lines."""
    n = len(t.inputs)
    said = rows[-n:] if not t.arrays or n == 1 else [row[:-1] for row in rows[-n:]]
    return _step(phase, [f"{phase}-1-{r}" for r in range(len(rows) - n, len(rows))],
                 ", ".join(map(_say, said)), [json_value(v) for v in values.values()],
                 [node_id(ADJOINT, t.name(k)) for k in range(n)], reveal=[f"{phase}-1"],
                 labels={line_id(ADJOINT, phase, t.name(k)): _number(v)
                         for k, v in enumerate(values.values())})
