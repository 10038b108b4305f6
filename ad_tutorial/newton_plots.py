"""Pictures of Newton's method beside gradient descent, drawn with matplotlib.

Each function returns a ``matplotlib.figure.Figure`` made without pyplot, from paths
computed by :mod:`ad_tutorial.newton` (the hand-written engine's derivatives). The text
is set large enough to read on a projector (12 pt and up on an 8-inch-wide figure, shown
1152 pixels wide), and every colour stands out against white by more than 3:1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .descent import CONVEX, as_function
from .newton import (CONVEX_START, ROSENBROCK, ROSENBROCK_MINIMISER, ROSENBROCK_START,
                     ROSENBROCK_STEP, Path)
from .notation import SUBSCRIPT_DIGITS, SUPERSCRIPT_DIGITS, number

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

CURVE_COLOR = "#1f77b4"         # blue: the objective
DESCENT_COLOR = "#d55e00"       # vermillion: gradient descent
NEWTON_COLOR = "#117733"        # green: Newton's method
MINIMUM_COLOR = "#222222"       # near black: the minimiser
FONT = 12                       # points: axis labels and legends
TITLE_FONT = 13

CONVEX_DOMAIN = (-1.0, 10.0)    # the tutorial's [0, 10], and the kink at 0 in sight
CONVEX_MINIMISER = 4.5          # |x| + (x − 5)²: f′ = 1 + 2(x − 5) = 0 for x > 0
ROSENBROCK_VIEW = ((-1.6, 1.6), (-0.6, 1.8))
CONTOURS = (0.1, 0.3, 1, 3, 10, 30, 100, 300)     # f's levels, each about 3 times the last
CONTOUR_COLOR = "#8c8c8c"       # grey, 3.4:1 against white
DESCENT_MARKS = (100, 1000, 2000, 5000)          # gradient descent's steps, numbered


def _num(x: float) -> str:
    """A number as the plots print it, with the typographic minus the axes use."""
    return number(float(x)).replace("-", "−")


def _power(x: float) -> str:
    """A small number in two significant digits, the way the caption writes it: 6.1·10⁻⁷."""
    mantissa, exponent = f"{x:.1e}".split("e")
    return f"{mantissa}·10{str(int(exponent)).translate(SUPERSCRIPT_DIGITS)}"


def _style(ax: Axes, title: str, xlabel: str, ylabel: str) -> None:
    ax.set_title(title, fontsize=TITLE_FONT)
    ax.set_xlabel(xlabel, fontsize=FONT)
    ax.set_ylabel(ylabel, fontsize=FONT)
    ax.tick_params(labelsize=FONT - 1)
    ax.grid(True, alpha=0.3)


def plot_newton_convex(descent: Path, newton: Path) -> Figure:
    """|x| + (x − 5)² with the iterates of gradient descent and of Newton's method (left),
    and how far each is from the minimiser 4.5, step by step, on a log scale (right)."""
    import numpy as np
    from matplotlib.figure import Figure

    f = as_function(CONVEX)
    fig = Figure(figsize=(11.0, 4.6), layout="constrained")
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.15, 1]})
    xs = np.linspace(*CONVEX_DOMAIN, 441)
    left.plot(xs, [f(float(x)) for x in xs], color=CURVE_COLOR, lw=2, label="f(x)")
    gd_x, nt_x = descent.points[:, 0], newton.points[:, 0]
    steps = len(gd_x) - 1
    left.plot(gd_x, descent.values, "o", color=DESCENT_COLOR, ms=4,
              label=f"gradient descent: {steps} steps of 0.05")
    path = " → ".join(f"x{str(k).translate(SUBSCRIPT_DIGITS)} = {_num(x)}"
                      for k, x in enumerate(nt_x))
    left.plot(nt_x, newton.values, "s-", color=NEWTON_COLOR, ms=9, lw=2.5,
              label=f"Newton: {path}")
    for k, (x, y) in enumerate(zip(nt_x, newton.values)):          # each iterate's number
        left.annotate(str(k), (x, y), textcoords="offset points",
                      xytext=(-4, 9) if k < 2 else (2, -24),
                      fontsize=FONT, color=NEWTON_COLOR)
    left.text(0.02, 0.03, "kink at 0: |x|′ = |x|″ = 0,\nso step 1 minimises (x − 5)²",
              transform=left.transAxes, fontsize=FONT - 1, color=NEWTON_COLOR)
    left.axvline(CONVEX_MINIMISER, color=MINIMUM_COLOR, ls="--", lw=1.2,
                 label=f"minimiser x = {_num(CONVEX_MINIMISER)}")
    left.set_xlim(*CONVEX_DOMAIN)
    left.set_ylim(0, 40)
    _style(left, "f(x) = |x| + (x − 5)² from x₀ = 0", "x", "f(x)")
    left.legend(fontsize=FONT - 1, loc="upper right", framealpha=0.95)

    floor = 1e-17                   # where an error of exactly 0 is drawn on the log axis
    gd_error = np.abs(gd_x - CONVEX_MINIMISER)
    nt_error = np.abs(nt_x - CONVEX_MINIMISER)
    right.semilogy(range(len(gd_error)), np.maximum(gd_error, floor), "o-", color=DESCENT_COLOR,
                   ms=3, lw=1.5, label=f"gradient descent: ×0.9 per step,\n"
                                       f"{_power(gd_error[-1])} short at {steps}")
    right.semilogy(range(len(nt_error)), np.maximum(nt_error, floor), "s-", color=NEWTON_COLOR,
                   ms=9, lw=2.5, label="Newton: exact after 2 steps")
    for k, e in enumerate(nt_error):
        if e == 0:
            right.annotate("= 0 (exact)", (k, floor), textcoords="offset points",
                           xytext=(10, 4), fontsize=FONT, color=NEWTON_COLOR)
    right.set_ylim(floor / 3, 1e9)                   # room for the legend above the lines
    _style(right, "distance to the minimiser, |xₖ − 4.5|", "step k", "|xₖ − 4.5|")
    right.legend(fontsize=FONT - 1, loc="upper right", framealpha=0.95,
                 bbox_to_anchor=(1.0, 1.0))
    return fig


def plot_rosenbrock(descent: Path, newton: Path) -> Figure:
    """The Rosenbrock function's contours (log-spaced) with the paths of gradient descent
    and of damped Newton from (−1.2, 1) to the minimum (1, 1), their steps numbered."""
    import numpy as np
    from matplotlib.figure import Figure

    (x0, x1), (y0, y1) = ROSENBROCK_VIEW
    gx, gy = np.meshgrid(np.linspace(x0, x1, 321), np.linspace(y0, y1, 321))
    z = (1 - gx) ** 2 + 100 * (gy - gx ** 2) ** 2       # the same formula, on a grid
    fig = Figure(figsize=(9.0, 6.6), layout="constrained")
    ax = fig.add_subplot()
    contours = ax.contour(gx, gy, z, levels=CONTOURS, colors=CONTOUR_COLOR, linewidths=0.9)
    ax.clabel(contours, fmt=lambda v: _num(v), fontsize=FONT - 2)
    gd, nt = descent.points, newton.points
    steps = len(gd) - 1
    ax.plot(gd[:, 0], gd[:, 1], "-", color=DESCENT_COLOR, lw=3,
            label=f"gradient descent: {steps:,} steps of {ROSENBROCK_STEP:g}, "
                  f"ends at ({_num(gd[-1, 0])}, {_num(gd[-1, 1])})")
    ax.plot(nt[:, 0], nt[:, 1], "s-", color=NEWTON_COLOR, lw=1.8, ms=7,
            label=f"damped Newton: {len(nt) - 1} steps, ends at "
                  f"({_num(nt[-1, 0])}, {_num(nt[-1, 1])})")
    for k in DESCENT_MARKS:             # above the valley's floor, left of the step
        ax.plot(*gd[k], "o", color=DESCENT_COLOR, ms=8)
        ax.annotate(f"{k:,}", gd[k], textcoords="offset points",
                    xytext=(14, 4) if k == DESCENT_MARKS[0] else (-14, 10),
                    ha="left" if k == DESCENT_MARKS[0] else "right", fontsize=FONT - 1,
                    color=DESCENT_COLOR)
    for k in sorted({1, 4, 8, 12, 16, len(nt) - 1}):
        ax.annotate(str(k), nt[k], textcoords="offset points", xytext=(9, -16),
                    fontsize=FONT - 1, color=NEWTON_COLOR)
    start, best = ROSENBROCK_START, ROSENBROCK_MINIMISER
    ax.plot([start["x"]], [start["y"]], "o", color=MINIMUM_COLOR, ms=11, mfc="white", mew=2,
            label=f"start ({_num(start['x'])}, {_num(start['y'])})")
    ax.plot([best["x"]], [best["y"]], "*", color=MINIMUM_COLOR, ms=18, label="minimum (1, 1)")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    _style(ax, "Rosenbrock: f(x, y) = (1 − x)² + 100 (y − x²)², steps numbered", "x", "y")
    ax.legend(fontsize=FONT - 1, loc="lower right", framealpha=0.95)
    return fig


__all__ = ["CONVEX_DOMAIN", "CONVEX_START", "ROSENBROCK", "plot_newton_convex",
           "plot_rosenbrock"]
