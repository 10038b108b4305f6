"""Lesson `descent`: the tutorial's part 3, gradient descent on a convex and a non-convex function.

The tutorial's own `gradient_descent` and `visualize_result` run cell by cell on torch
(float32, as it ran them), with this package's hand-written engine beside them; its
printout 4.545455 / 4.499998 / 0.045456 is reproduced and then explained in float64;
the non-convex function is descended from each start and with two step sizes; and the
exact minimisers, which the tutorial only approximates on a grid, are worked out.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

from ..descent import CONVEX, MINIMISERS, NONCONVEX, NONCONVEX_DOMAIN, local_minimum
from .cells import PLOT, Cell, Lesson

STARTS = (-3.5, -2.5, -2.0, -1.0, -0.5)


def _torch_slope(v: SimpleNamespace, f, x: float) -> float:
    """f′(x) by torch.autograd in float64."""
    t = v.torch.tensor(x, dtype=v.torch.float64, requires_grad=True)
    return v.torch.autograd.grad(f(t), t)[0].item()


def _is_local_minimum(v: SimpleNamespace, x: float) -> bool:
    """torch's f′ of the non-convex objective changes sign from − to + across x."""
    h = 1e-9 * max(1.0, abs(x))
    return _torch_slope(v, v.Objective, x - h) < 0 < _torch_slope(v, v.Objective, x + h)


def _oscillates(xs: np.ndarray) -> bool:
    """The last 20 steps keep changing direction."""
    moves = np.sign(np.diff(xs[-21:]))
    return int((moves[1:] != moves[:-1]).sum()) >= 10


def _ends(x_final: float, settles_at: float | None) -> bool:
    """The run ended near (within 0.05 of) a local minimum of the non-convex objective."""
    return settles_at is not None and abs(x_final - settles_at) < 0.05


def _starts_table(v: SimpleNamespace) -> bool:
    """Each run heads for a point where torch's f′ changes sign; the runs from −3.5, −2.5
    and −2 have settled there, those from −1 and −0.5 have not; float32 and float64 agree."""
    starts, by_torch, by_hand, goals, done = zip(*v.rows)
    return (starts == STARTS and all(_is_local_minimum(v, goal) for goal in goals)
            and done == (True, True, True, False, False)
            and all(abs(a - b) < 1e-4 for a, b in zip(by_torch, by_hand)))


_PLOTTED = "\n" + PLOT


def _last_plot(v: SimpleNamespace) -> list[str]:
    """The legend of the figure the cell drew last."""
    return [t.get_text() for t in v.plt.gcf().axes[0].get_legend().get_texts()]


