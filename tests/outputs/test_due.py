"""By when an alert must be dealt with, derived from the rule's conditions and the matched fact, and the
do-first order (severity, due date, ruleset order), on the shipped ruleset and the sample home."""

from __future__ import annotations

import datetime as dt

import attrs

from mipr_rules.outputs.do_first import group_alerts
from mipr_rules.outputs.due import due_for
from mipr_rules.readiness import ReadinessReport
from mipr_rules.results import RuleHit


def _alert(report: ReadinessReport, rule: str) -> RuleHit:
    return next(a for a in report.alerts() if a.rule_id == rule)


def test_an_interval_that_ran_out_was_due_when_it_ran_out(sample_report: ReadinessReport) -> None:
    care_plan = _alert(sample_report, "care_plan_review_overdue")  # reviewed 45 days ago, every 28 days
    due = due_for(care_plan, sample_report.ruleset)
    assert due.date == dt.date(2026, 11, 2) - dt.timedelta(days=45 - 28)
    assert due.overdue and due.phrase() == "Overdue since 16 October 2026 (17 days)"


def test_working_days_count_on_the_bank_holiday_calendar(sample_report: ReadinessReport) -> None:
    complaint = _alert(sample_report, "complaint_response_overdue")  # 25 working days, 20 allowed
    assert due_for(complaint, sample_report.ruleset).date == dt.date(2026, 10, 26)  # 5 working days back


def test_hours_count_as_days(sample_report: ReadinessReport) -> None:
    death = _alert(sample_report, "death_not_notified")  # 73 hours ago, 24 allowed
    assert due_for(death, sample_report.ruleset).date == dt.date(2026, 10, 31) - dt.timedelta(days=1)


def test_a_warning_is_due_on_its_date_and_says_what_it_becomes(sample_report: ReadinessReport) -> None:
    expiring = _alert(sample_report, "training_expiring_soon")  # expires in 20 days
    due = due_for(expiring, sample_report.ruleset)
    assert due.date == dt.date(2026, 11, 22) and not due.overdue
    assert due.escalates_severity == "high" and due.escalates_to == sample_report.ruleset.rule("training_expired").title
    assert due.phrase() == "By 22 November 2026 (in 20 days); then it becomes high: Mandatory training expired"


def test_a_rule_without_a_time_condition_is_due_now(sample_report: ReadinessReport) -> None:
    errors = _alert(sample_report, "repeated_medication_errors")
    due = due_for(errors, sample_report.ruleset)
    assert due.date == sample_report.as_of and not due.from_rule


def test_do_first_is_led_by_the_unnotified_death_and_groups_repeated_alerts(sample_report: ReadinessReport) -> None:
    groups = sample_report.groups()
    assert [g.first.rule_id for g in groups[:3]] == [
        "death_not_notified", "abuse_allegation_not_notified", "safeguarding_not_referred"]
    severities = [g.first.severity for g in groups]
    order = ["critical", "high", "medium", "low", "info"]
    assert severities == sorted(severities, key=order.index)
    supervision = _alert(sample_report, "supervision_overdue")
    copies = [attrs.evolve(supervision, subject=f"staff:S{n:02d}") for n in range(30, 54)]
    (group,) = [g for g in group_alerts(copies, sample_report.ruleset) if g.first.rule_id == "supervision_overdue"]
    assert group.count == 24 and group.message() == "Supervision overdue: 24 records"
    assert group.subjects()[:2] == ["Staff S30", "Staff S31"]
