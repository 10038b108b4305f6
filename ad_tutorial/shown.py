"""How a trace and the results of its sweeps show themselves: as the tutorial's tables,
with the nodes in the textbook numbering."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .trace import Trace


class ShownAsTables:
    """Prints as the tutorial's tables; displays as HTML tables in Jupyter."""

    __slots__ = ()

    def __str__(self) -> str:
        from .tables import render
        return render(self, "text")

    def _repr_html_(self) -> str:
        from .tables import render
        return render(self, "html")


class SweepResult(ShownAsTables):
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
