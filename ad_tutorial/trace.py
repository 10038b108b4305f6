"""The evaluation trace (Wengert list): a function as a straight list of primitives.

A trace of f(x1, …, xn) is the list v_{1−n} … v_0 (the inputs, in the order given)
followed by v_1 … v_k, each the value of one primitive applied to earlier entries
or to constants. Constants are not entries: ``3*x`` is one node, ``v_1 = 3 × v_0``.

A trace is *recorded*: the function runs once on :class:`Traced` values, whose
operators and functions append a node instead of only computing a float.

Numbering rule (as in Griewank & Walther and the tutorial's tables): intermediate
nodes are numbered by depth, the length of the longest path from an input; ties
keep the order in which the function computed them. For ln(x1) + x1·x2 − sin(x2)
this gives v_1 = ln v_−1, v_2 = v_−1 × v_0, v_3 = sin v_0, v_4 = v_1 + v_2,
v_5 = v_4 − v_3, although Python computes the addition before sin. Nodes the
output does not depend on are dropped.

Storage is deliberately flat (a few lists), so a million-node trace is cheap:
``values`` holds the nodes' values followed by the constants; ``args[i]`` are
indices into ``values``; an index ≥ ``len(trace)`` is a constant.

Recording a node also evaluates its local partials ∂v_i/∂v_j at the recorded
values, as an AD tape's forward pass does. Both sweeps then only multiply and
add: that is why a gradient costs a small multiple of evaluating f.
"""

from __future__ import annotations

import inspect
import numbers
import weakref
from dataclasses import InitVar, dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, Iterator, NamedTuple

from .expression import Expression, parse
from .primitives import PRIMITIVES, Primitive

if TYPE_CHECKING:
    from .forward import Tangent
    from .reverse import Adjoint


class TraceError(ValueError):
    """A function or its inputs cannot be traced (wrong inputs, no dependence on them)."""


class Node(NamedTuple):
    """One row of an evaluation trace, for views: v_i = op(args) = value."""

    index: int                  # position in the trace, 0 for v_{1−n}
    name: str                   # "v_-1", "v_0", "v_1", …
    op: Primitive | None        # None for an input
    args: tuple[int, ...]       # slots in Trace.values (a slot ≥ len(trace) is a constant)
    value: float


class _Tape:
    """Where a function being traced appends its primitives, in the order it runs them."""

    __slots__ = ("ops", "args", "values", "partials", "depths", "constants")

    def __init__(self) -> None:
        self.ops: list[Primitive | None] = []
        self.args: list[tuple[int, ...]] = []
        self.values: list[float] = []
        self.partials: list[tuple[float, ...]] = []
        self.depths: list[int] = []          # longest path from an input, for the numbering
        self.constants: list[float] = []     # referred to as ~k (negative) while recording

    def input(self, value: float) -> Traced:
        return self.append(None, (), float(value), (), 0)

    def append(self, op: Primitive | None, args: tuple[int, ...], value: float,
               partials: tuple[float, ...], depth: int) -> Traced:
        self.ops.append(op)
        self.args.append(args)
        self.values.append(value)
        self.partials.append(partials)
        self.depths.append(depth)
        return Traced(self, len(self.values) - 1, value)

    def record(self, op: Primitive, operands: tuple[Any, ...]) -> Traced:
        """Apply `op` to traced values and numbers, appending one node."""
        refs, xs, depth = [], [], 0
        for a in operands:
            if type(a) is Traced:
                if a.tape is not self:
                    raise TraceError("a traced value from another trace was used")
                refs.append(a.index)
                xs.append(a.value)
                depth = max(depth, self.depths[a.index])
            elif isinstance(a, numbers.Real):
                refs.append(~len(self.constants))
                self.constants.append(float(a))
                xs.append(float(a))
            else:
                raise TypeError(f"{op.name} cannot mix a traced value with {type(a).__name__}")
        value = op.value(*xs)
        return self.append(op, tuple(refs), value, op.partials(*xs, value), depth + 1)


class Traced:
    """A value being traced: a float that remembers which node of the trace it is."""

    __slots__ = ("tape", "index", "value")

    def __init__(self, tape: _Tape, index: int, value: float) -> None:
        self.tape, self.index, self.value = tape, index, value

    def __repr__(self) -> str:
        return f"Traced({self.value!r})"

    def __pos__(self) -> Traced:
        return self

    def __float__(self) -> float:
        raise TypeError("a traced value cannot become a plain float: use ad_tutorial's "
                        "functions (adt.sin, adt.exp, …), not math's")

    # Comparisons look at the value. A branch on them is frozen into the trace:
    # re-evaluating at other inputs then follows the branch taken while tracing.
    def __lt__(self, other: Any) -> bool:
        return self.value < _value(other)

    def __le__(self, other: Any) -> bool:
        return self.value <= _value(other)

    def __gt__(self, other: Any) -> bool:
        return self.value > _value(other)

    def __ge__(self, other: Any) -> bool:
        return self.value >= _value(other)


