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
from functools import cached_property
from typing import Any, Callable, NamedTuple

from .arrays import (Over, Where, along, as_matrices, batch_as_matrices, batch_from_matrices,
                     index_check, matmul_shape, mT, np)

inf, nan = math.inf, math.nan


class _MaskedZero(float):
    """A zero partial that stays zero whatever it multiplies, even ``inf`` or ``nan``.

    Where torch's derivative formula *selects* zero (``torch.where``) instead of
    multiplying by it, a non-finite incoming tangent or adjoint must not turn into
    ``nan``. relu below 0 and ``x**0`` are such places. Python asks a float subclass's
    reflected method first, so ``g * MASKED_ZERO`` is 0.0 for every ``g``.
    """

    __array_ufunc__ = None                   # a tangent matrix (vector mode) asks us too

    def __mul__(self, other: Any) -> Any:
        return np.zeros_like(other) if hasattr(other, "shape") else 0.0

    __rmul__ = __mul__


MASKED_ZERO = _MaskedZero(0.0)


class _Reciprocal(float):
    """The partial 1/x where 1/x overflows to ±inf (x is subnormal): multiplying by it
    divides by x, as torch computes g/x, so the product stays finite where g/x is."""

    __array_ufunc__ = None

    def __rmul__(self, g: Any) -> Any:
        return g / self.x

    __mul__ = __rmul__


def _reciprocal(x: float) -> float:
    """1/x as a local partial (see :class:`_Reciprocal` for a subnormal x)."""
    try:
        r = 1.0 / x
    except ZeroDivisionError:
        return _div(1.0, x)
    if r == inf or r == -inf:                   # 1/x overflowed: x is subnormal
        r = _Reciprocal(r)
        r.x = x
    return r


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
    """0 below 0, else x itself: relu(−0) = −0 and relu(nan) = nan, as in torch."""
    return 0.0 if x < 0 else x


def _sign(x: float) -> float:
    """sign(0) = 0, so |x| has derivative 0 at 0; torch also takes sign(nan) = 0."""
    return (x > 0) - (x < 0) + 0.0


# --- local partial derivatives ∂v/∂argument; `out` is the primitive's own value ---

def _pow_partials(x: float, y: float, out: float) -> tuple[float, float]:
    """∂/∂x = y·x^(y−1), selected as 0 when y = 0; ∂/∂y = x^y·ln x, 0 when x = 0 and y ≥ 0."""
    dx = MASKED_ZERO if y == 0 else y * _pow(x, y - 1)
    dy = 0.0 if x == 0 and y >= 0 else out * _ln(x)
    return dx, dy


def _pow_by_number(x: float, c: float) -> float:
    """x**c for a number c, as torch computes it: with shortcuts for the common exponents
    (x·x for 2, √x for 0.5, 1/√x for −0.5 …), which differ from pow at −0 and ±inf
    (√−0 = −0, where pow(−0, 0.5) = +0) and in the last bit."""
    if c == 0:
        return 1.0
    if c == 1:
        return x
    if c == 2:
        return x * x
    if c == 3:
        return x * x * x
    if c == 0.5:
        return _sqrt(x)
    if c == -0.5:
        return _div(1.0, _sqrt(x))
    if c == -1:
        return _div(1.0, x)
    if c == -2:
        return _div(1.0, x * x)
    return _pow(x, c)


def _array_pow(x: Any, y: Any) -> Any:
    """x**y elementwise as C's pow (numpy takes its √ shortcut when y is one number 0.5,
    even a 0-d array, where torch, with a traced exponent, does not)."""
    shape = np.broadcast_shapes(np.shape(x), np.shape(y))
    flat = [np.broadcast_to(v, shape).reshape(-1) for v in (x, y)]
    return np.power(*flat).reshape(shape)


_ARRAY_SHORTCUTS: dict[float, Callable[[Any], Any]] = {
    0: lambda x: np.ones_like(x), 1: lambda x: x, 2: lambda x: x * x, 3: lambda x: x * x * x,
    0.5: lambda x: np.sqrt(x), -0.5: lambda x: 1.0 / np.sqrt(x), -1: lambda x: 1.0 / x,
    -2: lambda x: 1.0 / (x * x)}


