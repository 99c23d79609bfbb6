"""The alert data model: alert identities, stored alerts, the changes of one check, and delivery targets.

Below both the alert store and the notifiers (both import it; it imports neither). ``AlertChanges.as_dict()``
is the JSON contract every notifier sends (docs/commands/watch.md). It holds pseudonymous ids only: alerts
name records by keys such as ``person:R07/care_plan:CP-R07``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from mipr_rules.errors import MiprRulesError

CHANGES_KIND = "alert_changes"
CHANGES_VERSION = 1
"""Version of the ``alert_changes`` JSON contract; bumped only on an incompatible change."""


class DeliveryError(MiprRulesError):
    """A notifier could not deliver alert changes; the message names the target (without secrets), never data."""


@attrs.frozen
class AlertIdentity:
    """What makes two alerts the same alert, from one check to the next."""

    location_id: str
    """The CQC location id of the location the alert is about."""
    ruleset_id: str
    """Id of the ruleset (not its version: a new ruleset version keeps the alert's identity)."""
    rule_id: str
    """Id of the rule that fired."""
    subject: str
    """Pseudonymous key of the record, e.g. ``person:R07/care_plan:CP-R07``."""

    @property
    def alert_id(self) -> str:
        """A short, stable id for people to type, e.g. ``A-3F9C2B7E1D0A``."""
        text = "\x1f".join((self.location_id, self.ruleset_id, self.rule_id, self.subject))
        return "A-" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12].upper()


