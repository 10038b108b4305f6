"""Benchmark 4: how fast the command line starts, against merely importing torch.

Whole processes, best of several runs: a student's `ad-tutorial trace` should feel
instant, which it can only be if tracing never imports torch, matplotlib or graphviz.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from ..expression import SEED_EXAMPLE
from .core import Goal, Runner, Section, row

SEED, AT = SEED_EXAMPLE
HEAVY = ("torch", "matplotlib", "graphviz", "torchviz", "numpy")
PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


CLI = [sys.executable, "-m", "ad_tutorial", "trace", SEED, "--at",
       *(f"{x}={v:g}" for x, v in AT.items())]
API = [sys.executable, "-c", "import ad_tutorial; "
       f"t = ad_tutorial.trace({SEED!r}, **{AT!r}); "
       "print(t.value, t.forward().derivative, t.reverse().gradient)"]


def trace_command() -> list[str]:
    """`ad-tutorial trace SEED --at x1=2 x2=5` as a process (python -m runs the same main()).

    Where this copy has no working trace command yet, the same work through the Python API.
    """
    done = subprocess.run(CLI, env=_environment(), capture_output=True)
    return CLI if done.returncode == 0 else API


def _environment() -> dict[str, str]:
    """This process's environment, with this copy of ad_tutorial first on the path."""
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": PACKAGE_ROOT + (os.pathsep + path if path else "")}


def wall_times(command: list[str], runs: int) -> list[float]:
    """Wall-clock seconds of `runs` complete runs of command; it must succeed."""
    env, seconds = _environment(), []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        seconds.append(time.perf_counter() - start)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
            raise RuntimeError(f"{' '.join(command[:4])} … failed: {last}")
    return seconds


def heavy_imports(command: list[str]) -> list[str]:
    """The heavy packages a command imports, read from python -X importtime."""
    done = subprocess.run([command[0], "-X", "importtime", *command[1:]], env=_environment(),
                          capture_output=True, text=True, check=True)
    names = {line.rsplit("|", 1)[-1].strip().split(".")[0]
             for line in done.stderr.splitlines() if line.startswith("import time:")}
    return sorted(names.intersection(HEAVY))


def run(runner: Runner) -> Section:
    section = Section("startup", "Start-up: whole processes, best of several runs",
                      ratio="time / import torch")
    runs = 3 if runner.quick else 10
    command = trace_command()
    runner.progress("ad-tutorial trace")
    ours = wall_times(command, runs)
    runner.progress("python -c 'import torch'")
    torch = wall_times([sys.executable, "-c", "import torch"], runs)
    label = ("ad-tutorial trace (seed example)" if "trace" in command
             else "python -c 'ad_tutorial.trace(seed example)'")
    section.rows.append(row(label, ours, "ms", 1e3, min(ours) / min(torch)))
    section.rows.append(row("python -c 'import torch'", torch, "ms", 1e3, 1.0))
    section.goals.append(Goal("trace start-up / import torch (best runs)",
                              min(ours) / min(torch), 0.15, at_most=True))
    heavy = heavy_imports(command)
    section.data = {"command": command, "heavy imports": heavy}
    section.notes.append("ratios compare the best runs; heavy packages imported by trace: "
                         + (", ".join(heavy) or "none"))
    return section
