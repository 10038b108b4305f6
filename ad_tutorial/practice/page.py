"""The practice page: one exercise with input boxes, checked as the student types.

One self-contained HTML file (it works offline: its Content-Security-Policy allows no
connection at all). It carries the exercise's graph, its tables with a box per cell, and
the diagnosis data of :func:`.diagnosis.rules` as JSON: the script judges each cell when
it is left, by the same steps as :func:`.diagnosis.judge_cell`, so the verdicts and
hints are the ones ``ad-tutorial exercise --answers`` prints. The class server serves
the same page at ``/practice``, a fresh exercise per visit.

The graph is the explorer's (:func:`ad_tutorial.graph_svg.graph_svgs`): each node shows
its operation, then a line for its value and one for its tangent or adjoint. A line
stays blank until its cell is answered, then shows the student's own number in the
colour of its verdict, so the graph fills in as the tables do.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import shlex
from importlib.resources import files
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlencode

from ..atomic import PathLike, write_text
from ..graph_svg import GRAPH_IDS, ROOM, graph_svgs, line_id
from ..tables import NOTATIONS, number
from .diagnosis import TOLERANCE
from .exercise import LEVELS, MAX_SEED, MODES, Exercise, ExerciseError, exercise, fresh_seed
from .worksheet import function, sections, setting, task

#: The line of a graph node that shows each table's cells.
QUANTITIES = {"primal": "value", "tangent": "tangent", "adjoint": "adjoint"}


def _static(name: str) -> str:
    return files(__package__).joinpath("static", name).read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def content_security_policy() -> str:
    """Only the page's own style and script run, and the page asks no server for anything."""
    return "; ".join([
        "default-src 'none'", f"style-src {_sha256(_static('practice.css'))}",
        f"script-src {_sha256(_static('practice.js'))}", "connect-src 'none'",
        "base-uri 'none'", "form-action 'none'"])


def graph(ex: Exercise) -> str:
    """The graph of the exercise's mode: forward, or adjoint (v̄ flows back)."""
    return "forward" if ex.mode == "forward" else "adjoint"


def lines(ex: Exercise) -> dict[str, dict[str, Any]]:
    """The graph's line that shows each cell of the tables (v_1's value, v̄_1, …): its
    ``id``, and its ``room``, the characters the drawing leaves for a number: as many as
    the right number takes, as the tables print it (:data:`ROOM` at least)."""
    prefix, nt = GRAPH_IDS[graph(ex)], NOTATIONS["html"]
    return {c["key"]: {"id": line_id(prefix, QUANTITIES[c["table"]], c["node"]),
                       "room": max(ROOM, len(nt.number(c["expected"])))}
            for c in ex.rules if c["table"] in QUANTITIES}


def data(ex: Exercise) -> dict[str, Any]:
    """What the page's script needs: the diagnosis rules, the answers to show (as typed
    into a box: -1.5), and the graph line of each cell."""
    return {"tolerance": TOLERANCE, "graph": GRAPH_IDS[graph(ex)], "cells": ex.rules,
            "shown": {c["key"]: number(c["expected"]) for c in ex.rules},
            "lines": lines(ex)}


