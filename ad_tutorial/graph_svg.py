"""The forward and adjoint graphs of a trace as inline SVG, for a page to fill in.

Each node is a box: its heading v_i = op, then one line per quantity, such as ``= 0.693``
and ``v̇_1 = 0.5``, whose numbers the page shows as a walk reaches them. Both graphs are
one drawing (:func:`ad_tutorial.graphs.computation_graph`), and dot is given the same
room for each node's lines in both (room for the widest number each line will show), so
every node stands in the same place in the forward and in the adjoint graph.

graphviz's ``id`` attribute names every element, so the page's script can light up the
node and the edge of each step and fill in the numbers:

* node v_i: ``f-n-v_i`` in the forward graph, ``a-n-v_i`` in the adjoint graph;
* the k-th edge v_j → v_i (k counts repeated arguments, as in ``x*x``): ``f-e-v_j-v_i-k``;
  in the adjoint graph the same edge runs back, v_i → v_j: ``a-e-v_i-v_j-k``;
* the line of a quantity (``value``, ``tangent``, ``adjoint``, ``second``) of node v_i:
  ``f-value-v_i``, ``f-tangent-v_i``, ``a-value-v_i``, ``a-adjoint-v_i``; its number is
  the line's ``<text class="number">``.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections import Counter
from threading import Lock
from typing import TYPE_CHECKING, Any, Callable

from .rendering import DOT_TIMEOUT, run_dot
from .trace import Trace

if TYPE_CHECKING:
    from .tables import FormulaWriter

FORWARD, ADJOINT = "f", "a"
GRAPH_IDS = {"forward": FORWARD, "adjoint": ADJOINT}       # graph → prefix of its ids

#: The explorer page's own font, so that dot measures the text as the browser draws it.
FONT = "DejaVu Sans"

Quantity = tuple[str, "str | None"]      # (quantity, accent of v_i)

#: The lines under each node's heading, graph by graph, each line of one quantity or more:
#: (quantity, accent of v_i). The value line is written "= 0.693", as in the annotated
#: figures; the others "v̇_1 = 0.5".
LINES: dict[str, tuple[tuple[Quantity, ...], ...]] = {
    FORWARD: ((("value", None),), (("tangent", "dot"),)),
    ADJOINT: ((("value", None),), (("adjoint", "bar"),))}
#: With the second-order sweep, the adjoint graph writes v̄˙ beside v̄ (beside, not below:
#: a taller node would leave a projector less room). The forward graph has it too, never
#: filled in (the page hides a quantity without a number), so both draw every node alike.
SECOND_ORDER_LINES = {graph: (lines[0], lines[1] + (("second", "bardot"),))
                      for graph, lines in LINES.items()}
#: On arrays v̄˙ goes below v̄: two matrices side by side are wider than a projector.
SECOND_ORDER_ARRAY_LINES = {graph: (*lines, (("second", "bardot"),))
                            for graph, lines in LINES.items()}


def node_id(graph: str, name: str) -> str:
    return f"{graph}-n-{name}"


def edge_id(graph: str, tail: str, head: str, k: int) -> str:
    return f"{graph}-e-{tail}-{head}-{k}"


def line_id(graph: str, quantity: str, name: str) -> str:
    return f"{graph}-{quantity}-{name}"


def graph_svgs(trace: Trace, texts: dict[str, list[str]], timeout: float = DOT_TIMEOUT, *,
               lines: dict[str, tuple[tuple[Quantity, ...], ...]] = LINES) -> dict[str, str]:
    """{'forward': svg, 'adjoint': svg} for `trace`, ready to put inside HTML (`dot` may
    take `timeout` seconds for each).

    ``texts[line_id(graph, quantity, v_i)]`` are the numbers that line shows in the course
    of a walk (an adjoint grows as contributions arrive). dot leaves room for the longest,
    and for ROOM characters at least, as much in both graphs; `lines` names each graph's
    lines (:data:`LINES`, or :data:`SECOND_ORDER_LINES`). The SVG holds zeros, which
    the page writes over. So the drawing depends on the numbers only through their length
    (mostly not at all), and one drawing serves many points: the most recently used
    drawings are kept, keyed by their source, up to CACHE_CHARACTERS in all.
    """
    from .graphs import computation_graph, heading, html_writer

    w = html_writer(trace)

    def room(i: int, r: int, p: int) -> str:
        """Zeros as many as the longest text quantity p of line r of node v_i shows in any
        graph."""
        ids = [line_id(g, rows[r][p][0], trace.name(i)) for g, rows in lines.items()
               if p < len(rows[r])]
        return "0" * max([ROOM] + [len(t) for ident in ids for t in texts.get(ident, [])])

    def node(graph: str) -> Callable[[int], dict[str, str]]:
        width = 2 * max(len(row) for rows in lines.values() for row in rows)
        def attributes(i: int) -> dict[str, str]:
            rows = "".join("<tr>" + "".join(_line(graph, w, i, q, accent, room(i, r, p))
                                            for p, (q, accent) in enumerate(row)) + "</tr>"
                           for r, row in enumerate(lines[graph]))
            return {"label": f'<<table border="0" cellborder="0" cellspacing="0" '
                             f'cellpadding="2"><tr><td colspan="{width}">{heading(w, i)}</td>'
                             f'</tr>{rows}</table>>'}
        return attributes

    graphs = {"forward": computation_graph(trace, node(FORWARD), True, font=FONT),
              "adjoint": computation_graph(trace, node(ADJOINT), True, back=True, font=FONT)}
    key = tuple(g.source for g in graphs.values())
    with _lock:
        if key in _cache:
            _cache[key] = svgs = _cache.pop(key)            # now the most recently used
            return svgs
    svgs = {name: _svg(g, GRAPH_IDS[name], timeout) for name, g in graphs.items()}
    with _lock:
        _cache[key] = svgs
        while sum(map(_size, _cache.values())) > CACHE_CHARACTERS and len(_cache) > 1:
            del _cache[next(iter(_cache))]          # the least recently used drawing
    return svgs


ROOM = 6        # characters: -0.959, 11.652, 1000.5 (a digit is as wide as any of them)
#: What the cache of drawings may hold: about 70 drawings of the classroom server's
#: largest traces, thousands of small ones.
CACHE_CHARACTERS = 4_000_000
_cache: dict[tuple[str, ...], dict[str, str]] = {}
_lock = Lock()


def _size(svgs: dict[str, str]) -> int:
    return sum(map(len, svgs.values()))


def _line(graph: str, w: FormulaWriter, i: int, quantity: str, accent: str | None,
          text: str) -> str:
    """One quantity on a line of a node's label, "v̇_1 =" and a number, as two cells with ids.

    graphviz writes a cell's id into SVG only for a cell with a link (``href``); the
    links are taken out again by :func:`_svg`.
    """
    ident = html.escape(line_id(graph, quantity, w.t.name(i)))
    prefix = "=" if accent is None else f"{w.name(i, accent)} ="
    return (f'<td align="right" id="{ident}~" href="#">{prefix}</td>'
            f'<td align="left" id="{ident}" href="#">{html.escape(text)}</td>')


def _one_shift(svg: str) -> str:
    """dot writes a subscript inside a superscript (v₀ as an exponent, x**x) with two
    baseline-shift attributes, which XML forbids: keep the outer one."""
    return re.sub(r'( baseline-shift="[^"]*")((?: [\w-]+="[^"]*")*?) baseline-shift="[^"]*"',
                  r"\1\2", svg)


def _svg(graph: Any, prefix: str, timeout: float) -> str:
    """Render with dot and tidy up: the <svg> element alone, no links or comments, every
    id unique and predictable, and each line of text one <text> element.

    dot measures text with its own copy of a font and places each run of a line (a
    subscript, a bold name) at its own x; a browser drawing another font would leave
    gaps or overlaps between them. One <text> per line, its runs as <tspan>s, lets the
    browser set the line itself, anchored where dot put the line's centre (a heading) or
    its "=" column (a line of a quantity).
    """
    graph.node_attr["id"] = node_id(prefix, r"\N")
    # Edges go argument → result in the source; the adjoint graph's ids name them the way
    # its arrows point, result → argument.
    graph.edge_attr["id"] = f"{prefix}-e-\\T-\\H" if prefix == FORWARD else f"{prefix}-e-\\H-\\T"
    graph.attr(bgcolor="transparent")
    root = ET.fromstring(_one_shift(run_dot(graph.source, "svg", timeout).decode()))
    for el in root.iter():
        el.tag = el.tag.rpartition("}")[2]                  # plain names, no "ns0:"
        for key in [k for k in el.attrib if k.startswith("{")]:
            del el.attrib[key]                              # the links' xlink attributes
    root.set("xmlns", "http://www.w3.org/2000/svg")         # an SVG file, cut out
    _unwrap_links(root)
    seen: Counter[str] = Counter()
    for el in root.iter():
        ident = el.get("id")
        if ident is None:
            continue
        if ident.startswith(f"{prefix}-e-"):
            seen[ident] += 1
            ident = f"{ident}-{seen[ident] - 1}"
        elif not ident.startswith(f"{prefix}-"):
            ident = f"{prefix}-{ident}"                     # graphviz's own "graph0"
        el.set("id", ident)
    for node in root.iter("g"):
        if node.get("class") == "node":
            _set_lines(node)
    return ET.tostring(root, encoding="unicode")


def _unwrap_links(root: ET.Element) -> None:
    """``<g id="a_X"><a>…</a></g>``, graphviz's linked cell, becomes ``<g id="X">…</g>``."""
    for g in root.iter("g"):
        links = [child for child in g if child.tag == "a"]
        for a in links:
            k = list(g).index(a)
            g[k:k + 1] = list(a)
        if links and g.get("id", "").startswith("a_"):
            g.set("id", g.get("id")[2:])


