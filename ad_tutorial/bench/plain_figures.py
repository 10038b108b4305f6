"""The tutorial's 14 figures, drawn the tutorial's way: the baseline of benchmark 5.

Each cell of the notebook that shows a picture, turned into a plain script that
saves it instead: two hand-built graphviz graphs, two torchviz graphs, two plots
of objectives and eight runs of gradient descent. Usage:
``python -m ad_tutorial.bench.plain_figures OUTDIR``.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from graphviz import Digraph  # noqa: E402
from torchviz import make_dot  # noqa: E402

OUT = Path(sys.argv[1] if len(sys.argv) > 1 else "plain_figures")
OUT.mkdir(parents=True, exist_ok=True)
count = 0


def save_plot():
    global count
    count += 1
    plt.savefig(OUT / f"figure{count:02d}.png")
    plt.close()


def save_graph(graph):
    global count
    count += 1
    graph.render(OUT / f"figure{count:02d}", format="png", cleanup=True)


# Cells 35 and 36: the computation graph of ln(x1) + x1*x2 - sin(x2), forward and reverse.
EDGES = [("v_-1", "v_1"), ("v_-1", "v_2"), ("v_0", "v_2"), ("v_0", "v_3"),
         ("v_1", "v_4"), ("v_2", "v_4"), ("v_4", "v_5"), ("v_3", "v_5")]
for rankdir, reverse in (("LR", False), ("RL", True)):
    f = Digraph("ComputationGraph")
    f.attr(rankdir=rankdir)
    f.attr("node", shape="circle")
    for k in range(-1, 6):
        f.node(f"v_{k}", label=f"<v<sub>{k}</sub>>")
    for a, b in EDGES:
        f.edge(*((b, a) if reverse else (a, b)))
    save_graph(f)

# Cells 38 and 39: torchviz.
x = torch.tensor(5., requires_grad=True)
y = 3 * x**2 + x + 4 * torch.sin(x)
save_graph(make_dot(y))
x = torch.randn((3, 4, 4), requires_grad=True)
y = x**2 + torch.sin(x)
save_graph(make_dot(y))


# Cell 47: gradient descent and its picture.
def gradient_descent(objective, step_size=0.05, max_iter=100, init=0):
    x_hat = torch.tensor(init, dtype=torch.float32, requires_grad=True)
    x_hat_arr = [x_hat.detach().numpy().copy()]
    obj_arr = [objective(x_hat).detach().numpy()]
    for ii in range(max_iter):
        if x_hat.grad is not None:
            x_hat.grad.zero_()
        out = objective(x_hat)
        out.backward()
        with torch.no_grad():
            x_hat -= step_size * x_hat.grad
        x_hat_arr.append(x_hat.detach().numpy().copy())
        obj_arr.append(objective(x_hat).detach().numpy())
    return np.array(x_hat_arr), np.array(obj_arr)


def visualize_result(x_arr, obj_arr, objective, x_true=None, vis_arr=None):
    if vis_arr is None:
        vis_arr = np.linspace(np.min(x_arr), np.max(x_arr))
    fig, ax = plt.subplots(figsize=(8, 3), dpi=100)
    ax.plot(vis_arr, [objective(torch.tensor(x)).numpy() for x in vis_arr], label="Objective")
    ax.plot(x_arr, obj_arr, "o-", label="Gradient Steps")
    if x_true is not None:
        ax.plot(np.ones(2) * x_true, plt.ylim(), label="True x")
    ax.plot(np.ones(2) * x_arr[-1], plt.ylim(), label="Final x")
    plt.legend(loc="lower right")
    save_plot()


def plot_objective(objective, low, high):
    x = torch.linspace(low, high, 100)
    y = objective(x)
    x_true = float(x[np.argmin(y)])
    fig, ax = plt.subplots(figsize=(8, 3), dpi=100)
    ax.plot(x.numpy(), y.numpy())
    ax.plot(x_true * np.ones(2), plt.ylim())
    save_plot()
    return x_true


# Cells 48-51: a convex objective, from two starting points.
def convex(x):
    return torch.abs(x) + (x - 5)**2


x_true = plot_objective(convex, 0, 10)
for init in (0, 10):
    visualize_result(*gradient_descent(convex, step_size=0.05, max_iter=150, init=init),
                     convex, x_true=x_true, vis_arr=np.linspace(0, 10, num=100))


# Cells 52-58: a non-convex objective, two step sizes and five starting points.
def nonconvex(x):
    return x * torch.cos(4 * x) + 2 * torch.abs(x)


x_true = plot_objective(nonconvex, -5, 5)
for step_size, init in ((0.05, -3.5), (0.001, -3.5), (0.001, -2.5), (0.001, -2),
                        (0.001, -1), (0.001, -0.5)):
    visualize_result(*gradient_descent(nonconvex, step_size=step_size, max_iter=150,
                                       init=init),
                     nonconvex, x_true=x_true, vis_arr=np.linspace(-5, 5, num=100))

print(f"{count} figures in {OUT}")