def _json_for_script(value: Any) -> str:
    """JSON safe inside <script>: no '<' can end the element early."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c")


def _tables(ex: Exercise) -> str:
    """The three tables, a box in every answer cell, a hint row under each."""
    keys = iter(cell["key"] for cell in ex.rules)
    labels = iter(cell["label"] for cell in ex.rules)
    out = []
    for k, (title, rows) in enumerate(sections(ex, NOTATIONS["html"], key=False)):
        body = []
        for cell, formula, _ in rows:
            key, label = next(keys), next(labels)
            ident = key.replace(":", "-")
            body.append(
                f'<tr class="cell" id="row-{ident}"><th scope="row">{cell}</th>'
                f'<td class="formula">{"= " + formula if formula else ""}</td>'
                f'<td class="answer">= <input id="in-{ident}" data-cell="{html.escape(key)}" '
                f'aria-label="{html.escape(label)}" aria-describedby="hint-{ident}" '
                f'inputmode="decimal" autocomplete="off" spellcheck="false"></td>'
                f'<td class="mark" aria-hidden="true"></td>'
                f'<td><button type="button" class="show" data-cell="{html.escape(key)}" '
                f'tabindex="-1" aria-label="show the answer for {html.escape(label)}">show'
                f'</button></td></tr>'
                f'<tr class="hint" hidden><td colspan="5" id="hint-{ident}"></td></tr>')
        out.append(f'<table id="table-{k}"><caption>{title}</caption>{"".join(body)}</table>')
    primal, derivatives, final = out
    return f'<div class="column">{primal}</div><div class="column">{derivatives}{final}</div>'


def _one_pixel_per_point(svg: str) -> str:
    """graphviz sizes its SVG in points; drawn at a pixel per point, its 14-point labels
    are 14 px, as large as the page's smallest text (a graph wider than the window
    scrolls sideways in its own box)."""
    width, height = re.search(r'viewBox="[\d.]+ [\d.]+ ([\d.]+) ([\d.]+)"', svg).groups()
    return re.sub(r'^<svg width="[\d.]+pt" height="[\d.]+pt"',
                  f'<svg width="{width}" height="{height}"', svg)


def render_page(ex: Exercise, next_link: str) -> str:
    """The page for `ex`; `next_link` is the HTML that leads to the next exercise."""
    nt = NOTATIONS["html"]
    # The page writes the student's own numbers over the drawing's zeros.
    texts = {line["id"]: ["0" * line["room"]] for line in lines(ex).values()}
    parts = {
        "CSP": content_security_policy(),
        "TITLE": html.escape(f"AD practice · {ex.title}"),
        "META": html.escape(ex.title),
        "FUNCTION": function(ex, nt),
        "EXPRESSION": html.escape(ex.expression),
        "SETTING": setting(ex, nt),
        "TASK": task(ex, nt),
        "GRAPH_LABEL": "forward evaluation graph" if ex.mode == "forward" else
                       "reverse adjoint graph",
        "GRAPH": _one_pixel_per_point(graph_svgs(ex.trace, texts)[graph(ex)]),
        "TABLES": _tables(ex), "NEXT": next_link,
        "DATA": _json_for_script(data(ex)),
        "STYLE": _static("practice.css"), "SCRIPT": _static("practice.js"),
    }
    # One pass, so text put in (the expression, the script) is never searched for markers.
    return re.sub(r"__([A-Z_]+?)__", lambda m: parts[m[1]], _static("practice.html"))


def next_seed(ex: Exercise) -> int:
    return (ex.seed + 1) % (MAX_SEED + 1)


def next_command(ex: Exercise, path: str) -> str:
    """The command that writes the next seed's page (a file page cannot make it itself)."""
    return (f"ad-tutorial exercise --level {ex.level} --mode {ex.mode} --seed {next_seed(ex)} "
            f"--format html -o {shlex.quote(path)}")


def write_page(path: PathLike, ex: Exercise) -> Path:
    """Write the offline practice page of `ex` atomically."""
    command = html.escape(next_command(ex, Path(path).name))
    link = f'<p id="next">Next exercise: <code>{command}</code></p>'
    write_text(path, render_page(ex, link))
    return Path(path)


# --- served: /practice?level=2&mode=reverse&seed=3 ------------------------------------

def served_exercise(query: Mapping[str, str]) -> Exercise:
    """The exercise a visit asks for: level (default 1), mode (forward), seed (a fresh one).
    Raises ExerciseError, whose message the server sends back, for anything else."""
    unknown = set(query) - {"level", "mode", "seed"}
    if unknown:
        raise ExerciseError(f"unknown parameter {sorted(unknown)[0]!r}; /practice takes "
                            "level, mode and seed")
    level = query.get("level", "1")
    seed = query.get("seed")
    if level not in {str(k) for k in LEVELS}:
        raise ExerciseError(f"level must be one of {', '.join(map(str, LEVELS))}")
    if seed is not None and not (seed.isascii() and seed.isdigit() and len(seed) <= 9):
        raise ExerciseError(f"seed must be a whole number from 0 to {MAX_SEED}")
    mode = query.get("mode", "forward")
    if mode not in MODES:
        raise ExerciseError("mode must be forward or reverse")
    return exercise(int(level), fresh_seed() if seed is None else int(seed), mode)


def served_page(ex: Exercise) -> str:
    """The page for the server: links to the next seed and to the other levels and modes."""
    def link(text: str, level: int, mode: str, seed: int | None = None, ident: str = "") -> str:
        query = {"level": level, "mode": mode, **({} if seed is None else {"seed": seed})}
        current = ' aria-current="page"' if seed is None and (level, mode) == (
            ex.level, ex.mode) else ""
        return (f'<a{ident}{current} href="?{html.escape(urlencode(query))}">'
                f'{html.escape(text)}</a>')

    levels = " ".join(link(str(k), k, ex.mode) for k in LEVELS)
    modes = " ".join(link(m, ex.level, m) for m in MODES)
    new = link("New exercise →", ex.level, ex.mode, next_seed(ex), ' id="new"')
    nav = f'<nav id="next">{new} <span>level {levels}</span> <span>mode {modes}</span></nav>'

    return render_page(ex, nav)
