"""Basic ``capacity-assessment`` and ``dols-application`` → a person's Mental Capacity Act records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from fhir_build import cs, entry_index, ext_url, patient, small_home

from mipr_rules.adapters.base import ReadContext
from mipr_rules.errors import InputError
from mipr_rules.model import CapacityAssessment, DolsAuthorisation, Location
from mipr_rules.testing import TEST_KEY
from mipr_rules_adapter_fhir import FhirAdapter

Write = Callable[..., str]


def basic(rid: str, record_type: str, created: str, *extensions: tuple[str, str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Basic",
        "id": rid,
        "code": {"coding": [{"system": cs("record-type"), "code": record_type}]},
        "subject": {"reference": "Patient/p1"},
        "created": created,
        "extension": [{"url": ext_url(name), f"value{kind}": value} for name, kind, value in extensions],
    }


def read(path: str, lenient: bool = False) -> tuple[Location, ReadContext]:
    context = ReadContext(key=TEST_KEY, lenient=lenient)
    (location,) = FhirAdapter().read(path, context)
    return location, context


def test_capacity_assessments_and_dols(write_bundle: Write) -> None:
    bundle = small_home(
        patient("p1", pseudonym="R1"),
        basic(
            "MCA-1",
            "capacity-assessment",
            "2025-10-18",
            ("mca-decision", "Code", "care_and_residence"),
            ("lacks-capacity", "Boolean", True),
            ("best-interests-recorded", "Boolean", True),
            ("review-due", "Date", "2026-12-02"),
        ),
        basic("MCA-2", "capacity-assessment", "2026-01-05", ("mca-decision", "Code", "medication")),
        basic(
            "DOLS-1",
            "dols-application",
            "2025-10-08",
            ("dols-granted", "Date", "2025-10-23"),
            ("dols-expires", "Date", "2026-10-23"),
            ("dols-conditions", "UnsignedInt", 2),
            ("dols-conditions-met", "Boolean", False),
            ("dols-renewal-applied", "Date", "2026-09-20"),
        ),
        basic("DOLS-2", "dols-application", "2026-10-01"),
    )
    (person,) = read(write_bundle(bundle))[0].people
    assert person.capacity_assessments == (
        CapacityAssessment(
            "MCA-1", "care_and_residence", dt.date(2025, 10, 18), True, True, dt.date(2026, 12, 2)
        ),
        CapacityAssessment("MCA-2", "medication", dt.date(2026, 1, 5)),
    )
    assert person.dols == (
        DolsAuthorisation(
            "DOLS-1",
            dt.date(2025, 10, 8),
            dt.date(2025, 10, 23),
            dt.date(2026, 10, 23),
            2,
            False,
            dt.date(2026, 9, 20),
        ),
        DolsAuthorisation("DOLS-2", dt.date(2026, 10, 1)),  # pending; conditions met by default
    )


@pytest.mark.parametrize(
    ("bad", "where", "why"),
    [
        (
            basic("x", "capacity-assessment", "2025-10-18"),
            ".extension[mca-decision]",
            "required extension missing",
        ),
        (
            basic("x", "dols-application", "2025-10", ("dols-granted", "Date", "2025-10-23")),
            ".created",
            "date must be precise to the day",
        ),
        (
            basic("x", "dols-application", "2025-10-08", ("dols-expires", "String", "next year")),
            ".extension[dols-expires].valueString",
            "expected valueDate or valueDateTime",
        ),
        (
            basic("x", "dols-application", "2025-10-08") | {"subject": {"reference": "Location/home"}},
            ".subject",
            "expected a reference to Patient, got Location",
        ),
    ],
)
def test_a_bad_mca_record_names_the_record_and_element_never_the_value(
    write_bundle: Write, bad: dict[str, Any], where: str, why: str
) -> None:
    bundle = small_home(patient("p1", pseudonym="R1"), bad)
    index = entry_index(bundle, "Basic/x")
    path = write_bundle(bundle)
    with pytest.raises(InputError) as info:
        read(path)
    message = str(info.value)
    assert message == f"{path}: entry[{index}] (Basic/x) {where}: {why}"
    assert "next year" not in message
    location, context = read(path, lenient=True)
    assert (location.people[0].capacity_assessments, location.people[0].dols) == ((), ())
    assert len(context.skipped) == 1
