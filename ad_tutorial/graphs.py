"""Computation graphs of a trace, drawn with graphviz.

Two pictures of one evaluation trace, as in the tutorial:

* the **forward evaluation graph**, left to right: an edge v_j → v_i for each argument
  v_j of v_i, so values flow from the inputs to y;
* the **reverse adjoint graph**: the same picture with every edge reversed, v_i → v_j, so
  v̄_i flows back from y to each argument, multiplied by the edge's local partial
  ∂v_i/∂v_j.

Both are one drawing (:func:`computation_graph`): the same nodes in the same order, one
edge per argument in the same order, the adjoint graph only turning each arrow round
(graphviz's ``dir=back``). dot places nodes from that source alone, so every node stands
in the same place in both pictures, and a class can switch between them without the
picture jumping.

Plain graphs are the tutorial's circles. Annotated graphs add what a teacher projects:
each node's operation and value, the tangent v̇ (forward) or adjoint v̄ (reverse), and
on reverse edges the local partial. The numbers come from finished sweeps
(:class:`~ad_tutorial.forward.Tangent`, :class:`~ad_tutorial.reverse.Adjoint`); nothing is
recomputed here. Constants are not nodes: they appear inside the operation's text.

On arrays every node also shows its shape, and its numbers abbreviated to the first and
last entry of each long axis ([0, …, 22.833]); an adjoint edge carries the
vector–Jacobian product that passes along it ((v̄_6/5) broadcast to (5,)).

Every function returns a ``graphviz.Digraph``, which Jupyter displays inline and which
renders to SVG, PNG or PDF with graphviz's ``dot``. dot's time grows steeply and
unevenly with the graph: measured, a sum x + x + … of 50 nodes takes 1 s (10 s for the
annotated adjoint graph, whose edges carry labels) and of 80 nodes 30 s; a sum of 300
sines, minutes. So the drawing commands first hold a trace to :data:`MAX_NODES` with
:func:`check_size`.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import groupby
from typing import TYPE_CHECKING, Any, Callable, Union

from .rendering import FONT
from .tables import NOTATIONS, FormulaWriter, equations, reverse_sweep
from .trace import Trace

if TYPE_CHECKING:
    import graphviz

    from .forward import Tangent
    from .reverse import Adjoint

INPUT_COLOR = "#cfe2f3"      # light blue, as torchviz colours leaf tensors
OUTPUT_COLOR = "#d9ead3"     # light green, as torchviz colours the output

Attributes = dict[str, str]
#: The largest trace (nodes, inputs included) drawn unless the caller allows more: more
#: than a projector shows legibly, and more than dot lays out in seconds.
MAX_NODES = 50


class GraphTooLarge(ValueError):
    """A trace with more nodes than a drawing may have; `nodes` and `limit` say how many."""

    def __init__(self, nodes: int, limit: int) -> None:
        super().__init__(f"the graph would have {nodes} nodes, more than the limit of {limit} "
                         "(dot can take minutes on a graph this big)")
        self.nodes, self.limit = nodes, limit


def check_size(trace: Trace, max_nodes: int = MAX_NODES) -> None:
    """Raise :class:`GraphTooLarge` if `trace` has more than `max_nodes` nodes to draw."""
    if len(trace) > max_nodes:
        raise GraphTooLarge(len(trace), max_nodes)


#: Graph labels: HTML, with arrays abbreviated to one entry at each end of a long axis.
NOTATION = replace(NOTATIONS["html"], edge_items=1)


def html_writer(trace: Trace) -> FormulaWriter:
    """Writes v_i, formulas and partials as graphviz HTML: v<sub>-1</sub>, ln v<sub>-1</sub>."""
    return FormulaWriter(trace, NOTATION)


def shape_text(w: FormulaWriter, i: int) -> str:
    """' (5,)' after a node's name on arrays; nothing on floats."""
    return f" {w.nt.shape(w.t.shape(i))}" if w.t.arrays else ""


