"""Working days: weekends and each region's bank holidays (Christmas and New Year, Easter, May)."""

from __future__ import annotations

from typing import Any

import pytest


def due(report: Any, deadline_id: str) -> str:
    (deadline,) = report.deadline(deadline_id)
    return str(deadline.due.isoformat())


def test_christmas_boxing_day_and_new_year_are_skipped(timeline: Any) -> None:
    # Friday 20 Dec 2024: 23, 24, 27, 30, 31 Dec and 2, 3, 6, 7, 8 Jan are the ten working days.
    report = timeline(("draft_report_received", "2024-12-20"), as_of="2024-12-20")
    assert due(report, "factual_accuracy_comments") == "2025-01-08"
    (deadline,) = report.deadlines
    assert [h["name"] for h in deadline.as_dict()["holidays_skipped"]] == [
        "Christmas Day", "Boxing Day", "New Year's Day"]


def test_substitute_bank_holidays_when_christmas_falls_at_a_weekend(timeline: Any) -> None:
    # Christmas 2021 was a Saturday: 27 and 28 Dec and 3 Jan 2022 were the bank holidays.
    report = timeline(("draft_report_received", "2021-12-24"), as_of="2021-12-24")
    assert due(report, "factual_accuracy_comments") == "2022-01-12"


def test_scotland_also_skips_the_second_of_january(timeline: Any) -> None:
    report = timeline(("draft_report_received", "2024-12-20"), as_of="2024-12-20", region="scotland")
    assert due(report, "factual_accuracy_comments") == "2025-01-09"
    assert report.as_dict()["region"] == "scotland"


def test_northern_ireland_skips_st_patricks_day(timeline: Any) -> None:
    # Friday 14 Mar 2025 + 1 working day: Monday 17 Mar is a bank holiday only in Northern Ireland.
    england = timeline(("manager_absence_emergency_start", "2025-03-14"), as_of="2025-03-14",
                       overrides={"manager_absence_emergency_working_days": 1})
    ni = timeline(("manager_absence_emergency_start", "2025-03-14"), as_of="2025-03-14",
                  region="northern-ireland", overrides={"manager_absence_emergency_working_days": 1})
    assert due(england, "manager_absence_notice") == "2025-03-17"
    assert due(ni, "manager_absence_notice") == "2025-03-18"


def test_good_friday_and_easter_monday_are_skipped(timeline: Any) -> None:
    # Friday 11 Apr 2025: 14-17 Apr, then 22-25 and 28-29 Apr (Good Friday 18, Easter Monday 21).
    report = timeline(("draft_report_received", "2025-04-11"), as_of="2025-04-11")
    assert due(report, "factual_accuracy_comments") == "2025-04-29"


def test_easter_and_the_early_may_bank_holiday_in_a_fifteen_day_window(timeline: Any) -> None:
    report = timeline(("report_published", "2025-04-14"), as_of="2025-04-14")
    assert due(report, "rating_review_request") == "2025-05-08"
    (deadline,) = report.deadline("rating_review_request")
    assert [h["date"] for h in deadline.as_dict()["holidays_skipped"]] == ["2025-04-18", "2025-04-21", "2025-05-05"]


@pytest.mark.parametrize("served", ["2025-06-06", "2025-06-07", "2025-06-08"], ids=["friday", "saturday", "sunday"])
def test_weekends_are_not_working_days(timeline: Any, served: str) -> None:
    report = timeline(("warning_notice_served", served), as_of=served)
    assert due(report, "warning_notice_representations") == "2025-06-20"


def test_calendar_day_deadlines_do_not_skip_holidays(timeline: Any) -> None:
    # 21 calendar days from 10 Dec 2025 run straight through Christmas.
    report = timeline(("report_published", "2025-12-10"), as_of="2025-12-10")
    assert due(report, "rating_display") == "2025-12-31"
    (deadline,) = report.deadline("rating_display")
    assert deadline.as_dict()["holidays_skipped"] == []


def test_calendar_deadline_may_fall_on_a_bank_holiday(timeline: Any) -> None:
    # CQC's 28 days are calendar days: the due date is not moved off Christmas Day.
    report = timeline(("notice_of_proposal_served", "2025-11-27"), as_of="2025-11-27")
    assert due(report, "notice_of_proposal_representations") == "2025-12-25"


def test_emergency_absence_skips_the_august_bank_holiday(timeline: Any) -> None:
    report = timeline(("manager_absence_emergency_start", "2025-08-22"), as_of="2025-08-22")
    assert due(report, "manager_absence_notice") == "2025-09-01"


def test_three_months_is_clipped_to_the_end_of_a_short_month(timeline: Any) -> None:
    report = timeline(("inspection_visit", "2024-11-30"), as_of="2024-11-30")
    assert due(report, "report_publication_expected") == "2025-02-28"
