"""Table shapes and set-based statements shared by the store's parts (SQLite and PostgreSQL alike)."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any, Protocol

import sqlalchemy as sa

from mipr_rules.adapters.driver import DriverResult, array_literal, on_driver
from mipr_rules.watch.store.records import COLUMNS

CHUNK = 5000
"""Most values bound in one ``IN`` list."""
_SQLITE_VARIABLES = 32766 if sqlite3.sqlite_version_info >= (3, 32) else 999
"""Most parameters of one SQLite statement."""
META = sa.MetaData()
ALERTS = sa.Table(
    "alerts",
    META,
    sa.Column("id", sa.Integer, primary_key=True),
    *(sa.Column(name, sa.Text) for name in COLUMNS.replace(" ", "").split(",")[1:]),
    sa.Column("digest", sa.Text),
)
EVENTS = sa.Table(
    "alert_events",
    META,
    sa.Column("id", sa.Integer, primary_key=True),
    *(sa.Column(name, sa.Text) for name in ("alert_id", "kind", "at", "as_of", "by", "note")),
    sa.Column("occurrence", sa.Integer),
)
OUTBOX = sa.Table(
    "outbox",
    META,
    sa.Column("id", sa.Integer, primary_key=True),
    *(sa.Column(name, sa.Text) for name in ("target_key", "target_label", "changes", "idempotency_key")),
    sa.Column("held", sa.Integer),
)


LOCATIONS = sa.Table(
    "locations",
    META,
    *(sa.Column(name, sa.Text) for name in ("location_id", "name", "last_checked", "last_error", "last_error_on")),
)


@lru_cache(maxsize=512)
def statement(sql: str, expanding: str | None = None) -> sa.TextClause:
    """The text clause of ``sql`` (``expanding``: its bind parameter of a list), made once: making one parses
    its text, and SQLAlchemy's cache key of it is kept with the object."""
    clause = sa.text(sql)
    return clause.bindparams(sa.bindparam(expanding, expanding=True)) if expanding else clause


_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@lru_cache(maxsize=512)
def _driver_sql(sql: str) -> str:
    """``sql`` with its ``:name`` parameters in the PostgreSQL driver's style (``%(name)s``), made once."""
    return _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))


class Result(Protocol):
    """What the store reads of a statement's result: its rows (tuples), all at once, or as mappings."""

    def __iter__(self) -> Iterator[Any]: ...

    def fetchall(self) -> Sequence[Any]: ...

    def mappings(self) -> Iterable[Mapping[Any, Any]]: ...


def run(db: sa.Connection, sql: str, params: dict[str, Any], kind: str = "text") -> Result:
    """Execute ``sql`` (parameters ``:name``; ``IN :ids`` bound to a list of ids of ``kind``, a PostgreSQL type).

    On PostgreSQL ``IN :ids`` becomes ``= ANY(:ids)`` with one array (the text is the same whatever the number of
    ids, so the driver prepares it once and the server stops parsing and planning it on every check), and the
    statement goes to the driver's cursor as it is (``_on_driver``): the statements a check runs every time skip
    SQLAlchemy's compiling and result objects. Elsewhere it is a text clause whose ``:ids`` expands.
    """
    if db.dialect.name == "postgresql":
        if "IN :ids" in sql:
            sql = sql.replace("IN :ids", f"= ANY(CAST(:ids AS {kind}[]))")
            params = {**params, "ids": array_literal(params["ids"], text=kind == "text")}
        return _on_driver(db, _driver_sql(sql), params)
    return db.execute(statement(sql, "ids" if "IN :ids" in sql else None), params)


def _on_driver(db: sa.Connection, sql: str, params: dict[str, Any]) -> DriverResult:
    """``on_driver`` in ``db``'s transaction, begun here if it is not yet (so that ``db.commit()`` and
    ``db.rollback()`` end it)."""
    if not db.in_transaction():
        db.begin()
    return on_driver(db, sql, params)


