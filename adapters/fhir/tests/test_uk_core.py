"""UK care records as UK Core writes them: a Location and provider known by ODS code, references by NHS
number, one home of many (``--location``), unsupported resource types, and the read summary.

The Patient follows UK Core's published example ``UKCore-Patient-RichardSmith`` (NHS number 9000000009,
the NHS test number); the Organization and Location carry ODS codes in the UK Core identifier system
``https://fhir.nhs.uk/Id/ods-organization-code`` as UK Core's ``UKCore-Organization-LeedsTeachingHospital``
example does (code ``RR8``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import FhirServer, searchset
from fhir_build import NHS_NUMBER, care_plan, patient
from mipr_rules_cli.cli import cli

from mipr_rules.adapters.base import ReadContext
from mipr_rules.errors import InputError
from mipr_rules.testing import TEST_KEY
from mipr_rules_adapter_fhir import FhirAdapter

ODS = "https://fhir.nhs.uk/Id/ods-organization-code"


def ods_home(code: str = "VLLWV", org: str = "RR8") -> list[dict[str, Any]]:
    """A care home Location and its provider Organization, identified by ODS codes only."""
    return [
        {
            "resourceType": "Location",
            "id": f"home-{code}",
            "identifier": [{"system": ODS, "value": code}],
            "status": "active",
            "name": f"Home {code}",
            "managingOrganization": {"reference": f"Organization/{org}"},
        },
        {
            "resourceType": "Organization",
            "id": org,
            "identifier": [{"system": ODS, "value": org}],
            "name": "Leeds Teaching Hospitals NHS Trust",
        },
    ]


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


def richard_smith() -> dict[str, Any]:
    return patient("UKCore-Patient-RichardSmith", nhs_number="9000000009")


def observation() -> dict[str, Any]:
    """A vital sign the adapter does not read (UK Core's heart-rate example: LOINC 8867-4)."""
    return {
        "resourceType": "Observation",
        "id": "UKCore-Observation-VitalSigns-HeartRate",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": "Patient/UKCore-Patient-RichardSmith"},
        "effectiveDateTime": "2023-08-10",
        "valueQuantity": {"value": 72, "system": "http://unitsofmeasure.org", "code": "/min"},
    }


NOT_READ = "Observation (not a weight or nutrition screening)"


def test_location_and_provider_identified_by_ods_code(write_bundle: Any) -> None:
    context = ReadContext(key=TEST_KEY)
    (location,) = FhirAdapter().read(write_bundle(bundle(*ods_home(), richard_smith())), context)
    assert (location.location_id, location.provider.provider_id) == ("VLLWV", "RR8")
    assert len(location.people) == 1


def test_a_care_plan_referring_to_its_patient_by_nhs_number_only_is_read(write_bundle: Any) -> None:
    plan = care_plan("UKCore-CarePlan-Example", "unused")
    plan["subject"] = {"type": "Patient", "identifier": {"system": NHS_NUMBER, "value": "9000000009"}}
    (location,) = FhirAdapter().read(
        write_bundle(bundle(*ods_home(), richard_smith(), plan)), ReadContext(key=TEST_KEY)
    )
    assert [len(p.care_plans) for p in location.people] == [1]


def test_resources_read_and_not_used_are_counted_by_type(write_bundle: Any) -> None:
    context = ReadContext(key=TEST_KEY)
    source = bundle(*ods_home(), richard_smith(), observation(), observation() | {"id": "second"})
    list(FhirAdapter().read(write_bundle(source), context))
    assert context.ignored == {NOT_READ: 2}


def test_one_home_of_many_with_location(write_bundle: Any) -> None:
    path = write_bundle(bundle(*ods_home("VLLWV"), *ods_home("VM4XD", "RR9"), richard_smith()))
    with pytest.raises(InputError, match="holds 2 care Locations; choose one with --location ID"):
        list(FhirAdapter().read(path, ReadContext(key=TEST_KEY)))
    context = ReadContext(key=TEST_KEY, location="VM4XD")
    (location,) = FhirAdapter().read(path, context)
    assert (location.location_id, location.provider.provider_id) == ("VM4XD", "RR9")
    assert context.ignored["Location"] == 1


def test_readiness_shows_the_read_summary_with_ignored_types(write_bundle: Any) -> None:
    path = write_bundle(bundle(*ods_home("VLLWV"), *ods_home("VM4XD", "RR9"), richard_smith(), observation()))
    args = ["readiness", "--adapter", "fhir", "--source", path, "--location", "VLLWV"]
    args += ["--as-of", "2026-11-02"]
    result = CliRunner().invoke(cli, [*args, "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    summary = json.loads(result.stdout)["read_summary"]
    assert summary["adapter"] == "fhir"
    assert summary["ignored"] == {NOT_READ: 1, "Location": 1}
    assert summary["used"]["people"] == 1
    text = CliRunner().invoke(cli, args).stdout
    assert f"read and not used: 1 Location, 1 {NOT_READ}" in text


def serve(server: FhirServer) -> None:
    server.pages["Location"] = [searchset(ods_home()[:1])]
    server.pages["Organization"] = [searchset(ods_home()[1:])]
    server.pages["Patient"] = [searchset([richard_smith()])]
    server.status["Basic"] = 404


def test_unsupported_resource_type_is_skipped_and_reported_when_lenient(fhir_server: FhirServer) -> None:
    serve(fhir_server)
    context = ReadContext(key=TEST_KEY, lenient=True)
    (location,) = FhirAdapter().read(fhir_server.base, context)
    assert location.location_id == "VLLWV"
    assert len(context.unsupported) == 1 and context.unsupported[0].startswith("Basic: ")
    assert "HTTP 404" in context.unsupported[0]


def test_unsupported_resource_type_stops_a_strict_read(fhir_server: FhirServer) -> None:
    serve(fhir_server)
    with pytest.raises(InputError, match=r"/fhir/Basic page 1: HTTP 404"):
        list(FhirAdapter().read(fhir_server.base, ReadContext(key=TEST_KEY)))


def practitioner() -> dict[str, Any]:
    """Shaped as UK Core's ``UKCore-Practitioner-Example`` (SDS user id identifier)."""
    return {
        "resourceType": "Practitioner",
        "id": "UKCore-Practitioner-Example",
        "identifier": [{"system": "https://fhir.nhs.uk/Id/sds-user-id", "value": "7020134158"}],
        "name": [{"family": "Smith", "given": ["Peter"], "prefix": ["Mr"]}],
    }


def nurse_role() -> dict[str, Any]:
    """A PractitionerRole coded in HL7's practitioner-role code system (``nurse``), as HL7's R4 example
    ``PractitionerRole/example`` codes its role, with the period that example gives."""
    return {
        "resourceType": "PractitionerRole",
        "id": "example",
        "active": True,
        "period": {"start": "2012-01-01", "end": "2031-03-31"},
        "practitioner": {"reference": "Practitioner/UKCore-Practitioner-Example"},
        "code": [
            {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/practitioner-role", "code": "nurse"}
                ]
            }
        ],
    }


def gp_role() -> dict[str, Any]:
    """UK Core's ``UKCore-PractitionerRole-Example``: an SDS job role (a GP), not a staff post at the home."""
    return {
        "resourceType": "PractitionerRole",
        "id": "UKCore-PractitionerRole-Example",
        "identifier": [{"system": "https://fhir.nhs.uk/Id/sds-role-profile-id", "value": "100334993514"}],
        "practitioner": {"reference": "Practitioner/UKCore-Practitioner-Example"},
        "code": [
            {
                "coding": [
                    {"system": "https://fhir.nhs.uk/R4/CodeSystem/UKCore-SDSJobRoleName", "code": "R0260"}
                ]
            }
        ],
    }


def adverse_event() -> dict[str, Any]:
    """HL7 R4's ``AdverseEvent/example`` (category product-use-error), its subject our Patient."""
    return {
        "resourceType": "AdverseEvent",
        "id": "example",
        "identifier": {"system": "http://acme.com/ids/patients/risks", "value": "49476534"},
        "actuality": "actual",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/adverse-event-category",
                        "code": "product-use-error",
                    }
                ]
            }
        ],
        "event": {"coding": [{"system": "http://snomed.info/sct", "code": "304386008"}]},
        "subject": {"type": "Patient", "identifier": {"system": NHS_NUMBER, "value": "9000000009"}},
        "date": "2017-01-29T12:34:56+00:00",
    }


