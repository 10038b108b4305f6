"""A bare tape on numpy arrays: the least an array trace can be, as a yardstick.

The array benchmark's two cells need six primitives: x ** 2, x + y, x + number,
number × x, ln x, and sum and mean of every element. Each node appends its arguments
and its VJP, the function from its adjoint to what it passes back to each argument;
recording and the sweep each keep numpy quiet about inf and nan, as the engine's do.
Nothing else: no input names, shapes, checks, constants, broadcasts to undo, IEEE
special cases or views. The benchmark times it beside the engine, so what the engine's
bookkeeping costs on a tiny array is measured, not guessed.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np


class Var:
    """An array on the tape: where it sits and what it is."""

    __slots__ = ("tape", "index", "value")

    def __init__(self, tape: list, index: int, value: Any) -> None:
        self.tape, self.index, self.value = tape, index, value

    def node(self, value: Any, args: tuple[int, ...], vjp: Callable[[Any], tuple]) -> Var:
        self.tape.append((args, vjp))
        return Var(self.tape, len(self.tape) - 1, value)

    def __pow__(self, c: float) -> Var:          # c = 2 in the cells: x·x, ∂/∂x = 2x
        d = 2.0 * self.value
        return self.node(self.value * self.value, (self.index,), lambda g: (g * d,))

    def __add__(self, other: Var | float) -> Var:
        if type(other) is Var:
            return self.node(self.value + other.value, (self.index, other.index),
                             lambda g: (g, g))
        return self.node(self.value + other, (self.index,), lambda g: (g,))

    def __rmul__(self, c: float) -> Var:
        return self.node(c * self.value, (self.index,), lambda g: (c * g,))


def ln(x: Var) -> Var:
    return x.node(np.log(x.value), (x.index,), lambda g: (g / x.value,))


def total(x: Var) -> Var:
    """sum(x): its VJP broadcasts the adjoint back to x's shape."""
    shape = x.value.shape
    return x.node(np.add.reduce(x.value, None), (x.index,), lambda g: (np.full(shape, g),))


def mean(x: Var) -> Var:
    shape, n = x.value.shape, x.value.size
    return x.node(np.add.reduce(x.value, None) / n, (x.index,),
                  lambda g: (np.full(shape, g / n),))


#: The tutorial's cells 45 and 46, written for this tape.
CELLS: dict[str, Callable[[Var], Var]] = {
    "cell 45": lambda x: total(x**2),
    "cell 46": lambda x: mean(ln(x**2 + 1) + 5 * x),
}


def gradient(f: Callable[[Var], Var], x: Any) -> Any:
    """Record f at x (a copy, as float64), then one adjoint sweep from ȳ = 1."""
    tape: list = [((), None)]
    with np.errstate(all="ignore"):
        y = f(Var(tape, 0, np.array(x, dtype=np.float64)))
    adjoints: list[Any] = [None] * len(tape)
    adjoints[y.index] = 1.0
    with np.errstate(all="ignore"):
        for i in range(y.index, 0, -1):
            args, vjp = tape[i]
            for j, c in zip(args, vjp(adjoints[i])):
                adjoints[j] = c if adjoints[j] is None else adjoints[j] + c
    return adjoints[0]
