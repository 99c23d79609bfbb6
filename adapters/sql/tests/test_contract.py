"""The adapter contract: the sample home, rendered as a database in the reference schema, reads back as the
canonical model and gives the same readiness alerts; a bad row fails loudly or is skipped and counted."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sql_fixtures import RunDatabase, engine

from mipr_rules.model import Location
from mipr_rules.testing.contract import AdapterContract
from mipr_rules_adapter_sql import schema
from mipr_rules_adapter_sql.adapter import SqlAdapter


@pytest.fixture
def bad_database(run_database: RunDatabase, sample_home: Location) -> str:
    """The sample home plus one care plan whose required ``created`` is NULL."""
    url = run_database.load(sample_home)
    with engine(url).begin() as connection:
        connection.execute(
            sa.insert(schema.care_plans).values(
                id=9017,
                location_id=sample_home.location_id,
                person_id=sample_home.people[0].person_id,
                plan_id="CP-BAD",
                created=None,
            )
        )
    return url


class TestSqlAdapterContract(AdapterContract):
    @pytest.fixture
    def adapter(self) -> SqlAdapter:
        return SqlAdapter()

    @pytest.fixture
    def sample_source(self, sample_database: str) -> str:
        return sample_database

    @pytest.fixture
    def bad_source(self, bad_database: str) -> str:
        return bad_database
