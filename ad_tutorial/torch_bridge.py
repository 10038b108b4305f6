"""The bridge to PyTorch: the same function, differentiated by torch, side by side.

The function that was traced runs again on float64 torch tensors (ad_tutorial's
functions dispatch to torch), and torch differentiates it three ways:

* reverse mode, ``torch.autograd.grad``: the gradient;
* forward mode, ``torch.autograd.forward_ad``: the directional derivative ∇f·ẋ;
* central finite differences, (f(x + hẋ) − f(x − hẋ))/2h, a numerical sanity check.

:func:`compare` puts them next to the hand-written sweeps. On arrays, or for several
outputs, it also compares the whole Jacobian, ``torch.autograd.functional.jacobian``
against ``t.jacobian()`` in both modes (vector mode), takes the gradient of ȳ·y for a
random cotangent ȳ where y is not one number, and the directional derivative along a
few random directions as well as along the seed: each quantity an array, judged element
by element, its largest difference shown.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Any, Callable

from .arrays import np
from .expression import Expression
from .forward import Tangent, array_tangents, tangents
from .jacobian import jacobian
from .reverse import _UNREACHED, Adjoint, adjoints, array_adjoints
from .tables import NOTATIONS, number, output_name, output_names, plain
from .tape import Nodes
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


def agree_arrays(a: Any, b: Any, scale: Any = 0.0, zero_signs: bool = True) -> bool:
    """:func:`agree`, element by element, for arrays of one shape (`scale` too, or a
    number)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return False
    with np.errstate(invalid="ignore"):
        scale = np.where(np.isfinite(scale), scale, 0.0)
        nan = np.isnan(a) | np.isnan(b)
        infinite = ~nan & (np.isinf(a) | np.isinf(b))
        zeros = (a == 0) & (b == 0)
        close = np.abs(a - b) <= RTOL * np.maximum(np.maximum(np.abs(a), np.abs(b)), scale)
    ok = np.where(nan, np.isnan(a) & np.isnan(b), np.where(infinite, a == b, close))
    if zero_signs:
        ok &= ~zeros | (np.signbit(a) == np.signbit(b))
    return bool(ok.all())


@dataclass(frozen=True)
class Row:
    """One quantity, computed by hand and by torch: a number, or an array judged element
    by element."""

    quantity: str
    handwritten: Any
    torch: Any
    finite_difference: Any = None
    scale: Any = 0.0            # magnitude of the terms summed (see magnitudes)
    zero_signs: bool = True     # whether zeros must agree in sign too

    @property
    def ok(self) -> bool:
        if type(self.handwritten) is float and type(self.torch) is float:
            return agree(self.handwritten, self.torch, scale=self.scale)
        return agree_arrays(self.handwritten, self.torch, self.scale, self.zero_signs)


def _difference(a: Any, b: Any) -> str:
    """a − b, or for arrays the largest |a − b| of their finite elements; "same" where
    nan and inf agree, "differ" where they do not."""
    if type(a) is float and type(b) is float:
        if math.isfinite(a) and math.isfinite(b):
            return number(a - b, 2) if a != b else "0"
        return "same" if agree(a, b) else "differ"
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return f"shapes {a.shape}, {b.shape}"
    finite = np.isfinite(a) & np.isfinite(b)
    if not agree_arrays(np.where(finite, 0.0, a), np.where(finite, 0.0, b)):
        return "differ"
    if not finite.any():
        return "same"
    largest = float(np.max(np.abs(a - b)[finite]))
    return number(largest, 2) if largest else "0"


#: Arrays in check's table, to 6 digits: a vector with two entries at each end of a long
#: axis, a matrix (a Jacobian) with one.
_VECTOR = replace(NOTATIONS["text"], digits=6, edge_items=2)
_MATRIX = replace(_VECTOR, edge_items=1)


def _cell(x: Any) -> str:
    """A number as Python writes it (every digit), an array abbreviated; blank for None."""
    if x is None:
        return ""
    if type(x) is float:
        return repr(x)
    return plain((_VECTOR if np.ndim(x) <= 1 else _MATRIX).number(x))


