"""How a trace and the results of its sweeps show themselves: as the tutorial's tables."""

from __future__ import annotations


class ShownAsTables:
    """Prints as the tutorial's tables; displays as HTML tables in Jupyter."""

    def __str__(self) -> str:
        from .tables import render
        return render(self, "text")

    def _repr_html_(self) -> str:
        from .tables import render
        return render(self, "html")
