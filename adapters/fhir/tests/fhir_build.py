"""Helpers to find, change and build resources in test Bundles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mipr_rules.adapters.base import ReadContext
from mipr_rules.errors import InputError
from mipr_rules.model import Location
from mipr_rules.testing import TEST_KEY
from mipr_rules_adapter_fhir import FhirAdapter

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE_BUNDLE = FIXTURES / "sunrise-house.bundle.json"

BASE = "https://mipr-rules.org/fhir"
PSEUDONYM = f"{BASE}/Id/pseudonym"
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"


def cs(name: str) -> str:
    """One of the adapter's code systems."""
    return f"{BASE}/CodeSystem/{name}"


def ext_url(name: str) -> str:
    """One of the adapter's extensions."""
    return f"{BASE}/StructureDefinition/{name}"


def entry_index(bundle: dict[str, Any], key: str) -> int:
    """Index of the entry holding resource ``Type/id``."""
    for index, entry in enumerate(bundle["entry"]):
        resource = entry["resource"]
        if f"{resource['resourceType']}/{resource.get('id')}" == key:
            return index
    raise KeyError(key)


def resource(bundle: dict[str, Any], key: str) -> dict[str, Any]:
    """The resource ``Type/id`` of ``bundle`` (changes to it change the bundle)."""
    found: dict[str, Any] = bundle["entry"][entry_index(bundle, key)]["resource"]
    return found


def resources_of(bundle: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    """Every resource of one type, in order."""
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type]


def add(bundle: dict[str, Any], *resources: dict[str, Any]) -> None:
    """Append resources to ``bundle``."""
    bundle["entry"] += [{"resource": r} for r in resources]


def small_home(*resources: dict[str, Any]) -> dict[str, Any]:
    """A collection Bundle of a home (Location ``home``, Organization ``provider``) and ``resources``."""
    home = {
        "resourceType": "Location",
        "id": "home",
        "identifier": [{"system": "https://cqc.org.uk/location-id", "value": "1-000000009"}],
        "name": "Small Home",
        "managingOrganization": {"reference": "Organization/provider"},
    }
    provider = {
        "resourceType": "Organization",
        "id": "provider",
        "identifier": [{"system": "https://cqc.org.uk/provider-id", "value": "1-000000900"}],
        "name": "Small Care Ltd",
    }
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in (home, provider, *resources)],
    }


def patient(rid: str, nhs_number: str | None = None, pseudonym: str | None = None) -> dict[str, Any]:
    """A UK Core Patient with a name and birth date, and the identifiers given."""
    identifiers = []
    if nhs_number:
        identifiers.append({"system": NHS_NUMBER, "value": nhs_number})
    if pseudonym:
        identifiers.append({"system": PSEUDONYM, "value": pseudonym})
    return {
        "resourceType": "Patient",
        "id": rid,
        "identifier": identifiers,
        "name": [{"family": "Quenby", "given": ["Winifred"]}],
        "birthDate": "1931-02-17",
        "address": [{"line": ["1 Lark Rise"], "postalCode": "ZZ99 3AA"}],
    }


def care_plan(rid: str, patient_id: str, created: str | None = "2026-04-01") -> dict[str, Any]:
    """An active CarePlan of ``Patient/patient_id``."""
    plan: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": rid,
        "status": "active",
        "intent": "plan",
        "subject": {"reference": f"Patient/{patient_id}"},
    }
    if created:
        plan["created"] = created
    return plan


def read(path: str, lenient: bool = False, **adapter: Any) -> tuple[Location, ReadContext]:
    """The location of the Bundle at ``path`` as ``FhirAdapter(**adapter)`` reads it, and the context."""
    context = ReadContext(key=TEST_KEY, lenient=lenient)
    (location,) = FhirAdapter(**adapter).read(path, context)
    return location, context


def refused(path: str, **adapter: Any) -> str:
    """The one-line message with which a strict read of the Bundle at ``path`` is refused."""
    with pytest.raises(InputError) as info:
        read(path, **adapter)
    return str(info.value)


def basic(
    rid: str,
    record_type: str,
    created: str,
    *extensions: tuple[str, str, Any],
    subject: str = "Location/home",
) -> dict[str, Any]:
    """A ``Basic`` of the adapter's ``record_type`` about ``subject``; extensions as (name, type, value)."""
    return {
        "resourceType": "Basic",
        "id": rid,
        "code": {"coding": [{"system": cs("record-type"), "code": record_type}]},
        "subject": {"reference": subject},
        "created": created,
        "extension": [{"url": ext_url(name), f"value{kind}": value} for name, kind, value in extensions],
    }
