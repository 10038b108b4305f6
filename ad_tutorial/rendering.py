"""Turning a graph, a plot or an animation into bytes, the same bytes on every run.

matplotlib is told to leave out dates and software names and to use a fixed seed for SVG
ids; the one timestamp graphviz writes (a PDF's creation date) is fixed to 1970; a GIF
draws its still picture once and shares one exact palette across frames.

Graphs are laid out by graphviz's `dot`, run here rather than through the graphviz
package's ``pipe``, which cannot be given a time limit: dot can take minutes on a few
hundred nodes, so it runs for at most `timeout` seconds.

Fonts. graphviz measures and rasterises text with whatever fonts fontconfig finds on the
machine, so the same graph gave different PNGs on two machines. Here `dot` runs with a
fontconfig file that offers it only DejaVu Sans from matplotlib's own fonts (pinned with
matplotlib's version, which the manifest records), and every graph is drawn in that font.
matplotlib draws its plots with the same file. So a graph's layout, SVG and PNG depend on
the versions of graphviz, matplotlib and the libraries dot links (cairo, pango), not on
the fonts installed.
"""

from __future__ import annotations

import importlib.util
import io
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

PNG_DPI = 144           # matplotlib figures: 8 inches wide → 1152 pixels, sharp on slides
#: Graph PNGs fill a full-HD projector's screen (the SVGs are there for print)…
PROJECTOR = (1920, 1080)
#: …but are never drawn at fewer dots per inch than this, however large the graph.
GRAPH_PNG_DPI = 96
GIF_DPI, GIF_FPS = 240, 8    # 8 inches wide → 1920 pixels: a projector's width, 10 pt = 33 px

