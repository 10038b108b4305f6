"""The command line: ``ad-tutorial COMMAND …`` (also ``python -m ad_tutorial``).

A thin front end: it parses arguments, calls the library, and turns every error a
user can cause into one line on stderr with exit status 2.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from typing import Any, Sequence

from .expression import SEED_EXAMPLE, ExpressionError, parse
from .trace import TraceError
from .usage import UsageError, parse_point

SEED_EXPRESSION = SEED_EXAMPLE[0]

EPILOG = f"""\
examples:
  ad-tutorial trace "{SEED_EXPRESSION}" --at x1=2 x2=5
  ad-tutorial trace "x*exp(-x)" --at x=1 --mode reverse --format markdown
  ad-tutorial check "sqrt(x) + relu(y)" --at x=0 y=0

expressions use numbers, variables, + - * / ** (not ^), unary -, the constants pi and e,
and the functions abs, cos, exp, ln (or log), relu, sigmoid, sin, sqrt, tan, tanh.
"""


START_HERE = f"""\
start here:
  ad-tutorial trace "{SEED_EXPRESSION}" --at x1=2 x2=5
      the tutorial's example, step by step: evaluation, tangent and adjoint traces
  ad-tutorial check "{SEED_EXPRESSION}" --at x1=2 x2=5
      the same derivatives from PyTorch, side by side
  ad-tutorial lesson two-modes
      a lesson in the terminal (add --step to pause after each cell in class)
  ad-tutorial explore "x*sin(x)" --at x=1 -o walk.html
      a page that steps through both modes in a browser (→ and ← keys)
  ad-tutorial figures
      every figure of the tutorial, into figures/

"ad-tutorial COMMAND --help" explains each command.
"""


class _Parser(argparse.ArgumentParser):
    """argparse, but errors are one line (usage stays available through --help)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def _trace_from(args: argparse.Namespace):
    from .trace import trace

    expression = parse(args.expression)
    return trace(expression, **parse_point(args.at, "--at"))


def _run_trace(args: argparse.Namespace) -> int:
    from .tables import dumps, render, to_json

    t = _trace_from(args)
    seed = parse_point(args.seed, "--seed") if args.seed else {}
    tangent = t.forward(**seed) if args.mode in ("forward", "both") else None
    adjoint = t.reverse() if args.mode in ("reverse", "both") else None
    if args.format == "json":
        print(dumps(to_json(t, tangent, adjoint)))
        return 0
    shown = [x for x in (t, tangent, adjoint) if x is not None]
    print("\n\n".join(render(x, args.format, args.digits) for x in shown))
    return 0


def _run_check(args: argparse.Namespace) -> int:
    from .torch_bridge import compare

    seed = parse_point(args.seed, "--seed") if args.seed else {}
    comparison = compare(_trace_from(args).forward(**seed))
    print(comparison)
    return 0 if comparison.ok else 1


def _point_command(sub: Any, name: str, **texts: str) -> argparse.ArgumentParser:
    """A subcommand on an expression at a point: EXPR --at … [--seed …], with the examples."""
    p = sub.add_parser(name, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
                       **texts)
    p.add_argument("expression", metavar="EXPR",
                   help='the function, e.g. "ln(x1) + x1*x2 - sin(x2)" (quote it)')
    # action="extend": `--at x=1 --at y=2` is one point, and a name given twice is refused
    # (argparse's default would keep the last --at only).
    p.add_argument("--at", nargs="+", action="extend", required=True, metavar="NAME=VALUE",
                   help="the point: a value for every variable; their order numbers the "
                        "inputs v_{1-n} … v_0 (--at may be given more than once)")
    p.add_argument("--seed", nargs="+", action="extend", metavar="NAME=VALUE",
                   help="the tangent direction ẋ for forward mode (default: 1 on the first "
                        "input, 0 elsewhere)")
    return p


def _add_engine_commands(sub: Any) -> None:
    p = _point_command(
        sub, "trace", help="print the evaluation, tangent and adjoint traces of an expression",
        description="Write out the evaluation trace (Wengert list) of EXPR at a point, then "
                    "forward mode (a tangent sweep) and reverse mode (an adjoint sweep), "
                    "step by step as a textbook tabulates them.")
    p.add_argument("--mode", choices=("forward", "reverse", "both"), default="both",
                   help="which derivative traces to show after the evaluation trace "
                        "(default: both)")
    p.add_argument("--format", choices=("text", "markdown", "latex", "json"), default="text",
                   help="text for the terminal, markdown or LaTeX for notes and slides, "
                        "JSON for tools (default: text)")
    p.add_argument("--digits", type=int, default=3, choices=range(1, 17), metavar="N",
                   help="decimals shown in tables (default: 3, as in the tutorial)")
    p.set_defaults(run=_run_trace)

    p = _point_command(
        sub, "check", help="compare the hand-written derivatives with PyTorch's",
        description="Differentiate EXPR with the hand-written sweeps and with PyTorch "
                    "(torch.autograd.grad, torch.autograd.forward_ad, central finite "
                    "differences) in float64, side by side. Exit status 1 on a mismatch.")
    p.set_defaults(run=_run_check)


