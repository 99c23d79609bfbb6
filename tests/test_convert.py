"""The one converter: strict input, one-line errors naming source and path, never the offending value."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from mipr_rules.convert import structure, unstructure
from mipr_rules.errors import InputError
from mipr_rules.model import Incident, Location, StaffMember
from mipr_rules.model.vocabulary import IncidentCategory

SECRET = "9434765919"


@pytest.fixture(scope="module")
def home(sample: Location) -> dict[str, Any]:
    return unstructure(sample)  # type: ignore[no-any-return]


def _fail(data: Any, cls: type = Location, source: str = "home.json") -> str:
    with pytest.raises(InputError) as info:
        structure(data, cls, source)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_the_sample_round_trips(sample: Location, home: dict[str, Any]) -> None:
    assert structure(copy.deepcopy(home), Location, "round-trip") == sample


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda d: d["staff"][3]["dbs"].update(issued=SECRET),
            "home.json: expected date (YYYY-MM-DD) @ $.staff[3].dbs.issued",
        ),
        (lambda d: d.update(beds=SECRET), "home.json: expected integer, got str @ $.beds"),
        (lambda d: d.update(beds=44.0), "home.json: expected integer, got float @ $.beds"),
        (lambda d: d.update(care_home="false"), "home.json: expected true or false, got str @ $.care_home"),
        (lambda d: d.update(care_home=1), "home.json: expected true or false, got int @ $.care_home"),
        (lambda d: d.update(name=12), "home.json: expected string, got int @ $.name"),
        (
            lambda d: d["people"][2].pop("person_id"),
            "home.json: required field missing @ $.people[2].person_id",
        ),
        (
            lambda d: d["people"][2].update(nhs_number=SECRET),
            "home.json: unknown field(s) nhs_number @ $.people[2]",
        ),
        (
            lambda d: d["incidents"][0].update(category=SECRET),
            "home.json: expected one of 'fall', 'medication_error'",
        ),
        (
            lambda d: d["incidents"][0].update(occurred=f"{SECRET}T10:00"),
            "home.json: expected date-time (YYYY-MM-DDTHH:MM) @ $.incidents[0].occurred",
        ),
    ],
    ids=[
        "date",
        "int-text",
        "int-float",
        "bool-text",
        "bool-int",
        "text-int",
        "missing",
        "unknown",
        "enum",
        "datetime",
    ],
)
def test_bad_input_is_one_line_naming_file_and_path_without_the_value(
    home: dict[str, Any], edit: Any, expected: str
) -> None:
    data = copy.deepcopy(home)
    edit(data)
    message = _fail(data)
    assert message.startswith(expected)
    assert SECRET not in message


def test_several_problems_are_counted_not_listed(home: dict[str, Any]) -> None:
    data = copy.deepcopy(home)
    data["beds"] = "many"
    data["staff"][0]["started"] = "soon"
    message = _fail(data)
    assert "(and 1 more)" in message


def test_a_key_that_is_not_text_is_an_unknown_field_not_a_crash(home: dict[str, Any]) -> None:
    data = copy.deepcopy(home)
    data[None] = 1  # YAML's "?" or "null:" as a key
    assert "unknown field(s) None @ $" in _fail(data)


def test_an_enum_error_lists_the_allowed_values() -> None:
    message = _fail({"incident_id": "I1", "category": "Fall", "occurred": "2026-11-01T10:00"}, Incident, "x")
    assert "@ $.category" in message
    for category in IncidentCategory:
        assert repr(category.value) in message


def test_aware_times_become_uk_local_time() -> None:
    summer = structure(
        {"incident_id": "I1", "category": "fall", "occurred": "2026-07-01T09:00:00Z"}, Incident, "x"
    )
    winter = structure(
        {"incident_id": "I1", "category": "fall", "occurred": "2026-12-01T09:00:00Z"}, Incident, "x"
    )
    assert summer.occurred == dt.datetime(2026, 7, 1, 10, 0)  # BST
    assert winter.occurred == dt.datetime(2026, 12, 1, 9, 0)  # GMT
    assert summer.occurred.tzinfo is None


def test_a_date_alone_is_midnight_and_values_unstructure_as_iso() -> None:
    incident = structure({"incident_id": "I1", "category": "death", "occurred": "2026-11-01"}, Incident, "x")
    assert incident.occurred == dt.datetime(2026, 11, 1)
    assert unstructure(incident)["occurred"] == "2026-11-01T00:00"
    assert unstructure(incident)["category"] == "death"


def test_staff_dates_are_real_dates() -> None:
    member = structure({"staff_id": "S1", "role": "nurse", "started": "2024-02-29"}, StaffMember, "x")
    assert member.started == dt.date(2024, 2, 29)
    _fail({"staff_id": "S1", "role": "nurse", "started": "2025-02-29"}, StaffMember)
