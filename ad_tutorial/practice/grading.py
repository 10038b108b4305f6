"""Grading a class: every answer file in a folder, one line per student.

Each answer file names its student and its exercise (see :mod:`.answers`). A file that
cannot be judged (not JSON, unknown nodes, no student, the same exercise twice) is set
aside with the reason, and the rest are graded. The class's most frequent kind of
mistake tells the teacher what to go over again.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .answers import AnswerError, answered, identity, load
from .diagnosis import Check, judge
from .exercise import Exercise, exercise
from .mistakes import KINDS
from .report import columns


@dataclass(frozen=True)
class Graded:
    """One answer file, judged."""

    path: Path
    student: str
    check: Check

    @property
    def exercise(self) -> Exercise:
        return self.check.exercise


@dataclass
class Grades:
    """The graded files of a folder, and those set aside (path, reason)."""

    graded: list[Graded] = field(default_factory=list)
    bad: list[tuple[Path, str]] = field(default_factory=list)

    def students(self) -> list[str]:
        return sorted({g.student for g in self.graded}, key=str.casefold)

    def exercises(self) -> list[Exercise]:
        found = {(g.exercise.level, g.exercise.seed, g.exercise.mode): g.exercise
                 for g in self.graded}
        return [found[k] for k in sorted(found)]

    def mistakes(self) -> Counter[str]:
        """How often each kind of mistake was named, over the whole class."""
        return Counter(kind for g in self.graded for kind in g.check.mistakes())

    def most_frequent(self) -> str:
        """'Most frequent mistake in the class: missing contribution (3 of 5 named: …)'."""
        counts = self.mistakes()
        if not counts:
            return "No mistake in the class that the diagnosis could name."
        ranked = sorted(counts, key=lambda kind: (-counts[kind], list(KINDS).index(kind)))
        named = ", ".join(f"{KINDS[kind]} {counts[kind]}" for kind in ranked)
        return (f"Most frequent mistake in the class: {KINDS[ranked[0]]} "
                f"({counts[ranked[0]]} of {sum(counts.values())} named: {named})")

    def text(self) -> str:
        """One line per student with the score per exercise and the mean of those handed in."""
        exercises = self.exercises()
        score = {(g.student, g.exercise.level, g.exercise.seed, g.exercise.mode): g.check.score
                 for g in self.graded}
        rows = [("student", *map(short, exercises), "mean")]
        for student in self.students():
            mine = [score.get((student, ex.level, ex.seed, ex.mode)) for ex in exercises]
            given = [s for s in mine if s is not None]
            rows.append((student, *("—" if s is None else f"{s:.0%}" for s in mine),
                         f"{sum(given) / len(given):.0%}"))
        return "\n".join([
            f"{len(self.graded)} answer file{'s' * (len(self.graded) != 1)} from "
            f"{len(self.students())} student{'s' * (len(self.students()) != 1)}, "
            f"{len(exercises)} exercise{'s' * (len(exercises) != 1)} "
            "(L level, s seed; fwd forward, rev reverse mode)",
            *columns(rows), self.most_frequent()])

    def csv(self) -> str:
        """One row per answer file, for a spreadsheet."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["student", "file", "level", "seed", "mode", "score", "right",
                         "follows", "wrong", "unanswered", "mistakes"])
        for g in sorted(self.graded, key=lambda g: (g.student.casefold(), short(g.exercise))):
            c, ex = g.check, g.exercise
            writer.writerow([g.student, g.path.name, ex.level, ex.seed, ex.mode,
                             f"{c.score:.4f}", c.count("right"), c.count("follows"),
                             c.count("wrong"), c.count("unanswered"), ";".join(c.mistakes())])
        return out.getvalue()


def short(ex: Exercise) -> str:
    """'L2 s3 rev': an exercise in a column heading."""
    return f"L{ex.level} s{ex.seed} {'fwd' if ex.mode == 'forward' else 'rev'}"


def answer_files(directory: Path) -> list[Path]:
    """The answer files of a folder: every *.json file in it, by name."""
    return sorted(p for p in directory.iterdir() if p.suffix.lower() == ".json" and p.is_file())


def grade(files: list[Path]) -> Grades:
    """Judge every file; set aside, with the reason, those that cannot be judged."""
    grades = Grades()
    seen: dict[tuple[str, int, int, str], Path] = {}
    for path in files:
        try:
            data = load(path)
            student, level, seed, mode = identity(data)
            first = seen.setdefault((student.casefold(), level, seed, mode), path)
            if first != path:
                raise AnswerError(f"{student} answered this exercise in {first.name} already")
            ex = exercise(level, seed, mode)
            grades.graded.append(Graded(path, student, judge(ex, answered(ex, data))))
        except AnswerError as e:
            grades.bad.append((path, str(e)))
    return grades
