"""The alert store: SQLite (one process) or PostgreSQL (several processes and machines), through SQLAlchemy.

One row per occurrence of an alert; at most one open occurrence per identity (location, ruleset, rule,
subject). ``apply(report)`` compares a readiness report with the open alerts of the locations it evaluated
and returns what is new, ongoing and resolved; a location missing from the report, or whose evaluation
failed, is left exactly as it was. Change sets to deliver are queued in an outbox in the same transaction.

The schema is created and upgraded by Alembic migrations (``mipr_rules/watch/migrations``); SQLite stores of
schema version 1 and 2 (before Alembic) are recognised by ``PRAGMA user_version`` and upgraded in place.

Several watchers may share one PostgreSQL store: ``apply`` is serialised by a transaction-level advisory lock
(a change is stored and queued once), and the outbox is *claimed* (``FOR UPDATE SKIP LOCKED``) with a lease:
two watchers never deliver the same queued item at once, and a killed watcher's claim is taken over when its
lease expires. Every queued item carries an idempotency key that notifiers send (webhook header
``Idempotency-Key``), so a receiver can drop the one repeat a kill between delivery and bookkeeping can cause.

Time is an input: every method that needs "now" takes it (``at``), the service passes its clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from mipr_rules.alerts.model import AlertChanges, AlertIdentity, CheckedLocation, StoredAlert, Target
from mipr_rules.errors import InputError
from mipr_rules.watch.lifecycle import SERVICE_ZONE

if TYPE_CHECKING:
    from mipr_rules.readiness import ReadinessReport
    from mipr_rules.results import RuleHit

STORE_KIND = "mipr-rules alert store"
SCHEMA_VERSION = 3
"""Version of the store's schema: the Alembic head revision (``"0003"``); SQLite also keeps it in
``PRAGMA user_version``."""
HEAD = f"{SCHEMA_VERSION:04d}"
DEFAULT_LEASE = dt.timedelta(seconds=60)
"""How long a claim on queued notifications holds before another watcher may take it over."""
_LOCK_ID = 0x6D697072
"""PostgreSQL advisory lock that serialises ``apply`` between watchers sharing a store."""
_LEGACY = "legacy:"
"""Prefix of outbox keys written before schema version 2."""

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
_PSEUDONYM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
MAX_NOTE = 500
"""Longest acknowledgement note or snooze reason, in characters."""


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


def _parse_at(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def idempotency_key(changes_id: str, target: Target) -> str:
    """The key of one notification: the change set and the target (no secrets: ``Target.key`` has none)."""
    return hashlib.sha256(f"{changes_id}\x1f{target.key}".encode()).hexdigest()[:32]


def store_url(store: str | Path) -> str:
    """A SQLAlchemy URL for ``--store``: a URL as given (``postgresql://`` uses psycopg 3), a path as SQLite."""
    text = str(store)
    if "://" not in text:
        return f"sqlite:///{text}"
    scheme, rest = text.split("://", 1)
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    return text


def shown_url(url: str) -> str:
    """A store URL as messages show it: without password or query."""
    try:
        parsed = sa.engine.make_url(store_url(url))
    except sa_exc.ArgumentError:
        return url.split("?")[0]
    return parsed.set(password=None, query={}).render_as_string(hide_password=True).replace("+psycopg", "")


class AlertStore:
    """An alert store at a path (SQLite) or URL. Use as a context manager, or call ``close()``."""

    def __init__(
        self, store: str | Path, *, readonly: bool = False, create: bool = True, timeout: float = 30.0
    ) -> None:
        """Open (``readonly``: for reading only) or create (unless ``create`` is false) the store ``store``.

        ``store``: a path or ``sqlite:///path`` (a SQLite file), or ``postgresql://user@host/db``.
        """
        url = sa.engine.make_url(store_url(store))
        self.readonly = readonly
        self._timeout = timeout
        self.sqlite = url.get_backend_name() == "sqlite"
        self.where = str(url.database) if self.sqlite else shown_url(str(store))
        self.path = Path(url.database or "") if self.sqlite else None
        if self.sqlite:
            path = Path(url.database or "")
            if (readonly or not create) and not path.is_file():
                raise InputError(f"{self.where}: no alert store there")
            uri = f"{path.resolve().as_uri()}?mode={'ro' if readonly else 'rwc'}"

            def connect() -> sqlite3.Connection:
                db = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=False)
                db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
                return db

            self._engine = sa.create_engine("sqlite://", creator=connect, poolclass=sa.pool.StaticPool)
        elif url.get_backend_name() == "postgresql":
            try:
                self._engine = sa.create_engine(
                    url, pool_pre_ping=True, connect_args={"connect_timeout": max(1, int(timeout))}
                )
            except ImportError:
                raise InputError(
                    f"{self.where}: a PostgreSQL store needs psycopg: pip install 'mipr-rules[postgresql]'"
                ) from None
        else:
            raise InputError(f"--store {self.where}: expected a SQLite path, sqlite:///PATH or postgresql://…")
        try:
            self._prepare()
        except sa_exc.DBAPIError as exc:
            self._engine.dispose()
            raise InputError(f"{self.where}: not a usable alert store ({_first_line(exc.orig)})") from None
        except BaseException:
            self._engine.dispose()
            raise

    def __enter__(self) -> AlertStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every connection."""
        self._engine.dispose()

    # -- schema -----------------------------------------------------------------------------------------

    def _revision(self, conn: sa.Connection) -> str | None:
        tables = set(sa.inspect(conn).get_table_names())
        if "alembic_version" in tables:
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        if self.sqlite:
            legacy = conn.exec_driver_sql("PRAGMA user_version").scalar() or 0
            if legacy:
                return f"{int(legacy):04d}"
        if tables - {"alembic_version"} and "store_info" not in tables:
            raise InputError(f"{self.where}: a database that is not an alert store; choose another --store")
        return None

    def _prepare(self) -> None:
        with self._engine.connect() as conn:
            version = self.schema_version_of(conn)
            if version > SCHEMA_VERSION:
                raise InputError(
                    f"{self.where}: alert store schema version {version} is newer than this mipr-rules supports "
                    f"({SCHEMA_VERSION}); upgrade mipr-rules"
                )
            if version == SCHEMA_VERSION:
                self._check_kind(conn, version)
                conn.rollback()
                return
            if self.readonly:
                self._check_kind(conn, version)
                raise InputError(
                    f"{self.where}: alert store schema version {version} needs migrating; open it for writing"
                )
            conn.rollback()
        if self.sqlite:
            self._use_wal()
        with self._write() as conn:
            if not self.sqlite:
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
            # read again under the write lock: another process may be creating or migrating it right now
            version = self.schema_version_of(conn)
            if version >= SCHEMA_VERSION:
                return
            self._check_kind(conn, version)
            self._migrate(conn, self._revision(conn))
            _upsert(conn, "store_info", "key", key="kind", value=STORE_KIND)
            if self.sqlite:
                conn.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _migrate(self, conn: sa.Connection, revision: str | None) -> None:
        from alembic import command
        from alembic.config import Config as AlembicConfig

        config = AlembicConfig()
        config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        config.attributes["connection"] = conn
        if revision is not None and not sa.inspect(conn).has_table("alembic_version"):
            command.stamp(config, revision)  # a SQLite store from before Alembic: PRAGMA user_version said which
        command.upgrade(config, HEAD)

    def schema_version_of(self, conn: sa.Connection) -> int:
        """The schema version of the store (0: empty)."""
        revision = self._revision(conn)
        if self.sqlite:
            pragma = int(conn.exec_driver_sql("PRAGMA user_version").scalar() or 0)
            if pragma > SCHEMA_VERSION:
                return pragma
        if revision is None:
            return 0
        return int(revision) if revision.isdigit() else SCHEMA_VERSION + 1

    @property
    def schema_version(self) -> int:
        """The schema version of the store."""
        with self._engine.connect() as conn:
            return self.schema_version_of(conn)

    def _check_kind(self, conn: sa.Connection, version: int) -> None:
        """Refuse a database that some other program made."""
        if version == 0:
            alien = bool(set(sa.inspect(conn).get_table_names()) - {"alembic_version"})
        else:
            row = conn.execute(sa.text("SELECT value FROM store_info WHERE key = 'kind'")).first()
            alien = row is not None and row[0] != STORE_KIND
            alien = alien or (row is None and version >= SCHEMA_VERSION)
        if alien:
            raise InputError(f"{self.where}: a database that is not an alert store; choose another --store")

    def _use_wal(self) -> None:
        """Switch a SQLite file to write-ahead logging, waiting while another process holds it."""
        end = time.monotonic() + self._timeout
        while True:
            try:
                with self._engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA journal_mode = WAL").fetchone()
                    return
            except sa_exc.OperationalError as exc:
                if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() >= end:
                    raise
            time.sleep(0.02)

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        """One write transaction; the database's failures (locked, disk full...) become one-line ``InputError``."""
        if self.readonly:
            raise InputError(f"{self.where}: the alert store was opened read-only")
        try:
            with self._engine.connect() as conn:
                if self.sqlite:
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.rollback()
                    raise
                conn.commit()
        except sa_exc.OperationalError as exc:
            busy = "locked" in str(exc) or "busy" in str(exc)
            why = (
                "busy: another process holds its write lock" if busy else f"cannot be written ({_first_line(exc.orig)})"
            )
            raise InputError(f"{self.where}: the alert store is {why}") from None

    def _rows(self, sql: str, **args: Any) -> list[sa.RowMapping]:
        with self._engine.connect() as conn:
            rows = list(conn.execute(sa.text(sql), args).mappings())
            conn.rollback()
            return rows

    # -- checks -----------------------------------------------------------------------------------------

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
    ) -> AlertChanges:
        """Record a readiness report; return what is new, ongoing and resolved.

        Only locations the report evaluated are compared: their open alerts that the report no longer
        holds are resolved as of the report's date. A location whose evaluation failed keeps its open
        alerts. When something is new or resolved, the change set is queued for each of ``notify`` in the
        same transaction (``hold``: kept for the next digest). A report older than the last check of one of
        its locations is refused. ``full_read`` says the report holds every location of the source.
        ``at``: the service clock (kept with new alerts and events; escalation counts from it).
        """
        as_of = report.as_of.isoformat()
        stamp = utc(at) if at else None
        ruleset = report.ruleset
        results = {loc.location_id: loc for loc in report.locations}  # a location given twice: its last result
        with self._write() as db:
            if not self.sqlite:
                db.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
            sql = "SELECT location_id, last_checked FROM locations WHERE location_id IN :ids"
            checked = {r["location_id"]: r["last_checked"] for r in _select_in(db, sql, list(results))}
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
                _insert(
                    db,
                    _LOCATIONS,
                    [
                        dict(location_id=loc.location_id, name=loc.name, last_error=loc.error, last_error_on=as_of)
                        for loc in failed
                    ],
                    conflict="location_id",
                )
            if read:
                _insert(
                    db,
                    _LOCATIONS,
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
            for r in _select_in(
                db,
                f"SELECT {_COLUMNS} FROM alerts WHERE resolved_on IS NULL AND ruleset_id = :r AND location_id IN :ids",
                [loc.location_id for loc in read],
                r=ruleset.id,
            ):
                open_rows.setdefault(r["location_id"], {})[_row_identity(r)] = dict(r)
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
            for start in range(0, len(gone), _CHUNK):
                db.execute(
                    sa.text("UPDATE alerts SET resolved_on = :o WHERE id IN :ids").bindparams(
                        sa.bindparam("ids", expanding=True)
                    ),
                    {"o": as_of, "ids": [row["id"] for row in gone[start : start + _CHUNK]]},
                )
            events = [
                {"alert_id": row["alert_id"], "occurrence": row["id"], "kind": kind, "at": stamp, "as_of": as_of}
                for kind, rows in (("new", new), ("resolved", gone))
                for row in rows
            ]
            if events:
                _insert(db, _EVENTS, events)
            changes = AlertChanges(
                id=uuid.uuid4().hex,
                as_of=report.as_of,
                ruleset_id=ruleset.id,
                ruleset_version=ruleset.version,
                locations=tuple(CheckedLocation(loc.location_id, loc.name, loc.error) for loc in report.locations),
                new=tuple(_sorted([hit_values.stored(r) for r in new])),
                ongoing=tuple(_sorted([hit_values.stored(r) for r in ongoing])),
                resolved=tuple(_sorted([hit_values.stored(r) for r in gone])),
            )
            if full_read:
                _upsert(db, "store_info", "key", key=_full_read_key(ruleset.id), value=as_of)
            if changes.has_news:
                self._queue(db, changes, notify, hold=hold)
        return changes

    def _queue(
        self, db: sa.Connection, changes: AlertChanges, targets: Iterable[Target], *, hold: bool = False
    ) -> None:
        targets = list(targets)
        if not targets:
            return
        document = changes.to_json()
        rows = [
            {
                "target_key": target.key,
                "target_label": target.label,
                "changes": document,
                "idempotency_key": idempotency_key(changes.id, target),
                "held": int(hold),
            }
            for target in {t.key: t for t in targets}.values()  # one per target, whatever its credentials
        ]
        if rows:
            _insert(db, _OUTBOX, rows)

    # -- queries ----------------------------------------------------------------------------------------

    def open_alerts(self, location_id: str | None = None) -> list[StoredAlert]:
        """Open alerts, most severe first (of one location, if given)."""
        return [s.alert for s in self.states(open_only=True, location_id=location_id)]

    def states(self, *, open_only: bool = True, location_id: str | None = None) -> list[AlertState]:
        """Occurrences with their lifecycle state (open ones only unless ``open_only`` is false)."""
        sql = f"SELECT {_COLUMNS} FROM alerts WHERE 1 = 1"
        args: dict[str, Any] = {}
        if open_only:
            sql += " AND resolved_on IS NULL"
        if location_id is not None:
            sql, args = sql + " AND location_id = :l", {"l": location_id}
        return sorted((_state(r) for r in self._rows(sql, **args)), key=lambda s: _rank(s.alert))

    def history(self, alert: AlertIdentity | str) -> list[StoredAlert]:
        """Every occurrence of an alert, oldest first."""
        alert_id = alert if isinstance(alert, str) else alert.alert_id
        return [
            _stored(r) for r in self._rows(f"SELECT {_COLUMNS} FROM alerts WHERE alert_id = :a ORDER BY id", a=alert_id)
        ]

    def events(self, alert: AlertIdentity | str) -> list[AlertEvent]:
        """Every state change of an alert, oldest first, with who and when."""
        alert_id = alert if isinstance(alert, str) else alert.alert_id
        return [
            AlertEvent(
                r["alert_id"], r["kind"], dt.date.fromisoformat(r["as_of"]), _parse_at(r["at"]), r["by"], r["note"]
            )
            for r in self._rows(
                "SELECT alert_id, kind, as_of, at, by, note FROM alert_events WHERE alert_id = :a ORDER BY id",
                a=alert_id,
            )
        ]

    def state(self, alert_id: str) -> AlertState:
        """The latest occurrence of an alert with its state; ``InputError`` if the store has none."""
        rows = self._rows(f"SELECT {_COLUMNS} FROM alerts WHERE alert_id = :a ORDER BY id DESC LIMIT 1", a=alert_id)
        if not rows:
            raise InputError(f"{self.where}: no alert {alert_id}")
        return _state(rows[0])

    def last_checked(self, location_id: str) -> dt.date | None:
        """As-of date of the last check that evaluated a location."""
        rows = self._rows("SELECT last_checked FROM locations WHERE location_id = :l", l=location_id)
        return dt.date.fromisoformat(rows[0]["last_checked"]) if rows and rows[0]["last_checked"] else None

    # -- lifecycle --------------------------------------------------------------------------------------

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
            _event(db, alert_id, row["id"], "acknowledged", on.isoformat(), utc(at) if at else None, by, note or None)
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
            _event(
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
            if not self.sqlite:
                db.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
            rows = list(
                db.execute(
                    sa.text(
                        f"SELECT {_COLUMNS} FROM alerts WHERE resolved_on IS NULL AND acknowledged_by IS NULL "
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
                start = _parse_at(row["opened_at"])
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
                _event(db, row["alert_id"], row["id"], "escalated", on.isoformat(), utc(at), None, rule[2].label)
                alert = _stored(row)
                per_target.setdefault(rule[2].key, (rule[2], []))[1].append(alert)
                escalated.append(alert)
            for target, alerts in per_target.values():
                changes = AlertChanges(
                    id=uuid.uuid4().hex,
                    as_of=on,
                    ruleset_id=alerts[0].identity.ruleset_id,
                    ruleset_version=alerts[0].ruleset_version,
                    locations=tuple(
                        CheckedLocation(i, _location_name(db, i))
                        for i in sorted({a.identity.location_id for a in alerts})
                    ),
                    new=tuple(_sorted(alerts)),
                    event="escalation",
                )
                self._queue(db, changes, [target])
        return escalated

    def digest(self, targets: Sequence[Target], *, at: dt.datetime, on: dt.date) -> int:
        """Turn the change sets held for each target into one summary; how many summaries were queued.

        The summary lists what is still new (first stored since the last digest and still open, not snoozed)
        and what was resolved since, per target; a target with nothing held gets nothing.
        """
        made = 0
        with self._write() as db:
            if not self.sqlite:
                db.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
            for target in {t.key: t for t in targets}.values():
                held = list(
                    db.execute(
                        sa.text("SELECT id, changes FROM outbox WHERE target_key = :k AND held = 1 ORDER BY id"),
                        {"k": target.key},
                    ).mappings()
                )
                if not held:
                    continue
                sets = [AlertChanges.from_json(r["changes"]) for r in held]
                new: dict[str, StoredAlert] = {}
                resolved: dict[str, StoredAlert] = {}
                locations: dict[str, CheckedLocation] = {}
                for changes in sets:
                    for loc in changes.locations:
                        locations[loc.location_id] = loc
                    for a in changes.new:
                        new[a.alert_id] = a
                        resolved.pop(a.alert_id, None)
                    for a in changes.resolved:
                        if new.pop(a.alert_id, None) is None:
                            resolved[a.alert_id] = a
                snoozed = {
                    r[0]
                    for r in db.execute(
                        sa.text("SELECT alert_id FROM alerts WHERE resolved_on IS NULL AND snoozed_until > :o"),
                        {"o": on.isoformat()},
                    )
                }
                last = sets[-1]
                summary = AlertChanges(
                    id=uuid.uuid4().hex,
                    as_of=on,
                    ruleset_id=last.ruleset_id,
                    ruleset_version=last.ruleset_version,
                    locations=tuple(locations[k] for k in sorted(locations)),
                    new=tuple(_sorted([a for k, a in new.items() if k not in snoozed])),
                    resolved=tuple(_sorted(list(resolved.values()))),
                    event="digest",
                )
                db.execute(
                    sa.text("DELETE FROM outbox WHERE id IN :ids").bindparams(sa.bindparam("ids", expanding=True)),
                    {"ids": [r["id"] for r in held]},
                )
                if summary.has_news:
                    self._queue(db, summary, [target])
                    made += 1
            _upsert(db, "store_info", "key", key="last_digest", value=utc(at))
        return made

    def last_digest(self) -> dt.datetime | None:
        """The service clock of the last digest."""
        rows = self._rows("SELECT value FROM store_info WHERE key = 'last_digest'")
        return _parse_at(rows[0]["value"]) if rows else None

    # -- outbox -----------------------------------------------------------------------------------------

    def pending(self, target_key: str | None = None) -> list[OutboxItem]:
        """Notifications waiting for delivery (not held for a digest), oldest first (for one target, if given)."""
        sql = "SELECT id, target_label, changes, attempts, last_error, idempotency_key FROM outbox WHERE held = 0"
        args: dict[str, Any] = {}
        if target_key is not None:
            sql, args = sql + " AND target_key = :k", {"k": target_key}
        return [OutboxItem(*r) for r in self._tuples(sql + " ORDER BY id", args)]

    def _tuples(self, sql: str, args: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        with self._engine.connect() as conn:
            rows = [tuple(r) for r in conn.execute(sa.text(sql), dict(args))]
            conn.rollback()
            return rows

    def claim(
        self, target_key: str, worker: str, *, at: dt.datetime, lease: dt.timedelta = DEFAULT_LEASE, limit: int = 100
    ) -> list[OutboxItem]:
        """Claim up to ``limit`` notifications waiting for a target, oldest first, for ``lease``.

        Items claimed by another worker whose lease has not expired are skipped (on PostgreSQL, rows another
        transaction is claiming at this instant too: ``FOR UPDATE SKIP LOCKED``).
        """
        now = utc(at)
        lock = "" if self.sqlite else " FOR UPDATE SKIP LOCKED"
        with self._write() as db:
            rows = [
                tuple(r)
                for r in db.execute(
                    sa.text(
                        "SELECT id, target_label, changes, attempts, last_error, idempotency_key FROM outbox "
                        "WHERE target_key = :k AND held = 0 AND (lease_until IS NULL OR lease_until < :now "
                        f"OR claimed_by = :w) ORDER BY id LIMIT :n{lock}"
                    ),
                    {"k": target_key, "now": now, "w": worker, "n": limit},
                )
            ]
            if rows:
                db.execute(
                    sa.text("UPDATE outbox SET claimed_by = :w, lease_until = :u WHERE id IN :ids").bindparams(
                        sa.bindparam("ids", expanding=True)
                    ),
                    {"w": worker, "u": utc(at + lease), "ids": [r[0] for r in rows]},
                )
        return [OutboxItem(*r) for r in rows]

    def release(self, worker: str) -> None:
        """Give up every claim of ``worker`` (a clean stop), so that others need not wait for the lease."""
        with self._write() as db:
            db.execute(
                sa.text("UPDATE outbox SET claimed_by = NULL, lease_until = NULL WHERE claimed_by = :w"), {"w": worker}
            )

    def pending_elsewhere(self, targets: Sequence[Target]) -> int:
        """Notifications waiting for targets that are not among ``targets``."""
        keys = [t.key for t in targets]
        if not keys:
            return int(self._rows("SELECT count(*) AS n FROM outbox")[0]["n"])
        with self._engine.connect() as conn:
            n = conn.execute(
                sa.text("SELECT count(*) FROM outbox WHERE target_key NOT IN :keys").bindparams(
                    sa.bindparam("keys", expanding=True)
                ),
                {"keys": keys},
            ).scalar_one()
            conn.rollback()
        return int(n)

    def adopt_legacy(self, targets: Sequence[Target]) -> int:
        """Re-key change sets queued before schema version 2 for any of ``targets``; how many were."""
        if not self._rows("SELECT 1 AS one FROM outbox WHERE target_key LIKE :p LIMIT 1", p=_LEGACY + "%"):
            return 0
        adopted = 0
        with self._write() as db:
            for target in targets:
                cursor = db.execute(
                    sa.text("UPDATE outbox SET target_key = :k WHERE target_key = :old"),
                    {"k": target.key, "old": _LEGACY + target.legacy_key},
                )
                adopted += max(cursor.rowcount, 0)
        return adopted

    def delivered(self, item_id: int) -> None:
        """Remove a delivered notification from the outbox."""
        with self._write() as db:
            db.execute(sa.text("DELETE FROM outbox WHERE id = :id"), {"id": item_id})

    def delivery_failed(self, item_id: int, error: str) -> None:
        """Count a failed attempt; the notification stays queued (and its claim is released)."""
        with self._write() as db:
            db.execute(
                sa.text(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = :e, claimed_by = NULL, lease_until = NULL "
                    "WHERE id = :id"
                ),
                {"e": error, "id": item_id},
            )


_COLUMNS = (
    "id, alert_id, location_id, ruleset_id, rule_id, subject, ruleset_version, severity, title, message, facts, "
    "detail, first_seen, last_seen, resolved_on, acknowledged_by, acknowledged_on, opened_at, snoozed_until, "
    "escalated_at"
)


_CHUNK = 5000
"""Most values bound in one ``IN`` list."""
_META = sa.MetaData()
_ALERTS = sa.Table(
    "alerts",
    _META,
    sa.Column("id", sa.Integer, primary_key=True),
    *(sa.Column(name, sa.Text) for name in _COLUMNS.replace(" ", "").split(",")[1:]),
)
_EVENTS = sa.Table(
    "alert_events",
    _META,
    sa.Column("id", sa.Integer, primary_key=True),
    *(sa.Column(name, sa.Text) for name in ("alert_id", "kind", "at", "as_of", "by", "note")),
    sa.Column("occurrence", sa.Integer),
)
_OUTBOX = sa.Table(
    "outbox",
    _META,
    sa.Column("id", sa.Integer, primary_key=True),
    *(sa.Column(name, sa.Text) for name in ("target_key", "target_label", "changes", "idempotency_key")),
    sa.Column("held", sa.Integer),
)


_LOCATIONS = sa.Table(
    "locations",
    _META,
    *(sa.Column(name, sa.Text) for name in ("location_id", "name", "last_checked", "last_error", "last_error_on")),
)


def _insert(
    db: sa.Connection,
    table: sa.Table,
    rows: list[dict[str, Any]],
    *,
    returning: Sequence[str] = (),
    conflict: str | None = None,
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (all with the same keys) in one statement; the ``returning`` columns of each.

    ``conflict``: the key column of an upsert (the other columns are updated). PostgreSQL gets the rows as one
    JSON document (``INSERT … SELECT … FROM json_to_recordset(…)``: one short statement, whatever the number of
    rows, and cheaper to bind than arrays or thousands of parameters); SQLite a multi-row ``VALUES``.
    """
    if not rows:
        return []
    names = list(rows[0])
    if db.dialect.name == "postgresql":
        types = ", ".join(f"{n} {'integer' if isinstance(table.c[n].type, sa.Integer) else 'text'}" for n in names)
        sql = (
            f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {', '.join(names)} "
            f"FROM json_to_recordset(CAST(:rows AS json)) AS x({types})"
        )
        if conflict:
            updates = ", ".join(f"{n} = excluded.{n}" for n in names if n != conflict)
            sql += f" ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
        if returning:
            sql += f" RETURNING {', '.join(returning)}"
        result = db.execute(sa.text(sql), {"rows": json.dumps(rows, ensure_ascii=False)})
        return [tuple(r) for r in result] if returning else []
    from sqlalchemy.dialects import sqlite

    statement = sqlite.insert(table)
    if conflict:
        statement = statement.on_conflict_do_update(
            index_elements=[conflict], set_={n: statement.excluded[n] for n in names if n != conflict}
        )
    # RETURNING makes SQLAlchemy send multi-row INSERTs rather than one per row
    result = db.execute(statement.returning(*(table.c[n] for n in returning or [names[0]])), rows)
    return [tuple(r) for r in result] if returning else []


def _select_in(db: sa.Connection, sql: str, ids: list[str], **args: Any) -> list[sa.RowMapping]:
    """Rows of ``sql`` whose ``:ids`` is bound to ``ids``, ``_CHUNK`` at a time (none for no ids)."""
    out: list[sa.RowMapping] = []
    statement = sa.text(sql).bindparams(sa.bindparam("ids", expanding=True))
    for start in range(0, len(ids), _CHUNK):
        out.extend(db.execute(statement, {**args, "ids": ids[start : start + _CHUNK]}).mappings())
    return out


def _insert_alerts(db: sa.Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Insert new occurrences in one multi-row statement; the rows as stored (with their ids)."""
    if not rows:
        return []
    # matched by alert id (distinct among new occurrences), not by order: SQLite cannot promise RETURNING's order
    ids = dict(_insert(db, _ALERTS, rows, returning=("alert_id", "id")))
    blank = dict.fromkeys(("resolved_on", "acknowledged_by", "acknowledged_on", "snoozed_until", "escalated_at"))
    return [{**blank, **row, "id": ids[row["alert_id"]]} for row in rows]


def _first_line(error: object) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _check_staff(by: str) -> None:
    if not _PSEUDONYM.fullmatch(by):
        raise InputError(
            "--by: expected a pseudonymous id such as S01 (letters, digits, '.', '_', ':', '-'), "
            "not a name or an email address"
        )


def _check_line(text: str, option: str) -> None:
    if len(text) > MAX_NOTE or "\n" in text:
        raise InputError(f"{option}: expected one line of at most {MAX_NOTE} characters")


def _upsert(db: sa.Connection, table: str, conflict: str, **values: Any) -> None:
    """INSERT … ON CONFLICT DO UPDATE (SQLite and PostgreSQL alike)."""
    names = list(values)
    updates = ", ".join(f"{n} = excluded.{n}" for n in names if n != conflict)
    db.execute(
        sa.text(
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)}) "
            f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
        ),
        values,
    )


def _event(
    db: sa.Connection,
    alert_id: str,
    occurrence: int,
    kind: str,
    as_of: str,
    at: str | None,
    by: str | None = None,
    note: str | None = None,
) -> None:
    db.execute(
        sa.text(
            "INSERT INTO alert_events (alert_id, occurrence, kind, at, as_of, by, note) "
            "VALUES (:a, :o, :k, :at, :d, :b, :n)"
        ),
        {"a": alert_id, "o": occurrence, "k": kind, "at": at, "d": as_of, "b": by, "n": note},
    )


def _location_name(db: sa.Connection, location_id: str) -> str:
    name = db.execute(sa.text("SELECT name FROM locations WHERE location_id = :l"), {"l": location_id}).scalar()
    return str(name or "")


def _full_read_key(ruleset_id: str) -> str:
    """``store_info`` key of the as-of date of the last check that read every location (per ruleset)."""
    return f"full_read_as_of:{ruleset_id}"


def _row_identity(row: Mapping[Any, Any]) -> AlertIdentity:
    return AlertIdentity(row["location_id"], row["ruleset_id"], row["rule_id"], row["subject"])


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
        """Detail documents read back (``_stored``), by text."""

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
        """``_stored(row)``, parsing each distinct detail document once."""
        text = row["detail"]
        detail = self.parsed.get(text)
        if detail is None:
            detail = self.parsed[text] = json.loads(text)
        return _stored(row, dict(detail))


def _stored(row: Mapping[Any, Any], detail: dict[str, Any] | None = None) -> StoredAlert:
    return StoredAlert(
        identity=_row_identity(row),
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


def _state(row: Mapping[Any, Any]) -> AlertState:
    alert = _stored(row)
    snoozed = dt.date.fromisoformat(row["snoozed_until"]) if row["snoozed_until"] else None
    escalated = _parse_at(row["escalated_at"])
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


def _rank(a: StoredAlert) -> tuple[str, int, str, str]:
    from mipr_rules.ruleset.schema import SEVERITIES

    rank = SEVERITIES.index(a.severity) if a.severity in SEVERITIES else -1
    return (a.identity.location_id, -rank, a.identity.rule_id, a.identity.subject)


def _sorted(alerts: list[StoredAlert]) -> list[StoredAlert]:
    return sorted(alerts, key=_rank)