def _array_pow_by_number(x: Any, c: float) -> Any:
    """The same shortcuts on arrays (numpy's own, for some exponents, differ from torch's)."""
    shortcut = _ARRAY_SHORTCUTS.get(c)
    return shortcut(x) if shortcut else np.power(x, c)


def _pow_by_number_partials(x: Any, c: float, out: Any) -> tuple[Any, float]:
    """∂/∂x = c·x^(c−1) with the same shortcuts, selected as 0 when c = 0; the number
    itself takes no derivative."""
    if c == 0:
        return MASKED_ZERO, 0.0
    return c * (_pow_by_number(x, c - 1) if type(x) is float
                else _array_pow_by_number(x, c - 1)), 0.0


def _tanh_partials(x: float, out: float) -> tuple[float]:
    """1 − tanh², written (1 − y)(1 + y): where tanh saturates, 1 − y·y cancels to a few
    digits (y·y is rounded first), while 1 − y is exact. torch's vectorised CPU kernels
    (AVX2 and up) fuse the multiply-add and agree to the last bit; its plain kernel
    (ATEN_CPU_CAPABILITY=default) rounds y·y first and differs there by parts in 10⁹."""
    return ((1.0 - out) * (1.0 + out),)


def _div_tangent(dx: Any, dy: Any, x: Any, y: Any, out: Any) -> Any:
    """torch's forward formula (ẋ − ẏ·v)/y, which differs from ẋ/y − ẏ·x/y² at y = 0.
    On arrays a constant's tangent is None: it has none."""
    if dx is None:
        return _div(-(dy * out), y)
    return _div(dx if dy is None else dx - dy * out, y)


# --- second order: the tangent of each VJP (forward over reverse) ----------------------
# The second-order adjoint sweep (second.py) carries the tangent of every adjoint. A node
# v = φ(a, b) passes back v̄·∂φ/∂a; its tangent along ẋ is
#     v̄˙·∂φ/∂a + v̄·(∂²φ/∂a² ȧ + ∂²φ/∂a∂b ḃ),
# so each primitive gives its second partials beside its first: (∂²φ/∂a²,) for one
# argument, (∂²φ/∂a², ∂²φ/∂a∂b, ∂²φ/∂b²) for two (entry k + m is ∂²φ/∂a_k∂a_m), None
# where one is zero whatever the values (no term at all: 0·inf would be nan, and torch
# multiplies by no such zero). Where torch computes that tangent otherwise (its forward
# mode applied to its own backward formula), and so differs at the domain edges, the
# primitive gives torch's formula as ``adjoint_tangent(g, ġ, xs, ts, out, ȯ, partials)``:
# g = v̄, ġ = v̄˙ (None: no tangent, as for the seed ȳ), the arguments and their tangents
# (None for a constant), v and its own tangent ȯ = v̇; it returns one tangent per argument.
# Every formula works on floats, on numpy arrays and on vectors of directions alike.

def _plus(a: Any, b: Any) -> Any:
    """a + b, where None is no term at all (not 0: −0 + 0 would be +0, 0·inf nan)."""
    return b if a is None else a if b is None else a + b


def _times(a: Any, b: Any) -> Any:
    """a·b, None if either factor is None (no term)."""
    return None if a is None or b is None else a * b


def _minus(a: Any, b: Any) -> Any:
    """a − b, where a None is no term."""
    return -b if a is None else a - b


def _zero_where(condition: Any, v: Any) -> Any:
    """0 where `condition` holds, else v: torch's ``where`` (on a float, a plain bool)."""
    if v is None:
        return None
    if type(condition) is bool:
        return 0.0 if condition else v
    return np.where(condition, 0.0, v)


def _power(x: Any, y: Any) -> Any:
    return _pow(x, y) if type(x) is float and type(y) is float else _array_pow(x, y)


def _log(x: Any) -> Any:
    return _ln(x) if type(x) is float else np.log(x)


def _quotient_tangent(gd: Any, g: Any, d: Any, dd: Any) -> Any:
    """The tangent of g/d as torch's forward mode writes it: (ġ − ḋ·(g/d))/d."""
    return _div(_minus(gd, dd * _div(g, d)), d)


