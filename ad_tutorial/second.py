"""Second derivatives: the second-order adjoint sweep (forward over reverse).

Differentiate the adjoint sweep once more, along a direction ẋ (Griewank & Walther,
ch. 5). Every node then carries four numbers: its value v, its tangent v̇ along ẋ, its
adjoint v̄ = ∂y/∂v, and v̄˙, the tangent of v̄ along ẋ. The adjoint sweep's rule
v̄_j += v̄_i · ∂v_i/∂v_j has, by the product rule, the tangent

    v̄˙_j += v̄˙_i · ∂v_i/∂v_j + v̄_i · Σ_k ∂²v_i/∂v_j∂v_k · v̇_k,

the sum over the arguments v_k of v_i. The inputs' v̄˙ are the tangent of the gradient,
∇²f · ẋ: a Hessian–vector product (Pearlmutter's trick). It costs a tangent sweep, then
an adjoint sweep that does about twice the work: a small multiple of evaluating f,
whatever the number n of inputs. The whole Hessian is n such products, one per column;
in vector mode (see jacobian.py) they are one sweep with the identity matrix as ẋ.

The seed ȳ = 1 is a constant: its tangent is nothing at all (not 0, which could meet
an infinite partial), so the sweep starts with v̄ alone. Each primitive's second partials,
and torch's own formula where it computes the tangent of an adjoint otherwise, sit
beside the primitive (primitives.py). On arrays, an elementwise primitive uses them
elementwise and sums back over broadcast axes; the others have the tangent of their VJP:
the VJP again for the linear ones (sum, reshape, x[…]), two cross terms for @.
"""

from __future__ import annotations

import math
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any, Callable, Iterator, NamedTuple

from .arrays import along, lift, np, unbroadcast
from .forward import Tangent, array_tangents, tangents
from .jacobian import _flat, _identity_blocks
from .primitives import Primitive, _plus, _times
from .results import SweepResult, plain
from .reverse import _UNREACHED, Adjoint, contribution
from .tape import TraceError

if TYPE_CHECKING:
    from .tape import Nodes
    from .trace import Trace

Rule = Callable[..., tuple[Any, ...]]     # (g, ġ, xs, ts, out, ȯ, partials) → per argument


class SecondStep(NamedTuple):
    """One contribution, as the table writes it:
    v̄˙_j = v̄˙_j + v̄˙_i · ∂v_i/∂v_j + v̄_i · Σ_k ∂²v_i/∂v_j∂v_k · v̇_k."""

    node: int               # j, whose second-order adjoint grows
    source: int             # i (-1 for the seed ȳ)
    position: int           # v_j is argument `position` of v_i (x*x: 0, then 1; -1: seed)
    partial: Any            # ∂v_i/∂v_j
    second: tuple[Any, ...]  # ∂²v_i/∂v_j∂v_k for each argument k of v_i (None: no term)
    contribution: Any       # its tangent: v̄˙_i·∂v_i/∂v_j + v̄_i·Σ_k ∂²v_i/∂v_j∂v_k·v̇_k
    second_adjoint: Any     # v̄˙_j after adding it
    first: bool             # the first contribution to v̄˙_j (written "=", not "+=")


