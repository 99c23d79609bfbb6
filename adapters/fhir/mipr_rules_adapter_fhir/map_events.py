"""AdverseEvent, Flag, Communication, QuestionnaireResponse → incidents, safeguarding, complaints, feedback.

Communications carry the dates of what was sent about a record (``Communication.category`` coded in
``CS_COMMUNICATION``): a CQC notification, police report or duty-of-candour notification ``about`` an
AdverseEvent, a safeguarding
referral ``about`` a Flag, a complaint itself and its acknowledgement and response (``inResponseTo`` the
complaint).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from functools import partial

from mipr_rules.model import Complaint, Feedback, Incident, SafeguardingConcern
from mipr_rules.model.vocabulary import FeedbackSource, IncidentCategory
from mipr_rules_adapter_fhir import systems
from mipr_rules_adapter_fhir.codemap import CodeMap
from mipr_rules_adapter_fhir.entries import Entry
from mipr_rules_adapter_fhir.map_tasks import NOT_USED, actioned, feedback_actions
from mipr_rules_adapter_fhir.node import Node, RecordProblem, Ref
from mipr_rules_adapter_fhir.reading import Reading, codings, enum_value, record_id

CQC_NOTIFICATION = "cqc-notification"
POLICE_REPORT = "police-report"
SAFEGUARDING_REFERRAL = "safeguarding-referral"
COMPLAINT = "complaint"
COMPLAINT_ACKNOWLEDGEMENT = "complaint-acknowledgement"
COMPLAINT_RESPONSE = "complaint-response"
DUTY_OF_CANDOUR = "duty-of-candour"
SAFEGUARDING_CONCERN = "safeguarding-concern"

HL7_MEDICATION_CATEGORIES = frozenset(
    {
        "product-use-error",
        "wrong-dose",
        "incorrect-prescribing-information",
        "wrong-technique",
        "wrong-route-of-administration",
        "wrong-rate",
        "wrong-duration",
        "wrong-time",
        "expired-drug",
    }
)
"""HL7 adverse-event-category codes read as ``medication_error``; its other codes are read as ``other``."""

FEEDBACK_SOURCES = {
    "Patient": FeedbackSource.PERSON,
    "RelatedPerson": FeedbackSource.RELATIVE,
    "Practitioner": FeedbackSource.STAFF,
    "PractitionerRole": FeedbackSource.STAFF,
    "Organization": FeedbackSource.PARTNER,
}
"""``QuestionnaireResponse.source`` resource type → who gave the feedback."""


def communication_kinds(reading: Reading, node: Node) -> set[str]:
    """What a Communication is (``complaint``, ``cqc-notification``...): coded in the adapter's own
    system, or a standard category the code map's ``communication_categories`` lists."""
    kinds = set(node.codes("category", systems.CS_COMMUNICATION))
    table = reading.code_map.communication_categories
    kinds.update(table[c] for c in codings(node, "category") if c in table)
    return kinds


def is_safeguarding_flag(reading: Reading, node: Node) -> bool:
    """A Flag coded ``safeguarding-concern`` in the adapter's system, or with a code the code map lists."""
    if SAFEGUARDING_CONCERN in node.codes("code", systems.CS_FLAG_TYPE):
        return True
    return any(c in reading.code_map.safeguarding_flags for c in codings(node, "code"))


def _about(reading: Reading, *categories: str, link: str = "about") -> Callable[[Node], Iterable[Ref]]:
    def links(node: Node) -> Iterable[Ref]:
        if not communication_kinds(reading, node) & set(categories):
            return []
        refs = [ref.as_reference() for ref in node.children(link)]
        if not refs:
            raise RecordProblem(node.at(link), "required reference missing")
        return refs

    return links


