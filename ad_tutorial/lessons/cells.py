"""The lesson format: an ordered list of cells, each code + a one-line explanation + a check.

A cell runs like a notebook cell: its statements run in the lesson's namespace and
the value of a final expression is displayed. What it shows (printed text, then the
display) is compared with the text the lesson claims, and an optional check tests a
further claim on the lesson's variables, so a lesson that stops being true fails.

A cell that plots with pyplot draws off screen here (matplotlib's Agg backend, unless
MPLBACKEND chooses another), and shows one line, :data:`PLOT`, per figure it leaves open,
then closes it; in the notebook, Jupyter draws the same figures inline.

Only the project's own lesson source is ever executed here, never user input.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import sys
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Callable, Iterator

from ..results import Shown

WIDTH = 79   # IPython's line width for displaying a tuple
PLOT = "[a plot: the notebook of this lesson draws it]"


@dataclass(frozen=True)
class Cell:
    """One step of a lesson.

    `shows` is exactly what the cell prints with today's torch on a CPU. A cell that
    uses a GPU when there is one gives the output with a GPU in `on_gpu` (the
    tutorial's). `tutorial` keeps what the tutorial printed (torch 1.8.1) where that
    differs, and the explanation then says why. `check` receives the lesson's
    variables (the cell's displayed value as `out`) and says whether the claim holds.
    """

    code: str
    says: str
    shows: str | None = None
    check: Callable[[SimpleNamespace], bool] | None = None
    on_gpu: str | None = None
    tutorial: str | None = None
    section: str | None = None       # starts a new section with this title

    def __post_init__(self) -> None:
        if self.shows is None and self.check is None:
            raise ValueError(f"a cell must claim something: {self.code!r}")
        if "\n" in self.says:
            raise ValueError(f"a cell's explanation is one line: {self.says!r}")

    @property
    def uses_gpu(self) -> bool:
        return self.on_gpu is not None


@dataclass(frozen=True)
class Lesson:
    """A named, ordered list of cells; `about` is its one-line description."""

    name: str
    title: str
    about: str
    cells: tuple[Cell, ...]
    sources: str = ""                # which part of the tutorial it covers

    def run(self) -> Iterator[Outcome]:
        """Run the cells in order in one fresh namespace, checking each claim."""
        namespace: dict[str, Any] = {"__name__": f"lesson_{self.name.replace('-', '_')}"}
        for number, cell in enumerate(self.cells, 1):
            _off_screen(cell.code)
            before = _open_plots()
            printed, value, error = execute(cell.code, namespace, f"<{self.name} cell {number}>")
            plots = [n for n in _open_plots() if n not in before]
            gpu = _gpu_available() if cell.uses_gpu else None
            text = printed + display(value, error) + f"{PLOT}\n" * len(plots)
            problem = _problem(cell, namespace, text, value, error, gpu)
            _close_plots(plots)             # after the check, which may look at them
            yield Outcome(cell, number, text, printed, value, problem, gpu, len(plots))


@dataclass(frozen=True)
class Outcome:
    """A cell after running: what it printed, its value, and what (if anything) is wrong."""

    cell: Cell
    number: int
    text: str                # what it shows: the printed text, then the displayed value
    printed: str
    value: Any
    problem: str | None
    gpu: bool | None         # whether a GPU was used (None: the cell does not use one)
    plots: int = 0           # how many pyplot figures it drew


def execute(code: str, namespace: dict[str, Any],
            filename: str) -> tuple[str, Any, BaseException | None]:
    """Run a cell as Jupyter does: statements, then the final expression's value.

    Returns (printed text, value of the last expression or None, exception or None).
    """
    tree = ast.parse(code, filename)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    out, value, error = io.StringIO(), None, None
    with contextlib.redirect_stdout(out):
        try:
            exec(compile(tree, filename, "exec"), namespace)
            if last is not None:
                value = eval(compile(ast.Expression(last.value), filename, "eval"), namespace)
        except Exception as e:      # a lesson shows the message, never a traceback
            error = e
    return out.getvalue(), value, error


def display(value: Any, error: BaseException | None = None) -> str:
    """The text Jupyter displays for a value (IPython's layout for a flat tuple or list).

    A tuple or list too long for one line, or holding multi-line items, is shown
    one item per line, continuation lines indented by one space.
    """
    if error is not None:
        return f"{type(error).__name__}: {error}\n"
    if value is None:
        return ""
    if is_graph(value):
        return "[a graph: the notebook of this lesson draws it]\n"
    if isinstance(value, Shown):            # a trace or a sweep: IPython shows its tables
        return str(value) + "\n"
    if type(value) not in (tuple, list) or not value:
        return repr(value) + "\n"
    opening, closing = ("(", ")") if type(value) is tuple else ("[", "]")
    if type(value) is tuple and len(value) == 1:
        closing = ",)"
    parts = [repr(v) for v in value]
    line = opening + ", ".join(parts) + closing
    if "\n" in line or len(line) > WIDTH:
        line = opening + ",\n ".join(p.replace("\n", "\n ") for p in parts) + closing
    return line + "\n"


def is_graph(value: Any) -> bool:
    """A graphviz graph (e.g. from torchviz's make_dot), which a notebook draws."""
    return hasattr(value, "source") and hasattr(value, "pipe")


def _problem(cell: Cell, namespace: dict[str, Any], text: str, value: Any,
             error: BaseException | None, gpu: bool | None) -> str | None:
    """Why the cell's claim does not hold, or None when it does."""
    if error is not None:
        return f"raised {type(error).__name__}: {error}"
    expected = cell.on_gpu if gpu else cell.shows
    if expected is not None and text.rstrip("\n") != expected.rstrip("\n"):
        return f"shows\n{text.rstrip()}\ninstead of\n{expected.rstrip()}"
    if cell.check is not None:
        variables = SimpleNamespace(**{k: v for k, v in namespace.items()
                                       if not k.startswith("__")}, out=value)
        try:
            holds = cell.check(variables)
        except Exception as e:
            return f"its check raised {type(e).__name__}: {e}"
        if not holds:
            return "its check does not hold"
    return None


def _off_screen(code: str) -> None:
    """Before a cell that uses matplotlib: pyplot draws with Agg (no window, and plt.show()
    returns at once) unless pyplot is already in use or MPLBACKEND names a backend."""
    if ("matplotlib" in code and "matplotlib.pyplot" not in sys.modules
            and not os.environ.get("MPLBACKEND")):
        import matplotlib
        matplotlib.use("agg")


def _open_plots() -> list[int]:
    """The numbers of pyplot's open figures (none while pyplot is not imported)."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    return pyplot.get_fignums() if pyplot is not None else []


def _close_plots(numbers: list[int]) -> None:
    if numbers:
        pyplot = sys.modules["matplotlib.pyplot"]
        for number in numbers:
            pyplot.close(number)


def _gpu_available() -> bool:
    import torch
    return torch.cuda.is_available()
