"""Forward mode: the tangent sweep.

Choose a direction ẋ in input space and let every value carry its tangent
v̇_i = dv_i/dt along x(t) = x + tẋ. Each primitive's tangent follows from its
arguments' by the chain rule, v̇_i = Σ_j ∂v_i/∂v_j · v̇_j, so one sweep, in trace
order, gives the directional derivative ẏ = ∇f · ẋ: one column of the Jacobian
per sweep, hence n sweeps for the whole gradient of f: Rⁿ → R.

On arrays the sum is a Jacobian–vector product: an elementwise primitive multiplies
each argument's tangent by its partials, broadcast as the values were; the others
(sum, @, indexing …) apply their own JVP rule. Every tangent then carries one leading
axis of directions, so that one sweep can carry many (vector mode, see jacobian.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .arrays import along, lift, np
from .results import SweepResult, plain

if TYPE_CHECKING:
    from .trace import Trace


class Tangent(SweepResult):
    """The tangent trace of one sweep: v̇_i for every node, in the direction `seed`."""

    __slots__ = ()

    @property
    def tangents(self) -> list[Any]:
        """v̇_i for every node, numbered as the trace's tables number them."""
        return self.numbered()

    @property
    def derivative(self) -> Any:
        """ẏ, the derivative of f in the direction of the seed: y's shape (a float for a
        float y; a tuple for several outputs)."""
        t = self.trace
        if not t.several:
            return plain(self.computed[t.results[0]])
        return tuple([plain(self.computed[r]) for r in t.results])

    def __repr__(self) -> str:
        return f"<Tangent of {self.trace.expression} along {self.seed}: ẏ = {self.derivative!r}>"


def tangent_sweep(trace: Trace, direction: dict[str, Any]) -> Tangent:
    """One forward sweep in the direction ẋ (one value per input, of its shape)."""
    if not trace.arrays:
        return Tangent(trace, direction, tangents(trace, list(direction.values())))
    batch = array_tangents(trace, [d[None] for d in direction.values()])
    return Tangent(trace, direction, [t[0] for t in batch])


def tangents(trace: Trace, seeds: list[Any], only_outputs: bool = False) -> list[Any]:
    """The tangent sweep over a trace of floats: v̇_i = Σ_j ∂v_i/∂v_j · v̇_j for i = 1 … k,
    from v̇ of the inputs = the seeds (floats; or vectors, one element per direction).

    With `only_outputs` (vector mode wants ẏ alone) a node's tangent is dropped (None)
    once its last user has read it: a sweep of long vectors then holds only the tangents
    still needed, not one per node.
    """
    nodes = trace.computed
    ops, args, values, partials = nodes.ops, nodes.args, nodes.values, nodes.partials
    n = len(ops)
    # Constants have no tangent at all (None): their terms are left out, not added as 0,
    # which would turn a −0 into +0, as torch does not.
    dots = [*seeds, *[0.0] * (n - len(seeds)), *[None] * (len(values) - n)]
    users = _users(trace) if only_outputs else None
    for i in range(len(seeds), n):
        a, d = args[i], partials[i]
        if ops[i].tangent is not None:          # torch's own formula (see the primitive)
            dots[i] = ops[i].tangent(*[dots[j] for j in a], *[values[j] for j in a],
                                     values[i])
        elif len(a) == 1 or a[1] >= n:          # one argument, or a constant second
            dots[i] = dots[a[0]] * d[0]
        elif a[0] >= n:                         # a constant first
            dots[i] = dots[a[1]] * d[1]
        else:                                   # (a partial of exactly 1, as +'s, passes
            p, q = d                            # a tangent on as it is: v̇ · 1 is v̇)
            dots[i] = (dots[a[0]] if p == 1.0 else dots[a[0]] * p) + \
                (dots[a[1]] if q == 1.0 else dots[a[1]] * q)
        if users is not None:
            _forget(dots, users, a)
    del dots[n:]
    return dots


def _users(trace: Trace) -> list[int]:
    """For every slot, how many nodes read it; one more for an output, which stays."""
    users = [0] * len(trace.computed.values)
    for a in trace.computed.args:
        for j in a:
            users[j] += 1
    for r in trace.results:
        users[r] += 1
    return users


def _forget(dots: list[Any], users: list[int], args: tuple[int, ...]) -> None:
    """A node has read its arguments' tangents: drop those that no later node reads."""
    for j in args:
        users[j] -= 1
        if not users[j] and j < len(dots):       # (an array sweep keeps no constants' slots)
            dots[j] = None


def array_tangents(trace: Trace, seeds: list[Any], only_outputs: bool = False) -> list[Any]:
    """The tangent sweep over a trace of arrays, each tangent of shape (k, *node's shape):
    from the seeds of the inputs, each node's JVP in trace order (with `only_outputs`,
    dropping each tangent after its last use, as :func:`tangents` does)."""
    nodes = trace.computed
    ops, args, values = nodes.ops, nodes.args, nodes.values
    n = len(ops)
    dots: list[Any] = [*seeds, *[None] * (n - len(seeds))]
    users = _users(trace) if only_outputs else None
    with np.errstate(all="ignore"):
        for i in range(len(seeds), n):
            op, out = ops[i], values[i]
            ts = [dots[j] if j < n else None for j in args[i]]   # a constant has none
            if not op.elementwise:
                t = op.jvp(ts, [values[j] for j in args[i]], out, *nodes.parameters[i])
            elif op.tangent is not None:        # torch's own formula (see the primitive)
                t = op.tangent(*[None if t is None else lift(t, out.ndim) for t in ts],
                               *[values[j] for j in args[i]], out)
            else:
                terms = [lift(t, out.ndim) * d for t, d in zip(ts, nodes.partials[i])
                         if t is not None]
                t = terms[0] if len(terms) == 1 else terms[0] + terms[1]
            dots[i] = along(t, out.shape)
            if users is not None:
                _forget(dots, users, args[i])
    return dots