def _value(x: Any) -> float:
    return x.value if type(x) is Traced else x


def _install_operators() -> None:
    """Give Traced the Python operators of the primitives that are operators (+ − × / ** − abs).

    Those primitives use Python's own operator as their torch counterpart, since it
    works on floats and tensors alike; its name gives the special method to define.
    """
    import operator

    for p in PRIMITIVES.values():
        name = p.torch.__name__
        if getattr(operator, name, None) is not p.torch:
            continue
        if p.arity == 1:
            setattr(Traced, f"__{name}__", lambda x, p=p: x.tape.record(p, (x,)))
        else:
            setattr(Traced, f"__{name}__", lambda x, y, p=p: x.tape.record(p, (x, y)))
            setattr(Traced, f"__r{name}__", lambda x, y, p=p: x.tape.record(p, (y, x)))


_install_operators()


class ShownAsTables:
    """Prints as the tutorial's tables; displays as HTML tables in Jupyter."""

    def __str__(self) -> str:
        from .tables import render
        return render(self, "text")

    def _repr_html_(self) -> str:
        from .tables import render
        return render(self, "html")


@dataclass(frozen=True, eq=False)
class Trace(ShownAsTables):
    """An evaluation trace: inputs v_{1−n}…v_0, then v_1…v_k, the output last.

    ``str(trace)`` is the tutorial's table; in Jupyter it displays as HTML.
    """

    inputs: tuple[str, ...]
    ops: list[Primitive | None]
    args: list[tuple[int, ...]]
    values: list[float]
    output: int
    function: Callable[..., Any] | None = None    # what was traced, to run it on torch too
    source: str | None = None                      # the expression text, if traced from one
    # ∂v_i/∂(each argument of v_i) at `values`, one tuple per node; given by whoever
    # just computed them, else computed here (so a replace() never keeps stale ones).
    local_partials: list[tuple[float, ...]] = field(init=False, repr=False)
    computed_partials: InitVar[list[tuple[float, ...]] | None] = None

    def __post_init__(self, computed_partials: list[tuple[float, ...]] | None) -> None:
        if computed_partials is None:
            values = self.values
            computed_partials = [
                () if op is None else op.partials(*[values[j] for j in a], values[i])
                for i, (op, a) in enumerate(zip(self.ops, self.args))]
        object.__setattr__(self, "local_partials", computed_partials)

    def __len__(self) -> int:
        """Number of nodes, inputs included (constants are not nodes)."""
        return len(self.ops)

    @cached_property
    def expression(self) -> str:
        """The function as expression text (written back from the trace for a callable)."""
        from .expression import unparse
        return self.source if self.source is not None else unparse(self)

    @property
    def value(self) -> float:
        """y, the value of the function."""
        return self.values[self.output]

    def name(self, i: int) -> str:
        """The textbook name of node i: v_{i+1−n}."""
        return f"v_{i + 1 - len(self.inputs)}"

    def node(self, i: int) -> Node:
        return Node(i, self.name(i), self.ops[i], self.args[i], self.values[i])

    def nodes(self) -> Iterator[Node]:
        return map(self.node, range(len(self)))

    def partials(self, i: int) -> tuple[float, ...]:
        """∂v_i/∂(each argument of v_i), evaluated at this trace's values."""
        return self.local_partials[i]

    def at(self) -> dict[str, float]:
        """The input values, by name."""
        return dict(zip(self.inputs, self.values))

    def forward(self, **seed: float) -> Tangent:
        """Forward mode: one tangent sweep in the direction ẋ (default 1 on the first input)."""
        from .forward import tangent_sweep
        return tangent_sweep(self, seed)

    def reverse(self, seed: float = 1.0) -> Adjoint:
        """Reverse mode: one adjoint sweep from ȳ = seed, giving the whole gradient."""
        from .reverse import adjoint_sweep
        return adjoint_sweep(self, seed)

    def evaluate(self, **inputs: float) -> Trace:
        """The primal sweep: the same trace at new inputs (others keep their values).

        Replaying the recorded list is right for straight-line code only: a function
        that branches on its values must be traced again at the new point.
        """
        unknown = set(inputs) - set(self.inputs)
        if unknown:
            raise TraceError(f"unknown input {sorted(unknown)[0]!r}; the inputs are "
                             + ", ".join(self.inputs))
        values, ops, args = self.values.copy(), self.ops, self.args
        partials = self.local_partials.copy()
        for k, name in enumerate(self.inputs):
            if name in inputs:
                values[k] = float(inputs[name])
        for i in range(len(self.inputs), len(self)):
            xs = [values[j] for j in args[i]]
            values[i] = value = ops[i].value(*xs)
            partials[i] = ops[i].partials(*xs, value)
        return replace(self, values=values, computed_partials=partials)

    def __repr__(self) -> str:
        return (f"<Trace of {self.expression} at {_fmt_inputs(self.at())}: "
                f"{len(self) - len(self.inputs)} primitives, y = {self.value!r}>")


