"""A checked answer as a student reads it: a text table for the terminal, HTML for Jupyter.

Each row is one cell: the number the engine gives (as the tables print it), the number
given, the verdict and the hint. The last line sums up and gives the score.
"""

from __future__ import annotations

import html
import unicodedata
from typing import TYPE_CHECKING

from ..tables import number

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


def given_text(row: Row) -> str:
    """The number given, as the student wrote it (to 6 digits); a dash if unanswered."""
    return "—" if row.given is None else f"{row.given:.6g}"


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
    ex = check.exercise
    point = ", ".join(f"{x} = {number(v)}" for x, v in ex.inputs.items())
    return f"{ex.title}: y = {ex.expression} at {point}"


def text(check: Check) -> str:
    """The check as a table for the terminal."""
    rows = [("table", "cell", "expected", "given", "verdict", "hint")]
    rows += [(r.table, r.label, number(r.expected), given_text(r), r.verdict, r.hint)
             for r in check.rows]
    return "\n".join([heading(check), *columns(rows), summary(check)])


def html_table(check: Check) -> str:
    """The check as an HTML table (Jupyter shows it), each verdict in its colour."""
    def cell(text: str, tag: str = "td", colour: str = "") -> str:
        style = f" style='background:{colour}'" if colour else ""
        return f"<{tag}{style}>{html.escape(text)}</{tag}>"

    head = "".join(cell(h, "th") for h in ("table", "cell", "expected", "given", "verdict",
                                           "hint"))
    body = ["<tr>" + "".join(cell(t, colour=COLOURS[r.verdict] if k == 4 else "")
                             for k, t in enumerate((r.table, r.label, number(r.expected),
                                                    given_text(r), r.verdict, r.hint)))
            + "</tr>" for r in check.rows]
    return "\n".join([f"<table><caption>{html.escape(heading(check))}</caption>",
                      f"<tr>{head}</tr>", *body,
                      f"<tr><td colspan='6'>{html.escape(summary(check))}</td></tr></table>"])
