"""Status against --as-of, completion events (met and late), and the corrections of popular guidance."""

from __future__ import annotations

from typing import Any

import pytest

FAC = ("draft_report_received", "2024-12-20")  # due 2025-01-08


def status(report: Any, deadline_id: str) -> str:
    (deadline,) = report.deadline(deadline_id)
    return str(deadline.status)


@pytest.mark.parametrize(("as_of", "expected", "rule"), [
    ("2024-12-20", "open", "deadline_open"),
    ("2025-01-07", "open", "deadline_open"),
    ("2025-01-08", "due_today", "deadline_due_today"),
    ("2025-01-09", "overdue", "deadline_overdue"),
])
def test_status_against_the_as_of_date(timeline: Any, as_of: str, expected: str, rule: str) -> None:
    report = timeline(FAC, as_of=as_of)
    (deadline,) = report.deadlines
    assert deadline.status == expected
    assert deadline.as_dict()["status_rule"] == rule


@pytest.mark.parametrize(("submitted", "expected"), [
    ("2025-01-02", "met"), ("2025-01-08", "met"), ("2025-01-09", "late"), ("2025-02-03", "late"),
])
def test_a_completion_event_makes_it_met_or_late(timeline: Any, submitted: str, expected: str) -> None:
    report = timeline(FAC, ("factual_accuracy_submitted", submitted), as_of="2025-03-01")
    assert status(report, "factual_accuracy_comments") == expected
    (deadline,) = report.deadlines
    assert deadline.as_dict()["completed_on"] == submitted


def test_a_completion_after_the_as_of_date_has_not_happened_yet(timeline: Any) -> None:
    report = timeline(FAC, ("factual_accuracy_submitted", "2025-01-07"), as_of="2025-01-06")
    assert status(report, "factual_accuracy_comments") == "open"
    assert report.deadlines[0].as_dict()["completed_on"] is None


def test_a_completion_before_its_trigger_does_not_count(timeline: Any) -> None:
    report = timeline(FAC, ("factual_accuracy_submitted", "2024-12-01"), as_of="2025-01-09")
    assert status(report, "factual_accuracy_comments") == "overdue"


@pytest.mark.parametrize(("event", "deadline_id"), [
    ("rating_review_requested", "rating_review_request"),
    ("rating_displayed", "rating_display"),
])
def test_each_publication_deadline_has_its_own_completion(timeline: Any, event: str, deadline_id: str) -> None:
    report = timeline(("report_published", "2025-03-03"), (event, "2025-03-10"), as_of="2025-04-30")
    statuses = {d.spec.deadline: d.status for d in report.deadlines}
    other = ({"rating_review_request", "rating_display"} - {deadline_id}).pop()
    assert statuses == {deadline_id: "met", other: "overdue"}


@pytest.mark.parametrize(("trigger", "completion", "done"), [
    (("warning_notice_served", "2025-06-06"), "warning_notice_representations_submitted", "2025-06-20"),
    (("notice_of_proposal_served", "2025-01-31"), "notice_of_proposal_representations_submitted", "2025-02-28"),
    (("notice_of_decision_served", "2024-02-01"), "tribunal_appeal_lodged", "2024-02-29"),
    (("action_plan_requested", "2025-12-10"), "action_plan_submitted", "2026-01-07"),
    (("manager_absence_emergency_start", "2025-08-22"), "manager_absence_notified", "2025-09-01"),
    (("manager_absence_planned_start", "2025-03-01"), "manager_absence_notified", "2025-02-01"),
    (("inspection_visit", "2024-11-30"), "report_published", "2025-02-28"),
])
def test_every_deadline_is_met_on_its_due_day(timeline: Any, trigger: tuple[str, str], completion: str,
                                             done: str) -> None:
    report = timeline(trigger, (completion, done), as_of="2026-06-01")
    started = [d for d in report.deadlines if d.spec.trigger.name == trigger[0]]
    assert [d.status for d in started] == ["met"]


def test_planned_absence_notified_too_late_is_late(timeline: Any) -> None:
    report = timeline(("manager_absence_planned_start", "2025-03-01"), ("manager_absence_notified", "2025-02-10"),
                      as_of="2025-02-10")
    assert status(report, "manager_absence_notice") == "late"


