"""Exercises on paper: blank tables to fill in by hand, and their answer keys.

One exercise is three small tables: the primal values v_i (each row shows its formula,
v_1 = v_-1 × v_0, so everyone numbers the nodes alike), the tangents v̇_i or the adjoints
v̄_i, and the derivative ẏ or the gradient. They are written in text (the terminal and
``print(ex)``), as a printable HTML sheet of several exercises, or as a LaTeX document.
The answer key is the same sheet with the engine's numbers filled in.
"""

from __future__ import annotations

import base64
import hashlib
import html
from typing import Sequence

from ..tables import NOTATIONS, FormulaWriter, Notation, number
from .exercise import Exercise, exercise
from .report import columns

Row = tuple[str, str, str | None]          # (cell, formula or "", number or None if blank)

#: How many exercises one sheet holds at most.
MAX_COUNT = 100


def sections(ex: Exercise, nt: Notation, key: bool) -> list[tuple[str, list[Row]]]:
    """The tables of `ex` written in notation `nt`, blank unless `key`, each with a title."""
    t, w = ex.trace, FormulaWriter(ex.trace, nt)
    answers = ex.key()

    def shown(x: float) -> str | None:
        return nt.number(x) if key else None

    n = len(t)
    primal = [(w.name(i), nt.variable(t.inputs[i], "") if i < len(t.inputs) else w.op(i),
               shown(t.values[i])) for i in range(n)]
    if ex.mode == "forward":
        tangents = answers["tangent"]
        direction = ", ".join(nt.number(v) for v in ex.direction.values())
        rows = [(w.name(i, "dot"), nt.variable(t.inputs[i], "dot") if i < len(t.inputs) else "",
                 shown(tangents[t.name(i)])) for i in range(n)]
        y_dot = nt.variable("y", "dot") if not nt.latex else r"\dot{y}"
        return [("Primal values", primal),
                (f"Tangents along ẋ = ({direction})" if not nt.latex else
                 rf"Tangents along $\dot{{x}} = ({direction})$", rows),
                ("Directional derivative", [(y_dot, w.name(t.output, "dot"),
                                             shown(answers["derivative"]))])]
    adjoints = answers["adjoint"]
    y_bar = nt.variable("y", "bar") if not nt.latex else r"\bar{y}"
    rows = [(w.name(i, "bar"), y_bar if i == t.output else "", shown(adjoints[t.name(i)]))
            for i in range(n - 1, -1, -1)]
    partial = (lambda x: f"∂y/∂{nt.variable(x, '')}") if not nt.latex else \
        (lambda x: rf"\partial y / \partial {nt.variable(x, '')}")
    gradient = [(nt.variable(x, "bar"), partial(x), shown(answers["gradient"][x]))
                for x in t.inputs]
    return [("Primal values", primal),
            ("Adjoints, from ȳ = 1" if not nt.latex else r"Adjoints, from $\bar{y} = 1$", rows),
            ("Gradient", gradient)]


def task(ex: Exercise) -> str:
    """What to do, in one sentence."""
    if ex.mode == "forward":
        return ("Fill in the values v, then the tangents v̇ along ẋ (forward mode), "
                "then the directional derivative ẏ.")
    return ("Fill in the values v, then the adjoints v̄ from the output back to the inputs "
            "(reverse mode), then the gradient.")


def setting(ex: Exercise) -> str:
    """'at x1 = 2.5, x2 = -0.5, direction ẋ = (1, 0)'."""
    point = ", ".join(f"{x} = {number(v)}" for x, v in ex.inputs.items())
    if ex.direction is None:
        return f"at {point}"
    return f"at {point}, direction ẋ = ({', '.join(map(number, ex.direction.values()))})"


# --- text ---------------------------------------------------------------------------------

BLANK = "______"


def text(ex: Exercise, key: bool = False) -> str:
    """The exercise for the terminal: what to do, then the tables with blanks (or numbers)."""
    lines = [f"Exercise · {ex.title}" + (" · answer key" if key else ""),
             f"y = {ex.expression}", setting(ex), task(ex)]
    for title, rows in sections(ex, NOTATIONS["text"], key):
        lines += ["", title]
        lines += columns([(cell, f"= {formula}" if formula else "", f"= {answer or BLANK}")
                          for cell, formula, answer in rows])
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
        tables.append(f"<table><caption>{html.escape(name)}</caption>{body}</table>")
    return (f"<section class='exercise'><h2>{html.escape(title)}</h2>"
            f"<p class='function'>y = <code>{html.escape(ex.expression)}</code> "
            f"{html.escape(setting(ex))}</p><p class='task'>{html.escape(task(ex))}</p>"
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
        out.append(r"Name: \rule{14em}{0.4pt} \quad Date: \rule{8em}{0.4pt}")
    for k, ex in enumerate(exercises, start=1):
        task_text = task(ex).replace("v̇", r"$\dot{v}$").replace("v̄", r"$\bar{v}$") \
            .replace("ẋ", r"$\dot{x}$").replace("ẏ", r"$\dot{y}$")
        out += [r"\begin{minipage}{\textwidth}",
                rf"\subsection*{{Exercise {k} \normalfont\small(level {ex.level}, seed "
                rf"{ex.seed}, {ex.mode} mode)}}",
                rf"$y = {{}}$\texttt{{{_tex_text(ex.expression)}}}, {_tex_setting(ex)}.",
                "", task_text, "", r"\medskip"]
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


def _tex_setting(ex: Exercise) -> str:
    nt = NOTATIONS["latex"]
    point = ", ".join(f"${nt.variable(x, '')} = {nt.number(v)}$" for x, v in ex.inputs.items())
    if ex.direction is None:
        return f"at {point}"
    direction = ", ".join(nt.number(v) for v in ex.direction.values())
    return rf"at {point}, direction $\dot{{x}} = ({direction})$"


def worksheet(level: int, seed: int, count: int, mode: str) -> list[Exercise]:
    """`count` exercises of one level and mode, seeds seed, seed + 1, …"""
    return [exercise(level, seed + k, mode) for k in range(count)]
