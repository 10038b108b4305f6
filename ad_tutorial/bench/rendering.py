"""Benchmark 5: rendering every figure against a plain script of the tutorial's 14.

Both run as whole processes into a fresh directory, so both pay for importing
torch and matplotlib. ad_tutorial draws many more figures; the goal is that it
takes at most 1.5× the plain script's time anyway.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from .core import Goal, Runner, Section, row
from .startup import wall_times


def run(runner: Runner) -> Section:
    section = Section("figures", "Figures: every registered figure against the tutorial's "
                      "14, whole processes", ratio="time / plain script")
    runs = 1 if runner.quick else 3
    with tempfile.TemporaryDirectory() as tmp:
        ours_dir, plain_dir = Path(tmp, "ours"), Path(tmp, "plain")
        runner.progress("ad-tutorial figures")
        ours = wall_times([sys.executable, "-m", "ad_tutorial", "figures", "--out",
                           str(ours_dir)], runs)
        runner.progress("plain tutorial script")
        plain = wall_times([sys.executable, "-m", "ad_tutorial.bench.plain_figures",
                            str(plain_dir)], runs)
        files = {name: sum(1 for p in d.rglob("*") if p.is_file() and p.suffix != ".json")
                 for name, d in (("ours", ours_dir), ("plain", plain_dir))}
    section.rows.append(row(f"ad-tutorial figures ({files['ours']} files)", ours, "s", 1.0,
                            min(ours) / min(plain)))
    section.rows.append(row(f"plain script, the tutorial's way ({files['plain']} files)",
                            plain, "s", 1.0, 1.0))
    per_file = {name: min(times) / files[name] for name, times in (("ours", ours),
                                                                   ("plain", plain))}
    why = (f"ad-tutorial figures writes {files['ours']} files and the script {files['plain']} "
           f"files: {per_file['ours']:.3g} s a file against {per_file['plain']:.3g} s")
    section.goals.append(Goal("all figures / plain script (best runs)", min(ours) / min(plain),
                              1.5, at_most=True, why=why))
    section.data = {"files": files}
    return section
