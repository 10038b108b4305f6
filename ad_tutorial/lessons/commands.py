"""What `ad-tutorial lesson` and `ad-tutorial notebook` do (cli.py only parses arguments)."""

from __future__ import annotations

import sys
from typing import TextIO

from ..usage import UsageError, output_folder
from . import LESSONS, UnknownLesson, lesson


def _lesson(name: str):
    try:
        return lesson(name)
    except UnknownLesson as e:
        raise UsageError(str(e)) from None


def run_lesson(name: str | None, step: bool = False, stdin: TextIO | None = None,
               stdout: TextIO | None = None) -> int:
    """List the lessons (no name), or run one; exit status 1 if a cell's check fails."""
    from .terminal import listing, run

    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    if name is None:
        if step:
            raise UsageError("--step needs a lesson NAME; the lessons are: "
                               + ", ".join(LESSONS))
        print(listing(), file=stdout)
        return 0
    # A reader that leaves early (`| head`) ends the run quietly: the command line sees to it.
    failed = run(_lesson(name), stdout, step=stdin if step else None)
    if failed:
        print(f"ad-tutorial: {failed} cell(s) of lesson {name} failed their checks "
              "against this torch", file=sys.stderr)
        return 1
    return 0


def write_notebooks(name: str | None, every: bool, out: str) -> int:
    """Write one lesson (or --all) as DIR/NAME.ipynb, printing each path written."""
    from .notebooks import write_notebook

    if (name is None) == (not every):
        raise UsageError("give either a lesson NAME or --all; the lessons are: "
                           + ", ".join(LESSONS))
    chosen = list(LESSONS.values()) if every else [_lesson(name)]
    output_folder(out, "--out")
    for each in chosen:
        try:
            path = write_notebook(each, out)
        except OSError as e:
            raise UsageError(f"cannot write a notebook in {out}: "
                               f"{e.strerror or e}") from None
        print(path)
    return 0
