"""``mipr_signal``: adverse events a finding's own text describes, beside the score and risks it was given.

A consultant may score a finding Good while its narrative describes an unreported abuse allegation or a
missed insulin dose. This calculator reads each finding's narrative and evidence, sentence by sentence
and clause by clause, for the events of ``data/adverse_events.yaml`` and yields one fact per finding and
kind of event, carrying the finding's score, its risks and its key question's proposed rating side by
side. Whether that is a contradiction is the ruleset's call.

Negation and hedging follow the NegEx approach (Chapman et al., 2001): a trigger preceded in its clause,
within a few words, by a negation cue ("no", "not", "none of", "without") or a hypothetical cue ("if",
"knew how to", "training on") does not count, so "no medication errors were found" and "staff knew how to
report abuse" are not events; a clause that opens with a negated subject ("None of the 5 staff files we
checked lacked a DBS check") is negated whole, however far its verb. A clause ends at ``;``, ``:``,
"but", "however"... so "no missed doses, but one allegation was not reported" still finds the
allegation. A category may also require a second pattern in the clause (e.g. "not referred"): its own
negation *is* the event, and is not read as a negation of the trigger.

Why not a library: negspacy (NegEx for spaCy) is the maintained implementation, but it needs spaCy
(with numpy and thinc, hundreds of MB and about a second of import per review) on the base install,
and without a trained English model, which PyPI does not carry, it still needs our own trigger
patterns as entities; its termsets are hand-written cue lists of the same kind as ours. The cues,
triggers and clause breaks are data (``data/adverse_events.yaml``), tested on the corpus.
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
from mipr_rules.mipr.measures.text import sentences
from mipr_rules.mipr.report import RATING_RANK, SEVERITY_RANK, Finding, Report, RiskKind, score_value
from mipr_rules.model.quality_statements import BY_ID

NEGATION_WINDOW = 6
"""Words before a trigger, within its clause, in which a negation or hypothetical cue cancels it."""

FACT_TYPE = FactType(
    "mipr_signal",
    "An adverse event a finding's own text describes, with the score, risks and proposed rating it was given",
    {
        "statement": STR,
        "key_question": STR,
        "category": STR,
        "title": STR,
        "severity_rank": INT,
        "sentences": INT,
        "first_sentence": INT,
        "part": STR,
        "score": INT,
        "risks": INT,
        "actual_risks": INT,
        "max_risk_severity_rank": INT,
        "risk_severity_shortfall": INT,
        "kq_proposed_rating": STR,
        "kq_proposed_rank": INT,
    },
)


@attrs.frozen
class Category:
    """One kind of adverse event."""

    id: str
    """``medication_missed``..."""
    title: str
    """What it is, in words."""
    severity_rank: int
    """The risk severity such an event normally carries (1 low ... 4 critical)."""
    triggers: tuple[re.Pattern[str], ...]
    """The event itself."""
    requires: tuple[re.Pattern[str], ...] = ()
    """One of these must also be in the clause (e.g. "not referred"); empty for none."""


@attrs.frozen
class Vocabulary:
    """The adverse-event vocabulary of ``data/adverse_events.yaml``."""

    categories: tuple[Category, ...]
    """Kinds of event, in file order."""
    negation: re.Pattern[str]
    """Negation cues, as whole words."""
    hypothetical: re.Pattern[str]
    """Hypothetical cues, as whole words."""
    clause_break: re.Pattern[str]
    """Where a clause ends."""
    subject_negation: re.Pattern[str]
    """Cues at the start of a clause that negate its subject, and so the whole clause."""


def _words(cues: list[str]) -> re.Pattern[str]:
    parts = [r"\s+".join(re.escape(w) for w in cue.split()) for cue in sorted(cues, key=len, reverse=True)]
    return re.compile(r"(?<![\w'\u2019-])(?:" + "|".join(parts) + r")(?![\w'\u2019-])|n['\u2019]t\b", re.I)


@cache
def vocabulary() -> Vocabulary:
    """The vocabulary, loaded once (safe YAML)."""
    text = (resources.files("mipr_rules.mipr") / "data" / "adverse_events.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    categories = tuple(
        Category(
            key,
            str(value["title"]),
            int(value["severity_rank"]),
            tuple(re.compile(p, re.I) for p in value["triggers"]),
            tuple(re.compile(p, re.I) for p in value.get("requires", ())),
        )
        for key, value in data["categories"].items()
    )
    breaks = "|".join(re.escape(b) for b in data["clause_breaks"])
    openers = "|".join(sorted(data["subject_negations"], key=len, reverse=True))
    return Vocabulary(
        categories,
        _words(data["negations"]),
        _words(data["hypotheticals"]),
        re.compile(breaks, re.I),
        re.compile(r"^\W*(?:" + openers + r")(?![\w'\u2019-])", re.I),
    )


def clauses(sentence: str) -> list[str]:
    """``sentence`` cut at its clause breaks."""
    return [c for c in vocabulary().clause_break.split(sentence) if c.strip()]


def _cancelled(clause: str, start: int, spans: list[tuple[int, int]]) -> bool:
    """Whether a cue in the few words before ``start`` cancels the trigger there (cues inside ``spans`` do not)."""
    vocab = vocabulary()
    before = clause[:start]
    opener = vocab.subject_negation.match(before)
    if opener is not None and not any(a <= opener.start(0) + len(opener.group(0)) - 1 < b for a, b in spans):
        return True
    words = list(re.finditer(r"\S+", before))
    window_start = words[-NEGATION_WINDOW].start() if len(words) >= NEGATION_WINDOW else 0
    for pattern in (vocab.negation, vocab.hypothetical):
        for cue in pattern.finditer(before, window_start):
            if not any(a <= cue.start() < b for a, b in spans):
                return True
    return False


def describes(text: str, category: Category) -> bool:
    """Whether ``text`` (one sentence) describes an event of ``category`` that was not negated or hypothetical."""
    for clause in clauses(text):
        spans: list[tuple[int, int]] = []
        if category.requires:
            spans = [m.span() for p in category.requires for m in p.finditer(clause)]
            if not spans:
                continue
        for trigger in category.triggers:
            for match in trigger.finditer(clause):
                if not _cancelled(clause, match.start(), spans):
                    return True
    return False


def finding_texts(finding: Finding) -> list[tuple[str, str]]:
    """``(part, sentence)`` of a finding's narrative, then of its evidence references."""
    out = [("finding", s) for s in sentences(finding.narrative)]
    for item in finding.evidence:
        out += [("evidence", s) for s in sentences(item.reference)]
    return out


