"""Shared fixtures of the core's tests: the bundled sample home, the shipped ruleset, one engine evaluator
per session (workers are processes: starting them once keeps the suite fast) and the installed ``mipr``.

Engine tests use the real durable-rules engine. Anything that can crash the C core runs in a supervised
worker (``EnginePool``) or a child interpreter, never in the pytest process.
"""

from __future__ import annotations

import atexit
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mipr_rules.api import Session
from mipr_rules.convert import converter
from mipr_rules.engine.compile import CompiledRuleset, compile_ruleset
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.model import Location
from mipr_rules.readiness import ReadinessReport
from mipr_rules.ruleset.loader import load_ruleset
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules.testing.contract import sample_as_of, sample_location, sample_path

# Tests never read or write the user's own configuration directory, where the pseudonymisation key lives
# (mipr_rules.privacy.default_key_path); set before anything runs, so child processes inherit it too.
_CONFIG_HOME = tempfile.mkdtemp(prefix="mipr-tests-config-")
os.environ["XDG_CONFIG_HOME"] = _CONFIG_HOME
atexit.register(shutil.rmtree, _CONFIG_HOME, True)
# A fixed test key, so that no command prints the first-run key notice in the middle of a test's output
# (tests/test_privacy.py removes it to test that notice).
os.environ.setdefault("MIPR_RULES_PSEUDONYM_KEY", "mipr-rules test suite key")

SHIPPED_RULESET = "cqc-readiness.yaml"


def shipped_ruleset_path() -> Path:
    """The ``cqc-readiness`` file as installed (inside the core wheel as ``mipr_rules/rulesets``)."""
    from importlib import resources

    return Path(str(resources.files("mipr_rules.rulesets") / SHIPPED_RULESET))


@pytest.fixture(scope="session")
def as_of() -> dt.date:
    """The date the sample home is written for."""
    return sample_as_of()


@pytest.fixture(scope="session")
def sample() -> Location:
    """The bundled Sunrise House, read by the built-in file adapter."""
    return sample_location()


@pytest.fixture(scope="session")
def sample_json() -> Path:
    """``location.json`` of the sample home."""
    return sample_path()


@pytest.fixture
def home() -> dict[str, Any]:
    """The sample home (Sunrise House) as JSON data, a fresh copy for each test to change."""
    return json.loads(sample_path().read_text())  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def sample_csv() -> Path:
    """The CSV-folder rendering of the sample home."""
    return sample_path("csv")


@pytest.fixture(scope="session")
def cqc_ruleset() -> Ruleset:
    """The shipped ``cqc-readiness`` ruleset."""
    return load_ruleset(shipped_ruleset_path())


@pytest.fixture(scope="session")
def evaluator() -> Iterator[Evaluator]:
    """One evaluator (two engine workers) shared by the tests that only read from it."""
    with Evaluator(processes=2, timeout=60) as shared:
        yield shared


@pytest.fixture(scope="session")
def sample_report(evaluator: Evaluator, sample: Location, as_of: dt.date) -> ReadinessReport:
    """Readiness of the sample home as of its own date, with the shipped ruleset's defaults."""
    return Session(evaluator=evaluator).readiness([sample], as_of=as_of)


def ruleset_data(rules: list[dict[str, Any]], parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    """A minimal ruleset document around ``rules`` (each rule gets a title and source if it has none)."""
    return {
        "id": "test-rules",
        "version": "1.0.0",
        "framework": "SAF_2024_12",
        "title": "Rules written by a test",
        "kind": "readiness",
        "effective_from": "2024-12-01",
        "sources": [{"id": "src", "title": "A source"}],
        "parameters": parameters or {},
        "rules": [{"title": r["id"], "source": "src", **r} for r in rules],
    }


@pytest.fixture
def make_ruleset() -> Callable[..., Ruleset]:
    """Build a ``Ruleset`` from rule dicts without the loader (so shapes the loader refuses can be built)."""

    def build(rules: list[dict[str, Any]], parameters: dict[str, Any] | None = None) -> Ruleset:
        return converter.structure(ruleset_data(rules, parameters), Ruleset)

    return build


@pytest.fixture
def compiled_rules(make_ruleset: Callable[..., Ruleset]) -> Callable[..., CompiledRuleset]:
    """Compile rule dicts through the real compiler (no fact-field checks unless ``fields`` is given)."""

    def build(
        rules: list[dict[str, Any]],
        fields: dict[str, dict[str, str]] | None = None,
        parameters: dict[str, Any] | None = None,
    ) -> CompiledRuleset:
        return compile_ruleset(make_ruleset(rules, parameters), fact_fields=fields)

    return build


@pytest.fixture
def write_ruleset(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write ruleset text to ``tmp_path/<name>`` and return its path."""

    def write(text: str, name: str = "rules.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def mipr_executable() -> str:
    """The ``mipr`` console script of the interpreter running the tests."""
    candidate = Path(sys.executable).parent / "mipr"
    return str(candidate) if candidate.exists() else "mipr"


def cli_env(**extra: str) -> dict[str, str]:
    """A stable environment for the CLI: no colour, wide lines, no debug tracebacks."""
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "MIPR_RULES_DEBUG", "COLUMNS")}
    env.update(NO_COLOR="1", COLUMNS="200", MIPR_RULES_WORKERS="1", **extra)
    return env


@pytest.fixture
def mipr() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the installed ``mipr`` in a child process; returns the completed process (text)."""

    def run(
        *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [mipr_executable(), *args],
            capture_output=True,
            text=True,
            cwd=cwd,
            env=env or cli_env(),
            timeout=timeout,
            check=False,
        )

    return run


@pytest.fixture
def run_python(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run a Python snippet in a fresh interpreter (for what may crash, or needs a clean process).

    It runs in a scratch folder: ``python -c`` puts its working directory first on ``sys.path``, and the
    repository's source tree must not shadow the installed package under test.
    """

    def run(code: str, *flags: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *flags, "-c", code],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=cli_env(),
            cwd=tmp_path,
        )

    return run


def single_line(text: str) -> str:
    """``text`` must be exactly one non-empty line; returns it."""
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got {len(lines)}:\n{text}"
    return lines[0]


@pytest.fixture
def one_line() -> Callable[[str], str]:
    """Assert a message is one line (errors are one line naming file and place)."""
    return single_line