def _set_lines(node: ET.Element) -> None:
    """Each line of a node's label as one <text>; a quantity's line as a ``line`` group
    of two: "v̇_1 =" ending at its "=" column, then the number (``class="number"``)."""
    texts = [el for el in node if el.tag == "text"]
    if texts:                                   # the heading, centred on the node
        xs = [float(x) for x in re.findall(r"(-?[\d.]+),-?[\d.]+", node.find("path").get("d"))]
        _merge(node, texts, "middle", (min(xs) + max(xs)) / 2)
    cells = [el for el in node if el.tag == "g"]
    for prefix, number in zip(cells[::2], cells[1::2]):     # "v̇_1 =", then its number
        (value,) = number
        value.set("class", "number")
        _merge(prefix, list(prefix), "end", float(value.get("x")) - GAP)
        prefix.append(value)
        prefix.set("id", number.get("id"))
        prefix.set("class", "line")
        node.remove(number)


GAP = 6.0       # from "=" to the number: the cells' padding (2 + 2) and a little more


def _merge(parent: ET.Element, runs: list[ET.Element], anchor: str, x: float) -> None:
    """Replace the runs of text `runs` of `parent` by one <text> anchored at `x`.

    A subscript (graphviz's ``baseline-shift="sub"`` at full size) is set smaller and
    lower, so that v₋₁ reads as a name and stays clear of the next line; a superscript
    (``"super"``, an exponent) smaller and higher, so that v₋₁² is not read as v₋₁ 2.
    """
    line = ET.Element("text", {k: v for k, v in runs[0].attrib.items()
                               if k not in ("font-weight", "baseline-shift")})
    line.set("text-anchor", anchor)
    line.set("x", f"{x:g}")
    size = float(runs[0].get("font-size"))
    for run in runs:
        span = ET.SubElement(line, "tspan")
        if run.get("font-weight"):
            span.set("font-weight", run.get("font-weight"))
        if run.get("baseline-shift") in SHIFTS:
            scale, rise = SHIFTS[run.get("baseline-shift")]
            span.set("font-size", f"{size * scale:g}")
            span.set("baseline-shift", f"{size * rise:g}")
        span.text = run.text
    k = list(parent).index(runs[0])
    for run in runs:
        parent.remove(run)
    parent.insert(k, line)


#: A subscript's and a superscript's size, and how far each rises (a subscript drops), as
#: fractions of the text's size.
SHIFTS = {"sub": (0.8, -0.2), "super": (0.8, 0.35)}
