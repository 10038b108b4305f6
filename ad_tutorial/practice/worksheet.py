"""Exercises on paper: blank tables to fill in by hand, and their answer keys.

One exercise is three small tables: the primal values v_i (each row shows its formula,
v_1 = v_−1 × v_0, so everyone numbers the nodes alike), the tangents v̇_i or the adjoints
v̄_i, and the derivative ẏ or the gradient. They are written in text (the terminal and
``print(ex)``), as a printable HTML sheet of several exercises, or as a LaTeX document.
The answer key is the same sheet with the engine's numbers filled in.
"""

from __future__ import annotations

import base64
import hashlib
import html
from typing import Sequence

from ..tables import NOTATIONS, FormulaWriter, Notation, equations, output_name, plain
from .diagnosis import direction
from .exercise import Exercise, exercise
from .report import columns

Row = tuple[str, str, str | None]          # (cell, formula or "", number or None if blank)

#: How many exercises one sheet holds at most.
MAX_COUNT = 100


def sections(ex: Exercise, nt: Notation, key: bool) -> list[tuple[str, list[Row]]]:
    """The tables of `ex` written in notation `nt`, blank unless `key`, each with a title
    that names the sweep's seed: along ẋ = (0, 1), or from ȳ = 1."""
    t, w = ex.trace, FormulaWriter(ex.trace, nt)
    answers = ex.key()

    def shown(x: float) -> str | None:
        return nt.number(x) if key else None

    n, inputs = len(t), len(t.inputs)
    primal = [(w.name(i), nt.variable(t.inputs[i]) if i < inputs else w.op(i),
               shown(t.values[i])) for i in range(n)]
    if ex.mode == "forward":
        tangents = answers["tangent"]
        rows = [(w.name(i, "dot"), nt.variable(t.inputs[i], "dot") if i < inputs else "",
                 shown(tangents[t.name(i)])) for i in range(n)]
        return [("Primal values", primal),
                (f"Tangents along {nt.math(direction(ex.direction, nt))}", rows),
                ("Directional derivative", [(w.output_variable("dot"), w.name(t.output, "dot"),
                                             shown(answers["derivative"]))])]
    adjoints = answers["adjoint"]
    rows = [(w.name(i, "bar"), w.output_variable("bar") if i == t.output else "",
             shown(adjoints[t.name(i)])) for i in range(n - 1, -1, -1)]
    gradient = [(nt.variable(x, "bar"), nt.partial(w.output_variable(), nt.variable(x)),
                 shown(answers["gradient"][x])) for x in t.inputs]
    return [("Primal values", primal),
            (f"Adjoints, from {equations({w.output: ex.sweep.seed}, nt, 'bar')}", rows),
            ("Gradient", gradient)]


def function(ex: Exercise, nt: Notation) -> str:
    """The function's value named as the tables name it: y (f if an input is called y)."""
    return nt.variable(output_name(ex.inputs))


def task(ex: Exercise, nt: Notation) -> str:
    """What to do, in one sentence, its symbols written in notation `nt`."""
    def symbol(name: str, accent: str = "") -> str:
        return nt.math(nt.variable(name, accent))

    if ex.mode == "forward":
        return (f"Fill in the values {symbol('v')}, then the tangents {symbol('v', 'dot')} "
                f"along {symbol('x', 'dot')} (forward mode), then the directional derivative "
                f"{symbol(output_name(ex.inputs), 'dot')}.")
    return (f"Fill in the values {symbol('v')}, then the adjoints {symbol('v', 'bar')} from "
            "the output back to the inputs (reverse mode), then the gradient.")


def setting(ex: Exercise, nt: Notation) -> str:
    """'at x1 = 2.5, x2 = −0.5, direction ẋ = (1, 0)', in notation `nt`."""
    point = f"at {equations(ex.inputs, nt)}"
    if ex.direction is None:
        return point
    return f"{point}, direction {nt.math(direction(ex.direction, nt))}"


# --- text ---------------------------------------------------------------------------------

BLANK = "______"


def text(ex: Exercise, key: bool = False) -> str:
    """The exercise for the terminal: what to do, then the tables with blanks (or numbers).
    Inside :func:`~ad_tutorial.tables.ascii_only`, in ASCII."""
    nt = NOTATIONS["text"]
    lines = [f"Exercise · {ex.title}" + (" · answer key" if key else ""),
             f"{function(ex, nt)} = {ex.expression}", setting(ex, nt), task(ex, nt)]
    lines = list(map(plain, lines))
    for title, rows in sections(ex, nt, key):
        lines += ["", plain(title)]
        lines += columns([(plain(cell), plain(f"= {formula}") if formula else "",
                           plain(f"= {answer or BLANK}")) for cell, formula, answer in rows])
    return "\n".join(lines)


# --- HTML -----------------------------------------------------------------------------------

