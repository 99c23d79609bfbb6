"""Patient, Encounter, CarePlan and RiskAssessment → ``Person`` with care plans and risk assessments; with
its medicines and MAR exceptions (``map_medicines``), weights and nutrition screening (``map_observations``),
medication review and reconciliation (``map_procedures``), care documents such as the PEEP
(``map_documents``), capacity assessments and DoLS (``map_mca``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import partial

from mipr_rules.model import CarePlan, Person, RiskAssessment
from mipr_rules_adapter_fhir import systems
from mipr_rules_adapter_fhir.entries import Entry
from mipr_rules_adapter_fhir.ids import person_id
from mipr_rules_adapter_fhir.map_documents import CareDocument, read_person_documents, reviewed_on
from mipr_rules_adapter_fhir.map_mca import read_capacity_assessments, read_dols
from mipr_rules_adapter_fhir.map_medicines import read_mar_exceptions, read_medicines
from mipr_rules_adapter_fhir.map_observations import read_observations
from mipr_rules_adapter_fhir.map_procedures import read_procedures
from mipr_rules_adapter_fhir.node import Node, RecordProblem
from mipr_rules_adapter_fhir.reading import Reading, record_id

STAY_STATUSES_IGNORED = ("planned", "cancelled")
"""Encounter statuses that are not a stay (entered-in-error is passed over for every resource)."""


def read_people(reading: Reading, home: Entry, provider: Entry | None) -> tuple[Person, ...]:
    """Every Patient as a pseudonymous ``Person``, in source order."""
    for entry in reading.of_type("Patient"):
        pid = reading.attempt(entry, partial(person_id, entry, reading.context), whole=True)
        if pid is not None:
            reading.person_ids[entry.where] = pid

    stays = _stays(reading, home, provider)
    plans: dict[str, list[CarePlan]] = defaultdict(list)
    for entry in reading.of_type("CarePlan"):
        read = reading.attempt(entry, partial(_care_plan, reading, entry), whole=True)
        if read is not None:
            plans[read[0]].append(read[1])
    risks: dict[str, list[RiskAssessment]] = defaultdict(list)
    for entry in reading.of_type("RiskAssessment"):
        risk = reading.attempt(entry, partial(_risk_assessment, reading, entry), whole=True)
        if risk is not None:
            risks[risk[0]].append(risk[1])
    medicines = read_medicines(reading)
    mar_exceptions = read_mar_exceptions(reading)
    weights, screened = read_observations(reading)
    procedures = read_procedures(reading)
    documents = read_person_documents(reading)
    assessments = read_capacity_assessments(reading)
    dols = read_dols(reading)

    people = []
    for entry in reading.of_type("Patient"):
        if entry.where not in reading.person_ids:
            continue
        pid = reading.person_ids[entry.where]
        admitted, discharged = stays.get(pid, (None, None))
        needs = documents[pid].get("communication-needs") or CareDocument(dt.date.min)
        people.append(
            Person(
                person_id=pid,
                admitted=admitted,
                discharged=discharged,
                care_plans=tuple(plans.get(pid, ())),
                risk_assessments=tuple(risks.get(pid, ())),
                medicines=tuple(medicines.get(pid, ())),
                mar_exceptions=tuple(mar_exceptions.get(pid, ())),
                capacity_assessments=tuple(assessments.get(pid, ())),
                dols=tuple(dols.get(pid, ())),
                weights=tuple(weights.get(pid, ())),
                nutrition_screened=_latest(screened.get(pid), procedures[pid].get("nutrition_screened")),
                medication_reviewed=procedures[pid].get("medication_reviewed"),
                medicines_reconciled=procedures[pid].get("medicines_reconciled"),
                peep_reviewed=reviewed_on(documents[pid], "peep"),
                hospital_passport_reviewed=reviewed_on(documents[pid], "hospital-passport"),
                about_me_recorded=reviewed_on(documents[pid], "about-me"),
                advance_care_plan_reviewed=reviewed_on(documents[pid], "advance-care-plan"),
                communication_needs_recorded=reviewed_on(documents[pid], "communication-needs"),
                communication_support_needed=needs.support_needed,
                communication_support_in_place=needs.support_in_place,
                care_preferences_recorded="care-preferences" in documents[pid],
            )
        )
    return tuple(people)


def _latest(*days: dt.date | None) -> dt.date | None:
    return max((day for day in days if day is not None), default=None)


def _stays(
    reading: Reading, home: Entry, provider: Entry | None
) -> dict[str, tuple[dt.date, dt.date | None]]:
    """Each person's latest stay at the home: an Encounter located at it or run by its provider."""
    latest: dict[str, tuple[dt.date, dt.date | None]] = {}
    for entry in reading.of_type("Encounter"):

        def stay(entry: Entry = entry) -> tuple[str, dt.date, dt.date | None] | None:
            node = Node(entry.resource)
            if node.string("status") in STAY_STATUSES_IGNORED or not _at_home(reading, node, home, provider):
                return None
            pid = reading.person_of(node.reference("subject"))
            period = node.need_child("period")
            return pid, period.need_date("start"), period.date("end")

        found = reading.attempt(entry, stay, whole=True)
        if found is not None and (found[0] not in latest or found[1] >= latest[found[0]][0]):
            latest[found[0]] = (found[1], found[2])
    return latest


def _at_home(reading: Reading, node: Node, home: Entry, provider: Entry | None) -> bool:
    places = [loc.reference("location") for loc in node.children("location")]
    if any(ref is not None and reading.lookup(ref) is home for ref in places):
        return True
    service = node.reference("serviceProvider")
    return provider is not None and service is not None and reading.lookup(service) is provider


def _care_plan(reading: Reading, entry: Entry) -> tuple[str, CarePlan]:
    node = Node(entry.resource)
    pid = reading.person_of(node.reference("subject"))
    created = node.date("created")
    if created is None:
        period = node.child("period")
        created = period.date("start") if period else None
    if created is None:
        raise RecordProblem(".created", "required date missing (nor is there a .period.start)")
    plan = CarePlan(
        plan_id=record_id(entry),
        created=created,
        last_reviewed=node.ext_date(systems.EXT_LAST_REVIEWED),
        needs_changed=node.ext_date(systems.EXT_NEEDS_CHANGED),
        active=node.string("status") == "active",
        person_involved=node.ext_boolean(systems.EXT_PERSON_INVOLVED),
    )
    return pid, plan


def _risk_assessment(reading: Reading, entry: Entry) -> tuple[str, RiskAssessment]:
    node = Node(entry.resource)
    pid = reading.person_of(node.reference("subject"))
    kind = node.need_code("code", systems.CS_RISK_KIND, "risk kind")
    reviewed = node.need_date("occurrenceDateTime")
    return pid, RiskAssessment(assessment_id=record_id(entry), kind=kind, last_reviewed=reviewed)
