"""``mipr rating`` as a rule author or consultant runs it: frameworks, formats, config and exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parents[1] / "fixtures" / "rating"


def path(name: str) -> str:
    return str(FIXTURES / name)


def test_saf_json(mipr: Any) -> None:
    result = mipr("rating", path("saf-scores.yaml"), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["kind"], data["framework"], data["name"]) == ("rating", "SAF_2024_12", "Elm Court")
    assert [(k["key_question"], k["percentage"], k["rating"]) for k in data["key_questions"]] == [
        ("Safe", 69, "Good"), ("Effective", 75, "Good"), ("Caring", 90, "Outstanding"),
        ("Responsive", 54, "Requires improvement"), ("Well-led", 38, "Inadequate")]
    assert data["overall"]["rating"] == "Requires improvement" and data["overall"]["human_judgement"] is True
    assert data["parameters"]["overall_aggregation"] == "kloe-rating-2014"
    assert any("not verified" in a for a in data["assumptions"])


def test_saf_text_says_what_is_assumed(mipr: Any) -> None:
    result = mipr("rating", path("saf-scores.yaml"))
    assert result.exit_code == 0
    out = result.stdout
    assert "lower end of Good, nearer to Requires improvement" in out
    assert "For human judgement" in out and "SAF overall aggregation is not verified" in out


def test_saf_with_notices_from_json(mipr: Any) -> None:
    data = json.loads(mipr("rating", path("saf-with-notices.json"), "--format", "json").stdout)
    ratings = {k["key_question"]: (k["band_rating"], k["rating"]) for k in data["key_questions"]}
    assert ratings["Safe"] == ("Good", "Requires improvement")
    assert ratings["Well-led"] == ("Good", "Inadequate")
    assert data["overall"]["rating"] == "Requires improvement"


def test_kloe_by_content_and_by_option(mipr: Any) -> None:
    for extra in ([], ["--framework", "KLOE_2014"]):
        result = mipr("rating", path("kloe-lucerne-house.yaml"), *extra, "--format", "json")
        assert result.exit_code == 0
        data = json.loads(result.stdout)
        assert (data["framework"], data["overall"]["rating"]) == ("KLOE_2014", "Outstanding")


def test_kloe_gap_in_text(mipr: Any) -> None:
    result = mipr("rating", path("kloe-gap.json"))
    assert result.exit_code == 0
    assert "the principles do not say" in result.stdout and "For human judgement" in result.stdout


def test_config_changes_the_rounding(mipr: Any) -> None:
    result = mipr("rating", path("saf-scores.yaml"), "--config", path("rounding-down.yaml"), "--format", "json")
    data = json.loads(result.stdout)
    well_led = next(k for k in data["key_questions"] if k["key_question"] == "Well-led")
    assert (well_led["percentage"], well_led["rating"]) == (37, "Inadequate")
    assert data["parameters"]["percentage_rounding"] == "down"


def test_config_switches_off_limiters_and_overall(mipr: Any) -> None:
    result = mipr("rating", path("saf-with-notices.json"), "--config", path("no-overall.yaml"), "--format", "json")
    data = json.loads(result.stdout)
    assert data["overall"] is None
    assert {k["rating"] for k in data["key_questions"]} == {"Good"}


def test_html_output_works(mipr: Any) -> None:
    result = mipr("rating", path("kloe-gap.json"), "--format", "html")
    assert result.exit_code == 0 and "<html" in result.stdout.lower()


@pytest.mark.parametrize(("args", "expected"), [
    (["bad-score.yaml"], "bad-score.yaml: expected a score 1, 2, 3 or 4 @ $.scores.S2"),
    (["bad-score-text.json"], "bad-score-text.json: expected a score 1, 2, 3 or 4 @ $.scores.S1"),
    (["bad-statement.yaml"], "bad-statement.yaml: unknown quality statement; expected S1-S8"),
    (["bad-key-question.yaml"], "bad-key-question.yaml: expected one of 'Safe', 'Effective', 'Caring', "
                                "'Responsive', 'Well-led' @ $.key_questions.Safety"),
    (["bad-rating.yaml"], "bad-rating.yaml: expected one of 'Outstanding', 'Good', 'Requires improvement', "
                          "'Inadequate' @ $.key_questions.Safe"),
    (["both.yaml"], "both.yaml: key_questions is not used by SAF_2024_12"),
    (["neither.yaml"], "neither.yaml: give scores (SAF_2024_12) or key_questions (KLOE_2014) @ $"),
    (["unknown-field.yaml"], "unknown-field.yaml: unknown field(s) inspector"),
    (["bad-notices.yaml"], "bad-notices.yaml: expected a list of key questions @ $.requirement_notices"),
    (["bad-breach.yaml"], "bad-breach.yaml: expected true or false @ $.breach_of_regulations"),
    (["broken.yaml"], "broken.yaml:2:1: invalid YAML"),
    (["missing.yaml"], "missing.yaml: file not found"),
    (["kloe-lucerne-house.yaml", "--framework", "SAF_2024_12"],
     "kloe-lucerne-house.yaml: the file is for KLOE_2014 but --framework is SAF_2024_12 @ $.framework"),
    (["kloe-gap.json", "--framework", "SAF_2024_12"], "kloe-gap.json: SAF_2024_12 needs scores @ $.scores"),
    (["saf-scores.yaml", "--config", "rounding-bad.yaml"],
     "parameter percentage_rounding: expected one of half_up, half_even, down, up"),
])
def test_bad_input_exits_2_with_one_line(mipr: Any, args: list[str], expected: str) -> None:
    files = [path(a) if a.endswith((".json", ".yaml")) else a for a in args]
    result = mipr("rating", *files)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mipr: error: "), result.stderr
    assert expected in lines[0]


def test_unknown_framework_is_a_usage_error(mipr: Any) -> None:
    assert mipr("rating", path("saf-scores.yaml"), "--framework", "SAF_2023").exit_code == 2
