"""Every primitive of the table, value and local partials, against torch at edge points."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
import torch.autograd.forward_ad as fwad

import ad_tutorial as adt
from ad_tutorial.functions import apply
from ad_tutorial.primitives import FUNCTIONS, PRIMITIVES, _MaskedZero, MASKED_ZERO
from ad_tutorial.torch_bridge import agree

POINTS = [-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 1000.0, math.inf, -math.inf, math.nan]
PAIRS = list(itertools.product([-2.0, -1.0, 0.0, 0.5, 1.0, 3.0, math.inf, math.nan], repeat=2))


def points(p):
    return [(x,) for x in POINTS] if p.arity == 1 else PAIRS


def torch_value_and_partials(p, xs):
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    y = p.torch(*ts)
    return y.item(), [g.item() for g in torch.autograd.grad(y, ts)]


SCALAR = sorted(name for name, p in PRIMITIVES.items() if p.value is not None)


@pytest.mark.parametrize("name", SCALAR)
def test_value_and_partials_match_torch(name):
    p = PRIMITIVES[name]
    for xs in points(p):
        value, partials = torch_value_and_partials(p, xs)
        mine = p.value(*xs)
        assert agree(mine, value), (name, xs, mine, value)
        assert all(agree(a, b) for a, b in zip(p.partials(*xs, mine), partials)), (
            name, xs, p.partials(*xs, mine), partials)


def test_every_primitive_is_reachable_from_expressions():
    operators = {p.name for p in PRIMITIVES.values() if p.symbol}     # + - * / ** @
    assert operators | {"neg", "index"} | {p.name for p in FUNCTIONS.values()} == \
        set(PRIMITIVES)
    assert FUNCTIONS["log"] is FUNCTIONS["ln"]


def test_masked_zero_wins_against_inf_and_nan():
    assert isinstance(MASKED_ZERO, _MaskedZero) and MASKED_ZERO == 0.0
    for g in (math.inf, -math.inf, math.nan, 2.0):
        assert g * MASKED_ZERO == 0.0 and MASKED_ZERO * g == 0.0
    assert math.isnan(math.inf * 0.0)   # an ordinary zero would not


#: ±0, subnormals (whose reciprocals overflow), the largest and smallest normals, ±inf,
#: nan, and ordinary numbers: where IEEE arithmetic is at its edges.
SPECIAL = [0.0, -0.0, 5e-324, -5e-324, 1e-310, -1e-310, 2.2250738585072014e-308, 1.0, -1.0,
           0.5, -2.0, 3.0, 1e308, -1e308, math.inf, -math.inf, math.nan, 710.0, -710.0, 1e-160]


def bitwise(a: float, b: float) -> bool:
    """The same float: nan with nan, and a zero with a zero of the same sign."""
    return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) ==
                                                  math.copysign(1, b))


@pytest.mark.parametrize("name", SCALAR)
def test_every_primitive_is_torch_to_the_bit_at_special_values(name):
    """Value, each partial by reverse mode and by forward mode, for every pair of special
    values, equal to torch's float64 to the last bit, the sign of zero included. Both
    arguments are traced (a number as exponent is torch's other kernel: next test)."""
    p = PRIMITIVES[name]
    f = (lambda x: apply(p, x)) if p.arity == 1 else (lambda x, y: apply(p, x, y))
    for args in itertools.product(SPECIAL, repeat=p.arity):
        t = adt.trace(f, *args)
        xs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in args]
        y = apply(p, *xs)
        grads = torch.autograd.grad(y, xs, allow_unused=True)
        assert bitwise(t.value, y.item()), (name, args, "value")
        for x, g in zip(t.inputs, grads):
            assert bitwise(t.reverse().gradient[x], 0.0 if g is None else g.item()), (name, args, x)
        for k, x in enumerate(t.inputs):
            with fwad.dual_level():
                duals = [fwad.make_dual(torch.tensor(a, dtype=torch.float64),
                                        torch.tensor(float(j == k), dtype=torch.float64))
                         for j, a in enumerate(args)]
                tangent = fwad.unpack_dual(apply(p, *duals)).tangent
            assert bitwise(t.forward(**{x: 1.0}).derivative, tangent.item()), (name, args, x)


@pytest.mark.parametrize("exponent", [0.0, 1.0, 2.0, 3.0, 0.5, -0.5, -1.0, -2.0, 1.5, -3.0])
def test_a_number_as_exponent_takes_torchs_shortcuts(exponent):
    """x ** number is torch's pow with a number, whose kernel takes shortcuts (x·x for 2,
    √x for 0.5, 1/√x for −0.5 …) that differ from pow at −0 and ±inf: value, derivative
    and tangent to the bit, on floats and on arrays."""
    for x in SPECIAL:
        tensor = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        y = tensor ** exponent
        (g,) = torch.autograd.grad(y, tensor)
        for value in (x, np.array([x])):
            t = adt.trace(lambda v: v ** exponent, value)
            first = lambda v: float(np.ravel(v)[0])     # noqa: E731  (of a float or [x])
            assert bitwise(first(t.value), y.item()), (x, exponent, "value")
            assert bitwise(first(t.reverse(seed=np.ones_like(value)).gradient["v"]),
                           g.item()), (x, exponent, "gradient")
            assert bitwise(first(t.forward(v=np.ones_like(value)).derivative),
                           g.item()), (x, exponent, "tangent")


@pytest.mark.parametrize("text, at, quantity, expected", [
    # relu(−0) is −0, as in torch: 1/relu(−0) is −inf
    ("1/relu(x)", {"x": -0.0}, "value", -math.inf),
    # ∂/∂x x·ln x at a subnormal x: ln x + x·(1/x), where 1/x alone overflows
    ("x*ln(x)", {"x": 1e-310}, "x", math.log(1e-310) + 1.0),
    # exp(ln x) = x: the derivative 1, though 1/x overflows at 5e-324
    ("exp(log(x))", {"x": 5e-324}, "x", 1.0),
])
def test_the_tester_s_numbers_follow_torch(text, at, quantity, expected):
    t = adt.trace(text, **at)
    found = t.value if quantity == "value" else t.reverse().gradient[quantity]
    assert found == expected or math.isclose(found, expected, rel_tol=1e-12)
    assert adt.compare(text, **at).ok


def test_a_subnormal_divides_the_tangent_too():
    """y − ln x at x = 1e-310, seeded on y: the tangent through ln is 0/x = 0, not 0·inf."""
    t = adt.trace("y - ln(x)", y=1.0, x=1e-310)
    assert t.forward(y=1.0).derivative == 1.0
    assert adt.compare(t.forward(y=1.0)).ok


def test_sin_over_ln_of_one_over_relu_at_signed_zeros():
    c = adt.compare("sin(x)/ln(1/relu(y))", x=0.0, y=-0.0)
    assert c.ok, str(c)
