"""Lesson `two-modes`: forward and reverse mode by hand (the engine) next to torch.autograd.

The tutorial's sections 2.2 and 2.3: f(x1, x2) = ln x1 + x1·x2 − sin x2 at (2, 5),
its evaluation trace, one tangent sweep per input, one adjoint sweep for the whole
gradient, and torch's retained gradients of the intermediates as the adjoints v̄_i.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from types import SimpleNamespace

from .cells import Cell, Lesson

RTOL = 1e-12

# The tutorial's computation graph (cell 35): its eight edges.
TUTORIAL_EDGES = {("v_-1", "v_1"), ("v_-1", "v_2"), ("v_0", "v_2"), ("v_0", "v_3"),
                  ("v_1", "v_4"), ("v_2", "v_4"), ("v_4", "v_5"), ("v_3", "v_5")}


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=RTOL, abs_tol=RTOL)


def _torch_point(v: SimpleNamespace) -> tuple:
    """x1 = 2, x2 = 5 as float64 tensors that require gradients."""
    return tuple(v.torch.tensor(x, dtype=v.torch.float64, requires_grad=True)
                 for x in (2.0, 5.0))


def _torch_gradient(v: SimpleNamespace) -> tuple[float, float]:
    """(∂f/∂x1, ∂f/∂x2) at (2, 5) by torch.autograd.grad, on f itself."""
    x1, x2 = _torch_point(v)
    return tuple(g.item() for g in v.torch.autograd.grad(v.f(x1, x2), (x1, x2)))


def _torch_rows(torch, x1, x2):
    """The tutorial's rows v_-1 … v_5, computed by torch, as one tensor."""
    v1, v2, v3 = torch.log(x1), x1 * x2, torch.sin(x2)
    v4 = v1 + v2
    return torch.stack([x1, x2, v1, v2, v3, v4, v4 - v3])


def _all_close(xs, tensor) -> bool:
    return len(xs) == len(tensor) and all(map(close, xs, tensor.tolist()))


def _trace_checks(v: SimpleNamespace) -> bool:
    """The rows are ln, ×, sin, +, − as in the tutorial, with torch's values."""
    ops = [node.op.name for node in v.t.nodes() if node.op is not None]
    rows = _torch_rows(v.torch, *_torch_point(v))
    return ops == ["ln", "mul", "sin", "add", "sub"] and _all_close(v.t.values[:len(v.t)], rows)


def _tangents_check(v: SimpleNamespace) -> bool:
    """Every tangent v̇_i is torch's forward-mode derivative of that row along (1, 0)."""
    x1, x2 = (v.torch.tensor(x, dtype=v.torch.float64) for x in (2.0, 5.0))
    one, zero = v.torch.ones_like(x1), v.torch.zeros_like(x1)
    _, tangents = v.torch.func.jvp(lambda a, b: _torch_rows(v.torch, a, b), (x1, x2),
                                   (one, zero))
    return _all_close(v.tangent.tangents, tangents)


def _graph_edges(graph) -> set[tuple[str, str]] | None:
    """The arrows of a drawn graph, as they point (None if one is drawn twice)."""
    edges = [(b, a) if back else (a, b) for a, b, back in
             re.findall(r'"?(v_-?\d+)"? -> "?(v_-?\d+)"?( \[dir=back\])?', graph.source)]
    return set(edges) if len(set(edges)) == len(edges) else None


def _one_row_per_edge(v: SimpleNamespace) -> bool:
    """The adjoint table: the seed, then one row per edge of the tutorial's graph, of
    which only v_0 and v_-1 receive two (the tutorial sums them in one row per node);
    and its gradient is torch's."""
    t, steps = v.t, list(v.adjoint.steps())
    rows = str(v.adjoint).split("\n\n")[0].splitlines()[1:]
    edges = [(t.name(s.node), t.name(s.source)) for s in steps[1:]]
    received = Counter(t.name(s.node) for s in steps)
    return (len(rows) == len(steps) == 9 and len(t) == 7 and sorted(edges) == sorted(TUTORIAL_EDGES)
            and {name for name, n in received.items() if n > 1} == {"v_0", "v_-1"}
            and all(map(close, v.adjoint.gradient.values(), _torch_gradient(v))))


