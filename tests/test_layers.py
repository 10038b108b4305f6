"""The layers run one way (pyproject.toml's import-linter contracts), and the contracts
would notice an import that goes up a layer, lazy ones inside functions included."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(project: Path) -> subprocess.CompletedProcess:
    """lint-imports run in `project`, on the ad_tutorial package found there."""
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=project, capture_output=True,
                          text=True, timeout=120)


def test_every_contract_is_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize("module, planted, complaint", [
    ("forward.py", "from .tables import render", "ad_tutorial.forward -> ad_tutorial.tables"),
    ("results.py", "from . import graphs", "ad_tutorial.results -> ad_tutorial.graphs"),
    ("explorer/limits.py", "from ..cli import main", "ad_tutorial.explorer.limits -> "
                                                     "ad_tutorial.cli"),
    ("lessons/commands.py", "from .. import cli", "ad_tutorial.lessons.commands -> "
                                                  "ad_tutorial.cli"),
    ("bench/jacobian.py", "from .. import figures", "ad_tutorial.bench.jacobian -> "
                                                    "ad_tutorial.figures"),
    ("explorer/server.py", "from ..bench import core", "ad_tutorial.explorer.server -> "
                                                       "ad_tutorial.bench.core"),
    ("practice/diagnosis.py", "from ..explorer import page", "ad_tutorial.practice.diagnosis -> "
                                                             "ad_tutorial.explorer.page"),
    ("tables.py", "from .practice import exercise", "ad_tutorial.tables -> "
                                                    "ad_tutorial.practice.exercise"),
    ("trace.py", "import matplotlib", "ad_tutorial.trace -> matplotlib"),
    ("expression.py", "import torch", "ad_tutorial.expression -> torch"),
])
def test_an_upward_import_breaks_a_contract(tmp_path, module, planted, complaint):
    shutil.copytree(ROOT / "ad_tutorial", tmp_path / "ad_tutorial",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with open(tmp_path / "ad_tutorial" / module, "a", encoding="utf-8") as f:
        f.write(f"\n\ndef _planted():\n    {planted}\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout
    assert complaint in result.stdout


def test_a_new_module_must_be_given_a_layer(tmp_path):
    shutil.copytree(ROOT / "ad_tutorial", tmp_path / "ad_tutorial",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    (tmp_path / "ad_tutorial" / "stray.py").write_text('"""A module in no layer."""\n')
    result = lint_imports(tmp_path)
    assert result.returncode == 1 and "ad_tutorial.stray" in result.stdout
