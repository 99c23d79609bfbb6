"""Opening an alert store: the URL, the SQLAlchemy engine, the schema created or upgraded (Alembic), write
transactions.

SQLite stores of schema version 1 and 2 (before Alembic) are recognised by ``PRAGMA user_version`` and
upgraded in place."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from mipr_rules.adapters.driver import array_literal
from mipr_rules.adapters.pooling import ping_when_rested
from mipr_rules.errors import InputError, first_line
from mipr_rules.watch.store.tables import run, upsert

STORE_KIND = "mipr-rules alert store"
SCHEMA_VERSION = 6
"""Version of the store's schema: the Alembic head revision (``"0006"``); SQLite also keeps it in
``PRAGMA user_version``."""
HEAD = f"{SCHEMA_VERSION:04d}"
LOCK_ID = 0x6D697072
"""PostgreSQL advisory lock of the whole store: taken exclusively by schema migrations, escalations and digests
(which read and write alerts of every location), and shared by checks (``apply``)."""
LOCATION_LOCKS = 0x6D697073
"""Namespace of the PostgreSQL advisory locks (two-key form) that serialise checks of the same location."""
MAX_LOCATION_LOCKS = 512
"""Most location locks one check takes; a check of more locations (a full read) takes the store-wide lock
instead: every lock held takes a slot of the server's lock table (``max_locks_per_transaction`` times connections)."""
MIGRATIONS = Path(__file__).parent.parent / "migrations"
"""The Alembic scripts (``mipr_rules/watch/migrations``)."""


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


class StoreConnection:
    """An alert store at a path (SQLite) or URL, its schema made current: what the store's parts build on."""

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
                self._engine = ping_when_rested(
                    sa.create_engine(url, connect_args={"connect_timeout": max(1, int(timeout))})
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
            raise InputError(f"{self.where}: not a usable alert store ({first_line(exc.orig)})") from None
        except BaseException:
            self._engine.dispose()
            raise

    def close(self) -> None:
        """Close every connection."""
        self._engine.dispose()

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
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": LOCK_ID})
            # read again under the write lock: another process may be creating or migrating it right now
            version = self.schema_version_of(conn)
            if version >= SCHEMA_VERSION:
                return
            self._check_kind(conn, version)
            self._migrate(conn, self._revision(conn))
            upsert(conn, "store_info", "key", key="kind", value=STORE_KIND)
            if self.sqlite:
                conn.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _migrate(self, conn: sa.Connection, revision: str | None) -> None:
        from alembic import command
        from alembic.config import Config as AlembicConfig

        config = AlembicConfig()
        config.set_main_option("script_location", str(MIGRATIONS))
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
                "busy: another process holds its write lock" if busy else f"cannot be written ({first_line(exc.orig)})"
            )
            raise InputError(f"{self.where}: the alert store is {why}") from None

    def _rows(self, sql: str, **args: Any) -> list[sa.RowMapping]:
        with self._engine.connect() as conn:
            rows = list(conn.execute(sa.text(sql), args).mappings())
            conn.rollback()
            return rows

    def _lock_writers(self, db: sa.Connection) -> None:
        """Serialise this transaction with every other writer of alerts (PostgreSQL; SQLite writes one at a time)."""
        if not self.sqlite:
            db.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": LOCK_ID})

    def _lock_locations(self, db: sa.Connection, location_ids: Iterable[str]) -> None:
        """Serialise this transaction with the writers of any of these locations' alerts (PostgreSQL).

        Checks of other locations go on at the same time; escalations and digests (``_lock_writers``) wait for
        every check, and checks for them. The locks are taken in one order (the store-wide lock shared, then
        sorted keys) so that two checks never wait for each other; two locations may share a key (a hash),
        which only makes them wait. A check of more than ``MAX_LOCATION_LOCKS`` locations locks the whole store.
        """
        if self.sqlite:
            return
        keys = sorted({location_key(i) for i in location_ids})
        if len(keys) > MAX_LOCATION_LOCKS:
            self._lock_writers(db)
            return
        # One round trip: the one-time filter (an uncorrelated query: an init plan) takes the shared lock before the
        # scan; unnest yields the array's elements in order, and the locks are taken in that order.
        run(db, _LOCK_LOCATIONS, {"id": LOCK_ID, "ns": LOCATION_LOCKS, "keys": array_literal(keys, text=False)})


_LOCK_LOCATIONS = (
    "SELECT count(pg_advisory_xact_lock(CAST(:ns AS integer), k)) FROM unnest(CAST(:keys AS integer[])) AS k "
    "WHERE (SELECT pg_advisory_xact_lock_shared(CAST(:id AS bigint))) IS NOT NULL"
)


def location_key(location_id: str) -> int:
    """The advisory lock key of a location: a stable 32-bit hash of its id."""
    digest = hashlib.blake2b(location_id.encode("utf-8", "surrogatepass"), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)
