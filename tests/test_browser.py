"""The explorer in a real browser: headless Chromium (Debian's) driven by Playwright.

The walk is pressed through key by key, and at each step the highlighted row, graph
nodes and edges and the numbers shown are read back from the page; at a projector's
1024×768 and 1280×720 every step is measured: nothing clipped, no graph text below
14 px, nodes in the same places in every phase. Screenshots of the key steps go to the
test's temporary directory. `make browser` installs chromium.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Iterator

import pytest
import torch

from ad_tutorial import trace
from ad_tutorial.explorer import build_model, write_page, write_seed_page
from ad_tutorial.tables import number
from ad_tutorial.torch_bridge import torch_reverse

from .test_server import running_server

CHROMIUM = shutil.which("chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
VIEWPORT = {"width": 1280, "height": 720}
PROJECTORS = [{"width": 1024, "height": 768}, {"width": 1280, "height": 720}]
SEED = "ln(x1) + x1*x2 - sin(x2)"
WALKS = {"seed": (SEED, {"x1": 2.0, "x2": 5.0}),                        # 7 nodes, 26 steps
         "large": ("exp(-x1/x2) * sqrt(x2) - tanh(x1*x2) + ln(1 + x1**2) * sin(x1 - x2)"
                   " / cos(x2) + sigmoid(x1*x2)", {"x1": 0.7, "x2": 1.3}),  # 22, 78
         # arrays: the tutorial's cell 46, and a matrix, a broadcast and two outputs
         "cell46": ("mean(ln(x**2 + 1) + 5*x)", {"x": [0.0, 1.0, 2.0, 3.0, 4.0]}),
         "matrices": ("tanh(W @ x + b), sum(x[1:] * b)",
                      {"W": [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], "x": [0.2, -0.1, 0.3],
                       "b": [[0.1], [-0.2]]}),
         # one number from matrices: the second-order phase writes @'s rule twice over
         "layer": ("sum(tanh(W @ x + b)**2)", {"W": [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]],
                                                "x": [0.2, -0.1, 0.3], "b": [0.1, -0.2]})}
MIN_FONT = 14           # px: the smallest graph text a back row reads

pytestmark = pytest.mark.skipif(CHROMIUM is None,
                                reason="chromium is not installed (run `make browser`)")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser) -> Iterator:
    """A 1280×720 tab (a projector's resolution) that records errors and requests."""
    context = browser.new_context(viewport=VIEWPORT)
    tab = context.new_page()
    tab.problems, tab.requests = [], []
    tab.on("pageerror", lambda e: tab.problems.append(str(e)))
    tab.on("console", lambda m: m.type in ("error", "warning") and tab.problems.append(m.text))
    tab.on("request", lambda r: tab.requests.append(r.url))
    yield tab
    context.close()


STATE = """() => {
  const ids = (sel) => [...document.querySelectorAll(sel)].map((e) => e.id).sort();
  return {where: document.getElementById("where").textContent,
          say: document.getElementById("say").textContent,
          rows: ids("tr.current"), nodes: ids(".node.current"), edges: ids(".edge.current"),
          sources: ids(".node.source")};
}"""


def state(tab) -> dict:
    return tab.evaluate(STATE)


def expected(step: dict) -> dict:
    return {"say": re.sub(r"</?su[bp]>", "", step["say"]), "rows": sorted(step["rows"]),
            "nodes": sorted(step["nodes"]), "edges": sorted(step["edges"]),
            "sources": sorted(step["sources"])}


def fits_the_projector(tab) -> None:
    """No sideways scrolling at 1280×720; the seed example even fits one screen."""
    size = tab.evaluate("""() => {
      const d = document.documentElement, t = document.getElementById("tables");
      return [d.scrollWidth, d.scrollHeight, t.scrollWidth - t.clientWidth]; }""")
    assert size[0] <= VIEWPORT["width"] and size[2] <= 0, size


def test_seed_page_walks_through_the_four_sweeps(page, tmp_path):
    path = write_seed_page(tmp_path / "seed.html")
    model = build_model(trace(SEED, x1=2.0, x2=5.0))
    y, gradient = torch_reverse(trace(SEED, x1=2.0, x2=5.0))
    page.goto(path.as_uri())
    steps = model["steps"]
    shots = {4: "primal-v3", 7: "primal-end", 15: "tangent-end", 23: "adjoint-accumulate",
             25: "gradient", 34: "second-order-ln", len(steps) - 1: "hessian-vector"}
    for k, step in enumerate(steps):
        now = state(page)
        assert now["where"].startswith(f"Step {k + 1} of {len(steps)}")
        assert {key: now[key] for key in expected(step)} == expected(step), k
        if k in shots:
            fits_the_projector(page)
            page.screenshot(path=tmp_path / f"{k + 1:02d}-{shots[k]}.png")
        page.keyboard.press("ArrowRight")
    # The tutorial's numbers, which torch computes too, are on screen where they belong.
    assert number(y) == "11.652" and [number(g) for g in gradient.values()] == ["5.5", "1.716"]
    end = state(page)                       # → at the end stays at the end
    assert end["say"] == "x̄˙1 = v̄˙−1 = −0.25, x̄˙2 = v̄˙0 = 1"      # H·ẋ, ẋ = (1, 0)
    assert end["nodes"] == ["a-n-v_-1", "a-n-v_0"]
    assert end["rows"] == ["second-1-7", "second-1-8"]
    assert expected(steps[25])["say"] == "x̄1 = v̄−1 = 5.5, x̄2 = v̄0 = 1.716"
    page.keyboard.press("Home")
    assert state(page)["say"] == "v−1 = x1 = 2"
    page.keyboard.press("PageDown")
    page.keyboard.press("PageDown")
    assert state(page)["rows"] == ["primal-0-2"]
    page.keyboard.press("4")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert state(page)["say"].endswith("= 5 + 1 × 1/2 = 5.5")
    page.keyboard.press("1")
    page.keyboard.press("ArrowLeft")
    assert state(page)["where"].startswith("Step 1 of")
    for key, k in [("2", 8), ("3", 16), ("4", 26)]:
        page.keyboard.press(key)
        assert state(page)["say"] == expected(steps[k])["say"]
    page.keyboard.press("4")
    for _ in range(3):
        page.keyboard.press("ArrowLeft")
    assert state(page)["say"].endswith("= −0.284 + 1 × 2 = 1.716")
    # Numbers of rows not reached yet are hidden; those done are shown.
    hidden = page.evaluate("""() => [...document.querySelectorAll("#adjoint-0 td.value")]
        .map((td) => getComputedStyle(td).visibility)""")
    assert hidden == ["visible"] * 8 + ["hidden"]
    assert page.problems == [] and page.requests == [path.as_uri()]


def luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted([luminance(a), luminance(b)], reverse=True)
    return (la + 0.05) / (lb + 0.05)


COLOURS = """(sel) => { const e = document.querySelector(sel); let bg = e, s;
  while (bg && (s = getComputedStyle(bg)).backgroundColor === "rgba(0, 0, 0, 0)") bg = bg.parentElement;
  const c = getComputedStyle(e);
  return [c.color, bg ? getComputedStyle(bg).backgroundColor : "rgb(255, 255, 255)",
          parseFloat(c.fontSize)]; }"""


def test_page_is_made_for_a_projector_and_a_keyboard(page, tmp_path):
    page.goto(write_seed_page(tmp_path / "seed.html").as_uri())
    for key in ["ArrowRight"] * 4 + ["2", "End", "3", "ArrowRight"]:
        page.keyboard.press(key)
        fits_the_projector(page)
    # Large type and strong contrast (WCAG AAA is 7:1; dimmed and disabled at least 4.5:1).
    for selector, size, ratio in [("#say", 28, 7), ("#where", 18, 7), ("#tables th", 19, 7),
                                  ("tr.current td", 19, 7), ("tr.future th", 19, 4.5),
                                  ("#next", 20, 7), ("#back", 20, 7),
                                  ("#phases button[aria-current=step]", 20, 7),
                                  ("#phases button:not([aria-current=step])", 20, 7),
                                  ("#legend", 16, 7), ("#formula", 20, 7)]:
        colour, background, font = page.evaluate(COLOURS, selector)
        assert font >= size, (selector, font)
        assert contrast(colour, background) >= ratio, (selector, colour, background)
    page.keyboard.press("End")
    colour, background, _ = page.evaluate(COLOURS, "#next:disabled")
    assert contrast(colour, background) >= 4.5
    # Keyboard only: focus starts on Next; Enter and Space press it; focus is clearly drawn.
    page.keyboard.press("Home")
    page.focus("#next")
    page.keyboard.press("Enter")
    page.keyboard.press(" ")
    assert state(page)["where"].startswith("Step 3 of")
    outline = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [document.activeElement.id, s.outlineStyle, parseFloat(s.outlineWidth)]; }""")
    assert outline == ["next", "solid", 4]
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "end"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")            # the "1 · Primal" button
    assert state(page)["where"].startswith("Step 1 of")
    page.screenshot(path=tmp_path / "keyboard-focus.png")


def torch_hvp(text: str, at: dict[str, float], direction: dict[str, float]) -> dict[str, float]:
    """H·ẋ by torch.func.jvp of torch.func.grad (forward over reverse), by input name."""
    import torch

    from ad_tutorial import parse

    expression = parse(text)
    names = list(at)

    def f(*xs):
        return expression(**dict(zip(names, xs)))

    tensors = tuple(torch.tensor(at[x], dtype=torch.float64) for x in names)
    tangents = tuple(torch.tensor(direction[x], dtype=torch.float64) for x in names)
    _, hvp = torch.func.jvp(torch.func.grad(f, argnums=tuple(range(len(names)))), tensors,
                            tangents)
    return {x: h.item() for x, h in zip(names, hvp)}


def test_served_page_explores_a_typed_expression_and_shows_errors(page, tmp_path):
    from playwright.sync_api import expect

    text, at = "sin(x1)*x2 + exp(x1/x2)", {"x1": 1.0, "x2": 2.0}
    y, gradient = torch_reverse(trace(text, **at))
    with running_server() as (url, _):
        page.goto(url)
        assert page.text_content("#formula") == SEED         # opens on the tutorial's example
        page.fill("#expression", text)
        page.fill("#at", "x1=1 x2=2")
        page.keyboard.press("ArrowRight")                  # in a field, keys are for typing
        assert state(page)["where"].startswith("Step 1 of")
        page.press("#at", "Enter")
        expect(page.locator("#formula")).to_have_text(text)
        page.keyboard.press("ArrowRight")                  # focus went to Next
        assert state(page)["nodes"] == ["f-n-v_0"]
        page.keyboard.press("1")
        for _ in range(len(trace(text, **at)) + 1 - 1):
            page.keyboard.press("ArrowRight")
        primal_end = state(page)
        assert primal_end["say"].startswith("y = v") and primal_end["say"].endswith(number(y))
        page.screenshot(path=tmp_path / "served-primal-end.png")
        page.keyboard.press("4")
        page.keyboard.press("ArrowLeft")                   # the adjoint sweep's last step
        assert state(page)["say"] == (f"x̄1 = v̄−1 = {number(gradient['x1'])}, "
                                      f"x̄2 = v̄0 = {number(gradient['x2'])}")
        page.keyboard.press("End")                         # H·ẋ, ẋ = (1, 0), as torch has it
        hvp = {x: number(h).replace("-", "−")          # as the page writes a minus
               for x, h in torch_hvp(text, at, {"x1": 1.0, "x2": 0.0}).items()}
        assert state(page)["say"] == f"x̄˙1 = v̄˙−1 = {hvp['x1']}, x̄˙2 = v̄˙0 = {hvp['x2']}"
        page.screenshot(path=tmp_path / "served-gradient.png")
        for bad, message in [("x1 +* 2", "column 5: syntax error"),
                             ("(" * 13 + "x1" + ")" * 13, "brackets are nested 13 deep"),
                             ("x1.real", "attribute access")]:
            page.fill("#expression", bad)
            page.press("#expression", "Enter")
            page.wait_for_selector("#error:not([hidden])")
            assert message in page.text_content("#error")
            assert page.evaluate("document.activeElement.id") == "expression"
            assert page.text_content("#formula") == text      # the last walk stays
        page.screenshot(path=tmp_path / "served-error.png")
        page.fill("#expression", "x1*x2")
        page.press("#expression", "Enter")
        expect(page.locator("#formula")).to_have_text("x1*x2")
        assert page.locator("#error").is_hidden()
        refused = "the server responded with a status of 422"    # Chrome logs each refusal
        assert [p for p in page.problems if refused not in p] == []
        assert len(page.problems) == 3


MEASURE = """() => {
  // Within a pixel: a box scrolls by whole pixels, its rows are laid out in fractions.
  const inside = (r, box) => r.left >= box.left - 1 && r.right <= box.right + 1
                             && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
  const client = (e) => { const r = e.getBoundingClientRect();
    return {left: r.left + e.clientLeft, top: r.top + e.clientTop,
            right: r.left + e.clientLeft + e.clientWidth,
            bottom: r.top + e.clientTop + e.clientHeight}; };
  const screen = {left: 0, top: 0, right: innerWidth, bottom: innerHeight};
  const tables = client(document.getElementById("tables"));
  const values = [...document.querySelectorAll("tr.current td.value")].map((td) => {
    const r = td.getBoundingClientRect();
    const top = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
    return {text: td.textContent, inBox: inside(r, tables), onScreen: inside(r, screen),
            visible: getComputedStyle(td).visibility === "visible" && td.contains(top)};
  });
  const svg = [...document.querySelectorAll("#graph-view svg")]
    .find((s) => s.getBoundingClientRect().width > 0);
  const origin = svg.getBoundingClientRect();
  const fonts = [...svg.querySelectorAll("text, tspan")].map((t) =>
    parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a);
  const nodes = {};
  for (const g of svg.querySelectorAll("g.node")) {
    const r = g.querySelector("path").getBoundingClientRect();
    nodes[g.querySelector("title").textContent] =
      [r.left - origin.left, r.top - origin.top, r.width, r.height].map(Math.round);
  }
  const view = client(document.getElementById("graph-view"));
  const lit = [...svg.querySelectorAll(".node.current")]
    .map((g) => inside(g.getBoundingClientRect(), view));
  const numbers = {};
  for (const line of svg.querySelectorAll("g.line")) {
    if (getComputedStyle(line).visibility === "visible") {
      numbers[line.id] = line.querySelector(".number").textContent;
    }
  }
  const d = document.documentElement;
  const bar = ["say", "where", "next", "phases"].map((id) =>
    inside(document.getElementById(id).getBoundingClientRect(), screen));
  return {values, fonts: [Math.min(...fonts), fonts.length], nodes, lit, numbers, bar,
          page: [d.scrollWidth - innerWidth, d.scrollHeight - innerHeight],
          width: origin.width, where: document.getElementById("where").textContent};
}"""


def shown(model: dict, k: int) -> dict[str, str]:
    """The numbers the graph's nodes show at step k: its phase's, then its steps' so far."""
    step = model["steps"][k]
    labels = dict(next(p for p in model["phases"] if p["name"] == step["phase"])["labels"])
    for s in model["steps"][:k + 1]:
        if s["phase"] == step["phase"]:
            labels.update(s["labels"])
    return labels