@dataclass(frozen=True, repr=False)
class Comparison:
    """The hand-written engine against torch, row by row; ``ok`` when every row agrees."""

    trace: Trace
    direction: dict[str, float]
    rows: list[Row]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    notes: tuple[str, ...] = ()     # what the table's symbols stand for (ȳ, d1 …)

    def __str__(self) -> str:
        head = ("quantity", "hand-written", "torch", "difference", "finite diff.", "")
        body = [(r.quantity, _cell(r.handwritten), _cell(r.torch),
                 _difference(r.handwritten, r.torch),
                 _cell(r.finite_difference), "ok" if r.ok else "MISMATCH") for r in self.rows]
        widths = [max(len(row[c]) for row in [head] + body) for c in range(len(head))]
        lines = [f"{self.trace.expression} at "
                 + ", ".join(f"{x} = {_cell(v)}" for x, v in self.trace.at().items())]
        lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()
                  for row in [head] + body]
        lines += [plain(note) for note in self.notes]
        verdict = "agree" if self.ok else "DISAGREE"
        lines.append(f"hand-written and torch {verdict} (float64, rtol {RTOL:g} of the "
                     "terms summed; nan and inf exactly)")
        return "\n".join(lines)

    __repr__ = __str__          # at the prompt, a comparison shows its table

    def _repr_html_(self) -> str:
        import html
        return f"<pre>{html.escape(str(self))}</pre>"


def compare(f: Callable[..., Any] | str | Expression | Trace | Tangent, /, *args: Any,
            **inputs: Any) -> Comparison:
    """Differentiate f by hand (both sweeps) and by torch (both modes), side by side.

    `f` is traced at the inputs given, as by :func:`~ad_tutorial.trace`; or it is a finished
    trace; or a tangent, ``t.forward(x2=1.0)``, whose seed ẋ is then the direction of the
    directional derivative (otherwise 1 on the first input). On arrays, or for several
    outputs, the comparison is :func:`compare_arrays`'s, the Jacobian included.
    """
    if isinstance(f, Tangent):
        t, tangent = f.trace, f
    else:
        t = f if isinstance(f, Trace) else record(f, *args, **inputs)
        tangent = t.forward()
    if t.arrays or t.several:
        return compare_arrays(tangent)
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


# --- arrays, and several outputs -------------------------------------------------------------

#: How many random directions the directional derivative is checked along, and the seed
#: of the random numbers (directions, and ȳ where y is not one number).
DIRECTIONS, RANDOM_SEED = 3, 0
#: The largest Jacobian compared (entries): above it, torch's alone would not fit memory.
JACOBIAN_LIMIT = 10**6


def _tensor(value: Any, **options: Any) -> Any:
    """A float64 tensor of a number or an array."""
    import torch

    return torch.tensor(float(value) if np.ndim(value) == 0 else np.asarray(value),
                        dtype=torch.float64, **options)


def _numbers(ys: Any, several: bool) -> Any:
    """torch's (or a numpy evaluation's) outputs as the hand-written engine gives them: a
    float for a number, else an array; several outputs flattened into one array."""
    ys = tuple(ys) if several else (ys,)
    arrays = [np.asarray(y.detach().numpy() if hasattr(y, "detach") else y, dtype=np.float64)
              for y in ys]
    if several:
        return np.concatenate([a.reshape(-1) for a in arrays])
    return float(arrays[0]) if arrays[0].ndim == 0 else arrays[0]


def torch_gradient(t: Trace, cotangents: tuple[Any, ...]) -> tuple[Any, dict[str, Any]]:
    """y and the gradient of ȳ·y by torch.autograd.grad on tensors that require grad,
    with one cotangent ȳ per output (of its shape)."""
    import torch

    xs = {x: _tensor(v, requires_grad=True) for x, v in t.at().items()}
    ys = call(t, xs)
    grads = torch.autograd.grad(ys if t.several else (ys,), list(xs.values()),
                                grad_outputs=[_tensor(c) for c in cotangents],
                                allow_unused=True)
    gradient = {x: _numbers(np.zeros(np.shape(v)) if g is None else g, False)
                for (x, v), g in zip(t.at().items(), grads)}
    return _numbers(ys, t.several), gradient


