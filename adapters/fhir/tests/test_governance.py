"""Basic → safety checks and staffing reviews (the adapter's record types, as audits and evidence)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from fhir_build import basic, entry_index, read, refused, small_home

from mipr_rules.model import SafetyCheck, StaffingReview

Write = Callable[..., str]




def test_safety_checks_and_staffing_reviews(write_bundle: Write) -> None:
    bundle = small_home(
        basic("c1", "safety-check", "2026-10-30", ("check-kind", "Code", "fire_alarm_test")),
        basic(
            "c2",
            "safety-check",
            "2026-10-29",
            ("check-kind", "Code", "controlled_drugs"),
            ("check-issues-open", "UnsignedInt", 2),
        ),
        basic(
            "s1",
            "staffing-review",
            "2026-10-23",
            ("staffing-required-hours", "Decimal", 1200.5),
            ("staffing-rostered-hours", "Integer", 1232),
        ),
    )
    location, _ = read(write_bundle(bundle))
    assert location.checks == (
        SafetyCheck("fire_alarm_test", dt.date(2026, 10, 30)),
        SafetyCheck("controlled_drugs", dt.date(2026, 10, 29), issues_open=2),
    )
    assert location.staffing_reviews == (StaffingReview(dt.date(2026, 10, 23), 1200.5, 1232.0),)


@pytest.mark.parametrize(
    ("bad", "where", "why"),
    [
        (basic("x", "safety-check", "2026-10-30"), ".extension[check-kind]", "required extension missing"),
        (
            basic("x", "staffing-review", "2026-10-23", ("staffing-required-hours", "Decimal", 1200)),
            ".extension[staffing-rostered-hours]",
            "required extension missing",
        ),
        (
            basic(
                "x",
                "staffing-review",
                "2026-10-23",
                ("staffing-required-hours", "Decimal", -1234.5),
                ("staffing-rostered-hours", "Decimal", 1),
            ),
            ".extension[staffing-required-hours].valueDecimal",
            "expected a number of zero or more",
        ),
        (
            basic("x", "staffing-review", "2026-10", ("staffing-required-hours", "Decimal", 1)),
            ".created",
            "date must be precise to the day",
        ),
    ],
)
def test_a_bad_governance_record_names_the_record_and_element(
    write_bundle: Write, bad: dict[str, Any], where: str, why: str
) -> None:
    bundle = small_home(bad)
    index = entry_index(bundle, "Basic/x")
    path = write_bundle(bundle)
    message = refused(path)
    assert message == f"{path}: entry[{index}] (Basic/x) {where}: {why}"
    assert "1234" not in message
    location, context = read(path, lenient=True)
    assert (location.checks, location.staffing_reviews, len(context.skipped)) == ((), (), 1)


def test_basics_of_other_record_types_are_counted_and_a_malformed_one_reported(write_bundle: Write) -> None:
    other = basic("o1", "fridge-temperature", "2026-10-30")
    malformed = basic("m1", "unused", "2026-10-30")
    del malformed["code"]["coding"][0]["code"]
    index = entry_index(small_home(other, malformed), "Basic/m1")
    path = write_bundle(small_home(other, malformed))

    message = refused(path)
    assert (
        message == f"{path}: entry[{index}] (Basic/m1) .code.coding[0].code: required value missing"
    )
    _, context = read(path, lenient=True)
    assert len(context.skipped) == 1
    assert context.ignored == {"Basic (not a record type the adapter reads)": 1}
