"""The second-order adjoint sweep as tables: text, markdown, LaTeX, HTML and JSON.

One row per contribution, as the adjoint table has, now with the tangent of each
(Griewank & Walther's second-order adjoint):

    v̄˙_−1 = v̄˙_−1 + v̄˙_1 ∂v_1/∂v_−1 + v̄_1 ∂²v_1/∂v_−1² v̇_−1
         = v̄˙_−1 + v̄˙_1/v_−1 + v̄_1 × (−1/v_−1²) × v̇_−1 = 0 + 0/2 + 1 × (−1/2²) × 1 = −0.25

The second partials come from the primitive table (``second_formulas``), written by
:mod:`ad_tutorial.formulas` as the first ones are; the numbers from the finished sweep.
A term the sweep has no number for (the seed ȳ is a constant: ȳ˙ is no tangent at all)
is written 0. Then the second-order adjoints, and H·ẋ: the inputs' v̄˙.
"""

from __future__ import annotations

from typing import Any

from .formulas import ONE, Apply, Formula, Name, Num, apply, fill, parse, times, total
from .notation import Notation
from .second import SecondAdjoint
from .tables import FormulaWriter, Row, equations, json_number, output_name
from .trace import Trace


def _second_formula(w: FormulaWriter, i: int, position: int, numbers: bool) -> Formula | None:
    """∂²v_i/∂a_j∂a_k (entry j + k of the primitive's second formulas), its x, y and out
    filled in with names or numbers; None where the primitive has no such term."""
    formulas = w.t.ops[i].second_formulas
    if not formulas or formulas[position] is None:
        return None
    names = dict(zip("xy", (w.operand(j, numbers) for j in w.t.args[i])),
                 out=w.operand(i, numbers))
    return _tidy(fill(parse(formulas[position]), names))


def _tidy(f: Formula) -> Formula:
    """x⁰ is 1, and a factor 1 is left out: x**2's y(y − 1)·x^(y−2) is written 2."""
    if not isinstance(f, Apply):
        return f
    args = tuple(map(_tidy, f.args))
    if f.op == "pow" and args[1] == Num(0.0):
        return ONE
    if f.op == "mul" and ONE in args:
        return args[0] if args[1] == ONE else args[1]
    return apply(f.op, *args)


def _curvature(bar: Formula, second: Formula, dot: Formula) -> Formula:
    """v̄_i × ∂²v_i/∂v_j∂v_k × v̇_k (the partial left out where it is 1)."""
    return Apply("mul", (bar if second == ONE else times(bar, second), dot))


def second_rows(s: SecondAdjoint, nt: Notation) -> list[Row]:
    """v̄˙_j += v̄˙_i ∂v_i/∂v_j + v̄_i Σ_k ∂²v_i/∂v_j∂v_k v̇_k: a row per edge, the seed first."""
    t, w, n = s.trace, FormulaWriter(s.trace, nt), len(s.trace)
    bars, bardots, dots = s.adjoint.adjoints, s.second_adjoints, s.tangent.tangents
    rows: list[Row] = []
    previous: dict[int, Any] = {}
    for step in s.steps():
        lhs = w.name(step.node, "bardot")
        if step.source < 0:
            rows.append((lhs, w.output_variable("bardot"), "", "", nt.number(step.second_adjoint)))
            continue
        i, j, k = step.source, step.node, step.position
        symbols = [f"{w.name(i, 'bardot')} {nt.partial(w.name(i), w.name(j))}"]
        names = [times(Name(w.name(i, "bardot")), w.partial_formulas(i)[k])]
        values = [times(Num(bardots[i], constant=False), w.partial_formulas(i, numbers=True)[k])]
        for m, a in enumerate(t.args[i]):
            symbolic = _second_formula(w, i, k + m, False)
            if a >= n or symbolic is None:
                continue
            second = nt.second_partial(w.name(i), w.name(j), w.name(a))
            symbols.append(f"{w.name(i, 'bar')} {second} {w.name(a, 'dot')}")
            names.append(_curvature(Name(w.name(i, "bar")), symbolic, Name(w.name(a, "dot"))))
            values.append(_curvature(Num(bars[i], constant=False),
                                     _second_formula(w, i, k + m, True),
                                     Num(dots[a], constant=False)))
        symbol, product, numbers = " + ".join(symbols), total(names), total(values)
        if not step.first:
            symbol = f"{lhs} + {symbol}"
            product = Apply("add", (Name(lhs), product))
            numbers = Apply("add", (Num(previous[j], constant=False), numbers))
        rows.append((lhs, symbol, nt.formula(product), nt.formula(numbers),
                     nt.number(step.second_adjoint)))
        previous[j] = step.second_adjoint
    return rows


