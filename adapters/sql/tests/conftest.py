"""Fixtures: the backend chosen by ``MIPR_SQL_BACKEND`` (sqlite, postgresql, mariadb) and its database.

A run creates one database, ``mipr_test_<random>``, and drops it when it ends; tests share it one after
another, each starting from an emptied reference schema. If the server of the chosen backend is
unreachable the tests fail (they never skip), saying how to start it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator

import attrs
import pytest
from click.testing import CliRunner
from feed_support import OTHER, review
from homes import HOMES
from sql_fixtures import RunDatabase, ServerUnreachable, backend, read_canonical

from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.model import Location
from mipr_rules.testing.contract import sample_as_of, sample_path
from mipr_rules_adapter_sql.adapter import SqlAdapter
from mipr_rules_adapter_sql.commands import install_triggers_command
from mipr_rules_adapter_sql.mapping import reference_mapping
from mipr_rules_adapter_sql.source import make_engine, parse_source
from mipr_rules_adapter_sql.triggers import install_triggers

# Tests never read or write the user's own configuration directory, where the pseudonymisation key lives
# (mipr_rules.privacy.default_key_path); set before anything runs, so child processes inherit it too.
_CONFIG_HOME = tempfile.mkdtemp(prefix="mipr-tests-config-")
os.environ["XDG_CONFIG_HOME"] = _CONFIG_HOME
atexit.register(shutil.rmtree, _CONFIG_HOME, True)


@pytest.fixture(scope="session")
def run_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunDatabase]:
    """This run's database on the selected backend; dropped at the end of the run."""
    try:
        database = RunDatabase(backend(), tmp_path_factory.mktemp("sql"))
    except ServerUnreachable as exc:
        pytest.fail(str(exc), pytrace=False)
    yield database
    database.drop()


@pytest.fixture
def database(run_database: RunDatabase) -> RunDatabase:
    """The run's database, emptied: only the (empty) reference schema."""
    run_database.reset()
    return run_database


@pytest.fixture
def empty_database(database: RunDatabase) -> str:
    """URL of the run's database with the reference schema empty."""
    return database.url


@pytest.fixture(scope="session")
def sample_home() -> Location:
    """The canonical sample home (Sunrise House), read from its JSON with the core converter."""
    return read_canonical(sample_path())


@pytest.fixture
def sample_database(run_database: RunDatabase, sample_home: Location) -> str:
    """URL of the database holding just the sample home in the reference schema."""
    return run_database.load(sample_home)


@pytest.fixture
def homes_database(run_database: RunDatabase) -> str:
    """URL of the database holding this suite's own homes (every field of the model filled somewhere)."""
    return run_database.load(*HOMES)


@pytest.fixture
def adapter() -> SqlAdapter:
    """The adapter under test."""
    return SqlAdapter()


@pytest.fixture(scope="module")
def evaluator() -> Iterator[Evaluator]:
    """One engine worker for a test module."""
    with Evaluator(processes=1) as engine_:
        yield engine_


@pytest.fixture
def logged(run_database: RunDatabase, sample_home: Location) -> Iterator[str]:
    """The sample home (its care plan ``PLAN`` reviewed on the sample's date) and a second one (``OTHER``),
    with the change log installed through ``mipr sql install-triggers`` (removed afterwards)."""
    url = run_database.load(sample_home, attrs.evolve(sample_home, location_id=OTHER, name="Moonrise Lodge"))
    review(url, sample_home.location_id, sample_as_of())
    result = CliRunner().invoke(install_triggers_command, [url])
    assert result.exit_code == 0, result.output
    assert "Installed change-log triggers" in result.output
    yield url
    parsed = parse_source(url)
    eng = make_engine(parsed)
    install_triggers(eng, parsed.backend, reference_mapping(), drop=True)
    eng.dispose()
