"""Gradient descent, the tutorial's third part, with torch's autograd or the hand-written engine.

To minimise f, step against the derivative: x_{k+1} = x_k − η f′(x_k). With a small
enough step η this goes downhill to a minimum; on a convex f (one valley) it is the
global one, on a non-convex f it is whichever valley the start x_0 lies in, and with
too large a step it overshoots and oscillates.

The derivative comes from either engine, on the same objective:

* ``engine="torch"``: the tutorial's loop, ``f(x).backward()`` then an in-place update of
  x under ``torch.no_grad()`` (float64 unless another ``dtype`` is given);
* ``engine="handwritten"``: trace f at x_k and run this package's adjoint sweep.

Both give the same iterates to float tolerance, which the tests check.

Where descent should end: the tutorial's two objectives have exact minimisers, worked out
by hand (:data:`MINIMISERS`); their other, local, minima are found numerically
(:func:`local_minimum`), and :func:`settled` says whether a run has come close to the one
it is heading for. The tutorial's own "true minimum" is the least of 100 grid points
(:func:`grid_minimum`): 4.545 for the convex objective, whose minimiser is 4.5.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, NamedTuple, Union

from .expression import Expression, parse

if TYPE_CHECKING:
    import numpy as np
    import torch

Objective = Union[str, Expression, Callable[[Any], Any]]

#: The tutorial's two objectives and the intervals it plots them on.
CONVEX = "abs(x) + (x - 5)**2"
CONVEX_DOMAIN = (0.0, 10.0)
NONCONVEX = "x*cos(4*x) + 2*abs(x)"
NONCONVEX_DOMAIN = (-5.0, 5.0)

ENGINES = ("torch", "handwritten")
GRID_POINTS = 100          # the tutorial's plotting grid: torch.linspace(lo, hi, 100)

#: The exact (global) minimisers of the tutorial's objectives, worked out by hand.
#:
#: * |x| + (x − 5)²: for x > 0, f′(x) = 1 + 2(x − 5) vanishes at x = 9/2; for x < 0,
#:   f′(x) = −1 + 2(x − 5) < 0, and f keeps falling across the kink at 0 (f′(0⁺) = −9).
#:   A sum of convex functions is convex, so x = 4.5 is the minimum, f(4.5) = 4.75.
#: * x·cos 4x + 2|x|: |x·cos 4x| ≤ |x|, so f(x) ≥ 2|x| − |x| = |x| ≥ 0 = f(0), with
#:   equality only at 0. The global minimum is x = 0, a kink where f′ jumps from −1 to 3.
#:   The local minima have no closed form: :func:`local_minimum` finds them.
MINIMISERS: dict[str, float] = {CONVEX: 4.5, NONCONVEX: 0.0}

#: A run has settled when x_N lies this fraction of the plotted interval from the minimum
#: it is heading for: 0.5 %, less than the eye can tell on the plots.
SETTLED = 0.005


class Descent(NamedTuple):
    """x_0 … x_N and f(x_0) … f(x_N); unpacks like the tutorial's ``x_hat_arr, obj_arr``."""

    iterates: np.ndarray
    values: np.ndarray


def as_function(objective: Objective) -> Callable[[Any], Any]:
    """f as a function of one argument: an expression text such as ``"abs(x) + (x-5)**2"``
    (one variable), a parsed expression, or a callable written with ad_tutorial's functions.
    The result runs on floats, traced values and tensors alike."""
    if isinstance(objective, str):
        objective = parse(objective)
    if not isinstance(objective, Expression):
        return objective
    if len(objective.variables) != 1:
        raise ValueError(f"an objective has one variable; {objective.text!r} has "
                         f"{len(objective.variables)}")
    (name,), expression = objective.variables, objective
    return lambda x: expression(**{name: x})


def gradient_descent(objective: Objective, step_size: float = 0.05, max_iter: int = 100,
                     init: float = 0.0, engine: str = "torch",
                     dtype: torch.dtype | None = None) -> Descent:
    """Run `max_iter` steps x ← x − step_size · f′(x) from `init`; f′ from `engine`."""
    import numpy as np

    f = as_function(objective)
    if engine == "torch":
        xs, fs = _descend_with_torch(f, step_size, max_iter, init, dtype)
    elif engine == "handwritten":
        if dtype is not None:
            raise ValueError("the hand-written engine computes in float64 only")
        xs, fs = _descend_by_hand(f, step_size, max_iter, init)
    else:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    return Descent(np.array(xs), np.array(fs))


def _descend_with_torch(f: Callable[[Any], Any], step_size: float, max_iter: int,
                        init: float, dtype: torch.dtype | None) -> tuple[list, list]:
    """The tutorial's loop: backward() fills x.grad, then x is updated without tracking."""
    import torch

    x = torch.tensor(float(init), dtype=dtype or torch.float64, requires_grad=True)
    xs, fs = [], []
    for k in range(max_iter + 1):
        y = f(x)
        xs.append(x.item())
        fs.append(y.item())
        if k == max_iter:
            break
        y.backward()
        with torch.no_grad():
            x -= step_size * x.grad
        x.grad = None                   # gradients accumulate unless cleared
    return xs, fs


