"""The evaluation trace (Wengert list): a function as a straight list of primitives.

A trace of f(x1, …, xn) is the list v_{1−n} … v_0 (the inputs, in the order given)
followed by v_1 … v_k, each the value of one primitive applied to earlier entries
or to constants. Constants are not entries: ``3*x`` is one node, ``v_1 = 3 × v_0``.

A trace is *recorded*: the function runs once on :class:`Traced` values, whose
operators and functions append a node instead of only computing a float. Recording
a node also evaluates its local partials ∂v_i/∂v_j at the recorded values, as an AD
tape's forward pass does. Both sweeps then only multiply and add: that is why a
gradient costs a small multiple of evaluating f.

One list, two orders. The trace keeps its nodes in the order f computed them
(``Trace.computed``), and the sweeps run in that order: any order that puts every
node after its arguments gives the same numbers. The tables and graphs number the
nodes as Griewank & Walther and the tutorial do, by depth (the length of the
longest path from an input), ties in the order computed. For ln(x1) + x1·x2 − sin(x2)
this gives v_1 = ln v_−1, v_2 = v_−1 × v_0, v_3 = sin v_0, v_4 = v_1 + v_2,
v_5 = v_4 − v_3, although Python computes the addition before sin. That numbering is
worked out the first time a view asks for it, so a gradient never pays for it.
Nodes the output does not depend on are left out.

Storage is flat (a few lists), so a million-node trace is cheap: ``values`` holds the
nodes' values followed by the constants; ``args[i]`` are indices into ``values``; an
index ≥ ``len(trace)`` is a constant.
"""

from __future__ import annotations

import inspect
import numbers
from dataclasses import dataclass
from functools import cached_property
from types import FunctionType
from typing import Any, Callable, Iterator, NamedTuple

from .expression import Expression, parse, unparse
from .forward import Tangent, tangent_sweep
from .primitives import PRIMITIVES, Primitive
from .reverse import Adjoint, adjoint_sweep
from .results import Shown


class TraceError(ValueError):
    """A function or its inputs cannot be traced (wrong inputs, no dependence on them)."""


class Node(NamedTuple):
    """One row of an evaluation trace, for views: v_i = op(args) = value."""

    index: int                  # position in the trace, 0 for v_{1−n}
    name: str                   # "v_-1", "v_0", "v_1", …
    op: Primitive | None        # None for an input
    args: tuple[int, ...]       # slots in Trace.values (a slot ≥ len(trace) is a constant)
    value: float


class Nodes:
    """A trace's nodes as flat lists, inputs first and every node after its arguments."""

    __slots__ = ("ops", "args", "values", "partials")

    def __init__(self, ops: list[Primitive | None], args: list[tuple[int, ...]],
                 values: list[float], partials: list[tuple[float, ...]]) -> None:
        self.ops = ops              # None for an input
        self.args = args            # slots in values; a slot ≥ len(ops) is a constant
        self.values = values        # the nodes' values, then the constants
        self.partials = partials    # ∂v_i/∂(each argument of v_i), at these values


class _Tape(Nodes):
    """The nodes of a trace being recorded, in the order f runs its primitives.

    While recording, the number of nodes is not known yet, so constant k has the
    slot ~k (that is −1−k); finishing the trace moves the constants after the nodes.
    """

    __slots__ = ("constants",)

    def __init__(self, inputs: list[float]) -> None:
        n = len(inputs)
        self.ops, self.args, self.values, self.partials = [None] * n, [()] * n, inputs, [()] * n
        self.constants: list[float] = []

    def inputs(self) -> list[Traced]:
        """The traced values that f is called with, one per input."""
        return [Traced(self, k, x) for k, x in enumerate(self.values)]

    def operand(self, x: Any, op: Primitive) -> tuple[int, float]:
        """The slot and the value of an argument: a traced value, or a number (a constant)."""
        if type(x) is Traced:
            if x.tape is not self:
                raise TraceError("a traced value from another trace was used")
            return x.index, x.value
        if not isinstance(x, numbers.Real):
            raise TypeError(f"{op.name} cannot mix a traced value with {type(x).__name__}")
        self.constants.append(float(x))
        return ~(len(self.constants) - 1), float(x)

    def append(self, op: Primitive, args: tuple[int, ...], value: float,
               partials: tuple[float, ...]) -> Traced:
        """Append the node v = op(args) with its local partials."""
        self.ops.append(op)
        self.args.append(args)
        self.values.append(value)
        self.partials.append(partials)
        return Traced(self, len(self.ops) - 1, value)


