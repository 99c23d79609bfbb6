"""Fixtures of the watch service tests: the sample home, one engine, real receivers and PostgreSQL databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from watch_support import mail_server, postgres_database, receiver  # noqa: F401 - fixtures

from mipr_rules.api import Session
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.testing.contract import sample_as_of


@pytest.fixture(scope="module")
def evaluator() -> Iterator[Evaluator]:
    """One engine for the module."""
    with Evaluator(processes=1) as engine:
        yield engine


@pytest.fixture(scope="module")
def sample_alerts(evaluator: Evaluator) -> int:
    """How many alerts a full readiness run gives on the sample home as of its date."""
    from mipr_rules.testing.contract import sample_location

    report = Session(evaluator=evaluator).readiness([sample_location()], as_of=sample_as_of())
    return len(list(report.alerts()))


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for the test (fails, saying how to start it, when the server is down)."""
    try:
        with postgres_database() as url:
            yield url
    except RuntimeError as exc:
        pytest.fail(str(exc))
