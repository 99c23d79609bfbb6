"""``mipr eligibility`` as a local authority runs it: the JSON contract, text, and exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parents[1] / "fixtures" / "eligibility"


def path(name: str) -> str:
    return str(FIXTURES / name)


def test_json_matches_the_contract(mipr: Any) -> None:
    result = mipr("eligibility", path("ri-care-home.json"), "--nomination", path("nomination-la.yaml"),
                  "--as-of", "2023-02-01", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"eligible", "methodology", "announced", "reasons", "checks", "ruleset"} <= set(data)
    assert (data["eligible"], data["methodology"], data["announced"]) == (True, "focused", False)
    assert isinstance(data["reasons"], list) and data["reasons"]
    for check in data["checks"]:
        assert {"id", "passed", "detail"} <= set(check)
        assert check["passed"] is True
    assert {"id", "version"} <= set(data["ruleset"]) and data["ruleset"]["id"] == "improvement-inspections-2023"
    assert (data["location_id"], data["name"]) == ("1-555000101", "Elm Court")


def test_comprehensive_for_a_never_rated_location_from_a_json_nomination(mipr: Any) -> None:
    result = mipr("eligibility", path("never-rated.json"), "--nomination", path("nomination-la-unrated.json"),
                  "--as-of", "2023-03-31", "--format", "json")
    data = json.loads(result.stdout)
    assert (data["eligible"], data["methodology"]) == (True, "comprehensive")


def test_self_nomination_is_not_eligible(mipr: Any) -> None:
    result = mipr("eligibility", path("ri-care-home.json"), "--nomination", path("nomination-self.yaml"),
                  "--as-of", "2023-02-01", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert (data["eligible"], data["methodology"], data["decision"]) == (False, None, "ineligible")
    assert [c["id"] for c in data["checks"] if c["passed"] is False] == ["nominated_by_local_authority"]


def test_unknowns_are_null_not_false(mipr: Any) -> None:
    result = mipr("eligibility", path("ri-homecare-ld.json"), "--nomination", path("nomination-partial.yaml"),
                  "--as-of", "2023-02-01", "--format", "json")
    data = json.loads(result.stdout)
    passed = {c["id"]: c["passed"] for c in data["checks"]}
    assert passed["la_confirmed_staffing"] is None and passed["evidence_of_improvement"] is None
    assert False not in passed.values()
    assert (data["eligible"], data["decision"]) == (False, "undetermined")


def test_without_a_nomination_everything_the_la_knows_is_unknown(mipr: Any) -> None:
    result = mipr("eligibility", path("good-care-home.json"), "--as-of", "2023-02-01", "--format", "json")
    data = json.loads(result.stdout)
    assert data["decision"] == "ineligible"
    assert {c["id"] for c in data["checks"] if c["passed"] is None} == {
        "accepts_la_funded_placements", "la_confirmed_staffing", "nominated_by_local_authority"}


def test_outside_the_window_by_default_today(mipr: Any) -> None:
    result = mipr("eligibility", path("ri-care-home.json"), "--nomination", path("nomination-la.yaml"),
                  "--format", "json")
    data = json.loads(result.stdout)
    assert data["eligible"] is False
    assert [c["id"] for c in data["checks"] if c["passed"] is False] == ["programme_window"]


def test_text_output(mipr: Any) -> None:
    result = mipr("eligibility", path("ri-care-home.json"), "--nomination", path("nomination-la.yaml"),
                  "--as-of", "2023-02-01")
    assert result.exit_code == 0
    assert "ELIGIBLE" in result.stdout and "focused" in result.stdout and "Elm Court" in result.stdout
    assert "decision to inspect rests with CQC" in result.stdout


@pytest.mark.parametrize(("args", "expected"), [
    (["bad-date.json"], "bad-date.json: expected date (YYYY-MM-DD) @ $.registrationDate"),
    (["bad-rating.json"], "bad-rating.json: expected one of 'Outstanding', 'Good', 'Requires improvement', "
                          "'Inadequate' @ $.currentRatings.overall.rating"),
    (["missing-location-id.json"], "missing-location-id.json: required field missing @ $.locationId"),
    (["not-an-object.json"], "not-an-object.json: expected a JSON object (one CQC location) @ $"),
    (["broken.json"], "broken.json:2:1: invalid JSON"),
    (["nowhere.json"], "nowhere.json: file not found"),
    (["ri-care-home.json", "--nomination", "nomination-bad-who.yaml"],
     "nomination-bad-who.yaml: expected one of 'local_authority', 'provider' @ $.nominated_by"),
    (["ri-care-home.json", "--nomination", "nomination-bad-type.yaml"],
     "nomination-bad-type.yaml: expected true or false, got str @ $.accepts_la_funded_placements"),
    (["ri-care-home.json", "--nomination", "nomination-unknown-key.yaml"],
     "nomination-unknown-key.yaml: unknown field(s) beds_available @ $"),
])
def test_malformed_input_exits_2_with_one_line(mipr: Any, args: list[str], expected: str) -> None:
    files = [path(a) if a.endswith((".json", ".yaml")) else a for a in args]
    result = mipr("eligibility", *files, "--as-of", "2023-02-01")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mipr: error: ")
    assert expected in lines[0]


def test_error_messages_carry_no_personal_data(mipr: Any, tmp_path: Path) -> None:
    data = json.loads((FIXTURES / "ri-care-home.json").read_text())
    data["regulatedActivities"][0]["contacts"][0]["personGivenName"] = 12345  # a name that is not text
    bad = tmp_path / "location.json"
    bad.write_text(json.dumps(data))
    result = mipr("eligibility", str(bad), "--as-of", "2023-02-01")
    assert result.exit_code == 2 and "12345" not in result.stderr


def test_bad_as_of_is_a_usage_error(mipr: Any) -> None:
    assert mipr("eligibility", path("ri-care-home.json"), "--as-of", "01/02/2023").exit_code == 2
