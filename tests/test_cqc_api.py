"""Mapping CQC public API location records onto the canonical model (mipr_rules.cqc_api)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from mipr_rules.convert import unstructure
from mipr_rules.cqc_api import (
    CqcInputError,
    CqcInspectionCategory,
    cqc_extras,
    location_from_cqc,
    read_cqc_location,
)
from mipr_rules.errors import InputError
from mipr_rules.model import KeyQuestionRating, Rating
from mipr_rules.model.vocabulary import KeyQuestion, RatingValue, RegistrationStatus
from mipr_rules.privacy import pseudonymise

FIXTURES = Path(__file__).parent / "fixtures" / "cqc"
KEY = b"test-key"

Q = KeyQuestion
R = RatingValue


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def kq(**ratings: RatingValue) -> tuple[KeyQuestionRating, ...]:
    names = {"safe": Q.SAFE, "effective": Q.EFFECTIVE, "caring": Q.CARING, "responsive": Q.RESPONSIVE}
    names["well_led"] = Q.WELL_LED
    return tuple(KeyQuestionRating(names[k], v) for k, v in ratings.items())


# --- The real Lucerne House record (CQC public API).


def test_lucerne_house_maps_every_field_cqc_covers() -> None:
    location = location_from_cqc(load("lucerne-house.json"), "lucerne-house.json", key=KEY)

    assert location.location_id == "1-125856395"
    assert location.provider.provider_id == "1-102642955"
    assert location.provider.name is None  # a location record does not carry the provider's name
    assert location.name == "Lucerne House"
    assert location.registration_status is RegistrationStatus.REGISTERED
    assert location.registration_date == dt.date(2011, 2, 15)
    assert location.care_home is True
    assert location.beds == 75
    assert location.service_types == ("Nursing homes",)
    assert location.current_rating == Rating(
        overall=R.OUTSTANDING,
        published=dt.date(2019, 10, 31),
        key_questions=kq(
            safe=R.GOOD,
            effective=R.OUTSTANDING,
            caring=R.OUTSTANDING,
            responsive=R.OUTSTANDING,
            well_led=R.OUTSTANDING,
        ),
        report_id="a361ecb8-4b08-49b8-934c-dc578d6bff8d",
    )


def test_historic_ratings_become_past_ratings_newest_first() -> None:
    data = load("lucerne-house.json")
    data["historicRatings"].reverse()
    location = location_from_cqc(data, "lucerne-house.json", key=KEY)

    assert [(r.published, r.overall) for r in location.past_ratings] == [
        (dt.date(2017, 2, 8), R.OUTSTANDING),
        (dt.date(2015, 1, 23), R.GOOD),
    ]
    assert location.past_ratings[1].report_id == "c2bfc2ef-8a43-4f0d-b6e2-7d19a5c3e810"
    assert (
        dict((k.key_question, k.rating) for k in location.past_ratings[1].key_questions)[Q.RESPONSIVE]
        is R.REQUIRES_IMPROVEMENT
    )


def test_key_questions_are_matched_on_name_whatever_the_array_order() -> None:
    data = load("lucerne-house.json")
    shuffled = copy.deepcopy(data)
    shuffled["currentRatings"]["overall"]["keyQuestionRatings"].reverse()

    first = location_from_cqc(data, "a.json", key=KEY)
    second = location_from_cqc(shuffled, "b.json", key=KEY)

    assert first.current_rating is not None
    assert first.current_rating == second.current_rating
    assert [k.key_question for k in first.current_rating.key_questions] == list(KeyQuestion)


def test_lucerne_house_extras() -> None:
    facts = cqc_extras(load("lucerne-house.json"), "lucerne-house.json")

    assert facts.location_id == "1-125856395"
    assert facts.rated is True
    assert facts.specialisms == (
        "Caring for adults over 65 yrs",
        "Caring for adults under 65 yrs",
        "Dementia",
        "Mental health conditions",
        "Physical disabilities",
    )
    assert facts.inspection_categories == (
        CqcInspectionCategory(code="S1", name="Residential social care", primary=True),
    )
    assert facts.inspection_directorate == "Adult social care"
    assert facts.last_inspection == dt.date(2019, 9, 18)
    assert facts.latest_report_first_visit == dt.date(2019, 9, 17)
    assert facts.report_published == dt.date(2019, 10, 31)
    assert facts.unpublished_reports == ()
    assert facts.registered_managers == 1  # listed under both regulated activities, counted once
    assert facts.registered_manager_absent is None
    assert facts.deregistration_date is None
    assert facts.dormant is False


def test_read_cqc_location_gives_both_views() -> None:
    data = load("lucerne-house.json")
    location, facts = read_cqc_location(data, "lucerne-house.json", key=KEY)
    assert location == location_from_cqc(data, "lucerne-house.json", key=KEY)
    assert facts == cqc_extras(data, "lucerne-house.json")


# --- Registered manager: a pseudonymous id, never a name.


def with_manager(given: str, family: str) -> Any:
    data = load("lucerne-house.json")
    for activity in data["regulatedActivities"]:
        for contact in activity["contacts"]:
            contact.update(personGivenName=given, personFamilyName=family)
    return data


def test_registered_manager_becomes_a_keyed_pseudonym_and_the_name_is_dropped() -> None:
    location = location_from_cqc(with_manager("Margaret", "Okonkwo-Smith"), "x.json", key=KEY)

    assert location.registered_manager_id == pseudonymise("margaret okonkwo-smith", "S", KEY)
    kept = repr(location) + json.dumps(unstructure(location))
    assert "Margaret" not in kept and "Okonkwo" not in kept


def test_registered_manager_pseudonym_is_stable_and_depends_on_the_key() -> None:
    a = location_from_cqc(with_manager("Margaret", "Okonkwo"), "x.json", key=KEY)
    b = location_from_cqc(with_manager(" MARGARET ", "okonkwo"), "x.json", key=KEY)
    c = location_from_cqc(with_manager("Margaret", "Okonkwo"), "x.json", key=b"another provider's key")
    assert a.registered_manager_id == b.registered_manager_id != c.registered_manager_id


def test_no_registered_manager_contact_means_none() -> None:
    location = location_from_cqc(load("homecare-requires-improvement.json"), "hc.json", key=KEY)
    facts = cqc_extras(load("homecare-requires-improvement.json"), "hc.json")

    assert location.registered_manager_id is None  # only a nominated individual is listed
    assert facts.registered_managers == 0
    assert facts.registered_manager_absent == dt.date(2024, 11, 30)


# --- The other kinds of location.


def test_never_rated_location() -> None:
    data = load("never-rated.json")
    location = location_from_cqc(data, "never-rated.json", key=KEY)
    facts = cqc_extras(data, "never-rated.json")

    assert location.current_rating is None
    assert location.past_ratings == ()
    assert location.registration_date == dt.date(2024, 6, 3)
    assert location.service_types == ("Residential homes",)
    assert location.registered_manager_id is not None
    assert facts.rated is False
    assert facts.last_inspection is None
    assert facts.report_published is None
    assert facts.unpublished_reports == (dt.date(2025, 3, 11),)


def test_requires_improvement_homecare_agency() -> None:
    data = load("homecare-requires-improvement.json")
    location = location_from_cqc(data, "hc.json", key=KEY)
    facts = cqc_extras(data, "hc.json")

    assert location.care_home is False
    assert location.service_types == ("Homecare agencies",)
    assert location.beds is None
    assert location.current_rating == Rating(
        overall=R.REQUIRES_IMPROVEMENT,
        published=dt.date(2024, 10, 9),
        key_questions=kq(
            safe=R.REQUIRES_IMPROVEMENT,
            effective=R.GOOD,
            caring=R.GOOD,
            responsive=R.GOOD,
            well_led=R.REQUIRES_IMPROVEMENT,
        ),
        report_id="5f0c9d2e-1a7b-4e36-8c51-93d2e07b6a14",
    )
    assert [r.overall for r in location.past_ratings] == [R.GOOD]
    assert facts.last_inspection == dt.date(2024, 8, 20)
    assert facts.latest_report_first_visit == dt.date(2024, 8, 19)  # the newest report, not the first listed
    assert facts.report_published == dt.date(2024, 10, 9)


def test_deregistered_location() -> None:
    data = load("deregistered.json")
    location = location_from_cqc(data, "dereg.json", key=KEY)

    assert location.registration_status is RegistrationStatus.DEREGISTERED
    assert location.current_rating is not None and location.current_rating.overall is R.GOOD
    assert location.registered_manager_id is None
    assert cqc_extras(data, "dereg.json").deregistration_date == dt.date(2023, 4, 28)


# --- What CQC leaves out or writes loosely.


def test_no_rating_words_are_read_as_absent_not_rejected() -> None:
    data = load("lucerne-house.json")
    overall = data["currentRatings"]["overall"]
    overall["rating"] = "Inspected but not rated"
    for item in overall["keyQuestionRatings"]:
        if item["name"] in ("Safe", "Caring"):
            item["rating"] = "No published rating"

    rating = location_from_cqc(data, "x.json", key=KEY).current_rating

    assert rating is not None and rating.overall is None
    assert [k.key_question for k in rating.key_questions] == [Q.EFFECTIVE, Q.RESPONSIVE, Q.WELL_LED]
    facts = cqc_extras(data, "x.json")
    assert facts.rated is True  # rated per key question: a rating of a kind, so not "never rated"
    assert facts.rating is None


def test_null_members_count_as_absent() -> None:
    data = load("never-rated.json")
    data.update(numberOfBeds=None, currentRatings=None, registrationDate=None, specialisms=None)

    location = location_from_cqc(data, "x.json", key=KEY)

    assert (location.beds, location.current_rating, location.registration_date) == (None, None, None)
    assert cqc_extras(data, "x.json").specialisms == ()


@pytest.mark.parametrize(
    ("service_type", "care_home"),
    [("Nursing homes", True), ("Residential homes", True), ("Homecare agencies", False)],
)
def test_care_home_is_inferred_from_service_types_without_the_flag(
    service_type: str, care_home: bool
) -> None:
    data = load("never-rated.json")
    del data["careHome"]
    data["gacServiceTypes"] = [{"name": service_type}]
    assert location_from_cqc(data, "x.json", key=KEY).care_home is care_home


def test_historic_entry_repeating_the_current_report_is_not_a_past_rating() -> None:
    data = load("lucerne-house.json")
    data["historicRatings"].insert(
        0,
        {
            "reportLinkId": "a361ecb8-4b08-49b8-934c-dc578d6bff8d",
            "reportDate": "2019-10-31",
            "overall": {"rating": "Outstanding"},
        },
    )
    assert len(location_from_cqc(data, "x.json", key=KEY).past_ratings) == 2


# --- Malformed records: one line naming the file and the JSON path, never a value.


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "bad-missing-location-id.json",
            "bad-missing-location-id.json: required field missing @ $.locationId",
        ),
        (
            "bad-rating.json",
            "bad-rating.json: expected one of 'Outstanding', 'Good', 'Requires improvement', 'Inadequate'"
            " @ $.currentRatings.overall.rating",
        ),
        ("bad-date.json", "bad-date.json: expected date (YYYY-MM-DD) @ $.registrationDate"),
        (
            "bad-key-question.json",
            "bad-key-question.json: expected one of 'Safe', 'Effective', 'Caring', 'Responsive', 'Well-led'"
            " @ $.currentRatings.overall.keyQuestionRatings[1].name",
        ),
        ("bad-not-an-object.json", "bad-not-an-object.json: expected a JSON object @ $"),
    ],
)
def test_malformed_record_is_one_line_naming_file_and_path(name: str, message: str) -> None:
    data = load(name)
    with pytest.raises(InputError) as info:
        location_from_cqc(data, name, key=KEY)
    assert str(info.value) == message
    assert isinstance(info.value, CqcInputError) and info.value.source == name
    with pytest.raises(InputError) as extras_info:
        cqc_extras(data, name)
    assert str(extras_info.value) == message


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"careHome": "Maybe"}, "expected 'Y' or 'N' @ $.careHome"),
        ({"numberOfBeds": "75"}, "expected integer, got str @ $.numberOfBeds"),
        ({"specialisms": "Dementia"}, "expected a JSON array @ $.specialisms"),
        ({"currentRatings": ["Outstanding"]}, "expected a JSON object @ $.currentRatings"),
        (
            {"historicRatings": [{"reportLinkId": "x"}]},
            "required field missing @ $.historicRatings[0].reportDate",
        ),
        (
            {"currentRatings": {"overall": {"rating": "Good"}}},
            "required field missing @ $.currentRatings.overall.reportDate",
        ),
        (
            {"regulatedActivities": [{"contacts": [{"personRoles": "Registered Manager"}]}]},
            "expected a JSON array @ $.regulatedActivities[0].contacts[0].personRoles",
        ),
    ],
)
def test_malformed_fields_are_named_by_path(change: dict[str, Any], message: str) -> None:
    data = {**load("never-rated.json"), **change}
    with pytest.raises(CqcInputError) as info:
        location_from_cqc(data, "loc.json", key=KEY)
    assert str(info.value) == f"loc.json: {message}"


def test_duplicated_key_question_is_rejected() -> None:
    data = load("lucerne-house.json")
    data["currentRatings"]["overall"]["keyQuestionRatings"].append({"name": "Safe", "rating": "Inadequate"})
    with pytest.raises(CqcInputError, match=r"key question listed twice @ \$\.currentRatings\.overall\."):
        location_from_cqc(data, "x.json", key=KEY)


def test_error_messages_never_carry_the_values() -> None:
    data = with_manager("Margaret", "Okonkwo")
    data["regulatedActivities"][0]["contacts"][0]["personFamilyName"] = ["Okonkwo"]
    data["registrationDate"] = "Margaret's birthday"
    with pytest.raises(CqcInputError) as info:
        location_from_cqc(data, "x.json", key=KEY)
    message = str(info.value)
    assert "Margaret" not in message and "Okonkwo" not in message
    assert "\n" not in message and "(and 1 more)" in message


def test_root_names_the_record_inside_a_larger_document() -> None:
    data = load("bad-date.json")
    with pytest.raises(CqcInputError) as info:
        location_from_cqc(data, "export.json", root="$[4]", key=KEY)
    assert info.value.reason == "expected date (YYYY-MM-DD) @ $[4].registrationDate"
