"""Benchmark: one training step of the network, by hand and with torch.

The lesson's network (2 → 16 → 16 → 1 on 200 points, :mod:`ad_tutorial.network`): one
step of gradient descent is the forward pass, one adjoint sweep and the update of the
six weight arrays. By hand, the forward pass records the trace; torch's builds its
graph. Both on one thread, in float64.
"""

from __future__ import annotations

import math
import statistics
from typing import Any, Callable

from .. import network
from ..trace import trace
from .core import Goal, Runner, Section, row

GOAL = 1.5


def _contenders() -> dict[str, Callable[[], Any]]:
    """Each engine's training step, and its parts. A timed step is one of the lesson's:
    both trainings start again from the initial weights every STEPS steps."""
    import torch

    points, labels = network.moons()
    initial = network.initial_weights()
    loss = network.loss_of(points, labels)
    torch_loss = network.loss_of(torch.from_numpy(points), torch.from_numpy(labels))
    tensors = {name: torch.tensor(w, requires_grad=True) for name, w in initial.items()}
    traced = trace(loss, **initial)
    hand = {"weights": initial, "step": 0}
    steps = {"step": 0}

    def hand_step() -> float:
        if hand["step"] % network.STEPS == 0:
            hand["weights"] = initial
        hand["step"] += 1
        hand["weights"], value = network.step(loss, hand["weights"], network.LEARNING_RATE)
        return value

    def torch_step() -> float:
        if steps["step"] % network.STEPS == 0:
            with torch.no_grad():
                for name, w in tensors.items():
                    w.copy_(torch.from_numpy(initial[name]))
        steps["step"] += 1
        return network.torch_step(torch_loss, tensors, network.LEARNING_RATE)

    def torch_backward() -> None:
        torch_loss(**tensors).backward()
        for w in tensors.values():
            w.grad = None

    return {
        "hand-written: one step": hand_step,
        "hand-written: forward (record the trace)": lambda: trace(loss, **initial),
        "hand-written: adjoint sweep and gradient": lambda: traced.reverse().gradient,
        "torch: one step": torch_step,
        "torch: forward (build the graph)": lambda: torch_loss(**tensors),
        "torch: forward and backward()": torch_backward,
    }


def _why(medians: dict[str, float]) -> str:
    """Where the two steps differ, half by half (from the medians, in µs)."""
    forward, torch_forward = (medians["hand-written: forward (record the trace)"],
                              medians["torch: forward (build the graph)"])
    backward = medians["hand-written: adjoint sweep and gradient"]
    torch_backward = medians["torch: forward and backward()"] - torch_forward
    return (f"the hand-written forward takes {forward * 1e6:.3g} µs against torch's "
            f"{torch_forward * 1e6:.3g}, its adjoint sweep and gradient {backward * 1e6:.3g} µs "
            f"against torch's backward() {torch_backward * 1e6:.3g}")


def run(runner: Runner) -> Section:
    section = Section("network", "One training step of the network 2 → 16 → 16 → 1 on 200 "
                      "points (forward, adjoint sweep, update), float64",
                      ratio="time / hand-written step")
    contenders = _contenders()
    losses = {name: contenders[name]() for name in ("hand-written: one step", "torch: one step")}
    if not math.isclose(*losses.values(), rel_tol=1e-12):      # agree before timing
        raise AssertionError(f"the steps start from different losses: {losses}")
    section.data = {"loss": losses}
    times = runner.time_all(contenders)
    medians = {name: statistics.median(samples) for name, samples in times.items()}
    reference = medians["hand-written: one step"]
    for name, samples in times.items():
        section.rows.append(row(name, samples, ratio=medians[name] / reference))
    section.goals.append(Goal("training step: torch / hand-written", medians["torch: one step"]
                              / reference, GOAL, at_most=False, why=_why(medians)))
    section.notes.append("a step is the lesson's: by hand w − η·∂loss/∂w from one adjoint "
                         "sweep; torch's loss.backward(), then w -= η·w.grad under no_grad and "
                         "the grads cleared; both trainings restart every "
                         f"{network.STEPS} steps")
    return section
