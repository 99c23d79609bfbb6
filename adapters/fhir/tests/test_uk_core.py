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
    return {
        "resourceType": "Observation",
        "id": "UKCore-Observation-BodyWeight",
        "status": "final",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "27113001"}]},
        "subject": {"reference": "Patient/UKCore-Patient-RichardSmith"},
    }


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
    assert context.ignored == {"Observation": 2}


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
    assert summary["ignored"] == {"Observation": 1, "Location": 1}
    assert summary["used"]["people"] == 1
    text = CliRunner().invoke(cli, args).stdout
    assert "read and not used: 1 Location, 1 Observation" in text


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
