"""Benchmark 1: one gradient of the tutorial's example, by hand and by every torch API.

f(x1, x2) = ln(x1) + x1·x2 − sin(x2) at (2, 5), float64 scalars. The hand-written
engine records the trace and sweeps it; torch builds its graph and runs autograd.
On a graph this small the cost is all bookkeeping, which is the lesson: a
framework's per-operation overhead dominates tiny scalar graphs.
"""

from __future__ import annotations

import math
import statistics
from typing import Callable

import ad_tutorial as adt

from . import bare_tape
from .core import Goal, Runner, Section, row, yardstick_why

AT = (2.0, 5.0)
DIRECTION = (1.0, 0.0)        # ẋ: the derivative along x1, as in the tutorial
GRADIENT_GOAL, DIRECTIONAL_GOAL = 10.0, 8.0     # torch's time / the engine's


def seed(x1, x2):
    """The tutorial's example, written once for the hand-written engine."""
    return adt.ln(x1) + x1 * x2 - adt.sin(x2)


def _torch_contenders() -> tuple[dict[str, Callable], dict[str, Callable]]:
    """Each torch API in its best form: inputs made once, every forward_ad input dual."""
    import torch
    import torch.autograd.forward_ad as fwad
    from torch.func import grad, jvp

    def f(x1, x2):
        return torch.log(x1) + x1 * x2 - torch.sin(x2)

    def tensor(x):
        return torch.tensor(x, dtype=torch.float64)

    leaves = [tensor(x).requires_grad_() for x in AT]
    primals = tuple(map(tensor, AT))
    tangents = tuple(map(tensor, DIRECTION))

    def backward():
        for x in leaves:
            x.grad = None
        f(*leaves).backward()
        return tuple(x.grad for x in leaves)

    def autograd_grad():
        return torch.autograd.grad(f(*leaves), leaves)

    def forward_ad():
        with fwad.dual_level():
            y = f(*[fwad.make_dual(p, t) for p, t in zip(primals, tangents)])
            return fwad.unpack_dual(y).tangent

    func_grad = grad(f, argnums=(0, 1))
    gradient = {
        "torch.autograd: backward()": backward,
        "torch.autograd.grad": autograd_grad,
        "torch.func.grad": lambda: func_grad(*primals),
    }
    directional = {
        "torch.autograd.forward_ad": forward_ad,
        "torch.func.jvp": lambda: jvp(f, primals, tangents)[1],
    }
    return gradient, directional


def _floats(result) -> tuple[float, ...]:
    """Each contender's answer in its own form (a dict, tuple or tensor) as floats."""
    if isinstance(result, dict):
        result = list(result.values())
    if isinstance(result, (tuple, list)):
        return tuple(float(r) for r in result)
    return (float(result),)


def run(runner: Runner) -> Section:
    section = Section("gradient", "One gradient of ln(x1) + x1·x2 − sin(x2) at (2, 5), "
                      "float64", ratio="time / hand-written")
    x1, x2 = AT
    by_hand = {
        "hand-written: trace + adjoint sweep": lambda: adt.trace(seed, *AT).reverse().gradient,
        "hand-written: the same, inputs by keyword":
            lambda: adt.trace(seed, x1=x1, x2=x2).reverse().gradient,
        "hand-written: trace + tangent sweep":
            lambda: adt.trace(seed, *AT).forward(x1=DIRECTION[0], x2=DIRECTION[1]).derivative,
    }
    yardstick = {
        "bare tape (yardstick): record + adjoint sweep":
            lambda: bare_tape.gradient(bare_tape.seed, *AT),
        "bare tape (yardstick): record + tangent sweep":
            lambda: bare_tape.directional_derivative(bare_tape.seed, AT, DIRECTION),
    }
    torch_gradient, torch_directional = _torch_contenders()
    gradient_contenders = {**torch_gradient, "bare tape": yardstick[
        "bare tape (yardstick): record + adjoint sweep"]}
    directional_contenders = {**torch_directional, "bare tape": yardstick[
        "bare tape (yardstick): record + tangent sweep"]}

    # The numbers must agree before anything is timed.
    gradient = _floats(by_hand["hand-written: trace + adjoint sweep"]())
    derivative = _floats(by_hand["hand-written: trace + tangent sweep"]())
    gradient_contenders["hand-written, keywords"] = by_hand[
        "hand-written: the same, inputs by keyword"]
    results = {"gradient": {}, "directional derivative": {}}
    for kind, mine, theirs in (("gradient", gradient, gradient_contenders),
                               ("directional derivative", derivative, directional_contenders)):
        results[kind]["hand-written"] = list(mine)
        for name, fn in theirs.items():
            got = _floats(fn())
            if not all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(got, mine)):
                raise AssertionError(f"{name} gives {got}, the hand-written engine {mine}")
            results[kind][name] = list(got)
    section.data = results

    times = {label: runner.time(label, fn) for label, fn in
             [*by_hand.items(), *yardstick.items(), *torch_gradient.items(),
              *torch_directional.items()]}
    median = {label: statistics.median(samples) for label, samples in times.items()}
    reference = {**{k: k for k in by_hand},
                 "hand-written: the same, inputs by keyword": "hand-written: trace + adjoint sweep",
                 **{k: k.replace("bare tape (yardstick): record", "hand-written: trace")
                    for k in yardstick},
                 **{k: "hand-written: trace + adjoint sweep" for k in torch_gradient},
                 **{k: "hand-written: trace + tangent sweep" for k in torch_directional}}
    for label, samples in times.items():
        section.rows.append(row(label, samples, ratio=median[label] / median[reference[label]]))

    autograd = min(median["torch.autograd: backward()"], median["torch.autograd.grad"])
    adjoint, tangent = (median["hand-written: trace + adjoint sweep"],
                        median["hand-written: trace + tangent sweep"])
    bare_adjoint, bare_tangent = (median[f"bare tape (yardstick): record + {sweep} sweep"]
                                  for sweep in ("adjoint", "tangent"))
    section.goals = [
        Goal("gradient: torch.autograd / hand-written adjoint", autograd / adjoint,
             GRADIENT_GOAL, at_most=False,
             why=yardstick_why(GRADIENT_GOAL, autograd, adjoint, bare_adjoint,
                               bare_name="the bare tape", their_name="torch.autograd")),
        Goal("directional derivative: forward_ad / hand-written tangent",
             median["torch.autograd.forward_ad"] / tangent, DIRECTIONAL_GOAL, at_most=False,
             why=yardstick_why(DIRECTIONAL_GOAL, median["torch.autograd.forward_ad"], tangent,
                               bare_tangent, bare_name="the bare tape",
                               their_name="forward_ad")),
        Goal("gradient: inputs by keyword / by position",
             median["hand-written: the same, inputs by keyword"]
             / median["hand-written: trace + adjoint sweep"], 1.1, at_most=True),
    ]
    section.notes.append("torch in its best form: inputs made once, every forward_ad input "
                         "dual; the hand-written engine records its trace on every call, "
                         "adt.trace(seed, 2.0, 5.0) (or x1=2.0, x2=5.0, the README's form)")
    section.notes.append("the bare tape (bench/bare_tape.py) is the least a trace can be: no "
                         "input names, constants, dead nodes, IEEE special cases or views; "
                         "it shows what the engine's bookkeeping costs")
    return section
