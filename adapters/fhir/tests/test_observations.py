"""Observation → weights (UK Core body weight, UCUM units to kg) and the latest nutrition screening (MUST)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from fhir_build import add, entry_index, patient, read, refused, small_home

from mipr_rules.model import WeightRecord

Write = Callable[..., str]
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
NOT_READ = "Observation (not a weight or nutrition screening)"


def weight(rid: str, value: Any, unit: str = "kg", when: str = "2026-10-21", **fields: Any) -> dict[str, Any]:
    """A body weight as UK Core's example writes it (SNOMED CT 27113001 and LOINC 29463-7)."""
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": fields.pop("status", "final"),
        "code": {"coding": [{"system": SNOMED, "code": "27113001"}, {"system": LOINC, "code": "29463-7"}]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": when,
        "valueQuantity": {"value": value, "system": UCUM, "code": unit},
        **fields,
    }


def screening(rid: str, when: str, system: str = SNOMED, code: str = "444297006") -> dict[str, Any]:
    """A MUST score Observation."""
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": when,
        "valueInteger": 1,
    }



def test_weights_in_kg_g_and_pounds_are_kilograms(write_bundle: Write) -> None:
    bundle = small_home(
        patient("p1", pseudonym="R1"),
        weight("w1", 61.5),
        weight("w2", 60250, "g", "2026-10-01"),
        weight("w3", 132, "[lb_av]", "2026-09-01"),
    )
    location, _ = read(write_bundle(bundle))
    assert location.people[0].weights == (
        WeightRecord(dt.date(2026, 10, 21), 61.5),
        WeightRecord(dt.date(2026, 10, 1), 60.25),
        WeightRecord(dt.date(2026, 9, 1), 59.874),
    )


def test_the_date_weighed_is_the_uk_local_date_and_a_period_gives_its_start(write_bundle: Write) -> None:
    late = weight("w1", 60, when="2026-08-24T23:30:00Z")  # 00:30 on the 25th in British Summer Time
    period = weight("w2", 60)
    del period["effectiveDateTime"]
    period["effectivePeriod"] = {"start": "2026-10-03T09:00:00+01:00", "end": "2026-10-03T09:05:00+01:00"}
    location, _ = read(write_bundle(small_home(patient("p1", pseudonym="R1"), late, period)))
    assert [w.recorded for w in location.people[0].weights] == [dt.date(2026, 8, 25), dt.date(2026, 10, 3)]


def test_only_standing_results_are_used_and_the_rest_counted(write_bundle: Write) -> None:
    absent = weight("w4", 60)
    del absent["valueQuantity"]
    absent["dataAbsentReason"] = {"text": "declined to be weighed"}
    bundle = small_home(
        patient("p1", pseudonym="R1"),
        weight("w1", 60, status="amended"),
        weight("w2", 99, status="preliminary"),
        weight("w3", 99, status="entered-in-error"),
        absent,
        screening("heart", "2026-10-01", LOINC, "8867-4"),
    )
    location, context = read(write_bundle(bundle))
    assert [w.kg for w in location.people[0].weights] == [60.0]
    assert context.ignored == {
        "Observation (not final)": 1,
        "Observation (entered-in-error)": 1,
        "Observation (weight not taken)": 1,
        NOT_READ: 1,
    }


def test_nutrition_screened_is_the_latest_must_screening(write_bundle: Write) -> None:
    bundle = small_home(
        patient("p1", pseudonym="R1"),
        patient("p2", pseudonym="R2"),
        screening("m1", "2026-10-30"),
        screening("m2", "2026-07-01"),
    )
    location, _ = read(write_bundle(bundle))
    assert [p.nutrition_screened for p in location.people] == [dt.date(2026, 10, 30), None]


def test_a_vendor_code_map_adds_nutrition_screening_codes(write_bundle: Write, tmp_path: Any) -> None:
    codes = tmp_path / "codes.yaml"
    codes.write_text("nutrition_screening:\n  - {system: 'https://vendor.example/tools', code: MUST}\n")
    bundle = small_home(
        patient("p1", pseudonym="R1"), screening("m1", "2026-10-30", "https://vendor.example/tools", "MUST")
    )
    path = write_bundle(bundle)
    assert read(path)[0].people[0].nutrition_screened is None
    assert read(path)[1].ignored == {NOT_READ: 1}
    assert read(path, code_map=str(codes))[0].people[0].nutrition_screened == dt.date(2026, 10, 30)


@pytest.mark.parametrize(
    ("change", "where", "why"),
    [
        (
            lambda w: w["valueQuantity"].update(code="[stone_av]"),
            ".valueQuantity.code",
            "expected a UCUM mass unit",
        ),
        (lambda w: w["valueQuantity"].pop("system"), ".valueQuantity.code", "expected a UCUM mass unit"),
        (
            lambda w: w["valueQuantity"].update(value=-612.25),
            ".valueQuantity.value",
            "expected a weight above zero",
        ),
        (lambda w: w.pop("valueQuantity"), ".valueQuantity", "required element missing"),
        (lambda w: w.pop("effectiveDateTime"), ".effective[x]", "required date missing"),
        (
            lambda w: w.update(effectiveDateTime="2026-10"),
            ".effectiveDateTime",
            "date must be precise to the day",
        ),
        (
            lambda w: w.update(subject={"reference": "Group/everyone"}),
            ".subject",
            "expected a reference to Patient",
        ),
    ],
)
def test_a_bad_weight_names_the_record_and_element_never_the_value(
    write_bundle: Write, change: Callable[[dict[str, Any]], Any], where: str, why: str
) -> None:
    bad = weight("w-bad", 612.25)
    change(bad)
    bundle = small_home(patient("p1", pseudonym="R1"), weight("w-good", 60), bad)
    index = entry_index(bundle, "Observation/w-bad")
    path = write_bundle(bundle)

    message = refused(path)
    assert message.startswith(f"{path}: entry[{index}] (Observation/w-bad) {where}: {why}")
    assert "612" not in message

    location, context = read(path, lenient=True)
    assert [w.kg for w in location.people[0].weights] == [60.0]
    assert len(context.skipped) == 1


def test_observations_of_a_skipped_patient_are_skipped_too(write_bundle: Write) -> None:
    bundle = small_home(patient("p1", pseudonym="9434765919"), weight("w1", 60))
    add(bundle, patient("p2", pseudonym="R2"))
    _, context = read(write_bundle(bundle), lenient=True)
    assert [line.split(") ")[0].split("(")[-1] for line in context.skipped] == [
        "Patient/p1",
        "Observation/w1",
    ]
