"""The 13 MIPR review criteria in three areas (C-CAF, How the MIPR process works), and the 1-4 rating words.

The criterion ids are a contract: rules map to them (``maps_to.mipr_criterion``), ``mipr review`` reports
one result per criterion and ``mipr panel`` records one score per criterion.
"""

from __future__ import annotations

import attrs

from mipr_rules.model.vocabulary import RatingValue


@attrs.frozen
class Criterion:
    """One review criterion."""

    id: str
    """Contract id, ``<area>.<name>``, e.g. ``methodology.evidence_based_findings``."""
    area: str
    """``methodology``, ``terminology`` or ``characteristics``."""
    name: str
    """C-CAF's name for it, e.g. ``Evidence-Based Findings``."""
    question: str
    """The question the criterion asks, in the words of C-CAF's guide."""


AREAS: dict[str, str] = {
    "methodology": "Methodology: the integrity of the inspection process",
    "terminology": "Terminology: the clarity and professionalism of the language",
    "characteristics": "Characteristics: the overall quality of the report",
}
"""The three review areas, in the order of C-CAF's guide, with their titles."""

CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "methodology.comprehensiveness",
        "methodology",
        "Comprehensiveness",
        "Were all relevant areas of the service reviewed, in line with the CQC's quality statements? "
        "Is the scope defined and clear?",
    ),
    Criterion(
        "methodology.evidence_based_findings",
        "methodology",
        "Evidence-Based Findings",
        "Are findings linked to specific, verifiable evidence, with a good balance of sources?",
    ),
    Criterion(
        "methodology.risk_identification",
        "methodology",
        "Risk Identification",
        "Are potential and actual risks to the service, people and staff identified and clearly articulated?",
    ),
    Criterion(
        "methodology.actionable_feedback",
        "methodology",
        "Actionable Feedback",
        "Is the feedback practical, with clear recommendations and next steps?",
    ),
    Criterion(
        "methodology.proportionality",
        "methodology",
        "Proportionality",
        "Are findings and recommendations proportionate to the level of risk and non-compliance?",
    ),
    Criterion(
        "terminology.clarity_conciseness",
        "terminology",
        "Clarity and Conciseness",
        "Is the report easy to read and understand, direct, without unnecessary jargon or ambiguity?",
    ),
    Criterion(
        "terminology.cqc_alignment",
        "terminology",
        "CQC Alignment",
        "Does the report use CQC's terminology and style? Is it easy to see how findings translate into a rating?",
    ),
    Criterion(
        "terminology.professional_tone",
        "terminology",
        "Professional Tone",
        "Is the tone professional, constructive and objective, and the feedback non-judgemental?",
    ),
    Criterion(
        "terminology.accuracy",
        "terminology",
        "Accuracy",
        "Is the report free of grammatical errors, spelling mistakes and typographical errors?",
    ),
    Criterion(
        "characteristics.structure_flow",
        "characteristics",
        "Structure and Flow",
        "Is there a logical flow from findings to recommendations, a clear executive summary and a breakdown "
        "of findings for each quality statement?",
    ),
    Criterion(
        "characteristics.objectivity_impartiality",
        "characteristics",
        "Objectivity and Impartiality",
        "Is the report objective, free from personal bias and unsubstantiated claims?",
    ),
    Criterion(
        "characteristics.value_to_provider",
        "characteristics",
        "Value to the Care Provider",
        "Is the report a valuable tool for internal improvement, for stakeholders and to show progress?",
    ),
    Criterion(
        "characteristics.transparency",
        "characteristics",
        "Transparency",
        "Is the methodology of the mock inspection clearly explained in the report?",
    ),
)
"""The 13 criteria in the order of C-CAF's guide."""

BY_ID: dict[str, Criterion] = {c.id: c for c in CRITERIA}
"""Criteria by id."""

CRITERION_IDS: tuple[str, ...] = tuple(BY_ID)
"""The 13 contract ids, in order."""

RATING_OF_SCORE: dict[int, RatingValue] = {
    4: RatingValue.OUTSTANDING,
    3: RatingValue.GOOD,
    2: RatingValue.REQUIRES_IMPROVEMENT,
    1: RatingValue.INADEQUATE,
}
"""The rating word of a whole 1-4 score (CQC, How we reach a rating: 4 exceptional … 1 significant shortfalls)."""

RANK_OF_RATING: dict[RatingValue, int] = {rating: score for score, rating in RATING_OF_SCORE.items()}
"""Inadequate 1 … Outstanding 4."""


def criterion_id(text: str) -> str | None:
    """The criterion ``text`` names: a full id, or the part after the dot when that is unique."""
    if text in BY_ID:
        return text
    matches = [c.id for c in CRITERIA if c.id.split(".", 1)[1] == text]
    return matches[0] if len(matches) == 1 else None
