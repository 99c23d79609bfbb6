"""The layering contracts (.importlinter, run by ``lint-imports`` in tox's lint environment) hold, and fail when broken.

The broken cases run ``lint-imports`` on a copy of the package with one bad import planted, so that the test
proves the contracts would catch the arrow, not just that today's tree happens to pass.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import mipr_rules

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = ROOT / ".importlinter"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(package_parent: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    if not LINT_IMPORTS.exists():
        pytest.fail(f"lint-imports is not installed beside {sys.executable}: pip install import-linter")
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", "--config", str(CONTRACTS)],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the installed ``mipr_rules`` package, found first on PYTHONPATH."""
    shutil.copytree(Path(mipr_rules.__file__).parent, tmp_path / "mipr_rules",
                    ignore=shutil.ignore_patterns("__pycache__", "*.json", "*.yaml", "*.docx", "*.md", "*.txt"))
    return tmp_path


def test_the_tree_keeps_every_contract(copy: Path) -> None:
    done = lint_imports(copy, copy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 4 kept, 0 broken." in done.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # a model type reaching up to the engine
        ("model/_planted.py", "import mipr_rules.engine.evaluate\n", "Layers"),
        # loading a ruleset importing the engine (the condition language lives in ruleset/)
        ("ruleset/_planted.py", "from mipr_rules.engine import compile\n", "Layers"),
        # the engine importing a command
        ("engine/_planted.py", "import mipr_rules.commands.readiness\n", "Layers"),
        # a loop between the alert store and the notifiers
        ("alerts/model.py", "from mipr_rules.alerts import notify\n", "No import cycles"),
        # a command module importing the test package
        ("commands/_planted.py", "import mipr_rules.testing.contract\n", "mipr_rules.testing"),
        # click below commands/
        ("readiness.py", "import click\n", "click only in commands/"),
    ],
)
def test_a_planted_import_breaks_a_contract(copy: Path, module: str, line: str, broken: str) -> None:
    target = copy / "mipr_rules" / module
    target.write_text((target.read_text() if target.exists() else "") + line)
    done = lint_imports(copy, copy)
    assert done.returncode == 1, done.stdout + done.stderr
    section = done.stdout.split("Broken contracts", 1)[-1]
    assert broken in section, done.stdout
    named = "mipr_rules.alerts" if broken == "No import cycles" else "mipr_rules." + module[:-3].replace("/", ".")
    assert named in section, section
