"""The bridge to PyTorch for second derivatives: the Hessian three ways, side by side.

The traced function runs again on float64 torch tensors, and torch differentiates it
twice over:

* ``torch.func.hessian``, which is ``jacfwd(jacrev(f))``: forward mode over reverse mode,
  the algorithm of the hand-written second-order sweep;
* double backward: ``torch.autograd.grad(y, x, create_graph=True)`` records the gradient
  as a graph of its own, and a second ``torch.autograd.grad`` of each ∂y/∂x_i gives a row:
  reverse mode over reverse mode;
* central finite differences of the hand-written gradient, a numerical sanity check.

:func:`compare_hessian` puts them next to ``t.hessian()``. The two torch routes add the
same terms in other orders and other forms; where they meet infinities (at 0 of ln x,
say) they may differ from each other in nan or ±inf. The hand-written sweep follows
torch.func.hessian there, step for step, and the table marks such an entry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from .arrays import np
from .expression import Expression
from .second import second_partials
from .tables import NOTATIONS, element_names, output_name, plain
from .torch_bridge import RTOL, agree, call
from .trace import Trace, trace as record

FD_STEP = 1e-5       # relative step of the gradient's central differences


def _tensors(t: Trace, requires_grad: bool = False) -> dict[str, Any]:
    import torch

    return {x: torch.tensor(np.asarray(v, dtype=np.float64), dtype=torch.float64,
                            requires_grad=requires_grad) for x, v in t.at().items()}


def torch_func_hessian(t: Trace) -> Any:
    """∇²y by ``torch.func.hessian`` (forward over reverse), as one 2-D array."""
    import torch

    xs = _tensors(t)
    names = list(xs)
    blocks = torch.func.hessian(lambda *ts: call(t, dict(zip(names, ts))),
                                argnums=tuple(range(len(names))))(*xs.values())
    sizes = [x.numel() for x in xs.values()]
    return np.concatenate([np.concatenate([blocks[i][j].numpy(force=True).reshape(sizes[i],
                                                                                 sizes[j])
                                           for j in range(len(names))], axis=1)
                           for i in range(len(names))], axis=0)


def double_backward(t: Trace) -> Any:
    """∇²y by double backward: the gradient with ``create_graph=True``, then the gradient
    of each of its elements again (reverse over reverse), one row each."""
    import torch

    xs = _tensors(t, requires_grad=True)
    leaves = list(xs.values())
    y = call(t, xs)
    grads = torch.autograd.grad(y, leaves, create_graph=True, allow_unused=True)
    rows = []
    for leaf, g in zip(leaves, grads):
        for index in np.ndindex(tuple(leaf.shape)):
            element = None if g is None else g[index]
            if element is None or not element.requires_grad:     # ∂y/∂x is a constant
                rows.append(np.zeros(sum(x.numel() for x in leaves)))
                continue
            again = torch.autograd.grad(element, leaves, retain_graph=True, allow_unused=True)
            rows.append(np.concatenate([np.zeros(x.numel()) if a is None
                                        else a.numpy(force=True).reshape(-1)
                                        for x, a in zip(leaves, again)]))
    return np.array(rows)


def gradient_differences(t: Trace, step: float = FD_STEP) -> Any:
    """Central differences of the hand-written gradient, column j:
    (∇y(x + h e_j) − ∇y(x − h e_j)) / 2h, with h scaled to the inputs (the same trace
    evaluated at the shifted points)."""
    at = t.at()
    finite = [abs(v) for v in np.ravel(np.concatenate([np.ravel(v) for v in at.values()]))
              if math.isfinite(v)]
    h = step * max([1.0] + finite)
    columns = []
    for x, index in t.elements():
        shifted = []
        for sign in (1.0, -1.0):
            value = np.array(at[x], dtype=np.float64) if t.arrays else at[x]
            if t.arrays:
                value[index] += sign * h
            else:
                value += sign * h
            gradient = t.evaluate(**{x: value}).reverse().gradient
            shifted.append(np.concatenate([np.ravel(g) for g in gradient.values()]))
        columns.append((shifted[0] - shifted[1]) / (2 * h))
    return np.array(columns).T


def hessian_magnitudes(t: Trace) -> Any:
    """The size of the terms that each Hessian entry adds up: the second-order sweep in
    vector mode again, with every partial, tangent and adjoint by its absolute value. Where
    the terms cancel, both engines keep rounding noise of this size (see
    :func:`ad_tutorial.torch_bridge.agree`). Floats only; None for a trace of arrays."""
    if t.arrays:
        return None
    nodes, n, n_in = t.numbered, len(t), len(t.inputs)
    with np.errstate(all="ignore"):
        dot: list[Any] = [np.eye(n_in)[k] for k in range(n_in)] + [None] * (n - n_in)
        for i in range(n_in, n):
            dot[i] = sum((abs(d) * dot[j] for j, d in zip(nodes.args[i], nodes.partials[i])
                          if j < n), np.zeros(n_in))
        bar, bardot = [0.0] * n, [np.zeros(n_in) for _ in range(n)]
        bar[t.output] = 1.0
        for i in range(n - 1, n_in - 1, -1):
            second, args = second_partials(nodes, i, n), nodes.args[i]
            for k, (j, d) in enumerate(zip(args, nodes.partials[i])):
                if j >= n:
                    continue
                curvature = sum((abs(second[k + m]) * dot[a] for m, a in enumerate(args)
                                 if a < n and second and second[k + m] is not None),
                                np.zeros(n_in))
                bar[j] += bar[i] * abs(d)
                bardot[j] = bardot[j] + bardot[i] * abs(d) + bar[i] * curvature
    return np.array(bardot[:n_in])


@dataclass(frozen=True)
class HessianRow:
    """One entry ∂²y/∂x_i∂x_j: by hand, by torch twice, by differences of the gradient."""

    quantity: str
    handwritten: float
    func: float                 # torch.func.hessian
    double: float               # double backward
    finite_difference: float | None
    scale: float = 0.0          # magnitude of the terms summed (see hessian_magnitudes)

    @property
    def torch_differs(self) -> bool:
        """torch's two routes disagree with each other here (nan or ±inf at an edge)."""
        return not agree(self.func, self.double, scale=self.scale, zero_signs=False)

    @property
    def ok(self) -> bool:
        """Equal to torch.func.hessian (the same algorithm), and to double backward unless
        torch's two routes differ from each other."""
        return agree(self.handwritten, self.func, scale=self.scale, zero_signs=False) and (
            agree(self.handwritten, self.double, scale=self.scale, zero_signs=False)
            or self.torch_differs)

    @property
    def verdict(self) -> str:
        if not self.ok:
            return "MISMATCH"
        return "ok*" if self.torch_differs else "ok"


