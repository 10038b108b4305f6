"""Answer files: what a student hands in, read and checked before anything is judged.

An answer file is a JSON object::

    {"student": "Ada", "exercise": {"level": 1, "seed": 5, "mode": "reverse"},
     "primal": {"v_-1": 1, "v_0": 1.5, "v_1": 0.405, "v_2": 1.5, "v_3": 0.608},
     "adjoint": {"v_3": 1, "v_2": 0.405, "v_1": 1.5, "v_0": 1.405, "v_-1": 0.608},
     "gradient": {"x1": 0.608, "x2": 1.405}}

In forward mode "tangent" and "derivative" (one number) take the place of "adjoint" and
"gradient". Node names are those of ``ad-tutorial trace --format json``, inputs included.
A cell left out, or ``null``, is unanswered. "student" and "exercise" say whose answer
to which exercise it is: ``grade`` needs both; ``exercise --answers`` checks that
"exercise", if given, is the exercise asked for.

Nothing in a file is ever executed: it is parsed as JSON, and every cell must be a number.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .diagnosis import key
from .exercise import LEVELS, MAX_SEED, MODES

if TYPE_CHECKING:
    from .exercise import Exercise

#: An answer file is small: a few dozen numbers.
MAX_BYTES = 1_000_000
TABLES = ("primal", "tangent", "adjoint", "derivative", "gradient")
ABOUT = ("student", "exercise")


class AnswerError(ValueError):
    """An answer that cannot be judged: one line saying why."""


def load(path: str | Path) -> dict[str, Any]:
    """The JSON object in the answer file at `path`, or AnswerError."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise AnswerError(f"cannot read it: {e.strerror or e}") from None
    if len(data) > MAX_BYTES:
        raise AnswerError(f"it is larger than {MAX_BYTES:,} bytes; an answer file is small")
    return parse(data)


def parse(data: bytes | str) -> dict[str, Any]:
    """The JSON object in `data`, or AnswerError (NaN and Infinity are not numbers here)."""
    def refuse(word: str) -> None:
        raise AnswerError(f"{word} is not a number an answer can be")

    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
        parsed = json.loads(text, parse_constant=refuse)
    except UnicodeDecodeError:
        raise AnswerError("it is not text (UTF-8)") from None
    except json.JSONDecodeError as e:
        raise AnswerError(f"it is not JSON: {e.msg} (line {e.lineno}, column {e.colno})") \
            from None
    except RecursionError:
        raise AnswerError("it is not an answer: nested too deeply") from None
    if not isinstance(parsed, dict):
        raise AnswerError('it is not an answer: it should be a JSON object, {"primal": …}')
    return parsed


def identity(data: dict[str, Any]) -> tuple[str, int, int, str]:
    """(student, level, seed, mode): whose answer this is, to which exercise."""
    student = data.get("student")
    if not isinstance(student, str) or not student.strip():
        raise AnswerError('it does not name its student: add "student": "Ada"')
    about = data.get("exercise")
    if about is None:
        raise AnswerError('it does not name its exercise: add "exercise": '
                          '{"level": 1, "seed": 5, "mode": "reverse"}')
    return (student.strip(), *exercise_of(about))


def exercise_of(about: Any) -> tuple[int, int, str]:
    """(level, seed, mode) from an answer file's "exercise"."""
    if not isinstance(about, dict) or set(about) != {"level", "seed", "mode"}:
        raise AnswerError('"exercise" should be {"level": …, "seed": …, "mode": …}')
    level, seed, mode = about["level"], about["seed"], about["mode"]
    if type(level) is not int or level not in LEVELS:
        raise AnswerError(f'"exercise": level {level!r} is not one of '
                          f'{", ".join(map(str, LEVELS))}')
    if type(seed) is not int or not 0 <= seed <= MAX_SEED:
        raise AnswerError(f'"exercise": seed {seed!r} is not a whole number from 0 to '
                          f'{MAX_SEED}')
    if mode not in MODES:
        raise AnswerError(f'"exercise": mode {mode!r} is not forward or reverse')
    return level, seed, mode


def answered(ex: Exercise, data: dict[str, Any]) -> dict[str, float]:
    """The answered cells of an answer file for `ex`, by cell key. The file's "exercise",
    if it has one, must be `ex`."""
    if "exercise" in data:
        level, seed, mode = exercise_of(data["exercise"])
        if (level, seed, mode) != (ex.level, ex.seed, ex.mode):
            raise AnswerError(f"it belongs to another exercise (level {level} · seed {seed} · "
                              f"{mode} mode), not to {ex.title}")
    return cells(ex, {k: v for k, v in data.items() if k not in ABOUT})


def cells(ex: Exercise, tables: dict[str, Any]) -> dict[str, float]:
    """The answered cells by key, from the tables of an answer file (or of ``check``)."""
    wanted = ("primal", ex.derivatives, ex.final)
    for name in tables:
        if name not in wanted:
            what = (f"this exercise is in {ex.mode} mode: it asks for "
                    if name in TABLES else f"unknown part {name!r}: an answer has ")
            raise AnswerError(f"{what}{', '.join(wanted)}, not {name}")
    found: dict[str, float] = {}
    for table in ("primal", ex.derivatives):
        found.update(_table(table, tables.get(table), ex.names, "node",
                            f"{ex.names[0]} … {ex.names[-1]}"))
    if ex.final == "derivative":
        x = _number("derivative", tables.get("derivative"))
        if x is not None:
            found[key("final", "derivative")] = x
    else:
        inputs = list(ex.inputs)
        found.update({key("final", name): x for name, x in
                      _table("gradient", tables.get("gradient"), inputs, "input",
                             ", ".join(inputs)).items()})
    return found


def _table(table: str, given: Any, names: list[str], what: str,
           known: str) -> dict[str, float]:
    """{key: number} for one table of an answer: an object of names and numbers."""
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise AnswerError(f'{table} should be an object of {what} names and numbers, '
                          f'such as {{"{names[-1]}": 1.5}}')
    found = {}
    for name, value in given.items():
        if name not in names:
            raise AnswerError(f"{table}: unknown {what} {name!r} (the {what}s are {known})")
        x = _number(f"{table} {name}", value)
        if x is not None:
            found[name if table == "gradient" else key(table, name)] = x
    return found


def _number(where: str, value: Any) -> float | None:
    """A cell's number; None if unanswered."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AnswerError(f"{where}: {json.dumps(value)[:40]} is not a number")
    try:
        x = float(value)
    except OverflowError:
        x = math.inf
    if not math.isfinite(x):
        raise AnswerError(f"{where}: {value!r} is not a finite number")
    return x
