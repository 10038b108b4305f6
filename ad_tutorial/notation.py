"""Notations: how each format writes names, numbers and formulas.

A table is the same in every format; only the writing differs. A :class:`Notation` writes
a node v_i with its accent (v̇_−1 in text, v̇₋₁ in markdown, v̇<sub>−1</sub> in HTML,
\\dot{v}_{-1} in LaTeX), an input (ẋ1, \\dot{x}_{1}), a number (−0.959,
-1.5 \\times 10^{7}) and a formula tree (:mod:`ad_tutorial.formulas`), with as many
parentheses as it needs and no more. The rules, in every notation:

* every product shows its sign: 2 × 1.414, never 21.414;
* a minus is one character per format: − in text, markdown and HTML; in LaTeX "-", which
  math mode typesets as a minus. −0 keeps its sign;
* a negative term that does not start its formula is bracketed: 10.693 − (−0.959);
  brackets that are already there are not doubled: σ(−0.6), |−0.6|;
* an integer exponent is a superscript: v_0², v_0⁻¹;
* an array is written as nested lists of such numbers, [0, 0.693, 1.609]: numpy's
  short form, where an axis too long for a line shows its first and last entries
  around an ellipsis, [0, 1, 2, …, 97, 98, 99] (``edge_items``; None writes it whole).

:func:`to_ascii` writes the text notations in plain ASCII (v_1, vdot_1, xdot1, d/dx, *,
-, x^2) for a terminal that cannot show Unicode.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from dataclasses import dataclass
from itertools import groupby
from typing import Any, ClassVar

from .arrays import key_text, np
from .formulas import Formula, Name, Num, Param, negated, negative

# How tightly a written formula holds together, loosest first: words (v̄ broadcast to
# (5,)), a sum, a product (1.5×10⁷ too), a negation (a negative number too), a power, a
# function applied to its argument (ln x), a LaTeX fraction, an atom (a name, a number,
# anything in brackets). An operand looser than its place allows gets parentheses.
WORDS, SUM, PRODUCT, NEGATION, POWER, APPLIED, COMPACT, ATOM = 5, 10, 20, 25, 40, 50, 90, 100

#: v, v̇ (tangent), v̄ (adjoint) and v̄˙ (the tangent of the adjoint, in second order). That
#: one's dot follows the bar (˙, a spacing dot above): fonts such as DejaVu Sans draw a
#: combining dot above a bar onto the bar, where v̄̇ would read as v̄.
ACCENTS = {"": "", "dot": "\u0307", "bar": "\u0304", "bardot": "\u0304\u02d9"}
SUBSCRIPT_DIGITS = str.maketrans("-−0123456789", "₋₋₀₁₂₃₄₅₆₇₈₉")
SUPERSCRIPT_DIGITS = str.maketrans("-−0123456789", "⁻⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def number(x: float, digits: int = 3) -> str:
    """A number as a teacher writes it, in ASCII for machines and files: 0.693, 10, 5.5,
    -0.959, 1.23e+07, inf, nan; -0 keeps its sign."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "-0" if math.copysign(1.0, x) < 0 else "0"
    if x.is_integer() and abs(x) < 1e6:
        return str(int(x))
    if abs(x) >= 1e6 or abs(x) < 10.0 ** -digits:
        return f"{x:.{digits}g}"
    return f"{x:.{digits}f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Notation:
    """Plain text, for the terminal: v_−1, v̇_1, ẋ1, −0.959, ln v_−1, v_0², 1/(2 × v_1)."""

    digits: int = 3
    #: An axis of an array longer than 2·edge_items + 1 shows this many entries at each
    #: end, around an ellipsis; None writes every entry.
    edge_items: int | None = 3

    minus: ClassVar[str] = "−"
    infix: ClassVar[dict[str, str]] = {"add": " + ", "sub": " − ", "mul": " × ", "gt": " > ",
                                       "matmul": " @ "}
    ellipsis: ClassVar[str] = "…"
    arrow: ClassVar[str] = "→"
    transposed: ClassVar[str] = "ᵀ"
    cross: ClassVar[str] = "×"        # in a number: 1.5×10⁷
    special: ClassVar[dict[str, str]] = {"inf": "inf", "nan": "nan"}
    #: function name -> (before the argument, after it, whether those two bracket it)
    functions: ClassVar[dict[str, tuple[str, str, bool]]] = {
        "sqrt": ("√", "", False), "abs": ("|", "|", True), "sigmoid": ("σ(", ")", True)}

    # --- names and numbers ---------------------------------------------------------------

    def node(self, k: int, accent: str = "") -> str:
        """v_k with an accent: "" for the value, "dot" for its tangent, "bar" its adjoint."""
        return f"v{ACCENTS[accent]}_{self.subscript(k)}"

    def subscript(self, k: int) -> str:
        return str(k).replace("-", self.minus)

    def variable(self, name: str, accent: str = "") -> str:
        """An input's name with an accent on its first letter: ẋ1 (one character where
        Unicode has one)."""
        return unicodedata.normalize("NFC", f"{name[0]}{ACCENTS[accent]}{name[1:]}")

    def number(self, x: Any) -> str:
        """A number, or an array of them (see :meth:`array`)."""
        return self.numeral(x)[0]

    def numeral(self, x: Any) -> tuple[str, int]:
        """A number and how tightly it holds together: −0.959 as a negation, 1.5×10⁷ as a
        product, 10⁻⁵ as a power; an array, in brackets, as an atom."""
        if type(x) is not float:
            if getattr(x, "ndim", 0):
                return self.array(x), ATOM
            x = float(x)                            # a 0-d array, a numpy float
        s = number(x, self.digits)
        sign, s = (self.minus, s[1:]) if s.startswith("-") else ("", s)
        holds = ATOM
        if s in ("inf", "nan"):
            s = self.special[s]
        elif "e" in s:
            mantissa, exponent = s.split("e")
            s = self.power("10", Num(float(exponent)))
            s, holds = (s, POWER) if mantissa == "1" else (f"{mantissa}{self.cross}{s}", PRODUCT)
        return sign + s, NEGATION if sign else holds

    def array(self, x: Any) -> str:
        """An array as nested lists, [[1, 2], [3, 4]], each number as :meth:`number` writes
        it; an axis longer than 2·edge_items + 1 elided: [0, 1, 2, …, 97, 98, 99]."""
        e = self.edge_items

        def write(a: Any) -> str:                   # one level per axis of the array
            if a.ndim == 0:
                return self.number(float(a))
            n = len(a)
            if e is None or n <= 2 * e + 1:
                return "[" + ", ".join(map(write, a)) + "]"
            entries = [*map(write, a[:e]), self.ellipsis, *map(write, a[n - e:])]
            return "[" + ", ".join(entries) + "]"
        return write(np.asarray(x))

    def shape(self, shape: tuple[int, ...]) -> str:
        """An array's shape as numpy writes it: (5,), (3, 2), () for a number."""
        return str(tuple(shape))

    def parameter(self, p: Param) -> str:
        """A parameter of an array operation: a shape (3, 1), an index 1:3, an axis 1."""
        if p.kind == "shape":
            return self.shape(p.value)
        if p.kind == "key":
            return key_text(p.value)
        if p.kind == "axes":
            return ", ".join(map(str, p.value))
        return str(p.value)

    def words(self, text: str) -> str:
        """Words inside a formula, with a space either side: " broadcast to "."""
        return f" {text} "

    def parens(self, text: str) -> str:
        return f"({text})"

    def partial(self, of: str, wrt: str) -> str:
        """∂of/∂wrt, the local partial derivative's symbol."""
        return f"∂{of}/∂{wrt}"

    def second_partial(self, of: str, a: str, b: str) -> str:
        """∂²of/∂a², or ∂²of/∂a∂b: a local second partial derivative's symbol."""
        return f"∂²{of}/∂{a}²" if a == b else f"∂²{of}/∂{a}∂{b}"

    def math(self, text: str) -> str:
        """Mathematics inside a sentence, such as a title (LaTeX puts it between $ signs)."""
        return text

    # --- formulas ------------------------------------------------------------------------

    def formula(self, f: Formula) -> str:
        return self._write(f, start=True)[0]

    def _write(self, f: Formula, start: bool) -> tuple[str, int]:
        """f written, with how tightly it holds. A negative term gets parentheses unless it
        starts the formula or a bracket: −1 × 5, but 2 × (−1) and a − (−0.959)."""
        text, holds = self._compose(f, start)
        if holds == NEGATION and not start:
            return self.parens(text), ATOM
        return text, holds

    def _operand(self, f: Formula, loosest: int, start: bool = False) -> str:
        """f as an operand that must hold at least as tightly as `loosest`."""
        text, holds = self._write(f, start)
        return text if holds >= loosest else self.parens(self._write(f, True)[0])

    def _compose(self, f: Formula, start: bool) -> tuple[str, int]:
        if isinstance(f, Num):
            return self.numeral(f.value)
        if isinstance(f, Name):
            return f.text, ATOM
        if isinstance(f, Param):
            return self.parameter(f), ATOM
        op, args = f.op, f.args
        if op in ARRAY_OPERATIONS:
            return ARRAY_OPERATIONS[op](self, *args)
        if op in ("add", "sub", "mul", "matmul"):
            level = PRODUCT if op in ("mul", "matmul") else SUM
            right = level + 1 if op == "sub" else level    # a − (b + c), but a + b + c
            return (self._operand(args[0], level, start) + self.infix[op]
                    + self._operand(args[1], right), level)
        if op == "div":
            return self.quotient(args[0], args[1], start)
        if op == "pow":
            return self.power(self._operand(args[0], ATOM, start), args[1]), POWER
        if op == "neg":
            return self.minus + self._operand(args[0], POWER), NEGATION
        if op == "gt":
            return f"[{self.formula(args[0])}{self.infix['gt']}{self._operand(args[1], 0)}]", ATOM
        if op == "group":
            return self.parens(self.formula(args[0])), ATOM
        before, after, brackets = self.function(op)
        if brackets:
            return f"{before}{self.formula(args[0])}{after}", ATOM
        return f"{before}{self._operand(args[0], COMPACT)}{after}", APPLIED

    def quotient(self, a: Formula, b: Formula, start: bool) -> tuple[str, int]:
        """a/b, with a bracketed denominator where it is a product: 1/(2 × v_1)."""
        return f"{self._operand(a, PRODUCT, start)}/{self._operand(b, PRODUCT + 1)}", PRODUCT

    def power(self, base: str, exponent: Formula) -> str:
        """base to the exponent: a superscript for an integer (v_0², v_0⁻¹), else a caret."""
        text = self.formula(exponent)
        if re.fullmatch(r"−?\d+", text):
            return base + text.translate(SUPERSCRIPT_DIGITS)
        return f"{base}^{self._operand(exponent, ATOM)}"

    def function(self, name: str) -> tuple[str, str, bool]:
        """How a function is written around its argument: ln x, √x, |x|, σ(x)."""
        return self.functions.get(name, (f"{name} ", "", False))

    def call(self, name: str, args: list[str]) -> str:
        """A function with several arguments, or a parameter: reshape(v_0, (2, 3))."""
        return f"{self.function(name)[0].rstrip()}({', '.join(args)})"

    def keyword(self, name: str, value: str) -> str:
        """A parameter given by name in a call: axis=1."""
        return f"{name}={value}"


