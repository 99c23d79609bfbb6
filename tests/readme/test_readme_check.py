"""``tools/readme_check.py`` (``tox -e readme``) finds every command of the READMEs, runs the Python example
as written, prepares the files the commands name, and CI runs the README's own test command and cannot pass
on an empty test run. Running the READMEs for real takes minutes: that is ``tox -e readme``, not this file.
"""

from __future__ import annotations

import configparser
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def check() -> ModuleType:
    path = ROOT / "tools" / "readme_check.py"
    if not path.exists():
        pytest.skip("needs the source tree")
    spec = importlib.util.spec_from_file_location("readme_check", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["readme_check"] = module
    spec.loader.exec_module(module)
    return module


def test_the_core_readme_blocks_are_found(check: ModuleType) -> None:
    found = check.blocks(ROOT / "README.md", check.CORE_SECTIONS)
    assert {b.section for b in found} == set(check.CORE_SECTIONS)
    run = [c for b in found if not b.skip and b.lang == "sh" for c in check.commands(b)]
    assert run[0] == "python3 -m pip install . && mipr demo"
    assert "mipr demo                                   # the sample home, as of its own date" in run
    assert len([c for c in run if c.startswith("mipr ")]) >= 20
    (skipped,) = [b for b in found if b.skip]
    assert "tox run-parallel" in skipped.code and "test command" in skipped.skip
    (example,) = [b for b in found if b.lang == "python"]
    assert b"__main__" not in example.code.encode(), "the example is run as written, without a main guard"
    assert "print(" in example.code
    assert any(b.lang == "yaml" and b.code.startswith("# provider.yaml\n") for b in found)


def test_every_file_a_core_command_reads_is_prepared(check: ModuleType, tmp_path: Path) -> None:
    check.prepare_core(tmp_path)
    commands = [c for b in check.blocks(ROOT / "README.md", check.CORE_SECTIONS[1:]) for c in check.commands(b)]
    named = {
        word.rstrip("/")
        for command in commands
        for word in re.split(r"[\s=]+", command.split(" # ")[0].split(" > ")[0])
        if re.fullmatch(r"[\w.-]+\.(jsonl?|yaml|docx)|[\w-]+/", word)
    }
    written = {"provider.yaml"}  # from the README's own provider configuration block
    assert {"home.json", "report.docx", "panel.yaml", "scores.yaml", "location.json", "exports"} <= named
    assert sorted(n for n in named - written if not (tmp_path / n).exists()) == []


def test_commands_drop_prompts_and_comments_and_join_continuations(check: ModuleType) -> None:
    block = check.Block("x.md", 1, "s", "console", "$ mipr a \\\n    --b c\n# a comment\n\n$ mipr d  # why\n", None)
    expected = [["mipr", "a", "--b", "c"], ["mipr", "d", "#", "why"]]
    assert [command.split() for command in check.commands(block)] == expected


def test_a_command_that_needs_an_extra_says_which(check: ModuleType) -> None:
    reviews = [
        c for b in check.blocks(ROOT / "README.md", ["Commands"]) for c in check.commands(b) if "mipr review" in c
    ]
    assert reviews
    for review in reviews:
        assert check.needed_extra(review) is None, "mipr review runs on the plain install (spelling is the extra)"
    needs = "mipr review report.docx   # needs the extra: pip install 'mipr-rules[spelling]'"
    assert check.needed_extra(needs) == "mipr-rules[spelling]"
    assert check.needed_extra("pip install 'mipr-rules-adapter-sql[postgresql]'   # psycopg 3") is None
    assert check.needed_extra("mipr demo") is None


@pytest.mark.parametrize("name", ["fhir", "sql", "cqc"])
def test_each_adapter_readme_has_commands_that_run_and_says_why_others_do_not(check: ModuleType, name: str) -> None:
    found = [b for b in check.blocks(ROOT / "adapters" / name / "README.md") if b.lang in ("sh", "console", "python")]
    ran = [b for b in found if not b.skip]
    assert any(b.lang == "python" for b in ran), "the Python example runs"
    assert any(f"--adapter {name}" in c for b in ran for c in check.commands(b)), "a readiness command runs"
    for block in found:
        assert block.skip is None or len(block.skip) > 20, f"{block.readme}:{block.line}: say why it is not run"
    for block in ran:
        assert "ReadContext()" not in block.code, "there is no implicit pseudonymisation key"


def test_ci_runs_the_readme_test_command(check: ModuleType) -> None:
    command = check.test_command()
    assert command.startswith("python3 -m pip install --upgrade tox && python3 -m tox run-parallel")
    script = (ROOT / ".ci" / "run").read_text()
    assert "set -euo pipefail" in script
    assert '"$(python3 tools/readme_check.py --test-command)"' in script
    assert 'bash -euo pipefail -c "$test_command"' in script


def test_no_environment_can_pass_on_an_empty_or_failing_test_run() -> None:
    """tox fails an environment on any non-zero exit, pytest's 5 (no tests collected) included, unless a
    command is prefixed with ``-`` or the outcome is ignored: neither is allowed."""
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(ROOT / "tox.ini")
    env_list = tox.get("tox", "env_list").split()
    assert "readme" in env_list
    for section in tox.sections():
        assert tox.get(section, "ignore_outcome", fallback="false").strip() == "false", section
        assert tox.get(section, "ignore_errors", fallback="false").strip() == "false", section
        lines = tox.get(section, "commands", fallback="").strip().splitlines()
        assert not [line for line in lines if line.strip().startswith("-")], f"[{section}] ignores an exit code"
