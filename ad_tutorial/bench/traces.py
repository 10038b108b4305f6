"""Benchmark 2: the cheap-gradient principle on big random traces.

Reverse mode promises the whole gradient for a small constant multiple of the cost
of evaluating f. Measured per node on traces of 10⁴ to 10⁶ nodes: recording,
re-evaluating (the primal sweep), one tangent sweep and one adjoint sweep, the
memory a trace keeps, and the same graph run through torch.autograd.
"""

from __future__ import annotations

import gc
import math
import operator
import random
import statistics
import tracemalloc
from typing import Any, Callable

import ad_tutorial as adt

from .core import Goal, Runner, Section, row

UNARY = (adt.sin, adt.cos, adt.tanh, adt.sigmoid)   # bounded: values stay in [−1, 1]
BINARY = (operator.add, operator.sub, operator.mul)
INPUTS = {"x1": 0.5, "x2": -0.25, "x3": 0.75, "x4": 0.125}
SIZES, QUICK_SIZES = (10_000, 100_000, 1_000_000), (1_000, 10_000)
TORCH_MAX = 100_000          # torch needs ~20 µs and far more memory per scalar node


def random_plan(size: int, seed: int = 0) -> list[tuple[Callable, int]]:
    """size − 4 steps (function, j): unary and binary primitives in turn, each on the
    previous value (so every node reaches the output) and, if binary, on an earlier
    bounded value v[j] (an input or a unary result), so every value stays finite."""
    rng = random.Random(seed)
    plan = []
    for k in range(len(INPUTS), size):
        if (k - len(INPUTS)) % 2 == 0:
            plan.append((rng.choice(UNARY), -1))
        else:
            j = rng.randrange(k)
            if j >= len(INPUTS) and (j - len(INPUTS)) % 2 == 1:
                j -= 1                       # a binary result: take the unary one before it
            plan.append((rng.choice(BINARY), j))
    return plan


def run_plan(plan: list[tuple[Callable, int]], *xs: Any) -> Any:
    """Run the plan on any kind of values: floats, traced values or tensors."""
    v = list(xs)
    for op, j in plan:
        v.append(op(v[-1]) if j < 0 else op(v[-1], v[j]))
    return v[-1]


def random_function(size: int, seed: int = 0) -> Callable[..., Any]:
    """A function of x1 … x4 whose trace has `size` nodes, written with ad_tutorial's functions."""
    plan = random_plan(size, seed)

    def f(x1, x2, x3, x4):
        return run_plan(plan, x1, x2, x3, x4)
    return f


def trace_bytes(f: Callable[..., Any]) -> tuple[adt.Trace, int]:
    """Record f's trace and return it with the bytes it keeps allocated (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        t = adt.trace(f, **INPUTS)
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return t, kept


def _torch_timings(runner: Runner, plan, size: int) -> tuple[list[float], list[float], dict]:
    """The same graph in torch: seconds for the forward pass and for backward()."""
    import torch
    to_torch = {adt.sin: torch.sin, adt.cos: torch.cos, adt.tanh: torch.tanh,
                adt.sigmoid: torch.sigmoid}
    torch_plan = [(to_torch.get(op, op), j) for op, j in plan]
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in INPUTS.values()]
    forward = runner.time(f"{size:,} nodes: torch forward", lambda: run_plan(torch_plan, *leaves))

    runner.progress(f"{size:,} nodes: torch backward")
    backward = []
    for _ in range(runner.repeats):          # each backward needs a fresh graph
        y = run_plan(torch_plan, *leaves)
        start = runner.clock()
        grads = torch.autograd.grad(y, leaves)
        backward.append(runner.clock() - start)
    return forward, backward, dict(zip(INPUTS, map(float, grads)))


def run(runner: Runner) -> Section:
    section = Section("traces", "Big random traces: µs per node, the sweeps against the "
                      "primal", ratio="time / primal sweep")
    sizes = QUICK_SIZES if runner.quick else SIZES
    for size in sizes:
        f = random_function(size)
        runner.progress(f"{size:,} nodes: memory")
        t, kept = trace_bytes(f)
        assert len(t) == size and all(map(math.isfinite, t.computed.values)), "a bad random trace"
        gradient = t.reverse().gradient
        derivative = t.forward(**INPUTS).derivative      # along ẋ = x: Σ ∂f/∂xi · xi
        label = f"{size:,} nodes:"

        samples = {
            "record": runner.time(f"{label} record", lambda: adt.trace(f, **INPUTS)),
            "evaluate (primal sweep)": runner.time(f"{label} evaluate",
                                                   lambda: t.evaluate(x1=0.5)),
            "tangent sweep": runner.time(f"{label} tangent sweep",
                                         lambda: t.forward(**INPUTS)),
            "adjoint sweep": runner.time(f"{label} adjoint sweep", t.reverse),
        }
        primal = statistics.median(samples["evaluate (primal sweep)"])
        for what, s in samples.items():
            section.rows.append(row(f"{label} {what}", s, "µs/node", 1e6 / size,
                                    statistics.median(s) / primal))
        per_node = kept / size
        section.rows.append(row(f"{label} memory of the trace", [per_node], "B/node", 1.0))
        data = {"gradient": gradient, "derivative along x": derivative,
                "bytes per node": per_node}

        if size <= TORCH_MAX:
            forward, backward, torch_gradient = _torch_timings(runner, random_plan(size), size)
            torch_forward = statistics.median(forward)
            section.rows.append(row(f"{label} torch forward", forward, "µs/node", 1e6 / size,
                                    torch_forward / primal))
            section.rows.append(row(f"{label} torch backward", backward, "µs/node", 1e6 / size,
                                    statistics.median(backward) / primal))
            data["torch gradient"] = torch_gradient
        section.data[str(size)] = data

        for what in ("adjoint sweep", "tangent sweep"):
            section.goals.append(Goal(f"{label} {what} / primal",
                                      statistics.median(samples[what]) / primal, 1.5,
                                      at_most=True))
        section.goals.append(Goal(f"{label} bytes per node", per_node, 250, at_most=True))
    if not runner.quick:
        section.notes.append(f"torch runs the same graph up to {TORCH_MAX:,} nodes only")
    return section
