"""A checked answer as a student reads it: a text table for the terminal, HTML for Jupyter.

Each row is one cell: the number the engine gives (as the tables print it), the number
given, the verdict and the hint. The last line sums up and gives the score. Names and
numbers are written in the notation of the format (−0.5 in both); a hint is the same text
everywhere (see :mod:`.diagnosis`).
"""

from __future__ import annotations

import html
import unicodedata
from dataclasses import replace
from typing import TYPE_CHECKING

from ..tables import NOTATIONS, Notation, equations, output_name, plain

if TYPE_CHECKING:
    from .diagnosis import Check, Row

#: Light backgrounds for the verdicts, behind black text (the verdict is written out too).
COLOURS = {"right": "#d7f5d7", "follows": "#fff0b3", "wrong": "#ffd9d9", "unanswered": ""}


def width(s: str) -> int:
    """Columns `s` takes in a terminal: combining accents (the dot of v̇) take none."""
    return sum(not unicodedata.combining(c) for c in s)


def columns(rows: list[tuple[str, ...]], indent: str = "  ") -> list[str]:
    """Rows of cells as lines of aligned columns."""
    widths = [max(width(row[c]) for row in rows) for c in range(len(rows[0]))]
    return [(indent + "  ".join(cell + " " * (w - width(cell))
                                for cell, w in zip(row, widths))).rstrip() for row in rows]


def given_text(row: Row, nt: Notation) -> str:
    """The number given, as the student wrote it (to 6 decimals); a dash if unanswered."""
    return "—" if row.given is None else replace(nt, digits=6).number(row.given)


def summary(check: Check) -> str:
    """'12 cells: 10 right, 1 follows from an earlier slip, 1 wrong: score 92%'."""
    counts = {v: check.count(v) for v in ("right", "follows", "wrong", "unanswered")}
    parts = [f"{counts['right']} right"]
    if counts["follows"]:
        parts.append(f"{counts['follows']} follow{'s' * (counts['follows'] == 1)} from an "
                     "earlier slip")
    if counts["wrong"]:
        parts.append(f"{counts['wrong']} wrong")
    if counts["unanswered"]:
        parts.append(f"{counts['unanswered']} unanswered")
    verdict = "all right" if check.ok and not counts["unanswered"] else ", ".join(parts)
    return f"{len(check.rows)} cells: {verdict}: score {check.score:.0%}"


def heading(check: Check) -> str:
    """'level 1 · seed 5 · reverse mode: y = ln(x2)*(x2*x1) at x1 = 1, x2 = 1.5' (text)."""
    ex, nt = check.exercise, NOTATIONS["text"]
    return (f"{ex.title}: {nt.variable(output_name(ex.inputs))} = {ex.expression} at "
            f"{equations(ex.inputs, nt)}")


def text(check: Check) -> str:
    """The check as a table for the terminal (inside
    :func:`~ad_tutorial.tables.ascii_only`, in ASCII)."""
    nt = NOTATIONS["text"]
    rows = [("table", "cell", "expected", "given", "verdict", "hint")]
    rows += [tuple(map(plain, (r.table, r.label, nt.number(r.expected), given_text(r, nt),
                               r.verdict, r.hint))) for r in check.rows]
    return "\n".join([plain(heading(check)), *columns(rows), summary(check)])


def html_table(check: Check) -> str:
    """The check as an HTML table (Jupyter shows it), each verdict in its colour."""
    nt = NOTATIONS["html"]

    def cell(text: str, tag: str = "td", colour: str = "") -> str:
        style = f" style='background:{colour}'" if colour else ""
        return f"<{tag}{style}>{text}</{tag}>"

    head = "".join(cell(h, "th") for h in ("table", "cell", "expected", "given", "verdict",
                                           "hint"))
    body = ["<tr>" + "".join(cell(t, colour=COLOURS[r.verdict] if k == 4 else "")
                             for k, t in enumerate((r.table, html.escape(r.label),
                                                    nt.number(r.expected), given_text(r, nt),
                                                    r.verdict, html.escape(r.hint))))
            + "</tr>" for r in check.rows]
    return "\n".join([f"<table><caption>{html.escape(heading(check))}</caption>",
                      f"<tr>{head}</tr>", *body,
                      f"<tr><td colspan='6'>{html.escape(summary(check))}</td></tr></table>"])
