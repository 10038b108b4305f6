"""Recording a trace: traced values append one node per primitive to a tape.

The function being traced runs once on traced values instead of numbers. Their
operators and ad_tutorial's functions (``adt.sin``, ``adt.sum`` …) compute the value as
usual, and also append a node to the tape: the primitive, which earlier nodes (or
constants) it took, its value and its local partials ∂v/∂argument, evaluated now, as
an AD tape's forward pass does. Both sweeps then only multiply and add.

Two kinds of tape, one for each kind of number:

* a tape of floats, whose :class:`Traced` values are floats: the textbook's scalar
  traces, kept lean (a gradient of a small function costs a few microseconds);
* a tape of numpy arrays, whose :class:`TracedArray` values broadcast as numpy does;
  an elementwise primitive keeps its partials as arrays, the others (sum, @, indexing …)
  keep their parameters (an axis, a shape, a key) for their own rules.

While recording, the number of nodes is not known yet, so constant k has the slot ~k
(that is −1−k); finishing the trace moves the constants after the nodes.
"""

from __future__ import annotations

import numbers
import operator
from typing import Any, Callable

from .arrays import key_text, np
from .primitives import PRIMITIVES, Primitive


class TraceError(ValueError):
    """A function or its inputs cannot be traced (wrong inputs, no dependence on them)."""


class Nodes:
    """A trace's nodes as flat lists, inputs first and every node after its arguments."""

    __slots__ = ("ops", "args", "values", "partials", "parameters")

    def __init__(self, ops: list[Primitive | None], args: list[tuple[int, ...]],
                 values: list[Any], partials: list[tuple[Any, ...]],
                 parameters: list[tuple[Any, ...]] | None = None) -> None:
        self.ops = ops                  # None for an input
        self.args = args                # slots in values; a slot ≥ len(ops) is a constant
        self.values = values            # the nodes' values, then the constants
        self.partials = partials        # ∂v_i/∂(each argument of v_i), at these values
        self.parameters = parameters    # arrays: an axis, a shape, a key, or (); floats: None

    def columns(self) -> list[list[Any]]:
        """The lists that hold one entry per node."""
        per_node = [self.ops, self.args, self.values, self.partials, self.parameters]
        return [column for column in per_node if column is not None]


class _Tape(Nodes):
    """The nodes of a trace of floats being recorded, in the order f runs its primitives."""

    __slots__ = ("constants", "constant_users")

    def __init__(self, inputs: list[Any]) -> None:
        n = len(inputs)
        self.ops, self.args, self.values, self.partials = [None] * n, [()] * n, inputs, [()] * n
        self.parameters, self.constants, self.constant_users = None, [], []

    def inputs(self) -> list[Any]:
        """The traced values that f is called with, one per input."""
        return [Traced(self, k, x) for k, x in enumerate(self.values)]

    def constant(self, x: Any) -> tuple[int, Any]:
        """The slot (~k while recording) and value of a constant argument of the node about
        to be appended, which is noted as its user."""
        self.constants.append(x)
        self.constant_users.append(len(self.ops))
        return ~(len(self.constants) - 1), x

    def operand(self, x: Any, op: Primitive) -> tuple[int, float]:
        """The slot and the value of an argument: a traced value, or a number (a constant)."""
        if type(x) is Traced:
            if x.tape is not self:
                raise TraceError("a traced value from another trace was used")
            return x.index, x.value
        if not is_number(x):
            raise TraceError(f"{op.name} cannot mix a traced float with "
                             f"{type(x).__name__}: trace with array inputs for arrays")
        return self.constant(float(x))

    def append(self, op: Primitive, args: tuple[int, ...], value: Any,
               partials: tuple[Any, ...]) -> Traced:
        """Append the node v = op(args) with its local partials."""
        self.ops.append(op)
        self.args.append(args)
        self.values.append(value)
        self.partials.append(partials)
        return Traced(self, len(self.ops) - 1, value)


