"""Fixtures for the alert store, the notifiers and ``mipr watch``: the bundled sample home and real receivers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alert_support import mail_server, receiver, write_source  # noqa: F401 - mail_server, receiver: fixtures

from mipr_rules.adapters.base import ReadContext
from mipr_rules.adapters.file_adapter import FileAdapter
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.readiness import ReadinessReport, run_readiness
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules.testing import TEST_KEY
from mipr_rules.testing.contract import sample_as_of


@pytest.fixture(scope="module")
def evaluator() -> Iterator[Evaluator]:
    """One engine for the module."""
    with Evaluator(processes=1) as engine:
        yield engine


@pytest.fixture(scope="module")
def ruleset(evaluator: Evaluator) -> Ruleset:
    """The installed ``cqc-readiness`` ruleset for the sample's date."""
    return Catalogue.installed(evaluator.pm).get("cqc-readiness", sample_as_of())


@pytest.fixture
def readiness(evaluator: Evaluator, ruleset: Ruleset, tmp_path: Path) -> Callable[..., ReadinessReport]:
    """``readiness(home, ..., as_of=date)``: read the homes with the file adapter and evaluate them (as watch
    does: a location that cannot be evaluated is named in the report's failures)."""

    def run(*homes: dict[str, Any], as_of: dt.date) -> ReadinessReport:
        source = write_source(tmp_path / "source.json", *homes)
        locations = FileAdapter().read(str(source), ReadContext(key=TEST_KEY))
        return run_readiness(locations, as_of=as_of, ruleset=ruleset, evaluator=evaluator, allow_incomplete=True)

    return run
