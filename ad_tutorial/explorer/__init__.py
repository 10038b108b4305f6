"""The explorer: step through the primal, tangent and adjoint sweeps in a browser.

``write_page`` writes one self-contained HTML file for a trace; ``write_seed_page`` that
of the tutorial's example; :mod:`.server` serves the same page to a whole class.
"""

from .model import build_model
from .page import render_page, write_page, write_seed_page

__all__ = ["build_model", "render_page", "write_page", "write_seed_page"]
