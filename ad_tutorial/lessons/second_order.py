"""Lesson `second-order`: second derivatives by hand (forward over reverse) next to torch.

The second-order adjoint sweep on ln(x1) + x1·x2 − sin(x2) at (2, 5), its Hessian–vector
product and Hessian; torch's double backward, torch.func.hessian, and the HVP as
jvp(grad(f)) and as double backward, each checked against the hand-written numbers; and
why an HVP costs a small multiple of f where the whole Hessian costs n of them; and
Newton's method, which steps with the Hessian, from the kink of |x| + (x − 5)².
"""

from __future__ import annotations

from types import SimpleNamespace

from .cells import Cell, Lesson

SEED_HESSIAN = [[-0.25, 1.0], [1.0, -0.9589242746631385]]


def _floats(tensors) -> list:
    """Nested tuples of 0-d tensors as nested lists of floats."""
    if isinstance(tensors, (tuple, list)):
        return [_floats(t) for t in tensors]
    return tensors.item()


def _torch_hvp(v: SimpleNamespace) -> list[float]:
    """H·ẋ at (2, 5) along ẋ = (1, 0) by torch.func.jvp of torch.func.grad."""
    torch = v.torch
    x = (torch.tensor(2.0, dtype=torch.float64), torch.tensor(5.0, dtype=torch.float64))
    xdot = (torch.tensor(1.0, dtype=torch.float64), torch.tensor(0.0, dtype=torch.float64))
    return _floats(torch.func.jvp(torch.func.grad(v.f, argnums=(0, 1)), x, xdot)[1])


def _second_checks(v: SimpleNamespace) -> bool:
    """The sweep's v̄ are the adjoint sweep's; its H·ẋ is torch's; the table has a row per
    edge after the seed, as the adjoint table does."""
    rows = str(v.second).split("\n\n")[0].splitlines()[1:]
    return (v.second.adjoint.adjoints == v.t.reverse().adjoints
            and list(v.second.hvp.values()) == _torch_hvp(v)
            and len(rows) == len(list(v.t.reverse().steps())) == 9)


def _hessian_check(v: SimpleNamespace) -> bool:
    torch = v.torch
    x = (torch.tensor(2.0, dtype=torch.float64), torch.tensor(5.0, dtype=torch.float64))
    return v.out.tolist() == SEED_HESSIAN == _floats(torch.func.hessian(v.f, argnums=(0, 1))(*x))


def _newton_check(v: SimpleNamespace) -> bool:
    """The same steps with torch's gradient and Hessian."""
    from ..newton import CONVEX_START, newton_path

    theirs = newton_path("abs(x) + (x - 5)**2", CONVEX_START, damped=False, engine="torch")
    return v.out.tolist() == theirs.points.ravel().tolist() == [0.0, 5.0, 4.5]


