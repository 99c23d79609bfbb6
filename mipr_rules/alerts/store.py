"""The alert store: a SQLite file that remembers every alert across checks, so news is told once.

One row per occurrence of an alert; at most one open occurrence per identity (location, ruleset, rule,
subject). ``apply(report)`` compares a readiness report with the open alerts of the locations it evaluated
and returns what is new, ongoing and resolved. A location missing from the report, or whose evaluation
failed, is left exactly as it was. Change sets to deliver are queued in an outbox in the same transaction,
so that a crash or an unreachable receiver loses nothing.

The file uses SQLite's write-ahead log: readers (a dashboard, ``sqlite3 alerts.db``) never block a check and
see only committed checks. Writers take the write lock for the whole of ``apply``. Run one watcher per store.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from mipr_rules.alerts.model import AlertChanges, AlertIdentity, CheckedLocation, StoredAlert, Target
from mipr_rules.errors import InputError
from mipr_rules.severity import rank

if TYPE_CHECKING:
    from mipr_rules.readiness import ReadinessReport
    from mipr_rules.results import RuleHit

STORE_KIND = "mipr-rules alert store"
SCHEMA_VERSION = 2
"""Version of the store's schema, kept in ``PRAGMA user_version``; older stores are migrated on open."""

_LEGACY = "legacy:"
"""Prefix of outbox keys written before schema version 2."""