def insert_rows(
    db: sa.Connection,
    table: sa.Table,
    rows: list[dict[str, Any]],
    *,
    returning: Sequence[str] = (),
    conflict: str | None = None,
    events: tuple[str, Mapping[str, Any]] | None = None,
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (all with the same keys) in one statement; the ``returning`` columns of each.

    ``conflict``: the key column of an upsert (the other columns are updated). PostgreSQL gets the rows as one
    JSON document (``INSERT … SELECT … FROM json_to_recordset(…)``: one short statement, whatever the number of
    rows, and cheaper to bind than arrays or thousands of parameters); SQLite, in the same process, the statement
    once per row, or (``returning``) multi-row ``VALUES``. ``events``: (kind, ``with_events`` parameters) of the
    events the statement also writes (PostgreSQL, new alerts: ``returning`` names their ``alert_id`` and ``id``).
    """
    if not rows:
        return []
    names = list(rows[0])
    if db.dialect.name == "postgresql":
        types = ", ".join(f"{n} {_pg_type(table, n)}" for n in names)
        sql = (
            f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {', '.join(names)} "
            f"FROM json_to_recordset(CAST(:rows AS json)) AS x({types})"
        )
        if conflict:
            updates = ", ".join(f"{n} = excluded.{n}" for n in names if n != conflict)
            sql += f" ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
        if returning:
            sql += f" RETURNING {', '.join(returning)}"
        params = {"rows": json.dumps(rows, ensure_ascii=False)}
        if events is not None:
            sql, params = with_events(sql, events[0]), {**params, **events[1]}
        result = run(db, sql, params)
        return [tuple(r) for r in result] if returning else []
    if events is not None:  # never dropped unwritten: SQLite has no data-modifying WITH to write them with
        raise ValueError("insert_rows: events are written with the rows on PostgreSQL only")
    head = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES "
    one = f"({', '.join('?' * len(names))})"
    tail = ""
    if conflict:
        tail = f" ON CONFLICT ({conflict}) DO UPDATE SET " + ", ".join(
            f"{n} = excluded.{n}" for n in names if n != conflict
        )
    values = [tuple(row[n] for n in names) for row in rows]
    if not returning:
        db.exec_driver_sql(head + one + tail, values)  # executemany: prepared once, run row by row in process
        return []
    out: list[tuple[Any, ...]] = []
    step = max(1, _SQLITE_VARIABLES // len(names))
    for start in range(0, len(values), step):
        chunk = values[start : start + step]
        sql = f"{head}{', '.join([one] * len(chunk))}{tail} RETURNING {', '.join(returning)}"
        out.extend(tuple(r) for r in db.exec_driver_sql(sql, tuple(v for row in chunk for v in row)))
    return out


def with_events(sql: str, kind: str) -> str:
    """PostgreSQL: ``sql``, a statement writing alerts and returning them (their ``alert_id`` and ``id`` among the
    columns), that also writes an event of ``kind`` for each, in order of id, at ``:event_at`` as of
    ``:event_as_of``: a check's events cost no statement of their own. It returns what ``sql`` returns."""
    return (
        f"WITH written AS ({sql}), logged AS (INSERT INTO alert_events (alert_id, occurrence, kind, at, as_of) "
        f"SELECT alert_id, id, '{kind}', CAST(:event_at AS text), CAST(:event_as_of AS text) FROM written "
        "ORDER BY id) SELECT * FROM written"
    )


def update_rows(db: sa.Connection, table: sa.Table, rows: list[dict[str, Any]], *, key: str = "id") -> None:
    """Update rows by ``key`` to the other values of each of ``rows`` (all with the same keys).

    PostgreSQL gets one statement (``UPDATE … FROM json_to_recordset(…)``: one round trip, whatever the number of
    rows); SQLite, in the same process, the statement once per row.
    """
    if not rows:
        return
    names = [n for n in rows[0] if n != key]
    if db.dialect.name == "postgresql":
        types = ", ".join(f"{n} {_pg_type(table, n)}" for n in (key, *names))
        sets = ", ".join(f"{n} = x.{n}" for n in names)
        sql = (
            f"UPDATE {table.name} SET {sets} FROM json_to_recordset(CAST(:rows AS json)) AS x({types}) "
            f"WHERE {table.name}.{key} = x.{key}"
        )
        run(db, sql, {"rows": json.dumps(rows, ensure_ascii=False)})
        return
    sets = ", ".join(f"{n} = :{n}" for n in names)
    db.execute(statement(f"UPDATE {table.name} SET {sets} WHERE {key} = :{key}"), rows)


def _pg_type(table: sa.Table, name: str) -> str:
    return "integer" if isinstance(table.c[name].type, sa.Integer) else "text"


def select_in(db: sa.Connection, sql: str, ids: list[str], **args: Any) -> list[Sequence[Any]]:
    """Rows of ``sql`` (tuples) whose ``IN :ids`` is bound to ``ids`` (text), ``CHUNK`` at a time (none for no ids)."""
    out: list[Sequence[Any]] = []
    for start in range(0, len(ids), CHUNK):
        out.extend(run(db, sql, {**args, "ids": ids[start : start + CHUNK]}).fetchall())
    return out


def upsert(db: sa.Connection, table: str, conflict: str, **values: Any) -> None:
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


def add_event(
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


def location_name(db: sa.Connection, location_id: str) -> str:
    name = db.execute(sa.text("SELECT name FROM locations WHERE location_id = :l"), {"l": location_id}).scalar()
    return str(name or "")
