"""What the classroom server accepts, checked before any work is done.

A request names an expression, a point and optionally a tangent seed. Each is held to
plain limits (length, brackets, nodes, variables, size of numbers), so no request can
keep the server busy for long; a request outside them is a :class:`Refusal` with a
message a student can act on. The same :class:`Limits` bound what a crowd may hold at
once (connections, requests waiting, time to send a request), so the server's memory
stays bounded too. The expression goes through the engine's safe parser, with the
server's tighter length and brackets: nothing typed is ever evaluated as Python.
Numbers are checked as written (``1e300`` in ``x*(1e300/1e300)``) and as worked out
from them (``2**40``). A value may be an array (``x=[0,1,2]``): each input holds at
most so many elements, and so do all the trace's nodes together, which is worked out
from the shapes alone before anything is computed (broadcasting makes large arrays of
small ones; see :func:`ad_tutorial.usage.check_sizes`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterator

from ..expression import Expression, ExpressionError, ExpressionLimits, Number, parse
from ..trace import Trace, TraceError, trace
from ..usage import UsageError, Value, check_sizes, parse_point


BUSY = "the server is busy; try again in a moment"     # the answer (429) to a crowd


@dataclass(frozen=True)
class Limits:
    """The largest request the server works on, and the most it holds at once."""

    body_bytes: int = 4096          # the whole JSON request
    length: int = 200               # characters in the expression
    nesting: int = 12               # brackets inside brackets
    nodes: int = 40                 # nodes of the trace, inputs included
    variables: int = 8
    number_text: int = 32           # characters in one number of the point or the seed
    magnitude: float = 1e9          # |every number| in the expression, point and seed
    elements: int = 100             # of an array given for one input (or its seed)
    trace_elements: int = 10_000    # of all the trace's nodes together
    seconds: float = 3.0            # time to work out one request
    waiting: float = 10.0           # time to wait for a free worker when many ask at once
    queue: int = 128                # requests waiting for a worker; more are told to retry
    connections: int = 256          # connections served at once; more are told to retry
    request_seconds: float = 10.0   # time a client has to send one request, head and body
    idle_seconds: float = 5.0       # time an idle connection is kept open for the next request


class Refusal(Exception):
    """A request the server will not work on: HTTP `status` and one clear sentence."""

    def __init__(self, message: str, status: int = 422, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.status, self.field = message, status, field


@dataclass(frozen=True)
class CheckedRequest:
    """A checked request: the parsed expression, the point and the seed."""

    expression: Expression
    at: dict[str, Value]
    seed: dict[str, Value]

    def trace(self) -> Trace:
        try:
            return trace(self.expression, **self.at)
        except TraceError as e:             # shapes that do not fit: at a column
            where = isinstance(e, ExpressionError) and e.column
            raise Refusal(f"in the expression at {e}" if where else str(e), field="at") from None


def check(data: Any, limits: Limits = Limits()) -> CheckedRequest:
    """Check a decoded JSON request ``{"expression": …, "at": …, "seed": …}``.

    The point and the seed are text such as ``"x1=2 x2=5"`` or objects ``{"x1": 2}``.
    """
    if not isinstance(data, dict):
        raise Refusal("send a JSON object such as "
                      '{"expression": "x*sin(x)", "at": "x=1"}', status=400)
    unknown = set(data) - {"expression", "at", "seed"}
    if unknown:
        raise Refusal(f"unknown field {sorted(unknown)[0]!r}; the fields are expression, "
                      "at and seed", status=400)
    text = data.get("expression")
    if not isinstance(text, str):
        raise Refusal("the expression must be text, such as \"x*sin(x)\"", 400, "expression")
    expression = _expression(text, limits)
    at = _numbers(data.get("at"), "at", limits)
    seed = _numbers(data.get("seed"), "seed", limits)
    if not at:
        raise Refusal("give the point, such as "
                      + " ".join(f"{x}=1" for x in expression.variables), field="at")
    try:
        check_sizes(expression, at, limits.trace_elements, limits.trace_elements)
    except UsageError as e:
        raise Refusal(str(e), field="expression") from None
    return CheckedRequest(expression, at, seed)


def _expression(text: str, limits: Limits) -> Expression:
    try:
        expression = parse(text, ExpressionLimits(length=limits.length,
                                                  brackets=limits.nesting))
    except ExpressionError as e:
        raise Refusal(f"in the expression at {e}" if e.column else str(e),
                      field="expression") from None
    nodes = len(expression.variables) + len(expression.steps)
    if nodes > limits.nodes:
        raise Refusal(f"the expression needs {nodes} nodes; at most {limits.nodes} are "
                      "allowed", field="expression")
    if len(expression.variables) > limits.variables:
        raise Refusal(f"the expression has {len(expression.variables)} variables; at most "
                      f"{limits.variables} are allowed", field="expression")
    for number in expression.numbers:
        if not abs(number.value) <= limits.magnitude:
            raise Refusal(_too_large(number, limits), field="expression")
    return expression


def _too_large(number: Number, limits: Limits) -> str:
    """Why a number of the expression is refused, in the words it was written with."""
    where = f"at column {number.column}"
    if number.literal:
        return (f"the number {number.text} {where} is larger than {limits.magnitude:g}, "
                "the largest allowed")
    return (f"{number.text} {where} works out to {number.value:.15g}; numbers must be "
            f"finite and at most {limits.magnitude:g} in size")


def _numbers(given: Any, field: str, limits: Limits) -> dict[str, Value]:
    """``"x1=2 x2=5"`` (or ``{"x1": 2, "x2": 5}``) as {'x1': 2.0, 'x2': 5.0}; a value may
    be an array, ``"x=[0, 1, 2]"`` (or ``{"x": [0, 1, 2]}``)."""
    if given is None or given == "":
        return {}
    if isinstance(given, dict):
        if not all(_numeric(v) for v in given.values()):
            raise Refusal(f"{field}: every value must be a number or a list of numbers",
                          400, field)
        given = " ".join(f"{name}={value!r}" if not isinstance(value, list)
                         else f"{name}={json.dumps(value)}" for name, value in given.items())
    if not isinstance(given, str):
        raise Refusal(f"{field} must be text such as \"x1=2 x2=5\"", 400, field)
    items = _items(given)
    if len(items) > limits.variables:
        raise Refusal(f"{field} gives {len(items)} values; at most {limits.variables} are "
                      "allowed", field=field)
    for item in items:
        for text in re.split(r"[\[\],\s]+", item.partition("=")[2]):
            if len(text) > limits.number_text:
                raise Refusal(f"{field}: {text[:20]}… is too long for a number", field=field)
    try:
        values = parse_point(items, field, max_elements=limits.elements)
    except UsageError as e:
        raise Refusal(str(e), field=field) from None
    for name, value in values.items():
        for x in _elements(value):
            if not abs(x) <= limits.magnitude:
                raise Refusal(f"{field}: {name} holds {x:g}, too large; numbers must be "
                              f"finite and at most {limits.magnitude:g} in size"
                              if isinstance(value, list) else
                              f"{field}: {name}={value:g} is too large; numbers must be "
                              f"finite and at most {limits.magnitude:g} in size", field=field)
    return values


def _numeric(value: Any) -> bool:
    """A number, or a (nested) list of numbers, as JSON gives them (no booleans)."""
    if isinstance(value, list):
        return all(_numeric(v) for v in value)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _items(text: str) -> list[str]:
    """``x=[0, 1] y=2`` as ["x=[0, 1]", "y=2"]: split at spaces, commas and semicolons
    outside brackets."""
    items, start, depth = [], 0, 0
    for k, c in enumerate(text + " "):
        depth += (c == "[") - (c == "]")
        if depth <= 0 and c in " \t\n\r,;":
            if text[start:k].strip():
                items.append(text[start:k].strip())
            start = k + 1
    return items


def _elements(value: Value) -> Iterator[float]:
    """The numbers of a value, a number or nested lists of them."""
    pending = [value]
    while pending:
        v = pending.pop()
        if isinstance(v, list):
            pending.extend(v)
        else:
            yield v
