"""The practice page in headless Chromium at 1024×768: right answers turn green, a planted
mistake shows its hint, Tab walks the cells, nothing is clipped, and the page's script
judges every cell as Python does (the same verdicts, kinds, nodes and hints) on many
planted answers. Screenshots go to the test's temporary directory."""

from __future__ import annotations

import math
import random
from typing import Iterator

import pytest

from ad_tutorial.practice import exercise
from ad_tutorial.practice.diagnosis import candidates
from ad_tutorial.practice.exercise import Exercise
from ad_tutorial.practice.mistakes import KINDS
from ad_tutorial.practice.page import write_page
from ad_tutorial.tables import NOTATIONS, number

from .test_browser import CHROMIUM, browser  # noqa: F401  (the browser fixture)
from .test_practice import Flat, engine_answers, judged, rounding_student
from .test_server import running_server

VIEWPORT = {"width": 1024, "height": 768}

pytestmark = pytest.mark.skipif(CHROMIUM is None,
                                reason="chromium is not installed (run `make browser`)")


@pytest.fixture
def tab(browser) -> Iterator:  # noqa: F811
    """A 1024×768 tab (a classroom projector) that records errors and requests."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.problems, page.requests = [], []
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.on("console", lambda m: m.type in ("error", "warning") and page.problems.append(m.text))
    page.on("request", lambda r: page.requests.append(r.url))
    yield page
    context.close()


def open_page(tab, tmp_path, ex: Exercise) -> None:
    path = write_page(tmp_path / f"practice-{ex.level}-{ex.seed}-{ex.mode}.html", ex)
    tab.goto(path.as_uri())


def ident(key: str) -> str:
    return key.replace(":", "-")


FILL = """(answers) => {
  for (const input of document.querySelectorAll("input[data-cell]")) {
    const v = answers[input.dataset.cell];
    input.value = v === undefined ? "" : String(v);
  }
  const first = document.querySelector("input[data-cell]");
  first.focus(); first.blur();
}"""

ROWS = """() => Object.fromEntries([...document.querySelectorAll("tr.cell")].map((tr) => [
  tr.querySelector("input").dataset.cell,
  [tr.dataset.verdict, tr.dataset.kind, tr.dataset.node,
   tr.nextElementSibling.hidden ? "" : tr.nextElementSibling.textContent]]))"""


def page_verdicts(tab, flat: Flat) -> dict[str, list[str]]:
    tab.evaluate(FILL, flat)
    return tab.evaluate(ROWS)


def python_verdicts(ex: Exercise, flat: Flat) -> dict[str, list[str]]:
    return {key: [r.verdict, r.kind or "", r.node or "", r.hint]
            for key, r in judged(ex, flat).items()}


def type_answers(tab, ex: Exercise, flat: Flat) -> None:
    """Type every cell from the keyboard, Tab after each, as a student does."""
    tab.focus(f"#in-{ident(ex.rules[0]['key'])}")
    for cell in ex.rules:
        assert tab.evaluate("document.activeElement.dataset.cell") == cell["key"]
        tab.keyboard.type(number(flat[cell["key"]]))
        tab.keyboard.press("Tab")


def test_right_answers_turn_green(tab, tmp_path):
    ex = exercise(2, 3, "reverse")
    open_page(tab, tmp_path, ex)
    type_answers(tab, ex, engine_answers(ex))
    rows = tab.evaluate(ROWS)
    assert {v[0] for v in rows.values()} == {"right"}
    colours = tab.evaluate("""() => [...document.querySelectorAll("input[data-cell]")]
        .map((i) => getComputedStyle(i).backgroundColor)""")
    assert set(colours) == {"rgb(215, 245, 215)"}                   # --right
    assert tab.text_content("#summary") == f"All {len(ex.rules)} cells right."
    tab.screenshot(path=tmp_path / "all-right.png", full_page=True)
    assert tab.problems == [] and len(tab.requests) == 1           # the page itself only


def test_a_planted_missing_contribution_shows_its_hint(tab, tmp_path):
    ex = exercise(1, 5, "reverse")                                 # the README's exercise
    open_page(tab, tmp_path, ex)
    flat = {**engine_answers(ex), "adjoint:v_0": 1.0, "final:x2": 1.0}
    type_answers(tab, ex, flat)
    hint = tab.locator("#hint-adjoint-v_0")
    assert hint.is_visible()
    assert hint.text_content() == ("missing the contribution v̄_2·∂v_2/∂v_0 from "
                                   "v_2 = v_0 × v_−1")
    assert tab.get_attribute("#row-adjoint-v_0", "class") == "cell wrong"
    assert tab.text_content("#row-adjoint-v_0 td.mark") == "✗"
    assert tab.text_content("#hint-final-x2") == "follows from your v̄_0"
    assert tab.get_attribute("#row-final-x2", "class") == "cell follows"
    assert tab.text_content("#summary") == ("10 of 12 right · 1 follows from an earlier slip "
                                            "· 1 wrong")
    tab.screenshot(path=tmp_path / "missing-contribution.png", full_page=True)


def test_tab_and_enter_move_from_cell_to_cell_in_the_order_of_the_sweeps(tab, tmp_path):
    ex = exercise(3, 6, "forward")
    open_page(tab, tmp_path, ex)
    keys = [cell["key"] for cell in ex.rules]
    assert tab.evaluate("document.activeElement.dataset.cell") == keys[0]  # ready to type
    visited = []
    for _ in keys:
        visited.append(tab.evaluate("document.activeElement.dataset.cell"))
        tab.keyboard.press("Tab")
    assert visited == keys                      # the "show" buttons are not in the way
    tab.focus(f"#in-{ident(keys[0])}")
    tab.keyboard.type("7")
    tab.keyboard.press("Enter")
    assert tab.evaluate("document.activeElement.dataset.cell") == keys[1]
    assert tab.evaluate(ROWS)[keys[0]][0] == "wrong"             # checked on leaving
    # the cell being filled in lights up its node in the graph
    assert tab.evaluate("[...document.querySelectorAll('.node.current')].map((n) => n.id)") \
        == [f"f-n-{ex.rules[1]['node']}"]


def test_show_the_answer_fills_in_one_row(tab, tmp_path):
    ex = exercise(2, 8, "forward")
    open_page(tab, tmp_path, ex)
    cell = ex.rules[-1]
    tab.click(f'#row-{ident(cell["key"])} button.show')
    assert tab.input_value(f'#in-{ident(cell["key"])}') == number(cell["expected"])
    assert tab.get_attribute(f'#row-{ident(cell["key"])}', "class") == "cell right shown"
    assert tab.evaluate(ROWS)[ex.rules[0]["key"]][0] == "unanswered"


LINES = """() => Object.fromEntries([...document.querySelectorAll("#graph g.line")].map((g) => [
  g.id, [g.getAttribute("class"), getComputedStyle(g).visibility,
         g.querySelector(".number").textContent]]))"""

IN_VIEW = """(id) => {
  const box = document.getElementById("graph").getBoundingClientRect();
  const r = document.getElementById(id).getBoundingClientRect();
  return r.left >= box.left && r.right <= box.right;
}"""


def test_the_graph_fills_in_with_the_students_numbers_and_follows_the_cell(tab, tmp_path):
    ex = exercise(3, 9, "forward")              # a graph wider than the window: it scrolls
    open_page(tab, tmp_path, ex)
    assert {c for c, visibility, _ in tab.evaluate(LINES).values()} == {"line unknown"}
    figure = tab.evaluate("""() => { const f = document.getElementById("graph");
        return [f.scrollWidth, f.clientWidth, document.documentElement.scrollWidth]; }""")
    assert figure[0] > figure[1] and figure[2] <= VIEWPORT["width"]
    wrong = next(c for c in ex.rules if c["table"] == "primal" and c["op"] is not None)
    flat = {k: float(number(v)) for k, v in engine_answers(ex).items() if k.startswith("primal:")}
    flat[wrong["key"]] = -12.3456
    tab.evaluate(FILL, flat)
    lines = tab.evaluate(LINES)
    for cell in ex.rules:
        line = lines.pop(f"f-{'value' if cell['table'] == 'primal' else 'tangent'}-{cell['node']}",
                         None)
        if cell["table"] == "tangent":
            assert line[:2] == ["line unknown", "hidden"]
        elif cell["key"] == wrong["key"]:
            assert line == ["line wrong", "visible", "−12.3"]          # 3 digits in its room
        elif cell["table"] == "primal":                # the engine's numbers, as printed
            assert line == ["line right", "visible", NOTATIONS["html"].number(flat[cell["key"]])]
    assert lines == {}
    last, first = ex.rules[-2], ex.rules[0]       # v̇ of the output, far right; an input
    for cell in (last, first, last):
        tab.focus(f"#in-{ident(cell['key'])}")
        assert tab.evaluate(IN_VIEW, f"f-n-{cell['node']}"), cell["key"]
    assert tab.evaluate("window.scrollX") == 0 and fits(tab) == []
    tab.screenshot(path=tmp_path / "graph.png")


def random_answers(ex: Exercise, rng: random.Random) -> Flat:
    """A student's answers: right, blank, rounded, noisy, or (often) a number that some
    mistake or an earlier slip gives, chosen cell by cell in the order of the sweeps."""
    cells = {c["key"]: c for c in ex.rules}
    engine, flat = engine_answers(ex), {}
    for cell in ex.rules:
        key, r = cell["key"], rng.random()
        if r < 0.35:
            flat[key] = engine[key]
        elif r < 0.45:
            continue
        elif r < 0.8:                  # half the time what follows from earlier slips
            found = [c for c in candidates(cell, flat, cells) if math.isfinite(c.number)]
            follows = [c for c in found if c.kind == "follows"]
            pool = follows if follows and rng.random() < 0.5 else found
            flat[key] = rng.choice(pool).number if pool else engine[key]
        elif r < 0.9:
            flat[key] = float(number(engine[key]))
        else:
            flat[key] = engine[key] + rng.choice([-1, 1]) * rng.uniform(0.1, 3.0)
    return flat


EXERCISES = [(level, seed, mode) for level in (1, 2, 3) for seed in (3, 17)
             for mode in ("forward", "reverse")]


@pytest.mark.parametrize("level, seed, mode", EXERCISES)
def test_the_page_judges_every_cell_as_python_does(tab, tmp_path, level, seed, mode):
    ex = exercise(level, seed, mode)
    open_page(tab, tmp_path, ex)
    rng = random.Random(f"{level}-{seed}-{mode}")
    kinds = set()
    for _ in range(12):
        flat = random_answers(ex, rng)
        expected = python_verdicts(ex, flat)
        assert page_verdicts(tab, flat) == expected
        kinds |= {v[1] or v[0] for v in expected.values()}
    assert {"right", "follows", "unanswered"} <= kinds and len(kinds & set(KINDS)) >= 2
    for digits in (0, 1, 2):                 # right from earlier cells accepted as right
        flat = rounding_student(ex, digits)
        assert page_verdicts(tab, flat) == python_verdicts(ex, flat)
    assert tab.problems == []


def test_the_page_and_python_agree_on_each_planted_kind(tab, tmp_path):
    """A missing contribution, a wrong seed followed through, a wrong d cos, a slip."""
    ex = exercise(1, 5, "reverse")
    open_page(tab, tmp_path, ex)
    for change in [{"adjoint:v_0": 1.0, "final:x2": 1.0}, {"adjoint:v_3": 0.0},
                   {"primal:v_0": 2.5}, {"adjoint:v_2": -0.405, "adjoint:v_-1": -0.608}]:
        flat = {**engine_answers(ex), **change}
        assert page_verdicts(tab, flat) == python_verdicts(ex, flat)
    ex = exercise(2, 1, "forward")                     # sin(x1) + cos(x2) + ln(ln(x1))
    open_page(tab, tmp_path, ex)
    t = ex.trace
    i = next(i for i, op in enumerate(t.ops) if op is not None and op.name == "cos")
    j = t.args[i][0]
    tangent = t.forward(**ex.direction).tangents
    flat = {**engine_answers(ex), f"tangent:{t.name(i)}": math.sin(t.values[j]) * tangent[j]}
    verdicts = page_verdicts(tab, flat)
    assert verdicts == python_verdicts(ex, flat)
    assert verdicts[f"tangent:{t.name(i)}"][1:3] == ["partial", t.name(i)]
    assert "d cos x = −sin x, not +sin x" in verdicts[f"tangent:{t.name(i)}"][3]
    wrong = {"x1": 1.0, "x2": 0.0}                     # the seed of the other input
    sweep = t.forward(**wrong)
    flat = {**engine_answers(ex), **{f"tangent:{t.name(k)}": v
                                     for k, v in enumerate(sweep.tangents)},
            "final:derivative": sweep.derivative}
    verdicts = page_verdicts(tab, flat)
    assert verdicts == python_verdicts(ex, flat)
    assert verdicts["tangent:v_-1"][:3] == ["wrong", "seed", "v_-1"]
    assert {v[0] for k, v in verdicts.items() if k.startswith(("tangent:v_1", "final"))} \
        <= {"follows", "right"}


def test_the_page_reads_what_students_type_and_says_when_it_cannot(tab, tmp_path):
    ex = exercise(1, 5, "reverse")                     # v_-1 = x1 = 1, v_0 = x2 = 1.5
    open_page(tab, tmp_path, ex)
    for typed, verdict in [("1", "right"), ("+1.0", "right"), ("1,0", "right"),
                           ("−1", "wrong"), ("1e0", "right"), ("one", "wrong"), ("", "unanswered")]:
        tab.fill("#in-primal-v_-1", typed)
        tab.focus("#in-primal-v_0")
        assert tab.evaluate(ROWS)["primal:v_-1"][0] == verdict, typed
    tab.fill("#in-primal-v_-1", "1/2")
    tab.focus("#in-primal-v_0")
    assert tab.text_content("#hint-primal-v_-1") == "write a number, such as 0.693 or -1.5"


def fits(tab) -> list[str]:
    """What does not fit at 1024×768: sideways scrolling, cut-off cells, small type."""
    return tab.evaluate("""() => {
      const bad = [];
      const d = document.documentElement;
      if (d.scrollWidth > window.innerWidth) bad.push(`page ${d.scrollWidth} wide`);
      const texts = "h1, #summary, #function, #task, caption, th, td, input, button, #legend, #next";
      for (const e of document.querySelectorAll(texts)) {
        if (e.closest("[hidden]")) continue;
        const r = e.getBoundingClientRect(), s = getComputedStyle(e);
        if (r.right > window.innerWidth + 0.5) bad.push(`${e.tagName} ${e.id} ends at ${r.right}`);
        if (e.scrollWidth > e.clientWidth + 1 && e.tagName !== "TD")
          bad.push(`${e.tagName} ${e.id || e.textContent.slice(0, 20)} clipped`);
        if (parseFloat(s.fontSize) < 14) bad.push(`${e.tagName} ${e.id} ${s.fontSize}`);
      }
      for (const input of document.querySelectorAll("input[data-cell]"))
        if (input.scrollWidth > input.clientWidth) bad.push(`${input.id} text clipped`);
      const svg = document.querySelector("#graph svg");
      const scale = svg.querySelector("g.graph").getScreenCTM().a;
      for (const t of svg.querySelectorAll("text"))
        if (parseFloat(t.getAttribute("font-size")) * scale < 13.99) bad.push(`graph text ${scale}`);
      return [...new Set(bad)];
    }""")


@pytest.mark.parametrize("level, seed, mode", [(3, 0, "reverse"), (3, 9, "forward"),
                                               (3, 12, "reverse"), (2, 5, "forward")])
def test_nothing_is_clipped_at_1024x768_even_with_every_hint_shown(tab, tmp_path, level,
                                                                    seed, mode):
    ex = exercise(level, seed, mode)
    open_page(tab, tmp_path, ex)
    assert fits(tab) == []
    engine = engine_answers(ex)
    cells = {c["key"]: c for c in ex.rules}
    # every cell wrong in the way with the longest hint, the largest numbers students type
    flat = {}
    for cell in ex.rules:
        options = [c for c in candidates(cell, flat, cells) if math.isfinite(c.number)
                   and c.number != engine[cell["key"]]]
        longest = max(options, key=lambda c: len(c.hint), default=None)
        flat[cell["key"]] = -123.456 if longest is None else float(f"{longest.number:.6g}")
    verdicts = page_verdicts(tab, flat)
    assert sum(v[3] != "" for v in verdicts.values()) > len(ex.rules) // 2
    assert fits(tab) == []
    tab.screenshot(path=tmp_path / f"hints-{level}-{seed}-{mode}.png", full_page=True)


def test_the_served_page_works_under_its_policy(tab):
    with running_server() as (url, _):
        tab.goto(url + "practice?level=2&mode=reverse&seed=3")
        ex = exercise(2, 3, "reverse")
        type_answers(tab, ex, engine_answers(ex))
        assert tab.text_content("#summary") == f"All {len(ex.rules)} cells right."
        tab.click("#new")
        assert "seed 4" in tab.text_content("h1")
        assert tab.problems == []
