"""Render the canonical sample home as a FHIR R4 / UK Core Bundle (``fixtures/sunrise-house.bundle.json``).

Run ``python adapters/fhir/tests/make_fixture.py`` after the sample home changes and commit the result;
the tests read the committed file, never this script. It is written from README.md's mapping table and
shares no code with the adapter, so the adapter reading it back is an independent check of both.

People and staff carry invented names, birth dates and NHS numbers (from the 999 test range) beside
their pseudonymous ids, so that the tests can show none of them reaches the model.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from mipr_rules.convert import structure, unstructure
from mipr_rules.model import Location
from mipr_rules.testing.contract import sample_path

OUT = Path(__file__).parent / "fixtures" / "sunrise-house.bundle.json"

BASE = "https://mipr-rules.org/fhir"
CQC_LOCATION_ID = "https://cqc.org.uk/location-id"
CQC_PROVIDER_ID = "https://cqc.org.uk/provider-id"
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
PSEUDONYM = f"{BASE}/Id/pseudonym"
UK_CORE = "https://fhir.hl7.org.uk/StructureDefinition"
LONDON = ZoneInfo("Europe/London")

FIRST_NAMES = ("Ada", "Bert", "Cora", "Dev", "Edna", "Fred", "Gita", "Hal", "Iris", "Joan", "Ken", "Lena")
FAMILY_NAMES = ("Ashdown", "Birchall", "Cotter", "Dunmore", "Ellery", "Fawcett", "Grieve", "Holt")


def cs(name: str) -> str:
    return f"{BASE}/CodeSystem/{name}"


def ext_url(name: str) -> str:
    return f"{BASE}/StructureDefinition/{name}"


def coded(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def ext(url: str, kind: str, value: Any) -> dict[str, Any]:
    return {"url": url, f"value{kind}": value}


def complex_ext(
    url: str, parts: list[tuple[str, str, Any]], nested: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    subs = [ext(name, kind, value) for name, kind, value in parts if value is not None]
    return {"url": url, "extension": subs + (nested or [])}


def ref(resource_type: str, rid: str) -> dict[str, str]:
    return {"reference": f"{resource_type}/{rid}"}


def local_time(value: str) -> str:
    """A canonical naive UK local date-time as a FHIR dateTime with its UTC offset."""
    return dt.datetime.fromisoformat(value).replace(tzinfo=LONDON).isoformat(timespec="seconds")


def nhs_number(index: int) -> str:
    """A valid (modulus 11) NHS number from the 999 test range."""
    seed = 999_000_000 + index * 7
    while True:
        digits = [int(d) for d in str(seed)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            return f"{seed}{check}"
        seed += 1


def person_name(index: int) -> dict[str, Any]:
    return {
        "use": "official",
        "family": FAMILY_NAMES[index % len(FAMILY_NAMES)],
        "given": [FIRST_NAMES[index % len(FIRST_NAMES)]],
    }


def location_resources(home: dict[str, Any]) -> list[dict[str, Any]]:
    extensions = [
        complex_ext(
            ext_url("cqc-registration"),
            [
                ("careHome", "Boolean", home["care_home"]),
                ("registrationDate", "Date", home["registration_date"]),
                ("beds", "UnsignedInt", home["beds"]),
                ("registeredManagerRequired", "Boolean", home["registered_manager_required"]),
                (
                    "registeredManager",
                    "Reference",
                    ref("Practitioner", f"staff-{home['registered_manager_id']}")
                    if home["registered_manager_id"]
                    else None,
                ),
                ("managerRecruitmentStarted", "Date", home["manager_recruitment_started"]),
            ],
        )
    ]
    if home["pir_requested"] or home["pir_returned"]:
        extensions.append(
            complex_ext(
                ext_url("cqc-pir"),
                [("requested", "Date", home["pir_requested"]), ("returned", "Date", home["pir_returned"])],
            )
        )
    ratings = [("cqc-current-rating", home["current_rating"])] if home["current_rating"] else []
    ratings += [("cqc-past-rating", rating) for rating in home["past_ratings"]]
    for name, rating in ratings:
        questions = [
            complex_ext(
                "keyQuestion", [("question", "Code", kq["key_question"]), ("rating", "Code", kq["rating"])]
            )
            for kq in rating["key_questions"]
        ]
        extensions.append(
            complex_ext(
                ext_url(name),
                [
                    ("overall", "Code", rating["overall"]),
                    ("published", "Date", rating["published"]),
                    ("reportId", "String", rating["report_id"]),
                ],
                questions,
            )
        )
    display = home["rating_display"]
    if display:
        extensions.append(
            complex_ext(
                ext_url("cqc-rating-display"),
                [
                    ("premises", "Date", display["premises"]),
                    ("website", "Date", display["website"]),
                    ("hasWebsite", "Boolean", display["has_website"]),
                ],
            )
        )
    for condition in home["conditions"]:
        extensions.append(
            complex_ext(
                ext_url("cqc-registration-condition"),
                [
                    ("description", "String", condition["description"]),
                    ("met", "Boolean", condition["met"]),
                    ("reason", "String", condition["reason"]),
                ],
            )
        )
    for absence in home["manager_absences"]:
        extensions.append(
            complex_ext(
                ext_url("registered-manager-absence"),
                [
                    ("start", "Date", absence["start"]),
                    ("expectedDays", "UnsignedInt", absence["expected_days"]),
                    ("planned", "Boolean", absence["planned"]),
                    ("notified", "Date", absence["notified"]),
                ],
            )
        )
    location = {
        "resourceType": "Location",
        "id": "home",
        "meta": {"profile": [f"{UK_CORE}/UKCore-Location"]},
        "extension": extensions,
        "identifier": [{"system": CQC_LOCATION_ID, "value": home["location_id"]}],
        "status": "active" if home["registration_status"] == "Registered" else "inactive",
        "name": home["name"],
        "type": [coded(cs("cqc-service-type"), service) for service in home["service_types"]],
        "managingOrganization": ref("Organization", "provider"),
    }
    provider = home["provider"]
    organization = {
        "resourceType": "Organization",
        "id": "provider",
        "meta": {"profile": [f"{UK_CORE}/UKCore-Organization"]},
        "identifier": [{"system": CQC_PROVIDER_ID, "value": provider["provider_id"]}],
        "active": True,
    }
    if provider["name"]:
        organization["name"] = provider["name"]
    return [location, organization]


def staff_resources(staff: list[dict[str, Any]]) -> list[dict[str, Any]]:
    resources: list[dict[str, Any]] = []
    for index, member in enumerate(staff):
        sid = member["staff_id"]
        qualifications = []
        for course in member["training"]:
            period = {"start": course["completed"]}
            if course["expires"]:
                period["end"] = course["expires"]
            qualifications.append({"code": coded(cs("training-course"), course["course"]), "period": period})
        if member["medication_competency_assessed"]:
            qualifications.append(
                {
                    "code": coded(cs("competency"), "medication-administration"),
                    "period": {"start": member["medication_competency_assessed"]},
                }
            )
        practitioner = {
            "resourceType": "Practitioner",
            "id": f"staff-{sid}",
            "meta": {"profile": [f"{UK_CORE}/UKCore-Practitioner"]},
            "identifier": [
                {"system": PSEUDONYM, "value": sid},
                {"system": "https://sunrise-care.example/Id/payroll", "value": f"PAY{4000 + index}"},
            ],
            "name": [person_name(index + 5)],
        }
        if qualifications:
            practitioner["qualification"] = qualifications
        period = {"start": member["started"]}
        if member["left"]:
            period["end"] = member["left"]
        role = {
            "resourceType": "PractitionerRole",
            "id": f"role-{sid}",
            "extension": [
                ext(ext_url("administers-medication"), "Boolean", member["administers_medication"]),
                ext(ext_url("new-to-care"), "Boolean", member["new_to_care"]),
            ],
            "active": member["left"] is None,
            "period": period,
            "practitioner": ref("Practitioner", f"staff-{sid}"),
            "organization": ref("Organization", "provider"),
            "code": [coded(cs("staff-role"), member["role"])],
            "location": [ref("Location", "home")],
        }
        resources += [practitioner, role]
        dbs = member["dbs"]
        if dbs:
            extensions = [
                ext(ext_url("dbs-level"), "Code", dbs["level"]),
                ext(ext_url("dbs-update-service"), "Boolean", dbs["update_service"]),
            ]
            if dbs["update_service_checked"]:
                extensions.append(
                    ext(ext_url("dbs-update-service-checked"), "Date", dbs["update_service_checked"])
                )
            resources.append(
                {
                    "resourceType": "Basic",
                    "id": f"dbs-{sid}",
                    "extension": extensions,
                    "code": coded(cs("record-type"), "dbs-check"),
                    "subject": ref("Practitioner", f"staff-{sid}"),
                    "created": dbs["issued"],
                }
            )
        checks = member["recruitment"]
        if checks:
            parts = [
                ext(ext_url("employment-history-complete"), "Boolean", checks["employment_history_complete"]),
                ext(ext_url("employment-gaps-explained"), "Boolean", checks["gaps_explained"]),
                ext(ext_url("references"), "UnsignedInt", checks["references"]),
                ext(ext_url("health-declaration"), "Boolean", checks["health_declaration"]),
            ]
            if checks["right_to_work_checked"]:
                parts.append(ext(ext_url("right-to-work-checked"), "Date", checks["right_to_work_checked"]))
            resources.append(
                {
                    "resourceType": "Basic",
                    "id": f"recruitment-{sid}",
                    "extension": parts,
                    "code": coded(cs("record-type"), "recruitment-checks"),
                    "subject": ref("Practitioner", f"staff-{sid}"),
                    "created": member["started"],
                }
            )
        for number, meeting in enumerate(member["supervisions"], 1):
            resources.append(
                {
                    "resourceType": "Basic",
                    "id": f"{meeting['kind']}-{sid}-{number}",
                    "code": coded(cs("record-type"), meeting["kind"]),
                    "subject": ref("Practitioner", f"staff-{sid}"),
                    "created": meeting["held"],
                }
            )
    return resources


def people_resources(people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    resources: list[dict[str, Any]] = []
    for index, person in enumerate(people):
        pid = person["person_id"]
        patient_id = f"resident-{pid}"
        resources.append(
            {
                "resourceType": "Patient",
                "id": patient_id,
                "meta": {"profile": [f"{UK_CORE}/UKCore-Patient"]},
                "identifier": [
                    {"system": NHS_NUMBER, "value": nhs_number(index)},
                    {"system": PSEUDONYM, "value": pid},
                ],
                "name": [person_name(index)],
                "gender": "female" if index % 2 else "male",
                "birthDate": (dt.date(1930, 1, 1) + dt.timedelta(days=317 * index)).isoformat(),
            }
        )
        if person["admitted"]:
            period = {"start": person["admitted"]}
            if person["discharged"]:
                period["end"] = person["discharged"]
            resources.append(
                {
                    "resourceType": "Encounter",
                    "id": f"stay-{pid}",
                    "status": "finished" if person["discharged"] else "in-progress",
                    "class": {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                        "code": "NONAC",
                        "display": "inpatient non-acute",
                    },
                    "subject": ref("Patient", patient_id),
                    "period": period,
                    "location": [{"location": ref("Location", "home")}],
                    "serviceProvider": ref("Organization", "provider"),
                }
            )
        for plan in person["care_plans"]:
            extensions = []
            if plan["last_reviewed"]:
                extensions.append(ext(ext_url("last-reviewed"), "Date", plan["last_reviewed"]))
            if plan["needs_changed"]:
                extensions.append(ext(ext_url("needs-changed"), "Date", plan["needs_changed"]))
            if plan["person_involved"] is not None:
                extensions.append(ext(ext_url("person-involved"), "Boolean", plan["person_involved"]))
            care_plan = {
                "resourceType": "CarePlan",
                "id": plan["plan_id"],
                "status": "active" if plan["active"] else "completed",
                "intent": "plan",
                "subject": ref("Patient", patient_id),
                "period": {"start": plan["created"]},
                "created": plan["created"],
            }
            if extensions:
                care_plan["extension"] = extensions
            resources.append(care_plan)
        for risk in person["risk_assessments"]:
            resources.append(
                {
                    "resourceType": "RiskAssessment",
                    "id": risk["assessment_id"],
                    "status": "final",
                    "code": coded(cs("risk-kind"), risk["kind"]),
                    "subject": ref("Patient", patient_id),
                    "occurrenceDateTime": risk["last_reviewed"],
                }
            )
        resources += medicine_resources(person, patient_id)
        resources += observation_resources(person, patient_id)
    return resources


SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
MUST_SCORE = "444297006"  # SNOMED CT: Malnutrition universal screening tool score (observable entity)


def medicine_resources(person: dict[str, Any], patient_id: str) -> list[dict[str, Any]]:
    """Prescription lines as UK Core MedicationRequests; MAR exceptions as MedicationAdministrations."""
    resources: list[dict[str, Any]] = []
    for medicine in person["medicines"]:
        extensions = []
        if medicine["prn"]:
            extensions.append(ext(ext_url("prn-protocol"), "Boolean", medicine["prn_protocol"]))
        if medicine["covert"]:
            extensions.append(ext(ext_url("covert-administration"), "Boolean", True))
        if medicine["best_interests_decision"]:
            extensions.append(
                ext(ext_url("best-interests-decision"), "Date", medicine["best_interests_decision"])
            )
        if medicine["controlled_drug"]:
            extensions.append(ext(ext_url("controlled-drug"), "Boolean", True))
        request: dict[str, Any] = {
            "resourceType": "MedicationRequest",
            "id": medicine["medicine_id"],
            "meta": {"profile": [f"{UK_CORE}/UKCore-MedicationRequest"]},
            "status": "active",
            "intent": "order",
            "medicationCodeableConcept": {"text": "as prescribed"},
            "subject": ref("Patient", patient_id),
            "dosageInstruction": [
                {
                    "text": "when required" if medicine["prn"] else "as directed",
                    "asNeededBoolean": medicine["prn"],
                }
            ],
        }
        if extensions:
            request["extension"] = extensions
        resources.append(request)
    for exception in person["mar_exceptions"]:
        administration: dict[str, Any] = {
            "resourceType": "MedicationAdministration",
            "id": exception["exception_id"],
            "status": "not-done" if exception["kind"] == "gap" else "completed",
            "medicationCodeableConcept": {"text": "as prescribed"},
            "subject": ref("Patient", patient_id),
            "effectiveDateTime": local_time(f"{exception['recorded']}T08:00"),
        }
        if person["medicines"]:
            administration["request"] = ref("MedicationRequest", person["medicines"][0]["medicine_id"])
        if exception["kind"] != "gap" or exception["resolved"]:
            administration["extension"] = [
                complex_ext(
                    ext_url("mar-exception"),
                    [("kind", "Code", exception["kind"]), ("resolved", "Date", exception["resolved"])],
                )
            ]
        resources.append(administration)
    return resources


def observation_resources(person: dict[str, Any], patient_id: str) -> list[dict[str, Any]]:
    """Weights as UK Core body-weight Observations (SNOMED CT and LOINC); the MUST screening; medication
    review and medicines reconciliation as Procedures (SNOMED CT); care documents as DocumentReferences."""
    pid = person["person_id"]
    vital_signs = coded("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")
    resources: list[dict[str, Any]] = []
    for number, weight in enumerate(person["weights"], 1):
        resources.append(
            {
                "resourceType": "Observation",
                "id": f"weight-{pid}-{number}",
                "meta": {"profile": [f"{UK_CORE}/UKCore-Observation-VitalSigns-BodyWeight"]},
                "status": "final",
                "category": [vital_signs],
                "code": {
                    "coding": [
                        {"system": SNOMED, "code": "27113001", "display": "Body weight"},
                        {"system": LOINC, "code": "29463-7", "display": "Body weight"},
                    ]
                },
                "subject": ref("Patient", patient_id),
                "effectiveDateTime": local_time(f"{weight['recorded']}T09:30"),
                "valueQuantity": {"value": weight["kg"], "unit": "kilogram", "system": UCUM, "code": "kg"},
            }
        )
    if person["nutrition_screened"]:
        resources.append(
            {
                "resourceType": "Observation",
                "id": f"must-{pid}",
                "status": "final",
                "code": {"coding": [{"system": SNOMED, "code": MUST_SCORE}], "text": "MUST score"},
                "subject": ref("Patient", patient_id),
                "effectiveDateTime": person["nutrition_screened"],
                "valueInteger": 0,
            }
        )
    for field, code, name in (
        ("medication_reviewed", "182836005", "medication-review"),
        ("medicines_reconciled", "430193006", "medicines-reconciliation"),
    ):
        if person[field]:
            resources.append(
                {
                    "resourceType": "Procedure",
                    "id": f"{name}-{pid}",
                    "meta": {"profile": [f"{UK_CORE}/UKCore-Procedure"]},
                    "status": "completed",
                    "code": {"coding": [{"system": SNOMED, "code": code}]},
                    "subject": ref("Patient", patient_id),
                    "performedDateTime": person[field],
                }
            )
    for field, kind in (
        ("peep_reviewed", "peep"),
        ("hospital_passport_reviewed", "hospital-passport"),
        ("about_me_recorded", "about-me"),
        ("advance_care_plan_reviewed", "advance-care-plan"),
    ):
        if person[field]:
            resources.append(
                document(f"{kind}-{pid}", cs("person-document"), kind, person[field], patient_id)
            )
    for assessment in person["capacity_assessments"]:
        parts = [
            ext(ext_url("mca-decision"), "Code", assessment["decision"]),
            ext(ext_url("lacks-capacity"), "Boolean", assessment["lacks_capacity"]),
            ext(ext_url("best-interests-recorded"), "Boolean", assessment["best_interests_recorded"]),
        ]
        if assessment["review_due"]:
            parts.append(ext(ext_url("review-due"), "Date", assessment["review_due"]))
        resources.append(
            record(
                assessment["assessment_id"], "capacity-assessment", assessment["assessed"], parts, patient_id
            )
        )
    for dols in person["dols"]:
        parts = [
            ext(ext_url(f"dols-{name}"), kind, dols[field])
            for name, kind, field in (
                ("granted", "Date", "granted"),
                ("expires", "Date", "expires"),
                ("conditions", "UnsignedInt", "conditions"),
                ("conditions-met", "Boolean", "conditions_met"),
                ("renewal-applied", "Date", "renewal_applied"),
            )
            if dols[field] is not None
        ]
        resources.append(record(dols["dols_id"], "dols-application", dols["applied"], parts, patient_id))
    if person["communication_needs_recorded"]:
        needs = document(
            f"communication-needs-{pid}",
            cs("person-document"),
            "communication-needs",
            person["communication_needs_recorded"],
            patient_id,
        )
        needs["extension"] = [
            ext(ext_url("communication-support-needed"), "Boolean", person["communication_support_needed"]),
            ext(
                ext_url("communication-support-in-place"), "Boolean", person["communication_support_in_place"]
            ),
        ]
        resources.append(needs)
    if person["care_preferences_recorded"]:
        written = person["about_me_recorded"] or person["admitted"]
        resources.append(
            document(
                f"care-preferences-{pid}", cs("person-document"), "care-preferences", written, patient_id
            )
        )
    return resources


def record(
    rid: str, record_type: str, created: str, parts: list[dict[str, Any]], patient_id: str
) -> dict[str, Any]:
    """A Basic of one of the adapter's record types about a person."""
    return {
        "resourceType": "Basic",
        "id": rid,
        "extension": parts,
        "code": coded(cs("record-type"), record_type),
        "subject": ref("Patient", patient_id),
        "created": created,
    }


