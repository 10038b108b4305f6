"""Computation graphs of a trace, drawn with graphviz.

Two pictures of one evaluation trace, as in the tutorial:

* the **forward evaluation graph**, left to right: an edge v_j → v_i for each argument
  v_j of v_i, so values flow from the inputs to y;
* the **reverse adjoint graph**, right to left with every edge reversed: v̄_i flows
  back from y to each argument, multiplied by the edge's local partial ∂v_i/∂v_j.

Plain graphs are the tutorial's circles. Annotated graphs add what a teacher projects:
each node's operation and value, the tangent v̇ (forward) or adjoint v̄ (reverse), and
on reverse edges the local partial. The numbers come from finished sweeps
(:class:`~ad_tutorial.forward.Tangent`, :class:`~ad_tutorial.reverse.Adjoint`); nothing is
recomputed here. Constants are not nodes: they appear inside the operation's text.

Every function returns a ``graphviz.Digraph``, which Jupyter displays inline and which
renders to SVG, PNG or PDF with graphviz's ``dot``.
"""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING, Union

from .rendering import FONT
from .tables import NOTATIONS, FormulaWriter
from .trace import Trace

if TYPE_CHECKING:
    import graphviz

    from .forward import Tangent
    from .reverse import Adjoint

INPUT_COLOR = "#cfe2f3"      # light blue, as torchviz colours leaf tensors
OUTPUT_COLOR = "#d9ead3"     # light green, as torchviz colours the output


def html_writer(trace: Trace) -> FormulaWriter:
    """Writes v_i, formulas and partials as graphviz HTML: v<sub>-1</sub>, ln v<sub>-1</sub>."""
    return FormulaWriter(trace, NOTATIONS["html"])


def _new_graph(rankdir: str, annotate: bool) -> graphviz.Digraph:
    import graphviz

    g = graphviz.Digraph("ComputationGraph")
    g.attr(rankdir=rankdir)
    if annotate:
        g.attr(fontname=FONT, nodesep="0.35", ranksep="0.6")
        g.attr("node", shape="box", style="rounded,filled", fillcolor="white",
               fontname=FONT, fontsize="14", margin="0.15,0.08")
        g.attr("edge", fontname=FONT, fontsize="12", color="#555555")
    else:
        g.attr("node", shape="circle")
    return g


def _role(trace: Trace, i: int) -> dict[str, str]:
    """Node attributes that set inputs and the output apart in annotated graphs."""
    if i < len(trace.inputs):
        return {"fillcolor": INPUT_COLOR}
    if i == trace.output:
        return {"fillcolor": OUTPUT_COLOR, "peripheries": "2"}
    return {}


def _label(w: FormulaWriter, i: int, accent: str, value: float) -> str:
    """'v_1 = ln v_-1 / = 0.693 / v̇_1 = 0.5' as an HTML label, one fact per line."""
    trace = w.t
    name = w.name(i) if i != trace.output else f"y = {w.name(i)}"
    op = w.op(i) if trace.ops[i] is not None else w.nt.variable(trace.inputs[i], "")
    lines = [f"<b>{name}</b> = {op}", f"= {w.nt.number(trace.values[i])}",
             f"{w.name(i, accent)} = {w.nt.number(value)}"]
    rows = "".join(f"<tr><td>{line}</td></tr>" for line in lines)
    return f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="2">{rows}</table>>'


def _edges(trace: Trace) -> list[tuple[int, int]]:
    """(argument j, node i) for every argument that is a node, by i, then argument order."""
    n = len(trace)
    return [(j, i) for i in range(len(trace.inputs), n) for j in trace.args[i] if j < n]


def forward_graph(sweep: Union[Trace, Tangent], annotate: bool = False,
                  rankdir: str = "LR") -> graphviz.Digraph:
    """The forward evaluation graph, edges argument → result.

    Given a :class:`Tangent`, or with ``annotate`` (which then runs ``trace.forward()``,
    seeding the first input), nodes also show v_i's operation, value and tangent v̇_i.
    """
    from .forward import Tangent

    if isinstance(sweep, Tangent):
        trace, tangent, annotate = sweep.trace, sweep, True
    else:
        trace, tangent = sweep, (sweep.forward() if annotate else None)
    g, w = _new_graph(rankdir, annotate), html_writer(trace)
    for i in range(len(trace)):
        if tangent is None:
            g.node(trace.name(i), label=f"<{w.name(i)}>")
        else:
            g.node(trace.name(i), label=_label(w, i, "dot", tangent.tangents[i]),
                   **_role(trace, i))
    for j, i in _edges(trace):
        g.edge(trace.name(j), trace.name(i))
    if tangent is not None:
        seed = ", ".join(f"{w.nt.variable(x, 'dot')} = {w.nt.number(v)}"
                         for x, v in tangent.seed.items())
        g.attr(label=f"<forward mode, seed {seed}: ẏ = {w.nt.number(tangent.derivative)}>",
               labelloc="b")
    return g


def adjoint_graph(sweep: Union[Trace, Adjoint], annotate: bool = False) -> graphviz.Digraph:
    """The reverse adjoint graph, right to left, edges result → argument.

    Given an :class:`Adjoint`, or with ``annotate`` (which then runs ``trace.reverse()``),
    nodes also show v̄_i = ∂y/∂v_i and each edge v_i → v_j its local partial ∂v_i/∂v_j,
    the factor the adjoint sweep multiplies v̄_i by on its way back to v̄_j.
    """
    from .reverse import Adjoint

    if isinstance(sweep, Adjoint):
        trace, adjoint, annotate = sweep.trace, sweep, True
    else:
        trace, adjoint = sweep, (sweep.reverse() if annotate else None)
    g, w = _new_graph("RL", annotate), html_writer(trace)
    for i in range(len(trace)):
        if adjoint is None:
            g.node(trace.name(i), label=f"<{w.name(i)}>")
        else:
            g.node(trace.name(i), label=_label(w, i, "bar", adjoint.adjoints[i]),
                   **_role(trace, i))
    if adjoint is None:
        for j, i in _edges(trace):
            g.edge(trace.name(i), trace.name(j))
        return g
    for i, steps in groupby(adjoint.steps(), key=lambda s: s.source):
        if i < 0:
            continue                    # the seed ȳ, which has no edge
        positions = [k for k, j in enumerate(trace.args[i]) if j < len(trace)]
        for k, step in zip(positions, steps):
            g.edge(trace.name(i), trace.name(step.node),
                   label=_partial_label(w, i, k, step.partial))
    gradient = ", ".join(f"∂y/∂{w.nt.variable(x, '')} = {w.nt.number(v)}"
                         for x, v in adjoint.gradient.items())
    g.attr(label=f"<reverse mode, ȳ = {w.nt.number(adjoint.seed)}: {gradient}>", labelloc="b")
    return g


def _partial_label(w: FormulaWriter, i: int, k: int, partial: float) -> str:
    """'∂v_3/∂v_0 = cos v_0 = 0.284': the local partial, as formula and value."""
    j = w.t.args[i][k]
    formula = w.partials(i)[k]
    text = f"∂{w.name(i)}/∂{w.name(j)} = {formula}"
    if "{" in w.t.ops[i].partial_text[k]:          # not a constant such as 1 or −1
        text += f" = {w.nt.number(partial)}"
    return f"<{text}>"
