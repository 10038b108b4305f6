"""A safe parser for expressions such as ``"ln(x1) + x1*x2 - sin(x2)"``.

The text is parsed by Python's own ``ast`` module and then walked through a whitelist:
numbers, variable names, the constants ``pi`` and ``e``, ``+ - * / **``, unary ``-``
and ``+``, and calls of the known functions. Anything else (attributes, subscripts,
lambdas, comparisons, keywords, …) is an :class:`ExpressionError` naming the column.
Nothing the user types is ever executed: the result is a small straight-line program
of primitives, run by :func:`ad_tutorial.functions.apply` on any engine.

Operations on constants alone are folded when parsing: ``2*pi*x`` is one node.
"""

from __future__ import annotations

import ast
import math
import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

from .primitives import CONSTANTS, FUNCTIONS, PRIMITIVES, Primitive

if TYPE_CHECKING:
    from .trace import Trace

MAX_LENGTH = 10_000

#: The tutorial's example, f(x1, x2) = ln(x1) + x1·x2 − sin(x2) at (2, 5), used throughout.
SEED_EXAMPLE: tuple[str, dict[str, float]] = ("ln(x1) + x1*x2 - sin(x2)", {"x1": 2.0, "x2": 5.0})

_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}

_FORBIDDEN = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Lambda: "lambda",
    ast.Compare: "comparisons",
    ast.BoolOp: "'and'/'or'",
    ast.IfExp: "'if' expressions",
    ast.Starred: "'*' unpacking",
    ast.NamedExpr: "':=' assignment",
    ast.JoinedStr: "strings",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Dict: "dicts",
    ast.Set: "sets",
}

# A step's argument: a variable (str), a constant (float) or an earlier step (int).
Ref = Union[str, float, int]


class ExpressionError(ValueError):
    """An expression outside the whitelist, with the 1-based column of the problem."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message if column is None else f"column {column}: {message}")
        self.message, self.column = message, column


@dataclass(frozen=True)
class Expression:
    """A parsed expression: a straight-line program of primitives over named variables."""

    text: str
    variables: tuple[str, ...]                              # in order of first appearance
    steps: tuple[tuple[Primitive, tuple[Ref, ...]], ...]
    result: Ref

    def __call__(self, /, **values: Any) -> Any:
        """Evaluate on floats, traced values or torch tensors, given by variable name."""
        from .functions import apply

        results: list[Any] = []

        def get(r: Ref) -> Any:
            return values[r] if isinstance(r, str) else results[r] if type(r) is int else r

        for p, refs in self.steps:
            results.append(apply(p, *map(get, refs)))
        return get(self.result)

    @property
    def needs_arrays(self) -> bool:
        """Whether a step works on arrays only (sum, @, …): then every node is an array."""
        return any(p.value is None for p, _ in self.steps)

    def bind(self, values: dict[str, Any]) -> tuple[tuple[str, ...], list[Any]]:
        """Check that `values` gives a value for each variable: the names in the order
        given, and the values."""
        from .tape import TraceError

        if not self.variables:
            raise TraceError(f"{self.text!r} has no variables to differentiate")
        for name in values:
            if name not in self.variables:
                raise TraceError(f"{name} does not appear in {self.text!r} "
                                 f"(its variables: {', '.join(self.variables)})")
        for name in self.variables:
            if name not in values:
                raise TraceError(f"no value for {name}; give every variable, "
                                 f"e.g. {' '.join(v + '=1' for v in self.variables)}")
        return tuple(values), list(values.values())

    def __str__(self) -> str:
        return self.text


def parse(text: str) -> Expression:
    """Parse `text` through the whitelist, or raise :class:`ExpressionError`."""
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be a string, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression is too long ({len(text)} characters; "
                              f"at most {MAX_LENGTH})")
    if not text.strip():
        raise ExpressionError("expression is empty")
    for k, ch in enumerate(text):
        if not ch.isprintable():
            raise ExpressionError("expression must be one line of printable text", k + 1)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        column = e.offset + len(text) - len(text.lstrip()) if e.offset else None
        raise ExpressionError(f"syntax error: {e.msg}", column) from None
    except (RecursionError, MemoryError):
        raise ExpressionError("expression is nested too deeply") from None
    return _Builder(text).build(tree.body)


class _Builder:
    """Walks the syntax tree without recursion, appending one step per primitive."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.indent = len(text) - len(text.lstrip())
        self.variables: dict[str, None] = {}
        self.steps: list[tuple[Primitive, tuple[Ref, ...]]] = []

    def column(self, node: ast.AST) -> int:
        """1-based character column (ast counts UTF-8 bytes)."""
        line = self.text.lstrip().encode()
        return len(line[:node.col_offset].decode(errors="ignore")) + self.indent + 1

    def fail(self, message: str, node: ast.AST) -> ExpressionError:
        return ExpressionError(message, self.column(node))

    def build(self, root: ast.expr) -> Expression:
        done: dict[int, Ref] = {}
        stack: list[tuple[ast.expr, bool]] = [(root, False)]
        while stack:
            node, children_done = stack.pop()
            children = self.children(node)
            if children_done:
                done[id(node)] = self.step(node, [done.pop(id(c)) for c in children])
            else:
                stack.append((node, True))
                stack.extend((c, False) for c in reversed(children))
        return Expression(self.text, tuple(self.variables), tuple(self.steps), done[id(root)])

    def children(self, node: ast.expr) -> list[ast.expr]:
        """The operands of an allowed node; any other node is an error."""
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                hint = ": write powers as x**2" if isinstance(node.op, ast.BitXor) else ""
                raise self.fail(f"operator {_symbol(node.op)} is not supported{hint}", node)
            return [node.left, node.right]
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                raise self.fail(f"operator {_symbol(node.op)} is not supported", node)
            return [node.operand]
        if isinstance(node, ast.Call):
            return self.call_arguments(node)
        if isinstance(node, (ast.Constant, ast.Name)):
            return []
        what = _FORBIDDEN.get(type(node), type(node).__name__)
        raise self.fail(f"{what} not allowed; use numbers, variables, + - * / ** "
                        f"and the functions {', '.join(sorted(FUNCTIONS))}", node)

    def call_arguments(self, node: ast.Call) -> list[ast.expr]:
        if not isinstance(node.func, ast.Name):
            raise self.fail("only named functions can be called, e.g. sin(x)", node)
        name = node.func.id
        if name not in FUNCTIONS:
            raise self.fail(f"unknown function {name!r} (known: "
                            f"{', '.join(sorted(FUNCTIONS))})", node)
        if node.keywords:
            raise self.fail(f"{name}() takes no keyword arguments", node.keywords[0])
        arity = FUNCTIONS[name].arity
        if len(node.args) != arity or any(isinstance(a, ast.Starred) for a in node.args):
            raise self.fail(f"{name}() takes {arity} argument, got {len(node.args)}", node)
        return list(node.args)

    def step(self, node: ast.expr, refs: list[Ref]) -> Ref:
        """The value of `node` as a Ref, appending a step unless it is a leaf or constant."""
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):
            return refs[0]
        if isinstance(node, ast.UnaryOp):
            p = PRIMITIVES["neg"]
        elif isinstance(node, ast.BinOp):
            p = PRIMITIVES[_BINARY[type(node.op)]]
        else:
            p = FUNCTIONS[node.func.id]
        if all(isinstance(r, float) for r in refs):
            return p.value(*refs)                      # fold constants
        self.steps.append((p, tuple(refs)))
        return len(self.steps) - 1

    def number(self, node: ast.Constant) -> float:
        v = node.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise self.fail(f"{type(v).__name__} constant {v!r} not allowed; only numbers",
                            node)
        try:
            x = float(v)
        except OverflowError:
            x = math.inf
        if not math.isfinite(x):
            raise self.fail("number too large for a float", node)
        return x

    def name(self, node: ast.Name) -> Ref:
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        if node.id in FUNCTIONS:
            raise self.fail(f"{node.id} is a function: call it, as in {node.id}(x)", node)
        self.variables.setdefault(node.id)
        return node.id