# --- the array operations, as each notation writes them ---------------------------------
# Each takes the notation and the operation's arguments (formulas, parameters last) and
# gives the text with how tightly it holds (see SUM, PRODUCT … above).

def _reduction(nt: Notation, name: str, a: Formula, axis: Param | None = None) -> tuple[str, int]:
    """sum v_5 (every element, as ln v_5), or sum(v_5, axis=1)."""
    if axis is None:
        return f"{nt.function(name)[0]}{nt._operand(a, COMPACT)}", APPLIED
    return nt.call(name, [nt.formula(a), nt.keyword("axis", nt.parameter(axis))]), ATOM


def _tight(nt: Notation, a: Formula) -> str:
    """An operand that words follow: bracketed unless it is a name, a number or a call."""
    return nt._operand(a, NEGATION)


ARRAY_OPERATIONS: dict[str, Any] = {
    "sum": lambda nt, a, *axis: _reduction(nt, "sum", a, *axis),
    "mean": lambda nt, a, *axis: _reduction(nt, "mean", a, *axis),
    "transpose": lambda nt, a: (nt._operand(a, ATOM) + nt.transposed, POWER),
    "index": lambda nt, a, key: (f"{nt._operand(a, ATOM)}[{nt.parameter(key)}]", ATOM),
    "reshape": lambda nt, a, shape: (nt.call("reshape", [nt.formula(a), nt.parameter(shape)]),
                                     ATOM),
    "stack": lambda nt, *xs: (nt.call("stack", [nt.formula(x) for x in xs]), ATOM),
    # v̄ broadcast to (5,): the adjoint of a sum reaches every element it summed
    "broadcast": lambda nt, g, shape, *axis: (
        _tight(nt, g) + nt.words("broadcast" + (f" along axis {nt.parameter(axis[0])}"
                                                 if axis else "") + " to")
        + nt.parameter(shape), WORDS),
    # v̄ summed over axis 1 → (3, 1): the adjoint of a broadcast is a sum
    "unbroadcast": lambda nt, g, axes, shape: (
        _tight(nt, g) + nt.words(f"summed over {'axes' if len(axes.value) > 1 else 'axis'} "
                                 f"{nt.parameter(axes)}") + f"{nt.arrow} {nt.parameter(shape)}",
        WORDS),
    # the adjoint of x[key]: zeros shaped as x, with v̄ where the index took its elements
    "scatter": lambda nt, g, key, shape: (
        _tight(nt, g) + nt.words("scattered into zeros of") + nt.parameter(shape)
        + nt.words("at") + f"[{nt.parameter(key)}]", WORDS),
}


