"""Instructions per seed gradient, counted by valgrind's callgrind: stable where times are not.

    python ad_tutorial/bench/instructions.py [TREE ...]

For each source tree (a checkout of ad_tutorial; this one by default) the seed example's
gradient runs in both calling forms, ``adt.trace(f, 2.0, 5.0)`` and the README's
``adt.trace(f, x1=2.0, x2=5.0)``, N and N + 10,000 times under callgrind; the difference
of the two counts over 10,000 is what one gradient costs, with start-up and imports
cancelled out. On a shared, loaded machine wall and CPU times move by tens of percent
from run to run; these counts move by less than 0.1 %. To compare with the code before
the array engine::

    git worktree add /tmp/before 0217779
    python ad_tutorial/bench/instructions.py /tmp/before .

Run as a file, not with ``-m``: the tree given decides which ad_tutorial is measured.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

FORMS = ("positional", "keyword")
REPEATS = (1_000, 11_000)


def _gradients(form: str, n: int) -> None:
    """The child: n seed gradients in one calling form, checked first."""
    sys.path.remove(str(Path(__file__).resolve().parent))   # not this folder's modules
    import ad_tutorial as adt

    def seed(x1, x2):
        return adt.ln(x1) + x1 * x2 - adt.sin(x2)

    call = {"positional": lambda: adt.trace(seed, 2.0, 5.0).reverse().gradient,
            "keyword": lambda: adt.trace(seed, x1=2.0, x2=5.0).reverse().gradient}[form]
    assert call() == {"x1": 5.5, "x2": 1.7163378145367738}
    for _ in range(n):
        call()


def count(tree: str, form: str, n: int) -> int:
    """Instructions callgrind counts for a whole child process doing n gradients."""
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
         __file__, "--run", form, str(n)],
        env={**os.environ, "PYTHONPATH": str(Path(tree).resolve())},
        capture_output=True, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", done.stderr).group(1))


def per_gradient(tree: str, form: str) -> float:
    few, many = (count(tree, form, n) for n in REPEATS)
    return (many - few) / (REPEATS[1] - REPEATS[0])


def main(trees: list[str]) -> None:
    print(f"{'tree':30} " + " ".join(f"{form:>12}" for form in FORMS))
    for tree in trees or ["."]:
        print(f"{tree:30} " + " ".join(f"{per_gradient(tree, form):12,.0f}" for form in FORMS))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--run"]:
        _gradients(sys.argv[2], int(sys.argv[3]))
    else:
        main(sys.argv[1:])
