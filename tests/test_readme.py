"""The README's examples run: its console sessions and its Python sessions print what it shows."""

from __future__ import annotations

import doctest
import re
import shlex
from pathlib import Path

import pytest

from ad_tutorial.cli import main

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


RUN = re.compile(r"ad-tutorial (trace|check|hessian|exercise) ")


def console_examples() -> list[tuple[str, str, dict[str, str]]]:
    """(command, expected output, files) for each `$ ad-tutorial trace|check|hessian|exercise …`
    in a console block; `$ cat FILE` earlier in the same block shows a file the command reads."""
    examples = []
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        files: dict[str, str] = {}
        for command, output in re.findall(r"^\$ (.*)\n((?:(?!\$ ).*\n)*)", block, flags=re.M):
            if command.startswith("cat "):
                files[command[4:]] = output
            elif RUN.match(command):
                examples.append((command, output, dict(files)))
    return examples


def test_the_readme_has_examples_to_check():
    assert len(console_examples()) >= 6
    assert any(files for _, _, files in console_examples())


@pytest.mark.parametrize("command, expected, files", console_examples(),
                         ids=[c[:50] for c, _, _ in console_examples()])
def test_console_examples_print_what_the_readme_shows(capsys, monkeypatch, tmp_path, command,
                                                      expected, files):
    monkeypatch.chdir(tmp_path)
    for name, content in files.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    main(shlex.split(command)[1:])
    captured = capsys.readouterr()
    assert (captured.out + captured.err).rstrip() == expected.rstrip()


def test_python_sessions_print_what_the_readme_shows():
    sessions = re.findall(r"```python\n(>>> .*?)```", README, flags=re.S)
    assert len(sessions) >= 2
    for k, session in enumerate(sessions):
        test = doctest.DocTestParser().get_doctest(session, {}, f"README[{k}]", "README.md", 0)
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
