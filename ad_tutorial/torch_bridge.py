"""The bridge to PyTorch: the same function, differentiated by torch, side by side.

The function that was traced runs again on float64 torch tensors (ad_tutorial's
functions dispatch to torch), and torch differentiates it three ways:

* reverse mode, ``torch.autograd.grad``: the gradient;
* forward mode, ``torch.autograd.forward_ad``: the directional derivative ∇f·ẋ;
* central finite differences, (f(x + hẋ) − f(x − hẋ))/2h, a numerical sanity check.

:func:`compare` puts them next to the hand-written sweeps.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Callable

from .expression import Expression
from .forward import Tangent
from .reverse import Adjoint
from .tables import NOTATIONS, number, output_name, plain
from .trace import Trace, trace as record

# On first use, torch's forward mode loads decompositions written with torch.jit.script,
# which now warns that it is deprecated. That warning, and only that one, is silenced.
_JIT_WARNING = r"`torch\.jit\.script` is deprecated"

RTOL = 1e-9


def call(t: Trace, values: dict[str, Any]) -> Any:
    """Run the traced function itself on new values (floats or tensors), by input name."""
    if isinstance(t.function, Expression):
        return t.function(**values)
    return t.function(*values.values())


def torch_reverse(t: Trace) -> tuple[float, dict[str, float]]:
    """y and ∇y by torch.autograd.grad, float64, at the trace's inputs."""
    import torch

    xs = {x: torch.tensor(v, dtype=torch.float64, requires_grad=True)
          for x, v in t.at().items()}
    y = call(t, xs)
    grads = torch.autograd.grad(y, list(xs.values()), allow_unused=True)
    return y.item(), {x: 0.0 if g is None else g.item() for x, g in zip(xs, grads)}


def torch_forward(t: Trace, direction: dict[str, float]) -> tuple[float, float]:
    """y and the directional derivative ∇y·ẋ by torch's forward mode (every input dual)."""
    import torch
    import torch.autograd.forward_ad as fwad

    with warnings.catch_warnings(), fwad.dual_level():
        warnings.filterwarnings("ignore", message=_JIT_WARNING, category=DeprecationWarning)
        xs = {x: fwad.make_dual(torch.tensor(v, dtype=torch.float64),
                                torch.tensor(direction[x], dtype=torch.float64))
              for x, v in t.at().items()}
        primal, tangent = fwad.unpack_dual(call(t, xs))
        return primal.item(), 0.0 if tangent is None else tangent.item()


def finite_difference(t: Trace, direction: dict[str, float], h: float = 1e-6) -> float:
    """Central difference (f(x + hẋ) − f(x − hẋ)) / 2h, with h scaled to the inputs."""
    at = t.at()
    h *= max([1.0] + [abs(v) for v in at.values() if math.isfinite(v)])
    plus = call(t, {x: v + h * direction[x] for x, v in at.items()})
    minus = call(t, {x: v - h * direction[x] for x, v in at.items()})
    return (plus - minus) / (2 * h)


def agree(a: float, b: float, rtol: float = RTOL, scale: float = 0.0,
          zero_signs: bool = True) -> bool:
    """Equal to rtol; nan only with nan, an infinity only with the same infinity, a zero
    with a zero of the same sign (unless `zero_signs` is False: forward and reverse mode
    add different terms, so their zeros may differ in sign, in torch as here).

    `scale` is the magnitude of the terms that were added up to make a and b (see
    :func:`magnitudes`). Where they cancel, as in d/dx cos(x/x) = 0, both engines
    keep rounding noise of that size, so that is what rtol is relative to.
    """
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    if a == 0 and b == 0:
        return not zero_signs or math.copysign(1.0, a) == math.copysign(1.0, b)
    scale = scale if math.isfinite(scale) else 0.0
    return abs(a - b) <= rtol * max(abs(a), abs(b), scale)


def magnitudes(t: Trace, tangent: Tangent, adjoint: Adjoint) -> tuple[float, float, list[float]]:
    """The size of what each sweep adds up, for y, ẏ and each ∂y/∂x.

    The sweeps again with every number replaced by its absolute value: a node's
    magnitude is its own |value| plus |∂v_i/∂v_j| times its arguments' magnitudes.
    Rounding errors are relative to these, not to a result that cancelled to ~0.
    """
    n, n_in = len(t), len(t.inputs)
    primal = [abs(v) for v in t.values[:n]]
    dot = [abs(v) for v in tangent.tangents]
    bar = [0.0] * n
    bar[t.output] = abs(adjoint.seed)
    for i in range(n_in, n):
        for j, d in zip(t.args[i], t.partials(i)):
            if j < n:
                primal[i] += abs(d) * primal[j]
                dot[i] += abs(d) * dot[j]
    for i in range(n - 1, n_in - 1, -1):
        for j, d in zip(t.args[i], t.partials(i)):
            if j < n:
                bar[j] += bar[i] * abs(d)
    return primal[t.output], dot[t.output], bar[:n_in]