LESSON = Lesson(
    name="descent",
    title="Gradient descent",
    about="the tutorial's gradient descent on torch and by hand: minima, starts, step sizes",
    sources="section 3 of the tutorial, cells 47-58",
    cells=(
        Cell(section="The tutorial's two functions",
             code="""\
import matplotlib.pyplot as plt
import numpy as np
import torch

# Function of simple gradient descent
def gradient_descent(objective, step_size=0.05, max_iter=100, init=0):
    # Initialize
    x_hat = torch.tensor(init, dtype=torch.float32, requires_grad=True)
    # Record the value iteration process
    x_hat_arr = [x_hat.detach().numpy().copy()]
    obj_arr = [objective(x_hat).detach().numpy()]
    # Iterate
    for ii in range(max_iter):
        # Compute gradient
        if x_hat.grad is not None:
            x_hat.grad.zero_()
        out = objective(x_hat)
        out.backward()
        # Update x_hat
        # Stop tracking gradients
        with torch.no_grad():
            x_hat -= step_size * x_hat.grad
        x_hat_arr.append(x_hat.detach().numpy().copy())
        obj_arr.append(objective(x_hat).detach().numpy())
    return np.array(x_hat_arr), np.array(obj_arr)

# Function to visualize iteration process
def visualize_result(x_arr, obj_arr, objective, x_true=None, vis_arr=None):
    # The horizontal range of figure
    if vis_arr is None:
        vis_arr = np.linspace(np.min(x_arr), np.max(x_arr))
    fig, ax = plt.subplots(figsize=(8, 3), dpi=100)
    ax.plot(vis_arr, [objective(torch.tensor(x)).numpy() for x in vis_arr],
            label='Objective')
    ax.plot(x_arr, obj_arr, 'o-', label='Gradient Steps')
    # If true minimum location is provided, plot it out
    if x_true is not None:
        ax.plot(np.ones(2) * x_true, plt.ylim(), label='True x')
    ax.plot(np.ones(2) * x_arr[-1], plt.ylim(), label='Final x')
    plt.legend(loc='lower right')
    plt.show()""",
             says="The tutorial's `gradient_descent` steps x ← x − η f′(x), f′ from "
                  "`backward()`, in torch's default float32; `visualize_result` draws the "
                  "objective, the steps, the true x and the final x.",
             check=lambda v: v.gradient_descent(lambda x: (x - 1)**2, step_size=0.25,
                                                max_iter=2, init=0)[0].tolist()
             == [0.0, 0.5, 0.75]),
        Cell(section="A convex function: one minimum",
             code="""\
# Objective function
def Objective(x):
    return torch.abs(x) + (x - 5)**2

x = torch.linspace(0, 10, 100)
y = Objective(x)
x_true = float(x[np.argmin(y)])
fig, ax = plt.subplots(figsize=(8, 3), dpi=100)
# Need to convert the tensor to numpy arrays for plots
ax.plot(x.numpy(), y.numpy())
# Show the minimum location
ax.plot(x_true * np.ones(2), plt.ylim())
plt.show()""",
             says="|x| + (x − 5)² on the tutorial's grid of 100 points; its least grid point, "
                  "x_true = 50/11 = 4.545, is the tutorial's true minimum (the grid has no 4.5).",
             shows=PLOT,
             check=lambda v: v.x_true == v.torch.linspace(0, 10, 100)[45].item()
             and math.isclose(v.x_true, 50 / 11, rel_tol=1e-7)),
        Cell(code="""\
# Call the functions to get the minimum
x_hat_arr, obj_arr = gradient_descent(Objective,
                                      step_size=0.05,
                                      max_iter=150,
                                      init=0)

visualize_result(x_hat_arr,
                 obj_arr,
                 Objective,
                 x_true=x_true,
                 vis_arr=np.linspace(0, 10, num=100))""",
             says="150 steps of size 0.05 from x₀ = 0 go down the valley and stop just left "
                  "of the true x: the final x is near 4.5, not at the grid's 4.545.",
             shows=PLOT,
             check=lambda v: len(v.x_hat_arr) == 151 and v.x_hat_arr.dtype == np.float32
             and abs(v.x_hat_arr[-1] - 4.5) < 1e-5),
        Cell(code="""\
print("The true minimum location is:          %f" % (x_true))
print("The final location got by GD is:        %f" % (x_hat_arr[-1]))
print("Errors between true and final location is: %f" %
      (x_true - x_hat_arr[-1]))""",
             says="The tutorial's printout, which today's torch reproduces exactly in "
                  "float32; its 'error' 0.045 is the grid's, as the next cell shows.",
             shows="""\
The true minimum location is:          4.545455
The final location got by GD is:        4.499998
Errors between true and final location is: 0.045456"""),
        Cell(section="The printout explained",
             code="""\
from ad_tutorial.descent import tutorial_check

check = tutorial_check(dtype=torch.float64)
print(check)
print("grid error     x_true - 4.5 = %.6f = 1/22" % (check.x_true - 4.5))
print("descent error  4.5 - x_150  = %.4g = 4 * 0.9**149" % (4.5 - check.x_final))
print("float32 stops at %.7f: 0.05 f'(x) is below half a float32 step there"
      % x_hat_arr[-1])""",
             says="In float64 the 'error' is 1/22, the distance from the grid point 50/11 to "
                  "the minimiser 9/2; the descent itself is 6e-7 short of 4.5: after the first "
                  "step (to 0.5) each one shrinks the gap by 1 − 2η = 0.9.",
             shows="""\
The true minimum location is:              4.545455
The final location got by GD is:           4.499999
Errors between true and final location is: 0.045455
grid error     x_true - 4.5 = 0.045455 = 1/22
descent error  4.5 - x_150  = 6.084e-07 = 4 * 0.9**149
float32 stops at 4.4999981: 0.05 f'(x) is below half a float32 step there""",
             check=lambda v: math.isclose(4.5 - v.check.x_final, 4 * 0.9**149, rel_tol=1e-9)
             and math.isclose(v.check.x_true - 4.5, 1 / 22, rel_tol=1e-12)
             and v.x_hat_arr[-1] == v.x_hat_arr[-10]),
        Cell(section="The hand-written engine beside torch",
             code="""\
import ad_tutorial as adt
from ad_tutorial.descent import CONVEX, MINIMISERS, gradient_descent as descend

t = adt.trace(CONVEX, x=0.0)
print(CONVEX, " f'(0) =", t.reverse().gradient["x"])
by_hand = descend(CONVEX, step_size=0.05, max_iter=150, init=0, engine="handwritten")
by_torch = descend(CONVEX, step_size=0.05, max_iter=150, init=0, engine="torch")
print("first steps:", by_hand.iterates[:3], " x_150 =", by_hand.iterates[-1])
print("largest difference from torch in float64:", abs(by_hand.iterates - by_torch.iterates).max())
visualize_result(*by_hand, Objective, x_true=MINIMISERS[CONVEX],
                 vis_arr=np.linspace(0, 10, num=100))""",
             says="ad_tutorial's `gradient_descent` takes each f′ from an adjoint sweep over "
                  "the trace: torch's float64 steps to the last bit, drawn with the exact "
                  "minimiser 4.5 as the true x.",
             shows="""\
abs(x) + (x - 5)**2  f'(0) = -10.0
first steps: [0.  0.5 0.9]  x_150 = 4.499999391593427
largest difference from torch in float64: 0.0""" + _PLOTTED,
             check=lambda v: _torch_slope(v, v.Objective, 0.0) == -10.0
             and _last_plot(v) == ["Objective", "Gradient Steps", "True x", "Final x"]),
        Cell(code="""\
# Call the functions to get the minimum
x_hat_arr, obj_arr = gradient_descent(Objective,
                                      step_size=0.05,
                                      max_iter=150,
                                      init=10)

visualize_result(x_hat_arr,
                 obj_arr,
                 Objective,
                 x_true=x_true,
                 vis_arr=np.linspace(0, 10, num=100))
print("x_150 = %f" % x_hat_arr[-1])""",
             says="From x₀ = 10 the descent comes down the other side to the same minimum: on "
                  "a convex function the start does not matter.",
             shows="x_150 = 4.500002" + _PLOTTED,
             check=lambda v: abs(v.x_hat_arr[-1] - 4.5) < 1e-5 and v.x_hat_arr[0] == 10),
        Cell(section="A non-convex function: many valleys",
             code="""\
def Objective(x):
    return x * torch.cos(4 * x) + 2 * torch.abs(x)

x = torch.linspace(-5, 5, 100)
y = Objective(x)
x_true = float(x[np.argmin(y)])
fig, ax = plt.subplots(figsize=(8, 3), dpi=100)
ax.plot(x.numpy(), y.numpy())
ax.plot(x_true * np.ones(2), plt.ylim())
plt.show()
print("x_true = %f" % x_true)""",
             says="x·cos 4x + 2|x| has a valley in every period of cos 4x; its least grid "
                  "point is −0.051, beside the global minimum at 0 (the grid skips 0).",
             shows="x_true = -0.050505" + _PLOTTED,
             check=lambda v: v.x_true == v.torch.linspace(-5, 5, 100)[49].item()),
        Cell(section="The step size",
             code="""\
x_hat_arr, obj_arr = gradient_descent(Objective,
                                      step_size=0.05,
                                      max_iter=150,
                                      init=-3.5)

visualize_result(x_hat_arr,
                 obj_arr,
                 Objective,
                 x_true=x_true,
                 vis_arr=np.linspace(-5, 5, num=100))
print("last steps:", x_hat_arr[-4:])""",
             says="With step 0.05 the steps overshoot the valley's bottom and bounce between "
                  "two points for ever: they never reach a minimum.",
             shows="last steps: [-2.8550735 -3.2959592 -2.8550735 -3.2959592]" + _PLOTTED,
             check=lambda v: _oscillates(v.x_hat_arr)),
        Cell(code="""\
x_hat_arr, obj_arr = gradient_descent(Objective,
                                      step_size=0.001,
                                      max_iter=150,
                                      init=-3.5)

visualize_result(x_hat_arr,
                 obj_arr,
                 Objective,
                 x_true=x_true,
                 vis_arr=np.linspace(-5, 5, num=100))
print("x_150 = %f" % x_hat_arr[-1])""",
             says="With step 0.001 the descent settles in the nearest valley, a local minimum "
                  "near −3.12, far from the global one at 0.",
             shows="x_150 = -3.121674" + _PLOTTED,
             check=lambda v: _ends(float(v.x_hat_arr[-1]),
                                   local_minimum(NONCONVEX, -3.2, NONCONVEX_DOMAIN))),
        Cell(code="""\
from ad_tutorial.descent import NONCONVEX, NONCONVEX_DOMAIN, local_minimum

bottom = local_minimum(NONCONVEX, -3.2, NONCONVEX_DOMAIN)
x = torch.tensor(bottom, dtype=torch.float64, requires_grad=True)
(slope,) = torch.autograd.grad(Objective(x), x, create_graph=True)
(curvature,) = torch.autograd.grad(slope, x)
print("valley bottom %.6f, f'' = %.2f, stable for steps below 2/f'' = %.4f"
      % (bottom, curvature, 2 / curvature))
for step_size in (0.05, 0.03, 0.001):
    xs, _ = gradient_descent(Objective, step_size=step_size, max_iter=150, init=-3.5)
    print(step_size, xs[-3:])""",
             says="Why: near a minimum x*, a step multiplies the distance to it by 1 − η f″(x*), "
                  "so descent settles only if η < 2/f″(x*) = 0.041 here: 0.05 bounces, 0.03 "
                  "zig-zags in, 0.001 creeps in.",
             shows="""\
valley bottom -3.121484, f'' = 49.14, stable for steps below 2/f'' = 0.0407
0.05 [-3.2959592 -2.8550735 -3.2959592]
0.03 [-3.1214838 -3.1214836 -3.1214838]
0.001 [-3.121694  -3.1216838 -3.121674 ]""",
             check=lambda v: 0.001 < 0.03 < 2 / v.curvature.item() < 0.05
             and _is_local_minimum(v, v.bottom)),
        Cell(section="The start decides the minimum",
             code="""\
x_hat_arr, obj_arr = gradient_descent(Objective,
                                      step_size=0.001,
                                      max_iter=150,
                                      init=-2.5)

visualize_result(x_hat_arr,
                 obj_arr,
                 Objective,
                 x_true=x_true,
                 vis_arr=np.linspace(-5, 5, num=100))
print("x_150 = %f" % x_hat_arr[-1])""",
             says="From −2.5 the descent rolls left, into the same valley as from −3.5.",
             shows="x_150 = -3.118293" + _PLOTTED,
             check=lambda v: _ends(float(v.x_hat_arr[-1]), v.bottom)),
        Cell(code="""\
x_hat_arr, obj_arr = gradient_descent(Objective,
                                      step_size=0.001,
                                      max_iter=150,
                                      init=-2)

visualize_result(x_hat_arr,
                 obj_arr,
                 Objective,
                 x_true=x_true,
                 vis_arr=np.linspace(-5, 5, num=100))
print("x_150 = %f" % x_hat_arr[-1])""",
             says="From −2 it rolls right, into another valley, whose bottom is near −1.53.",
             shows="x_150 = -1.540482" + _PLOTTED,
             check=lambda v: _ends(float(v.x_hat_arr[-1]),
                                   local_minimum(NONCONVEX, -2.0, NONCONVEX_DOMAIN))),
        Cell(code="""\
x_hat_arr, obj_arr = gradient_descent(Objective,
                                      step_size=0.001,
                                      max_iter=150,
                                      init=-1)

visualize_result(x_hat_arr,
                 obj_arr,
                 Objective,
                 x_true=x_true,
                 vis_arr=np.linspace(-5, 5, num=100))
print("x_150 = %f" % x_hat_arr[-1])""",
             says="From −1 it heads for the same valley as from −2 but is still on the way "
                  "after 150 steps: the 'final x' is not a minimum.",
             shows="x_150 = -1.208370" + _PLOTTED,
             check=lambda v: not _ends(float(v.x_hat_arr[-1]),
                                       local_minimum(NONCONVEX, -1.0, NONCONVEX_DOMAIN))),
        Cell(code="""\
x_hat_arr, obj_arr = gradient_descent(Objective,
                                      step_size=0.001,
                                      max_iter=150,
                                      init=-0.5)

visualize_result(x_hat_arr,
                 obj_arr,
                 Objective,
                 x_true=x_true,
                 vis_arr=np.linspace(-5, 5, num=100))
print("x_150 = %f" % x_hat_arr[-1])""",
             says="Only the start −0.5 heads for the global minimum at 0, and it too is still "
                  "on the way after 150 steps.",
             shows="x_150 = -0.121152" + _PLOTTED,
             check=lambda v: not _ends(float(v.x_hat_arr[-1]), 0.0)
             and v.x_hat_arr[-1] > v.x_hat_arr[-2]),
        Cell(code="""\
from ad_tutorial.descent import settled

print("  x0   x_150 float32 (torch)   x_150 float64 (by hand)   heading for   settled")
rows = []
for x0 in (-3.5, -2.5, -2.0, -1.0, -0.5):
    xs, _ = gradient_descent(Objective, step_size=0.001, max_iter=150, init=x0)
    run = descend(NONCONVEX, step_size=0.001, max_iter=150, init=x0, engine="handwritten")
    goal = local_minimum(NONCONVEX, run.iterates[-1], NONCONVEX_DOMAIN)
    rows.append((x0, float(xs[-1]), run.iterates[-1], goal,
                 settled(run, NONCONVEX, NONCONVEX_DOMAIN)))
    print("%5.1f %15.6f %25.6f %19.6f   %s" % rows[-1])""",
             says="Each start by both engines: where it is after 150 steps, the local minimum "
                  "it is heading for (where f′ changes sign), and whether it has got there.",
             shows="""\
  x0   x_150 float32 (torch)   x_150 float64 (by hand)   heading for   settled
 -3.5       -3.121674                 -3.121674           -3.121484   True
 -2.5       -3.118293                 -3.118293           -3.121484   True
 -2.0       -1.540482                 -1.540482           -1.529167   True
 -1.0       -1.208370                 -1.208371           -1.529167   False
 -0.5       -0.121152                 -0.121152            0.000000   False""",
             check=_starts_table),
        Cell(section="The exact minimisers",
             code="MINIMISERS",
             says="The tutorial's grid only approximates the minimisers; both can be worked "
                  "out exactly.",
             shows="{'abs(x) + (x - 5)**2': 4.5, 'x*cos(4*x) + 2*abs(x)': 0.0}",
             check=lambda v: v.out == MINIMISERS and set(v.out) == {CONVEX, NONCONVEX}),
        Cell(code="""\
x = torch.tensor(4.5, dtype=torch.float64, requires_grad=True)
y = torch.abs(x) + (x - 5)**2
y.backward()
print(y.item(), x.grad.item())""",
             says="For x > 0, f′(x) = 1 + 2(x − 5) vanishes at x = 9/2, where f = 4.75; f is "
                  "convex (a sum of convex functions), so 4.5 is its one minimum.",
             shows="4.75 0.0"),
        Cell(code="""\
x = torch.linspace(-5, 5, 1_000_001, dtype=torch.float64)
print(bool((Objective(x) >= x.abs()).all()), Objective(torch.tensor(0.0)).item())
print([round(float(torch.autograd.grad(Objective(t), t)[0]), 6)
       for t in torch.tensor([-1e-9, 1e-9], dtype=torch.float64, requires_grad=True)])""",
             says="|x·cos 4x| ≤ |x|, so x·cos 4x + 2|x| ≥ |x| ≥ 0 = f(0): the global minimum "
                  "is x = 0 exactly, a kink where f′ jumps from −1 to 3.",
             shows="True 0.0\n[-1.0, 3.0]"),
        Cell(code="""\
visualize_result(x_hat_arr,
                 obj_arr,
                 Objective,
                 x_true=MINIMISERS[NONCONVEX],
                 vis_arr=np.linspace(-5, 5, num=100))""",
             says="The run from −0.5 again, with the exact global minimum as the true x: "
                  "`ad-tutorial figures` draws all these plots with the exact minimisers.",
             shows=PLOT,
             check=lambda v: list(v.plt.gcf().axes[0].lines[2].get_xdata()) == [0.0, 0.0]),
    ),
)
