"""Second derivatives: the second-order adjoint sweep (forward over reverse), H·ẋ and the
Hessian, against torch.func.hessian and double backward."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st

import ad_tutorial as adt
from ad_tutorial import TraceError
from ad_tutorial.primitives import PRIMITIVES
from ad_tutorial.second import _rule
from ad_tutorial.torch_bridge import agree
from ad_tutorial.torch_hessian import (double_backward, hessian_magnitudes, torch_func_hessian)

from .array_programs import EDGES, WELL_CONDITIONED, inputs, programs
from .strategies import edge_points, expressions, used, well_conditioned_points

SEED_TEXT = "ln(x1) + x1*x2 - sin(x2)"
SEED_HESSIAN = [[-0.25, 1.0], [1.0, -0.9589242746631385]]


def test_the_seed_hessian_is_exact():
    """H = [[−1/x1², 1], [1, sin x2]] at (2, 5), to the last bit, from every entry point."""
    t = adt.trace(SEED_TEXT, x1=2.0, x2=5.0)
    assert t.hessian().tolist() == SEED_HESSIAN
    assert t.hvp(x1=1.0, x2=0.0) == {"x1": -0.25, "x2": 1.0}
    assert t.hvp(x2=1.0) == {"x1": 1.0, "x2": -0.9589242746631385}
    assert t.second(x1=1.0).hvp == t.hvp(x1=1.0)
    assert t.hvp() == t.hvp(x1=1.0)                        # default: 1 on the first input
    f = lambda x1, x2: adt.ln(x1) + x1 * x2 - adt.sin(x2)  # noqa: E731
    assert adt.trace(f, x1=2.0, x2=5.0).hessian().tolist() == SEED_HESSIAN


def test_the_seed_sweep_carries_four_numbers_per_node():
    """v, v̇, v̄ and v̄˙ of every node of the seed example along ẋ = (1, 0), in the
    textbook numbering: the tangent and adjoint are the first-order sweeps' own."""
    t = adt.trace(SEED_TEXT, x1=2.0, x2=5.0)
    s = t.second(x1=1.0)
    assert s.tangent.tangents == t.forward(x1=1.0).tangents
    assert s.adjoint.adjoints == t.reverse().adjoints
    assert s.gradient == t.reverse().gradient
    # v̄˙_5 = v̄˙_4 = v̄˙_3 = v̄˙_1 = v̄˙_2 = 0 (nothing curves after them); sin passes back
    # v̄_3·(−sin v_0)·v̇_0 = 0 to v_0, × passes v̄_2·v̇_0 = 0 to v_−1 and v̄_2·v̇_−1 = 1 to v_0,
    # ln passes v̄_1·(−1/v_−1²)·v̇_−1 = −0.25 to v_−1.
    assert repr(s.second_adjoints) == repr([-0.25, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0])   # signs too


def test_the_steps_add_up_to_the_second_adjoints():
    t = adt.trace("x*sin(x*y) + y**3/x", x=0.7, y=-1.3)
    s = t.second(x=0.25, y=-2.0)
    final = {step.node: step.second_adjoint for step in s.steps()}
    assert [final[i] for i in range(len(t))] == s.second_adjoints
    sources = [(step.source, step.node) for step in s.steps()]
    assert sources == [(step.source, step.node) for step in t.reverse().steps()]


def test_the_whole_hessian_is_one_hvp_per_column():
    """Vector mode carries n directions at once: column j is H·e_j, to the last bit."""
    t = adt.trace("x*y*z + sqrt(x)*ln(z) - tanh(y)/x + z**2.5", x=1.5, y=-0.5, z=2.0)
    h = t.hessian()
    for j, x in enumerate(t.inputs):
        column = t.hvp(**{x: 1.0})
        assert h[:, j].tolist() == [column[name] for name in t.inputs]


@pytest.mark.parametrize("seed, message", [
    ({"z": 1.0}, "cannot seed 'z': the inputs are x1, x2"),
    ({"x1": math.inf}, "the seed for x1 must be finite; it is inf"),
    ({"x2": math.nan}, "the seed for x2 must be finite; it is nan"),
    ({"x1": [1.0, 2.0]}, "the seed for x1 must be a number, not list"),
])
def test_a_bad_seed_is_one_clear_error(seed, message):
    t = adt.trace(SEED_TEXT, x1=2.0, x2=5.0)
    for call in (t.hvp, t.second):
        with pytest.raises(TraceError) as error:
            call(**seed)
        assert str(error.value) == message


