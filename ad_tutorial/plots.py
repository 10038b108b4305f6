"""The tutorial's gradient-descent pictures, drawn with matplotlib.

Each function returns a ``matplotlib.figure.Figure`` made without pyplot, so nothing
global changes and nothing opens a window. The figures plot objectives on floats (the
primitives' own values) and descents computed by :mod:`ad_tutorial.descent`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from .descent import (CONVEX, GRID_POINTS, NONCONVEX, Descent, Objective, as_function, grid,
                      grid_minimum, minimiser, settled)
from .tables import SUBSCRIPT_DIGITS, number

if TYPE_CHECKING:
    from matplotlib.animation import FuncAnimation
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend

SIZE = (8.0, 3.4)          # the tutorial's 8 × 3 inches, with room for a title

# Every line colour stands out against the white background by at least 3:1, the contrast
# WCAG asks of graphics (tests/test_figures.py measures it), so each reads on a projector.
CURVE_COLOR = "#1f77b4"        # blue, 4.8:1
STEP_COLOR = "#d55e00"         # vermillion, 3.9:1
MINIMUM_COLOR = "#117733"      # green, 5.7:1: the exact minimum
GRID_COLOR = "#aa3377"         # purple, 6.1:1: the minimum on the tutorial's grid
FINAL_COLOR = "#222222"        # near black: where the run is after its last step
#: One colour per start in :func:`plot_starts`, none of them the curve's or the minimum's.
START_COLORS = ("#d55e00", "#882255", "#997700", "#009988", "#332288")

CURVE_POINTS = 400         # the curve is drawn finer than the tutorial's 100-point grid

#: How the tutorial's objectives read in a title.
_READABLE = {CONVEX: "|x| + (x − 5)²", NONCONVEX: "x·cos 4x + 2|x|"}


def _pretty(objective: Objective) -> str:
    """A title for the objective: 'f(x) = |x| + (x − 5)²'."""
    if isinstance(objective, str):
        return f"f(x) = {_READABLE.get(objective, objective)}"
    return "f(x)"


def _num(x: float) -> str:
    """A number as the plots print it: number() with the typographic minus the axes use."""
    return number(float(x)).replace("-", "−")


def _x(k: int) -> str:
    """x with subscript k: x₁₅₀."""
    return "x" + str(k).translate(SUBSCRIPT_DIGITS)


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


def _minimum(ax: Axes, objective: Objective, domain: tuple[float, float]) -> None:
    """The vertical line at the minimiser: the exact one where it is known
    (:data:`ad_tutorial.descent.MINIMISERS`), else the least point of the tutorial's grid,
    and called so."""
    exact = minimiser(objective)
    if exact is not None:
        ax.axvline(exact, color=MINIMUM_COLOR, ls="--", label=f"global minimum x = {_num(exact)}")
    else:
        x = grid_minimum(objective, domain)
        ax.axvline(x, color=GRID_COLOR, ls="-.", label=f"grid minimum x = {_num(x)}")


def _legend_outside(ax: Axes, extra: Sequence = ()) -> Legend:
    """The legend right of the axes, where it cannot cover a curve or a step; `extra`
    handles (a key to the markers) follow the plotted lines."""
    handles, labels = ax.get_legend_handles_labels()
    return ax.legend([*handles, *extra], [*labels, *(h.get_label() for h in extra)],
                     loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)


def plot_objective(objective: Objective, domain: tuple[float, float]) -> Figure:
    """The objective on its domain (the tutorial's first plot) with its exact minimum, where
    known, and the least point of the tutorial's 100-point grid, which the tutorial calls
    the true minimum."""
    fig, ax = _axes(f"{_pretty(objective)} on [{_num(domain[0])}, {_num(domain[1])}]")
    _curve(ax, objective, domain)
    if minimiser(objective) is not None:
        _minimum(ax, objective, domain)
    x_grid = grid_minimum(objective, domain)
    ax.axvline(x_grid, color=GRID_COLOR, ls="-.",
               label=f"grid minimum x = {_num(x_grid)} (best of {GRID_POINTS} points)")
    _legend_outside(ax)
    return fig


def plot_descent(descent: Descent, objective: Objective, domain: tuple[float, float],
                 step_size: float) -> Figure:
    """The tutorial's ``visualize_result``: the objective, the steps (x_k, f(x_k)), the
    minimum (exact where known) and the last iterate x_N, "still moving" when it has not
    settled near the minimum it is heading for."""
    xs, fs = descent
    n = len(xs) - 1
    fig, ax = _axes(f"{_pretty(objective)}: {n} steps of size {step_size:g} "
                    f"from x₀ = {_num(xs[0])}")
    _curve(ax, objective, domain)
    ax.plot(xs, fs, "o-", color=STEP_COLOR, ms=3.5, lw=1, label="gradient steps")
    _minimum(ax, objective, domain)
    moving = "" if settled(descent, objective, domain) else ", still moving"
    ax.axvline(xs[-1], color=FINAL_COLOR, ls=":", lw=2, label=f"{_x(n)} = {_num(xs[-1])}{moving}")
    _legend_outside(ax)
    return fig


def plot_starts(descents: Sequence[Descent], objective: Objective,
                domain: tuple[float, float], step_size: float) -> Figure:
    """Several descents on one objective, one colour each: the start (○) and where the run
    is after its last step: a star (★) where it has settled near a minimum, an arrow (▷)
    pointing the way it still moves where it has not."""
    from matplotlib.lines import Line2D

    if len(descents) > len(START_COLORS):
        raise ValueError(f"at most {len(START_COLORS)} starts in one picture")
    n = len(descents[0].iterates) - 1
    fig, ax = _axes(f"{_pretty(objective)}: {n} steps of size {step_size:g} from each start")
    _curve(ax, objective, domain)
    for colour, descent in zip(START_COLORS, descents):
        xs, fs = descent
        still = not settled(descent, objective, domain)
        ax.plot(xs, fs, ".-", color=colour, ms=3, lw=1.2,
                label=f"x₀ = {_num(xs[0])} → {_num(xs[-1])}{', still moving' if still else ''}")
        ax.plot(xs[:1], fs[:1], "o", color=colour, mfc="white", ms=7)
        if still:
            ax.plot(xs[-1:], fs[-1:], ">" if xs[-1] > xs[-2] else "<", color=colour,
                    mfc="white", ms=10, mew=1.5)
        else:
            ax.plot(xs[-1:], fs[-1:], "*", color=colour, ms=13, mec="black", mew=0.5)
    _minimum(ax, objective, domain)
    key = [Line2D([], [], ls="", marker="o", color=FINAL_COLOR, mfc="white", label="start x₀"),
           Line2D([], [], ls="", marker="*", color=FINAL_COLOR, ms=10,
                  label=f"{_x(n)}: settled"),
           Line2D([], [], ls="", marker=">", color=FINAL_COLOR, mfc="white",
                  label=f"{_x(n)}: still moving")]
    _legend_outside(ax, key)
    return fig


def animate_descent(descent: Descent, objective: Objective, domain: tuple[float, float],
                    step_size: float, view: tuple[float, float] | None = None,
                    frames: int = 60) -> FuncAnimation:
    """The descent step by step: `frames` frames, each showing the steps so far,
    with the x axis limited to `view` (default: the whole domain).

    Only the steps, the line at x_k and its legend entry change from frame to frame; they
    are returned for blitting, and the layout is fixed once (for the widest legend), so the
    axes stay put while the animation plays."""
    from matplotlib.animation import FuncAnimation

    xs, fs = descent
    fig = plot_descent(Descent(xs[:1], fs[:1]), objective, domain, step_size)
    ax = fig.axes[0]
    ax.set_title(f"{_pretty(objective)}: steps of size {step_size:g} from x₀ = {_num(xs[0])}",
                 fontsize=11)
    curve, steps, minimum, final = ax.lines
    lo, hi = view or domain
    if not lo <= minimum.get_xdata()[0] <= hi:
        minimum.remove()                # the global minimum lies outside the view
    ax.set_xlim(lo, hi)
    ax.set_ylim(*_span([*fs, *[y for x, y in zip(*curve.get_data()) if lo <= x <= hi]]))
    shown = sorted({round(k * (len(xs) - 1) / (frames - 1)) for k in range(frames)})
    legend = _legend_outside(ax)        # again: without the line that may have been removed
    label = legend.get_texts()[-1]      # the entry of the line at x_k

    def text(k: int) -> str:
        return f"{_x(k)} = {_num(xs[k])}"      # plain text: no TeX

    def draw(k: int) -> tuple:
        steps.set_data(xs[:k + 1], fs[:k + 1])
        final.set_xdata([xs[k], xs[k]])
        label.set_text(text(k))
        return steps, final, label

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

    style = {"tangent sweeps": (CURVE_COLOR, "-", "o"), "adjoint sweeps": (STEP_COLOR, "-", "s"),
             "vector mode": ("#117733", ":", "^"),       # green, 5.7:1 against white
             "torch.func.jacfwd": (CURVE_COLOR, "--", None),
             "torch.func.jacrev": (STEP_COLOR, "--", None)}
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
