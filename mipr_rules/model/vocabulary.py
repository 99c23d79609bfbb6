"""Closed vocabularies of the model, spelt exactly as CQC writes them (CQC's ratings pages and public API)."""

from __future__ import annotations

from enum import Enum


class RatingValue(str, Enum):
    """A CQC rating word, with CQC's own capitalisation."""

    OUTSTANDING = "Outstanding"
    GOOD = "Good"
    REQUIRES_IMPROVEMENT = "Requires improvement"
    INADEQUATE = "Inadequate"


class KeyQuestion(str, Enum):
    """The five key questions, as named in the CQC public API."""

    SAFE = "Safe"
    EFFECTIVE = "Effective"
    CARING = "Caring"
    RESPONSIVE = "Responsive"
    WELL_LED = "Well-led"


class EvidenceCategory(str, Enum):
    """The six SAF evidence categories (CQC's single assessment framework)."""

    PEOPLES_EXPERIENCE = "people_experience"
    STAFF_AND_LEADERS = "staff_leaders_feedback"
    PARTNERS = "partners_feedback"
    OBSERVATION = "observation"
    PROCESSES = "processes"
    OUTCOMES = "outcomes"


EVIDENCE_CATEGORY_TITLES = {
    EvidenceCategory.PEOPLES_EXPERIENCE: "People's experience of health and care services",
    EvidenceCategory.STAFF_AND_LEADERS: "Feedback from staff and leaders",
    EvidenceCategory.PARTNERS: "Feedback from partners",
    EvidenceCategory.OBSERVATION: "Observation",
    EvidenceCategory.PROCESSES: "Processes",
    EvidenceCategory.OUTCOMES: "Outcomes",
}


class IncidentCategory(str, Enum):
    """Kinds of incident a care record holds; several are notifiable under CQC (Registration) Regs 16 and 18."""

    FALL = "fall"
    MEDICATION_ERROR = "medication_error"
    DEATH = "death"
    SERIOUS_INJURY = "serious_injury"
    ABUSE_ALLEGATION = "abuse_allegation"
    POLICE_INCIDENT = "police_incident"
    DOLS_OUTCOME = "dols_outcome"
    SERVICE_DISRUPTION = "service_disruption"
    OTHER = "other"


class FeedbackSource(str, Enum):
    """Who gave feedback; maps onto the evidence categories."""

    PERSON = "person"
    RELATIVE = "relative"
    STAFF = "staff"
    PARTNER = "partner"


class RegistrationStatus(str, Enum):
    """CQC registration status of a location."""

    REGISTERED = "Registered"
    DEREGISTERED = "Deregistered"
