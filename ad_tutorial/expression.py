"""A safe parser for expressions such as ``"ln(x1) + x1*x2 - sin(x2)"``.

Parsing goes in three steps, each refusing what it cannot accept with an
:class:`ExpressionError` naming the column:

1. **The text.** One line of plain ASCII, without comments or strings. Python would
   quietly read the lookalike ``𝐬𝐢𝐧`` as ``sin``; we name the character instead.
2. **The project's limits** (:class:`ExpressionLimits`): the length, how deeply brackets
   and operations nest, and how many numbers, names and operators there are. They are
   measured on the text by :func:`measure`, before Python's parser sees it, so an
   expression is accepted or refused for the same reason on every Python: CPython's own
   limits, which differ between versions, are far above ours and never reached.
3. **The whitelist.** Python's ``ast`` parses the text and a walk without recursion
   accepts only numbers, variable names, the constants ``pi`` and ``e``, ``+ - * / **``,
   the matrix product ``@``, unary ``-`` and ``+``, calls of the known functions (with a
   whole-number axis or shape where they take one: ``sum(x, 0)``, ``reshape(x, 2, 3)``),
   indexing with whole numbers and slices (``x[0]``, ``x[1:3]``), and commas at the top
   for several outputs (``x*y, x+y``). Anything else (attributes, lambdas, comparisons,
   keywords, …) is refused.

Nothing the user types is ever executed: the result is a small straight-line program
of primitives, run by :func:`ad_tutorial.functions.apply` on any engine. Operations on
constants alone are folded when parsing (``2*pi*x`` is one node); every number keeps the
text and column it was written with (:attr:`Expression.numbers`), and every step the
column and text of its part of the expression (:attr:`Expression.places`): a step that
cannot take the values given (``x + y`` of shapes (3,) and (2,)) is a :class:`StepError`
naming them, both an :class:`ExpressionError` and a ``TraceError``.
"""

from __future__ import annotations

import ast
import keyword
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple, Union

from .functions import apply
from .primitives import CONSTANTS, FUNCTIONS, PRIMITIVES, Primitive
from .tape import TraceError

if TYPE_CHECKING:
    from .trace import Trace

#: The tutorial's example, f(x1, x2) = ln(x1) + x1·x2 − sin(x2) at (2, 5), used throughout.
SEED_EXAMPLE: tuple[str, dict[str, float]] = ("ln(x1) + x1*x2 - sin(x2)", {"x1": 2.0, "x2": 5.0})

_ALLOWED = ("use numbers, variables, + - * / ** @, x[i] and x[i:j], and the functions "
            + ", ".join(sorted(FUNCTIONS)))


