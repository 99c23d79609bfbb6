"""``mipr_regulation``: a sentence that cites a fundamental standard for a topic that belongs to another.

"This is a breach of Regulation 17 (safeguarding)" cites good governance for a safeguarding finding
(Regulation 13). For each sentence of the report's prose that cites "Regulation N" (or "Reg N") of the
2014 Regulations, this calculator reads the topic words of ``data/regulations.yaml``: when the sentence
names topics of other regulations and none of regulation N's, it yields one fact. Sentences naming
other legislation (the 2009 Registration Regulations' notifications, the Mental Capacity Act) are left
alone. Whether that is a fault is the ruleset's call.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

import attrs
import yaml

from mipr_rules.facts.base import Fact, FactContext, FactType
from mipr_rules.mipr.measures.common import INT, STR, fact
from mipr_rules.mipr.measures.language import text_parts
from mipr_rules.mipr.measures.text import sentences
from mipr_rules.mipr.report import Report

_CITED = re.compile(r"\b(?:Regulation|Reg\.?)\s+(\d{1,2}A?)\b", re.I)

FACT_TYPE = FactType(
    "mipr_regulation",
    "A sentence citing a regulation of the 2014 Regulations for a topic that belongs to another",
    {
        "regulation": STR,
        "regulation_title": STR,
        "topic_regulations": STR,
        "part": STR,
        "owner": STR,
        "sentence": INT,
        "text_subject": STR,
    },
)


def _words(items: list[str]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(items) + r")(?![\w-])", re.I)


@cache
def _vocabulary() -> tuple[dict[str, tuple[str, re.Pattern[str]]], re.Pattern[str]]:
    text = (resources.files("mipr_rules.mipr") / "data" / "regulations.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    regulations = {str(k): (str(v["title"]), _words(v["words"])) for k, v in data["regulations"].items()}
    return regulations, _words(data["other_regulations"])


def miscitations(sentence: str) -> list[tuple[str, list[str]]]:
    """``(regulation cited, regulations whose topics the sentence names instead)`` for each wrong citation."""
    regulations, other = _vocabulary()
    if other.search(sentence):
        return []
    topics = [number for number, (_, words) in regulations.items() if words.search(sentence)]
    out = []
    for match in _CITED.finditer(sentence):
        number = match[1].upper()
        if number in regulations and topics and number not in topics:
            out.append((number, topics))
    return out


@attrs.frozen
class RegulationFacts:
    """Measures each sentence that cites a regulation for another regulation's topic."""

    name: str = "mipr_regulations"
    subject_type: type = Report
    fact_types: tuple[FactType, ...] = (FACT_TYPE,)

    def calculate(self, subject: Report, context: FactContext) -> Iterator[Fact]:
        """Yield one ``mipr_regulation`` per sentence and wrong citation."""
        regulations, _ = _vocabulary()
        for part in text_parts(subject):
            for index, sentence in enumerate(sentences(part.text), start=1):
                for number, topics in miscitations(sentence):
                    yield fact(
                        "mipr_regulation",
                        f"regulation:{part.subject}:{index}",
                        regulation=number,
                        regulation_title=regulations[number][0],
                        topic_regulations=", ".join(f"{t} ({regulations[t][0]})" for t in topics),
                        part=part.part,
                        owner=part.owner,
                        sentence=index,
                        text_subject=part.subject,
                    )
