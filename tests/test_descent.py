"""Gradient descent: both engines agree, and the tutorial's printed check is reproduced."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import ad_tutorial as adt
from ad_tutorial.descent import (CONVEX, CONVEX_DOMAIN, NONCONVEX, NONCONVEX_DOMAIN, as_function,
                                 gradient_descent, grid_minimum, tutorial_check)

# Every descent the tutorial runs: (objective, start, step), 150 steps each.
TUTORIAL_RUNS = [(CONVEX, 0.0, 0.05), (CONVEX, 10.0, 0.05), (NONCONVEX, -3.5, 0.05),
                 *[(NONCONVEX, x0, 0.001) for x0 in (-3.5, -2.5, -2.0, -1.0, -0.5)]]


def torch_derivative(objective: str, x: float) -> float:
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(as_function(objective)(t), t)
    return g.item()


@pytest.mark.parametrize("objective, init, step", TUTORIAL_RUNS)
def test_both_engines_take_the_same_steps(objective, init, step):
    by_torch = gradient_descent(objective, step, 150, init, engine="torch")
    by_hand = gradient_descent(objective, step, 150, init, engine="handwritten")
    assert len(by_torch.iterates) == len(by_hand.iterates) == 151
    np.testing.assert_allclose(by_hand.iterates, by_torch.iterates, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(by_hand.values, by_torch.values, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("engine", ["torch", "handwritten"])
def test_each_step_is_against_torchs_derivative(engine):
    xs, fs = gradient_descent(NONCONVEX, 0.001, 20, -2.5, engine=engine)
    for k in range(20):
        assert xs[k + 1] == pytest.approx(xs[k] - 0.001 * torch_derivative(NONCONVEX, xs[k]),
                                          rel=1e-12, abs=1e-15)
    f = as_function(NONCONVEX)
    assert fs == pytest.approx([f(float(x)) for x in xs], rel=1e-12)


def test_convex_descent_reaches_the_minimum_from_either_side():
    # f'(x) = 1 + 2(x − 5) for x > 0 vanishes at x = 4.5.
    for init in (0.0, 10.0):
        xs, _ = gradient_descent(CONVEX, 0.05, 150, init)
        assert xs[-1] == pytest.approx(4.5, abs=1e-5)
        assert abs(torch_derivative(CONVEX, xs[-1])) < 1e-4


def test_small_steps_settle_in_a_local_minimum():
    xs, _ = gradient_descent(NONCONVEX, 0.001, 150, -3.5)
    assert abs(torch_derivative(NONCONVEX, xs[-1])) < 0.1 < abs(torch_derivative(NONCONVEX, xs[0]))
    assert -3.5 < xs[-1] < -3.0


def test_the_large_step_oscillates():
    xs, _ = gradient_descent(NONCONVEX, 0.05, 150, -3.5)
    moves = np.sign(np.diff(xs[-20:]))
    assert (moves[1:] != moves[:-1]).sum() >= 5          # keeps changing direction


def test_tutorial_check_in_float32_prints_the_tutorials_numbers():
    # The tutorial ran torch's default float32 and printed 4.545455, 4.499998, 0.045456.
    lines = str(tutorial_check(dtype=torch.float32)).splitlines()
    assert lines[0].endswith(" 4.545455")
    assert lines[1].endswith(" 4.499998")
    assert lines[2].endswith(" 0.045456")


@pytest.mark.parametrize("engine", ["torch", "handwritten"])
def test_tutorial_check_in_float64(engine):
    # In float64 the descent gets closer to 4.5, so the last digit of the error changes.
    check = tutorial_check(engine=engine)
    assert f"{check.x_final:f}" == "4.499999"
    assert f"{check.error:f}" == "0.045455"
    assert check.x_true == pytest.approx(50 / 11)       # grid point 45 of linspace(0, 10, 100)


def test_grid_minimum_is_the_tutorials():
    x = torch.linspace(*NONCONVEX_DOMAIN, 100)
    y = x * torch.cos(4 * x) + 2 * torch.abs(x)
    assert grid_minimum(NONCONVEX, NONCONVEX_DOMAIN) == pytest.approx(float(x[torch.argmin(y)]),
                                                                       abs=1e-6)
    assert grid_minimum(CONVEX, CONVEX_DOMAIN) == pytest.approx(4.545455, abs=1e-6)


def test_objectives_may_be_callables_or_parsed_expressions():
    f = lambda x: abs(x) + (x - 5) ** 2
    a = gradient_descent(f, 0.05, 10, 0.0, engine="handwritten")
    b = gradient_descent(adt.parse(CONVEX), 0.05, 10, 0.0, engine="torch")
    np.testing.assert_allclose(a.iterates, b.iterates, rtol=1e-12)


def test_bad_requests():
    with pytest.raises(ValueError, match="unknown engine"):
        gradient_descent(CONVEX, engine="jax")
    with pytest.raises(ValueError, match="one variable"):
        gradient_descent("x*y", engine="handwritten")
    with pytest.raises(ValueError, match="float64 only"):
        gradient_descent(CONVEX, engine="handwritten", dtype=torch.float32)
