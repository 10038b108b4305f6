"""The practice page as a file and as served at /practice: self-contained, strict about what
may run, and carrying the diagnosis data Python judges with."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import pytest

from ad_tutorial.practice import exercise
from ad_tutorial.practice.diagnosis import TOLERANCE
from ad_tutorial.practice.page import render_page, write_page
from ad_tutorial.tables import NOTATIONS

from .test_server import Client
from ad_tutorial.explorer import server


def embedded(page: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="exercise">(.*?)</script>',
                                page, flags=re.S)[1])


def digest(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@pytest.mark.parametrize("level, mode", [(1, "forward"), (2, "reverse"), (3, "forward"),
                                         (3, "reverse")])
def test_the_page_carries_the_rules_python_judges_with(tmp_path, level, mode):
    ex = exercise(level, 11, mode)
    page = write_page(tmp_path / "p.html", ex).read_text()
    data = embedded(page)
    assert data["cells"] == json.loads(json.dumps(ex.rules))
    assert data["tolerance"] == TOLERANCE
    assert data["graph"] == ("f" if mode == "forward" else "a")
    assert page.count("<input ") == len(ex.rules) == len(data["shown"])
    for cell in ex.rules:                       # one box, one hint row, one button per cell
        ident = cell["key"].replace(":", "-")
        assert f'id="in-{ident}"' in page and f'id="hint-{ident}"' in page
    assert page.count('class="show"') == len(ex.rules)
    for name in ex.names:
        assert f'id="{data["graph"]}-n-{name}"' in page
    # each primal and derivative cell has its line on the graph, with room for its number
    expected = {c["key"]: c["expected"] for c in ex.rules}
    assert sorted(data["lines"]) == sorted(c["key"] for c in ex.rules if c["table"] != "final")
    for key, line in data["lines"].items():
        table, name = key.split(":")
        quantity = {"primal": "value"}.get(table, table)
        assert line["id"] == f'{data["graph"]}-{quantity}-{name}'
        assert re.search(f'id="{line["id"]}" class="line">.*?class="number">(0+)</text>', page,
                         flags=re.S)[1] == "0" * line["room"]
        assert line["room"] >= len(NOTATIONS["html"].number(expected[key]))   # a right answer fits
    assert f"--seed {ex.seed + 1} --format html -o p.html" in page


def test_the_page_is_self_contained_and_runs_only_its_own_code(tmp_path):
    page = write_page(tmp_path / "p.html", exercise(2, 4, "reverse")).read_text()
    assert not re.search(r"<(link|img|iframe)\b|<script[^>]*\bsrc=|@import|url\(", page)
    assert not re.search(r"https?://(?!www\.w3\.org/)", page)       # only SVG namespaces
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)[1]
    assert "default-src 'none'" in policy and "connect-src 'none'" in policy
    script = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    style = re.findall(r"<style>(.*?)</style>", page, flags=re.S)
    assert len(script) == len(style) == 1
    assert f"script-src {digest(script[0])}" in policy and f"style-src {digest(style[0])}" in policy
    markup = re.sub(r"<(style|script|svg)\b.*?</\1>", "", page, flags=re.S)
    assert not re.search(r"<[^>]*\s(style|on[a-z]+)=", markup)     # no inline style or handler


def test_the_script_data_cannot_close_its_element():
    ex = exercise(1, 2, "forward")
    page = render_page(ex, "")
    data = re.search(r'id="exercise">(.*?)</script>', page, flags=re.S)[1]
    assert "<" not in data


def test_practice_is_served_fresh_per_visit_under_a_strict_policy():
    client = Client(server.create_app(trusted_hosts=["testserver"]))
    seeds = set()
    for _ in range(3):
        r = client.get("/practice")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        policy = r.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "connect-src 'none'" in policy
        assert r.headers["x-content-type-options"] == "nosniff"
        seeds.add(re.search(r"level 1 · seed (\d+) · forward mode", r.text)[1])
    assert len(seeds) > 1                                             # a fresh exercise
    r = client.get("/practice?level=3&mode=reverse&seed=42")
    ex = exercise(3, 42, "reverse")
    assert embedded(r.text)["cells"] == json.loads(json.dumps(ex.rules))
    assert 'href="?level=3&amp;mode=reverse&amp;seed=43"' in r.text    # the next seed


@pytest.mark.parametrize("query, words", [
    ("level=4", "level must be one of 1, 2, 3"),
    ("mode=both", "mode must be forward or reverse"),
    ("seed=-1", "seed must be a whole number"),
    ("seed=1e3", "seed must be a whole number"),
    ("seed=" + "9" * 40, "seed must be a whole number"),
    ("expression=x", "unknown parameter 'expression'"),
])
def test_practice_refuses_a_bad_request_with_a_4xx_and_a_sentence(query, words):
    client = Client(server.create_app(trusted_hosts=["testserver"]))
    r = client.get(f"/practice?{query}")
    assert r.status_code == 400 and words in r.json()["error"]
    assert client.post("/practice").status_code == 405