def _sent(reading: Reading, entries: list[Entry], category: str) -> dt.datetime | None:
    """Earliest ``sent`` of the completed Communications of ``category`` among ``entries``."""
    times = []
    for entry in entries:
        node = Node(entry.resource)
        if category in communication_kinds(reading, node) and node.string("status") == "completed":
            sent = reading.attempt(entry, partial(node.need_datetime, "sent"), whole=True)
            if sent is not None:
                times.append(sent)
    return min(times, default=None)


def read_incidents(reading: Reading) -> tuple[Incident, ...]:
    """Every AdverseEvent as an ``Incident`` with its CQC notification and police report."""
    about = _about(reading, CQC_NOTIFICATION, POLICE_REPORT, DUTY_OF_CANDOUR)
    sent = reading.by_target("Communication", about, "AdverseEvent")
    incidents = []
    for entry in reading.of_type("AdverseEvent"):
        messages = sent.get(entry.where, [])
        incident = reading.attempt(entry, partial(_incident, reading, entry, messages), whole=True)
        if incident is not None:
            incidents.append(incident)
    return tuple(incidents)


def _incident(reading: Reading, entry: Entry, messages: list[Entry]) -> Incident:
    node = Node(entry.resource)
    person = reading.person_if_patient(node.reference("subject"))
    severity = next((c.string("code") for s in node.children("severity") for c in s.children("coding")), None)
    candour = _sent(reading, messages, DUTY_OF_CANDOUR)
    return Incident(
        incident_id=record_id(entry),
        category=_category(node, reading.code_map),
        occurred=node.need_datetime("date"),
        person_id=person,
        cqc_notified=_sent(reading, messages, CQC_NOTIFICATION),
        reported_to_police=_sent(reading, messages, POLICE_REPORT) is not None,
        severity=severity,
        notifiable_safety_incident=bool(node.ext_boolean(systems.EXT_NOTIFIABLE_SAFETY_INCIDENT)),
        candour_notified=candour.date() if candour else None,
    )


def _category(node: Node, code_map: CodeMap) -> IncidentCategory:
    own = node.code("category", systems.CS_INCIDENT_CATEGORY)
    if own is not None:
        return enum_value(IncidentCategory, own, node.at("category"))
    mapped = code_map.first(code_map.incident_categories, codings(node, "event") + codings(node, "category"))
    if mapped is not None:
        return mapped  # type: ignore[no-any-return]
    hl7 = node.code("category", systems.ADVERSE_EVENT_CATEGORY_HL7)
    if hl7 is not None:
        return (
            IncidentCategory.MEDICATION_ERROR if hl7 in HL7_MEDICATION_CATEGORIES else IncidentCategory.OTHER
        )
    raise RecordProblem(node.at("category"), f"no incident category coded in {systems.CS_INCIDENT_CATEGORY}")


def _feedback_by_code_map(reading: Reading, node: Node) -> bool:
    """A completed response to a listed questionnaire, or answered by a person the code map lists."""
    if node.string("status") not in ("completed", "amended"):
        return False
    questionnaire = (node.string("questionnaire") or "").split("|")[0]
    if questionnaire and questionnaire in reading.code_map.feedback_questionnaires:
        return True
    source = node.reference("source")
    return source is not None and reading.type_of(source) in reading.code_map.feedback_answered_by


def read_safeguarding(reading: Reading) -> tuple[SafeguardingConcern, ...]:
    """Every safeguarding Flag as a ``SafeguardingConcern`` with its local-authority referral."""
    referrals = reading.by_target("Communication", _about(reading, SAFEGUARDING_REFERRAL), "Flag")
    concerns = []
    for entry in reading.of_type("Flag"):
        if not is_safeguarding_flag(reading, Node(entry.resource)):
            reading.context.ignore("Flag (not a safeguarding concern)")
            continue
        messages = referrals.get(entry.where, [])
        concern = reading.attempt(entry, partial(_concern, reading, entry, messages), whole=True)
        if concern is not None:
            concerns.append(concern)
    return tuple(concerns)


