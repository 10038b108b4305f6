"""The figures command: every figure renders, reproducibly, atomically, with a manifest."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ad_tutorial import atomic, trace
from ad_tutorial.cli import main
from ad_tutorial.descent import (CONVEX, CONVEX_DOMAIN, MINIMISERS, NONCONVEX, NONCONVEX_DOMAIN,
                                  grid_minimum)
from ad_tutorial.figures import (MANIFEST, NONCONVEX_STARTS, REGISTRY, STEPS, Progress, _jobs,
                                 draw, figures_command, render, render_all, select, versions)
from ad_tutorial.graphs import MAX_NODES, GraphTooLarge
from ad_tutorial.rendering import GIF_DPI, MPL_RC, changes, colours, paletted

from .test_descent import long_run_ends

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "figures"


def run(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ad_tutorial", *argv], capture_output=True,
                          text=True, timeout=300, cwd=ROOT, env=env)


@pytest.fixture(scope="module")
def rendering(tmp_path_factory) -> tuple[Path, str]:
    """Every registered figure in every format, rendered once for this module by parallel
    workers: the folder, and the progress written meanwhile."""
    out = tmp_path_factory.mktemp("figures")
    progress = io.StringIO()
    render_all(out, ("svg", "png", "pdf"), progress=progress, workers=2)
    return out, progress.getvalue()


@pytest.fixture(scope="module")
def rendered(rendering) -> Path:
    return rendering[0]


@pytest.mark.slow
def test_every_figure_renders_and_parses(rendered):
    for figure in REGISTRY.values():
        for fmt in figure.formats(("svg", "png", "pdf")):
            data = (rendered / f"{figure.name}.{fmt}").read_bytes()
            if fmt == "svg":
                assert ET.fromstring(data).tag.endswith("svg")
            elif fmt == "pdf":
                assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
            elif fmt == "html":      # the explorer page, with its inline graphs and numbers
                page = data.decode()
                assert page.lower().startswith("<!doctype html")
                assert page.count("http://www.w3.org/2000/svg") == 2     # two inline graphs
                assert all(n in page for n in ("11.652", "5.5", "1.716"))
            else:
                image = Image.open(io.BytesIO(data))
                image.verify()
                assert image.format == fmt.upper() and image.size[0] >= 300
    gif = Image.open(rendered / "nonconvex-animation.gif")
    assert gif.n_frames > 30


@pytest.mark.slow
def test_graph_svgs_show_the_tutorials_numbers_and_torchs_nodes(rendered):
    def text(name: str) -> str:
        return (rendered / f"{name}.svg").read_text(encoding="utf-8")

    # 11.652 is y, 5.5 = ∂y/∂x1 and 1.716 = ∂y/∂x2 (checked against torch in test_graphs)
    assert "11.652" in text("forward-graph-annotated") and "5.5" in text("forward-graph-annotated")
    assert all(n in text("adjoint-graph-annotated") for n in ("11.652", "5.5", "1.716", "0.284"))
    for name in ("LogBackward0", "MulBackward0", "SinBackward0", "SubBackward0"):
        assert name in text("trace-vs-torch")
    assert "PowBackward0" in text("torchviz-scalar") and "(3, 4, 4)" in text("torchviz-tensor")


@pytest.mark.slow
def test_manifest_lists_every_file_with_caption_hash_and_versions(rendered):
    files = json.loads((rendered / MANIFEST).read_text(encoding="utf-8"))["files"]
    on_disk = {p.name for p in rendered.iterdir() if p.name != MANIFEST}
    assert set(files) == on_disk
    for name, entry in files.items():
        assert entry["caption"] == REGISTRY[entry["figure"]].caption
        assert entry["sha256"] == hashlib.sha256((rendered / name).read_bytes()).hexdigest()
        assert set(entry["versions"]) >= {"torch", "matplotlib", "graphviz", "dot"}


@pytest.mark.slow
def test_a_second_render_is_byte_identical(rendered, tmp_path):
    names = ["adjoint-graph-annotated", "trace-vs-torch", "nonconvex-all-starts",
             "nonconvex-animation"]
    render_all(tmp_path, ("svg", "png", "pdf"), names)
    for path in tmp_path.iterdir():
        if path.name != MANIFEST:
            assert path.read_bytes() == (rendered / path.name).read_bytes(), path.name


def test_the_committed_manifest_describes_every_figure_as_registered():
    files = json.loads((COMMITTED / MANIFEST).read_text(encoding="utf-8"))["files"]
    expected = {f"{f.name}.{fmt}" for f in REGISTRY.values() for fmt in f.formats(("svg", "png"))}
    assert expected <= set(files), "figures/ lacks some figures: run `make figures`"
    for name, entry in files.items():
        figure = REGISTRY[entry["figure"]]
        described = (entry["caption"], entry.get("font"), entry.get("depends_on_torch"))
        assert described == (figure.caption, figure.font, figure.needs_torch), \
            f"figures/{name} is out of date: run `make figures`"


@pytest.mark.slow
def test_committed_figures_match_a_fresh_render(rendered):
    """figures/ is up to date: each committed file (every SVG among them) is what a fresh
    render into a temporary folder gives, wherever the installed versions are the ones the
    manifest records (bytes depend on the versions, never on the machine's fonts)."""
    files = json.loads((COMMITTED / MANIFEST).read_text(encoding="utf-8"))["files"]
    installed = versions()
    same = [name for name, entry in files.items() if entry["versions"] == installed]
    if not same:
        pytest.skip(f"figures/ was made with other versions than {installed}")
    assert {name for name in same if name.endswith(".svg")} == {
        f"{f.name}.svg" for f in REGISTRY.values() if "svg" in f.formats(["svg"])}
    for name in same:
        fresh = (rendered / name).read_bytes()
        assert (COMMITTED / name).read_bytes() == fresh, \
            f"figures/{name} differs from a fresh render: run `make figures`"
        assert hashlib.sha256(fresh).hexdigest() == files[name]["sha256"], name


def _fontconfig_offering(tmp_path: Path, font: str) -> Path:
    """A fontconfig file offering one of matplotlib's font files: another machine's fonts."""
    from ad_tutorial.rendering import matplotlib_fonts

    config = tmp_path / "fonts.conf"
    config.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig><dir>{matplotlib_fonts()}</dir><selectfont>
<rejectfont><glob>{matplotlib_fonts()}/*</glob></rejectfont>
<acceptfont><glob>{matplotlib_fonts()}/{font}</glob></acceptfont>
</selectfont></fontconfig>
""", encoding="utf-8")
    return config


GRAPHS = [name for name, figure in REGISTRY.items() if figure.kind == "graph"]


@pytest.mark.slow
@pytest.mark.parametrize("name", GRAPHS)
def test_graphs_do_not_depend_on_the_fonts_installed(name, tmp_path, monkeypatch):
    # The same graph on a machine whose fontconfig offers other fonts (here a serif and a
    # symbol font) comes out byte for byte the same, in every format.
    here = render(REGISTRY[name], ["svg", "png", "pdf"])
    for font in ("DejaVuSerif.ttf", "STIXGeneral.ttf"):
        monkeypatch.setenv("FONTCONFIG_FILE", str(_fontconfig_offering(tmp_path, font)))
        assert render(REGISTRY[name], ["svg", "png", "pdf"]) == here, font


@pytest.mark.parametrize("name", GRAPHS)
def test_every_graph_is_drawn_in_the_font_the_manifest_names(name):
    from ad_tutorial.rendering import FONT, FONT_FILE, matplotlib_fonts

    svg = render(REGISTRY[name], ["svg"])["svg"].decode()
    assert set(re.findall(r'font-family="([^"]*)"', svg)) == {FONT}
    assert REGISTRY[name].font == FONT_FILE
    assert (matplotlib_fonts() / Path(FONT_FILE).name).is_file()
    assert FONT_FILE.startswith("matplotlib/") and (
        matplotlib_fonts() / Path(FONT_FILE).name).resolve().as_posix().endswith(FONT_FILE)


def test_dot_is_offered_only_the_named_font():
    """fc-match, asked under dot's fontconfig for the font the graphs name or any other,
    answers DejaVuSans.ttf from matplotlib."""
    from ad_tutorial import rendering

    if shutil.which("fc-match") is None:
        pytest.skip("fontconfig's fc-match is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp, "fonts.conf")
        config.write_text(rendering._FONTCONFIG.format(fonts=rendering.matplotlib_fonts()))
        for family in (rendering.FONT, "Helvetica", "Times-Roman", "monospace", "serif"):
            answer = subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True,
                                    text=True, env={**os.environ, "FONTCONFIG_FILE": str(config)})
            assert answer.stdout.endswith(rendering.FONT_FILE), family


def test_plots_are_drawn_in_the_font_the_manifest_names():
    from matplotlib.font_manager import findfont
    from matplotlib.text import Text

    from ad_tutorial.rendering import FONT_FILE

    for name, figure in REGISTRY.items():
        if figure.kind in ("plot", "animation"):
            fig = _matplotlib_figure(figure)
            for text in fig.findobj(Text):
                if text.get_text():
                    path = Path(findfont(text.get_fontproperties())).resolve().as_posix()
                    assert path.endswith(FONT_FILE) and figure.font == FONT_FILE, (name, text)


def test_the_manifest_says_which_figures_depend_on_torch(tmp_path):
    # torch's graphs show grad_fn nodes, whose names come from torch: those depend on its
    # version. The other figures never import torch (test_only_the_figures_marked_so_import_torch).
    render_all(tmp_path, ["svg"], GRAPHS + ["convex-from-0"], workers=1)
    files = json.loads((tmp_path / MANIFEST).read_text(encoding="utf-8"))["files"]
    for name, entry in files.items():
        shows_torch = "Backward0" in (tmp_path / name).read_text(encoding="utf-8")
        assert entry["depends_on_torch"] is shows_torch, name
    assert sum(entry["depends_on_torch"] for entry in files.values()) == 3


@pytest.mark.slow
def test_workers_write_what_one_process_writes_in_registry_order(rendering, tmp_path):
    parallel, progress = rendering
    # the slow figures are rendered first, yet reported in registry order
    assert [line.split()[-1] for line in progress.splitlines()] == list(REGISTRY)
    names = ["forward-graph", "torchviz-scalar", "convex-from-0", "nonconvex-animation",
             "explorer"]
    render_all(tmp_path, ("svg", "png", "pdf"), names, workers=1)
    alone = json.loads((tmp_path / MANIFEST).read_text(encoding="utf-8"))["files"]
    together = json.loads((parallel / MANIFEST).read_text(encoding="utf-8"))["files"]
    assert len(alone) == 11 and all(together[name] == entry for name, entry in alone.items())
    for name in alone:
        assert (tmp_path / name).read_bytes() == (parallel / name).read_bytes(), name


def test_jobs_keep_torch_in_one_worker_and_start_with_the_slow_figures():
    figures = select(None)
    jobs = _jobs(figures)
    assert sorted(f.name for job in jobs for f in job) == sorted(REGISTRY)     # each once
    assert [f.name for f in jobs[0] + jobs[1]] == ["nonconvex-animation", "jacobian-cost"]
    torch_jobs = [job for job in jobs if any(f.needs_torch for f in job)]
    assert len(torch_jobs) == 1
    assert [f.name for f in torch_jobs[0]] == ["trace-vs-torch", "torchviz-scalar",
                                               "torchviz-tensor", "network-loss"]


@pytest.mark.slow
def test_only_the_figures_marked_so_import_torch():
    code = ("import sys\n"
            "from ad_tutorial.figures import REGISTRY, render\n"
            "for figure in REGISTRY.values():\n"
            "    if not figure.needs_torch:\n"
            "        render(figure, ['svg'])\n"
            "        assert 'torch' not in sys.modules, figure.name\n"
            "print('torch' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def _gif_frames(data: bytes) -> list[np.ndarray]:
    gif = Image.open(io.BytesIO(data))
    frames = []
    for k in range(gif.n_frames):
        gif.seek(k)
        frames.append(np.asarray(gif.convert("RGB"), dtype=int))
    return frames


@pytest.mark.slow
def test_blitted_frames_look_like_fully_redrawn_ones(tmp_path):
    from matplotlib.animation import PillowWriter

    from ad_tutorial.figures import _descend, _problem
    from ad_tutorial.rendering import render_animation
    from ad_tutorial.plots import animate_descent

    objective, domain = _problem(convex=False)

    def animation():
        return animate_descent(_descend(objective, -3.5, 0.05), objective, domain, 0.05,
                               view=(-4.0, -2.0), frames=6)

    blitted = _gif_frames(render_animation(animation()))
    animation().save(tmp_path / "full.gif", writer=PillowWriter(fps=8), dpi=GIF_DPI)
    redrawn = _gif_frames((tmp_path / "full.gif").read_bytes())
    assert len(blitted) == len(redrawn) == 6
    assert any((a != b).any() for a, b in zip(blitted, blitted[1:]))      # it does move
    scale = (GIF_DPI / 80) ** 2                 # pixels per pixel of an 80-dpi frame
    for a, b in zip(blitted, redrawn):
        # the same picture, up to the colours of each GIF's palette and a few pixels where
        # a moving line crosses an axis line (a missing legend entry alone is ~150 pixels
        # at 80 dpi)
        assert (np.abs(a - b).max(axis=2) > 64).sum() < 30 * scale
        assert np.abs(a - b).mean() < 0.1


def test_paletted_frames_share_one_palette_and_keep_exact_colours():
    shades = [(255, 255, 255), (252, 252, 252), (250, 250, 250), (214, 39, 40), (0, 0, 0)]
    frames = []
    for k in range(3):
        pixels = np.full((20, 30, 3), 255, dtype=np.uint8)
        for i, colour in enumerate(shades[1:]):
            pixels[4 * i:4 * i + 4, 5 * k:5 * k + 10] = colour       # they move
        frames.append(Image.fromarray(pixels))
    rgba = [np.dstack([np.asarray(frame), np.full((20, 30), 255, np.uint8)]) for frame in frames]
    first, *_ = pictures = [colours(picture) for picture in rgba]
    assert first[0, 20] == 255 + 255 * 2**8 + 255 * 2**16          # r + 2⁸g + 2¹⁶b
    assert first[8, 0] == 214 + 39 * 2**8 + 40 * 2**16
    paletted_frames = paletted(first, [changes(first, picture) for picture in pictures])
    assert {im.mode for im in paletted_frames} == {"P"}
    assert len({bytes(im.getpalette()) for im in paletted_frames}) == 1
    for before, after in zip(frames, paletted_frames):
        assert (np.asarray(after.convert("RGB")) == np.asarray(before)).all()


def test_svg_has_no_dates_or_random_ids():
    svg = render(REGISTRY["convex-objective"], ["svg"])["svg"].decode()
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg
    assert svg == render(REGISTRY["convex-objective"], ["svg"])["svg"].decode()


def test_pdf_of_a_graph_is_dated_1970():
    pdf = render(REGISTRY["forward-graph"], ["pdf"])["pdf"]
    assert b"/CreationDate (D:19700101000000" in pdf


def test_list_names_every_figure(capsys):
    assert main(["figures", "--list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in out] == list(REGISTRY)


def test_only_renders_the_named_figures_with_a_progress_bar(tmp_path, capsys):
    out = tmp_path / "new" / "dir"
    assert main(["figures", "--out", str(out), "--only", "convex-objective", "forward-graph",
                 "--format", "svg"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        MANIFEST, "convex-objective.svg", "forward-graph.svg"]
    err = capsys.readouterr().err
    assert "1/2 forward-graph" in err and "2/2 convex-objective" in err


def test_a_partial_run_keeps_the_rest_of_the_manifest(tmp_path):
    render_all(tmp_path, ["svg"], ["forward-graph"])
    render_all(tmp_path, ["svg"], ["adjoint-graph"])
    files = json.loads((tmp_path / MANIFEST).read_text(encoding="utf-8"))["files"]
    assert set(files) == {"forward-graph.svg", "adjoint-graph.svg"}


@pytest.mark.parametrize("argv, message", [
    (["--only", "no-such-figure"], "unknown figure 'no-such-figure'"),
    (["--format", "svg,bmp"], "unknown format 'bmp'"),
])
def test_bad_requests_are_one_line_and_exit_2(tmp_path, capsys, argv, message):
    assert main(["figures", "--out", str(tmp_path / "out"), *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not (tmp_path / "out").exists()


def test_an_unwritable_out_is_one_line_and_exit_2(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert main(["figures", "--out", str(blocker / "figures"), "--only", "forward-graph"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot create the folder" in err[0]


def test_without_dot_plots_are_made_graphs_kept_as_sources_and_exit_2(tmp_path):
    no_dot = tmp_path / "bin"                       # a PATH on which `dot` cannot be found
    no_dot.mkdir()
    out = tmp_path / "out"
    result = run("figures", "--out", str(out), "--only", "forward-graph", "convex-objective",
                 env={**os.environ, "PATH": str(no_dot)})
    assert result.returncode == 2
    assert "sudo apt-get install graphviz" in result.stderr
    assert "Traceback" not in result.stderr
    written = sorted(p.name for p in out.iterdir())
    assert written == [MANIFEST, "convex-objective.png", "convex-objective.svg",
                       "forward-graph.gv"]
    assert (out / "forward-graph.gv").read_text().startswith("digraph ComputationGraph {")


def test_progress_without_a_terminal_writes_one_line_per_step():
    stream = io.StringIO()
    bar = Progress(4, stream, width=8)
    for name in "abcd":
        bar.step(name)
    assert stream.getvalue().splitlines() == ["[##......] 1/4 a", "[####....] 2/4 b",
                                              "[######..] 3/4 c", "[########] 4/4 d"]


def test_atomic_write_leaves_the_old_file_when_interrupted(tmp_path, monkeypatch):
    target = tmp_path / "figure.svg"
    atomic.write_text(target, "old")

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_bytes(target, b"new and longer")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["figure.svg"]       # no temporary left


def test_atomic_write_keeps_the_files_mode(tmp_path):
    target = tmp_path / "x.txt"
    atomic.write_text(target, "a")
    assert target.stat().st_mode & 0o777 == 0o644
    target.chmod(0o600)
    atomic.write_text(target, "b")
    assert target.read_text() == "b" and target.stat().st_mode & 0o777 == 0o600


def test_figures_command_reports_an_unwritable_out_like_the_cli(tmp_path):
    err = io.StringIO()
    blocker = tmp_path / "f"
    blocker.write_text("")
    assert figures_command(str(blocker), "svg", ["forward-graph"], False, stderr=err) == 2
    assert err.getvalue().count("\n") == 1


# --- ad-tutorial graph --------------------------------------------------------------------

SEED = "ln(x1) + x1*x2 - sin(x2)"


@pytest.mark.parametrize("suffix, magic", [("svg", b"<?xml"), ("png", b"\x89PNG"),
                                           ("pdf", b"%PDF"), ("gv", b"digraph")])
def test_graph_format_follows_the_suffix(tmp_path, suffix, magic):
    out = tmp_path / f"g.{suffix}"
    assert main(["graph", SEED, "--at", "x1=2", "x2=5", "--annotate", "-o", str(out)]) == 0
    assert out.read_bytes().startswith(magic)


@pytest.mark.parametrize("kind, annotate, expected", [
    ("forward", [], "rankdir=LR"),
    ("adjoint", ["--annotate"], "1.716"),
    ("torch", [], "SubBackward0"),
    ("torch", ["--annotate"], "SubBackward0<br/>= v<sub>5</sub>"),
])
def test_graph_kinds(tmp_path, kind, annotate, expected):
    out = tmp_path / "g.gv"
    assert main(["graph", SEED, "--at", "x1=2", "x2=5", "--kind", kind, *annotate,
                 "-o", str(out)]) == 0
    assert expected in out.read_text(encoding="utf-8")


def test_graph_seed_sets_the_tangent_direction(tmp_path):
    out = tmp_path / "g.gv"
    assert main(["graph", SEED, "--at", "x1=2", "x2=5", "--seed", "x2=1", "-o", str(out)]) == 0
    assert "ẏ = 1.716" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("argv, message", [
    (["x**2", "--at", "x=3", "-o", "g.txt"], "cannot tell the format"),
    (["x**2 +", "--at", "x=3", "-o", "g.svg"], "syntax error"),
    (["x**2", "--at", "y=3", "-o", "g.svg"], "y does not appear"),
    (["x**2", "--at", "x=3", "-o", "/proc/no/such/dir/g.svg"], "cannot write"),
])
def test_graph_errors_are_one_line_and_exit_2(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(["graph", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_graph_without_dot_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("ad_tutorial.figures.dot_available", lambda: False)
    assert main(["graph", "x**2", "--at", "x=3", "-o", str(tmp_path / "g.svg")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "sudo apt-get install graphviz" in err[0]
    assert main(["graph", "x**2", "--at", "x=3", "-o", str(tmp_path / "g.gv")]) == 0


# --- the size of a graph, and dot's time ---------------------------------------------------

BIG = "+".join(f"sin(x*{k})" for k in range(1, 301))      # a 300-term sum: 900 nodes
DRAWINGS = [["graph", BIG, "--at", "x=1", "--kind", kind, *annotate, "-o", "g.svg"]
            for kind in ("forward", "adjoint", "torch") for annotate in ([], ["--annotate"])]
DRAWINGS.append(["explore", BIG, "--at", "x=1", "-o", "page.html"])


def fake_dot(folder: Path, script: str) -> Path:
    """A folder holding a `dot` that runs `script` (put it first on PATH)."""
    folder.mkdir()
    (folder / "dot").write_text(f"#!/bin/sh\n{script}\n")
    (folder / "dot").chmod(0o755)
    return folder


@pytest.mark.parametrize("argv", DRAWINGS, ids=lambda a: " ".join(a[:1] + a[4:-2]))
def test_a_graph_above_the_node_limit_is_refused_at_once(tmp_path, monkeypatch, capsys, argv):
    started = tmp_path / "dot-started"
    bin_ = fake_dot(tmp_path / "bin", f"touch {started}; exit 1")
    monkeypatch.setenv("PATH", f"{bin_}{os.pathsep}{os.environ['PATH']}")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    t0 = time.monotonic()
    assert main(argv) == 2
    assert time.monotonic() - t0 < 5
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"900 nodes, more than the limit of {MAX_NODES}" in err and "--max-nodes 900" in err
    assert not started.exists() and not list(work.iterdir())


@pytest.mark.parametrize("command", [["graph", "-o", "g.gv"], ["explore", "-o", "p.html"]],
                         ids=lambda c: c[0])
def test_the_node_limit_counts_every_node_and_max_nodes_raises_it(tmp_path, monkeypatch,
                                                                  capsys, command):
    monkeypatch.chdir(tmp_path)
    n = MAX_NODES
    at_most, one_more = "sin(" * (n - 1) + "x" + ")" * (n - 1), "sin(" * n + "x" + ")" * n
    assert len(trace(at_most, x=1.0)) == n and len(trace(one_more, x=1.0)) == n + 1
    assert main([command[0], at_most, "--at", "x=1", *command[1:]]) == 0
    assert main([command[0], one_more, "--at", "x=1", *command[1:]]) == 2
    assert f"--max-nodes {n + 1}" in capsys.readouterr().err
    assert main([command[0], one_more, "--at", "x=1", "--max-nodes", str(n + 1),
                 *command[1:]]) == 0


@pytest.mark.parametrize("kind", ["forward", "adjoint", "torch"])
def test_the_registrys_drawing_path_has_the_node_limit(kind):
    with pytest.raises(GraphTooLarge, match="900 nodes"):
        draw(trace(BIG, x=1.0), kind, annotate=True)


@pytest.mark.parametrize("argv", [
    ["graph", BIG, "--at", "x=1", "--kind", "adjoint", "--annotate", "-o", "g.svg"],
    ["explore", BIG, "--at", "x=1", "-o", "page.html"],
], ids=["graph", "explore"])
def test_dot_is_stopped_after_the_timeout_in_one_line(tmp_path, monkeypatch, capsys, argv):
    monkeypatch.chdir(tmp_path)
    t0 = time.monotonic()
    assert main([*argv, "--max-nodes", "1000", "--timeout", "0.3"]) == 2
    assert time.monotonic() - t0 < 20
    err = capsys.readouterr().err
    assert "dot had not laid out the graph after 0.3 s, so it was stopped" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not list(tmp_path.iterdir())


def test_a_failing_dot_is_one_line(tmp_path, monkeypatch, capsys):
    bin_ = fake_dot(tmp_path / "bin", "echo 'Error: syntax error in line 1' >&2; exit 1")
    monkeypatch.setenv("PATH", str(bin_))
    assert main(["graph", "x*x", "--at", "x=1", "-o", str(tmp_path / "g.svg")]) == 2
    err = capsys.readouterr().err
    assert err == "ad-tutorial graph: dot failed (exit status 1): Error: syntax error in line 1\n"


# --- the manifest: replaced when it is not one, merged under a lock --------------------------

NOT_MANIFESTS = [b'{"files": [1, 2]}', b'"abc"', b"null", b"not json", b"[]", b"{}",
                 b'{"files": {"old.svg": 1}}', b'{"files": {"old.svg": "x"}}', b"\xff\xfe",
                 b"[" * 100_000, b""]


@pytest.mark.parametrize("content", NOT_MANIFESTS, ids=lambda c: repr(c[:20]))
def test_a_manifest_that_is_not_one_is_replaced_and_said_so(tmp_path, capsys, content):
    (tmp_path / MANIFEST).write_bytes(content)
    assert main(["figures", "--out", str(tmp_path), "--only", "forward-graph",
                 "--format", "svg"]) == 0
    err = [line for line in capsys.readouterr().err.splitlines() if not line.startswith("[")]
    assert len(err) == 2 and err[0].startswith(f"ad-tutorial figures: {tmp_path / MANIFEST} "
                                               "was not a manifest (it is not ")
    assert err[0].endswith("), so a fresh one was written") and err[1].startswith("wrote 1 file")
    files = json.loads((tmp_path / MANIFEST).read_text(encoding="utf-8"))["files"]
    assert list(files) == ["forward-graph.svg"]
    assert files["forward-graph.svg"]["sha256"] == hashlib.sha256(
        (tmp_path / "forward-graph.svg").read_bytes()).hexdigest()


def test_a_valid_manifest_is_not_reported(tmp_path, capsys):
    render_all(tmp_path, ["svg"], ["forward-graph"])
    assert main(["figures", "--out", str(tmp_path), "--only", "adjoint-graph",
                 "--format", "svg"]) == 0
    assert "manifest" not in capsys.readouterr().err.split("wrote")[0]


@pytest.mark.slow
def test_runs_at_once_into_one_folder_lose_no_manifest_entry(tmp_path):
    """Four `figures --out D --only …` at once: each file they wrote is in the manifest."""
    quick = [f.name for f in REGISTRY.values() if not f.needs_torch and not f.slow]
    groups = [quick[k::4] for k in range(4)]
    assert sum(map(len, groups)) >= 16
    runs = [subprocess.Popen([sys.executable, "-m", "ad_tutorial", "figures", "--out",
                              str(tmp_path), "--format", "svg", "--only", *group],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for group in groups]
    for run_ in runs:
        assert run_.wait(timeout=300) == 0, run_.stderr.read()
        run_.stderr.close()
    files = json.loads((tmp_path / MANIFEST).read_text(encoding="utf-8"))["files"]
    on_disk = {p.name for p in tmp_path.iterdir() if p.name != MANIFEST}
    assert set(files) == on_disk and len(on_disk) == len(quick)
    for name, entry in files.items():
        assert entry["sha256"] == hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()


# --- the plots: minima, captions, colours, sizes ----------------------------------------

PLOTS = [name for name, figure in REGISTRY.items() if figure.kind in ("plot", "animation")]
DESCENT_PLOTS = [name for name in PLOTS if name.startswith(("convex", "nonconvex"))]


def _matplotlib_figure(figure):
    """The matplotlib Figure that a plot, or an animation's frames, are drawn from."""
    import matplotlib

    with matplotlib.rc_context(MPL_RC):
        made = figure.make()
    if figure.kind == "animation":
        made._draw_was_started = True       # not rendered here, on purpose: no warning
        return made._fig
    return made


def _objective(name: str) -> tuple[str, tuple[float, float]]:
    return (CONVEX, CONVEX_DOMAIN) if name.startswith("convex") else (NONCONVEX, NONCONVEX_DOMAIN)


def _legend(fig) -> dict[str, object]:
    """The figure's legend: label → the artist it stands for."""
    legend = fig.axes[0].get_legend()
    return {text.get_text(): handle for text, handle in zip(legend.get_texts(),
                                                            legend.legend_handles)}


def _lines(fig) -> dict[str, object]:
    """The plotted lines by label."""
    return {line.get_label(): line for line in fig.axes[0].get_lines()}


def _numbers(text: str) -> set[float]:
    """The numbers written in a text, minus signs of either kind (x1 or x₀ are names)."""
    text = text.replace("\u2212", "-")
    return {float(n) for n in re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])", text)}


@pytest.mark.parametrize("name", DESCENT_PLOTS)
def test_plots_mark_the_exact_minimiser_and_name_a_grid_minimum_so(name):
    objective, domain = _objective(name)
    lines = _lines(_matplotlib_figure(REGISTRY[name]))
    exact = [line for label, line in lines.items() if label.startswith("global minimum x = ")]
    grid = [line for label, line in lines.items() if label.startswith("grid minimum x = ")]
    assert not [label for label in lines if "true" in label.lower()]
    if name == "nonconvex-animation":       # zoomed in on [−4, −2]: the minimum is not in view
        assert not exact and not grid
        return
    (line,) = exact
    assert list(line.get_xdata()) == [MINIMISERS[objective]] * 2
    assert lines[line.get_label()].get_label() == f"global minimum x = {MINIMISERS[objective]:g}"
    if name.endswith("objective"):          # the tutorial's "true minimum", called what it is
        (line,) = grid
        assert list(line.get_xdata()) == [grid_minimum(objective, domain)] * 2
    else:
        assert not grid


@pytest.mark.parametrize("name", PLOTS)
def test_captions_state_the_plotted_numbers(name):
    figure = REGISTRY[name]
    fig = _matplotlib_figure(figure)
    shown = " ".join([ax.get_title() for ax in fig.axes] + [
        t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()])
    assert _numbers(figure.caption) <= _numbers(shown), (figure.caption, shown)
    assert ("still moving" in figure.caption) == ("still moving" in shown), name


@pytest.mark.parametrize("name", [n for n in DESCENT_PLOTS if "-from-" in n])
def test_the_last_iterate_is_labelled_with_its_step_and_value(name):
    fig = _matplotlib_figure(REGISTRY[name])
    (label,) = [label for label in _lines(fig) if label.startswith("x₁₅₀ = ")]
    assert float(label.split(" = ")[1].split(",")[0].replace("\u2212", "-")) == pytest.approx(
        _lines(fig)[label].get_xdata()[0], abs=5e-4)


def _long_run_end(objective: str, x: float) -> float:
    """Where gradient descent from x ends up with small steps."""
    return long_run_ends(objective, [x])[0]


def test_runs_that_have_not_converged_are_marked_still_moving():
    """The all-starts picture: a star only where x₁₅₀ is where the run ends up (within 0.05,
    half a percent of the plot), an arrow and "still moving" elsewhere: from −1 and −0.5."""
    fig = _matplotlib_figure(REGISTRY["nonconvex-all-starts"])
    lines = list(fig.axes[0].get_lines())
    marked = {}
    for x0 in NONCONVEX_STARTS:
        (path,) = [line for line in lines
                   if line.get_label().startswith(f"x₀ = {x0:g} →".replace("-", "\u2212"))]
        end = [line for line in lines
               if line.get_label().startswith("_") and len(line.get_xdata()) == 1
               and line.get_color() == path.get_color() and line.get_marker() != "o"]
        (marker,) = end
        x_end = path.get_xdata()[-1]
        assert marker.get_xdata()[0] == x_end and len(path.get_xdata()) == STEPS + 1
        settled = bool(abs(x_end - _long_run_end(NONCONVEX, x_end)) < 0.05)
        assert (marker.get_marker() == "*") is settled, x0
        assert ("still moving" in path.get_label()) is (not settled), x0
        marked[x0] = not settled
    assert marked == {-3.5: False, -2.5: False, -2.0: False, -1.0: True, -0.5: True}
    assert {"x₁₅₀: settled", "x₁₅₀: still moving"} <= set(_legend(fig))


@pytest.mark.parametrize("name", [n for n in DESCENT_PLOTS if "-from-" in n])
def test_single_runs_say_still_moving_exactly_when_they_have_not_converged(name):
    objective, _ = _objective(name)
    fig = _matplotlib_figure(REGISTRY[name])
    (label,) = [label for label in _lines(fig) if label.startswith("x₁₅₀ = ")]
    x_end = _lines(fig)[label].get_xdata()[0]
    converged = bool(abs(x_end - _long_run_end(objective, x_end)) < 0.05)
    assert ("still moving" in label) is (not converged)


def _contrast_with_white(rgba) -> float:
    """WCAG's contrast ratio of a colour (blended over white by its alpha) with white."""
    r, g, b, a = rgba
    channels = [a * c + (1 - a) for c in (r, g, b)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


@pytest.mark.parametrize("name", PLOTS)
def test_every_line_colour_stands_out_against_white(name):
    from matplotlib.colors import to_rgba

    fig = _matplotlib_figure(REGISTRY[name])
    for ax in fig.axes:
        handles = ax.get_legend().legend_handles if ax.get_legend() else []
        for line in [*ax.get_lines(), *handles]:
            alpha = line.get_alpha() if line.get_alpha() is not None else 1.0
            for colour in (line.get_color(), line.get_markeredgecolor()):
                rgba = to_rgba(colour)
                contrast = _contrast_with_white((*rgba[:3], rgba[3] * alpha))
                assert contrast >= 3.0, (name, line.get_label(), colour, round(contrast, 2))


@pytest.mark.slow
def test_the_animation_is_readable_on_a_1920_pixel_projector(rendered):
    """Shown 1920 pixels wide, its smallest text is at least 20 pixels (em) high, drawn at
    that size rather than scaled up."""
    from matplotlib.text import Text

    width, height = Image.open(rendered / "nonconvex-animation.gif").size
    assert width >= 1920
    fig = _matplotlib_figure(REGISTRY["nonconvex-animation"])
    assert (width, height) == tuple(round(v * GIF_DPI) for v in fig.get_size_inches())
    sizes = [t.get_fontsize() * GIF_DPI / 72 * 1920 / width
             for t in fig.findobj(Text) if t.get_text() and t.get_visible()]
    assert len(sizes) > 10 and min(sizes) >= 20