@pytest.mark.parametrize("viewport", PROJECTORS, ids=lambda v: f"{v['width']}x{v['height']}")
@pytest.mark.parametrize("walk", WALKS)
def test_every_step_fits_the_projector(browser, tmp_path, walk, viewport):
    text, at = WALKS[walk]
    context = browser.new_context(viewport=viewport)
    tab = context.new_page()
    tab.goto(write_page(tmp_path / "walk.html", trace(text, **at)).as_uri())
    check_every_step(tab, build_model(trace(text, **at)), tmp_path / f"{walk}-{viewport['width']}")
    context.close()


def test_every_step_fits_the_projector_under_the_servers_form_too(browser, tmp_path):
    """Served, the page also has its form: the tightest case is a long expression at
    1024×768, where the expression and what each step says take two lines."""
    from playwright.sync_api import expect

    text, at = WALKS["large"]
    context = browser.new_context(viewport=PROJECTORS[0])
    tab = context.new_page()
    with running_server() as (url, _):
        tab.goto(url)
        tab.fill("#expression", text)
        tab.fill("#at", " ".join(f"{x}={v}" for x, v in at.items()))
        tab.press("#at", "Enter")
        expect(tab.locator("#formula")).to_have_text(text)
        check_every_step(tab, build_model(trace(text, **at)), tmp_path / "served")
    context.close()


