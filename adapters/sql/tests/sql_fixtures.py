"""Test tooling: throwaway databases on a real server, and a loader of canonical locations into them.

The loader writes the reference schema from the canonical model, written apart from the adapter's reader
(its own field-to-column rules) so that a round trip checks one against the other.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from enum import Enum
from pathlib import Path
from typing import Any

import attrs
import sqlalchemy as sa

from mipr_rules.convert import structure
from mipr_rules.model import Location
from mipr_rules_adapter_sql import schema

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


def backend() -> str:
    """The backend this test run uses: ``MIPR_SQL_BACKEND`` (default ``sqlite``)."""
    name = os.environ.get(BACKEND_ENV, "sqlite")
    if name not in BACKENDS:
        raise RuntimeError(f"{BACKEND_ENV}={name!r}: expected one of {', '.join(BACKENDS)}")
    return name


class ServerUnreachable(Exception):
    """The database server of the selected backend cannot be reached."""


class Databases:
    """Creates uniquely named databases (``mipr_test_<run>_<n>``) and drops them all at the end."""

    def __init__(self, backend_name: str, folder: Path) -> None:
        self.backend = backend_name
        self.folder = folder
        self.run = secrets.token_hex(4)
        self.created: list[str] = []
        self._admin: sa.Engine | None = None
        if backend_name != "sqlite":
            url = SERVER_URLS[backend_name]
            self._admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
            try:
                with self._admin.connect() as connection:
                    connection.exec_driver_sql("SELECT 1")
            except sa.exc.DBAPIError as exc:
                shown = sa.make_url(url).render_as_string(hide_password=True)
                first = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc).__name__
                raise ServerUnreachable(
                    f"{backend_name} server at {shown} is not reachable ({first}). "
                    f"Start it with: {START_COMMANDS[backend_name]}"
                ) from None

    def new(self) -> str:
        """The URL of a new, empty database."""
        name = f"mipr_test_{self.run}_{len(self.created) + 1}"
        self.created.append(name)
        if self.backend == "sqlite":
            path = self.folder / f"{name}.db"
            sa.create_engine(f"sqlite:///{path}", poolclass=sa.pool.NullPool).connect().close()
            return f"sqlite:///{path}"
        assert self._admin is not None
        with self._admin.connect() as connection:
            if self.backend == "mariadb":
                connection.exec_driver_sql(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
            else:
                connection.exec_driver_sql(f"CREATE DATABASE {name} ENCODING 'UTF8'")
        url = self._admin.url.set(database=name)
        return url.render_as_string(hide_password=False)

    def drop_all(self) -> None:
        """Drop every database this run created."""
        if self.backend == "sqlite":
            for name in self.created:
                (self.folder / f"{name}.db").unlink(missing_ok=True)
            return
        assert self._admin is not None
        with self._admin.connect() as connection:
            for name in self.created:
                force = " WITH (FORCE)" if self.backend == "postgresql" else ""
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}{force}")
        self._admin.dispose()

    def existing(self) -> set[str]:
        """Names of this run's databases that the server still has (to check the clean-up)."""
        if self.backend == "sqlite":
            return {name for name in self.created if (self.folder / f"{name}.db").exists()}
        assert self._admin is not None
        query = (
            "SELECT datname FROM pg_database"
            if self.backend == "postgresql"
            else "SELECT schema_name FROM information_schema.schemata"
        )
        with self._admin.connect() as connection:
            return {row[0] for row in connection.exec_driver_sql(query)} & set(self.created)


def engine(url: str) -> sa.Engine:
    """An engine for test set-up (no pool, so that nothing stays connected to a database to be dropped)."""
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


# -- the loader ----------------------------------------------------------------------------------------------

_COLUMN_NAMES = {"left": "left_on"}
"""Model attributes whose reference-schema column has another name."""


def read_canonical(path: Path) -> Location:
    """A canonical location JSON file as the model (through the core converter)."""
    return structure(json.loads(path.read_text(encoding="utf-8")), Location, str(path))


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _row(obj: Any, skip: frozenset[str] = frozenset(), **extra: Any) -> dict[str, Any]:
    row = {
        _COLUMN_NAMES.get(field.name, field.name): _plain(getattr(obj, field.name))
        for field in attrs.fields(type(obj))
        if field.name not in skip
    }
    row.update(extra)
    return row


def load_location(connection: sa.Connection, location: Location, updated_at: dt.datetime | None = None) -> None:
    """Insert one canonical location into the reference schema (rows in model order, so ids keep it)."""
    stamp = {"updated_at": updated_at} if updated_at is not None else {}
    where = {"location_id": location.location_id, **stamp}

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
            schema.ratings.insert(), {**_row(rating, frozenset({"key_questions"}), **where), "is_current": current}
        )
        (rating_id,) = result.inserted_primary_key or (None,)
        insert(schema.key_question_ratings, [_row(kq, **where, rating_id=rating_id) for kq in rating.key_questions])
    insert(schema.manager_absences, [_row(absence, **where) for absence in location.manager_absences])
    insert(schema.registration_conditions, [_row(condition, **where) for condition in location.conditions])
    insert(schema.people, [_row(p, frozenset({"care_plans", "risk_assessments"}), **where) for p in location.people])
    for person in location.people:
        insert(schema.care_plans, [_row(plan, **where, person_id=person.person_id) for plan in person.care_plans])
        insert(
            schema.risk_assessments,
            [_row(risk, **where, person_id=person.person_id) for risk in person.risk_assessments],
        )
    insert(schema.staff, [_row(s, frozenset({"dbs", "training", "supervisions"}), **where) for s in location.staff])
    for member in location.staff:
        link = {**where, "staff_id": member.staff_id}
        if member.dbs is not None:
            insert(schema.dbs_checks, [_row(member.dbs, **link)])
        insert(schema.training, [_row(record, **link) for record in member.training])
        insert(schema.supervisions, [_row(meeting, **link) for meeting in member.supervisions])
    insert(schema.incidents, [_row(incident, **where) for incident in location.incidents])
    insert(schema.safeguarding, [_row(concern, **where) for concern in location.safeguarding])
    insert(schema.complaints, [_row(complaint, **where) for complaint in location.complaints])
    insert(schema.audits, [_row(audit, **where) for audit in location.audits])
    insert(schema.feedback, [_row(item, **where) for item in location.feedback])
    insert(schema.evidence, [_row(item, **where) for item in location.evidence])


def reference_database(url: str, *locations: Location, updated_at: dt.datetime | None = None) -> str:
    """Create the reference schema in the database ``url`` and load ``locations`` into it; returns ``url``."""
    with engine(url).begin() as connection:
        schema.create_reference_schema(connection)
        for location in locations:
            load_location(connection, location, updated_at)
    return url
