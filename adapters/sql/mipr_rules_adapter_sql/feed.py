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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import attrs
import sqlalchemy as sa

from mipr_rules.adapters.base import ReadContext, record_counts, recount
from mipr_rules.adapters.driver import DriverResult, array_literal, on_driver
from mipr_rules.adapters.pooling import HeldConnection, ping_when_rested
from mipr_rules.errors import InputError, first_line
from mipr_rules.model import Location
from mipr_rules.model.fields import replace
from mipr_rules.watch.changes import Change, FeedOptions
from mipr_rules_adapter_sql.cursor import format_cursor, latest, parse_cursor
from mipr_rules_adapter_sql.mapping import load_mapping, reference_mapping
from mipr_rules_adapter_sql.reader import (
    _PERSON_ATTRIBUTES,
    _PERSON_COLLECTIONS,
    _SIMPLE_COLLECTIONS,
    SqlReader,
    _Row,
)
from mipr_rules_adapter_sql.source import one_statement, outside_transaction, parse_source, snapshot
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
    """A long-lived engine with a small pool; SQLite reads in a real transaction, as one-off reads do.

    A connection that rested longer than ``PING_AFTER`` is pinged when taken (``ping_when_rested``).
    """
    engine = ping_when_rested(sa.create_engine(url, pool_size=2, max_overflow=2))

    if backend == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _no_implicit_transactions(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        @sa.event.listens_for(engine, "begin")
        def _begin(connection: sa.Connection) -> None:
            connection.exec_driver_sql("BEGIN")

    return engine


_STAFF_COLLECTIONS = ("dbs_checks", "training", "supervisions", "recruitment_checks")
"""Entities that are records of a staff member, in the order ``SqlReader._member_parts`` takes them."""
_PERSON_POSITION = {entity: index for index, entity in enumerate(_PERSON_COLLECTIONS)}
_PARENTS = {"people": "person_id", "staff": "staff_id"}
"""Parent entities whose records are re-grouped per parent: entity → its id field."""


@attrs.define
class _Dirt:
    """What changed in one location's rows since it was last assembled."""

    whole: bool = False
    """Something a per-part update does not cover: assemble the location in full."""
    simple: set[str] = attrs.field(factory=set)
    """Simple collections (and ``service_types``) whose rows changed."""
    parents: dict[tuple[str, str], set[str]] = attrs.field(factory=dict)
    """(``people`` or ``staff``, id) → entities of its records that changed (the parent's own entity if
    its row changed in place)."""
    rows: dict[tuple[str, str], _Row] = attrs.field(factory=dict)
    """(``people`` or ``staff``, id) → its row, changed in place."""

    def note(self, entity: str, parent: str | None, old: _Row | None, new: _Row | None) -> None:
        """A row of ``entity`` (whose parent entity is ``parent``) went from ``old`` to ``new``."""
        if entity in _SIMPLE_COLLECTIONS or entity == "service_types":
            self.simple.add(entity)
        elif parent in _PARENTS and entity in (*_PERSON_COLLECTIONS, *_STAFF_COLLECTIONS):
            link = _PARENTS[parent]
            for row in (old, new):
                if row is not None:
                    self.parents.setdefault((parent, str(row.values[link])), set()).add(entity)
        elif entity in _PARENTS and old is not None and new is not None:
            same = old.values[_PARENTS[entity]] == new.values[_PARENTS[entity]]
            self.whole = self.whole or not same  # a parent added, gone or renamed: the structure changed
            group = (entity, str(new.values[_PARENTS[entity]]))
            self.parents.setdefault(group, set()).add(entity)
            self.rows[group] = new
        else:
            self.whole = True


@attrs.define
class _Built:
    """A location as last assembled in full or in part, from rows a full assembly reported nothing about.

    Only such a location is updated in part: then every person and worker has one row and its records
    their parents, so a change to one person's records rebuilds that person alone, and what a full
    assembly would report (a duplicate, an orphan...) is seen before anything is built: it is assembled
    in full instead, and the problem reported as before.
    """

    location: Location
    at: dict[tuple[str, str], tuple[int, _Row]]
    """(``people`` or ``staff``, id) → where it is in ``location.people`` or ``.staff``, and its row."""
    counts: Counter[str]
    """``record_counts(location)``, kept up to date as parts are made again."""


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
        self._held = HeldConnection(self.engine, lambda held: outside_transaction(held, self.parsed))
        """PostgreSQL: the connection of the reads of one statement (the log, the rows of one entity)."""
        self._driver_sql: dict[int, tuple[str, tuple[Any, ...]]] = {}
        """id of a query (``_LOG_QUERY``, those of ``_queries``: kept as long as the feed) → its SQL in the
        driver's style and the result processor of each column (``_execute``)."""
        self._listener: Any = None
        self._quiet = False
        """The last log read found nothing new, and the listener has heard of no commit since."""
        self._more = False
        """The last read of the log stopped at ``BATCH`` rows, new ones among them: more may be there."""
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
        self._rows: dict[str, dict[str, dict[str, _Row]]] = {}
        """Location id → entity → row key → converted row, each entity's rows in the order a full read
        gives them (by key)."""
        self._where: dict[str, dict[str, str]] = {}
        """Entity → row key → the location holding it: a row moved to another location is taken out of
        the old one too (the change log of SQLite and MariaDB names only the new one)."""
        self._built: dict[str, _Built] = {}
        """Location id → the location as last assembled, if it can be updated in place (see ``_Built``)."""
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
        self._quiet = False  # commits made while nobody listened sent no notification: read first

    def _relisten(self) -> None:
        import psycopg

        try:
            self._listen()
        except psycopg.Error:
            self._listener = None

    def wait(self, timeout: float) -> Sequence[Change]:
        """Changes that arrived; waits up to ``timeout`` seconds (a notification or a poll ends the wait).

        A wait of no time reads the log. With a listener, a longer wait right after a read that found nothing
        does not read again before it waits: it reads when a notification comes (every commit that writes the
        log sends one, delivered even if it was sent before the wait began) and when it ends.
        """
        deadline = time.monotonic() + timeout
        read = timeout <= 0 or not (self._quiet and self._listener is not None and not self._heard(0.0))
        while True:
            found = (self._read_log() if self.logged else self._read_cursor()) if read else []
            left = deadline - time.monotonic()
            if found or left <= 0:
                return found
            read = True
            if self._more or self._buffer:
                continue  # the log holds more than was read (other shards' changes first): read on
            if self._listener is not None:
                self._heard(min(max(left, 0.0), max(self.poll, 1.0)))
            else:
                time.sleep(min(left, self.poll))
                if self.logged and self.parsed.backend == "postgresql":
                    self._relisten()

    def _heard(self, timeout: float) -> bool:
        """Whether a notification came within ``timeout`` seconds (all of those queued are taken: one log read
        for all); a dropped listener counts as one (the log is polled until it can listen again)."""
        import psycopg

        heard = False
        try:
            for _ in self._listener.notifies(timeout=timeout, stop_after=1):
                heard = True
            for _ in self._listener.notifies(timeout=0.0):
                heard = True
        except psycopg.Error:
            self._listener.close()
            self._listener = None
            return True
        return heard

    def _read_log(self) -> list[Change]:
        if not self._buffer:
            try:
                with self._one_statement() as connection:
                    rows = self._execute(connection, _LOG_QUERY, {"low": self._low, "n": BATCH}).rows
            except sa.exc.DBAPIError as exc:
                raise InputError(
                    f"{self.parsed.shown}: cannot read the change log ({first_line(exc.orig)})"
                ) from None
            self._buffer.extend(row for row in rows if row[0] not in self._seen)
            # A full read with news may have left more; one of rows seen before (behind a gap) has not.
            self._more = len(rows) >= BATCH and bool(self._buffer)
        changes: list[Change] = []
        owns = self.owns
        while self._buffer and len(changes) < STEP:
            seq, table, location_id, key, op = self._buffer.popleft()
            self._seen.add(seq)  # only what is returned (or another shard's) counts towards the position
            if owns is None or owns(str(location_id)):
                changes.append(Change(str(location_id), str(table), str(key), op == "D", f"log:{seq}"))
        self._advance()
        self._quiet = not changes and not self._buffer and not self._more
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
    # The feed keeps every location's rows, converted, by entity and key, in a full read's order. A change
    # re-reads only the rows it names (one query per changed table). A location is then made again only
    # where its rows changed (``_Dirt``): a care plan's person, with the other people, workers and records
    # kept as they were (the very objects: what is downstream compares by identity), or one collection.
    # Anything else (the locations row, ratings, a person added or gone) or a location whose last full
    # assembly reported a problem is assembled in full from its rows, so that problems are reported as a
    # full read reports them. Changes without a row key (the updated_at mode) re-read whole locations.

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
                        location_id = str(row.values["location_id"])
                        self._rows.setdefault(location_id, {}).setdefault(name, {})[row.key] = row
                        self._index(name, row.key, location_id)

    def _index(self, entity: str, key: str, location_id: str) -> None:
        """Note that ``location_id`` holds the row; a location that holds it still keeps the note (it was
        moved, and that location has not heard yet: the change will take it out)."""
        where = self._where.setdefault(entity, {})
        held = where.get(key)
        if held is None or held == location_id or key not in self._rows.get(held, {}).get(entity, {}):
            where[key] = location_id

    def _assemble(
        self, location_ids: Iterable[str], dirt: dict[str, _Dirt], context: ReadContext
    ) -> Iterator[Location]:
        # Taken out first: one not given back (the reader stopped, a strict read failed) is assembled in full.
        taken = {location_id: self._built.pop(location_id, None) for location_id in location_ids}
        for location_id, built in taken.items():
            rows = self._rows.get(location_id)
            if not rows or not rows.get("locations"):
                self._rows.pop(location_id, None)
                continue  # gone (or its locations row was bad, and has been reported)
            changed = dirt.get(location_id)
            location = None
            if built is not None and not (changed and changed.whole):
                location = self._update(built, rows, changed) if changed else built.location
            if location is not None and built is not None:
                counts = built.counts
                self._built[location_id] = built
            else:
                reported = len(context.skips)
                location = self.reader._location(
                    {name: list(by_key.values()) for name, by_key in rows.items()}, context
                )
                if location is None:
                    continue
                counts = record_counts(location)
                if len(context.skips) == reported:
                    built = self._built_of(location, rows, counts)
                    if built is not None:
                        self._built[location_id] = built
            context.kept.update(counts)  # what context.count(location) does, without walking it again
            yield location

    @staticmethod
    def _built_of(
        location: Location, rows: dict[str, dict[str, _Row]], counts: Counter[str]
    ) -> _Built | None:
        """The parts of a location assembled in full that reported nothing: row i of people (staff) is
        person (worker) i."""
        at: dict[tuple[str, str], tuple[int, _Row]] = {}
        for entity, id_field in _PARENTS.items():
            parent_rows = rows.get(entity, {})
            made = location.people if entity == "people" else location.staff
            if len(parent_rows) != len(made):
                return None
            for index, row in enumerate(parent_rows.values()):
                at[entity, str(row.values[id_field])] = (index, row)
        return _Built(location, at, counts)

    def _update(self, built: _Built, rows: dict[str, dict[str, _Row]], changed: _Dirt) -> Location | None:
        """The location with only what ``changed`` made again; ``None`` if it must be assembled in full."""
        reader = self.reader
        parts: dict[str, Any] = dict(reader._collection(e, rows.get(e, {}).values()) for e in changed.simple)
        made: dict[str, list[Any]] = {}
        replaced: list[tuple[Any, Any]] = []
        for (entity, parent_id), entities in changed.parents.items():
            found = built.at.get((entity, parent_id))
            if found is None:
                return None  # records of a parent that is not there: orphans, which a full read reports
            index, row = found
            row = changed.rows.get((entity, parent_id), row)
            built.at[entity, parent_id] = (index, row)
            if entity == "people":
                people = made.setdefault("people", list(built.location.people))
                person = people[index]
                records = [getattr(person, attribute) for attribute in _PERSON_ATTRIBUTES]
                for child in entities & _PERSON_POSITION.keys():
                    records[_PERSON_POSITION[child]] = tuple(
                        reader._group(child, rows.get(child, {}).values(), parent_id)
                    )
                people[index] = reader._person(row, tuple(records))
                replaced.append((person, people[index]))
            else:
                staff = made.setdefault("staff", list(built.location.staff))
                member = staff[index]
                groups = {
                    child: reader._group(child, rows.get(child, {}).values(), parent_id)
                    for child in entities
                    if child != "staff"
                }
                kept = (
                    [member.dbs] if member.dbs is not None else [],
                    member.training,
                    member.supervisions,
                    [member.recruitment] if member.recruitment is not None else [],
                )
                member_parts = reader._member_parts(
                    *(groups.get(child, kept[i]) for i, child in enumerate(_STAFF_COLLECTIONS))
                )
                if member_parts is None:
                    return None  # two recruitment checks: a full read reports it
                staff[index] = reader._member(row, member_parts)
                replaced.append((member, staff[index]))
        parts.update((name, tuple(objects)) for name, objects in made.items())
        built.location = replace(built.location, **parts)
        if changed.simple:
            built.counts = record_counts(built.location)
        else:
            for old, new in replaced:
                recount(old, new, built.counts)
        return built.location

    def _by_keys(self, entity: str) -> Any:
        """Rows of ``entity`` by the keys bound to ``keys`` (built once, so its compiled form is cached)."""
        query = self._queries.get(entity)
        if query is None:
            entity_map = self.reader.mapping.entities[entity]
            table = self.reader._table(entity_map)
            key = table.c[entity_map.key]
            if self.parsed.backend == "postgresql":
                # One array: the same text whatever the number of keys (prepared once, not planned each time),
                # bound as an array literal of unknown type (``_reread``): the server takes the column's.
                where = key == sa.any_(sa.bindparam("keys"))
            else:
                where = key.in_(sa.bindparam("keys", expanding=True))
            query = self._queries[entity] = sa.select(*(table.c[n] for n in entity_map.columns)).where(where)
        return query

    def _snapshot(self) -> Any:
        return snapshot(self.engine, self.parsed)

    @contextmanager
    def _one_statement(self) -> Iterator[sa.Connection]:
        """A connection for a read of one statement, outside any transaction (``outside_transaction``): on
        PostgreSQL the one the feed holds (no pool checkout and return per read), elsewhere one from the pool
        (SQLite: in a transaction, as ``snapshot``)."""
        if self.parsed.backend != "postgresql":
            with one_statement(self.engine, self.parsed) as connection:
                yield connection
            return
        yield self._held.get()

    def _execute(self, connection: sa.Connection, query: Any, params: Mapping[str, Any]) -> DriverResult:
        """The rows of ``query``: on PostgreSQL run on the driver's cursor as compiled once (``on_driver``),
        with the result processing of the selected columns' types, if any; elsewhere by SQLAlchemy."""
        if self.parsed.backend != "postgresql":
            rows = connection.execute(query, params)
            return DriverResult(tuple(rows.keys()), [tuple(row) for row in rows])
        compiled = self._driver_sql.get(id(query))
        if compiled is None:
            dialect = connection.dialect
            processors = tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in getattr(query, "selected_columns", ())
            )
            compiled = self._driver_sql[id(query)] = (str(query.compile(dialect=dialect)), processors)
        sql, processors = compiled
        result = on_driver(connection, sql, params)
        if any(processors):
            result.rows = [
                tuple(
                    value if convert is None else convert(value)
                    for convert, value in zip(processors, row, strict=True)
                )
                for row in result.rows
            ]
        return result

    def apply(self, changes: Sequence[Change]) -> Iterator[Location]:
        """The locations ``changes`` name as they are now, re-reading only the rows that changed."""
        context = self._fresh_context()
        by_entity: dict[str, dict[str, set[str]]] = {}
        """Entity → row key → the locations that may hold the row now."""
        whole: list[str] = []
        for change in changes:
            entities = self._entities.get(change.record_type)
            if entities is None or not change.record_key or change.location_id not in self._rows:
                whole.append(change.location_id)
                continue
            for entity in entities:
                held = by_entity.setdefault(entity, {}).setdefault(change.record_key, set())
                held.add(change.location_id)
                elsewhere = self._where.get(entity, {}).get(change.record_key)
                if elsewhere is not None:
                    held.add(elsewhere)
        dirt: dict[str, _Dirt] = {}
        # Rows of one entity, read in one statement, need no transaction around it (``one_statement``).
        alone = not whole and len(by_entity) == 1 and all(len(k) <= READ_BATCH for k in by_entity.values())
        try:
            with self._one_statement() if alone else self._snapshot() as connection:
                if whole:
                    self._reload(connection, set(whole), dirt, context)
                unordered: set[str] = set()
                for entity, keys in by_entity.items():
                    unordered |= self._reread(connection, entity, keys, dirt, context)
                if unordered and not alone:
                    self._reload(connection, unordered, dirt, context)
            if unordered and alone:  # read whole, in a snapshot of their own
                with self._snapshot() as connection:
                    self._reload(connection, unordered, dirt, context)
        except BaseException as exc:
            # Rows may have changed before it failed (a bad row, strict): the locations built are not to be
            # trusted; they are assembled in full next time.
            named = {
                location_id for keys in by_entity.values() for held in keys.values() for location_id in held
            }
            for location_id in {*whole, *dirt, *named}:
                self._built.pop(location_id, None)
            if isinstance(exc, sa.exc.DBAPIError):
                raise InputError(f"{self.parsed.shown}: query failed ({first_line(exc.orig)})") from None
            raise
        ids = list(dict.fromkeys([*whole, *(c.location_id for c in changes), *dirt]))
        yield from self._assemble(ids, dirt, context)
        context.check()

    def _reload(
        self, connection: sa.Connection, wanted: set[str], dirt: dict[str, _Dirt], context: ReadContext
    ) -> None:
        """Read these locations whole into the row cache; those that no longer exist are taken out."""
        found = [value for value in self.reader._location_ids(connection, None) if str(value) in wanted]
        self._load(connection, found, context)
        for location_id in wanted - {str(value) for value in found}:
            self._rows.pop(location_id, None)
        dirt.update((location_id, _Dirt(whole=True)) for location_id in wanted)

    def _reread(
        self,
        connection: sa.Connection,
        entity: str,
        keys: dict[str, set[str]],
        dirt: dict[str, _Dirt],
        context: ReadContext,
    ) -> set[str]:
        """Read the rows of ``entity`` with these keys again into the row cache; those gone are taken out.
        Returns the locations where a row came that a full read may give before others, if the keys say
        nothing of the order (not integers): they are to be read whole."""
        entity_map = self.reader.mapping.entities[entity]
        parent = entity_map.entity.parent
        query = self._by_keys(entity)
        values = self._key_values(connection, entity, keys)
        placed: set[tuple[str, str]] = set()
        unordered: set[str] = set()
        where = self._where.setdefault(entity, {})
        literal = self.parsed.backend == "postgresql"
        for start in range(0, len(values), READ_BATCH):
            batch = values[start : start + READ_BATCH]
            chunk = {"keys": array_literal(batch, text=not self._integer_keys[entity]) if literal else batch}
            for raw in self._execute(connection, query, chunk).mappings():
                row = self.reader._convert(entity_map, raw, context)
                if row is None:
                    continue
                location_id = str(row.values["location_id"])
                if location_id not in self._rows and entity != "locations":
                    continue  # a row of a location not read yet: its locations row comes too
                by_key = self._rows.setdefault(location_id, {}).setdefault(entity, {})
                old = by_key.get(row.key)
                by_key[row.key] = row
                placed.add((location_id, row.key))
                where[row.key] = location_id
                if old is None and len(by_key) > 1 and not self._last(entity, by_key, row.key):
                    # A new row that a full read gives before others: keep the full read's order (by key).
                    if not self._integer_keys.get(entity):
                        unordered.add(location_id)
                        continue
                    self._rows[location_id][entity] = dict(sorted(by_key.items(), key=lambda i: int(i[0])))
                dirt.setdefault(location_id, _Dirt()).note(entity, parent, old, row)
        for key, held in keys.items():
            for location_id in held:
                if (location_id, key) not in placed:
                    old = self._rows.get(location_id, {}).get(entity, {}).pop(key, None)
                    if old is not None:
                        dirt.setdefault(location_id, _Dirt()).note(entity, parent, old, None)
                    if where.get(key) == location_id:
                        del where[key]
        return unordered

    def _last(self, entity: str, by_key: dict[str, _Row], key: str) -> bool:
        """Whether ``key``, just added last to ``by_key``, is also last in a full read's order (by key)."""
        if not self._integer_keys.get(entity):
            return False
        keys = reversed(by_key)
        next(keys)
        return int(key) > int(next(keys))

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
                self._rows, self._where, self._built = {}, {}, {}
                self._load(connection, ids, context)
        except sa.exc.DBAPIError as exc:
            raise InputError(f"{self.parsed.shown}: query failed ({first_line(exc.orig)})") from None
        yield from self._assemble([str(value) for value in ids], {}, context)
        context.check()

    def close(self) -> None:
        """Close the listening connection and the pool."""
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        self._held.close()
        self.engine.dispose()