def torch_directional(t: Trace, direction: dict[str, Any]) -> tuple[Any, Any]:
    """y and its derivative along ẋ by torch's forward mode, every input a dual tensor."""
    import torch.autograd.forward_ad as fwad

    with warnings.catch_warnings(), fwad.dual_level():
        warnings.filterwarnings("ignore", message=_JIT_WARNING, category=DeprecationWarning)
        xs = {x: fwad.make_dual(_tensor(v), _tensor(direction[x])) for x, v in t.at().items()}
        ys = call(t, xs)
        duals = [fwad.unpack_dual(y) for y in (ys if t.several else (ys,))]
        primal = [d.primal for d in duals]
        tangent = [d.primal * 0 if d.tangent is None else d.tangent for d in duals]
        return (_numbers(tuple(primal) if t.several else primal[0], t.several),
                _numbers(tuple(tangent) if t.several else tangent[0], t.several))


def torch_jacobian(t: Trace, mode: str = "reverse") -> Any:
    """The Jacobian by torch, batched as vector mode is: in reverse mode by
    torch.autograd.functional.jacobian (every row's cotangent in one batch), in forward
    mode by torch.func.jacfwd (every column's tangent; autograd.functional's own forward
    mode fails on some shapes). A row per output element, a column per input element,
    as ``t.jacobian()`` orders them."""
    import torch

    names = list(t.inputs)

    def f(*xs: Any) -> tuple[Any, ...]:
        ys = call(t, dict(zip(names, xs)))
        return ys if t.several else (ys,)

    tensors = tuple(_tensor(v) for v in t.at().values())
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_JIT_WARNING, category=DeprecationWarning)
        blocks = (torch.autograd.functional.jacobian(f, tensors, vectorize=True)
                  if mode == "reverse" else
                  torch.func.jacfwd(f, argnums=tuple(range(len(tensors))))(*tensors))
    ys = f(*tensors)
    return np.concatenate([np.concatenate([b.numpy().reshape(y.numel(), x.numel())
                                           for b, x in zip(row, tensors)], axis=1)
                           for row, y in zip(blocks, ys)])


def array_finite_difference(t: Trace, direction: dict[str, Any], h: float = 1e-6) -> Any:
    """(f(x + hẋ) − f(x − hẋ)) / 2h on numpy arrays, h scaled to the inputs."""
    at = t.at()
    h *= max([1.0] + [float(np.max(np.abs(v), where=np.isfinite(v), initial=0.0))
                      for v in at.values()])
    with np.errstate(all="ignore"):
        plus = call(t, {x: np.asarray(v) + h * np.asarray(direction[x]) for x, v in at.items()})
        minus = call(t, {x: np.asarray(v) - h * np.asarray(direction[x]) for x, v in at.items()})
        return (_numbers(plus, t.several) - _numbers(minus, t.several)) / (2 * h)


def _absolute(t: Trace) -> SimpleNamespace:
    """The trace with every value and local partial replaced by its absolute value, for
    the sweeps of magnitudes (see :func:`magnitudes`): the same sweeps then add up the
    sizes of the terms they add. A partial that divides or selects is made an array first,
    and div keeps no forward formula of its own (it subtracts)."""
    c = t.computed

    def size(partial: Any) -> Any:
        if type(partial) is float:
            return abs(partial)
        with np.errstate(all="ignore"):
            return np.abs(1.0 * partial)

    ops = [op if op is None or op.tangent is None else replace(op, tangent=None)
           for op in c.ops]
    values = [abs(v) if type(v) is float else np.abs(v) for v in c.values]
    nodes = Nodes(ops, c.args, values, [tuple(map(size, p)) for p in c.partials],
                  c.parameters)
    return SimpleNamespace(computed=nodes, inputs=t.inputs, results=t.results, arrays=t.arrays)


def _magnitudes(t: Trace, seeds: list[Any], reverse: bool = False) -> list[Any]:
    """The sizes of the terms a sweep adds up, from the absolute values of its seeds: for
    each output (forward) or each input (reverse), as an array of the node's shape."""
    a = _absolute(t)
    with np.errstate(all="ignore"):
        if t.arrays:
            batch = [np.abs(np.asarray(s, dtype=np.float64))[None] for s in seeds]
            swept = (array_adjoints if reverse else array_tangents)(a, batch)
            swept = [None if s is None else s[0] for s in swept]
        else:
            swept = (adjoints if reverse else tangents)(a, [abs(float(s)) for s in seeds])
    slots = range(len(t.inputs)) if reverse else t.results
    return [0.0 if swept[k] is None or swept[k] is _UNREACHED else swept[k] for k in slots]


