"""The change log: a ``mipr_changes`` table and triggers that record every written or deleted row in it.

``mipr sql install-triggers URL`` installs them (idempotent; ``--drop`` removes them). One row per change:
its sequence number (the feed's durable position), table, location id, row key and operation (``I``,
``U``, ``D``). On PostgreSQL the trigger also sends ``NOTIFY mipr_changes`` (one per transaction, at its
commit), so a follower wakes at the commit instead of at its next poll; on MariaDB/MySQL and SQLite the
follower polls the table (``--poll SECONDS``). Deletions are seen too, which ``updated_at`` columns
cannot show.

The log grows with every write; prune what every follower has read, e.g. daily:
``DELETE FROM mipr_changes WHERE changed_at < now() - interval '7 days'``.
"""

from __future__ import annotations

import hashlib
import re

import sqlalchemy as sa

from mipr_rules.errors import InputError
from mipr_rules_adapter_sql.mapping import Mapping

LOG_TABLE = "mipr_changes"
"""The change-log table."""
CHANNEL = "mipr_changes"
"""The PostgreSQL notification channel."""
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def _checked(name: str, where: str) -> str:
    if not _NAME.match(name):
        raise InputError(
            f"{where}: {name!r} is not a plain SQL identifier; triggers cannot be installed on it"
        )
    return name


def tracked(mapping: Mapping) -> list[tuple[str, str, str]]:
    """``(table, key column, location column)`` of every mapped table with a location column."""
    out = []
    for name, entity_map in mapping.entities.items():
        link = entity_map.fields.get("location_id")
        if link is None or link.column is None:
            continue
        where = f"{mapping.origin}: entities.{name}"
        out.append(
            (_checked(entity_map.table, where), _checked(entity_map.key, where), _checked(link.column, where))
        )
    return list(dict.fromkeys(out))


def _function(table: str) -> str:
    """The name of ``table``'s trigger function (at most 63 characters, distinct per table)."""
    name = f"mipr_change_{table}"
    if len(name) <= 63:
        return name
    return f"mipr_change_{table[:42]}_{hashlib.blake2b(table.encode(), digest_size=4).hexdigest()}"


def _postgresql(mapping: Mapping) -> list[str]:
    statements = [
        f"CREATE TABLE IF NOT EXISTS {LOG_TABLE} (seq BIGSERIAL PRIMARY KEY, table_name TEXT NOT NULL, "
        "location_id TEXT NOT NULL, record_key TEXT NOT NULL, op CHAR(1) NOT NULL, "
        "changed_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    ]
    insert = f"INSERT INTO {LOG_TABLE} (table_name, location_id, record_key, op) VALUES"
    for table, key, location in tracked(mapping):
        old, new, key_text = (
            f"CAST(OLD.{location} AS text)",
            f"CAST(NEW.{location} AS text)",
            f"CAST(NEW.{key} AS text)",
        )
        # One function per table, naming its columns: half the server's time of one reading the row as JSON.
        statements += [
            f"""
            CREATE OR REPLACE FUNCTION {_function(table)}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    {insert} ('{table}', {old}, coalesce(CAST(OLD.{key} AS text), ''), 'D');
                ELSE
                    {insert} ('{table}', {new}, coalesce({key_text}, ''), left(TG_OP, 1));
                    IF TG_OP = 'UPDATE' AND OLD.{location} IS DISTINCT FROM NEW.{location} THEN
                        {insert} ('{table}', {old}, coalesce({key_text}, ''), 'D');
                    END IF;
                END IF;
                -- One payload for all: the server folds a transaction's notifications into one at commit.
                PERFORM pg_notify('{CHANNEL}', '');
                RETURN NULL;
            END $$
            """,
            f"DROP TRIGGER IF EXISTS mipr_change ON {table}",
            f"CREATE TRIGGER mipr_change AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {_function(table)}()",
        ]
    return statements


def _row_triggers(mapping: Mapping, sqlite: bool) -> list[str]:
    if sqlite:
        statements = [
            f"CREATE TABLE IF NOT EXISTS {LOG_TABLE} (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
            "table_name TEXT NOT NULL, location_id TEXT NOT NULL, record_key TEXT NOT NULL, "
            "op TEXT NOT NULL, changed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')))"
        ]
    else:
        statements = [
            f"CREATE TABLE IF NOT EXISTS {LOG_TABLE} (seq BIGINT AUTO_INCREMENT PRIMARY KEY, "
            "table_name VARCHAR(64) NOT NULL, location_id VARCHAR(64) NOT NULL, "
            "record_key VARCHAR(64) NOT NULL, op CHAR(1) NOT NULL, "
            "changed_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))"
        ]
    for table, key, location in tracked(mapping):
        for op, when, row in (("I", "INSERT", "NEW"), ("U", "UPDATE", "NEW"), ("D", "DELETE", "OLD")):
            name = f"mipr_{table}_{op.lower()}"[:64]
            insert = (
                f"INSERT INTO {LOG_TABLE} (table_name, location_id, record_key, op) "
                f"VALUES ('{table}', {row}.{location}, COALESCE(CAST({row}.{key} AS CHAR), ''), '{op}')"
            )
            if sqlite:
                insert = insert.replace("AS CHAR", "AS TEXT")
                statements += [
                    f"DROP TRIGGER IF EXISTS {name}",
                    f"CREATE TRIGGER {name} AFTER {when} ON {table} FOR EACH ROW BEGIN {insert}; END",
                ]
            else:
                statements += [
                    f"DROP TRIGGER IF EXISTS {name}",
                    f"CREATE TRIGGER {name} AFTER {when} ON {table} FOR EACH ROW {insert}",
                ]
    return statements


def install_statements(backend: str, mapping: Mapping) -> list[str]:
    """The SQL installing the change log on ``backend`` (postgresql, mysql, mariadb or sqlite)."""
    if backend == "postgresql":
        return _postgresql(mapping)
    if backend in ("mysql", "mariadb", "sqlite"):
        return _row_triggers(mapping, backend == "sqlite")
    raise InputError(
        f"change-log triggers are not available for {backend} databases (use --poll on updated_at)"
    )


def drop_statements(backend: str, mapping: Mapping) -> list[str]:
    """The SQL that removes the triggers (the log table is kept: it may hold unread changes)."""
    statements = []
    for table, _key, _location in tracked(mapping):
        if backend == "postgresql":
            statements.append(f"DROP TRIGGER IF EXISTS mipr_change ON {table}")
        else:
            statements += [f"DROP TRIGGER IF EXISTS mipr_{table}_{op}"[:64] for op in "iud"]
    if backend == "postgresql":
        functions = [_function(table) for table, _key, _location in tracked(mapping)]
        functions.append("mipr_record_change")  # the one function of earlier versions
        statements += [f"DROP FUNCTION IF EXISTS {name}()" for name in functions]
    return statements


def install_triggers(engine: sa.Engine, backend: str, mapping: Mapping, *, drop: bool = False) -> int:
    """Install (or with ``drop`` remove) the change log in one transaction; returns the tables covered."""
    statements = drop_statements(backend, mapping) if drop else install_statements(backend, mapping)
    with engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
    return len(tracked(mapping))


def has_log(connection: sa.Connection) -> bool:
    """Whether the database has the change-log table."""
    return sa.inspect(connection).has_table(LOG_TABLE)
