"""Forward mode: the tangent sweep.

Choose a direction ẋ in input space and let every value carry its tangent
v̇_i = dv_i/dt along x(t) = x + tẋ. Each primitive's tangent follows from its
arguments' by the chain rule, v̇_i = Σ_j ∂v_i/∂v_j · v̇_j, so one sweep, in trace
order, gives the directional derivative ẏ = ∇f · ẋ: one column of the Jacobian
per sweep, hence n sweeps for the whole gradient of f: Rⁿ → R.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import mul

from .primitives import MASKED_ZERO
from .trace import ShownAsTables, Trace, TraceError


@dataclass(frozen=True, eq=False)
class Tangent(ShownAsTables):
    """The tangent trace of one sweep: v̇_i for every node, in the direction `seed`."""

    trace: Trace
    seed: dict[str, float]
    tangents: list[float]

    @property
    def derivative(self) -> float:
        """ẏ, the derivative of f in the direction of the seed."""
        return self.tangents[self.trace.output]

    def __repr__(self) -> str:
        return f"<Tangent of {self.trace.expression} along {self.seed}: ẏ = {self.derivative!r}>"


def seed_direction(trace: Trace, seed: dict[str, float]) -> dict[str, float]:
    """The full direction ẋ: the given components, 0 elsewhere; (1, 0, …, 0) if none."""
    if not seed:
        seed = {trace.inputs[0]: 1.0}
    unknown = set(seed) - set(trace.inputs)
    if unknown:
        raise TraceError(f"cannot seed {sorted(unknown)[0]!r}: the inputs are "
                         + ", ".join(trace.inputs))
    return {name: float(seed.get(name, 0.0)) for name in trace.inputs}


def tangent_sweep(trace: Trace, seed: dict[str, float]) -> Tangent:
    """One forward sweep: v̇_i = Σ_j ∂v_i/∂v_j · v̇_j for i = 1 … k, in trace order."""
    direction = seed_direction(trace, seed)
    n, ops, args, partials = len(trace), trace.ops, trace.args, trace.local_partials
    # Constants have no tangent at all: a masked zero, so even 0·inf adds nothing.
    tangents = [*direction.values(), *[0.0] * (n - len(direction)),
                *[MASKED_ZERO] * (len(trace.values) - n)]
    for i in range(len(direction), n):
        dxs = [tangents[j] for j in args[i]]
        if ops[i].tangent is None:
            tangents[i] = sum(map(mul, dxs, partials[i]))
        else:                           # torch's own formula (see the primitive)
            values = trace.values
            tangents[i] = ops[i].tangent(*dxs, *[values[j] for j in args[i]], values[i])
    del tangents[n:]
    return Tangent(trace, direction, tangents)
