"""``mipr review`` on the bundled sample reports: the ratings they should reach, the planted faults of the
Requires improvement sample found and attributed to the right criterion, no false faults in the clean ones,
and the same result whatever the format the report is written in."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mipr_rules.api import Session
from mipr_rules.convert import unstructure
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.mipr import read_report
from mipr_rules.mipr.criteria import CRITERION_IDS
from mipr_rules.mipr.review import ReviewReport
from mipr_rules.mipr.samples import sample_path

AS_OF = dt.date(2025, 7, 1)


@pytest.fixture(scope="module")
def engine() -> Iterator[Evaluator]:
    with Evaluator(processes=1) as evaluator:
        yield evaluator


def _review(engine: Evaluator, path: Path) -> ReviewReport:
    return Session(evaluator=engine).review(path, as_of=AS_OF)


def _faults(result: ReviewReport) -> set[tuple[str, str, str]]:
    """(criterion, rule, subject) of every finding that deducts points or caps its criterion."""
    return {
        (c.criterion.id, f.hit.rule_id, f.hit.subject)
        for c in result.criteria
        for f in c.findings
        if f.deduction or f.cap is not None or f.ceiling is not None
    }


@pytest.mark.parametrize(
    ("key", "rating", "proceeds"),
    [
        ("outstanding", "Outstanding", True),
        ("good", "Good", True),
        ("requires_improvement", "Requires improvement", False),
    ],
)
def test_the_samples_reach_their_ratings(engine: Evaluator, key: str, rating: str, proceeds: bool) -> None:
    result = _review(engine, sample_path(key))
    data = result.as_dict()
    assert data["overall"]["rating"] == rating
    assert data["proceeds_to_panel"] is proceeds
    assert [c["id"] for c in data["criteria"]] == list(CRITERION_IDS)


PLANTED = [
    # 1. a spelling slip ("recieved", in the S8 finding)
    ("terminology.accuracy", "spelling_errors", "text:finding:S8"),
    # 2. an emotive word ("shocking", in the S5 finding)
    ("terminology.professional_tone", "emotive_language", "text:finding:S5"),
    # 3. a finding without evidence (E2)
    ("methodology.evidence_based_findings", "finding_without_evidence", "finding:E2"),
    # 4. a recommendation without an owner (REC-3)
    ("methodology.actionable_feedback", "recommendation_without_owner", "recommendation:REC-3"),
    # 5. a quality statement in scope with no finding (W3)
    ("methodology.comprehensiveness", "statement_without_finding", "statement:W3"),
    # 6. Safe proposed Good though its scores (2, 3, 2, 1: 50%) fall in the Requires improvement band
    ("terminology.cqc_alignment", "key_question_rating_inconsistent", "key_question:Safe"),
]


@pytest.mark.parametrize(("criterion", "rule", "subject"), PLANTED, ids=[p[1] for p in PLANTED])
def test_each_planted_fault_is_found_against_the_right_criterion(
    engine: Evaluator, criterion: str, rule: str, subject: str
) -> None:
    result = _review(engine, sample_path("requires_improvement"))
    assert (criterion, rule, subject) in _faults(result)


def test_the_requires_improvement_sample_has_the_planted_faults_and_its_focused_scope_only(engine: Evaluator) -> None:
    result = _review(engine, sample_path("requires_improvement"))
    focused = ("methodology.comprehensiveness", "scope_partial", "report")
    assert _faults(result) == {*PLANTED, focused}
    scores = {c.criterion.id: c.score for c in result.criteria}
    assert scores["methodology.comprehensiveness"] == 2  # W3 missing, and 10 of 34 statements in scope
    assert scores["methodology.evidence_based_findings"] == 2  # a finding without evidence is a major fault
    assert scores["terminology.accuracy"] == scores["terminology.professional_tone"] == 3
    overall = result.as_dict()["overall"]
    assert (overall["band"], overall["rating"]) == ("Good", "Requires improvement")
    assert overall["limited_by"] and "methodology.evidence_based_findings" in overall["limited_by"][0]


def test_the_clean_reports_raise_no_false_faults(engine: Evaluator) -> None:
    assert _faults(_review(engine, sample_path("outstanding"))) == set()
    # A focused inspection of 15 of the 34 statements is the one thing a person is asked to confirm.
    good = _review(engine, sample_path("good"))
    assert _faults(good) == {("methodology.comprehensiveness", "scope_partial", "report")}
    (finding,) = [f for f in good.criteria[0].findings if f.deduction]
    assert finding.needs_human and finding.deduction == 1
    overall = good.as_dict()["overall"]
    assert (overall["score"], overall["percentage"], overall["band"]) == (3.92, 98, "Outstanding")


def test_criteria_only_people_can_judge_always_ask_a_person(engine: Evaluator) -> None:
    data = _review(engine, sample_path("outstanding")).as_dict()
    human = {c["id"]: c for c in data["criteria"] if c["needs_human"]}
    assert set(human) == {"characteristics.objectivity_impartiality", "characteristics.value_to_provider"}
    for criterion in human.values():
        assert criterion["score"] == 4
        assert all(f["deduction"] == 0 and f["severity"] == "info" for f in criterion["findings"])
    assert data["needs_human"] == list(human)


def _comparable(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "report": {k: v for k, v in data["report"].items() if k not in ("path", "format")}}


@pytest.mark.parametrize("key", ["outstanding", "good", "requires_improvement"])
def test_the_same_report_in_yaml_json_markdown_and_word_gives_the_same_result(
    engine: Evaluator, key: str, tmp_path: Path
) -> None:
    as_json = tmp_path / "report.json"
    as_json.write_text(json.dumps(unstructure(read_report(sample_path(key)))), encoding="utf-8")
    paths = [sample_path(key), as_json, sample_path(key, ".md"), sample_path(key, ".docx")]
    results = [_review(engine, p).as_dict() for p in paths]
    assert [r["report"]["format"] for r in results] == ["YAML", "JSON", "Markdown", "Word"]
    first = _comparable(results[0])
    for other in results[1:]:
        assert _comparable(other) == first


def test_language_findings_point_at_the_sentence(engine: Evaluator) -> None:
    data = _review(engine, sample_path("requires_improvement", ".docx")).as_dict()
    findings = {f["rule"]: f for c in data["criteria"] for f in c["findings"]}
    spelling = findings["spelling_errors"]
    assert spelling["where"] == "narrative of the finding on S8 Medicines optimisation"
    [sentence] = spelling["sentences"]
    assert sentence["index"] == 2 and sentence["terms"] == ["recieved"]
    assert sentence["text"].startswith("Records showed that 4 of the 10 people")
    [emotive] = findings["emotive_language"]["sentences"]
    assert emotive["index"] == 1 and emotive["terms"] == ["shocking"]
    assert findings["finding_without_evidence"]["sentences"] == []


def test_each_finding_says_which_rule_what_and_where_and_cites_its_source(engine: Evaluator) -> None:
    data = _review(engine, sample_path("requires_improvement")).as_dict()
    findings = {f["rule"]: f for c in data["criteria"] for f in c["findings"]}
    owner = findings["recommendation_without_owner"]
    assert owner["subject"] == "recommendation:REC-3" and owner["where"] == "recommendation REC-3"
    assert owner["message"] == "Recommendation REC-3 names no owner"
    assert (owner["severity"], owner["deduction"], owner["needs_human"]) == ("medium", 1, False)
    assert owner["source"]["id"] == "ccaf-mipr" and owner["source"]["publisher"] == "C-CAF"
    assert owner["source"]["confidence"] == "V-primary" and owner["source"]["url"] is None
    safe = findings["key_question_rating_inconsistent"]
    assert safe["message"] == (
        "Safe is proposed Good, but its 4 statement score(s) total 8 points, 50.0% of the most possible: "
        "the Requires improvement band"
    )
    assert "facts" not in owner
    assert data["ruleset"] == {"id": "mipr-2025", "version": "1.0.0", "framework": "MIPR_2025"}
    assert data["gate"]["rule"] == "does_not_proceed_to_panel"
