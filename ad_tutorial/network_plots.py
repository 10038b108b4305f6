"""The network's pictures: its decision boundary among the points, and both loss curves.

Each function returns a ``matplotlib.figure.Figure`` made without pyplot, from what
:mod:`ad_tutorial.network` computes. Sizes and fonts are for a 1024 × 768 projector:
4:3, and no text under 11 points (about 20 pixels there).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .network import Training, probability

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SIZE = (8.0, 6.0)           # 4:3, as the projector
#: Blue and vermillion: each stands out against white by more than 3:1 (WCAG's contrast
#: for graphics), and against each other for colour-blind eyes too.
BLUE, VERMILLION = "#1f77b4", "#d55e00"
LABEL_COLORS = (BLUE, VERMILLION)
HAND_COLOR, TORCH_COLOR = BLUE, VERMILLION
FONT = {"title": 13, "label": 12, "tick": 11, "legend": 11}


def _figure(rows: int = 1, **subplots: Any) -> tuple[Figure, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=SIZE, layout="constrained")
    axes = fig.subplots(rows, 1, squeeze=False, **subplots)[:, 0]
    for ax in axes:
        ax.tick_params(labelsize=FONT["tick"])
    return fig, axes


def plot_boundary(training: Training, points: Any, labels: Any, grid: int = 200) -> Figure:
    """The trained network's probability p of label 1 over the plane (shaded), its decision
    boundary p = 1/2 (a line), and the points, each marked with its true label."""
    import numpy as np

    fig, (ax,) = _figure()
    low, high = points.min(axis=0) - 0.4, points.max(axis=0) + 0.4
    high[1] += 0.4                  # room for the legend above the points
    xs, ys = np.linspace(low[0], high[0], grid), np.linspace(low[1], high[1], grid)
    plane = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    p = probability(plane, **training.weights).reshape(grid, grid)
    shade = ax.contourf(xs, ys, p, levels=np.linspace(0.0, 1.0, 11), cmap="RdBu_r",
                        alpha=0.55)
    shade.set_rasterized(True)          # an image in the SVG too: 10 shaded bands as paths
                                        # would be most of its bytes and of the time to draw
    ax.contour(xs, ys, p, levels=[0.5], colors="black", linewidths=2.5)
    right = (probability(points, **training.weights) > 0.5) == (labels > 0.5)
    for label, (marker, name) in enumerate((("o", "upper moon (label 0)"),
                                            ("^", "lower moon (label 1)"))):
        mine = labels[:, 0] == label
        ax.plot(*points[mine].T, marker, ms=7, color=LABEL_COLORS[label], mec="black",
                mew=0.6, label=name, zorder=3)
    ax.plot([], [], color="black", lw=2.5, label="decision boundary p = ½")
    ax.set_aspect("equal")
    ax.set_xlim(low[0], high[0])
    ax.set_ylim(low[1], high[1])
    ax.set_title(f"2 → 16 → 16 → 1 after {len(training.losses)} steps: "
                 f"{int(right.sum())} of {len(points)} points on the right side",
                 fontsize=FONT["title"])
    ax.set_xlabel("x₁", fontsize=FONT["label"])
    ax.set_ylabel("x₂", fontsize=FONT["label"])
    ax.legend(loc="upper left", fontsize=FONT["legend"], framealpha=0.9)
    bar = fig.colorbar(shade, ax=ax, shrink=0.8)
    bar.set_label("p = P(label 1)", fontsize=FONT["label"])
    bar.ax.tick_params(labelsize=FONT["tick"])
    return fig


def plot_losses(by_hand: Training, by_torch: Training, learning_rate: float) -> Figure:
    """Both loss curves on one plot, and below them how far apart they are at each step,
    in units in the last place (ulps) of the loss."""
    import numpy as np

    fig, (top, bottom) = _figure(2, sharex=True, height_ratios=(3, 1))
    steps = np.arange(len(by_hand.losses))
    hand, torch = np.array(by_hand.losses), np.array(by_torch.losses)
    top.plot(steps, hand, color=HAND_COLOR, lw=5, label="hand-written adjoint sweep")
    top.plot(steps, torch, color=TORCH_COLOR, lw=2, ls="--", label="torch.autograd")
    top.set_ylabel("binary cross-entropy", fontsize=FONT["label"])
    top.set_title(f"Training loss: gradient descent with step size {learning_rate:g}, "
                  "from the same start", fontsize=FONT["title"])
    top.legend(fontsize=FONT["legend"])
    top.grid(True, alpha=0.3)
    ulps = np.abs(hand - torch) / np.spacing(torch)
    bottom.bar(steps, ulps, width=0.8, color="dimgray")
    bottom.set_ylabel("difference\n(ulps)", fontsize=FONT["label"])
    bottom.set_xlabel("step", fontsize=FONT["label"])
    bottom.set_ylim(0, max(4.0, ulps.max() * 1.25))
    bottom.text(0.99, 0.9, f"equal in {int((ulps == 0).sum())} of {len(steps)} steps, "
                f"at most {ulps.max():.0f} ulps apart", transform=bottom.transAxes,
                ha="right", va="top", fontsize=FONT["legend"])
    bottom.grid(True, axis="y", alpha=0.3)
    return fig
