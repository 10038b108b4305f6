"""The command line: ``ad-tutorial COMMAND …`` (also ``python -m ad_tutorial``).

A thin front end: it parses arguments, calls the library, and turns every error a
user can cause into one line on stderr with exit status 2.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import textwrap
from typing import Any, Sequence

from .expression import SEED_EXAMPLE, ExpressionError, parse
from .trace import TraceError
from .usage import UsageError, check_sizes, parse_point

SEED_EXPRESSION = SEED_EXAMPLE[0]

EPILOG = f"""\
examples:
  ad-tutorial trace "{SEED_EXPRESSION}" --at x1=2 x2=5
  ad-tutorial trace "x*exp(-x)" --at x=1 --mode reverse --format markdown
  ad-tutorial check "sqrt(x) + relu(y)" --at x=0 y=0
  ad-tutorial trace "mean(ln(x**2 + 1) + 5*x)" --at "x=[0,1,2,3,4]" --mode reverse
  ad-tutorial trace "tanh(W @ x), sum(x)" --at "W=[[1,2],[3,4]]" "x=[1,-1]" --ybar "y1=[1,0]"

expressions use numbers, variables, + - * / ** (not ^), unary -, the constants pi and e,
and the functions abs, cos, exp, ln (or log), relu, sigmoid, sin, sqrt, tan, tanh; on
arrays also A @ x, sum(x) and mean(x) (or along an axis: sum(x, 0)), transpose(A),
reshape(x, 2, 3), stack(a, b), x[0] and x[1:3]; a comma at the top gives several outputs.
An expression may start with - ("-x**2", "--x"); one spelled like an option of the
command ("--at" is minus minus a variable named at) goes last, after --:
  ad-tutorial trace --at at=1 -- "--at"
"""


START_HERE = f"""\
start here:
  ad-tutorial trace "{SEED_EXPRESSION}" --at x1=2 x2=5
      the tutorial's example, step by step: evaluation, tangent and adjoint traces
  ad-tutorial check "{SEED_EXPRESSION}" --at x1=2 x2=5
      the same derivatives from PyTorch, side by side
  ad-tutorial trace "{SEED_EXPRESSION}" --at x1=2 x2=5 --mode second
      second derivatives: the tangent of every adjoint (forward over reverse), H·ẋ
  ad-tutorial lesson two-modes
      a lesson in the terminal (add --step to pause after each cell in class)
  ad-tutorial explore "x*sin(x)" --at x=1 -o walk.html
      a page that steps through both modes in a browser (Space or → steps on)
  ad-tutorial exercise --level 1 --mode reverse --format html -o practice.html
      an exercise to fill in, each cell checked with a hint that names the mistake
  ad-tutorial figures
      every figure of the tutorial, into figures/