def _ln_adjoint_tangent(g, gd, xs, ts, out, tout, partials):
    """torch passes back g/x: its tangent is (ġ − ẋ·(g/x))/x."""
    return (_quotient_tangent(gd, g, xs[0], ts[0]),)


def _sqrt_adjoint_tangent(g, gd, xs, ts, out, tout, partials):
    """torch passes back g/(2·√x): the tangent (ġ − 2v̇·(g/(2v)))/(2v), v = √x."""
    return (_quotient_tangent(gd, g, 2.0 * out, tout * 2.0),)


def _div_adjoint_tangent(g, gd, xs, ts, out, tout, partials):
    """torch passes back g/y to x and −g·((x/y)/y) to y; their tangents are
    (ġ − ẏ·(g/y))/y and q̇·(−g) − ġ·q, with q = (x/y)/y and q̇ = (v̇ − ẏ·q)/y."""
    y, ty = xs[1], ts[1]
    if ty is None:                              # y is a number: x̄ = g/y is linear in g
        return (None if gd is None else _div(gd, y)), None
    to_x = _quotient_tangent(gd, g, y, ty)
    q = _div(out, y)
    q_dot = _div(tout - ty * q, y)
    return to_x, _plus(q_dot * -g, None if gd is None else -gd * q)


def _tanh_adjoint_tangent(g, gd, xs, ts, out, tout, partials):
    """torch: ġ·(1 − v²) + v̇·(−2v·g), the tangent of v itself (v̇) in the second term."""
    return (_plus(_times(gd, partials[0]), tout * (-2.0 * out * g)),)


def _sigmoid_adjoint_tangent(g, gd, xs, ts, out, tout, partials):
    """torch: ġ·(1 − v)v + v̇·g·(1 − 2v), the tangent of v itself (v̇) in the second term."""
    return (_plus(_times(gd, partials[0]), tout * g * (-2.0 * out + 1.0)),)


def _pow_adjoint_tangent(g, gd, xs, ts, out, tout, partials):
    """torch passes back where(y = 0, 0, g·y·x^(y−1)) to x and g·where(x = 0 ≤ y, 0, v·ln x)
    to y, and differentiates each factor as its own forward mode does."""
    (x, y), (tx, ty) = xs, ts
    p = _power(x, y - 1.0)                                    # x^(y−1), then y·x^(y−1)
    p_dot = _plus(_zero_where(y - 1.0 == 0, _times(tx, (y - 1.0) * _power(x, y - 2.0))),
                  _times(ty, _zero_where((x == 0) & (y - 1.0 >= 0), p * _log(x))))
    to_x = _zero_where(y == 0, _plus(_times(_plus(_times(p_dot, y), _times(ty, p)), g),
                                     _times(gd, partials[0])))
    if ty is None:
        return to_x, None
    w_dot = _zero_where((x == 0) & (y >= 0),
                        _plus(_times(None if tx is None else _div(tx, x), out),
                              tout * _log(x)))
    return to_x, _plus(_times(w_dot, g), _times(gd, partials[1]))


def _power_by_number(x: Any, c: float) -> Any:
    """x**c with torch's kernels, on a float or an array."""
    return _pow_by_number(x, c) if type(x) is float else _array_pow_by_number(x, c)


def _pow_by_number_second(x: Any, c: float, out: Any) -> tuple[Any, None, None]:
    """∂²/∂x² x^c = c(c − 1)·x^(c−2), with torch's kernels for x^(c−2) (None for c = 0)."""
    if c == 0:
        return None, None, None
    return c * (c - 1) * _power_by_number(x, c - 2), None, None


def _pow_by_number_adjoint_tangent(g, gd, xs, ts, out, tout, partials):
    """torch passes back nothing that depends on x for x**0, and g·(c·x^(c−1)) otherwise,
    whose factor x^(c−1) has the tangent ẋ·((c − 1)·x^(c−2)), or a plain 0 for c = 1."""
    (x, c), (t, _) = xs, ts
    if c == 0:
        return None, None
    if c == 1:
        p_dot = 0.0 if type(x) is float else np.zeros_like(x)
    else:
        p_dot = t * ((c - 1) * _power_by_number(x, c - 2))
    return _plus(p_dot * c * g, _times(gd, partials[0])), None