_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        "CREATE TABLE store_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """
        CREATE TABLE locations (
            location_id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            last_checked TEXT,            -- as-of date of the last check that evaluated it
            last_error TEXT,              -- why the last check could not evaluate it (NULL if it could)
            last_error_on TEXT
        )
        """,
        """
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            alert_id TEXT NOT NULL,
            location_id TEXT NOT NULL,
            ruleset_id TEXT NOT NULL,
            rule_id TEXT NOT NULL,
            subject TEXT NOT NULL,
            ruleset_version TEXT NOT NULL,
            severity TEXT NOT NULL,
            title TEXT NOT NULL,
            message TEXT NOT NULL,
            facts TEXT NOT NULL,          -- JSON object
            detail TEXT NOT NULL,         -- JSON object: key question, quality statement, regulation, source...
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            resolved_on TEXT,
            acknowledged_by TEXT,
            acknowledged_on TEXT,
            acknowledgement_note TEXT
        )
        """,
        "CREATE UNIQUE INDEX alerts_open ON alerts (location_id, ruleset_id, rule_id, subject) "
        "WHERE resolved_on IS NULL",
        "CREATE INDEX alerts_by_alert_id ON alerts (alert_id)",
        """
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            target_key TEXT NOT NULL,     -- digest of the target's identity (Target.key; no secrets)
            target_label TEXT NOT NULL,
            changes TEXT NOT NULL,        -- the alert_changes JSON document
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT
        )
        """,
        "CREATE INDEX outbox_by_target ON outbox (target_key, id)",
    ),
    # Outbox keys were digests of the whole target, secrets included, so a changed password or token
    # orphaned what was queued. They cannot be turned into the new keys (a digest is one way): they are
    # marked, and re-keyed the first time the same target is given again (``adopt_legacy``).
    2: (f"UPDATE outbox SET target_key = '{_LEGACY}' || target_key",),
}

_DETAIL_KEYS = (
    "key_question",
    "quality_statement",
    "quality_statement_name",
    "evidence_category",
    "regulation",
    "limiter",
    "source",
)
"""Fields of ``RuleHit.as_dict()`` kept with each alert besides its identity, severity, title, message and facts."""
_PSEUDONYM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
MAX_NOTE = 500
"""Longest acknowledgement note, in characters."""


@attrs.frozen
class OutboxItem:
    """A change set waiting to be delivered to one target."""

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


class AlertStore:
    """An alert store in a SQLite file. Use as a context manager, or call ``close()``."""

    def __init__(self, path: str | Path, *, readonly: bool = False, create: bool = True, timeout: float = 30.0) -> None:
        """Open (``readonly``: for reading only) or create (unless ``create`` is false) the store at ``path``."""
        self.path = Path(path)
        self.readonly = readonly
        self._timeout = timeout
        where = str(self.path)
        if (readonly or not create) and not self.path.is_file():
            raise InputError(f"{where}: no alert store there")
        try:
            uri = f"{self.path.resolve().as_uri()}?mode={'ro' if readonly else 'rwc'}"
            self._db = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise InputError(f"{where}: cannot open the alert store ({exc})") from None
        try:
            self._db.row_factory = sqlite3.Row
            self._db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            self._prepare()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise InputError(f"{where}: not a usable alert store ({exc})") from None
        except BaseException:
            self._db.close()
            raise

    def __enter__(self) -> AlertStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    # -- schema -----------------------------------------------------------------------------------------

    def _prepare(self) -> None:
        version = self.schema_version
        if version > SCHEMA_VERSION:
            raise InputError(
                f"{self.path}: alert store schema version {version} is newer than this mipr-rules supports "
                f"({SCHEMA_VERSION}); upgrade mipr-rules"
            )
        if version == SCHEMA_VERSION:
            self._check_kind(version)
            return
        if self.readonly:
            self._check_kind(version)
            raise InputError(f"{self.path}: alert store schema version {version} needs migrating; open it for writing")
        self._use_wal()
        with self._write():
            # Everything is read again under the write lock: another process may be creating or migrating
            # the same file at this very moment (two watchers started together on a fresh store).
            version = self.schema_version
            self._check_kind(version)
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[step]:
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {step}")
            self._db.execute("INSERT OR REPLACE INTO store_info VALUES ('kind', ?)", (STORE_KIND,))

    def _check_kind(self, version: int) -> None:
        """Refuse a SQLite file that some other program made."""
        if version == 0:
            alien = self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        else:
            row = self._db.execute("SELECT value FROM store_info WHERE key = 'kind'").fetchone()
            alien = not row or row[0] != STORE_KIND
        if alien:
            raise InputError(f"{self.path}: a SQLite database that is not an alert store; choose another --store")

    def _use_wal(self) -> None:
        """Switch the file to write-ahead logging, waiting (up to the timeout) while another process holds it.

        Changing the journal mode needs an exclusive lock, and SQLite does not always wait for it through
        ``busy_timeout`` (it returns "database is locked" at once rather than risk a deadlock), hence the loop.
        """
        end = time.monotonic() + self._timeout
        while True:
            try:
                self._db.execute("PRAGMA journal_mode = WAL").fetchone()
                return
            except sqlite3.OperationalError as exc:
                if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() >= end:
                    raise
            time.sleep(0.02)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; SQLite's failures (locked, disk full...) become one-line ``InputError``."""
        if self.readonly:
            raise InputError(f"{self.path}: the alert store was opened read-only")
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            busy = "locked" in str(exc) or "busy" in str(exc)
            why = "busy: another process holds its write lock" if busy else f"cannot be written ({exc})"
            raise InputError(f"{self.path}: the alert store is {why}") from None

    @property
    def schema_version(self) -> int:
        """The schema version of the file."""
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    # -- checks -----------------------------------------------------------------------------------------

    def needs_full_read(self, as_of: dt.date, ruleset_id: str) -> bool:
        """Whether a check as of ``as_of`` must evaluate every location, not only those a change cursor reports.

        Time is an input: alerts fall due as the date moves without any record changing. So a check re-reads
        everything when the store has no full read of ``ruleset_id`` as of that date yet, or when the last
        evaluation of a location it knows failed.
        """
        row = self._db.execute("SELECT value FROM store_info WHERE key = ?", (_full_read_key(ruleset_id),)).fetchone()
        if row is None or row[0] != as_of.isoformat():
            return True
        failed = self._db.execute("SELECT 1 FROM locations WHERE last_error IS NOT NULL LIMIT 1").fetchone()
        return failed is not None

    def apply(self, report: ReadinessReport, *, notify: Sequence[Target] = (), full_read: bool = False) -> AlertChanges:
        """Record a readiness report; return what is new, ongoing and resolved.

        Only locations the report evaluated are compared: their open alerts that the report no longer
        holds are resolved as of the report's date. A location whose evaluation failed keeps its open
        alerts. When something is new or resolved, the change set is queued for each of ``notify`` in the
        same transaction. A report older than the last check of one of its locations is refused.
        ``full_read`` says the report holds every location of the source (see ``needs_full_read``).
        """
        as_of = report.as_of.isoformat()
        ruleset = report.ruleset
        new: list[StoredAlert] = []
        ongoing: list[StoredAlert] = []
        resolved: list[StoredAlert] = []
        with self._write() as db:
            for loc in report.locations:
                row = db.execute("SELECT last_checked FROM locations WHERE location_id = ?", (loc.location_id,))
                last = (row.fetchone() or (None,))[0]
                if last and last > as_of:
                    raise InputError(
                        f"{self.path}: location {loc.location_id} was last checked as of {last}; a check as of "
                        f"{as_of} would rewrite its history (use another --store)"
                    )
            for loc in report.locations:
                if loc.error:
                    db.execute(
                        "INSERT INTO locations (location_id, name, last_error, last_error_on) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (location_id) DO UPDATE SET name = excluded.name, "
                        "last_error = excluded.last_error, last_error_on = excluded.last_error_on",
                        (loc.location_id, loc.name, loc.error, as_of),
                    )
                    continue
                db.execute(
                    "INSERT INTO locations (location_id, name, last_checked) VALUES (?, ?, ?) "
                    "ON CONFLICT (location_id) DO UPDATE SET name = excluded.name, "
                    "last_checked = excluded.last_checked, last_error = NULL, last_error_on = NULL",
                    (loc.location_id, loc.name, as_of),
                )
                current: dict[AlertIdentity, RuleHit] = {}
                for hit in loc.alerts:
                    current.setdefault(AlertIdentity(loc.location_id, hit.ruleset_id, hit.rule_id, hit.subject), hit)
                stored = {
                    _row_identity(r): r
                    for r in db.execute(
                        f"SELECT {_COLUMNS} FROM alerts WHERE location_id = ? AND ruleset_id = ? "
                        "AND resolved_on IS NULL",
                        (loc.location_id, ruleset.id),
                    )
                }
                for identity, hit in current.items():
                    values = _hit_values(hit)
                    if identity in stored:
                        db.execute(
                            "UPDATE alerts SET ruleset_version = ?, severity = ?, title = ?, message = ?, facts = ?, "
                            "detail = ?, last_seen = max(last_seen, ?) WHERE id = ?",
                            (*values, as_of, stored[identity]["id"]),
                        )
                        ongoing.append(self._by_row_id(stored[identity]["id"]))
                    else:
                        cursor = db.execute(
                            "INSERT INTO alerts (alert_id, location_id, ruleset_id, rule_id, subject, ruleset_version, "
                            "severity, title, message, facts, detail, first_seen, last_seen) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (
                                identity.alert_id,
                                identity.location_id,
                                identity.ruleset_id,
                                identity.rule_id,
                                identity.subject,
                                *values,
                                as_of,
                                as_of,
                            ),
                        )
                        new.append(self._by_row_id(int(cursor.lastrowid or 0)))
                for identity, r in stored.items():
                    if identity not in current:
                        db.execute("UPDATE alerts SET resolved_on = ? WHERE id = ?", (as_of, r["id"]))
                        resolved.append(self._by_row_id(r["id"]))
            changes = AlertChanges(
                id=uuid.uuid4().hex,
                as_of=report.as_of,
                ruleset_id=ruleset.id,
                ruleset_version=ruleset.version,
                locations=tuple(CheckedLocation(loc.location_id, loc.name, loc.error) for loc in report.locations),
                new=tuple(_sorted(new)),
                ongoing=tuple(_sorted(ongoing)),
                resolved=tuple(_sorted(resolved)),
            )
            if full_read:
                db.execute("INSERT OR REPLACE INTO store_info VALUES (?, ?)", (_full_read_key(ruleset.id), as_of))
            if changes.has_news:
                document = changes.to_json()
                for target in {t.key: t for t in notify}.values():  # one per target, whatever its credentials
                    db.execute(
                        "INSERT INTO outbox (target_key, target_label, changes) VALUES (?, ?, ?)",
                        (target.key, target.label, document),
                    )
        return changes

    # -- queries ----------------------------------------------------------------------------------------

    def open_alerts(self, location_id: str | None = None) -> list[StoredAlert]:
        """Open alerts, most severe first (of one location, if given)."""
        sql = f"SELECT {_COLUMNS} FROM alerts WHERE resolved_on IS NULL"
        args: tuple[str, ...] = ()
        if location_id is not None:
            sql, args = sql + " AND location_id = ?", (location_id,)
        return _sorted([_stored(r) for r in self._rows(sql, args)])

    def history(self, alert: AlertIdentity | str) -> list[StoredAlert]:
        """Every occurrence of an alert, oldest first."""
        alert_id = alert if isinstance(alert, str) else alert.alert_id
        return [
            _stored(r) for r in self._rows(f"SELECT {_COLUMNS} FROM alerts WHERE alert_id = ? ORDER BY id", (alert_id,))
        ]

    def last_checked(self, location_id: str) -> dt.date | None:
        """As-of date of the last check that evaluated a location."""
        row = self._db.execute("SELECT last_checked FROM locations WHERE location_id = ?", (location_id,)).fetchone()
        return dt.date.fromisoformat(row[0]) if row and row[0] else None

    def _rows(self, sql: str, args: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return list(self._db.execute(sql, tuple(args)).fetchall())

    def _by_row_id(self, row_id: int) -> StoredAlert:
        (row,) = self._rows(f"SELECT {_COLUMNS} FROM alerts WHERE id = ?", (row_id,))
        return _stored(row)

    # -- acknowledgement --------------------------------------------------------------------------------

    def acknowledge(self, alert: AlertIdentity | str, by: str, note: str = "", *, on: dt.date) -> StoredAlert:
        """Mark the open occurrence of an alert (an identity or an ``A-…`` id) as seen by ``by`` on ``on``.

        ``by`` must be a pseudonymous id (a staff id such as ``S01``), never a name or an email address.
        """
        alert_id = alert if isinstance(alert, str) else alert.alert_id
        if not _PSEUDONYM.fullmatch(by):
            raise InputError(
                "--by: expected a pseudonymous id such as S01 (letters, digits, '.', '_', ':', '-'), "
                "not a name or an email address"
            )
        if len(note) > MAX_NOTE or "\n" in note:
            raise InputError(f"--note: expected one line of at most {MAX_NOTE} characters")
        with self._write() as db:
            row = db.execute("SELECT id FROM alerts WHERE alert_id = ? AND resolved_on IS NULL", (alert_id,)).fetchone()
            if row is None:
                raise InputError(f"{self.path}: no open alert {alert_id}")
            db.execute(
                "UPDATE alerts SET acknowledged_by = ?, acknowledged_on = ?, acknowledgement_note = ? WHERE id = ?",
                (by, on.isoformat(), note or None, row[0]),
            )
        return self._by_row_id(row[0])

    def acknowledgement_note(self, alert: AlertIdentity | str) -> str | None:
        """The note of the latest acknowledgement of an alert (kept in the store, never sent)."""
        alert_id = alert if isinstance(alert, str) else alert.alert_id
        row = self._db.execute(
            "SELECT acknowledgement_note FROM alerts WHERE alert_id = ? AND acknowledged_by IS NOT NULL "
            "ORDER BY id DESC LIMIT 1",
            (alert_id,),
        ).fetchone()
        return row[0] if row else None

    # -- outbox -----------------------------------------------------------------------------------------

    def pending(self, target_key: str | None = None) -> list[OutboxItem]:
        """Change sets waiting for delivery, oldest first (for one target, if given)."""
        sql = "SELECT id, target_label, changes, attempts, last_error FROM outbox"
        args: tuple[str, ...] = ()
        if target_key is not None:
            sql, args = sql + " WHERE target_key = ?", (target_key,)
        return [OutboxItem(*row) for row in self._db.execute(sql + " ORDER BY id", args).fetchall()]

    def pending_elsewhere(self, targets: Sequence[Target]) -> int:
        """Change sets waiting for targets that are not among ``targets``."""
        keys = [t.key for t in targets]
        marks = ",".join("?" * len(keys))
        sql = "SELECT count(*) FROM outbox" + (f" WHERE target_key NOT IN ({marks})" if keys else "")
        return int(self._db.execute(sql, keys).fetchone()[0])

    def adopt_legacy(self, targets: Sequence[Target]) -> int:
        """Re-key change sets queued before schema version 2 for any of ``targets``; how many were."""
        if not self._db.execute("SELECT 1 FROM outbox WHERE target_key LIKE ? LIMIT 1", (_LEGACY + "%",)).fetchone():
            return 0
        adopted = 0
        with self._write() as db:
            for target in targets:
                cursor = db.execute(
                    "UPDATE outbox SET target_key = ? WHERE target_key = ?", (target.key, _LEGACY + target.legacy_key)
                )
                adopted += max(cursor.rowcount, 0)
        return adopted

    def delivered(self, item_id: int) -> None:
        """Remove a delivered change set from the outbox."""
        with self._write() as db:
            db.execute("DELETE FROM outbox WHERE id = ?", (item_id,))

    def delivery_failed(self, item_id: int, error: str) -> None:
        """Count a failed attempt; the change set stays queued."""
        with self._write() as db:
            db.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?", (error, item_id))


_COLUMNS = (
    "id, location_id, ruleset_id, rule_id, subject, ruleset_version, severity, title, message, facts, detail, "
    "first_seen, last_seen, resolved_on, acknowledged_by, acknowledged_on"
)


def _full_read_key(ruleset_id: str) -> str:
    """``store_info`` key of the as-of date of the last check that read every location (per ruleset)."""
    return f"full_read_as_of:{ruleset_id}"


def _row_identity(row: Any) -> AlertIdentity:
    return AlertIdentity(row["location_id"], row["ruleset_id"], row["rule_id"], row["subject"])


def _hit_values(hit: RuleHit) -> tuple[str, ...]:
    from mipr_rules.saf import statement_name

    data = hit.as_dict()
    data["quality_statement_name"] = statement_name(data["quality_statement"])
    detail = {key: data[key] for key in _DETAIL_KEYS}
    return (
        hit.ruleset_version,
        hit.severity,
        hit.title,
        hit.message,
        json.dumps(hit.facts, ensure_ascii=False, sort_keys=True, default=str),
        json.dumps(detail, ensure_ascii=False, default=str),
    )


def _stored(row: Any) -> StoredAlert:
    return StoredAlert(
        identity=_row_identity(row),
        ruleset_version=row["ruleset_version"],
        severity=row["severity"],
        title=row["title"],
        message=row["message"],
        facts=json.loads(row["facts"]),
        detail=json.loads(row["detail"]),
        first_seen=dt.date.fromisoformat(row["first_seen"]),
        last_seen=dt.date.fromisoformat(row["last_seen"]),
        resolved_on=dt.date.fromisoformat(row["resolved_on"]) if row["resolved_on"] else None,
        acknowledged_by=row["acknowledged_by"],
        acknowledged_on=dt.date.fromisoformat(row["acknowledged_on"]) if row["acknowledged_on"] else None,
    )


def _sorted(alerts: list[StoredAlert]) -> list[StoredAlert]:
    def key(a: StoredAlert) -> tuple[str, int, str, str]:
        return (a.identity.location_id, -rank(a.severity), a.identity.rule_id, a.identity.subject)

    return sorted(alerts, key=key)
