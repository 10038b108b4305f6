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

Values are floats, or numpy arrays when an input is an array (a list or an ndarray):
then every node holds an array, of its own shape. A function may return several
outputs (a tuple); the trace then has several results y_1 … y_m.
"""

from __future__ import annotations

import inspect
import numbers
from contextlib import nullcontext
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from types import FunctionType
from typing import TYPE_CHECKING, Any, Callable, Iterator, NamedTuple

from .arrays import np
from .expression import Expression, parse, unparse
from .forward import Tangent, tangent_sweep
from .primitives import Primitive
from .results import Shown, plain
from .reverse import Adjoint, adjoint_sweep
from .tape import (Nodes, TraceError, Traced, TracedArray, _ArrayTape, _FinishedTape, _Tape,
                   as_array, evaluate_node, is_number)

if TYPE_CHECKING:
    from .second import SecondAdjoint

__all__ = ["Node", "Trace", "TraceError", "Traced", "TracedArray", "trace"]


class Node(NamedTuple):
    """One row of an evaluation trace, for views: v_i = op(args) = value."""

    index: int                  # position in the trace, 0 for v_{1−n}
    name: str                   # "v_-1", "v_0", "v_1", …
    op: Primitive | None        # None for an input
    args: tuple[int, ...]       # slots in Trace.values (a slot ≥ len(trace) is a constant)
    value: Any                  # a float, or an array
    parameters: tuple[Any, ...] = ()    # an axis, a shape or a key, for sum, reshape, x[…]


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
    results: tuple[int, ...]                      # the nodes holding y (or y_1 … y_m)
    function: Callable[..., Any] | None = None    # what was traced, to run it on torch too
    source: str | None = None                      # the expression text, if traced from one
    several: bool = False                          # f returned a tuple (even of one)
    arrays: bool = False                           # the nodes hold numpy arrays, not floats

    def __len__(self) -> int:
        """Number of nodes, inputs included; not constants, nor nodes y does not need."""
        return len(self.numbered.ops)

    @cached_property
    def expression(self) -> str:
        """The function as expression text (written back from the trace for a callable)."""
        return self.source if self.source is not None else unparse(self)

    @property
    def value(self) -> Any:
        """y: a float, or an array; a tuple of them when f returned several outputs."""
        ys = tuple(plain(self.computed.values[r]) for r in self.results)
        return ys if self.several else ys[0]

    @property
    def result(self) -> int:
        """The node holding y, in ``computed`` (for a trace with one output)."""
        if self.several:
            raise TraceError(f"this trace has {len(self.results)} outputs; use .results")
        return self.results[0]

    # --- the textbook numbering, for views ------------------------------------------

    @cached_property
    def _numbering(self) -> list[int] | None:
        """Where each node of the textbook numbering sits in ``computed`` (nodes y does
        not need are left out); None if that is every node, in the same order."""
        c = self.computed
        order = _textbook_order(c, len(self.inputs), self.results)
        if len(order) == len(c.ops) and all(map(int.__eq__, order, range(len(order)))):
            return None
        return order

    @cached_property
    def numbered(self) -> Nodes:
        """The nodes y needs, in the textbook numbering, then the constants."""
        order, c = self._numbering, self.computed
        if order is None:
            return c
        slot = self._slots
        return Nodes([c.ops[i] for i in order],
                     [tuple(map(slot.__getitem__, c.args[i])) for i in order],
                     [c.values[i] for i in order] + c.values[len(c.ops):],
                     [c.partials[i] for i in order],
                     c.parameters and [c.parameters[i] for i in order])

    @cached_property
    def _slots(self) -> list[int]:
        """For each slot of ``computed``, its slot in the textbook numbering (a node y
        does not need keeps a slot nobody refers to)."""
        order, c = self._numbering or range(len(self.computed.ops)), self.computed
        shift = len(order) - len(c.ops)           # constants move up past the nodes left out
        slot = list(range(shift, len(c.values) + shift))
        for new, old in enumerate(order):
            slot[old] = new
        return slot

    @cached_property
    def outputs(self) -> tuple[int, ...]:
        """The nodes holding y_1 … y_m in the textbook numbering."""
        return tuple(self._slots[r] for r in self.results)

    @property
    def output(self) -> int:
        """The node holding y in the textbook numbering: the deepest, so the last one
        (unless y is an input)."""
        return self._slots[self.result]

    def in_textbook_order(self, per_node: list[Any]) -> list[Any]:
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
    def values(self) -> list[Any]:
        return self.numbered.values

    @property
    def local_partials(self) -> list[tuple[Any, ...]]:
        """∂v_i/∂(each argument of v_i) for every node, at this trace's values."""
        return self.numbered.partials

    def name(self, i: int) -> str:
        """The textbook name of node i: v_{i+1−n}."""
        return f"v_{i + 1 - len(self.inputs)}"

    def node(self, i: int) -> Node:
        nodes = self.numbered
        return Node(i, self.name(i), nodes.ops[i], nodes.args[i], nodes.values[i],
                    nodes.parameters[i] if nodes.parameters else ())

    def nodes(self) -> Iterator[Node]:
        return map(self.node, range(len(self)))

    def partials(self, i: int) -> tuple[Any, ...]:
        """∂v_i/∂(each argument of v_i), evaluated at this trace's values."""
        return self.numbered.partials[i]

    def shape(self, slot: int) -> tuple[int, ...]:
        """The shape of a node's (or a constant's) value, () for a float."""
        return np.shape(self.values[slot]) if self.arrays else ()

    def elements(self) -> list[tuple[str, tuple[int, ...]]]:
        """Every input element, in the order of the Jacobian's columns and the Hessian's
        rows: (input name, index in it), the index () for a number."""
        return [(x, index) for x, v in zip(self.inputs, self.computed.values)
                for index in (np.ndindex(np.shape(v)) if self.arrays else [()])]

    # --- the sweeps ------------------------------------------------------------------

    def at(self) -> dict[str, Any]:
        """The input values, by name."""
        return {x: plain(v) for x, v in zip(self.inputs, self.computed.values)}

    def direction(self, seed: dict[str, Any]) -> dict[str, Any]:
        """The full direction ẋ of a seed: the given components, 0 elsewhere; 1 on the
        first input (its first element) if none is given."""
        for name in seed:
            if name not in self.inputs:
                raise TraceError(f"cannot seed {name!r}: the inputs are " + ", ".join(self.inputs))
        if not self.arrays:
            direction = dict.fromkeys(self.inputs, 0.0)
            for name, x in (seed or {self.inputs[0]: 1.0}).items():
                direction[name] = x if type(x) is float else _seed_number(x, name)
            return direction
        values = dict(zip(self.inputs, self.computed.values))
        direction = {x: np.zeros_like(v) for x, v in values.items()}
        if not seed:
            direction[self.inputs[0]].flat[0] = 1.0
        for name, x in seed.items():
            direction[name] = _seed_array(x, name, values[name].shape)
        return direction

    def forward(self, /, **seed: Any) -> Tangent:
        """Forward mode: one tangent sweep in the direction ẋ (default 1 on the first input)."""
        return tangent_sweep(self, self.direction(seed))

    def reverse(self, seed: Any = None) -> Adjoint:
        """Reverse mode: one adjoint sweep from ȳ = seed (1 for a single float output),
        giving the whole gradient.

        For an array output, or several, ȳ says which combination of the outputs to
        differentiate (its shape is y's; a tuple for several outputs).
        """
        if seed is None and not self.several and not self.arrays:
            return adjoint_sweep(self, (1.0,))          # the usual case, quickly
        return adjoint_sweep(self, self.cotangent(seed))

    def cotangent(self, seed: Any) -> tuple[Any, ...]:
        """The seed ȳ of the adjoint sweep, one per output, checked against y's shapes."""
        shapes = [np.shape(self.computed.values[r]) for r in self.results]
        if seed is None:
            if self.several or shapes[0] != ():
                what = (f"y has {len(shapes)} outputs" if self.several
                        else f"y has shape {shapes[0]}")
                raise TraceError(f"{what}: give ȳ, e.g. reverse(seed=…), or use jacobian()")
            return (np.array(1.0),)
        seeds = tuple(seed) if self.several else (seed,)
        if len(seeds) != len(shapes):
            raise TraceError(f"ȳ needs {len(shapes)} parts, one per output; got {len(seeds)}")
        if not self.arrays:
            return tuple(_seed_number(s, "ȳ") for s in seeds)
        return tuple(_seed_array(s, "ȳ", shape) for s, shape in zip(seeds, shapes))

    def jacobian(self, mode: str = "reverse") -> Any:
        """The Jacobian ∂y/∂x as a 2-D numpy array: a row per output element, a column per
        input element (each flattened, in the order given). One sweep in vector mode:
        ``"reverse"`` carries a matrix of adjoints (a row of J each), ``"forward"`` a
        matrix of tangents (a column each)."""
        from .jacobian import jacobian

        return jacobian(self, mode)

    def second(self, /, **seed: Any) -> SecondAdjoint:
        """Forward over reverse: one second-order adjoint sweep along ẋ (default 1 on the
        first input), giving v̇, v̄ and v̄˙ of every node; its ``hvp`` is H·ẋ."""
        from .second import second_sweep

        return second_sweep(self, seed)

    def hvp(self, /, **seed: Any) -> dict[str, Any]:
        """The Hessian–vector product H·ẋ, by input name (each shaped like the gradient):
        one second-order adjoint sweep, a small multiple of the cost of f."""
        return self.second(**seed).hvp

    def hessian(self) -> Any:
        """The Hessian ∇²y as a 2-D numpy array: a row and a column per input element (each
        flattened, in the order given). One second-order sweep in vector mode."""
        from .second import hessian

        return hessian(self)

    def evaluate(self, /, **inputs: Any) -> Trace:
        """The primal sweep: the same trace at new inputs (others keep their values).

        Replaying the recorded list is right for straight-line code only: a function
        that branches on its values must be traced again at the new point.
        """
        unknown = set(inputs) - set(self.inputs)
        if unknown:
            raise TraceError(f"unknown input {sorted(unknown)[0]!r}; the inputs are "
                             + ", ".join(self.inputs))
        c = self.computed
        ops, args, parameters = c.ops, c.args, c.parameters
        values, partials = c.values.copy(), c.partials.copy()
        for k, name in enumerate(self.inputs):
            if name in inputs:
                values[k] = _input(name, inputs[name], self.arrays)
                if self.arrays and values[k].shape != c.values[k].shape:
                    raise TraceError(f"{name} must have shape {c.values[k].shape}, as when "
                                     "traced")
        n = len(ops)
        with np.errstate(all="ignore") if self.arrays else nullcontext():
            for i in range(len(self.inputs), n):
                values[i], partials[i] = evaluate_node(
                    ops[i], [values[j] for j in args[i]], parameters[i] if parameters else (),
                    self.arrays, args[i][-1] >= n)
        return replace(self, computed=Nodes(ops, args, values, partials, parameters))

    def __repr__(self) -> str:
        return (f"<Trace of {self.expression} at {_fmt_inputs(self.at())}: "
                f"{len(self) - len(self.inputs)} primitives, y = {self.value!r}>")


