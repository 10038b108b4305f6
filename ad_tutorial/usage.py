"""What a user types besides the expression, read before any work starts.

The usage error (one line on stderr, exit status 2 on the command line; a 4xx answer
on the server), the point ``x1=2 x2=5``, whose values may be arrays written as (nested)
lists: ``x=[0,1,2,3,4]``, ``W=[[1,2],[3,4]]``, and the files and folders to write,
checked before long work begins. The command line, the server, the figures, the lessons
and the benchmarks all use these, so they sit low, beside the expression parser.

A value is read by a small parser of its own (numbers, brackets, commas), never by
Python's ``eval``. Each number is read as ``float`` reads it, so ``nan``, ``inf`` and
``-0`` are numbers in an array as they are alone. Broadcasting makes large arrays of
small ones, so :func:`check_sizes` works out the size of every node from the shapes
alone, before anything is computed.
"""

from __future__ import annotations

import math
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence, Union

from .arrays import matmul_shape, np

if TYPE_CHECKING:
    from .expression import Expression


class UsageError(Exception):
    """A mistake in what the user asked for: reported in one line."""


#: A value of the point: a number, or an array as nested lists of numbers.
Value = Union[float, list[Any]]

#: The most elements an array typed on the command line may have.
MAX_ELEMENTS = 10_000_000
#: The most dimensions an array may have (numpy's own limit is higher).
MAX_DIMENSIONS = 32

_TOKEN = re.compile(r"\[|\]|,|[^\[\],]+")


def parse_point(items: Sequence[str], option: str,
                max_elements: int = MAX_ELEMENTS) -> dict[str, Value]:
    """Parse ``x1=2 x2=5`` into {'x1': 2.0, 'x2': 5.0}, keeping the order given; a value
    may be an array, ``x=[0,1,2]`` or ``W=[[1,2],[3,4]]``, read as nested lists of floats.

    A name given twice is refused: the last value silently winning would hide a typo. An
    array written with spaces and not quoted (``x=[0, 1, 2]``) reaches us as several
    words; they are joined again while a bracket is open.
    """
    point: dict[str, Value] = {}
    for item in _rejoined(items):
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise UsageError(f"{option} expects NAME=NUMBER or NAME=[NUMBER, …], such as "
                             f"x1=2 or x=[0,1,2]; got {item!r}")
        if name in point:
            raise UsageError(f"{option} gives {name} twice")
        point[name] = parse_value(value, f"{option} {name}", max_elements)
    return point


def _rejoined(items: Sequence[str]) -> list[str]:
    """The words of the point, those inside an open bracket joined with a space."""
    joined: list[str] = []
    open_brackets = 0
    for item in items:
        if open_brackets > 0:
            joined[-1] += " " + item
        else:
            joined.append(item)
        open_brackets += item.count("[") - item.count("]")
    return joined


def parse_value(text: str, what: str, max_elements: int = MAX_ELEMENTS) -> Value:
    """A number (as ``float`` reads it) or an array written as nested lists of numbers,
    checked to be rectangular, not empty and at most `max_elements` in size.

    `what` names the value in the message of a :class:`UsageError` (``--at x``).
    """
    if "[" not in text and "]" not in text:
        try:
            return float(text)
        except ValueError:
            raise UsageError(f"{what}: {text!r} is not a number") from None
    return _Array(text, what, max_elements).read()


