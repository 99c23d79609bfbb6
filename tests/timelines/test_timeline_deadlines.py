"""Every deadline id of the contract, its trigger, its day type and its due date (Python API)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mipr_rules.ruleset.catalogue import Catalogue

# (trigger event, trigger date, deadline id, due date, day type, rule that starts it)
CONTRACT = [
    ("draft_report_received", "2025-06-02", "factual_accuracy_comments", "2025-06-16", "working",
     "factual_accuracy_comments"),
    ("report_published", "2025-03-03", "rating_review_request", "2025-03-24", "working", "rating_review_request"),
    ("report_published", "2025-03-03", "rating_display", "2025-03-24", "calendar", "rating_display"),
    ("warning_notice_served", "2025-06-06", "warning_notice_representations", "2025-06-20", "working",
     "warning_notice_representations"),
    ("notice_of_proposal_served", "2025-01-31", "notice_of_proposal_representations", "2025-02-28", "calendar",
     "notice_of_proposal_representations"),
    ("notice_of_decision_served", "2024-02-01", "tribunal_appeal", "2024-02-29", "calendar", "tribunal_appeal"),
    ("action_plan_requested", "2025-12-10", "improvement_action_plan", "2026-01-07", "calendar",
     "improvement_action_plan"),
    ("manager_absence_planned_start", "2025-03-01", "manager_absence_notice", "2025-02-01", "calendar",
     "manager_absence_notice_planned"),
    ("manager_absence_emergency_start", "2025-08-22", "manager_absence_notice", "2025-09-01", "working",
     "manager_absence_notice_emergency"),
    ("inspection_visit", "2024-11-30", "report_publication_expected", "2025-02-28", "calendar",
     "report_publication_expected"),
]


@pytest.mark.parametrize(("trigger", "day", "deadline_id", "due", "day_type", "rule"), CONTRACT,
                         ids=[f"{row[2]}<-{row[0]}" for row in CONTRACT])
def test_each_trigger_starts_its_deadline(timeline: Any, trigger: str, day: str, deadline_id: str, due: str,
                                          day_type: str, rule: str) -> None:
    report = timeline((trigger, day), as_of=day)

    (deadline,) = report.deadline(deadline_id)
    data = deadline.as_dict()
    assert (data["trigger"], data["trigger_date"], data["due"], data["day_type"], data["rule"]) == (
        trigger, day, due, day_type, rule)
    # As of the trigger day, a deadline before it (notice of a planned absence) has already passed.
    assert data["status"] == ("overdue" if due < day else "open")
    assert data["source"]["id"] and data["source"]["title"] and data["source"]["confidence"] == "V-primary"


def test_the_contract_names_every_deadline_rule_of_the_ruleset() -> None:
    ruleset = Catalogue.installed().get("cqc-timelines")
    starting = {r.id for r in ruleset.rules if r.emit.get("result") == "deadline"}
    assert starting == {row[5] for row in CONTRACT}
    assert {r.emit["deadline"] for r in ruleset.rules if r.emit.get("result") == "deadline"} == {
        row[2] for row in CONTRACT}


def test_an_event_that_starts_nothing_gives_no_deadline(timeline: Any) -> None:
    report = timeline(("factual_accuracy_submitted", "2025-01-07"), as_of="2025-01-08")
    assert report.deadlines == ()


def test_no_events_give_no_deadlines_and_no_warnings(timeline: Any) -> None:
    report = timeline(as_of="2025-01-08")
    assert report.as_dict()["deadlines"] == [] and report.as_dict()["warnings"] == []


def test_report_published_starts_both_the_review_and_the_display_deadline(timeline: Any) -> None:
    report = timeline(("report_published", "2025-02-10"), as_of="2025-02-10")
    assert {d.spec.deadline for d in report.deadlines} == {"rating_review_request", "rating_display"}


def test_deadlines_are_listed_by_due_date(timeline: Any) -> None:
    report = timeline(("report_published", "2025-02-10"), ("draft_report_received", "2025-01-06"),
                      ("inspection_visit", "2024-12-02"), as_of="2025-01-06")
    dues = [d.due for d in report.deadlines]
    assert dues == sorted(dues)
    assert report.deadlines[0].spec.deadline == "factual_accuracy_comments"


def test_the_same_event_given_twice_is_one_event(timeline: Any) -> None:
    report = timeline(("warning_notice_served", "2025-06-06"), ("warning_notice_served", "2025-06-06"),
                      as_of="2025-06-06")
    assert len(report.deadline("warning_notice_representations")) == 1


def test_two_triggers_give_two_deadlines(timeline: Any) -> None:
    report = timeline(("warning_notice_served", "2025-06-06"), ("warning_notice_served", "2025-09-01"),
                      as_of="2025-06-06")
    assert [d.due.isoformat() for d in report.deadline("warning_notice_representations")] == [
        "2025-06-20", "2025-09-15"]


def test_every_deadline_names_its_ruleset_rule_and_parameters(timeline: Any) -> None:
    report = timeline(("draft_report_received", "2025-06-02"), as_of="2025-06-02")
    (deadline,) = report.deadlines
    assert (deadline.rule.ruleset_id, deadline.rule.ruleset_version) == ("cqc-timelines", "1.0.0")
    assert deadline.as_dict()["parameters"] == {"factual_accuracy_working_days": 10}
    assert deadline.as_dict()["citation"]


def test_a_parameter_override_changes_the_deadline(timeline: Any) -> None:
    report = timeline(("manager_absence_planned_start", "2025-03-01"), as_of="2025-01-01",
                      overrides={"manager_absence_notice_days": 14})
    (deadline,) = report.deadlines
    assert deadline.due == dt.date(2025, 2, 15)
    assert "14 days before" in deadline.rule.message