def _fmt_inputs(at: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in at.items())


def _seed_number(x: Any, name: str) -> float:
    if isinstance(x, numbers.Real):
        return float(x)
    if hasattr(x, "shape") and np.shape(x) == ():      # a 0-d array is a number too
        return float(x)
    raise TraceError(f"the seed for {name} must be a number, not {type(x).__name__}")


def _seed_array(x: Any, name: str, shape: tuple[int, ...]) -> Any:
    a = np.broadcast_to(as_array(x, f"the seed for {name}"), shape) if np.ndim(x) == 0 \
        else as_array(x, f"the seed for {name}")
    if a.shape != shape:
        raise TraceError(f"the seed for {name} has shape {a.shape}; {name} has shape {shape}")
    return a


def _textbook_order(nodes: Nodes, n_inputs: int, results: tuple[int, ...]) -> list[int]:
    """Positions of the nodes in textbook order: the inputs, then the nodes y needs by
    depth from the inputs (the longest path), ties in the order computed."""
    args, n = nodes.args, len(nodes.ops)
    needed = [False] * n
    for r in results:
        needed[r] = True
    for i in range(max(results), n_inputs - 1, -1):
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


def trace(f: Callable[..., Any] | str | Expression, /, *args: Any, **kwargs: Any) -> Trace:
    """Record the evaluation trace of `f` at the given inputs.

    `f` is an expression string such as ``"ln(x1) + x1*x2 - sin(x2)"`` (inputs by
    keyword, numbered in the order given), or a Python function written with
    ad_tutorial's functions, such as ``lambda x1, x2: adt.ln(x1) + x1*x2 - adt.sin(x2)``
    (inputs by position or keyword, numbered in the order of its parameters).
    Every name is free for an input: ``f`` and the rest are positional-only.

    An input is a number, or an array: a (nested) list or a numpy array, of float64.
    With any array input every node holds an array. f may return a tuple of outputs.
    """
    if isinstance(f, (str, Expression)):
        expression = _parsed(f) if isinstance(f, str) else f
        if args:
            raise TraceError("give an expression's inputs by name, e.g. x1=2.0")
        names, raw = expression.bind(kwargs)
        tape = _tape(names, raw, arrays=expression.needs_arrays)
        y = _record(tape, lambda *xs: expression(**dict(zip(names, xs))))
        return _finish(tape, names, y, expression, expression.text)
    names, raw = _bind_callable(f, args, kwargs)
    tape = _tape(names, raw)
    return _finish(tape, names, _record(tape, f), f, None)