def _symbol(op: ast.AST) -> str:
    symbols = {ast.BitXor: "^", ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@",
               ast.BitAnd: "&", ast.BitOr: "|", ast.LShift: "<<", ast.RShift: ">>",
               ast.Invert: "~", ast.Not: "'not'"}
    return symbols.get(type(op), type(op).__name__)


# --- writing a trace back as an expression (for traces of Python functions) ---------

_ATOM, _UNARY_MINUS = 100, 30
MAX_UNPARSED = 300


def unparse(trace: Trace) -> str:
    """The trace as expression text, e.g. ``ln(x1) + x1*x2 - sin(x2)``.

    Shared subexpressions are written out each time they are used; a trace whose text
    would exceed a few hundred characters is summarised instead.
    """
    n = len(trace)
    texts: list[tuple[str, int]] = [(name, _ATOM) for name in trace.inputs]

    def operand(j: int) -> tuple[str, int]:
        if j < n:
            return texts[j]
        x = trace.values[j]
        return _number_text(x), (_UNARY_MINUS if x < 0 else _ATOM)

    for i in range(len(trace.inputs), n):
        p = trace.ops[i]
        parts = [operand(j) for j in trace.args[i]]
        if p.symbol:
            (a, pa), (b, pb) = parts
            right_assoc = p.name == "pow"
            if pa < p.precedence or (right_assoc and pa <= p.precedence):
                a = f"({a})"
            if pb < p.precedence or (not right_assoc and pb == p.precedence):
                b = f"({b})"
            sep = "" if p.precedence >= 20 else " "
            texts.append((f"{a}{sep}{p.symbol}{sep}{b}", p.precedence))
        elif p.name == "neg":
            a, pa = parts[0]
            texts.append((f"-({a})" if pa < _UNARY_MINUS else f"-{a}", _UNARY_MINUS))
        else:
            texts.append((f"{p.name}({', '.join(t for t, _ in parts)})", _ATOM))
        if len(texts[-1][0]) > MAX_UNPARSED:
            return f"f({', '.join(trace.inputs)}), a trace of {n} nodes"
    return ", ".join(texts[k][0] for k in trace.outputs)


def _number_text(x: float) -> str:
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)
