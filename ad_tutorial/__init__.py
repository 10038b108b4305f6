"""ad_tutorial: automatic differentiation taught with evaluation traces, checked against PyTorch.

>>> import ad_tutorial as adt
>>> t = adt.trace("ln(x1) + x1*x2 - sin(x2)", x1=2.0, x2=5.0)
>>> round(t.value, 3), t.forward(x1=1.0).derivative, round(t.reverse().gradient["x2"], 3)
(11.652, 5.5, 1.716)
"""

from .expression import Expression, ExpressionError, parse
from .forward import Tangent
from .functions import cos, e, exp, ln, log, pi, relu, sigmoid, sin, sqrt, tan, tanh
from .practice import exercise
from .primitives import PRIMITIVES, Primitive
from .reverse import Adjoint, Step
from . import tables as _views  # noqa: F401  (from here on, results print as tables)
from .torch_bridge import compare
from .trace import Node, Trace, TraceError, Traced, trace

__all__ = [
    "Adjoint", "Expression", "ExpressionError", "Node", "PRIMITIVES", "Primitive", "Step",
    "Tangent", "Trace", "TraceError", "Traced", "compare", "cos", "e", "exercise", "exp", "ln",
    "log", "parse", "pi", "relu", "sigmoid", "sin", "sqrt", "tan", "tanh", "trace",
]
