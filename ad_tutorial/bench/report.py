"""Benchmark results as a text table for the terminal, and as JSON for tools."""

from __future__ import annotations

import json
import math
import os
import platform
import sys
from dataclasses import asdict
from pathlib import Path

from ..atomic import write_text
from .core import Section


def _number(x: float) -> str:
    """Three significant digits, without an exponent: 0.0123, 4.56, 789, 12,345."""
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    decimals = max(0, 2 - math.floor(math.log10(abs(x))))
    return f"{x:,.{decimals}f}"


def text(sections: list[Section]) -> str:
    """Every section as an aligned table: median, fastest–slowest repeat, ratio; then goals."""
    lines = []
    for k, s in enumerate(sections, 1):
        lines.append(f"{k}. {s.title}")
        if s.rows:
            width = max(len(r.label) for r in s.rows)
            lines.append(f"   {'':{width}}  {'median':>14}  {'spread (min–max)':>20}  {s.ratio}")
            for r in s.rows:
                spread = f"{_number(r.low)}–{_number(r.high)}" if r.high > r.low else ""
                ratio = _number(r.ratio) if r.ratio is not None else ""
                lines.append(f"   {r.label:{width}}  {_number(r.median) + ' ' + r.unit:>14}  "
                             f"{spread:>20}  {ratio}")
        for g in s.goals:
            lines.append(f"   goal {'met   ' if g.met else 'MISSED'} {g.text}: {_number(g.value)}"
                         f" (goal {'≤' if g.at_most else '≥'} {_number(g.target)})")
            if g.why and not g.met:
                lines.append(f"          why: {g.why}")
        lines.extend(f"   note: {note}" for note in s.notes)
        lines.append("")
    return "\n".join(lines)


def as_json(sections: list[Section], quick: bool) -> dict:
    """The results with the machine and versions that produced them."""
    import torch
    return {
        "quick": quick,
        "machine": {"python": sys.version.split()[0], "torch": torch.__version__,
                    "platform": platform.platform(), "cpus": os.cpu_count(),
                    "load average": os.getloadavg()},
        "sections": [{**asdict(s), "goals": [{**asdict(g), "met": g.met} for g in s.goals]}
                     for s in sections],
    }


def write_json(sections: list[Section], quick: bool, path: Path) -> None:
    write_text(path, json.dumps(as_json(sections, quick), indent=2, ensure_ascii=False) + "\n")
