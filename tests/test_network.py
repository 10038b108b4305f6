"""The network trained both ways: data, weights, loss and gradient against torch's own
layers, the two trainings step by step, and the figures drawn from them."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import ad_tutorial as adt
from ad_tutorial import network
from ad_tutorial.network_plots import plot_boundary, plot_losses

RTOL = 1e-9


def torch_loss(weights: dict, points: np.ndarray, labels: np.ndarray) -> torch.Tensor:
    """The same network written with torch's own layers and loss, not with adt's functions."""
    functional = torch.nn.functional
    x = torch.from_numpy(points)
    for k in (1, 2):
        x = torch.tanh(functional.linear(x, weights[f"W{k}"].T, weights[f"b{k}"]))
    p = torch.sigmoid(functional.linear(x, weights["W3"].T, weights["b3"]))
    return functional.binary_cross_entropy(p, torch.from_numpy(labels))


def leaves(weights: dict) -> dict[str, torch.Tensor]:
    return {name: torch.tensor(w, requires_grad=True) for name, w in weights.items()}


@pytest.fixture(scope="module")
def trainings() -> dict[str, network.Training]:
    return {engine: network.train(engine) for engine in network.ENGINES}


# --- data and weights ---------------------------------------------------------------------

def test_moons_are_two_seeded_half_circles():
    points, labels = network.moons()
    assert points.shape == (200, 2) and labels.shape == (200, 1)
    assert points.dtype == labels.dtype == np.float64
    assert labels.sum() == 100 and set(labels[:, 0]) == {0.0, 1.0}
    again, _ = network.moons()
    assert np.array_equal(points, again)                               # seeded
    assert not np.array_equal(points, network.moons(seed=1)[0])
    # each point lies near its half circle of radius 1: around (0, 0) or (1, 0.5)
    centres = np.where(labels == 0, [0.0, 0.0], [1.0, 0.5])
    radius = np.linalg.norm(points - centres, axis=1)
    assert abs(np.median(radius) - 1) < 0.05 and radius.max() < 1.5
    assert np.mean(points[labels[:, 0] == 0, 1] > 0) > 0.9            # the upper moon is up


def test_initial_weights_follow_the_layers():
    weights = network.initial_weights()
    assert list(weights) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert [w.shape for w in weights.values()] == [(2, 16), (16,), (16, 16), (16,), (16, 1), (1,)]
    assert all(not w.any() for name, w in weights.items() if name.startswith("b"))
    assert np.array_equal(weights["W2"], network.initial_weights()["W2"])
    assert 0.1 < weights["W2"].std() < 0.4                             # about 1/√16


# --- the loss and its gradient, against torch's layers ------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_loss_and_gradient_are_torchs(seed):
    points, labels = network.moons(seed=seed)
    weights = network.initial_weights(seed)
    t = adt.trace(network.loss_of(points, labels), **weights)
    tensors = leaves(weights)
    theirs = torch_loss(tensors, points, labels)
    assert math.isclose(t.value, theirs.item(), rel_tol=RTOL)
    assert math.isclose(network.loss_of(points, labels)(**weights), theirs.item(), rel_tol=RTOL)
    gradient = t.reverse().gradient
    expected = torch.autograd.grad(theirs, list(tensors.values()))
    assert list(gradient) == list(tensors)
    for (name, mine), g in zip(gradient.items(), expected):
        assert mine.shape == g.shape
        np.testing.assert_allclose(mine, g.numpy(), rtol=RTOL, atol=RTOL * abs(g).max().item())


def test_the_loss_runs_on_torch_tensors_too():
    points, labels = network.moons()
    weights = network.initial_weights()
    loss = network.loss_of(torch.from_numpy(points), torch.from_numpy(labels))
    assert math.isclose(loss(**leaves(weights)).item(),
                        torch_loss(leaves(weights), points, labels).item(), rel_tol=RTOL)


def test_one_step_is_w_minus_rate_times_torchs_gradient():
    points, labels = network.moons()
    weights = network.initial_weights()
    new, value = network.step(network.loss_of(points, labels), weights, 0.5)
    tensors = leaves(weights)
    loss = torch_loss(tensors, points, labels)
    loss.backward()
    assert math.isclose(value, loss.item(), rel_tol=RTOL)
    for name, w in tensors.items():
        np.testing.assert_allclose(new[name], (w - 0.5 * w.grad).detach().numpy(), rtol=RTOL)
        assert not np.array_equal(new[name], weights[name])          # every weight moved
    # and torch_step makes the same step in place
    tensors = leaves(weights)
    torch_loss_fn = network.loss_of(torch.from_numpy(points), torch.from_numpy(labels))
    assert math.isclose(network.torch_step(torch_loss_fn, tensors, 0.5), value, rel_tol=RTOL)
    for name, w in tensors.items():
        np.testing.assert_allclose(w.detach().numpy(), new[name], rtol=RTOL)
        assert w.grad is None


# --- training, twice ----------------------------------------------------------------------

def test_the_losses_agree_at_every_step(trainings):
    hand, theirs = trainings["handwritten"], trainings["torch"]
    assert len(hand.losses) == len(theirs.losses) == network.STEPS
    for k, (a, b) in enumerate(zip(hand.losses, theirs.losses)):
        assert math.isclose(a, b, rel_tol=RTOL), f"step {k}: {a} by hand, {b} with torch"
    for name in hand.weights:
        np.testing.assert_allclose(hand.weights[name], theirs.weights[name], rtol=RTOL,
                                   atol=RTOL * np.abs(theirs.weights[name]).max())


def test_training_learns_the_moons(trainings):
    losses = trainings["handwritten"].losses
    assert losses[-1] < losses[0] / 10
    points, labels = network.moons()
    assert network.accuracy(trainings["handwritten"].weights, points, labels) == 1.0
    assert network.accuracy(network.initial_weights(), points, labels) < 0.9


def test_the_first_loss_is_the_loss_at_the_initial_weights(trainings):
    points, labels = network.moons()
    first = torch_loss(leaves(network.initial_weights()), points, labels).item()
    assert all(math.isclose(run.losses[0], first, rel_tol=RTOL) for run in trainings.values())


def test_torch_trains_on_one_thread_and_gives_the_threads_back():
    threads = torch.get_num_threads()
    network.train("torch", steps=1)
    assert torch.get_num_threads() == threads


def test_an_unknown_engine_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown engine 'jax'; choose one of handwritten, torch"):
        network.train("jax")


# --- the figures ----------------------------------------------------------------------------

def test_the_loss_figure_draws_both_runs_and_their_difference(trainings):
    hand, theirs = trainings["handwritten"], trainings["torch"]
    fig = plot_losses(hand, theirs, network.LEARNING_RATE)
    top, bottom = fig.axes
    drawn = [line.get_ydata() for line in top.get_lines()]
    assert [list(y) for y in drawn] == [hand.losses, theirs.losses]
    assert [t.get_text() for t in top.get_legend().get_texts()] == [
        "hand-written adjoint sweep", "torch.autograd"]
    ulps = [bar.get_height() for bar in bottom.patches]
    expected = np.abs(np.array(hand.losses) - theirs.losses) / np.spacing(theirs.losses)
    assert ulps == list(expected) and max(ulps) < 1e3


def test_the_boundary_figure_counts_the_points_on_the_right_side(trainings):
    points, labels = network.moons()
    fig = plot_boundary(trainings["handwritten"], points, labels)
    (ax, colorbar) = fig.axes
    assert ax.get_title() == ("2 → 16 → 16 → 1 after 100 steps: 200 of 200 points on the "
                              "right side")
    upper, lower, boundary = ax.get_lines()
    assert np.array_equal(upper.get_xydata(), points[:100])
    assert np.array_equal(lower.get_xydata(), points[100:])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "upper moon (label 0)", "lower moon (label 1)", "decision boundary p = ½"]
