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


# --- where descent should end: exact minimisers, local minima, settled runs -------------

from ad_tutorial.descent import (MINIMISERS, SETTLED, derivative, local_minimum,  # noqa: E402
                                 minimiser, settled)

DOMAINS = {CONVEX: CONVEX_DOMAIN, NONCONVEX: NONCONVEX_DOMAIN}


def long_run_ends(objective: str, starts: list[float], steps: int = 2000,
                  step_size: float = 0.0025) -> list[float]:
    """Where gradient descent with small steps ends up from each start: `steps` steps of
    torch's autograd, all starts at once (f acts elementwise). The steps are small enough
    to be stable at every minimum on the domains (|f″| < 90 there, η < 2/90)."""
    x = torch.tensor(starts, dtype=torch.float64, requires_grad=True)
    f = as_function(objective)
    for _ in range(steps):
        (slope,) = torch.autograd.grad(f(x).sum(), x)
        with torch.no_grad():
            x -= step_size * slope
    return x.tolist()


def torch_values(objective: str, xs: torch.Tensor) -> torch.Tensor:
    return as_function(objective)(xs)


@pytest.mark.parametrize("objective", [CONVEX, NONCONVEX])
def test_the_exact_minimisers_are_global_minima(objective):
    x_star = minimiser(objective)
    assert x_star == MINIMISERS[objective]
    xs = torch.linspace(*DOMAINS[objective], 2_000_001, dtype=torch.float64)
    f_star = torch_values(objective, torch.tensor(x_star, dtype=torch.float64)).item()
    assert (torch_values(objective, xs) >= f_star).all()
    # a minimum: f falls towards x* from the left and rises after it (torch's one-sided f′)
    for h in (1e-3, 1e-6, 1e-9):
        assert torch_derivative(objective, x_star - h) < 0 < torch_derivative(objective, x_star + h)


def test_the_convex_minimiser_is_where_the_derivative_vanishes_and_the_grids_is_not():
    assert torch_derivative(CONVEX, 4.5) == 0.0
    assert as_function(CONVEX)(4.5) == 4.75
    assert grid_minimum(CONVEX, CONVEX_DOMAIN) != 4.5


def test_the_nonconvex_objective_is_at_least_abs_x_so_its_minimum_is_0():
    xs = torch.linspace(-50, 50, 2_000_001, dtype=torch.float64)
    assert (torch_values(NONCONVEX, xs) >= xs.abs()).all()
    assert torch_values(NONCONVEX, torch.tensor(0.0, dtype=torch.float64)).item() == 0.0


def test_only_the_tutorials_objectives_have_known_minimisers():
    assert minimiser("x**2 + 1") is None
    assert minimiser(lambda x: x * x) is None


@pytest.mark.parametrize("x", [float(x) for x in np.linspace(-4.9, 4.9, 50)])
def test_local_minimum_is_where_torchs_derivative_turns_from_down_to_up(x):
    m = local_minimum(NONCONVEX, x, NONCONVEX_DOMAIN)
    if m is None:                           # downhill leads out of the domain
        slope = torch_derivative(NONCONVEX, x)
        assert (slope > 0 and x < -4.6) or (slope < 0 and x > 4.6)
        return
    h = 1e-9 * max(1.0, abs(m))
    assert torch_derivative(NONCONVEX, m - h) < 0 < torch_derivative(NONCONVEX, m + h)
    # reached by going downhill from x: f never rises on the way
    path = torch.linspace(x, m, 1001, dtype=torch.float64)
    assert (torch.diff(torch_values(NONCONVEX, path)) <= 1e-12).all()


def test_local_minimum_is_where_small_steps_end():
    starts = [-3.5, -2.0, -1.0, 0.3, 1.0, 2.0, 3.0]
    for x0, end in zip(starts, long_run_ends(NONCONVEX, starts)):
        m = local_minimum(NONCONVEX, x0, NONCONVEX_DOMAIN)
        assert m == pytest.approx(end, abs=1e-2), x0       # 1e-2: steps circle a kink at 0


def test_derivative_is_torchs():
    for objective in (CONVEX, NONCONVEX):
        for x in np.linspace(-4.9, 9.9, 31):
            assert derivative(objective, x) == pytest.approx(torch_derivative(objective, x),
                                                             rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("objective", [CONVEX, NONCONVEX])
def test_settled_means_close_to_where_the_run_would_end(objective):
    runs = [gradient_descent(objective, step, 150, init, engine="handwritten")
            for f, init, step in TUTORIAL_RUNS if f == objective]
    ends = long_run_ends(objective, [run.iterates[-1] for run in runs])
    width = DOMAINS[objective][1] - DOMAINS[objective][0]
    for run, end in zip(runs, ends):
        assert settled(run, objective, DOMAINS[objective]) == bool(
            abs(run.iterates[-1] - end) <= SETTLED * width)


def test_the_tutorials_runs_from_minus_1_and_minus_half_have_not_settled():
    done = {init: settled(gradient_descent(NONCONVEX, 0.001, 150, init), NONCONVEX,
                          NONCONVEX_DOMAIN)
            for init in (-3.5, -2.5, -2.0, -1.0, -0.5)}
    assert done == {-3.5: True, -2.5: True, -2.0: True, -1.0: False, -0.5: False}
    assert not settled(gradient_descent(NONCONVEX, 0.05, 150, -3.5), NONCONVEX, NONCONVEX_DOMAIN)
    assert settled(gradient_descent(CONVEX, 0.05, 150, 0.0), CONVEX, CONVEX_DOMAIN)
