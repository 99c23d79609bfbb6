"""``mipr_key_question``: each key question's SAF percentage and band next to the proposed rating.

KQ % = sum of quality-statement scores / (statements scored x 4) (CQC, How we reach a rating). The band comes
from the percentage rounded half up, with CQC's thresholds as defaults: >= 88 Outstanding, 63-87 Good,
39-62 Requires improvement, <= 38 Inadequate; the ruleset may override them through its parameters.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from fractions import Fraction
from math import floor
from typing import Any

import attrs

from mipr_rules.facts.base import Fact, FactContext, FactType
from mipr_rules.mipr.measures.common import BOOL, INT, NUM, STR, fact
from mipr_rules.mipr.report import RATING_RANK, Report, score_value
from mipr_rules.model.quality_statements import KEY_QUESTIONS, key_question_of
from mipr_rules.model.vocabulary import KeyQuestion, RatingValue

BAND_PARAMETERS = {
    "saf_kq_requires_improvement_min": 39,
    "saf_kq_good_min": 63,
    "saf_kq_outstanding_min": 88,
}
"""Ruleset parameters read for the band thresholds (lowest whole percentage of each band), with defaults."""

FACT_TYPE = FactType(
    "mipr_key_question",
    "A key question: SAF percentage and band of its statement scores, and the rating the report proposes",
    {
        "key_question": STR,
        "statements_in_scope": INT,
        "statements_scored": INT,
        "score_sum": INT,
        "scores_of_1": INT,
        "scores_of_2": INT,
        "percentage": NUM,
        "percentage_rounded": INT,
        "band": STR,
        "band_rank": INT,
        "has_proposed_rating": BOOL,
        "proposed_rating": STR,
        "proposed_rank": INT,
        "proposed_band_gap": INT,
    },
)


@attrs.frozen
class KeyQuestionMeasure:
    """The scores of one key question, rolled up the SAF way."""

    key_question: KeyQuestion
    """Which key question."""
    statements_in_scope: int
    """Its statements in the report's scope."""
    scores: tuple[int, ...]
    """The 1-4 scores of its findings."""
    proposed: RatingValue | None
    """The rating the report proposes for it."""
    percentage: Fraction | None
    """Exact KQ percentage; None when nothing is scored."""
    band: RatingValue | None
    """The rating band the rounded percentage falls in."""

    @property
    def percentage_rounded(self) -> int | None:
        """The percentage rounded half up to a whole number."""
        return None if self.percentage is None else floor(self.percentage + Fraction(1, 2))


def band_for(percentage: int, parameters: Mapping[str, Any]) -> RatingValue:
    """The SAF rating band of a whole percentage."""
    limits = {name: int(parameters.get(name, default)) for name, default in BAND_PARAMETERS.items()}
    if percentage >= limits["saf_kq_outstanding_min"]:
        return RatingValue.OUTSTANDING
    if percentage >= limits["saf_kq_good_min"]:
        return RatingValue.GOOD
    if percentage >= limits["saf_kq_requires_improvement_min"]:
        return RatingValue.REQUIRES_IMPROVEMENT
    return RatingValue.INADEQUATE


def key_question_measures(report: Report, parameters: Mapping[str, Any]) -> list[KeyQuestionMeasure]:
    """One measure per key question that has statements in scope, findings or a proposed rating."""
    out = []
    for kq in KEY_QUESTIONS:
        scores = tuple(score_value(f.score) for f in report.findings if key_question_of(f.statement) is kq)
        in_scope = sum(1 for s in report.scope.quality_statements if key_question_of(s) is kq)
        proposed = report.proposed_ratings.key_questions.get(kq)
        if not scores and not in_scope and proposed is None:
            continue
        percentage = Fraction(100 * sum(scores), 4 * len(scores)) if scores else None
        band = None if percentage is None else band_for(floor(percentage + Fraction(1, 2)), parameters)
        out.append(KeyQuestionMeasure(kq, in_scope, scores, proposed, percentage, band))
    return out


@attrs.frozen
class RatingFacts:
    """Measures each key question's scores against its proposed rating."""

    name: str = "mipr_ratings"
    subject_type: type = Report
    fact_types: tuple[FactType, ...] = (FACT_TYPE,)

    def calculate(self, subject: Report, context: FactContext) -> Iterator[Fact]:
        """Yield one ``mipr_key_question`` fact per key question the report touches."""
        for m in key_question_measures(subject, context.parameters):
            band_rank = RATING_RANK[m.band] if m.band else None
            proposed_rank = RATING_RANK[m.proposed] if m.proposed else None
            yield fact(
                "mipr_key_question",
                f"key_question:{m.key_question.value}",
                key_question=m.key_question.value,
                statements_in_scope=m.statements_in_scope,
                statements_scored=len(m.scores),
                score_sum=sum(m.scores),
                scores_of_1=m.scores.count(1),
                scores_of_2=m.scores.count(2),
                percentage=None if m.percentage is None else round(float(m.percentage), 2),
                percentage_rounded=m.percentage_rounded,
                band=m.band.value if m.band else None,
                band_rank=band_rank,
                has_proposed_rating=m.proposed is not None,
                proposed_rating=m.proposed.value if m.proposed else None,
                proposed_rank=proposed_rank,
                proposed_band_gap=None if band_rank is None or proposed_rank is None else proposed_rank - band_rank,
            )
