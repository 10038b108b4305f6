"""The explorer page: one HTML file with its style, script and walk inside it.

The same page serves two uses. Written to a file (``ad-tutorial explore``), it carries
the walk of one expression as JSON and works offline: no server, no network (its
Content-Security-Policy forbids any connection). Served by ``ad-tutorial serve``, it
also shows a form and asks the server for the walk of whatever the class types.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from importlib.resources import files
from pathlib import Path
from typing import Any

from ..atomic import PathLike, write_text
from ..expression import SEED_EXAMPLE
from ..tables import number
from ..trace import Trace
from .model import build_model


def _static(name: str) -> str:
    return files(__package__).joinpath("static", name).read_text(encoding="utf-8")


def _json_for_script(data: Any) -> str:
    """JSON safe inside <script>: no '<' can end the element early."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c")


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def content_security_policy(server: bool) -> str:
    """Only the page's own style and script may run; only the server may be asked."""
    connect = "'self'" if server else "'none'"
    return "; ".join([
        "default-src 'none'", f"style-src {_sha256(_static('explorer.css'))}",
        f"script-src {_sha256(_static('explorer.js'))}", f"connect-src {connect}",
        "base-uri 'none'", "form-action 'none'"])


def _typed(value: Any) -> str:
    """A value of the point as a user types it: 2, 1e-310, nan, [[1,2],[3,4]]."""
    if isinstance(value, list):
        return "[" + ",".join(map(_typed, value)) + "]"
    return number(float(value), 16)


def render_page(model: dict[str, Any] | None, server: bool = False,
                max_length: int = 10_000) -> str:
    """The page: with `model` it opens on that walk; with `server` it shows the form too,
    filled in with the model's expression and point (`max_length` characters at most)."""
    expression, at = SEED_EXAMPLE
    if model:
        expression, at = model["expression"], model["at"]
    parts = {
        "CSP": content_security_policy(server),
        "TITLE": html.escape("AD explorer" + (f": {expression}" if not server else "")),
        "MODE": "server" if server else "file",
        "EXPRESSION": html.escape(expression),
        "AT": html.escape(" ".join(f"{x}={_typed(v)}" for x, v in at.items())),
        "MAX_LENGTH": str(max_length),
        "MODEL": _json_for_script(model) if model else "null",
        "STYLE": _static("explorer.css"), "SCRIPT": _static("explorer.js"),
    }
    # One pass, so text put in (an expression, the script) is never searched for markers.
    return re.sub(r"__([A-Z_]+?)__", lambda m: parts[m[1]], _static("page.html"))


def write_page(path: PathLike, trace: Trace, seed: dict[str, float] | None = None) -> Path:
    """Write the offline explorer page for `trace` (tangent seed ẋ = `seed`) atomically."""
    write_text(path, render_page(build_model(trace, seed)))
    return Path(path)


def write_seed_page(path: PathLike) -> Path:
    """The explorer page of the tutorial's example, ln(x1) + x1·x2 − sin(x2) at (2, 5)."""
    from ..trace import trace

    text, at = SEED_EXAMPLE
    return write_page(path, trace(text, **at))