class _Array:
    """Reads nested lists of numbers in one pass, without recursion: a stack of the lists
    still open, each with the shape its entries share."""

    def __init__(self, text: str, what: str, max_elements: int) -> None:
        self.text, self.what, self.max_elements = text, what, max_elements
        self.count = 0

    def fail(self, reason: str) -> UsageError:
        return UsageError(f"{self.what}: {reason}")

    def read(self) -> list[Any]:
        open_lists: list[tuple[list[Any], list[tuple[int, ...]]]] = []   # (entries, shapes)
        done: tuple[list[Any], tuple[int, ...]] | None = None
        expect_entry = True                 # after '[' or ',': an entry must come next
        for match in _TOKEN.finditer(self.text):
            token = match.group()
            if not token.strip():
                continue
            if done is not None:
                raise self.fail(f"{token.strip()!r} after the end of the array "
                                f"{self.text.strip()!r}")
            if token == "[":
                if not expect_entry:
                    raise self.fail("a comma is missing before '['")
                if len(open_lists) == MAX_DIMENSIONS:
                    raise self.fail(f"lists nested more than {MAX_DIMENSIONS} deep")
                open_lists.append(([], []))
                continue
            if not open_lists:
                raise self.fail(f"{token!r} outside the brackets of the array")
            entries, shapes = open_lists[-1]
            if token == ",":
                if expect_entry:
                    raise self.fail("an entry is missing between commas"
                                    if entries else "a list starts with a comma")
                expect_entry = True
            elif token == "]":
                if expect_entry and entries:
                    raise self.fail("an entry is missing before ']'")
                open_lists.pop()
                finished = (entries, self.shape(entries, shapes))
                if open_lists:
                    self.add(open_lists[-1], *finished)
                else:
                    done = finished
                expect_entry = False
            else:
                if not expect_entry:
                    raise self.fail(f"a comma is missing before {token.strip()!r}")
                self.add(open_lists[-1], self.number(token), ())
                expect_entry = False
        if open_lists:
            raise self.fail(f"'[' is never closed in {self.text.strip()!r}")
        if done is None:
            raise self.fail("no array given")
        if self.count == 0:
            raise self.fail(f"the array {self.text.strip()} is empty; give at least one number")
        return done[0]

    def number(self, token: str) -> float:
        self.count += 1
        if self.count > self.max_elements:
            raise self.fail(f"more than {self.max_elements:,} elements; at most "
                            f"{self.max_elements:,} are allowed")
        try:
            return float(token)
        except ValueError:
            words = token.split()
            raise self.fail(f"a comma is missing between {words[0]!r} and {words[1]!r}"
                            if len(words) > 1 else f"{token.strip()!r} is not a number") from None

    @staticmethod
    def add(open_list: tuple[list[Any], list[tuple[int, ...]]], entry: Any,
            shape: tuple[int, ...]) -> None:
        open_list[0].append(entry)
        open_list[1].append(shape)

    def shape(self, entries: list[Any], shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
        """The shape of a finished list: its length, then its entries' common shape."""
        for other in shapes[1:]:
            if other != shapes[0]:
                raise self.fail(f"the array is ragged: one list holds entries of shapes "
                                f"{shapes[0]} and {other}; every row needs the same length")
        return (len(entries), *(shapes[0] if shapes else ()))


def check_sizes(expression: Expression, point: dict[str, Value], per_array: int = MAX_ELEMENTS,
                in_all: int | None = None) -> None:
    """Refuse, before anything is computed, a trace with an array of more than `per_array`
    elements, or (with `in_all`) more than `in_all` numbers in all its nodes together.

    Each step's shape is worked out from its arguments' shapes alone (see :func:`_shape`).
    A shape that does not fit is left for the trace to report.
    """
    if not any(isinstance(v, list) for v in point.values()):
        return          # numbers only: a node is a number or a stack of a few (and numpy unneeded)
    shapes = {x: np.shape(v) for x, v in point.items()}
    results: list[tuple[int, ...]] = []
    total = sum(map(math.prod, shapes.values()))
    for p, refs, parameters in expression.steps:
        given = [shapes.get(r, ()) if isinstance(r, str) else results[r] if type(r) is int
                 else () for r in refs]
        try:
            shape = _shape(p, given, parameters)
        except (ValueError, IndexError, TypeError):
            return                              # the trace says what does not fit
        size = math.prod(shape)
        total += size
        if in_all is not None and total > in_all:
            raise UsageError(f"the trace's nodes would hold {total:,} numbers or more; at "
                             f"most {in_all:,} are allowed (broadcasting multiplies sizes: "
                             "(n, 1) with (m,) makes n × m)")
        if size > per_array:
            raise UsageError(f"{p.symbol or p.name} would make an array of shape {shape}, "
                             f"{size:,} numbers; at most {per_array:,} are allowed")
        results.append(shape)


def _shape(p: Any, given: list[tuple[int, ...]], parameters: tuple[Any, ...]) -> tuple[int, ...]:
    """The shape of primitive p's value from its arguments' shapes: an elementwise one
    broadcasts them, @ and stack (whose results can outgrow their arguments) by their
    rules; the others (sum, mean, transpose, reshape, x[1:3]), no larger than their
    argument, run on zeros that take no memory (numpy's broadcast views)."""
    if p.elementwise:
        return np.broadcast_shapes(*given)
    if p.name == "matmul":
        return matmul_shape(*given)
    if p.name == "stack":
        if len(set(given)) != 1:
            raise ValueError("stack takes arrays of one shape")
        return (len(given), *given[0])
    with np.errstate(all="ignore"):
        return np.shape(p.array(*[np.broadcast_to(0.0, s) for s in given], *parameters))


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
