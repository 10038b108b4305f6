"""Every figure of the tutorial, from one registry, rendered reproducibly.

The registry maps a name to a caption and a function that makes the figure: a graphviz
graph, a matplotlib figure, or a matplotlib animation. :func:`render_all` has worker
processes render them side by side, writes each one in the requested formats, atomically,
and records every file in ``MANIFEST.json`` with its caption, sha256, the versions of
the libraries that made it, the font its text is drawn in, and whether it depends on the
version of torch.

Reproducible means byte-identical on a second run with the same versions, whatever fonts
the machine has installed: graphs (the explorer page's inline ones too), plots and the GIF
draw their text in matplotlib's own DejaVu Sans. How each kind of figure becomes such bytes
is :mod:`ad_tutorial.rendering`.

Several runs may write into one folder at once (``figures --out D --only …`` twice): each
update of the manifest reads it, merges its own files in and replaces it atomically,
holding an exclusive lock on the folder meanwhile, so no run's entries are lost.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TextIO

from .atomic import STDOUT, write_bytes, write_output, write_text
from .expression import SEED_EXAMPLE
from .rendering import (DOT_MISSING, DOT_TIMEOUT, FONT_FILE, INSTALL_GRAPHVIZ, MPL_RC, DotError,
                        dot_available, render_animation, render_graph, render_plot)
from .usage import UsageError, output_file, output_folder

FORMATS = ("svg", "png", "pdf")
DEFAULT_FORMATS = ("svg", "png")
DEFAULT_OUT = "figures"
MANIFEST = "MANIFEST.json"

WORKERS = min(os.cpu_count() or 1, 4)  # processes for render_all: one per core, up to 4


class FigureError(ValueError):
    """A request the figures command cannot carry out (unknown name, unwritable folder)."""


@dataclass(frozen=True)
class Figure:
    """One registered figure: how to make it, and what it shows."""

    name: str
    kind: str    # "graph" (graphviz), "plot" (matplotlib), "animation" (GIF), "page" (HTML)
    caption: str
    make: Callable[[], Any]
    needs_torch: bool = False    # made with torch (1.5 s to import): such figures share one
                                 # worker, and what they show depends on torch's version
    slow: bool = False           # takes about a second: handed to a worker first

    def formats(self, requested: Iterable[str]) -> list[str]:
        """The file formats this figure is written in: an animation is always a GIF, a
        page always HTML."""
        return {"animation": ["gif"], "page": ["html"]}.get(self.kind, list(requested))

    @property
    def font(self) -> str | None:
        """The font file its text is drawn with (inside the matplotlib package), or None for
        a page, whose text the browser draws."""
        return None if self.kind == "page" else FONT_FILE


# --- the registry -------------------------------------------------------------------

STEPS = 150
NONCONVEX_STARTS = (-3.5, -2.5, -2.0, -1.0, -0.5)
#: The descents are run by this package's adjoint sweep: it takes torch's steps (to 1e-12,
#: tests/test_descent.py; bit for bit on these runs), without importing torch.
DESCENT_ENGINE = "handwritten"


def _seed_trace():
    from .trace import trace

    text, at = SEED_EXAMPLE
    return trace(text, **at)


def draw(trace: Any, kind: str, annotate: bool = False,
         seed: dict[str, float] | None = None, max_nodes: int | None = None) -> Any:
    """One graph of a trace: the forward graph (annotated for the tangent along `seed`), the
    adjoint graph, or torch's graph (annotated: beside the trace, grad_fns matched to v_i).

    A trace of more than `max_nodes` nodes (default :data:`~.graphs.MAX_NODES`) is refused
    with :class:`~.graphs.GraphTooLarge`: dot could take minutes to lay it out.
    """
    from . import graphs, torch_graphs

    graphs.check_size(trace, graphs.MAX_NODES if max_nodes is None else max_nodes)
    if kind == "forward":
        return graphs.forward_graph(trace.forward(**seed) if seed else trace, annotate=annotate)
    if kind == "adjoint":
        return graphs.adjoint_graph(trace, annotate=annotate)
    return torch_graphs.side_by_side(trace) if annotate else torch_graphs.torch_graph(trace)


def _graph(kind: str, annotate: bool = False) -> Callable[[], Any]:
    return lambda: draw(_seed_trace(), kind, annotate)


def _torchviz(name: str) -> Callable[[], Any]:
    def make() -> Any:
        from .torch_graphs import tutorial_graphs
        return tutorial_graphs()[name]
    return make


def _problem(convex: bool) -> tuple[str, tuple[float, float]]:
    """The tutorial's convex or non-convex objective, with the interval it is plotted on."""
    from . import descent
    if convex:
        return descent.CONVEX, descent.CONVEX_DOMAIN
    return descent.NONCONVEX, descent.NONCONVEX_DOMAIN