class ExpressionError(ValueError):
    """An expression outside the rules, with the 1-based column of the problem (counted in
    the text as given, leading spaces included)."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message if column is None else f"column {column}: {message}")
        self.message, self.column = message, column


class StepError(ExpressionError, TraceError):
    """What a step of the expression cannot do with the values given (shapes that do not
    broadcast, an index out of range), at the column of the part of the text that asked."""


# --- 1. the text -------------------------------------------------------------------------

#: Lookalikes that NFKC does not turn into what the user meant.
_ASCII_FOR = {"−": "-", "–": "-", "×": "*", "·": "*", "⋅": "*", "÷": "/", "π": "pi",
              "√": "sqrt", "²": "**2", "³": "**3"}


def _check_characters(text: str) -> None:
    """One line of printable ASCII, with no comment and no string."""
    for k, ch in enumerate(text):
        if not ch.isprintable():
            raise ExpressionError(f"{ch!r} (U+{ord(ch):04X}) is not printable; an expression "
                                  "is one line of printable text", k + 1)
        if not ch.isascii():
            raise ExpressionError(_not_ascii(text, k), k + 1)
        if ch == "#":
            raise ExpressionError(f"comments ('#') not allowed; {_ALLOWED}", k + 1)
        if ch in "'\"":
            raise ExpressionError(f"strings not allowed; {_ALLOWED}", k + 1)


def _not_ascii(text: str, k: int) -> str:
    """Why text[k] is refused, and what to write instead where that is clear."""
    ch = text[k]
    name = unicodedata.name(ch, "")
    what = f"{ch!r} (U+{ord(ch):04X}{' ' + name if name else ''}) is not plain ASCII"
    if ch in _ASCII_FOR:
        return f"{what}: write {_ASCII_FOR[ch]}"
    start, end = k, k + 1
    while start > 0 and ("x" + text[start - 1]).isidentifier():
        start -= 1
    while end < len(text) and ("x" + text[end]).isidentifier():
        end += 1
    word = text[start:end]                          # the name it is part of
    read = unicodedata.normalize("NFKC", word)
    if read.isascii() and read.isidentifier():
        return f"{what}: Python would read {word!r} as {read!r}; write {read}"
    return f"{what}; names are ASCII letters, digits and _"


# --- 2. the project's limits, measured before Python's parser sees the text --------------

@dataclass(frozen=True)
class ExpressionLimits:
    """How large an expression may be: the project's own rule, the same on every Python.

    The defaults keep far below what CPython 3.10–3.13 can parse, so its limits are never
    the ones reached. Measured: 200 nested brackets on every version; nested operations
    from 1,489 (``x**-x**-…`` on 3.11) to 5,975 (``---…x`` on 3.10 and 3.13), fewer inside
    brackets, as each bracket costs the parser up to 30 levels of its stack of 6,000
    (worst here: 50 × 30 + 2 × 500 = 2,500); 3.11 and 3.12 also stop building a tree
    deeper than 3 × the recursion limit left (≈ 3,000 at Python's default of 1,000).
    Every walk over an expression or a trace is a loop, so no depth allowed here can
    exhaust Python's recursion limit either.
    """

    length: int = 10_000        # characters
    brackets: int = 50          # brackets inside brackets
    depth: int = 500            # operations inside operations: a + b + c is (a + b) + c, 2
    nodes: int = 2_000          # numbers, names and operators

    def check_length(self, text: str) -> None:
        """Refuse a text too long to measure at all."""
        if len(text) > self.length:
            raise ExpressionError(f"the expression is {len(text):,} characters long; at most "
                                  f"{self.length:,} are allowed")

    def check(self, size: Size) -> None:
        """Refuse an expression whose measured size is above a limit, naming where."""
        if size.brackets > self.brackets:
            raise ExpressionError(f"brackets are nested {size.brackets} deep; at most "
                                  f"{self.brackets} are allowed", size.brackets_column)
        if size.depth > self.depth:
            raise ExpressionError(f"operations are nested {size.depth} deep around this "
                                  "operand (a + b + c is (a + b) + c, two deep); at most "
                                  f"{self.depth} are allowed", size.depth_column)
        if size.nodes > self.nodes:
            raise ExpressionError(f"the expression has {size.nodes:,} numbers, names and "
                                  f"operators; at most {self.nodes:,} are allowed")


LIMITS = ExpressionLimits()


class Size(NamedTuple):
    """How large an expression is, measured on its text (columns are 1-based)."""

    brackets: int               # the deepest nesting of ( [ {
    brackets_column: int        # where that depth is first reached
    depth: int                  # the most operations around one operand, as Python nests them
    depth_column: int           # that operand
    nodes: int                  # numbers, names and operators


_TOKEN = re.compile(r"""
      (?P<space>\ +)
    | (?P<number>0[xX][\da-fA-F_]*|0[bB][01_]*|0[oO][0-7_]*
        |(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[jJ]?)
    | (?P<name>[A-Za-z_]\w*)
    | (?P<open>[(\[{])
    | (?P<close>[)\]}])
    | (?P<comma>,)
    | (?P<operator>\*\*|//|<<|>>|[<>=!:]=|->|\S)
    """, re.VERBOSE | re.ASCII)

#: Python's binary operators by precedence (** binds from the right), and its unary ones.
_PRECEDENCE = {"|": 1, "^": 2, "&": 3, "<<": 4, ">>": 4, "+": 5, "-": 5,
               "*": 6, "/": 6, "//": 6, "%": 6, "@": 6, "**": 8}
_UNARY = 7                      # - + ~ bind below ** (-x**2 is -(x**2)) and above * /
_POWER = _PRECEDENCE["**"]

# A depth with the column of its deepest operand.
_Deep = tuple[int, int]


def _deeper(a: _Deep, b: _Deep) -> _Deep:
    return b if b[0] > a[0] else a


class _Group:
    """A bracket (or the whole text) being measured, one comma-separated item at a time.

    An item made of operands (numbers, names, brackets) and the operators of _PRECEDENCE
    is nested as Python nests it, by precedence, with a stack of operands and a stack of
    operators (Dijkstra's shunting yard). Anything else (keywords, comparisons, '.',
    '=', a misplaced token) makes the item count each of its operators as one more
    level around its deepest operand: never less than Python's parser nests it.
    """

    def __init__(self, opener: str, call: bool, column: int) -> None:
        self.opener, self.call, self.column = opener, call, column
        self.comma = False
        self.deepest: _Deep = (0, column)          # over the items finished so far
        self.new_item()

    def new_item(self) -> None:
        self.operands: list[_Deep] = []
        self.operators: list[tuple[int, bool]] = []      # (precedence, unary)
        self.expect_operand = True
        self.exact = True
        self.count = 0                                    # operators of the item
        self.innermost: _Deep = (0, self.column)          # its deepest operand

    def operand(self, deep: _Deep) -> None:
        """A number, a name or a bracket, `deep` levels deep itself."""
        if not self.expect_operand:
            self.exact = False
        self.operands.append(deep)
        self.innermost = _deeper(self.innermost, deep)
        self.expect_operand = False

    def operator(self, token: str) -> None:
        """Push a binary or unary operator, first applying those that bind tighter."""
        self.count += 1
        precedence = _PRECEDENCE.get(token)
        if precedence is not None and not self.expect_operand:
            while self.operators and (self.operators[-1][0] > precedence or
                                      self.operators[-1][0] == precedence != _POWER):
                self.reduce()
            self.operators.append((precedence, False))
        elif token in ("+", "-", "~") and self.expect_operand:
            self.operators.append((_UNARY, True))
        else:
            self.exact = False
        self.expect_operand = True

    def call_or_subscript(self, inner: _Deep) -> None:
        """f(…) or x[…] after an operand: one level around it and around its inside."""
        self.count += 1
        self.innermost = _deeper(self.innermost, (inner[0] + 1, inner[1]))
        if self.operands:
            self.operands[-1] = _deeper(self.operands[-1], inner)
            self.operands[-1] = (self.operands[-1][0] + 1, self.operands[-1][1])

    def reduce(self) -> None:
        """Apply the last operator to its operands: one level around the deeper."""
        _, unary = self.operators.pop()
        if len(self.operands) < (1 if unary else 2):
            self.exact = False
            return
        b = self.operands.pop()
        a = b if unary else self.operands.pop()
        deep = _deeper(a, b)
        self.operands.append((deep[0] + 1, deep[1]))

    def end_item(self) -> None:
        """At a comma or the closing bracket: the item's depth, exact or counted."""
        while self.exact and self.operators:
            self.reduce()
        if self.exact and len(self.operands) == 1:
            item = self.operands[0]
        elif self.count or self.operands:
            item = (self.count + self.innermost[0], self.innermost[1])
        else:
            item = (0, self.column)                       # empty: f(), a trailing comma
        self.deepest = _deeper(self.deepest, item)

    def end(self) -> _Deep:
        """The group's depth: its deepest item, one more where the brackets make a node."""
        self.end_item()
        depth, column = self.deepest
        if self.call:                   # f(a, b), x[a, b]: the parent counts the call
            return depth + (self.opener == "[" and self.comma), column
        if self.opener in ("[", "{"):   # a list, set or dict
            return depth + 1, column
        return depth + (self.comma or (self.opener == "(" and depth == 0)), column  # tuples


def measure(text: str) -> Size:
    """How deeply `text` nests and how many numbers, names and operators it has.

    Measured on the tokens, without parsing: the depth is the one Python's parser will
    build (for arithmetic, exactly; for anything else, never less).
    """
    groups = [_Group("", False, 1)]
    brackets, nodes = (0, 1), 0
    for m in _TOKEN.finditer(text):
        kind, token, column, group = m.lastgroup, m.group(), m.start() + 1, groups[-1]
        if kind == "open":
            groups.append(_Group(token, not group.expect_operand, column))
            brackets = _deeper(brackets, (len(groups) - 1, column))
        elif kind == "close" and len(groups) > 1:
            _close(groups)
        elif kind == "comma":
            group.comma = True
            group.end_item()
            group.new_item()
        elif kind == "number" or kind == "name" and (
                token in ("True", "False", "None") or not keyword.iskeyword(token)):
            nodes += 1
            group.operand((1, column))
        elif kind in ("name", "operator"):             # a keyword is an operator here
            nodes += 1
            group.operator(token)
    while len(groups) > 1:                              # not closed: Python still nests it
        _close(groups)
    depth, column = groups[0].end()
    return Size(brackets[0], brackets[1], max(depth - 1, 0), column, nodes)


def _close(groups: list[_Group]) -> None:
    group = groups.pop()
    if group.call:
        groups[-1].call_or_subscript(group.end())
    else:
        groups[-1].operand(group.end())


# --- 3. the whitelist --------------------------------------------------------------------

_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow",
           ast.MatMult: "matmul"}

#: How the functions that are not f(x) are called: what they take, and an example.
_CALLS = {
    "sum": ("an array, and an axis if you like", "sum(x) or sum(x, 0)"),
    "mean": ("an array, and an axis if you like", "mean(x) or mean(x, 0)"),
    "reshape": ("an array and its new sizes", "reshape(x, 2, 3), one size may be -1"),
    "stack": ("one array or more", "stack(a, b)"),
    "matmul": ("2 arguments", "matmul(A, x)"),
}
#: How many arguments they take, at least and at most (None: any number).
_COUNTS = {"sum": (1, 2), "mean": (1, 2), "reshape": (2, None), "stack": (1, None),
           "matmul": (2, 2)}

_FORBIDDEN = {
    ast.Attribute: "attribute access",
    ast.Lambda: "lambda",
    ast.Compare: "comparisons",
    ast.BoolOp: "'and'/'or'",
    ast.IfExp: "'if' expressions",
    ast.Starred: "'*' unpacking",
    ast.NamedExpr: "':=' assignment",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Dict: "dicts",
    ast.Set: "sets",
}

# A step's argument: a variable (str), a constant (float) or an earlier step (int).
Ref = Union[str, float, int]
# A step: the primitive, its arguments, and its parameters (an axis, a shape, an index).
Step = tuple[Primitive, tuple[Ref, ...], tuple[Any, ...]]


class Number(NamedTuple):
    """A number of the expression, as written (``1e3``, a literal) or worked out from
    numbers while parsing (``2*pi``), with the 1-based column where its text starts."""

    text: str
    column: int
    value: float
    literal: bool


@dataclass(frozen=True)
class Expression:
    """A parsed expression: a straight-line program of primitives over named variables."""

    text: str
    variables: tuple[str, ...]                              # in order of first appearance
    steps: tuple[Step, ...]
    results: tuple[Ref, ...]                                # y, or y_1 … y_m
    numbers: tuple[Number, ...] = ()                        # in the order worked out
    places: tuple[tuple[int, str], ...] = ()                # each step's column and text

    def __call__(self, /, **values: Any) -> Any:
        """Evaluate on floats, arrays, traced values or torch tensors, given by variable
        name: y, or a tuple of the outputs where the text has commas at the top."""
        results: list[Any] = []

        def get(r: Ref) -> Any:
            return values[r] if isinstance(r, str) else results[r] if type(r) is int else r

        for k, (p, refs, parameters) in enumerate(self.steps):
            try:
                results.append(apply(p, *map(get, refs), parameters=parameters))
            except TraceError as e:
                if not self.places:
                    raise
                column, text = self.places[k]
                raise StepError(f"{text}: {e}", column) from None
        return tuple(map(get, self.results)) if self.several else get(self.results[0])

    @property
    def several(self) -> bool:
        """Whether the text gives several outputs (``x*y, x+y``)."""
        return len(self.results) > 1

    @cached_property
    def needs_arrays(self) -> bool:
        """Whether a step works on arrays only (sum, @, …): then every node is an array."""
        return any(p.value is None for p, _, _ in self.steps)

    def bind(self, values: dict[str, Any]) -> tuple[tuple[str, ...], list[Any]]:
        """Check that `values` gives a value for each variable: the names in the order
        given, and the values."""
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


def parse(text: str, /, limits: ExpressionLimits = LIMITS) -> Expression:
    """Parse `text` by the three steps above, or raise :class:`ExpressionError`."""
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be a string, not {type(text).__name__}")
    limits.check_length(text)
    if not text.strip():
        raise ExpressionError("expression is empty")
    _check_characters(text)
    limits.check(measure(text))
    indent = len(text) - len(text.lstrip())
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:                       # offset 0: the text ended too soon
        raise ExpressionError(f"syntax error: {e.msg}" if e.offset else
                              "syntax error: the expression ends too soon",
                              e.offset + indent if e.offset else len(text.rstrip()) + 1) from None
    except (RecursionError, MemoryError):          # a last guard: the limits keep far below
        raise ExpressionError("expression is nested too deeply for Python's parser") from None
    builder = _Builder(text, indent)
    outputs = tree.body.elts if isinstance(tree.body, ast.Tuple) else [tree.body]
    if not outputs:
        raise ExpressionError("the expression has no outputs", indent + 1)
    return builder.build(outputs)


class _Builder:
    """Walks the syntax tree without recursion, appending one step per primitive."""

    def __init__(self, text: str, indent: int) -> None:
        self.text, self.indent = text, indent          # ASCII: ast's columns are ours
        self.variables: dict[str, None] = {}
        self.steps: list[Step] = []
        self.places: list[tuple[int, str]] = []
        self.numbers: list[Number] = []

    def column(self, node: ast.AST) -> int:
        """1-based column in the text as given."""
        return node.col_offset + self.indent + 1

    def source(self, node: ast.expr) -> str:
        """The text of `node` as written."""
        start = node.col_offset + self.indent
        return self.text[start:start + node.end_col_offset - node.col_offset]

    def fail(self, message: str, node: ast.AST) -> ExpressionError:
        return ExpressionError(message, self.column(node))

    def build(self, outputs: list[ast.expr]) -> Expression:
        done: dict[int, Ref] = {}
        stack: list[tuple[ast.expr, bool]] = [(root, False) for root in reversed(outputs)]
        while stack:
            node, children_done = stack.pop()
            children = self.children(node)
            if children_done:
                done[id(node)] = self.step(node, [done[id(c)] for c in children])
            else:
                stack.append((node, True))
                stack.extend((c, False) for c in reversed(children))
        return Expression(self.text, tuple(self.variables), tuple(self.steps),
                          tuple(done[id(root)] for root in outputs), tuple(self.numbers),
                          tuple(self.places))

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
        if isinstance(node, ast.Subscript):
            self.key(node)                              # checked now, used by step()
            return [node.value]
        if isinstance(node, (ast.Constant, ast.Name)):
            return []
        what = _FORBIDDEN.get(type(node), type(node).__name__)
        raise self.fail(f"{what} not allowed; {_ALLOWED}", node)

    def call_arguments(self, node: ast.Call) -> list[ast.expr]:
        if not isinstance(node.func, ast.Name):
            raise self.fail("only named functions can be called, e.g. sin(x)", node)
        name = node.func.id
        if name not in FUNCTIONS:
            raise self.fail(f"unknown function {name!r} (known: "
                            f"{', '.join(sorted(FUNCTIONS))})", node)
        what, example = _CALLS.get(name, ("1 argument", f"{name}(x)"))
        takes = f"{name}() takes {what}"
        for a in node.args:
            if isinstance(a, ast.Starred):
                raise self.fail(f"'*' unpacking not allowed: {takes}, written out, "
                                f"e.g. {example}", a)
        for k in node.keywords:
            raise self.fail(f"{name}() takes no keyword arguments: write {example}" if k.arg
                            else f"'**' unpacking not allowed: {takes}, written out", k)
        least, most = _COUNTS.get(name, (1, 1))
        if not least <= len(node.args) <= (most or len(node.args)):
            raise self.fail(f"{takes}, got {len(node.args)}: e.g. {example}", node)
        if name in ("sum", "mean", "reshape"):           # then whole numbers
            for a in node.args[1:]:
                self.whole_number(a, name)
            return node.args[:1]
        return list(node.args)

    def whole_number(self, node: ast.expr, what: str) -> int:
        """A whole number written in the text (``0``, ``-1``): an axis, a size, an index."""
        sign = 1
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            sign, node = -1, node.operand
        if not (isinstance(node, ast.Constant) and type(node.value) is int):
            raise self.fail(f"{what} takes whole numbers here, written out, e.g. "
                            f"{_CALLS[what][1] if what in _CALLS else 'x[0], x[1:3]'}", node)
        return sign * node.value

    def parameters(self, node: ast.expr) -> tuple[Any, ...]:
        """The node's parameters: an axis for sum and mean, a shape for reshape, an index."""
        if isinstance(node, ast.Subscript):
            return (self.key(node),)
        if isinstance(node, ast.Call) and node.func.id in ("sum", "mean", "reshape"):
            numbers = [self.whole_number(a, node.func.id) for a in node.args[1:]]
            if node.func.id == "reshape":
                return (tuple(numbers),)
            return (numbers[0] if numbers else None,)
        return ()

    def key(self, node: ast.Subscript) -> tuple[Any, ...]:
        """x[0], x[1:3], x[0, 1:]: whole numbers and slices."""
        parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        key: list[Any] = []
        for part in parts:
            if isinstance(part, ast.Slice):
                key.append(slice(*[None if b is None else self.whole_number(b, "[…]")
                                   for b in (part.lower, part.upper, part.step)]))
            else:
                key.append(self.whole_number(part, "[…]"))
        return tuple(key)

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
        elif isinstance(node, ast.Subscript):
            p = PRIMITIVES["index"]
        else:
            p = FUNCTIONS[node.func.id]
        if all(isinstance(r, float) for r in refs):     # fold constants
            return self.constant(node, self.fold(node, p, refs), literal=False)
        self.steps.append((p, tuple(refs), self.parameters(node)))
        self.places.append((self.column(node), self.source(node)))
        return len(self.steps) - 1

    def fold(self, node: ast.expr, p: Primitive, refs: list[float]) -> float:
        """A primitive of numbers alone, worked out now: a number again (``sum(2)`` is 2),
        or refused where it would make an array."""
        if p.value is not None:
            return p.value(*refs)
        try:
            value = apply(p, *refs, parameters=self.parameters(node))
        except ValueError as e:
            raise self.fail(f"{p.name} of numbers alone: {e}", node) from None
        if not isinstance(value, float):
            raise self.fail(f"{p.name} of numbers alone makes an array: write it with a "
                            "variable", node)
        return value

    def constant(self, node: ast.expr, value: float, literal: bool) -> float:
        self.numbers.append(Number(self.source(node), self.column(node), value, literal))
        return value

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
        return self.constant(node, x, literal=True)

    def name(self, node: ast.Name) -> Ref:
        if node.id in CONSTANTS:
            return self.constant(node, CONSTANTS[node.id], literal=False)
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
    from .arrays import key_text

    n = len(trace)
    texts: list[tuple[str, int]] = [(name, _ATOM) for name in trace.inputs]
    parameters = trace.numbered.parameters

    def operand(j: int) -> tuple[str, int]:
        if j < n:
            return texts[j]
        x = trace.values[j]
        if type(x) is not float:                    # an array constant of a function's
            return f"<array of shape {x.shape}>", _ATOM
        return _number_text(x), (_UNARY_MINUS if x < 0 else _ATOM)

    for i in range(len(trace.inputs), n):
        p = trace.ops[i]
        parts = [operand(j) for j in trace.args[i]]
        given = parameters[i] if parameters else ()
        if p.name == "index":
            a, pa = parts[0]
            texts.append((f"{a if pa == _ATOM else f'({a})'}[{key_text(given[0])}]", _ATOM))
        elif p.symbol:
            (a, pa), (b, pb) = parts
            right_assoc = p.name == "pow"
            if pa < p.precedence or (right_assoc and pa <= p.precedence):
                a = f"({a})"
            if pb < p.precedence or (not right_assoc and pb == p.precedence):
                b = f"({b})"
            sep = "" if p.precedence >= 20 and p.symbol != "@" else " "
            texts.append((f"{a}{sep}{p.symbol}{sep}{b}", p.precedence))
        elif p.name == "neg":
            a, pa = parts[0]
            texts.append((f"-({a})" if pa < _UNARY_MINUS else f"-{a}", _UNARY_MINUS))
        else:
            numbers = [str(v) for v in (given[0] if p.name == "reshape" else given)
                       if v is not None]
            texts.append((f"{p.name}({', '.join([t for t, _ in parts] + numbers)})", _ATOM))
        if len(texts[-1][0]) > MAX_UNPARSED:
            return f"f({', '.join(trace.inputs)}), a trace of {n} nodes"
    return ", ".join(texts[k][0] for k in trace.outputs)


def _number_text(x: float) -> str:
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)
