"""Lifecycle settings of the watch service: escalation rules (provider configuration) and the digest schedule.

Provider configuration::

    escalation:                  # unacknowledged alerts at or above a severity, after a time, to a second target
      high: {after: 24h, notify: "email:smtp://mail.example.org:587?from=mipr@example.org&to=area@example.org"}
      critical: {after: 4h, notify: "webhook:https://oncall.example.org/hooks/mipr"}

``--digest daily@07:00``: change sets are held and one summary per target is sent each day at 07:00 in the
service's time zone (Europe/London, across the clock changes).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from mipr_rules.errors import ConfigError, InputError

SERVICE_ZONE = ZoneInfo("Europe/London")
"""The service's time zone: dates (as-of, snooze, digest times) are local dates there."""
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(m|h|d)")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


@attrs.frozen
class EscalationRule:
    """Escalate unacknowledged alerts at or above ``severity`` after ``after`` to ``notify`` (NAME:TARGET)."""

    severity: str
    after: dt.timedelta
    notify: str


def parse_duration(text: str, where: str) -> dt.timedelta:
    """``90m``, ``24h``, ``2d``."""
    match = _DURATION.fullmatch(str(text).strip())
    if not match:
        raise ConfigError(f"{where}: expected a duration such as 90m, 24h or 2d, got {str(text)[:40]!r}")
    return dt.timedelta(**{_UNITS[match[2]]: float(match[1])})


def parse_escalation(data: Any, where: str) -> tuple[EscalationRule, ...]:
    """The ``escalation:`` section of a provider configuration (absent: no escalation)."""
    from mipr_rules.ruleset.schema import SEVERITIES

    if data is None:
        return ()
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a mapping of severity to {{after, notify}}")
    rules = []
    for severity, rule in data.items():
        if severity not in SEVERITIES:
            raise ConfigError(f"{where}.{severity}: unknown severity; expected one of {', '.join(SEVERITIES)}")
        if not isinstance(rule, Mapping) or set(rule) != {"after", "notify"}:
            raise ConfigError(f"{where}.{severity}: expected exactly 'after' and 'notify'")
        notify = rule["notify"]
        if not isinstance(notify, str) or ":" not in notify:
            raise ConfigError(f"{where}.{severity}.notify: expected NAME:TARGET, e.g. email:smtp://…")
        rules.append(EscalationRule(str(severity), parse_duration(rule["after"], f"{where}.{severity}.after"), notify))
    return tuple(rules)


@attrs.frozen
class DigestSchedule:
    """``daily@HH:MM``: one summary per target a day, at that local time."""

    at: dt.time

    @classmethod
    def parse(cls, text: str) -> DigestSchedule:
        """``daily@07:00``; ``InputError`` otherwise."""
        match = re.fullmatch(r"daily@([01]\d|2[0-3]):([0-5]\d)", text.strip())
        if not match:
            raise InputError(f"--digest {text[:40]!r}: expected daily@HH:MM, e.g. daily@07:00")
        return cls(dt.time(int(match[1]), int(match[2])))

    def last_due(self, now: dt.datetime) -> dt.datetime:
        """The latest scheduled time at or before ``now`` (local wall time in the service zone)."""
        local = now.astimezone(SERVICE_ZONE)
        day = local.date() if local.time() >= self.at else local.date() - dt.timedelta(days=1)
        return dt.datetime.combine(day, self.at, SERVICE_ZONE)

    def due(self, last: dt.datetime | None, now: dt.datetime) -> bool:
        """Whether a digest is due at ``now`` when the last one was sent at ``last``."""
        return last is not None and last < self.last_due(now)


def local_date(at: dt.datetime) -> dt.date:
    """The date in the service zone at clock reading ``at``."""
    return at.astimezone(SERVICE_ZONE).date()
