"""Procedure → medication review, medicines reconciliation (SNOMED CT) and screenings a code map lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from fhir_build import entry_index, patient, read, refused, small_home

from mipr_rules.adapters.base import ReadContext
from mipr_rules.errors import ConfigError
from mipr_rules.testing import TEST_KEY
from mipr_rules_adapter_fhir import FhirAdapter

Write = Callable[..., str]
SNOMED = "http://snomed.info/sct"
REVIEW, RECONCILIATION = "182836005", "430193006"


def procedure(rid: str, code: str, when: str, system: str = SNOMED, **fields: Any) -> dict[str, Any]:
    """A completed UK Core Procedure of ``Patient/p1``."""
    return {
        "resourceType": "Procedure",
        "id": rid,
        "status": fields.pop("status", "completed"),
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": {"reference": "Patient/p1"},
        "performedDateTime": when,
        **fields,
    }



def test_the_latest_medication_review_and_the_reconciliation(write_bundle: Write) -> None:
    period = procedure("r3", REVIEW, "unused")
    del period["performedDateTime"]
    period["performedPeriod"] = {"start": "2026-10-16T23:30:00Z"}  # 00:30 on the 17th, UK time
    bundle = small_home(
        patient("p1", pseudonym="R1"),
        procedure("r1", REVIEW, "2026-06-01"),
        procedure("r2", REVIEW, "2026-09-01"),
        period,
        procedure("m1", RECONCILIATION, "2026-01-02"),
        procedure("r4", REVIEW, "2026-10-30", status="in-progress"),
        procedure("fall", "1234", "2026-10-30", system="https://vendor.example/procedures"),
    )
    location, context = read(write_bundle(bundle))
    person = location.people[0]
    assert (person.medication_reviewed, person.medicines_reconciled) == (
        dt.date(2026, 10, 17),
        dt.date(2026, 1, 2),
    )
    assert context.ignored == {"Procedure (not completed)": 1, "Procedure (not one the code map lists)": 1}


def test_a_vendor_code_map_adds_procedures_including_a_nutrition_screening(
    write_bundle: Write, tmp_path: Any
) -> None:
    codes = tmp_path / "codes.yaml"
    codes.write_text(
        "procedures:\n"
        "  - {system: 'https://vendor.example/p', code: MUST, field: nutrition_screened}\n"
        "  - {system: 'https://vendor.example/p', code: MR, field: medication_reviewed}\n"
    )
    bundle = small_home(
        patient("p1", pseudonym="R1"),
        procedure("s1", "MUST", "2026-10-30", "https://vendor.example/p"),
        procedure("s2", "MR", "2026-10-29", "https://vendor.example/p"),
    )
    location, _ = read(write_bundle(bundle), code_map=str(codes))
    person = location.people[0]
    assert (person.nutrition_screened, person.medication_reviewed) == (
        dt.date(2026, 10, 30),
        dt.date(2026, 10, 29),
    )


def test_a_code_map_may_name_only_the_fields_a_procedure_records(tmp_path: Any) -> None:
    codes = tmp_path / "codes.yaml"
    codes.write_text("procedures:\n  - {system: 'https://vendor.example/p', code: X, field: peep_reviewed}\n")
    with pytest.raises(ConfigError, match="procedures: field must be one of medication_reviewed, "):
        list(FhirAdapter(code_map=str(codes)).read("unused.json", ReadContext(key=TEST_KEY)))


@pytest.mark.parametrize(
    ("change", "where", "why"),
    [
        (lambda p: p.pop("performedDateTime"), ".performed[x]", "required date missing"),
        (
            lambda p: p.update(performedDateTime="2026-10"),
            ".performedDateTime",
            "date must be precise to the day",
        ),
        (
            lambda p: p.update(subject={"reference": "Group/g1"}),
            ".subject",
            "expected a reference to Patient",
        ),
    ],
)
def test_a_bad_procedure_names_the_record_and_element(
    write_bundle: Write, change: Callable[[dict[str, Any]], Any], where: str, why: str
) -> None:
    bad = procedure("bad", REVIEW, "2026-10-01")
    change(bad)
    bundle = small_home(patient("p1", pseudonym="R1"), procedure("good", REVIEW, "2026-06-01"), bad)
    index = entry_index(bundle, "Procedure/bad")
    path = write_bundle(bundle)
    message = refused(path)
    assert message.startswith(f"{path}: entry[{index}] (Procedure/bad) {where}: {why}")
    location, context = read(path, lenient=True)
    assert location.people[0].medication_reviewed == dt.date(2026, 6, 1)
    assert len(context.skipped) == 1
