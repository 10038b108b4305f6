"""Hypothesis strategies for random array functions: broadcasting shapes, reductions with
axes, matrix products, transposes, reshapes, indexing and stacks.

A program is a list of steps over its inputs, built so that every step's shapes fit;
:meth:`Program.function` writes it with ad_tutorial's functions, so one definition runs
traced (numpy) and on torch tensors.
"""

from __future__ import annotations

import inspect
import operator
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st

import ad_tutorial as adt

SHAPES = [(), (3,), (2, 3), (2, 1), (1, 3), (3, 1), (3, 3)]
UNARY = ["sin", "cos", "exp", "tanh", "sigmoid", "sqrt", "ln", "abs", "relu", "neg"]
BINARY = ["+", "-", "*", "/", "**"]

#: Away from every edge: where numpy's and torch's elementwise functions agree closely.
WELL_CONDITIONED = st.floats(0.2, 2.0)
#: The edges, where nan, ±inf and signed zeros must match exactly.
EDGES = st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, 5e-324, 1e-310, -1e-310])


@dataclass(frozen=True)
class Program:
    """Input shapes, and steps (operation, operand numbers, parameters); values are
    numbered inputs first, then one per step; the last value is the output (or the last
    two, as a tuple, when `pair`)."""

    shapes: tuple[tuple[int, ...], ...]
    steps: tuple[tuple[str, tuple[int, ...], Any], ...]
    pair: bool = False

    def function(self) -> Callable[..., Any]:
        """f(x1, …, xn), written with ad_tutorial's functions and operators."""
        def f(*xs: Any) -> Any:
            values = list(xs)
            for name, operands, parameter in self.steps:
                values.append(_apply(name, [values[k] for k in operands], parameter))
            return (values[-2], values[-1]) if self.pair else values[-1]
        f.__signature__ = inspect.Signature(
            [inspect.Parameter(f"x{k + 1}", inspect.Parameter.POSITIONAL_OR_KEYWORD)
             for k in range(len(self.shapes))])
        return f

    def __repr__(self) -> str:
        return f"Program(shapes={self.shapes}, steps={self.steps}, pair={self.pair})"


OPERATORS = {"neg": operator.neg, "abs": abs, "+": operator.add, "-": operator.sub,
             "*": operator.mul, "/": operator.truediv, "**": operator.pow, "@": operator.matmul}


def _apply(name: str, args: list[Any], parameter: Any) -> Any:
    if name in OPERATORS:
        return OPERATORS[name](*args)
    if name in ("sum", "mean"):
        return getattr(adt, name)(args[0], parameter)
    if name == "reshape":
        return adt.reshape(args[0], *parameter)
    if name == "index":
        return args[0][parameter]
    if name == "stack":
        return adt.stack(args)
    return getattr(adt, name)(*args)                 # sin, …, transpose


def _shape(name: str, shapes: list[tuple[int, ...]], parameter: Any) -> tuple[int, ...] | None:
    """The shape of a step's result, or None if the operands do not fit."""
    zeros = [np.zeros(s) for s in shapes]
    try:
        if name in UNARY:
            return shapes[0]
        if name in BINARY:
            return np.broadcast_shapes(*shapes)
        if name in ("sum", "mean"):
            return np.sum(zeros[0], parameter).shape
        if name == "@":
            if not (1 <= len(shapes[0]) <= 2 and 1 <= len(shapes[1]) <= 2):
                return None
            return np.matmul(*zeros).shape
        if name == "transpose":
            return zeros[0].T.shape
        if name == "reshape":
            return zeros[0].reshape(parameter).shape
        if name == "index":
            return zeros[0][parameter].shape
        if name == "stack":
            return np.stack(zeros).shape if shapes[0] == shapes[1] else None
    except (ValueError, IndexError):
        return None
    raise AssertionError(name)


@st.composite
def programs(draw: Any, max_steps: int = 5, pair: bool | None = None) -> Program:
    """A random array program whose shapes fit at every step."""
    shapes = [draw(st.sampled_from(SHAPES)) for _ in range(draw(st.integers(1, 3)))]
    n_inputs, steps = len(shapes), []
    for _ in range(draw(st.integers(1, max_steps))):
        name = draw(st.sampled_from(UNARY + BINARY + ["sum", "mean", "@", "transpose",
                                                      "reshape", "index", "stack"]))
        arity = 2 if name in BINARY or name in ("@", "stack") else 1
        operands = tuple(draw(st.integers(0, len(shapes) - 1)) for _ in range(arity))
        shape = shapes[operands[0]]
        parameter = None
        if name in ("sum", "mean"):
            parameter = draw(st.sampled_from([None, *range(-len(shape), len(shape))]))
        elif name == "reshape":
            parameter = draw(st.sampled_from([(-1,), (1, -1), (-1, 1)]))
        elif name == "index":
            if not shape:
                continue
            parameter = draw(st.sampled_from([0, -1, slice(1, None), slice(None, 2),
                                              (slice(None), 0) if len(shape) > 1 else 1]))
        result = _shape(name, [shapes[k] for k in operands], parameter)
        if result is None or 0 in result:       # x[1:] of a single element is empty
            continue
        steps.append((name, operands, parameter))
        shapes.append(result)
    if not steps:
        steps.append(("sin", (0,), None))
    wants_pair = draw(st.booleans()) if pair is None else pair
    return Program(tuple(shapes[:n_inputs]), tuple(steps), wants_pair and len(steps) > 1)


def inputs(draw: Any, program: Program, elements: st.SearchStrategy[float]) -> list[Any]:
    """Input arrays of the program's shapes, with elements drawn from `elements`."""
    return [np.array(draw(st.lists(elements, min_size=int(np.prod(s)), max_size=int(np.prod(s)))),
                     dtype=np.float64).reshape(s) for s in program.shapes]
