"""The location (a registered care service), its provider and its CQC ratings."""

from __future__ import annotations

import datetime as dt

import attrs

from mipr_rules.model.care import Person
from mipr_rules.model.events import Complaint, Feedback, Incident, SafeguardingConcern
from mipr_rules.model.governance import (
    Audit,
    EvidenceItem,
    PolicyDocument,
    RegistrationCondition,
    SafetyCheck,
    StaffingReview,
)
from mipr_rules.model.staff import StaffMember
from mipr_rules.model.vocabulary import KeyQuestion, RatingValue, RegistrationStatus


@attrs.frozen
class Provider:
    """The registered provider that runs the location."""

    provider_id: str
    """CQC provider id, e.g. ``1-102642955``."""
    name: str | None = None
    """Provider's registered (organisation) name; not personal data."""


@attrs.frozen
class KeyQuestionRating:
    """One key question's rating within a published rating."""

    key_question: KeyQuestion
    """Which of the five key questions."""
    rating: RatingValue
    """The rating word."""


@attrs.frozen
class Rating:
    """A published CQC rating of the location (overall and per key question)."""

    overall: RatingValue | None
    """Overall rating; ``None`` where CQC gives none (e.g. combined care home and homecare)."""
    published: dt.date
    """Date the report was published on CQC's website: the anchor for display and review deadlines."""
    key_questions: tuple[KeyQuestionRating, ...] = ()
    """Per key question ratings, in no particular order."""
    report_id: str | None = None
    """CQC report link id."""


@attrs.frozen
class RatingDisplay:
    """Where and when the provider displayed its current rating (Reg 20A)."""

    premises: dt.date | None = None
    """Date the rating was put up, legibly and conspicuously, at the premises."""
    website: dt.date | None = None
    """Date the rating was shown on the provider's website; ``None`` if not shown."""
    has_website: bool = True
    """Whether the provider has a website on which the rating must appear."""


@attrs.frozen
class ManagerAbsence:
    """An absence of the registered manager (Reg 14, CQC (Registration) Regulations 2009)."""

    start: dt.date
    """First day of the absence."""
    expected_days: int
    """Expected (or actual) length of the absence in days."""
    planned: bool
    """Planned (notice due 28 days before) or emergency (notice due within 5 working days)."""
    notified: dt.date | None = None
    """Date CQC was notified, if it was."""


@attrs.frozen
class Location:
    """Everything one care-record system holds about one CQC-registered location."""

    location_id: str
    """CQC location id, e.g. ``1-125856395``; also the partition key of every evaluation."""
    name: str
    """The location's public name (a business name, not personal data)."""
    provider: Provider
    """The registered provider."""
    service_types: tuple[str, ...] = ()
    """CQC service types (gacServiceTypes names), e.g. ``Residential homes``, ``Homecare agencies``."""
    care_home: bool = True
    """Whether the location is a care home (CQC ``careHome`` Y/N)."""
    registration_status: RegistrationStatus = RegistrationStatus.REGISTERED
    """CQC registration status."""
    registration_date: dt.date | None = None
    """Date the location was registered with CQC."""
    beds: int | None = None
    """Number of registered beds (care homes)."""
    registered_manager_required: bool = True
    """Whether a condition of registration requires a registered manager."""
    registered_manager_id: str | None = None
    """Pseudonymous staff id of the registered manager; ``None`` when there is no registered manager."""
    manager_recruitment_started: dt.date | None = None
    """When recruitment of a new registered manager started, if there is none."""
    manager_absences: tuple[ManagerAbsence, ...] = ()
    """Absences of the registered manager."""
    current_rating: Rating | None = None
    """The current published rating, if any."""
    past_ratings: tuple[Rating, ...] = ()
    """Earlier published ratings, newest first."""
    rating_display: RatingDisplay | None = None
    """How the current rating is displayed."""
    pir_requested: dt.date | None = None
    """When CQC last asked for a Provider Information Return."""
    pir_returned: dt.date | None = None
    """When that Provider Information Return was sent."""
    conditions: tuple[RegistrationCondition, ...] = ()
    """Conditions of registration and whether each is being met."""
    people: tuple[Person, ...] = ()
    """People using the service (pseudonymous)."""
    staff: tuple[StaffMember, ...] = ()
    """Staff (pseudonymous)."""
    incidents: tuple[Incident, ...] = ()
    """Incidents, with their statutory-notification dates."""
    safeguarding: tuple[SafeguardingConcern, ...] = ()
    """Safeguarding concerns and their referrals."""
    complaints: tuple[Complaint, ...] = ()
    """Complaints and their responses."""
    audits: tuple[Audit, ...] = ()
    """Internal audits (medication, infection control, care plans, health and safety...)."""
    feedback: tuple[Feedback, ...] = ()
    """Feedback from people, relatives, staff and partners."""
    evidence: tuple[EvidenceItem, ...] = ()
    """Other evidence the provider holds, tagged with its evidence category (observations, outcomes...)."""
    staffing_reviews: tuple[StaffingReview, ...] = ()
    """Staffing levels reviewed against a dependency tool."""
    checks: tuple[SafetyCheck, ...] = ()
    """Routine safety checks (fire alarm tests, fire drills, controlled drugs checks, call-bell audits)."""
    policies: tuple[PolicyDocument, ...] = ()
    """Governance documents and when each was last reviewed."""