"ad-tutorial COMMAND --help" explains each command.
"""


class _Parser(argparse.ArgumentParser):
    """argparse, but errors are one line (usage stays available through --help)."""

    commands: dict[str, _Parser] = {}         # the subcommands' parsers, by name

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")

    def reads_as_option(self, word: str) -> bool:
        """Whether argparse takes `word` for one of this parser's options: the option
        itself, --option=value, or a long option cut short (--form for --format)."""
        name = word.split("=", 1)[0]
        options = [s for action in self._actions for s in action.option_strings]
        return name in options or name.startswith("--") and len(name) > 2 and any(
            s.startswith(name) for s in options)


def _trace_from(args: argparse.Namespace):
    from .trace import trace

    expression = parse(args.expression)
    point = parse_point(args.at, "--at")
    check_sizes(expression, point)              # no array above 10⁷ elements, even made
    return trace(expression, **point)


def _point_option(args: argparse.Namespace, option: str = "--seed") -> dict[str, Any]:
    """The values of --seed (or --ybar), read before any work starts; {} if not given."""
    given = getattr(args, option.lstrip("-"))
    return parse_point(given, option) if given else {}


def _run_trace(args: argparse.Namespace) -> int:
    from .tables import dumps, layout, notation_for, render, reverse_sweep, to_json

    seed, ybar = _point_option(args), _point_option(args, "--ybar")
    t = _trace_from(args)
    second = t.second(**seed) if args.mode in ("second", "all") else None
    tangent = second.tangent if second else \
        t.forward(**seed) if args.mode in ("forward", "both") else None
    adjoint = second.adjoint if second else \
        reverse_sweep(t, ybar) if args.mode in ("reverse", "both") else None
    hessian = t.hessian() if args.mode == "all" else None
    if args.format == "json":
        data = to_json(t, tangent, adjoint, second)
        if hessian is not None:
            from .second_tables import hessian_json
            data["hessian"] = hessian_json(t, hessian)
        print(dumps(data))
        return 0
    shown = [render(x, args.format, args.digits) for x in (t, tangent, adjoint, second)
             if x is not None]
    if hessian is not None:
        from .second_tables import hessian_table
        shown.append(layout([hessian_table(t, hessian, notation_for(args.format, args.digits))],
                            args.format))
    print("\n\n".join(shown))
    return 0


def _run_hessian(args: argparse.Namespace) -> int:
    from .torch_hessian import compare_hessian

    comparison = compare_hessian(_trace_from(args))
    print(comparison)
    return 0 if comparison.ok else 1


def _run_check(args: argparse.Namespace) -> int:
    from .torch_bridge import compare

    seed = _point_option(args)
    comparison = compare(_trace_from(args).forward(**seed))
    print(comparison)
    return 0 if comparison.ok else 1


def _point_command(sub: Any, name: str, seed: bool = True,
                   **texts: str) -> argparse.ArgumentParser:
    """A subcommand on an expression at a point: EXPR --at … [--seed …], with the examples."""
    p = sub.add_parser(name, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
                       **texts)
    p.add_argument("expression", metavar="EXPR",
                   help='the function, e.g. "ln(x1) + x1*x2 - sin(x2)" (quote it)')
    # action="extend": `--at x=1 --at y=2` is one point, and a name given twice is refused
    # (argparse's default would keep the last --at only).
    p.add_argument("--at", nargs="+", action="extend", required=True, metavar="NAME=VALUE",
                   help="the point: a value for every variable, a number or an array as "
                        "nested lists (x=[0,1,2], W=[[1,2],[3,4]]; quote it); their order "
                        "numbers the inputs v_{1-n} … v_0 (--at may be given more than once)")
    if seed:
        p.add_argument("--seed", nargs="+", action="extend", metavar="NAME=VALUE",
                       help="the tangent direction ẋ for forward mode (default: 1 on the first "
                            "input, 0 elsewhere; on arrays, on its first element); in second "
                            "order, the direction of H·ẋ")
    return p


def _add_engine_commands(sub: Any) -> None:
    p = _point_command(
        sub, "trace", help="print the evaluation, tangent and adjoint traces of an expression",
        description="Write out the evaluation trace (Wengert list) of EXPR at a point, then "
                    "forward mode (a tangent sweep) and reverse mode (an adjoint sweep), "
                    "step by step as a textbook tabulates them.")
    p.add_argument("--mode", choices=("forward", "reverse", "both", "second", "all"),
                   default="both",
                   help="which derivative traces to show after the evaluation trace: "
                        "forward, reverse, both (the default); second adds the second-order "
                        "adjoint trace (forward over reverse: the tangent of every adjoint "
                        "along --seed, ending in H·ẋ); all also the whole Hessian")
    p.add_argument("--format", choices=("text", "markdown", "latex", "json"), default="text",
                   help="text for the terminal, markdown or LaTeX for notes and slides, "
                        "JSON for tools (default: text)")
    p.add_argument("--ybar", nargs="+", action="extend", metavar="NAME=VALUE",
                   help="the seed ȳ of reverse mode, by output name (y, or y1 y2 … for "
                        "several outputs; default: 1, or for an array or several outputs 1 "
                        "on the first element of the first, 0 elsewhere)")
    p.add_argument("--digits", type=int, default=3, choices=range(1, 17), metavar="N",
                   help="decimals shown in tables (default: 3, as in the tutorial)")
    p.set_defaults(run=_run_trace)

    p = _point_command(
        sub, "check", help="compare the hand-written derivatives with PyTorch's",
        description="Differentiate EXPR with the hand-written sweeps and with PyTorch "
                    "(torch.autograd.grad, torch.autograd.forward_ad, central finite "
                    "differences) in float64, side by side. On arrays, or for several "
                    "outputs, also the whole Jacobian in both modes and directional "
                    "derivatives along random directions. Exit status 1 on a mismatch.")
    p.set_defaults(run=_run_check)

    p = _point_command(
        sub, "hessian", seed=False, help="compare the hand-written Hessian with PyTorch's",
        description="The Hessian of EXPR (its second partial derivatives ∂²y/∂xi∂xj) by the "
                    "hand-written second-order adjoint sweep (forward over reverse, in vector "
                    "mode), side by side with torch.func.hessian, double backward "
                    "(torch.autograd.grad with create_graph=True, twice) and central "
                    "differences of the hand-written gradient, in float64. Exit status 1 "
                    "on a mismatch (rtol 1e-9 of the terms summed; nan and inf exactly).")
    p.set_defaults(run=_run_hessian)


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
                    "through the primal sweep, the tangent sweep, the adjoint sweep and the "
                    "second-order adjoint sweep (along --seed) of EXPR one step at a time, "
                    "lighting up the table row and the graph node and edge of each step. "
                    "Keys: → next, ← back, Home, End, 1 2 3 4.")
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
                    "ratios) with the goals met or missed, and under a missed goal its "
                    "cause, measured (against a bare tape where there is one): one gradient "
                    "of the seed example, "
                    "big random traces, Jacobian cost against shape (and in vector mode), "
                    "the tutorial's vector cells and a Jacobian on arrays, the network's "
                    "training step, start-up, figures, second derivatives (HVP, memory, the "
                    "seed Hessian).")
    add_arguments(p)
    p.set_defaults(run=bench)


EXERCISE_EPILOG = """\
examples:
  ad-tutorial exercise --level 1 --seed 5 --mode reverse
      print an exercise: the function, the point, the blank tables
  ad-tutorial exercise --level 1 --seed 5 --mode reverse --format html -o practice.html
      the same as a page: type the numbers in, each cell is checked when you leave it
  ad-tutorial exercise --level 1 --seed 5 --mode reverse --answers ada.json
      check a filled-in answer file, cell by cell, with a hint for each wrong number

