"""PyTorch's own computation graph, drawn by torchviz, next to the hand-written one.

Running f on tensors that require grad makes torch record, for each operation, a
``grad_fn`` node (LogBackward0, MulBackward0, …) pointing at the nodes of its
arguments: the same graph as the trace, built for the adjoint sweep. torchviz's
``make_dot`` draws it, with two flaws this module repairs:

* its DOT node names are ``id()`` of Python objects, so the text differs on every run:
  here they are renamed n0, n1, … in the order torchviz writes them;
* it walks the graph recursively, so a chain of a few hundred operations raises
  RecursionError: here the depth is measured first (iteratively) and a graph too deep
  to draw is a :class:`TorchGraphError` that says so.
"""

from __future__ import annotations

import re
import sys
import warnings
from typing import TYPE_CHECKING, Any, Callable, Union

from .graphs import forward_graph, html_writer
from .rendering import FONT
from .trace import Trace

if TYPE_CHECKING:
    import graphviz
    import torch

#: The tutorial's two torchviz cells: a scalar, and a tensor whose shapes the graph shows.
TUTORIAL_SCALAR = ("3*x**2 + x + 4*sin(x)", {"x": 5.0})
TUTORIAL_TENSOR = ("x**2 + sin(x)", (3, 4, 4))


class TorchGraphError(ValueError):
    """torch's graph of a function cannot be drawn (too deep, or not depending on the inputs)."""


def max_depth() -> int:
    """The deepest graph torchviz may draw: it spends one Python stack frame per level."""
    return sys.getrecursionlimit() // 2


def _leaf(x: Any) -> torch.Tensor:
    """An input as a float64 leaf tensor that requires grad (tensors keep their dtype)."""
    import numpy as np
    import torch

    t = x if torch.is_tensor(x) else torch.tensor(float(x) if np.ndim(x) == 0 else
                                                  np.asarray(x), dtype=torch.float64)
    return t.detach().requires_grad_(True)


def _children(fn: Any) -> list[Any]:
    return [u for u, _ in getattr(fn, "next_functions", ()) if u is not None]