def _objective(convex: bool) -> Callable[[], Any]:
    def make() -> Any:
        from .plots import plot_objective
        return plot_objective(*_problem(convex))
    return make


def _descend(objective: str, init: float, step: float) -> Any:
    """The tutorial's run of gradient descent: STEPS steps of size `step` from `init`."""
    from .descent import gradient_descent
    return gradient_descent(objective, step_size=step, max_iter=STEPS, init=init,
                            engine=DESCENT_ENGINE)


def _descent(convex: bool, init: float, step: float) -> Callable[[], Any]:
    def make() -> Any:
        from .plots import plot_descent
        objective, domain = _problem(convex)
        return plot_descent(_descend(objective, init, step), objective, domain, step)
    return make


def _animation() -> Any:
    """The oscillating descent, zoomed in on the valley it bounces in."""
    from .plots import animate_descent
    objective, domain = _problem(convex=False)
    return animate_descent(_descend(objective, -3.5, 0.05), objective, domain, 0.05,
                           view=(-4.0, -2.0))


def _jacobian_cost() -> Any:
    from .bench.recorded import JACOBIAN_COST
    from .plots import plot_jacobian_cost
    return plot_jacobian_cost(JACOBIAN_COST)


def _network_boundary() -> Any:
    from .network import moons, train
    from .network_plots import plot_boundary
    return plot_boundary(train("handwritten"), *moons())


def _network_loss() -> Any:
    from .network import LEARNING_RATE, train
    from .network_plots import plot_losses
    return plot_losses(train("handwritten"), train("torch"), LEARNING_RATE)


def _newton(name: str) -> Callable[[], Any]:
    """Newton's method beside gradient descent: on the convex objective, or on Rosenbrock's."""
    def make() -> Any:
        from . import newton, newton_plots
        if name == "convex":
            return newton_plots.plot_newton_convex(*newton.convex_paths(DESCENT_ENGINE))
        return newton_plots.plot_rosenbrock(*newton.rosenbrock_paths(DESCENT_ENGINE))
    return make


def _explorer() -> str:
    from .explorer import build_model, render_page
    return render_page(build_model(_seed_trace()))


def _all_starts() -> Any:
    from .plots import plot_starts
    objective, domain = _problem(convex=False)
    paths = [_descend(objective, x0, 0.001) for x0 in NONCONVEX_STARTS]
    return plot_starts(paths, objective, domain, 0.001)


_F = "f(x1, x2) = ln x1 + x1·x2 − sin x2 at x1 = 2, x2 = 5"
_CONVEX, _NONCONVEX = "|x| + (x − 5)²", "x·cos 4x + 2|x|"

