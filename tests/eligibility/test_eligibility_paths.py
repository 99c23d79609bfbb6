"""Every eligibility path of the 2023 improvement-inspection criteria, through the Python API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mipr_rules.ruleset.catalogue import Catalogue

FIXTURES = Path(__file__).parents[1] / "fixtures" / "eligibility"
FULL_NOMINATION = {"nominated_by": "local_authority", "accepts_la_funded_placements": True,
                   "la_confirmed_staffing": True, "evidence_of_improvement": True,
                   "rating_absence_blocks_commissioning": True}
"""Every nomination fact, each favourable."""


def record(name: str) -> dict[str, Any]:
    """A fresh copy of a CQC location fixture (tests change it)."""
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def fired(report: Any) -> set[str]:
    """Every rule that decided the report."""
    return {c.hit.rule_id for c in report.checks} | {report.decision.rule_id}


def checks(report: Any) -> dict[str, bool | None]:
    return {c.id: c.passed for c in report.checks}


def without(**changes: Any) -> dict[str, Any]:
    """The full nomination with some facts changed; ``None`` removes a fact (unknown)."""
    nomination = dict(FULL_NOMINATION) | changes
    return {k: v for k, v in nomination.items() if v is not None}


# --- Eligible ----------------------------------------------------------------------------------------


def test_requires_improvement_care_home_with_evidence_is_eligible_for_a_focused_inspection(assess: Any) -> None:
    report = assess(record("ri-care-home.json"), without(rating_absence_blocks_commissioning=None))
    data = report.as_dict()
    assert (data["eligible"], data["methodology"], data["announced"], data["decision"]) == (
        True, "focused", False, "eligible")
    assert checks(report) == {
        "service_type": True, "registration": True, "current_rating": True, "evidence_of_improvement": True,
        "accepts_la_funded_placements": True, "la_confirmed_staffing": True, "nominated_by_local_authority": True,
        "programme_window": True}
    assert data["reasons"][0].startswith("Eligible to be nominated: an unannounced focused inspection")


def test_never_rated_location_is_eligible_for_a_comprehensive_inspection(assess: Any) -> None:
    report = assess(record("never-rated.json"), without(evidence_of_improvement=None))
    assert (report.eligible, report.methodology) == (True, "comprehensive")
    found = checks(report)
    assert found["rating_absence_blocks_commissioning"] is True
    assert "evidence_of_improvement" not in found  # applies only to Requires improvement


def test_domiciliary_care_agency_for_learning_disability_and_mental_health_is_eligible(assess: Any) -> None:
    report = assess(record("ri-homecare-ld.json"), FULL_NOMINATION)
    assert (report.eligible, report.methodology) == (True, "focused")
    assert "Homecare agencies" in report.checks[0].detail


def test_a_location_both_care_home_and_homecare_passes_the_service_check_once(assess: Any) -> None:
    data = record("ri-care-home.json")
    data["gacServiceTypes"].append({"name": "Homecare agencies"})
    report = assess(data, FULL_NOMINATION)
    assert [c.id for c in report.checks].count("service_type") == 1 and report.eligible


def test_eligible_on_the_first_and_last_day_of_the_programme(assess: Any) -> None:
    for day in ("2023-01-13", "2023-03-31"):
        assert assess(record("ri-care-home.json"), FULL_NOMINATION, as_of=day).eligible


# --- Each reason for ineligibility -------------------------------------------------------------------


def failed(report: Any) -> dict[str, str]:
    found = checks(report)
    assert report.eligible is False and report.methodology is None and report.outcome == "ineligible"
    return {c.id: c.hit.rule_id for c in report.checks if found[c.id] is False}


def test_not_a_care_home_or_domiciliary_care_agency(assess: Any) -> None:
    data = record("ri-care-home.json")
    data["careHome"] = "N"
    data["gacServiceTypes"] = [{"name": "Hospice services"}]
    assert failed(assess(data, FULL_NOMINATION)) == {"service_type": "service_type_not_eligible"}


def test_deregistered(assess: Any) -> None:
    data = record("ri-care-home.json")
    data["registrationStatus"] = "Deregistered"
    data["deregistrationDate"] = "2022-12-01"
    assert failed(assess(data, FULL_NOMINATION)) == {"registration": "not_registered"}


def test_registered_but_dormant(assess: Any) -> None:
    data = record("ri-care-home.json")
    data["dormancy"] = "Y"
    assert failed(assess(data, FULL_NOMINATION)) == {"registration": "registered_but_dormant"}


def test_registered_after_the_date_assessed(assess: Any) -> None:
    data = record("never-rated.json")
    data["registrationDate"] = "2023-02-15"
    assert failed(assess(data, FULL_NOMINATION)) == {"registration": "registered_after_as_of"}


@pytest.mark.parametrize("rating", ["Good", "Outstanding", "Inadequate"])
def test_rated_other_than_requires_improvement(assess: Any, rating: str) -> None:
    data = record("ri-care-home.json")
    data["currentRatings"]["overall"]["rating"] = rating
    report = assess(data, FULL_NOMINATION)
    assert failed(report) == {"current_rating": "rating_not_eligible"}
    assert rating in report.as_dict()["reasons"][1]
    assert "evidence_of_improvement" not in checks(report)


def test_no_evidence_of_improvement(assess: Any) -> None:
    report = assess(record("ri-care-home.json"), without(evidence_of_improvement=False))
    assert failed(report) == {"evidence_of_improvement": "improvement_not_evidenced"}


def test_lack_of_rating_does_not_block_commissioning(assess: Any) -> None:
    report = assess(record("never-rated.json"), without(rating_absence_blocks_commissioning=False))
    assert failed(report) == {"rating_absence_blocks_commissioning": "rating_absence_does_not_block_commissioning"}


def test_provider_does_not_accept_la_funded_placements(assess: Any) -> None:
    report = assess(record("ri-care-home.json"), without(accepts_la_funded_placements=False))
    assert failed(report) == {"accepts_la_funded_placements": "does_not_accept_la_funded_placements"}


def test_local_authority_has_not_confirmed_staffing(assess: Any) -> None:
    report = assess(record("ri-care-home.json"), without(la_confirmed_staffing=False))
    assert failed(report) == {"la_confirmed_staffing": "la_staffing_not_confirmed"}


def test_providers_cannot_self_nominate(assess: Any) -> None:
    report = assess(record("ri-care-home.json"), without(nominated_by="provider"))
    assert failed(report) == {"nominated_by_local_authority": "self_nominated"}
    assert any("cannot self-nominate" in r for r in report.reasons())


@pytest.mark.parametrize(("as_of", "rule"), [("2023-01-12", "before_programme_window"),
                                              ("2023-04-01", "after_programme_window"),
                                              ("2025-06-01", "after_programme_window")])
def test_outside_the_programme_window(assess: Any, as_of: str, rule: str) -> None:
    report = assess(record("ri-care-home.json"), FULL_NOMINATION, as_of=as_of)
    assert failed(report) == {"programme_window": rule}


def test_several_failures_are_all_reported(assess: Any) -> None:
    data = record("good-care-home.json")
    report = assess(data, without(nominated_by="provider", la_confirmed_staffing=False), as_of="2023-04-03")
    assert set(failed(report)) == {"current_rating", "nominated_by_local_authority", "la_confirmed_staffing",
                                   "programme_window"}
    assert report.decision.message == "Not eligible: 4 of 7 checks failed"


# --- Unknown facts are unknown, not false ------------------------------------------------------------


def unknown(report: Any) -> dict[str, str]:
    found = checks(report)
    return {c.id: c.hit.rule_id for c in report.checks if found[c.id] is None}


@pytest.mark.parametrize(("missing", "check", "rule"), [
    ("evidence_of_improvement", "evidence_of_improvement", "improvement_evidence_unknown"),
    ("accepts_la_funded_placements", "accepts_la_funded_placements", "la_funded_placements_unknown"),
    ("la_confirmed_staffing", "la_confirmed_staffing", "la_staffing_unknown"),
    ("nominated_by", "nominated_by_local_authority", "nomination_unknown"),
])
def test_a_missing_nomination_fact_is_unknown(assess: Any, missing: str, check: str, rule: str) -> None:
    report = assess(record("ri-care-home.json"), without(**{missing: None}))
    assert unknown(report) == {check: rule}
    data = report.as_dict()
    assert (data["eligible"], data["decision"], data["methodology"]) == (False, "undetermined", None)
    assert next(c for c in data["checks"] if c["id"] == check)["passed"] is None


def test_an_explicit_null_is_unknown(assess: Any) -> None:
    report = assess(record("ri-care-home.json"), FULL_NOMINATION | {"la_confirmed_staffing": None})
    assert unknown(report) == {"la_confirmed_staffing": "la_staffing_unknown"}


def test_rating_absence_unknown_for_a_never_rated_location(assess: Any) -> None:
    report = assess(record("never-rated.json"), without(rating_absence_blocks_commissioning=None))
    assert unknown(report) == {"rating_absence_blocks_commissioning": "rating_absence_blocks_commissioning_unknown"}


def test_no_nomination_at_all_leaves_every_nomination_fact_unknown(assess: Any) -> None:
    report = assess(record("ri-care-home.json"), None)
    assert set(unknown(report)) == {"evidence_of_improvement", "accepts_la_funded_placements",
                                    "la_confirmed_staffing", "nominated_by_local_authority"}
    assert report.outcome == "undetermined"


def test_cqc_record_without_service_type_or_registration_status(assess: Any) -> None:
    data = record("ri-care-home.json")
    for key in ("careHome", "gacServiceTypes", "registrationStatus"):
        del data[key]
    report = assess(data, FULL_NOMINATION)
    assert unknown(report) == {"service_type": "service_type_unknown", "registration": "registration_unknown"}


def test_a_failure_outweighs_unknowns(assess: Any) -> None:
    report = assess(record("ri-care-home.json"), {"nominated_by": "provider"})
    assert report.outcome == "ineligible"
    reasons = report.reasons()
    assert reasons[1].startswith("Providers cannot self-nominate")
    assert any(r.startswith("Unknown") for r in reasons[2:])


# --- Explanations and coverage ------------------------------------------------------------------------


def test_every_check_cites_its_source_and_the_ruleset(assess: Any) -> None:
    data = assess(record("ri-care-home.json"), FULL_NOMINATION).as_dict()
    assert data["ruleset"] == {"id": "improvement-inspections-2023", "version": "1.0.0", "framework": "KLOE_2014"}
    for check in data["checks"]:
        assert check["source"]["id"] and check["source"]["title"] and check["rule"] and check["detail"]
    assert data["source"]["publisher"] == "Care Quality Commission" and data["source"]["date"] == "2023-01-13"


def test_programme_window_is_the_rulesets_effective_dates() -> None:
    ruleset = Catalogue.installed().get("improvement-inspections-2023")
    assert (ruleset.effective_from.isoformat(), str(ruleset.effective_to)) == ("2023-01-13", "2023-03-31")


def deregistered() -> dict[str, Any]:
    data = record("ri-care-home.json")
    data["registrationStatus"] = "Deregistered"
    return data


def dormant() -> dict[str, Any]:
    data = record("ri-care-home.json")
    data["dormancy"] = "Y"
    return data


def no_service_type_or_status() -> dict[str, Any]:
    data = record("ri-care-home.json")
    for key in ("careHome", "gacServiceTypes", "registrationStatus"):
        del data[key]
    return data


def hospice() -> dict[str, Any]:
    data = record("ri-care-home.json")
    data["careHome"], data["gacServiceTypes"] = "N", [{"name": "Hospice services"}]
    return data


def test_every_rule_of_the_ruleset_decides_some_case(assess: Any) -> None:
    """Rule coverage: each rule fires in at least one of these cases (as ``opa test --coverage`` would show)."""
    cases = [
        (record("ri-care-home.json"), FULL_NOMINATION, "2023-02-01"),
        (record("never-rated.json"), FULL_NOMINATION, "2023-02-01"),
        (record("never-rated.json"), without(rating_absence_blocks_commissioning=False), "2022-01-01"),
        (record("never-rated.json"), {}, "2023-04-01"),
        (record("good-care-home.json"), without(evidence_of_improvement=False, nominated_by="provider",
                                                accepts_la_funded_placements=False, la_confirmed_staffing=False),
         "2023-02-01"),
        (record("ri-care-home.json"), {}, "2023-02-01"),
        (record("ri-care-home.json"), without(evidence_of_improvement=False), "2023-02-01"),
        (deregistered(), FULL_NOMINATION, "2023-02-01"),
        (dormant(), FULL_NOMINATION, "2023-02-01"),
        (no_service_type_or_status(), FULL_NOMINATION, "2023-02-01"),
        (hospice(), FULL_NOMINATION, "2023-02-01"),
    ]
    seen: set[str] = set()
    for data, nomination, as_of in cases:
        seen |= fired(assess(data, nomination, as_of=as_of))
    ruleset = Catalogue.installed().get("improvement-inspections-2023")
    assert {r.id for r in ruleset.rules} - seen == set()
