"""MedicationRequest → current prescription lines; MedicationAdministration → MAR gaps and errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from fhir_build import entry_index, ext_url, patient, read, refused, small_home

from mipr_rules.model import MarException, Medicine

Write = Callable[..., str]


def request(rid: str, status: str = "active", intent: str = "order", **fields: Any) -> dict[str, Any]:
    """A UK Core MedicationRequest of ``Patient/p1``."""
    return {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": status,
        "intent": intent,
        "medicationCodeableConcept": {"text": "as prescribed"},
        "subject": {"reference": "Patient/p1"},
        **fields,
    }


def administration(rid: str, status: str, **fields: Any) -> dict[str, Any]:
    """A MedicationAdministration of ``Patient/p1`` on the morning round of 13 October 2026."""
    return {
        "resourceType": "MedicationAdministration",
        "id": rid,
        "status": status,
        "medicationCodeableConcept": {"text": "as prescribed"},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2026-10-13T08:00:00+01:00",
        **fields,
    }


def flag(name: str, kind: str, value: Any) -> dict[str, Any]:
    return {"url": ext_url(name), f"value{kind}": value}


def mar(*parts: tuple[str, str, Any]) -> dict[str, Any]:
    return {"url": ext_url("mar-exception"), "extension": [{"url": n, f"value{k}": v} for n, k, v in parts]}



def test_current_prescription_lines_and_how_they_are_given(write_bundle: Write) -> None:
    bundle = small_home(
        patient("p1", pseudonym="R1"),
        request("MED-1", dosageInstruction=[{"text": "one each morning"}]),
        request(
            "MED-2",
            "on-hold",
            dosageInstruction=[{"asNeededBoolean": True}],
            extension=[flag("prn-protocol", "Boolean", True)],
        ),
        request("MED-3", dosageInstruction=[{"asNeededCodeableConcept": {"text": "pain"}}]),
        request(
            "MED-4",
            "active",
            "plan",
            extension=[
                flag("covert-administration", "Boolean", True),
                flag("best-interests-decision", "Date", "2026-09-01"),
                flag("controlled-drug", "Boolean", True),
            ],
        ),
    )
    location, _ = read(write_bundle(bundle))
    assert location.people[0].medicines == (
        Medicine("MED-1"),
        Medicine("MED-2", prn=True, prn_protocol=True),
        Medicine("MED-3", prn=True),
        Medicine("MED-4", covert=True, best_interests_decision=dt.date(2026, 9, 1), controlled_drug=True),
    )


def test_lines_not_current_and_proposals_are_counted_not_used(write_bundle: Write) -> None:
    bundle = small_home(
        patient("p1", pseudonym="R1"),
        request("MED-1"),
        request("MED-2", "completed"),
        request("MED-3", "stopped"),
        request("MED-4", "entered-in-error"),
        request("MED-5", intent="proposal"),
    )
    location, context = read(write_bundle(bundle))
    assert [m.medicine_id for m in location.people[0].medicines] == ["MED-1"]
    assert context.ignored == {
        "MedicationRequest (not current)": 2,
        "MedicationRequest (entered-in-error)": 1,
        "MedicationRequest (not an order or plan)": 1,
    }


def test_mar_gaps_and_errors(write_bundle: Write) -> None:
    bundle = small_home(
        patient("p1", pseudonym="R1"),
        administration("MAR-1", "not-done"),
        administration("MAR-2", "not-done", extension=[mar(("resolved", "Date", "2026-10-14"))]),
        administration("MAR-3", "completed", extension=[mar(("kind", "Code", "error"))]),
        administration("given", "completed"),
        administration("refused", "not-done", statusReason=[{"text": "refused"}]),
    )
    location, context = read(write_bundle(bundle))
    day = dt.date(2026, 10, 13)
    assert location.people[0].mar_exceptions == (
        MarException("MAR-1", day, "gap"),
        MarException("MAR-2", day, "gap", resolved=dt.date(2026, 10, 14)),
        MarException("MAR-3", day, "error"),
    )
    assert context.ignored == {"MedicationAdministration (not a MAR exception)": 2}


@pytest.mark.parametrize(
    ("bad", "where", "why"),
    [
        (
            request("MED-X", extension=[flag("prn-protocol", "String", "yes-secret")]),
            ".extension[prn-protocol].valueString",
            "expected valueBoolean",
        ),
        (
            request("MED-X", extension=[flag("best-interests-decision", "Date", "2026-09")]),
            ".extension[best-interests-decision].valueDate",
            "date must be precise to the day",
        ),
        (
            request("MED-X", subject={"reference": "Group/yes-secret"}),
            ".subject",
            "expected a reference to Patient, got Group",
        ),
        (
            administration("MED-X", "completed", extension=[mar(("kind", "Code", "yes-secret"))]),
            ".extension[mar-exception].extension[kind]",
            "expected one of 'gap', 'error'",
        ),
        (
            administration("MED-X", "completed", extension=[mar(("resolved", "Date", "2026-10-14"))]),
            ".extension[mar-exception].extension[kind]",
            "a MAR exception on a dose not marked not-done needs its kind",
        ),
    ],
)
def test_a_bad_medicine_record_names_the_record_and_element_never_the_value(
    write_bundle: Write, bad: dict[str, Any], where: str, why: str
) -> None:
    bundle = small_home(patient("p1", pseudonym="R1"), request("MED-1"), bad)
    key = f"{bad['resourceType']}/MED-X"
    index = entry_index(bundle, key)
    path = write_bundle(bundle)

    message = refused(path)
    assert message == f"{path}: entry[{index}] ({key}) {where}: {why}"
    assert "secret" not in message

    location, context = read(path, lenient=True)
    assert [m.medicine_id for m in location.people[0].medicines] == ["MED-1"]
    assert location.people[0].mar_exceptions == ()
    record_type = "medicines" if bad["resourceType"] == "MedicationRequest" else "mar_exceptions"
    assert [(s.record_type, s.count) for s in context.summary()] == [(record_type, 1)]
