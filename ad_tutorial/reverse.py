"""Reverse mode: the adjoint sweep.

Every value gets an adjoint v̄_i = ∂y/∂v_i. Starting from ȳ = 1 and walking the
trace backwards, each node passes v̄_i · ∂v_i/∂v_j to each of its arguments v_j,
which add up what they receive. One sweep gives the whole gradient of f: Rⁿ → R
(one row of the Jacobian per sweep, hence m sweeps for f: Rⁿ → Rᵐ).

On arrays what a node passes back is a vector–Jacobian product: an elementwise
primitive multiplies its adjoint by the partials and sums it back over the axes that
broadcasting added (the adjoint of a broadcast is a sum); the others (sum, @,
indexing …) apply their own VJP rule (the adjoint of a sum is a broadcast).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, NamedTuple

from .arrays import np, unbroadcast
from .results import SweepResult, plain

if TYPE_CHECKING:
    from .tape import Nodes
    from .trace import Trace


class Step(NamedTuple):
    """One contribution, as written in the table: v̄_j = v̄_j + v̄_i · ∂v_i/∂v_j."""

    node: int            # j, whose adjoint grows
    source: int          # i, whose adjoint is passed back (-1 for the seed ȳ)
    partial: Any         # ∂v_i/∂v_j (on arrays: elementwise, or None for a VJP rule)
    contribution: Any    # v̄_i · ∂v_i/∂v_j
    adjoint: Any         # v̄_j after adding it
    first: bool          # the first contribution to v̄_j (written "=", not "+=")


class Adjoint(SweepResult):
    """The adjoint trace of one sweep: v̄_i = ∂y/∂v_i for every node."""

    __slots__ = ()

    @property
    def adjoints(self) -> list[Any]:
        """v̄_i for every node, numbered as the trace's tables number them."""
        return self.numbered()

    @property
    def gradient(self) -> dict[str, Any]:
        """∂y/∂x for each input x: the adjoints of v_{1−n} … v_0 (each of x's shape)."""
        t = self.trace
        return {x: plain(g) for x, g in zip(t.inputs, self.computed)} if t.arrays else \
            dict(zip(t.inputs, self.computed))

    def steps(self) -> Iterator[Step]:
        """The sweep written down contribution by contribution, in the textbook's order.

        This is Baydin et al.'s reverse-mode table: from the last node numbered back
        to the first. The sweep itself runs backwards through the order computed, a
        lean loop; where a value has three or more consumers, the two orders may add
        its contributions differently, and so differ in the last bit of the sum.
        On arrays a step's partial is the local partial of an elementwise primitive
        (None for the others), and its contribution is what the VJP passed back.
        """
        t, n = self.trace, len(self.trace)
        running: list[Any] = [None] * n
        for r, seed in zip(t.outputs, self.seed if t.several else (self.seed,)):
            running[r] = seed if running[r] is None else running[r] + seed
            yield Step(r, -1, 1.0, seed, running[r], True)
        adjoints = self.adjoints
        for i in range(n - 1, len(t.inputs) - 1, -1):
            for k, (j, d) in enumerate(zip(t.args[i], t.partials(i) or [None] * len(t.args[i]))):
                if j < n:
                    first = running[j] is None
                    if not t.arrays:
                        c = adjoints[i] * d
                        running[j] = c if first else running[j] + c
                    else:                       # inf and nan are meant, as in the sweep
                        with np.errstate(all="ignore"):
                            c = contribution(t.numbered, i, k, adjoints[i][None])[0]
                            running[j] = c if first else running[j] + c
                    yield Step(j, i, d, c, running[j], first)

    def __repr__(self) -> str:
        return f"<Adjoint of {self.trace.expression}: gradient {self.gradient}>"


# The adjoint of a node that nothing was passed back to: a zero of its own, told apart
# by identity (a sum that came to 0.0 is a new float).
_UNREACHED = float("0")


def adjoint_sweep(trace: Trace, seeds: tuple[Any, ...]) -> Adjoint:
    """One reverse sweep from ȳ = the seeds (one per output, of its shape)."""
    seed = seeds if trace.several else seeds[0]       # as y is: one, or a tuple
    if not trace.arrays:
        return Adjoint(trace, seed, adjoints(trace, seeds))
    values = trace.computed.values
    batch = array_adjoints(trace, [s[None] for s in seeds])
    return Adjoint(trace, seed, [np.zeros_like(v) if g is None else g[0]
                                 for g, v in zip(batch, values)])


def adjoints(trace: Trace, seeds: tuple[Any, ...]) -> list[Any]:
    """The adjoint sweep over a trace of floats: v̄_j += v̄_i · ∂v_i/∂v_j for i = k … 1,
    from ȳ = the seeds (floats; or vectors, one element per cotangent).

    A node y does not depend on (f computed it, then ignored it) receives nothing and
    passes nothing on: 0 · ∂v_i/∂v_j would be nan where that partial is infinite. A
    node's first contribution is its adjoint, the next ones are added: starting from 0
    would turn a contribution of −0 into +0, as torch does not.
    """
    nodes = trace.computed
    args, partials = nodes.args, nodes.partials
    # Constants' slots collect contributions too; nobody reads them, and the loop
    # need not ask which arguments are nodes.
    bars = [_UNREACHED] * len(nodes.values)
    results = trace.results
    for r, seed in zip(results, seeds):
        bars[r] = seed if bars[r] is _UNREACHED else bars[r] + seed
    for i in range(results[0] if len(results) == 1 else max(results),
                   len(trace.inputs) - 1, -1):
        g = bars[i]
        if g is _UNREACHED:
            continue
        a, d = args[i], partials[i]
        c, j = g * d[0], a[0]                 # a primitive has one or two arguments
        bars[j] = c if bars[j] is _UNREACHED else bars[j] + c
        if len(a) == 2:
            c, j = g * d[1], a[1]
            bars[j] = c if bars[j] is _UNREACHED else bars[j] + c
    del bars[len(args):]
    return bars


def contribution(nodes: Nodes, i: int, k: int, g: Any) -> Any:
    """What node i passes back to its argument k, given its adjoints g (k first): the
    VJP, for an elementwise primitive v̄_i · ∂v_i/∂v_j summed back to v_j's shape
    (a partial of exactly 1, as for +, passes v̄_i on as it is: g · 1 is g)."""
    op, a, values = nodes.ops[i], nodes.args[i], nodes.values
    if op.elementwise:
        d = nodes.partials[i][k]
        return unbroadcast(g if type(d) is float and d == 1.0 else g * d, values[a[k]].shape)
    return op.vjp(g, k, [values[j] for j in a], values[i], *nodes.parameters[i])


def array_adjoints(trace: Trace, seeds: list[Any]) -> list[Any]:
    """The adjoint sweep over a trace of arrays, each adjoint of shape (k, *node's shape):
    from the seeds of the outputs, each node's VJP to each argument, backwards.
    None for a node that received nothing."""
    nodes = trace.computed
    n = len(nodes.ops)
    bars: list[Any] = [None] * n
    for r, seed in zip(trace.results, seeds):
        bars[r] = seed if bars[r] is None else bars[r] + seed
    with np.errstate(all="ignore"):
        for i in range(max(trace.results), len(trace.inputs) - 1, -1):
            g = bars[i]
            if g is None:
                continue
            for k, j in enumerate(nodes.args[i]):
                if j < n:                         # a constant takes no adjoint
                    c = contribution(nodes, i, k, g)
                    bars[j] = c if bars[j] is None else bars[j] + c
    return bars