# --- the rules of the primitives that move or combine elements ---------------------------
# A tangent or adjoint carries a leading axis of directions (see arrays.py): where a
# rule names an axis of the value, the same axis of a tangent is one further on.

def _axes(axis: int | None, ndim: int) -> tuple[int, ...]:
    """The axes of the value that sum or mean reduces, as axes of a batch of tangents."""
    return tuple(range(1, ndim + 1)) if axis is None else (axis % ndim + 1,)


def _sum_vjp(g: Any, k: int, xs: list[Any], out: Any, axis: int | None) -> Any:
    """Every element of x received the adjoint of its sum: broadcast it back."""
    shape = xs[0].shape
    if axis is None:
        g = g.reshape(g.shape[:1] + (1,) * len(shape))
    else:
        g = np.expand_dims(g, axis % len(shape) + 1)
    broadcast = np.empty(g.shape[:1] + shape)
    broadcast[...] = g
    return broadcast


def _mean_vjp(g: Any, k: int, xs: list[Any], out: Any, axis: int | None) -> Any:
    """Each element of x received g/n: divide the adjoint (one number per mean), then
    broadcast it back."""
    return _sum_vjp(g / _count(xs[0], axis), k, xs, out, axis)


def _count(x: Any, axis: int | None) -> int:
    return x.size if axis is None else x.shape[axis]


def _matmul_jvp(ts: list[Any], xs: list[Any], out: Any) -> Any:
    """(A @ B)˙ = Ȧ @ B + A @ Ḃ, every product matrix × matrix (see as_matrices)."""
    (a, b), (da, db) = xs, ts
    av, bv = a.ndim == 1, b.ndim == 1
    a2, b2 = as_matrices(a, b)
    terms = [] if da is None else [batch_as_matrices(da, av, False) @ b2]
    terms += [] if db is None else [a2 @ batch_as_matrices(db, False, bv)]
    return batch_from_matrices(terms[0] if len(terms) == 1 else terms[0] + terms[1], av, bv)


def _matmul_adjoint(g2: Any, a2: Any, b2: Any, k: int, av: bool, bv: bool) -> Any:
    """Ā = Ḡ @ Bᵀ (k = 0) or B̄ = Aᵀ @ Ḡ (k = 1), on matrices (batches broadcast). Where
    the other factor is a vector, that product is an outer product, multiplied out
    without a sum (as torch does: a sum would start from +0 and lose a −0)."""
    if k == 0:
        return batch_from_matrices(g2 * mT(b2) if bv else g2 @ mT(b2), av, False)
    return batch_from_matrices(mT(a2) * g2 if av else mT(a2) @ g2, False, bv)


def _matmul_vjp(g: Any, k: int, xs: list[Any], out: Any) -> Any:
    """Ā = Ḡ @ Bᵀ and B̄ = Aᵀ @ Ḡ: each factor's adjoint is the output's adjoint times the
    other factor, transposed to fit."""
    a, b = xs
    av, bv = a.ndim == 1, b.ndim == 1
    return _matmul_adjoint(batch_as_matrices(g, av, bv), *as_matrices(a, b), k, av, bv)


def _matmul_vjp_tangent(g: Any, gd: Any, k: int, xs: list[Any], ts: list[Any], out: Any) -> Any:
    """@ is bilinear: Ā = Ḡ @ Bᵀ has the tangent Ḡ̇ @ Bᵀ + Ḡ @ Ḃᵀ, a cross term with the
    other factor's tangent (likewise B̄ = Aᵀ @ Ḡ); its only second partials are those."""
    a, b = xs
    av, bv = a.ndim == 1, b.ndim == 1
    a2, b2 = as_matrices(a, b)
    tangent = None if gd is None else \
        _matmul_adjoint(batch_as_matrices(gd, av, bv), a2, b2, k, av, bv)
    other = ts[1 - k]
    if other is not None:
        if k == 0:
            b2 = batch_as_matrices(other, False, bv)
        else:
            a2 = batch_as_matrices(other, av, False)
        tangent = _plus(tangent, _matmul_adjoint(batch_as_matrices(g, av, bv), a2, b2, k,
                                                 av, bv))
    return tangent