an answer file (JSON) gives numbers by node name, as `ad-tutorial trace --format json`
names nodes, inputs included:
  {"primal": {"v_-1": 1, "v_0": 1.5, "v_1": 0.405, "v_2": 1.5, "v_3": 0.608},
   "adjoint": {"v_3": 1, "v_2": 0.405, ...}, "gradient": {"x1": 0.608, "x2": 1.405}}
in forward mode "tangent" and "derivative" (one number) replace "adjoint" and "gradient".
"student" and "exercise": {"level": 1, "seed": 5, "mode": "reverse"} say whose answer to
which exercise; `grade` needs them. Cells left out (or null) are unanswered, not wrong.
A cell is right to 3 significant digits; a wrong one that follows from your own earlier
wrong cell is marked "follows from your v̄_3". Exit status: 0 all right, 1 something
wrong, 2 a bad answer file or option.
"""

WORKSHEET_EPILOG = """\
examples:
  ad-tutorial worksheet --count 6 --level 2 --seed 100 --mode reverse -o sheet.html --key
      six exercises to print (seeds 100 to 105), and the answer key in sheet-key.html
  ad-tutorial worksheet --count 4 --level 1 --seed 1 --format latex -o sheet.tex
"""

GRADE_EPILOG = """\
examples:
  ad-tutorial grade answers/ --csv grades.csv