@attrs.frozen
class StoredAlert:
    """One occurrence of an alert as the alert store records it."""

    identity: AlertIdentity
    """Location, ruleset, rule and subject."""
    ruleset_version: str
    """Version of the ruleset that last reported it."""
    severity: str
    """Severity when last seen."""
    title: str
    """Rule title."""
    message: str
    """Message when last seen."""
    facts: dict[str, Any]
    """The matched fact when last seen (measured fields only, pseudonymous)."""
    detail: dict[str, Any]
    """Key question, quality statement, regulation, evidence category and source, as in ``RuleHit.as_dict()``."""
    first_seen: dt.date
    """As-of date of the first check that reported this occurrence."""
    last_seen: dt.date
    """As-of date of the latest check that reported it."""
    resolved_on: dt.date | None = None
    """As-of date of the first check that no longer reported it."""
    acknowledged_by: str | None = None
    """Pseudonymous id of whoever acknowledged it."""
    acknowledged_on: dt.date | None = None
    """When it was acknowledged."""

    @property
    def alert_id(self) -> str:
        """The short id of its identity."""
        return self.identity.alert_id

    def as_dict(self) -> dict[str, Any]:
        """One alert in the ``alert_changes`` contract (the acknowledgement note is never included)."""
        return {
            "alert_id": self.alert_id,
            "location_id": self.identity.location_id,
            "ruleset": {"id": self.identity.ruleset_id, "version": self.ruleset_version},
            "rule": self.identity.rule_id,
            "subject": self.identity.subject,
            "severity": self.severity,
            "title": self.title,
            "message": self.message,
            **self.detail,
            "facts": self.facts,
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
            "resolved_on": self.resolved_on.isoformat() if self.resolved_on else None,
            "acknowledged": (
                {"by": self.acknowledged_by, "on": _iso(self.acknowledged_on)} if self.acknowledged_by else None
            ),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StoredAlert:
        """Read back ``as_dict()``."""
        known = {
            "alert_id",
            "location_id",
            "ruleset",
            "rule",
            "subject",
            "severity",
            "title",
            "message",
            "facts",
            "first_seen",
            "last_seen",
            "resolved_on",
            "acknowledged",
        }
        ack = data.get("acknowledged") or {}
        return cls(
            identity=AlertIdentity(data["location_id"], data["ruleset"]["id"], data["rule"], data["subject"]),
            ruleset_version=data["ruleset"]["version"],
            severity=data["severity"],
            title=data["title"],
            message=data["message"],
            facts=dict(data["facts"]),
            detail={k: v for k, v in data.items() if k not in known},
            first_seen=dt.date.fromisoformat(data["first_seen"]),
            last_seen=dt.date.fromisoformat(data["last_seen"]),
            resolved_on=_date(data.get("resolved_on")),
            acknowledged_by=ack.get("by"),
            acknowledged_on=_date(ack.get("on")),
        )


@attrs.frozen
class CheckedLocation:
    """A location a check covered."""

    location_id: str
    """CQC location id."""
    name: str
    """Name of the location (a care service, not a person)."""
    error: str | None = None
    """Why it could not be evaluated; its open alerts were then left as they were."""


def _made(alerts: tuple[StoredAlert, ...] | Callable[[], tuple[StoredAlert, ...]]) -> tuple[StoredAlert, ...]:
    return tuple(alerts()) if callable(alerts) else alerts


@attrs.frozen
class AlertChanges:
    """What one check changed in the alert store: the value every notifier receives."""

    id: str
    """Unique id of this change set; receivers use it to ignore a repeated delivery."""
    as_of: dt.date
    """As-of date of the check."""
    ruleset_id: str
    """Id of the ruleset evaluated."""
    ruleset_version: str
    """Version of the ruleset evaluated."""
    locations: tuple[CheckedLocation, ...]
    """Every location in the checked report, evaluated or not."""
    new: tuple[StoredAlert, ...] = ()
    """Alerts reported for the first time (or again after having been resolved)."""
    _ongoing: tuple[StoredAlert, ...] | Callable[[], tuple[StoredAlert, ...]] = attrs.field(
        default=(), eq=_made, repr=lambda value: repr(_made(value))
    )
    """Alerts still reported (``ongoing``); given as a function, they are made when first read."""
    resolved: tuple[StoredAlert, ...] = ()
    """Open alerts this check no longer reported, for locations it evaluated."""
    event: str = "changes"
    """``changes`` (one check's news), ``digest`` (a summary of held change sets) or ``escalation``
    (open alerts nobody acknowledged in time, in ``new``)."""
    idempotency_key: str | None = None
    """The key of this notification to this target (the same on every retry); set when delivered."""

    @property
    def ongoing(self) -> tuple[StoredAlert, ...]:
        """Alerts still reported."""
        value = self._ongoing
        if callable(value):
            value = _made(value)
            object.__setattr__(self, "_ongoing", value)  # made once: the same alerts on every read
        return value

    @property
    def has_news(self) -> bool:
        """Whether anything is worth telling someone: new or resolved alerts."""
        return bool(self.new or self.resolved)

    @property
    def not_evaluated(self) -> tuple[CheckedLocation, ...]:
        """Locations whose evaluation failed (their alerts were kept open)."""
        return tuple(loc for loc in self.locations if loc.error)

    def location_name(self, location_id: str) -> str:
        """Name of a checked location (its id if unknown)."""
        return next((loc.name for loc in self.locations if loc.location_id == location_id and loc.name), location_id)

    def counts(self) -> dict[str, int]:
        """``{"new", "ongoing", "resolved"}`` counts."""
        return {"new": len(self.new), "ongoing": len(self.ongoing), "resolved": len(self.resolved)}

    def as_dict(self) -> dict[str, Any]:
        """The ``alert_changes`` JSON contract (docs/commands/watch.md)."""
        return {
            "kind": CHANGES_KIND,
            "version": CHANGES_VERSION,
            "id": self.id,
            "event": self.event,
            "idempotency_key": self.idempotency_key,
            "as_of": self.as_of.isoformat(),
            "ruleset": {"id": self.ruleset_id, "version": self.ruleset_version},
            "summary": self.counts(),
            "locations": [attrs.asdict(loc) for loc in self.locations],
            "new": [a.as_dict() for a in self.new],
            "ongoing": [a.as_dict() for a in self.ongoing],
            "resolved": [a.as_dict() for a in self.resolved],
        }

    def to_json(self) -> str:
        """``as_dict()`` as compact JSON."""
        return json.dumps(self.as_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AlertChanges:
        """Read back ``as_dict()`` (the outbox stores change sets this way)."""
        if data.get("kind") != CHANGES_KIND or data.get("version") != CHANGES_VERSION:
            raise DeliveryError(f"not an {CHANGES_KIND} version {CHANGES_VERSION} document")
        return cls(
            id=data["id"],
            as_of=dt.date.fromisoformat(data["as_of"]),
            ruleset_id=data["ruleset"]["id"],
            ruleset_version=data["ruleset"]["version"],
            locations=tuple(CheckedLocation(**loc) for loc in data["locations"]),
            new=tuple(StoredAlert.from_dict(a) for a in data["new"]),
            ongoing=tuple(StoredAlert.from_dict(a) for a in data["ongoing"]),
            resolved=tuple(StoredAlert.from_dict(a) for a in data["resolved"]),
            event=data.get("event", "changes"),
            idempotency_key=data.get("idempotency_key"),
        )

    @classmethod
    def from_json(cls, text: str) -> AlertChanges:
        """Read back ``to_json()``."""
        return cls.from_dict(json.loads(text))


@attrs.frozen
class Target:
    """Where one notifier delivers: ``NAME:TARGET`` on the command line, e.g. ``webhook:https://…``."""

    notifier: str
    """Name of the notifier."""
    target: str
    """What the notifier is given: a URL, an SMTP URL…"""

    @classmethod
    def parse(cls, spec: str) -> Target:
        """Split ``NAME:TARGET``; a ``DeliveryError`` if either part is missing."""
        name, sep, target = spec.partition(":")
        if not sep or not name.strip() or not target.strip():
            raise DeliveryError(
                f"--notify {redact(spec)!r}: expected NAME:TARGET, e.g. webhook:https://example.org/hook"
            )
        return cls(name.strip(), target.strip())

    @property
    def identity(self) -> tuple[str, ...]:
        """What the target is, without its secrets: notifier, scheme, host, port, path and recipients.

        Passwords, user names, tokens in the query and other settings are left out, so that a target whose
        credentials change is still the same target (what waits in the outbox for it is delivered).
        A target that is not a URL is its own identity.
        """
        try:
            parts = urllib.parse.urlsplit(self.target)
            port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower())
        except ValueError:
            return (self.notifier, self.target)
        if not parts.scheme or not parts.hostname:
            return (self.notifier, self.target)
        query = urllib.parse.parse_qs(parts.query)
        recipients = sorted({a.strip().lower() for v in query.get("to", []) for a in v.split(",") if a.strip()})
        path = parts.path if parts.path not in ("", "/") else "/"
        return (self.notifier, parts.scheme.lower(), parts.hostname, str(port or ""), path, ",".join(recipients))

    @property
    def key(self) -> str:
        """Stable key of the target in the outbox: a digest of its identity (no secrets in it, none stored)."""
        return hashlib.sha256(json.dumps(self.identity).encode()).hexdigest()

    @property
    def legacy_key(self) -> str:
        """The outbox key of alert stores before schema version 2 (a digest of the whole target, secrets included)."""
        return hashlib.sha256(f"{self.notifier}:{self.target}".encode()).hexdigest()

    @property
    def label(self) -> str:
        """How the target is shown in messages: scheme, host and port only."""
        return f"{self.notifier}:{redact(self.target)}"


_DEFAULT_PORTS = {"http": 80, "https": 443, "smtp": 25, "smtps": 465}


def redact(target: str) -> str:
    """A URL reduced to ``scheme://host[:port]/…``: paths, queries and passwords may hold secrets."""
    try:
        parts = urllib.parse.urlsplit(target)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(unreadable target)"
    if not parts.scheme or not host:
        return "(unreadable target)" if "//" in target or "@" in target else target.split("?")[0][:40]
    rest = "/…" if parts.path.strip("/") or parts.query else ""
    return f"{parts.scheme}://{host}{port}{rest}"


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
