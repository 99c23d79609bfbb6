"""Basic ``recruitment-checks`` → Schedule 3 recruitment checks; PractitionerRole new-to-care."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from fhir_build import cs, entry_index, ext_url, read, refused, small_home

from mipr_rules.model import RecruitmentChecks

Write = Callable[..., str]


def carer(new_to_care: bool | None = None) -> list[dict[str, Any]]:
    """A care worker's Practitioner and PractitionerRole."""
    role: dict[str, Any] = {
        "resourceType": "PractitionerRole",
        "id": "role",
        "practitioner": {"reference": "Practitioner/carer"},
        "code": [{"coding": [{"system": cs("staff-role"), "code": "care_worker"}]}],
        "period": {"start": "2026-03-02"},
    }
    if new_to_care is not None:
        role["extension"] = [{"url": ext_url("new-to-care"), "valueBoolean": new_to_care}]
    practitioner = {
        "resourceType": "Practitioner",
        "id": "carer",
        "identifier": [{"system": "x", "value": "1"}],
    }
    return [practitioner, role]


def checks(rid: str, created: str | None, *extensions: tuple[str, str, Any]) -> dict[str, Any]:
    basic: dict[str, Any] = {
        "resourceType": "Basic",
        "id": rid,
        "code": {"coding": [{"system": cs("record-type"), "code": "recruitment-checks"}]},
        "subject": {"reference": "Practitioner/carer"},
        "extension": [{"url": ext_url(name), f"value{kind}": value} for name, kind, value in extensions],
    }
    if created:
        basic["created"] = created
    return basic



def test_the_latest_recruitment_checks_and_new_to_care(write_bundle: Write) -> None:
    bundle = small_home(
        *carer(new_to_care=True),
        checks(
            "r-new",
            "2026-03-01",
            ("references", "UnsignedInt", 2),
            ("employment-history-complete", "Boolean", True),
            ("employment-gaps-explained", "Boolean", True),
            ("right-to-work-checked", "Date", "2026-02-20"),
            ("health-declaration", "Boolean", True),
        ),
        checks("r-old", "2026-02-01", ("references", "UnsignedInt", 1)),
        checks("r-undated", None),
    )
    (member,) = read(write_bundle(bundle))[0].staff
    assert member.new_to_care is True
    assert member.recruitment == RecruitmentChecks(True, True, 2, dt.date(2026, 2, 20), True)


def test_no_checks_recorded_and_not_new_to_care_by_default(write_bundle: Write) -> None:
    (member,) = read(write_bundle(small_home(*carer())))[0].staff
    assert (member.recruitment, member.new_to_care) == (None, False)


@pytest.mark.parametrize(
    ("extension", "where", "why"),
    [
        (("references", "Integer", -2), ".extension[references].valueInteger", "expected a whole number"),
        (
            ("right-to-work-checked", "Date", "2026-02"),
            ".extension[right-to-work-checked].valueDate",
            "date must",
        ),
        (("health-declaration", "String", "yes"), ".extension[health-declaration].valueString", "expected"),
    ],
)
def test_bad_recruitment_checks_name_the_record_and_element(
    write_bundle: Write, extension: tuple[str, str, Any], where: str, why: str
) -> None:
    bundle = small_home(*carer(), checks("bad", "2026-03-01", extension))
    index = entry_index(bundle, "Basic/bad")
    path = write_bundle(bundle)
    message = refused(path)
    assert message.startswith(f"{path}: entry[{index}] (Basic/bad) {where}: {why}")
    location, context = read(path, lenient=True)
    assert location.staff[0].recruitment is None and len(context.skipped) == 1
