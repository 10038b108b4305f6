"""Exercises: a function, a point and a direction to work through by hand.

An exercise is (expression, point, direction, mode, level, seed). The expression is a
random tree of primitives from the primitive table, drawn with ``random.Random(seed)``
alone, so a seed gives the same exercise on every machine and every run, whatever the
mode: ``seed=3`` in forward mode and in reverse mode is the same function at the same
point. The student fills in the primal values v_i, then the tangents v̇_i (forward) or
the adjoints v̄_i (reverse) of every node, and the derivative ẏ or the gradient.

The right numbers are the engine's: a finished trace and one sweep over it. Nothing here
differentiates anything.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, Union

from ..expression import Expression, Ref, unparse
from ..forward import Tangent
from ..primitives import PRIMITIVES
from ..reverse import Adjoint
from ..trace import Trace, trace

if TYPE_CHECKING:
    from .diagnosis import Check

MODES = ("forward", "reverse")
BASIC = ("add", "sub", "mul", "sin", "cos", "exp", "ln")


@dataclass(frozen=True)
class Level:
    """What exercises of one level are made of."""

    nodes: tuple[int, int]          # how many primitives v_1 … v_k, at least and at most
    primitives: tuple[str, ...]     # drawn from, equally often
    inputs: tuple[int, int]         # how many inputs x1, x2, …
    shared: bool                    # some input is used twice: its adjoint adds two terms
    oblique: bool                   # the direction may be (0.6, 0.8), not only (1, 0) or (0, 1)


LEVELS: dict[int, Level] = {
    1: Level((3, 4), BASIC, (2, 2), shared=False, oblique=False),
    2: Level((5, 8), BASIC, (2, 2), shared=True, oblique=False),
    3: Level((8, 12), BASIC + ("div", "pow", "sqrt", "tanh", "sigmoid"), (2, 3), shared=True,
             oblique=True),
}

#: Where the inputs are: small integers and halves (0 would make too many terms vanish).
POINTS = (-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0)
#: The exponents of x**n.
EXPONENTS = (2.0, 3.0)
#: Every number of an exercise (values, local partials, tangents, adjoints) is at most
#: this large, and the derivatives asked for are at least SMALLEST: by hand, not by pain.
LARGEST, SMALLEST = 50.0, 0.05
#: Points tried on one drawn expression before another expression is drawn.
POINTS_PER_EXPRESSION = 12
#: Seeds are whole numbers 0 … MAX_SEED (random.Random treats -3 and 3 alike).
MAX_SEED = 10**9 - 1


class ExerciseError(ValueError):
    """An exercise that cannot be made: an unknown level or mode, a seed out of range."""


@dataclass(frozen=True)
class Exercise:
    """One exercise. ``direction`` is ẋ in forward mode, None in reverse mode (ȳ = 1)."""

    level: int
    seed: int
    mode: str
    expression: str
    inputs: dict[str, float]
    direction: dict[str, float] | None

    @cached_property
    def trace(self) -> Trace:
        """The evaluation trace: the right primal values, and the nodes' names."""
        return trace(self.expression, **self.inputs)

    @cached_property
    def sweep(self) -> Union[Tangent, Adjoint]:
        """The tangent sweep along ``direction``, or the adjoint sweep from ȳ = 1."""
        if self.mode == "forward":
            return self.trace.forward(**self.direction)
        return self.trace.reverse()

    @property
    def names(self) -> list[str]:
        """The nodes, v_{1−n} … v_k, as ``trace --format json`` names them."""
        return [self.trace.name(i) for i in range(len(self.trace))]

    @property
    def derivatives(self) -> str:
        """What the second table asks for: "tangent" or "adjoint"."""
        return "tangent" if self.mode == "forward" else "adjoint"

    @property
    def final(self) -> str:
        """The key of the last answer: "derivative" (ẏ) or "gradient" (x̄ for each input)."""
        return "derivative" if self.mode == "forward" else "gradient"

    @property
    def blank(self) -> dict[str, list[str]]:
        """The cells to fill in, in the order of the sweeps (adjoints from the output back)."""
        order = self.names if self.mode == "forward" else self.names[::-1]
        return {"primal": self.names, self.derivatives: order}

    def key(self) -> dict[str, Any]:
        """The engine's answers, in the layout of an answer file."""
        t, names = self.trace, self.names
        if isinstance(self.sweep, Tangent):
            return {"primal": dict(zip(names, t.values)),
                    "tangent": dict(zip(names, self.sweep.tangents)),
                    "derivative": self.sweep.derivative}
        return {"primal": dict(zip(names, t.values)),
                "adjoint": dict(zip(names, self.sweep.adjoints)),
                "gradient": dict(self.sweep.gradient)}

    @cached_property
    def rules(self) -> list[dict[str, Any]]:
        """Every cell with its right number and the numbers each mistake would give
        (see :mod:`.diagnosis`), as plain data: the practice page judges from it too."""
        from .diagnosis import rules
        return rules(self)

    def check(self, /, primal: Any = None, tangent: Any = None, adjoint: Any = None,
              derivative: Any = None, gradient: Any = None) -> Check:
        """Judge a student's numbers, cell by cell, with a diagnosis of each wrong one.

        Give the tables as dicts by node name (``{"v_1": 0.693, …}``) and the derivative
        as a number, or the gradient as a dict by input name. Cells left out are
        unanswered, not wrong. Raises :class:`~.answers.AnswerError` for unknown names,
        numbers that are not numbers, or tables of the other mode.
        """
        from .answers import cells
        from .diagnosis import judge

        given = {"primal": primal, "tangent": tangent, "adjoint": adjoint,
                 "derivative": derivative, "gradient": gradient}
        return judge(self, cells(self, {k: v for k, v in given.items() if v is not None}))

    @property
    def title(self) -> str:
        return f"level {self.level} · seed {self.seed} · {self.mode} mode"

    def identity(self) -> dict[str, Any]:
        """How an answer file names this exercise."""
        return {"level": self.level, "seed": self.seed, "mode": self.mode}

    def to_json(self) -> dict[str, Any]:
        """``{expression, inputs, mode, seed, level, direction, blank}``."""
        return {"expression": self.expression, "inputs": dict(self.inputs), "mode": self.mode,
                "seed": self.seed, "level": self.level,
                "direction": None if self.direction is None else dict(self.direction),
                "blank": self.blank}

    def __str__(self) -> str:
        from .worksheet import text
        return text(self)

    def _repr_html_(self) -> str:
        from .worksheet import html_fragment
        return html_fragment(self)


