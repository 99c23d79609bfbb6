"""``mipr_remark``: sentences that claim to know people's motives, or remark on staff's nationality, race,
religion, age or disability, outside quoted speech.

A mock-inspection report judges practice against evidence. "Staff hid the errors to protect themselves"
claims a motive no evidence shows; "the overseas carers could not understand the care plans" turns a
training or communication finding into a remark about where people come from. Each such sentence is one
fact, so that the rule that flags it shows the sentence. Patterns are vocabulary in ``REMARKS`` below;
whether they cost points is the ruleset's call.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import attrs

from mipr_rules.facts.base import Fact, FactContext, FactType
from mipr_rules.mipr.measures.common import INT, STR, fact
from mipr_rules.mipr.measures.language import text_parts
from mipr_rules.mipr.measures.text import sentences, unquoted
from mipr_rules.mipr.report import Report

_GROUPS = (
    r"foreign|overseas|international|migrant|immigrant|eastern european|european|polish|romanian|bulgarian|"
    r"filipino|filipina|indian|nigerian|ghanaian|zimbabwean|african|asian|black|white|muslim|christian|hindu|"
    r"sikh|jewish|catholic|older|elderly|young|younger|disabled"
)
_STAFF = r"staff|carers?|care workers?|workers?|nurses?|managers?|employees?|team members?|colleagues?"
_NEGATIVE = (
    r"poor|could not|couldn't|cannot|can't|unable|struggle\w*|difficult\w*|problem\w*|lack\w*|"
    r"not understand|did not understand|didn't understand|accent\w*|barrier\w*|unreliable|lazy|rude"
)

REMARKS: dict[str, tuple[re.Pattern[str], ...]] = {
    "motive": (
        re.compile(r"\b(?:deliberately|on purpose|intentionally|wilfully|knowingly)\b", re.I),
        re.compile(r"\bto (?:cover up|hide|protect (?:themselves|herself|himself)|avoid blame|save face)\b", re.I),
        re.compile(r"\b(?:only|just) (?:cares?|cared|interested) about (?:money|profit|themselves)\b", re.I),
        re.compile(r"\b(?:clearly|obviously) (?:wanted|wants|tried|intended)\b", re.I),
        re.compile(r"\bout of (?:laziness|spite|self-interest)\b", re.I),
    ),
    "discriminatory": (
        re.compile(rf"\b(?:{_GROUPS})\s+(?:{_STAFF})\b(?=[^.]*\b(?:{_NEGATIVE})\b)", re.I),
        re.compile(rf"\b(?:{_NEGATIVE})\b[^.]*\b(?:{_GROUPS})\s+(?:{_STAFF})\b", re.I),
        re.compile(r"\b(?:poor|broken|limited|bad) english\b|\bcould not speak (?:good )?english\b", re.I),
        re.compile(r"\bthe (?:foreigners|immigrants|old ones|elderly ones)\b", re.I),
    ),
}
"""Kind of remark → the patterns that find it in a sentence (outside quoted speech)."""

FACT_TYPE = FactType(
    "mipr_remark",
    "A sentence that claims a motive or remarks on nationality, race, religion, age or disability",
    {"kind": STR, "part": STR, "owner": STR, "sentence": INT, "text_subject": STR},
)


def remarks_in(text: str) -> list[tuple[int, str]]:
    """``(sentence number from 1, kind)`` of each sentence of ``text`` holding a remark (one kind a sentence)."""
    out = []
    for index, sentence in enumerate(sentences(text), start=1):
        own = unquoted(sentence)
        for kind, patterns in REMARKS.items():
            if any(p.search(own) for p in patterns):
                out.append((index, kind))
    return out


@attrs.frozen
class RemarkFacts:
    """Measures each sentence of the report's prose that claims a motive or makes a discriminatory remark."""

    name: str = "mipr_remarks"
    subject_type: type = Report
    fact_types: tuple[FactType, ...] = (FACT_TYPE,)

    def calculate(self, subject: Report, context: FactContext) -> Iterator[Fact]:
        """Yield one ``mipr_remark`` per sentence and kind."""
        for part in text_parts(subject):
            for index, kind in remarks_in(part.text):
                yield fact(
                    "mipr_remark",
                    f"remark:{part.subject}:{index}",
                    kind=kind,
                    part=part.part,
                    owner=part.owner,
                    sentence=index,
                    text_subject=part.subject,
                )