@lru_cache(maxsize=256)
def _parsed(text: str) -> Expression:
    """The parsed expression of `text`, remembered: tracing the same text again, as a loop
    or a descent does, parses it once (an Expression is never changed)."""
    return parse(text)


def _tape(names: tuple[str, ...], raw: list[Any], arrays: bool = False) -> _Tape:
    """A tape for these inputs: of floats, or of arrays if any input is one (or the
    function needs arrays)."""
    for x in raw:
        if type(x) is not float:
            break
    else:
        if not arrays:
            return _Tape(raw)                       # the usual case, quickly
    arrays = arrays or not all(map(is_number, raw))
    if not arrays:
        return _Tape([_input(name, x, False) for name, x in zip(names, raw)])
    return _ArrayTape([_input(name, x, True) for name, x in zip(names, raw)])


def _input(name: str, x: Any, arrays: bool) -> Any:
    """An input value: a float, or a float64 array."""
    if type(x) is float:
        return np.array(x) if arrays else x
    number = is_number(x)
    if number and not arrays:
        return float(x)
    if not number and (isinstance(x, (str, bytes)) or
                       not (hasattr(x, "__len__") or hasattr(x, "shape"))):
        raise TraceError(f"input {name} must be a number or an array, not "
                         f"{type(x).__name__}")
    return as_array(x, f"input {name}")


