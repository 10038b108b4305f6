"""Benchmark 3: what a full Jacobian costs in each mode, as the shape of f changes.

One tangent sweep gives one column of the Jacobian, one adjoint sweep one row. So
f: Rⁿ → R needs n tangent sweeps but one adjoint sweep, and g: R → Rᵐ one tangent
sweep but m adjoint sweeps. Timed for n, m from 1 to 1000, by hand and with
torch.func.jacfwd / jacrev, and drawn on log axes where the modes cross.

Vector mode does the n tangent sweeps of f (or the m adjoint sweeps of g) as one sweep
that carries all n directions (m cotangents) at once, as numpy vectors: the same
arithmetic, without a Python loop of sweeps (``t.jacobian(mode="forward")``,
``t.jacobian()``).
"""

from __future__ import annotations

import functools
import inspect
import math
import operator
import statistics
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

import ad_tutorial as adt

from ..plots import JACOBIAN_MODES, JACOBIAN_SHAPES
from .core import Goal, Runner, Section, row

SIZES, QUICK_SIZES = (1, 3, 10, 30, 100, 300, 1000), (1, 3, 10)
VECTOR_GOAL = 20.0            # n tangent sweeps / one sweep in vector mode, at the largest n
X = 0.3                                   # where g is differentiated; f at x_k = X + k/1000
MODES, SHAPES = JACOBIAN_MODES, JACOBIAN_SHAPES


def _named(body: Callable[..., Any], n: int) -> Callable[..., Any]:
    """body(*xs) as a function of named inputs x1 … xn, which a trace numbers and names."""
    def f(*xs):
        return body(*xs)
    f.__signature__ = inspect.Signature(
        [inspect.Parameter(f"x{k}", inspect.Parameter.POSITIONAL_OR_KEYWORD)
         for k in range(1, n + 1)])
    return f


def _sines(*xs):
    """Σ_k sin(k·x_k), written with ad_tutorial's functions."""
    return functools.reduce(operator.add, (adt.sin(k * x) for k, x in enumerate(xs, 1)))


def _spread_sines(m: int) -> Callable[[Any], Any]:
    """g(x) = (sin(x), sin(2x), …, sin(mx)), traced as one trace with output Σ_k g_k:
    the outputs g_k are its sin nodes."""
    def g(x):
        return functools.reduce(operator.add, (adt.sin(k * x) for k in range(1, m + 1)))
    return g


def _outputs(t: adt.Trace) -> list[int]:
    """The nodes of g's trace that are its outputs g_1 … g_m: the sin nodes, as computed."""
    return [i for i, op in enumerate(t.computed.ops) if op is adt.PRIMITIVES["sin"]]


def trace_f(n: int) -> adt.Trace:
    """The trace of f at x_k = X + k/1000, recorded anew (each contender records its own)."""
    return adt.trace(_named(_sines, n), *[X + k / 1000 for k in range(1, n + 1)])


def jacobian_f_forward(n: int) -> list[float]:
    """∇f by n tangent sweeps, one per input direction."""
    t = trace_f(n)
    return [t.forward(**{name: 1.0}).derivative for name in t.inputs]


def jacobian_f_reverse(n: int) -> list[float]:
    """∇f by one adjoint sweep."""
    t = trace_f(n)
    return list(t.reverse().gradient.values())


def jacobian_f_vector(n: int) -> list[float]:
    """∇f by one tangent sweep in vector mode: all n directions at once."""
    t = trace_f(n)
    return t.jacobian(mode="forward")[0].tolist()


def jacobian_g_forward(m: int) -> list[float]:
    """dg/dx by one tangent sweep: the tangents of the m output nodes."""
    t = adt.trace(_spread_sines(m), X)
    tangents = t.forward(x=1.0).computed
    return [tangents[i] for i in _outputs(t)]


def jacobian_g_reverse(m: int) -> list[float]:
    """dg/dx by m adjoint sweeps, each from one output node."""
    t = adt.trace(_spread_sines(m), X)
    # The same trace read at another output g_k: the sweep starts there, and the nodes
    # g_k does not depend on pass nothing back.
    return [replace(t, results=(i,)).reverse().gradient["x"] for i in _outputs(t)]


def jacobian_g_vector(m: int) -> list[float]:
    """dg/dx by one adjoint sweep in vector mode: g's m outputs (a tuple), all m
    cotangents at once."""
    t = adt.trace(lambda x: tuple(adt.sin(k * x) for k in range(1, m + 1)), X)
    return t.jacobian()[:, 0].tolist()


def _torch_jacobians(size: int) -> dict[str, dict[str, Callable[[], Any]]]:
    """torch.func.jacfwd / jacrev of the same f and g, vectorised as torch code is."""
    import torch
    from torch.func import jacfwd, jacrev

    k = torch.arange(1, size + 1, dtype=torch.float64)
    x = X + k / 1000
    x0 = torch.tensor(X, dtype=torch.float64)

    def f(x):
        return torch.sin(k * x).sum()

    def g(x):
        return torch.sin(k * x)
    return {
        "f: Rⁿ → R": {"torch.func.jacfwd": lambda: jacfwd(f)(x),
                      "torch.func.jacrev": lambda: jacrev(f)(x)},
        "g: R → Rᵐ": {"torch.func.jacfwd": lambda: jacfwd(g)(x0),
                      "torch.func.jacrev": lambda: jacrev(g)(x0)},
    }