@dataclass(frozen=True)
class Markdown(Notation):
    """Markdown, for notes: as text, with subscripts v̇₋₁."""

    def node(self, k: int, accent: str = "") -> str:
        return f"v{ACCENTS[accent]}{str(k).translate(SUBSCRIPT_DIGITS)}"


@dataclass(frozen=True)
class Html(Notation):
    """HTML, for Jupyter, the explorer and graph labels: v̇<sub>−1</sub>, x<sup>2</sup>."""

    infix: ClassVar[dict[str, str]] = {**Notation.infix, "gt": " &gt; "}
    transposed: ClassVar[str] = "<sup>T</sup>"

    def node(self, k: int, accent: str = "") -> str:
        return f"v{ACCENTS[accent]}<sub>{self.subscript(k)}</sub>"

    def variable(self, name: str, accent: str = "") -> str:
        return html.escape(super().variable(name, accent))

    def power(self, base: str, exponent: Formula) -> str:
        return f"{base}<sup>{self.formula(exponent)}</sup>"


# Greek letters as LaTeX writes them, for inputs named alpha, beta, …
_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota",
          "kappa", "mu", "nu", "xi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi",
          "omega", "Gamma", "Delta", "Theta", "Xi", "Sigma", "Phi", "Psi", "Omega"}
