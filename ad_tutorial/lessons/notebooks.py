"""Lessons as Jupyter notebooks (nbformat v4): a markdown explanation before each code cell.

The notebook is written from the same Lesson the terminal runs and the tests check,
so both always teach the same cells. Graph cells end in a graphviz object, which
Jupyter draws in place; cells that show a trace or a sweep end in that object, which
Jupyter shows as HTML tables.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..atomic import write_text
from .cells import Lesson

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def notebook(lesson: Lesson) -> Any:
    """The lesson as an nbformat v4 notebook: title, then per cell its explanation and code.

    Cell ids are derived from the lesson's name and position, so writing the same
    lesson twice gives the same file.
    """
    from nbformat import v4

    def markdown(text: str) -> Any:
        return v4.new_markdown_cell(text, id=f"{lesson.name}-md-{len(cells)}")

    cells: list[Any] = []
    cells.append(markdown(
        f"# {lesson.title}\n\nIn this lesson: {lesson.about}. It follows {lesson.sources}."
        f"\n\nWritten by `ad-tutorial notebook {lesson.name}`; the package's tests run every "
        "cell against the installed torch and check what it shows."))
    for number, cell in enumerate(lesson.cells, 1):
        if cell.section is not None:
            cells.append(markdown(f"## {cell.section}"))
        text = cell.says
        if cell.tutorial is not None:
            text += f"\n\nThe tutorial, with torch 1.8.1, showed:\n\n```\n{cell.tutorial}\n```"
        cells.append(markdown(text))
        cells.append(v4.new_code_cell(cell.code, id=f"{lesson.name}-{number}"))
    nb = v4.new_notebook(cells=cells, metadata={
        "kernelspec": KERNELSPEC, "language_info": {"name": "python"}})
    return nb


def write_notebook(lesson: Lesson, directory: str | os.PathLike[str]) -> Path:
    """Write `lesson` to DIRECTORY/NAME.ipynb (atomically) and return the path."""
    import nbformat

    nb = notebook(lesson)
    nbformat.validate(nb)
    path = Path(directory) / f"{lesson.name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, nbformat.writes(nb) + "\n")
    return path
