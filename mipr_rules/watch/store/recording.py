"""Recording a readiness report: what is new, ongoing and resolved, in a constant number of set-based statements.

One row per occurrence of an alert; at most one open occurrence per identity (location, ruleset, rule,
subject). A location missing from the report, or whose evaluation failed, is left exactly as it was.

The work is in proportion to what changed: the columns of a hit are worked out once per hit object
(``hits.HitColumns``), the open rows of a location this object checked last are not read again while its
revision is the one it wrote (``left.RowsLeft``), rows are only written when they differ, and the ongoing alerts
of a change set are made when first read (``AlertChanges.ongoing``)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from mipr_rules.alerts.model import AlertChanges, AlertIdentity, CheckedLocation, StoredAlert, Target
from mipr_rules.errors import InputError
from mipr_rules.watch.store.hits import VALUE_COLUMNS, HitColumns, Known
from mipr_rules.watch.store.left import Rows, RowsLeft
from mipr_rules.watch.store.outbox import queue
from mipr_rules.watch.store.positions import FeedPosition, FeedPositions, save_position
from mipr_rules.watch.store.records import COLUMNS, by_rank, stored_alert, utc
from mipr_rules.watch.store.tables import (
    ALERTS,
    CHUNK,
    EVENTS,
    LOCATIONS,
    insert_rows,
    run,
    select_in,
    update_rows,
    upsert,
    with_events,
)

if TYPE_CHECKING:
    from mipr_rules.readiness import ReadinessReport

_OPEN = (
    "id",
    "alert_id",
    "location_id",
    "rule_id",
    "subject",
    "digest",
    "first_seen",
    "last_seen",
    "acknowledged_by",
    "acknowledged_on",
)
"""Columns of the open rows a check compares: their values by ``digest``, not their text (read back only
for the alerts it resolves)."""
_LOCATION = ("location_id", "name", "last_checked", "last_error", "last_error_on")
"""Columns of a row of ``locations`` (but its ``revision``)."""
_REVISED = ", ".join((*_LOCATION, "revision"))
_REVISE = "UPDATE locations SET revision = revision + 1 WHERE location_id IN :ids RETURNING location_id, revision"
_RESOLVE = f"UPDATE alerts SET resolved_on = :o WHERE id IN :ids AND resolved_on IS NULL RETURNING {COLUMNS}"
_DIGEST, _FIRST, _LAST, _BY, _ON = (
    _OPEN.index(c) for c in ("digest", "first_seen", "last_seen", "acknowledged_by", "acknowledged_on")
)
_Ongoing = tuple[str, Known, str, str, str | None, str | None]
"""An ongoing alert as recorded: location id, its hit, first seen, last seen, acknowledged by and on."""


class Recording(FeedPositions):
    """Readiness reports recorded as alerts."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._hit_columns = HitColumns()
        self._left = RowsLeft()

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
        left: dict[tuple[str, str], tuple[int, Rows]] = {}
        with self._write() as db:
            self._lock_locations(db, results)
            sql = f"SELECT {_REVISED} FROM locations WHERE location_id IN :ids"
            revised = select_in(db, sql, list(results))
            known = {r[0]: tuple(r[:-1]) for r in revised}
            revisions = {r[0]: r[-1] for r in revised}
            for loc in report.locations:
                last = known.get(loc.location_id, (None,) * 5)[2]
                if last and last > as_of:
                    raise InputError(
                        f"{self.where}: location {loc.location_id} was last checked as of {last}; a check as of "
                        f"{as_of} would rewrite its history (use another --store)"
                    )
            read = [loc for loc in results.values() if not loc.error]
            failed = [loc for loc in results.values() if loc.error]
            _save_locations(
                db,
                known,
                [
                    (loc.location_id, loc.name, known.get(loc.location_id, (None,) * 5)[2], loc.error, as_of)
                    for loc in failed
                ],
            )
            _save_locations(db, known, [(loc.location_id, loc.name, as_of, None, None) for loc in read])
            open_rows: dict[str, Rows] = {}
            unread = []
            for loc in read:
                revisions.setdefault(loc.location_id, 0)  # a location without a row gets one of revision 0
                rows = self._left.get(ruleset.id, loc.location_id, revisions[loc.location_id])
                if rows is None:
                    unread.append(loc.location_id)
                else:
                    open_rows[loc.location_id] = rows
            for r in select_in(
                db,
                f"SELECT {', '.join(_OPEN)} FROM alerts WHERE resolved_on IS NULL AND ruleset_id = :r "
                "AND location_id IN :ids",
                unread,
                r=ruleset.id,
            ):
                open_rows.setdefault(r[2], {})[(ruleset.id, r[3], r[4])] = tuple(r)
            inserts: list[dict[str, Any]] = []
            updates: list[dict[str, Any]] = []
            ongoing: list[_Ongoing] = []
            resolved: list[int] = []
            written: list[str] = []
            for loc in read:
                location_id = loc.location_id
                stored = open_rows.pop(location_id, None) or {}
                kept: Rows = {}
                left[ruleset.id, location_id] = (revisions[location_id], kept)
                writes = len(inserts) + len(updates)
                for hit in self._hit_columns.current(loc):
                    row = stored.pop(hit.key, None)
                    if row is None:
                        ruleset_id, rule_id, subject = hit.key
                        inserts.append(
                            {
                                "alert_id": AlertIdentity(location_id, ruleset_id, rule_id, subject).alert_id,
                                "location_id": location_id,
                                "ruleset_id": ruleset_id,
                                "rule_id": rule_id,
                                "subject": subject,
                                **dict(zip(VALUE_COLUMNS, hit.values, strict=True)),
                                "digest": hit.digest,
                                "first_seen": as_of,
                                "last_seen": as_of,
                                "opened_at": stamp,
                            }
                        )
                        continue
                    seen = max(row[_LAST], as_of)
                    if seen != row[_LAST] or row[_DIGEST] != hit.digest:
                        values = dict(zip(VALUE_COLUMNS, hit.values, strict=True))
                        updates.append({**values, "digest": hit.digest, "last_seen": seen, "id": row[0]})
                        row = (*row[:_DIGEST], hit.digest, row[_FIRST], seen, *row[_LAST + 1 :])
                    kept[hit.key] = row
                    ongoing.append((location_id, hit, row[_FIRST], seen, row[_BY], row[_ON]))
                resolved.extend(row[0] for row in stored.values())
                if stored or len(inserts) + len(updates) > writes:
                    written.append(location_id)
            # PostgreSQL: the statements that write alerts write their events too (``with_events``).
            logged = {"event_at": stamp, "event_as_of": as_of} if db.dialect.name == "postgresql" else None
            new = _insert_alerts(db, inserts, logged)
            for added in new:
                rows_left = left[added["ruleset_id"], added["location_id"]][1]
                rows_left[added["ruleset_id"], added["rule_id"], added["subject"]] = tuple(map(added.get, _OPEN))
            update_rows(db, ALERTS, updates)
            self._revise(db, written, left, ruleset.id)
            gone: list[dict[str, Any]] = []
            resolve = _RESOLVE if logged is None else with_events(_RESOLVE, "resolved")
            resolved.sort()  # their events in order of id, chunk after chunk
            for start in range(0, len(resolved), CHUNK):
                ids = resolved[start : start + CHUNK]
                found = run(db, resolve, {"o": as_of, "ids": ids, **(logged or {})}, "bigint").mappings()
                gone.extend(map(dict, found))
            gone.sort(key=lambda row: row["id"])  # RETURNING's order is the server's
            if logged is None and (new or gone):
                events = [
                    {"alert_id": row["alert_id"], "occurrence": row["id"], "kind": kind, "at": stamp, "as_of": as_of}
                    for kind, rows in (("new", new), ("resolved", gone))
                    for row in rows
                ]
                insert_rows(db, EVENTS, events)
            changes = AlertChanges(
                id=uuid.uuid4().hex,
                as_of=report.as_of,
                ruleset_id=ruleset.id,
                ruleset_version=ruleset.version,
                locations=tuple(CheckedLocation(loc.location_id, loc.name, loc.error) for loc in report.locations),
                new=tuple(by_rank(_stored_alerts(new))),
                ongoing=_made_when_read(ongoing),
                resolved=tuple(by_rank(_stored_alerts(gone))),
            )
            if full_read:
                upsert(db, "store_info", "key", key=_full_read_key(ruleset.id), value=as_of)
            if feed_position is not None:
                save_position(db, feed_position, ruleset.id, at)
            if changes.has_news:
                queue(db, changes, notify, hold=hold)
        self._left.keep(left)  # committed
        return changes

    def _revise(
        self, db: sa.Connection, written: list[str], left: dict[tuple[str, str], tuple[int, Rows]], ruleset_id: str
    ) -> None:
        """Add one to the revision of the locations whose alerts this check writes (``left``): the rows it leaves
        are kept with the new revision, unless another writer's came in between (then they are read again)."""
        if not written:
            return
        for location_id, revision in select_in(db, _REVISE, written):
            key = (ruleset_id, location_id)
            if left[key][0] + 1 == revision:
                left[key] = (revision, left[key][1])
            else:
                del left[key]