def _retained_grads_are_adjoints(v: SimpleNamespace) -> bool:
    tensors = (v.x1, v.x2, v.v1, v.v2, v.v3, v.v4, v.v5)
    return all(close(a, x.grad.item()) for a, x in zip(v.adjoint.adjoints, tensors))


def _jacobians_agree(v: SimpleNamespace) -> bool:
    full = v.torch.autograd.functional.jacobian(v.g, v.x)
    return (len(v.columns), len(v.rows)) == (3, 2) and all(
        v.torch.allclose(J, full, rtol=RTOL, atol=0) for J in v.out)


LESSON = Lesson(
    name="two-modes",
    title="The two modes of automatic differentiation",
    about="forward and reverse mode by hand on ln(x1) + x1*x2 - sin(x2), next to torch.autograd",
    sources="sections 2.2 and 2.3 of the tutorial, cells 35-36 and their tables",
    cells=(
        Cell(section="The evaluation trace",
             code="import torch\nimport ad_tutorial as adt\n\n"
                  "def f(x1, x2):\n    return adt.ln(x1) + x1 * x2 - adt.sin(x2)\n\n"
                  "t = adt.trace(f, x1=2.0, x2=5.0)\nt",
             says="Running f once on traced numbers writes its evaluation trace: the inputs "
                  "v_-1, v_0, then one primitive per row, v_1 … v_5 = y.",
             check=_trace_checks),
        Cell(code="from ad_tutorial.graphs import adjoint_graph, forward_graph\n\n"
                  "forward_graph(t)",
             says="The trace is a graph, an edge from each argument to the node that uses it: "
                  "the tutorial drew this one by hand; here it is drawn from the trace.",
             shows="[a graph: the notebook of this lesson draws it]",
             check=lambda v: _graph_edges(v.out) == TUTORIAL_EDGES),
        Cell(section="Forward mode: one sweep per input",
             code="tangent = t.forward(x1=1.0)\ntangent",
             says="Seed ẋ = (1, 0) and carry a tangent v̇ along every row: one sweep gives "
                  "∂f/∂x1 = 5.5.",
             check=_tangents_check),
        Cell(code="x1 = torch.tensor(2.0, dtype=torch.float64)\n"
                  "x2 = torch.tensor(5.0, dtype=torch.float64)\n"
                  "# torch's forward mode: f and its derivative along (1, 0)\n"
                  "torch.func.jvp(f, (x1, x2), (torch.tensor(1.0, dtype=torch.float64),\n"
                  "                             torch.tensor(0.0, dtype=torch.float64)))",
             says="torch's forward mode (`torch.func.jvp`) runs the same f and gets the same "
                  "tangent ẏ = 5.5.",
             shows='(tensor(11.6521, dtype=torch.float64), tensor(5.5000, dtype=torch.float64))',
             check=lambda v: close(v.out[1].item(), v.tangent.derivative)),
        Cell(code="[t.forward(**{name: 1.0}).derivative for name in t.inputs]",
             says="∂f/∂x2 needs a second sweep, seeded ẋ = (0, 1): forward mode needs n "
                  "sweeps for the gradient of f: Rⁿ → R.",
             shows='[5.5, 1.7163378145367738]',
             check=lambda v: all(map(close, v.out, _torch_gradient(v)))),
        Cell(section="Reverse mode: one sweep for the whole gradient",
             code="adjoint = t.reverse()\nadjoint",
             says="Seed ȳ = 1 and walk the trace backwards, each node passing v̄_i · ∂v_i/∂v_j "
                  "to its arguments: one sweep gives both partials. The table has 9 rows where "
                  "the tutorial's has 7: after the seed, one row per edge of the graph (8), "
                  "each contribution as the sweep adds it, where the tutorial writes one row "
                  "per node and sums the two contributions that v̄_0 and v̄_-1 each receive.",
             check=_one_row_per_edge),
        Cell(code="adjoint_graph(t)",
             says="The adjoint sweep walks the same graph backwards, each node sending its v̄ "
                  "to its arguments (the tutorial's reverse adjoint graph).",
             shows="[a graph: the notebook of this lesson draws it]",
             check=lambda v: _graph_edges(v.out) == {(b, a) for a, b in TUTORIAL_EDGES}),
        Cell(code="adjoint.gradient",
             says="The gradient is the adjoints of the inputs: x̄1 = v̄_-1 = 5.5, "
                  "x̄2 = v̄_0 = 1.716.",
             shows="{'x1': 5.5, 'x2': 1.7163378145367738}",
             check=lambda v: all(map(close, v.out.values(), _torch_gradient(v)))),
        Cell(code="x1 = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)\n"
                  "x2 = torch.tensor(5.0, dtype=torch.float64, requires_grad=True)\n"
                  "v1 = torch.log(x1)\nv2 = x1 * x2\nv3 = torch.sin(x2)\nv4 = v1 + v2\n"
                  "v5 = v4 - v3\n"
                  "for v in (v1, v2, v3, v4, v5):\n    v.retain_grad()\n"
                  "v5.backward()\n"
                  "for node, v in zip(t.nodes(), (x1, x2, v1, v2, v3, v4, v5)):\n"
                  '    print(f"{node.name:>4}  adjoint {adjoint.adjoints[node.index]:9.6f}'
                  '   torch .grad {v.grad.item():9.6f}")',
             says="torch's `backward()` is this adjoint sweep: the `.grad` it keeps on each "
                  "intermediate with `retain_grad()` is v̄_i = ∂y/∂v_i.",
             shows="""\
v_-1  adjoint  5.500000   torch .grad  5.500000
 v_0  adjoint  1.716338   torch .grad  1.716338
 v_1  adjoint  1.000000   torch .grad  1.000000
 v_2  adjoint  1.000000   torch .grad  1.000000
 v_3  adjoint -1.000000   torch .grad -1.000000
 v_4  adjoint  1.000000   torch .grad  1.000000
 v_5  adjoint  1.000000   torch .grad  1.000000""",
             check=_retained_grads_are_adjoints),
        Cell(section="n sweeps or m sweeps",
             code="def g(x):                               # from R^3 to R^2\n"
                  "    return torch.stack([x[0] * x[1] * x[2], torch.sin(x[0]) + x[2]**2])\n\n"
                  "x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)\n"
                  "n, m = len(x), len(g(x))\n"
                  "# forward mode: one Jacobian column per sweep, seeded with e_j\n"
                  "columns = [torch.func.jvp(g, (x,), (e,))[1]\n"
                  "           for e in torch.eye(n, dtype=torch.float64)]\n"
                  "# reverse mode: one Jacobian row per sweep, seeded with e_i\n"
                  "_, pull_back = torch.func.vjp(g, x)\n"
                  "rows = [pull_back(e)[0] for e in torch.eye(m, dtype=torch.float64)]\n"
                  'print(f"forward mode: {len(columns)} sweeps, reverse mode: {len(rows)} '
                  'sweeps")\n'
                  "torch.stack(columns, dim=1), torch.stack(rows)",
             says="For g: Rⁿ → Rᵐ forward mode builds the Jacobian a column per sweep (n), "
                  "reverse mode a row per sweep (m): for a loss, m = 1, reverse wins.",
             shows="""\
forward mode: 3 sweeps, reverse mode: 2 sweeps
(tensor([[6.0000, 3.0000, 2.0000],
         [0.5403, 0.0000, 6.0000]], dtype=torch.float64),
 tensor([[6.0000, 3.0000, 2.0000],
         [0.5403, 0.0000, 6.0000]], dtype=torch.float64))""",
             check=_jacobians_agree),
    ),
)