class _ArrayTape(_Tape):
    """The nodes of a trace of numpy arrays being recorded; a node may have parameters."""

    __slots__ = ()

    def __init__(self, inputs: list[Any]) -> None:
        super().__init__(inputs)
        self.parameters = [()] * len(inputs)

    def inputs(self) -> list[Any]:
        return [TracedArray(self, k, x) for k, x in enumerate(self.values)]

    def append(self, op: Primitive, args: tuple[int, ...], value: Any,  # type: ignore[override]
               partials: tuple[Any, ...], parameters: tuple[Any, ...] = ()) -> TracedArray:
        """Append the node v = op(args) with its local partials and its parameters."""
        self.ops.append(op)
        self.args.append(args)
        self.values.append(value)
        self.partials.append(partials)
        self.parameters.append(parameters)
        return TracedArray(self, len(self.ops) - 1, value)

    def operand(self, x: Any, op: Primitive) -> tuple[int, Any]:
        if type(x) is TracedArray:
            if x.tape is not self:
                raise TraceError("a traced value from another trace was used")
            return x.index, x.value
        if type(x) is Traced:
            raise TraceError(f"{op.name} cannot mix a traced float with a traced array")
        if is_number(x):
            return self.constant(float(x))
        return self.constant(as_array(x, "a constant"))


class _FinishedTape(_Tape):
    """The tape of a finished trace (``finish`` turns a tape into one): a traced value
    that escaped f can no longer append to it."""

    __slots__ = ()

    def append(self, *node: Any) -> Any:
        raise TraceError("a traced value was used after its trace was finished: "
                         "do all the work inside the function being traced")

    operand = append


def is_number(x: Any) -> bool:
    """Whether x is a real number: a float or an int at once, else as numbers.Real (an
    abstract class, slower to ask) says."""
    return type(x) is float or type(x) is int or isinstance(x, numbers.Real)


def as_array(x: Any, what: str) -> Any:
    """x as a float64 numpy array, or a TraceError saying what is wrong with it."""
    try:
        a = np.array(x, dtype=np.float64)
    except (ValueError, TypeError) as e:
        ragged = "inhomogeneous" in str(e) or "sequence" in str(e)
        raise TraceError(f"{what} must be a number or a (nested) list of numbers; it is "
                         f"{'ragged: its rows differ in length' if ragged else 'not numeric'}"
                         ) from None
    if a.size == 0:
        raise TraceError(f"{what} is empty")
    return a


# --- recorders: one per primitive, for each kind of tape ----------------------------------

def _recorder(op: Primitive) -> Callable[..., Any]:
    """The function that records op on traced floats: it computes the value and the local
    partials, and appends them as a node."""
    value, partials = op.value, op.partials
    if value is None:
        def record(*xs: Any, parameters: tuple[Any, ...] = ()) -> Any:
            raise TraceError(f"{op.name} works on arrays: give the inputs as arrays, "
                             "e.g. x=[1.0, 2.0]")
    elif op.arity == 1:
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
                if j < 0 and op.by_number:          # torch's kernels for x ** number
                    return tape.append(op, (i, j), *evaluate_node(op, (a, b), (), False, True))
            v = value(a, b)
            return tape.append(op, (i, j), v, partials(a, b, v))
    record.__name__ = record.__qualname__ = f"record_{op.name}"
    return record


def _array_recorder(op: Primitive) -> Callable[..., Any]:
    """The function that records op on traced arrays (and constants): value, then the
    elementwise partials or nothing (the other primitives' rules need only the values)."""
    check = op.check

    def record(*xs: Any, parameters: tuple[Any, ...] = ()) -> TracedArray:
        for x in xs:
            if type(x) is TracedArray:
                tape = x.tape
                break
        slots, values = [], []
        for x in xs:                # mostly traced arrays of this tape: their slot and value
            slot, value = (x.index, x.value) if type(x) is TracedArray and x.tape is tape \
                else tape.operand(x, op)
            slots.append(slot)
            values.append(value)
        try:
            if check:
                check(*map(np.shape, values), *parameters)
            out, partials = evaluate_node(op, values, parameters, True, slots[-1] < 0)
        except (ValueError, IndexError, TypeError) as e:
            raise TraceError(mismatch(op, values, parameters, e)) from None
        return tape.append(op, tuple(slots), out, partials, parameters)
    record.__name__ = record.__qualname__ = f"record_array_{op.name}"
    return record