def _fmt_inputs(at: dict[str, float]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in at.items())


def _number(tape: _Tape, output: int, n_inputs: int) -> list[int]:
    """The recording positions of the nodes to keep, in textbook order.

    Inputs first, then the nodes the output depends on, by depth, ties in recording
    order. (A constant ~k = −1−k marks an entry in the tail of `live`, unused.)
    """
    args = tape.args
    live = [False] * (output + 1 + len(tape.constants))
    live[output] = True
    for i in range(output, n_inputs - 1, -1):     # nodes after the output are dead
        if live[i]:
            for j in args[i]:
                live[j] = True
    kept = [i for i in range(n_inputs, output + 1) if live[i]]
    kept.sort(key=tape.depths.__getitem__)        # stable: ties stay in recording order
    return list(range(n_inputs)) + kept


def _finish(tape: _Tape, inputs: tuple[str, ...], out: Traced,
            function: Callable[..., Any], source: str | None) -> Trace:
    """Number the recorded nodes as the textbook does and store them flat.

    The constants the kept nodes use follow the nodes in ``values``, in recording order.
    """
    order = _number(tape, out.index, len(inputs))
    if len(order) == len(tape.ops):               # nothing dropped: every constant is used
        constants = list(range(len(tape.constants)))
    else:
        constants = sorted(~j for i in order for j in tape.args[i] if j < 0)
    # slot[j]: where recorded node j goes; constant ~k's slot sits at the tail, slot[~k].
    slot = [0] * len(tape.ops) + [0] * len(tape.constants)
    for new, old in enumerate(order):
        slot[old] = new
    for new, k in enumerate(constants, len(order)):
        slot[~k] = new
    ops = [tape.ops[i] for i in order]
    args = [tuple(map(slot.__getitem__, tape.args[i])) for i in order]
    values = [tape.values[i] for i in order] + [tape.constants[k] for k in constants]
    partials = [tape.partials[i] for i in order]
    return Trace(inputs, ops, args, values, slot[out.index], function, source, partials)


def trace(f: Callable[..., Any] | str | Expression, *args: float, **kwargs: float) -> Trace:
    """Record the evaluation trace of `f` at the given inputs.

    `f` is an expression string such as ``"ln(x1) + x1*x2 - sin(x2)"`` (inputs by
    keyword, numbered in the order given), or a Python function written with
    ad_tutorial's functions, such as ``lambda x1, x2: adt.ln(x1) + x1*x2 - adt.sin(x2)``
    (inputs by position or keyword, numbered in the order of its parameters).
    """
    if isinstance(f, str):
        f = parse(f)
    tape = _Tape()
    if isinstance(f, Expression):
        if args:
            raise TraceError("give an expression's inputs by name, e.g. x1=2.0")
        at = f.bind(kwargs)
        out = f(**{name: tape.input(x) for name, x in at.items()})
    else:
        at = _bind_callable(f, args, kwargs)
        out = f(*[tape.input(x) for x in at.values()])
    if type(out) is not Traced or out.tape is not tape:
        raise TraceError("the function's result does not depend on its inputs")
    return _finish(tape, tuple(at), out, f, f.text if isinstance(f, Expression) else None)


def _bind_callable(f: Callable[..., Any], args: tuple[float, ...],
                   kwargs: dict[str, float]) -> dict[str, float]:
    """Match the inputs to f's parameters, in the order of its signature."""
    names = _plain_parameters(f)
    if names is not None and len(args) == len(names) and not kwargs:
        arguments = dict(zip(names, args))       # trace(f, 2.0, 5.0): one value per parameter
    else:
        try:
            bound = inspect.signature(f).bind(*args, **kwargs)
        except TypeError as e:
            raise TraceError(f"inputs do not match the function: {e}") from None
        bound.apply_defaults()
        arguments = bound.arguments
    at = {}
    for name, value in arguments.items():
        if not isinstance(value, numbers.Real):
            raise TraceError(f"input {name} must be a number, not {type(value).__name__}")
        at[name] = float(value)
    if not at:
        raise TraceError("the function has no inputs to differentiate with respect to")
    return at


_PLAIN = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
_parameter_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _plain_parameters(f: Callable[..., Any]) -> tuple[str, ...] | None:
    """f's parameter names if each takes one positional value and has no default, else None.

    Reading a signature is slow next to tracing a small function, so it is remembered
    for as long as f exists.
    """
    try:
        return _parameter_cache[f]
    except (KeyError, TypeError):
        pass
    try:
        parameters = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return None
    names = tuple(p.name for p in parameters if p.kind in _PLAIN and p.default is p.empty)
    names = names if len(names) == len(parameters) else None
    try:
        _parameter_cache[f] = names
    except TypeError:                              # f cannot be weakly referenced
        pass
    return names