_LATEX_OPERATORS = {"exp", "ln", "sin", "cos", "tan", "tanh"}


@dataclass(frozen=True)
class Latex(Notation):
    """LaTeX math (amsmath): \\dot{v}_{-1}, \\frac{1}{2 \\times v_{1}}, 1.5 \\times 10^{7}."""

    minus: ClassVar[str] = "-"
    infix: ClassVar[dict[str, str]] = {"add": " + ", "sub": " - ", "mul": r" \times ",
                                       "gt": " > ", "matmul": r" \mathbin{@} "}
    cross: ClassVar[str] = r" \times "
    ellipsis: ClassVar[str] = r"\ldots"
    arrow: ClassVar[str] = r"\to"
    transposed: ClassVar[str] = r"^{\top}"
    special: ClassVar[dict[str, str]] = {"inf": r"\infty", "nan": r"\mathrm{nan}"}
    functions: ClassVar[dict[str, tuple[str, str, bool]]] = {
        "sqrt": (r"\sqrt{", "}", True), "abs": (r"\left|", r"\right|", True),
        "sigmoid": (r"\sigma\left(", r"\right)", True),
        **{name: (f"\\{name} ", "", False) for name in _LATEX_OPERATORS}}

    def node(self, k: int, accent: str = "") -> str:
        return _latex_accent("v", accent) + f"_{{{k}}}"

    def variable(self, name: str, accent: str = "") -> str:
        """x1 is x_{1}, rate is \\mathrm{rate}, alpha is \\alpha, a_b is \\mathrm{a\\_b}."""
        m = re.fullmatch(r"(.+?)_?(\d+)", name)
        stem, index = (m[1], f"_{{{m[2]}}}") if m else (name, "")
        if stem in _GREEK:
            stem = "\\" + stem
        elif not re.fullmatch(r"[A-Za-z]", stem):
            stem = r"\mathrm{%s}" % stem.replace("_", r"\_")
        return _latex_accent(stem, accent) + index

    def partial(self, of: str, wrt: str) -> str:
        return rf"\frac{{\partial {of}}}{{\partial {wrt}}}"

    def words(self, text: str) -> str:
        return rf"\text{{ {text} }}"

    def keyword(self, name: str, value: str) -> str:
        return rf"\mathrm{{{name}}}={value}"

    def second_partial(self, of: str, a: str, b: str) -> str:
        below = rf"\partial {a}^{{2}}" if a == b else rf"\partial {a} \partial {b}"
        return rf"\frac{{\partial^{{2}} {of}}}{{{below}}}"

    def math(self, text: str) -> str:
        return f"${text}$"

    def quotient(self, a: Formula, b: Formula, start: bool) -> tuple[str, int]:
        """\\frac{a}{b}; a minus of the numerator goes before it: -\\frac{x}{y^{2}}."""
        if negative(a):
            return self.minus + self.quotient(negated(a), b, True)[0], NEGATION
        return rf"\frac{{{self.formula(a)}}}{{{self.formula(b)}}}", COMPACT

    def parens(self, text: str) -> str:
        """Brackets that grow with a fraction inside."""
        return rf"\left({text}\right)" if r"\frac" in text else f"({text})"

    def power(self, base: str, exponent: Formula) -> str:
        return f"{base}^{{{self.formula(exponent)}}}"

    def function(self, name: str) -> tuple[str, str, bool]:
        return self.functions.get(name, (rf"\operatorname{{{name}}} ", "", False))


