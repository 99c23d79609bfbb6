"""Pseudonymisation: names, birth dates, addresses and NHS numbers never reach the model or a message."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fhir_build import NHS_NUMBER, PSEUDONYM, care_plan, patient, resources_of, small_home

from mipr_rules.adapters.base import ReadContext
from mipr_rules.convert import unstructure
from mipr_rules.errors import InputError
from mipr_rules.testing import TEST_KEY
from mipr_rules_adapter_fhir import FhirAdapter

Write = Callable[..., str]


def identifying_values(bundle: dict[str, Any]) -> set[str]:
    """Every name, birth date, address line and NHS number of the Patients and Practitioners."""
    values: set[str] = set()
    for kind in ("Patient", "Practitioner"):
        for person in resources_of(bundle, kind):
            for name in person.get("name", []):
                values.update([name.get("family", ""), *name.get("given", [])])
            values.add(person.get("birthDate", ""))
            for address in person.get("address", []):
                values.update([*address.get("line", []), address.get("postalCode", "")])
            values.update(i["value"] for i in person.get("identifier", []) if i["system"] != PSEUDONYM)
    values.discard("")
    return values


def without_pseudonyms(bundle: dict[str, Any]) -> dict[str, Any]:
    """The bundle as a source that never pseudonymised: only NHS numbers and payroll numbers remain."""
    for kind in ("Patient", "Practitioner"):
        for person in resources_of(bundle, kind):
            person["identifier"] = [i for i in person["identifier"] if i["system"] != PSEUDONYM]
    return bundle


def test_sample_home_model_holds_no_identifying_value(
    sample_bundle: dict[str, Any], write_bundle: Write
) -> None:
    values = identifying_values(sample_bundle)
    assert len(values) > 100  # the fixture really carries names, birth dates and NHS numbers

    (location,) = FhirAdapter().read(write_bundle(sample_bundle), ReadContext(key=TEST_KEY))

    text = json.dumps(unstructure(location))
    assert [value for value in values if value in text] == []


def test_nhs_numbers_become_keyed_pseudonyms(sample_bundle: dict[str, Any], write_bundle: Write) -> None:
    bundle = without_pseudonyms(sample_bundle)
    nhs_numbers = [p["identifier"][0]["value"] for p in resources_of(bundle, "Patient")]
    path = write_bundle(bundle)
    context = ReadContext(key=b"provider secret")

    (location,) = FhirAdapter().read(path, context)

    ids = [person.person_id for person in location.people]
    assert ids == [context.pseudonym(number, "P") for number in nhs_numbers]
    assert all(pid.startswith("P-") and len(pid) == 14 for pid in ids)
    text = json.dumps(unstructure(location))
    assert [value for value in identifying_values(bundle) if value in text] == []
    # Records about a person carry the same pseudonym as the person.
    r40 = ids[39]
    assert next(i for i in location.incidents if i.incident_id == "INC-0801").person_id == r40
    # Staff without a pseudonym identifier are pseudonymised from their payroll number.
    assert all(member.staff_id.startswith("S-") for member in location.staff)
    assert location.registered_manager_id == location.staff[0].staff_id


def test_pseudonyms_are_stable_per_key_and_differ_between_keys(
    sample_bundle: dict[str, Any], write_bundle: Write
) -> None:
    path = write_bundle(without_pseudonyms(sample_bundle))

    def people(key: bytes) -> list[str]:
        (location,) = FhirAdapter().read(path, ReadContext(key=key))
        return [person.person_id for person in location.people]

    assert people(b"key one") == people(b"key one")
    assert set(people(b"key one")).isdisjoint(people(b"key two"))


def test_nhs_number_with_spaces_gives_the_same_pseudonym(write_bundle: Write) -> None:
    context = ReadContext(key=b"k")
    bundle = small_home(patient("p1", nhs_number="943 476 5919"))

    (location,) = FhirAdapter().read(write_bundle(bundle), context)

    assert location.people[0].person_id == context.pseudonym("9434765919", "P")


def test_a_patient_with_no_identifier_is_known_by_its_pseudonymised_resource_id(write_bundle: Write) -> None:
    context = ReadContext(key=b"k")

    (location,) = FhirAdapter().read(write_bundle(small_home(patient("abc"))), context)

    assert location.people[0].person_id == context.pseudonym("Patient/abc", "P")


@pytest.mark.parametrize(
    "breakage",
    [
        lambda p: p["identifier"][0].update(value=9434765919),  # NHS number as a JSON number
        lambda p: p.update(birthDate="17/02/1931"),  # birth date in the wrong format
        lambda p: p["name"][0].update(family=["Quenby"]),  # name of the wrong JSON type
    ],
)
def test_messages_about_bad_patients_never_show_their_values(
    breakage: Callable[[dict[str, Any]], None], write_bundle: Write
) -> None:
    person = patient("p1", nhs_number="9434765919")
    breakage(person)
    path = write_bundle(small_home(person, care_plan("CP-1", "p1")))

    with pytest.raises(InputError) as info:
        list(FhirAdapter().read(path, ReadContext(key=TEST_KEY)))

    message = str(info.value)
    assert message.startswith(f"{path}: entry[2] (Patient/p1) .")
    for value in ("9434765919", "1931", "Quenby", "Winifred"):
        assert value not in message


def test_nhs_number_system_is_the_uk_core_one() -> None:
    assert NHS_NUMBER == "https://fhir.nhs.uk/Id/nhs-number"


def test_a_resource_id_that_looks_like_an_nhs_number_is_withheld_from_messages(write_bundle: Write) -> None:
    person = patient("9434765919", nhs_number="9434765919")
    person["birthDate"] = "1931-02-30T"
    path = write_bundle(small_home(person))

    with pytest.raises(InputError) as info:
        list(FhirAdapter().read(path, ReadContext(key=TEST_KEY)))

    assert str(info.value) == (
        f"{path}: entry[2] (Patient/(id withheld)) .birthDate: not a valid FHIR date, dateTime or instant"
    )
