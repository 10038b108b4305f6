"""Every primitive of the table, value and local partials, against torch at edge points."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

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


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_value_and_partials_match_torch(name):
    p = PRIMITIVES[name]
    for xs in points(p):
        value, partials = torch_value_and_partials(p, xs)
        mine = p.value(*xs)
        assert agree(mine, value), (name, xs, mine, value)
        assert all(agree(a, b) for a, b in zip(p.partials(*xs, mine), partials)), (
            name, xs, p.partials(*xs, mine), partials)


def test_every_primitive_is_reachable_from_expressions():
    binary = {p.name for p in PRIMITIVES.values() if p.symbol}
    assert binary | {"neg"} | {p.name for p in FUNCTIONS.values()} == set(PRIMITIVES)
    assert FUNCTIONS["log"] is FUNCTIONS["ln"]


def test_masked_zero_wins_against_inf_and_nan():
    assert isinstance(MASKED_ZERO, _MaskedZero) and MASKED_ZERO == 0.0
    for g in (math.inf, -math.inf, math.nan, 2.0):
        assert g * MASKED_ZERO == 0.0 and MASKED_ZERO * g == 0.0
    assert math.isnan(math.inf * 0.0)   # an ordinary zero would not
