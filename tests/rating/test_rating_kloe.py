"""KLOE era (2014-2023): key-question ratings to an overall rating; each principle and each gap."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from mipr_rules.ruleset.catalogue import Catalogue

KQS = ("Safe", "Effective", "Caring", "Responsive", "Well-led")
O, G, RI, I = "Outstanding", "Good", "Requires improvement", "Inadequate"  # noqa: E741


def ratings(*values: str, breach: bool | None = False, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"key_questions": dict(zip(KQS, values, strict=False)), **extra}
    if breach is not None:
        data["breach_of_regulations"] = breach
    return data


def overall(report: Any) -> tuple[str | None, str | None, bool]:
    data = report.as_dict()["overall"]
    return data["rating"], data["rule"], data["human_judgement"]


# --- Each principle -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("values", "expected"), [
    ((G, G, G, G, G), (G, "principle_4_good", False)),
    ((RI, G, G, G, G), (G, "principle_4_good", False)),
    ((O, G, G, G, G), (G, "principle_4_good", False)),
    ((O, O, O, O, RI), (G, "principle_4_good", False)),
    ((O, O, G, G, G), (O, "principle_3_outstanding", False)),
    ((G, O, O, O, O), (O, "principle_3_outstanding", False)),
    ((O, O, O, O, O), (O, "principle_3_outstanding", False)),
    ((RI, RI, G, G, G), (RI, "principle_5_two_or_more_requires_improvement", False)),
    ((RI, RI, RI, RI, RI), (RI, "principle_5_two_or_more_requires_improvement", False)),
    ((I, RI, RI, G, O), (RI, "principle_5_two_or_more_requires_improvement", False)),
    ((I, I, G, G, G), (I, "principle_6_two_or_more_inadequate", False)),
    ((I, I, I, I, I), (I, "principle_6_two_or_more_inadequate", False)),
    ((I, I, RI, RI, O), (I, "principle_6_two_or_more_inadequate", False)),
], ids=lambda v: "-".join(x[:2] for x in v) if isinstance(v, tuple) and len(v) == 5 else None)
def test_principles(rating: Any, values: tuple[str, ...], expected: tuple[str, str, bool]) -> None:
    report = rating(ratings(*values))
    assert overall(report) == expected
    assert report.as_dict()["overall"]["source"]["id"] == "cqc-asc-aggregation"


def test_principle_1_breach_caps_good_and_outstanding(rating: Any) -> None:
    for values in ((G, G, G, G, G), (O, O, O, O, O)):
        report = rating(ratings(*values, breach=True))
        data = report.as_dict()["overall"]
        assert data["rating"] == RI
        assert [(x["rule"], x["applied"]) for x in data["limited_by"]] == [("principle_1_breach_limits_overall", True)]


def test_principle_1_does_not_raise_a_worse_rating(rating: Any) -> None:
    report = rating(ratings(I, I, G, G, G, breach=True))
    data = report.as_dict()["overall"]
    assert data["rating"] == I and data["limited_by"][0]["applied"] is False


def test_a_notice_is_a_breach_for_principle_1(rating: Any) -> None:
    report = rating(ratings(G, G, G, G, O, breach=None, requirement_notices=["Caring"]))
    assert report.as_dict()["overall"]["rating"] == RI
    assert "breach_not_stated" not in [f.rule_id for f in report.flags]


def test_lucerne_house_is_outstanding(rating: Any) -> None:
    """The real CQC record: Safe Good, the other four Outstanding, published overall Outstanding."""
    report = rating(ratings(G, O, O, O, O))
    assert overall(report) == (O, "principle_3_outstanding", False)


# --- Each gap ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("values", "rule"), [
    ((I, G, G, G, G), "gap_one_inadequate_no_requires_improvement"),
    ((O, O, O, O, I), "gap_one_inadequate_no_requires_improvement"),
    ((I, RI, G, G, G), "gap_one_inadequate_one_requires_improvement"),
    ((I, RI, O, O, O), "gap_one_inadequate_one_requires_improvement"),
])
def test_gaps_default_to_requires_improvement_and_ask_for_judgement(rating: Any, values: tuple[str, ...],
                                                                    rule: str) -> None:
    report = rating(ratings(*values))
    assert overall(report) == (RI, rule, True)
    data = report.as_dict()
    assert data["overall"]["principle"] is None
    assert [h["rule"] for h in data["human_judgement"]] == [rule]
    assert data["overall"]["source"]["confidence"] == "UNVERIFIED"


def test_the_gap_default_is_a_parameter(rating: Any) -> None:
    report = rating(ratings(I, G, G, G, G), overrides={"kloe-rating-2014": {"gap_default_rating": I}})
    assert overall(report) == (I, "gap_one_inadequate_no_requires_improvement", True)


def test_a_gap_default_that_is_not_a_rating_is_an_error(rating: Any) -> None:
    from mipr_rules.errors import RulesetError

    with pytest.raises(RulesetError, match="gap_one_inadequate_no_requires_improvement emits rating"):
        rating(ratings(I, G, G, G, G), overrides={"kloe-rating-2014": {"gap_default_rating": "Fair"}})


# --- Key-question limiters and incomplete input --------------------------------------------------------


def test_requirement_notices_limit_key_questions_before_aggregation(rating: Any) -> None:
    report = rating(ratings(G, G, G, G, G, requirement_notices=["Safe", "Well-led"]))
    assert [k.rating.value for k in report.key_questions] == [RI, G, G, G, RI]
    assert report.key_question("Safe").as_dict()["given_rating"] == G
    assert overall(report)[:2] == (RI, "principle_5_two_or_more_requires_improvement")


def test_warning_notice_makes_a_key_question_inadequate(rating: Any) -> None:
    report = rating(ratings(G, G, G, G, RI, warning_notices=["Well-led"]))
    assert report.key_question("Well-led").rating.value == I
    assert overall(report)[1] == "gap_one_inadequate_no_requires_improvement"


def test_requirement_notice_does_not_touch_a_key_question_already_worse(rating: Any) -> None:
    report = rating(ratings(I, G, G, G, G, requirement_notices=["Safe"]))
    assert report.key_question("Safe").limits == ()


def test_too_few_key_questions(rating: Any) -> None:
    report = rating(ratings(G, G, G))
    assert overall(report) == (None, None, False)
    assert [h["rule"] for h in report.as_dict()["human_judgement"]] == ["too_few_key_questions"]


def test_breach_not_stated_is_noted_not_assumed(rating: Any) -> None:
    report = rating(ratings(G, G, G, G, G, breach=None))
    assert overall(report)[0] == G
    (flag,) = report.as_dict()["flags"]
    assert (flag["rule"], flag["human_judgement"]) == ("breach_not_stated", False)


def test_kloe_output_names_no_saf_assumptions(rating: Any) -> None:
    data = rating(ratings(G, G, G, G, G)).as_dict()
    assert data["framework"] == "KLOE_2014" and data["ruleset"]["id"] == "kloe-rating-2014"
    assert not any("SAF" in a for a in data["assumptions"])


# --- Every profile: exactly one principle or gap decides, in the order 1, 6, 5, 4, 3 --------------------


def expected_overall(values: tuple[str, ...], breach: bool) -> str:
    """CQC's ASC rating principles, applied in the order 1, 6, 5, 4, 3 (the ruleset's order)."""
    count = {r: values.count(r) for r in (O, G, RI, I)}
    if count[I] >= 2:
        result = I
    elif count[RI] >= 2:
        result = RI
    elif count[I] == 1:
        result = RI  # a gap, defaulted
    elif count[O] >= 2 and count[RI] == 0:
        result = O
    else:
        result = G
    return RI if breach and result in (G, O) else result


def test_every_combination_of_five_ratings(rating: Any) -> None:
    for combo in itertools.combinations_with_replacement((O, G, RI, I), 5):
        for breach in (False, True):
            report = rating(ratings(*combo, breach=breach))
            assert report.overall is not None and report.overall.rating is not None, combo
            assert report.overall.rating.value == expected_overall(combo, breach), (combo, breach)


def test_every_rule_of_the_ruleset_is_exercised(rating: Any) -> None:
    seen: set[str] = set()
    for values, extra in [((G, G, G, G, G), {"requirement_notices": ["Safe"], "warning_notices": ["Caring"]}),
                          ((G, G, G, G, G), {}), ((I, I, G, G, G), {}), ((RI, RI, G, G, G), {}), ((O, O, G, G, G), {}),
                          ((I, G, G, G, G), {}), ((I, RI, G, G, G), {}), ((G, G), {"breach": None})]:
        report = rating(ratings(*values, **extra))
        seen |= {h.rule_id for k in report.key_questions for h in k.limits}
        seen |= {f.rule_id for f in report.flags}
        if report.overall is not None:
            seen |= {h.rule_id for h in report.overall.limits}
            if report.overall.outcome is not None:
                seen.add(report.overall.outcome.rule_id)
    ruleset = Catalogue.installed().get("kloe-rating-2014")
    assert {r.id for r in ruleset.rules} - seen == set()
