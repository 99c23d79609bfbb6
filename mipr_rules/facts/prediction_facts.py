"""Measures a location's evidence per quality statement for the prediction ruleset (``saf-prediction-2024``).

``saf_statement``: per quality statement, how many records hold evidence for it and how many open readiness
alerts mapped to it there are at each severity. ``saf_key_question_evidence``: per key question, how many of
its statements got a predicted score. The rules decide the predicted score; this module only counts.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from mipr_rules import hookimpl
from mipr_rules.facts.base import Fact, FactContext, FactType

INT, STR = "integer", "string"

FACT_TYPES = (
    FactType.documented("saf_statement", "A quality statement's evidence in records and its open alerts", {
        "statement": (STR, None, "Quality statement id, S1 … W8"),
        "key_question": (STR, None, "Safe, Effective, Caring, Responsive or Well-led"),
        "evidence_records": (INT, "count", "Records held that can inform the statement (kinds in predict/evidence.py)"),
        "alerts": (INT, "count", "Open readiness alerts mapped to the statement, info excluded"),
        "critical": (INT, "count", "Open critical alerts mapped to the statement"),
        "high": (INT, "count", "Open high alerts mapped to the statement"),
        "medium": (INT, "count", "Open medium alerts mapped to the statement"),
        "low": (INT, "count", "Open low alerts mapped to the statement"),
    }),
    FactType.documented("saf_key_question_evidence", "How many of a key question's statements have a predicted score", {
        "key_question": (STR, None, "Safe, Effective, Caring, Responsive or Well-led"),
        "informed": (INT, "count", "Statements with a predicted score (the records inform them)"),
        "statements": (INT, "count", "Quality statements of the key question"),
    }),
)


@attrs.frozen
class StatementCounts:
    """One quality statement's counts."""

    key_question: str
    """The key question it belongs to."""
    evidence_records: int
    """Records that can inform it."""
    severities: Mapping[str, int] = attrs.field(factory=dict)
    """Severity → open alerts mapped to it."""


@attrs.frozen
class StatementEvidence:
    """Every quality statement's counts: the subject of the prediction pass."""

    statements: Mapping[str, StatementCounts]
    """Statement id → its counts."""


@attrs.frozen
class KeyQuestionEvidence:
    """Key question → (statements with a predicted score, statements): the subject of the second pass."""

    informed: Mapping[str, tuple[int, int]]
    """Key question → (informed, of)."""


@attrs.frozen
class KeyQuestionEvidenceFacts:
    """Second prediction pass: one ``saf_key_question_evidence`` fact per key question."""

    name: str = "saf_key_question_evidence"
    subject_type: type = KeyQuestionEvidence
    fact_types: tuple[FactType, ...] = (FACT_TYPES[1],)

    def calculate(self, subject: KeyQuestionEvidence, context: FactContext) -> Iterator[Fact]:
        """Yield how many statements of each key question are informed."""
        for key_question, (informed, of) in subject.informed.items():
            yield {"type": "saf_key_question_evidence", "subject": f"key_question:{key_question}",
                   "key_question": key_question, "informed": informed, "statements": of}


@attrs.frozen
class StatementFacts:
    """Prediction pass: one ``saf_statement`` fact per quality statement."""

    name: str = "saf_statement"
    subject_type: type = StatementEvidence
    fact_types: tuple[FactType, ...] = (FACT_TYPES[0],)

    def calculate(self, subject: StatementEvidence, context: FactContext) -> Iterator[Fact]:
        """Yield the evidence and alert counts of each statement."""
        for statement, counts in subject.statements.items():
            by = {s: int(counts.severities.get(s, 0)) for s in ("critical", "high", "medium", "low")}
            yield {"type": "saf_statement", "subject": f"statement:{statement}", "statement": statement,
                   "key_question": counts.key_question, "evidence_records": counts.evidence_records,
                   "alerts": sum(by.values()), **by}


@hookimpl
def mipr_register_fact_calculators(register: Any) -> None:
    register(StatementFacts())
    register(KeyQuestionEvidenceFacts())
