"""Incremental reads: after a cursor, only the locations with a row written since are read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from homes import BROOKSIDE, MEADOW_VIEW
from sql_fixtures import RunDatabase, engine

from mipr_rules.adapters.base import ReadContext
from mipr_rules.errors import InputError
from mipr_rules.testing import TEST_KEY
from mipr_rules_adapter_sql import parse_mapping, read_changes, schema
from mipr_rules_adapter_sql.adapter import SqlAdapter

LOADED = dt.datetime(2020, 1, 1, 9, 0)
EDITED = dt.datetime(2020, 2, 1, 10, 0, 0, 1)


@pytest.fixture
def two_homes(database: RunDatabase) -> str:
    return database.load(MEADOW_VIEW, BROOKSIDE, updated_at=LOADED)


def _execute(url: str, statement: sa.Executable) -> None:
    with engine(url).begin() as connection:
        connection.execute(statement)


def _edit_care_plan(url: str, when: dt.datetime | None = EDITED) -> None:
    stamp = {"updated_at": when} if when else {"updated_at": schema.now()}
    _execute(
        url,
        sa.update(schema.care_plans)
        .where(schema.care_plans.c.plan_id == "CP-1")
        .values(last_reviewed=dt.date(2026, 10, 30), **stamp),
    )


def test_first_read_returns_everything_and_the_high_water_mark(two_homes: str) -> None:
    changes = read_changes(two_homes)
    assert [loc.location_id for loc in changes.locations] == [MEADOW_VIEW.location_id, BROOKSIDE.location_id]
    assert changes.cursor == LOADED.isoformat()


def test_only_the_location_with_a_changed_row_is_read_again(two_homes: str) -> None:
    first = read_changes(two_homes)
    assert read_changes(two_homes, since=first.cursor).locations == ()
    _edit_care_plan(two_homes)
    second = read_changes(two_homes, since=first.cursor)
    (meadow,) = second.locations
    assert meadow.location_id == MEADOW_VIEW.location_id
    assert meadow.people[0].care_plans[0].last_reviewed == dt.date(2026, 10, 30)
    assert second.cursor == EDITED.isoformat()
    assert read_changes(two_homes, since=second.cursor) == type(second)((), second.cursor)


def test_changes_a_microsecond_apart_are_told_apart(two_homes: str) -> None:
    _edit_care_plan(two_homes)
    assert read_changes(two_homes, since=EDITED - dt.timedelta(microseconds=1)).locations != ()
    assert read_changes(two_homes, since=EDITED).locations == ()


def test_a_change_to_the_locations_row_itself_counts(two_homes: str) -> None:
    _execute(
        two_homes,
        sa.update(schema.locations)
        .where(schema.locations.c.location_id == BROOKSIDE.location_id)
        .values(beds=12, updated_at=EDITED),
    )
    (brookside,) = read_changes(two_homes, since=LOADED).locations
    assert brookside.beds == 12


def test_rows_stamped_by_the_database_default_are_seen(two_homes: str) -> None:
    _execute(
        two_homes,
        sa.insert(schema.training).values(
            location_id=BROOKSIDE.location_id,
            staff_id="S-0101",
            course="fire_safety",
            completed=dt.date(2026, 1, 5),
        ),
    )
    changes = read_changes(two_homes, since=LOADED)
    assert [loc.location_id for loc in changes.locations] == [BROOKSIDE.location_id]
    assert changes.cursor is not None and changes.cursor > LOADED.isoformat()


def test_since_option_of_the_source(adapter: SqlAdapter, two_homes: str) -> None:
    _edit_care_plan(two_homes)
    found = list(adapter.read(f"{two_homes}?since=2020-01-15", ReadContext(key=TEST_KEY)))
    assert [loc.location_id for loc in found] == [MEADOW_VIEW.location_id]


def test_cursor_file_moves_on_with_each_complete_read(
    adapter: SqlAdapter, two_homes: str, tmp_path: Path
) -> None:
    cursor = tmp_path / "sql.cursor"
    source = f"{two_homes}?cursor={cursor}"
    assert len(list(adapter.read(source, ReadContext(key=TEST_KEY)))) == 2
    assert cursor.read_text() == LOADED.isoformat() + "\n"
    assert list(adapter.read(source, ReadContext(key=TEST_KEY))) == []
    _edit_care_plan(two_homes)
    changed = adapter.read(source, ReadContext(key=TEST_KEY))
    assert [loc.location_id for loc in changed] == [MEADOW_VIEW.location_id]
    assert cursor.read_text() == EDITED.isoformat() + "\n"


def test_cursor_file_stays_put_when_the_read_is_not_finished(
    adapter: SqlAdapter, two_homes: str, tmp_path: Path
) -> None:
    cursor = tmp_path / "sql.cursor"
    locations = adapter.read(f"{two_homes}?cursor={cursor}", ReadContext(key=TEST_KEY))
    next(iter(locations))
    del locations
    assert not cursor.exists()


def test_since_and_cursor_together_are_refused(adapter: SqlAdapter, two_homes: str, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"give since or cursor, not both$"):
        list(adapter.read(f"{two_homes}?since=2020-01-01&cursor={tmp_path / 'c'}", ReadContext(key=TEST_KEY)))


def test_a_since_that_is_not_a_date_time(adapter: SqlAdapter, two_homes: str) -> None:
    with pytest.raises(InputError, match=r"option since: expected a date-time \(YYYY-MM-DDTHH:MM:SS\)$"):
        list(adapter.read(f"{two_homes}?since=last-tuesday", ReadContext(key=TEST_KEY)))


def test_a_corrupt_cursor_file(adapter: SqlAdapter, two_homes: str, tmp_path: Path) -> None:
    cursor = tmp_path / "sql.cursor"
    cursor.write_text("yesterday\n")
    with pytest.raises(InputError, match=r"sql.cursor: cursor file: expected a date-time"):
        list(adapter.read(f"{two_homes}?cursor={cursor}", ReadContext(key=TEST_KEY)))


def test_changes_cannot_be_read_without_any_change_column(two_homes: str) -> None:
    mapping = {"entities": {"locations": {"updated_at": None}}}
    assert len(read_changes(two_homes, mapping=parse_mapping(mapping, "inline.yaml")).locations) == 2
    expected = r"^inline\.yaml: no entity has an updated_at column to tell changes by$"
    with pytest.raises(InputError, match=expected):
        read_changes(two_homes, mapping=parse_mapping(mapping, "inline.yaml"), since=LOADED)
