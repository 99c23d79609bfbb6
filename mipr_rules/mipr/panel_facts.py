"""``mipr_panel``: what a panel record holds, measured for the ``mipr-panel-2025`` ruleset.

Measures, never judges: each stage's scores (the mean of its reviewers per criterion), how far the stages
are apart, the verified score (the mean of the two stages, or the moderator's score where one was
recorded) and its rating by the ruleset's scoring parameters (``scoring.py``), and whether the factual-
accuracy review and the consent are recorded. Whether anything blocks publication is the rules' call.

Fields (a field whose value is unknown is left out, never null):

| Field | Type | Meaning |
|---|---|---|
| ``location_id`` | string | The report's location |
| ``pre_check_recorded`` | boolean | The record holds the ``mipr review`` pre-check of a report file |
| ``pre_check_proceeds`` | boolean | That pre-check let the report proceed to the panel (left out if none) |
| ``pre_check_rating`` | string | Its overall rating (left out if none) |
| ``report_digest_matches`` | boolean | The pre-checked file is the one named by digest (left out unless both known) |
| ``reviews`` | integer | Stage reviews recorded |
| ``stage_1_reviewers``, ``stage_2_reviewers`` | integer | Reviewers of each stage |
| ``stage_1_unscored``, ``stage_2_unscored`` | integer | Criteria no reviewer of the stage scored (of 13) |
| ``stage_1_score``, ``stage_2_score`` | number | A complete stage's overall score, 1-4 |
| ``overall_disagreement`` | number | Difference of the two stage scores (both complete) |
| ``largest_criterion_disagreement`` | number | Largest difference between the stages on one criterion |
| ``most_disputed_criterion`` | string | The criterion with that difference (first in order) |
| ``largest_unmoderated_disagreement`` | number | The same over criteria the moderation did not settle |
| ``most_disputed_unmoderated_criterion`` | string | The criterion with that difference (first in order) |
| ``moderated`` | boolean | A moderation is recorded |
| ``moderated_criteria`` | integer | Criteria it settles |
| ``has_verified_score`` | boolean | Both stages are complete, so a verified score exists |
| ``verified_score`` | number | Weighted mean of the verified criterion scores, 1-4 |
| ``verified_percentage`` | integer | ``verified_score`` / 4, rounded half up |
| ``verified_band`` | string | The band of the percentage |
| ``verified_rating`` | string | The rating after the limiters |
| ``verified_rating_rank`` | integer | Its rank, 1-4 |
| ``lowest_verified_criterion_score`` | number | Lowest verified criterion score |
| ``has_factual_accuracy_review`` | boolean | The provider's factual-accuracy review is recorded |
| ``days_factual_accuracy_to_first_review`` | integer | Days from that review to the first dated stage-1 review |
| ``publication_consent`` | boolean | The provider's consent to publication is recorded |
| ``reviewers_in_both_stages`` | integer | Reviewers who scored both stages |
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from statistics import fmean
from typing import Any

import attrs

from mipr_rules.facts.base import Fact, FactContext, FactType
from mipr_rules.mipr.criteria import CRITERION_IDS, RANK_OF_RATING
from mipr_rules.mipr.measures.common import BOOL, INT, NUM, STR, fact
from mipr_rules.mipr.panel_record import STAGES, PanelRecord
from mipr_rules.mipr.scoring import Overall, Policy

FACT_TYPE = FactType(
    "mipr_panel",
    "A report's two-stage panel review, verified score, factual-accuracy review and consent",
    {
        "location_id": STR,
        "pre_check_recorded": BOOL,
        "pre_check_proceeds": BOOL,
        "pre_check_rating": STR,
        "report_digest_matches": BOOL,
        "reviews": INT,
        "stage_1_reviewers": INT,
        "stage_2_reviewers": INT,
        "stage_1_unscored": INT,
        "stage_2_unscored": INT,
        "stage_1_score": NUM,
        "stage_2_score": NUM,
        "overall_disagreement": NUM,
        "largest_criterion_disagreement": NUM,
        "most_disputed_criterion": STR,
        "largest_unmoderated_disagreement": NUM,
        "most_disputed_unmoderated_criterion": STR,
        "moderated": BOOL,
        "moderated_criteria": INT,
        "has_verified_score": BOOL,
        "verified_score": NUM,
        "verified_percentage": INT,
        "verified_band": STR,
        "verified_rating": STR,
        "verified_rating_rank": INT,
        "lowest_verified_criterion_score": NUM,
        "has_factual_accuracy_review": BOOL,
        "days_factual_accuracy_to_first_review": INT,
        "publication_consent": BOOL,
        "reviewers_in_both_stages": INT,
    },
)


@attrs.frozen
class PanelScores:
    """The arithmetic of a panel record under one scoring policy."""

    stages: Mapping[int, Mapping[str, float]]
    """Stage → criterion → mean score of the stage's reviewers (criteria nobody scored are absent)."""
    stage_overall: Mapping[int, Overall]
    """Overall of each complete stage."""
    differences: Mapping[str, float]
    """Criterion → difference between the stages (both complete)."""
    verified: Mapping[str, float]
    """Criterion → verified score (both complete): the moderator's, else the mean of the stages."""
    overall: Overall | None
    """The verified overall, when both stages are complete."""

    def complete(self, stage: int) -> bool:
        """Whether every criterion has a score at ``stage``."""
        return all(c in self.stages[stage] for c in CRITERION_IDS)