def html_fragment(ex: Exercise, key: bool = False, heading: str = "") -> str:
    """One exercise as an HTML section (Jupyter shows it; sheets are made of them)."""
    nt = NOTATIONS["html"]
    title = heading or f"Exercise · {ex.title}"
    tables = []
    for name, rows in sections(ex, nt, key):
        body = "".join(
            f"<tr><th>{cell}</th><td>{'= ' + formula if formula else ''}</td>"
            f"<td class='answer'>= {answer if answer is not None else '<span class=blank></span>'}"
            f"</td></tr>" for cell, formula, answer in rows)
        tables.append(f"<table><caption>{name}</caption>{body}</table>")
    return (f"<section class='exercise'><h2>{html.escape(title)}</h2>"
            f"<p class='function'>{function(ex, nt)} = <code>{html.escape(ex.expression)}</code> "
            f"{setting(ex, nt)}</p><p class='task'>{task(ex, nt)}</p>"
            f"<div class='tables'>{''.join(tables)}</div></section>")


SHEET_STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 12pt; margin: 1.5cm; color: #000; }
h1 { font-size: 16pt; margin: 0 0 0.3em; }
.who { margin: 0 0 1em; }
.who span { display: inline-block; width: 14em; border-bottom: 1px solid #000; }
section.exercise { break-inside: avoid; page-break-inside: avoid; border-top: 2px solid #000;
                   padding: 0.4em 0 0.8em; }
h2 { font-size: 13pt; margin: 0.2em 0; }
.function code { font-size: 12pt; }
.task { margin: 0.2em 0 0.5em; }
.tables { display: flex; flex-wrap: wrap; gap: 0.5em 2.5em; align-items: flex-start; }
table { border-collapse: collapse; }
caption { text-align: left; font-weight: bold; padding-bottom: 0.2em; white-space: nowrap; }
th { text-align: left; font-weight: normal; padding: 0.15em 0.6em 0.15em 0; }
td { padding: 0.15em 0.6em 0.15em 0; white-space: nowrap; }
.blank { display: inline-block; width: 6em; border-bottom: 1px solid #000; height: 1.1em;
         vertical-align: bottom; }
@page { margin: 1.5cm; }
@media print { body { margin: 0; } }
"""


def html_sheet(exercises: Sequence[Exercise], key: bool = False) -> str:
    """A printable page of exercises (one per block, never split across pages)."""
    first = exercises[0]
    title = (f"AD practice · level {first.level} · {first.mode} mode"
             + (" · answer key" if key else ""))
    digest = base64.b64encode(hashlib.sha256(SHEET_STYLE.encode()).digest()).decode()
    sections_html = "\n".join(
        html_fragment(ex, key, f"Exercise {k} · seed {ex.seed}")
        for k, ex in enumerate(exercises, start=1))
    who = "" if key else "<p class='who'>Name: <span></span> Date: <span></span></p>"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-{digest}'">
<title>{html.escape(title)}</title>
<style>{SHEET_STYLE}</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
{who}
<p>Each exercise names its seed: an answer file says
<code>"exercise": {{"level": {first.level}, "seed": …, "mode": "{first.mode}"}}</code>.</p>
{sections_html}
</body>
</html>
"""


# --- LaTeX -----------------------------------------------------------------------------------

TEX_BLANK = r"\blank"


def _tex_text(s: str) -> str:
    """Plain text for LaTeX: its special characters escaped."""
    special = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
               "#": r"\#", "%": r"\%", "_": r"\_", "^": r"\^{}", "~": r"\~{}"}
    return "".join(special.get(c, c) for c in s)


def latex_sheet(exercises: Sequence[Exercise], key: bool = False) -> str:
    """The exercises as a LaTeX document (article class, amsmath)."""
    nt = NOTATIONS["latex"]
    first = exercises[0]
    title = (f"AD practice: level {first.level}, {first.mode} mode"
             + (" (answer key)" if key else ""))
    out = [r"\documentclass[11pt]{article}", r"\usepackage{amsmath}",
           r"\usepackage[margin=2cm]{geometry}", r"\newcommand{\blank}{\rule{6em}{0.4pt}}",
           r"\setlength{\parindent}{0pt}", r"\begin{document}",
           rf"\section*{{{_tex_text(title)}}}"]
    if not key:
        out += [r"Name: \rule{14em}{0.4pt} \quad Date: \rule{8em}{0.4pt}", "", r"\bigskip"]
    for k, ex in enumerate(exercises, start=1):
        out += [r"\begin{minipage}{\textwidth}",
                rf"\subsection*{{Exercise {k} \normalfont\small(level {ex.level}, seed "
                rf"{ex.seed}, {ex.mode} mode)}}",
                rf"${function(ex, nt)} = {{}}$\texttt{{{_tex_text(ex.expression)}}}, "
                rf"{setting(ex, nt)}.", "", task(ex, nt), "", r"\medskip"]
        for name, rows in sections(ex, nt, key):
            out += [rf"\textbf{{{name}}}\\[2pt]", r"\begin{tabular}{lll}"]
            for cell, formula, answer in rows:
                formula = f"${{}} = {formula}$" if formula else ""
                answer = TEX_BLANK if answer is None else answer
                out.append(rf"${cell}$ & {formula} & ${{}} = {answer}$ \\")
            out += [r"\end{tabular}", r"\medskip", ""]
        out += [r"\end{minipage}", r"\bigskip", ""]
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


def worksheet(level: int, seed: int, count: int, mode: str) -> list[Exercise]:
    """`count` exercises of one level and mode, seeds seed, seed + 1, …"""
    return [exercise(level, seed + k, mode) for k in range(count)]
