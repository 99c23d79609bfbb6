"""DocumentReference → a person's care documents (PEEP, hospital passport...); governance documents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from fhir_build import cs, entry_index, ext_url, patient, read, refused, small_home

from mipr_rules.model import PolicyDocument

Write = Callable[..., str]


def document(rid: str, kind: str, system: str | None = None, **fields: Any) -> dict[str, Any]:
    """A current DocumentReference about ``Patient/p1`` written on 3 October 2026."""
    return {
        "resourceType": "DocumentReference",
        "id": rid,
        "status": fields.pop("status", "current"),
        "type": {"coding": [{"system": system or cs("person-document"), "code": kind}]},
        "subject": {"reference": "Patient/p1"},
        "date": "2026-10-03T12:00:00+01:00",
        "content": [{"attachment": {"contentType": "application/pdf", "url": f"https://example.org/{rid}"}}],
        **fields,
    }


def reviewed(day: str) -> list[dict[str, Any]]:
    return [{"url": ext_url("last-reviewed"), "valueDate": day}]



def test_care_documents_give_the_latest_review_of_each_kind(write_bundle: Write) -> None:
    bundle = small_home(
        patient("p1", pseudonym="R1"),
        document("peep-1", "peep"),
        document("peep-2", "peep", extension=reviewed("2026-10-20")),
        document("passport", "hospital-passport", extension=reviewed("2026-09-01")),
        document("about-me", "about-me"),
        document("acp-old", "advance-care-plan", status="superseded", extension=reviewed("2026-10-30")),
        document("letter", "discharge-letter", "https://vendor.example/documents"),
    )
    location, context = read(write_bundle(bundle))
    person = location.people[0]
    assert (person.peep_reviewed, person.hospital_passport_reviewed, person.about_me_recorded) == (
        dt.date(2026, 10, 20),
        dt.date(2026, 9, 1),
        dt.date(2026, 10, 3),
    )
    assert person.advance_care_plan_reviewed is None
    assert context.ignored == {
        "DocumentReference (not current)": 1,
        "DocumentReference (not a care or governance document)": 1,
    }


def test_communication_needs_and_care_preferences(write_bundle: Write) -> None:
    support = [
        {"url": ext_url("communication-support-needed"), "valueBoolean": True},
        {"url": ext_url("communication-support-in-place"), "valueBoolean": False},
    ]
    bundle = small_home(
        patient("p1", pseudonym="R1"),
        patient("p2", pseudonym="R2"),
        document("needs-old", "communication-needs", extension=reviewed("2025-01-01")),
        document("needs", "communication-needs", extension=support),
        document("prefs", "care-preferences"),
    )
    first, second = read(write_bundle(bundle))[0].people
    assert (first.communication_needs_recorded, first.care_preferences_recorded) == (
        dt.date(2026, 10, 3),
        True,
    )
    assert (first.communication_support_needed, first.communication_support_in_place) == (True, False)
    assert (second.communication_needs_recorded, second.care_preferences_recorded) == (None, False)
    assert (second.communication_support_needed, second.communication_support_in_place) == (False, False)


def test_a_vendor_code_map_types_care_documents(write_bundle: Write, tmp_path: Any) -> None:
    codes = tmp_path / "codes.yaml"
    codes.write_text(
        "person_documents:\n"
        "  - {system: 'https://vendor.example/d', code: RESPECT, kind: advance-care-plan}\n"
    )
    bundle = small_home(patient("p1", pseudonym="R1"), document("acp", "RESPECT", "https://vendor.example/d"))
    location, _ = read(write_bundle(bundle), code_map=str(codes))
    assert location.people[0].advance_care_plan_reviewed == dt.date(2026, 10, 3)


def test_governance_documents_are_policies(write_bundle: Write) -> None:
    policy = document("sop", "statement_of_purpose", cs("policy-kind"), extension=reviewed("2026-06-05"))
    del policy["subject"]
    old = document("wb", "whistleblowing", cs("policy-kind"), status="superseded")
    location, context = read(write_bundle(small_home(policy, old)))
    assert location.policies == (PolicyDocument("statement_of_purpose", dt.date(2026, 6, 5)),)
    assert context.ignored == {"DocumentReference (not current)": 1}


@pytest.mark.parametrize(
    ("change", "where", "why"),
    [
        (lambda d: d["type"]["coding"][0].update(code="secret-kind"), ".type", "expected one of 'peep', "),
        (lambda d: d.pop("date"), ".date", "required date missing (nor is there a last-reviewed extension)"),
        (
            lambda d: d.update(extension=reviewed("2026-10")),
            ".extension[last-reviewed].valueDate",
            "date must",
        ),
        (
            lambda d: d.update(subject={"reference": "Group/g1"}),
            ".subject",
            "expected a reference to Patient",
        ),
    ],
)
def test_a_bad_care_document_names_the_record_and_element(
    write_bundle: Write, change: Callable[[dict[str, Any]], Any], where: str, why: str
) -> None:
    bad = document("bad", "peep")
    change(bad)
    bundle = small_home(
        patient("p1", pseudonym="R1"), document("good", "peep", extension=reviewed("2026-01-01")), bad
    )
    index = entry_index(bundle, "DocumentReference/bad")
    path = write_bundle(bundle)
    message = refused(path)
    assert message.startswith(f"{path}: entry[{index}] (DocumentReference/bad) {where}: {why}")
    assert "secret" not in message
    location, context = read(path, lenient=True)
    assert location.people[0].peep_reviewed == dt.date(2026, 1, 1)
    assert len(context.skipped) == 1 and context.ignored == {}


def test_a_malformed_policy_coding_is_a_record_problem(write_bundle: Write) -> None:
    bad = document("bad", "unused", cs("policy-kind"))
    del bad["type"]["coding"][0]["code"]
    bundle = small_home(patient("p1", pseudonym="R1"), bad)
    index = entry_index(bundle, "DocumentReference/bad")
    path = write_bundle(bundle)
    message = refused(path)
    assert (
        message
        == f"{path}: entry[{index}] (DocumentReference/bad) .type.coding[0].code: required value missing"
    )
    location, context = read(path, lenient=True)
    assert (location.policies, len(context.skipped), context.ignored) == ((), 1, {})
