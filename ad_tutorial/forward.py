"""Forward mode: the tangent sweep.

Choose a direction ẋ in input space and let every value carry its tangent
v̇_i = dv_i/dt along x(t) = x + tẋ. Each primitive's tangent follows from its
arguments' by the chain rule, v̇_i = Σ_j ∂v_i/∂v_j · v̇_j, so one sweep, in trace
order, gives the directional derivative ẏ = ∇f · ẋ: one column of the Jacobian
per sweep, hence n sweeps for the whole gradient of f: Rⁿ → R.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .primitives import MASKED_ZERO
from .results import SweepResult

if TYPE_CHECKING:
    from .trace import Trace


class Tangent(SweepResult):
    """The tangent trace of one sweep: v̇_i for every node, in the direction `seed`."""

    __slots__ = ()

    @property
    def tangents(self) -> list[float]:
        """v̇_i for every node, numbered as the trace's tables number them."""
        return self.numbered()

    @property
    def derivative(self) -> float:
        """ẏ, the derivative of f in the direction of the seed."""
        return self.computed[self.trace.result]

    def __repr__(self) -> str:
        return f"<Tangent of {self.trace.expression} along {self.seed}: ẏ = {self.derivative!r}>"


def tangent_sweep(trace: Trace, direction: dict[str, float]) -> Tangent:
    """One forward sweep: v̇_i = Σ_j ∂v_i/∂v_j · v̇_j for i = 1 … k, from v̇ of the inputs = ẋ."""
    nodes = trace.computed
    ops, args, values, partials = nodes.ops, nodes.args, nodes.values, nodes.partials
    n = len(ops)
    # Constants have no tangent at all: a masked zero, so even 0·inf adds nothing.
    tangents = [*direction.values(), *[0.0] * (n - len(direction)),
                *[MASKED_ZERO] * (len(values) - n)]
    for i in range(len(direction), n):
        a, d = args[i], partials[i]
        if ops[i].tangent is not None:          # torch's own formula (see the primitive)
            tangents[i] = ops[i].tangent(*[tangents[j] for j in a], *[values[j] for j in a],
                                         values[i])
        elif len(a) == 1:                       # a primitive has one or two arguments
            tangents[i] = tangents[a[0]] * d[0]
        else:
            tangents[i] = tangents[a[0]] * d[0] + tangents[a[1]] * d[1]
    del tangents[n:]
    return Tangent(trace, direction, tangents)
