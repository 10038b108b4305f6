"""A small neural network, trained twice: by the hand-written adjoint sweep and by torch.autograd.

A classifier 2 → 16 → 16 → 1 on two interleaved half-moons: two hidden layers
h = tanh(x W + b) and an output p = σ(h W₃ + b₃), the probability that a point belongs
to the lower moon. It learns by gradient descent on the binary cross-entropy

    loss = −mean(y ln p + (1 − y) ln(1 − p)),

written with ad_tutorial's functions, so one definition runs on every engine: traced
on numpy arrays, the hand-written engine records it and its adjoint sweep gives the
gradient; on torch tensors, torch.autograd does. Both run in float64 and make the same
operations in the same order, so their losses agree at every step to the last few bits
(micrograd's lesson, on arrays, checked against torch).

The lesson ``network``, the figures ``network-*`` and the ``network`` benchmark share
what is here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, NamedTuple

from . import functions as adt
from .trace import trace

if TYPE_CHECKING:
    import numpy as np

#: The sizes of the layers: 2 inputs (a point), two hidden layers of 16, 1 output.
LAYERS = (2, 16, 16, 1)
POINTS, NOISE, SEED = 200, 0.1, 0
#: A large step, and stable: at 1.0 the descent passes through a stretch where it
#: amplifies the rounding of each step some 10⁷-fold (so the two engines, which round
#: matrix products differently in the last bit, drift apart to 1e-8); at 2.0 a change
#: in the last bit of the initial weights moves no loss by more than about 1e-14.
STEPS, LEARNING_RATE = 100, 2.0
ENGINES = ("handwritten", "torch")

Weights = dict[str, Any]            # W1, b1, W2, b2, W3, b3: numpy arrays, or torch tensors


def moons(points: int = POINTS, noise: float = NOISE, seed: int = SEED
          ) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half-moons: `points` points (half on each) with Gaussian noise of
    standard deviation `noise`, as an array (points, 2), and their labels as a column
    (points, 1): 0 for the upper moon, 1 for the lower one. Seeded, so always the same."""
    import numpy as np

    rng = np.random.default_rng(seed)
    half = points // 2
    angle = rng.uniform(0.0, np.pi, points)
    upper = np.stack([np.cos(angle[:half]), np.sin(angle[:half])], axis=1)
    lower = np.stack([1.0 - np.cos(angle[half:]), 0.5 - np.sin(angle[half:])], axis=1)
    xy = np.concatenate([upper, lower]) + rng.normal(0.0, noise, (points, 2))
    labels = (np.arange(points) >= half).astype(np.float64)[:, None]
    return xy, labels


def initial_weights(seed: int = SEED) -> Weights:
    """The weights before training: each W_k drawn from N(0, 1/fan-in) (so every layer
    starts with inputs of about the same size), each bias b_k zero. Seeded."""
    import numpy as np

    rng = np.random.default_rng(seed)
    weights = {}
    for k, (fan_in, fan_out) in enumerate(zip(LAYERS, LAYERS[1:]), 1):
        weights[f"W{k}"] = rng.normal(0.0, 1.0 / np.sqrt(fan_in), (fan_in, fan_out))
        weights[f"b{k}"] = np.zeros(fan_out)
    return weights


def probability(points: Any, W1: Any, b1: Any, W2: Any, b2: Any, W3: Any, b3: Any) -> Any:
    """p = σ(tanh(tanh(x W1 + b1) W2 + b2) W3 + b3): for each point (a row of x), the
    probability the network gives to label 1. Each bias is added to every row (broadcast)."""
    hidden = adt.tanh(points @ W1 + b1)
    hidden = adt.tanh(hidden @ W2 + b2)
    return adt.sigmoid(hidden @ W3 + b3)


def cross_entropy(p: Any, labels: Any) -> Any:
    """The binary cross-entropy −mean(y ln p + (1 − y) ln(1 − p)) of probabilities p
    against labels y of 0 and 1: small when p is near y for every point."""
    return -adt.mean(labels * adt.ln(p) + (1 - labels) * adt.ln(1 - p))


def loss_of(points: Any, labels: Any) -> Callable[..., Any]:
    """The loss as a function of the weights alone, the data held fixed: traced with
    numpy data, or handed to torch with tensor data."""
    def loss(W1: Any, b1: Any, W2: Any, b2: Any, W3: Any, b3: Any) -> Any:
        return cross_entropy(probability(points, W1, b1, W2, b2, W3, b3), labels)
    return loss


def step(loss: Callable[..., Any], weights: Weights, learning_rate: float
         ) -> tuple[Weights, float]:
    """One step of gradient descent by hand: trace the loss at the weights (the forward
    pass), one adjoint sweep for its gradient, and w ← w − η ∂loss/∂w. Returns the new
    weights and the loss before the step."""
    t = trace(loss, **weights)
    gradient = t.reverse().gradient
    return {name: w - learning_rate * gradient[name] for name, w in weights.items()}, t.value


def torch_step(loss: Callable[..., Any], weights: Weights, learning_rate: float) -> float:
    """The same step with torch: `backward()` fills each weight's `.grad`, which updates it
    in place (not recorded) and is then cleared. Returns the loss before the step."""
    import torch

    value = loss(**weights)
    value.backward()
    with torch.no_grad():
        for w in weights.values():
            w -= learning_rate * w.grad
            w.grad = None
    return value.item()


class Training(NamedTuple):
    """What a training run gives: the loss at each step (before its update), and the
    weights after the last step (numpy arrays)."""

    losses: list[float]
    weights: Weights


def train(engine: str = "handwritten", steps: int = STEPS,
          learning_rate: float = LEARNING_RATE, seed: int = SEED) -> Training:
    """Train the network on :func:`moons` from :func:`initial_weights` (both seeded by
    `seed`) for `steps` steps of gradient descent, the gradient from `engine`:
    ``"handwritten"`` (this package's adjoint sweep) or ``"torch"`` (torch.autograd).

    torch trains on one thread, as the hand-written engine does: arrays this small gain
    nothing from more, and on a busy machine its threads wait for each other (measured
    here on 2 busy cores: 160 ms a step on two threads, 1.4 ms on one)."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    points, labels = moons(seed=seed)
    weights = initial_weights(seed)
    losses = []
    if engine == "handwritten":
        loss = loss_of(points, labels)
        for _ in range(steps):
            weights, value = step(loss, weights, learning_rate)
            losses.append(value)
        return Training(losses, weights)
    import torch

    loss = loss_of(torch.from_numpy(points), torch.from_numpy(labels))
    tensors = {name: torch.tensor(w, requires_grad=True) for name, w in weights.items()}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)        # see below
    try:
        losses = [torch_step(loss, tensors, learning_rate) for _ in range(steps)]
    finally:
        torch.set_num_threads(threads)
    return Training(losses, {name: w.detach().numpy() for name, w in tensors.items()})


def accuracy(weights: Weights, points: Any, labels: Any) -> float:
    """The fraction of points the network puts on the right side (p > 1/2 for label 1)."""
    p = probability(points, **weights)
    return float(((p > 0.5) == (labels > 0.5)).mean())


__all__ = ["ENGINES", "LAYERS", "LEARNING_RATE", "STEPS", "Training", "accuracy",
           "cross_entropy", "initial_weights", "loss_of", "moons", "probability", "step",
           "torch_step", "train"]
