"""Pass 2 of ``mipr review``: the 13 criterion scores of a pre-check, measured as one ``mipr_review_score`` fact.

Pass 1 of the ``mipr-2025`` ruleset judges the report and each hit deducts from one criterion; the
criterion scores (4 less the deductions, not below 1) are the subject of pass 2. The calculator here does
the arithmetic with the ruleset's scoring parameters (``scoring.py``): the weighted mean, its percentage,
the SAF-style band and the limiters. Whether the report proceeds to the panel is the pass-2 rules' call.

Fields of ``mipr_review_score`` (subject ``overall``):

| Field | Type | Meaning |
|---|---|---|
| ``criteria`` | integer | Criteria assessed (scored) |
| ``not_assessed`` | integer | Criteria nothing in the report measured: no score, left out of the mean |
| ``not_assessed_criteria`` | string | Their ids, comma separated (empty when none) |
| ``severe_faults`` | integer | Pass-1 findings that cap their criterion (``emit.cap``) |
| ``criteria_at_1`` | integer | Assessed criteria scored 1 |
| ``score`` | number | Weighted mean of the criterion scores, 1-4, two decimals |
| ``percentage`` | integer | ``score`` / 4 as a whole percentage, rounded half up |
| ``band`` | string | The SAF-style band of the percentage |
| ``band_rank`` | integer | Its rank, 1-4 |
| ``lowest_criterion_score`` | integer | The lowest criterion score (of criteria with a weight above 0) |
| ``lowest_criteria`` | string | The criteria with that score, comma separated |
| ``limited`` | boolean | A limiter took the rating below the band |
| ``rating`` | string | The overall rating after the limiters |
| ``rating_rank`` | integer | Its rank, 1-4 |
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import attrs

from mipr_rules.errors import InputError
from mipr_rules.facts.base import Fact, FactContext, FactType
from mipr_rules.mipr.criteria import CRITERION_IDS, RANK_OF_RATING
from mipr_rules.mipr.measures.common import BOOL, INT, NUM, STR, fact
from mipr_rules.mipr.scoring import Policy

FACT_TYPE = FactType(
    "mipr_review_score",
    "The overall score of a pre-check: the criterion scores rolled up with the ruleset's weights, bands and limiters",
    {
        "criteria": INT,
        "not_assessed": INT,
        "not_assessed_criteria": STR,
        "severe_faults": INT,
        "criteria_at_1": INT,
        "score": NUM,
        "percentage": INT,
        "band": STR,
        "band_rank": INT,
        "lowest_criterion_score": INT,
        "lowest_criteria": STR,
        "limited": BOOL,
        "rating": STR,
        "rating_rank": INT,
    },
)


@attrs.frozen
class CriterionScores:
    """The subject of pass 2: a score 1-4, or None when not assessed, for each of the 13 criteria."""

    scores: Mapping[str, int | None]
    """Criterion id → score (None: not assessed)."""
    severe_faults: int = 0
    """Pass-1 findings that capped their criterion."""


@attrs.frozen
class ReviewScoreFacts:
    """Measures the overall score of a pre-check's criterion scores."""

    name: str = "mipr_review_score"
    subject_type: type = CriterionScores
    fact_types: tuple[FactType, ...] = (FACT_TYPE,)

    def calculate(self, subject: CriterionScores, context: FactContext) -> Iterator[Fact]:
        """Yield the one ``mipr_review_score`` fact."""
        scores = subject.scores
        missing = [c for c in CRITERION_IDS if c not in scores]
        unknown = [c for c in scores if c not in CRITERION_IDS]
        if missing or unknown:
            what = f"no score for {missing[0]}" if missing else f"{unknown[0]!r} is not a criterion"
            raise InputError(f"criterion scores: {what}")
        for criterion, value in scores.items():
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
                raise InputError(f"criterion scores: {criterion}: expected a score from 1 to 4 or none")
        policy = Policy.from_parameters(context.parameters, "mipr_review_score")
        overall = policy.overall({c: None if v is None else float(v) for c, v in scores.items()})
        weighed = [c for c in CRITERION_IDS if policy.weights[c] > 0 and scores[c] is not None]
        assessed = {c: int(scores[c] or 0) for c in weighed}
        lowest = min(assessed.values(), default=None)
        unassessed = [c for c in CRITERION_IDS if scores[c] is None]
        yield fact(
            "mipr_review_score",
            "overall",
            criteria=len(CRITERION_IDS) - len(unassessed),
            not_assessed=len(unassessed),
            not_assessed_criteria=", ".join(unassessed),
            severe_faults=subject.severe_faults,
            criteria_at_1=sum(1 for v in assessed.values() if v == 1),
            score=overall.score,
            percentage=overall.percentage,
            band=overall.band.value,
            band_rank=RANK_OF_RATING[overall.band],
            lowest_criterion_score=lowest,
            lowest_criteria=", ".join(c for c in weighed if assessed[c] == lowest),
            limited=overall.rating is not overall.band,
            rating=overall.rating.value,
            rating_rank=RANK_OF_RATING[overall.rating],
        )