#: The one font of every figure: the file matplotlib ships, inside its package.
FONT = "DejaVu Sans"
FONT_FILE = "matplotlib/mpl-data/fonts/ttf/DejaVuSans.ttf"
#: What dot may use: the DejaVu Sans family (book, bold, oblique, bold oblique) and nothing else.
_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir>{fonts}</dir>
  <selectfont>
    <rejectfont><glob>{fonts}/*</glob></rejectfont>
    <acceptfont><glob>{fonts}/DejaVuSans.ttf</glob><glob>{fonts}/DejaVuSans-*.ttf</glob></acceptfont>
  </selectfont>
</fontconfig>
"""

DOT_MISSING = "graphviz's `dot` program was not found on PATH"
INSTALL_GRAPHVIZ = ("install it (Debian/Ubuntu: sudo apt-get install graphviz; "
                    "macOS: brew install graphviz)")

#: matplotlib settings that make its output the same on every run.
MPL_RC = {"svg.hashsalt": "ad_tutorial", "svg.fonttype": "path", "path.simplify": True}
_MPL_METADATA = {
    "svg": {"Date": None, "Creator": None},
    "png": {"Software": None},
    "pdf": {"CreationDate": None, "Creator": None, "Producer": None},
}


#: Seconds `dot` may take to lay out one graph (the slowest figure takes well under one).
DOT_TIMEOUT = 60.0


class DotError(RuntimeError):
    """graphviz's `dot` is missing, failed, or was stopped for taking too long: one line."""


def dot_available() -> bool:
    """Whether graphviz's `dot` program is on PATH (the graphviz package needs it to render)."""
    return shutil.which("dot") is not None


_PDF_DATE = re.compile(rb"(/CreationDate \(D:)\d{14}")


def render_graph(graph: Any, fmt: str, timeout: float = DOT_TIMEOUT) -> bytes:
    """A graphviz graph as SVG, PNG or PDF bytes (PDF dated 1970, so runs agree), or its
    DOT source for ``gv``."""
    if fmt in ("gv", "dot"):
        return graph.source.encode()
    if fmt == "png":
        return projector_png(graph, timeout)
    data = run_dot(graph.source, fmt, timeout)
    return _PDF_DATE.sub(rb"\g<1>19700101000000", data) if fmt == "pdf" else data


def run_dot(source: str, fmt: str, timeout: float = DOT_TIMEOUT) -> bytes:
    """Lay out and draw DOT `source` with `dot -Tfmt`, stopping it after `timeout` seconds,
    in :data:`FONT` only: the graph's nodes, edges and labels default to it, and fontconfig
    offers dot no other font (so a graph that names another font gets this one too)."""
    fonts = f"fontname={FONT}"
    with tempfile.TemporaryDirectory(prefix="ad_tutorial-fonts-") as tmp:
        config = Path(tmp, "fonts.conf")
        config.write_text(_FONTCONFIG.format(fonts=escape(str(matplotlib_fonts()))),
                          encoding="utf-8")
        try:
            done = subprocess.run(["dot", f"-T{fmt}", f"-G{fonts}", f"-N{fonts}", f"-E{fonts}"],
                                  input=source.encode(), capture_output=True, timeout=timeout,
                                  env={**os.environ, "FONTCONFIG_FILE": str(config)})
        except FileNotFoundError:
            raise DotError(f"{DOT_MISSING}; {INSTALL_GRAPHVIZ}") from None
        except subprocess.TimeoutExpired:
            raise DotError(f"dot had not laid out the graph after {timeout:g} s, so it was "
                           "stopped") from None
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()
        raise DotError(f"dot failed (exit status {done.returncode})"
                       + (f": {reason[0]}" if reason else ""))
    return done.stdout


def matplotlib_fonts() -> Path:
    """The folder of TrueType fonts matplotlib ships, found without importing matplotlib."""
    spec = importlib.util.find_spec("matplotlib")
    return Path(next(iter(spec.submodule_search_locations)), "mpl-data", "fonts", "ttf")


def projector_png(graph: Any, timeout: float = DOT_TIMEOUT) -> bytes:
    """A graph as a PNG as large as fits the PROJECTOR's screen, at GRAPH_PNG_DPI or more.

    Drawn once at GRAPH_PNG_DPI to measure it, then again at the (whole) dots per inch
    that make it fill the screen's width or height, whichever it reaches first.
    """
    png = _png(graph, GRAPH_PNG_DPI, timeout)
    width, height = png_size(png)
    dpi = int(GRAPH_PNG_DPI * min(PROJECTOR[0] / width, PROJECTOR[1] / height))
    return _png(graph, dpi, timeout) if dpi > GRAPH_PNG_DPI else png


def _png(graph: Any, dpi: int, timeout: float) -> bytes:
    graph = graph.copy()
    graph.attr(dpi=str(dpi))
    return run_dot(graph.source, "png", timeout)


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels, from a PNG's header."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def render_plot(fig: Any, fmt: str) -> bytes:
    """A matplotlib figure as SVG, PNG or PDF bytes, without dates or software names."""
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context(MPL_RC):
        fig.savefig(buffer, format=fmt, dpi=PNG_DPI, metadata=_MPL_METADATA[fmt])
    return buffer.getvalue()


def render_animation(animation: Any) -> bytes:
    """A matplotlib animation as GIF bytes, drawn by :func:`blitting_gif_writer`."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "animation.gif")      # Pillow picks the format by the suffix
        animation.save(path, writer=blitting_gif_writer(GIF_FPS), dpi=GIF_DPI)
        return path.read_bytes()


def blitting_gif_writer(fps: int) -> Any:
    """matplotlib's Pillow GIF writer, drawing each frame the way blitting does on screen.

    The figure without its animated artists is drawn once; each frame then draws only the
    animated artists over a copy of that still picture. This is right for an animation
    whose frames change nothing but the artists it marks animated (``blit=True``) and whose
    layout is fixed, and it is many times faster than redrawing the whole figure. (Frames
    are not saved with savefig, so savefig options do not apply.)
    """
    from matplotlib.animation import PillowWriter
    from matplotlib.backends.backend_agg import RendererAgg

    class BlittingGifWriter(PillowWriter):
        def setup(self, fig: Any, outfile: Any, dpi: float | None = None) -> None:
            super().setup(fig, outfile, dpi)
            self._figure_dpi, fig.dpi = fig.dpi, self.dpi
            self._renderer = RendererAgg(*self.frame_size, self.dpi)
            self._still = None
            self._first, self._changes = None, []

        def grab_frame(self, **savefig_kwargs: Any) -> None:
            if self._still is None:             # the first frame: draw the still picture
                self._moving = sorted(self.fig.findobj(lambda a: a.get_animated()),
                                      key=lambda a: a.get_zorder())
                visible = [a for a in self._moving if a.get_visible()]
                for artist in visible:
                    artist.set_visible(False)
                self.fig.draw(self._renderer)
                self._still = self._renderer.copy_from_bbox(self.fig.bbox)
                for artist in visible:
                    artist.set_visible(True)
            self._renderer.restore_region(self._still)
            for artist in self._moving:
                artist.draw(self._renderer)
            if self._first is None:             # kept whole; later frames as changes to it
                self._first = colours(self._renderer.buffer_rgba())
                self._pixels = self._first.copy()
            colours(self._renderer.buffer_rgba(), out=self._pixels)
            self._changes.append(changes(self._first, self._pixels))

        def finish(self) -> None:
            self.fig.dpi = self._figure_dpi
            self._frames = paletted(self._first, self._changes)
            super().finish()

    return BlittingGifWriter(fps=fps)


def colours(rgba: Any, out: Any = None) -> Any:
    """An RGBA picture (an H × W × 4 array of bytes, such as Agg's buffer) as an H × W array
    of its colours, each pixel one number r + 2⁸g + 2¹⁶b: one pass over the bytes, read as
    little-endian 32-bit words without their alpha byte (into `out` if given)."""
    import numpy as np

    return np.bitwise_and(np.asarray(rgba).view("<u4")[..., 0], 0xFFFFFF, out=out)


def changes(first: Any, frame: Any) -> tuple[Any, Any]:
    """Where a frame (an array of :func:`colours`) differs from the first, as flat
    positions, and its colours there: all a GIF frame needs, and little to keep."""
    import numpy as np

    where = np.flatnonzero(frame != first)
    return where, frame.ravel()[where]


def paletted(first: Any, frames: list[tuple[Any, Any]]) -> list[Any]:
    """Frames made palette images (a GIF has 256 colours), all with one palette. Each frame
    is `first` (an array of :func:`colours`) with its :func:`changes`. The palette is a
    median cut of the last frame, which shows the most (of every other pixel in each
    direction: a quarter of the work); every pixel gets its nearest colour in it.

    One palette keeps the still part of the picture from flickering; the exact nearest
    colour keeps white white (Pillow's own mapping looks colours up in a coarse table).
    """
    import numpy as np
    from PIL import Image

    height, width = first.shape
    last = first.copy()
    last.ravel()[frames[-1][0]] = frames[-1][1]
    rgb = last.astype("<u4").view(np.uint8).reshape(height, width, 4)[::2, ::2, :3]
    palette = Image.fromarray(np.ascontiguousarray(rgb)).quantize(
        256, method=Image.Quantize.MEDIANCUT).getpalette()
    choices = np.array(palette, dtype=np.int64).reshape(-1, 3)
    seen = np.zeros(1 << 24, dtype=bool)
    seen[first] = True
    for _, changed in frames:
        seen[changed] = True
    used = np.flatnonzero(seen)                         # every colour in any frame, once
    nearest = np.zeros(1 << 24, dtype=np.uint8)
    for part in np.array_split(used, len(used) // 4096 + 1):
        rgb = np.stack([part & 255, part >> 8 & 255, part >> 16], axis=1)
        nearest[part] = ((rgb[:, None] - choices) ** 2).sum(axis=2).argmin(axis=1)
    first_indices = nearest[first].ravel()
    images = []
    for where, changed in frames:
        indices = first_indices.copy()
        indices[where] = nearest[changed]
        image = Image.fromarray(indices.reshape(height, width))
        image.putpalette(palette)                       # the indices become a "P" image
        images.append(image)
    return images
