"""The practice commands: ``ad-tutorial exercise``, ``worksheet`` and ``grade``.

``cli.py`` parses the arguments and calls these. Each checks its paths and formats
before any work, writes files atomically, and turns every mistake a user can make into
a :class:`~ad_tutorial.usage.UsageError` (one line, exit status 2).
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..atomic import write_text
from ..tables import dumps
from ..usage import UsageError
from .answers import AnswerError, answered, exercise_of, load
from .diagnosis import judge
from .exercise import Exercise, ExerciseError, exercise
from .grading import answer_files, grade
from .worksheet import MAX_COUNT, html_sheet, latex_sheet, text, worksheet


def writable(path: str) -> Path:
    """`path` as a file that can be written: its folder exists and it is no folder itself."""
    p = Path(path)
    if p.is_dir():
        raise UsageError(f"cannot write {path}: it is a directory")
    if not p.parent.is_dir():
        raise UsageError(f"cannot write {path}: there is no directory {p.parent}")
    return p


def _write(path: Path, content: str, what: str) -> None:
    try:
        write_text(path, content)
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e.strerror or e}") from None
    print(f"wrote {path}: {what}")


def _exercise(level: int | None, seed: int | None, mode: str | None) -> Exercise:
    try:
        return exercise(level or 1, seed, mode or "forward")
    except ExerciseError as e:
        raise UsageError(str(e)) from None


def run_exercise(level: int | None, seed: int | None, mode: str | None, fmt: str,
                 output: str | None, answers: str | None) -> int:
    """Print or write one exercise; with `answers`, check that answer file against it
    (exit status 0 if all is right, 1 if something is wrong)."""
    out = writable(output) if output else None
    if answers is not None:
        return _check(level, seed, mode, fmt, out, answers)
    ex = _exercise(level, seed, mode)
    if fmt == "html":
        from graphviz import ExecutableNotFound

        from ..rendering import DOT_MISSING, INSTALL_GRAPHVIZ
        from .page import next_command, render_page, write_page
        try:
            if out is not None:
                write_page(out, ex)
                print(f"wrote {out}: open it in a browser; each cell is checked when you "
                      "leave it")
                return 0
            link = f'<p id="next">Next exercise: <code>{next_command(ex, "page.html")}</code></p>'
            print(render_page(ex, link))
            return 0
        except ExecutableNotFound:
            raise UsageError(f"{DOT_MISSING}; {INSTALL_GRAPHVIZ}") from None
        except OSError as e:
            raise UsageError(f"cannot write {out}: {e.strerror or e}") from None
    content = {"text": lambda: text(ex),
               "json": lambda: dumps(ex.to_json()),
               "latex": lambda: latex_sheet([ex])}[fmt]()
    if out is not None:
        _write(out, content + "\n", f"the exercise ({ex.title})")
    else:
        print(content)
    return 0


def _check(level: int | None, seed: int | None, mode: str | None, fmt: str,
           out: Path | None, path: str) -> int:
    """Judge the answer file at `path`; the exercise is the options', else the file's own."""
    if fmt not in ("text", "json"):
        raise UsageError(f"--answers prints its check as text or json, not {fmt}")
    try:
        data = load(path)
        if seed is None:
            if "exercise" not in data:
                raise UsageError(f"{path}: which exercise? Give --seed (and --level, --mode), "
                                 'or name it in the file: "exercise": {"level": 1, '
                                 '"seed": 5, "mode": "reverse"}')
            file_level, seed, file_mode = exercise_of(data["exercise"])
            level, mode = level or file_level, mode or file_mode
        ex = _exercise(level, seed, mode)
        check = judge(ex, answered(ex, data))
    except AnswerError as e:
        raise UsageError(f"{path}: {e}") from None
    content = dumps(check.to_json()) if fmt == "json" else str(check)
    if out is not None:
        _write(out, content + "\n", f"the check of {path} ({check.exercise.title})")
    else:
        print(content)
    return 0 if check.ok else 1


def run_worksheet(level: int, seed: int | None, count: int, mode: str, fmt: str,
                  output: str, key: bool) -> int:
    """Write a printable sheet of `count` exercises (and with `key`, its answer key)."""
    if not 1 <= count <= MAX_COUNT:
        raise UsageError(f"--count must be from 1 to {MAX_COUNT}, not {count}")
    out = writable(output)
    key_path = out.with_name(f"{out.stem}-key{out.suffix}") if key else None
    if seed is None:
        seed = _exercise(level, None, mode).seed
    try:
        exercises = worksheet(level, seed, count, mode)
    except ExerciseError as e:
        raise UsageError(str(e)) from None
    render = html_sheet if fmt == "html" else latex_sheet
    seeds = f"seed {seed}" if count == 1 else f"seeds {seed}–{seed + count - 1}"
    _write(out, render(exercises),
           f"{count} exercise{'s' * (count > 1)}, level {level}, {seeds}, {mode} mode")
    if key_path is not None:
        _write(key_path, render(exercises, key=True), "the answer key")
    return 0


def run_grade(directory: str, csv_path: str | None) -> int:
    """Grade every answer file in `directory`; list those that could not be graded
    (exit status 1 if there are any)."""
    folder = Path(directory)
    if not folder.is_dir():
        raise UsageError(f"{directory} is not a directory of answer files")
    out = writable(csv_path) if csv_path else None
    files = answer_files(folder)
    if not files:
        raise UsageError(f"there are no answer files (*.json) in {directory}")
    grades = grade(files)
    if grades.graded:
        print(grades.text())
    if out is not None:
        _write(out, grades.csv(), f"{len(grades.graded)} graded answer files as CSV")
    for path, reason in grades.bad:
        print(f"ad-tutorial: not graded: {path}: {reason}", file=sys.stderr)
    return 1 if grades.bad else 0
