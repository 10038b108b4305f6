"""The mistakes a diagnosis can name, and the known wrong local partials, one table.

Each kind of mistake is a way a student's number can come out of a row's formula
v̇_i = Σ_j ∂v_i/∂v_j · v̇_j (or v̄_j = Σ_i v̄_i · ∂v_i/∂v_j) with one thing changed:
a term left out, a sign flipped, a value put where a derivative belongs, a local
partial remembered wrong, or the sweep seeded wrong.

The wrong partials are data, one entry per primitive beside each other, as the primitive
table keeps the right ones: ``WRONG_PARTIALS["cos"]`` says that d cos x = +sin x is a
known slip, and how to compute the number it gives from the primitive's arguments and
its value (``out``). An exercise evaluates them at its own point once; the practice page
receives those numbers, so Python and the page judge from the same data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

#: The kinds of mistake, as a sentence names them.
KINDS: dict[str, str] = {
    "missing": "missing contribution",
    "sign": "flipped sign",
    "value": "value for a derivative",
    "partial": "wrong local partial",
    "seed": "wrong seed",
}


@dataclass(frozen=True)
class WrongPartial:
    """A wrong ∂v/∂(argument `argument`) that students write, and the rule it breaks."""

    argument: int                        # which argument of the primitive
    value: Callable[..., float]          # of the primitive's arguments, then its value
    says: str                            # the right rule against the wrong one


WRONG_PARTIALS: dict[str, tuple[WrongPartial, ...]] = {
    "sin": (WrongPartial(0, lambda x, out: -math.cos(x), "d sin x = cos x, not −cos x"),),
    "cos": (WrongPartial(0, lambda x, out: math.sin(x), "d cos x = −sin x, not +sin x"),),
    "ln": (WrongPartial(0, lambda x, out: x, "d ln x = 1/x, not x"),),
    "exp": (WrongPartial(0, lambda x, out: x * math.exp(x - 1),
                         "d eˣ = eˣ, not x·eˣ⁻¹: eˣ is no power of x"),),
    "sqrt": (WrongPartial(0, lambda x, out: 1 / out, "d √x = 1/(2√x), not 1/√x"),),
    "tanh": (WrongPartial(0, lambda x, out: 1 + out * out,
                          "d tanh x = 1 − tanh² x, not 1 + tanh² x"),),
    "mul": (WrongPartial(0, lambda a, b, out: a, "∂(a·b)/∂a = b, the other factor, not a"),
            WrongPartial(1, lambda a, b, out: b, "∂(a·b)/∂b = a, the other factor, not b")),
    "div": (WrongPartial(1, lambda a, b, out: a / (b * b),
                         "∂(a/b)/∂b = −a/b², not +a/b²: the quotient rule's sign"),
            WrongPartial(0, lambda a, b, out: b, "∂(a/b)/∂a = 1/b, not b")),
    "pow": (WrongPartial(0, lambda a, n, out: n * a ** n,
                         "d aⁿ = n·aⁿ⁻¹, not n·aⁿ: the power rule lowers the exponent"),
            WrongPartial(0, lambda a, n, out: a ** (n - 1),
                         "d aⁿ = n·aⁿ⁻¹: the factor n is missing")),
}


def wrong_partials(name: str, argument: int, values: list[float],
                   out: float) -> list[tuple[float, str]]:
    """The known wrong partials of primitive `name` for one argument, as (number, rule),
    at these argument values; those that are not finite numbers there are left out."""
    found = []
    for wrong in WRONG_PARTIALS.get(name, ()):
        if wrong.argument != argument:
            continue
        try:
            x = float(wrong.value(*values, out))
        except (ArithmeticError, ValueError):
            continue
        if math.isfinite(x):
            found.append((x, wrong.says))
    return found