def _record(tape: _Tape, f: Callable[..., Any]) -> Any:
    """Run f on the tape's traced inputs. numpy's warnings about inf and nan are silenced
    while recording arrays: those values are meant (ln 0 = −inf), as in torch."""
    if type(tape) is _Tape:
        return f(*tape.inputs())
    with np.errstate(all="ignore"):
        return f(*tape.inputs())


def _finish(tape: _Tape, inputs: tuple[str, ...], y: Any,
            function: Callable[..., Any], source: str | None) -> Trace:
    """Store the recording: the nodes up to the last output, in the order computed, then
    the constants (so a slot ≥ the number of nodes is a constant).

    Nodes f computed before y but did not use stay: the adjoint sweep passes nothing
    through them, and the textbook numbering leaves them out. Finding them costs a pass
    over the trace, which a gradient of a small function would notice.
    """
    several = type(y) is tuple
    if (type(y) is Traced or type(y) is TracedArray) and y.tape is tape:    # one output
        results = (last := y.index,)
    else:
        results = _results(tape, y if several else (y,))
        last = max(results)
    end = max(last + 1, len(inputs))               # what f computed after y is no part of it
    if end < len(tape.ops):
        for column in tape.columns():
            del column[end:]
    if tape.constants:
        n, args = len(tape.ops), tape.args
        for i in tape.constant_users:               # a node with two constants comes twice
            if i < n and min(args[i]) < 0:
                args[i] = tuple([j if j >= 0 else n + ~j for j in args[i]])
        tape.values += tape.constants
    arrays = type(tape) is _ArrayTape
    tape.__class__ = _FinishedTape                  # the trace owns these lists now
    return Trace(inputs, tape, results, function, source, several, arrays)


def _results(tape: _Tape, ys: tuple[Any, ...]) -> tuple[int, ...]:
    """The nodes holding the outputs, each checked to come from this trace."""
    traced = TracedArray if type(tape) is _ArrayTape else Traced
    if not ys:
        raise TraceError("the function returned no outputs")
    for k, out in enumerate(ys):
        if type(out) is not traced or out.tape is not tape:
            which = f"output {k + 1}" if len(ys) > 1 else "the function's result"
            raise TraceError(f"{which} does not depend on its inputs")
    return tuple([out.index for out in ys])


def _bind_callable(f: Callable[..., Any], args: tuple[Any, ...],
                   kwargs: dict[str, Any]) -> tuple[tuple[str, ...], list[Any]]:
    """Match the inputs to f's parameters: their names and values, in f's order."""
    names = _plain_parameters(f)
    if names and not args and len(kwargs) == len(names):
        try:                                        # the README's keyword form, quickly
            return names, [kwargs[name] for name in names]
        except KeyError:
            pass
    if names is None or len(args) != len(names) or kwargs:
        try:
            signature = inspect.signature(f)
            bound = signature.bind(*args, **kwargs)
        except TypeError as e:
            raise TraceError(f"inputs do not match the function: {e}") from None
        bound.apply_defaults()
        for name in bound.arguments:
            if signature.parameters[name].kind in (inspect.Parameter.VAR_POSITIONAL,
                                                   inspect.Parameter.VAR_KEYWORD):
                raise TraceError(f"give the function a parameter per input, not {name!r} "
                                 "(*args, **kwargs): inputs are named after parameters")
        names, args = tuple(bound.arguments), tuple(bound.arguments.values())
    if not names:
        raise TraceError("the function has no inputs to differentiate with respect to")
    return names, list(args)


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
