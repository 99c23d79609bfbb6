"""Bad rows: strict mode stops at the first, naming table, row and column; lenient mode skips and counts.

No message ever carries a column's value: it may be personal data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from homes import BROOKSIDE, MEADOW_VIEW
from sql_fixtures import RunDatabase, engine

from mipr_rules.adapters.base import ReadContext
from mipr_rules.errors import InputError
from mipr_rules.testing import TEST_KEY
from mipr_rules_adapter_sql import schema
from mipr_rules_adapter_sql.adapter import SqlAdapter


def _with(url: str, *statements: Any) -> str:
    with engine(url).begin() as connection:
        for statement in statements:
            connection.execute(statement)
    return url


def _bad_plan(location_id: str, person_id: str) -> Any:
    return sa.insert(schema.care_plans).values(
        id=17, location_id=location_id, person_id=person_id, plan_id="CP-17", created=None
    )


@pytest.fixture
def null_date_database(database: RunDatabase) -> str:
    url = database.load(MEADOW_VIEW, BROOKSIDE)
    return _with(url, _bad_plan(MEADOW_VIEW.location_id, "P-AAAA"))


def test_null_required_date_fails_in_strict_mode_naming_row_and_column(
    adapter: SqlAdapter, null_date_database: str
) -> None:
    with pytest.raises(InputError) as info:
        list(adapter.read(null_date_database, ReadContext(key=TEST_KEY)))
    assert str(info.value) == "care_plans row id=17: created: required date is NULL"


def test_null_required_date_is_skipped_and_counted_in_lenient_mode(
    adapter: SqlAdapter, null_date_database: str
) -> None:
    context = ReadContext(lenient=True, key=TEST_KEY)
    meadow, brookside = adapter.read(null_date_database, context)
    assert context.skipped == ["care_plans row id=17: created: required date is NULL"]
    assert [plan.plan_id for plan in meadow.people[0].care_plans] == ["CP-1", "CP-0"]
    assert brookside.location_id == BROOKSIDE.location_id


def test_value_of_the_wrong_kind_is_named_but_never_shown(adapter: SqlAdapter, database: RunDatabase) -> None:
    url = database.load(BROOKSIDE)
    _with(
        url,
        sa.insert(schema.incidents).values(
            id=5,
            location_id=BROOKSIDE.location_id,
            incident_id="INC-X",
            category="slipped on Mrs Jones's rug",
            occurred=dt.datetime(2026, 1, 1),
        ),
    )
    with pytest.raises(InputError) as info:
        list(adapter.read(url, ReadContext(key=TEST_KEY)))
    message = str(info.value)
    assert message.startswith("incidents row id=5: category: expected one of 'fall', 'medication_error'")
    assert "Jones" not in message and "\n" not in message


def test_a_bad_locations_row_skips_that_location_only(adapter: SqlAdapter, database: RunDatabase) -> None:
    url = database.load(MEADOW_VIEW, BROOKSIDE)
    _with(
        url,
        sa.update(schema.locations)
        .where(schema.locations.c.location_id == MEADOW_VIEW.location_id)
        .values(name=None),
    )
    context = ReadContext(lenient=True, key=TEST_KEY)
    assert [loc.location_id for loc in adapter.read(url, context)] == [BROOKSIDE.location_id]
    assert context.skipped == [
        f"locations row location_id={MEADOW_VIEW.location_id}: name: required text is NULL"
    ]


def test_null_in_a_field_with_a_model_default_takes_the_default(
    adapter: SqlAdapter, database: RunDatabase
) -> None:
    url = database.load(BROOKSIDE)
    _with(url, sa.update(schema.locations).values(care_home=None, registered_manager_required=None))
    (location,) = adapter.read(url, ReadContext(key=TEST_KEY))
    assert location.care_home is True and location.registered_manager_required is True


def test_two_current_ratings_are_a_bad_row(adapter: SqlAdapter, database: RunDatabase) -> None:
    url = database.load(MEADOW_VIEW)
    _with(url, sa.update(schema.ratings).values(is_current=True))
    context = ReadContext(lenient=True, key=TEST_KEY)
    (location,) = adapter.read(url, context)
    assert location.current_rating == MEADOW_VIEW.current_rating
    assert len(context.skipped) == 2
    assert all(
        line.endswith("is_current: a second current rating for this location") for line in context.skipped
    )


def test_the_most_recent_dbs_check_is_the_workers(adapter: SqlAdapter, database: RunDatabase) -> None:
    url = database.load(MEADOW_VIEW)
    older = dict(
        location_id=MEADOW_VIEW.location_id, staff_id="S-0001", issued=dt.date(2015, 1, 1), level="basic"
    )
    _with(url, sa.insert(schema.dbs_checks).values(**older))
    (location,) = adapter.read(url, ReadContext(key=TEST_KEY))
    assert location.staff[0].dbs == MEADOW_VIEW.staff[0].dbs
