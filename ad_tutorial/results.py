"""What a trace and its sweeps are as Python objects: plain numbers, and a way to be shown.

The mathematics does not know how it is printed. A result asks the *renderer* that the
views layer registered (:mod:`ad_tutorial.tables` does, when it is imported; the package
imports it) for its tables: ``str(result)`` for the terminal, HTML in Jupyter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, ClassVar

from .arrays import np

if TYPE_CHECKING:
    from .trace import Trace


def plain(v: Any) -> Any:
    """A value as users see it: a float for a float or a 0-d array, else the array."""
    return v if type(v) is float or np.ndim(v) else float(v)


class Shown:
    """Prints as the tutorial's tables; displays as HTML tables in Jupyter (and as the
    same text where a front end cannot show HTML)."""

    __slots__ = ()
    #: render(result, format) -> text, registered by the views layer.
    renderer: ClassVar[Callable[[Any, str], str] | None] = None

    def __str__(self) -> str:
        return repr(self) if Shown.renderer is None else Shown.renderer(self, "text")

    def _repr_html_(self) -> str | None:
        return None if Shown.renderer is None else Shown.renderer(self, "html")

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython's plain-text display, beside the HTML one: the tables, as print shows them."""
        printer.text(str(self))

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # IPython looks for _repr_pretty_ class by class along the MRO, and takes a class's
        # own __repr__ (Trace has one) before a base class's _repr_pretty_.
        super().__init_subclass__(**kwargs)
        cls._repr_pretty_ = Shown._repr_pretty_


class SweepResult(Shown):
    """The numbers of one sweep, one per node of `trace`: ``computed`` in the order the
    trace computed its nodes, where the sweep runs; renumbered when a view asks."""

    __slots__ = ("trace", "seed", "computed", "_numbered")

    def __init__(self, trace: Trace, seed: Any, computed: list[float]) -> None:
        self.trace, self.seed, self.computed = trace, seed, computed
        self._numbered: list[float] | None = None

    def numbered(self) -> list[float]:
        """The same numbers in the textbook numbering, as the trace's tables number nodes."""
        if self._numbered is None:
            self._numbered = self.trace.in_textbook_order(self.computed)
        return self._numbered
