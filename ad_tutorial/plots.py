"""The tutorial's gradient-descent pictures, drawn with matplotlib.

Each function returns a ``matplotlib.figure.Figure`` made without pyplot, so nothing
global changes and nothing opens a window. The figures plot objectives on floats (the
primitives' own values) and descents computed by :mod:`ad_tutorial.descent`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from .descent import (CONVEX, NONCONVEX, Descent, Objective, as_function, grid,
                      grid_minimum)
from .tables import SUBSCRIPT_DIGITS, number

if TYPE_CHECKING:
    from matplotlib.animation import FuncAnimation
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend

SIZE = (8.0, 3.4)          # the tutorial's 8 × 3 inches, with room for a title
TRUE_COLOR, FINAL_COLOR, CURVE_COLOR, STEP_COLOR = "tab:green", "tab:red", "tab:blue", "tab:orange"


CURVE_POINTS = 400         # the curve is drawn finer than the tutorial's 100-point grid

#: How the tutorial's objectives read in a title.
_READABLE = {CONVEX: "|x| + (x − 5)²", NONCONVEX: "x·cos 4x + 2|x|"}


def _pretty(objective: Objective) -> str:
    """A title for the objective: 'f(x) = |x| + (x − 5)²'."""
    if isinstance(objective, str):
        return f"f(x) = {_READABLE.get(objective, objective)}"
    return "f(x)"


def _axes(title: str) -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=SIZE, layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(title, fontsize=11)
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    ax.grid(True, alpha=0.3)
    return fig, ax


def _curve(ax: Axes, objective: Objective, domain: tuple[float, float]) -> None:
    f = as_function(objective)
    xs = grid(domain, CURVE_POINTS)
    ax.plot(xs, [f(float(x)) for x in xs], color=CURVE_COLOR, label="objective f(x)")
    ax.set_xlim(*domain)


def _legend_outside(ax: Axes) -> Legend:
    """The legend right of the axes, where it cannot cover a curve or a step."""
    return ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)


def plot_objective(objective: Objective, domain: tuple[float, float]) -> Figure:
    """The objective on its domain with the grid minimum marked (the tutorial's first plot)."""
    x_true = grid_minimum(objective, domain)
    fig, ax = _axes(_pretty(objective))
    _curve(ax, objective, domain)
    ax.axvline(x_true, color=TRUE_COLOR, ls="--", label=f"grid minimum x = {number(x_true)}")
    _legend_outside(ax)
    return fig


def plot_descent(descent: Descent, objective: Objective, domain: tuple[float, float],
                 step_size: float) -> Figure:
    """The tutorial's ``visualize_result``: the objective, the steps (x_k, f(x_k)),
    the true minimum and the final point."""
    xs, fs = descent
    x_true = grid_minimum(objective, domain)
    fig, ax = _axes(f"{_pretty(objective)}: {len(xs) - 1} steps of size {step_size:g} "
                    f"from x₀ = {number(xs[0])}")
    _curve(ax, objective, domain)
    ax.plot(xs, fs, "o-", color=STEP_COLOR, ms=3.5, lw=1, alpha=0.8, label="gradient steps")
    ax.axvline(x_true, color=TRUE_COLOR, ls="--", label=f"true x = {number(x_true)}")
    ax.axvline(xs[-1], color=FINAL_COLOR, ls=":", lw=2, label=f"final x = {number(xs[-1])}")
    _legend_outside(ax)
    return fig


def plot_starts(descents: Sequence[Descent], objective: Objective,
                domain: tuple[float, float], step_size: float) -> Figure:
    """Several descents on one objective: where each start ends up."""
    from matplotlib import colormaps

    fig, ax = _axes(f"{_pretty(objective)}: where each start ends "
                    f"(step {step_size:g}, {len(descents[0].iterates) - 1} steps)")
    _curve(ax, objective, domain)
    colors = colormaps["viridis"].resampled(len(descents))
    for k, (xs, fs) in enumerate(descents):
        ax.plot(xs, fs, ".-", color=colors(k), ms=3, lw=1,
                label=f"x₀ = {number(xs[0])} → {number(xs[-1])}")
        ax.plot(xs[:1], fs[:1], "o", color=colors(k), mfc="white", ms=7)
        ax.plot(xs[-1:], fs[-1:], "*", color=colors(k), ms=12, mec="black", mew=0.5)
    x_true = grid_minimum(objective, domain)
    ax.axvline(x_true, color=TRUE_COLOR, ls="--", label=f"true x = {number(x_true)}")
    _legend_outside(ax)
    return fig


def animate_descent(descent: Descent, objective: Objective, domain: tuple[float, float],
                    step_size: float, view: tuple[float, float] | None = None,
                    frames: int = 60) -> FuncAnimation:
    """The descent step by step: `frames` frames, each showing the steps so far,
    with the x axis limited to `view` (default: the whole domain).

    Only the steps, the line at x_k and the legend change from frame to frame; they are
    returned for blitting, and the layout is fixed once (for the widest legend), so the
    axes stay put while the animation plays."""
    from matplotlib.animation import FuncAnimation

    xs, fs = descent
    fig = plot_descent(Descent(xs[:1], fs[:1]), objective, domain, step_size)
    ax = fig.axes[0]
    ax.set_title(f"{_pretty(objective)}: steps of size {step_size:g} from x₀ = {number(xs[0])}",
                 fontsize=11)
    curve, steps, true, final = ax.lines
    lo, hi = view or domain
    if not lo <= true.get_xdata()[0] <= hi:
        true.remove()                   # the global minimum lies outside the view
    ax.set_xlim(lo, hi)
    ax.set_ylim(*_span([*fs, *[y for x, y in zip(*curve.get_data()) if lo <= x <= hi]]))
    shown = sorted({round(k * (len(xs) - 1) / (frames - 1)) for k in range(frames)})
    legend = _legend_outside(ax)        # again: without the line that may have been removed
    label = legend.get_texts()[-1]      # the entry of the line at x_k

    def text(k: int) -> str:
        return f"x{str(k).translate(SUBSCRIPT_DIGITS)} = {number(xs[k])}"    # plain text: no TeX

    def draw(k: int) -> tuple:
        steps.set_data(xs[:k + 1], fs[:k + 1])
        final.set_xdata([xs[k], xs[k]])
        label.set_text(text(k))
        return steps, final, legend

    draw(max(shown, key=lambda k: len(text(k))))     # the longest legend entry:
    fig.draw_without_rendering()        # lay out once, with room for it,
    fig.set_layout_engine("none")       # and keep that layout in every frame
    for artist in draw(shown[0]):
        artist.set_animated(True)       # drawn over the still picture in each frame
    return FuncAnimation(fig, draw, frames=shown, blit=True)


def _span(ys: Sequence[float]) -> tuple[float, float]:
    lo, hi = min(ys), max(ys)
    pad = 0.05 * (hi - lo or 1.0)
    return lo - pad, hi + pad


#: The two shapes of function the Jacobian-cost figure compares, and the size that grows.
JACOBIAN_SHAPES = {"f: Rⁿ → R": "n", "g: R → Rᵐ": "m"}
#: The ways of computing a full Jacobian it draws.
JACOBIAN_MODES = ("tangent sweeps", "adjoint sweeps", "vector mode", "torch.func.jacfwd",
                  "torch.func.jacrev")


def plot_jacobian_cost(results: dict[str, dict[str, list[float]]]) -> Figure:
    """Jacobian time against n (for f) and m (for g) on log axes, both modes, by hand and
    with torch: a matplotlib Figure. `results` holds the medians that the Jacobian
    benchmark measures (``ad-tutorial bench --only jacobian``), in seconds."""
    from matplotlib.figure import Figure

    style = {"tangent sweeps": ("C0", "-", "o"), "adjoint sweeps": ("C1", "-", "s"),
             "vector mode": ("#117733", ":", "^"),       # green, 5.7:1 against white
             "torch.func.jacfwd": ("C0", "--", None), "torch.func.jacrev": ("C1", "--", None)}
    labels = {"f: Rⁿ → R": {"tangent sweeps": "forward: n tangent sweeps",
                            "adjoint sweeps": "reverse: 1 adjoint sweep",
                            "vector mode": "forward, vector mode: 1 sweep of n tangents"},
              "g: R → Rᵐ": {"tangent sweeps": "forward: 1 tangent sweep",
                            "adjoint sweeps": "reverse: m adjoint sweeps",
                            "vector mode": "reverse, vector mode: 1 sweep of m adjoints"}}
    fig = Figure(figsize=(10, 4), layout="constrained")
    for ax, (shape, letter) in zip(fig.subplots(1, 2, sharey=True), JACOBIAN_SHAPES.items()):
        series = results[shape]
        for mode in JACOBIAN_MODES:
            colour, line, marker = style[mode]
            ax.loglog(series["sizes"], [s * 1e3 for s in series[mode]], color=colour,
                      linestyle=line, marker=marker, markersize=4,
                      label=labels[shape].get(mode, mode))
        ax.set_title(f"{shape}: the Jacobian is {'1 × n' if letter == 'n' else 'm × 1'}")
        ax.set_xlabel(letter)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=8)
    fig.axes[0].set_ylabel("time for the full Jacobian (ms)")
    return fig
