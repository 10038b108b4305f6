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

from html import escape
from itertools import groupby
from typing import TYPE_CHECKING, Union

from .tables import number
from .trace import Trace

if TYPE_CHECKING:
    import graphviz

    from .forward import Tangent
    from .reverse import Adjoint, Step


INPUT_COLOR = "#cfe2f3"      # light blue, as torchviz colours leaf tensors
OUTPUT_COLOR = "#d9ead3"     # light green, as torchviz colours the output
FONT = "Helvetica"


def subscripted(name: str) -> str:
    """'v_-1' as graphviz HTML, v<sub>-1</sub>, as the tutorial writes node names."""
    base, _, sub = name.partition("_")
    return f"{escape(base)}<sub>{escape(sub)}</sub>" if sub else escape(base)


def _dotted(name: str, accent: str) -> str:
    """v_3 with a dot or bar over the v: v̇<sub>3</sub>, v̄<sub>3</sub>."""
    return f"v{accent}" + subscripted(name)[1:]


def operand(trace: Trace, slot: int) -> str:
    """An argument slot as HTML: a node's subscripted name, or a constant's value."""
    if slot < len(trace):
        return subscripted(trace.name(slot))
    return escape(number(trace.values[slot]))


def formula(trace: Trace, i: int) -> str:
    """v_i's definition as HTML, from the primitive's text: 'ln v<sub>-1</sub>', or the input name."""
    p = trace.ops[i]
    if p is None:
        return escape(trace.inputs[i])
    return escape(p.text).format(*[operand(trace, j) for j in trace.args[i]])


def partial_formula(trace: Trace, i: int, k: int) -> str:
    """∂v_i/∂(argument k) as HTML, from the primitive's partial text: 'cos v<sub>0</sub>'."""
    args = [operand(trace, j) for j in trace.args[i]]
    return escape(trace.ops[i].partial_text[k]).format(*args, y=subscripted(trace.name(i)))


def _new_graph(trace: Trace, rankdir: str, annotate: bool) -> graphviz.Digraph:
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


def _label(trace: Trace, i: int, extra: str) -> str:
    """'v_1 = ln v_-1 / = 0.693 / extra' as an HTML label, one fact per line."""
    name = subscripted(trace.name(i))
    if i == trace.output:
        name = f"y = {name}"
    lines = [f"<b>{name}</b> = {formula(trace, i)}",
             f"= {escape(number(trace.values[i]))}", extra]
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
    g = _new_graph(trace, rankdir, annotate)
    for node in trace.nodes():
        name = trace.name(node.index)
        if tangent is None:
            g.node(name, label=f"<{subscripted(name)}>")
        else:
            dot = f"{_dotted(name, '&#775;')} = {escape(number(tangent.tangents[node.index]))}"
            g.node(name, label=_label(trace, node.index, dot), **_role(trace, node.index))
    for j, i in _edges(trace):
        g.edge(trace.name(j), trace.name(i))
    if tangent is not None:
        seed = ", ".join(f"ẋ<sub>{escape(k)}</sub> = {escape(number(v))}"
                         for k, v in tangent.seed.items())
        g.attr(label=f"<forward mode, seed {seed}: "
                     f"ẏ = {escape(number(tangent.derivative))}>", labelloc="b")
    return g


def adjoint_graph(sweep: Union[Trace, Adjoint], annotate: bool = False) -> graphviz.Digraph:
    """The reverse adjoint graph, right to left, edges result → argument.

    Given an :class:`Adjoint`, or with ``annotate`` (which then runs ``trace.reverse()``),
    nodes also show v̄_i = ∂y/∂v_i and each edge v_i → v_j its local partial ∂v_i/∂v_j,
    the factor the adjoint sweep multiplies v̄_i by on its way back to v̄_j.
    """
    from .reverse import Adjoint, Step


    if isinstance(sweep, Adjoint):
        trace, adjoint, annotate = sweep.trace, sweep, True
    else:
        trace, adjoint = sweep, (sweep.reverse() if annotate else None)
    g = _new_graph(trace, "RL", annotate)
    for node in trace.nodes():
        name = trace.name(node.index)
        if adjoint is None:
            g.node(name, label=f"<{subscripted(name)}>")
        else:
            bar = f"{_dotted(name, '&#772;')} = {escape(number(adjoint.adjoints[node.index]))}"
            g.node(name, label=_label(trace, node.index, bar), **_role(trace, node.index))
    if adjoint is None:
        for j, i in _edges(trace):
            g.edge(trace.name(i), trace.name(j))
        return g
    for i, steps in groupby(adjoint.steps(), key=lambda s: s.source):
        if i < 0:
            continue                    # the seed ȳ, which has no edge
        positions = [k for k, j in enumerate(trace.args[i]) if j < len(trace)]
        for k, step in zip(positions, steps):
            g.edge(trace.name(i), trace.name(step.node), label=_partial_label(trace, i, k, step))
    g.attr(label=f"<reverse mode, ȳ = {escape(number(adjoint.seed))}: "
                 + ", ".join(f"∂y/∂{escape(k)} = {escape(number(v))}"
                             for k, v in adjoint.gradient.items()) + ">", labelloc="b")
    return g


def _partial_label(trace: Trace, i: int, k: int, step: Step) -> str:
    """'∂v_3/∂v_0 = cos v_0 = 0.284': the local partial, as formula and value."""
    j = trace.args[i][k]
    text = (f"∂{subscripted(trace.name(i))}/∂{subscripted(trace.name(j))}"
            f" = {partial_formula(trace, i, k)}")
    if "{" in trace.ops[i].partial_text[k]:         # not a constant such as 1 or −1
        text += f" = {escape(number(step.partial))}"
    return f"<{text}>"