class SecondAdjoint(SweepResult):
    """One second-order adjoint sweep along ẋ = `seed`: for every node v̇ (``tangent``),
    v̄ (``adjoint``) and v̄˙ (``second_adjoints``); the inputs' v̄˙ are ``hvp`` = H·ẋ.

    ``computed`` keeps None for a node to which nothing was passed back (no tangent at
    all, as the seed's): the tables and steps tell it from a 0 that was computed."""

    __slots__ = ("tangent", "adjoint")

    def __init__(self, trace: Trace, seed: dict[str, Any], tangent: Tangent,
                 adjoint: Adjoint, computed: list[Any]) -> None:
        super().__init__(trace, seed, computed)
        self.tangent, self.adjoint = tangent, adjoint

    def _zero(self, slot: int) -> Any:
        return np.zeros_like(self.trace.values[slot]) if self.trace.arrays else 0.0

    @property
    def second_adjoints(self) -> list[Any]:
        """v̄˙_i for every node, numbered as the trace's tables number them (0 where
        nothing was passed back)."""
        return [self._zero(i) if h is None else h for i, h in enumerate(self.numbered())]

    @property
    def hvp(self) -> dict[str, Any]:
        """H·ẋ: the tangent of ∂y/∂x for each input x (each of x's shape, as ``gradient``)."""
        return {x: self._zero(k) if h is None else plain(h) if self.trace.arrays else h
                for k, (x, h) in enumerate(zip(self.trace.inputs, self.computed))}

    @property
    def gradient(self) -> dict[str, Any]:
        """∂y/∂x, from the same sweep."""
        return self.adjoint.gradient

    def steps(self) -> Iterator[SecondStep]:
        """The sweep written down contribution by contribution, in the textbook's order
        (as :meth:`Adjoint.steps <ad_tutorial.reverse.Adjoint.steps>`): the seed's row
        (ȳ˙ = 0: the seed has no tangent), then one row per edge v_i → v_j, from the last
        node back. A contribution of nothing at all is written 0."""
        t, n = self.trace, len(self.trace)
        nodes, dots = t.numbered, self.tangent.tangents
        bars, bardots = self.adjoint.adjoints, self.numbered()

        def batch(v: Any) -> Any:                 # on arrays: one direction, leading
            return v if not t.arrays or v is None else v[None]

        running: list[Any] = [None] * n
        running[t.output] = self._zero(t.output)
        yield SecondStep(t.output, -1, -1, 1.0, (), running[t.output], running[t.output],
                         True)
        def quiet() -> Any:                     # inf and nan are meant, as in the sweep
            return np.errstate(all="ignore") if t.arrays else nullcontext()

        for i in range(n - 1, len(t.inputs) - 1, -1):
            with quiet():
                passed = node_tangents(nodes, i, batch(bars[i]), batch(bardots[i]),
                                       [batch(v) for v in dots], n, t.arrays)
                second = second_partials(nodes, i, n)
            for k, j in enumerate(nodes.args[i]):
                if j >= n:
                    continue
                c = self._zero(j) if passed[k] is None else \
                    passed[k][0] if t.arrays else passed[k]
                first = running[j] is None
                with quiet():
                    running[j] = c if first else running[j] + c
                yield SecondStep(j, i, k, nodes.partials[i][k] if nodes.partials[i] else None,
                                 tuple(second[k + m] if second else None
                                       for m in range(len(nodes.args[i]))),
                                 c, running[j], first)

    def __repr__(self) -> str:
        return (f"<SecondAdjoint of {self.trace.expression} along {self.seed}: "
                f"H·ẋ = {self.hvp}>")


# --- the rule of one node: what its adjoint's tangent passes back ----------------------------

def _rule(op: Primitive, by_number: bool, arrays: bool) -> Rule:
    """The tangents a node of `op` passes back to its arguments (torch's own formula where
    the primitive gives one, else the chain rule with its second partials)."""
    if by_number and op.by_number is not None:
        return op.by_number.adjoint_tangent
    if op.adjoint_tangent is not None:
        return op.adjoint_tangent
    second = op.array_second_partials if arrays else op.second_partials
    if second is None:
        return _linear_rule
    return _unary_chain_rule(second) if op.arity == 1 else _chain_rule(second)


def _linear_rule(g, gd, xs, ts, out, tout, partials) -> tuple[Any, ...]:
    """No curvature (+, −, negation, abs, relu): v̄˙_i · ∂v_i/∂v_j alone."""
    return tuple(_times(gd, d) for d in partials)


def _chain_rule(second: Callable[..., tuple[Any, ...]]) -> Rule:
    """v̄˙_i · ∂v_i/∂v_j + v̄_i · Σ_k ∂²v_i/∂v_j∂v_k · v̇_k, for each argument v_j."""
    def rule(g, gd, xs, ts, out, tout, partials) -> tuple[Any, ...]:
        s = second(*xs, out)
        passed = []
        for j, d in enumerate(partials):
            curvature = None
            for k, t in enumerate(ts):
                if t is not None and s[j + k] is not None:
                    curvature = _plus(curvature, s[j + k] * t)
            passed.append(_plus(_times(gd, d), _times(g, curvature)))
        return tuple(passed)
    return rule


