"""The mistakes a diagnosis can name, and the known wrong local partials, one table.

Each kind of mistake is a way a student's number can come out of a row's formula
v̇_i = Σ_j ∂v_i/∂v_j · v̇_j (or v̄_j = Σ_i v̄_i · ∂v_i/∂v_j) with one thing changed:
a term left out, a sign flipped, a value put where a derivative belongs, a local
partial remembered wrong, or the sweep seeded wrong.

The wrong partials are data, one entry per primitive beside each other, written as the
primitive table writes the right ones: a formula in Python syntax over the arguments x, y
and the primitive's value out (:mod:`ad_tutorial.formulas`). ``WRONG_PARTIALS["cos"]``
says that d cos x = sin x is a known slip. One formula gives both the hint, set beside
the primitive's own partial in a notation (d cos x = −sin x, not +sin x), and the number
the slip gives at an exercise's point. An exercise computes those numbers once; the
practice page receives them, so Python and the page judge from the same data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

from ..formulas import Apply, Formula, Name, Num, fill, negative, parse
from ..notation import Notation
from ..primitives import PRIMITIVES

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
    """A wrong ∂v/∂(argument `argument`) that students write, and what it misses."""

    argument: int            # which argument of the primitive: 0 is x, 1 is y
    formula: str             # the wrong partial, over x, y and out, as the primitive table's
    why: str = ""            # the rule it breaks, where setting the two side by side is not enough


WRONG_PARTIALS: dict[str, tuple[WrongPartial, ...]] = {
    "sin": (WrongPartial(0, "-cos(x)"),),
    "cos": (WrongPartial(0, "sin(x)"),),
    "ln": (WrongPartial(0, "x"),),
    "exp": (WrongPartial(0, "x * exp(x - 1)", "exp x is no power of x"),),
    "sqrt": (WrongPartial(0, "1/out"),),
    "tanh": (WrongPartial(0, "1 + out**2"),),
    "mul": (WrongPartial(0, "x", "the other factor"), WrongPartial(1, "y", "the other factor")),
    "div": (WrongPartial(1, "x/y**2", "the quotient rule's sign"), WrongPartial(0, "y")),
    "pow": (WrongPartial(0, "y * x**y", "the power rule lowers the exponent"),
            WrongPartial(0, "x**(y - 1)", "the exponent comes down as a factor")),
}


def evaluate(f: Formula, values: Mapping[str, float]) -> float:
    """The number a formula of the primitive table gives for these values of x, y, out."""
    if isinstance(f, Num):
        return f.value
    if isinstance(f, Name):
        return values[f.text]
    return PRIMITIVES[f.op].value(*(evaluate(a, values) for a in f.args))


def wrong_partials(name: str, argument: int, values: list[float], out: float,
                   constant: list[bool], nt: Notation) -> list[tuple[float, str]]:
    """The known wrong partials of primitive `name` for one argument, as (number, rule),
    at these argument values; those that are not finite numbers there are left out.

    The rule sets the wrong partial beside the right one, written in notation `nt` over
    x and y, with the arguments that are constants of the trace put in (``constant``):
    d x³ = 3 × x², not 3 × x³.
    """
    p = PRIMITIVES[name]
    numbers = dict(zip("xy", values), out=out)
    names: dict[str, Formula] = {v: Num(x) if c else Name(v)
                                 for v, x, c in zip("xy", values, constant)}
    names["out"] = Apply(name, tuple(names[v] for v in "xy"[:p.arity]))
    nodes = [v for v, c in zip("xy", constant) if not c]
    if nodes == ["xy"[argument]]:                  # one argument varies: d x³, d cos x
        d = f"d {nt.formula(names['out'])}"
    else:                                          # ∂(x × y)/∂x
        d = nt.partial(nt.formula(Apply("group", (names["out"],))), "xy"[argument])
    right = fill(parse(p.partial_formulas[argument]), names)
    found = []
    for wrong in WRONG_PARTIALS.get(name, ()):
        if wrong.argument != argument:
            continue
        x = evaluate(parse(wrong.formula), numbers)
        if math.isfinite(x):
            slip = fill(parse(wrong.formula), names)
            sign = "+" if negative(right) and not negative(slip) else ""   # not +sin x
            says = f"{d} = {nt.formula(right)}, not {sign}{nt.formula(slip)}"
            found.append((x, f"{says}: {wrong.why}" if wrong.why else says))
    return found
