"""Governance records: audits, conditions of registration and other evidence."""

from __future__ import annotations

import datetime as dt

import attrs

from mipr_rules.model.vocabulary import EvidenceCategory


@attrs.frozen
class Audit:
    """An internal audit."""

    kind: str
    """Audit kind, e.g. ``medication``, ``infection_control``, ``care_plans``, ``health_and_safety``."""
    completed: dt.date
    """Date the audit was completed."""
    actions_open: int = 0
    """Number of actions from the audit still open."""


@attrs.frozen
class RegistrationCondition:
    """A condition of CQC registration."""

    description: str
    """The condition's wording."""
    met: bool = True
    """Whether the provider is currently meeting it."""
    reason: str | None = None
    """The recorded good reason, if it is not being met."""


@attrs.frozen
class EvidenceItem:
    """A piece of evidence the provider holds, tagged with a SAF evidence category."""

    category: EvidenceCategory
    """Which of the six evidence categories it serves."""
    collected: dt.date
    """Date it was collected."""
    description: str = ""
    """What it is (no personal data)."""


@attrs.frozen
class StaffingReview:
    """A review of staffing levels against a dependency tool."""

    reviewed: dt.date
    """Date the dependency assessment was done."""
    required_hours: float
    """Care hours a week the dependency tool says are needed."""
    rostered_hours: float
    """Care hours a week actually rostered."""
    tool: str = "dependency_tool"
    """The tool used (name of the provider's dependency tool)."""


@attrs.frozen
class PolicyDocument:
    """A governance document the provider keeps under review (statement of purpose, policies, plans)."""

    kind: str
    """Its kind, e.g. ``statement_of_purpose``, ``whistleblowing``, ``equality_diversity``, ``sustainability``."""
    reviewed: dt.date
    """Date it was written or last reviewed."""


@attrs.frozen
class SafetyCheck:
    """A routine safety check: fire alarm test, fire drill, controlled drugs stock check, call-bell response audit."""

    kind: str
    """What was checked, e.g. ``fire_alarm_test``, ``fire_drill``, ``controlled_drugs``, ``call_bell_response``."""
    completed: dt.date
    """Date the check was done."""
    issues_open: int = 0
    """Problems it found that are not yet put right."""
