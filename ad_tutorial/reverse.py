"""Reverse mode: the adjoint sweep.

Every value gets an adjoint v̄_i = ∂y/∂v_i. Starting from ȳ = 1 and walking the
trace backwards, each node passes v̄_i · ∂v_i/∂v_j to each of its arguments v_j,
which add up what they receive. One sweep gives the whole gradient of f: Rⁿ → R
(one row of the Jacobian per sweep, hence m sweeps for f: Rⁿ → Rᵐ).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, NamedTuple

from .trace import ShownAsTables, Trace


class Step(NamedTuple):
    """One contribution, as written in the table: v̄_j = v̄_j + v̄_i · ∂v_i/∂v_j."""

    node: int            # j, whose adjoint grows
    source: int          # i, whose adjoint is passed back (-1 for the seed ȳ)
    partial: float       # ∂v_i/∂v_j
    contribution: float  # v̄_i · ∂v_i/∂v_j
    adjoint: float       # v̄_j after adding it
    first: bool          # the first contribution to v̄_j (written "=", not "+=")


@dataclass(frozen=True, eq=False)
class Adjoint(ShownAsTables):
    """The adjoint trace of one sweep: v̄_i = ∂y/∂v_i for every node."""

    trace: Trace
    seed: float
    adjoints: list[float]

    @property
    def gradient(self) -> dict[str, float]:
        """∂y/∂x for each input x: the adjoints of v_{1−n} … v_0."""
        return dict(zip(self.trace.inputs, self.adjoints))

    def steps(self) -> Iterator[Step]:
        """The sweep replayed with every contribution written down, in the order made.

        This is Baydin et al.'s reverse-mode table. It is derived here, for display,
        so the sweep itself stays a lean loop.
        """
        t, n = self.trace, len(self.trace)
        running: list[float | None] = [None] * n
        running[t.output] = self.seed
        yield Step(t.output, -1, 1.0, self.seed, self.seed, True)
        for i in range(n - 1, len(t.inputs) - 1, -1):
            for j, d in zip(t.args[i], t.partials(i)):
                if j < n:
                    c = self.adjoints[i] * d
                    first = running[j] is None
                    running[j] = c if first else running[j] + c
                    yield Step(j, i, d, c, running[j], first)

    def __repr__(self) -> str:
        return f"<Adjoint of {self.trace.expression}: gradient {self.gradient}>"


def adjoint_sweep(trace: Trace, seed: float = 1.0) -> Adjoint:
    """One reverse sweep: v̄_j += v̄_i · ∂v_i/∂v_j for i = k … 1, from ȳ = seed."""
    n, args, partials = len(trace), trace.args, trace.local_partials
    # Constants' slots collect contributions too; nobody reads them. This keeps
    # the loop free of tests.
    adjoints = [0.0] * len(trace.values)
    adjoints[trace.output] = float(seed)
    for i in range(n - 1, len(trace.inputs) - 1, -1):
        g = adjoints[i]
        for j, d in zip(args[i], partials[i]):
            adjoints[j] += g * d
    del adjoints[n:]
    return Adjoint(trace, float(seed), adjoints)
