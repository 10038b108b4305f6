"""The numpy side of the engine: broadcasting and how the sweeps undo it, partials that
divide or select, the matrix product's shapes, indices.

Array primitives work elementwise with numpy's broadcasting: ``x + y`` with x of shape
(3, 1) and y of shape (4,) is (3, 4), every x[i] meeting every y[j]. The chain rule then
says what happens to derivatives:

* forward, a tangent is broadcast exactly as its value was;
* backward, the adjoint of a broadcast is a **sum**: x[i] was used 4 times, so its
  adjoint adds up the 4 contributions (:func:`unbroadcast`). And the adjoint of a sum is
  a broadcast: every element of x receives the adjoint of the total.

The sweeps carry one leading axis of *directions*: a tangent of a node of shape (3, 4)
has shape (k, 3, 4), k tangent directions at once (vector mode, Griewank & Walther ch. 3;
k = 1 for a single sweep), and an adjoint likewise k cotangents. Every rule here keeps
that axis first.

numpy itself is imported the first time an array appears: a trace of floats never
needs it.
"""

from __future__ import annotations

import numbers
from typing import Any


class _Numpy:
    """numpy, imported the first time one of its names is asked for."""

    def __getattr__(self, name: str) -> Any:
        import numpy

        value = getattr(numpy, name)
        setattr(self, name, value)          # from now on a plain attribute
        return value


np: Any = _Numpy()


def lift(t: Any, ndim: int) -> Any:
    """A batch of tangents t, shape (k, *s), with axes of length 1 inserted after k so
    that it lines up with a value of `ndim` dimensions, as numpy lines up shapes."""
    missing = ndim - (t.ndim - 1)
    return t.reshape(t.shape[:1] + (1,) * missing + t.shape[1:]) if missing > 0 else t


def unbroadcast(g: Any, shape: tuple[int, ...]) -> Any:
    """Undo a broadcast: sum a batch of adjoints g, shape (k, *out), down to (k, *shape).

    Axes the argument did not have are summed away; axes where it had length 1 are
    summed and kept.
    """
    if g.shape[1:] == shape:
        return g
    extra = g.ndim - 1 - len(shape)
    g = g.sum(axis=tuple(range(1, 1 + extra))) if extra > 0 else g
    ones = tuple(1 + a for a, n in enumerate(shape) if n == 1 and g.shape[1 + a] != 1)
    return g.sum(axis=ones, keepdims=True) if ones else g


def summed_axes(shape: tuple[int, ...], out: tuple[int, ...]) -> tuple[int, ...]:
    """The axes of `out` that :func:`unbroadcast` sums to get back to `shape` (for tables)."""
    extra = len(out) - len(shape)
    return tuple(range(extra)) + tuple(extra + a for a, n in enumerate(shape)
                                       if n == 1 and out[extra + a] != 1)


def along(t: Any, shape: tuple[int, ...]) -> Any:
    """A batch of tangents t broadcast to the full shape (k, *shape) of the value."""
    return t if t.shape[1:] == shape else np.broadcast_to(t, t.shape[:1] + shape)


# --- partials that are not plain arrays --------------------------------------------------

class Over:
    """The partial 1/x of an array, applied as torch applies it: g · (1/x) is g / x, so an
    element whose 1/x overflows (a subnormal x) still gives a finite g/x."""

    __array_ufunc__ = None                  # ndarray * Over asks Over.__rmul__

    def __init__(self, x: Any) -> None:
        self.x = x

    def __rmul__(self, g: Any) -> Any:
        return g / self.x

    __mul__ = __rmul__


class Where:
    """A partial d that is *selected* to be 0 where `mask` holds: g ↦ where(mask, 0, g·d).

    torch writes such derivatives with ``torch.where`` (relu below 0, x**0), so an
    infinite or nan g there gives 0, not nan.
    """

    __array_ufunc__ = None

    def __init__(self, mask: Any, d: Any = 1.0) -> None:
        self.mask, self.d = mask, d

    def __rmul__(self, g: Any) -> Any:
        return np.where(self.mask, 0.0, g * self.d)

    __mul__ = __rmul__


# --- matrices: the rules of the matrix product --------------------------------------------

def as_matrices(a: Any, b: Any) -> tuple[Any, Any]:
    """numpy's matmul reads a vector a as a row (1, n) and a vector b as a column (n, 1);
    with those, every product is matrix × matrix."""
    return (a[None, :] if a.ndim == 1 else a), (b[:, None] if b.ndim == 1 else b)


def batch_as_matrices(t: Any, a_vector: bool, b_vector: bool) -> Any:
    """A batch (k, *out) of tangents or adjoints of a @ b as (k, rows, columns), with the
    axes of length 1 that :func:`as_matrices` gave vectors."""
    t = t[:, None] if a_vector else t
    return t[..., None] if b_vector else t


def batch_from_matrices(t: Any, a_vector: bool, b_vector: bool) -> Any:
    """The inverse of :func:`batch_as_matrices`: drop the axes a vector was given."""
    t = t[..., 0] if b_vector else t
    return t[:, 0] if a_vector else t


def mT(m: Any) -> Any:
    """Transpose the last two axes (a batch of matrices, or one matrix)."""
    return m.swapaxes(-1, -2)


def matmul_shape(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    """The shape of a @ b, or ValueError naming the mismatch (vectors and matrices only)."""
    if not (1 <= len(a) <= 2 and 1 <= len(b) <= 2):
        raise ValueError("@ multiplies vectors and matrices (1 or 2 dimensions)")
    if a[-1] != b[0]:
        raise ValueError(f"the inner sizes differ ({a[-1]} ≠ {b[0]})")
    return a[:-1] + b[1:]


# --- indices: whole numbers and slices -----------------------------------------------------

def index_check(shape: tuple[int, ...], key: tuple[Any, ...]) -> None:
    """x[key] takes whole numbers and slices, no more of them than x has axes, each
    number in range; ValueError says which is wrong."""
    if not shape:
        raise ValueError("a number has no elements to index: give it as an array")
    if len(key) > len(shape):
        raise ValueError(f"{len(key)} indices for an array of shape {shape}")
    for k, n in zip(key, shape):
        if isinstance(k, slice):
            if not all(b is None or isinstance(b, numbers.Integral) and not isinstance(b, bool)
                       for b in (k.start, k.stop, k.step)):
                raise ValueError("slices take whole numbers")
            if k.step is not None and k.step <= 0:       # torch's tensors take no other
                raise ValueError(f"a slice's step must be positive, as in torch; it is {k.step}")
        elif not isinstance(k, numbers.Integral) or isinstance(k, bool):
            raise ValueError("index with whole numbers and slices only")
        elif not -n <= k < n:
            raise ValueError(f"index {k} is out of range for an axis of {n}")


def key_text(key: tuple[Any, ...]) -> str:
    """An index as written: ``1:3``, ``0, -1``."""
    def one(k: Any) -> str:
        if not isinstance(k, slice):
            return str(k)
        text = ":".join("" if b is None else str(b) for b in (k.start, k.stop, k.step))
        return text[:-1] if k.step is None else text
    return ", ".join(map(one, key))
