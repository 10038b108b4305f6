"""The `bench` command: arguments, running, printing, writing JSON and the plot."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

NAMES = ("gradient", "traces", "jacobian", "startup", "figures", "second")
PROG = "ad-tutorial bench"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and few repeats: seconds, for smoke tests")
    parser.add_argument("--only", nargs="+", choices=NAMES, metavar="NAME",
                        help=f"run only these benchmarks ({', '.join(NAMES)})")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--plot", type=Path, metavar="FILE",
                        help="draw the Jacobian cost plot (svg, png or pdf) from this run")


def _unwritable(path: Path | None) -> str | None:
    """Why a file cannot be written at path, checked before minutes of benchmarking."""
    if path is None:
        return None
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        return f"no such directory: {directory}"
    if not os.access(directory, os.W_OK):
        return f"cannot write into {directory}"
    return None


def run_command(args: argparse.Namespace) -> int:
    from .core import stderr_progress
    from .jacobian import save_jacobian_cost
    from .report import text, write_json
    from .suite import run

    names = list(args.only or NAMES)
    if args.plot is not None and "jacobian" not in names:
        print(f"{PROG}: --plot needs the jacobian benchmark", file=sys.stderr)
        return 2
    for path in (args.json, args.plot):
        problem = _unwritable(path)
        if problem:
            print(f"{PROG}: {problem}", file=sys.stderr)
            return 2
    sections = run(names, args.quick, stderr_progress(len(names)))
    if sys.stderr.isatty():
        sys.stderr.write("\r\x1b[2K")
    print(text(sections), end="")
    if args.json is not None:
        write_json(sections, args.quick, args.json)
    if args.plot is not None:
        save_jacobian_cost(next(s for s in sections if s.name == "jacobian").data, args.plot)
    return 0