def _jacobian_magnitudes(t: Trace, mode: str) -> Any:
    with np.errstate(all="ignore"):
        return jacobian(_absolute(t), mode)


def _flat(values: list[Any], several: bool) -> Any:
    """Per-output values as the comparison holds them (see :func:`_numbers`)."""
    return _numbers(tuple(values) if several else values[0], several)


def compare_arrays(tangent: Tangent) -> Comparison:
    """The comparison on arrays and for several outputs; see :func:`compare`."""
    t = tangent.trace
    rng = np.random.default_rng(RANDOM_SEED)
    shapes = [t.shape(slot) for slot in t.outputs]
    one_number = not t.several and shapes[0] == ()
    ybar = (1.0,) if one_number else tuple(rng.standard_normal(s) for s in shapes)
    directions = [{x: rng.standard_normal(np.shape(v)) for x, v in t.at().items()}
                  for _ in range(DIRECTIONS)]
    zero_signs = all(op is None or op.name != "matmul" for op in t.computed.ops)
    adjoint = t.reverse(ybar if t.several else ybar[0])

    nt = NOTATIONS["text"]
    names = output_names(t)
    ys = names[0] if len(names) == 1 else f"({', '.join(names)})"
    dots = nt.variable(names[0], "dot") if len(names) == 1 else \
        f"({', '.join(nt.variable(y, 'dot') for y in names)})"

    def row(quantity: str, hand: Any, theirs: Any, fd: Any = None, scale: Any = 0.0) -> Row:
        return Row(plain(quantity), hand, theirs, fd, scale, zero_signs)

    y_torch, grad = torch_gradient(t, ybar)
    y_forward, derivative = torch_directional(t, tangent.seed)
    value = _flat([t.computed.values[r] for r in t.results], t.several)
    y_scale = _flat(_magnitudes(t, list(t.at().values())), t.several)
    smooth = bool(np.all(np.isfinite(value))) and all(
        np.all(np.isfinite(g)) for g in adjoint.gradient.values())
    rows = [row(ys, value, y_torch, scale=y_scale),
            row(f"{ys} (forward mode)", value, y_forward, scale=y_scale)]
    for x, scale in zip(t.inputs, _magnitudes(t, list(ybar), reverse=True)):
        quantity = (nt.partial(names[0], nt.variable(x)) if one_number else
                    f"∂(ȳ·{ys})/∂{x}")
        rows.append(row(quantity, adjoint.gradient[x], grad[x], scale=scale))
    for label, sweep in [("ẋ", tangent)] + [(f"d{k}", t.forward(**d))
                                             for k, d in enumerate(directions, 1)]:
        hand = _numbers(sweep.derivative, t.several)
        theirs = derivative if sweep is tangent else torch_directional(t, sweep.seed)[1]
        fd = array_finite_difference(t, sweep.seed) if smooth else None
        rows.append(row(f"{dots} along {label}", hand, theirs, fd,
                        _flat(_magnitudes(t, list(sweep.seed.values())), t.several)))
    m, n = (sum(np.size(t.computed.values[k]) for k in slots)
            for slots in (t.results, range(len(t.inputs))))
    if m * n <= JACOBIAN_LIMIT:
        for mode in ("reverse", "forward"):
            rows.append(row(f"∂{ys}/∂x ({mode} mode)", t.jacobian(mode),
                            torch_jacobian(t, mode), scale=_jacobian_magnitudes(t, mode)))
    notes = [f"ẋ: {', '.join(f'{x} = {_cell(v)}' for x, v in tangent.seed.items())}",
             f"{'' if one_number else 'ȳ, '}d1 … d{DIRECTIONS}: standard normal, seeded; "
             "x: every input, flattened (the Jacobian's columns)"]
    if m * n > JACOBIAN_LIMIT:
        notes.append(f"the Jacobian is not compared: {m:,} × {n:,} entries, more than "
                     f"{JACOBIAN_LIMIT:,}")
    return Comparison(t, tangent.seed, rows, tuple(notes))
