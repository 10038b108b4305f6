"""The benchmarks by name, and running a selection of them in order."""

from __future__ import annotations

from typing import Callable

from . import arrays, gradient, jacobian, network, rendering, second, startup, traces
from .core import Runner, Section

BENCHMARKS: dict[str, Callable[[Runner], Section]] = {
    "gradient": gradient.run,
    "traces": traces.run,
    "jacobian": jacobian.run,
    "arrays": arrays.run,
    "network": network.run,
    "startup": startup.run,
    "figures": rendering.run,
    "second": second.run,
}


def run(names: list[str] | None = None, quick: bool = False,
        progress: Callable[[int, str, str], None] | None = None) -> list[Section]:
    """Run the named benchmarks (all by default) and return their results in order.

    torch runs on one thread meanwhile, as the hand-written engine does: timings count
    this process's CPU time, and idle OpenMP workers spinning on a second core would
    count too (torch.func.jacfwd at n = 300 read 40 ms of CPU time for 0.7 ms of wall).
    """
    import torch

    names = names or list(BENCHMARKS)
    sections = []
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for k, name in enumerate(names, 1):
            def step(text: str, k: int = k, name: str = name) -> None:
                if progress:
                    progress(k, name, text)
            sections.append(BENCHMARKS[name](Runner(quick, step)))
    finally:
        torch.set_num_threads(threads)
    return sections
