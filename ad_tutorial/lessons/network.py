"""Lesson `network`: a small neural network trained by the hand-written adjoint sweep and by torch.

micrograd's lesson on arrays: a classifier 2 → 16 → 16 → 1 on two half-moons, its loss
traced as an evaluation trace of arrays (each node with its shape), the adjoints of a mean
and of a broadcast bias, then 100 steps of gradient descent twice from the same weights,
by hand and with torch.autograd, agreeing at every step.

The checks compare with a network written independently here with torch.nn.functional.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

from .cells import Cell, Lesson

RTOL = 1e-9


def _torch_network(v: SimpleNamespace) -> tuple:
    """The loss at the initial weights and its gradient, by a network written with
    torch.nn.functional (linear layers, binary_cross_entropy) instead of the lesson's f."""
    torch, functional = v.torch, v.torch.nn.functional
    w = {name: torch.tensor(a, requires_grad=True) for name, a in v.weights.items()}
    x, y = torch.from_numpy(v.points), torch.from_numpy(v.labels)
    hidden = torch.tanh(functional.linear(x, w["W1"].T, w["b1"]))
    hidden = torch.tanh(functional.linear(hidden, w["W2"].T, w["b2"]))
    p = torch.sigmoid(functional.linear(hidden, w["W3"].T, w["b3"]))
    loss = functional.binary_cross_entropy(p, y)
    gradient = torch.autograd.grad(loss, list(w.values()))
    return loss.item(), {name: g.numpy() for name, g in zip(w, gradient)}


def _close(a, b) -> bool:
    """Arrays (or numbers) equal to rtol 1e-9 of the largest entry, shapes too."""
    import numpy as np

    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= RTOL * np.max(np.abs(b))))


def _loss_is_torchs(v: SimpleNamespace) -> bool:
    return math.isclose(v.out, _torch_network(v)[0], rel_tol=RTOL)


def _trace_checks(v: SimpleNamespace) -> bool:
    """17 primitives, the value of the loss, and the shapes the printout claims."""
    ops = [node.op.name for node in v.t.nodes() if node.op is not None]
    return (len(ops) == 17 and ops.count("matmul") == 3 and ops[-2:] == ["mean", "neg"]
            and math.isclose(v.t.value, _torch_network(v)[0], rel_tol=RTOL))


def _gradient_is_torchs(v: SimpleNamespace) -> bool:
    theirs = _torch_network(v)[1]
    return list(v.gradient) == list(theirs) and all(
        _close(v.gradient[name], theirs[name]) for name in theirs)


def _mean_adjoint(v: SimpleNamespace) -> bool:
    """Every one of the mean's 200 terms received exactly v̄ / 200."""
    import numpy as np

    bar = v.adjoint.adjoints[v.mean.index]
    return (v.per_term.shape == (200, 1) and float(bar) == -1.0
            and bool(np.all(v.per_term == bar / 200)))


def _bias_adjoint(v: SimpleNamespace) -> bool:
    """b1's gradient is the sum over the points of what the layer passed back, as torch's."""
    return (v.per_point.shape == (200, 16) and v.gradient["b1"].shape == (16,)
            and _close(v.per_point.sum(axis=0), _torch_network(v)[1]["b1"]))


def _trainings_agree(v: SimpleNamespace) -> bool:
    """100 losses each, equal step by step, and the same weights at the end."""
    hand, torch = v.by_hand, v.by_torch
    return (len(hand.losses) == len(torch.losses) == 100
            and all(math.isclose(a, b, rel_tol=RTOL) for a, b in zip(hand.losses, torch.losses))
            and all(_close(hand.weights[k], torch.weights[k]) for k in hand.weights)
            and hand.losses[-1] < hand.losses[0] / 10)