def _unary_chain_rule(second: Callable[..., tuple[Any, ...]]) -> Rule:
    """The same for one argument: v̄˙_i · ∂v_i/∂v_j + v̄_i · ∂²v_i/∂v_j² · v̇_j."""
    def rule(g, gd, xs, ts, out, tout, partials) -> tuple[Any, ...]:
        curvature = second(xs[0], out)[0] * ts[0]
        return (g * curvature if gd is None else gd * partials[0] + g * curvature),
    return rule


_RULES: dict[tuple[Primitive, bool, bool], Rule] = {}


def rule_of(op: Primitive, by_number: bool, arrays: bool) -> Rule:
    """The rule of a node of `op` (made once per primitive and kind of number)."""
    key = (op, by_number, arrays)
    return _RULES.get(key) or _RULES.setdefault(key, _rule(*key))


def node_tangents(nodes: Nodes, i: int, g: Any, gd: Any, dots: list[Any], n: int,
                  arrays: bool) -> tuple[Any, ...]:
    """The tangents of what node i passes back to each of its arguments, from its adjoint
    g = v̄_i and that adjoint's tangent gd = v̄˙_i (None: it has none), and the tangents
    `dots` of the nodes (None for a constant). On arrays g, gd and the tangents carry a
    leading axis of directions, and so does each result, shaped like its argument."""
    op, a, values = nodes.ops[i], nodes.args[i], nodes.values
    xs = [values[j] for j in a]
    ts = [dots[j] if j < n else None for j in a]
    if arrays and not op.elementwise:
        return tuple(op.vjp_tangent(g, gd, k, xs, ts, values[i], *nodes.parameters[i])
                     for k in range(len(a)))
    rule = rule_of(op, a[-1] >= n, arrays)
    if not arrays:
        return rule(g, gd, xs, ts, values[i], dots[i], nodes.partials[i])
    out = values[i]
    passed = rule(g, gd, xs, [None if t is None else lift(t, out.ndim) for t in ts], out,
                  dots[i], nodes.partials[i])
    return tuple(None if c is None else unbroadcast(along(lift(c, out.ndim), out.shape),
                                                     np.shape(x)) for c, x in zip(passed, xs))


def second_partials(nodes: Nodes, i: int, n: int) -> tuple[Any, ...] | None:
    """∂²v_i/∂a_j∂a_k of node i at its values, as entry j + k (None: no curvature)."""
    op, a, values = nodes.ops[i], nodes.args[i], nodes.values
    arrays = nodes.parameters is not None
    if a[-1] >= n and op.by_number is not None:
        second = op.by_number.second_partials
    else:
        second = op.array_second_partials if arrays else op.second_partials
    return None if second is None else second(*[values[j] for j in a], values[i])


# --- the sweeps --------------------------------------------------------------------------------

def second_adjoints(trace: Trace, dots: list[Any]) -> tuple[list[Any], list[Any]]:
    """The adjoint sweep and its tangent over a trace of floats, from ȳ = 1 (whose tangent
    is nothing): v̄ and v̄˙ of every node, given the tangents v̇ (floats, or vectors with
    one element per direction). v̄˙ is None where nothing was passed back.

    This is :func:`node_tangents` for every node, written out for floats as a lean loop
    (a primitive has one argument or two): one HVP costs a few primal sweeps."""
    nodes = trace.computed
    ops, args, values, partials = nodes.ops, nodes.args, nodes.values, nodes.partials
    n = len(ops)
    bars: list[Any] = [_UNREACHED] * n
    bardots: list[Any] = [None] * n
    r = trace.results[0]
    bars[r] = 1.0
    rules = _RULES
    for i in range(r, len(trace.inputs) - 1, -1):
        g = bars[i]
        if g is _UNREACHED:
            continue
        a, d, gd = args[i], partials[i], bardots[i]
        by_number = a[-1] >= n
        rule = rules.get((ops[i], by_number, False)) or rule_of(ops[i], by_number, False)
        if rule is _linear_rule:                    # no curvature: v̄˙_i · ∂v_i/∂v_j
            passed = (None, None) if gd is None else (gd * d[0], gd * d[-1])
        elif len(a) == 1:
            j = a[0]
            passed = rule(g, gd, (values[j],), (dots[j],), values[i], dots[i], d)
        else:
            j, k = a
            passed = rule(g, gd, (values[j], values[k]),
                          (dots[j] if j < n else None, dots[k] if k < n else None),
                          values[i], dots[i], d)
        for k, j in enumerate(a):
            if j >= n:
                continue
            c = g * d[k]
            bars[j] = c if bars[j] is _UNREACHED else bars[j] + c
            c = passed[k]
            if c is not None:
                bardots[j] = c if bardots[j] is None else bardots[j] + c
    return bars, bardots