REGISTRY: dict[str, Figure] = {f.name: f for f in [
    Figure("forward-graph", "graph", f"Forward evaluation graph of {_F}: values flow left "
           "to right from the inputs v₋₁, v₀ to y = v₅.", _graph("forward")),
    Figure("adjoint-graph", "graph", "Reverse adjoint graph of the same function: adjoints "
           "flow right to left, along every edge reversed.", _graph("adjoint")),
    Figure("forward-graph-annotated", "graph", f"Forward mode on {_F}: each node's operation, "
           "value and tangent v̇ for the seed ẋ1 = 1, giving ∂y/∂x1 = 5.5.",
           _graph("forward", annotate=True)),
    Figure("adjoint-graph-annotated", "graph", "Reverse mode on the same function: adjoints v̄ "
           "on the nodes, local partials on the edges; ∂y/∂x1 = 5.5, ∂y/∂x2 = 1.716.",
           _graph("adjoint", annotate=True)),
    Figure("trace-vs-torch", "graph", "The hand-written trace beside torch's autograd graph "
           "(torchviz) of the same function: each grad_fn computes one v_i.",
           _graph("torch", annotate=True), needs_torch=True),
    Figure("torchviz-scalar", "graph", "torchviz's graph of y = 3x² + x + 4 sin x at x = 5 "
           "(a scalar).", _torchviz("torchviz-scalar"), needs_torch=True),
    Figure("torchviz-tensor", "graph", "torchviz's graph of y = x² + sin x for x of shape "
           "(3, 4, 4): the shapes are shown on the graph.", _torchviz("torchviz-tensor"),
           needs_torch=True),
    Figure("convex-objective", "plot", f"The convex objective {_CONVEX} on [0, 10]: its "
           "minimum x = 4.5, and the least of the tutorial's 100 grid points, x = 4.545, which "
           "the tutorial calls the true minimum.", _objective(convex=True)),
    Figure("convex-from-0", "plot", f"Gradient descent on {_CONVEX} from x₀ = 0 (step 0.05, "
           "150 steps) reaches the minimum x = 4.5.", _descent(True, 0.0, 0.05)),
    Figure("convex-from-10", "plot", "The same from x₀ = 10: on a convex objective the "
           "start does not matter, x₁₅₀ = 4.5 again.", _descent(True, 10.0, 0.05)),
    Figure("nonconvex-objective", "plot", f"The non-convex objective {_NONCONVEX} on [−5, 5]: "
           "its global minimum x = 0, and the least of the tutorial's 100 grid points, "
           "x = −0.051.", _objective(convex=False)),
    Figure("nonconvex-from-neg3.5-step0.05", "plot", "From x₀ = −3.5 with step 0.05 the "
           "steps overshoot and oscillate across a valley: after 150 steps x₁₅₀ = −3.296 is "
           "still moving.", _descent(False, -3.5, 0.05)),
    Figure("nonconvex-from-neg3.5", "plot", "From x₀ = −3.5 with step 0.001 descent settles "
           "in the nearest valley, a local minimum: x₁₅₀ = −3.122.",
           _descent(False, -3.5, 0.001)),
    Figure("nonconvex-from-neg2.5", "plot", "From x₀ = −2.5 (step 0.001): the start decides "
           "which minimum is found; x₁₅₀ = −3.118.", _descent(False, -2.5, 0.001)),
    Figure("nonconvex-from-neg2", "plot", "From x₀ = −2 (step 0.001) descent settles in "
           "another local minimum: x₁₅₀ = −1.54.", _descent(False, -2.0, 0.001)),
    Figure("nonconvex-from-neg1", "plot", "From x₀ = −1 (step 0.001): after 150 steps the "
           "run is still moving, x₁₅₀ = −1.208.", _descent(False, -1.0, 0.001)),
    Figure("nonconvex-from-neg0.5", "plot", "From x₀ = −0.5 (step 0.001): the only start "
           "that heads for the global minimum x = 0; after 150 steps it is still moving, "
           "x₁₅₀ = −0.121.", _descent(False, -0.5, 0.001)),
    Figure("nonconvex-all-starts", "plot", f"All five starts on {_NONCONVEX}, 150 steps of "
           "size 0.001 each: from −3.5, −2.5 and −2 the runs settle in a local minimum (★); "
           "from −1 and −0.5 they are still moving (▷).", _all_starts),
    Figure("nonconvex-animation", "animation", "Animated: descent from x₀ = −3.5 with step "
           "0.05, oscillating.", _animation, slow=True),
    Figure("jacobian-cost", "plot", "The cost of a full Jacobian: n tangent sweeps against one "
           "adjoint sweep for f: Rⁿ → R, and the reverse for g: R → Rᵐ (and torch.func's jacfwd "
           "and jacrev), from one recorded run of `ad-tutorial bench`.", _jacobian_cost,
           slow=True),
    Figure("network-boundary", "plot", "A 2 → 16 → 16 → 1 network (tanh, then a sigmoid) "
           "trained on 200 two-moons points by 100 steps of gradient descent, each gradient "
           "from the hand-written adjoint sweep: its decision boundary p = ½ among the points.",
           _network_boundary),
    Figure("network-loss", "plot", "The same network's loss at every step, trained from the "
           "same start by the hand-written adjoint sweep and by torch.autograd: one curve "
           "(below, their difference in units in the last place).", _network_loss,
           needs_torch=True),
    Figure("newton-vs-descent", "plot", f"Newton's method beside gradient descent on {_CONVEX} "
           "from x₀ = 0, with the hand-written engine's derivatives. At the kink 0, |x|′ = 0 "
           "and |x|″ = 0 (torch's convention), so Newton's first step minimises (x − 5)² alone "
           "and lands on 5; beyond the kink its quadratic model is exact, and the second step "
           "lands on the minimiser 4.5. Gradient descent gains a factor 0.9 per step: after "
           "150 steps of 0.05 it is 6.1·10⁻⁷ short.", _newton("convex")),
    Figure("rosenbrock-newton", "plot", "The Rosenbrock function (1 − x)² + 100 (y − x²)² from "
           "(−1.2, 1): gradient descent (5,000 steps of 0.001; larger steps oscillate across "
           "the valley) crawls along the curved valley to (0.939, 0.881); damped Newton (a full "
           "step where it lowers f enough, else halved) reaches the minimum (1, 1) in 22 steps. "
           "Gradients and Hessians from the hand-written engine, checked against torch.",
           _newton("rosenbrock"), slow=True),
    Figure("explorer", "page", f"The explorer page of {_F}: step through the primal, tangent, "
           "adjoint and second-order adjoint sweeps in a browser (offline HTML; Space or → "
           "steps on, ← back).",
           _explorer),
]}


