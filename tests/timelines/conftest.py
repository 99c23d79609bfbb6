"""Shared fixtures for the timeline tests: one engine for the module, and short helpers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from mipr_rules_cli.cli import cli

from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.facts.timeline_facts import TimelineEvent
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules.timelines import TimelineReport, run_timeline

FIXTURES = Path(__file__).parents[1] / "fixtures" / "timelines"


@pytest.fixture(scope="module")
def evaluator() -> Iterator[Evaluator]:
    with Evaluator(processes=1) as engine:
        yield engine


def event(name: str, day: str) -> TimelineEvent:
    return TimelineEvent(name, dt.date.fromisoformat(day))


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    """The installed ``cqc-timelines`` ruleset (loaded once: loading the catalogue takes a while)."""
    return Catalogue.installed().get("cqc-timelines")


@pytest.fixture
def timeline(evaluator: Evaluator, ruleset: Ruleset) -> Any:
    """``timeline(("report_published", "2025-02-10"), ..., as_of="2025-03-01", region=..., overrides=...)``."""

    def run(*events: tuple[str, str], as_of: str, **options: Any) -> TimelineReport:
        return run_timeline(
            [event(n, d) for n, d in events],
            as_of=dt.date.fromisoformat(as_of),
            evaluator=evaluator,
            **{"ruleset": ruleset, **options},
        )

    return run


def run_mipr(*args: str) -> Result:
    """Run ``mipr`` in-process, as a user would."""
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def mipr() -> Any:
    """``mipr("timeline", "--event", ...)`` → click ``Result`` (stdout, stderr, exit_code)."""
    return run_mipr


@pytest.fixture
def fixtures() -> Path:
    """tests/fixtures/timelines."""
    return FIXTURES
