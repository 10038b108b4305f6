"""The figures command: every figure renders, reproducibly, atomically, with a manifest."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ad_tutorial import atomic
from ad_tutorial.cli import main
from ad_tutorial.figures import (MANIFEST, REGISTRY, Progress, _jobs, figures_command, render,
                                 render_all, select, versions)
from ad_tutorial.rendering import paletted

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


@pytest.mark.slow
def test_committed_figures_match_a_fresh_render(rendered):
    files = json.loads((COMMITTED / MANIFEST).read_text(encoding="utf-8"))["files"]
    expected = {f"{f.name}.{fmt}" for f in REGISTRY.values() for fmt in f.formats(("svg", "png"))}
    assert expected <= set(files), "figures/ lacks some figures: run `ad-tutorial figures`"
    installed = versions()
    same = [name for name, entry in files.items() if entry["versions"] == installed]
    if not same:
        pytest.skip(f"figures/ was made with other versions than {installed}")
    for name in same:
        fresh = (rendered / name).read_bytes()
        assert hashlib.sha256(fresh).hexdigest() == files[name]["sha256"], name
        assert (COMMITTED / name).read_bytes() == fresh, name


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
    animation().save(tmp_path / "full.gif", writer=PillowWriter(fps=8), dpi=80)
    redrawn = _gif_frames((tmp_path / "full.gif").read_bytes())
    assert len(blitted) == len(redrawn) == 6
    assert any((a != b).any() for a, b in zip(blitted, blitted[1:]))      # it does move
    for a, b in zip(blitted, redrawn):
        # the same picture, up to the colours of each GIF's palette and a few pixels where
        # a moving line crosses an axis line (a missing legend entry alone is ~150 pixels)
        assert (np.abs(a - b).max(axis=2) > 64).sum() < 30
        assert np.abs(a - b).mean() < 0.1


def test_paletted_frames_share_one_palette_and_keep_exact_colours():
    colours = [(255, 255, 255), (252, 252, 252), (250, 250, 250), (214, 39, 40), (0, 0, 0)]
    frames = []
    for k in range(3):
        pixels = np.full((20, 30, 3), 255, dtype=np.uint8)
        for i, colour in enumerate(colours[1:]):
            pixels[4 * i:4 * i + 4, 5 * k:5 * k + 10] = colour       # they move
        frames.append(Image.fromarray(pixels))
    paletted_frames = paletted(frames)
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
    assert len(err) == 1 and "cannot write figures to" in err[0]


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