LESSON = Lesson(
    name="second-order",
    title="Second derivatives: forward over reverse",
    about="the Hessian by hand (forward over reverse) next to double backward, "
          "torch.func.hessian, HVPs",
    sources="the tutorial's example ln(x1) + x1*x2 - sin(x2) carried one order further "
            "(Griewank & Walther, ch. 5)",
    cells=(
        Cell(section="The second-order adjoint sweep",
             code="import torch\nimport ad_tutorial as adt\n\n"
                  "def f(x1, x2):\n    return adt.ln(x1) + x1 * x2 - adt.sin(x2)\n\n"
                  "t = adt.trace(f, x1=2.0, x2=5.0)\nsecond = t.second(x1=1.0)\nsecond",
             says="Differentiate the adjoint sweep once more along ẋ = (1, 0): each node "
                  "carries v, v̇, v̄ and v̄˙, and each edge passes back v̄˙_i ∂v_i/∂v_j + "
                  "v̄_i ∂²v_i/∂v_j∂v_k v̇_k. Nothing curves until sin, × and ln: only they "
                  "have second partials.",
             check=_second_checks),
        Cell(code="second.hvp",
             says="The inputs' v̄˙ are the tangent of the gradient along ẋ: the "
                  "Hessian–vector product H·ẋ, here the first column of H.",
             shows="{'x1': -0.25, 'x2': 1.0}",
             check=lambda v: list(v.out.values()) == _torch_hvp(v)),
        Cell(code="t.hessian()",
             says="The whole Hessian [[−1/x1², 1], [1, sin x2]]: n such sweeps, or one in "
                  "vector mode carrying the n columns of the identity as ẋ.",
             shows="""\
array([[-0.25      ,  1.        ],
       [ 1.        , -0.95892427]])""",
             check=_hessian_check),
        Cell(section="Double backward in torch",
             code="x1 = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)\n"
                  "x2 = torch.tensor(5.0, dtype=torch.float64, requires_grad=True)\n"
                  "# create_graph=True records the backward pass itself as a graph\n"
                  "g1, g2 = torch.autograd.grad(f(x1, x2), (x1, x2), create_graph=True)\n"
                  "print(g1, g2)\n"
                  "torch.autograd.grad(g1, (x1, x2), retain_graph=True), "
                  "torch.autograd.grad(g2, (x1, x2))",
             says="torch's double backward: with `create_graph=True` the gradient has a "
                  "grad_fn of its own, and a second backward through it gives one row of H "
                  "per gradient entry (reverse over reverse).",
             shows="""\
tensor(5.5000, dtype=torch.float64, grad_fn=<AddBackward0>) \
tensor(1.7163, dtype=torch.float64, grad_fn=<AddBackward0>)
((tensor(-0.2500, dtype=torch.float64), tensor(1., dtype=torch.float64)),
 (tensor(1., dtype=torch.float64), tensor(-0.9589, dtype=torch.float64)))""",
             check=lambda v: _floats(v.out) == v.t.hessian().tolist()
             and (v.g1.item(), v.g2.item()) == tuple(v.t.reverse().gradient.values())),
        Cell(section="torch.func.hessian",
             code="x = (torch.tensor(2.0, dtype=torch.float64), "
                  "torch.tensor(5.0, dtype=torch.float64))\n"
                  "torch.func.hessian(f, argnums=(0, 1))(*x)",
             says="`torch.func.hessian` is `jacfwd(jacrev(f))`: forward mode over reverse "
                  "mode, the same algorithm as the hand-written sweep, with the same numbers.",
             shows="""\
((tensor(-0.2500, dtype=torch.float64), tensor(1., dtype=torch.float64)),
 (tensor(1., dtype=torch.float64), tensor(-0.9589, dtype=torch.float64)))""",
             check=lambda v: _floats(v.out) == v.t.hessian().tolist()),
        Cell(section="Hessian-vector products",
             code="xdot = (torch.tensor(1.0, dtype=torch.float64), "
                  "torch.tensor(0.0, dtype=torch.float64))\n"
                  "gradient = torch.func.grad(f, argnums=(0, 1))\n"
                  "torch.func.jvp(gradient, x, xdot)",
             says="An HVP as jvp(grad(f)): forward mode through the gradient gives the "
                  "gradient (5.5, 1.716) and its tangent H·ẋ = (−0.25, 1), the hand-written "
                  "table's x̄˙1 and x̄˙2.",
             shows="""\
((tensor(5.5000, dtype=torch.float64), tensor(1.7163, dtype=torch.float64)),
 (tensor(-0.2500, dtype=torch.float64), tensor(1., dtype=torch.float64)))""",
             check=lambda v: _floats(v.out[1]) == list(v.second.hvp.values())
             and _floats(v.out[0]) == list(v.second.gradient.values())),
        Cell(code="g1, g2 = torch.autograd.grad(f(x1, x2), (x1, x2), create_graph=True)\n"
                  "torch.autograd.grad((g1, g2), (x1, x2), grad_outputs=xdot)",
             says="An HVP as double backward: the gradient of ẋ·∇f is H·ẋ (H is symmetric), "
                  "one backward through the recorded backward pass.",
             shows="(tensor(-0.2500, dtype=torch.float64), tensor(1., dtype=torch.float64))",
             check=lambda v: _floats(v.out) == list(v.second.hvp.values())),
        Cell(section="What an HVP costs, and what the Hessian costs",
             code="import numpy as np\n\n"
                  "def loss(w):                        # neighbours coupled, n = 1000 weights\n"
                  "    return adt.sum(adt.sin(w[1:] * w[:-1])) + adt.sum(w * w)\n\n"
                  "n = 1000\nbig = adt.trace(loss, w=np.linspace(-1.0, 1.0, n))\n"
                  "v = np.cos(np.arange(n))\n"
                  "hv = big.hvp(w=v)[\"w\"]              # one sweep: H·v\n"
                  "H = big.hessian()                   # n directions at once: columns H·e_j\n"
                  "print(len(big), \"nodes;\", hv.shape, \"numbers from one sweep;\", H.shape, "
                  "\"from n of them\")\n"
                  "np.allclose(H @ v, hv, rtol=1e-12, atol=1e-12), "
                  "np.array_equal(H[:, 7], big.hvp(w=np.eye(n)[7])[\"w\"])",
             says="One HVP is a tangent sweep and an adjoint sweep that does twice the work: "
                  "a small multiple of evaluating f, whatever n (ad-tutorial bench measures "
                  "it). The Hessian is n HVPs, n² numbers: for a network's n weights, use "
                  "HVPs (Newton–CG, curvature along a direction) and never form H.",
             shows="""\
9 nodes; (1000,) numbers from one sweep; (1000, 1000) from n of them
(True, True)""",
             check=lambda v: v.out == (True, True) and v.H.shape == (v.n, v.n)),
        Cell(section="Newton's method",
             code="from ad_tutorial.newton import newton_path\n\n"
                  "# x ← x − H⁻¹∇f, on the tutorial's convex objective, from its kink\n"
                  "newton_path(\"abs(x) + (x - 5)**2\", {\"x\": 0.0}, damped=False)"
                  ".points.ravel()",
             says="Newton's method steps by −H⁻¹∇f. From the kink 0, where |x|′ = 0 and "
                  "|x|″ = 0 (torch's convention), it sees only (x − 5)² and lands on 5; beyond "
                  "the kink its model is exact, and the second step lands on the minimiser 4.5, "
                  "where 150 steps of gradient descent (0.05) leave it 6·10⁻⁷ short (figure "
                  "newton-vs-descent).",
             shows="array([0. , 5. , 4.5])",
             check=_newton_check),
    ),
)