def depth(fn: Any) -> int:
    """Length of the longest chain of grad_fn nodes below `fn`, found without recursion."""
    longest: dict[Any, int] = {}
    stack = [(fn, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            longest[node] = 1 + max((longest[u] for u in _children(node)), default=0)
        elif node not in longest:
            stack.append((node, True))
            stack.extend((u, False) for u in _children(node) if u not in longest)
    return longest[fn]


_NODE_ID = re.compile(r"^\t(\d+)(?: -> (\d+))?")


def _stable_names(dot: graphviz.Digraph) -> dict[str, str]:
    """Rename torchviz's id() node names to n0, n1, … in order of first appearance."""
    names: dict[str, str] = {}

    def rename(m: re.Match[str]) -> str:
        ids = [i for i in m.groups() if i is not None]
        for i in ids:
            names.setdefault(i, f"n{len(names)}")
        return "\t" + " -> ".join(names[i] for i in ids)

    dot.body[:] = [_NODE_ID.sub(rename, line) for line in dot.body]
    return names


def run_on_torch(f: Union[Trace, Callable[..., Any]], /, **inputs: Any
                 ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """y = f(**leaves) on leaf tensors; a Trace runs its own function at its own inputs.

    y depends on the inputs if it requires grad: it has a grad_fn, or it is an input
    itself (the identity, whose graph is that one leaf).
    """
    import torch

    if isinstance(f, Trace):
        if f.several:
            raise TorchGraphError(f"the function has {len(f.results)} outputs; torch's "
                                  "graph is drawn for a function of one")
        f, inputs = f.function, {**f.at(), **inputs}
    leaves = {name: _leaf(x) for name, x in inputs.items()}
    y = f(**leaves)
    if not torch.is_tensor(y) or not y.requires_grad:
        raise TorchGraphError("the function's result does not depend on its inputs")
    return y, leaves


def torch_graph(f: Union[Trace, Callable[..., Any]], /, **inputs: Any) -> graphviz.Digraph:
    """torchviz's ``make_dot`` of f run on torch tensors, with stable node names.

    `f` is a Trace (drawn at its own inputs) or a function of named tensors, such as
    an :func:`ad_tutorial.parse` expression; number inputs become float64 scalars.
    """
    return _draw(*run_on_torch(f, **inputs))[0]


def _draw(y: torch.Tensor, leaves: dict[str, torch.Tensor]
          ) -> tuple[graphviz.Digraph, dict[str, str]]:
    """make_dot with stable names; also returns the renaming id(object) → name."""
    from torchviz import make_dot

    d = depth(y.grad_fn) if y.grad_fn is not None else 0
    if d > max_depth():
        raise TorchGraphError(f"torch's graph is {d} operations deep; torchviz draws at most "
                              f"{max_depth()} (it recurses once per level): try a smaller example")
    with warnings.catch_warnings():       # torchviz compares versions with distutils
        warnings.filterwarnings("ignore", "distutils Version classes", DeprecationWarning)
        dot = make_dot(y, params=leaves)
    dot.node_attr["fontname"] = FONT      # the figures' one font, for torchviz's monospace
    return dot, _stable_names(dot)


def grad_fn_nodes(trace: Trace, y: torch.Tensor) -> dict[Any, int]:
    """Which trace node each grad_fn is: grad_fn → i, matched from the output down.

    A grad_fn's arguments that need gradients line up with the node's arguments that are
    not constants, in order; where the two disagree the matching stops on that branch.
    """
    n, found = len(trace), {}
    stack = [(y.grad_fn, trace.output)] if y.grad_fn is not None else []
    while stack:
        fn, i = stack.pop()
        if found.setdefault(fn, i) != i:
            continue
        args = [j for j in trace.args[i] if j < n]
        children = _children(fn)
        if len(args) == len(children):
            stack.extend(zip(children, args))
    return found


def side_by_side(trace: Trace) -> graphviz.Digraph:
    """The hand-written forward graph and torch's graph of the same function, top to bottom.

    Each grad_fn node also names the v_i it computes, so LogBackward0 sits beside v_1.
    """
    import graphviz

    y, leaves = run_on_torch(trace)
    torch_dot, names = _draw(y, leaves)
    w = html_writer(trace)
    for fn, i in sorted(grad_fn_nodes(trace, y).items(), key=lambda item: item[1]):
        node = names.get(str(id(fn)))
        if node is not None:
            torch_dot.node(node, label=f"<{type(fn).__name__}<br/>= {w.name(i)}>")

    ours = forward_graph(trace, rankdir="TB")
    ours.name = "cluster_trace"
    ours.attr(label="the evaluation trace (ad_tutorial)", fontname=FONT)
    torch_dot.name = "cluster_torch"
    torch_dot.graph_attr.pop("size")
    torch_dot.attr(label="torch's autograd graph (torchviz)", fontname=FONT)

    both = graphviz.Digraph("TraceAndTorch")
    both.attr(rankdir="TB", labelloc="t", fontsize="16", fontname=FONT,
              label=f"<{trace.expression} at "
                    + ", ".join(f"{k} = {w.nt.number(v) if trace.arrays else format(v, 'g')}"
                                for k, v in trace.at().items()) + ">")
    both.subgraph(ours)
    both.subgraph(torch_dot)
    return both


def tutorial_graphs() -> dict[str, graphviz.Digraph]:
    """The tutorial's two torchviz cells, drawn deterministically.

    The tensor cell drew random data (torch.randn); only the shapes appear on the
    graph, so an evenly spaced tensor of the same shape stands in for it.
    """
    import torch

    from .expression import parse

    (scalar, at), (tensor, shape) = TUTORIAL_SCALAR, TUTORIAL_TENSOR
    x = torch.linspace(-1.0, 1.0, 48, dtype=torch.float64).reshape(shape)
    return {"torchviz-scalar": torch_graph(parse(scalar), **at),
            "torchviz-tensor": torch_graph(parse(tensor), x=x)}