def test_bad_seeds_and_outputs_on_arrays():
    t = adt.trace("sum(x*x)", x=[1.0, 2.0, 3.0])
    with pytest.raises(TraceError, match=r"the seed for x has shape \(2,\); x has shape \(3,\)"):
        t.hvp(x=[1.0, 0.0])
    with pytest.raises(TraceError) as error:
        t.hvp(x=[1.0, math.inf, 0.0])
    assert str(error.value) == "the seed for x must be finite; it is [1.0, inf, 0.0]"
    for vector in (adt.trace("x*x", x=[1.0, 2.0]), adt.trace(lambda x: (x, x * x), x=2.0)):
        for call in (vector.hessian, vector.hvp):
            with pytest.raises(TraceError, match="second derivatives need one number as the "
                                                 "value; y has .*: reduce it"):
                call()


# --- every primitive's rule, against torch's forward mode over its backward formula ------

SPECIAL = [0.0, -0.0, 5e-324, -1e-310, 1.0, -1.0, 0.5, -2.0, 3.0, 1e308, math.inf, -math.inf,
           math.nan, 710.0, 1e-160]
ADJOINTS = [1.5, 0.0, math.inf, -math.inf, math.nan, 1e-310, 1e200]
ADJOINT_TANGENTS = [1.5, math.inf, 0.0, None]        # None: no tangent (the seed's)
TANGENTS = [1.0, 0.0, math.inf, 1e-310, math.nan]
EXPONENTS = [0.0, 1.0, 2.0, 3.0, 0.5, -0.5, -1.0, -2.0, 1.5, -3.0]
SCALAR = sorted(name for name, p in PRIMITIVES.items() if p.value is not None)


def _cases(arity: int):
    """Every combination of special arguments, adjoint g, its tangent ġ and tangents."""
    tangents = TANGENTS if arity == 1 else TANGENTS[:4]
    return [(xs, g, gd, ts) for xs in itertools.product(SPECIAL, repeat=arity)
            for g in ADJOINTS for gd in ADJOINT_TANGENTS
            for ts in itertools.product(tangents, repeat=arity)]


def _ours(p, xs, g, gd, ts, by_number: bool, arrays: bool):
    """The rule of the sweep, given what the first-order sweeps know: the node's value,
    partials and own tangent, computed by the primitive's first-order rules."""
    if arrays:                                  # a number as exponent stays a float
        xs = [np.asarray(x) for x in xs[:len(ts)]] + list(xs[len(ts):])
        ts = [np.asarray(t) for t in ts]
        g, gd = np.asarray(g), None if gd is None else np.asarray(gd)
    if by_number:
        out = (p.by_number.array if arrays else p.by_number.value)(*xs)
        d = p.by_number.partials(*xs, out)
    else:
        out = (p.array if arrays else p.value)(*xs)
        d = (p.array_partials if arrays else p.partials)(*xs, out)
    if p.tangent is not None:
        tout = p.tangent(*ts, *xs, out)
    else:
        terms = [t * dk for t, dk in zip(ts, d) if t is not None]
        tout = terms[0] if len(terms) == 1 else terms[0] + terms[1]
    return _rule(p, by_number, arrays)(g, gd, list(xs), list(ts) + [None] * by_number, out,
                                       tout, d)


def _torch(p, columns, by_number: bool):
    """torch.func.jvp of torch.func.vjp, case by case under torch.func.vmap, as
    torch.func.hessian runs them (a plain batch can differ: there torch sometimes
    multiplies by a zero that vmap leaves out). A column ġ of None: g has no tangent."""
    xs, g, ts = [torch.tensor(np.asarray(c), dtype=torch.float64)
                 for c in (columns[0], columns[1], columns[3])]
    gd = None if columns[2] is None else torch.tensor(np.asarray(columns[2]),
                                                      dtype=torch.float64)
    f = (lambda x: x ** by_number) if by_number is not False else p.torch
    arity = 1 if by_number is not False else p.arity

    def one(*args):
        primals, tangents = args[:arity + 1], args[arity + 1:]
        if gd is None:                                  # g is a constant, as ȳ is
            return torch.func.jvp(lambda *a: torch.func.vjp(f, *a)[1](primals[-1]),
                                  primals[:-1], tangents)[1]
        return torch.func.jvp(lambda *a: torch.func.vjp(f, *a[:-1])[1](a[-1]),
                              primals, tangents)[1]

    columns = [*[xs[k] for k in range(arity)], g, *[ts[k] for k in range(arity)]]
    out = torch.func.vmap(one)(*columns, *([] if gd is None else [gd]))
    return [t.numpy(force=True) for t in out]


def _same(a, b) -> bool:
    """nan with nan, an infinity with itself, else equal to rtol 1e-9 (a subnormal tangent
    keeps fewer digits, which another grouping of its factors rounds otherwise; zeros'
    signs are not asked for)."""
    a = 0.0 if a is None else float(a)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b))


