"""``mipr review`` on the held-out-style corpus of ``tests/fixtures/mipr/corpus``: each report's expected
outcome per criterion, as an experienced reviewer would give it, pinned here.

Expectations are bands, not exact scores: a reviewer says "fails risk identification", not "scores 1.0".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.mipr.review import ReviewReport, review_file

CORPUS = Path(__file__).parent.parent / "fixtures" / "mipr" / "corpus"
AS_OF = dt.date(2025, 12, 1)


@pytest.fixture(scope="module")
def engine() -> Iterator[Evaluator]:
    with Evaluator(processes=1) as evaluator:
        yield evaluator


def _review(engine: Evaluator, name: str) -> ReviewReport:
    return review_file(CORPUS / name, as_of=AS_OF, evaluator=engine)


def _scores(result: ReviewReport) -> dict[str, int | None]:
    return {c.criterion.id.split(".", 1)[1]: c.score for c in result.criteria}


def _rules(result: ReviewReport, criterion: str) -> set[str]:
    (found,) = [c for c in result.criteria if c.criterion.id.endswith(criterion)]
    return {f.hit.rule_id for f in found.findings}


def test_safe_good_over_an_unreported_allegation_a_missed_dose_and_wrong_person_medicines_fails(
    engine: Evaluator,
) -> None:
    result = _review(engine, "ashgrove-contradiction.md")
    scores = _scores(result)
    assert scores["risk_identification"] == 1 and scores["proportionality"] == 1
    assert scores["cqc_alignment"] is not None and scores["cqc_alignment"] <= 2
    assert not result.proceeds_to_panel and result.overall.rating.value == "Inadequate"
    assert {"adverse_event_risk_understated", "adverse_event_only_potential_risk"} <= _rules(
        result, "risk_identification"
    )
    assert "adverse_event_under_good_score" in _rules(result, "proportionality")
    assert "key_question_rating_ignores_critical_event" in _rules(result, "cqc_alignment")
    # every contradiction names the finding and the sentence behind it
    events = {f.hit.subject: f for f in result.findings() if f.hit.rule_id == "adverse_event_under_good_score"}
    assert set(events) == {
        "signal:S3:safeguarding_unreported",
        "signal:S8:medication_missed",
        "signal:S8:medication_wrong_person",
    }
    assert "insulin dose was missed" in events["signal:S8:medication_missed"].sentences[0].text
    assert "given to the wrong person" in events["signal:S8:medication_wrong_person"].sentences[0].text


def test_the_same_report_with_honest_scores_and_risks_proceeds(engine: Evaluator) -> None:
    result = _review(engine, "ashgrove-honest.md")
    scores = _scores(result)
    assert scores["risk_identification"] == 4 and scores["proportionality"] == 4
    assert result.severe_faults == 0 and result.not_assessed == ()
    assert result.proceeds_to_panel and result.overall.rating.value == "Good"


def test_the_json_says_how_many_criteria_were_measured(engine: Evaluator) -> None:
    data = _review(engine, "ashgrove-contradiction.md").as_dict()
    assert data["overall"]["assessed"] == 13 and data["overall"]["not_assessed"] == 0
    assert data["overall"]["severe_faults"] >= 3
    assert {c["status"] for c in data["criteria"]} == {"assessed"}
