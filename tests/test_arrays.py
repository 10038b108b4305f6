"""The engine on arrays, against torch: values, gradients, directional derivatives and
Jacobians of random array programs, and the tutorial's two vector cells."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest
import torch
import torch.autograd.forward_ad as fwad
from hypothesis import given, strategies as st

import ad_tutorial as adt
from ad_tutorial import TraceError

from .array_programs import EDGES, WELL_CONDITIONED, Program, inputs, programs

RTOL = 1e-9


def same_array(ours: np.ndarray, theirs: np.ndarray, zero_signs: bool = True) -> bool:
    """Equal to rtol of the larger entry's size (the terms summed are at most that big):
    nan only with nan, an infinity only with the same infinity, a zero with a zero of
    the same sign (unless `zero_signs` is False)."""
    ours, theirs = np.asarray(ours, np.float64), np.asarray(theirs, np.float64)
    with np.errstate(invalid="ignore"):
        return _same(ours, theirs, zero_signs)


def _same(ours: np.ndarray, theirs: np.ndarray, zero_signs: bool) -> bool:
    if ours.shape != theirs.shape:
        return False
    finite = np.isfinite(ours) & np.isfinite(theirs)
    if not np.array_equal(np.isnan(ours), np.isnan(theirs)):
        return False
    infinite = np.isinf(ours) | np.isinf(theirs)
    if not np.array_equal(ours[infinite], theirs[infinite]):
        return False
    scale = max([np.max(np.abs(ours[finite]), initial=0.0),
                 np.max(np.abs(theirs[finite]), initial=0.0)])
    close = np.abs(ours - theirs)[finite] <= RTOL * np.maximum(
        np.maximum(np.abs(ours), np.abs(theirs))[finite], scale)
    zeros = finite & (ours == 0) & (theirs == 0)
    signs = np.signbit(ours[zeros]) == np.signbit(theirs[zeros])
    return bool(np.all(close) and (np.all(signs) or not zero_signs))


def on_torch(program: Program, xs: list[np.ndarray]):
    """y and the leaves on torch (float64, requires_grad)."""
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    y = program.function()(*leaves)
    return (y if isinstance(y, tuple) else (y,)), leaves


def torch_jacobian(program: Program, xs: list[np.ndarray], mode: str) -> np.ndarray:
    """torch.autograd.functional.jacobian in reverse or forward mode, as one matrix: a row
    per output element, a column per input element."""
    tensors = tuple(torch.tensor(x, dtype=torch.float64) for x in xs)

    def f(*ts):
        y = program.function()(*ts)
        return y if isinstance(y, tuple) else (y,)

    strategy = "forward-mode" if mode == "forward" else "reverse-mode"
    # vectorize: all rows (or columns) in one batched sweep, as vector mode does
    blocks = torch.autograd.functional.jacobian(f, tensors, strategy=strategy, vectorize=True)
    return np.concatenate([np.concatenate([b.numpy().reshape(y.numel(), x.size)
                                           for b, x in zip(row, xs)], axis=1)
                           for row, y in zip(blocks, f(*tensors))])


def check_against_torch(program: Program, xs: list[np.ndarray], seed: int) -> None:
    """Value, gradient (along a random ȳ), directional derivative (along a random ẋ) and
    Jacobian in both modes, against torch.

    A matrix product sums products in its BLAS kernel's order, fused or not: where a
    product underflows to zero, its sign then depends on the kernel (numpy's OpenBLAS
    and torch's MKL differ), so zeros' signs are compared only without @.
    """
    same = partial(same_array, zero_signs=all(step[0] != "@" for step in program.steps))
    t = adt.trace(program.function(), *xs)
    ys, leaves = on_torch(program, xs)
    ours = t.value if program.pair else (t.value,)
    assert len(ours) == len(ys)
    for a, b in zip(ours, ys):
        assert same(a, b.detach().numpy()), ("value", a, b)

    rng = np.random.default_rng(seed)
    cotangents = [rng.standard_normal(y.shape) for y in ys]
    grads = torch.autograd.grad(ys, leaves, grad_outputs=[torch.tensor(c) for c in cotangents],
                                allow_unused=True)
    gradient = t.reverse(seed=tuple(cotangents) if program.pair else cotangents[0]).gradient
    for x, g, leaf in zip(t.inputs, grads, leaves):
        expected = np.zeros(leaf.shape) if g is None else g.numpy()
        assert same(gradient[x], expected), ("gradient", x, gradient[x], expected)

    directions = [rng.standard_normal(x.shape) for x in xs]
    with fwad.dual_level():
        duals = [fwad.make_dual(torch.tensor(x), torch.tensor(d)) for x, d in zip(xs, directions)]
        out = program.function()(*duals)
        tangents = [fwad.unpack_dual(y).tangent for y in (out if program.pair else (out,))]
    derivative = t.forward(**dict(zip(t.inputs, directions))).derivative
    for a, b, y in zip(derivative if program.pair else (derivative,), tangents, ys):
        expected = np.zeros(y.shape) if b is None else b.numpy()
        assert same(a, expected), ("directional derivative", a, expected)

    for mode in ("reverse", "forward"):
        expected = torch_jacobian(program, xs, mode)
        assert same(t.jacobian(mode), expected), (mode, t.jacobian(mode), expected)


@given(programs(), st.data())
def test_random_array_programs_match_torch(program, data):
    xs = inputs(data.draw, program, WELL_CONDITIONED)
    check_against_torch(program, xs, data.draw(st.integers(0, 2**32 - 1)))


@given(programs(), st.data())
def test_random_array_programs_match_torch_at_domain_edges(program, data):
    xs = inputs(data.draw, program, EDGES)
    check_against_torch(program, xs, data.draw(st.integers(0, 2**32 - 1)))


def test_stack_of_traced_values_and_numbers_in_both_modes():
    """A number stacked with traced values is a constant (a float): its tangent is 0."""
    t = adt.trace(lambda x: adt.stack([x[0], 2.0, x[1] * 3.0]), x=np.array([1.0, 4.0]))
    np.testing.assert_array_equal(t.value, [1.0, 2.0, 12.0])
    np.testing.assert_array_equal(t.forward(x=np.array([1.0, 1.0])).derivative, [1.0, 0.0, 3.0])
    np.testing.assert_array_equal(t.jacobian("forward"), t.jacobian("reverse"))
    np.testing.assert_array_equal(t.jacobian(), [[1.0, 0.0], [0.0, 0.0], [0.0, 3.0]])


# --- the tutorial's vector cells ------------------------------------------------------------

def test_cell_45_sum_of_squares():
    t = adt.trace(lambda x: adt.sum(x**2), x=np.arange(5.0))
    assert t.value == 30.0 and isinstance(t.value, float)
    np.testing.assert_array_equal(t.reverse().gradient["x"], [0.0, 2.0, 4.0, 6.0, 8.0])


def test_cell_46_mean_of_logs():
    x = torch.arange(5.0, dtype=torch.float64).requires_grad_(True)
    y = torch.mean(torch.log(x**2 + 1) + 5 * x)
    y.backward()
    t = adt.trace("mean(ln(x**2 + 1) + 5*x)", x=[0, 1, 2, 3, 4])
    assert math.isclose(t.value, y.item(), rel_tol=1e-12)
    np.testing.assert_allclose(t.reverse().gradient["x"], x.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("text, at", [("x[1:]", {"x": [[1.0, 2.0, 3.0]]}),
                                      ("x[3:]", {"x": [1.0, 2.0, 3.0]}),
                                      ("sum(x[:, 2:], 0)", {"x": [[1.0, 2.0], [3.0, 4.0]]})])
def test_a_node_with_no_elements_is_refused(text, at):
    with pytest.raises(TraceError, match="no elements"):
        adt.trace(text, **at)
