"""The practice commands: `exercise` (and `--answers`), `worksheet` and `grade`, with their
exit statuses, their checks before work, and one line for every bad input."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ad_tutorial.cli import build_parser, main
from ad_tutorial.practice import exercise
from ad_tutorial.practice.worksheet import latex_sheet, worksheet
from ad_tutorial.tables import NOTATIONS, number

from .test_practice import engine_answers, tables


def run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ad_tutorial", *argv], capture_output=True,
                          text=True, timeout=120)


def answer_file(path: Path, level: int, seed: int, mode: str, student: str | None = None,
                change: dict[str, float] | None = None, rounded: bool = True) -> Path:
    """An answer file with the engine's numbers (as the tables print them), some changed."""
    ex = exercise(level, seed, mode)
    flat = {**engine_answers(ex), **(change or {})}
    if rounded:
        flat = {k: float(number(v)) for k, v in flat.items()}
    data = tables(flat)
    if student is not None:
        data = {"student": student, "exercise": ex.identity(), **data}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# --- exercise -------------------------------------------------------------------------------

def test_exercise_prints_the_blank_tables(capsys):
    assert main(["exercise", "--level", "1", "--seed", "5", "--mode", "reverse"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Exercise · level 1 · seed 5 · reverse mode\ny = ln(x2)*(x2*x1)\n")
    assert "v_2   = v_0 × v_−1  = ______" in out and "x̄2  = ∂y/∂x2  = ______" in out


def test_exercise_json_is_the_documented_schema(capsys):
    assert main(["exercise", "--level", "2", "--seed", "3", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    ex = exercise(2, 3, "forward")
    assert data == {"expression": ex.expression, "inputs": ex.inputs, "mode": "forward",
                    "seed": 3, "level": 2, "direction": ex.direction,
                    "blank": {"primal": ex.names, "tangent": ex.names}}


def test_exercise_without_a_seed_names_the_fresh_one(capsys):
    assert main(["exercise", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["expression"] == exercise(1, data["seed"], "forward").expression


@pytest.mark.parametrize("fmt, marker", [("text", "Primal values"), ("json", '"blank"'),
                                         ("latex", r"\begin{tabular}{lll}"),
                                         ("html", 'id="exercise"')])
def test_exercise_writes_each_format_to_a_file(tmp_path, capsys, fmt, marker):
    out = tmp_path / f"exercise.{fmt}"
    assert main(["exercise", "--level", "3", "--seed", "8", "--format", fmt, "-o", str(out)]) == 0
    assert marker in out.read_text(encoding="utf-8")
    assert capsys.readouterr().out.startswith(f"wrote {out}")
    assert [p.name for p in tmp_path.iterdir()] == [out.name]      # no temporary file left


def test_the_latex_sheet_is_a_whole_balanced_document(capsys):
    assert main(["exercise", "--level", "3", "--seed", "2", "--mode", "reverse",
                 "--format", "latex"]) == 0
    tex = capsys.readouterr().out
    assert tex.startswith(r"\documentclass") and tex.rstrip().endswith(r"\end{document}")
    assert tex.count("{") == tex.count("}") + tex.count(r"\{") - tex.count(r"\}")
    assert tex.count(r"\begin{") == tex.count(r"\end{")
    assert tex.count("$") % 2 == 0


def test_answers_all_right_exit_0(tmp_path, capsys):
    path = answer_file(tmp_path / "a.json", 2, 3, "reverse")
    assert main(["exercise", "--level", "2", "--seed", "3", "--mode", "reverse",
                 "--answers", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith("all right: score 100%")


def test_answers_with_a_mistake_exit_1_and_name_it(tmp_path, capsys):
    path = answer_file(tmp_path / "a.json", 1, 5, "reverse", change={"adjoint:v_0": 1.0,
                                                                    "final:x2": 1.0})
    assert main(["exercise", "--level", "1", "--seed", "5", "--mode", "reverse",
                 "--answers", str(path), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and data["score"] == pytest.approx(11 / 12)
    wrong = {(r["table"], r["name"]): r for r in data["rows"] if r["verdict"] != "right"}
    assert wrong[("adjoint", "v_0")]["hint"] == ("missing the contribution v̄_2·∂v_2/∂v_0 from "
                                                 "v_2 = v_0 × v_−1")
    assert wrong[("adjoint", "v_0")]["kind"] == "missing"
    assert wrong[("final", "x2")]["verdict"] == "follows"
    assert set(data["rows"][0]) >= {"table", "name", "expected", "given", "verdict", "hint"}


def test_answers_name_their_exercise_so_the_options_may_be_left_out(tmp_path, capsys):
    path = answer_file(tmp_path / "ada.json", 3, 4, "forward", student="Ada")
    assert main(["exercise", "--answers", str(path)]) == 0
    assert capsys.readouterr().out.startswith("level 3 · seed 4 · forward mode")


BAD_ANSWERS = [
    ('{"primal": ', "it is not JSON: Expecting value (line 1, column 12)"),
    ('{"primal": {"v_42": 1}}', "primal: unknown node 'v_42'"),
    ('{"primal": {"v_1": "two"}}', 'primal v_1: "two" is not a number'),
    ('{"tangent": {"v_1": 1}}', "it asks for primal, adjoint, gradient, not tangent"),
    ('{"exercise": {"level": 1, "seed": 6, "mode": "reverse"}}',
     "it belongs to another exercise (level 1 · seed 6 · reverse mode)"),
    ('{"primal": {"v_1": Infinity}}', "Infinity is not a number an answer can be"),
    ('"hello"', "it should be a JSON object"),
]


@pytest.mark.parametrize("content, message", BAD_ANSWERS)
def test_a_bad_answer_file_is_one_line_and_exit_2(tmp_path, capsys, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    assert main(["exercise", "--level", "1", "--seed", "5", "--mode", "reverse",
                 "--answers", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith(f"ad-tutorial: {path}: ") and message in captured.err


@pytest.mark.parametrize("argv, message", [
    (["exercise", "--level", "4"], "invalid choice: 4"),
    (["exercise", "--seed", "-1"], "'-1' is not a seed"),
    (["exercise", "--seed", "x"], "'x' is not a seed"),
    (["exercise", "--mode", "up"], "invalid choice: 'up'"),
    (["exercise", "--format", "pdf"], "invalid choice: 'pdf'"),
    (["exercise", "--answers", "{tmp}/nothing.json", "--seed", "1"],
     "nothing.json: cannot read it: No such file or directory"),
    (["exercise", "--answers", "{tmp}/plain.json"], "which exercise? Give --seed"),
    (["exercise", "--answers", "{tmp}/plain.json", "--seed", "1", "--format", "html"],
     "--answers prints its check as text or json, not html"),
    (["exercise", "--format", "html", "-o", "{tmp}/missing/page.html"],
     "cannot write {tmp}/missing/page.html: there is no directory {tmp}/missing"),
    (["exercise", "-o", "{tmp}"], "cannot write {tmp}: it is a directory"),
    (["worksheet", "--count", "0", "-o", "{tmp}/s.html"], "--count must be from 1 to 100"),
    (["worksheet", "--count", "101", "-o", "{tmp}/s.html"], "--count must be from 1 to 100"),
    (["worksheet", "-o", "{tmp}/missing/s.html"], "there is no directory"),
    (["worksheet", "--level", "1"], "-o/--output"),
    (["grade", "{tmp}/nowhere"], "{tmp}/nowhere is not a directory of answer files"),
    (["grade", "{tmp}"], "there are no answer files (*.json) in {tmp}"),
])
def test_bad_options_are_one_line_and_exit_2_before_any_work(tmp_path, capsys, argv, message):
    (tmp_path / "plain.json").write_text('{"primal": {}}')
    if argv[0] == "grade" and argv[1] == "{tmp}":
        (tmp_path / "plain.json").unlink()
    before = sorted(tmp_path.iterdir())
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert message.replace("{tmp}", str(tmp_path)) in captured.err
    assert sorted(tmp_path.iterdir()) == before


def test_a_bad_answer_file_never_shows_a_traceback(tmp_path):
    path = tmp_path / "bad.json"
    path.write_bytes(b"\x00\xff" * 10)
    done = run("exercise", "--seed", "1", "--answers", str(path))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr and "it is not text (UTF-8)" in done.stderr


# --- worksheet --------------------------------------------------------------------------

def test_worksheet_writes_the_sheet_and_with_key_its_answer_key(tmp_path, capsys):
    out = tmp_path / "sheet.html"
    assert main(["worksheet", "--count", "3", "--level", "2", "--seed", "10", "--mode",
                 "reverse", "-o", str(out), "--key"]) == 0
    said = capsys.readouterr().out.splitlines()
    assert said == [f"wrote {out}: 3 exercises, level 2, seeds 10–12, reverse mode",
                    f"wrote {tmp_path / 'sheet-key.html'}: the answer key"]
    sheet, key = out.read_text(), (tmp_path / "sheet-key.html").read_text()
    for seed in (10, 11, 12):
        ex = exercise(2, seed, "reverse")
        assert f"Exercise {seed - 9} · seed {seed}" in sheet
        assert ex.expression.replace("*", "*") in sheet
        for v in ex.key()["gradient"].values():
            assert f"= {NOTATIONS['html'].number(v)}" in key
    assert sheet.count("class=blank") == sum(
        len(exercise(2, s, "reverse").names) * 2 + 2 for s in (10, 11, 12))
    assert "class=blank" not in key
    assert "@media print" in sheet and "break-inside: avoid" in sheet
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet-key.html", "sheet.html"]


def test_worksheet_in_latex(tmp_path, capsys):
    out = tmp_path / "sheet.tex"
    assert main(["worksheet", "--count", "2", "--seed", "1", "--format", "latex", "-o",
                 str(out)]) == 0
    tex = out.read_text()
    assert tex.count(r"\subsection*{Exercise") == 2 and tex.count(r"\blank") > 10


PDFLATEX = shutil.which("pdflatex")


@pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("mode", ["forward", "reverse"])
@pytest.mark.parametrize("key", [False, True], ids=["sheet", "key"])
def test_a_latex_sheet_typesets_with_nothing_too_wide(tmp_path, mode, key):
    """Level 3 has the longest functions and formulas; the blank sheet starts with the
    student's name and date, the key without."""
    (tmp_path / "sheet.tex").write_text(latex_sheet(worksheet(3, 9, 2, mode), key=key))
    done = subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "sheet.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
    log = (tmp_path / "sheet.log").read_text(errors="replace")
    assert "Overfull \\hbox" not in log and "Warning" not in log, log[-3000:]


# --- grade ------------------------------------------------------------------------------

def class_folder(folder: Path) -> Path:
    """Three students, two exercises, one mistake of each of two kinds, and bad files."""
    folder.mkdir()
    answer_file(folder / "ada-1.json", 1, 5, "reverse", student="Ada")
    answer_file(folder / "ada-2.json", 2, 3, "forward", student="Ada")
    answer_file(folder / "ben-1.json", 1, 5, "reverse", student="Ben",
                change={"adjoint:v_0": 1.0, "final:x2": 1.0})         # a missing contribution
    ex = exercise(2, 3, "forward")
    seed_cell = f"tangent:{ex.names[0]}"
    answer_file(folder / "cleo-2.json", 2, 3, "forward", student="Cleo",
                change={seed_cell: 1 - ex.direction["x1"]})            # the wrong seed
    answer_file(folder / "cleo-1.json", 1, 5, "reverse", student="Cleo",
                change={"adjoint:v_0": 1.0, "final:x2": 1.0})
    (folder / "dan.json").write_text('{"student": "Dan", "primal": ')
    (folder / "eve.json").write_text('{"student": "Eve", "primal": {}}')
    answer_file(folder / "ada-again.json", 1, 5, "reverse", student="ada")
    (folder / "notes.txt").write_text("not an answer file")
    return folder


def test_grade_prints_a_line_per_student_and_the_most_frequent_mistake(tmp_path, capsys):
    folder = class_folder(tmp_path / "answers")
    assert main(["grade", str(folder), "--csv", str(tmp_path / "grades.csv")]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].startswith("5 answer files from 3 students, 2 exercises")
    assert lines[1].split() == ["student", "L1", "s5", "rev", "L2", "s3", "fwd", "mean"]
    assert lines[2].split() == ["Ada", "100%", "100%", "100%"]
    assert lines[3].split() == ["Ben", "92%", "—", "92%"]
    assert lines[4].split()[0] == "Cleo" and lines[4].split()[1] == "92%"
    assert lines[5] == ("Most frequent mistake in the class: missing contribution (2 of 3 "
                        "named: missing contribution 2, wrong seed 1)")
    err = captured.err.splitlines()
    assert len(err) == 3 and all(line.startswith("ad-tutorial: not graded: ") for line in err)
    assert "dan.json: it is not JSON" in err[1]
    assert "eve.json: it does not name its exercise" in err[2]
    assert "ada-again.json: ada answered this exercise in ada-1.json already" in err[0]
    rows = list(csv.DictReader(io.StringIO((tmp_path / "grades.csv").read_text())))
    assert [(r["student"], r["file"], r["mistakes"]) for r in rows] == [
        ("Ada", "ada-1.json", ""), ("Ada", "ada-2.json", ""),
        ("Ben", "ben-1.json", "missing"), ("Cleo", "cleo-1.json", "missing"),
        ("Cleo", "cleo-2.json", "seed")]
    assert rows[2]["score"] == "0.9167" and rows[2]["follows"] == "1"


def test_grade_of_good_files_only_exits_0(tmp_path, capsys):
    answer_file(tmp_path / "a.json", 1, 2, "forward", student="Ann")
    assert main(["grade", str(tmp_path)]) == 0
    assert "No mistake in the class that the diagnosis could name." in capsys.readouterr().out


def test_help_teaches_with_examples():
    parser = build_parser()
    helps = {name: sub.format_help() for action in parser._subparsers._group_actions
             for name, sub in action.choices.items()}
    for name in ("exercise", "worksheet", "grade"):
        assert "examples:" in helps[name] and f"ad-tutorial {name} " in helps[name]
    assert '"student"' in helps["grade"] and '"adjoint"' in helps["exercise"]
    assert "exercise --level 1 --mode reverse --format html" in parser.format_help()