def test_planned_absence_ahead_is_open_until_its_notice_date(timeline: Any) -> None:
    report = timeline(("manager_absence_planned_start", "2025-03-01"), as_of="2025-01-15")
    (deadline,) = report.deadlines
    assert (deadline.status, deadline.as_dict()["days_until_due"]) == ("open", 17)


def test_completions_meet_the_earliest_deadline_first(timeline: Any) -> None:
    report = timeline(("warning_notice_served", "2025-06-06"), ("warning_notice_served", "2025-09-01"),
                      ("warning_notice_representations_submitted", "2025-06-18"), as_of="2025-09-16")
    assert [d.status for d in report.deadline("warning_notice_representations")] == ["met", "overdue"]


def test_informational_publication_date_passed_is_overdue_but_low(timeline: Any) -> None:
    report = timeline(("inspection_visit", "2024-11-30"), as_of="2025-03-10")
    (deadline,) = report.deadlines
    assert (deadline.status, deadline.status_rule.rule_id, deadline.status_rule.severity) == (
        "overdue", "expected_date_passed", "low")
    assert deadline.as_dict()["informational"] is True


def test_publication_after_three_months_is_late(timeline: Any) -> None:
    report = timeline(("inspection_visit", "2024-11-19"), ("report_published", "2025-03-03"), as_of="2025-03-03")
    assert status(report, "report_publication_expected") == "late"


def test_overdue_is_the_worst_severity(timeline: Any) -> None:
    report = timeline(FAC, as_of="2025-01-20")
    assert report.worst_severity() == "critical"


# --- What popular guidance gets wrong ------------------------------------------------------------


def warnings(report: Any) -> dict[str, dict[str, Any]]:
    return {w["id"]: w for w in report.as_dict()["warnings"]}


def test_display_counts_from_publication_not_from_receiving_the_outcome(timeline: Any) -> None:
    report = timeline(("report_published", "2025-02-10"), as_of="2025-02-10")
    found = warnings(report)["display_counts_from_publication"]
    assert "published on CQC's website" in found["message"]
    assert found["claim"] == "display your updated rating within 21 days of receiving the outcome"
    assert found["source"]["id"] == "reg-20a" and "Log my Care" in found["claimed_by"]


def test_fifty_days_publication_claim_is_flagged(timeline: Any) -> None:
    report = timeline(("inspection_visit", "2024-11-19"), as_of="2024-11-19")
    found = warnings(report)["publication_within_three_months"]
    assert "50 days" in found["message"] and "3 months" in found["message"]
    assert found["source"]["id"] == "cqc-publication"


def test_six_months_is_folklore(timeline: Any) -> None:
    report = timeline(("action_plan_requested", "2025-05-01"), as_of="2025-05-01")
    found = warnings(report)["six_months_is_folklore"]
    assert "August 2021" in found["message"] and found["source"]["id"] == "cqc-aug-2021"


def test_factual_accuracy_anchor_and_warning_notice_note(timeline: Any) -> None:
    report = timeline(FAC, ("warning_notice_served", "2025-06-06"), as_of="2025-01-01")
    found = warnings(report)
    assert "email" in found["factual_accuracy_counts_from_email"]["message"]
    assert "no right of appeal" in found["warning_notice_no_appeal"]["message"]


def test_each_warning_is_listed_once(timeline: Any) -> None:
    report = timeline(("inspection_visit", "2024-11-19"), FAC, ("report_published", "2025-02-10"),
                      as_of="2025-02-10")
    ids = [w["id"] for w in report.as_dict()["warnings"]]
    assert len(ids) == len(set(ids))
    assert set(ids) == {"display_counts_from_publication", "publication_within_three_months",
                        "six_months_is_folklore", "factual_accuracy_counts_from_email"}


def test_enforcement_events_alone_raise_no_corrections(timeline: Any) -> None:
    report = timeline(("notice_of_proposal_served", "2025-01-31"), as_of="2025-01-31")
    assert report.as_dict()["warnings"] == []
