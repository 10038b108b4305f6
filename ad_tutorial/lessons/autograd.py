"""Lesson `autograd`: the tutorial's section 2.4, computation graphs and autograd in practice.

Its last two cells (45 and 46), torch's gradients of a sum and a mean over a vector, are
also worked out by hand: the evaluation trace on arrays, the adjoint sweep that shows
each vector–Jacobian product, and x.grad, checked against torch in float64.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Callable

from .cells import Cell, Lesson

RTOL = 1e-12


def _by_hand_is_torch(f: Callable[[Any, Any], Any]) -> Callable[[SimpleNamespace], bool]:
    """The check of a cell worked out by hand: y and x.grad equal torch's on float64
    tensors, to rtol 1e-12."""
    def check(v: SimpleNamespace) -> bool:
        import numpy as np

        x = v.torch.arange(5.0, dtype=v.torch.float64, requires_grad=True)
        y = f(v.torch, x)
        y.backward()
        return (abs(v.t.value - y.item()) <= RTOL * abs(y.item())
                and np.allclose(v.adjoint.gradient["x"], x.grad.numpy(), rtol=RTOL, atol=0))
    return check

LESSON = Lesson(
    name="autograd",
    title="Autograd in practice",
    about="requires_grad, grad_fn, backward, .grad, retain_grad, accumulating and zeroing gradients",
    sources="section 2.4 of the tutorial, cells 37-46 (45 and 46 also by hand)",
    cells=(
        Cell(section="Tensors that record their computation",
             code="import torch\n# The default setting is requires_grad = False\n"
                  "x = torch.tensor(5.)\ny = 3 * x**2 + x\n"
                  "print(x, x.requires_grad)\nprint(y, y.requires_grad)",
             says="By default a tensor has `requires_grad=False`: torch records no graph "
                  "for it, and nothing computed from it needs a gradient.",
             shows="""\
tensor(5.) False
tensor(80.) False"""),
        Cell(code="# Use the torchviz module for visualization\nfrom torchviz import make_dot\n\n"
                  "x = torch.tensor(5., requires_grad=True)\n"
                  "y = 3 * x**2 + x + 4 * torch.sin(x)\n"
                  "# Independent variable would show the requires_grad attribute\n"
                  "print(x, x.requires_grad)\n"
                  "# Dependent variable would show the grad_fn attribute\n"
                  "print(y, y.requires_grad)\nmake_dot(y)",
             says="With `requires_grad=True` every result remembers the operation that made "
                  "it in `grad_fn`; torchviz's `make_dot` draws that graph (backward nodes).",
             shows="""\
tensor(5., requires_grad=True) True
tensor(76.1643, grad_fn=<AddBackward0>) True
[a graph: the notebook of this lesson draws it]""",
             check=lambda v: all(f"label={op}" in v.out.source for op in (
                 "PowBackward0", "MulBackward0", "SinBackward0", "AddBackward0",
                 "AccumulateGrad"))),
        Cell(code="torch.manual_seed(0)\nx = torch.randn((3, 4, 4), requires_grad=True)\n"
                  "y = x**2 + torch.sin(x)\nmake_dot(y)",
             says="For tensors of more than one element the graph also shows each step's "
                  "shape, here (3, 4, 4); seeded, though the drawing does not show the values.",
             shows='[a graph: the notebook of this lesson draws it]',
             check=lambda v: "(3, 4, 4)" in v.out.source
             and "label=PowBackward0" in v.out.source),
        Cell(section="backward() and .grad",
             code="x_1 = torch.tensor(5., requires_grad=True)\n"
                  "x_2 = torch.tensor(2., requires_grad=True)\n"
                  "z = x_1**2 + x_2**2\nz.backward()\n"
                  "print(x_1, x_1.grad)\nprint(x_2, x_2.grad)\nprint(z)",
             says="`z.backward()` fills `.grad` of each leaf with ∂z/∂x: 2·x_1 = 10 and "
                  "2·x_2 = 4 for z = x_1² + x_2².",
             shows="""\
tensor(5., requires_grad=True) tensor(10.)
tensor(2., requires_grad=True) tensor(4.)
tensor(29., grad_fn=<AddBackward0>)""",
             check=lambda v: (v.x_1.grad.item(), v.x_2.grad.item())
             == (2 * v.x_1.item(), 2 * v.x_2.item())),
        Cell(code="x_1 = torch.tensor(5., requires_grad=True)\n"
                  "x_2 = torch.tensor(2., requires_grad=True)\n"
                  "y = 0.5 * x_2**2\ny.retain_grad()\nz = x_1**2 + y\nz.backward()\n"
                  "print(x_1, x_1.grad)\nprint(x_2, x_2.grad)\nprint(y, y.grad)\nprint(z)",
             says="An intermediate (non-leaf) tensor keeps its gradient ∂z/∂y = 1 only if "
                  "asked with `retain_grad()`; then ∂z/∂x_2 = 1 · x_2 = 2.",
             shows="""\