every *.json file in DIR is one student's answer to one exercise; it names both:
  {"student": "Ada", "exercise": {"level": 1, "seed": 5, "mode": "reverse"},
   "primal": {...}, "adjoint": {...}, "gradient": {...}}
files that cannot be graded are listed on stderr with the reason, and the rest are
graded. Exit status: 0 all graded, 1 some files not graded, 2 no answer files.
"""


def _seed(text: str) -> int:
    from .practice.exercise import MAX_SEED

    if not (text.isascii() and text.isdigit()) or int(text) > MAX_SEED:
        raise argparse.ArgumentTypeError(f"{text!r} is not a seed (a whole number from 0 to "
                                         f"{MAX_SEED})")
    return int(text)


def _add_practice_commands(sub: Any) -> None:
    def level(p: argparse.ArgumentParser, default: int | None) -> None:
        p.add_argument("--level", type=int, choices=(1, 2, 3), default=default,
                       help="1: two inputs, 3-4 nodes, + - × sin cos exp ln; 2: 5-8 nodes, an "
                            "input used twice; 3: 8-12 nodes, also / ** sqrt tanh sigmoid "
                            f"(default: {default or 1})")

    def exercise(args: argparse.Namespace) -> int:
        from .practice.commands import run_exercise
        return run_exercise(args.level, args.seed, args.mode, args.format, args.output,
                            args.answers)

    p = sub.add_parser(
        "exercise", help="an exercise to do by hand, or check an answer file with hints",
        description=textwrap.fill(
            "Make an exercise: a random function of the primitives at a point, to work "
            "through by hand: the values v, then the tangents v̇ (forward mode) or the "
            "adjoints v̄ (reverse mode) of every node, and the derivative. The same --level, "
            "--seed and --mode give the same exercise on every machine. With --answers, "
            "check a filled-in answer file.", 88),
        epilog=EXERCISE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    level(p, None)
    p.add_argument("--seed", type=_seed, metavar="N",
                   help="which exercise (default: a fresh one, shown in its title)")
    p.add_argument("--mode", choices=("forward", "reverse"),
                   help="forward: tangents along a direction ẋ; reverse: adjoints from ȳ = 1 "
                        "(default: forward)")
    p.add_argument("--format", choices=("text", "json", "html", "latex"), default="text",
                   help="text for the terminal; json for tools; html for a practice page "
                        "that checks each cell (use -o); latex to print (default: text)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of printing")
    p.add_argument("--answers", metavar="FILE",
                   help="check this answer file (JSON, see below) and print every cell with "
                        "its verdict and hint (--format text or json)")
    p.set_defaults(run=exercise)

    def sheet(args: argparse.Namespace) -> int:
        from .practice.commands import run_worksheet
        return run_worksheet(args.level, args.seed, args.count, args.mode, args.format,
                             args.output, args.key)

    p = sub.add_parser(
        "worksheet", help="a printable sheet of exercises for a class, and its answer key",
        description=textwrap.fill(
            "Write N exercises of one level and mode (seeds S, S+1, …) as a page to print, "
            "or as a LaTeX document: each with its function, point and blank tables, and "
            "the seed an answer file names it by.", 88),
        epilog=WORKSHEET_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=int, default=6, metavar="N",
                   help="how many exercises (default: 6)")
    level(p, 1)
    p.add_argument("--seed", type=_seed, metavar="S",
                   help="the first exercise's seed (default: a fresh one)")
    p.add_argument("--mode", choices=("forward", "reverse"), default="forward",
                   help="forward or reverse mode (default: forward)")
    p.add_argument("--format", choices=("html", "latex"), default="html",
                   help="html (print it from a browser) or latex (default: html)")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="the sheet to write, e.g. sheet.html")
    p.add_argument("--key", action="store_true",
                   help="also write the answer key, beside FILE as FILE-key (sheet-key.html)")
    p.set_defaults(run=sheet)

    def grade(args: argparse.Namespace) -> int:
        from .practice.commands import run_grade
        return run_grade(args.directory, args.csv)

    p = sub.add_parser(
        "grade", help="grade a folder of answer files: a line per student",
        description=textwrap.fill(
            "Check every answer file in DIR and print one line per student, with the score "
            "of each exercise (the share of cells right, counting those that follow from an "
            "earlier slip) and the most frequent kind of mistake in the class.", 88),
        epilog=GRADE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("directory", metavar="DIR", help="the folder of answer files (*.json)")
    p.add_argument("--csv", metavar="FILE",
                   help="also write one row per answer file to FILE, for a spreadsheet")
    p.set_defaults(run=grade)


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
    _add_practice_commands(sub)
    _add_bench_commands(sub)
    parser.commands = sub.choices
    return parser


def _protect_expression(parser: _Parser, argv: list[str]) -> tuple[list[str], str | None]:
    """Keep an expression such as "-x**2" or "--x" from being read as an option.

    argparse takes a word starting with "-" for an option. When the word after a command
    that takes EXPR is none of that command's options, it is the expression: a stand-in
    takes its place while argparse reads the rest, and the expression itself comes back
    unchanged (so the columns of an error count in the text as typed). Returns the
    arguments to parse and the expression set aside, or None.
    """
    if len(argv) > 1 and argv[0] in ("trace", "check", "hessian", "graph", "explore") and \
            argv[1].startswith("-") and not parser.commands[argv[0]].reads_as_option(argv[1]):
        return [argv[0], "EXPR", *argv[2:]], argv[1]
    return argv, None


def _quoted(expression: str) -> str:
    """The expression as typed, quoted, so an error's column counts in the text shown."""
    return f"'{expression}'" if expression.isprintable() else repr(expression)


