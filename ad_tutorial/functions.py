"""The functions a user writes f with: ``adt.ln``, ``adt.sin``, ``adt.pi`` ….

Each dispatches on its arguments, so one definition of f runs on every engine:

* on a traced value it records a node of the evaluation trace;
* on plain numbers it computes the float value (the primal);
* on torch tensors it calls torch (so torch can differentiate the same f).
"""

from __future__ import annotations

import numbers
import re
from typing import Any, Callable

from .primitives import CONSTANTS, FUNCTIONS, Primitive
from .trace import RECORD, Traced

pi: float = CONSTANTS["pi"]
e: float = CONSTANTS["e"]


def apply(p: Primitive, *args: Any) -> Any:
    """p(*args) on whatever the arguments are: traced values, numbers or tensors."""
    if len(args) != p.arity:
        raise TypeError(f"{p.name} takes {p.arity} argument{'s' * (p.arity > 1)}, "
                        f"got {len(args)}")
    for a in args:
        if type(a) is Traced:
            return RECORD[p](*args)
    if all(isinstance(a, numbers.Real) for a in args):
        return p.value(*map(float, args))
    return p.torch(*args)


def _function(name: str, p: Primitive) -> Callable[..., Any]:
    record = RECORD[p]

    def function(x: Any, *more: Any) -> Any:
        if type(x) is Traced and not more:      # the usual case while tracing
            return record(x)
        return apply(p, x, *more)
    function.__name__ = function.__qualname__ = name
    derivative = re.sub(r"\bout\b", f"{name}(x)", p.partial_formulas[0])
    function.__doc__ = (f"{name}(x) on floats, traced values or torch tensors; "
                        f"d/dx {name}(x) = {derivative}.")
    return function


# |x| needs no function of ours: Python's abs() already works on every engine.
cos, exp, ln, log, relu, sigmoid, sin, sqrt, tan, tanh = (
    _function(name, FUNCTIONS[name]) for name in
    ("cos", "exp", "ln", "log", "relu", "sigmoid", "sin", "sqrt", "tan", "tanh"))
