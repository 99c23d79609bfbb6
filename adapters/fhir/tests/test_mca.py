"""Basic ``capacity-assessment`` and ``dols-application`` → a person's Mental Capacity Act records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from fhir_build import basic as any_basic
from fhir_build import entry_index, patient, read, refused, small_home

from mipr_rules.model import CapacityAssessment, DolsAuthorisation

Write = Callable[..., str]
basic = partial(any_basic, subject="Patient/p1")
"""A Basic about the person ``p1``."""




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
    message = refused(path)
    assert message == f"{path}: entry[{index}] (Basic/x) {where}: {why}"
    assert "next year" not in message
    location, context = read(path, lenient=True)
    assert (location.people[0].capacity_assessments, location.people[0].dols) == ((), ())
    assert len(context.skipped) == 1
