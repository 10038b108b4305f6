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

from .arrays import summed_axes
from .formulas import ONE, Apply, Formula, Name, Num, Param, apply, fill, parse, times, total
from .notation import NOTATIONS, Notation
from .second import SecondAdjoint
from .tables import (FormulaWriter, Row, json_partial, element_names, equations, final_rows,
                     json_number, json_value, output_name)
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


def _terms(w: FormulaWriter, s: SecondAdjoint, i: int, k: int
           ) -> tuple[list[str], list[Formula], list[Formula]]:
    """What v_i passes back to its argument k, differentiated along ẋ: its symbols, its
    formulas, and (on floats) its numbers. The first term is v̄˙_i ∂v_i/∂v_j; then one
    curvature term v̄_i ∂²v_i/∂v_j∂v_a v̇_a per argument v_a with such a second partial.
    On arrays a primitive that moves or combines elements has no partials but a VJP rule,
    linear in v̄_i and in each argument (v̄_i @ v_2ᵀ): its tangent is the rule with v̄˙_i
    for v̄_i, plus the rule with v̇_a for each argument v_a it uses (the product rule)."""
    t, nt, n = w.t, w.nt, len(w.t)
    j, bar, bardot = t.args[i][k], Name(w.name(i, "bar")), Name(w.name(i, "bardot"))
    symbols = [f"{w.name(i, 'bardot')} {nt.partial(w.name(i), w.name(j))}"]
    if t.arrays and not t.ops[i].elementwise:
        rule = w.vjp_formula(i, k)
        names = [_replaced(rule, bar, bardot)]
        for a in dict.fromkeys(t.args[i]):             # x @ x: v_0 once
            if a < n and _uses(rule, w.operand(a)):
                symbols.append(_curvature_symbol(w, i, j, a))
                names.append(_replaced(rule, w.operand(a), w.tangent(a)))
        return symbols, names, []
    names = [times(bardot, w.partial_formulas(i)[k])]
    values = [times(Num(s.second_adjoints[i], constant=False),
                    w.partial_formulas(i, numbers=True)[k])]
    for m, a in enumerate(t.args[i]):
        symbolic = _second_formula(w, i, k + m, False)
        if a >= n or symbolic is None:
            continue
        symbols.append(_curvature_symbol(w, i, j, a))
        names.append(_curvature(bar, symbolic, Name(w.name(a, "dot"))))
        if not t.arrays:
            values.append(_curvature(Num(s.adjoint.adjoints[i], constant=False),
                                     _second_formula(w, i, k + m, True),
                                     Num(s.tangent.tangents[a], constant=False)))
    axes = summed_axes(t.shape(j), t.shape(i)) if t.arrays else ()
    if axes:                            # summed back over the axes a broadcast added
        names = [Apply("unbroadcast", (total(names), Param("axes", axes),
                                       Param("shape", t.shape(j))))]
    return symbols, names, [] if t.arrays else values


def _curvature_symbol(w: FormulaWriter, i: int, j: int, a: int) -> str:
    """v̄_i ∂²v_i/∂v_j∂v_a v̇_a, in the table's notation."""
    second = w.nt.second_partial(w.name(i), w.name(j), w.name(a))
    return f"{w.name(i, 'bar')} {second} {w.name(a, 'dot')}"


def _uses(f: Formula, part: Formula) -> bool:
    """Whether `part` occurs in the formula f."""
    return f == part or (isinstance(f, Apply) and any(_uses(a, part) for a in f.args))


def _replaced(f: Formula, old: Formula, new: Formula) -> Formula:
    """f with each `old` in it replaced by `new`, folded again (a constant's tangent, 0,
    makes a linear operation of it 0)."""
    if f == old:
        return new
    if not isinstance(f, Apply):
        return f
    return apply(f.op, *(_replaced(a, old, new) for a in f.args))


