"""Newton's method beside gradient descent, with second derivatives from the engine.

Gradient descent steps against the gradient, x ← x − η ∇f(x): it knows the slope, not
the curvature, so its step η must suit the steepest direction and crawls along the
flat ones. Newton's method minimises the quadratic model f(x) + ∇f·p + ½ pᵀ H p instead,
stepping p = −H⁻¹ ∇f with the Hessian H = ∇²f: one step to the minimum of a quadratic,
and quadratic convergence near a minimum where H is positive definite.

Far from a minimum the full step may go uphill. *Damped* Newton takes the largest
α = 1, ½, ¼, … for which f drops at least 10⁻⁴ α |∇f·p| (Armijo's rule), and steps
against the gradient where the Newton direction does not lead downhill (H not positive
definite) or H is singular.

Both use the derivatives of ``engine``: ``"handwritten"`` traces f at each point and runs
this package's adjoint sweep (∇f) and second-order sweep in vector mode (H);
``"torch"`` asks ``torch.func.grad`` and ``torch.func.hessian``. The tests check that
both give the same path.

The tutorial's convex objective |x| + (x − 5)² has a kink at 0, where torch's convention
(and this package's) takes |x|′ = 0 and |x|″ = 0. Newton from x = 0 sees only (x − 5)²
there and jumps to its minimum, 5; for x > 0 the model is exact, and the second step lands
on the minimiser 4.5. The Rosenbrock function (1 − x)² + 100 (y − x²)² has a curved, flat
valley: gradient descent needs thousands of small steps along it, damped Newton a few
dozen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from .descent import CONVEX, ENGINES
from .expression import Expression, parse

if TYPE_CHECKING:
    import numpy as np

ROSENBROCK = "(1 - x)**2 + 100*(y - x**2)**2"
ROSENBROCK_START = {"x": -1.2, "y": 1.0}          # the classic start (Rosenbrock, 1960)
ROSENBROCK_MINIMISER = {"x": 1.0, "y": 1.0}
ROSENBROCK_STEP = 0.001         # gradient descent: larger steps oscillate across the valley
ROSENBROCK_STEPS = 5000
CONVEX_START = {"x": 0.0}
ARMIJO = 1e-4                   # the fraction of the predicted decrease a step must achieve
HALVINGS = 60                   # at most this many halvings of a damped step


class Path(NamedTuple):
    """The iterates x_0 … x_N (a row each, one column per variable, named) and f(x_k)."""

    points: np.ndarray
    values: np.ndarray
    names: tuple[str, ...]


def _expression(objective: str | Expression) -> Expression:
    return parse(objective) if isinstance(objective, str) else objective


def derivatives(objective: str | Expression, point: dict[str, float],
                engine: str = "handwritten", second: bool = True) -> tuple[float, Any, Any]:
    """f, ∇f and (with `second`) ∇²f at `point`, by `engine`, as a float and numpy arrays
    in the order of `point`'s names."""
    import numpy as np

    expression = _expression(objective)
    if engine == "handwritten":
        from .trace import trace

        t = trace(expression, **point)
        gradient = np.array(list(t.reverse().gradient.values()))
        return t.value, gradient, t.hessian() if second else None
    if engine != "torch":
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    import torch

    names = list(point)

    def f(v: Any) -> Any:
        return expression(**{name: v[k] for k, name in enumerate(names)})

    at = torch.tensor(list(point.values()), dtype=torch.float64, requires_grad=True)
    y = f(at)
    (gradient,) = torch.autograd.grad(y, at)
    hessian = torch.func.hessian(f)(at.detach()).numpy() if second else None
    return y.item(), gradient.numpy(), hessian


def gradient_descent_path(objective: str | Expression, start: dict[str, float],
                          step_size: float, steps: int, engine: str = "handwritten") -> Path:
    """`steps` steps x ← x − η ∇f(x) from `start`, η = `step_size`."""
    import numpy as np

    objective, names = _expression(objective), tuple(start)
    x = np.array(list(start.values()), dtype=np.float64)
    points, values = [x], []
    for k in range(steps + 1):
        value, gradient, _ = derivatives(objective, dict(zip(names, x.tolist())), engine,
                                         second=False)
        values.append(value)
        if k == steps:
            break
        x = x - step_size * gradient
        points.append(x)
    return Path(np.array(points), np.array(values), names)


def newton_path(objective: str | Expression, start: dict[str, float], steps: int = 100,
                damped: bool = True, engine: str = "handwritten") -> Path:
    """Newton's method from `start`: p = −H⁻¹ ∇f, a full step, or (`damped`) the largest
    α = 1, ½, ¼, … with Armijo's decrease, against the gradient where p is not downhill.
    Stops where ∇f = 0, where a step no longer moves x, or after `steps` steps."""
    import numpy as np

    objective, names = _expression(objective), tuple(start)
    x = np.array(list(start.values()), dtype=np.float64)
    value, gradient, hessian = derivatives(objective, dict(zip(names, x.tolist())), engine)
    points, values = [x], [value]
    for _ in range(steps):
        if not np.any(gradient):
            break
        p = _newton_direction(gradient, hessian)
        if damped and not gradient @ p < 0:
            p = -gradient                   # the model has no minimum: go downhill
        alpha = 1.0
        if damped:
            for _ in range(HALVINGS):
                trial = _value(objective, names, x + alpha * p, engine)
                if trial <= value + ARMIJO * alpha * (gradient @ p):
                    break
                alpha /= 2
        step = x + alpha * p
        if np.array_equal(step, x):
            break
        x = step
        value, gradient, hessian = derivatives(objective, dict(zip(names, x.tolist())), engine)
        points.append(x)
        values.append(value)
    return Path(np.array(points), np.array(values), names)


def _newton_direction(gradient: Any, hessian: Any) -> Any:
    """−H⁻¹ ∇f, or −∇f where H is singular."""
    import numpy as np

    try:
        return -np.linalg.solve(hessian, gradient)
    except np.linalg.LinAlgError:
        return -gradient


def _value(objective: str | Expression, names: tuple[str, ...], x: Any, engine: str) -> float:
    if engine == "torch":
        import torch

        return float(_expression(objective)(**{n: torch.tensor(v, dtype=torch.float64)
                                               for n, v in zip(names, x.tolist())}))
    return float(_expression(objective)(**dict(zip(names, x.tolist()))))


def convex_paths(engine: str = "handwritten", step_size: float = 0.05,
                 steps: int = 150) -> tuple[Path, Path]:
    """The tutorial's gradient descent on |x| + (x − 5)² from 0 (150 steps of 0.05), and
    Newton's method (full steps) from the same start."""
    return (gradient_descent_path(CONVEX, CONVEX_START, step_size, steps, engine),
            newton_path(CONVEX, CONVEX_START, damped=False, engine=engine))


def rosenbrock_paths(engine: str = "handwritten") -> tuple[Path, Path]:
    """Gradient descent (5000 steps of 0.001) and damped Newton on the Rosenbrock function
    from (−1.2, 1)."""
    return (gradient_descent_path(ROSENBROCK, ROSENBROCK_START, ROSENBROCK_STEP,
                                  ROSENBROCK_STEPS, engine),
            newton_path(ROSENBROCK, ROSENBROCK_START, engine=engine))
