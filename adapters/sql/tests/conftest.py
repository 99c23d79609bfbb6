"""Fixtures: the backend chosen by ``MIPR_SQL_BACKEND`` (sqlite, postgresql, mariadb) and its databases.

Every database a run creates is named ``mipr_test_<run>_<n>`` and dropped when the run ends. If the
server of the chosen backend is unreachable the tests fail (they never skip), saying how to start it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from homes import HOMES
from sql_fixtures import Databases, ServerUnreachable, backend, read_canonical, reference_database

from mipr_rules.model import Location
from mipr_rules.testing.contract import sample_path
from mipr_rules_adapter_sql.adapter import SqlAdapter


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    """Creates fresh databases on the selected backend; drops them all at the end of the run."""
    try:
        factory = Databases(backend(), tmp_path_factory.mktemp("sql"))
    except ServerUnreachable as exc:
        pytest.fail(str(exc), pytrace=False)
    yield factory
    factory.drop_all()


@pytest.fixture
def new_database(databases: Databases) -> str:
    """URL of a new, empty database."""
    return databases.new()


@pytest.fixture(scope="session")
def sample_home() -> Location:
    """The canonical sample home (Sunrise House), read from its JSON with the core converter."""
    return read_canonical(sample_path())


@pytest.fixture(scope="session")
def sample_database(databases: Databases, sample_home: Location) -> str:
    """URL of a database holding the sample home in the reference schema (read-only for tests)."""
    return reference_database(databases.new(), sample_home)


@pytest.fixture(scope="session")
def homes_database(databases: Databases) -> str:
    """URL of a database holding this suite's own homes (every field of the model filled somewhere)."""
    return reference_database(databases.new(), *HOMES)


@pytest.fixture
def adapter() -> SqlAdapter:
    """The adapter under test."""
    return SqlAdapter()


@pytest.fixture
def tmp_file(tmp_path: Path) -> Path:
    """A path for a file the test writes."""
    return tmp_path / "file"
