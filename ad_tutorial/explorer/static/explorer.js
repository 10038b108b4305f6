// The explorer: replays the walk the server (or the page builder) wrote out.
// The model holds the tables and graphs as HTML/SVG and one entry per step saying
// which rows, graph nodes and edges light up, which numbers the nodes show from then on,
// and what the step computes. Phases and steps are data: nothing here knows how many.
// This script does no mathematics: every number comes from the Python engine.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  // Graph text on screen, in CSS pixels: never smaller than MIN_FONT (above that size the
  // graph scrolls instead of shrinking), and no larger than MAX_FONT on a big screen.
  const MIN_FONT = 14, MAX_FONT = 22;
  const GRAPH_SHARE = 0.55;       // of the stage's height, at least, for the graph
  const TABLE_ROOM = 1;           // a row's height the table keeps beyond the step's rows
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
    // One button per phase, pressed by its number key too.
    $("phases").replaceChildren(...model.phases.map((p, k) => {
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.phase = p.name;
      b.textContent = `${k + 1} · ${p.title}`;
      b.setAttribute("aria-keyshortcuts", String(k + 1));
      b.addEventListener("click", () => go(firstOf(p.name)));
      return b;
    }));
    $("phase-keys").textContent = model.phases.map((p, k) => k + 1).join(" ");
    $("tables").innerHTML = model.phases.map((p) =>
      `<div class="phase" data-phase="${p.name}">${p.tables.join("\n")}</div>`).join("\n");
    $("function").hidden = false;
    $("explorer").hidden = false;
    fitGraphs();
    go(0);
  }

  // One scale for both graphs (they are drawn alike, node for node), chosen to fill the
  // graph's share of the stage, within the limits of MIN_FONT and MAX_FONT.
  function fitGraphs() {
    const svgs = [...document.querySelectorAll("#graph-view svg")];
    if (!svgs.length) return;
    const sizes = svgs.map((svg) => svg.viewBox.baseVal);
    const width = Math.max(...sizes.map((b) => b.width));
    const height = Math.max(...sizes.map((b) => b.height));
    const font = Math.min(...svgs.flatMap((svg) => [...svg.querySelectorAll("text, tspan")]
      .map((t) => parseFloat(t.getAttribute("font-size"))).filter((size) => size > 0)));
    const stage = $("stage"), legend = $("legend");
    const room = [stage.clientWidth, stage.clientHeight * GRAPH_SHARE - legend.offsetHeight];
    const fit = Math.min(room[0] / width, room[1] / height);
    const scale = Math.max(MIN_FONT / font, Math.min(fit, MAX_FONT / font));
    for (const svg of svgs) {
      svg.style.width = `${width * scale}px`;
      svg.style.height = `${height * scale}px`;
    }
    fitView([]);
  }

  // The graph's box: its share of the stage, or more where the table needs less room for
  // the step's rows (and a few around them), so that several lit nodes fit together. The
  // graph keeps its scale: the picture never jumps, only its box grows or shrinks.
  function fitView(rows) {
    const view = $("graph-view"), stage = $("stage").clientHeight;
    const row = rows.length ? rows[0].offsetHeight : 0;
    const table = rows.reduce((h, tr) => h + tr.offsetHeight, 0) + TABLE_ROOM * row;
    const room = Math.max(stage * GRAPH_SHARE, stage - table) - $("legend").offsetHeight;
    view.style.maxHeight = `${Math.max(room, MIN_FONT * 8)}px`;
    view.classList.toggle("scrolls", view.scrollWidth > view.clientWidth
                                     || view.scrollHeight > view.clientHeight);
  }

  // A graph larger than its box scrolls; it also follows the mouse, dragged (a finger
  // scrolls it anyway, and a scroll bar is left to itself).
  function panWithMouse(view) {
    let from = null;
    view.addEventListener("pointerdown", (e) => {
      const box = view.getBoundingClientRect();
      if (e.pointerType !== "mouse" || e.clientX - box.left - view.clientLeft >= view.clientWidth
          || e.clientY - box.top - view.clientTop >= view.clientHeight) return;
      from = [e.clientX, e.clientY];
      view.setPointerCapture(e.pointerId);
    });
    view.addEventListener("pointermove", (e) => {
      if (!from) return;
      view.scrollBy(from[0] - e.clientX, from[1] - e.clientY);
      from = [e.clientX, e.clientY];
    });
    for (const type of ["pointerup", "pointercancel"]) {
      view.addEventListener(type, () => { from = null; });
    }
  }

  // Scroll the graph just enough to show `elements` (the first ones first, if not all fit),
  // with a margin round them (a thin one, where a wide one would leave one out).
  function keepInView(view, elements) {
    const box = view.getBoundingClientRect();
    const left = box.left + view.clientLeft, top = box.top + view.clientTop;
    const tries = [];
    for (let n = elements.length; n > 0; n--) tries.push([n, 12], [n, 2]);
    for (const [n, pad] of tries) {
      const rects = elements.slice(0, n).map((e) => e.getBoundingClientRect());
      const r = { left: Math.min(...rects.map((x) => x.left)) - pad,
                  right: Math.max(...rects.map((x) => x.right)) + pad,
                  top: Math.min(...rects.map((x) => x.top)) - pad,
                  bottom: Math.max(...rects.map((x) => x.bottom)) + pad };
      if ((n > 1 || pad > 2) && (r.right - r.left > view.clientWidth
                                 || r.bottom - r.top > view.clientHeight)) {
        continue;
      }
      const dx = r.left < left ? r.left - left
        : Math.max(0, r.right - (left + view.clientWidth));
      const dy = r.top < top ? r.top - top
        : Math.max(0, r.bottom - (top + view.clientHeight));
      view.scrollBy(dx, dy);
      return;
    }
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
    showNumbers(phase, step);
    $("where").textContent =
      `Step ${index + 1} of ${model.steps.length} · ${phase.about}`;
    $("say").innerHTML = step.say;
    $("back").disabled = index === 0;
    $("reset").disabled = index === 0;
    $("next").disabled = index === model.steps.length - 1;
    $("end").disabled = index === model.steps.length - 1;
    // The step's rows in sight: the first, then the last (all of them, where they fit).
    const rows = step.rows.map((id) => $(id)).filter((tr) => tr);
    fitView(rows);
    for (const tr of [rows[0], rows[rows.length - 1]]) {
      if (tr) tr.scrollIntoView({ block: "nearest" });
    }
    const lit = step.nodes.concat(step.sources).map((id) => $(id)).filter((e) => e);
    keepInView($("graph-view"), lit);
  }

  // The numbers on the graph's nodes: those the phase shows throughout, then those of its
  // steps so far, a later step overwriting an earlier (an adjoint grows). Lines with no
  // number yet stay blank.
  function showNumbers(phase, step) {
    const labels = Object.assign({}, phase.labels);
    model.steps.forEach((s, k) => {
      if (s.phase === step.phase && k <= index) Object.assign(labels, s.labels);
    });
    for (const line of $(`graph-${phase.graph}`).querySelectorAll("g.line")) {
      const text = labels[line.id];
      line.classList.toggle("unknown", text === undefined);
      if (text !== undefined) line.querySelector(".number").textContent = text;
    }
  }

  function firstOf(phase) {
    return model.steps.findIndex((s) => s.phase === phase);
  }

  function onKey(event) {
    if (!model || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.target.closest("input, textarea, select")) return;
    // Space steps on, whatever has the focus (a button clicked with the mouse keeps it),
    // as in a slide show; Shift+Space steps back. Enter still presses a focused button.
    const keys = {
      ArrowRight: () => go(index + 1), PageDown: () => go(index + 1),
      " ": () => go(index + (event.shiftKey ? -1 : 1)),
      ArrowLeft: () => go(index - 1), PageUp: () => go(index - 1),
      Home: () => go(0), End: () => go(model.steps.length - 1),
    };
    const phase = /^[1-9]$/.test(event.key) && model.phases[event.key - 1];
    if (phase) keys[event.key] = () => go(firstOf(phase.name));     // 1, 2, 3 …: that phase
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
  panWithMouse($("graph-view"));
  window.addEventListener("resize", () => { if (model) { fitGraphs(); go(index); } });
  $("reset").addEventListener("click", () => go(0));
  $("back").addEventListener("click", () => go(index - 1));
  $("next").addEventListener("click", () => go(index + 1));
  $("end").addEventListener("click", () => go(model.steps.length - 1));
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