def hvp_rows(s: SecondAdjoint, nt: Notation) -> list[Row]:
    """Each final v̄˙, then the tangent of each ∂y/∂x_i, the entries of H·ẋ."""
    t, w = s.trace, FormulaWriter(s.trace, nt)
    rows: list[Row] = [(w.name(i, "bardot"), "", nt.number(s.second_adjoints[i]))
                       for i in range(len(t) - 1, -1, -1)]
    rows += [(nt.variable(x, "bardot"), w.name(k, "bardot"), nt.number(s.second_adjoints[k]))
             for k, x in enumerate(t.inputs)]
    return rows


def second_titled_tables(s: SecondAdjoint, nt: Notation) -> list[tuple[str, list[Row]]]:
    """The second-order adjoint table and the H·ẋ table, with their titles."""
    seed = {output_name(s.trace.inputs): 1.0}
    return [(f"Second-order adjoint trace (forward over reverse) along "
             f"{equations(s.seed, nt, 'dot')}, from {equations(seed, nt, 'bar')}",
             second_rows(s, nt)),
            (f"Second-order adjoints, and the Hessian-vector product "
             f"{nt.math('H' + nt.variable('x', 'dot'))}", hvp_rows(s, nt))]


def second_json(s: SecondAdjoint) -> dict[str, Any]:
    """``{seed, trace: [{name, tangent, adjoint, second_adjoint}], steps, hvp}`` (README)."""
    t, n = s.trace, len(s.trace)
    output = output_name(t.inputs)
    return {
        "seed": {x: json_number(v) for x, v in s.seed.items()},
        "trace": [{"name": t.name(i), "tangent": json_number(s.tangent.tangents[i]),
                   "adjoint": json_number(s.adjoint.adjoints[i]),
                   "second_adjoint": json_number(s.second_adjoints[i])}
                  for i in range(n - 1, -1, -1)],
        "steps": [{"node": t.name(step.node),
                   "source": t.name(step.source) if step.source >= 0 else output,
                   "partial": json_number(step.partial),
                   "second_partials": [
                       {"wrt": t.name(a), "partial": json_number(p)}
                       for a, p in zip(t.args[step.source] if step.source >= 0 else (),
                                       step.second) if a < n and p is not None],
                   "contribution": json_number(step.contribution),
                   "second_adjoint": json_number(step.second_adjoint)} for step in s.steps()],
        "hvp": {x: json_number(v) for x, v in s.hvp.items()},
    }


def hessian_table(t: Trace, hessian: Any, nt: Notation) -> tuple[str, list[Row]]:
    """The Hessian, one row per entry ∂²y/∂x_i∂x_j = H[i, j] (inputs that are numbers)."""
    y = nt.variable(output_name(t.inputs))
    names = [nt.variable(x) for x in t.inputs]
    return ("The Hessian, one second-order sweep in vector mode (column j is "
            f"{nt.math('H e_j')})",
            [(nt.second_partial(y, a, b), nt.number(float(hessian[r, c])))
             for r, a in enumerate(names) for c, b in enumerate(names)])


def hessian_json(t: Trace, hessian: Any) -> dict[str, Any]:
    """``{inputs: [names], matrix: [[H[i, j] …] …]}``."""
    return {"inputs": list(t.inputs),
            "matrix": [[json_number(float(h)) for h in row] for row in hessian]}


__all__ = ["hessian_json", "hessian_table", "hvp_rows", "second_json", "second_rows",
           "second_titled_tables"]