def edges(trace: Trace) -> list[tuple[int, int, int]]:
    """(argument j, node i, k) for every argument j = args[i][k] that is a node (not a
    constant), by i, then argument order: the order both graphs draw their edges in."""
    n = len(trace)
    return [(j, i, k) for i in range(len(trace.inputs), n)
            for k, j in enumerate(trace.args[i]) if j < n]


def computation_graph(trace: Trace, node: Callable[[int], Attributes], annotate: bool,
                      back: bool = False, edge_label: Callable[[int, int], str] | None = None,
                      rankdir: str = "LR", font: str = FONT) -> graphviz.Digraph:
    """The drawing both graphs share: node v_i with attributes ``node(i)``, and for the
    k-th argument v_j of v_i an edge v_j → v_i, drawn v_i → v_j when `back` (the adjoint
    graph). `annotate` draws boxes, not circles, writing in `font`.

    With `edge_label`, each edge carries the label ``edge_label(i, k)`` in a small box on
    the edge itself, so that no label can be read as another edge's, however close the
    edges run (dot would put an edge's own label beside it, maybe nearer its neighbour).
    """
    g = _new_graph(rankdir, annotate, font)
    for i in range(len(trace)):
        g.node(trace.name(i), **node(i))
    for j, i, k in edges(trace):
        if edge_label is None:
            g.edge(trace.name(j), trace.name(i), **({"dir": "back"} if back else {}))
            continue
        box = f"{trace.name(i)}.{k}"            # v_i's k-th argument: no node has this name
        g.node(box, label=f"<{edge_label(i, k)}>", **EDGE_LABEL)
        # Two halves, v_j – box – v_i; the arrowhead on the half at the arrow's end.
        g.edge(trace.name(j), box, dir="back" if back else "none")
        g.edge(box, trace.name(i), dir="none" if back else "forward")
    return g


#: The box of an edge's label: small, grey-edged, on the line of its edge.
EDGE_LABEL = {"shape": "box", "style": "rounded,filled", "fillcolor": "#f4f4f4",
              "color": "#999999", "fontsize": "12", "margin": "0.05,0.02", "width": "0",
              "height": "0"}


def _new_graph(rankdir: str, annotate: bool, font: str) -> graphviz.Digraph:
    import graphviz

    g = graphviz.Digraph("ComputationGraph")
    g.attr(rankdir=rankdir)
    if annotate:
        g.attr(fontname=font, nodesep="0.35", ranksep="0.6")
        g.attr("node", shape="box", style="rounded,filled", fillcolor="white",
               fontname=font, fontsize="14", margin="0.15,0.08")
        g.attr("edge", fontname=font, fontsize="12", color="#555555")
    else:
        g.attr("node", shape="circle")
    return g


def _role(trace: Trace, i: int) -> Attributes:
    """Node attributes that set inputs and the output apart in annotated graphs."""
    if i < len(trace.inputs):
        return {"fillcolor": INPUT_COLOR}
    if i in trace.outputs:
        return {"fillcolor": OUTPUT_COLOR, "peripheries": "2"}
    return {}


def heading(w: FormulaWriter, i: int) -> str:
    """The first line of an annotated node: '<b>v_1</b> = ln v_-1', '<b>y = v_5</b> = …';
    on arrays with the shape: '<b>v_4</b> (5,) = ln v_3'."""
    trace = w.t
    outputs = [w.output_variable(r=r) for r, slot in enumerate(trace.outputs) if slot == i]
    name = " = ".join([*outputs, w.name(i)])
    op = w.op(i) if trace.ops[i] is not None else w.nt.variable(trace.inputs[i], "")
    return f"<b>{name}</b>{shape_text(w, i)} = {op}"


def _label(w: FormulaWriter, i: int, accent: str, value: float) -> Attributes:
    """'v_1 = ln v_-1 / = 0.693 / v̇_1 = 0.5' as an HTML label, one fact per line."""
    lines = [heading(w, i), f"= {w.nt.number(w.t.values[i])}",
             f"{w.name(i, accent)} = {w.nt.number(value)}"]
    rows = "".join(f"<tr><td>{line}</td></tr>" for line in lines)
    return {"label": f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="2">'
                     f'{rows}</table>>', **_role(w.t, i)}


