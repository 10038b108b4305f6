"""Newton's method beside gradient descent: the paths of the figures, by the hand-written
engine and by torch, and what the captions say about them."""

from __future__ import annotations

import numpy as np
import pytest

from ad_tutorial import newton
from ad_tutorial.descent import CONVEX, gradient_descent
from ad_tutorial.figures import REGISTRY
from ad_tutorial.newton import (ROSENBROCK, derivatives, gradient_descent_path, newton_path)


@pytest.fixture(scope="module")
def rosenbrock():
    """Both paths on Rosenbrock's function, by each engine."""
    return {engine: newton.rosenbrock_paths(engine) for engine in ("handwritten", "torch")}


def test_newton_on_the_convex_objective_lands_on_4_5_in_two_steps():
    """From the kink 0, where |x|′ = |x|″ = 0, the model is (x − 5)²: x₁ = 5; then the
    model is exact: x₂ = 4.5, where f′ = 0 and Newton stops."""
    for engine in ("handwritten", "torch"):
        _, path = newton.convex_paths(engine)
        assert path.points[:, 0].tolist() == [0.0, 5.0, 4.5]
        assert path.values.tolist() == [25.0, 5.0, 4.75]


def test_the_convex_descent_is_the_tutorials():
    descent, _ = newton.convex_paths()
    tutorial = gradient_descent(CONVEX, step_size=0.05, max_iter=150, init=0.0,
                                engine="handwritten")
    assert descent.points[:, 0].tolist() == tutorial.iterates.tolist()
    assert abs(descent.points[-1, 0] - 4.5) == pytest.approx(6.08e-7, rel=1e-3)
    errors = np.abs(descent.points[:, 0] - 4.5)
    # ×0.9 per step once past the kink (the first step, from 0, uses |x|′ = 0: 4.5 → 4)
    assert errors[:2].tolist() == [4.5, 4.0]
    assert np.allclose(errors[2:] / errors[1:-1], 0.9, rtol=1e-6)


def test_both_engines_take_the_same_steps_on_rosenbrock(rosenbrock):
    """The figure's paths, driven by the hand-written engine, are torch's to rtol 1e-9."""
    for mine, theirs in zip(rosenbrock["handwritten"], rosenbrock["torch"]):
        assert mine.points.shape == theirs.points.shape
        assert np.allclose(mine.points, theirs.points, rtol=1e-9, atol=0)
        assert np.allclose(mine.values, theirs.values, rtol=1e-9, atol=1e-300)


def test_damped_newton_reaches_the_minimum_and_descent_crawls(rosenbrock):
    descent, damped = rosenbrock["handwritten"]
    assert len(damped.points) - 1 == 22
    assert np.allclose(damped.points[-1], [1.0, 1.0], rtol=0, atol=1e-12)
    assert np.all(np.diff(damped.values) <= 0)                  # every step goes downhill
    assert len(descent.points) - 1 == 5000
    assert np.round(descent.points[-1], 3).tolist() == [0.939, 0.881]
    assert np.all(np.diff(descent.values) < 0)                  # 0.001 does not oscillate


def test_the_captions_say_what_the_paths_do(rosenbrock):
    descent, damped = rosenbrock["handwritten"]
    caption = REGISTRY["rosenbrock-newton"].caption
    assert f"{len(descent.points) - 1:,} steps of 0.001" in caption
    assert f"in {len(damped.points) - 1} steps" in caption
    assert "(0.939, 0.881)" in caption and "checked against torch" in caption
    convex = REGISTRY["newton-vs-descent"].caption
    assert "lands on 5" in convex and "minimiser 4.5" in convex
    short = abs(newton.convex_paths()[0].points[-1, 0] - 4.5)        # 6.08e-07
    mantissa, exponent = f"{short:.1e}".split("e")
    assert f"{mantissa}·10⁻{'⁰¹²³⁴⁵⁶⁷⁸⁹'[-int(exponent)]} short" in convex


def test_a_step_that_would_go_uphill_is_damped_or_turned():
    """Where H is not positive definite, −H⁻¹∇f points uphill: damped Newton steps against
    the gradient instead; a full Newton step there climbs to the maximum."""
    objective, start = "x**4 - x**2", {"x": 0.1}          # f″(0.1) = 12·0.01 − 2 < 0
    _, gradient, hessian = derivatives(objective, start)
    assert hessian[0, 0] < 0 and (-gradient[0] / hessian[0, 0]) * gradient[0] > 0
    damped = newton_path(objective, start)
    assert np.all(np.diff(damped.values) <= 0)
    assert abs(damped.points[-1, 0]) == pytest.approx(0.5 ** 0.5, rel=1e-12)  # a minimum
    full = newton_path(objective, start, damped=False)
    assert full.points[-1, 0] == pytest.approx(0.0, abs=1e-12)           # the maximum


def test_a_singular_hessian_falls_back_to_the_gradient():
    path = newton_path("x**4 + y", {"x": 0.0, "y": 0.0}, steps=3)
    assert path.points[1].tolist() == [0.0, -1.0]           # H = 0: a gradient step


def test_an_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="unknown engine 'jax'"):
        gradient_descent_path(ROSENBROCK, {"x": 0.0, "y": 0.0}, 0.001, 1, engine="jax")
