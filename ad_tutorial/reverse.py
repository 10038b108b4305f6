"""Reverse mode: the adjoint sweep.

Every value gets an adjoint v̄_i = ∂y/∂v_i. Starting from ȳ = 1 and walking the
trace backwards, each node passes v̄_i · ∂v_i/∂v_j to each of its arguments v_j,
which add up what they receive. One sweep gives the whole gradient of f: Rⁿ → R
(one row of the Jacobian per sweep, hence m sweeps for f: Rⁿ → Rᵐ).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, NamedTuple

from .results import SweepResult

if TYPE_CHECKING:
    from .trace import Trace


class Step(NamedTuple):
    """One contribution, as written in the table: v̄_j = v̄_j + v̄_i · ∂v_i/∂v_j."""

    node: int            # j, whose adjoint grows
    source: int          # i, whose adjoint is passed back (-1 for the seed ȳ)
    partial: float       # ∂v_i/∂v_j
    contribution: float  # v̄_i · ∂v_i/∂v_j
    adjoint: float       # v̄_j after adding it
    first: bool          # the first contribution to v̄_j (written "=", not "+=")


class Adjoint(SweepResult):
    """The adjoint trace of one sweep: v̄_i = ∂y/∂v_i for every node."""

    __slots__ = ()

    @property
    def adjoints(self) -> list[float]:
        """v̄_i for every node, numbered as the trace's tables number them."""
        return self.numbered()

    @property
    def gradient(self) -> dict[str, float]:
        """∂y/∂x for each input x: the adjoints of v_{1−n} … v_0."""
        return dict(zip(self.trace.inputs, self.computed))

    def steps(self) -> Iterator[Step]:
        """The sweep written down contribution by contribution, in the textbook's order.

        This is Baydin et al.'s reverse-mode table: from the last node numbered back
        to the first. The sweep itself runs backwards through the order computed, a
        lean loop; where a value has three or more consumers, the two orders may add
        its contributions differently, and so differ in the last bit of the sum.
        """
        t, n = self.trace, len(self.trace)
        running: list[float | None] = [None] * n
        running[t.output] = self.seed
        yield Step(t.output, -1, 1.0, self.seed, self.seed, True)
        adjoints = self.adjoints
        for i in range(n - 1, len(t.inputs) - 1, -1):
            for j, d in zip(t.args[i], t.partials(i)):
                if j < n:
                    c = adjoints[i] * d
                    first = running[j] is None
                    running[j] = c if first else running[j] + c
                    yield Step(j, i, d, c, running[j], first)

    def __repr__(self) -> str:
        return f"<Adjoint of {self.trace.expression}: gradient {self.gradient}>"


# The adjoint of a node that nothing was passed back to: a zero of its own, told apart
# by identity (a sum that came to 0.0 is a new float).
_UNREACHED = float("0")


def adjoint_sweep(trace: Trace, seed: float = 1.0) -> Adjoint:
    """One reverse sweep: v̄_j += v̄_i · ∂v_i/∂v_j for i = k … 1, from ȳ = seed.

    A node y does not depend on (f computed it, then ignored it) receives nothing and
    passes nothing on: 0 · ∂v_i/∂v_j would be nan where that partial is infinite.
    """
    nodes = trace.computed
    args, partials = nodes.args, nodes.partials
    # Constants' slots collect contributions too; nobody reads them, and the loop
    # need not ask which arguments are nodes.
    adjoints = [_UNREACHED] * len(nodes.values)
    adjoints[trace.result] = seed = float(seed)
    for i in range(trace.result, len(trace.inputs) - 1, -1):
        g, a, d = adjoints[i], args[i], partials[i]
        if g is _UNREACHED:
            continue
        adjoints[a[0]] += g * d[0]
        if len(a) == 2:                       # a primitive has one or two arguments
            adjoints[a[1]] += g * d[1]
    del adjoints[len(args):]
    return Adjoint(trace, seed, adjoints)
