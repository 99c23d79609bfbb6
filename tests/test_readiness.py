"""Readiness of the bundled sample home: the planted gaps, the JSON contract, the CSV rendering, overrides."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest

from mipr_rules.adapters.base import ReadContext
from mipr_rules.adapters.file_adapter import FileAdapter
from mipr_rules.api import Session
from mipr_rules.config import load_config
from mipr_rules.convert import structure, unstructure
from mipr_rules.engine.durable_core import MAX_VALUE_BYTES
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.errors import ConfigError, EvaluationIncomplete
from mipr_rules.model import Location
from mipr_rules.outputs.json_output import JsonOutput
from mipr_rules.outputs.text import TextOutput
from mipr_rules.readiness import ReadinessReport, run_readiness
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules.samples.generate import PLANTED_GAPS
from mipr_rules.severity import SEVERITIES
from mipr_rules.testing import TEST_KEY

ALERT_KEYS = {
    "rule",
    "title",
    "severity",
    "key_question",
    "quality_statement",
    "evidence_category",
    "regulation",
    "limiter",
    "subject",
    "message",
    "ruleset",
    "source",
    "facts",
    "parameters",
    "location_id",
    "as_of",
}


def _alerts(report: ReadinessReport) -> list[tuple[str, str, str, str]]:
    return sorted((a.rule_id, a.subject, a.severity, a.message) for a in report.alerts())


def test_every_planted_gap_is_reported_exactly_once_and_nothing_else(sample_report: ReadinessReport) -> None:
    found = Counter((a.rule_id, a.subject) for a in sample_report.alerts())
    assert found == Counter(PLANTED_GAPS)


def test_the_sample_meta_lists_the_same_planted_gaps(sample_json: Path) -> None:
    meta = json.loads((sample_json.parent / "meta.json").read_text())
    assert sorted((g["rule"], g["subject"]) for g in meta["planted_gaps"]) == sorted(PLANTED_GAPS)


def test_the_report_is_for_the_one_sample_location(sample_report: ReadinessReport, as_of: dt.date) -> None:
    (location,) = sample_report.locations
    assert (location.location_id, location.name, location.error) == ("1-000000001", "Sunrise House", None)
    assert sample_report.as_of == as_of
    assert sample_report.worst_severity() == "critical"
    assert sample_report.ruleset.id == "cqc-readiness"


def test_the_json_contract(sample_report: ReadinessReport, as_of: dt.date) -> None:
    document = json.loads(JsonOutput().render(sample_report))
    assert {"kind", "as_of", "region", "ruleset", "parameters", "summary", "locations", "skipped"} <= set(
        document
    )
    assert document["kind"] == "readiness" and document["as_of"] == as_of.isoformat()
    assert document["ruleset"] == {"id": "cqc-readiness", "version": "1.1.0", "framework": "SAF_2024_12"}
    assert document["summary"]["alerts"] == len(PLANTED_GAPS)
    assert sum(document["summary"]["by_severity"].values()) == len(PLANTED_GAPS)
    assert set(document["summary"]["by_severity"]) == set(SEVERITIES)
    (location,) = document["locations"]
    assert len(location["alerts"]) == len(PLANTED_GAPS)
    for alert in location["alerts"]:
        assert set(alert) >= ALERT_KEYS, ALERT_KEYS - set(alert)
        assert alert["rule"] and alert["subject"] and alert["message"]
        assert alert["severity"] in SEVERITIES
        assert alert["quality_statement"], alert["rule"]
        assert alert["ruleset"] == {"id": "cqc-readiness", "version": "1.1.0"}
        assert alert["source"]["id"] and alert["source"]["title"]
        assert alert["location_id"] == "1-000000001" and alert["as_of"] == as_of.isoformat()
    grouped = [a["rule"] for group in location["groups"] for a in group["alerts"]]
    assert sorted(grouped) == sorted(a["rule"] for a in location["alerts"])


def test_alerts_are_grouped_by_quality_statement(sample_report: ReadinessReport) -> None:
    (location,) = sample_report.locations
    groups = location.by_quality_statement()
    assert next(iter(groups))[0] == "Safe"
    assert [kq for kq, _ in groups] == sorted(
        (kq for kq, _ in groups), key=["Safe", "Effective", "Caring", "Responsive", "Well-led"].index
    )
    for (kq, qs), alerts in groups.items():
        assert all((a.maps_to.key_question, a.maps_to.quality_statement) == (kq, qs) for a in alerts)


def test_the_csv_rendering_gives_identical_alerts(
    sample_report: ReadinessReport, sample_csv: Path, evaluator: Evaluator, as_of: dt.date
) -> None:
    (from_csv,) = FileAdapter().read(str(sample_csv), ReadContext(key=TEST_KEY))
    report = Session(evaluator=evaluator).readiness([from_csv], as_of=as_of)
    assert _alerts(report) == _alerts(sample_report)
    assert report.as_dict()["locations"] == sample_report.as_dict()["locations"]


def test_the_same_input_gives_the_same_report(
    sample_report: ReadinessReport, sample: Location, evaluator: Evaluator, as_of: dt.date
) -> None:
    again = Session(evaluator=evaluator).readiness([sample], as_of=as_of)
    assert again.as_dict() == sample_report.as_dict()


def test_the_as_of_date_moves_deadlines(sample: Location, evaluator: Evaluator, as_of: dt.date) -> None:
    """A day later the expiring fire-safety course is a day nearer expiry, the death a day more overdue."""
    later = Session(evaluator=evaluator).readiness([sample], as_of=as_of + dt.timedelta(days=1))
    by_rule = {(a.rule_id, a.subject): a for a in later.alerts()}
    assert (
        by_rule[("training_expiring_soon", "staff:S09/training:fire_safety")].facts["days_until_expiry"] == 19
    )
    assert by_rule[("death_not_notified", "incident:INC-0901")].facts["hours_since_occurred"] == 73 + 24


# --- a location the engine refuses ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def refused_home(sample: Location) -> Location:
    """The sample with a risk-assessment kind longer than the engine accepts (a free-text field pasted in)."""
    data = unstructure(sample)
    data["location_id"] = "1-000000009"
    data["people"][3]["risk_assessments"][0]["kind"] = "Falls: " + "x" * (MAX_VALUE_BYTES + 1)
    return structure(data, Location, "refused")


def test_a_refused_location_costs_only_itself(
    refused_home: Location, sample: Location, evaluator: Evaluator, as_of: dt.date
) -> None:
    report = Session(evaluator=evaluator).readiness([refused_home, sample], as_of=as_of, allow_incomplete=True)
    refused, fine = report.locations
    assert refused.location_id == "1-000000009" and refused.alerts == ()
    assert refused.error and "\n" not in refused.error and "xxxx" not in refused.error
    assert refused.error.startswith("1-000000009: ")
    assert fine.error is None
    assert Counter((a.rule_id, a.subject) for a in fine.alerts) == Counter(PLANTED_GAPS)
    assert not report.complete
    assert report.failures == (("1-000000009", refused.error.removeprefix("1-000000009: ")),)


def test_a_refused_location_makes_the_run_raise_unless_incomplete_is_allowed(
    refused_home: Location, sample: Location, evaluator: Evaluator, as_of: dt.date
) -> None:
    """No silent all-clear: by default a run that could not evaluate a location raises, naming it."""
    with pytest.raises(EvaluationIncomplete) as info:
        Session(evaluator=evaluator).readiness([sample, refused_home], as_of=as_of)
    ((key, reason),) = info.value.failures
    assert key == "1-000000009" and "person:R04/risk_assessment:RA-R04-falls" in reason
    assert info.value.total == 2 and info.value.exit_code == 3
    assert "xxxx" not in str(info.value)


def test_an_incomplete_report_says_so_first_in_json_and_text(
    refused_home: Location, sample: Location, evaluator: Evaluator, as_of: dt.date
) -> None:
    report = Session(evaluator=evaluator).readiness([sample, refused_home], as_of=as_of, allow_incomplete=True)
    data = report.as_dict()
    assert list(data)[:3] == ["kind", "complete", "failures"]
    assert data["complete"] is False
    (failure,) = data["failures"]
    assert failure["key"] == "1-000000009" and "field kind" in failure["reason"]
    text = TextOutput().render(report)
    assert text.startswith("INCOMPLETE: 1 of 2 location(s) not evaluated"), text[:200]
    assert text.splitlines()[1].strip().startswith("1-000000009: ")


def test_a_complete_report_says_so(sample_report: ReadinessReport) -> None:
    data = sample_report.as_dict()
    assert (data["complete"], data["failures"]) == (True, [])
    assert sample_report.complete and sample_report.failures == ()
    assert "INCOMPLETE" not in TextOutput().render(sample_report)


def test_a_refused_location_names_the_record_at_fault(
    refused_home: Location, evaluator: Evaluator, as_of: dt.date
) -> None:
    """The message must let the manager find the record: its pseudonymous subject, not an internal fact id."""
    (refused,) = Session(evaluator=evaluator).readiness([refused_home], as_of=as_of, allow_incomplete=True).locations
    assert refused.error is not None
    assert "person:R04/risk_assessment:RA-R04-falls" in refused.error, refused.error
    assert "field kind" in refused.error


# --- provider configuration -------------------------------------------------------------------------------


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "provider.yaml"
    path.write_text(text)
    return path


def _with_config(
    path: Path, cqc_ruleset: Ruleset, sample: Location, evaluator: Evaluator, as_of: dt.date
) -> ReadinessReport:
    config = load_config(path)
    return run_readiness(
        [sample],
        as_of=as_of,
        ruleset=cqc_ruleset,
        overrides=config.overrides_for(cqc_ruleset),
        region=config.region,
        evaluator=evaluator,
    )


def test_a_looser_parameter_removes_exactly_that_alert(
    tmp_path: Path,
    cqc_ruleset: Ruleset,
    sample: Location,
    evaluator: Evaluator,
    sample_report: ReadinessReport,
    as_of: dt.date,
) -> None:
    path = _config(tmp_path, "parameters:\n  cqc-readiness:\n    care_plan_review_days: 50\n")
    report = _with_config(path, cqc_ruleset, sample, evaluator, as_of)
    expected = Counter(PLANTED_GAPS) - Counter(
        {("care_plan_review_overdue", "person:R07/care_plan:CP-R07"): 1}
    )
    assert Counter((a.rule_id, a.subject) for a in report.alerts()) == expected
    assert report.parameters["care_plan_review_days"] == 50
    assert report.as_dict()["parameters"]["care_plan_review_days"] == 50


def test_a_stricter_parameter_adds_alerts_for_the_records_it_catches(
    tmp_path: Path, cqc_ruleset: Ruleset, sample: Location, evaluator: Evaluator, as_of: dt.date
) -> None:
    path = _config(tmp_path, "parameters:\n  cqc-readiness:\n    care_plan_review_days: 20\n")
    report = _with_config(path, cqc_ruleset, sample, evaluator, as_of)
    overdue = {a.subject for a in report.alerts() if a.rule_id == "care_plan_review_overdue"}
    expected = {
        f"person:{p.person_id}/care_plan:{plan.plan_id}"
        for p in sample.people
        for plan in p.care_plans
        if plan.active and plan.last_reviewed and (as_of - plan.last_reviewed).days > 20
    }
    assert overdue == expected
    assert len(expected) > 1
    others = Counter(
        (a.rule_id, a.subject) for a in report.alerts() if a.rule_id != "care_plan_review_overdue"
    )
    assert others == Counter(g for g in PLANTED_GAPS if g[0] != "care_plan_review_overdue")
    (hit,) = [a for a in report.alerts() if a.subject == "person:R07/care_plan:CP-R07"]
    assert hit.message.endswith("(policy: every 20 days)")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "parameters:\n  cqc-readiness:\n    care_plan_reveiw_days: 50\n",
            "provider.yaml: parameters.cqc-readiness.care_plan_reveiw_days: "
            "ruleset cqc-readiness has no parameter "
            "'care_plan_reveiw_days'; did you mean 'care_plan_review_days'?",
        ),
        (
            "parameters:\n  cqc-readiness:\n    care_plan_review_days: fifty\n",
            "provider.yaml: parameters.cqc-readiness.care_plan_review_days: expected integer, got str",
        ),
        (
            "parameters:\n  cqc-readiness:\n    care_plan_review_days: 0\n",
            "provider.yaml: parameters.cqc-readiness.care_plan_review_days: 0 is below the minimum 1",
        ),
        ("region: wales\n", "provider.yaml: region: expected one of england-and-wales, scotland"),
        ("regions: scotland\n", "provider.yaml: unknown key(s) regions; expected region, parameters"),
        ("parameters: [1]\n", "provider.yaml: parameters: expected ruleset id → mapping of parameter values"),
    ],
    ids=["unknown-name", "wrong-type", "below-minimum", "region", "unknown-key", "shape"],
)
def test_a_bad_configuration_is_one_line_naming_file_and_key(
    tmp_path: Path, cqc_ruleset: Ruleset, text: str, expected: str
) -> None:
    path = _config(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path).overrides_for(cqc_ruleset)
    message = str(info.value)
    assert "\n" not in message
    assert message.removeprefix(f"{tmp_path}/").startswith(expected)
