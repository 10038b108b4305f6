"""A bare tape: the least a trace can be, as a yardstick for the engine's bookkeeping.

Values, arguments and local partials are appended as f runs, then swept: nothing
else. No input names, constants, dead nodes, IEEE special cases or views, and only
the seed example's primitives. The gradient benchmark times it beside the engine,
so what the engine's bookkeeping costs on a tiny graph is measured, not guessed.
"""

from __future__ import annotations

import math


class Var:
    """A value on the tape: where it sits and what it is."""

    __slots__ = ("tape", "index", "value")

    def __init__(self, tape: list, index: int, value: float) -> None:
        self.tape, self.index, self.value = tape, index, value

    def node(self, value: float, args: tuple[int, ...], partials: tuple[float, ...]) -> Var:
        self.tape.append((args, partials))
        return Var(self.tape, len(self.tape) - 1, value)

    def __add__(self, other: Var) -> Var:
        return self.node(self.value + other.value, (self.index, other.index), (1.0, 1.0))

    def __sub__(self, other: Var) -> Var:
        return self.node(self.value - other.value, (self.index, other.index), (1.0, -1.0))

    def __mul__(self, other: Var) -> Var:
        return self.node(self.value * other.value, (self.index, other.index),
                         (other.value, self.value))


def ln(x: Var) -> Var:
    return x.node(math.log(x.value), (x.index,), (1.0 / x.value,))


def sin(x: Var) -> Var:
    return x.node(math.sin(x.value), (x.index,), (math.cos(x.value),))


def seed(x1: Var, x2: Var) -> Var:
    return ln(x1) + x1 * x2 - sin(x2)


def record(f, xs: tuple[float, ...]) -> tuple[list, Var]:
    tape: list = [((), ())] * len(xs)
    return tape, f(*[Var(tape, k, x) for k, x in enumerate(xs)])


def gradient(f, *xs: float) -> list[float]:
    """Record f, then one adjoint sweep."""
    tape, y = record(f, xs)
    adjoints = [0.0] * len(tape)
    adjoints[y.index] = 1.0
    for i in range(y.index, len(xs) - 1, -1):
        args, partials = tape[i]
        for j, d in zip(args, partials):
            adjoints[j] += adjoints[i] * d
    return adjoints[:len(xs)]


def directional_derivative(f, xs: tuple[float, ...], direction: tuple[float, ...]) -> float:
    """Record f, then one tangent sweep."""
    tape, y = record(f, xs)
    tangents = list(direction)
    for args, partials in tape[len(xs):]:
        dot = 0.0
        for j, d in zip(args, partials):
            dot += tangents[j] * d
        tangents.append(dot)
    return tangents[y.index]
