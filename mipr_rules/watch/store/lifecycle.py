"""What managers do with alerts (acknowledge, snooze) and what the service does when nobody does (escalate)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from mipr_rules.alerts.model import AlertChanges, AlertIdentity, CheckedLocation, StoredAlert, Target
from mipr_rules.errors import InputError
from mipr_rules.watch.lifecycle import SERVICE_ZONE
from mipr_rules.watch.store.outbox import queue
from mipr_rules.watch.store.queries import AlertQueries
from mipr_rules.watch.store.records import COLUMNS, AlertState, by_rank, parse_at, stored_alert, utc
from mipr_rules.watch.store.tables import add_event, location_name

_PSEUDONYM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
MAX_NOTE = 500
"""Longest acknowledgement note or snooze reason, in characters."""


class Lifecycle(AlertQueries):
    """Acknowledgements, snoozes and escalations."""

    def _open_row(self, db: sa.Connection, alert_id: str) -> Mapping[Any, Any]:
        row = (
            db.execute(sa.text("SELECT id FROM alerts WHERE alert_id = :a AND resolved_on IS NULL"), {"a": alert_id})
            .mappings()
            .first()
        )
        if row is None:
            raise InputError(f"{self.where}: no open alert {alert_id}")
        return row

    def acknowledge(
        self, alert: AlertIdentity | str, by: str, note: str = "", *, on: dt.date, at: dt.datetime | None = None
    ) -> StoredAlert:
        """Mark the open occurrence of an alert (an identity or an ``A-…`` id) as seen by ``by`` on ``on``.

        ``by`` must be a pseudonymous id (a staff id such as ``S01``), never a name or an email address.
        """
        alert_id = alert if isinstance(alert, str) else alert.alert_id
        _check_staff(by)
        _check_line(note, "--note")
        with self._write() as db:
            row = self._open_row(db, alert_id)
            db.execute(
                sa.text(
                    "UPDATE alerts SET acknowledged_by = :b, acknowledged_on = :o, acknowledgement_note = :n "
                    "WHERE id = :id"
                ),
                {"b": by, "o": on.isoformat(), "n": note or None, "id": row["id"]},
            )
            # a check that left this location's rows reads them again (``left``)
            db.execute(
                sa.text(
                    "UPDATE locations SET revision = revision + 1 "
                    "WHERE location_id = (SELECT location_id FROM alerts WHERE id = :id)"
                ),
                {"id": row["id"]},
            )
            add_event(
                db, alert_id, row["id"], "acknowledged", on.isoformat(), utc(at) if at else None, by, note or None
            )
        return self.state(alert_id).alert

    def snooze(
        self, alert_id: str, until: dt.date, by: str, reason: str, *, on: dt.date, at: dt.datetime | None = None
    ) -> AlertState:
        """Snooze an open alert until ``until`` (not escalated, nor repeated in digests, before that date)."""
        _check_staff(by)
        _check_line(reason, "--reason")
        if not reason.strip():
            raise InputError("--reason: say why the alert is snoozed (one line)")
        if until <= on:
            raise InputError(f"--until {until}: must be after {on}")
        with self._write() as db:
            row = self._open_row(db, alert_id)
            db.execute(
                sa.text("UPDATE alerts SET snoozed_until = :u, snoozed_by = :b, snooze_reason = :r WHERE id = :id"),
                {"u": until.isoformat(), "b": by, "r": reason, "id": row["id"]},
            )
            add_event(
                db,
                alert_id,
                row["id"],
                "snoozed",
                on.isoformat(),
                utc(at) if at else None,
                by,
                f"until {until}: {reason}",
            )
        return self.state(alert_id)

    def acknowledgement_note(self, alert: AlertIdentity | str) -> str | None:
        """The note of the latest acknowledgement of an alert (kept in the store, never sent)."""
        alert_id = alert if isinstance(alert, str) else alert.alert_id
        rows = self._rows(
            "SELECT acknowledgement_note FROM alerts WHERE alert_id = :a AND acknowledged_by IS NOT NULL "
            "ORDER BY id DESC LIMIT 1",
            a=alert_id,
        )
        return rows[0]["acknowledgement_note"] if rows else None

    def escalate(
        self, rules: Sequence[tuple[str, dt.timedelta, Target]], *, at: dt.datetime, on: dt.date
    ) -> list[StoredAlert]:
        """Queue an escalation for every open alert nobody acknowledged in time; return them.

        ``rules``: (lowest severity, delay, target). An alert takes the rule of the highest severity at or
        below its own; it is escalated once, when ``delay`` has passed since it was first stored (or since
        its snooze ended), unless acknowledged or snoozed as of ``on``.
        """
        from mipr_rules.ruleset.schema import SEVERITIES

        if not rules:
            return []
        ranked = sorted(rules, key=lambda r: SEVERITIES.index(r[0]), reverse=True)
        escalated: list[StoredAlert] = []
        with self._write() as db:
            self._lock_writers(db)
            rows = list(
                db.execute(
                    sa.text(
                        f"SELECT {COLUMNS} FROM alerts WHERE resolved_on IS NULL AND acknowledged_by IS NULL "
                        "AND escalated_at IS NULL AND opened_at IS NOT NULL"
                    )
                ).mappings()
            )
            per_target: dict[str, tuple[Target, list[StoredAlert]]] = {}
            for row in rows:
                if row["severity"] not in SEVERITIES:
                    continue
                rank = SEVERITIES.index(row["severity"])
                rule = next((r for r in ranked if SEVERITIES.index(r[0]) <= rank), None)
                if rule is None:
                    continue
                start = parse_at(row["opened_at"])
                snoozed = row["snoozed_until"]
                if snoozed:
                    if on.isoformat() < snoozed:
                        continue
                    end = dt.datetime.combine(dt.date.fromisoformat(snoozed), dt.time(), SERVICE_ZONE)
                    start = max(start, end) if start else end
                if start is None or at - start < rule[1]:
                    continue
                db.execute(
                    sa.text("UPDATE alerts SET escalated_at = :at WHERE id = :id"), {"at": utc(at), "id": row["id"]}
                )
                add_event(db, row["alert_id"], row["id"], "escalated", on.isoformat(), utc(at), None, rule[2].label)
                alert = stored_alert(row)
                per_target.setdefault(rule[2].key, (rule[2], []))[1].append(alert)
                escalated.append(alert)
            for target, alerts in per_target.values():
                changes = AlertChanges(
                    id=uuid.uuid4().hex,
                    as_of=on,
                    ruleset_id=alerts[0].identity.ruleset_id,
                    ruleset_version=alerts[0].ruleset_version,
                    locations=tuple(
                        CheckedLocation(i, location_name(db, i))
                        for i in sorted({a.identity.location_id for a in alerts})
                    ),
                    new=tuple(by_rank(alerts)),
                    event="escalation",
                )
                queue(db, changes, [target])
        return escalated


def _check_staff(by: str) -> None:
    if not _PSEUDONYM.fullmatch(by):
        raise InputError(
            "--by: expected a pseudonymous id such as S01 (letters, digits, '.', '_', ':', '-'), "
            "not a name or an email address"
        )


def _check_line(text: str, option: str) -> None:
    if len(text) > MAX_NOTE or "\n" in text:
        raise InputError(f"{option}: expected one line of at most {MAX_NOTE} characters")