def _add_lesson_commands(sub: Any) -> None:
    def lesson(args: argparse.Namespace) -> int:
        from .lessons.commands import run_lesson
        return run_lesson(args.name, step=args.step)

    def notebook(args: argparse.Namespace) -> int:
        from .lessons.commands import write_notebooks
        return write_notebooks(args.name, args.all, args.out)

    p = sub.add_parser(
        "lesson", help="list the lessons, or run one in the terminal",
        description="Without NAME, list the lessons. With NAME, run that lesson: each cell's "
                    "explanation, its code and its real output from the installed torch, "
                    "checked against what the lesson claims (exit status 1 if a check fails).")
    p.add_argument("name", nargs="?", metavar="NAME", help="the lesson to run")
    p.add_argument("--step", action="store_true",
                   help="wait for Enter after each cell (q then Enter stops), for a classroom")
    p.set_defaults(run=lesson)

    p = sub.add_parser(
        "notebook", help="write lessons as Jupyter notebooks",
        description="Write a lesson (or every lesson) as DIR/NAME.ipynb: a markdown "
                    "explanation before each code cell, graphs drawn where they belong.")
    p.add_argument("name", nargs="?", metavar="NAME", help="the lesson to write")
    p.add_argument("--all", action="store_true", help="write every lesson")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="the directory to write into (created if missing)")
    p.set_defaults(run=notebook)


def _add_figure_commands(sub: Any) -> None:
    p = sub.add_parser(
        "figures", help="render every figure of the tutorial into a folder",
        description="Render the tutorial's figures (computation graphs, torchviz graphs, "
                    "gradient descent plots and an animation) from one registry, with a "
                    "manifest of captions, checksums and library versions. Exit status 2 "
                    "when graphviz's dot is missing (the other figures are still made).")
    p.add_argument("--out", default="figures", metavar="DIR",
                   help="the folder to write into (default: figures)")
    p.add_argument("--format", default="svg,png", metavar="LIST",
                   help="comma-separated formats among svg, png, pdf (default: svg,png); "
                        "the animation is always a GIF")
    p.add_argument("--only", nargs="+", action="extend", metavar="NAME",
                   help="render only these figures")
    p.add_argument("--list", action="store_true", help="list the figures and their captions")

    def run_figures(args: argparse.Namespace) -> int:
        from .figures import figures_command
        return figures_command(args.out, args.format, args.only, args.list)

    p.set_defaults(run=run_figures)

    p = _point_command(
        sub, "graph", help="draw the computation graph of an expression",
        description="Draw the forward evaluation graph, the reverse adjoint graph, or "
                    "PyTorch's autograd graph (torchviz) of EXPR at a point. The format "
                    "follows the file's suffix: .svg, .png, .pdf, or .gv for DOT source.")
    p.add_argument("--kind", choices=("forward", "adjoint", "torch"), default="forward",
                   help="which graph (default: forward)")
    p.add_argument("--annotate", action="store_true",
                   help="show operations, values, tangents or adjoints and partials; for "
                        "--kind torch, draw the trace beside torch's graph")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="where to write it (- writes SVG to standard output)")
    _drawing_limits(p)

    def run_graph(args: argparse.Namespace) -> int:
        from .figures import graph_command
        seed = parse_point(args.seed, "--seed") if args.seed else None
        return graph_command(_trace_from(args), args.kind, args.annotate, seed, args.output,
                             args.max_nodes, args.timeout)

    p.set_defaults(run=run_graph)


def _drawing_limits(p: argparse.ArgumentParser) -> None:
    """--max-nodes and --timeout, for the commands that have graphviz's dot draw a graph."""
    from .graphs import MAX_NODES
    from .rendering import DOT_TIMEOUT

    p.add_argument("--max-nodes", type=_positive(int), default=MAX_NODES, metavar="N",
                   help=f"refuse a trace of more than N nodes (default: {MAX_NODES}); dot "
                        "takes seconds for 50 nodes and can take minutes for a hundred")
    p.add_argument("--timeout", type=_positive(float), default=DOT_TIMEOUT, metavar="SECONDS",
                   help=f"stop dot after this long (default: {DOT_TIMEOUT:g})")


