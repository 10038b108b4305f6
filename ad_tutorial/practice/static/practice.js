// The practice page: judges each cell when it is left, from the data Python wrote.
// The rules (every cell's right number, the terms of its sum, the numbers known
// mistakes give) come from ad_tutorial/practice/diagnosis.py; judge() below takes the
// same steps as its judge_cell(), and the tests hold the two to the same verdicts.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const data = JSON.parse($("exercise").textContent);
  const cells = new Map(data.cells.map((c) => [c.key, c]));
  // A primal row recomputed from the student's own earlier values needs the primitives'
  // values (only those the exercises use).
  const VALUES = {
    add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b,
    pow: Math.pow, exp: Math.exp, ln: Math.log, sin: Math.sin, cos: Math.cos,
    sqrt: Math.sqrt, tanh: Math.tanh, sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  };
  const MARKS = { right: "✓", follows: "↳", wrong: "✗", unanswered: "" };
  const MARGIN = 16;    // px left beside a graph node scrolled into view
  const shown = new Set();

  function close(given, expected) {
    return Math.abs(given - expected) <= data.tolerance * Math.max(1, Math.abs(expected));
  }

  // The numbers a wrong cell is compared with, in order (diagnosis.candidates). `accepted`:
  // earlier cells judged right although beyond 3 digits of the engine's number.
  function* candidates(cell, answers, accepted) {
    const basis = (k) => (answers.has(k) ? answers.get(k) : cells.get(k).expected);
    const terms = cell.terms;
    const sources = cell.args.filter((a) => typeof a === "string").concat(terms.map((t) => t.source));
    let follows;
    if (cell.op !== null) {             // v_i = op(…) of the student's values
      follows = VALUES[cell.op](...cell.args.map((a) => (typeof a === "string" ? basis(a) : a)));
    } else if (terms.length) {          // Σ ∂v_i/∂v_j times the student's v̇_j or v̄_i
      follows = terms.reduce((sum, t) => sum + t.partial * basis(t.source), 0);
    } else {                            // an input's value: nothing it follows from
      follows = cell.expected;
    }
    const slips = [...new Set(sources)].filter((k) => answers.has(k) && !accepted.has(k)
      && !close(answers.get(k), cells.get(k).expected));
    if (slips.length) {
      yield { kind: "follows", node: cells.get(slips[0]).node, number: follows,
              hint: "follows from your " + slips.map((k) => cells.get(k).label).join(" and ") };
    } else if (sources.some((k) => answers.has(k))) {   // rounded as printed, then computed on
      yield { kind: "right", node: cell.node, number: follows, hint: "" };
    }
    const contributions = terms.map((t) => t.partial * basis(t.source));
    if (terms.length > 1) {
      for (const [m, t] of terms.entries()) {
        yield { kind: "missing", node: t.node, number: follows - contributions[m], hint: t.missing };
      }
    }
    for (const [m, t] of terms.entries()) {
      for (const [partial, hint] of t.wrong) {
        yield { kind: "partial", node: t.node,
                number: follows - contributions[m] + partial * basis(t.source), hint };
      }
    }
    for (const [m, t] of terms.entries()) {
      if (t.sign !== null) {
        yield { kind: "sign", node: t.node, number: follows - 2 * contributions[m], hint: t.sign };
      }
    }
    yield { kind: "sign", node: cell.node, number: -follows, hint: cell.flipped };
    if (cell.value !== null) {
      yield { kind: "value", node: cell.node, number: cell.value[0], hint: cell.value[1] };
    }
    for (const [m, t] of terms.entries()) {
      if (t.value !== null) {
        yield { kind: "value", node: t.node,
                number: follows - contributions[m] + t.value[0] * basis(t.source), hint: t.value[1] };
      }
    }
  }

  // The verdict on one cell (diagnosis.judge_cell).
  function judge(cell, answers, accepted) {
    if (!answers.has(cell.key)) return { verdict: "unanswered", kind: null, node: null, hint: "" };
    const given = answers.get(cell.key);
    if (close(given, cell.expected)) return { verdict: "right", kind: null, node: null, hint: "" };
    if (cell.seed !== null) return { verdict: "wrong", kind: "seed", node: cell.node, hint: cell.seed };
    for (const c of candidates(cell, answers, accepted)) {
      if (Number.isFinite(c.number) && close(given, c.number)) {
        if (c.kind === "right" || c.kind === "follows") {
          return { verdict: c.kind, kind: null, node: c.hint ? c.node : null, hint: c.hint };
        }
        return { verdict: "wrong", kind: c.kind, node: c.node, hint: c.hint };
      }
    }
    return { verdict: "wrong", kind: null, node: null, hint: "" };
  }

  // A number on the graph, in the room its line has (characters): as the tables print
  // it (3 decimals at most), else to 3 significant digits; − for a minus.
  function written(x, room) {
    let s = String(Number(x.toFixed(3)));
    if (s.length > room || (x !== 0 && Math.abs(x) < 1e-3)) s = String(Number(x.toPrecision(3)));
    if (s.length > room) s = x.toExponential(1);
    return s.replace(/-/g, "\u2212");
  }

  // What a student types: 0.693, -1.5, −1.5, 1e-3, or 0,693 with a decimal comma.
  function read(text) {
    let s = text.trim().replace(/\u2212/g, "-");
    if (s === "") return null;
    if (!s.includes(".")) s = s.replace(",", ".");
    return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) ? parseFloat(s) : NaN;
  }

  const inputs = [...document.querySelectorAll("input[data-cell]")];
  const box = new Map(inputs.map((input) => [input.dataset.cell, input]));

  // Judge every cell, in the order of the sweeps (diagnosis.judge), and show the verdicts.
  function check() {
    const answers = new Map();
    const unreadable = new Set();
    for (const input of inputs) {
      const x = read(input.value);
      if (Number.isNaN(x)) unreadable.add(input.dataset.cell);
      else if (x !== null) answers.set(input.dataset.cell, x);
    }
    const counts = { right: 0, follows: 0, wrong: 0, unanswered: 0 };
    const accepted = new Set();
    for (const cell of data.cells) {
      const key = cell.key, input = box.get(key);
      let result = judge(cell, answers, accepted);
      if (result.verdict === "right") accepted.add(key);
      if (unreadable.has(key)) {
        result = { verdict: "wrong", kind: null, node: null,
                   hint: "write a number, such as 0.693 or -1.5" };
      }
      counts[result.verdict] += 1;
      const row = input.closest("tr");
      row.classList.remove("right", "follows", "wrong");
      if (result.verdict !== "unanswered") row.classList.add(result.verdict);
      row.classList.toggle("shown", shown.has(key));
      row.dataset.verdict = result.verdict;
      row.dataset.kind = result.kind || "";
      row.dataset.node = result.node || "";
      row.querySelector("td.mark").textContent = MARKS[result.verdict];
      input.setAttribute("aria-invalid", String(result.verdict === "wrong"));
      const hint = row.nextElementSibling;
      hint.firstElementChild.textContent = result.hint;
      hint.hidden = result.hint === "";
      const line = key in data.lines ? $(data.lines[key].id) : null;
      if (line) {                       // the graph shows the student's own number
        line.classList.remove("right", "follows", "wrong");
        line.classList.toggle("unknown", !answers.has(key));
        if (answers.has(key)) {
          line.querySelector(".number").textContent = written(answers.get(key), data.lines[key].room);
          line.classList.add(result.verdict);
        }
      }
    }
    const total = inputs.length;
    $("summary").textContent = counts.right === total
      ? `All ${total} cells right.`
      : [`${counts.right} of ${total} right`,
         counts.follows ? `${counts.follows} follow${counts.follows === 1 ? "s" : ""} from an earlier slip` : "",
         counts.wrong ? `${counts.wrong} wrong` : "",
         counts.unanswered ? `${counts.unanswered} to go` : ""].filter(Boolean).join(" · ");
  }

  // The node of the cell being filled in lights up in the graph, and a graph wider than
  // its box scrolls sideways to show it (the page itself stays where it is).
  function light(input, on) {
    const node = document.getElementById(`${data.graph}-n-${cells.get(input.dataset.cell).node}`);
    if (!node) return;
    node.classList.toggle("current", on);
    if (!on) return;
    const figure = $("graph"), box = figure.getBoundingClientRect(), r = node.getBoundingClientRect();
    if (r.left < box.left) figure.scrollLeft -= box.left - r.left + MARGIN;
    else if (r.right > box.right) figure.scrollLeft += r.right - box.right + MARGIN;
  }

  for (const [k, input] of inputs.entries()) {
    input.addEventListener("focus", () => light(input, true));
    input.addEventListener("blur", () => { light(input, false); check(); });
    input.addEventListener("input", () => shown.delete(input.dataset.cell));
    input.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      if (k + 1 < inputs.length) inputs[k + 1].focus();
      else input.blur();
    });
  }
  for (const button of document.querySelectorAll("button.show")) {
    button.addEventListener("click", () => {
      const key = button.dataset.cell;
      $(`in-${key.replace(":", "-")}`).value = data.shown[key];
      shown.add(key);
      check();
    });
  }
  check();
  if (inputs.length) inputs[0].focus();
})();
