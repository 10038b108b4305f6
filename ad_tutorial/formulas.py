"""Formulas in the tables: the primitives and their partials as small trees.

The primitive table writes each local partial in Python syntax over the arguments x, y
and the primitive's own value out: sqrt's ∂v/∂x is ``"1/(2*out)"``. A table row needs it
with the trace's names, 1/(2 × v_1), or with its numbers, 1/(2 × 1.414), in text, HTML or
LaTeX. So a formula is parsed once into a tree of :class:`Apply`, :class:`Num` and
:class:`Name`; :func:`fill` puts the trace's names or numbers in, folding what is constant
(the exponent of x**(2 − 1) becomes 1, and x¹ is x); and a notation
(:mod:`ad_tutorial.notation`) writes the tree, with the parentheses and the
multiplication signs it needs.

On arrays the primitives that move or combine elements (sum, @, x[1:3] …) give their
Jacobian–vector and vector–Jacobian products as formulas too, over the same names and
the tangents dx, dy, the adjoint g and the node's parameters (:class:`Param`): sum's
VJP is ``"broadcast(g, shape_x, axis)"``, written v̄_6 broadcast to (5,).

Only the package's own formulas are parsed here, never a user's text.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping, Union

from .primitives import FUNCTIONS, PRIMITIVES


@dataclass(frozen=True)
class Num:
    """A number. A constant (of a formula, or of the trace: the 3 of 3*x) folds with other
    constants; a value put in for a name (``constant=False``) never does, so that a row
    of numbers shows every number it substitutes."""

    value: float
    constant: bool = True


@dataclass(frozen=True)
class Name:
    """A name: a formula's own x, y or out, or one written in a notation (v_0, \\dot{v}_{1})."""

    text: str


@dataclass(frozen=True)
class Apply:
    """op(args). op is a primitive's name ("add", "ln", …), "sign", "gt" (the bracket
    [x > y], 1 where it holds, else 0), or "group": parentheses that a row asks for."""

    op: str
    args: tuple[Formula, ...]


@dataclass(frozen=True)
class Param:
    """A static parameter of an array operation, written as it is: an ``axis``, the
    ``axes`` a sum runs over, a ``shape``, or an index ``key`` (a tuple of whole numbers
    and slices)."""

    kind: str
    value: Any


Formula = Union[Num, Name, Apply, Param]

ARITHMETIC = ("add", "sub", "mul", "div", "pow", "neg")
#: Functions of formulas besides the primitives: sign(x); on arrays, an adjoint broadcast
#: back over the axes a sum removed, summed back to the shape a broadcast came from
#: (unbroadcast, see arrays.unbroadcast), or scattered into zeros where an index took it.
OTHER_FUNCTIONS = ("sign", "broadcast", "unbroadcast", "scatter")
#: The array operations that are linear in each argument: one of them applied to
#: NO_TANGENT is NO_TANGENT again.
LINEAR = ("matmul", "transpose", "sum", "mean", "reshape", "index", "broadcast",
          "unbroadcast", "scatter")
_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow",
           ast.MatMult: "matmul"}
ONE = Num(1.0)
#: The tangent of a constant, which has none: written 0 (in stack(v̇_1, 0)); a linear
#: operation of it is itself, and a term of it drops out of a sum (x @ ẏ + ẋ @ y, y a
#: constant, is ẋ @ y).
NO_TANGENT = Num(0.0)


def apply(op: str, *args: Formula) -> Formula:
    """op(args), folded where it can be: arithmetic on constants alone is done (2 − 1 is
    1), and x¹ is x. Functions are not folded: ln 2 stays ln 2."""
    if op in ARITHMETIC and all(isinstance(a, Num) and a.constant for a in args):
        return Num(PRIMITIVES[op].value(*(a.value for a in args)))
    if op == "pow" and args[1] == ONE:
        return args[0]
    if any(a is NO_TANGENT for a in args):
        if op in LINEAR:
            return NO_TANGENT
        if op == "add":
            return args[1] if args[0] is NO_TANGENT else args[0]
    return Apply(op, args)


@lru_cache(maxsize=None)
def parse(text: str) -> Formula:
    """A formula of the primitive table as a tree: "1/(2*out)" is div(1, mul(2, out))."""
    return _tree(ast.parse(text, mode="eval").body)


