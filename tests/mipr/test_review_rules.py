"""The mipr-2025 rules on real report text: each fault written into the clean Good sample is found, against
the right criterion, and nothing else changes (the sample's one finding, its focused scope, stays)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import pytest

from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.mipr import read_report
from mipr_rules.mipr.report import (
    Evidence,
    EvidenceSource,
    Finding,
    Priority,
    Report,
    Scope,
    StatementId,
    Timescale,
)
from mipr_rules.mipr.review import ReviewReport, review
from mipr_rules.mipr.samples import sample_path
from mipr_rules.model.vocabulary import RatingValue
from mipr_rules.ruleset.catalogue import Catalogue

AS_OF = dt.date(2025, 7, 1)
BASELINE = {("methodology.comprehensiveness", "scope_partial", "report")}
"""The Good sample's one finding: a focused inspection of 15 of the 34 quality statements."""


@pytest.fixture(scope="module")
def engine() -> Iterator[Evaluator]:
    with Evaluator(processes=1) as evaluator:
        yield evaluator


@pytest.fixture(scope="module")
def good() -> Report:
    return read_report(sample_path("good"))


def _run(engine: Evaluator, report: Report) -> ReviewReport:
    ruleset = Catalogue.installed(engine.pm).get("mipr-2025", AS_OF)
    return review(report, path="report.yaml", as_of=AS_OF, ruleset=ruleset, evaluator=engine)


def _faults(result: ReviewReport) -> set[tuple[str, str, str]]:
    return {
        (c.criterion.id, f.hit.rule_id, f.hit.subject)
        for c in result.criteria
        for f in c.findings
        if f.deduction or f.cap is not None or f.ceiling is not None
    }


def _finding(report: Report, statement: str, **changes: Any) -> Report:
    findings = tuple(attrs.evolve(f, **changes) if f.statement == statement else f for f in report.findings)
    return attrs.evolve(report, findings=findings)


def _recommendation(report: Report, rec_id: str, **changes: Any) -> Report:
    recs = tuple(attrs.evolve(r, **changes) if r.id == rec_id else r for r in report.recommendations)
    return attrs.evolve(report, recommendations=recs)


OBJ, T, Q, AC = (
    "characteristics.objectivity_impartiality",
    "terminology.professional_tone",
    "terminology.cqc_alignment",
    "terminology.accuracy",
)
CHANGES: list[tuple[str, Callable[[Report], Report], set[tuple[str, str, str]]]] = [
    (
        "first-person opinion and an unsupported absolute",
        lambda r: _finding(
            r,
            "S1",
            narrative="I think care workers always reported incidents. The registered manager reviewed each report "
            "within 2 working days, and lessons were shared in team meetings.",
        ),
        {(OBJ, "first_person_opinion", "text:finding:S1"), (OBJ, "unsupported_absolutes", "text:finding:S1")},
    ),
    (
        "judgemental words and terms CQC does not use",
        lambda r: _finding(
            r,
            "S3",
            narrative="Care workers understood their safeguarding responsibilities, but office staff were rude to "
            "relatives on the telephone. Service users told us they felt safe with their care workers.",
        ),
        {(T, "judgemental_language", "text:finding:S3"), (Q, "non_cqc_terminology", "text:finding:S3")},
    ),
    (
        "a repeated word, a double space and a space before a comma",
        lambda r: _finding(
            r,
            "S4",
            narrative="Risk assessments covered moving and handling, the the home environment and falls.  They were "
            "reviewed when needs changed , and a person at risk of falls had a plan agreed with them.",
        ),
        {(AC, "repeated_words", "text:finding:S4"), (AC, "spacing_slips", "text:finding:S4")},
    ),
    (
        "no executive summary and no methodology",
        lambda r: attrs.evolve(r, executive_summary="", methodology=""),
        {
            ("characteristics.structure_flow", "no_executive_summary", "report"),
            ("characteristics.transparency", "no_methodology", "report"),
        },
    ),
    (
        "a recommendation without a timescale that answers no finding",
        lambda r: _recommendation(r, "REC-2", timescale=None, findings=()),
        {
            ("methodology.actionable_feedback", "recommendation_without_timescale", "recommendation:REC-2"),
            ("methodology.actionable_feedback", "recommendation_not_answering_finding", "recommendation:REC-2"),
        },
    ),
    (
        "a low-priority action due in 3 months for a high risk",
        lambda r: _recommendation(r, "REC-1", priority=Priority.LOW, timescale=Timescale.parse("3 months")),
        {
            ("methodology.proportionality", "priority_below_risk_severity", "recommendation:REC-1"),
            ("methodology.proportionality", "timescale_too_long_for_high_risk", "recommendation:REC-1"),
        },
    ),
    (
        "a finding scored 2 with neither a risk nor a recommendation",
        lambda r: _finding(r, "S8", score=2),
        {
            ("methodology.risk_identification", "shortfall_without_risk", "finding:S8"),
            ("methodology.actionable_feedback", "shortfall_without_recommendation", "finding:S8"),
        },
    ),
    (
        "every finding resting on documents alone (weighed by density, once)",
        lambda r: attrs.evolve(
            r,
            findings=tuple(
                attrs.evolve(
                    f, evidence=tuple(attrs.evolve(e, source=EvidenceSource.DOCUMENTATION) for e in f.evidence)
                )
                for f in r.findings
            ),
        ),
        {
            ("methodology.evidence_based_findings", "single_source_findings_common", "quality"),
            ("methodology.evidence_based_findings", "single_source_findings_most", "quality"),
            ("methodology.evidence_based_findings", "evidence_dominated_by_one_source", "report"),
            ("methodology.evidence_based_findings", "evidence_categories_narrow", "report"),
        },
    ),
    (
        "a risk no recommendation answers",
        lambda r: attrs.evolve(r, recommendations=tuple(attrs.evolve(x, risks=()) for x in r.recommendations)),
        {("methodology.actionable_feedback", "risk_without_recommendation", "risk:RISK-1")},
    ),
    (
        "no proposed overall rating",
        lambda r: attrs.evolve(r, proposed_ratings=attrs.evolve(r.proposed_ratings, overall=None)),
        {(Q, "no_proposed_overall_rating", "report")},
    ),
    (
        "a finding too brief to act on",
        lambda r: _finding(r, "W2", narrative="Leaders were approachable."),
        {("characteristics.value_to_provider", "finding_narrative_thin", "finding:W2")},
    ),
    (
        "a finding on a statement outside the scope",
        lambda r: attrs.evolve(
            r,
            findings=(
                *r.findings,
                Finding(
                    StatementId("S2"),
                    3,
                    "Hospital discharges were planned with the discharge team, and care started on the day people "
                    "came home in the 6 cases we sampled.",
                    (
                        Evidence(EvidenceSource.DOCUMENTATION, "Discharge records for 6 people"),
                        Evidence(EvidenceSource.PARTNER, "Feedback from the hospital discharge team"),
                    ),
                ),
            ),
        ),
        {("methodology.comprehensiveness", "finding_out_of_scope", "finding:S2")},
    ),
]