# What the tables and messages write beyond ASCII: accents, minus, times, ∂, √, σ, indices.
UNICODE_SAMPLE = "v̇ȳ−×·∂∇√σ²₋₁→…"


def _shows_unicode(stream: Any) -> bool:
    """Whether `stream` can take the tables' symbols (not under PYTHONIOENCODING=ascii)."""
    try:
        UNICODE_SAMPLE.encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _write_ascii(stream: Any) -> None:
    """Let `stream` write whatever its encoding lacks in ASCII (∂ as d, ẋ as xdot, …)."""
    import codecs

    from .notation import ascii_errors

    codecs.register_error("ad_tutorial.ascii", ascii_errors)
    if hasattr(stream, "reconfigure"):
        stream.reconfigure(errors="ad_tutorial.ascii")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. On a terminal that cannot show Unicode, the tables are written in
    an ASCII notation (v_1, vdot_1, d/dx, *, -), and other text is spelled out in ASCII."""
    from .tables import ascii_only

    plain_terminal = not _shows_unicode(sys.stdout)
    if plain_terminal:
        _write_ascii(sys.stdout)
    if not _shows_unicode(sys.stderr):          # messages name ȳ, shapes that differ (≠) …
        _write_ascii(sys.stderr)
    with ascii_only(plain_terminal):
        return _run(argv)


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    argv, expression = _protect_expression(parser, list(sys.argv[1:] if argv is None else argv))
    try:
        args = parser.parse_args(argv)
        if expression is not None:
            args.expression = expression
        if not hasattr(args, "run"):
            parser.print_help(sys.stderr)
            return 2
        status = args.run(args)
        sys.stdout.flush()              # so that a full disk is reported here, not at exit
        return status
    except ExpressionError as e:
        where = ":" if e.column is None else " at"      # "… at column 3: …"
        print(f"ad-tutorial: error in {_quoted(args.expression)}{where} {e}", file=sys.stderr)
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