@dataclass(frozen=True)
class Row:
    """One quantity, computed by hand and by torch."""

    quantity: str
    handwritten: float
    torch: float
    finite_difference: float | None = None
    scale: float = 0.0          # magnitude of the terms summed (see magnitudes)

    @property
    def ok(self) -> bool:
        return agree(self.handwritten, self.torch, scale=self.scale)


def _difference(a: float, b: float) -> str:
    if math.isfinite(a) and math.isfinite(b):
        return number(a - b, 2) if a != b else "0"
    return "same" if agree(a, b) else "differ"


@dataclass(frozen=True, repr=False)
class Comparison:
    """The hand-written engine against torch, row by row; ``ok`` when every row agrees."""

    trace: Trace
    direction: dict[str, float]
    rows: list[Row]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    def __str__(self) -> str:
        def cell(x: float | None) -> str:
            return "" if x is None else repr(x)

        head = ("quantity", "hand-written", "torch", "difference", "finite diff.", "")
        body = [(r.quantity, cell(r.handwritten), cell(r.torch),
                 _difference(r.handwritten, r.torch),
                 cell(r.finite_difference), "ok" if r.ok else "MISMATCH") for r in self.rows]
        widths = [max(len(row[c]) for row in [head] + body) for c in range(len(head))]
        lines = [f"{self.trace.expression} at "
                 + ", ".join(f"{x} = {v!r}" for x, v in self.trace.at().items())]
        lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()
                  for row in [head] + body]
        verdict = "agree" if self.ok else "DISAGREE"
        lines.append(f"hand-written and torch {verdict} (float64, rtol {RTOL:g} of the "
                     "terms summed; nan and inf exactly)")
        return "\n".join(lines)

    __repr__ = __str__          # at the prompt, a comparison shows its table

    def _repr_html_(self) -> str:
        import html
        return f"<pre>{html.escape(str(self))}</pre>"


def compare(f: Callable[..., Any] | str | Expression | Trace | Tangent, /, *args: float,
            **inputs: float) -> Comparison:
    """Differentiate f by hand (both sweeps) and by torch (both modes), side by side.

    `f` is traced at the inputs given, as by :func:`~ad_tutorial.trace`; or it is a finished
    trace; or a tangent, ``t.forward(x2=1.0)``, whose seed ẋ is then the direction of the
    directional derivative (otherwise 1 on the first input).
    """
    if isinstance(f, Tangent):
        t, tangent = f.trace, f
    else:
        t = f if isinstance(f, Trace) else record(f, *args, **inputs)
        tangent = t.forward()
    adjoint = t.reverse()
    y_rev, grad = torch_reverse(t)
    y_fwd, derivative = torch_forward(t, tangent.seed)
    y_scale, dot_scale, bar_scales = magnitudes(t, tangent, adjoint)
    smooth = all(math.isfinite(v) for v in [t.value, *grad.values()])
    nt = NOTATIONS["text"]
    y = nt.variable(output_name(t.inputs))       # y, or f where an input is called y
    rows = [Row(plain(y), t.value, y_rev, scale=y_scale),
            Row(plain(f"{y} (forward mode)"), t.value, y_fwd, scale=y_scale)]
    for x, scale in zip(t.inputs, bar_scales):
        fd = finite_difference(t, {z: float(z == x) for z in t.inputs}) if smooth else None
        rows.append(Row(plain(nt.partial(y, nt.variable(x))), adjoint.gradient[x], grad[x], fd,
                        scale))
    seed = ", ".join(f"{v:g}" for v in tangent.seed.values())
    direction = seed if len(tangent.seed) == 1 else f"({seed})"
    rows.append(Row(plain(f"∇{y}·ẋ, ẋ = {direction}"), tangent.derivative, derivative,
                    finite_difference(t, tangent.seed) if smooth else None, dot_scale))
    return Comparison(t, tangent.seed, rows)
