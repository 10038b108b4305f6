"""torchviz graphs: deterministic names, a clear error for deep graphs, the tutorial's cells."""

from __future__ import annotations

import re

import pytest
import torch

import ad_tutorial as adt
from ad_tutorial.cli import main
from ad_tutorial.primitives import PRIMITIVES
from ad_tutorial.torch_graphs import (TorchGraphError, depth, grad_fn_nodes, max_depth,
                                      run_on_torch, side_by_side, torch_graph, tutorial_graphs)

SEED = "ln(x1) + x1*x2 - sin(x2)"


def test_node_names_are_stable_not_object_ids():
    first = torch_graph(adt.parse(SEED), x1=2.0, x2=5.0).source
    second = torch_graph(adt.parse(SEED), x1=2.0, x2=5.0).source
    assert first == second
    assert not re.search(r"\d{6,}", first)           # no id() left anywhere
    assert re.search(r"^\tn0 \[", first, re.M)


def test_the_seed_example_has_torchs_backward_nodes():
    source = torch_graph(adt.trace(SEED, x1=2.0, x2=5.0)).source
    for name in ("LogBackward0", "MulBackward0", "SinBackward0", "AddBackward0",
                 "SubBackward0", "AccumulateGrad"):
        assert name in source
    assert "x1\n ()" in source and "x2\n ()" in source    # the leaves carry their names


def test_tutorial_cells():
    graphs = tutorial_graphs()
    scalar, tensor = graphs["torchviz-scalar"].source, graphs["torchviz-tensor"].source
    for name in ("PowBackward0", "MulBackward0", "SinBackward0", "AddBackward0"):
        assert name in scalar
    assert "(3, 4, 4)" in tensor and "PowBackward0" in tensor and "SinBackward0" in tensor
    assert "MulBackward0" not in tensor


def test_the_tutorial_scalar_value_matches_torch():
    # The tutorial printed tensor(76.1643, grad_fn=<AddBackward0>) for x = 5.
    y, _ = run_on_torch(adt.parse("3*x**2 + x + 4*sin(x)"), x=5.0)
    x = torch.tensor(5.0, dtype=torch.float64)
    assert y.item() == pytest.approx((3 * x**2 + x + 4 * torch.sin(x)).item(), rel=1e-12)
    assert f"{y.item():.4f}" == "76.1643"
    assert type(y.grad_fn).__name__ == "AddBackward0"


def chain(n: int):
    def f(x):
        for _ in range(n):
            x = adt.sin(x)
        return x
    return f


def test_a_deep_graph_is_a_clear_error_not_a_recursion_error():
    with pytest.raises(TorchGraphError, match="operations deep; torchviz draws at most"):
        torch_graph(chain(max_depth() + 100), x=1.0)


def test_a_graph_just_within_the_limit_is_drawn():
    g = torch_graph(chain(200), x=1.0)
    assert g.source.count("SinBackward0") == 200


def test_depth_counts_the_longest_chain_without_recursion():
    y, _ = run_on_torch(chain(5000), x=1.0)
    assert depth(y.grad_fn) == 5001                   # 5000 sines and the AccumulateGrad


def test_a_result_without_a_graph_is_an_error():
    with pytest.raises(TorchGraphError, match="does not depend"):
        torch_graph(lambda x: torch.tensor(1.0), x=1.0)


def test_grad_fns_line_up_with_the_trace():
    t = adt.trace(SEED, x1=2.0, x2=5.0)
    y, _ = run_on_torch(t)
    names = {t.name(i): type(fn).__name__ for fn, i in grad_fn_nodes(t, y).items()}
    assert names == {"v_-1": "AccumulateGrad", "v_0": "AccumulateGrad", "v_1": "LogBackward0",
                     "v_2": "MulBackward0", "v_3": "SinBackward0", "v_4": "AddBackward0",
                     "v_5": "SubBackward0"}


def test_grad_fns_line_up_when_a_constant_comes_first():
    t = adt.trace("3*x**2 + x + 4*sin(x)", x=5.0)
    y, _ = run_on_torch(t)
    names = {t.name(i): type(fn).__name__ for fn, i in grad_fn_nodes(t, y).items()}
    assert names["v_1"] == "PowBackward0" and names["v_2"] == "SinBackward0"
    assert names["v_3"] == names["v_4"] == "MulBackward0" and len(names) == len(t)


def test_side_by_side_puts_both_graphs_in_one_picture():
    g = side_by_side(adt.trace(SEED, x1=2.0, x2=5.0))
    assert "subgraph cluster_trace" in g.source and "subgraph cluster_torch" in g.source
    assert "LogBackward0<br/>= v<sub>1</sub>" in g.source
    assert "SubBackward0<br/>= v<sub>5</sub>" in g.source
    assert g.source == side_by_side(adt.trace(SEED, x1=2.0, x2=5.0)).source


# --- every primitive alone, and the identity, from the command line ----------------------

def _alone(p) -> list[str]:
    """Expressions that are primitive p alone: on variables, and with a constant."""
    if p.symbol:
        return [f"x {p.symbol} y", f"x {p.symbol} 2", f"2 {p.symbol} x"]
    return ["-x"] if p.name == "neg" else [f"{p.name}(x)"]


ALONE = [(p, text) for p in PRIMITIVES.values() if p.value is not None for text in _alone(p)]
POINT = {"x": 0.7, "y": 1.3}


@pytest.mark.parametrize("annotate", [[], ["--annotate"]], ids=["plain", "annotated"])
@pytest.mark.parametrize("p, text", ALONE, ids=[text for _, text in ALONE])
def test_torch_graph_of_every_primitive_alone(tmp_path, p, text, annotate):
    t = adt.trace(text, **{v: POINT[v] for v in adt.parse(text).variables})
    args = [torch.tensor(POINT[a], dtype=torch.float64, requires_grad=True)
            if isinstance(a, str) else a for a in t.function.steps[0][1]]
    grad_fn = type(p.torch(*args).grad_fn).__name__             # what torch itself records
    out = tmp_path / "g.gv"
    at = [f"{x}={v}" for x, v in t.at().items()]
    assert main(["graph", text, "--at", *at, "--kind", "torch", *annotate, "-o", str(out)]) == 0
    source = out.read_text(encoding="utf-8")
    assert (f"{grad_fn}<br/>= v<sub>1</sub>" if annotate else grad_fn) in source
    for x in t.inputs:
        assert f"{x}\n ()" in source                              # each leaf, by its name


@pytest.mark.parametrize("annotate", [[], ["--annotate"]], ids=["plain", "annotated"])
def test_torch_graph_of_the_identity_is_its_one_leaf(tmp_path, capsys, annotate):
    """y = x: y is the leaf tensor itself, with no grad_fn, and still depends on x."""
    out = tmp_path / "g.gv"
    assert main(["graph", "x", "--at", "x=1", "--kind", "torch", *annotate, "-o", str(out)]) == 0
    assert capsys.readouterr().err == ""
    source = out.read_text(encoding="utf-8")
    assert "x\n ()" in source and "Backward" not in source and "->" not in source.split(
        "cluster_torch")[-1]
