"""CQC data as CQC publishes it today: SAF ``assessment[]`` ratings, spellings in any case, and what a
readiness run from CQC data alone does and does not evaluate.

``saf-assessed.json`` follows the ``assessment[]`` shape of CQC's API as consumed by Skills for Care's
public pipeline (NMDSdevopsServiceAdm/DataEngineering: ``assessmentPlanPublishedDateTime``,
``ratings.overall[]``, ``ratings.asgRatings[]`` with ``assessmentPlanId``, ``assessmentDate``, ``status``
and ``keyQuestionRatings[]``), with ``currentRatings.overall`` empty and the superseded rating left in
``currentRatings.serviceRatings`` as CQC leaves it for SAF-assessed locations.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from mipr_rules_cli.cli import cli

from mipr_rules.adapters.base import ReadContext
from mipr_rules.model.vocabulary import KeyQuestion, RatingValue
from mipr_rules.testing import TEST_KEY
from mipr_rules_adapter_cqc import CqcAdapter

SAF = Path(__file__).parent / "fixtures" / "locations" / "saf-assessed.json"


def read_one(source: Path) -> Any:
    ((location, facts),) = CqcAdapter().read_with_facts(str(source), ReadContext(key=TEST_KEY))
    return location, facts


def test_saf_assessed_location_is_rated_from_its_assessment() -> None:
    location, facts = read_one(SAF)
    rating = location.current_rating
    assert rating is not None
    assert (rating.overall, rating.published, rating.report_id) == (
        RatingValue.REQUIRES_IMPROVEMENT,
        dt.date(2025, 4, 29),
        "AP-7F3C9A",
    )
    by_question = {k.key_question: k.rating for k in rating.key_questions}
    assert (
        by_question[KeyQuestion.WELL_LED] is RatingValue.REQUIRES_IMPROVEMENT
    )  # "Well-Led", "Requires Improvement"
    assert by_question[KeyQuestion.CARING] is RatingValue.GOOD
    assert [r.published for r in location.past_ratings] == [dt.date(2019, 6, 12)]
    assert facts.rated and facts.rating is RatingValue.REQUIRES_IMPROVEMENT
    assert facts.assessed == dt.date(2025, 3, 10)
    assert [(s.name, s.rating) for s in facts.service_ratings] == [("old", RatingValue.GOOD)]


def test_the_newer_of_inspection_and_assessment_is_current(tmp_path: Path) -> None:
    data = json.loads(SAF.read_text(encoding="utf-8"))
    data["currentRatings"]["overall"] = {
        "rating": "GOOD",
        "reportDate": "2025-05-20",
        "keyQuestionRatings": [],
    }
    (tmp_path / "both.json").write_text(json.dumps(data), encoding="utf-8")
    location, _ = read_one(tmp_path / "both.json")
    assert (location.current_rating.overall, location.current_rating.published) == (
        RatingValue.GOOD,
        dt.date(2025, 5, 20),
    )
    assert RatingValue.REQUIRES_IMPROVEMENT in [r.overall for r in location.past_ratings]


def readiness_json(*extra: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        cli,
        [
            "readiness",
            "--adapter",
            "cqc",
            "--source",
            str(SAF),
            "--as-of",
            "2025-06-05",
            "--format",
            "json",
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_rating_display_cqc_cannot_see_is_named_not_alerted_on() -> None:
    data = readiness_json()
    display = {"rating_not_displayed_at_premises", "rating_not_displayed_on_website"}
    assert not display & {a["rule"] for a in data["locations"][0]["alerts"]}
    (location,) = [group for group in data["not_evaluated"] if group["group"] == "location"]
    assert display <= set(location["rules"]) and location["why"].endswith("does not read rating_display")


def test_cqc_data_alone_evaluates_only_what_it_informs_and_says_what_it_left_out() -> None:
    data = readiness_json()
    rules = {a["rule"] for a in data["locations"][0]["alerts"]}
    assert not rules & {"medication_audit_overdue", "no_recent_person_feedback", "evidence_category_stale"}
    left_out = {group["group"]: group for group in data["not_evaluated"]}
    assert "audit" in left_out and "medication_audit_overdue" in left_out["audit"]["rules"]
    assert left_out["audit"]["why"] == "the cqc adapter supplies no audits records"
    assert "no_recent_person_feedback" in left_out["location"]["rules"]
    assert "no_registered_manager" not in left_out["location"]["rules"]  # CQC lists registered managers
    summary = data["read_summary"]
    assert summary["adapter"] == "cqc" and summary["used"] == {"locations": 1, "ratings": 2}


def test_text_report_names_the_groups_not_evaluated_before_any_result() -> None:
    result = CliRunner().invoke(
        cli, ["readiness", "--adapter", "cqc", "--source", str(SAF), "--as-of", "2025-06-05"]
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.index("not evaluated") < out.index("CQC inspection readiness")
    assert "audit (5): the cqc adapter supplies no audits records" in out
