"""The expression on the command line: as typed, in every command that takes one."""

from __future__ import annotations

import json

import pytest

from ad_tutorial import parse
from ad_tutorial.cli import main

#: Each command that takes EXPR, with what it needs besides "--at x=1" to run.
COMMANDS = {"trace": ["--format", "json"], "check": [], "graph": ["-o", "{tmp}/g.gv"],
            "explore": ["-o", "{tmp}/page.html"]}


def run(capsys, tmp_path, command: str, *argv: str) -> tuple[int, str, str]:
    extra = [a.format(tmp=tmp_path) for a in COMMANDS[command]]
    status = main([command, *argv, *extra])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("expression, value", [("--x", 1.0), ("-x**2", -1.0), ("---x", -1.0),
                                               ("-(x)*2", -2.0), ("--x*--x", 1.0)])
def test_an_expression_may_start_with_a_dash_in_every_command(capsys, tmp_path, command,
                                                              expression, value):
    status, out, err = run(capsys, tmp_path, command, expression, "--at", "x=1")
    assert status == 0, err
    assert parse(expression)(x=1.0) == value
    if command == "trace":
        assert json.loads(out)["value"] == value
    if command in ("graph", "explore"):
        assert (tmp_path / ("g.gv" if command == "graph" else "page.html")).stat().st_size


@pytest.mark.parametrize("command", list(COMMANDS))
def test_an_expression_spelled_like_an_option_goes_after_double_dash(capsys, tmp_path, command):
    extra = [a.format(tmp=tmp_path) for a in COMMANDS[command]]
    assert main([command, "--at", "at=2", *extra, "--", "--at"]) == 0, capsys.readouterr().err
    if command == "trace":
        assert json.loads(capsys.readouterr().out)["value"] == 2.0


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("expression, problem", [
    ("   foo(x)", "unknown function"), ("  x # two", "comments"), (" 2*ｘ", "not plain ASCII"),
    ("    sin(*x)", "unpacking"), ("\tx", "printable"), ("  x +", "ends too soon"),
    ("  x + (1", "never closed"), (" -x + 'a'", "strings"),
    ("  " + "-" * 600 + "x", "nested 600 deep"),
])
def test_the_column_of_an_error_counts_in_the_expression_shown(capsys, tmp_path, command,
                                                               expression, problem):
    """One line, exit 2, and the column points into the text as the message shows it."""
    status, out, err = run(capsys, tmp_path, command, expression, "--at", "x=1")
    assert status == 2 and out == "" and err.count("\n") == 1 and problem in err
    shown, _, rest = err.partition(" at column ")
    assert shown.startswith("ad-tutorial: error in ") and rest, err
    shown = shown.removeprefix("ad-tutorial: error in ")
    column = int(rest.split(":")[0])
    if expression.isprintable():
        assert shown == f"'{expression}'"
        assert shown[column] == (expression + "'")[column - 1]  # shown[0] is the quote
    else:                                                # shown escaped: the message says which
        assert shown == repr(expression) and repr(expression[column - 1]) in rest
