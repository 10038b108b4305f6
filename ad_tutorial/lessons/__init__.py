"""The tutorial's runnable lessons: tensors, the two modes of AD, autograd in practice,
gradient descent, and a neural network trained both ways.

Each lesson is one module holding one :class:`Lesson`, the single source of truth
for the terminal (``ad-tutorial lesson NAME``), the notebooks (``ad-tutorial notebook``)
and the tests, which run every cell against the installed torch.
"""

from __future__ import annotations

from .autograd import LESSON as AUTOGRAD
from .cells import Cell, Lesson, Outcome
from .descent import LESSON as DESCENT
from .network import LESSON as NETWORK
from .second_order import LESSON as SECOND_ORDER
from .tensors import LESSON as TENSORS
from .two_modes import LESSON as TWO_MODES

# In the tutorial's order: part 1, sections 2.2-2.3, section 2.4, part 3; then the network,
# which puts the engine on arrays to work, and one order further.
LESSONS: dict[str, Lesson] = {lesson.name: lesson for lesson in
                              (TENSORS, TWO_MODES, AUTOGRAD, DESCENT, NETWORK, SECOND_ORDER)}


class UnknownLesson(KeyError):
    """A lesson name that is not in LESSONS; its message lists the valid names."""

    def __str__(self) -> str:
        return f"unknown lesson {self.args[0]!r}; the lessons are: {', '.join(LESSONS)}"


def lesson(name: str) -> Lesson:
    """The lesson called `name`."""
    try:
        return LESSONS[name]
    except KeyError:
        raise UnknownLesson(name) from None


__all__ = ["Cell", "LESSONS", "Lesson", "Outcome", "UnknownLesson", "lesson"]
