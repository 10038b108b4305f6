"""Benchmark: the engine on arrays, against torch.

1. The tutorial's two vector cells (45 and 46), ``y = sum(x**2)`` and
   ``y = mean(ln(x**2 + 1) + 5*x)`` at x = (0, 1, 2, 3, 4): trace, adjoint sweep and
   gradient, called as a Python function and as the README's expression string,
   against torch's ``y.backward()`` on the same float64 tensor, and beside a bare numpy
   tape (bench/bare_array_tape.py) that measures what the engine's bookkeeping costs.
2. A whole Jacobian in vector mode: f(x) = sum(ln(x**2 + 1) + 5*x) for x in R¹⁰⁰⁰,
   traced once and swept once backwards with 1 seed (``t.jacobian()``), against
   ``torch.func.jacrev``; forward vector mode (1000 tangent directions in one sweep)
   for comparison.
"""

from __future__ import annotations

import math
import statistics
from typing import Any, Callable

import ad_tutorial as adt

from . import bare_array_tape
from .core import Goal, Runner, Section, row, yardstick_why

AT = [0, 1, 2, 3, 4]
#: Each cell as the README's expression string and as a Python function.
CELLS = {
    "cell 45": ("sum(x**2)", lambda x: adt.sum(x**2)),
    "cell 46": ("mean(ln(x**2 + 1) + 5*x)", lambda x: adt.mean(adt.ln(x**2 + 1) + 5 * x)),
}
SIZE, QUICK_SIZE = 1000, 100
CELL_GOAL, JACOBIAN_GOAL = 3.0, 1.0
BARE = "bare numpy tape (yardstick)"


def jacobian_f(x: Any) -> Any:
    """f: Rⁿ → R written with arrays, for the Jacobian: sum(ln(x**2 + 1) + 5*x)."""
    return adt.sum(adt.ln(x**2 + 1) + 5 * x)


def _torch_cells() -> dict[str, Callable[[Any], Any]]:
    """The cells as the tutorial writes them for torch."""
    import torch

    return {"cell 45": lambda x: torch.sum(x**2),
            "cell 46": lambda x: torch.mean(torch.log(x**2 + 1) + 5 * x)}


def _cell_contenders(cell: str, text: str, f: Callable[[Any], Any],
                     torch_f: Callable[[Any], Any]) -> dict[str, Callable[[], Any]]:
    """A cell by hand, in both forms users call, by torch on a tensor made once, and on
    the bare tape."""
    import numpy as np
    import torch

    x = np.array(AT, dtype=np.float64)
    leaf = torch.tensor(AT, dtype=torch.float64, requires_grad=True)

    def backward():
        leaf.grad = None
        torch_f(leaf).backward()
        return leaf.grad

    return {"hand-written, function": lambda: adt.trace(f, x=x).reverse().gradient["x"],
            "hand-written, expression": lambda: adt.trace(text, x=AT).reverse().gradient["x"],
            "torch: y.backward()": backward,
            BARE: lambda: bare_array_tape.gradient(bare_array_tape.CELLS[cell], x)}


def _jacobian_point(n: int) -> Any:
    """Where the Jacobian is taken: x_k = 0.3 + k/n."""
    import numpy as np

    return 0.3 + np.arange(1, n + 1) / n


def _jacobian_contenders(n: int) -> dict[str, Callable[[], Any]]:
    import torch
    from torch.func import jacrev

    x = _jacobian_point(n)
    xt = torch.tensor(x)

    def f(x):
        return torch.sum(torch.log(x**2 + 1) + 5 * x)

    return {"hand-written, 1 adjoint sweep": lambda: adt.trace(jacobian_f, x=x).jacobian(),
            "hand-written, 1 sweep of n tangents":
                lambda: adt.trace(jacobian_f, x=x).jacobian(mode="forward"),
            "torch.func.jacrev": lambda: jacrev(f)(xt)}


def _as_list(result: Any) -> list[float]:
    return [float(v) for v in (result.reshape(-1).tolist() if hasattr(result, "reshape")
                               else result)]


def run(runner: Runner) -> Section:
    section = Section("arrays", "The engine on arrays: the tutorial's cells 45 and 46, and a "
                      "Jacobian in vector mode", ratio="time / hand-written")
    data: dict[str, Any] = {}
    torch_cells = _torch_cells()
    for cell, (text, f) in CELLS.items():
        contenders = _cell_contenders(cell, text, f, torch_cells[cell])
        answers = {name: _as_list(fn()) for name, fn in contenders.items()}
        theirs = answers["torch: y.backward()"]
        for name, got in answers.items():           # agree before timing
            if not all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(got, theirs, strict=True)):
                raise AssertionError(f"{cell}, {name}: gradient {got}, torch's {theirs}")
        data[cell] = {"expression": text, "gradients": answers}
        times = runner.time_all(contenders, cell)
        medians = {name: statistics.median(samples) for name, samples in times.items()}
        reference = medians["hand-written, function"]
        for name, samples in times.items():
            section.rows.append(row(f"{cell}: {name}", samples, ratio=medians[name] / reference))
        torch_time = medians["torch: y.backward()"]
        for form in ("function", "expression"):
            ours = medians[f"hand-written, {form}"]
            section.goals.append(Goal(f"{cell}: torch backward() / hand-written ({form})",
                                      torch_time / ours, CELL_GOAL, at_most=False,
                                      why=yardstick_why(CELL_GOAL, torch_time, ours, medians[BARE],
                                                        bare_name="a bare numpy tape",
                                                        their_name="torch")))

    n = QUICK_SIZE if runner.quick else SIZE
    contenders = _jacobian_contenders(n)
    exact = [2 * v / (v * v + 1) + 5 for v in _jacobian_point(n).tolist()]     # on paper
    for name, fn in contenders.items():
        got = _as_list(fn())
        if not all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(got, exact, strict=True)):
            raise AssertionError(f"the Jacobian by {name} is wrong")
    times = runner.time_all(contenders, f"Jacobian, n = {n}")
    medians = {name: statistics.median(samples) for name, samples in times.items()}
    reverse = medians["hand-written, 1 adjoint sweep"]
    for name, samples in times.items():
        section.rows.append(row(f"Jacobian, n = {n}: {name}", samples, "ms", 1e3,
                                medians[name] / reverse))
    section.goals.append(Goal(f"Jacobian, n = {n}: hand-written reverse / torch.func.jacrev",
                              reverse / medians["torch.func.jacrev"], JACOBIAN_GOAL,
                              at_most=True))
    data["jacobian"] = {"n": n, "medians (s)": medians}
    section.data = data
    section.notes.append("cell 45: y = sum(x**2), cell 46: y = mean(ln(x**2 + 1) + 5*x) at "
                         "x = (0, 1, 2, 3, 4), float64; trace + adjoint sweep + gradient, "
                         "as adt.trace(f, x=x) and adt.trace(\"…\", x=[0, 1, 2, 3, 4]), "
                         "recorded (and parsed) anew on every call as torch builds its graph "
                         "anew; torch's tensor is made once")
    section.notes.append("the bare numpy tape (bench/bare_array_tape.py) is the least an array "
                         "trace can be: the same numpy arithmetic, with no input names, shapes, "
                         "constants, checks or views; it shows what the engine's bookkeeping "
                         "costs")
    section.notes.append(f"Jacobian: f(x) = sum(ln(x**2 + 1) + 5*x), x in R^{n}, traced "
                         "anew on every call")
    return section