def _descend_by_hand(f: Callable[[Any], Any], step_size: float, max_iter: int,
                     init: float) -> tuple[list, list]:
    """The same loop with f′(x) from an adjoint sweep over f's trace at x."""
    from .trace import trace

    x = float(init)
    xs, fs = [], []
    for k in range(max_iter + 1):
        t = trace(f, x)                  # traced anew: |x| branches on the sign of x
        xs.append(x)
        fs.append(t.value)
        if k == max_iter:
            break
        x -= step_size * t.reverse().gradient[t.inputs[0]]
    return xs, fs


def grid(domain: tuple[float, float], num: int = GRID_POINTS) -> np.ndarray:
    """The tutorial's plotting grid: `num` evenly spaced points over the domain."""
    import numpy as np

    return np.linspace(*domain, num=num)


def grid_minimum(objective: Objective, domain: tuple[float, float],
                 num: int = GRID_POINTS) -> float:
    """The grid point where f is least: the tutorial's "true minimum location"."""
    f = as_function(objective)
    xs = grid(domain, num)
    return float(xs[min(range(num), key=lambda k: f(float(xs[k])))])


def minimiser(objective: Objective) -> float | None:
    """The exact global minimiser of one of the tutorial's objectives (:data:`MINIMISERS`),
    or None for any other objective."""
    return MINIMISERS.get(objective) if isinstance(objective, str) else None


def derivative(objective: Objective, x: float) -> float:
    """f′(x) by this package's adjoint sweep over f's trace at x."""
    from .trace import trace

    t = trace(as_function(objective), float(x))
    return t.reverse().gradient[t.inputs[0]]


def local_minimum(objective: Objective, x: float, domain: tuple[float, float],
                  scan: float = 0.01) -> float | None:
    """The minimum that gradient descent with small steps approaches from x, found
    numerically: walk downhill (against f′) in steps of `scan` until f′ changes sign, then
    halve that interval on the sign of f′ until it holds two neighbouring floats, and take
    the one where f is smaller. This finds smooth minima (f′ = 0) and kinks (f′ jumps from
    − to +) alike. None if the walk leaves `domain` first."""
    f = as_function(objective)          # parsed once, traced at every point
    slope = derivative(f, x)
    if slope == 0:
        return float(x)
    downhill = -1.0 if slope > 0 else 1.0
    a, b = float(x), float(x) + downhill * scan
    while (slope := derivative(f, b)) * downhill < 0:      # still going down
        if not domain[0] <= b <= domain[1]:
            return None
        a, b = b, b + downhill * scan
    if slope == 0:
        return b
    lo, hi = sorted((a, b))             # f′(lo) < 0 < f′(hi)
    while lo < (mid := (lo + hi) / 2) < hi:
        slope = derivative(f, mid)
        if slope == 0:
            return mid
        lo, hi = (mid, hi) if slope < 0 else (lo, mid)
    return min((lo, hi), key=lambda x: float(f(x))) + 0.0      # + 0.0: no −0


def settled(descent: Descent, objective: Objective, domain: tuple[float, float]) -> bool:
    """Whether the run's last iterate lies within :data:`SETTLED` of the plotted interval
    from the local minimum it is heading for."""
    x = float(descent.iterates[-1])
    target = local_minimum(objective, x, domain)
    return target is not None and abs(x - target) <= SETTLED * (domain[1] - domain[0])


class Check(NamedTuple):
    """The tutorial's printed check of a descent against the grid minimum."""

    x_true: float
    x_final: float

    @property
    def error(self) -> float:
        return self.x_true - self.x_final

    def __str__(self) -> str:
        return (f"The true minimum location is:              {self.x_true:f}\n"
                f"The final location got by GD is:           {self.x_final:f}\n"
                f"Errors between true and final location is: {self.error:f}")


def tutorial_check(engine: str = "torch", dtype: torch.dtype | None = None) -> Check:
    """The tutorial's cell: descend the convex objective from 0 (step 0.05, 150 steps)
    and compare with the grid minimum.

    The tutorial ran torch's default float32; with ``dtype=torch.float32`` today's torch
    prints its numbers exactly (4.545455, 4.499998, 0.045456). In float64, the default
    here, the descent ends closer to 4.5: 4.499999, with error 0.045455.
    """
    descent = gradient_descent(CONVEX, step_size=0.05, max_iter=150, init=0.0,
                               engine=engine, dtype=dtype)
    return Check(grid_minimum(CONVEX, CONVEX_DOMAIN), float(descent.iterates[-1]))
