"""The `bench` command: arguments, running, printing, writing JSON and the plot."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..usage import UsageError, output_file

NAMES = ("gradient", "traces", "jacobian", "arrays", "network", "startup", "figures", "second")
PLOT_FORMATS = ("svg", "png", "pdf")
PROG = "ad-tutorial bench"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and few repeats: seconds, for smoke tests")
    parser.add_argument("--only", nargs="+", action="extend", choices=NAMES, metavar="NAME",
                        help=f"run only these benchmarks ({', '.join(NAMES)})")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--plot", metavar="FILE",
                        help="draw the Jacobian cost plot (.svg, .png or .pdf) from this run")


def _output(text: str | None, option: str, formats: tuple[str, ...] = ()) -> Path | None:
    return None if text is None else output_file(text, option, formats)


def run_command(args: argparse.Namespace) -> int:
    from .core import stderr_progress
    from .jacobian import save_jacobian_cost
    from .report import text, write_json
    from .suite import run

    names = list(dict.fromkeys(args.only or NAMES))
    # Every output is checked before minutes of benchmarking, not after.
    try:
        if args.plot is not None and "jacobian" not in names:
            raise UsageError("--plot needs the jacobian benchmark")
        json_path = _output(args.json, "--json")
        plot_path = _output(args.plot, "--plot", PLOT_FORMATS)
    except UsageError as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 2
    sections = run(names, args.quick, stderr_progress(len(names)))
    if sys.stderr.isatty():
        sys.stderr.write("\r\x1b[2K")
    print(text(sections), end="")
    if json_path is not None:
        write_json(sections, args.quick, json_path)
    if plot_path is not None:
        save_jacobian_cost(next(s for s in sections if s.name == "jacobian").data, plot_path)
    return 0