# --- rendering one figure to bytes ---------------------------------------------------

def render(figure: Figure, formats: Iterable[str], dot: bool = True) -> dict[str, bytes]:
    """The figure made once and rendered in each format: {suffix: bytes}.

    Without `dot`, a graph is rendered as its DOT source (suffix ``gv``) only, and a page
    (whose graphs are inline SVG) not at all.
    """
    import matplotlib

    if figure.kind == "page":
        return {"html": figure.make().encode()} if dot else {}
    with matplotlib.rc_context(MPL_RC):
        obj = figure.make()
    if figure.kind == "graph":
        return {fmt: render_graph(obj, fmt) for fmt in (figure.formats(formats) if dot else ["gv"])}
    if figure.kind == "animation":
        return {"gif": render_animation(obj)}
    return {fmt: render_plot(obj, fmt) for fmt in figure.formats(formats)}


# --- rendering many at once -----------------------------------------------------------

def rendered(figures: list[Figure], formats: list[str], dot: bool = True,
             workers: int = 1) -> Iterator[tuple[Figure, dict[str, bytes]]]:
    """Each figure with its files ({suffix: bytes}), in the order given, made by up to
    `workers` processes at once.

    The results are taken in the order given, whichever worker is faster, so the files,
    the manifest and the progress are the same on every run. With one worker (or one job)
    the figures are rendered here, one after the other.
    """
    jobs = _jobs(figures)
    if min(workers, len(jobs)) < 2:
        yield from ((figure, render(figure, formats, dot)) for figure in figures)
        return
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(min(workers, len(jobs)), mp_context=_start_method())
    try:
        running = {}
        for job in jobs:
            future = pool.submit(_render_job, [f.name for f in job], formats, dot)
            running.update({figure.name: (future, k) for k, figure in enumerate(job)})
        for figure in figures:
            future, k = running[figure.name]
            yield figure, future.result()[k]
    finally:
        pool.shutdown(cancel_futures=True)


def _jobs(figures: list[Figure]) -> list[list[Figure]]:
    """The figures grouped into jobs for the workers, in the order they are handed out:
    the figures in order, except that all that need torch form one job (so one worker
    alone imports it) and the slow ones go first (so no worker is left with one at the end)."""
    torch_job = [f for f in figures if f.needs_torch]
    jobs = []
    for figure in figures:
        if not figure.needs_torch:
            jobs.append([figure])
        elif figure is torch_job[0]:
            jobs.append(torch_job)
    return sorted(jobs, key=lambda job: not any(f.slow for f in job))


def _render_job(names: list[str], formats: list[str], dot: bool) -> list[dict[str, bytes]]:
    """:func:`render` of registered figures, by name: what a worker is sent."""
    return [render(REGISTRY[name], formats, dot) for name in names]


