"""The SQL adapter's change feed: the ``mipr_changes`` log (LISTEN/NOTIFY on PostgreSQL, polled elsewhere).

With the change log installed (``mipr sql install-triggers``) every written or deleted row is a change;
its sequence number is the durable position. On PostgreSQL the feed listens on ``mipr_changes`` and reads
the log when a notification arrives (at the writer's commit); on MariaDB/MySQL and SQLite it polls the log
every ``poll`` seconds. Without the log it polls the ``updated_at`` columns (changes only: deleted rows are
not seen; the daily sweep catches them). One long-lived connection pool serves the log and the re-reads.

A sequence number can become visible after a larger one (two writers commit out of order): a missing
number is waited for up to ``GAP_GRACE`` seconds before it is taken as rolled back, so nothing is skipped.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import attrs
import sqlalchemy as sa

from mipr_rules.adapters.base import ReadContext
from mipr_rules.errors import InputError
from mipr_rules.model import Location
from mipr_rules.watch.changes import Change, FeedOptions
from mipr_rules_adapter_sql.cursor import format_cursor, latest, parse_cursor
from mipr_rules_adapter_sql.mapping import load_mapping, reference_mapping
from mipr_rules_adapter_sql.reader import SqlReader
from mipr_rules_adapter_sql.source import first_line, parse_source, snapshot
from mipr_rules_adapter_sql.triggers import CHANNEL, LOG_TABLE, has_log

GAP_GRACE = 30.0
"""Seconds a missing sequence number is waited for before it is taken as a rolled-back transaction."""
BATCH = 20_000
"""Most log rows read at once."""
STEP = 2_000
"""Most changes one ``wait`` returns (the rest of a read are kept for the next): a follower that is behind
takes short steps, so that a date crossing or a sweep is not held up and its latency stays bounded."""
READ_BATCH = 200
"""Locations (or row keys) per ``IN (...)`` list."""


_LOG_QUERY = sa.text(
    f"SELECT seq, table_name, location_id, record_key, op FROM {LOG_TABLE} "
    "WHERE seq > :low ORDER BY seq LIMIT :n"
)
"""The changes after ``low`` (made once: a text clause parses its parameters when made)."""


def pooled_engine(url: sa.URL, backend: str) -> sa.Engine:
    """A long-lived engine with a small pool; SQLite reads in a real transaction, as one-off reads do."""
    engine = sa.create_engine(url, pool_size=2, max_overflow=2, pool_pre_ping=True)
    if backend == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _no_implicit_transactions(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        @sa.event.listens_for(engine, "begin")
        def _begin(connection: sa.Connection) -> None:
            connection.exec_driver_sql("BEGIN")

    return engine


class SqlChangeFeed:
    """Follows a database: see the module docstring. Positions: ``log:SEQ`` or ``cursor:ISO-DATETIME``."""

    def __init__(self, source: str, options: FeedOptions) -> None:
        self.parsed = parse_source(source)
        mapping = load_mapping(self.parsed.mapping) if self.parsed.mapping else reference_mapping()
        self.reader = SqlReader(self.parsed, mapping)
        self.context = options.context
        self.poll = options.poll
        self.owns = options.owns
        self.engine = pooled_engine(self.parsed.url, self.parsed.backend)
        self._listener: Any = None
        try:
            with self.engine.connect() as connection:
                self.logged = has_log(connection)
                start = self._start(connection, options.position)
        except sa.exc.DBAPIError as exc:
            self.engine.dispose()
            raise InputError(f"{self.parsed.shown}: cannot connect ({first_line(exc.orig)})") from None
        self._low = start if isinstance(start, int) else 0
        self._cursor = start if isinstance(start, dt.datetime) else None
        self._seen: set[int] = set()
        self._gap_since: tuple[int, float] | None = None
        self._rows: dict[str, dict[str, dict[str, Any]]] = {}
        """Location id → entity → row key → converted row (``reader._Row``)."""
        self._entities: dict[str, list[str]] = {}
        for name, entity_map in mapping.entities.items():
            self._entities.setdefault(entity_map.table, []).append(name)
        self._integer_keys: dict[str, bool] = {}
        self._queries: dict[str, Any] = {}
        self._buffer: deque[Any] = deque()
        """Log rows read but not returned yet (``STEP``)."""
        self._checked = False
        if self.logged and self.parsed.backend == "postgresql":
            self._listen()

    # -- position ---------------------------------------------------------------------------------------

    def _start(self, connection: sa.Connection, position: str | None) -> int | dt.datetime | None:
        kind, _, value = (position or "").partition(":")
        if position and kind not in ("log", "cursor"):
            raise InputError(f"{self.parsed.shown}: position {position!r} is not log:N or cursor:DATETIME")
        if self.logged:
            if kind == "log":
                return int(value)
            return int(
                connection.execute(sa.text(f"SELECT coalesce(max(seq), 0) FROM {LOG_TABLE}")).scalar() or 0
            )
        if kind == "cursor":
            return parse_cursor(value, f"{self.parsed.shown}: position")
        return self.reader._high_water_mark(connection)

    @property
    def position(self) -> str | None:
        """``log:N`` (every change up to N handled) or ``cursor:DATETIME``."""
        if self.logged:
            return f"log:{self._low}"
        return f"cursor:{format_cursor(self._cursor)}" if self._cursor else None

    # -- waiting ----------------------------------------------------------------------------------------

    def _listen(self) -> None:
        import psycopg

        url = self.parsed.url.set(drivername="postgresql")
        conninfo = url.render_as_string(hide_password=False)
        self._listener = psycopg.connect(conninfo, autocommit=True)
        self._listener.execute(f"LISTEN {CHANNEL}")

    def _relisten(self) -> None:
        import psycopg

        try:
            self._listen()
        except psycopg.Error:
            self._listener = None

    def wait(self, timeout: float) -> Sequence[Change]:
        """Changes that arrived; waits up to ``timeout`` seconds (a notification or a poll ends the wait)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self._read_log() if self.logged else self._read_cursor()
            left = deadline - time.monotonic()
            if found or left <= 0:
                return found
            if self._listener is not None:
                import psycopg

                try:
                    # Wake at the first notification, then drain those already queued (one log read for all).
                    for _ in self._listener.notifies(timeout=min(left, max(self.poll, 1.0)), stop_after=1):
                        break
                    for _ in self._listener.notifies(timeout=0.0):
                        pass
                except psycopg.Error:  # the connection dropped: poll until it can listen again
                    self._listener.close()
                    self._listener = None
            else:
                time.sleep(min(left, self.poll))
                if self.logged and self.parsed.backend == "postgresql":
                    self._relisten()

    def _read_log(self) -> list[Change]:
        if not self._buffer:
            query = _LOG_QUERY
            try:
                with self.engine.connect() as connection:
                    rows = connection.execute(query, {"low": self._low, "n": BATCH}).all()
            except sa.exc.DBAPIError as exc:
                raise InputError(
                    f"{self.parsed.shown}: cannot read the change log ({first_line(exc.orig)})"
                ) from None
            self._buffer.extend(row for row in rows if row[0] not in self._seen)
        changes: list[Change] = []
        while self._buffer and len(changes) < STEP:
            seq, table, location_id, key, op = self._buffer.popleft()
            self._seen.add(seq)  # only what is returned counts towards the position
            changes.append(Change(str(location_id), str(table), str(key), op == "D", f"log:{seq}"))
        self._advance()
        return changes

    def _advance(self) -> None:
        while self._seen:
            if self._low + 1 in self._seen:
                self._low += 1
                self._seen.discard(self._low)
                continue
            now = time.monotonic()
            if self._gap_since is None or self._gap_since[0] != self._low:
                self._gap_since = (self._low, now)
            if now - self._gap_since[1] < GAP_GRACE:
                return
            self._low = min(self._seen) - 1  # the missing numbers were rolled back
        self._gap_since = None

    def _read_cursor(self) -> list[Change]:
        try:
            with self.engine.connect() as connection:
                mark = self.reader._high_water_mark(connection)
                if mark is None or (
                    self._cursor is not None and latest([mark, self._cursor]) == self._cursor
                ):
                    return []
                ids = self.reader._location_ids(connection, self._cursor)
        except sa.exc.DBAPIError as exc:
            raise InputError(
                f"{self.parsed.shown}: cannot poll for changes ({first_line(exc.orig)})"
            ) from None
        self._cursor = mark
        position = f"cursor:{format_cursor(mark)}"
        return [Change(str(value), "*", "", False, position) for value in ids]

    # -- reading ----------------------------------------------------------------------------------------
    #
    # The feed keeps every location's rows, converted, by entity and key. A change re-reads only the rows
    # it names (one query per changed table), and the location is assembled again from its rows. Changes
    # without a row key (the updated_at mode) re-read their whole locations.

    def _fresh_context(self) -> ReadContext:
        """A context per read, so that what a lenient read skipped is counted once, not forever."""
        return attrs.evolve(self.context, skips=[], kept=Counter())

    def _key_values(self, connection: sa.Connection, entity: str, keys: Iterable[str]) -> list[Any]:
        entity_map = self.reader.mapping.entities[entity]
        if entity not in self._integer_keys:
            inspector = sa.inspect(connection)
            columns = inspector.get_columns(entity_map.table, self.reader.mapping.schema)
            kind = next((c["type"] for c in columns if c["name"] == entity_map.key), None)
            self._integer_keys[entity] = isinstance(kind, sa.Integer)
        if self._integer_keys[entity]:
            return [int(key) for key in keys if key.lstrip("-").isdigit()]
        return list(keys)

    def _load(self, connection: sa.Connection, ids: Sequence[Any], context: ReadContext) -> None:
        """Read whole locations into the row cache (all their rows replaced)."""
        for start in range(0, len(ids), READ_BATCH):
            batch = ids[start : start + READ_BATCH]
            for value in batch:
                self._rows[str(value)] = {}
            for name, entity_map in self.reader._maps():
                for raw in self.reader._fetch(connection, entity_map, batch):
                    row = self.reader._convert(entity_map, raw, context)
                    if row is not None:
                        self._rows.setdefault(str(row.values["location_id"]), {}).setdefault(name, {})[
                            row.key
                        ] = row

    def _assemble(self, location_ids: Iterable[str], context: ReadContext) -> Iterator[Location]:
        for location_id in location_ids:
            rows = self._rows.get(location_id)
            if not rows or not rows.get("locations"):
                self._rows.pop(location_id, None)
                continue  # gone (or its locations row was bad, and has been reported)
            grouped = {name: list(by_key.values()) for name, by_key in rows.items()}
            location = self.reader._location(grouped, context)
            if location is not None:
                yield context.count(location)

    def _by_keys(self, entity: str) -> Any:
        """Rows of ``entity`` by the keys bound to ``keys`` (built once, so its compiled form is cached)."""
        query = self._queries.get(entity)
        if query is None:
            entity_map = self.reader.mapping.entities[entity]
            table = self.reader._table(entity_map)
            query = self._queries[entity] = sa.select(*(table.c[n] for n in entity_map.columns)).where(
                table.c[entity_map.key].in_(sa.bindparam("keys", expanding=True))
            )
        return query

    def _snapshot(self) -> Any:
        return snapshot(self.engine, self.parsed)

    def apply(self, changes: Sequence[Change]) -> Iterator[Location]:
        """The locations ``changes`` name as they are now, re-reading only the rows that changed."""
        context = self._fresh_context()
        by_entity: dict[str, dict[str, str]] = {}
        whole: list[str] = []
        for change in changes:
            entities = self._entities.get(change.record_type)
            if entities is None or not change.record_key or change.location_id not in self._rows:
                whole.append(change.location_id)
                continue
            for entity in entities:
                self._rows[change.location_id].get(entity, {}).pop(change.record_key, None)
                by_entity.setdefault(entity, {})[change.record_key] = change.location_id
        try:
            with self._snapshot() as connection:
                if whole:
                    wanted = set(whole)
                    self._load(
                        connection,
                        [v for v in self.reader._location_ids(connection, None) if str(v) in wanted],
                        context,
                    )
                    for location_id in wanted - set(self._rows):
                        self._rows.pop(location_id, None)
                for entity, keys in by_entity.items():
                    entity_map = self.reader.mapping.entities[entity]
                    query = self._by_keys(entity)
                    values = self._key_values(connection, entity, keys)
                    for start in range(0, len(values), READ_BATCH):
                        chunk = {"keys": values[start : start + READ_BATCH]}
                        for raw in connection.execute(query, chunk).mappings():
                            row = self.reader._convert(entity_map, raw, context)
                            if row is not None:
                                location_id = str(row.values["location_id"])
                                if location_id not in self._rows and entity != "locations":
                                    continue  # a row of a location not read yet: its locations row comes too
                                self._rows.setdefault(location_id, {}).setdefault(entity, {})[row.key] = row
        except sa.exc.DBAPIError as exc:
            raise InputError(f"{self.parsed.shown}: query failed ({first_line(exc.orig)})") from None
        ids = list(dict.fromkeys([*whole, *(c.location_id for c in changes)]))
        yield from self._assemble(ids, context)
        context.check()

    def read(self, location_ids: Iterable[str]) -> Iterator[Location]:
        """The current state of these locations, in one snapshot; deleted ones are not yielded."""
        wanted = [str(value) for value in location_ids]
        yield from self.apply([Change(location_id, "*") for location_id in wanted])

    def read_all(self) -> Iterator[Location]:
        """Every location, in one snapshot (the row cache is filled again)."""
        context = self._fresh_context()
        try:
            with self._snapshot() as connection:
                if not self._checked:
                    self.reader._check_tables(connection)
                    self._checked = True
                ids = self.reader._location_ids(connection, None)
                if self.owns is not None:  # a shard's: the other locations' rows are neither read nor kept
                    ids = [value for value in ids if self.owns(str(value))]
                self._rows = {}
                self._load(connection, ids, context)
        except sa.exc.DBAPIError as exc:
            raise InputError(f"{self.parsed.shown}: query failed ({first_line(exc.orig)})") from None
        yield from self._assemble([str(value) for value in ids], context)
        context.check()

    def close(self) -> None:
        """Close the listening connection and the pool."""
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        self.engine.dispose()
