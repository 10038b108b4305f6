"""The README's examples run: its console sessions and its Python session print what it shows."""

from __future__ import annotations

import doctest
import re
import shlex
from pathlib import Path

import pytest

from ad_tutorial.cli import main

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def console_examples() -> list[tuple[str, str]]:
    """(command, expected output) for each `$ ad-tutorial trace|check …` in a console block."""
    examples = []
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        for command, output in re.findall(r"^\$ (.*)\n((?:(?!\$ ).*\n)*)", block, flags=re.M):
            if re.match(r"ad-tutorial (trace|check) ", command):
                examples.append((command, output))
    return examples


def test_the_readme_has_examples_to_check():
    assert len(console_examples()) >= 4


@pytest.mark.parametrize("command, expected", console_examples(),
                         ids=[c[:50] for c, _ in console_examples()])
def test_console_examples_print_what_the_readme_shows(capsys, command, expected):
    main(shlex.split(command)[1:])
    captured = capsys.readouterr()
    assert (captured.out + captured.err).rstrip() == expected.rstrip()


def test_python_session_prints_what_the_readme_shows():
    session = re.search(r"```python\n(>>> .*?)```", README, flags=re.S)[1]
    test = doctest.DocTestParser().get_doctest(session, {}, "README", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0 and runner.tries >= 6


def test_python_script_blocks_print_what_the_readme_shows(tmp_path):
    """A ```python block followed by a ```text block: running the one prints the other."""
    import subprocess
    import sys

    pairs = re.findall(r"```python\n((?!>>>).*?)```\n```text\n(.*?)```", README, flags=re.S)
    assert pairs
    for k, (code, expected) in enumerate(pairs):
        script = tmp_path / f"block{k}.py"
        script.write_text(code, encoding="utf-8")
        done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                              cwd=tmp_path, timeout=300)
        assert done.returncode == 0, done.stderr
        assert done.stdout.rstrip() == expected.rstrip()