def exercise(level: int = 1, seed: int | None = None, mode: str = "forward") -> Exercise:
    """The exercise of this level and seed (a fresh seed if None), in forward or reverse mode.

    >>> ex = exercise(level=1, seed=7, mode="reverse")
    >>> ex == exercise(level=1, seed=7, mode="reverse")
    True
    """
    if level not in LEVELS or isinstance(level, bool):
        raise ExerciseError(f"level must be one of {', '.join(map(str, LEVELS))}, not {level!r}")
    if mode not in MODES:
        raise ExerciseError(f"mode must be forward or reverse, not {mode!r}")
    if seed is None:
        seed = fresh_seed()
    if type(seed) is not int or not 0 <= seed <= MAX_SEED:
        raise ExerciseError(f"seed must be a whole number from 0 to {MAX_SEED}, not {seed!r}")
    text, point, direction = _generate(level, seed)
    return Exercise(level, seed, mode, text, dict(point),
                    dict(direction) if mode == "forward" else None)


def fresh_seed() -> int:
    """A seed nobody chose: for "a new exercise" in class."""
    return random.SystemRandom().randrange(1, 1_000_000)


# --- generating ----------------------------------------------------------------------

Point = tuple[tuple[str, float], ...]


@lru_cache(maxsize=1024)
def _generate(level: int, seed: int) -> tuple[str, Point, Point]:
    """(expression, point, direction): draw expressions and points until one fits."""
    rng, spec = random.Random(seed), LEVELS[level]
    while True:
        names = [f"x{k}" for k in range(1, rng.randint(*spec.inputs) + 1)]
        program = _program(rng, spec, names)
        if program is None:
            continue
        for _ in range(POINTS_PER_EXPRESSION):
            point = {x: rng.choice(POINTS) for x in names}
            direction = _direction(rng, names, spec.oblique)
            t = trace(program, **point)
            if _fits(t, direction):
                return unparse(t), tuple(point.items()), tuple(direction.items())


def _program(rng: random.Random, spec: Level, names: list[str]) -> Expression | None:
    """A random expression tree with a number of primitives the level allows, over every
    input; None if the tree drawn has too few leaves for that."""
    steps: list[tuple[Any, tuple[Ref, ...]]] = []
    leaves: list[int] = []                    # (step, argument) of each leaf, flattened

    def grow(size: int) -> Ref:
        """A subtree of `size` primitives; a leaf is a placeholder filled in below."""
        if size == 0:
            leaves.append(len(leaves))
            return f"?{leaves[-1]}"
        p = PRIMITIVES[rng.choice(spec.primitives)]
        if p.name == "pow":
            refs: tuple[Ref, ...] = (grow(size - 1), rng.choice(EXPONENTS))
        elif p.arity == 2:
            left = rng.randint(0, size - 1)
            refs = (grow(left), grow(size - 1 - left))
        else:
            refs = (grow(size - 1),)
        steps.append((p, refs))
        return len(steps) - 1

    result = grow(rng.randint(*spec.nodes))
    if len(leaves) < len(names) + spec.shared:
        return None
    variables = names + [rng.choice(names) for _ in range(len(leaves) - len(names))]
    rng.shuffle(variables)

    def fill(r: Ref) -> Ref:
        return variables[int(r[1:])] if isinstance(r, str) else r

    steps = [(p, tuple(map(fill, refs)), ()) for p, refs in steps]
    return Expression("", tuple(names), tuple(steps), (result,))


def _direction(rng: random.Random, names: list[str], oblique: bool) -> dict[str, float]:
    """A unit vector: one input's axis, or at higher levels (0.6, 0.8) across two inputs."""
    direction = dict.fromkeys(names, 0.0)
    if oblique and rng.random() < 0.5:
        a, b = rng.sample(names, 2)
        direction[a], direction[b] = rng.choice([(0.6, 0.8), (0.8, 0.6)])
    else:
        direction[rng.choice(names)] = 1.0
    return direction


def _fits(t: Trace, direction: dict[str, float]) -> bool:
    """Every number finite and at most LARGEST; the derivatives asked for not near 0;
    no a − a or a/a, whose terms cancel to nothing to learn from."""
    for p, args in zip(t.ops, t.args):
        if p is not None and p.name in ("sub", "div") and t.values[args[0]] == t.values[args[1]]:
            return False
    tangent, adjoint = t.forward(**direction), t.reverse()
    numbers = [*t.values, *(d for ds in t.local_partials for d in ds), *tangent.tangents,
               *adjoint.adjoints]
    if not all(math.isfinite(x) and abs(x) <= LARGEST for x in numbers):
        return False
    asked = [tangent.derivative, *adjoint.gradient.values()]
    return all(abs(x) >= SMALLEST for x in asked)
