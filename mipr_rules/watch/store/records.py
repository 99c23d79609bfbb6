"""The store's read models: occurrences as ``StoredAlert``, their lifecycle state, events, queued items.

And how rows of the ``alerts`` table become them (``COLUMNS``, ``stored_alert``, ``alert_state``)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import attrs

from mipr_rules.alerts.model import AlertIdentity, StoredAlert


@attrs.frozen
class OutboxItem:
    """A notification waiting to be delivered to one target."""

    id: int
    """Row id (delivery order)."""
    target_label: str
    """The target, without secrets."""
    changes: str
    """The ``alert_changes`` JSON document."""
    attempts: int
    """Failed attempts so far."""
    last_error: str | None
    """Why the last attempt failed."""
    idempotency_key: str = ""
    """The same on every attempt: receivers drop a repeat by it."""


@attrs.frozen
class AlertEvent:
    """One state change of an alert, with who and when."""

    alert_id: str
    kind: str
    """new, resolved, acknowledged, snoozed or escalated."""
    as_of: dt.date
    """As-of date of the check (or of the action)."""
    at: dt.datetime | None
    """The service clock when it happened (None for events older than schema version 3)."""
    by: str | None = None
    """Pseudonymous staff id, or None for the service."""
    note: str | None = None
    """Acknowledgement note, snooze reason or escalation target label."""

    def as_dict(self) -> dict[str, Any]:
        """``{"alert_id", "kind", "as_of", "at", "by", "note"}``."""
        return {
            "alert_id": self.alert_id,
            "kind": self.kind,
            "as_of": self.as_of.isoformat(),
            "at": self.at.isoformat() if self.at else None,
            "by": self.by,
            "note": self.note,
        }


@attrs.frozen
class AlertState:
    """An occurrence of an alert with its lifecycle state (for ``mipr alerts list``)."""

    alert: StoredAlert
    state: str
    """open, acknowledged, snoozed, escalated or resolved."""
    snoozed_until: dt.date | None = None
    escalated_at: dt.datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        """The alert as notifiers send it, plus ``state``, ``snoozed_until`` and ``escalated_at``."""
        return {
            **self.alert.as_dict(),
            "state": self.state,
            "snoozed_until": self.snoozed_until.isoformat() if self.snoozed_until else None,
            "escalated_at": self.escalated_at.isoformat() if self.escalated_at else None,
        }


def utc(at: dt.datetime) -> str:
    """A clock reading as stored: UTC, ISO 8601, fixed width (so that text comparison is time comparison)."""
    if at.tzinfo is None:
        raise ValueError("the service clock must be timezone-aware")
    return at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def parse_at(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


COLUMNS = (
    "id, alert_id, location_id, ruleset_id, rule_id, subject, ruleset_version, severity, title, message, facts, "
    "detail, first_seen, last_seen, resolved_on, acknowledged_by, acknowledged_on, opened_at, snoozed_until, "
    "escalated_at"
)


def row_identity(row: Mapping[Any, Any]) -> AlertIdentity:
    return AlertIdentity(row["location_id"], row["ruleset_id"], row["rule_id"], row["subject"])


def stored_alert(row: Mapping[Any, Any], detail: dict[str, Any] | None = None) -> StoredAlert:
    return StoredAlert(
        identity=row_identity(row),
        ruleset_version=row["ruleset_version"],
        severity=row["severity"],
        title=row["title"],
        message=row["message"],
        facts=json.loads(row["facts"]),
        detail=json.loads(row["detail"]) if detail is None else detail,
        first_seen=dt.date.fromisoformat(row["first_seen"]),
        last_seen=dt.date.fromisoformat(row["last_seen"]),
        resolved_on=dt.date.fromisoformat(row["resolved_on"]) if row["resolved_on"] else None,
        acknowledged_by=row["acknowledged_by"],
        acknowledged_on=dt.date.fromisoformat(row["acknowledged_on"]) if row["acknowledged_on"] else None,
    )


def alert_state(row: Mapping[Any, Any]) -> AlertState:
    alert = stored_alert(row)
    snoozed = dt.date.fromisoformat(row["snoozed_until"]) if row["snoozed_until"] else None
    escalated = parse_at(row["escalated_at"])
    if alert.resolved_on:
        state = "resolved"
    elif alert.acknowledged_by:
        state = "acknowledged"
    elif snoozed and snoozed > alert.last_seen:
        state = "snoozed"
    elif escalated:
        state = "escalated"
    else:
        state = "open"
    return AlertState(alert, state, snoozed, escalated)


def rank(a: StoredAlert) -> tuple[str, int, str, str]:
    from mipr_rules.ruleset.schema import SEVERITIES

    rank = SEVERITIES.index(a.severity) if a.severity in SEVERITIES else -1
    return (a.identity.location_id, -rank, a.identity.rule_id, a.identity.subject)


def by_rank(alerts: list[StoredAlert]) -> list[StoredAlert]:
    return sorted(alerts, key=rank)