@pytest.mark.parametrize(("change", "expected"), [(c[1], c[2]) for c in CHANGES], ids=[c[0] for c in CHANGES])
def test_a_fault_written_into_a_clean_report_is_found_and_nothing_else(
    engine: Evaluator, good: Report, change: Callable[[Report], Report], expected: set[tuple[str, str, str]]
) -> None:
    assert _faults(_run(engine, change(good))) == BASELINE | expected


def test_major_faults_take_two_points_and_limit_the_rating(engine: Evaluator, good: Report) -> None:
    result = _run(engine, attrs.evolve(good, executive_summary="", methodology=""))
    scores = {c.criterion.id: c.score for c in result.criteria}
    assert scores["characteristics.structure_flow"] == 2
    # no methodology is a severe fault: it caps transparency at 1 and stops the report at the gate
    assert scores["characteristics.transparency"] == 1 and result.severe_faults == 1
    assert result.overall.rating is RatingValue.REQUIRES_IMPROVEMENT and not result.proceeds_to_panel


def test_an_undefined_scope_floors_comprehensiveness(engine: Evaluator, good: Report) -> None:
    result = _run(engine, attrs.evolve(good, scope=Scope()))
    comprehensiveness = result.criteria[0]
    rules = {f.hit.rule_id for f in comprehensiveness.findings if f.deduction}
    assert rules == {"scope_not_defined", "finding_out_of_scope"}
    assert comprehensiveness.score == 1 and comprehensiveness.rating is RatingValue.INADEQUATE


def test_a_rating_word_as_a_score_is_a_note_without_deduction(engine: Evaluator, good: Report) -> None:
    result = _run(engine, _finding(good, "S1", score=RatingValue.GOOD))
    assert _faults(result) == BASELINE
    notes = [f for c in result.criteria for f in c.findings if f.hit.rule_id == "score_given_as_rating_word"]
    assert [(n.hit.subject, n.deduction, n.hit.severity) for n in notes] == [("finding:S1", 0, "info")]


def test_language_findings_name_the_terms_of_each_sentence(engine: Evaluator, good: Report) -> None:
    report = _finding(
        good,
        "S1",
        narrative="I think care workers always reported incidents. The registered manager reviewed each report "
        "within 2 working days, and lessons were shared in team meetings.",
    )
    findings = {f.hit.rule_id: f for c in _run(engine, report).criteria for f in c.findings}
    [opinion] = findings["first_person_opinion"].sentences
    assert opinion.index == 1 and set(opinion.terms) == {"I", "I think"}
    [absolute] = findings["unsupported_absolutes"].sentences
    assert absolute.terms == ("always",)
