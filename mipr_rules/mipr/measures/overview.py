"""``mipr_report``: the report as a whole — structure, coverage, balance of evidence, consistency, totals.

Each count here sums or summarises what the other fact types measure one by one, so that a rule about
the whole report needs one fact only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import attrs

from mipr_rules.facts.base import Fact, FactContext, FactType
from mipr_rules.mipr.measures.common import BOOL, INT, NUM, STR, fact
from mipr_rules.mipr.measures.findings import answered_by
from mipr_rules.mipr.measures.language import counts, measured_parts
from mipr_rules.mipr.measures.ratings import key_question_measures
from mipr_rules.mipr.measures.recommendations import answers_finding
from mipr_rules.mipr.measures.text import readability
from mipr_rules.mipr.report import EVIDENCE_SOURCE_CATEGORY, RATING_RANK, Report, RiskKind, score_value
from mipr_rules.model.vocabulary import RatingValue

_RATING_KEYS = {
    RatingValue.OUTSTANDING: "outstanding",
    RatingValue.GOOD: "good",
    RatingValue.REQUIRES_IMPROVEMENT: "requires_improvement",
    RatingValue.INADEQUATE: "inadequate",
}
TOTAL_FIELDS = (
    "emotive_terms",
    "judgemental_terms",
    "first_person_singular",
    "opinion_phrases",
    "absolute_terms",
    "unsupported_absolutes",
    "non_cqc_terms",
    "spelling_errors",
    "repeated_words",
    "double_spaces",
    "space_before_punctuation",
)
"""Language counts summed over every piece of prose (see ``mipr_text``)."""

FACT_TYPE = FactType(
    "mipr_report",
    "The report as a whole",
    {
        "location_id": STR,
        "visit_days": INT,
        "has_executive_summary": BOOL,
        "executive_summary_words": INT,
        "has_methodology": BOOL,
        "methodology_words": INT,
        "scope_services": INT,
        "scope_statements": INT,
        "scope_defined": BOOL,
        "findings": INT,
        "statements_with_finding": INT,
        "statements_without_finding": INT,
        "findings_out_of_scope": INT,
        "breakdown_complete": BOOL,
        "findings_without_evidence": INT,
        "shortfall_findings": INT,
        "shortfall_findings_without_risk": INT,
        "findings_without_recommendation": INT,
        "evidence_items": INT,
        "source_types_used": INT,
        "evidence_categories_used": INT,
        "dominant_source_type": STR,
        "dominant_source_share": NUM,
        "risks": INT,
        "actual_risks": INT,
        "potential_risks": INT,
        "risks_without_recommendation": INT,
        "recommendations": INT,
        "recommendations_without_owner": INT,
        "recommendations_without_timescale": INT,
        "recommendations_not_answering_finding": INT,
        "has_proposed_overall": BOOL,
        "proposed_overall": STR,
        "proposed_overall_rank": INT,
        **{f"kq_proposed_{key}": INT for key in _RATING_KEYS.values()},
        **{f"kq_band_{key}": INT for key in _RATING_KEYS.values()},
        "kq_without_proposed_rating": INT,
        "kq_rating_mismatches": INT,
        "has_factual_accuracy_review": BOOL,
        "days_visit_to_factual_accuracy_review": INT,
        "publication_consent": BOOL,
        "words": INT,
        "findings_flesch_reading_ease": NUM,
        "findings_words_per_sentence": NUM,
        **{f"total_{name}": INT for name in TOTAL_FIELDS},
        "texts_with_faults": INT,
    },
)


@attrs.frozen
class ReportFacts:
    """Measures the report as a whole."""

    name: str = "mipr_report"
    subject_type: type = Report
    fact_types: tuple[FactType, ...] = (FACT_TYPE,)

    def calculate(self, subject: Report, context: FactContext) -> Iterator[Fact]:
        """Yield the one ``mipr_report`` fact."""
        report = subject
        scope = set(report.scope.quality_statements)
        with_finding = sum(1 for s in scope if report.finding_for(s) is not None)
        sources = Counter(e.source for f in report.findings for e in f.evidence)
        evidence_items = sum(sources.values())
        dominant = sources.most_common(1)[0] if sources else None
        shortfalls = [f for f in report.findings if score_value(f.score) <= 2]
        risk_findings = {r.finding for r in report.risks}
        answered_risks = {r for rec in report.recommendations for r in rec.risks}
        kqs = key_question_measures(report, context.parameters)
        proposed = Counter(m.proposed for m in kqs if m.proposed is not None)
        bands = Counter(m.band for m in kqs if m.band is not None)
        overall = report.proposed_ratings.overall
        parts = list(measured_parts(report))
        totals = Counter[str]()
        faulty = 0
        for _, measures in parts:
            numbers = counts(measures)
            totals.update(numbers)
            faulty += any(numbers[n] for n in TOTAL_FIELDS if n != "absolute_terms")
        narratives = "\n\n".join(f.narrative for f in report.findings if f.narrative.strip())
        _, _, reading_ease, sentence_length = readability(narratives) if narratives else (0, 0, None, None)
        review = report.factual_accuracy_review
        yield fact(
            "mipr_report",
            "report",
            location_id=report.location.id,
            visit_days=len(report.visit_dates),
            has_executive_summary=bool(report.executive_summary.strip()),
            executive_summary_words=len(report.executive_summary.split()),
            has_methodology=bool(report.methodology.strip()),
            methodology_words=len(report.methodology.split()),
            scope_services=len(report.scope.services),
            scope_statements=len(scope),
            scope_defined=bool(report.scope.services) and bool(scope),
            findings=len(report.findings),
            statements_with_finding=with_finding,
            statements_without_finding=len(scope) - with_finding,
            findings_out_of_scope=sum(1 for f in report.findings if f.statement not in scope),
            breakdown_complete=bool(scope) and with_finding == len(scope),
            findings_without_evidence=sum(1 for f in report.findings if not f.evidence),
            shortfall_findings=len(shortfalls),
            shortfall_findings_without_risk=sum(1 for f in shortfalls if f.statement not in risk_findings),
            findings_without_recommendation=sum(1 for f in report.findings if not answered_by(report, f.statement)),
            evidence_items=evidence_items,
            source_types_used=len(sources),
            evidence_categories_used=len({EVIDENCE_SOURCE_CATEGORY[s] for s in sources}),
            dominant_source_type=None if dominant is None else dominant[0].value,
            dominant_source_share=None if dominant is None else round(dominant[1] / evidence_items, 3),
            risks=len(report.risks),
            actual_risks=sum(1 for r in report.risks if r.kind is RiskKind.ACTUAL),
            potential_risks=sum(1 for r in report.risks if r.kind is RiskKind.POTENTIAL),
            risks_without_recommendation=sum(1 for r in report.risks if r.id not in answered_risks),
            recommendations=len(report.recommendations),
            recommendations_without_owner=sum(1 for r in report.recommendations if not (r.owner or "").strip()),
            recommendations_without_timescale=sum(1 for r in report.recommendations if r.timescale is None),
            recommendations_not_answering_finding=sum(
                1 for r in report.recommendations if not answers_finding(report, r)
            ),
            has_proposed_overall=overall is not None,
            proposed_overall=None if overall is None else overall.value,
            proposed_overall_rank=None if overall is None else RATING_RANK[overall],
            **{f"kq_proposed_{key}": proposed[rating] for rating, key in _RATING_KEYS.items()},
            **{f"kq_band_{key}": bands[rating] for rating, key in _RATING_KEYS.items()},
            kq_without_proposed_rating=sum(1 for m in kqs if m.scores and m.proposed is None),
            kq_rating_mismatches=sum(1 for m in kqs if m.band and m.proposed and m.band is not m.proposed),
            has_factual_accuracy_review=review is not None,
            days_visit_to_factual_accuracy_review=None if review is None else (review - report.last_visit).days,
            publication_consent=report.publication_consent,
            words=sum(m.words for _, m in parts),
            findings_flesch_reading_ease=reading_ease,
            findings_words_per_sentence=sentence_length,
            **{f"total_{name}": totals[name] for name in TOTAL_FIELDS},
            texts_with_faults=faulty,
        )
