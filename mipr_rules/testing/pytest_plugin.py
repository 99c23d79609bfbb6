"""pytest plugin of mipr-rules: rule-test files as pytest items, and fixtures for vendors' own tests.

Installed with mipr-rules (entry point ``pytest11``, name ``mipr_rules``; disable with ``-p no:mipr_rules``).

- Every ``*.tests.yaml`` file under the paths pytest collects whose top level has ``ruleset:`` becomes a
  test file and each of its cases a test, run through the real engine exactly as ``mipr rules test`` runs it.
  A malformed file is a collection error naming its file and line. Turn collection off with the ini option
  ``mipr_rules_collect = false``.
- ``mipr_rules_plugins`` (ini, one module per line): plugin modules to register (fact calculators,
  adapters, rulesets) besides those installed through entry points.
- Fixtures: ``mipr_session`` (the ``mipr_rules.api.Session`` the ones below come from),
  ``mipr_plugin_manager`` (the session's plugin manager), ``mipr_evaluator`` (an ``Evaluator`` on
  it), ``mipr_rule_runner`` (the ``Runner`` that runs the collected cases), and ``mipr_as_of``: a frozen
  as-of date (the ``mipr_as_of("YYYY-MM-DD")`` marker, else the ``mipr_rules_as_of`` ini option, else the
  bundled sample home's date) that the ``mipr`` commands also use instead of today while the test runs.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import pluggy

    from mipr_rules.api import Session
    from mipr_rules.engine.evaluate import Evaluator
    from mipr_rules.ruletest.runner import CaseResult, Runner
    from mipr_rules.ruletest.suite import LoadedCase, Suite

_RUNNER = pytest.StashKey["Runner"]()
_SESSION = pytest.StashKey["Session"]()
_LOOKS_LIKE = re.compile(r"^ruleset\s*:", re.MULTILINE)
SUFFIX = ".tests.yaml"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("mipr_rules_collect", type="bool", default=True,
                  help="mipr-rules: collect *.tests.yaml rule-test files (default true).")
    parser.addini("mipr_rules_plugins", type="linelist", default=[],
                  help="mipr-rules: plugin modules to register, one per line.")
    parser.addini("mipr_rules_as_of", default="", help="mipr-rules: the frozen as-of date of mipr_as_of.")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "mipr_as_of(date): the frozen as-of date (YYYY-MM-DD) of mipr_as_of")


def _runner(config: pytest.Config) -> Runner:
    """The session's rule-test runner (created on first use, closed at the end)."""
    if _RUNNER not in config.stash:
        from mipr_rules import plugins
        from mipr_rules.api import Session

        pm = plugins.make_plugin_manager()
        for name in config.getini("mipr_rules_plugins"):
            if not pm.has_plugin(name):
                pm.register(importlib.import_module(name), name=name)
        session = Session(pm=pm, processes=1)
        runner = session.rule_tests()
        config.stash[_SESSION] = session
        config.stash[_RUNNER] = runner
        config.add_cleanup(session.close)
    return config.stash[_RUNNER]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if not file_path.name.endswith(SUFFIX) or not parent.config.getini("mipr_rules_collect"):
        return None
    try:
        head = file_path.read_text(encoding="utf-8", errors="replace")[:65536]
    except OSError:
        return None
    if not _LOOKS_LIKE.search(head):
        return None
    return RuleTestFile.from_parent(parent, path=file_path)


class RuleCaseFailed(Exception):
    """A rule-test case failed or could not run."""

    def __init__(self, result: CaseResult) -> None:
        super().__init__(result.name)
        self.result = result


class RuleTestFile(pytest.File):
    """A ``*.tests.yaml`` file."""

    def collect(self) -> Iterator[pytest.Item]:
        from mipr_rules.errors import MiprRulesError

        try:
            suite = _runner(self.config).load(self.path)
        except MiprRulesError as exc:
            raise self.CollectError(str(exc)) from None
        for case in suite.cases:
            yield RuleTestItem.from_parent(self, name=case.name, suite=suite, case=case)


class RuleTestItem(pytest.Item):
    """One case of a rule-test file."""

    def __init__(self, *, suite: Suite, case: LoadedCase, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.suite = suite
        self.case = case

    def runtest(self) -> None:
        runner = _runner(self.config)
        for result, _ in runner.run_suite(self.suite, names={self.case.name}):
            if result.status != "passed":
                raise RuleCaseFailed(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, RuleCaseFailed):
            return "\n".join(excinfo.value.result.lines())
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.case.line - 1, f"{self.suite.ruleset_id}: {self.case.name}"


@pytest.fixture(scope="session")
def mipr_rule_runner(pytestconfig: pytest.Config) -> Runner:
    """The rule-test runner of the session (``runner.load(path)``, ``runner.run_suite(suite)``)."""
    return _runner(pytestconfig)


@pytest.fixture(scope="session")
def mipr_session(pytestconfig: pytest.Config) -> Session:
    """The ``mipr_rules.api.Session`` of the test session: its plugin manager, evaluator and rule-test runner."""
    _runner(pytestconfig)
    return pytestconfig.stash[_SESSION]


@pytest.fixture(scope="session")
def mipr_plugin_manager(mipr_rule_runner: Runner) -> pluggy.PluginManager:
    """The session's mipr-rules plugin manager: built-ins, entry points and ``mipr_rules_plugins``."""
    return mipr_rule_runner.pm


@pytest.fixture(scope="session")
def mipr_evaluator(mipr_rule_runner: Runner) -> Evaluator:
    """An ``Evaluator`` on the session's plugin manager (its engine workers stop at the end of the session)."""
    return mipr_rule_runner.evaluator


def _frozen_date(request: pytest.FixtureRequest) -> dt.date:
    marker = request.node.get_closest_marker("mipr_as_of")
    value: Any = marker.args[0] if marker and marker.args else request.config.getini("mipr_rules_as_of")
    if not value:
        from mipr_rules.samples import sample_as_of

        return sample_as_of()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise pytest.UsageError(f"mipr_as_of: {value!r} is not a date (YYYY-MM-DD)") from None


@pytest.fixture
def mipr_as_of(request: pytest.FixtureRequest) -> Iterator[dt.date]:
    """A frozen as-of date; while the test runs ``mipr_rules.clock.today()`` (what the commands read) returns it."""
    from mipr_rules import clock

    with clock.frozen(_frozen_date(request)) as day:
        yield day
