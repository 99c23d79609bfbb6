"""The 34 SAF quality statements live in ``mipr_rules.model.quality_statements`` (defined once); re-exported here."""

from mipr_rules.model.quality_statements import (
    BY_ID,
    ID_RANGES,
    KEY_QUESTION_PREFIX,
    KEY_QUESTIONS,
    QUALITY_STATEMENTS,
    QualityStatement,
    key_question_of,
    statements_of,
)

__all__ = [
    "BY_ID",
    "ID_RANGES",
    "KEY_QUESTIONS",
    "KEY_QUESTION_PREFIX",
    "QUALITY_STATEMENTS",
    "QualityStatement",
    "key_question_of",
    "statements_of",
]
