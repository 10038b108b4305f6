"""Benchmark 6: second derivatives, by the second-order adjoint sweep.

* One Hessian–vector product (a tangent sweep, then the adjoint sweep and its tangent)
  over the primal sweep, on the big random traces of benchmark 2 (10⁴ to 10⁶ nodes): the
  textbook bound is a small constant, whatever the number of inputs.
* The memory the second-order sweep keeps (v̇, v̄ and v̄˙ of every node) and needs at its
  peak, per node, beside the trace's own (the first order's).
* The Hessian of the tutorial's example, recording included (one sweep in vector mode),
  against torch.func.hessian made once, its inputs made once.
"""

from __future__ import annotations

import gc
import math
import statistics
import tracemalloc
from typing import Any

import ad_tutorial as adt

from .core import Goal, Runner, Section, row
from .gradient import AT, seed
from .traces import INPUTS, QUICK_SIZES, SIZES, random_function, trace_bytes

HVP_GOAL = 4.0                  # one HVP / the primal sweep, at most
HESSIAN_GOAL = 20.0             # torch.func.hessian / the hand-written Hessian, at least


def sweep_bytes(t: adt.Trace) -> tuple[int, int]:
    """Bytes that one second-order sweep keeps (its result) and needs at its peak, beyond
    the trace (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        result = t.second(**INPUTS)
        gc.collect()
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return kept - base, peak - base


def _torch_hessian() -> tuple[Any, tuple[Any, ...]]:
    """torch.func.hessian of the tutorial's example in its best form: made once."""
    import torch

    def f(x1, x2):
        return torch.log(x1) + x1 * x2 - torch.sin(x2)

    x = tuple(torch.tensor(v, dtype=torch.float64) for v in AT)
    return torch.func.hessian(f, argnums=(0, 1)), x


def _seed_hessian(runner: Runner, section: Section) -> None:
    hessian, x = _torch_hessian()
    mine = adt.trace(seed, *AT).hessian().tolist()
    theirs = [[float(h) for h in row] for row in hessian(*x)]
    if not all(math.isclose(a, b, rel_tol=1e-12) for r, s in zip(mine, theirs)
               for a, b in zip(r, s)):
        raise AssertionError(f"torch.func.hessian gives {theirs}, the hand-written engine {mine}")
    section.data["seed Hessian"] = {"hand-written": mine, "torch.func.hessian": theirs}
    by_hand = runner.time("seed Hessian: hand-written",
                          lambda: adt.trace(seed, *AT).hessian())
    by_torch = runner.time("seed Hessian: torch.func.hessian", lambda: hessian(*x))
    reference = statistics.median(by_hand)
    section.rows.append(row("seed example: trace + Hessian (one sweep, vector mode)", by_hand,
                            "µs", 1e6, 1.0))
    section.rows.append(row("seed example: torch.func.hessian", by_torch, "µs", 1e6,
                            statistics.median(by_torch) / reference))
    section.goals.append(Goal("seed Hessian: torch.func.hessian / hand-written",
                              statistics.median(by_torch) / reference, HESSIAN_GOAL,
                              at_most=False))


def run(runner: Runner) -> Section:
    section = Section("second", "Second derivatives: one HVP against the primal sweep, memory "
                      "per node, the seed Hessian against torch.func.hessian",
                      ratio="time / primal sweep (Hessian: / hand-written)")
    for size in (QUICK_SIZES if runner.quick else SIZES):
        f = random_function(size)
        label = f"{size:,} nodes:"
        runner.progress(f"{label} memory")
        t, trace_kept = trace_bytes(f)
        kept, peak = sweep_bytes(t)
        primal = runner.time(f"{label} evaluate", lambda: t.evaluate(x1=0.5))
        hvp = runner.time(f"{label} one HVP", lambda: t.hvp(**INPUTS))
        reference = statistics.median(primal)
        section.rows.append(row(f"{label} evaluate (primal sweep)", primal, "µs/node",
                                1e6 / size, 1.0))
        section.rows.append(row(f"{label} one HVP (second-order sweep)", hvp, "µs/node",
                                1e6 / size, statistics.median(hvp) / reference))
        for what, n in (("trace (first order)", trace_kept),
                        ("second-order sweep, kept (v̇, v̄, v̄˙)", kept),
                        ("second-order sweep, peak", peak)):
            section.rows.append(row(f"{label} memory: {what}", [n / size], "B/node", 1.0))
        section.goals.append(Goal(f"{label} one HVP / primal", statistics.median(hvp) / reference,
                                  HVP_GOAL, at_most=True))
        section.data[str(size)] = {"hvp": t.hvp(**INPUTS), "bytes per node": {
            "trace": trace_kept / size, "second-order kept": kept / size,
            "second-order peak": peak / size}}
    _seed_hessian(runner, section)
    section.notes.append("an HVP along ẋ = the inputs' values; torch.func.hessian made once, "
                         "its inputs made once; the hand-written Hessian records its trace on "
                         "every call")
    return section
