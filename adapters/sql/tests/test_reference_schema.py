"""The reference schema: a column for every field, no column for personal data, DDL that works as printed."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import sqlalchemy as sa
from homes import HOMES
from sql_fixtures import RunDatabase, backend, engine, load_location

from mipr_rules.adapters.base import ReadContext
from mipr_rules.testing import TEST_KEY
from mipr_rules.testing.contract import model_differences
from mipr_rules_adapter_sql import reference_ddl, schema
from mipr_rules_adapter_sql.adapter import SqlAdapter
from mipr_rules_adapter_sql.entities import ENTITIES, NOT_MAPPED

README = Path(__file__).parents[1] / "README.md"
PYTHON_TYPES = {str: str, int: int, float: float, bool: bool, dt.date: dt.date, dt.datetime: dt.datetime}


def test_every_entity_field_has_its_column() -> None:
    for entity in ENTITIES.values():
        table = schema.metadata.tables[entity.name]
        for field in entity.fields:
            assert field.column in table.c, (
                f"{entity.name}.{field.name} has no column in the reference schema"
            )
            expected = PYTHON_TYPES.get(field.type, str)
            python_type = table.c[field.column].type.python_type
            if field.name == "rating_id":
                continue  # the ratings row's integer id, read as text
            assert python_type is expected, f"{entity.name}.{field.column} holds {python_type}"


def test_every_column_is_a_field_a_key_or_the_change_cursor() -> None:
    assert set(schema.metadata.tables) == set(ENTITIES)
    for entity in ENTITIES.values():
        columns = set(schema.metadata.tables[entity.name].c.keys())
        assert columns - {field.column for field in entity.fields} <= {"id", "updated_at"}
        assert not schema.metadata.tables[entity.name].c.updated_at.nullable


def test_no_column_can_hold_a_name_an_nhs_number_or_a_birth_date() -> None:
    personal = re.compile(r"name|nhs|birth|dob|email|address|phone")
    for table in set(schema.metadata.tables) - {"locations"}:  # a location's name is a business name
        assert not [c.name for c in schema.metadata.tables[table].c if personal.search(c.name)]


def _set_off_default(obj: Any, found: dict[type, set[str]]) -> None:
    """Record, per model class, the attributes some instance sets to other than the default."""
    if attrs.has(type(obj)):
        names = found.setdefault(type(obj), set())
        for field in attrs.fields(type(obj)):
            value = getattr(obj, field.name)
            if field.default is attrs.NOTHING or value != field.default:
                names.add(field.name)
            _set_off_default(value, found)
    elif isinstance(obj, tuple):
        for item in obj:
            _set_off_default(item, found)


def test_the_suites_homes_set_every_attribute_of_the_model_off_its_default() -> None:
    found: dict[type, set[str]] = {}
    for home in HOMES:
        _set_off_default(home, found)
    assert len(found) == 29  # every class of the model (the reference schema maps them all)
    for model, names in found.items():
        mapped = {field.name for field in attrs.fields(model)} - NOT_MAPPED.get(model, frozenset())
        assert names == mapped, model.__name__


def test_readme_shows_the_current_ddl() -> None:
    assert reference_ddl("postgresql") in README.read_text(encoding="utf-8"), (
        "README.md is out of date: paste the output of python -m mipr_rules_adapter_sql.schema postgresql"
    )


def test_printed_ddl_creates_a_schema_the_adapter_reads(adapter: SqlAdapter, database: RunDatabase) -> None:
    dialect = {"sqlite": "sqlite", "postgresql": "postgresql", "mariadb": "mariadb"}[backend()]
    printed = subprocess.run(
        [sys.executable, "-m", "mipr_rules_adapter_sql.schema", dialect],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    with engine(database.url).begin() as connection:
        schema.metadata.drop_all(connection)
    with engine(database.url).begin() as connection:
        for statement in printed.split(";\n\n"):
            if statement.strip():
                connection.exec_driver_sql(statement.strip().rstrip(";"))
        for home in HOMES:
            load_location(connection, home)
    for expected, actual in zip(HOMES, adapter.read(database.url, ReadContext(key=TEST_KEY)), strict=True):
        assert not model_differences(expected, actual)


def test_schema_command_refuses_an_unknown_dialect() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mipr_rules_adapter_sql.schema", "oracle"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2 and result.stderr.startswith(
        "usage: python -m mipr_rules_adapter_sql.schema"
    )


def test_updated_at_defaults_to_the_time_of_writing(database: RunDatabase) -> None:
    before = dt.datetime.now() - dt.timedelta(days=1)
    with engine(database.url).begin() as connection:
        connection.execute(sa.insert(schema.locations).values(location_id="1-1", provider_id="1-2"))
        stamp = connection.execute(sa.select(schema.locations.c.updated_at)).scalar_one()
    assert isinstance(stamp, dt.datetime) and stamp > before
