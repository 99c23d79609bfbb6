"""The five key questions and the 34 SAF quality statements, as data (CQC's single assessment framework).

The ids S1…W8 are a common convention, not CQC's own; the names are spelt as CQC writes them.
"""

from __future__ import annotations

import attrs

from mipr_rules.model.vocabulary import KeyQuestion

KEY_QUESTIONS: tuple[KeyQuestion, ...] = tuple(KeyQuestion)
"""Safe, Effective, Caring, Responsive, Well-led, in CQC's order."""

KEY_QUESTION_PREFIX: dict[KeyQuestion, str] = {
    KeyQuestion.SAFE: "S",
    KeyQuestion.EFFECTIVE: "E",
    KeyQuestion.CARING: "C",
    KeyQuestion.RESPONSIVE: "R",
    KeyQuestion.WELL_LED: "W",
}
"""The letter that starts the ids of a key question's statements."""


@attrs.frozen
class QualityStatement:
    """One SAF quality statement."""

    id: str
    """Conventional id, e.g. ``S3``."""
    key_question: KeyQuestion
    """The key question it belongs to."""
    name: str
    """CQC's name for it, e.g. ``Safeguarding``."""


_NAMES: dict[KeyQuestion, tuple[str, ...]] = {
    KeyQuestion.SAFE: (
        "Learning culture",
        "Safe systems, pathways and transitions",
        "Safeguarding",
        "Involving people to manage risks",
        "Safe environments",
        "Safe and effective staffing",
        "Infection prevention and control",
        "Medicines optimisation",
    ),
    KeyQuestion.EFFECTIVE: (
        "Assessing needs",
        "Delivering evidence-based care and treatment",
        "How staff, teams and services work together",
        "Supporting people to live healthier lives",
        "Monitoring and improving outcomes",
        "Consent to care and treatment",
    ),
    KeyQuestion.CARING: (
        "Kindness, compassion and dignity",
        "Treating people as individuals",
        "Independence, choice and control",
        "Responding to people's immediate needs",
        "Workforce wellbeing and enablement",
    ),
    KeyQuestion.RESPONSIVE: (
        "Person-centred care",
        "Care provision, integration and continuity",
        "Providing information",
        "Listening to and involving people",
        "Equity in access",
        "Equity in experiences and outcomes",
        "Planning for the future",
    ),
    KeyQuestion.WELL_LED: (
        "Shared direction and culture",
        "Capable, compassionate and inclusive leaders",
        "Freedom to speak up",
        "Workforce equality, diversity and inclusion",
        "Governance, management and sustainability",
        "Partnerships and communities",
        "Learning, improvement and innovation",
        "Environmental sustainability – sustainable development",  # noqa: RUF001 - CQC's dash
    ),
}

QUALITY_STATEMENTS: tuple[QualityStatement, ...] = tuple(
    QualityStatement(f"{KEY_QUESTION_PREFIX[kq]}{number}", kq, name)
    for kq in KEY_QUESTIONS
    for number, name in enumerate(_NAMES[kq], start=1)
)
"""All 34 statements in CQC's order (8 Safe, 6 Effective, 5 Caring, 7 Responsive, 8 Well-led)."""

BY_ID: dict[str, QualityStatement] = {qs.id: qs for qs in QUALITY_STATEMENTS}
"""Statements by id."""

ID_RANGES = "S1-S8, E1-E6, C1-C5, R1-R7, W1-W8"
"""The valid ids, as said in error messages."""


def statements_of(key_question: KeyQuestion) -> tuple[QualityStatement, ...]:
    """The statements of one key question, in order."""
    return tuple(qs for qs in QUALITY_STATEMENTS if qs.key_question is key_question)


def key_question_of(statement_id: str) -> KeyQuestion:
    """The key question of a statement id (which must be valid)."""
    return BY_ID[statement_id].key_question