def _positive(kind: type) -> Any:
    """An argparse type: a number of `kind` above 0."""
    def convert(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            value = 0
        if not 0 < value < math.inf:
            number = "whole number" if kind is int else "number"
            raise argparse.ArgumentTypeError(f"{text!r} is not a {number} above 0")
        return value
    convert.__name__ = kind.__name__
    return convert


def _add_explorer_commands(sub: Any) -> None:
    def explore(args: argparse.Namespace) -> int:
        from .atomic import STDOUT, write_output
        from .explorer import build_model, render_page
        from .graphs import GraphTooLarge, check_size
        from .rendering import DotError
        from .usage import output_file

        if args.output != STDOUT:
            output_file(args.output, "-o")
        seed = parse_point(args.seed, "--seed") if args.seed else None
        t = _trace_from(args)
        try:
            check_size(t, args.max_nodes)
            page = render_page(build_model(t, seed, args.timeout))
        except GraphTooLarge as e:
            raise UsageError(f"{e}; pass --max-nodes {e.nodes} to draw it anyway") from None
        except DotError as e:
            raise UsageError(str(e)) from None
        try:
            write_output(args.output, page.encode())
        except OSError as e:
            if args.output == STDOUT:
                raise
            raise UsageError(f"cannot write {args.output}: {e.strerror or e}") from None
        if args.output != STDOUT:
            print(f"wrote {args.output}: open it in a browser; → steps, ← goes back")
        return 0

    def serve(args: argparse.Namespace) -> int:
        from .explorer.server import serve
        return serve(args.host, args.port)

    def port(text: str) -> int:
        if not text.isdigit() or int(text) > 65535:
            raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)")
        return int(text)

    p = _point_command(
        sub, "explore", help="write a page that steps through both modes in a browser",
        description="Write one self-contained HTML file (it works offline) that walks "
                    "through the primal sweep, the tangent sweep and the adjoint sweep of "
                    "EXPR one step at a time, lighting up the table row and the graph node "
                    "and edge of each step. Keys: → next, ← back, Home, End, 1 2 3.")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="the page to write, e.g. page.html (- writes it to standard output)")
    _drawing_limits(p)
    p.set_defaults(run=explore)

    p = sub.add_parser(
        "serve", help="serve the explorer to a class on a local web server",
        description="Serve the explorer page, where anyone types an expression and a point "
                    "and steps through its sweeps. Listens on this machine only unless "
                    "--host says otherwise. Ctrl+C stops it.")
    p.add_argument("--host", default="127.0.0.1",
                   help="the address to listen on (default: 127.0.0.1, this machine only; "
                        "0.0.0.0 opens it to the network)")
    p.add_argument("--port", type=port, default=8000, metavar="PORT",
                   help="the port (default: 8000; 0 picks a free one)")
    p.set_defaults(run=serve)


def _add_bench_commands(sub: Any) -> None:
    def bench(args: argparse.Namespace) -> int:
        from .bench.command import run_command
        return run_command(args)

    from .bench.command import add_arguments

    p = sub.add_parser(
        "bench", help="measure each mode of differentiation, by hand and with torch",
        description="Run the benchmarks side by side and print a table (median, spread, "
                    "ratios) with the goals met or missed: one gradient of the seed example, "
                    "big random traces, Jacobian cost against shape, start-up, figures.")
    add_arguments(p)
    p.set_defaults(run=bench)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ad-tutorial",
        description="Automatic differentiation, step by step: evaluation traces, forward "
                    "and reverse mode by hand, checked against PyTorch.",
        epilog=START_HERE, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)
    _add_engine_commands(sub)
    _add_lesson_commands(sub)
    _add_figure_commands(sub)
    _add_explorer_commands(sub)
    _add_bench_commands(sub)
    return parser


def _protect_expression(argv: list[str]) -> list[str]:
    """Keep an expression such as "-x**2" from being read as an option.

    argparse takes a word starting with "-" for an option unless it contains a space,
    so a space is added to such an expression (the parser ignores it).
    """
    if len(argv) > 1 and argv[0] in ("trace", "check", "graph", "explore") and \
            argv[1].startswith("-") and not re.fullmatch(r"-h|--[a-z][\w-]*(=.*)?", argv[1]):
        return [argv[0], argv[1] + " ", *argv[2:]]
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = _protect_expression(list(sys.argv[1:] if argv is None else argv))
    try:
        args = parser.parse_args(argv)
        if not hasattr(args, "run"):
            parser.print_help(sys.stderr)
            return 2
        status = args.run(args)
        sys.stdout.flush()              # so that a full disk is reported here, not at exit
        return status
    except ExpressionError as e:
        expression = getattr(args, "expression", "").strip()
        if e.column is None:
            print(f"ad-tutorial: error in {expression!r}: {e}", file=sys.stderr)
            return 2
        print(f"ad-tutorial: error in {expression!r} at {e}", file=sys.stderr)
    except (TraceError, UsageError) as e:
        print(f"ad-tutorial: {e}" if not str(e).startswith("ad-tutorial") else str(e),
              file=sys.stderr)
    except KeyboardInterrupt:
        print("ad-tutorial: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader left early (`ad-tutorial trace … | head`): stop quietly, as Unix tools
        # do, and keep Python from complaining about the closed pipe again at exit.
        _drop_stdout()
        return 141
    except OSError as e:
        # Writing failed (`> /dev/full`, a disk that filled up): not the user's input, so
        # exit status 1, in one line.
        _drop_stdout()
        where = f"{e.filename}" if e.filename else "cannot write to standard output"
        print(f"ad-tutorial: {where}: {e.strerror or e}", file=sys.stderr)
        return 1
    return 2


def _drop_stdout() -> None:
    """Send whatever is still buffered for standard output nowhere, so that Python does
    not fail on it again at exit."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