def survey_response() -> dict[str, Any]:
    """A completed QuestionnaireResponse answered by the person (``source``), UK Core-profiled."""
    return {
        "resourceType": "QuestionnaireResponse",
        "id": "UKCore-QuestionnaireResponse-Survey",
        "status": "completed",
        "subject": {"reference": "Patient/UKCore-Patient-RichardSmith"},
        "authored": "2026-09-20T12:15:00+00:00",
        "source": {"reference": "Patient/UKCore-Patient-RichardSmith"},
        "item": [
            {"linkId": "q1", "text": "How happy are you with your care?", "answer": [{"valueInteger": 5}]}
        ],
    }


def hl7_flag() -> dict[str, Any]:
    """HL7 R4's ``Flag/example`` shape: a flag that is not a safeguarding concern."""
    return {
        "resourceType": "Flag",
        "id": "example",
        "status": "inactive",
        "code": {"coding": [{"system": "http://example.org/local", "code": "bigdog"}], "text": "Big dog"},
        "subject": {"reference": "Patient/UKCore-Patient-RichardSmith"},
    }


def test_published_examples_yield_people_staff_plans_incidents_and_feedback(write_bundle: Any) -> None:
    plan = care_plan("UKCore-CarePlan-Example", "unused")
    plan["subject"] = {"type": "Patient", "identifier": {"system": NHS_NUMBER, "value": "9000000009"}}
    resources = [
        *ods_home(),
        richard_smith(),
        plan,
        practitioner(),
        nurse_role(),
        gp_role(),
        adverse_event(),
        survey_response(),
        hl7_flag(),
        observation(),
    ]
    context = ReadContext(key=TEST_KEY)
    (location,) = FhirAdapter().read(write_bundle(bundle(*resources)), context)
    assert location.location_id == "VLLWV"
    assert [len(p.care_plans) for p in location.people] == [1]
    assert [m.role for m in location.staff] == ["nurse"]
    (incident,) = location.incidents
    assert (
        incident.category.value == "medication_error" and incident.person_id == location.people[0].person_id
    )
    assert [(f.source.value, f.channel) for f in location.feedback] == [("person", "survey")]
    assert context.ignored == {
        NOT_READ: 1,
        "PractitionerRole (not a staff role)": 1,
        "Flag (not a safeguarding concern)": 1,
    }
    assert context.skipped == []