def check_every_step(tab, model: dict, shot: Path) -> None:
    """At every step: the current row's value in full view in its box and on the screen;
    the controls and what the step says on the screen, the page not scrolling; no graph
    text below 14 px; the lit nodes inside the graph's box (a graph larger than its box
    scrolls to them); the nodes' numbers those the walk has reached; and every node in
    the same place, at the same size, in every phase."""
    places, widths = {}, set()
    for k, step in enumerate(model["steps"]):
        m = tab.evaluate(MEASURE)
        assert m["where"].startswith(f"Step {k + 1} of"), m["where"]
        assert m["values"] and all(v["inBox"] and v["onScreen"] and v["visible"]
                                   for v in m["values"]), (k, m["values"])
        assert all(m["bar"]) and m["page"] == [0, 0], (k, m["bar"], m["page"])
        assert m["fonts"][0] >= MIN_FONT - 0.01 and m["fonts"][1] > 0, (k, m["fonts"])
        assert m["lit"] and all(m["lit"]), (k, m["lit"])
        assert m["numbers"] == shown(model, k), k
        places.setdefault(step["phase"], m["nodes"])
        widths.add(m["width"])
        if k == len(model["steps"]) // 2:
            tab.screenshot(path=f"{shot}-middle.png")
        tab.keyboard.press("Space" if k % 2 else "ArrowRight")
    assert list(places) == [p["name"] for p in model["phases"]]
    assert len(places) >= 3 and all(nodes == places["primal"] for nodes in places.values())
    assert len(widths) == 1                 # one scale all the way: the picture never jumps


