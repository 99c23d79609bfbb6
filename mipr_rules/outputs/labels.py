"""Readable pseudonymous labels for record keys: ``person:R12/risk_assessment:RA-1`` → ``Resident R12``.

Record keys are already pseudonymous (ids, never names); a label only says what kind of record it is.
"""

from __future__ import annotations

_KINDS = {
    "person": "Resident",
    "staff": "Staff",
    "incident": "Incident",
    "safeguarding": "Safeguarding concern",
    "complaint": "Complaint",
    "condition": "Registration condition",
    "manager_absence": "Manager absence",
    "evidence": "Evidence",
}


def _part(kind: str, ident: str) -> str:
    if kind == "audit":
        return f"{ident.replace('_', ' ').capitalize()} audit"
    if kind == "manager_absence":
        return f"Manager absence from {ident.split('#')[0]}"
    if kind == "evidence":
        return f"{ident.replace('_', ' ').capitalize()} evidence"
    name = _KINDS.get(kind, kind.replace("_", " ").capitalize())
    return f"{name} {ident}" if ident else name


def subject_label(subject: str) -> str:
    """The label of the record's owner: ``Resident R12``, ``Staff S04``, ``Incident INC-0901``, ``The service``."""
    if not subject or subject == "location":
        return "The service"
    kind, _, ident = subject.split("/")[0].partition(":")
    return _part(kind, ident)


def subject_detail(subject: str) -> str | None:
    """What record of the owner it is, for a compound key: ``falls risk assessment RA-R12-falls``."""
    parts = subject.split("/")
    if len(parts) < 2:
        return None
    kind, _, ident = parts[-1].partition(":")
    return f"{kind.replace('_', ' ')} {ident.replace('_', ' ')}".strip()
