"""The layers contract (pyproject's [tool.importlinter]) holds for the code and fails on a
deliberately forbidden import: a copy of the package where core imports the dashboard, and one
where two sibling domain apps import each other."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(
        ROOT / "fugong",
        tmp_path / "fugong",
        ignore=shutil.ignore_patterns("__pycache__", "static", "templates", "locale", "fonts"),
    )
    return tmp_path


def test_it_keeps_the_layers_of_the_code_as_it_is(tmp_path):
    result = _lint(_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("core/codes.py", "fugong.dashboard.views"),  # a lower layer importing a higher one
        ("reporting/stats.py", "fugong.workorders.models"),  # one sibling importing another
    ],
)
def test_it_breaks_the_contract_on_a_forbidden_import(tmp_path, module, forbidden):
    tree = _copy(tmp_path)
    path = tree / "fugong" / module
    path.write_text(path.read_text() + f"\nimport {forbidden}  # noqa\n")
    result = _lint(tree)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout
    assert forbidden in result.stdout
