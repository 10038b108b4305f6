"""The forward and adjoint graphs of a trace as inline SVG with predictable element ids.

The graphs are the plain ones of :mod:`ad_tutorial.graphs` (circles named v_i), so they
depend only on the shape of the trace, not on its numbers: one drawing serves every
point, and the most recently used drawings are kept, up to CACHE_CHARACTERS in all. graphviz's ``id`` attribute names every element, so the page's
script can light up the node and the edge of each step:

* node v_i: ``f-n-v_i`` in the forward graph, ``a-n-v_i`` in the adjoint graph;
* the k-th edge v_j → v_i (k counts repeated arguments, as in ``x*x``): ``f-e-v_j-v_i-k``;
  in the adjoint graph the same edge runs back, v_i → v_j: ``a-e-v_i-v_j-k``.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from threading import Lock

from .rendering import DOT_TIMEOUT, run_dot
from .trace import Trace

FORWARD, ADJOINT = "f", "a"


def node_id(graph: str, name: str) -> str:
    return f"{graph}-n-{name}"


def edge_id(graph: str, tail: str, head: str, k: int) -> str:
    return f"{graph}-e-{tail}-{head}-{k}"


def graph_svgs(trace: Trace, timeout: float = DOT_TIMEOUT) -> dict[str, str]:
    """{'forward': svg, 'adjoint': svg} for `trace`, ready to put inside HTML (`dot` may
    take `timeout` seconds for each)."""
    from .graphs import adjoint_graph, forward_graph

    shape = (len(trace.inputs), tuple((p.name if p else "", a) for p, a in
                                      zip(trace.ops, trace.args)))
    with _lock:
        if shape in _cache:
            _cache[shape] = svgs = _cache.pop(shape)        # now the most recently used
            return svgs
    svgs = {"forward": _svg(forward_graph(trace), FORWARD, timeout),
            "adjoint": _svg(adjoint_graph(trace), ADJOINT, timeout)}
    with _lock:
        _cache[shape] = svgs
        while sum(map(_size, _cache.values())) > CACHE_CHARACTERS and len(_cache) > 1:
            del _cache[next(iter(_cache))]          # the least recently used drawing
    return svgs


#: What the cache of drawings may hold: about 70 drawings of the classroom server's
#: largest traces (40 nodes, 60,000 characters), thousands of small ones.
CACHE_CHARACTERS = 4_000_000
_cache: dict[tuple, dict[str, str]] = {}
_lock = Lock()


def _size(svgs: dict[str, str]) -> int:
    return sum(map(len, svgs.values()))


def _svg(graph, prefix: str, timeout: float) -> str:
    """Render with dot; keep the <svg> element only; make every id unique and predictable."""
    graph.node_attr["id"] = node_id(prefix, r"\N")
    graph.edge_attr["id"] = f"{prefix}-e-\\T-\\H"
    graph.attr(bgcolor="transparent")
    svg = run_dot(graph.source, "svg", timeout).decode()
    svg = re.sub(r"<!--.*?-->\n?", "", svg[svg.index("<svg"):], flags=re.S)
    seen: Counter[str] = Counter()

    def rename(m: re.Match[str]) -> str:
        ident = html.unescape(m[1])
        if ident.startswith(f"{prefix}-e-"):
            seen[ident] += 1
            ident = f"{ident}-{seen[ident] - 1}"
        elif not ident.startswith(f"{prefix}-"):
            ident = f"{prefix}-{ident}"          # graphviz's own "graph0"
        return f'id="{html.escape(ident)}"'

    return re.sub(r'id="([^"]*)"', rename, svg)
