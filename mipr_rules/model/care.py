"""People using the service, their care plans and risk assessments."""

from __future__ import annotations

import datetime as dt

import attrs


@attrs.frozen
class CarePlan:
    """A person's care plan and its review history."""

    plan_id: str
    """The care-record system's id of the plan."""
    created: dt.date
    """Date the plan was first written."""
    last_reviewed: dt.date | None = None
    """Date of the most recent formal review; ``None`` if never reviewed."""
    needs_changed: dt.date | None = None
    """Date the person's needs last changed significantly (fall, hospital stay...), if recorded."""
    active: bool = True
    """Whether the plan is in use."""


@attrs.frozen
class RiskAssessment:
    """A risk assessment (falls, pressure areas, nutrition, choking, moving and handling...)."""

    assessment_id: str
    """The care-record system's id of the assessment."""
    kind: str
    """What risk it assesses, e.g. ``falls``, ``pressure_ulcer``, ``nutrition``."""
    last_reviewed: dt.date
    """Date it was written or last reviewed."""


@attrs.frozen
class Person:
    """Someone using the service, known only by a pseudonymous id."""

    person_id: str
    """Pseudonymous id (never a name or NHS number)."""
    admitted: dt.date | None = None
    """Date care started."""
    discharged: dt.date | None = None
    """Date care ended; ``None`` while the person uses the service."""
    care_plans: tuple[CarePlan, ...] = ()
    """The person's care plans."""
    risk_assessments: tuple[RiskAssessment, ...] = ()
    """The person's risk assessments."""