def _linear(vjp: Callable[..., Any]) -> Callable[..., Any]:
    """The tangent of a linear VJP (sum, mean, transpose, reshape, index, stack): the same
    VJP of the adjoint's tangent v̄˙. No second partials: these have no curvature."""
    def vjp_tangent(g: Any, gd: Any, k: int, xs: list[Any], ts: list[Any], out: Any,
                    *parameters: Any) -> Any:
        return None if gd is None else vjp(gd, k, xs, out, *parameters)
    return vjp_tangent


def _transposed(t: Any) -> Any:
    """A batch of tangents with each one's axes reversed, as the value's."""
    return t.transpose(0, *range(t.ndim - 1, 0, -1))


def _index_vjp(g: Any, k: int, xs: list[Any], out: Any, key: Any) -> Any:
    """The adjoint of x[key] scatters back into zeros shaped like x: the elements taken
    receive it, the others nothing. (Whole numbers and slices take each element at most
    once; where x is indexed twice, x[0] and x[1:3], the sweep *adds* the two.)"""
    scattered = np.zeros(g.shape[:1] + xs[0].shape)
    scattered[(slice(None), *key)] = g
    return scattered


def _stack_jvp(ts: list[Any], xs: list[Any], out: Any) -> Any:
    k = next(t for t in ts if t is not None).shape[0]
    return np.stack([np.zeros((k, *np.shape(x))) if t is None else along(t, np.shape(x))
                     for t, x in zip(ts, xs)], axis=1)      # a number constant is a float


class ByNumber(NamedTuple):
    """A primitive's value and partials when its last argument is a number (a constant),
    on floats and on arrays, where torch's kernels then differ (x**2 is x·x)."""

    value: Callable[..., Any]
    array: Callable[..., Any]
    partials: Callable[..., Any]
    second_partials: Callable[..., Any] | None = None    # on floats and arrays alike
    adjoint_tangent: Callable[..., Any] | None = None


@dataclass(frozen=True, eq=False)
class Primitive:
    """One elementary operation and all that is known about it.

    ``partial_formulas`` write each local partial ∂v/∂argument as a formula in Python
    syntax over the arguments ``x``, ``y`` and the primitive's own value ``out``, beside
    the ``partials`` that compute them: sqrt's is ``"1/(2*out)"``. Besides the primitives,
    a formula may use ``sign(x)`` and ``x > 0`` (1 where it holds, else 0: Iverson's
    bracket). The views write these formulas, and the primitive itself (``ln x``,
    ``x × y``), in every notation.

    On arrays, an *elementwise* primitive gives its local partials as arrays
    (``array_partials``), which the sweeps multiply and broadcast (forward) or multiply
    and sum back (backward). The others give ``jvp`` (the tangent from the arguments'
    tangents) and ``vjp`` (the adjoint passed back to argument k), written for the tables
    as formulas beside them: ``jvp_formula`` and ``vjp_formulas`` (one per argument; one
    for all of stack's). Besides x, y and out, these use the tangents ``dx``, ``dy``
    (``*dxs``: every argument's), the adjoint ``g`` of the output, the node's parameters
    by name (``axis``, ``shape``, ``key``), the arguments' shapes ``shape_x``, ``shape_y``,
    ``n`` (how many elements of x make one of out: the count a mean divides by) and ``k``
    (the argument's position); and the functions ``transpose``, ``sum``, ``mean``,
    ``reshape``, ``stack``, ``x @ y``, ``x[key]``, and ``broadcast(g, shape, axis)`` (g
    repeated along an axis, or every axis, up to a shape) and ``scatter(g, key, shape)``
    (zeros of a shape with g where x[key] took its elements).

    Second order (forward over reverse, see second.py): ``second_partials`` (floats) and
    ``array_second_partials`` give ∂²v/∂a_k∂a_m as entry k + m, None where it is zero
    whatever the values, with ``second_formulas`` beside them; a primitive without them
    has no curvature. ``adjoint_tangent`` is torch's own formula for the tangent of the
    adjoint passed back, where it differs at the edges. A primitive that moves elements
    gives ``vjp_tangent`` (g, ġ, k, values, tangents, out, *parameters): the tangent of
    its VJP.
    """

    name: str
    arity: int                  # number of arguments; 0 for any number (stack)
    value: Callable[..., float] | None              # on floats; None: only on arrays
    partials: Callable[..., tuple[float, ...]] | None
    partial_formulas: tuple[str, ...]
    torch: Callable[..., object]
    symbol: str = ""          # infix operator in expressions ("+"); empty: written as a call
    precedence: int = 100     # of that operator, for parentheses when writing expressions
    tangent: Callable[..., Any] | None = None  # torch's own forward formula where it differs
    by_number: ByNumber | None = None           # torch's shortcuts for x ** number
    array: Callable[..., Any] | None = None     # the value on numpy arrays (and parameters)
    array_partials: Callable[..., tuple[Any, ...]] | None = None   # elementwise ones
    jvp: Callable[..., Any] | None = None       # (tangents, values, out, *parameters)
    vjp: Callable[..., Any] | None = None       # (adjoint, k, values, out, *parameters)
    jvp_formula: str = ""                       # the JVP, as a formula (see above)
    vjp_formulas: tuple[str, ...] = ()          # the VJP to each argument, as formulas
    parameters: tuple[str, ...] = ()            # the node's static parameters, by name
    check: Callable[..., None] | None = None    # (shapes, parameters): ValueError if unfit
    second_partials: Callable[..., tuple[Any, ...]] | None = None       # floats
    array_second_partials: Callable[..., tuple[Any, ...]] | None = None  # arrays
    second_formulas: tuple[str | None, ...] = ()
    adjoint_tangent: Callable[..., tuple[Any, ...]] | None = None   # torch's, where it differs
    vjp_tangent: Callable[..., Any] | None = None                   # moving primitives

    @cached_property
    def elementwise(self) -> bool:
        """Whether the primitive acts element by element (with broadcasting)."""
        return self.array_partials is not None

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
           torch, array, array_partials, tangent=None, by_number=None,
           **second: Any) -> Primitive:
    return Primitive(name, 2, value, partials, partial_formulas, torch, symbol, precedence,
                     tangent, by_number, array, array_partials, **second)


