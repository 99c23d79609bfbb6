"""The arithmetic of MIPR scores (``scoring.py``, ``review_score.py``): deductions, weights, bands, limiters."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mipr_rules.errors import ConfigError, InputError
from mipr_rules.facts.base import FactContext
from mipr_rules.mipr.criteria import CRITERION_IDS, criterion_id
from mipr_rules.mipr.review_score import CriterionScores, ReviewScoreFacts
from mipr_rules.mipr.scoring import Policy, criterion_score, rating_words, round_half_up
from mipr_rules.model.vocabulary import RatingValue
from mipr_rules.ruleset.catalogue import Catalogue

DEFAULTS: dict[str, Any] = Catalogue.installed().get("mipr-2025").defaults()


def _policy(**changes: Any) -> Policy:
    return Policy.from_parameters({**DEFAULTS, **changes}, "test")


def _scores(default: int = 4, **changes: int) -> dict[str, float]:
    out: dict[str, float] = dict.fromkeys(CRITERION_IDS, default)
    for short, value in changes.items():
        out[str(criterion_id(short))] = value
    return out


def test_a_criterion_scores_4_less_its_deductions_never_below_1() -> None:
    assert criterion_score([]) == 4
    assert criterion_score([1, 0]) == 3
    assert criterion_score([2, 1]) == 1
    assert criterion_score([2, 2, 2]) == 1


def test_percentages_round_half_up() -> None:
    assert [round_half_up(v) for v in (62.5, 86.5, 87.49, 38.46)] == [63, 87, 87, 38]


def test_equal_weights_and_the_saf_style_bands() -> None:
    policy = _policy()
    overall = policy.overall(_scores())
    assert (overall.score, overall.percentage, overall.rating, overall.limited_by) == (
        4.0,
        100,
        RatingValue.OUTSTANDING,
        (),
    )
    assert [policy.band(p) for p in (88, 87, 63, 62, 39, 38)] == [
        RatingValue.OUTSTANDING,
        RatingValue.GOOD,
        RatingValue.GOOD,
        RatingValue.REQUIRES_IMPROVEMENT,
        RatingValue.REQUIRES_IMPROVEMENT,
        RatingValue.INADEQUATE,
    ]


def test_limiters() -> None:
    policy = _policy()
    one_three = policy.overall(_scores(comprehensiveness=3))
    assert (one_three.band, one_three.rating) == (RatingValue.OUTSTANDING, RatingValue.GOOD)
    assert "methodology.comprehensiveness scored 3" in one_three.limited_by[0]
    one_two = policy.overall(_scores(accuracy=2))  # one criterion marked down to 2 does not stop Good
    assert (one_two.band, one_two.rating) == (RatingValue.OUTSTANDING, RatingValue.GOOD)
    two_twos = policy.overall(_scores(accuracy=2, comprehensiveness=2))
    assert (two_twos.band, two_twos.rating) == (RatingValue.OUTSTANDING, RatingValue.REQUIRES_IMPROVEMENT)
    one_one = policy.overall(_scores(accuracy=1))  # a criterion at 1 does
    assert one_one.rating is RatingValue.REQUIRES_IMPROVEMENT
    strict = _policy(good_max_criteria_below=0)
    assert strict.overall(_scores(accuracy=2)).rating is RatingValue.REQUIRES_IMPROVEMENT
    relaxed = _policy(outstanding_min_criterion_score=3, good_min_criterion_score=2)
    assert relaxed.overall(_scores(comprehensiveness=3)).rating is RatingValue.OUTSTANDING
    assert relaxed.overall(_scores(accuracy=2)).rating is RatingValue.GOOD


def test_weights() -> None:
    scores = _scores(comprehensiveness=1)
    assert _policy().overall(scores).score == 3.77
    ignored = {"methodology.comprehensiveness": 0}
    overall = _policy(criterion_weights=ignored).overall(scores)
    assert (overall.score, overall.rating) == (4.0, RatingValue.OUTSTANDING)
    assert _policy(criterion_weights={"methodology.comprehensiveness": 3}).overall(scores).score == 3.4


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"criterion_weights": {"tone": 1}}, "criterion_weights: 'tone' is not a criterion id"),
        ({"criterion_weights": {"terminology.accuracy": -1}}, "expected a number of 0 or more"),
        ({"criterion_weights": dict.fromkeys(CRITERION_IDS, 0)}, "at least one weight must be above 0"),
        ({"overall_good_from": 90}, "the overall bands must rise"),
    ],
)
def test_bad_scoring_parameters_are_one_line(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _policy(**changes)


def test_rating_words_are_checked() -> None:
    assert rating_words(["Good"], "x") == (RatingValue.GOOD,)
    with pytest.raises(ConfigError, match="'Great' is not a rating word"):
        rating_words(["Great"], "x")


def test_the_review_score_fact() -> None:
    context = FactContext(as_of=dt.date(2025, 7, 1), parameters=DEFAULTS)
    [fact] = ReviewScoreFacts().calculate(CriterionScores({c: int(v) for c, v in _scores(accuracy=2).items()}), context)
    assert fact == {
        "type": "mipr_review_score",
        "subject": "overall",
        "criteria": 13,
        "not_assessed": 0,
        "not_assessed_criteria": "",
        "severe_faults": 0,
        "criteria_at_1": 0,
        "score": 3.85,
        "percentage": 96,
        "band": "Outstanding",
        "band_rank": 4,
        "lowest_criterion_score": 2,
        "lowest_criteria": "terminology.accuracy",
        "limited": True,
        "rating": "Good",
        "rating_rank": 3,
    }
    with pytest.raises(InputError, match=r"no score for methodology\.comprehensiveness"):
        list(ReviewScoreFacts().calculate(CriterionScores({}), context))
    with pytest.raises(InputError, match="expected a score from 1 to 4"):
        list(ReviewScoreFacts().calculate(CriterionScores(dict.fromkeys(CRITERION_IDS, 5)), context))
