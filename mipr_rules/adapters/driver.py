"""Statements run straight on the driver's cursor of a SQLAlchemy connection (the SQL feed's and the alert store's
statements on PostgreSQL, run many times a second): no compiling, execution context or result objects, but the
connection's cursor events fired and driver errors raised as SQLAlchemy's, as ``Connection.execute`` does."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa


class DriverResult:
    """The rows of a statement run on the driver's cursor (``on_driver``), fetched at once."""

    __slots__ = ("names", "rows")

    def __init__(self, names: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        self.names, self.rows = names, rows

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.rows)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows

    def mappings(self) -> list[dict[str, Any]]:
        return [dict(zip(self.names, row, strict=True)) for row in self.rows]


def on_driver(db: sa.Connection, sql: str, params: Mapping[str, Any]) -> DriverResult:
    """``sql`` (in the driver's parameter style) on the cursor of ``db``'s driver connection, in whatever
    transaction ``db`` is in (none under AUTOCOMMIT). Its cursor events are fired (tests and tools count and
    hold statements with them); a driver error is raised as SQLAlchemy's, and a lost connection is invalidated,
    so that the pool does not hand it out again."""
    dbapi = db.connection.dbapi_connection
    assert dbapi is not None
    cursor = dbapi.cursor()
    events = db.dispatch
    for before in events.before_cursor_execute:
        sql, params = before(db, cursor, sql, params, None, False)
    try:
        cursor.execute(sql, params)
        for after in events.after_cursor_execute:
            after(db, cursor, sql, params, None, False)
        names = tuple(column[0] for column in cursor.description or ())
        rows = list(cursor.fetchall()) if names else []
    except db.dialect.loaded_dbapi.Error as exc:
        lost = db.dialect.is_disconnect(exc, dbapi, cursor)
        if lost:
            db.invalidate()
        error = db.dialect.loaded_dbapi.Error
        raise sa.exc.DBAPIError.instance(
            sql, params, exc, error, connection_invalidated=lost, dialect=db.dialect
        ) from exc
    finally:
        cursor.close()
    return DriverResult(names, rows)


def array_literal(values: Sequence[Any], *, text: bool = True) -> str:
    """PostgreSQL's text form of a one-dimensional array of ``values`` (``text``: each value quoted with its ``"``
    and ``\\`` escaped; else integers), bound as one string where the statement takes an array: the driver
    dumps a list element by element, with a regular expression over each, at several times the cost."""
    if not text:
        return "{" + ",".join(str(int(value)) for value in values) + "}"
    if not values:
        return "{}"
    return '{"' + '","'.join(str(value).replace("\\", "\\\\").replace('"', '\\"') for value in values) + '"}'