def _unary(name: str, value, partials, partial_formula: str, array, array_partials,
           torch=None, **second: Any) -> Primitive:
    return Primitive(name, 1, value, partials, (partial_formula,), torch or _torch(name),
                     array=array, array_partials=array_partials, **second)


def _curved(second_formulas: tuple[str | None, ...], second_partials, array_second_partials,
            adjoint_tangent=None) -> dict[str, Any]:
    """A primitive's second partials (floats, arrays, formulas), and torch's formula for
    the tangent of its adjoint where that differs."""
    return {"second_formulas": second_formulas, "second_partials": second_partials,
            "array_second_partials": array_second_partials, "adjoint_tangent": adjoint_tangent}


def _moving(name: str, arity: int, torch, array, jvp, vjp, jvp_formula: str,
            vjp_formulas: tuple[str, ...], parameters: tuple[str, ...] = (),
            symbol: str = "", precedence: int = 100, check=None,
            vjp_tangent=None) -> Primitive:
    """A primitive that moves or combines elements: arrays only, with its own JVP and VJP,
    and the tangent of its VJP (the VJP itself again, unless given: it is linear)."""
    return Primitive(name, arity, None, None, (), torch, symbol, precedence, array=array,
                     jvp=jvp, vjp=vjp, jvp_formula=jvp_formula, vjp_formulas=vjp_formulas,
                     parameters=parameters, check=check,
                     vjp_tangent=vjp_tangent or _linear(vjp))


def _array_sign(x: Any) -> Any:
    """sign on arrays, 0 at nan as torch's sgn."""
    return np.where(np.isnan(x), 0.0, np.sign(x))