def events_in(finding: Finding) -> dict[str, list[tuple[int, str, str]]]:
    """Category id → ``(sentence number from 1, part, sentence)`` of each sentence describing it."""
    found: dict[str, list[tuple[int, str, str]]] = {}
    for index, (part, sentence) in enumerate(finding_texts(finding), start=1):
        for category in vocabulary().categories:
            if describes(sentence, category):
                found.setdefault(category.id, []).append((index, part, sentence))
    return found


@attrs.frozen
class SignalFacts:
    """Measures the adverse events each finding's text describes."""

    name: str = "mipr_signals"
    subject_type: type = Report
    fact_types: tuple[FactType, ...] = (FACT_TYPE,)

    def calculate(self, subject: Report, context: FactContext) -> Iterator[Fact]:
        """Yield one ``mipr_signal`` per finding and kind of event its text describes."""
        by_id = {c.id: c for c in vocabulary().categories}
        for finding in subject.findings:
            events = events_in(finding)
            if not events:
                continue
            risks = [r for r in subject.risks if r.finding == finding.statement]
            worst = max((SEVERITY_RANK[r.severity] for r in risks), default=0)
            kq = BY_ID[finding.statement].key_question
            proposed = subject.proposed_ratings.key_questions.get(kq)
            for category_id, found in events.items():
                category = by_id[category_id]
                yield fact(
                    "mipr_signal",
                    f"signal:{finding.statement}:{category_id}",
                    statement=finding.statement,
                    key_question=kq.value,
                    category=category_id,
                    title=category.title,
                    severity_rank=category.severity_rank,
                    sentences=len(found),
                    first_sentence=found[0][0],
                    part=found[0][1],
                    score=score_value(finding.score),
                    risks=len(risks),
                    actual_risks=sum(1 for r in risks if r.kind is RiskKind.ACTUAL),
                    max_risk_severity_rank=worst,
                    risk_severity_shortfall=max(category.severity_rank - worst, 0),
                    kq_proposed_rating=None if proposed is None else proposed.value,
                    kq_proposed_rank=None if proposed is None else RATING_RANK[proposed],
                )


def signal_sentences(report: Report, subject: str) -> list[tuple[int, str]]:
    """``(number, sentence)`` of the sentences behind a ``signal:S3:category`` subject."""
    _, statement, category = [*subject.split(":"), "", ""][:3]
    finding = report.finding_for(statement)
    if finding is None:
        return []
    return [(index, sentence) for index, _, sentence in events_in(finding).get(category, [])]