def _start_method() -> Any:
    """How the workers start: forked from a fresh server process where the platform has
    one (quick, and nothing such as threads or torch's state is inherited from the caller),
    else spawned. Either way each worker imports what its figures need, once."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


# --- rendering them all ---------------------------------------------------------------

def versions() -> dict[str, str]:
    """The versions of everything that shapes the bytes of a figure."""
    from importlib.metadata import version

    out = {name: version(name) for name in
           ("torch", "torchviz", "matplotlib", "numpy", "pillow", "graphviz")}
    out["dot"] = dot_version()
    return out


def dot_version() -> str:
    """graphviz's `dot` version, e.g. '2.43.0', or 'missing'."""
    import subprocess

    if not dot_available():
        return "missing"
    result = subprocess.run(["dot", "-V"], capture_output=True, text=True)
    found = re.search(r"version (\S+)", result.stderr + result.stdout)
    return found.group(1) if found else "unknown"


def select(names: Iterable[str] | None) -> list[Figure]:
    """The registered figures with these names (all of them for None), in registry order."""
    if not names:
        return list(REGISTRY.values())
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise FigureError(f"unknown figure {unknown[0]!r}; `ad-tutorial figures --list` "
                          "shows the names")
    return [f for f in REGISTRY.values() if f.name in set(names)]


def parse_formats(text: str) -> list[str]:
    """'svg,png' → ['svg', 'png'], checked against the formats we write."""
    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise FigureError(f"unknown format {bad[0] if bad else text!r}; "
                          f"choose from {','.join(FORMATS)}")
    return list(dict.fromkeys(formats))


class Progress:
    """A progress bar on a stream: redrawn in place on a terminal, one line per step elsewhere."""

    def __init__(self, total: int, stream: TextIO, width: int = 24) -> None:
        self.total, self.stream, self.width, self.done = total, stream, width, 0
        self.live = stream.isatty()

    def step(self, name: str) -> None:
        self.done += 1
        filled = self.width * self.done // self.total
        bar = f"[{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} {name}"
        if self.live:
            self.stream.write(f"\r\033[K{bar}" + ("\n" if self.done == self.total else ""))
        else:
            self.stream.write(bar + "\n")
        self.stream.flush()


@dataclass
class Result:
    """What a run of :func:`render_all` wrote."""

    files: list[Path]
    dot_missing: bool
    replaced_manifest: str | None = None    # why the old manifest was no manifest, if so


def render_all(out: str | os.PathLike[str], formats: Iterable[str] = DEFAULT_FORMATS,
               names: Iterable[str] | None = None, progress: TextIO | None = None,
               workers: int = WORKERS) -> Result:
    """Render the chosen figures into `out` and update its MANIFEST.json.

    Up to `workers` processes render at once (see :func:`rendered`); this one writes the
    files one by one, atomically, in registry order, and adds them to the manifest after
    each figure, so an interrupted run leaves complete files and a manifest that describes
    them. A manifest that is not one is replaced (``Result.replaced_manifest`` says why).
    """
    figures = select(names)
    formats = list(formats)
    out = output_folder(os.fspath(out), "--out")          # made if missing, checked writable
    dot = dot_available()
    made_with = versions()
    bar = Progress(len(figures), progress) if progress is not None else None
    result = Result([], not dot)
    for figure, files in rendered(figures, formats, dot, workers):
        entries = {}
        for fmt, data in files.items():
            path = out / f"{figure.name}.{fmt}"
            write_bytes(path, data)
            result.files.append(path)
            entries[path.name] = {"figure": figure.name, "caption": figure.caption,
                                  "sha256": hashlib.sha256(data).hexdigest(),
                                  "versions": made_with, "font": figure.font,
                                  "depends_on_torch": figure.needs_torch}
        result.replaced_manifest = update_manifest(out, entries) or result.replaced_manifest
        if bar:
            bar.step(figure.name)
    return result


class InvalidManifest(ValueError):
    """A MANIFEST.json that is not a manifest: not JSON, or not {"files": {NAME: {…}}}."""


def load_manifest(out: Path) -> dict[str, dict[str, Any]]:
    """The files recorded in `out`'s manifest (empty if there is none yet).

    Raises :class:`InvalidManifest` if the file is there but is not a manifest.
    """
    try:
        data = json.loads((out / MANIFEST).read_bytes())
    except FileNotFoundError:
        return {}
    except (ValueError, RecursionError):          # RecursionError: [[[[… nested too deep
        raise InvalidManifest("it is not JSON") from None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict) or not all(isinstance(e, dict) for e in files.values()):
        raise InvalidManifest('it is not {"files": {NAME: {…}, …}}')
    return files