class _FinishedTape(_Tape):
    """The tape of a finished trace (``_finish`` turns a _Tape into one): a traced value
    that escaped f can no longer append to it."""

    __slots__ = ()

    def append(self, *node: Any) -> Traced:
        raise TraceError("a traced value was used after its trace was finished: "
                         "do all the work inside the function being traced")

    operand = append


def _recorder(op: Primitive) -> Callable[..., Traced]:
    """The function that records op on traced values: it computes the value and the
    local partials, and appends them as a node."""
    value, partials = op.value, op.partials
    if op.arity == 1:
        def record(x: Traced) -> Traced:
            a = x.value
            v = value(a)
            return x.tape.append(op, (x.index,), v, partials(a, v))
    else:
        def record(x: Any, y: Any) -> Traced:       # x or y may be a plain number
            if type(x) is Traced and type(y) is Traced and x.tape is y.tape:
                tape, i, a, j, b = x.tape, x.index, x.value, y.index, y.value
            else:
                tape = x.tape if type(x) is Traced else y.tape
                (i, a), (j, b) = tape.operand(x, op), tape.operand(y, op)
            v = value(a, b)
            return tape.append(op, (i, j), v, partials(a, b, v))
    record.__name__ = record.__qualname__ = f"record_{op.name}"
    return record


class _Recorders(dict):
    """RECORD[p], the function that records primitive p, is made when first asked for."""

    def __missing__(self, p: Primitive) -> Callable[..., Traced]:
        record = self[p] = _recorder(p)
        return record


RECORD: dict[Primitive, Callable[..., Traced]] = _Recorders()


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
        setattr(Traced, f"__{name}__", RECORD[p])
        if p.arity == 2:
            setattr(Traced, f"__r{name}__", lambda x, y, record=RECORD[p]: record(y, x))


_install_operators()


