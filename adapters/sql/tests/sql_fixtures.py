"""Test tooling: throwaway databases on a real server, and a loader of canonical locations into them.

The loader writes the reference schema from the canonical model, written apart from the adapter's reader
(its own field-to-column rules) so that a round trip checks one against the other.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Any

import attrs
import sqlalchemy as sa

from mipr_rules.convert import structure
from mipr_rules.model import Location
from mipr_rules_adapter_sql import schema
from mipr_rules_adapter_sql.entities import NOT_MAPPED, UNMAPPED_PATHS

BACKEND_ENV = "MIPR_SQL_BACKEND"
BACKENDS = ("sqlite", "postgresql", "mariadb")

SERVER_URLS = {
    "postgresql": os.environ.get(
        "MIPR_SQL_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    ),
    "mariadb": os.environ.get("MIPR_SQL_MARIADB_URL", "mariadb+pymysql://root@127.0.0.1:3306/"),
}
"""Administrative connection per server backend (override with the environment variables)."""

START_COMMANDS = {
    "postgresql": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "mariadb": "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd",
}
"""How to start each local server if it is down (see the machine notes, python-svc.md)."""


@contextmanager
def postgres_store(name: str) -> Iterator[str]:
    """A PostgreSQL database ``name`` for an alert store (any backend's run): its URL; dropped after."""
    admin = sa.create_engine(
        SERVER_URLS["postgresql"], isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
    )
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
    except sa.exc.OperationalError as exc:
        admin.dispose()
        raise RuntimeError(
            f"PostgreSQL is not reachable on localhost ({exc.orig}); "
            f"start it with {START_COMMANDS['postgresql']}"
        ) from None
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def backend() -> str:
    """The backend this test run uses: ``MIPR_SQL_BACKEND`` (default ``sqlite``)."""
    name = os.environ.get(BACKEND_ENV, "sqlite")
    if name not in BACKENDS:
        raise RuntimeError(f"{BACKEND_ENV}={name!r}: expected one of {', '.join(BACKENDS)}")
    return name


class ServerUnreachable(Exception):
    """The database server of the selected backend cannot be reached."""


class RunDatabase:
    """The one database of a test run, ``mipr_test_<random>``, holding the reference schema.

    Tests share it one after another: ``reset()`` empties it (and drops any table a test added) before
    each test that uses it; ``drop()`` removes it when the run ends.
    """

    def __init__(self, backend_name: str, folder: Path) -> None:
        self.backend = backend_name
        self.name = f"mipr_test_{secrets.token_hex(6)}"
        self._admin: sa.Engine | None = None
        if backend_name == "sqlite":
            self.path = folder / f"{self.name}.db"
            sa.create_engine(f"sqlite:///{self.path}", poolclass=sa.pool.NullPool).connect().close()
            self.url = f"sqlite:///{self.path}"
        else:
            self._admin = sa.create_engine(
                SERVER_URLS[backend_name], isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
            )
            try:
                with self._admin.connect() as connection:
                    options = " CHARACTER SET utf8mb4" if backend_name == "mariadb" else " ENCODING 'UTF8'"
                    connection.exec_driver_sql(f"CREATE DATABASE {self.name}{options}")
            except sa.exc.DBAPIError as exc:
                shown = self._admin.url.render_as_string(hide_password=True)
                text = str(exc.orig).strip()
                first = text.splitlines()[0] if text else type(exc.orig).__name__
                raise ServerUnreachable(
                    f"{backend_name} server at {shown} is not reachable ({first}). "
                    f"Start it with: {START_COMMANDS[backend_name]}"
                ) from None
            self.url = self._admin.url.set(database=self.name).render_as_string(hide_password=False)
        with engine(self.url).begin() as connection:
            schema.create_reference_schema(connection)

    def reset(self) -> str:
        """Empty the reference tables, drop every other table, recreate missing reference tables; the URL."""
        with engine(self.url).begin() as connection:
            extra = set(sa.inspect(connection).get_table_names()) - set(schema.metadata.tables)
            if extra:
                reflected = sa.MetaData()
                reflected.reflect(connection, only=sorted(extra))
                reflected.drop_all(connection)
            schema.metadata.create_all(connection, checkfirst=True)
            for table in reversed(schema.metadata.sorted_tables):
                connection.execute(table.delete())
        return self.url

    def load(self, *locations: Location, updated_at: dt.datetime | None = None) -> str:
        """Reset, then load ``locations`` into the reference schema; the URL."""
        self.reset()
        with engine(self.url).begin() as connection:
            for location in locations:
                load_location(connection, location, updated_at)
        return self.url

    def drop(self) -> None:
        """Drop the database."""
        if self._admin is None:
            self.path.unlink(missing_ok=True)
            return
        with self._admin.connect() as connection:
            force = " WITH (FORCE)" if self.backend == "postgresql" else ""
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {self.name}{force}")
        self._admin.dispose()

    def exists(self) -> bool:
        """Whether the server (or the disk) still has the database."""
        if self._admin is None:
            return self.path.exists()
        query = (
            "SELECT datname FROM pg_database"
            if self.backend == "postgresql"
            else "SELECT schema_name FROM information_schema.schemata"
        )
        with self._admin.connect() as connection:
            return self.name in {row[0] for row in connection.exec_driver_sql(query)}


def engine(url: str) -> sa.Engine:
    """An engine for test set-up (no pool, so that nothing stays connected to a database to be dropped)."""
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


# -- the loader ----------------------------------------------------------------------------------------------

_COLUMN_NAMES = {"left": "left_on", "references": "references_received"}
"""Model attributes whose reference-schema column has another name."""


def read_canonical(path: Path) -> Location:
    """A canonical location JSON file as the model (through the core converter)."""
    return structure(json.loads(path.read_text(encoding="utf-8")), Location, str(path))


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


UNMAPPED = UNMAPPED_PATHS
"""Model fields the reference schema has no place for, as the adapter contract's dotted paths."""


def _row(obj: Any, skip: frozenset[str] = frozenset(), **extra: Any) -> dict[str, Any]:
    row = {
        _COLUMN_NAMES.get(field.name, field.name): _plain(getattr(obj, field.name))
        for field in attrs.fields(type(obj))
        if field.name not in skip and field.name not in NOT_MAPPED.get(type(obj), frozenset())
    }
    row.update(extra)
    return row


def load_location(
    connection: sa.Connection, location: Location, updated_at: dt.datetime | None = None
) -> None:
    """Insert one canonical location into the reference schema (rows in model order, so ids keep it)."""
    stamp: dict[str, Any] = {"updated_at": updated_at} if updated_at is not None else {}
    where: dict[str, Any] = {"location_id": location.location_id, **stamp}

    def insert(table: sa.Table, rows: list[dict[str, Any]]) -> None:
        if rows:
            connection.execute(table.insert(), [{**row, **stamp} for row in rows])

    insert(
        schema.locations,
        [
            _row(
                location,
                frozenset(
                    {
                        "provider",
                        "service_types",
                        "manager_absences",
                        "current_rating",
                        "past_ratings",
                        "rating_display",
                        "conditions",
                        "people",
                        "staff",
                        "incidents",
                        "safeguarding",
                        "complaints",
                        "audits",
                        "feedback",
                        "evidence",
                        "staffing_reviews",
                        "checks",
                        "policies",
                    }
                ),
                provider_id=location.provider.provider_id,
                provider_name=location.provider.name,
            )
        ],
    )
    insert(schema.service_types, [{**where, "service_type": name} for name in location.service_types])
    if location.rating_display is not None:
        insert(schema.rating_displays, [_row(location.rating_display, **where)])
    ratings = [(True, location.current_rating)] if location.current_rating else []
    ratings += [(False, rating) for rating in location.past_ratings]
    for current, rating in ratings:
        result = connection.execute(
            schema.ratings.insert(),
            {**_row(rating, frozenset({"key_questions"}), **where), "is_current": current},
        )
        (rating_id,) = result.inserted_primary_key or (None,)
        insert(
            schema.key_question_ratings,
            [_row(kq, **where, rating_id=rating_id) for kq in rating.key_questions],
        )
    insert(schema.manager_absences, [_row(absence, **where) for absence in location.manager_absences])
    insert(schema.registration_conditions, [_row(condition, **where) for condition in location.conditions])
    person_tables = {
        "care_plans": schema.care_plans,
        "risk_assessments": schema.risk_assessments,
        "medicines": schema.medicines,
        "mar_exceptions": schema.mar_exceptions,
        "capacity_assessments": schema.capacity_assessments,
        "dols": schema.dols_authorisations,
        "weights": schema.weights,
    }
    insert(schema.people, [_row(p, frozenset(person_tables), **where) for p in location.people])
    for person in location.people:
        for attribute, table in person_tables.items():
            link = {**where, "person_id": person.person_id}
            insert(table, [_row(record, **link) for record in getattr(person, attribute)])
    insert(
        schema.staff,
        [
            _row(s, frozenset({"dbs", "training", "supervisions", "recruitment"}), **where)
            for s in location.staff
        ],
    )
    for member in location.staff:
        link = {**where, "staff_id": member.staff_id}
        if member.dbs is not None:
            insert(schema.dbs_checks, [_row(member.dbs, **link)])
        if member.recruitment is not None:
            insert(schema.recruitment_checks, [_row(member.recruitment, **link)])
        insert(schema.training, [_row(record, **link) for record in member.training])
        insert(schema.supervisions, [_row(meeting, **link) for meeting in member.supervisions])
    insert(schema.incidents, [_row(incident, **where) for incident in location.incidents])
    insert(schema.safeguarding, [_row(concern, **where) for concern in location.safeguarding])
    insert(schema.complaints, [_row(complaint, **where) for complaint in location.complaints])
    insert(schema.audits, [_row(audit, **where) for audit in location.audits])
    insert(schema.feedback, [_row(item, **where) for item in location.feedback])
    insert(schema.evidence, [_row(item, **where) for item in location.evidence])
    insert(schema.staffing_reviews, [_row(review, **where) for review in location.staffing_reviews])
    insert(schema.safety_checks, [_row(check, **where) for check in location.checks])
    insert(schema.policies, [_row(policy, **where) for policy in location.policies])
