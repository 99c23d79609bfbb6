"""Shared fixtures for the eligibility tests: one engine for the module, CQC records and nominations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from mipr_rules_cli.cli import cli

from mipr_rules.eligibility import EligibilityReport, assess_eligibility, nomination_from_data
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.ruleset.schema import Ruleset

FIXTURES = Path(__file__).parents[1] / "fixtures" / "eligibility"


@pytest.fixture(scope="module")
def evaluator() -> Iterator[Evaluator]:
    with Evaluator(processes=1) as engine:
        yield engine


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    return Catalogue.installed().get("improvement-inspections-2023")


@pytest.fixture
def assess(evaluator: Evaluator, ruleset: Ruleset) -> Any:
    """``assess(cqc_record, nomination_dict_or_None, as_of="2023-02-01")`` → ``EligibilityReport``."""

    def run(
        data: dict[str, Any], nomination: dict[str, Any] | None = None, as_of: str = "2023-02-01", **options: Any
    ) -> EligibilityReport:
        nom = nomination_from_data(nomination, "nomination") if nomination is not None else None
        return assess_eligibility(
            data,
            nom,
            as_of=dt.date.fromisoformat(as_of),
            source="test.json",
            evaluator=evaluator,
            ruleset=ruleset,
            **options,
        )

    return run


@pytest.fixture
def mipr() -> Any:
    def run(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args))

    return run
