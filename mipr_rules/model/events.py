"""Things that happen: incidents, safeguarding concerns, complaints and feedback."""

from __future__ import annotations

import datetime as dt

import attrs

from mipr_rules.model.vocabulary import FeedbackSource, IncidentCategory


@attrs.frozen
class Incident:
    """An incident and, if it is notifiable, its statutory notification to CQC."""

    incident_id: str
    """The care-record system's id of the incident."""
    category: IncidentCategory
    """What happened."""
    occurred: dt.datetime
    """When it happened (local time; a date alone means midnight)."""
    person_id: str | None = None
    """Pseudonymous id of the person it happened to, if any."""
    cqc_notified: dt.datetime | None = None
    """When CQC was notified; ``None`` if not notified."""
    reported_to_police: bool = False
    """Whether the police were told or are investigating."""
    severity: str | None = None
    """Free severity grading from the source system (``low``, ``moderate``, ``severe``...)."""
    notifiable_safety_incident: bool = False
    """Whether it is a notifiable safety incident under the duty of candour (Reg 20, SI 2014/2936)."""
    candour_notified: dt.date | None = None
    """Date the person (or their representative) was told and given an apology under the duty of candour."""


@attrs.frozen
class SafeguardingConcern:
    """A safeguarding concern and its referral to the local authority."""

    concern_id: str
    """The care-record system's id of the concern."""
    raised: dt.date
    """Date the concern was raised."""
    person_id: str | None = None
    """Pseudonymous id of the person concerned."""
    referred_to_la: dt.date | None = None
    """Date it was referred to the local authority safeguarding team; ``None`` if not referred."""
    referral_not_required_reason: str | None = None
    """Why no referral was made, if the decision was recorded."""


@attrs.frozen
class Complaint:
    """A complaint and the provider's handling of it."""

    complaint_id: str
    """The care-record system's id of the complaint."""
    received: dt.date
    """Date the complaint was received."""
    acknowledged: dt.date | None = None
    """Date it was acknowledged."""
    responded: dt.date | None = None
    """Date of the full response."""


@attrs.frozen
class Feedback:
    """Feedback gathered from people, relatives, staff or partners (surveys, meetings, reviews)."""

    received: dt.date
    """Date the feedback was received."""
    source: FeedbackSource
    """Who gave it."""
    channel: str = "survey"
    """How it was gathered, e.g. ``survey``, ``residents_meeting``, ``review``."""
    action_required: bool = False
    """Whether the feedback asked for a change (an action was agreed)."""
    actioned: dt.date | None = None
    """Date the agreed action was completed and fed back; ``None`` while open."""
