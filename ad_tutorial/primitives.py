"""The table of primitives: every elementary operation, declared once.

Each :class:`Primitive` carries everything the rest of the package needs:

* how it is written in an expression (its name, or its operator);
* its value on floats (IEEE semantics, matching ``torch`` at domain edges);
* its local partial derivatives ∂v/∂argument, which both sweeps use: the tangent
  sweep multiplies them by the arguments' tangents, the adjoint sweep by the
  output's adjoint;
* the same partials as formulas, which the tables and graphs write out;
* its torch counterpart, for the bridge to PyTorch.

Python's ``math`` raises where IEEE arithmetic (and torch) returns ``inf`` or ``nan``:
``math.log(0)``, ``1 / 0``, ``math.exp(1000)``, ``math.sin(inf)``. The small functions
below return what torch returns instead; each special case is documented beside it.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from typing import Callable

inf, nan = math.inf, math.nan


class _MaskedZero(float):
    """A zero partial that stays zero whatever it multiplies, even ``inf`` or ``nan``.

    Where torch's derivative formula *selects* zero (``torch.where``) instead of
    multiplying by it, a non-finite incoming tangent or adjoint must not turn into
    ``nan``. relu below 0 and ``x**0`` are such places. Python asks a float subclass's
    reflected method first, so ``g * MASKED_ZERO`` is 0.0 for every ``g``.
    """

    def __mul__(self, other: float) -> float:
        return 0.0

    __rmul__ = __mul__


MASKED_ZERO = _MaskedZero(0.0)


# --- values on floats, with torch's answers where math raises ---------------------

def _div(x: float, y: float) -> float:
    """x/0 is ±inf by the signs of x and 0; 0/0 and nan/0 are nan."""
    try:
        return x / y
    except ZeroDivisionError:
        if x == 0 or x != x:
            return nan
        return math.copysign(inf, x) * math.copysign(1.0, y)


def _ln(x: float) -> float:
    """ln 0 = −inf; ln of a negative number is nan."""
    if x > 0:
        return math.log(x)
    return -inf if x == 0 else nan


def _exp(x: float) -> float:
    """exp overflows to inf instead of raising."""
    try:
        return math.exp(x)
    except OverflowError:
        return inf


def _periodic(f: Callable[[float], float]) -> Callable[[float], float]:
    """sin, cos and tan of ±inf are nan instead of raising."""
    def safe(x: float) -> float:
        try:
            return f(x)
        except ValueError:
            return nan
    safe.__name__ = f.__name__
    return safe


_sin, _cos, _tan = _periodic(math.sin), _periodic(math.cos), _periodic(math.tan)


def _sqrt(x: float) -> float:
    """sqrt of a negative number is nan."""
    return math.sqrt(x) if x >= 0 else nan


def _is_odd_integer(y: float) -> bool:
    return math.isfinite(y) and y == int(y) and int(y) % 2 == 1


def _pow(x: float, y: float) -> float:
    """IEEE pow: 0**negative = inf (−inf for −0 and odd y), overflow = ±inf,
    a negative base to a non-integer power = nan."""
    try:
        return math.pow(x, y)
    except OverflowError:
        return -inf if x < 0 and _is_odd_integer(y) else inf
    except ValueError:
        if x == 0:
            return math.copysign(inf, x) if _is_odd_integer(y) else inf
        return nan


def _sigmoid(x: float) -> float:
    """σ(x) = 1/(1 + e^−x); e^−x may overflow to inf, giving 0."""
    return 1.0 / (1.0 + _exp(-x))


def _relu(x: float) -> float:
    """max(x, 0), but relu(nan) = nan as in torch."""
    return 0.0 if x <= 0 else x


def _sign(x: float) -> float:
    """sign(0) = 0, so |x| has derivative 0 at 0; torch also takes sign(nan) = 0."""
    return (x > 0) - (x < 0) + 0.0


# --- local partial derivatives ∂v/∂argument; `out` is the primitive's own value ---

def _pow_partials(x: float, y: float, out: float) -> tuple[float, float]:
    """∂/∂x = y·x^(y−1), selected as 0 when y = 0; ∂/∂y = x^y·ln x, 0 when x = 0 and y ≥ 0."""
    dx = MASKED_ZERO if y == 0 else y * _pow(x, y - 1)
    dy = 0.0 if x == 0 and y >= 0 else out * _ln(x)
    return dx, dy


def _tanh_partials(x: float, out: float) -> tuple[float]:
    """1 − tanh², written (1 − y)(1 + y): where tanh saturates, 1 − y·y cancels to a few
    digits (y·y is rounded first), while 1 − y is exact. torch's vectorised CPU kernels
    (AVX2 and up) fuse the multiply-add and agree to the last bit; its plain kernel
    (ATEN_CPU_CAPABILITY=default) rounds y·y first and differs there by parts in 10⁹."""
    return ((1.0 - out) * (1.0 + out),)


def _div_tangent(dx: float, dy: float, x: float, y: float, out: float) -> float:
    """torch's forward formula (ẋ − ẏ·v)/y, which differs from ẋ/y − ẏ·x/y² at y = 0."""
    return _div(dx - dy * out, y)