def _latex_accent(base: str, accent: str) -> str:
    """\\dot{v}, \\bar{v}, and \\dot{\\bar{v}} for the tangent of an adjoint."""
    return {"": base, "dot": rf"\dot{{{base}}}", "bar": rf"\bar{{{base}}}",
            "bardot": rf"\dot{{\bar{{{base}}}}}"}[accent]


NOTATIONS: dict[str, Notation] = {"text": Notation(), "markdown": Markdown(), "html": Html(),
                                  "latex": Latex()}


# --- ASCII, for a terminal that cannot show Unicode --------------------------------------

_ASCII = {"−": "-", "–": "-", "—": "--", "×": "*", "·": "*", "∂": "d", "∇": "grad ",
          "…": "...", "≠": "!=",
          "√": "sqrt ", "σ": "sigmoid", "→": "->", "←": "<-", "≤": "<=", "≥": ">=",
          "≈": "~", "∞": "inf", "‘": "'", "’": "'", "“": '"', "”": '"',
          ACCENTS["dot"]: "dot", ACCENTS["bar"]: "bar"}


def _script(c: str) -> str:
    """'super' for a superscript character, 'sub' for a subscript, else ''."""
    tag = unicodedata.decomposition(c)
    return "super" if tag.startswith("<super>") else "sub" if tag.startswith("<sub>") else ""


def _ascii_character(c: str) -> str:
    if c.isascii():
        return c
    if c in _ASCII:
        return _ASCII[c]
    if unicodedata.combining(c):
        return ""
    name = unicodedata.name(c, "")
    if name.startswith(("GREEK SMALL LETTER ", "GREEK CAPITAL LETTER ")):
        letter = name.rsplit(" ", 1)[1].lower()
        return letter if "SMALL" in name else letter.capitalize()
    return "?"


def to_ascii(text: str) -> str:
    """text in ASCII: v̇_−1 is vdot_-1, ẋ1 xdot1, v̄˙_1 vbardot_1, ∂y/∂x dy/dx, × *, x² x^2,
    v₋₁ v_-1."""
    out = []
    text = text.replace(ACCENTS["bardot"][1], ACCENTS["dot"])     # ˙ is a dot above too
    for script, run in groupby(text, key=_script):
        chars = "".join(run)
        if script:
            mark = "^" if script == "super" else "_"
            out.append(mark + to_ascii(unicodedata.normalize("NFKC", chars)))
        else:
            out.append("".join(_ASCII.get(c) or "".join(map(_ascii_character,
                                                            unicodedata.normalize("NFKD", c)))
                               for c in chars))      # ≠ is !=, before NFKD splits it
    return "".join(out)


def ascii_errors(error: UnicodeError) -> tuple[str, int]:
    """A codec error handler (for ``codecs.register_error``): what the encoding lacks,
    written with :func:`to_ascii`."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    return to_ascii(error.object[error.start:error.end]), error.end