def _exact(shape: str, size: int) -> list[float]:
    """The Jacobian on paper: ∂/∂x_k sin(k·x_k) = k·cos(k·x_k); d/dx sin(kx) = k·cos(kx)."""
    if shape == "f: Rⁿ → R":
        return [k * math.cos(k * (X + k / 1000)) for k in range(1, size + 1)]
    return [k * math.cos(k * X) for k in range(1, size + 1)]


def _vector_why(n: int, vector: float, recording: float) -> str:
    """Where the time of one sweep of n tangents goes (times in seconds)."""
    return (f"of the vector mode's {vector * 1e3:.3g} ms, recording the trace takes "
            f"{recording * 1e3:.3g} (the n tangent sweeps record it once too); the sweep, "
            f"{len(trace_f(n)):,} numpy operations on vectors of {n:,}, takes the other "
            f"{(vector - recording) * 1e3:.3g}")


def run(runner: Runner) -> Section:
    section = Section("jacobian", "Full Jacobian: n tangent sweeps against m adjoint sweeps "
                      "(times include recording the trace)", ratio="time / adjoint sweeps")
    by_hand = {"f: Rⁿ → R": (jacobian_f_forward, jacobian_f_reverse, jacobian_f_vector),
               "g: R → Rᵐ": (jacobian_g_forward, jacobian_g_reverse, jacobian_g_vector)}
    sizes = QUICK_SIZES if runner.quick else SIZES
    data = {shape: {"sizes": list(sizes), **{mode: [] for mode in MODES}} for shape in SHAPES}
    for size in sizes:
        torch_jacobians = _torch_jacobians(size)
        for shape, letter in SHAPES.items():
            forward, reverse, vector = by_hand[shape]
            contenders = {"tangent sweeps": functools.partial(forward, size),
                          "adjoint sweeps": functools.partial(reverse, size),
                          "vector mode": functools.partial(vector, size),
                          **torch_jacobians[shape]}
            exact = _exact(shape, size)
            for mode, fn in contenders.items():      # agree before timing
                got = [float(v) for v in _flat(fn())]
                if not all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
                           for a, b in zip(got, exact, strict=True)):
                    raise AssertionError(f"{mode} of {shape} at {letter}={size}: wrong Jacobian")
            times = {mode: runner.time(f"{shape}, {letter} = {size}: {mode}", fn,
                                       repeats=3 if size >= 300 else None)
                     for mode, fn in contenders.items()}
            reference = statistics.median(times["adjoint sweeps"])
            for mode, samples in times.items():
                data[shape][mode].append(statistics.median(samples))
                section.rows.append(row(f"{shape}, {letter} = {size}: {mode}", samples, "ms",
                                        1e3, statistics.median(samples) / reference))
    section.data = data
    f, n = data["f: Rⁿ → R"], sizes[-1]
    label = f"f: Rⁿ → R, n = {n}: recording the trace"
    recording = runner.time(label, functools.partial(trace_f, n), repeats=3)
    section.rows.append(row(label, recording, "ms", 1e3,
                            statistics.median(recording) / f["adjoint sweeps"][-1]))
    section.goals.append(Goal(f"f: Rⁿ → R, n = {n}: n tangent sweeps / one in vector mode",
                              f["tangent sweeps"][-1] / f["vector mode"][-1], VECTOR_GOAL,
                              at_most=False, why=_vector_why(n, f["vector mode"][-1],
                                                             statistics.median(recording))))
    section.notes.append("f(x) = Σ sin(k·x_k) and g(x) = (sin(k·x))_k: the same graph "
                         "turned around; the plot is save_jacobian_cost(section.data, path)")
    section.notes.append("vector mode: for f one tangent sweep of n directions "
                         "(t.jacobian(mode=\"forward\")), for g one adjoint sweep of m "
                         "cotangents (t.jacobian(), g's outputs a tuple)")
    return section


def _flat(result: Any) -> list[Any]:
    """A Jacobian as a flat list, from a list of floats or a torch tensor."""
    return result.reshape(-1).tolist() if hasattr(result, "reshape") else list(result)


def save_jacobian_cost(results: dict[str, dict[str, list[float]]], path: str | Path) -> Path:
    """Draw the Jacobian-cost figure of `results` to path (.svg, .png or .pdf), atomically
    and reproducibly (the figures registry's settings: no dates, fixed SVG ids)."""
    from .. import plots
    from ..atomic import write_bytes
    from ..rendering import render_plot

    path = Path(path)
    write_bytes(path, render_plot(plots.plot_jacobian_cost(results), path.suffix.lstrip(".")))
    return path
