"""Shared fixtures for the rating tests: one engine and one catalogue for the module."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from click.testing import CliRunner, Result
from mipr_rules_cli.cli import cli

from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.rating import RatingReport, rate, scores_from_data
from mipr_rules.ruleset.catalogue import Catalogue


@pytest.fixture(scope="module")
def evaluator() -> Iterator[Evaluator]:
    with Evaluator(processes=1) as engine:
        yield engine


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.installed()


@pytest.fixture
def rating(evaluator: Evaluator, catalogue: Catalogue) -> Any:
    """``rating({"scores": {...}}, overrides={"saf-rating-2024": {...}})`` → ``RatingReport``."""

    def run(
        data: Mapping[str, Any], framework: str | None = None, overrides: Mapping[str, Mapping[str, Any]] | None = None
    ) -> RatingReport:
        scores = scores_from_data(data, "scores.yaml", framework)
        return rate(scores, as_of=dt.date(2025, 6, 1), overrides=overrides, evaluator=evaluator, catalogue=catalogue)

    return run


@pytest.fixture
def mipr() -> Any:
    def run(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args))

    return run