def document(rid: str, system: str, code: str, reviewed: str, patient_id: str | None) -> dict[str, Any]:
    """A current UK Core DocumentReference written on ``reviewed`` (UK local midday)."""
    resource: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "id": rid,
        "meta": {"profile": [f"{UK_CORE}/UKCore-DocumentReference"]},
        "status": "current",
        "type": coded(system, code),
        "date": local_time(f"{reviewed}T12:00"),
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "url": f"https://sunrise-care.example/docs/{rid}",
                }
            }
        ],
    }
    if patient_id:
        resource["subject"] = ref("Patient", patient_id)
    return resource


def event_resources(home: dict[str, Any]) -> list[dict[str, Any]]:
    resources: list[dict[str, Any]] = []

    def message(rid: str, category: str, **fields: Any) -> dict[str, Any]:
        return {
            "resourceType": "Communication",
            "id": rid,
            "status": fields.pop("status", "completed"),
            "category": [coded(cs("communication-category"), category)],
            **fields,
        }

    for incident in home["incidents"]:
        iid = incident["incident_id"]
        subject = (
            ref("Patient", f"resident-{incident['person_id']}")
            if incident["person_id"]
            else {"type": "Group", "display": "People using the service"}
        )
        event: dict[str, Any] = {
            "resourceType": "AdverseEvent",
            "id": iid,
            "actuality": "actual",
            "category": [coded(cs("incident-category"), incident["category"])],
            "subject": subject,
            "date": local_time(incident["occurred"]),
            "location": ref("Location", "home"),
        }
        if incident["severity"]:
            event["severity"] = coded(cs("incident-severity"), incident["severity"])
        if incident["notifiable_safety_incident"]:
            event["extension"] = [ext(ext_url("notifiable-safety-incident"), "Boolean", True)]
        resources.append(event)
        about = [ref("AdverseEvent", iid)]
        if incident["cqc_notified"]:
            resources.append(
                message(
                    f"{iid}-cqc",
                    "cqc-notification",
                    about=about,
                    sent=local_time(incident["cqc_notified"]),
                    recipient=[{"display": "Care Quality Commission"}],
                )
            )
        if incident["candour_notified"]:
            resources.append(
                message(f"{iid}-candour", "duty-of-candour", about=about, sent=incident["candour_notified"])
            )
        if incident["reported_to_police"]:
            resources.append(
                message(f"{iid}-police", "police-report", about=about, sent=local_time(incident["occurred"]))
            )
    for concern in home["safeguarding"]:
        cid = concern["concern_id"]
        subject = (
            ref("Patient", f"resident-{concern['person_id']}")
            if concern["person_id"]
            else ref("Location", "home")
        )
        resources.append(
            {
                "resourceType": "Flag",
                "id": cid,
                "status": "active",
                "code": coded(cs("flag-type"), "safeguarding-concern"),
                "subject": subject,
                "period": {"start": concern["raised"]},
            }
        )
        if concern["referred_to_la"]:
            resources.append(
                message(
                    f"{cid}-referral",
                    "safeguarding-referral",
                    about=[ref("Flag", cid)],
                    sent=concern["referred_to_la"],
                )
            )
        elif concern["referral_not_required_reason"]:
            resources.append(
                message(
                    f"{cid}-referral",
                    "safeguarding-referral",
                    status="not-done",
                    statusReason={"text": concern["referral_not_required_reason"]},
                    about=[ref("Flag", cid)],
                )
            )
    for complaint in home["complaints"]:
        cid = complaint["complaint_id"]
        resources.append(message(cid, "complaint", received=complaint["received"]))
        for field, category, suffix in (
            ("acknowledged", "complaint-acknowledgement", "ack"),
            ("responded", "complaint-response", "response"),
        ):
            if complaint[field]:
                resources.append(
                    message(
                        f"{cid}-{suffix}",
                        category,
                        inResponseTo=[ref("Communication", cid)],
                        sent=complaint[field],
                    )
                )
    source_types = {
        "person": "Patient",
        "relative": "RelatedPerson",
        "staff": "Practitioner",
        "partner": "Organization",
    }
    for number, item in enumerate(home["feedback"], 1):
        resources.append(
            {
                "resourceType": "QuestionnaireResponse",
                "id": f"feedback-{number}",
                "extension": [ext(ext_url("feedback-channel"), "Code", item["channel"])],
                "status": "completed",
                "authored": item["received"],
                "source": {"type": source_types[item["source"]]},
            }
        )
        if item["action_required"]:
            task: dict[str, Any] = {
                "resourceType": "Task",
                "id": f"feedback-{number}-action",
                "status": "completed" if item["actioned"] else "in-progress",
                "intent": "order",
                "focus": ref("QuestionnaireResponse", f"feedback-{number}"),
            }
            if item["actioned"]:
                task["executionPeriod"] = {"end": item["actioned"]}
            resources.append(task)
    return resources