@dataclass(eq=False)
class Trace(Shown):
    """An evaluation trace: inputs v_{1−n}…v_0, then v_1…v_k, the output last.

    ``computed`` holds the nodes in the order f computed them; ``ops``, ``args``,
    ``values`` and ``local_partials`` are the same lists in the textbook numbering,
    for views. A trace is not changed after recording (views of it are cached).
    ``str(trace)`` is the tutorial's table; in Jupyter it displays as HTML.
    """

    inputs: tuple[str, ...]
    computed: Nodes
    result: int                                    # the node holding y, in ``computed``
    function: Callable[..., Any] | None = None    # what was traced, to run it on torch too
    source: str | None = None                      # the expression text, if traced from one

    def __len__(self) -> int:
        """Number of nodes, inputs included; not constants, nor nodes y does not need."""
        return len(self.numbered.ops)

    @cached_property
    def expression(self) -> str:
        """The function as expression text (written back from the trace for a callable)."""
        return self.source if self.source is not None else unparse(self)

    @property
    def value(self) -> float:
        """y, the value of the function."""
        return self.computed.values[self.result]

    # --- the textbook numbering, for views ------------------------------------------

    @cached_property
    def _numbering(self) -> list[int] | None:
        """Where each node of the textbook numbering sits in ``computed`` (nodes y does
        not need are left out); None if that is every node, in the same order."""
        c = self.computed
        order = _textbook_order(c, len(self.inputs), self.result)
        if len(order) == len(c.ops) and all(map(int.__eq__, order, range(len(order)))):
            return None
        return order

    @cached_property
    def numbered(self) -> Nodes:
        """The nodes y needs, in the textbook numbering, then the constants."""
        order, c = self._numbering, self.computed
        if order is None:
            return c
        shift = len(order) - len(c.ops)           # constants move up past the nodes left out
        slot = list(range(shift, len(c.values) + shift))
        for new, old in enumerate(order):
            slot[old] = new
        return Nodes([c.ops[i] for i in order],
                     [tuple(map(slot.__getitem__, c.args[i])) for i in order],
                     [c.values[i] for i in order] + c.values[len(c.ops):],
                     [c.partials[i] for i in order])

    @cached_property
    def output(self) -> int:
        """The node holding y in the textbook numbering: the deepest, so the last one
        (unless y is an input)."""
        return self.result if self.result < len(self.inputs) else len(self) - 1

    def in_textbook_order(self, per_node: list[float]) -> list[float]:
        """One number per node (tangents, adjoints), from the order computed to the textbook's."""
        order = self._numbering
        return per_node if order is None else [per_node[i] for i in order]

    @property
    def ops(self) -> list[Primitive | None]:
        return self.numbered.ops

    @property
    def args(self) -> list[tuple[int, ...]]:
        return self.numbered.args

    @property
    def values(self) -> list[float]:
        return self.numbered.values

    @property
    def local_partials(self) -> list[tuple[float, ...]]:
        """∂v_i/∂(each argument of v_i) for every node, at this trace's values."""
        return self.numbered.partials

    def name(self, i: int) -> str:
        """The textbook name of node i: v_{i+1−n}."""
        return f"v_{i + 1 - len(self.inputs)}"

    def node(self, i: int) -> Node:
        nodes = self.numbered
        return Node(i, self.name(i), nodes.ops[i], nodes.args[i], nodes.values[i])

    def nodes(self) -> Iterator[Node]:
        return map(self.node, range(len(self)))

    def partials(self, i: int) -> tuple[float, ...]:
        """∂v_i/∂(each argument of v_i), evaluated at this trace's values."""
        return self.numbered.partials[i]

    # --- the sweeps ------------------------------------------------------------------

    def at(self) -> dict[str, float]:
        """The input values, by name."""
        return dict(zip(self.inputs, self.computed.values))

    def direction(self, seed: dict[str, float]) -> dict[str, float]:
        """The full direction ẋ of a seed: the given components, 0 elsewhere; (1, 0, …, 0)
        if none is given."""
        direction = dict.fromkeys(self.inputs, 0.0)
        for name, x in (seed or {self.inputs[0]: 1.0}).items():
            if name not in direction:
                raise TraceError(f"cannot seed {name!r}: the inputs are " + ", ".join(self.inputs))
            direction[name] = float(x)
        return direction

    def forward(self, /, **seed: float) -> Tangent:
        """Forward mode: one tangent sweep in the direction ẋ (default 1 on the first input)."""
        return tangent_sweep(self, self.direction(seed))

    def reverse(self, seed: float = 1.0) -> Adjoint:
        """Reverse mode: one adjoint sweep from ȳ = seed, giving the whole gradient."""
        return adjoint_sweep(self, seed)

    def evaluate(self, /, **inputs: float) -> Trace:
        """The primal sweep: the same trace at new inputs (others keep their values).

        Replaying the recorded list is right for straight-line code only: a function
        that branches on its values must be traced again at the new point.
        """
        unknown = set(inputs) - set(self.inputs)
        if unknown:
            raise TraceError(f"unknown input {sorted(unknown)[0]!r}; the inputs are "
                             + ", ".join(self.inputs))
        c = self.computed
        ops, args, values, partials = c.ops, c.args, c.values.copy(), c.partials.copy()
        for k, name in enumerate(self.inputs):
            if name in inputs:
                values[k] = float(inputs[name])
        for i in range(len(self.inputs), len(ops)):
            xs = [values[j] for j in args[i]]
            values[i] = value = ops[i].value(*xs)
            partials[i] = ops[i].partials(*xs, value)
        return Trace(self.inputs, Nodes(ops, args, values, partials), self.result,
                     self.function, self.source)

    def __repr__(self) -> str:
        return (f"<Trace of {self.expression} at {_fmt_inputs(self.at())}: "
                f"{len(self) - len(self.inputs)} primitives, y = {self.value!r}>")


def _fmt_inputs(at: dict[str, float]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in at.items())


def _textbook_order(nodes: Nodes, n_inputs: int, result: int) -> list[int]:
    """Positions of the nodes in textbook order: the inputs, then the nodes y needs by
    depth from the inputs (the longest path), ties in the order computed."""
    args, n = nodes.args, len(nodes.ops)
    needed = [False] * n
    needed[result] = True
    for i in range(result, n_inputs - 1, -1):
        if needed[i]:
            for j in args[i]:
                if j < n:
                    needed[j] = True
    depth, kept = [0] * n, []
    for i in range(n_inputs, n):
        if needed[i]:
            depth[i] = 1 + max([depth[j] for j in args[i] if j < n])
            kept.append(i)
    kept.sort(key=depth.__getitem__)              # stable: ties keep the order computed
    return [*range(n_inputs), *kept]