@dataclass(frozen=True, eq=False)
class Primitive:
    """One elementary operation and all that is known about it.

    ``partial_formulas`` write each local partial ∂v/∂argument as a formula in Python
    syntax over the arguments ``x``, ``y`` and the primitive's own value ``out``, beside
    the ``partials`` that compute them: sqrt's is ``"1/(2*out)"``. Besides the primitives,
    a formula may use ``sign(x)`` and ``x > 0`` (1 where it holds, else 0: Iverson's
    bracket). The views write these formulas, and the primitive itself (``ln x``,
    ``x × y``), in every notation.
    """

    name: str
    arity: int
    value: Callable[..., float]
    partials: Callable[..., tuple[float, ...]]
    partial_formulas: tuple[str, ...]
    torch: Callable[..., object]
    symbol: str = ""          # infix operator in expressions ("+"); empty: written as a call
    precedence: int = 100     # of that operator, for parentheses when writing expressions
    tangent: Callable[..., float] | None = None  # torch's own forward formula where it differs

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


def _torch(name: str) -> Callable[..., object]:
    """The torch function `name`, imported only when first called."""
    def call(*args: object) -> object:
        import torch
        return getattr(torch, name)(*args)
    call.__name__ = name
    return call


def _infix(name: str, symbol: str, precedence: int, value, partials, partial_formulas,
           torch, tangent=None) -> Primitive:
    return Primitive(name, 2, value, partials, partial_formulas, torch, symbol, precedence,
                     tangent)


def _unary(name: str, value, partials, partial_formula: str, torch=None) -> Primitive:
    return Primitive(name, 1, value, partials, (partial_formula,), torch or _torch(name))


PRIMITIVES: dict[str, Primitive] = {p.name: p for p in [
    _infix("add", "+", 10, operator.add, lambda x, y, out: (1.0, 1.0), ("1", "1"),
           operator.add),
    _infix("sub", "-", 10, operator.sub, lambda x, y, out: (1.0, -1.0), ("1", "-1"),
           operator.sub),
    _infix("mul", "*", 20, operator.mul, lambda x, y, out: (y, x), ("y", "x"), operator.mul),
    _infix("div", "/", 20, _div, lambda x, y, out: (_div(1.0, y), -_div(_div(x, y), y)),
           ("1/y", "-x/y**2"), operator.truediv, tangent=_div_tangent),
    _infix("pow", "**", 40, _pow, _pow_partials, ("y * x**(y - 1)", "out * ln(x)"),
           operator.pow),
    _unary("neg", operator.neg, lambda x, out: (-1.0,), "-1", operator.neg),
    _unary("exp", _exp, lambda x, out: (out,), "exp(x)"),
    _unary("ln", _ln, lambda x, out: (_div(1.0, x),), "1/x", _torch("log")),
    _unary("sin", _sin, lambda x, out: (_cos(x),), "cos(x)"),
    _unary("cos", _cos, lambda x, out: (-_sin(x),), "-sin(x)"),
    _unary("tan", _tan, lambda x, out: (1.0 + out * out,), "1 + out**2"),
    _unary("tanh", math.tanh, _tanh_partials, "1 - out**2"),
    _unary("sqrt", _sqrt, lambda x, out: (_div(1.0, 2.0 * out),), "1/(2*out)"),
    _unary("abs", abs, lambda x, out: (_sign(x),), "sign(x)", operator.abs),
    _unary("sigmoid", _sigmoid, lambda x, out: ((1.0 - out) * out,), "out * (1 - out)"),
    _unary("relu", _relu, lambda x, out: (MASKED_ZERO if out <= 0 else 1.0,), "x > 0"),
]}

#: Other spellings accepted in expressions and as functions: ``log`` is ``ln``.
ALIASES: dict[str, str] = {"log": "ln"}

#: Named constants an expression may use.
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}

#: Primitives written as function calls in expressions: ``sin(x)``, ``log(x)``.
FUNCTIONS: dict[str, Primitive] = {
    **{p.name: p for p in PRIMITIVES.values() if p.arity == 1 and p.name != "neg"},
    **{alias: PRIMITIVES[name] for alias, name in ALIASES.items()},
}