def _check_rule(p, cases, by_number=False):
    arity = 1 if by_number is not False else p.arity
    columns = [[xs[k] for xs, *_ in cases] for k in range(arity)]
    columns = [np.array(columns).T, [c[1] for c in cases],
               [0.0 if c[2] is None else c[2] for c in cases],
               np.array([[c[3][k] for k in range(arity)] for c in cases])]
    theirs = _torch(p, [columns[0].T, columns[1], columns[2], columns[3].T], by_number)
    with np.errstate(all="ignore"):             # inf and nan are meant
        arrays = _ours(p, [*columns[0].T] + ([by_number] if by_number is not False else []),
                       np.array(columns[1]), None, [*columns[3].T], by_number is not False,
                       True)
    wrong = []
    for n, (xs, g, gd, ts) in enumerate(cases):
        if gd is None:
            continue                         # torch's zero tangent: checked below, by arrays
        args = list(xs) + ([by_number] if by_number is not False else [])
        mine = _ours(p, args, g, gd, list(ts), by_number is not False, False)
        for k in range(arity):
            if not _same(mine[k], theirs[k][n]):
                wrong.append((xs, g, gd, ts, k, mine[k], theirs[k][n]))
    assert not wrong, wrong[:5]
    # On arrays, all cases at once, with ġ = None (no tangent): torch's own zero tangent
    # of a constant cotangent is a zero that turns nothing into nan.
    without = _torch(p, [columns[0].T, columns[1], None, columns[3].T], by_number)
    for k in range(arity):
        got = np.zeros(len(cases)) if arrays[k] is None else \
            np.broadcast_to(arrays[k], (len(cases),))
        bad = [n for n in range(len(cases)) if not _same(got[n], without[k][n])]
        assert not bad, [(cases[n], got[n], without[k][n]) for n in bad[:5]]


@pytest.mark.parametrize("name", SCALAR)
def test_every_rule_is_torchs_tangent_of_its_backward(name):
    """The tangent of what a node passes back, v̄˙_i·∂v_i/∂v_j + v̄_i·Σ_k ∂²v_i/∂v_j∂v_k·v̇_k,
    equals torch's forward mode applied to its backward formula (the step of
    torch.func.hessian), for every special argument, adjoint and tangent: nan and ±inf
    exactly. On floats case by case, on arrays all at once."""
    p = PRIMITIVES[name]
    _check_rule(p, _cases(p.arity))


@pytest.mark.parametrize("exponent", EXPONENTS)
def test_a_number_as_exponent_follows_torchs_pow_backward(exponent):
    p = PRIMITIVES["pow"]
    cases = [((x,), g, gd, (t,)) for x in SPECIAL for g in ADJOINTS for gd in ADJOINT_TANGENTS
             for t in TANGENTS]
    _check_rule(p, cases, by_number=exponent)


# --- random functions against torch.func.hessian and double backward ----------------------

def _torch_agrees(t: adt.Trace) -> None:
    """The hand-written Hessian equals torch.func.hessian (the same algorithm: forward over
    reverse) entry by entry, and double backward wherever torch's two routes agree with each
    other (where they do not, at an edge, ours is torch.func.hessian's). rtol 1e-9 of the
    terms summed; nan and ±inf exactly."""
    mine, func, double = t.hessian(), torch_func_hessian(t), double_backward(t)
    scales = hessian_magnitudes(t)
    for a, b, c, s in zip(mine.flat, func.flat, double.flat, scales.flat):
        assert agree(a, b, scale=s, zero_signs=False), (t.expression, t.at(), mine, func)
        assert agree(a, c, scale=s, zero_signs=False) or \
            not agree(b, c, scale=s, zero_signs=False), (t.expression, t.at(), mine, double)


@given(expressions(), well_conditioned_points())
def test_random_hessians_match_torch(text, point):
    _torch_agrees(adt.trace(text, **used(point, text)))


@given(expressions(), edge_points())
def test_random_hessians_match_torch_at_the_edges(text, point):
    """±0, ±1, subnormals: where ln, sqrt, / and ** meet infinities."""
    _torch_agrees(adt.trace(text, **used(point, text)))


def test_where_torch_differs_from_itself_we_follow_torch_func_hessian():
    """y**y at 0: torch.func.hessian gives 0, double backward nan."""
    t = adt.trace("y**y", y=0.0)
    assert t.hessian().tolist() == torch_func_hessian(t).tolist() == [[0.0]]
    assert math.isnan(double_backward(t)[0, 0])


# --- arrays: the HVP of random array programs -----------------------------------------------

def _weighted(draw, program, xs):
    """The program's output weighted (by drawn weights) and summed: one number, on both
    engines."""
    with np.errstate(all="ignore"):                 # the value alone, for its shape
        out_shape = np.shape(program.function()(*xs))
    size = int(np.prod(out_shape))
    weights = np.array(draw(st.lists(st.sampled_from([1.0, -2.0, 0.5]), min_size=size,
                                     max_size=size))).reshape(out_shape)
    return _scalar(program, weights)


