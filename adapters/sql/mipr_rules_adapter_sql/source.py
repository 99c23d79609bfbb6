"""Sources: an SQLAlchemy URL, the adapter's own options in its query string, the driver, the engine.

``postgresql://`` and ``postgres://`` get the psycopg driver, ``mysql://`` and ``mariadb://`` get PyMySQL;
a URL naming its driver (``postgresql+psycopg2://``) is used as it is. The adapter's options
(``mapping``, ``since``, ``cursor``) are taken out of the query string before the URL reaches the driver;
every other query option is the driver's.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from mipr_rules.errors import InputError, PluginError, first_line

OPTIONS = ("mapping", "since", "cursor")
"""Query-string options the adapter reads itself."""

DRIVERS = {
    "postgresql": ("postgresql+psycopg", "psycopg", "postgresql"),
    "postgres": ("postgresql+psycopg", "psycopg", "postgresql"),
    "mysql": ("mysql+pymysql", "pymysql", "mariadb"),
    "mariadb": ("mariadb+pymysql", "pymysql", "mariadb"),
}
"""Bare URL scheme: (SQLAlchemy driver name, driver module, extra of this distribution that installs it)."""


@attrs.frozen
class SqlSource:
    """A parsed source: the database URL and the adapter's options."""

    url: sa.URL
    """The database URL with the driver chosen and the adapter's options removed."""
    mapping: str | None = None
    """Mapping file (``?mapping=``); ``None`` for the reference schema."""
    since: str | None = None
    """Change cursor to read from (``?since=``): only locations changed after it are read."""
    cursor: str | None = None
    """Cursor file (``?cursor=``): read ``since`` from it and store the new cursor in it after the read."""

    @property
    def shown(self) -> str:
        """The URL as messages show it: password hidden."""
        return self.url.render_as_string(hide_password=True)

    @property
    def backend(self) -> str:
        """``sqlite``, ``postgresql``, ``mysql`` or ``mariadb``."""
        return self.url.get_backend_name()


def _masked(text: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", text)


def parse_source(source: str) -> SqlSource:
    """Parse ``source``; an ``InputError`` if it is not an SQLAlchemy URL this adapter can open."""
    try:
        url = sa.make_url(source)
    except sa.exc.ArgumentError:
        raise InputError(
            f"{_masked(source)}: not an SQLAlchemy database URL (e.g. sqlite:///home.db, postgresql://host/db)"
        ) from None
    options: dict[str, str] = {}
    for name in OPTIONS:
        value = url.query.get(name)
        if isinstance(value, tuple):
            raise InputError(f"{_masked(source)}: option {name} is given more than once")
        if value is not None:
            options[name] = value
    url = url.difference_update_query(OPTIONS)
    if url.drivername in DRIVERS:
        drivername, module, extra = DRIVERS[url.drivername]
        if importlib.util.find_spec(module) is None:
            raise PluginError(
                f"{url.render_as_string(hide_password=True)}: the {module} driver is not installed; "
                f"pip install 'mipr-rules-adapter-sql[{extra}]'"
            )
        url = url.set(drivername=drivername)
    parsed = SqlSource(url=url, **options)
    if parsed.since is not None and parsed.cursor is not None:
        raise InputError(f"{parsed.shown}: give since or cursor, not both")
    if parsed.backend == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            raise InputError(f"{parsed.shown}: give the path of a SQLite database file (sqlite:///home.db)")
        if not Path(database).is_file():
            raise InputError(f"{parsed.shown}: database file not found")
    return parsed


def make_engine(source: SqlSource) -> sa.Engine:
    """An engine for one read: no pool, SQLite reading in a real transaction (one snapshot)."""
    try:
        engine = sa.create_engine(source.url, poolclass=NullPool)
    except (ImportError, sa.exc.NoSuchModuleError, sa.exc.ArgumentError) as exc:
        raise PluginError(f"{source.shown}: cannot use this database driver ({first_line(exc)})") from None
    if source.backend == "sqlite":
        # pysqlite starts no transaction before a SELECT; begin one so that every query sees one snapshot.
        @sa.event.listens_for(engine, "connect")
        def _no_implicit_transactions(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        @sa.event.listens_for(engine, "begin")
        def _begin(connection: sa.Connection) -> None:
            connection.exec_driver_sql("BEGIN")

    return engine


@contextmanager
def snapshot(engine: sa.Engine, source: SqlSource) -> Iterator[sa.Connection]:
    """A connection in one read transaction: every query of the read sees the same state of the data."""
    try:
        connection = engine.connect()
    except sa.exc.DBAPIError as exc:
        raise InputError(f"{source.shown}: cannot connect ({first_line(exc.orig)})") from None
    with connection:
        if source.backend != "sqlite":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            yield connection


def outside_transaction(connection: sa.Connection, source: SqlSource) -> sa.Connection:
    """``connection``, its statements run outside any transaction (but on SQLite, whose reads stay in one):
    a statement sees one state of the data by itself, and the server is spared the round trips of BEGIN and
    its end."""
    if source.backend != "sqlite":
        connection.execution_options(isolation_level="AUTOCOMMIT")
    return connection


@contextmanager
def one_statement(engine: sa.Engine, source: SqlSource) -> Iterator[sa.Connection]:
    """A connection for a read of one statement (``outside_transaction``). SQLite: ``snapshot``."""
    if source.backend == "sqlite":
        with snapshot(engine, source) as connection:
            yield connection
        return
    try:
        connection = engine.connect()
    except sa.exc.DBAPIError as exc:
        raise InputError(f"{source.shown}: cannot connect ({first_line(exc.orig)})") from None
    with connection:
        yield outside_transaction(connection, source)
