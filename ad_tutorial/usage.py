"""What a user types besides the expression, read before any work starts.

The usage error (one line on stderr, exit status 2 on the command line; a 4xx answer
on the server) and the point ``x1=2 x2=5``. The command line, the server and the
lessons all use these, so they sit low, beside the expression parser.
"""

from __future__ import annotations

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