def governance_resources(home: dict[str, Any]) -> list[dict[str, Any]]:
    resources: list[dict[str, Any]] = []
    for number, audit in enumerate(home["audits"], 1):
        resources.append(
            {
                "resourceType": "Basic",
                "id": f"audit-{number}",
                "extension": [
                    ext(ext_url("audit-kind"), "Code", audit["kind"]),
                    ext(ext_url("audit-actions-open"), "UnsignedInt", audit["actions_open"]),
                ],
                "code": coded(cs("record-type"), "audit"),
                "subject": ref("Location", "home"),
                "created": audit["completed"],
            }
        )
    for policy in home["policies"]:
        resources.append(
            document(f"policy-{policy['kind']}", cs("policy-kind"), policy["kind"], policy["reviewed"], None)
        )
    for number, check in enumerate(home["checks"], 1):
        resources.append(
            {
                "resourceType": "Basic",
                "id": f"check-{number}",
                "extension": [
                    ext(ext_url("check-kind"), "Code", check["kind"]),
                    ext(ext_url("check-issues-open"), "UnsignedInt", check["issues_open"]),
                ],
                "code": coded(cs("record-type"), "safety-check"),
                "subject": ref("Location", "home"),
                "created": check["completed"],
            }
        )
    for number, review in enumerate(home["staffing_reviews"], 1):
        resources.append(
            {
                "resourceType": "Basic",
                "id": f"staffing-review-{number}",
                "extension": [
                    ext(ext_url("staffing-required-hours"), "Decimal", review["required_hours"]),
                    ext(ext_url("staffing-rostered-hours"), "Decimal", review["rostered_hours"]),
                    ext(ext_url("staffing-tool"), "String", review["tool"]),
                ],
                "code": coded(cs("record-type"), "staffing-review"),
                "subject": ref("Location", "home"),
                "created": review["reviewed"],
            }
        )
    for number, item in enumerate(home["evidence"], 1):
        extensions = [ext(ext_url("evidence-category"), "Code", item["category"])]
        if item["description"]:
            extensions.append(ext(ext_url("evidence-description"), "String", item["description"]))
        resources.append(
            {
                "resourceType": "Basic",
                "id": f"evidence-{number}",
                "extension": extensions,
                "code": coded(cs("record-type"), "evidence"),
                "subject": ref("Location", "home"),
                "created": item["collected"],
            }
        )
    return resources


def bundle(home: dict[str, Any]) -> dict[str, Any]:
    """The home (canonical JSON with every field present) as a FHIR collection Bundle."""
    resources = (
        location_resources(home)
        + staff_resources(home["staff"])
        + people_resources(home["people"])
        + event_resources(home)
        + governance_resources(home)
    )
    return {
        "resourceType": "Bundle",
        "id": "sunrise-house",
        "type": "collection",
        "entry": [
            {"fullUrl": f"https://sunrise-care.example/fhir/{r['resourceType']}/{r['id']}", "resource": r}
            for r in resources
        ],
    }


def main() -> int:
    source = sample_path()
    home = unstructure(structure(json.loads(source.read_text()), Location, str(source)))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(bundle(home), indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {OUT} from {source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