PRIMITIVES: dict[str, Primitive] = {p.name: p for p in [
    # + − and negation are linear: no second partials.
    _infix("add", "+", 10, operator.add, lambda x, y, out: (1.0, 1.0), ("1", "1"),
           operator.add, operator.add, lambda x, y, out: (1.0, 1.0)),
    _infix("sub", "-", 10, operator.sub, lambda x, y, out: (1.0, -1.0), ("1", "-1"),
           operator.sub, operator.sub, lambda x, y, out: (1.0, -1.0)),
    _infix("mul", "*", 20, operator.mul, lambda x, y, out: (y, x), ("y", "x"), operator.mul,
           operator.mul, lambda x, y, out: (y, x),
           **_curved((None, "1", None), *[lambda x, y, out: (None, 1.0, None)] * 2)),
    # torch divides by y where the partial is 1/y: g/y, and −g·((x/y)/y).
    _infix("div", "/", 20, _div, lambda x, y, out: (_reciprocal(y), -_div(_div(x, y), y)),
           ("1/y", "-x/y**2"), operator.truediv,
           operator.truediv, lambda x, y, out: (Over(y), -(out / y)), tangent=_div_tangent,
           **_curved((None, "-1/y**2", "2*x/y**3"), *[lambda x, y, out: (
               None, -_div(_div(1.0, y), y), _div(_div(2.0 * out, y), y))] * 2,
               _div_adjoint_tangent)),
    _infix("pow", "**", 40, _pow, _pow_partials, ("y * x**(y - 1)", "out * ln(x)"),
           operator.pow, _array_pow,
           lambda x, y, out: (Where(y == 0, y * _array_pow(x, y - 1)),
                              np.where((x == 0) & (y >= 0), 0.0, out * np.log(x))),
           by_number=ByNumber(_pow_by_number, _array_pow_by_number, _pow_by_number_partials,
                              _pow_by_number_second, _pow_by_number_adjoint_tangent),
           # the second partials as mathematics; torch's masks (x**0, 0**y) are in its formula
           **_curved(("y*(y - 1)*x**(y - 2)", "x**(y - 1)*(1 + y*ln(x))", "out*ln(x)**2"),
                     *[lambda x, y, out: (y * (y - 1.0) * _power(x, y - 2.0),
                                          _power(x, y - 1.0) * (1.0 + y * _log(x)),
                                          out * _log(x) * _log(x))] * 2,
                     _pow_adjoint_tangent)),
    _unary("neg", operator.neg, lambda x, out: (-1.0,), "-1", operator.neg,
           lambda x, out: (-1.0,), operator.neg),
    _unary("exp", _exp, lambda x, out: (out,), "exp(x)", lambda x: np.exp(x),
           lambda x, out: (out,), **_curved(("exp(x)",), *[lambda x, out: (out,)] * 2)),
    _unary("ln", _ln, lambda x, out: (_reciprocal(x),), "1/x", lambda x: np.log(x),
           lambda x, out: (Over(x),), _torch("log"),
           **_curved(("-1/x**2",), *[lambda x, out: (-_div(_div(1.0, x), x),)] * 2,
                     _ln_adjoint_tangent)),
    _unary("sin", _sin, lambda x, out: (_cos(x),), "cos(x)", lambda x: np.sin(x),
           lambda x, out: (np.cos(x),),
           **_curved(("-sin(x)",), lambda x, out: (-out,), lambda x, out: (-out,))),
    _unary("cos", _cos, lambda x, out: (-_sin(x),), "-sin(x)", lambda x: np.cos(x),
           lambda x, out: (-np.sin(x),),
           **_curved(("-cos(x)",), lambda x, out: (-out,), lambda x, out: (-out,))),
    _unary("tan", _tan, lambda x, out: (1.0 + out * out,), "1 + out**2", lambda x: np.tan(x),
           lambda x, out: (1.0 + out * out,), **_curved(
               ("2*out*(1 + out**2)",), *[lambda x, out: (2.0 * out * (1.0 + out * out),)] * 2)),
    _unary("tanh", math.tanh, _tanh_partials, "1 - out**2", lambda x: np.tanh(x),
           _tanh_partials, **_curved(
               ("-2*out*(1 - out**2)",),
               *[lambda x, out: (-2.0 * out * _tanh_partials(x, out)[0],)] * 2,
               _tanh_adjoint_tangent)),
    _unary("sqrt", _sqrt, lambda x, out: (_reciprocal(2.0 * out),), "1/(2*out)",
           lambda x: np.sqrt(x), lambda x, out: (Over(2.0 * out),), **_curved(
               ("-1/(4*out**3)",), *[lambda x, out: (-_div(1.0, 4.0 * out * out * out),)] * 2,
               _sqrt_adjoint_tangent)),
    # abs and relu have no curvature: their second derivative is 0 everywhere, at the kink 0
    # too, as in torch (whose sgn has the derivative zero, and relu's mask none).
    _unary("abs", abs, lambda x, out: (_sign(x),), "sign(x)", lambda x: np.abs(x),
           lambda x, out: (_array_sign(x),), operator.abs),
    _unary("sigmoid", _sigmoid, lambda x, out: ((1.0 - out) * out,), "out * (1 - out)",
           lambda x: 1.0 / (1.0 + np.exp(-x)), lambda x, out: ((1.0 - out) * out,),
           **_curved(("out*(1 - out)*(1 - 2*out)",),
                     *[lambda x, out: ((1.0 - out) * out * (1.0 - 2.0 * out),)] * 2,
                     _sigmoid_adjoint_tangent)),
    _unary("relu", _relu, lambda x, out: (MASKED_ZERO if out <= 0 else 1.0,), "x > 0",
           lambda x: np.where(x < 0, 0.0, x), lambda x, out: (Where(out <= 0),)),
    # --- on arrays only: primitives that move or combine elements ---
    _moving("sum", 1, lambda x, axis: x.sum() if axis is None else x.sum(axis),
            lambda x, axis: np.add.reduce(x, axis),
            lambda ts, xs, out, axis: ts[0].sum(axis=_axes(axis, xs[0].ndim)),
            _sum_vjp, "sum(dx, axis)", ("broadcast(g, shape_x, axis)",),
            parameters=("axis",)),
    _moving("mean", 1, lambda x, axis: x.mean() if axis is None else x.mean(axis),
            lambda x, axis: np.add.reduce(x, axis) / _count(x, axis),      # as np.mean
            lambda ts, xs, out, axis: ts[0].mean(axis=_axes(axis, xs[0].ndim)),
            _mean_vjp, "mean(dx, axis)", ("broadcast(g/n, shape_x, axis)",),
            parameters=("axis",)),
    _moving("matmul", 2, operator.matmul, lambda a, b: np.matmul(a, b), _matmul_jvp,
            _matmul_vjp, "dx @ y + x @ dy", ("g @ transpose(y)", "transpose(x) @ g"),
            symbol="@", precedence=20, check=matmul_shape, vjp_tangent=_matmul_vjp_tangent),
    _moving("transpose", 1, lambda x: x.permute(tuple(range(x.ndim - 1, -1, -1))),
            lambda x: np.transpose(x), lambda ts, xs, out: _transposed(ts[0]),
            lambda g, k, xs, out: _transposed(g), "transpose(dx)", ("transpose(g)",)),
    _moving("reshape", 1, lambda x, shape: x.reshape(shape),
            lambda x, shape: np.reshape(x, shape),
            lambda ts, xs, out, shape: ts[0].reshape(ts[0].shape[:1] + out.shape),
            lambda g, k, xs, out, shape: g.reshape(g.shape[:1] + xs[0].shape),
            "reshape(dx, shape)", ("reshape(g, shape_x)",), parameters=("shape",)),
    _moving("index", 1, lambda x, key: x[key], lambda x, key: x[key],
            lambda ts, xs, out, key: ts[0][(slice(None), *key)], _index_vjp,
            "dx[key]", ("scatter(g, key, shape_x)",), parameters=("key",), check=index_check),
    _moving("stack", 0, lambda *xs: _torch("stack")(xs), lambda *xs: np.stack(xs), _stack_jvp,
            lambda g, k, xs, out: g[:, k], "stack(*dxs)", ("g[k]",)),
]}

#: Other spellings accepted in expressions and as functions: ``log`` is ``ln``.
ALIASES: dict[str, str] = {"log": "ln"}

#: Named constants an expression may use.
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}

#: Primitives written as function calls in expressions: ``sin(x)``, ``sum(x, 0)``, ``log(x)``.
#: (The others are written with operators: + − × / ** unary −, ``@`` and ``x[1:3]``.)
FUNCTIONS: dict[str, Primitive] = {
    **{p.name: p for p in PRIMITIVES.values() if not p.symbol and p.name not in ("neg", "index")},
    "matmul": PRIMITIVES["matmul"],
    **{alias: PRIMITIVES[name] for alias, name in ALIASES.items()},
}