def _concern(reading: Reading, entry: Entry, messages: list[Entry]) -> SafeguardingConcern:
    node = Node(entry.resource)
    person = reading.person_if_patient(node.reference("subject"))
    referred = _sent(reading, messages, SAFEGUARDING_REFERRAL)
    reason = None
    for message in messages:
        mnode = Node(message.resource)
        if mnode.string("status") == "not-done":
            why = mnode.child("statusReason")
            reason = reading.attempt(message, partial(_reason_text, why, ".statusReason"), whole=True)
    return SafeguardingConcern(
        concern_id=record_id(entry),
        raised=node.need_child("period").need_date("start"),
        person_id=person,
        referred_to_la=referred.date() if referred else None,
        referral_not_required_reason=reason,
    )


def _reason_text(concept: Node | None, path: str) -> str:
    if concept is not None:
        text = concept.string("text")
        if text:
            return text
        for coding in concept.children("coding"):
            shown = coding.string("display") or coding.string("code")
            if shown:
                return shown
    raise RecordProblem(path, "a referral not done needs its reason (statusReason)")


def read_complaints(reading: Reading) -> tuple[Complaint, ...]:
    """Every complaint Communication as a ``Complaint`` with its acknowledgement and response dates."""
    replies = reading.by_target(
        "Communication",
        _about(reading, COMPLAINT_ACKNOWLEDGEMENT, COMPLAINT_RESPONSE, link="inResponseTo"),
        "Communication",
    )
    complaints = []
    for entry in reading.of_type("Communication"):
        if COMPLAINT not in communication_kinds(reading, Node(entry.resource)):
            continue
        messages = replies.get(entry.where, [])

        def complaint(entry: Entry = entry, messages: list[Entry] = messages) -> Complaint:
            acknowledged = _sent(reading, messages, COMPLAINT_ACKNOWLEDGEMENT)
            responded = _sent(reading, messages, COMPLAINT_RESPONSE)
            return Complaint(
                complaint_id=record_id(entry),
                received=Node(entry.resource).need_date("received"),
                acknowledged=acknowledged.date() if acknowledged else None,
                responded=responded.date() if responded else None,
            )

        found = reading.attempt(entry, complaint, whole=True)
        if found is not None:
            complaints.append(found)
    return tuple(complaints)


def read_feedback(reading: Reading) -> tuple[Feedback, ...]:
    """Every QuestionnaireResponse carrying the ``feedback-channel`` extension as ``Feedback``."""
    feedback = []
    code_map = reading.code_map
    actions = feedback_actions(reading)
    for entry in reading.of_type("QuestionnaireResponse"):
        node = Node(entry.resource)
        own = bool(node.extensions(systems.EXT_FEEDBACK_CHANNEL))
        if not own and not _feedback_by_code_map(reading, node):
            reading.context.ignore("QuestionnaireResponse (not feedback)")
            reading.context.ignore(NOT_USED, len(actions.get(entry.where, [])))
            continue
        tasks = actions.get(entry.where, [])

        def one(node: Node = node, own: bool = own, tasks: list[Entry] = tasks) -> Feedback:
            source = node.need_child("source").as_reference()
            kind = reading.type_of(source)
            if kind not in FEEDBACK_SOURCES:
                raise RecordProblem(source.path, f"expected a {', '.join(FEEDBACK_SOURCES)} reference")
            channel = (
                node.ext_string(systems.EXT_FEEDBACK_CHANNEL, required=True) or "survey"
                if own
                else code_map.feedback_channel
            )
            return Feedback(
                received=node.need_date("authored"),
                source=FEEDBACK_SOURCES[kind],
                channel=channel,
                action_required=bool(tasks),
                actioned=actioned(reading, tasks) if tasks else None,
            )

        found = reading.attempt(entry, one, whole=True)
        if found is not None:
            feedback.append(found)
    return tuple(feedback)
