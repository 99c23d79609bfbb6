"""Fixtures of the rule-testing tests: one ``Runner`` (engine workers) per session, test files in tmp_path."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mipr_rules import plugins
from mipr_rules.api import Session
from mipr_rules.ruletest.runner import CaseResult, Runner

BASE = """\
ruleset: cqc-readiness
as_of: 2026-11-02
base:
  location_id: 1-T
  name: Test Home
  provider: {provider_id: 1-P}
  registered_manager_id: S01
  audits:
    - {kind: medication, completed: 2026-10-20}
    - {kind: infection_control, completed: 2026-09-15}
    - {kind: care_plans, completed: 2026-10-20}
    - {kind: health_and_safety, completed: 2026-03-01}
  feedback:
    - {received: 2026-10-01, source: person}
    - {received: 2026-10-01, source: staff}
    - {received: 2026-10-01, source: partner}
  evidence:
    - {category: observation, collected: 2026-10-01}
  checks:
    - {kind: fire_alarm_test, completed: 2026-10-30}
    - {kind: fire_drill, completed: 2026-06-01}
    - {kind: controlled_drugs, completed: 2026-10-30}
    - {kind: call_bell_response, completed: 2026-10-20}
  policies:
    - {kind: statement_of_purpose, reviewed: 2026-03-01}
    - {kind: whistleblowing, reviewed: 2026-03-01}
    - {kind: equality_diversity, reviewed: 2026-03-01}
    - {kind: equality_outcomes_review, reviewed: 2026-03-01}
    - {kind: sustainability, reviewed: 2026-03-01}
  staffing_reviews:
    - {reviewed: 2026-10-20, required_hours: 1000, rostered_hours: 1000}
"""
"""The head of a test file on a compliant home (cases follow under ``cases:``)."""


@pytest.fixture(scope="session")
def runner() -> Iterator[Runner]:
    """A rule-test runner with one engine worker, shared by the session."""
    with Session(pm=plugins.make_plugin_manager(), processes=1) as session, session.rule_tests() as shared:
        yield shared


@pytest.fixture
def tests_file(tmp_path: Path) -> Callable[..., Path]:
    """Write a rule-test file: ``tests_file(cases_yaml)`` puts the cases under the compliant ``BASE``."""

    def write(cases: str, *, head: str = BASE, name: str = "home.tests.yaml") -> Path:
        path = tmp_path / name
        path.write_text(head + "cases:\n" + textwrap.indent(textwrap.dedent(cases), "  "), encoding="utf-8")
        return path

    return write


@pytest.fixture
def run_file(runner: Runner) -> Callable[[Path], list[CaseResult]]:
    """Load and run every case of a file; returns the results."""

    def run(path: Path) -> list[CaseResult]:
        return [result for result, _ in runner.run_suite(runner.load(path))]

    return run
