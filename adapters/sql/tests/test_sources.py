"""Sources: URLs, drivers, unreachable servers, missing files and tables, and the plugin registration."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sql_fixtures import RunDatabase, backend, engine

from mipr_rules import plugins
from mipr_rules.adapters.base import ReadContext
from mipr_rules.errors import InputError
from mipr_rules.testing import TEST_KEY
from mipr_rules_adapter_sql import schema
from mipr_rules_adapter_sql.adapter import SqlAdapter
from mipr_rules_adapter_sql.source import parse_source


@pytest.mark.parametrize(
    ("source", "driver"),
    [
        ("postgresql://reader@db.example/care", "postgresql+psycopg"),
        ("postgres://reader@db.example/care", "postgresql+psycopg"),
        ("mysql://reader@db.example/care", "mysql+pymysql"),
        ("mariadb://reader@db.example/care", "mariadb+pymysql"),
        ("postgresql+psycopg://reader@db.example/care", "postgresql+psycopg"),
        ("mysql+mysqldb://reader@db.example/care", "mysql+mysqldb"),
    ],
)
def test_plain_schemes_get_a_driver_and_named_drivers_are_kept(source: str, driver: str) -> None:
    assert parse_source(source).url.drivername == driver


def test_adapter_options_leave_the_url_and_driver_options_stay() -> None:
    parsed = parse_source("postgresql://db.example/care?sslmode=require&mapping=vendor.yaml&since=2026-01-01")
    assert parsed.url.query == {"sslmode": "require"}
    assert (parsed.mapping, parsed.since, parsed.cursor) == ("vendor.yaml", "2026-01-01", None)


def test_plain_scheme_of_this_backend_reads_for_real(adapter: SqlAdapter, homes_database: str) -> None:
    plain = homes_database.replace("+psycopg", "").replace("+pymysql", "")
    assert len(list(adapter.read(plain, ReadContext(key=TEST_KEY)))) == 2


def test_missing_sqlite_file_is_an_error_and_is_not_created(adapter: SqlAdapter, tmp_path: Path) -> None:
    path = tmp_path / "nowhere.db"
    with pytest.raises(InputError, match=f"^sqlite:///{path}: database file not found$"):
        list(adapter.read(f"sqlite:///{path}", ReadContext(key=TEST_KEY)))
    assert not path.exists()


def test_not_a_url(adapter: SqlAdapter) -> None:
    with pytest.raises(
        InputError, match=r"^care\.db: not an SQLAlchemy database URL \(e\.g\. sqlite:///home\.db"
    ):
        list(adapter.read("care.db", ReadContext(key=TEST_KEY)))


@pytest.mark.parametrize("scheme", ["postgresql", "mariadb"])
def test_unreachable_server_is_one_line_without_the_password(adapter: SqlAdapter, scheme: str) -> None:
    with pytest.raises(InputError) as info:
        list(adapter.read(f"{scheme}://alice:s3cret@127.0.0.1:1/care", ReadContext(key=TEST_KEY)))
    message = str(info.value)
    assert message.startswith(f"{scheme}+p")
    assert "alice:***@127.0.0.1:1/care: cannot connect (" in message
    assert "s3cret" not in message and "\n" not in message


def test_database_without_the_reference_schema(adapter: SqlAdapter, database: RunDatabase) -> None:
    with engine(database.url).begin() as connection:
        schema.metadata.drop_all(connection)
    with pytest.raises(InputError) as info:
        list(adapter.read(database.url, ReadContext(key=TEST_KEY)))
    shown = sa.make_url(database.url).render_as_string(hide_password=True)
    assert str(info.value) == (
        f"{shown}: no table 'locations' of the reference schema "
        "(create it, or map your own tables with ?mapping=FILE)"
    )


def test_installed_adapter_is_registered_through_its_entry_point() -> None:
    registered = plugins.adapter("sql", plugins.make_plugin_manager())
    assert isinstance(registered, SqlAdapter)


def test_importing_the_plugin_does_not_import_sqlalchemy() -> None:
    code = "import sys, mipr_rules_adapter_sql; sys.exit('sqlalchemy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_this_run_uses_the_selected_backend(run_database: RunDatabase) -> None:
    assert sa.make_url(run_database.url).get_backend_name() == backend()
    assert run_database.name.startswith("mipr_test_") and run_database.exists()
