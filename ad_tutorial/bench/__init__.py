"""Benchmarks: what each mode of differentiation costs, and what ad_tutorial costs.

``ad-tutorial bench`` (or ``python -m ad_tutorial.bench``) runs them side by side:

1. ``gradient``  one gradient of the seed example, by hand and with every torch API;
2. ``traces``    µs per node of recording and of each sweep on big random traces;
3. ``jacobian``  a full Jacobian by tangent sweeps and by adjoint sweeps, n, m = 1 … 1000;
4. ``startup``   ``ad-tutorial trace`` as a process against ``import torch``;
5. ``figures``   rendering every figure against a plain script of the tutorial's 14.
"""

from __future__ import annotations

from typing import Callable

from . import gradient, jacobian, rendering, startup, traces
from .core import Goal, Row, Runner, Section
from .jacobian import plot_jacobian_cost

BENCHMARKS: dict[str, Callable[[Runner], Section]] = {
    "gradient": gradient.run,
    "traces": traces.run,
    "jacobian": jacobian.run,
    "startup": startup.run,
    "figures": rendering.run,
}


def run(names: list[str] | None = None, quick: bool = False,
        progress: Callable[[int, str, str], None] | None = None) -> list[Section]:
    """Run the named benchmarks (all by default) and return their results in order."""
    names = names or list(BENCHMARKS)
    sections = []
    for k, name in enumerate(names, 1):
        def step(text: str, k: int = k, name: str = name) -> None:
            if progress:
                progress(k, name, text)
        sections.append(BENCHMARKS[name](Runner(quick, step)))
    return sections


__all__ = ["BENCHMARKS", "Goal", "Row", "Runner", "Section", "plot_jacobian_cost", "run"]