def second_rows(s: SecondAdjoint, nt: Notation) -> list[Row]:
    """v̄˙_j += v̄˙_i ∂v_i/∂v_j + v̄_i Σ_k ∂²v_i/∂v_j∂v_k v̇_k: a row per edge, the seed
    first (on arrays, with the node's shape and no numbers substituted)."""
    w = FormulaWriter(s.trace, nt)
    rows: list[Row] = []
    previous: dict[int, Any] = {}
    for step in s.steps():
        lhs = w.name(step.node, "bardot")
        if step.source < 0:
            rows.append(w.row(lhs, step.node, [w.output_variable("bardot")], ["", ""],
                              step.second_adjoint))
            continue
        symbols, names, values = _terms(w, s, step.source, step.position)
        symbol, product = " + ".join(symbols), total(names)
        numbers = total(values) if values else None
        if not step.first:
            symbol = f"{lhs} + {symbol}"
            product = Apply("add", (Name(lhs), product))
            if numbers is not None:
                numbers = Apply("add", (Num(previous[step.node], constant=False), numbers))
        rows.append(w.row(lhs, step.node, [symbol, nt.formula(product)],
                          [] if numbers is None else [nt.formula(numbers)],
                          step.second_adjoint))
        previous[step.node] = step.second_adjoint
    return rows


def hvp_rows(s: SecondAdjoint, nt: Notation) -> list[Row]:
    """Each final v̄˙, then the tangent of each ∂y/∂x_i, the entries of H·ẋ."""
    return final_rows(s.trace, s.second_adjoints, "bardot", nt)


def second_titled_tables(s: SecondAdjoint, nt: Notation) -> list[tuple[str, list[Row]]]:
    """The second-order adjoint table and the H·ẋ table, with their titles."""
    seed = {output_name(s.trace.inputs): 1.0}
    return [(f"Second-order adjoint trace (forward over reverse) along "
             f"{equations(s.seed, nt, 'dot')}, from {equations(seed, nt, 'bar')}",
             second_rows(s, nt)),
            (f"Second-order adjoints, and the Hessian-vector product "
             f"{nt.math('H' + nt.variable('x', 'dot'))}", hvp_rows(s, nt))]


def second_json(s: SecondAdjoint) -> dict[str, Any]:
    """``{seed, trace: [{name, tangent, adjoint, second_adjoint}], steps, hvp}`` (README);
    on arrays each value is nested lists, and a partial is null where a VJP rule stands."""
    t, n, value = s.trace, len(s.trace), json_value
    partial = json_partial if t.arrays else json_number
    return {
        "seed": {x: value(v) for x, v in s.seed.items()},
        "trace": [{"name": t.name(i), "tangent": value(s.tangent.tangents[i]),
                   "adjoint": value(s.adjoint.adjoints[i]),
                   "second_adjoint": value(s.second_adjoints[i])}
                  for i in range(n - 1, -1, -1)],
        "steps": [{"node": t.name(step.node),
                   "source": t.name(step.source) if step.source >= 0 else output_name(t.inputs),
                   "partial": partial(step.partial),
                   "second_partials": [
                       {"wrt": t.name(a), "partial": partial(p)}
                       for a, p in zip(t.args[step.source] if step.source >= 0 else (),
                                       step.second) if a < n and p is not None],
                   "contribution": value(step.contribution),
                   "second_adjoint": value(step.second_adjoint)} for step in s.steps()],
        "hvp": {x: value(v) for x, v in s.hvp.items()},
    }


def hessian_table(t: Trace, hessian: Any, nt: Notation) -> tuple[str, list[Row]]:
    """The Hessian, one row per entry ∂²y/∂x_i∂x_j = H[i, j] (an entry per pair of input
    elements, as ∂²y/∂x[0]∂x[1], on arrays)."""
    y, names = nt.variable(output_name(t.inputs)), element_names(t, nt)
    return ("The Hessian, one second-order sweep in vector mode (column j is "
            f"{nt.math('H e_j')})",
            [(nt.second_partial(y, a, b), nt.number(float(hessian[r, c])))
             for r, a in enumerate(names) for c, b in enumerate(names)])


def hessian_json(t: Trace, hessian: Any) -> dict[str, Any]:
    """``{inputs: [names], elements: [x[0] …], matrix: [[H[i, j] …] …]}``: a row and a
    column per element (the inputs' names again, for numbers)."""
    return {"inputs": list(t.inputs), "elements": element_names(t, NOTATIONS["text"]),
            "matrix": [[json_number(float(h)) for h in row] for row in hessian]}


__all__ = ["hessian_json", "hessian_table", "hvp_rows", "second_json", "second_rows",
           "second_titled_tables"]