def evaluate_node(op: Primitive, xs: tuple[Any, ...] | list[Any], parameters: tuple[Any, ...],
             arrays: bool, last_is_number: bool) -> tuple[Any, tuple[Any, ...]]:
    """A node's value and local partials from its arguments' values, on floats or arrays
    (torch's kernels for x ** number where the last argument is a constant)."""
    by_number = op.by_number if last_is_number else None
    if not arrays:
        out = (by_number.value if by_number else op.value)(*xs)
        return out, (by_number.partials if by_number else op.partials)(*xs, out)
    value, partials = (by_number.array, by_number.partials) if by_number else \
        (op.array, op.array_partials)             # no partials: the primitive has a VJP rule
    out = value(*xs, *parameters)
    if type(out) is not np.ndarray:             # a number: numpy's result on 0-d arrays
        out = np.asarray(out, dtype=np.float64)
    if out.size == 0:
        raise ValueError("the result would have no elements")
    return out, partials(*xs, out) if partials else ()


def mismatch(op: Primitive, values: list[Any], parameters: tuple[Any, ...],
             error: Exception) -> str:
    """One line naming the operation and the shapes that do not fit."""
    shapes = " and ".join(str(np.shape(v)) for v in values)
    what = op.symbol or op.name
    if op.elementwise:
        return f"{what}: shapes {shapes} do not broadcast together"
    reason = str(error).split("\n")[0]
    given = "".join(f" with {n} {key_text(p) if n == 'key' else p}"
                    for n, p in zip(op.parameters, parameters))
    return f"{what} of shape{'s' * (len(values) > 1)} {shapes}{given}: {reason}"


class _Recorders(dict):
    """RECORD[p], the function that records primitive p, is made when first asked for."""

    def __init__(self, make: Callable[[Primitive], Callable[..., Any]]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, p: Primitive) -> Callable[..., Any]:
        record = self[p] = self.make(p)
        return record


RECORD: dict[Primitive, Callable[..., Any]] = _Recorders(_recorder)
RECORD_ARRAY: dict[Primitive, Callable[..., Any]] = _Recorders(_array_recorder)


# --- the traced values ---------------------------------------------------------------------

class Traced:
    """A value being traced: a float that remembers which node of the trace it is."""

    __slots__ = ("tape", "index", "value")

    def __init__(self, tape: _Tape, index: int, value: Any) -> None:
        self.tape, self.index, self.value = tape, index, value

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.value!r})"

    def __pos__(self) -> Traced:
        return self

    def __float__(self) -> float:
        raise TypeError("a traced value cannot become a plain number: use ad_tutorial's "
                        "functions (adt.sin, adt.sum, …), not math's or numpy's")

    # Comparisons look at the value. A branch on them is frozen into the trace:
    # re-evaluating at other inputs then follows the branch taken while tracing.
    def __lt__(self, other: Any) -> Any:
        return self.value < _value(other)

    def __le__(self, other: Any) -> Any:
        return self.value <= _value(other)

    def __gt__(self, other: Any) -> Any:
        return self.value > _value(other)

    def __ge__(self, other: Any) -> Any:
        return self.value >= _value(other)


class TracedArray(Traced):
    """A numpy array being traced: it remembers which node of the trace it is."""

    __slots__ = ()
    __array_ufunc__ = None          # numpy's own operators step aside: ndarray + traced

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape

    @property
    def ndim(self) -> int:
        return self.value.ndim

    @property
    def size(self) -> int:
        return self.value.size

    def __len__(self) -> int:
        return len(self.value)

    @property
    def T(self) -> TracedArray:
        """The transpose, as numpy's ``.T``."""
        return RECORD_ARRAY[PRIMITIVES["transpose"]](self)

    def __getitem__(self, key: Any) -> TracedArray:
        """x[0], x[1:3], x[0, 1:]: whole numbers and slices (checked when recorded)."""
        key = key if isinstance(key, tuple) else (key,)
        return RECORD_ARRAY[PRIMITIVES["index"]](self, parameters=(key,))


def _value(x: Any) -> Any:
    return x.value if isinstance(x, Traced) else x


def _install_operators() -> None:
    """Give traced values the Python operators of the primitives that are operators
    (+ − × / ** − abs, and @ for arrays).

    Those primitives use Python's own operator as their torch counterpart, since it
    works on floats and tensors alike; its name gives the special method to define.
    """
    for p in PRIMITIVES.values():
        name = p.torch.__name__
        if getattr(operator, name, None) is not p.torch:
            continue
        for cls, recorders in ((Traced, RECORD), (TracedArray, RECORD_ARRAY)):
            if cls is Traced and p.value is None:
                continue                            # @ needs arrays
            record = recorders[p]
            setattr(cls, f"__{name}__", record)
            if p.arity == 2:
                setattr(cls, f"__r{name}__", lambda x, y, record=record: record(y, x))


_install_operators()