def _save_locations(
    db: sa.Connection,
    known: Mapping[str, tuple[Any, ...]],
    rows: list[tuple[str, str, str | None, str | None, str | None]],
) -> None:
    """Upsert the rows of ``locations`` (location id, name, last checked, last error, its date) that differ from
    what is stored (``known``)."""
    changed = [row for row in rows if known.get(row[0]) != row]
    if changed:
        names = ("location_id", "name", "last_checked", "last_error", "last_error_on")
        insert_rows(db, LOCATIONS, [dict(zip(names, row, strict=True)) for row in changed], conflict="location_id")


def _insert_alerts(
    db: sa.Connection, rows: list[dict[str, Any]], logged: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Insert new occurrences in one multi-row statement (``logged``: with their events, ``with_events``); the rows
    as stored (with their ids)."""
    if not rows:
        return []
    # matched by alert id (distinct among new occurrences), not by order: SQLite cannot promise RETURNING's order
    events = ("new", logged) if logged is not None else None
    ids = dict(insert_rows(db, ALERTS, rows, returning=("alert_id", "id"), events=events))
    blank = dict.fromkeys(("resolved_on", "acknowledged_by", "acknowledged_on", "snoozed_until", "escalated_at"))
    return [{**blank, **row, "id": ids[row["alert_id"]]} for row in rows]


def _full_read_key(ruleset_id: str) -> str:
    """``store_info`` key of the as-of date of the last check that read every location (per ruleset)."""
    return f"full_read_as_of:{ruleset_id}"


def _stored_alerts(rows: list[dict[str, Any]]) -> list[StoredAlert]:
    """``stored_alert`` of each row, parsing each distinct detail document once."""
    parsed: dict[str, dict[str, Any]] = {}
    out = []
    for row in rows:
        text = row["detail"]
        detail = parsed.get(text)
        if detail is None:
            detail = parsed[text] = json.loads(text)
        out.append(stored_alert(row, dict(detail)))
    return out


def _made_when_read(ongoing: list[_Ongoing]) -> Callable[[], tuple[StoredAlert, ...]]:
    """The ongoing alerts of a change set, made when first read: what ``stored_alert`` makes of their rows as
    the check left them (the hit's columns, the dates and acknowledgement read in its transaction)."""

    def made() -> tuple[StoredAlert, ...]:
        parsed: dict[str, dict[str, Any]] = {}
        dates: dict[str, dt.date] = {}

        def date(text: str) -> dt.date:
            day = dates.get(text)
            if day is None:
                day = dates[text] = dt.date.fromisoformat(text)
            return day

        out = []
        for location_id, hit, first, last, by, on in ongoing:
            version, severity, title, message, facts, text = hit.values
            detail = parsed.get(text)
            if detail is None:
                detail = parsed[text] = json.loads(text)
            out.append(
                StoredAlert(
                    identity=AlertIdentity(location_id, *hit.key),
                    ruleset_version=version,
                    severity=severity,
                    title=title,
                    message=message,
                    facts=json.loads(facts),
                    detail=dict(detail),
                    first_seen=date(first),
                    last_seen=date(last),
                    acknowledged_by=by,
                    acknowledged_on=date(on) if on else None,
                )
            )
        return tuple(by_rank(out))

    return made
