"""A lesson in the terminal: each cell's explanation, its code, then its real output."""

from __future__ import annotations

from typing import TextIO

from . import LESSONS
from .cells import Lesson, Outcome

PROMPT = "[Enter: next cell, q: quit] "


def listing() -> str:
    """One line per lesson: its name, then what it teaches."""
    width = max(map(len, LESSONS))
    return "\n".join(f"{name:<{width}}  {lesson.about}" for name, lesson in LESSONS.items())


def highlight(code: str) -> str:
    """Python source coloured for a terminal, by pygments."""
    from pygments import highlight as pygmentize
    from pygments.formatters import TerminalFormatter
    from pygments.lexers import PythonLexer

    return pygmentize(code, PythonLexer(), TerminalFormatter()).rstrip("\n")


def show(outcome: Outcome, total: int, color: bool) -> str:
    """A cell as the terminal shows it: [k/total] explanation, indented code, output."""
    cell = outcome.cell
    code = highlight(cell.code) if color else cell.code
    parts = [f"[{outcome.number}/{total}] {cell.says}", "",
             "\n".join(("    " + line).rstrip() for line in code.splitlines()), ""]
    if outcome.text:
        parts.append(outcome.text.rstrip("\n"))
    if outcome.gpu is False:
        parts.append("(no GPU here: this cell ran on the CPU)")
    if cell.tutorial is not None:
        parts.append("(the tutorial, with torch 1.8.1, showed:)\n" + cell.tutorial.rstrip("\n"))
    if outcome.problem is not None:
        parts.append(f"CHECK FAILED: this cell {outcome.problem}")
    return "\n".join(parts) + "\n"


def run(lesson: Lesson, out: TextIO, step: TextIO | None = None,
        color: bool | None = None) -> int:
    """Run a lesson, printing every cell; return how many cells' checks failed.

    With `step`, wait for a line from it (Enter) after each cell; "q" stops the
    lesson, and the end of the input stops the waiting.
    """
    if color is None:
        color = out.isatty()
    total, failed = len(lesson.cells), 0
    print(f"{lesson.title}: {lesson.about}\n(from {lesson.sources})", file=out)
    for outcome in lesson.run():
        if outcome.cell.section is not None:
            print(f"\n== {outcome.cell.section} ==", file=out)
        print("\n" + show(outcome, total, color), end="", file=out, flush=True)
        failed += outcome.problem is not None
        if step is not None and outcome.number < total:
            print(PROMPT, end="", file=out, flush=True)
            answer = step.readline()
            if answer.strip().lower() == "q":
                break
            if not answer:
                step = None
    return failed
