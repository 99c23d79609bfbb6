"""Bad data: strict mode stops at the first bad record naming it and the field; lenient skips and counts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fhir_build import add, care_plan, entry_index, ext_url, patient, resource, small_home

from mipr_rules.adapters.base import ReadContext
from mipr_rules.errors import InputError
from mipr_rules.model import Location
from mipr_rules.testing import TEST_KEY
from mipr_rules_adapter_fhir import FhirAdapter

Write = Callable[..., str]


def strict_error(path: str) -> str:
    with pytest.raises(InputError) as info:
        list(FhirAdapter().read(path, ReadContext(key=TEST_KEY)))
    message = str(info.value)
    assert "\n" not in message
    return message


def lenient(path: str) -> tuple[Location | None, list[str]]:
    context = ReadContext(lenient=True, key=TEST_KEY)
    locations = list(FhirAdapter().read(path, context))
    return (locations[0] if locations else None), context.skipped


def test_missing_required_date_names_entry_record_and_field(
    sample_bundle: dict[str, Any], write_bundle: Write
) -> None:
    plan = resource(sample_bundle, "CarePlan/CP-R07")
    del plan["created"], plan["period"]
    index = entry_index(sample_bundle, "CarePlan/CP-R07")
    path = write_bundle(sample_bundle)

    assert strict_error(path) == (
        f"{path}: entry[{index}] (CarePlan/CP-R07) .created: "
        "required date missing (nor is there a .period.start)"
    )
    location, skipped = lenient(path)
    assert location is not None
    assert len(skipped) == 1
    r07 = next(p for p in location.people if p.person_id == "R07")
    assert r07.care_plans == ()
    assert len(r07.risk_assessments) == 3  # falls, nutrition and pressure areas


def test_reference_to_the_wrong_resource_type(sample_bundle: dict[str, Any], write_bundle: Write) -> None:
    resource(sample_bundle, "RiskAssessment/RA-R01-falls")["subject"] = {
        "reference": "Practitioner/staff-S02"
    }
    index = entry_index(sample_bundle, "RiskAssessment/RA-R01-falls")
    path = write_bundle(sample_bundle)

    assert strict_error(path) == (
        f"{path}: entry[{index}] (RiskAssessment/RA-R01-falls) .subject: "
        "expected a reference to Patient, got Practitioner"
    )


def test_reference_resolving_to_a_resource_of_another_type(
    sample_bundle: dict[str, Any], write_bundle: Write
) -> None:
    # The reference names no type (a urn), but resolves to a Practitioner where a Patient belongs.
    sample_bundle["entry"][entry_index(sample_bundle, "Practitioner/staff-S02")]["fullUrl"] = "urn:uuid:1b2c"
    resource(sample_bundle, "CarePlan/CP-R03")["subject"] = {"reference": "urn:uuid:1b2c"}
    path = write_bundle(sample_bundle)

    assert strict_error(path).endswith(
        "(CarePlan/CP-R03) .subject: expected a reference to Patient, got Practitioner"
    )


def test_wrong_resource_type_where_a_bundle_is_expected(write_bundle: Write) -> None:
    path = write_bundle(patient("p1", pseudonym="R01"))

    assert strict_error(path) == f"{path}: expected a FHIR Bundle, got Patient"


def test_reference_to_a_resource_not_in_the_source(
    sample_bundle: dict[str, Any], write_bundle: Write
) -> None:
    resource(sample_bundle, "AdverseEvent/INC-0100")["subject"] = {"reference": "Patient/nobody"}
    path = write_bundle(sample_bundle)

    assert strict_error(path).endswith(
        "(AdverseEvent/INC-0100) .subject: refers to a Patient that is not in the source"
    )


def test_not_valid_fhir_r4_is_a_problem_named_by_element(
    sample_bundle: dict[str, Any], write_bundle: Write
) -> None:
    del resource(sample_bundle, "CarePlan/CP-R02")["intent"]
    resource(sample_bundle, "RiskAssessment/RA-R03-falls")["occurrenceDateTime"] = "03/10/2026"
    resource(sample_bundle, "Flag/SG-0101")["colour"] = "red"
    path = write_bundle(sample_bundle)

    assert strict_error(path).endswith("(CarePlan/CP-R02) .intent: required element missing")
    _, skipped = lenient(path)
    at = {
        key: f"entry[{entry_index(sample_bundle, key)}] ({key})"
        for key in (
            "CarePlan/CP-R02",
            "RiskAssessment/RA-R03-falls",
            "Flag/SG-0101",
            "Communication/SG-0101-referral",
        )
    }
    assert [line.split(": ", 1)[1] for line in skipped] == [
        f"{at['CarePlan/CP-R02']} .intent: required element missing",
        f"{at['RiskAssessment/RA-R03-falls']} .occurrenceDateTime: "
        "not a valid FHIR date, dateTime or instant",
        f"{at['Flag/SG-0101']} .colour: not an element of this FHIR R4 resource",
        # The referral about the skipped Flag goes with it.
        f"{at['Communication/SG-0101-referral']} .about[0]: refers to a Flag that was skipped",
    ]


def test_date_not_precise_to_the_day(sample_bundle: dict[str, Any], write_bundle: Write) -> None:
    resource(sample_bundle, "Basic/audit-3")["created"] = "2026-07"
    path = write_bundle(sample_bundle)

    assert strict_error(path).endswith("(Basic/audit-3) .created: date must be precise to the day")


def test_lenient_mode_skips_and_counts_every_bad_record(
    sample_bundle: dict[str, Any], write_bundle: Write
) -> None:
    del resource(sample_bundle, "CarePlan/CP-R01")["created"]
    del resource(sample_bundle, "CarePlan/CP-R01")["period"]
    del resource(sample_bundle, "AdverseEvent/INC-0100")["date"]
    resource(sample_bundle, "Basic/dbs-S03")["subject"] = {"reference": "Patient/resident-R01"}
    resource(sample_bundle, "Communication/CMP-0101-ack")["inResponseTo"] = [{"reference": "Flag/SG-0101"}]
    path = write_bundle(sample_bundle)

    location, skipped = lenient(path)

    assert location is not None
    assert sorted(line.split(": ", 1)[1] for line in skipped) == sorted(
        [
            f"entry[{entry_index(sample_bundle, 'CarePlan/CP-R01')}] (CarePlan/CP-R01) "
            ".created: required date missing (nor is there a .period.start)",
            f"entry[{entry_index(sample_bundle, 'AdverseEvent/INC-0100')}] (AdverseEvent/INC-0100) "
            ".date: required date missing",
            f"entry[{entry_index(sample_bundle, 'Basic/dbs-S03')}] (Basic/dbs-S03) "
            ".subject: expected a reference to Practitioner, got Patient",
            f"entry[{entry_index(sample_bundle, 'Communication/CMP-0101-ack')}] (Communication/CMP-0101-ack) "
            ".inResponseTo[0]: expected a reference to Communication, got Flag",
        ]
    )
    assert len(location.people) == 40 and len(location.staff) == 30
    assert next(s for s in location.staff if s.staff_id == "S03").dbs is None
    assert [i.incident_id for i in location.incidents][:2] == ["INC-0101", "INC-0102"]
    complaint = next(c for c in location.complaints if c.complaint_id == "CMP-0101")
    assert complaint.acknowledged is None and complaint.responded is not None


def test_a_skipped_patient_takes_its_records_with_it(write_bundle: Write) -> None:
    bundle = small_home(
        patient("p1", pseudonym="9434765919"), care_plan("CP-1", "p1"), patient("p2", pseudonym="R2")
    )
    path = write_bundle(bundle)

    assert (
        strict_error(path)
        == f"{path}: entry[2] (Patient/p1) .identifier[0].value: a pseudonym must not be an NHS number"
    )
    location, skipped = lenient(path)
    assert location is not None
    assert [p.person_id for p in location.people] == ["R2"]
    assert skipped[1] == f"{path}: entry[3] (CarePlan/CP-1) .subject: refers to a Patient that was skipped"


def test_same_resource_twice_is_a_problem(write_bundle: Write) -> None:
    bundle = small_home(patient("p1", pseudonym="R1"), patient("p1", pseudonym="R2"))
    path = write_bundle(bundle)

    assert (
        strict_error(path) == f"{path}: entry[3] (Patient/p1) .id: same resource appears twice in the source"
    )


def test_bad_code_lists_the_allowed_values_not_the_given_one(
    sample_bundle: dict[str, Any], write_bundle: Write
) -> None:
    rating = resource(sample_bundle, "Location/home")["extension"][1]
    assert rating["url"] == ext_url("cqc-current-rating")
    rating["extension"][0]["valueCode"] = "Smashing"
    path = write_bundle(sample_bundle)

    message = strict_error(path)
    assert message.endswith(
        "(Location/home) .extension[cqc-current-rating].extension[overall]: expected one of 'Outstanding', "
        "'Good', 'Requires improvement', 'Inadequate'"
    )
    assert "Smashing" not in message
    location, skipped = lenient(path)
    assert location is not None and location.current_rating is None and len(skipped) == 1


def test_incident_without_a_category_this_adapter_knows(write_bundle: Write) -> None:
    event = {
        "resourceType": "AdverseEvent",
        "id": "ae-1",
        "actuality": "actual",
        "category": [{"coding": [{"system": "http://snomed.info/sct", "code": "217082002"}]}],
        "subject": {"reference": "Patient/p1"},
        "date": "2026-10-01T10:00:00+01:00",
    }
    bundle = small_home(patient("p1", pseudonym="R1"), event)

    assert strict_error(write_bundle(bundle)).endswith(
        "(AdverseEvent/ae-1) .category: no incident category coded in https://mipr-rules.org/fhir/CodeSystem/incident-category"
    )


@pytest.mark.parametrize(
    ("bundle", "message"),
    [
        ({"resourceType": "Bundle", "type": "history", "entry": []}, "Bundle.type must be one of searchset"),
        (small_home(), None),
    ],
)
def test_envelope_problems_are_input_errors(
    bundle: dict[str, Any], message: str | None, write_bundle: Write
) -> None:
    if message is None:  # a home with nothing else reads as an empty home
        (location,) = FhirAdapter().read(write_bundle(bundle), ReadContext(key=TEST_KEY))
        assert location.people == () and location.location_id == "1-000000009"
        return
    assert message in strict_error(write_bundle(bundle))


def test_no_cqc_location_and_two_cqc_locations(write_bundle: Write) -> None:
    none = small_home()
    none["entry"][0]["resource"]["identifier"] = []
    assert strict_error(write_bundle(none)).endswith(
        ": no Location with an identifier in any of https://cqc.org.uk/location-id,"
        " https://fhir.nhs.uk/Id/ods-organization-code, https://fhir.nhs.uk/Id/ods-site-code"
    )
    two = small_home()
    second = dict(two["entry"][0]["resource"], id="home-2")
    add(two, second)
    assert strict_error(write_bundle(two)).endswith(
        ": holds 2 care Locations; choose one with --location ID (its CQC location id or ODS code)"
    )


def test_missing_file_and_broken_json(tmp_path: Path) -> None:
    assert strict_error(str(tmp_path / "nope.json")) == f"{tmp_path / 'nope.json'}: file not found"
    broken = tmp_path / "broken.json"
    broken.write_text('{"resourceType": "Bundle",')
    assert strict_error(str(broken)).startswith(f"{broken}:1:")