tensor(5., requires_grad=True) tensor(10.)
tensor(2., requires_grad=True) tensor(2.)
tensor(2., grad_fn=<MulBackward0>) tensor(1.)
tensor(27., grad_fn=<AddBackward0>)""",
             check=lambda v: v.y.grad.item() == 1.0 and v.x_2.grad.item() == v.x_2.item()),
        Cell(section="Gradients accumulate",
             code="x = torch.tensor(5., requires_grad=True)\nfor ii in range(2):\n"
                  "    y = 3 * x**2\n    y.backward()\n    print(x, x.grad)\n    print(y)",
             says="Each `backward()` adds to `.grad`: 6x = 30 after one pass, 60 after two.",
             shows="""\
tensor(5., requires_grad=True) tensor(30.)
tensor(75., grad_fn=<MulBackward0>)
tensor(5., requires_grad=True) tensor(60.)
tensor(75., grad_fn=<MulBackward0>)""",
             check=lambda v: v.x.grad.item() == 2 * 6 * v.x.item()),
        Cell(code="x = torch.tensor(5., requires_grad=True)\nfor ii in range(2):\n"
                  "    try:\n        x.grad.zero_()\n    except Exception as e:\n"
                  "        print(e)\n    y = 3 * x**2\n    y.backward()\n"
                  "    print(x, x.grad)\n    print(y)",
             says="So zero `.grad` before each pass; on the first pass there is no `.grad` "
                  "yet (it is None), and the cell prints the error's message.",
             shows="""\
'NoneType' object has no attribute 'zero_'
tensor(5., requires_grad=True) tensor(30.)
tensor(75., grad_fn=<MulBackward0>)
tensor(5., requires_grad=True) tensor(30.)
tensor(75., grad_fn=<MulBackward0>)""",
             check=lambda v: v.x.grad.item() == 6 * v.x.item()),
        Cell(section="Several backward passes through one graph",
             code="x = torch.tensor(5., requires_grad=True)\ny = x**2\nz_1 = x + y\n"
                  "z_2 = x**2 + y\nz_3 = x**3 + y\nz_1.backward(retain_graph=True)\n"
                  "z_2.backward(retain_graph=True)\nz_3.backward()\nprint(x, x.grad)",
             says="`retain_graph=True` keeps the shared part (y) for the next pass; the "
                  "gradients add up: (1+2x) + (4x) + (3x²+2x) = 11 + 20 + 85 = 116 at x = 5.",
             shows='tensor(5., requires_grad=True) tensor(116.)',
             check=lambda v: v.x.grad.item() == (1 + 2 * 5) + (4 * 5) + (3 * 5**2 + 2 * 5)),
        Cell(section="Gradients of many parameters at once",
             code="x = torch.arange(5.).requires_grad_(True)\ny = torch.sum(x**2)\n"
                  "y.backward()\nprint(x)\nprint(y)\nprint(x.grad)",
             says="One backward pass gives the whole gradient: ∇ Σ x_i² = 2x.",
             shows="""\
tensor([0., 1., 2., 3., 4.], requires_grad=True)
tensor(30., grad_fn=<SumBackward0>)
tensor([0., 2., 4., 6., 8.])""",
             check=lambda v: v.torch.equal(v.x.grad, 2 * v.x.detach())),
        Cell(code="import ad_tutorial as adt\n\n"
                  "# The same by hand: the evaluation trace, on arrays\n"
                  "t = adt.trace(\"sum(x**2)\", x=x.tolist())\nt",
             says="By hand, with ad_tutorial: the same function as an evaluation trace; each "
                  "node holds an array, of the shape beside its name.",
             shows="""\
Forward evaluation trace (primal) at x = [0, 1, 2, 3, 4]
  v_0  (5,) = x       = [0, 1, 2, 3, 4]
  v_1  (5,) = v_0²    = [0, 1, 4, 9, 16]
  v_2  ()   = sum v_1 = 30
  y    ()   = v_2     = 30""",
             check=lambda v: v.t.value == v.y.item() == 30.0),
        Cell(code="adjoint = t.reverse()\nadjoint",
             says="One adjoint sweep: the adjoint of a sum is a broadcast (every x_i² received "
                  "ȳ = 1), then each element is multiplied by its own partial, 2x_i.",
             shows="""\
Reverse adjoint trace, seed ȳ = 1
  v̄_2  ()   = ȳ                                     = 1
  v̄_1  (5,) = v̄_2 ∂v_2/∂v_1 = v̄_2 broadcast to (5,) = [1, 1, 1, 1, 1]
  v̄_0  (5,) = v̄_1 ∂v_1/∂v_0 = v̄_1 × (2 × v_0)       = [0, 2, 4, 6, 8]

