"""ad_tutorial: automatic differentiation taught with evaluation traces, checked against PyTorch.

>>> import ad_tutorial as adt
>>> t = adt.trace("ln(x1) + x1*x2 - sin(x2)", x1=2.0, x2=5.0)
>>> round(t.value, 3), t.forward(x1=1.0).derivative, round(t.reverse().gradient["x2"], 3)
(11.652, 5.5, 1.716)
"""

from .expression import Expression, ExpressionError, parse
from .forward import Tangent
from .functions import (cos, e, exp, ln, log, matmul, mean, pi, relu, reshape, sigmoid, sin, sqrt,
                        stack, sum, tan, tanh, transpose)
from .practice import exercise
from .primitives import PRIMITIVES, Primitive
from .reverse import Adjoint, Step
from .second import SecondAdjoint, SecondStep
from . import tables as _views  # noqa: F401  (from here on, results print as tables)
from .torch_bridge import compare
from .torch_hessian import compare_hessian
from .trace import Node, Trace, TraceError, Traced, TracedArray, trace

__all__ = [
    "Adjoint", "Expression", "ExpressionError", "Node", "PRIMITIVES", "Primitive",
    "SecondAdjoint", "SecondStep", "Step", "Tangent", "Trace", "TraceError", "Traced",
    "TracedArray", "compare", "compare_hessian", "cos", "e",
    "exercise", "exp", "ln", "log", "matmul", "mean", "parse", "pi", "relu", "reshape",
    "sigmoid", "sin", "sqrt", "stack", "sum", "tan", "tanh", "trace", "transpose",
]
