"""Recording a readiness report: what is new, ongoing and resolved, in a constant number of set-based statements.

One row per occurrence of an alert; at most one open occurrence per identity (location, ruleset, rule,
subject). A location missing from the report, or whose evaluation failed, is left exactly as it was."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from mipr_rules.alerts.model import AlertChanges, AlertIdentity, CheckedLocation, StoredAlert, Target
from mipr_rules.errors import InputError
from mipr_rules.watch.store.outbox import queue
from mipr_rules.watch.store.positions import FeedPosition, FeedPositions, save_position
from mipr_rules.watch.store.records import COLUMNS, by_rank, row_identity, stored_alert, utc
from mipr_rules.watch.store.tables import ALERTS, CHUNK, EVENTS, LOCATIONS, insert_rows, select_in, upsert

if TYPE_CHECKING:
    from mipr_rules.readiness import ReadinessReport
    from mipr_rules.results import RuleHit


_DETAIL_KEYS = (
    "key_question",
    "quality_statement",
    "quality_statement_name",
    "evidence_category",
    "regulation",
    "limiter",
    "source",
)
"""Fields of ``alert_dict`` kept with each alert besides its identity, severity, title, message and facts."""


class Recording(FeedPositions):
    """Readiness reports recorded as alerts."""

    def needs_full_read(self, as_of: dt.date, ruleset_id: str) -> bool:
        """Whether a check as of ``as_of`` must evaluate every location, not only those a change cursor reports.

        Time is an input: alerts fall due as the date moves without any record changing. So a check re-reads
        everything when the store has no full read of ``ruleset_id`` as of that date yet, or when the last
        evaluation of a location it knows failed.
        """
        row = self._rows("SELECT value FROM store_info WHERE key = :k", k=_full_read_key(ruleset_id))
        if not row or row[0]["value"] != as_of.isoformat():
            return True
        return bool(self._rows("SELECT 1 AS one FROM locations WHERE last_error IS NOT NULL LIMIT 1"))

    def apply(
        self,
        report: ReadinessReport,
        *,
        notify: Sequence[Target] = (),
        full_read: bool = False,
        at: dt.datetime | None = None,
        hold: bool = False,
        feed_position: FeedPosition | None = None,
    ) -> AlertChanges:
        """Record a readiness report; return what is new, ongoing and resolved.

        Only locations the report evaluated are compared: their open alerts that the report no longer
        holds are resolved as of the report's date. A location whose evaluation failed keeps its open
        alerts. When something is new or resolved, the change set is queued for each of ``notify`` in the
        same transaction (``hold``: kept for the next digest). A report older than the last check of one of
        its locations is refused. ``full_read`` says the report holds every location of the source.
        ``at``: the service clock (kept with new alerts and events; escalation counts from it).
        ``feed_position``: where the change feed stands after the changes this report holds; saved (for the
        report's ruleset) in the same transaction, so that it only moves once their alerts are stored.
        """
        as_of = report.as_of.isoformat()
        stamp = utc(at) if at else None
        ruleset = report.ruleset
        results = {loc.location_id: loc for loc in report.locations}  # a location given twice: its last result
        with self._write() as db:
            self._lock_writers(db)
            sql = "SELECT location_id, last_checked FROM locations WHERE location_id IN :ids"
            checked = {r["location_id"]: r["last_checked"] for r in select_in(db, sql, list(results))}
            for loc in report.locations:
                last = checked.get(loc.location_id)
                if last and last > as_of:
                    raise InputError(
                        f"{self.where}: location {loc.location_id} was last checked as of {last}; a check as of "
                        f"{as_of} would rewrite its history (use another --store)"
                    )
            read = [loc for loc in results.values() if not loc.error]
            failed = [loc for loc in results.values() if loc.error]
            if failed:
                insert_rows(
                    db,
                    LOCATIONS,
                    [
                        dict(location_id=loc.location_id, name=loc.name, last_error=loc.error, last_error_on=as_of)
                        for loc in failed
                    ],
                    conflict="location_id",
                )
            if read:
                insert_rows(
                    db,
                    LOCATIONS,
                    [
                        {
                            "location_id": loc.location_id,
                            "name": loc.name,
                            "last_checked": as_of,
                            "last_error": None,
                            "last_error_on": None,
                        }
                        for loc in read
                    ],
                    conflict="location_id",
                )
            open_rows: dict[str, dict[AlertIdentity, dict[str, Any]]] = {}
            for r in select_in(
                db,
                f"SELECT {COLUMNS} FROM alerts WHERE resolved_on IS NULL AND ruleset_id = :r AND location_id IN :ids",
                [loc.location_id for loc in read],
                r=ruleset.id,
            ):
                open_rows.setdefault(r["location_id"], {})[row_identity(r)] = r
            hit_values = _HitValues()
            inserts: list[dict[str, Any]] = []
            updates: list[dict[str, Any]] = []
            ongoing: list[dict[str, Any]] = []
            gone: list[dict[str, Any]] = []
            for loc in read:
                stored = open_rows.get(loc.location_id, {})
                current: dict[AlertIdentity, RuleHit] = {}
                for hit in loc.alerts:
                    current.setdefault(AlertIdentity(loc.location_id, hit.ruleset_id, hit.rule_id, hit.subject), hit)
                for identity, hit in current.items():
                    values = hit_values(hit)
                    row = stored.get(identity)
                    if row is None:
                        inserts.append(
                            {
                                "alert_id": identity.alert_id,
                                "location_id": identity.location_id,
                                "ruleset_id": identity.ruleset_id,
                                "rule_id": identity.rule_id,
                                "subject": identity.subject,
                                **values,
                                "first_seen": as_of,
                                "last_seen": as_of,
                                "opened_at": stamp,
                            }
                        )
                        continue
                    seen = max(row["last_seen"], as_of)
                    if seen != row["last_seen"] or any(row[k] != v for k, v in values.items()):
                        row.update(values, last_seen=seen)
                        updates.append({**values, "seen": seen, "row_id": row["id"]})
                    ongoing.append(row)
                gone.extend(row for identity, row in stored.items() if identity not in current)
            new = _insert_alerts(db, inserts)
            if updates:
                db.execute(
                    sa.text(
                        "UPDATE alerts SET ruleset_version = :ruleset_version, severity = :severity, title = :title, "
                        "message = :message, facts = :facts, detail = :detail, last_seen = :seen WHERE id = :row_id"
                    ),
                    updates,
                )
            for row in gone:
                row["resolved_on"] = as_of
            for start in range(0, len(gone), CHUNK):
                db.execute(
                    sa.text("UPDATE alerts SET resolved_on = :o WHERE id IN :ids").bindparams(
                        sa.bindparam("ids", expanding=True)
                    ),
                    {"o": as_of, "ids": [row["id"] for row in gone[start : start + CHUNK]]},
                )
            events = [
                {"alert_id": row["alert_id"], "occurrence": row["id"], "kind": kind, "at": stamp, "as_of": as_of}
                for kind, rows in (("new", new), ("resolved", gone))
                for row in rows
            ]
            if events:
                insert_rows(db, EVENTS, events)
            changes = AlertChanges(
                id=uuid.uuid4().hex,
                as_of=report.as_of,
                ruleset_id=ruleset.id,
                ruleset_version=ruleset.version,
                locations=tuple(CheckedLocation(loc.location_id, loc.name, loc.error) for loc in report.locations),
                new=tuple(by_rank([hit_values.stored(r) for r in new])),
                ongoing=tuple(by_rank([hit_values.stored(r) for r in ongoing])),
                resolved=tuple(by_rank([hit_values.stored(r) for r in gone])),
            )
            if full_read:
                upsert(db, "store_info", "key", key=_full_read_key(ruleset.id), value=as_of)
            if feed_position is not None:
                save_position(db, feed_position, ruleset.id, at)
            if changes.has_news:
                queue(db, changes, notify, hold=hold)
        return changes


def _insert_alerts(db: sa.Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Insert new occurrences in one multi-row statement; the rows as stored (with their ids)."""
    if not rows:
        return []
    # matched by alert id (distinct among new occurrences), not by order: SQLite cannot promise RETURNING's order
    ids = dict(insert_rows(db, ALERTS, rows, returning=("alert_id", "id")))
    blank = dict.fromkeys(("resolved_on", "acknowledged_by", "acknowledged_on", "snoozed_until", "escalated_at"))
    return [{**blank, **row, "id": ids[row["alert_id"]]} for row in rows]


def _full_read_key(ruleset_id: str) -> str:
    """``store_info`` key of the as-of date of the last check that read every location (per ruleset)."""
    return f"full_read_as_of:{ruleset_id}"


class _HitValues:
    """The stored columns of hits, with their ``detail`` worked out once per rule (for one ``apply``).

    The cache is keyed by the identity of the hit's ``maps_to`` and ``source`` objects: it lives only while the
    report that holds them does.
    """

    def __init__(self) -> None:
        from mipr_rules.saf import statement_name

        self._name = statement_name
        self._details: dict[tuple[int, int, Any], str] = {}
        self.parsed: dict[str, dict[str, Any]] = {}
        """Detail documents read back (``stored_alert``), by text."""

    def __call__(self, hit: RuleHit) -> dict[str, str]:
        key = (id(hit.maps_to), id(hit.source), hit.emit.get("evidence_category"))
        detail = self._details.get(key)
        if detail is None:
            data = hit.as_dict(only=[k for k in _DETAIL_KEYS if k != "quality_statement_name"])
            data["quality_statement_name"] = self._name(data["quality_statement"])
            detail = json.dumps({k: data[k] for k in _DETAIL_KEYS}, ensure_ascii=False, default=str)
            self._details[key] = detail
        return {
            "ruleset_version": hit.ruleset_version,
            "severity": hit.severity,
            "title": hit.title,
            "message": hit.message,
            "facts": json.dumps(hit.facts, ensure_ascii=False, sort_keys=True, default=str),
            "detail": detail,
        }

    def stored(self, row: Mapping[Any, Any]) -> StoredAlert:
        """``stored_alert(row)``, parsing each distinct detail document once."""
        text = row["detail"]
        detail = self.parsed.get(text)
        if detail is None:
            detail = self.parsed[text] = json.loads(text)
        return stored_alert(row, dict(detail))