Adjoints, and the gradient
  v̄_2  ()         = 1
  v̄_1  (5,)       = [1, 1, 1, 1, 1]
  v̄_0  (5,)       = [0, 2, 4, 6, 8]
  x̄    (5,) = v̄_0 = [0, 2, 4, 6, 8]""",
             check=lambda v: "v̄_2 broadcast to (5,)" in str(v.adjoint)),
        Cell(code="adjoint.gradient[\"x\"], x.grad",
             says="The gradient by hand is torch's x.grad (the check compares them in float64, "
                  "to 12 digits).",
             shows="(array([0., 2., 4., 6., 8.]), tensor([0., 2., 4., 6., 8.]))",
             check=_by_hand_is_torch(lambda torch, x: torch.sum(x**2))),
        Cell(code="x = torch.arange(5.).requires_grad_(True)\n"
                  "y = torch.mean(torch.log(x**2 + 1) + 5 * x)\n"
                  "y.backward()\nprint(x)\nprint(y)\nprint(x.grad)",
             says="Here ∂y/∂x_i = (2x_i / (x_i² + 1) + 5) / 5, so the gradient is 1.0000, "
                  "1.2000, 1.1600, 1.1200, 1.0941.",
             shows="""\
tensor([0., 1., 2., 3., 4.], requires_grad=True)
tensor(11.4877, grad_fn=<MeanBackward0>)
tensor([1.0000, 1.2000, 1.1600, 1.1200, 1.0941])""",
             check=lambda v: v.torch.allclose(
                 v.x.grad, (2 * v.x.detach() / (v.x.detach()**2 + 1) + 5) / 5, rtol=1e-6)),
        Cell(code="t = adt.trace(\"mean(log(x**2 + 1) + 5*x)\", x=x.tolist())\nt",
             says="By hand again: six primitives, from x² to the mean; ln is log.",
             shows="""\
Forward evaluation trace (primal) at x = [0, 1, 2, 3, 4]
  v_0  (5,) = x         = [0, 1, 2, 3, 4]
  v_1  (5,) = v_0²      = [0, 1, 4, 9, 16]
  v_2  (5,) = 5 × v_0   = [0, 5, 10, 15, 20]
  v_3  (5,) = v_1 + 1   = [1, 2, 5, 10, 17]
  v_4  (5,) = ln v_3    = [0, 0.693, 1.609, 2.303, 2.833]
  v_5  (5,) = v_4 + v_2 = [0, 5.693, 11.609, 17.303, 22.833]
  v_6  ()   = mean v_5  = 11.488
  y    ()   = v_6       = 11.488""",
             check=lambda v: abs(v.t.value - v.y.item()) <= 1e-6 * v.t.value),
        Cell(code="adjoint = t.reverse()\nadjoint",
             says="The mean passes v̄/5 to every element, ln passes v̄/v, and x, used twice (x² "
                  "and 5x), adds its two contributions: 1 + 0.2 × 2x/(x² + 1).",
             shows="""\
Reverse adjoint trace, seed ȳ = 1
  v̄_6  ()   = ȳ                                               = 1
  v̄_5  (5,) = v̄_6 ∂v_6/∂v_5       = (v̄_6/5) broadcast to (5,) = [0.2, 0.2, 0.2, 0.2, 0.2]
  v̄_4  (5,) = v̄_5 ∂v_5/∂v_4       = v̄_5 × 1                   = [0.2, 0.2, 0.2, 0.2, 0.2]
  v̄_2  (5,) = v̄_5 ∂v_5/∂v_2       = v̄_5 × 1                   = [0.2, 0.2, 0.2, 0.2, 0.2]
  v̄_3  (5,) = v̄_4 ∂v_4/∂v_3       = v̄_4 × 1/v_3               = [0.2, 0.1, 0.04, 0.02, 0.012]
  v̄_1  (5,) = v̄_3 ∂v_3/∂v_1       = v̄_3 × 1                   = [0.2, 0.1, 0.04, 0.02, 0.012]
  v̄_0  (5,) = v̄_2 ∂v_2/∂v_0       = v̄_2 × 5                   = [1, 1, 1, 1, 1]
  v̄_0  (5,) = v̄_0 + v̄_1 ∂v_1/∂v_0 = v̄_0 + v̄_1 × (2 × v_0)     = [1, 1.2, 1.16, 1.12, 1.094]

Adjoints, and the gradient
  v̄_6  ()         = 1
  v̄_5  (5,)       = [0.2, 0.2, 0.2, 0.2, 0.2]
  v̄_4  (5,)       = [0.2, 0.2, 0.2, 0.2, 0.2]
  v̄_3  (5,)       = [0.2, 0.1, 0.04, 0.02, 0.012]
  v̄_2  (5,)       = [0.2, 0.2, 0.2, 0.2, 0.2]
  v̄_1  (5,)       = [0.2, 0.1, 0.04, 0.02, 0.012]
  v̄_0  (5,)       = [1, 1.2, 1.16, 1.12, 1.094]
  x̄    (5,) = v̄_0 = [1, 1.2, 1.16, 1.12, 1.094]""",
             check=lambda v: "(v̄_6/5) broadcast to (5,)" in str(v.adjoint)),
        Cell(code="adjoint.gradient[\"x\"], x.grad",
             says="And again torch's x.grad, to 12 digits in float64.",
             shows="""\
(array([1.        , 1.2       , 1.16      , 1.12      , 1.09411765]),
 tensor([1.0000, 1.2000, 1.1600, 1.1200, 1.0941]))""",
             check=_by_hand_is_torch(lambda torch, x: torch.mean(torch.log(x**2 + 1) + 5 * x))),
    ),
)