def trace(f: Callable[..., Any] | str | Expression, /, *args: float, **kwargs: float) -> Trace:
    """Record the evaluation trace of `f` at the given inputs.

    `f` is an expression string such as ``"ln(x1) + x1*x2 - sin(x2)"`` (inputs by
    keyword, numbered in the order given), or a Python function written with
    ad_tutorial's functions, such as ``lambda x1, x2: adt.ln(x1) + x1*x2 - adt.sin(x2)``
    (inputs by position or keyword, numbered in the order of its parameters).
    Every name is free for an input: ``f`` and the rest are positional-only.
    """
    if isinstance(f, (str, Expression)):
        expression = parse(f) if isinstance(f, str) else f
        if args:
            raise TraceError("give an expression's inputs by name, e.g. x1=2.0")
        at = expression.bind(kwargs)
        inputs, tape = tuple(at), _Tape(list(at.values()))
        y = expression(**dict(zip(inputs, tape.inputs())))
        return _finish(tape, inputs, y, expression, expression.text)
    inputs, values = _bind_callable(f, args, kwargs)
    tape = _Tape(values)
    return _finish(tape, inputs, f(*tape.inputs()), f, None)


def _finish(tape: _Tape, inputs: tuple[str, ...], y: Any,
            function: Callable[..., Any], source: str | None) -> Trace:
    """Store the recording: the nodes up to y, in the order computed, then the constants
    (so a slot ≥ the number of nodes is a constant).

    Nodes f computed before y but did not use stay: the adjoint sweep passes nothing
    through them, and the textbook numbering leaves them out. Finding them costs a pass
    over the trace, which a gradient of a small function would notice.
    """
    if type(y) is not Traced or y.tape is not tape:
        raise TraceError("the function's result does not depend on its inputs")
    result = y.index
    end = max(result + 1, len(inputs))              # what f computed after y is no part of it
    if end < len(tape.ops):
        for column in (tape.ops, tape.args, tape.values, tape.partials):
            del column[end:]
    if tape.constants:
        n = len(tape.ops)
        tape.args = [a if min(a, default=0) >= 0 else tuple(j if j >= 0 else n + ~j for j in a)
                     for a in tape.args]
        tape.values += tape.constants
    tape.__class__ = _FinishedTape                  # the trace owns these lists now
    return Trace(inputs, tape, result, function, source)


def _bind_callable(f: Callable[..., Any], args: tuple[Any, ...],
                   kwargs: dict[str, Any]) -> tuple[tuple[str, ...], list[float]]:
    """Match the inputs to f's parameters: their names and float values, in f's order."""
    names = _plain_parameters(f)
    if names is None or len(args) != len(names) or kwargs:
        try:
            bound = inspect.signature(f).bind(*args, **kwargs)
        except TypeError as e:
            raise TraceError(f"inputs do not match the function: {e}") from None
        bound.apply_defaults()
        names, args = tuple(bound.arguments), tuple(bound.arguments.values())
    for name, x in zip(names, args):
        if type(x) is not float and not isinstance(x, numbers.Real):
            raise TraceError(f"input {name} must be a number, not {type(x).__name__}")
    if not names:
        raise TraceError("the function has no inputs to differentiate with respect to")
    return names, list(map(float, args))


_VARIADIC = inspect.CO_VARARGS | inspect.CO_VARKEYWORDS


def _plain_parameters(f: Callable[..., Any]) -> tuple[str, ...] | None:
    """f's parameter names, read from its code, if f is a plain Python function whose
    parameters each take one positional value; else None, and ``inspect.signature``
    (slow next to tracing a small function) decides. Defaults do not matter: these
    names are used only when every parameter is given.
    """
    if type(f) is not FunctionType or f.__dict__:   # __dict__: maybe a __signature__
        return None
    code = f.__code__
    if code.co_kwonlyargcount or code.co_flags & _VARIADIC:
        return None
    return code.co_varnames[:code.co_argcount]