def _circle(w: FormulaWriter) -> Callable[[int], Attributes]:
    """A circle named v_i; on arrays, its shape below the name."""
    if w.t.arrays:
        return lambda i: {"label": f"<{w.name(i)}<br/>{w.nt.shape(w.t.shape(i))}>"}
    return lambda i: {"label": f"<{w.name(i)}>"}


def _results(w: FormulaWriter, accent: str, values: Any) -> str:
    """ẏ = 5.5, or ẏ1 = …, ẏ2 = … for several outputs: the derivative as the graph's caption
    gives it."""
    values = values if w.t.several else (values,)
    return ", ".join(f"{w.output_variable(accent, r)} = {w.nt.number(v)}"
                     for r, v in enumerate(values))


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
    w = html_writer(trace)
    if tangent is None:
        return computation_graph(trace, _circle(w), False, rankdir=rankdir)
    g = computation_graph(trace, lambda i: _label(w, i, "dot", tangent.tangents[i]), True,
                          rankdir=rankdir)
    seed = equations(tangent.seed, w.nt, "dot")
    g.attr(label=f"<forward mode, seed {seed}: {_results(w, 'dot', tangent.derivative)}>",
           labelloc="b")
    return g


def adjoint_graph(sweep: Union[Trace, Adjoint], annotate: bool = False) -> graphviz.Digraph:
    """The reverse adjoint graph: the forward graph's picture, every edge result → argument.

    Given an :class:`Adjoint`, or with ``annotate`` (which then runs ``trace.reverse()``),
    nodes also show v̄_i = ∂y/∂v_i and each edge v_i → v_j its local partial ∂v_i/∂v_j,
    the factor the adjoint sweep multiplies v̄_i by on its way back to v̄_j.
    """
    from .reverse import Adjoint

    if isinstance(sweep, Adjoint):
        trace, adjoint, annotate = sweep.trace, sweep, True
    else:
        trace, adjoint = sweep, (reverse_sweep(sweep) if annotate else None)
    w = html_writer(trace)
    if adjoint is None:
        return computation_graph(trace, _circle(w), False, back=True)
    g = computation_graph(trace, lambda i: _label(w, i, "bar", adjoint.adjoints[i]), True,
                          back=True, edge_label=_edge_labels(w, adjoint))
    y, nt = w.output_variable(), w.nt
    # ∂y/∂x where y is one number; else x̄, the gradient of ȳ·y
    one_number = not trace.several and trace.shape(trace.outputs[0]) == ()
    gradient = ", ".join((nt.partial(y, nt.variable(x)) if one_number else nt.variable(x, "bar"))
                         + f" = {nt.number(v)}" for x, v in adjoint.gradient.items())
    g.attr(label=f"<reverse mode, {_results(w, 'bar', adjoint.seed)}: {gradient}>",
           labelloc="b")
    return g


def _edge_labels(w: FormulaWriter, adjoint: Adjoint) -> Callable[[int, int], str]:
    """The label of the edge from v_i back to its k-th argument: the local partial with
    its value, or on arrays the vector–Jacobian product."""
    if w.t.arrays:
        return lambda i, k: w.nt.formula(w.vjp_formula(i, k))
    partial = {}                        # (i, k) → ∂v_i/∂(args[i][k]), from the sweep
    for i, steps in groupby(adjoint.steps(), key=lambda s: s.source):
        if i >= 0:                      # not the seed ȳ, which has no edge
            positions = [k for k, j in enumerate(w.t.args[i]) if j < len(w.t)]
            partial.update({(i, k): step.partial for k, step in zip(positions, steps)})
    return lambda i, k: _partial(w, i, k, partial[i, k])


def _partial(w: FormulaWriter, i: int, k: int, partial: float) -> str:
    """'∂v_3/∂v_0 = cos v_0 = 0.284': the local partial, as formula and value."""
    text = f"∂{w.name(i)}/∂{w.name(w.t.args[i][k])} = {w.partials(i)[k]}"
    if not w.partial_is_constant(i, k):             # not a constant such as 1 or −1
        text += f" = {w.nt.number(partial)}"
    return text
