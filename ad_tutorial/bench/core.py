"""What every benchmark shares: timing a call, and the shape of a result.

A benchmark times each contender in the same process, several times over, and
reports the median with the fastest and slowest repeat. In-process timings count
this process's CPU time (time.process_time), so other jobs on a shared machine do
not count against whoever happened to run while they did; what is left shows up
as spread. Timings are reported, never asserted: goals are printed as met or missed,
a missed one with its cause as the measurements show it.
"""

from __future__ import annotations

import statistics
import sys
import time
import timeit
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class Row:
    """One line of a benchmark table: a median and its spread, in `unit`."""

    label: str
    median: float
    low: float             # best repeat
    high: float            # worst repeat
    unit: str
    ratio: float | None = None   # against the section's reference (see Section.ratio)


@dataclass(frozen=True)
class Goal:
    """A target the project set itself, e.g. 'adjoint/primal ≤ 1.5'."""

    text: str
    value: float
    target: float
    at_most: bool          # the goal is value ≤ target (else value ≥ target)
    why: str = ""          # what the measurements say about a missed goal's cause

    @property
    def met(self) -> bool:
        return self.value <= self.target if self.at_most else self.value >= self.target


def yardstick_why(target: float, theirs: float, ours: float, bare: float, *, bare_name: str,
                  their_name: str) -> str:
    """Why a goal 'theirs / ours ≥ target' is missed, measured against a bare tape that
    does the same arithmetic with none of the engine's bookkeeping (times are medians)."""
    room = theirs / bare
    if room < target:
        return (f"even {bare_name}, with no bookkeeping at all, is only {room:.3g}× faster "
                f"than {their_name}: the goal is out of reach of this arithmetic")
    return (f"{bare_name} is {room:.3g}× faster than {their_name} ({bare * 1e6:.3g} µs); "
            f"the engine takes {ours / bare:.3g}× the bare tape's time, where {target:g}× "
            f"allows at most {room / target:.3g}×: the gap is the engine's bookkeeping")


@dataclass
class Section:
    """The result of one benchmark: rows for the table, goals, notes and raw data for plots."""

    name: str
    title: str
    ratio: str = ""                          # what the ratio column means
    rows: list[Row] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


class Runner:
    """Times calls with the settings of a quick or a full run, reporting progress."""

    clock = staticmethod(time.process_time)

    def __init__(self, quick: bool = False, progress: Callable[[str], None] | None = None):
        self.quick = quick
        self.repeats = 3 if quick else 7
        self.min_time = 0.002 if quick else 0.05     # seconds per repeat
        self.progress = progress or (lambda text: None)

    def time(self, label: str, fn: Callable[[], object], repeats: int | None = None
             ) -> list[float]:
        """Seconds per call of fn, once per repeat; each repeat loops long enough to be measured."""
        timer, number = self._calibrated(label, fn)
        return [timer.timeit(number) / number for _ in range(repeats or self.repeats)]

    def time_all(self, contenders: dict[str, Callable[[], object]], what: str = ""
                 ) -> dict[str, list[float]]:
        """Seconds per call of each contender, their repeats taken in turn (A, B, C, A, B, C …):
        a burst of other work on a shared machine then falls on all of them alike, and
        the ratios between them stay fair. `what` prefixes the progress lines."""
        timers = {label: self._calibrated(f"{what}: {label}" if what else label, fn)
                  for label, fn in contenders.items()}
        samples: dict[str, list[float]] = {label: [] for label in contenders}
        for _ in range(self.repeats):
            for label, (timer, number) in timers.items():
                samples[label].append(timer.timeit(number) / number)
        return samples

    def _calibrated(self, label: str, fn: Callable[[], object]) -> tuple[timeit.Timer, int]:
        """A timer for fn and how many calls make one repeat long enough to be measured."""
        self.progress(label)
        timer = timeit.Timer(fn, timer=self.clock)
        once = timer.timeit(1)                        # also warms caches up
        return timer, max(1, min(1_000_000, round(self.min_time / max(once, 1e-9))))


def row(label: str, samples: list[float], unit: str = "µs", scale: float = 1e6,
        ratio: float | None = None) -> Row:
    """A table row from timing samples in seconds, scaled into `unit`."""
    return Row(label, statistics.median(samples) * scale, min(samples) * scale,
               max(samples) * scale, unit, ratio)


def stderr_progress(total: int) -> Callable[[int, str, str], None]:
    """Progress lines '[k/total] benchmark: step' on stderr, overwritten in a terminal."""
    tty = sys.stderr.isatty()

    def show(k: int, name: str, step: str) -> None:
        line = f"[{k}/{total}] {name}: {step}"
        if tty:
            sys.stderr.write("\r\x1b[2K" + line[:100])
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()
    return show

