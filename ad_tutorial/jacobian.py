"""The whole Jacobian in one sweep: vector mode (Griewank & Walther, ch. 3).

One tangent sweep gives one column of the Jacobian J = ∂y/∂x, one adjoint sweep one
row. Vector mode runs the *same* sweep once, with a matrix where a single sweep has a
number: every tangent carries n directions at once (the columns of the identity), or
every adjoint m cotangents (its rows). The arithmetic is the same; numpy does it for
all directions together, so the whole Jacobian costs one sweep over the trace, not a
Python loop of n (or m) sweeps.

Rows are output elements and columns input elements, each flattened in the order
given (y_1 before y_2, x1 before x2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .arrays import np
from .forward import array_tangents, tangents
from .reverse import _UNREACHED, adjoints, array_adjoints
from .tape import TraceError

if TYPE_CHECKING:
    from .trace import Trace

MODES = ("reverse", "forward")


def jacobian(trace: Trace, mode: str = "reverse") -> Any:
    """J = ∂y/∂x, a 2-D array: by one adjoint sweep with a matrix of adjoints ("reverse"),
    or by one tangent sweep with a matrix of tangents ("forward")."""
    if mode not in MODES:
        raise TraceError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    with np.errstate(all="ignore"):         # inf and nan are meant, as in torch
        return _jacobian(trace, mode)


def _jacobian(trace: Trace, mode: str) -> Any:
    values = trace.computed.values
    x_sizes = [np.size(values[k]) for k in range(len(trace.inputs))]
    y_sizes = [np.size(values[r]) for r in trace.results]
    if mode == "forward":
        seeds = _identity_blocks(trace, range(len(trace.inputs)), x_sizes)
        dots = (array_tangents if trace.arrays else tangents)(trace, seeds, only_outputs=True)
        rows = [_flat(dots[r], sum(x_sizes), size) for r, size in zip(trace.results, y_sizes)]
        return np.concatenate(rows, axis=1).T
    seeds = _identity_blocks(trace, trace.results, y_sizes)
    bars = (array_adjoints if trace.arrays else adjoints)(trace, seeds)
    columns = [_flat(bars[k], sum(y_sizes), size) for k, size in enumerate(x_sizes)]
    return np.concatenate(columns, axis=1)


def _identity_blocks(trace: Trace, slots: Any, sizes: list[int]) -> list[Any]:
    """The identity matrix cut into one block per node in `slots`, each block shaped
    (directions, *that node's shape): the seeds of every direction at once."""
    eye, start, blocks = np.eye(sum(sizes)), 0, []
    for slot, size in zip(slots, sizes):
        block = eye[:, start:start + size]
        start += size
        blocks.append(block.reshape(-1, *np.shape(trace.computed.values[slot]))
                      if trace.arrays else block[:, 0])
    return blocks


def _flat(batch: Any, directions: int, size: int) -> Any:
    """A node's batch of tangents or adjoints as a (directions, size) matrix; a node that
    received nothing (or a masked zero) gives zeros."""
    if batch is None or batch is _UNREACHED or np.ndim(batch) == 0:
        return np.zeros((directions, size))
    return np.broadcast_to(batch, (directions, *np.shape(batch)[1:])).reshape(directions, size)