LESSON = Lesson(
    name="network",
    title="A neural network trained by hand and by torch",
    about="a 2-16-16-1 network on two moons, trained by the adjoint sweep and by torch, "
          "step for step",
    sources="micrograd's demo, on arrays: the tutorial's autograd of cells 45-46 put to work",
    cells=(
        Cell(section="The data and the network",
             code="import numpy as np\nimport torch\nimport ad_tutorial as adt\n"
                  "from ad_tutorial import network\n\n"
                  "points, labels = network.moons()        # seeded: always the same 200\n"
                  "weights = network.initial_weights()     # before training\n"
                  'print(points.shape, labels.shape, int(labels.sum()), "points labelled 1")\n'
                  'print("  ".join(f"{name} {w.shape}" for name, w in weights.items()))',
             says="Two interleaved half-moons of 100 points each (numpy's seeded generator), "
                  "and the weights of a 2 → 16 → 16 → 1 network: W_k drawn from "
                  "N(0, 1/fan-in), the biases b_k zero.",
             shows="(200, 2) (200, 1) 100 points labelled 1\n"
                   "W1 (2, 16)  b1 (16,)  W2 (16, 16)  b2 (16,)  W3 (16, 1)  b3 (1,)"),
        Cell(code="loss = network.loss_of(points, labels)  # a function of the weights\n"
                  "loss(**weights)",
             says="The network gives each point p = σ(tanh(tanh(x W1 + b1) W2 + b2) W3 + b3), "
                  "and the loss is the binary cross-entropy −mean(y ln p + (1 − y) ln(1 − p)), "
                  "written with adt.tanh, adt.sigmoid, adt.ln and adt.mean: on numpy arrays it "
                  "is a number, the same as torch.nn.functional.binary_cross_entropy's.",
             shows="0.7748153994583553",
             check=_loss_is_torchs),
        Cell(section="The trace: one node per array operation",
             code="t = adt.trace(loss, **weights)\n\n"
                  "def argument(slot):\n"
                  "    if slot < len(t):\n"
                  "        return t.name(slot)\n"
                  "    constant = t.values[slot]\n"
                  "    if np.ndim(constant) == 0:\n"
                  "        return repr(constant)\n"
                  '    return f"data {np.shape(constant)}"\n\n'
                  "for node in t.nodes():\n"
                  "    if node.op is not None:\n"
                  "        shape = np.shape(node.value)\n"
                  "        arguments = ', '.join(map(argument, node.args))\n"
                  '        print(f"{node.name:>5} = {node.op.name}({arguments})  shape {shape}")',
             says="Traced, the loss is 17 primitives on arrays, each node with its shape: the "
                  "inputs v_-5 … v_0 are W1, b1, W2, b2, W3, b3, and the points and labels are "
                  "constants (data), not inputs: nothing is differentiated with respect to them.",
             shows="""\
  v_1 = matmul(data (200, 2), v_-5)  shape (200, 16)
  v_2 = add(v_1, v_-4)  shape (200, 16)
  v_3 = tanh(v_2)  shape (200, 16)
  v_4 = matmul(v_3, v_-3)  shape (200, 16)
  v_5 = add(v_4, v_-2)  shape (200, 16)
  v_6 = tanh(v_5)  shape (200, 16)
  v_7 = matmul(v_6, v_-1)  shape (200, 1)
  v_8 = add(v_7, v_0)  shape (200, 1)
  v_9 = sigmoid(v_8)  shape (200, 1)
 v_10 = ln(v_9)  shape (200, 1)
 v_11 = sub(1.0, v_9)  shape (200, 1)
 v_12 = mul(data (200, 1), v_10)  shape (200, 1)
 v_13 = ln(v_11)  shape (200, 1)
 v_14 = mul(data (200, 1), v_13)  shape (200, 1)
 v_15 = add(v_12, v_14)  shape (200, 1)
 v_16 = mean(v_15)  shape ()
 v_17 = neg(v_16)  shape ()""",
             check=_trace_checks),
        Cell(section="One adjoint sweep: the gradient of every weight",
             code="adjoint = t.reverse()\n"
                  "gradient = adjoint.gradient\n"
                  'print("  ".join(f"{name} {g.shape}" for name, g in gradient.items()))',
             says="One adjoint sweep from ȳ = 1 gives ∂loss/∂w for all 337 weights at once, "
                  "each gradient of its weight's shape, equal to torch's to rtol 1e-9.",
             shows="W1 (2, 16)  b1 (16,)  W2 (16, 16)  b2 (16,)  W3 (16, 1)  b3 (1,)",
             check=_gradient_is_torchs),
        Cell(code="mean = next(node for node in t.nodes() if node.op is adt.PRIMITIVES['mean'])\n"
                  "per_term = adjoint.adjoints[mean.args[0]]  # of what was averaged\n"
                  "print(float(adjoint.adjoints[mean.index]), per_term.shape)\n"
                  "per_term[:3]",
             says="The adjoint of a mean is a broadcast: the mean receives v̄ = −1 (from y = "
                  "−mean), and each of the 200 terms it averaged receives v̄/200 = −0.005, its "
                  "share: every point pulls on the weights with the same strength.",
             shows="-1.0 (200, 1)\narray([[-0.005],\n       [-0.005],\n       [-0.005]])",
             check=_mean_adjoint),
        Cell(code="b1 = t.inputs.index('b1')                   # the input node of b1\n"
                  "layer = next(node for node in t.nodes() if b1 in node.args)   # x W1 + b1\n"
                  "per_point = adjoint.adjoints[layer.index]\n"
                  "print(layer.name, per_point.shape, '->', gradient['b1'].shape)\n"
                  "np.array_equal(per_point.sum(axis=0), gradient['b1'])",
             says="The adjoint of a broadcast is a sum: b1 (16,) was added to each of the 200 "
                  "rows of x W1, so the sweep sums the 200 rows of the layer's adjoint "
                  "(200, 16) back to b1's shape, which is the bias's gradient.",
             shows="v_2 (200, 16) -> (16,)\nTrue",
             check=_bias_adjoint),
        Cell(section="Gradient descent, twice",
             code="# 100 steps of: trace, adjoint sweep, w ← w − 2·∂loss/∂w\n"
                  "by_hand = network.train('handwritten')\n"
                  "# the same steps with backward() and .grad\n"
                  "by_torch = network.train('torch')\n"
                  "for name, run in (('by hand', by_hand), ('torch', by_torch)):\n"
                  "    first, last = run.losses[0], run.losses[-1]\n"
                  "    steps = len(run.losses)\n"
                  '    print(f"{name:8} loss {first:.4f} → {last:.4f} in {steps} steps")\n'
                  "pairs = zip(by_hand.losses, by_torch.losses)\n"
                  "all(abs(a - b) <= 1e-9 * abs(b) for a, b in pairs)",
             says="From the same weights, 100 steps each: the losses agree at every step (rtol "
                  "1e-9; in fact to a few units in the last place). Both engines compute in "
                  "float64, and torch's backward() is the same adjoint sweep, the same VJP per "
                  "primitive in reverse order; only the matrix products, which numpy and torch "
                  "sum in different orders, round differently in the last bit.",
             shows="by hand  loss 0.7748 → 0.0208 in 100 steps\n"
                   "torch    loss 0.7748 → 0.0208 in 100 steps\nTrue",
             check=_trainings_agree),
        Cell(code="network.accuracy(by_hand.weights, points, labels)",
             says="After training, every point lies on its side of the decision boundary "
                  "p = 1/2 (the figure network-boundary draws it).",
             shows="1.0"),
    ),
)