def _torch_hvp(on_torch, xs: list, directions: list) -> list[np.ndarray]:
    """H·ẋ by torch: the tangent of the gradient along ẋ (torch.func.jvp of torch.func.grad,
    forward over reverse)."""
    tensors = tuple(torch.tensor(x, dtype=torch.float64) for x in xs)
    argnums = tuple(range(len(xs)))
    _, hvp = torch.func.jvp(lambda *ts: torch.func.grad(on_torch, argnums=argnums)(*ts),
                            tensors, tuple(torch.tensor(d, dtype=torch.float64)
                                           for d in directions))
    return [h.numpy(force=True) for h in hvp]


def _scalar(program, weights):
    """The program's output weighted and summed: one number, on both engines."""
    f = program.function()

    def traced(*xs):
        return adt.sum(f(*xs) * weights)
    traced.__signature__ = f.__signature__

    def on_torch(*xs):
        return (f(*xs) * torch.tensor(weights)).sum()
    return traced, on_torch


def _same_array(ours, theirs) -> bool:
    ours, theirs = np.asarray(ours, np.float64), np.asarray(theirs, np.float64)
    if ours.shape != theirs.shape or not np.array_equal(np.isnan(ours), np.isnan(theirs)):
        return False
    infinite = np.isinf(ours) | np.isinf(theirs)
    if not np.array_equal(ours[infinite], theirs[infinite]):
        return False
    finite = ~(np.isnan(ours) | infinite)
    scale = max(np.abs(ours[finite]).max(initial=0.0), np.abs(theirs[finite]).max(initial=0.0))
    return bool(np.all(np.abs(ours[finite] - theirs[finite]) <= 1e-9 * scale))


@given(st.data(), programs(pair=False), st.sampled_from([WELL_CONDITIONED, EDGES]))
def test_array_hvps_match_torch(data, program, elements):
    """H·ẋ of a random array program (its output weighted and summed), by one second-order
    sweep, against torch.func.jvp of torch.func.grad (forward over reverse); and the whole
    Hessian in vector mode against torch.func.hessian."""
    xs = inputs(data.draw, program, elements)
    directions = inputs(data.draw, program, st.sampled_from([1.0, -0.5, 0.0, 2.0]))
    traced, on_torch = _weighted(data.draw, program, xs)
    t = adt.trace(traced, *xs)
    names = t.inputs
    hvp = t.hvp(**dict(zip(names, directions)))
    for name, h in zip(names, _torch_hvp(on_torch, xs, directions)):
        assert _same_array(hvp[name], h), (program, xs, directions, hvp)
    tensors = tuple(torch.tensor(x, dtype=torch.float64) for x in xs)
    argnums = tuple(range(len(xs)))
    blocks = torch.func.hessian(on_torch, argnums=argnums)(*tensors)
    sizes = [x.size for x in xs]
    full = np.concatenate([np.concatenate([blocks[i][j].numpy(force=True)
                                           .reshape(sizes[i], sizes[j]) for j in argnums],
                                          axis=1) for i in argnums])
    assert _same_array(t.hessian(), full), (program, xs)


def test_the_hessian_of_a_network_loss():
    """mean((tanh(x @ W1) @ w2 − y)²) in W1 and w2: the HVP and the Hessian of a small
    network's loss, against torch.func.hessian."""
    rng = np.random.default_rng(0)
    x, target = rng.normal(size=(4, 3)), rng.normal(size=4)
    w1, w2 = rng.normal(size=(3, 2)), rng.normal(size=2)

    def loss(W1, w2):
        return adt.mean((adt.tanh(adt.matmul(x, W1)) @ w2 - target) ** 2)

    t = adt.trace(loss, w1, w2)
    xt, yt = torch.tensor(x), torch.tensor(target)

    def torch_loss(W1, w2):
        return ((torch.tanh(xt @ W1) @ w2 - yt) ** 2).mean()

    blocks = torch.func.hessian(torch_loss, argnums=(0, 1))(torch.tensor(w1), torch.tensor(w2))
    full = np.block([[blocks[0][0].numpy().reshape(6, 6), blocks[0][1].numpy().reshape(6, 2)],
                     [blocks[1][0].numpy().reshape(2, 6), blocks[1][1].numpy().reshape(2, 2)]])
    assert _same_array(t.hessian(), full)
    v1, v2 = rng.normal(size=(3, 2)), rng.normal(size=2)
    hvp = t.hvp(W1=v1, w2=v2)
    expected = full @ np.concatenate([v1.ravel(), v2])
    assert _same_array(np.concatenate([hvp["W1"].ravel(), hvp["w2"]]), expected)
    assert hvp["W1"].shape == (3, 2) and hvp["w2"].shape == (2,)
