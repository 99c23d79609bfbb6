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
