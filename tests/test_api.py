"""``mipr_rules.api.Session``, the public front door: what a vendor calling it sees."""

from __future__ import annotations

import datetime as dt
import sys
import types
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

import mipr_rules
from mipr_rules import api, plugins
from mipr_rules.api import Session, TimelineEvent
from mipr_rules.explain import ExplainRequest
from mipr_rules.facts.base import FactContext, FactType
from mipr_rules.model import Location
from mipr_rules.readiness import ReadinessReport


def test_the_public_names_are_listed_and_importable() -> None:
    assert "Session" in api.__all__ and "EvaluationIncomplete" in api.__all__
    assert all(hasattr(api, name) for name in api.__all__)
    assert "Stability" in (api.__doc__ or "")


def test_readiness_from_a_source_equals_the_report_of_the_command(
    sample_json: Path, as_of: dt.date, sample_report: ReadinessReport
) -> None:
    with Session(processes=1) as session:
        report = session.readiness(source=str(sample_json), as_of=as_of)
    assert [a.as_dict() for a in report.alerts()] == [a.as_dict() for a in sample_report.alerts()]
    assert report.complete


def test_overrides_of_the_provider_configuration_apply(tmp_path: Path, sample: Location, as_of: dt.date) -> None:
    provider = tmp_path / "provider.yaml"
    provider.write_text("parameters:\n  cqc-readiness:\n    care_plan_review_days: 60\n")
    with Session.from_config(provider, processes=1) as session:
        report = session.readiness([sample], as_of=as_of)
    assert report.parameters["care_plan_review_days"] == 60
    assert "care_plan_review_overdue" not in {a.rule_id for a in report.alerts()}, "45 days is within 60"


def test_a_bad_configuration_is_one_error_before_anything_runs(tmp_path: Path, as_of: dt.date) -> None:
    provider = tmp_path / "provider.yaml"
    provider.write_text("parameters:\n  cqc-readiness:\n    no_such_parameter: 1\n")
    with Session.from_config(provider, processes=1) as session, pytest.raises(api.ConfigError) as raised:
        session.readiness(source=str(tmp_path / "never-read.json"), as_of=as_of)
    assert "no_such_parameter" in str(raised.value)


def test_timeline_uses_the_configured_region(tmp_path: Path) -> None:
    provider = tmp_path / "provider.yaml"
    provider.write_text("region: scotland\n")
    with Session.from_config(provider, processes=1) as session:
        report = session.timeline([TimelineEvent("draft_report_received", dt.date(2024, 12, 20))],
                                  as_of=dt.date(2025, 1, 6))
    assert report.region == "scotland"
    assert any(d.spec.deadline == "factual_accuracy_comments" for d in report.deadlines)


class _Counting:
    """A real fact calculator that counts how often it measures a location."""

    name = "counting"
    subject_type = Location
    fact_types = (FactType("counted", "How often the location was measured", {"n": "integer"}),)
    calls = 0

    def calculate(self, subject: Location, context: FactContext) -> Iterable[dict[str, Any]]:
        type(self).calls += 1
        yield {"type": "counted", "subject": "location", "n": type(self).calls}


@pytest.fixture
def counting_pm() -> Iterator[Any]:
    module = types.ModuleType("counting_plugin")

    @mipr_rules.hookimpl
    def mipr_register_fact_calculators(register: Any) -> None:
        register(_Counting())

    module.mipr_register_fact_calculators = mipr_register_fact_calculators  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    pm = plugins.make_plugin_manager()
    pm.register(module, name=module.__name__)
    _Counting.calls = 0
    yield pm
    del sys.modules[module.__name__]


def test_explain_measures_each_location_once(counting_pm: Any, sample_json: Path, as_of: dt.date) -> None:
    with Session(pm=counting_pm, processes=1) as session:
        explained = session.explain_readiness(ExplainRequest(), source=str(sample_json), as_of=as_of)
    assert _Counting.calls == 1, "--explain reuses the facts the evaluation measured"
    assert explained.report.alerts() and len(explained.explanations) == 1