def _tree(node: ast.expr) -> Formula:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return Num(float(node.value))
    if isinstance(node, ast.Name):
        return Name(node.id)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return apply(_BINARY[type(node.op)], _tree(node.left), _tree(node.right))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return apply("neg", _tree(node.operand))
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args
            and (node.func.id in FUNCTIONS or node.func.id in OTHER_FUNCTIONS)):
        name = FUNCTIONS[node.func.id].name if node.func.id in FUNCTIONS else node.func.id
        return apply(name, *map(_tree, node.args))
    if isinstance(node, ast.Starred) and isinstance(node.value, ast.Name):
        return Name("*" + node.value.id)          # every argument's, e.g. stack(*dxs)
    if isinstance(node, ast.Subscript):
        return apply("index", _tree(node.value), _tree(node.slice))
    if isinstance(node, ast.Compare) and [type(op) for op in node.ops] == [ast.Gt]:
        return apply("gt", _tree(node.left), _tree(node.comparators[0]))
    raise ValueError(f"not a formula of the primitive table: {ast.unparse(node)}")


def fill(formula: Formula, names: Mapping[str, Any]) -> Formula:
    """The formula with each of its names replaced (x by v_0, or by 1.414), folded again.

    A name given as None (sum's axis, when it sums every element) is left out of its
    operation's arguments, and ``*dxs`` stands for every formula of the tuple ``dxs``.
    """
    if isinstance(formula, Name):
        return names[formula.text]
    if not isinstance(formula, Apply):
        return formula
    args: list[Formula] = []
    for a in formula.args:
        if isinstance(a, Name) and a.text.startswith("*"):
            args.extend(names[a.text[1:]])
        elif (filled := fill(a, names)) is not None:
            args.append(filled)
    return apply(formula.op, *args)


# --- the rows' own algebra: a term of the chain rule, and a sum of terms -----------------

def times(factor: Formula, partial: Formula) -> Formula:
    """factor × partial. A partial that is a sum, a product or starts with a minus is put
    in parentheses, so that the row shows which factor is the partial: v̇_0 × (2 × v_0),
    v̇_0 × (−1/v_0²)."""
    if (isinstance(partial, Apply) and partial.op in ("add", "sub", "mul")) or negative(partial):
        partial = Apply("group", (partial,))
    return Apply("mul", (factor, partial))


def negated(f: Formula) -> Formula:
    """−f, for an f that starts with a minus (see :func:`negative`): the minus dropped."""
    if isinstance(f, Num):
        return Num(-f.value, f.constant)
    if f.op == "neg":
        return f.args[0]
    return Apply(f.op, (negated(f.args[0]), *f.args[1:]))


def negative(f: Formula) -> bool:
    """Whether f, written out, starts with a minus: −1, −x/y², −0 × ln 2 (not an array,
    which starts with its bracket)."""
    if isinstance(f, Num):
        return (isinstance(f.value, float) and math.copysign(1.0, f.value) < 0
                and not math.isnan(f.value))
    if isinstance(f, Apply):
        return f.op == "neg" or (f.op in ("add", "sub", "mul", "div") and negative(f.args[0]))
    return False


def chain(factor: Formula, partial: Formula) -> Formula:
    """The term v̇_j · ∂v_i/∂v_j of a tangent, as the textbook writes it: v̇_j for a
    partial 1, −v̇_j for −1, v̇_j/v for 1/v, else v̇_j × partial."""
    if partial == ONE:
        return factor
    if partial == Num(-1.0):
        return Apply("neg", (factor,))
    if isinstance(partial, Apply) and partial.op == "div" and partial.args[0] == ONE:
        return Apply("div", (factor, partial.args[1]))
    return times(factor, partial)


def total(terms: list[Formula]) -> Formula:
    """t_1 + t_2 + …, where a negated term is subtracted: v̇_4 − v̇_3."""
    out = terms[0]
    for term in terms[1:]:
        negated = isinstance(term, Apply) and term.op == "neg"
        out = Apply("sub", (out, term.args[0])) if negated else Apply("add", (out, term))
    return out