def test_space_steps_on_whatever_has_the_focus(page, tmp_path):
    page.goto(write_seed_page(tmp_path / "seed.html").as_uri())
    page.keyboard.press("Space")
    assert state(page)["where"].startswith("Step 2 of")
    page.click("#next")
    page.click("#back")                     # a mouse click leaves the focus on Back
    page.keyboard.press("Space")
    page.keyboard.press("Space")
    assert state(page)["where"].startswith("Step 4 of")
    page.keyboard.press("Shift+Space")
    assert state(page)["where"].startswith("Step 3 of")
    page.keyboard.press("3")
    page.keyboard.press("Space")
    assert state(page)["where"].startswith("Step 18 of")
    page.keyboard.press("End")
    page.keyboard.press("Space")            # at the end, Space stays there
    assert state(page)["where"].startswith("Step 36 of")
    assert page.evaluate("[window.scrollX, window.scrollY]") == [0, 0]


def test_the_served_form_takes_arrays_and_every_step_fits(browser, tmp_path):
    """The tutorial's cell 46 typed into the form at 1024×768: the walk ends on x.grad."""
    from playwright.sync_api import expect

    text, at = WALKS["cell46"]
    context = browser.new_context(viewport=PROJECTORS[0])
    tab = context.new_page()
    with running_server() as (url, _):
        tab.goto(url)
        tab.fill("#expression", text)
        tab.fill("#at", "x=[0, 1, 2, 3, 4]")
        tab.press("#at", "Enter")
        expect(tab.locator("#formula")).to_have_text(text)
        model = build_model(trace(text, **at))
        check_every_step(tab, model, tmp_path / "served-cell46")
        gradient = tab.evaluate("""() => [...document.querySelectorAll("#adjoint-1 tr")]
            .pop().querySelector("td.value").textContent""")
        assert gradient == "= [1, 1.2, 1.16, 1.12, 1.094]"
        # then the fourth phase, along ẋ = e₀: H·ẋ, as torch computes it
        _, hvp = torch.autograd.functional.hvp(lambda x: (torch.log(x**2 + 1) + 5*x).mean(),
                                               torch.tensor(at["x"], dtype=torch.float64),
                                               torch.eye(5, dtype=torch.float64)[0])
        numbers = ", ".join(number(float(h)) for h in hvp)
        assert state(tab)["say"] == f"x̄˙ (5,) = v̄˙0 = [{numbers}]"
    context.close()
