// The explorer: replays the walk the server (or the page builder) wrote out.
// The model holds the tables and graphs as HTML/SVG and one entry per step saying
// which rows, graph nodes and edges light up and what the step computes.
// This script does no mathematics: every number comes from the Python engine.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const PHASE_NAMES = {
    primal: "primal sweep (evaluation trace)",
    tangent: "tangent sweep (forward mode)",
    adjoint: "adjoint sweep (reverse mode)",
  };
  let model = null;
  let index = 0;

  function show(newModel) {
    model = newModel;
    $("output").textContent = model.output;
    $("formula").textContent = model.expression;
    $("point").textContent = model.point;
    $("direction").textContent = model.direction;
    $("graph-forward").innerHTML = model.graphs.forward;
    $("graph-adjoint").innerHTML = model.graphs.adjoint;
    $("tables").innerHTML = model.phases.map((p) =>
      `<div class="phase" data-phase="${p.name}">${p.tables.join("\n")}</div>`).join("\n");
    $("function").hidden = false;
    $("explorer").hidden = false;
    go(0);
  }

  function mark(ids, cls) {
    for (const id of ids) {
      const el = document.getElementById(id);
      if (el) el.classList.add(cls);
    }
  }

  function go(k) {
    if (!model) return;
    index = Math.max(0, Math.min(k, model.steps.length - 1));
    const step = model.steps[index];
    const phase = model.phases.find((p) => p.name === step.phase);
    for (const el of document.querySelectorAll(".current, .done, .source, .future")) {
      el.classList.remove("current", "done", "source", "future");
    }
    for (const div of document.querySelectorAll("#tables .phase")) {
      div.hidden = div.dataset.phase !== step.phase;
    }
    $("graph-forward").hidden = phase.graph !== "forward";
    $("graph-adjoint").hidden = phase.graph !== "adjoint";
    for (const b of document.querySelectorAll("#phases button")) {
      b.setAttribute("aria-current", b.dataset.phase === step.phase ? "step" : "false");
    }
    // Rows of this sweep not reached yet keep their numbers hidden.
    for (const tr of document.querySelectorAll(`#tables .phase[data-phase="${step.phase}"] tr`)) {
      tr.classList.add("future");
    }
    model.steps.forEach((s, k) => {
      if (s.phase !== step.phase || k >= index) return;
      for (const id of s.rows) { const tr = $(id); if (tr) tr.classList.remove("future"); }
      mark(s.rows, "done");
      mark(s.nodes, "done");
      mark(s.edges, "done");
    });
    for (const id of step.reveal || []) {
      for (const tr of $(id).querySelectorAll("tr")) {
        tr.classList.remove("future");
        tr.classList.add("done");
      }
    }
    for (const id of step.rows) { const tr = $(id); if (tr) tr.classList.remove("future", "done"); }
    mark(step.rows, "current");
    mark(step.nodes, "current");
    mark(step.edges, "current");
    mark(step.sources, "source");
    $("where").textContent =
      `Step ${index + 1} of ${model.steps.length} · ${PHASE_NAMES[step.phase]}`;
    $("say").innerHTML = step.say;
    $("back").disabled = index === 0;
    $("reset").disabled = index === 0;
    $("next").disabled = index === model.steps.length - 1;
    $("end").disabled = index === model.steps.length - 1;
    const row = $(step.rows[step.rows.length - 1]);
    if (row) row.scrollIntoView({ block: "nearest" });
  }

  function firstOf(phase) {
    return model.steps.findIndex((s) => s.phase === phase);
  }

  function onKey(event) {
    if (!model || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.target.closest("input, textarea, select")) return;
    const keys = {
      ArrowRight: () => go(index + 1), PageDown: () => go(index + 1),
      ArrowLeft: () => go(index - 1), PageUp: () => go(index - 1),
      Home: () => go(0), End: () => go(model.steps.length - 1),
      1: () => go(firstOf("primal")), 2: () => go(firstOf("tangent")),
      3: () => go(firstOf("adjoint")),
    };
    if (keys[event.key]) {
      event.preventDefault();
      keys[event.key]();
    }
  }

  function fail(message) {
    const box = $("error");
    box.textContent = message;
    box.hidden = false;
  }

  async function ask(event) {
    event.preventDefault();
    $("error").hidden = true;
    const body = { expression: $("expression").value, at: $("at").value,
                   seed: $("seed").value };
    let response, data;
    try {
      response = await fetch("api/explore", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      data = await response.json();
    } catch (e) {
      fail("The server did not answer; is `ad-tutorial serve` still running?");
      return;
    }
    if (!response.ok) {
      fail(data.error || `The server refused the request (${response.status}).`);
      $(data.field || "expression").focus();
      return;
    }
    show(data);
    $("next").focus();
  }

  document.addEventListener("keydown", onKey);
  $("reset").addEventListener("click", () => go(0));
  $("back").addEventListener("click", () => go(index - 1));
  $("next").addEventListener("click", () => go(index + 1));
  $("end").addEventListener("click", () => go(model.steps.length - 1));
  for (const b of document.querySelectorAll("#phases button")) {
    b.addEventListener("click", () => go(firstOf(b.dataset.phase)));
  }
  const embedded = JSON.parse($("model").textContent || "null");
  if (document.body.dataset.mode === "server") {
    $("ask").hidden = false;
    $("ask").addEventListener("submit", ask);
    $("expression").focus();
  }
  if (embedded) {
    show(embedded);
    $("next").focus();
  }
})();
