"""``mipr_text``: readability, tone, terminology, spelling and typing slips of each piece of prose."""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from mipr_rules.facts.base import Fact, FactContext, FactType
from mipr_rules.mipr.measures.common import BOOL, INT, NUM, STR, fact, own_names
from mipr_rules.mipr.measures.text import TextMeasures, measure_text
from mipr_rules.mipr.report import Report

FACT_TYPE = FactType(
    "mipr_text",
    "One piece of report prose: a summary, the methodology, a finding's narrative "
    "or evidence, a risk or a recommendation",
    {
        "part": STR,
        "owner": STR,
        "statement": STR,
        "words": INT,
        "sentences": INT,
        "flesch_reading_ease": NUM,
        "words_per_sentence": NUM,
        "emotive_terms": INT,
        "judgemental_terms": INT,
        "first_person_singular": INT,
        "opinion_phrases": INT,
        "absolute_terms": INT,
        "unsupported_absolutes": INT,
        "non_cqc_terms": INT,
        "spelling_errors": INT,
        "repeated_words": INT,
        "double_spaces": INT,
        "space_before_punctuation": INT,
        "has_faults": BOOL,
    },
)


@attrs.frozen
class TextPart:
    """A piece of prose of the report."""

    part: str
    """``executive_summary``, ``methodology``, ``finding``, ``evidence``, ``risk`` or ``recommendation``."""
    owner: str
    """Subject of what it belongs to: ``report``, ``finding:S3``, ``risk:R1``, ``recommendation:REC1``."""
    text: str
    """The prose."""
    statement: str | None = None
    """The quality statement, for finding and evidence text."""

    @property
    def subject(self) -> str:
        """``text:executive_summary``, ``text:finding:S3``, ``text:evidence:S3``, ``text:risk:R1``..."""
        if self.owner == "report":
            return f"text:{self.part}"
        return f"text:{self.part}:{self.owner.split(':', 1)[1]}"


def text_parts(report: Report) -> Iterator[TextPart]:
    """Every non-empty piece of prose, in report order."""
    if report.executive_summary.strip():
        yield TextPart("executive_summary", "report", report.executive_summary)
    if report.methodology.strip():
        yield TextPart("methodology", "report", report.methodology)
    for finding in report.findings:
        owner = f"finding:{finding.statement}"
        if finding.narrative.strip():
            yield TextPart("finding", owner, finding.narrative, finding.statement)
        references = "\n\n".join(e.reference for e in finding.evidence if e.reference.strip())
        if references:
            yield TextPart("evidence", owner, references, finding.statement)
    for risk in report.risks:
        if risk.description.strip():
            yield TextPart("risk", f"risk:{risk.id}", risk.description)
    for rec in report.recommendations:
        if rec.action.strip():
            yield TextPart("recommendation", f"recommendation:{rec.id}", rec.action)


def measured_parts(report: Report) -> Iterator[tuple[TextPart, TextMeasures]]:
    """Each piece of prose with its measures."""
    names = own_names(report)
    for part in text_parts(report):
        yield part, measure_text(part.text, names)


FAULT_FIELDS = (
    "emotive_terms",
    "judgemental_terms",
    "first_person_singular",
    "opinion_phrases",
    "unsupported_absolutes",
    "non_cqc_terms",
    "spelling_errors",
    "repeated_words",
    "double_spaces",
    "space_before_punctuation",
)
"""The counts that a clean text has at zero (``has_faults`` is true when any is not)."""


def counts(m: TextMeasures) -> dict[str, int]:
    """The count fields of one text's measures."""
    return {
        "emotive_terms": len(m.emotive),
        "judgemental_terms": len(m.judgemental),
        "first_person_singular": m.first_person_singular,
        "opinion_phrases": len(m.opinion_phrases),
        "absolute_terms": len(m.absolutes),
        "unsupported_absolutes": len(m.unsupported_absolutes),
        "non_cqc_terms": len(m.non_cqc_terms),
        "spelling_errors": len(m.misspelt),
        "repeated_words": len(m.repeated_words),
        "double_spaces": m.double_spaces,
        "space_before_punctuation": m.space_before_punctuation,
    }


@attrs.frozen
class LanguageFacts:
    """Measures the language of every piece of prose in a report."""

    name: str = "mipr_language"
    subject_type: type = Report
    fact_types: tuple[FactType, ...] = (FACT_TYPE,)

    def calculate(self, subject: Report, context: FactContext) -> Iterator[Fact]:
        """Yield one ``mipr_text`` fact per non-empty piece of prose."""
        for part, m in measured_parts(subject):
            numbers = counts(m)
            yield fact(
                "mipr_text",
                part.subject,
                part=part.part,
                owner=part.owner,
                statement=part.statement,
                words=m.words,
                sentences=m.sentences,
                flesch_reading_ease=m.flesch_reading_ease,
                words_per_sentence=m.words_per_sentence,
                **numbers,
                has_faults=any(numbers[f] for f in FAULT_FIELDS),
            )
