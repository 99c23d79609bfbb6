"""Reading the reference schema gives back exactly the canonical model that was loaded into it."""

from __future__ import annotations

from homes import BROOKSIDE, HOMES, MEADOW_VIEW
from sql_fixtures import UNMAPPED, RunDatabase

from mipr_rules.adapters.base import ReadContext
from mipr_rules.convert import unstructure
from mipr_rules.model import Location
from mipr_rules.testing import TEST_KEY
from mipr_rules.testing.contract import model_differences, without_fields
from mipr_rules_adapter_sql import read_changes, read_locations
from mipr_rules_adapter_sql.adapter import SqlAdapter


def test_every_field_of_the_model_survives_the_round_trip(adapter: SqlAdapter, homes_database: str) -> None:
    locations = list(adapter.read(homes_database, ReadContext(key=TEST_KEY)))
    assert [location.location_id for location in locations] == [home.location_id for home in HOMES]
    for expected, actual in zip(HOMES, locations, strict=True):
        differences = model_differences(expected, actual)
        assert not differences, "\n".join(differences[:20])


def test_the_sample_home_reads_back_as_loaded(
    adapter: SqlAdapter, sample_database: str, sample_home: Location
) -> None:
    (location,) = adapter.read(sample_database, ReadContext(key=TEST_KEY))
    assert unstructure(location) == unstructure(without_fields(sample_home, UNMAPPED))


def test_past_ratings_are_newest_first_and_the_current_one_is_flagged(homes_database: str) -> None:
    meadow = next(read_locations(homes_database))
    assert meadow.current_rating == MEADOW_VIEW.current_rating
    assert [rating.published.year for rating in meadow.past_ratings] == [2022, 2019]


def test_python_api_returns_the_locations_and_a_cursor(homes_database: str) -> None:
    changes = read_changes(homes_database)
    assert [location.name for location in changes.locations] == [MEADOW_VIEW.name, BROOKSIDE.name]
    assert changes.cursor is not None


def test_an_empty_reference_schema_has_no_locations(adapter: SqlAdapter, database: RunDatabase) -> None:
    assert list(adapter.read(database.reset(), ReadContext(key=TEST_KEY))) == []
