"""Lessons as Jupyter notebooks: their structure, and a real kernel running them."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from ad_tutorial.cli import main
from ad_tutorial.lessons import LESSONS, cells
from ad_tutorial.lessons.notebooks import notebook, write_notebook
from ad_tutorial.results import Shown

ROOT = Path(__file__).resolve().parents[1]
NAMES = list(LESSONS)


@pytest.mark.parametrize("name", NAMES)
def test_a_notebook_is_the_lessons_cells_with_explanations_before_them(name):
    lesson = LESSONS[name]
    nb = notebook(lesson)
    nbformat.validate(nb)
    assert nb.nbformat == 4 and nb.metadata.kernelspec.name == "python3"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith(
        f"# {lesson.title}\n")
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.source for c in code] == [cell.code for cell in lesson.cells]
    for cell in lesson.cells:
        k = nb.cells.index(code[lesson.cells.index(cell)])
        assert nb.cells[k - 1].cell_type == "markdown"
        assert nb.cells[k - 1].source.startswith(cell.says)
        if cell.tutorial is not None:
            assert cell.tutorial in nb.cells[k - 1].source
        if cell.section is not None:
            assert nb.cells[k - 2].source == f"## {cell.section}"


def test_writing_is_repeatable_and_leaves_no_temporary_files(tmp_path):
    first = write_notebook(LESSONS["autograd"], tmp_path / "new")
    content = first.read_bytes()
    second = write_notebook(LESSONS["autograd"], tmp_path / "new")
    assert first == second == tmp_path / "new" / "autograd.ipynb"
    assert second.read_bytes() == content
    assert [p.name for p in (tmp_path / "new").iterdir()] == ["autograd.ipynb"]


def test_notebook_command_writes_one_or_all(tmp_path, capsys):
    assert main(["notebook", "two-modes", "--out", str(tmp_path / "one")]) == 0
    assert capsys.readouterr().out == f"{tmp_path / 'one' / 'two-modes.ipynb'}\n"
    assert main(["notebook", "--all", "--out", str(tmp_path)]) == 0
    written = capsys.readouterr().out.splitlines()
    assert written == [str(tmp_path / f"{name}.ipynb") for name in NAMES]
    for path in written:
        nbformat.validate(nbformat.read(path, as_version=4))


@pytest.mark.parametrize("argv, message", [
    (["notebook", "nope", "--out", "."], "unknown lesson 'nope'; the lessons are: "),
    (["notebook", "--out", "."], "give either a lesson NAME or --all"),
    (["notebook", "tensors", "--all", "--out", "."], "give either a lesson NAME or --all"),
    (["notebook", "tensors"], "the following arguments are required: --out"),
])
def test_notebook_command_mistakes_are_one_line(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_an_unwritable_directory_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert main(["notebook", "tensors", "--out", str(blocker)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"ad-tutorial: cannot write in {blocker}") and err.count(
        "\n") == 1


def shown(output_cell) -> str:
    """The text a notebook code cell shows: its streams and its result's text/plain."""
    text = ""
    for output in output_cell.outputs:
        if output.output_type == "stream":
            text += output.text
        elif output.output_type == "execute_result":
            text += output.data["text/plain"] + "\n"
    return text


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebooks_run_on_a_jupyter_kernel_and_show_what_the_lesson_claims(name, tmp_path):
    from nbclient import NotebookClient

    lesson = LESSONS[name]
    nb = nbformat.read(write_notebook(lesson, tmp_path), as_version=4)
    # From the repository root, so the kernel imports this ad_tutorial.
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    outcomes = list(lesson.run())
    for cell, outcome in zip(code, outcomes):
        assert not [o for o in cell.outputs if o.output_type == "error"], cell.source
        # each plot the lesson reports is drawn inline, and is not part of the text
        plots = [o for o in cell.outputs
                 if o.output_type == "display_data" and "image/png" in o.data]
        assert len(plots) == outcome.plots, cell.source
        if cells.is_graph(outcome.value):
            (result,) = [o for o in cell.outputs if o.output_type == "execute_result"]
            assert result.data["image/svg+xml"].lstrip().startswith("<?xml")
            assert shown(cell).startswith(outcome.printed)
        elif isinstance(outcome.value, Shown):          # a trace: HTML tables, and the text
            (result,) = [o for o in cell.outputs if o.output_type == "execute_result"]
            assert result.data["text/html"].startswith("<table") and "<caption" in result.data["text/html"]
            assert result.data["text/html"] == outcome.value._repr_html_()
            assert shown(cell) == outcome.text, cell.source
        elif outcome.cell.shows is not None and not outcome.cell.uses_gpu:
            expected = without_plots(outcome.cell.shows)
            assert shown(cell).rstrip("\n") == expected.rstrip("\n"), cell.source
        else:
            assert shown(cell) == without_plots(outcome.text), cell.source


def without_plots(text: str) -> str:
    """A lesson's text without the lines that stand for plots."""
    return re.sub(f"^{re.escape(cells.PLOT)}(\n|$)", "", text, flags=re.M)
