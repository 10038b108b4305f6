"""Views of traces as tables: text, markdown, LaTeX, HTML and JSON."""

from __future__ import annotations

import math


def number(x: float, digits: int = 3) -> str:
    """A number as a teacher writes it: 0.693, 10, 5.5, -0.959, 1.23e+07, inf, nan."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x.is_integer() and abs(x) < 1e6:
        return str(int(x))
    if abs(x) >= 1e6 or abs(x) < 10.0 ** -digits:
        return f"{x:.{digits}g}"
    return f"{x:.{digits}f}".rstrip("0").rstrip(".")
