"""How FHIR resources map to the canonical model beyond what the sample home exercises (README.md)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

import pytest
from fhir_build import care_plan, cs, ext_url, patient, small_home

from mipr_rules.adapters.base import ReadContext
from mipr_rules.model import Location
from mipr_rules.model.vocabulary import FeedbackSource, IncidentCategory, RatingValue, RegistrationStatus
from mipr_rules.plugins import adapter, make_plugin_manager
from mipr_rules.testing import TEST_KEY
from mipr_rules_adapter_fhir import FhirAdapter

Write = Callable[..., str]
HOME = {"reference": "Location/home"}


def read(write_bundle: Write, bundle: dict[str, Any]) -> Location:
    (location,) = FhirAdapter().read(write_bundle(bundle), ReadContext(key=TEST_KEY))
    return location


def coded(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def message(rid: str, category: str, **fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "Communication",
        "id": rid,
        "status": fields.pop("status", "completed"),
        "category": [coded(cs("communication-category"), category)],
        **fields,
    }


def incident(rid: str, category: dict[str, Any], date: str, **fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "AdverseEvent",
        "id": rid,
        "actuality": "actual",
        "category": [category],
        "subject": {"reference": "Patient/p1"},
        "date": date,
        **fields,
    }


def test_installed_adapter_is_found_by_name_through_its_entry_point() -> None:
    found = adapter("fhir", make_plugin_manager())
    assert isinstance(found, FhirAdapter)
    assert found.version == "0.1.0"


def test_transaction_bundle_with_uuid_references_and_no_ids(write_bundle: Write) -> None:
    person = patient("x", pseudonym="R1")
    del person["id"]
    plan = care_plan("x", "x")
    del plan["id"]
    plan["identifier"] = [{"system": "https://vendor.example/care-plan", "value": "PLAN-7"}]
    plan["subject"] = {"reference": "urn:uuid:8c5e0a34-0000-4000-8000-000000000001"}
    bundle = small_home()
    bundle["type"] = "transaction"
    bundle["entry"] = [{**entry, "request": {"method": "PUT", "url": "x"}} for entry in bundle["entry"]] + [
        {"fullUrl": "urn:uuid:8c5e0a34-0000-4000-8000-000000000001", "resource": person},
        {"fullUrl": "urn:uuid:8c5e0a34-0000-4000-8000-000000000002", "resource": plan},
        {"request": {"method": "DELETE", "url": "Patient/gone"}},
        {
            "fullUrl": "urn:uuid:8c5e0a34-0000-4000-8000-000000000003",
            "resource": incident(
                "ae-1",
                coded(cs("incident-category"), "fall"),
                "2026-02-02",
                subject={"reference": "urn:uuid:8c5e0a34-0000-4000-8000-000000000001"},
            ),
        },
    ]

    location = read(write_bundle, bundle)

    assert [(p.person_id, [c.plan_id for c in p.care_plans]) for p in location.people] == [("R1", ["PLAN-7"])]
    assert [i.person_id for i in location.incidents] == ["R1"]


def test_search_outcomes_and_unmapped_resources_are_passed_over(
    write_bundle: Write, caplog: pytest.LogCaptureFixture
) -> None:
    bundle = small_home(patient("p1", pseudonym="R1"))
    bundle["type"] = "searchset"
    bundle["entry"] += [
        {"resource": {"resourceType": "OperationOutcome", "issue": []}, "search": {"mode": "outcome"}},
        {"resource": {"resourceType": "Observation", "id": "o1", "status": "final", "code": {}}},
        {"resource": {"resourceType": "Consent", "id": "c1", "status": "active"}},
        {"resource": dict(care_plan("CP-X", "p1"), status="entered-in-error")},
    ]

    with caplog.at_level(logging.INFO, logger="mipr_rules.adapters.fhir"):
        location = read(write_bundle, bundle)

    assert location.people[0].care_plans == ()
    passed_over = " | ".join(r.getMessage() for r in caplog.records)
    observation = "1 Observation (not a weight or nutrition screening)"
    for kind in (observation, "1 Consent", "1 CarePlan (entered-in-error)"):
        assert f"passed over {kind} resource(s)" in passed_over


def test_admission_is_the_latest_stay_at_the_home(write_bundle: Write) -> None:
    def stay(rid: str, start: str, end: str | None, where: dict[str, str] | None) -> dict[str, Any]:
        encounter: dict[str, Any] = {
            "resourceType": "Encounter",
            "id": rid,
            "status": "finished" if end else "in-progress",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "NONAC"},
            "subject": {"reference": "Patient/p1"},
            "period": {"start": start, **({"end": end} if end else {})},
        }
        if where:
            encounter["location"] = [{"location": where}]
        return encounter

    bundle = small_home(
        patient("p1", pseudonym="R1"),
        stay("e1", "2019-01-05", "2020-02-01", HOME),
        stay("e2", "2024-03-01", "2026-01-10", HOME),
        stay("hospital", "2026-05-01", "2026-05-09", {"reference": "Location/ward-9"}),
        dict(stay("planned", "2027-01-01", None, HOME), status="planned"),
    )

    (person,) = read(write_bundle, bundle).people

    assert (person.admitted, person.discharged) == (dt.date(2024, 3, 1), dt.date(2026, 1, 10))


def test_care_plan_dates_and_status(write_bundle: Write) -> None:
    plan = care_plan("CP-1", "p1", created=None)
    plan.update(status="completed", period={"start": "2025-02-03"})
    plan["extension"] = [
        {"url": ext_url("last-reviewed"), "valueDate": "2025-08-01"},
        {"url": ext_url("needs-changed"), "valueDateTime": "2025-07-20T09:00:00+01:00"},
        {"url": ext_url("person-involved"), "valueBoolean": False},
    ]
    other = care_plan("CP-2", "p1")
    (person,) = read(write_bundle, small_home(patient("p1", pseudonym="R1"), plan, other)).people

    read_plan, other_plan = person.care_plans
    assert (read_plan.person_involved, other_plan.person_involved) == (False, None)  # None: not recorded
    assert read_plan.created == dt.date(2025, 2, 3)
    assert read_plan.last_reviewed == dt.date(2025, 8, 1)
    assert read_plan.needs_changed == dt.date(2025, 7, 20)
    assert read_plan.active is False


def test_incident_categories_times_and_notifications(write_bundle: Write) -> None:
    hl7 = "http://terminology.hl7.org/CodeSystem/adverse-event-category"
    about = [{"reference": "AdverseEvent/ae-1"}]
    bundle = small_home(
        patient("p1", pseudonym="R1"),
        incident(
            "ae-1",
            coded(cs("incident-category"), "death"),
            "2026-06-30T23:30:00Z",
            severity=coded("http://terminology.hl7.org/CodeSystem/adverse-event-severity", "severe"),
        ),
        incident("ae-2", coded(hl7, "wrong-dose"), "2026-01-10"),
        incident("ae-3", coded(hl7, "unsafe-physical-environment"), "2026-01-11T08:00:00+00:00"),
        message("n2", "cqc-notification", about=about, sent="2026-07-02T10:00:00+01:00"),
        message("n1", "cqc-notification", about=about, sent="2026-07-01T09:15:00+01:00"),
        message("n0", "cqc-notification", about=about, status="preparation"),
        message("p", "police-report", about=about, sent="2026-07-01T08:00:00+01:00"),
    )

    death, medication, other = read(write_bundle, bundle).incidents

    assert death.category is IncidentCategory.DEATH
    assert death.occurred == dt.datetime(2026, 7, 1, 0, 30)  # UK local time (BST)
    assert death.cqc_notified == dt.datetime(2026, 7, 1, 9, 15)  # the first notification sent
    assert death.reported_to_police is True
    assert death.severity == "severe" and death.person_id == "R1"
    assert (medication.category, medication.occurred) == (
        IncidentCategory.MEDICATION_ERROR,
        dt.datetime(2026, 1, 10),
    )
    assert other.category is IncidentCategory.OTHER
    assert (medication.cqc_notified, medication.reported_to_police) == (None, False)


def test_duty_of_candour_notifiable_incident_and_notification(write_bundle: Write) -> None:
    notifiable = [{"url": ext_url("notifiable-safety-incident"), "valueBoolean": True}]
    about = [{"reference": "AdverseEvent/ae-1"}]
    bundle = small_home(
        patient("p1", pseudonym="R1"),
        incident(
            "ae-1", coded(cs("incident-category"), "medication_error"), "2026-10-22", extension=notifiable
        ),
        incident(
            "ae-2", coded(cs("incident-category"), "medication_error"), "2026-10-23", extension=notifiable
        ),
        incident("ae-3", coded(cs("incident-category"), "fall"), "2026-10-24"),
        message("c2", "duty-of-candour", about=about, sent="2026-10-25T10:00:00+01:00"),
        message("c1", "duty-of-candour", about=about, sent="2026-10-23T23:30:00Z"),  # 00:30 on the 24th
        message("c0", "duty-of-candour", about=[{"reference": "AdverseEvent/ae-2"}], status="in-progress"),
    )

    told, not_yet, fall = read(write_bundle, bundle).incidents

    assert (told.notifiable_safety_incident, told.candour_notified) == (True, dt.date(2026, 10, 24))
    assert (not_yet.notifiable_safety_incident, not_yet.candour_notified) == (True, None)
    assert (fall.notifiable_safety_incident, fall.candour_notified) == (False, None)


def test_safeguarding_referrals_made_and_not_made(write_bundle: Write) -> None:
    def flag(rid: str, subject: dict[str, str]) -> dict[str, Any]:
        return {
            "resourceType": "Flag",
            "id": rid,
            "status": "active",
            "code": coded(cs("flag-type"), "safeguarding-concern"),
            "subject": subject,
            "period": {"start": "2026-03-01"},
        }

    other_flag = dict(
        flag("falls-risk", {"reference": "Patient/p1"}), code=coded(cs("flag-type"), "falls-risk")
    )
    bundle = small_home(
        patient("p1", pseudonym="R1"),
        flag("sg-1", {"reference": "Patient/p1"}),
        flag("sg-2", HOME),
        other_flag,
        message("r1", "safeguarding-referral", about=[{"reference": "Flag/sg-1"}], sent="2026-03-02"),
        message(
            "r2",
            "safeguarding-referral",
            status="not-done",
            statusReason={"text": "Below the local authority's threshold; recorded and monitored"},
            about=[{"reference": "Flag/sg-2"}],
        ),
    )

    referred, not_referred = read(write_bundle, bundle).safeguarding

    assert (referred.concern_id, referred.person_id, referred.referred_to_la) == (
        "sg-1",
        "R1",
        dt.date(2026, 3, 2),
    )
    assert (not_referred.person_id, not_referred.referred_to_la) == (None, None)
    assert (
        not_referred.referral_not_required_reason
        == "Below the local authority's threshold; recorded and monitored"
    )


def test_staff_roles_dbs_and_who_is_not_staff(write_bundle: Write) -> None:
    def practitioner(rid: str, payroll: str) -> dict[str, Any]:
        return {
            "resourceType": "Practitioner",
            "id": rid,
            "identifier": [{"system": "https://home.example/payroll", "value": payroll}],
        }

    def role(rid: str, code: str, start: str, end: str | None = None) -> dict[str, Any]:
        return {
            "resourceType": "PractitionerRole",
            "id": rid,
            "practitioner": {"reference": "Practitioner/carer"},
            "code": [coded(cs("staff-role"), code)],
            "period": {"start": start, **({"end": end} if end else {})},
        }

    def dbs(rid: str, issued: str) -> dict[str, Any]:
        return {
            "resourceType": "Basic",
            "id": rid,
            "code": coded(cs("record-type"), "dbs-check"),
            "subject": {"reference": "Practitioner/carer"},
            "created": issued,
        }

    gp_role = {
        "resourceType": "PractitionerRole",
        "id": "gp-role",
        "practitioner": {"reference": "Practitioner/gp"},
        "code": [coded("http://snomed.info/sct", "62247001")],
    }
    bundle = small_home(
        practitioner("gp", "GMC-1"),
        practitioner("carer", "P-100"),
        gp_role,
        role("first", "care_worker", "2020-01-06", "2023-04-01"),
        role("now", "senior_carer", "2023-04-02"),
        dbs("dbs-old", "2021-01-01"),
        dbs("dbs-new", "2024-05-05"),
    )
    context = ReadContext(key=b"k")

    (location,) = FhirAdapter().read(write_bundle(bundle), context)

    (member,) = location.staff
    assert member.staff_id == context.pseudonym("https://home.example/payroll|P-100", "S")
    assert (member.role, member.started, member.left) == ("senior_carer", dt.date(2023, 4, 2), None)
    assert member.dbs is not None and member.dbs.issued == dt.date(2024, 5, 5)
    assert (member.dbs.level, member.dbs.update_service) == ("enhanced_barred_adults", False)
    assert member.administers_medication is False and member.training == ()


def test_complaints_and_feedback(write_bundle: Write) -> None:
    def feedback(rid: str, source: str, channel: str | None) -> dict[str, Any]:
        response: dict[str, Any] = {
            "resourceType": "QuestionnaireResponse",
            "id": rid,
            "status": "completed",
            "authored": "2026-05-05T14:00:00+01:00",
            "source": {"type": source},
        }
        if channel:
            response["extension"] = [{"url": ext_url("feedback-channel"), "valueCode": channel}]
        return response

    reply = {"inResponseTo": [{"reference": "Communication/c1"}]}
    bundle = small_home(
        message("c1", "complaint", received="2026-04-01"),
        message("c1-ack", "complaint-acknowledgement", sent="2026-04-03", **reply),
        message("c1-draft", "complaint-response", status="in-progress", **reply),
        feedback("f1", "RelatedPerson", "survey"),
        feedback("f2", "Organization", "review"),
        feedback("must-screening", "Practitioner", None),
    )

    location = read(write_bundle, bundle)

    (complaint,) = location.complaints
    assert (complaint.received, complaint.acknowledged, complaint.responded) == (
        dt.date(2026, 4, 1),
        dt.date(2026, 4, 3),
        None,
    )
    assert [(f.source, f.channel, f.received) for f in location.feedback] == [
        (FeedbackSource.RELATIVE, "survey", dt.date(2026, 5, 5)),
        (FeedbackSource.PARTNER, "review", dt.date(2026, 5, 5)),
    ]


def test_registration_extensions_on_the_location(write_bundle: Write) -> None:
    def sub(name: str, kind: str, value: Any) -> dict[str, Any]:
        return {"url": name, f"value{kind}": value}

    bundle = small_home()
    home = bundle["entry"][0]["resource"]
    home["status"] = "inactive"
    home["extension"] = [
        {"url": ext_url("cqc-registration"), "extension": [sub("careHome", "Boolean", False)]},
        {"url": ext_url("cqc-pir"), "extension": [sub("requested", "Date", "2026-02-01")]},
        {
            "url": ext_url("cqc-past-rating"),
            "extension": [
                sub("overall", "Code", "Requires improvement"),
                sub("published", "Date", "2022-01-10"),
            ],
        },
        {
            "url": ext_url("cqc-registration-condition"),
            "extension": [sub("description", "String", "No nursing care"), sub("met", "Boolean", True)],
        },
        {
            "url": ext_url("registered-manager-absence"),
            "extension": [
                sub("start", "Date", "2026-09-01"),
                sub("expectedDays", "UnsignedInt", 35),
                sub("planned", "Boolean", True),
            ],
        },
    ]

    location = read(write_bundle, bundle)

    assert location.registration_status is RegistrationStatus.DEREGISTERED
    assert location.care_home is False and location.beds is None and location.registered_manager_required
    assert (location.pir_requested, location.pir_returned) == (dt.date(2026, 2, 1), None)
    assert location.current_rating is None
    assert [(r.overall, r.published) for r in location.past_ratings] == [
        (RatingValue.REQUIRES_IMPROVEMENT, dt.date(2022, 1, 10))
    ]
    assert [(c.description, c.met) for c in location.conditions] == [("No nursing care", True)]
    assert [(a.start, a.expected_days, a.planned) for a in location.manager_absences] == [
        (dt.date(2026, 9, 1), 35, True)
    ]
