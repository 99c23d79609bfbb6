"""Words for people: UK dates, durations with the right plural, readable labels and messages."""

from __future__ import annotations

import datetime as dt

import pytest

from mipr_rules.outputs.labels import subject_detail, subject_label
from mipr_rules.outputs.wording import duration, readable_message, relative, uk_date


def test_uk_dates() -> None:
    assert uk_date(dt.date(2026, 11, 2)) == "2 November 2026"


@pytest.mark.parametrize(
    ("count", "unit", "text"),
    [(1, "days", "1 day"), (0, "days", "0 days"), (2, "working_days", "2 working days"),
     (1, "working_days", "1 working day"), (129, "hours", "5 days"), (47, "hours", "1 day"), (1, "months", "1 month")],
)
def test_durations_are_days_or_working_days_with_the_right_plural(count: int, unit: str, text: str) -> None:
    assert duration(count, unit) == text


def test_relative_days() -> None:
    today = dt.date(2026, 11, 2)
    assert [relative(today + dt.timedelta(days=d), today) for d in (-3, -1, 0, 1, 20)] == [
        "3 days ago", "yesterday", "today", "tomorrow", "in 20 days"]


@pytest.mark.parametrize(
    ("key", "label", "detail"),
    [("person:R12/risk_assessment:RA-R12-falls", "Resident R12", "risk assessment RA-R12-falls"),
     ("staff:S04/training:moving_and_handling", "Staff S04", "training moving and handling"),
     ("staff:S18", "Staff S18", None), ("incident:INC-0901", "Incident INC-0901", None),
     ("audit:infection_control", "Infection control audit", None), ("location", "The service", None)],
)
def test_record_keys_become_pseudonymous_labels(key: str, label: str, detail: str | None) -> None:
    assert subject_label(key) == label
    assert subject_detail(key) == detail


@pytest.mark.parametrize(
    ("message", "subject", "readable"),
    [
        ("Death incident:INC-0901 73 hours ago has not been notified", "incident:INC-0901",
         "Death incident INC-0901 3 days ago has not been notified"),
        ("Staff staff:S18 DBS issued 1 months ago", "staff:S18", "Staff S18 DBS issued 1 month ago"),
        ("Care plan person:R07/care_plan:CP-R07 last reviewed 1 days ago", "person:R07/care_plan:CP-R07",
         "Care plan of Resident R07 last reviewed 1 day ago"),
        ("fire_safety training expires on 2026-11-22", "staff:S09/training:fire_safety",
         "Fire safety training expires on 22 November 2026"),
        ("Incident incident:INC-1 5 hours ago", "incident:INC-1", "Incident INC-1 less than a day ago"),
    ],
)
def test_messages_read_well(message: str, subject: str, readable: str) -> None:
    assert readable_message(message, subject) == readable
