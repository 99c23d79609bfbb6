"""SAF (Dec 2024): quality-statement scores to key-question percentages, bands, positions and limiters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mipr_rules.errors import RulesetError
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.saf import QUALITY_STATEMENTS

FIXTURES = Path(__file__).parents[1] / "fixtures" / "rating"

GOOD_SAFE = {"S1": 3, "S2": 3, "S3": 3, "S4": 3, "S5": 3, "S6": 3, "S7": 3, "S8": 3}  # 24/32 = 75%


def scores(key: str, values: list[int]) -> dict[str, int]:
    """``scores("R", [2, 2, 3])`` → ``{"R1": 2, "R2": 2, "R3": 3}``."""
    return {f"{key}{i}": v for i, v in enumerate(values, start=1)}


def kq(report: Any, name: str) -> dict[str, Any]:
    return dict(report.key_question(name).as_dict())


# --- Bands at each boundary ------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "values", "rounding", "percentage", "expected"), [
    ("S", [2, 2, 2, 2, 1, 1, 1, 1], "half_up", 38, "Inadequate"),
    ("R", [2, 2, 2, 2, 1, 1, 1], "half_up", 39, "Requires improvement"),
    ("E", [3, 3, 3, 2, 2, 2], "down", 62, "Requires improvement"),
    ("E", [3, 3, 3, 2, 2, 2], "half_up", 63, "Good"),
    ("E", [3, 3, 3, 2, 2, 2], "half_even", 62, "Requires improvement"),
    ("W", [4, 4, 4, 4, 3, 3, 3, 3], "down", 87, "Good"),
    ("W", [4, 4, 4, 4, 3, 3, 3, 3], "half_up", 88, "Outstanding"),
    ("W", [4, 4, 4, 4, 3, 3, 3, 3], "up", 88, "Outstanding"),
    ("C", [1, 1, 1, 1, 1], "half_up", 25, "Inadequate"),
    ("C", [4, 4, 4, 4, 4], "half_up", 100, "Outstanding"),
], ids=["38-inadequate", "39-ri", "62-ri-down", "63-good-half-up", "62-ri-half-even", "87-good-down",
        "88-outstanding-half-up", "88-outstanding-up", "25-floor", "100-ceiling"])
def test_bands_at_each_boundary(rating: Any, name: str, values: list[int], rounding: str, percentage: int,
                                expected: str) -> None:
    report = rating({"scores": scores(name, values)}, overrides={"saf-rating-2024": {"percentage_rounding": rounding}})
    (result,) = report.key_questions
    data = result.as_dict()
    assert (data["percentage"], data["band_rating"], data["rating"]) == (percentage, expected, expected)
    assert data["score_total"] == sum(values) and data["score_max"] == 4 * len(values)
    assert data["source"]["id"] == "cqc-how-we-rate"


def test_rounding_defaults_to_half_up(rating: Any) -> None:
    report = rating({"scores": scores("E", [3, 3, 3, 2, 2, 2])})
    assert report.parameters["percentage_rounding"] == "half_up"
    assert kq(report, "Effective")["percentage"] == 63
    assert kq(report, "Effective")["percentage_exact"] == 62.5


# --- Position within the band ----------------------------------------------------------------------


@pytest.mark.parametrize(("values", "description", "nearer"), [
    ([3, 3, 3, 3, 3, 3, 2, 3], "lower end of Good, nearer to Requires improvement", "lower"),  # 23/32 = 72%
    ([3, 3, 3, 3, 3, 3, 3, 3], "middle of Good", "middle"),                                   # 75%
    ([4, 4, 4, 3, 3, 3, 3, 3], "upper end of Good, nearing Outstanding", "upper"),            # 27/32 = 84%
    ([4, 4, 4, 4, 4, 4, 4, 4], "upper end of Outstanding", "upper"),                          # 100%
    ([2, 2, 2, 1, 1, 1, 1, 1], "upper end of Inadequate, nearing Requires improvement", "upper"),  # 34%
])
def test_where_the_percentage_sits_within_its_band(rating: Any, values: list[int], description: str,
                                                    nearer: str) -> None:
    report = rating({"scores": scores("S", values)})
    position = kq(report, "Safe")["position"]
    assert (position["description"], position["nearer"]) == (description, nearer)
    assert position["points_above_floor"] + position["points_below_ceiling"] == (
        position["band_to"] - position["band_from"])


def test_good_band_runs_from_63_to_87(rating: Any) -> None:
    position = kq(rating({"scores": GOOD_SAFE}), "Safe")["position"]
    assert (position["band_from"], position["band_to"]) == (63, 87)


# --- The full example file -------------------------------------------------------------------------


def test_full_assessment(rating: Any) -> None:
    data = yaml.safe_load((FIXTURES / "saf-scores.yaml").read_text())
    report = rating(data)
    got = {k.key_question.value: (k.as_dict()["percentage"], k.rating.value) for k in report.key_questions}
    assert got == {"Safe": (69, "Good"), "Effective": (75, "Good"), "Caring": (90, "Outstanding"),
                   "Responsive": (54, "Requires improvement"), "Well-led": (38, "Inadequate")}
    # One Inadequate and one Requires improvement: a gap in the principles, flagged for judgement.
    assert report.overall is not None and report.overall.rating is not None
    assert (report.overall.rating.value, report.overall.human_judgement) == ("Requires improvement", True)
    assert report.as_dict()["aggregation_ruleset"]["id"] == "kloe-rating-2014"


# --- Limiters (unverified for SAF: KLOE-era defaults) ---------------------------------------------


def test_requirement_notice_limits_a_good_key_question(rating: Any) -> None:
    report = rating({"scores": GOOD_SAFE, "requirement_notices": ["Safe"]})
    data = kq(report, "Safe")
    assert (data["band_rating"], data["rating"]) == ("Good", "Requires improvement")
    (limit,) = data["limited_by"]
    assert (limit["rule"], limit["cap"], limit["applied"]) == (
        "requirement_notice_limits_key_question", "Requires improvement", True)
    assert limit["ruleset"]["id"] == "kloe-rating-2014"


def test_warning_notice_makes_a_key_question_inadequate(rating: Any) -> None:
    report = rating({"scores": GOOD_SAFE, "warning_notices": ["Safe"]})
    assert kq(report, "Safe")["rating"] == "Inadequate"


def test_a_notice_under_another_key_question_does_not_limit_this_one(rating: Any) -> None:
    report = rating({"scores": GOOD_SAFE, "requirement_notices": ["Well-led"]})
    assert kq(report, "Safe")["limited_by"] == [] and kq(report, "Safe")["rating"] == "Good"


def test_statement_score_limiter_is_off_by_default_and_can_be_switched_on(rating: Any) -> None:
    data = {"scores": {"S1": 1, "S2": 4, "S3": 4, "S4": 4, "S5": 4, "S6": 4, "S7": 4, "S8": 4}}  # 29/32 = 91%
    assert kq(rating(data), "Safe")["rating"] == "Outstanding"
    limited = rating(data, overrides={"saf-rating-2024": {"statement_score_limiter": 1}})
    result = kq(limited, "Safe")
    assert (result["band_rating"], result["rating"]) == ("Outstanding", "Requires improvement")
    assert result["limited_by"][0]["rule"] == "statement_score_limits_key_question"
    assert any("statement-score limiter is on" in a for a in limited.assumptions)


def test_key_question_limiters_can_be_switched_off(rating: Any) -> None:
    report = rating({"scores": GOOD_SAFE, "requirement_notices": ["Safe"]},
                    overrides={"saf-rating-2024": {"key_question_limiters": "none"}})
    assert kq(report, "Safe")["rating"] == "Good"
    assert report.as_dict()["limiters_ruleset"] is None


# --- Overall (unverified for SAF: KLOE principles by default) --------------------------------------


def every_statement(score: int) -> dict[str, int]:
    """Every one of the 34 quality statements scored ``score``."""
    return dict.fromkeys(QUALITY_STATEMENTS, score)


def test_overall_follows_the_kloe_principles_and_says_so(rating: Any) -> None:
    report = rating({"scores": every_statement(3), "breach_of_regulations": False})
    assert report.overall is not None and report.overall.rating is not None
    assert report.overall.rating.value == "Good"
    data = report.as_dict()
    assert data["overall"]["rule"] == "principle_4_good" and data["overall"]["principle"] == 4
    text = " ".join(data["assumptions"])
    assert "SAF key-question limiters are not verified" in text
    assert "SAF overall aggregation is not verified" in text and "KLOE-era ASC principles" in text
    assert "Rounding of key-question percentages is not published" in text


def test_breach_caps_the_overall_rating(rating: Any) -> None:
    report = rating({"scores": every_statement(4), "breach_of_regulations": True})
    data = report.as_dict()["overall"]
    assert (data["rating"], data["rule"]) == ("Requires improvement", "principle_3_outstanding")
    assert data["limited_by"][0]["rule"] == "principle_1_breach_limits_overall"
    assert data["limited_by"][0]["applied"] is True


def test_overall_aggregation_can_be_switched_off(rating: Any) -> None:
    report = rating({"scores": every_statement(3)}, overrides={"saf-rating-2024": {"overall_aggregation": "none"}})
    assert report.overall is None and report.as_dict()["overall"] is None
    assert any("no overall rating" in a for a in report.assumptions)


def test_an_unknown_aggregation_ruleset_is_an_error(rating: Any) -> None:
    with pytest.raises(RulesetError, match="no ruleset 'saf-overall-2026'"):
        rating({"scores": every_statement(3)},
               overrides={"saf-rating-2024": {"overall_aggregation": "saf-overall-2026"}})


def test_fewer_than_five_key_questions_give_no_overall(rating: Any) -> None:
    report = rating({"scores": GOOD_SAFE})
    assert report.overall is not None and report.overall.rating is None
    assert [f.rule_id for f in report.flags] == ["too_few_key_questions", "breach_not_stated"]


def test_every_key_question_cites_its_rule_and_ruleset(rating: Any) -> None:
    data = rating({"scores": every_statement(2), "breach_of_regulations": False}).as_dict()
    assert data["ruleset"] == {"id": "saf-rating-2024", "version": "1.0.0", "framework": "SAF_2024_12"}
    for item in data["key_questions"]:
        assert item["rule"] == "band_requires_improvement" and item["source"]["title"]
    assert data["overall"]["source"]["id"] == "cqc-asc-aggregation"


def test_every_rule_of_the_saf_ruleset_is_exercised(rating: Any) -> None:
    seen: set[str] = set()
    for values in ([1, 1, 1, 1, 1, 1, 1, 1], [2, 2, 2, 2, 2, 2, 2, 2], [3, 3, 3, 3, 3, 3, 3, 3],
                   [1, 4, 4, 4, 4, 4, 4, 4]):
        report = rating({"scores": scores("S", values)},
                        overrides={"saf-rating-2024": {"statement_score_limiter": 1}})
        result = report.key_question("Safe")
        seen |= {result.band.rule_id} if result.band else set()
        seen |= {h.rule_id for h in result.limits}
    ruleset = Catalogue.installed().get("saf-rating-2024")
    assert {r.id for r in ruleset.rules} - seen == set()