def update_manifest(out: Path, entries: dict[str, dict[str, Any]]) -> str | None:
    """Add `entries` to `out`'s manifest: read, merge and replace it atomically, under an
    exclusive lock on the folder, so that runs at once each keep their entries.

    Returns why the old manifest was replaced by a fresh one, if it was not a manifest.
    """
    import fcntl

    folder = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)          # released when the folder is closed
        try:
            files, replaced = load_manifest(out), None
        except InvalidManifest as e:
            files, replaced = {}, str(e)
        write_text(out / MANIFEST, manifest_text({**files, **entries}))
    finally:
        os.close(folder)
    return replaced


def manifest_text(files: dict[str, Any]) -> str:
    """The manifest as stable JSON: files sorted by name."""
    return json.dumps({"files": dict(sorted(files.items()))}, indent=2, ensure_ascii=False) + "\n"


def listing() -> str:
    """`figures --list`: one line per figure, name, kind and caption."""
    width = max(map(len, REGISTRY))
    return "\n".join(f"{f.name:<{width}}  {f.kind:<9}  {f.caption}" for f in REGISTRY.values())


def figures_command(out: str, formats: str, only: list[str] | None, list_only: bool,
                    stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """`ad-tutorial figures`: 0 on success, 2 on bad input or when `dot` is missing."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    if list_only:
        print(listing(), file=stdout)
        return 0
    try:
        result = render_all(out, parse_formats(formats), only, progress=stderr)
    except (FigureError, UsageError, OSError) as e:
        print(f"ad-tutorial figures: {e}", file=stderr)
        return 2
    n = len(result.files)
    if result.replaced_manifest:
        print(f"ad-tutorial figures: {out}/{MANIFEST} was not a manifest "
              f"({result.replaced_manifest}), so a fresh one was written", file=stderr)
    print(f"wrote {n} file{'s' * (n != 1)} to {out}/ (listed in {out}/{MANIFEST})", file=stderr)
    if result.dot_missing:
        print(f"ad-tutorial figures: {DOT_MISSING}, so graphs were written as .gv sources "
              f"only; {INSTALL_GRAPHVIZ} and run again", file=stderr)
        return 2
    return 0


GRAPH_FORMATS = ("svg", "png", "pdf", "gv", "dot")


def graph_command(trace: Any, kind: str, annotate: bool, seed: dict[str, float] | None,
                  output: str, max_nodes: int | None = None, timeout: float = DOT_TIMEOUT,
                  stderr: TextIO | None = None) -> int:
    """`ad-tutorial graph`: draw one graph of `trace` into `output`, in the format its
    suffix names (``-``: SVG on standard output). The output, the size of the graph and
    graphviz are checked before dot starts; dot is stopped after `timeout` seconds.
    0 on success, 2 on an error (reported in one line)."""
    from .graphs import GraphTooLarge
    from .torch_graphs import TorchGraphError

    stderr = stderr or sys.stderr
    try:
        fmt = "svg" if output == STDOUT else \
            output_file(output, "-o", GRAPH_FORMATS).suffix.lstrip(".").lower()
        if fmt not in ("gv", "dot") and not dot_available():
            raise FigureError(f"{DOT_MISSING}, so nothing was drawn; {INSTALL_GRAPHVIZ}, "
                              "or write a .gv file")
        data = render_graph(draw(trace, kind, annotate, seed, max_nodes), fmt, timeout)
    except GraphTooLarge as e:
        print(f"ad-tutorial graph: {e}; pass --max-nodes {e.nodes} to draw it anyway",
              file=stderr)
        return 2
    except (FigureError, TorchGraphError, UsageError, DotError) as e:
        print(f"ad-tutorial graph: {e}", file=stderr)
        return 2
    try:
        write_output(output, data)
    except OSError as e:
        if output == STDOUT:    # a closed or full standard output: the command line says so
            raise
        print(f"ad-tutorial graph: cannot write {output}: {e.strerror or e}", file=stderr)
        return 2
    return 0
