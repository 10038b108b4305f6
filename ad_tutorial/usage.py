"""What a user types besides the expression, read before any work starts.

The usage error (one line on stderr, exit status 2 on the command line; a 4xx answer
on the server), the point ``x1=2 x2=5``, and the files and folders to write, checked
before long work begins. The command line, the server, the figures, the lessons and
the benchmarks all use these, so they sit low, beside the expression parser.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Sequence


class UsageError(Exception):
    """A mistake in what the user asked for: reported in one line."""


def parse_point(items: Sequence[str], option: str) -> dict[str, float]:
    """Parse ``x1=2 x2=5`` into {'x1': 2.0, 'x2': 5.0}, keeping the order given.

    A name given twice is refused: the last value silently winning would hide a typo.
    """
    point: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise UsageError(f"{option} expects NAME=NUMBER, such as x1=2; got {item!r}")
        if name in point:
            raise UsageError(f"{option} gives {name} twice")
        try:
            point[name] = float(value)
        except ValueError:
            raise UsageError(f"{option} {name}: {value!r} is not a number") from None
    return point


def output_file(text: str, option: str, formats: Sequence[str] = ()) -> Path:
    """The file `option` names, checked before any work starts.

    It must be a file name (not empty, not a folder) in a folder that exists and can be
    written in; with `formats`, its suffix must be one of them (``.svg`` for "svg").
    """
    if not text.strip():
        raise UsageError(f"{option} needs a file name")
    path = Path(text)
    if path.is_dir():
        raise UsageError(f"cannot write {text}: it is a folder; give a file name")
    if formats and path.suffix.lstrip(".").lower() not in formats:
        raise UsageError(f"cannot tell the format of {text!r}: end it in "
                         + ", ".join("." + f for f in formats))
    if not path.parent.is_dir():
        raise UsageError(f"cannot write {text}: no such folder {path.parent}")
    _try_writing_in(path.parent, f"cannot write {text}")
    return path


def output_folder(text: str, option: str) -> Path:
    """The folder `option` names, created if missing, checked that files can be written in it."""
    if not text.strip():
        raise UsageError(f"{option} needs a folder name")
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise UsageError(f"cannot write in {text}: it is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot create the folder {text}: {e.strerror or e}") from None
    _try_writing_in(path, f"cannot write in {text}")
    return path


def _try_writing_in(folder: Path, what: str) -> None:
    """Make (and remove) a file in `folder`: the only test of write access that also holds
    for root and for read-only file systems."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as e:
        raise UsageError(f"{what}: {e.strerror or e}") from None
