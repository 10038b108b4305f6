"""Scalar traces look exactly as they did before arrays came: every table in every format,
the JSON and the graphs' DOT source of a few traces, byte for byte.

tests/data/scalar_views.txt was written by :func:`views` from the code before the array
views (commit 5339b4b); regenerate it only for a change meant to alter scalar views:
``python -m tests.test_scalar_views > tests/data/scalar_views.txt``.
"""

from __future__ import annotations

from pathlib import Path

import ad_tutorial as adt
from ad_tutorial.graphs import adjoint_graph, forward_graph
from ad_tutorial.tables import ascii_only, dumps, render, to_json

GOLDEN = Path(__file__).parent / "data" / "scalar_views.txt"

#: Every primitive, the domain edges (0/0, ln 0, a subnormal), large and negative numbers,
#: a repeated argument, an input called y.
CASES = [("ln(x1) + x1*x2 - sin(x2)", {"x1": 2.0, "x2": 5.0}),
         ("sqrt(x) + x/y", {"x": 0.0, "y": 0.0}),
         ("x**x * relu(-x) + abs(y)*tanh(y)", {"x": -0.6, "y": 2.0}),
         ("sigmoid(x)/(1 + exp(-x)) - cos(x)**3 + tan(x) + ln(x)", {"x": 1e-310}),
         ("2*pi*x - e**y + x**0.5 + x**-2", {"x": 3.0, "y": -1.5e7})]


def views() -> str:
    """Everything the views write about the scalar CASES, one block after another."""
    out = []
    for text, at in CASES:
        t = adt.trace(text, **at)
        sweeps = (t, t.forward(), t.reverse())
        for obj in sweeps:
            out += [render(obj, fmt, digits) for fmt in ("text", "markdown", "latex", "html")
                    for digits in (3, 6)]
            with ascii_only():
                out += [render(obj, "text"), render(obj, "markdown")]
        out.append(dumps(to_json(*sweeps)))
        with ascii_only():
            out.append(dumps(to_json(*sweeps)))
        out += [graph(t, annotate=annotate).source for graph in (forward_graph, adjoint_graph)
                for annotate in (False, True)]
    return "\n=====\n".join(out) + "\n"


def test_scalar_tables_json_and_graphs_are_unchanged():
    now, before = views().split("\n=====\n"), GOLDEN.read_text(encoding="utf-8").split("\n=====\n")
    assert len(now) == len(before)
    for k, (a, b) in enumerate(zip(now, before)):
        assert a == b, f"block {k} differs"


if __name__ == "__main__":
    print(views(), end="")