def test_a_vendor_code_map_adds_roles_and_courses(write_bundle: Any, tmp_path: Any) -> None:
    codes = tmp_path / "codes.yaml"
    codes.write_text(
        "staff_roles:\n"
        "  - {system: 'https://fhir.nhs.uk/R4/CodeSystem/UKCore-SDSJobRoleName', code: R0260, role: gp}\n"
        "training_courses:\n"
        "  - {system: 'https://vendor.example/courses', code: MH1, course: moving_and_handling}\n",
        encoding="utf-8",
    )
    carer = practitioner() | {
        "qualification": [
            {
                "code": {"coding": [{"system": "https://vendor.example/courses", "code": "MH1"}]},
                "period": {"start": "2026-01-10", "end": "2027-01-10"},
            }
        ]
    }
    role = gp_role() | {"period": {"start": "2020-04-01"}}
    path = write_bundle(bundle(*ods_home(), richard_smith(), carer, role))
    (location,) = FhirAdapter(code_map=str(codes)).read(path, ReadContext(key=TEST_KEY))
    (member,) = location.staff
    assert member.role == "gp" and [t.course for t in member.training] == ["moving_and_handling"]


def test_a_bad_code_map_is_one_line(write_bundle: Any, tmp_path: Any) -> None:
    from mipr_rules.errors import ConfigError

    codes = tmp_path / "codes.yaml"
    codes.write_text("incident_categories:\n  - {system: s, code: c, category: mishap}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"codes.yaml: incident_categories: category must be one of"):
        list(
            FhirAdapter(code_map=str(codes)).read(
                write_bundle(bundle(*ods_home())), ReadContext(key=TEST_KEY)
            )
        )


def test_safeguarding_and_complaints_from_standard_resources_through_a_code_map(
    write_bundle: Any, tmp_path: Any
) -> None:
    codes = tmp_path / "codes.yaml"
    codes.write_text(
        "safeguarding_flags:\n"
        "  - {system: 'https://vendor.example/flags', code: SG}\n"
        "communication_categories:\n"
        "  - {system: 'https://vendor.example/letters', code: REF, kind: safeguarding-referral}\n"
        "  - {system: 'https://vendor.example/letters', code: COMPL, kind: complaint}\n"
        "  - {system: 'https://vendor.example/letters', code: ACK, kind: complaint-acknowledgement}\n",
        encoding="utf-8",
    )

    def letter(rid: str, code: str, **more: Any) -> dict[str, Any]:
        return {
            "resourceType": "Communication",
            "id": rid,
            "status": "completed",
            "category": [{"coding": [{"system": "https://vendor.example/letters", "code": code}]}],
            **more,
        }

    flag = {
        "resourceType": "Flag",
        "id": "concern-1",
        "status": "active",
        "code": {"coding": [{"system": "https://vendor.example/flags", "code": "SG"}]},
        "subject": {"reference": "Patient/UKCore-Patient-RichardSmith"},
        "period": {"start": "2026-09-01"},
    }
    resources = [
        *ods_home(),
        richard_smith(),
        flag,
        letter(
            "referral-1", "REF", about=[{"reference": "Flag/concern-1"}], sent="2026-09-02T10:00:00+01:00"
        ),
        letter("complaint-1", "COMPL", received="2026-09-03T09:00:00+01:00"),
        letter(
            "ack-1",
            "ACK",
            inResponseTo=[{"reference": "Communication/complaint-1"}],
            sent="2026-09-04T09:00:00+01:00",
        ),
    ]
    context = ReadContext(key=TEST_KEY)
    (location,) = FhirAdapter(code_map=str(codes)).read(write_bundle(bundle(*resources)), context)
    (concern,) = location.safeguarding
    assert (str(concern.raised), str(concern.referred_to_la)) == ("2026-09-01", "2026-09-02")
    (complaint,) = location.complaints
    assert (str(complaint.received), str(complaint.acknowledged)) == ("2026-09-03", "2026-09-04")
    assert context.skipped == []