def panel_scores(record: PanelRecord, policy: Policy) -> PanelScores:
    """Stage means, differences, verified criterion scores and overalls of ``record``."""
    stages: dict[int, dict[str, float]] = {}
    for stage in STAGES:
        reviews = record.stage(stage)
        stages[stage] = {
            c: round(fmean(r.scores[c] for r in reviews if c in r.scores), 2)
            for c in CRITERION_IDS
            if any(c in r.scores for r in reviews)
        }
    complete = {s for s in STAGES if all(c in stages[s] for c in CRITERION_IDS)}
    stage_overall = {s: policy.overall(stages[s]) for s in sorted(complete)}
    differences: dict[str, float] = {}
    verified: dict[str, float] = {}
    overall = None
    if complete == set(STAGES):
        settled = record.moderation.scores if record.moderation else {}
        for c in CRITERION_IDS:
            differences[c] = round(abs(stages[1][c] - stages[2][c]), 2)
            verified[c] = float(settled[c]) if c in settled else round((stages[1][c] + stages[2][c]) / 2, 2)
        overall = policy.overall(verified)
    return PanelScores(stages, stage_overall, differences, verified, overall)


@attrs.frozen
class PanelFacts:
    """Measures a panel record."""

    name: str = "mipr_panel"
    subject_type: type = PanelRecord
    fact_types: tuple[FactType, ...] = (FACT_TYPE,)

    def calculate(self, subject: PanelRecord, context: FactContext) -> Iterator[Fact]:
        """Yield the one ``mipr_panel`` fact."""
        record = subject
        scores = panel_scores(record, Policy.from_parameters(context.parameters, "mipr_panel"))
        settled = set(record.moderation.scores) if record.moderation else set()
        diffs = scores.differences
        disputed = max(diffs, key=lambda c: diffs[c]) if diffs else None
        unmoderated = {c: d for c, d in diffs.items() if c not in settled}
        overall = scores.overall
        dated = [r.date for r in record.stage(1) if r.date is not None]
        review = record.factual_accuracy_review
        reviewers = {s: {r.reviewer for r in record.stage(s)} for s in STAGES}
        fields: dict[str, Any] = {
            "location_id": record.report.location_id if record.report else None,
            "pre_check_recorded": record.pre_check is not None,
            "pre_check_proceeds": record.pre_check.proceeds if record.pre_check else None,
            "pre_check_rating": (record.pre_check.rating or None) if record.pre_check else None,
            "report_digest_matches": (
                record.pre_check.sha256 == record.report.sha256
                if record.pre_check and record.report and record.report.sha256
                else None
            ),
            "reviews": len(record.reviews),
            "moderated": record.moderation is not None,
            "moderated_criteria": len(settled),
            "has_verified_score": overall is not None,
            "has_factual_accuracy_review": review is not None,
            "days_factual_accuracy_to_first_review": (min(dated) - review).days if review and dated else None,
            "publication_consent": record.publication_consent,
            "reviewers_in_both_stages": len(reviewers[1] & reviewers[2]),
        }
        for stage in STAGES:
            fields[f"stage_{stage}_reviewers"] = len(reviewers[stage])
            fields[f"stage_{stage}_unscored"] = sum(1 for c in CRITERION_IDS if c not in scores.stages[stage])
            stage_overall = scores.stage_overall.get(stage)
            fields[f"stage_{stage}_score"] = stage_overall.score if stage_overall else None
        if len(scores.stage_overall) == len(STAGES):
            fields["overall_disagreement"] = round(
                abs(scores.stage_overall[1].score - scores.stage_overall[2].score), 2
            )
        if disputed is not None:
            fields["largest_criterion_disagreement"] = diffs[disputed]
            fields["most_disputed_criterion"] = disputed
            fields["largest_unmoderated_disagreement"] = max(unmoderated.values(), default=0.0)
            if unmoderated:
                fields["most_disputed_unmoderated_criterion"] = max(unmoderated, key=lambda c: unmoderated[c])
        if overall is not None:
            fields |= {
                "verified_score": overall.score,
                "verified_percentage": overall.percentage,
                "verified_band": overall.band.value,
                "verified_rating": overall.rating.value,
                "verified_rating_rank": RANK_OF_RATING[overall.rating],
                "lowest_verified_criterion_score": min(scores.verified.values()),
            }
        yield fact("mipr_panel", "panel", **fields)
