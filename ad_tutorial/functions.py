"""The functions a user writes f with: ``adt.ln``, ``adt.sin``, ``adt.sum``, ``adt.pi`` ….

Each dispatches on its arguments, so one definition of f runs on every engine:

* on a traced value it records a node of the evaluation trace;
* on plain numbers it computes the float value (the primal), on lists and numpy
  arrays the array value;
* on torch tensors it calls torch (so torch can differentiate the same f).
"""

from __future__ import annotations

import builtins
import numbers
import re
from typing import Any, Callable, Sequence

from .arrays import np
from .primitives import CONSTANTS, FUNCTIONS, PRIMITIVES, Primitive
from .tape import RECORD, RECORD_ARRAY, Traced, TracedArray

pi: float = CONSTANTS["pi"]
e: float = CONSTANTS["e"]


def apply(p: Primitive, *args: Any, parameters: tuple[Any, ...] = ()) -> Any:
    """p(*args) on whatever the arguments are: traced values, numbers, arrays or tensors."""
    if p.arity and len(args) != p.arity:
        raise TypeError(f"{p.name} takes {p.arity} argument{'s' * (p.arity > 1)}, "
                        f"got {len(args)}")
    for a in args:
        if type(a) is Traced:
            return RECORD[p](*args)
        if type(a) is TracedArray:
            return RECORD_ARRAY[p](*args, parameters=parameters)
    if p.value is not None and all(isinstance(a, numbers.Real) for a in args):
        return p.value(*map(float, args))
    if builtins.any(hasattr(a, "requires_grad") for a in args):       # torch tensors
        return p.torch(*args, *parameters)
    with np.errstate(all="ignore"):
        out = p.array(*[np.asarray(a, dtype=np.float64) for a in args], *parameters)
    return float(out) if np.ndim(out) == 0 else out


def _function(name: str, p: Primitive) -> Callable[..., Any]:
    record, record_array = RECORD[p], RECORD_ARRAY[p]

    def function(x: Any, *more: Any) -> Any:
        if type(x) is Traced and not more:      # the usual cases while tracing
            return record(x)
        if type(x) is TracedArray and not more:
            return record_array(x)
        return apply(p, x, *more)
    function.__name__ = function.__qualname__ = name
    derivative = re.sub(r"\bout\b", f"{name}(x)", p.partial_formulas[0])
    function.__doc__ = (f"{name}(x), elementwise, on floats, arrays, traced values or torch "
                        f"tensors; d/dx {name}(x) = {derivative}.")
    return function


# |x| needs no function of ours: Python's abs() already works on every engine.
cos, exp, ln, log, relu, sigmoid, sin, sqrt, tan, tanh = (
    _function(name, FUNCTIONS[name]) for name in
    ("cos", "exp", "ln", "log", "relu", "sigmoid", "sin", "sqrt", "tan", "tanh"))


# --- on arrays: the primitives that move or combine elements ------------------------------

def sum(x: Any, axis: int | None = None) -> Any:
    """Σ x: of every element, or along one axis (``sum(x, 0)`` adds up the rows)."""
    return apply(PRIMITIVES["sum"], x, parameters=(axis,))


def mean(x: Any, axis: int | None = None) -> Any:
    """The mean of every element, or along one axis."""
    return apply(PRIMITIVES["mean"], x, parameters=(axis,))


def matmul(a: Any, b: Any) -> Any:
    """The matrix product a @ b of vectors and matrices."""
    return apply(PRIMITIVES["matmul"], a, b)


def transpose(a: Any) -> Any:
    """aᵀ: the axes in reverse order (rows become columns)."""
    return apply(PRIMITIVES["transpose"], a)


def reshape(x: Any, *shape: int) -> Any:
    """The same elements in another shape: ``reshape(x, 2, 3)``; one size may be −1."""
    shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], Sequence) else shape
    return apply(PRIMITIVES["reshape"], x, parameters=(shape,))


def stack(xs: Sequence[Any]) -> Any:
    """One array of equal-shaped arrays (or numbers), along a new first axis: the way to
    make a vector of several results."""
    if type(xs) is not list and type(xs) is not tuple:
        raise TypeError("stack takes a list or tuple of arrays, e.g. stack([a, b])")
    return apply(PRIMITIVES["stack"], *xs)


__all__ = ["apply", "cos", "e", "exp", "ln", "log", "matmul", "mean", "pi", "relu",
           "reshape", "sigmoid", "sin", "sqrt", "stack", "sum", "tan", "tanh", "transpose"]
