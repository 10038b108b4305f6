"""The second-order tables on arrays: every format, JSON and the command line, each number
checked against torch (forward over reverse: torch.func.jvp of torch.func.grad)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st

import ad_tutorial as adt
from ad_tutorial.cli import main
from ad_tutorial.tables import FORMATS, dumps, render, to_json

from .array_programs import EDGES, WELL_CONDITIONED, inputs, programs
from .test_second import _same_array, _torch_hvp, _weighted

#: A small network's pieces: @ both ways, broadcasting, tanh, an index, a stack, a reshape.
NETWORK = "sum(tanh(W @ x + b)**2) + mean(stack(x[0], x[1])) * sum(reshape(transpose(W), 4))"
AT = {"W": [[1.0, 2.0], [3.0, 4.0]], "x": [0.5, -1.0], "b": [0.1, 0.2]}


def _network_on_torch(W, x, b):
    return ((torch.tanh(W @ x + b) ** 2).sum()
            + torch.stack([x[0], x[1]]).mean() * W.T.reshape(4).sum())


def _check_json(s, torch_hvp: list[np.ndarray]) -> None:
    """The JSON of a sweep on arrays: strict, its hvp torch's, and its steps adding up to
    the second-order adjoints it lists (the seed's first)."""
    data = json.loads(dumps(to_json(s.trace, s.tangent, s.adjoint, s)))["second"]
    for (name, ours), theirs in zip(data["hvp"].items(), torch_hvp):
        assert _same_array(np.array(ours, dtype=np.float64), theirs), (name, ours, theirs)
    final = {row["name"]: row["second_adjoint"] for row in data["trace"]}
    running: dict[str, np.ndarray] = {}
    for step in data["steps"]:
        c = np.array(step["contribution"], dtype=np.float64)
        with np.errstate(all="ignore"):             # inf − inf is nan, as in the sweep
            running[step["node"]] = c if step["node"] not in running else \
                running[step["node"]] + c
        assert np.array_equal(running[step["node"]],
                              np.array(step["second_adjoint"], dtype=np.float64), equal_nan=True)
    for name, total in running.items():
        assert np.array_equal(total, np.array(final[name], dtype=np.float64), equal_nan=True)
    for x, k in zip(s.trace.inputs, range(len(s.trace.inputs))):
        assert final[s.trace.name(k)] == data["hvp"][x]


@given(st.data(), programs(pair=False), st.sampled_from([WELL_CONDITIONED, EDGES]))
def test_random_array_sweeps_print_in_every_format_with_torchs_numbers(data, program,
                                                                       elements):
    """A random array program, weighted and summed: its second-order sweep prints in every
    format; the H·ẋ rows and the JSON are torch's numbers, and each row's value is the
    running v̄˙ of its step."""
    xs = inputs(data.draw, program, elements)
    directions = inputs(data.draw, program, st.sampled_from([1.0, -0.5, 0.0, 2.0]))
    traced, on_torch = _weighted(data.draw, program, xs)
    t = adt.trace(traced, *xs)
    s = t.second(**dict(zip(t.inputs, directions)))
    for fmt in FORMATS:
        if fmt != "json":
            assert render(s, fmt).count("Second-order") == 2
    nt = adt.tables.notation_for("text")
    steps = list(s.steps())
    rows = str(s).split("\n\n")[0].splitlines()[1:]
    assert len(rows) == len(steps)
    for line, step in zip(rows, steps):
        assert line.endswith("= " + nt.number(step.second_adjoint)), (line, step)
    _check_json(s, _torch_hvp(on_torch, xs, directions))


def test_the_network_sweep_writes_each_vjp_rule_and_its_tangent():
    """@ passes back v̄ @ vᵀ and vᵀ @ v̄: its tangent has two terms (the product rule on
    the rule); a linear rule (sum, reshape, transpose, an index, a stack) has one."""
    t = adt.trace(NETWORK, **{k: np.array(v) for k, v in AT.items()})
    s = t.second(W=np.array([[1.0, 0.0], [0.0, -1.0]]), x=np.array([0.5, 2.0]),
                 b=np.zeros(2))
    text = str(s)
    assert "v̄˙_1 @ v_−1ᵀ + v̄_1 @ v̇_−1ᵀ" in text
    assert "v_−2ᵀ @ v̄˙_1 + v̇_−2ᵀ @ v̄_1" in text
    assert "reshape(v̄˙_7, (2, 2))" in text and "v̄˙_4ᵀ" in text
    assert "scattered into zeros of (2,) at [1]" in text
    arrays = {k: np.array(v) for k, v in AT.items()}
    directions = [np.array([[1.0, 0.0], [0.0, -1.0]]), np.array([0.5, 2.0]), np.zeros(2)]
    theirs = _torch_hvp(_network_on_torch, list(arrays.values()), directions)
    for x, h in zip(t.inputs, theirs):
        assert _same_array(s.hvp[x], h), (x, s.hvp[x], h)
    _check_json(s, theirs)


@pytest.mark.parametrize("mode", ["second", "all"])
@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "json"])
def test_the_command_line_writes_second_order_on_arrays(capsys, mode, fmt):
    at = [f"{k}={json.dumps(v)}" for k, v in AT.items()]
    assert main(["trace", NETWORK, "--at", *at, "--mode", mode, "--seed", "x=[1, -1]",
                 "--format", fmt]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    arrays = [torch.tensor(v, dtype=torch.float64) for v in AT.values()]
    blocks = torch.func.hessian(_network_on_torch, argnums=(0, 1, 2))(*arrays)
    sizes = [a.numel() for a in arrays]
    full = np.block([[blocks[i][j].numpy().reshape(sizes[i], sizes[j]) for j in range(3)]
                     for i in range(3)])
    if fmt == "json":
        data = json.loads(out)
        hvp = _torch_hvp(_network_on_torch, list(AT.values()),
                         [np.zeros((2, 2)), np.array([1.0, -1.0]), np.zeros(2)])
        for x, h in zip(AT, hvp):
            assert _same_array(np.array(data["second"]["hvp"][x]), h)
        if mode == "all":
            assert data["hessian"]["elements"] == ["W[0, 0]", "W[0, 1]", "W[1, 0]", "W[1, 1]",
                                                   "x[0]", "x[1]", "b[0]", "b[1]"]
            assert _same_array(np.array(data["hessian"]["matrix"]), full)
    elif mode == "all":
        assert out.count("∂²y/∂") == 64 or out.count(r"\partial^{2} y") == 64
        if fmt == "text":
            entry = [line for line in out.splitlines() if "∂²y/∂W[0, 0]∂x[1] " in line]
            assert entry[0].rsplit("= ", 1)[1] == adt.tables.number(full[0, 5]).replace("-", "−")


@pytest.mark.parametrize("mode", ["second", "all"])
def test_at_the_edges_the_command_line_says_nothing_but_the_tables(mode):
    """0/0, 1/0 and subnormals on arrays: nan and inf in the tables, no warning on stderr
    (run as a user runs it, where numpy's warnings would reach the terminal)."""
    run = subprocess.run([sys.executable, "-m", "ad_tutorial", "trace", "sum(x/x + ln(x)*x**-2)",
                          "--at", "x=[0, -0.0, 1e-310, 2]", "--mode", mode,
                          "--seed", "x=[1, 1, 1, 1]"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and run.stderr == ""
    assert "nan" in run.stdout and "inf" in run.stdout
