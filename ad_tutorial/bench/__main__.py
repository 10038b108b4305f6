"""``python -m ad_tutorial.bench …`` is ``ad-tutorial bench …``."""

import sys

from ..cli import main

raise SystemExit(main(["bench", *sys.argv[1:]]))