@dataclass(frozen=True, repr=False)
class HessianComparison:
    """The hand-written Hessian against torch's two, entry by entry; ``ok`` when all agree."""

    trace: Trace
    rows: list[HessianRow]
    hessian: Any                # the hand-written matrix

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    def __str__(self) -> str:
        def cell(x: float | None) -> str:
            return "" if x is None else repr(float(x))

        head = ("entry", "hand-written", "torch.func.hessian", "double backward",
                "finite diff.", "")
        body = [(plain(r.quantity), cell(r.handwritten), cell(r.func), cell(r.double),
                 cell(r.finite_difference), plain(r.verdict)) for r in self.rows]
        widths = [max(len(row[c]) for row in [head] + body) for c in range(len(head))]
        lines = [f"{self.trace.expression} at "
                 + ", ".join(f"{x} = {_value(v)}" for x, v in self.trace.at().items())]
        lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()
                  for row in [head] + body]
        if any(r.torch_differs for r in self.rows):
            lines += ["* torch's double backward differs here from torch.func.hessian: reverse "
                      "over reverse adds other terms at this edge;",
                      "  the hand-written sweep is forward over reverse, as torch.func.hessian "
                      "is, and agrees with it"]
        verdict = "agree" if self.ok else "DISAGREE"
        lines.append(f"hand-written and torch {verdict} (float64, rtol {RTOL:g} of the "
                     "terms summed; nan and inf exactly)")
        return "\n".join(plain(line) for line in lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        import html
        return f"<pre>{html.escape(str(self))}</pre>"


def _value(v: Any) -> str:
    return repr(v) if isinstance(v, float) else np.array2string(np.asarray(v), separator=", ",
                                                                  max_line_width=10**6)


def entry_names(t: Trace) -> list[str]:
    """∂²y/∂x1², ∂²y/∂x1∂x2 …, or with elements ∂²y/∂x[0]∂x[1], in the Hessian's order."""
    nt = NOTATIONS["text"]
    names = element_names(t, nt)
    return [nt.second_partial(nt.variable(output_name(t.inputs)), a, b)
            for a in names for b in names]


def compare_hessian(f: Callable[..., Any] | str | Expression | Trace, /, *args: Any,
                    **inputs: Any) -> HessianComparison:
    """The Hessian by hand (one second-order sweep in vector mode), by torch.func.hessian,
    by double backward and by central differences of the hand-written gradient."""
    t = f if isinstance(f, Trace) else record(f, *args, **inputs)
    mine = t.hessian()
    func, double = torch_func_hessian(t), double_backward(t)
    smooth = bool(np.all(np.isfinite(mine)))
    differences = gradient_differences(t) if smooth else None
    scales = hessian_magnitudes(t)
    if scales is None:                          # arrays: the largest entry's size
        finite = np.abs(mine[np.isfinite(mine)])
        scales = np.full(mine.shape, finite.max(initial=0.0))
    rows = [HessianRow(name, float(mine.flat[k]), float(func.flat[k]), float(double.flat[k]),
                       None if differences is None else float(differences.flat[k]),
                       float(scales.flat[k]))
            for k, name in enumerate(entry_names(t))]
    return HessianComparison(t, rows, mine)