def array_second_adjoints(trace: Trace, dots: list[Any]) -> tuple[list[Any], list[Any]]:
    """The same over a trace of arrays: v̄ of shape (1, *node's shape), v̄˙ (k, *shape) for
    k directions (None where nothing was passed back)."""
    nodes = trace.computed
    n = len(nodes.ops)
    bars: list[Any] = [None] * n
    bardots: list[Any] = [None] * n
    r = trace.results[0]
    bars[r] = np.ones((1,))
    for i in range(r, len(trace.inputs) - 1, -1):
        g = bars[i]
        if g is None:
            continue
        passed = node_tangents(nodes, i, g, bardots[i], dots, n, True)
        for k, j in enumerate(nodes.args[i]):
            if j >= n:
                continue
            c = contribution(nodes, i, k, g)
            bars[j] = c if bars[j] is None else bars[j] + c
            c = passed[k]
            if c is not None:
                bardots[j] = c if bardots[j] is None else bardots[j] + c
    return bars, bardots


def hvp_direction(trace: Trace, seed: dict[str, Any]) -> dict[str, Any]:
    """The direction ẋ of a Hessian–vector product, checked: y one number, each seed a
    finite number (or array) of its input's shape, for an input of the trace."""
    values = trace.computed.values
    if trace.several or np.shape(values[trace.results[0]]) != ():
        what = (f"{len(trace.results)} outputs" if trace.several
                else f"shape {np.shape(values[trace.results[0]])}")
        raise TraceError(f"second derivatives need one number as the value; y has {what}: "
                         "reduce it, e.g. with sum(…)")
    direction = trace.direction(seed)
    for name, v in direction.items():
        if not (math.isfinite(v) if type(v) is float else np.all(np.isfinite(v))):
            shown = repr(v if type(v) is float else np.asarray(v).tolist())
            raise TraceError(f"the seed for {name} must be finite; it is {shown}")
    return direction


def second_sweep(trace: Trace, seed: dict[str, Any]) -> SecondAdjoint:
    """One tangent sweep along ẋ = `seed` (default 1 on the first input), then the
    second-order adjoint sweep from ȳ = 1."""
    direction = hvp_direction(trace, seed)
    if not trace.arrays:
        dots = tangents(trace, list(direction.values()))
        bars, bardots = second_adjoints(trace, dots)
        return SecondAdjoint(trace, direction, Tangent(trace, direction, dots),
                             Adjoint(trace, 1.0, bars), bardots)
    values = trace.computed.values
    with np.errstate(all="ignore"):
        dots = array_tangents(trace, [d[None] for d in direction.values()])
        bars, bardots = array_second_adjoints(trace, dots)
    return SecondAdjoint(trace, direction, Tangent(trace, direction, [t[0] for t in dots]),
                         Adjoint(trace, np.array(1.0),
                                 [np.zeros_like(v) if g is None else g[0]
                                  for g, v in zip(bars, values)]),
                         [None if h is None else h[0] for h in bardots])


def hessian(trace: Trace) -> Any:
    """∇²y as a 2-D array, a row and a column per input element (each input flattened, in
    the order given): H[i, j] = ∂²y/∂x_i∂x_j. One second-order sweep in vector mode, the
    identity as the matrix of directions: column j is H·e_j."""
    hvp_direction(trace, {})
    values = trace.computed.values
    sizes = [np.size(values[k]) for k in range(len(trace.inputs))]
    seeds = _identity_blocks(trace, range(len(trace.inputs)), sizes)
    with np.errstate(all="ignore"):
        if trace.arrays:
            bardots = array_second_adjoints(trace, array_tangents(trace, seeds))[1]
        else:
            bardots = second_adjoints(trace, tangents(trace, seeds))[1]
    return np.concatenate([_flat(h, sum(sizes), size).T
                           for h, size in zip(bardots, sizes)], axis=0)
