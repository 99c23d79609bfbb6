"""Where a review finding is in the report: a readable name for its subject, and the sentences behind it.

A rule decides that a text has a fault (``mipr_text`` counts); this module only points at it, so that a
consultant can find it: it re-reads the text with the same measures and returns the sentences that hold
the terms counted (the misspelt word, the emotive phrase...), numbered from 1 within the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from mipr_rules.mipr.measures.common import own_names
from mipr_rules.mipr.measures.language import text_parts
from mipr_rules.mipr.measures.signals import signal_sentences
from mipr_rules.mipr.measures.text import TextMeasures, measure_text, sentences, unquoted
from mipr_rules.mipr.measures.wordlists import phrase_pattern
from mipr_rules.mipr.report import Report
from mipr_rules.model.quality_statements import BY_ID

_FIRST_PERSON = re.compile(
    r"(?<![\w'\u2019-])(?:I|[Mm]e|[Mm]y|[Mm]ine|[Mm]yself|I['\u2019](?:m|ve|d|ll))(?![\w'\u2019-])"
)
_SPACING = re.compile(r"(?<=\S) {2,}(?=\S)|(?<=\w)[ \t]+(?:[,;:!?]|\.(?!\.))")
_EXCERPT = 240
"""Longest sentence quoted; longer ones are cut with an ellipsis."""

_TERMS: dict[str, Callable[[TextMeasures], tuple[str, ...]]] = {
    "misspelt": lambda m: m.misspelt,
    "emotive": lambda m: m.emotive,
    "judgemental": lambda m: m.judgemental,
    "non_cqc_terms": lambda m: m.non_cqc_terms,
    "unsupported_absolutes": lambda m: m.unsupported_absolutes,
    "repeated_words": lambda m: m.repeated_words,
    "first_person": lambda m: m.opinion_phrases,
}
"""Measures (a rule's ``emit.measure``) whose terms the measures list, and how to get them."""

MEASURES = (*_TERMS, "spacing", "long_sentences", "adverse_event", "remark", "regulation")
"""Every ``emit.measure`` a rule may name."""

_PARTS = {
    "executive_summary": "executive summary",
    "methodology": "methodology",
    "finding": "narrative of the finding on",
    "evidence": "evidence of the finding on",
    "risk": "risk",
    "recommendation": "recommendation",
}


@attrs.frozen
class Sentence:
    """One sentence of a text that holds a fault."""

    index: int
    """Its number within the text, from 1."""
    text: str
    """The sentence (cut at 240 characters)."""
    terms: tuple[str, ...] = ()
    """The terms found in it (the misspelt word, the emotive phrase...), if the measure lists terms."""

    def as_dict(self) -> dict[str, Any]:
        """``{"index", "text", "terms"}``."""
        return {"index": self.index, "text": self.text, "terms": list(self.terms)}


def _statement(statement: str) -> str:
    qs = BY_ID.get(statement)
    return f"{statement} {qs.name}" if qs else statement


def describe(subject: str) -> str:
    """A readable name for a fact's subject: ``text:finding:S8`` → ``narrative of the finding on S8 …``."""
    kind, _, rest = subject.partition(":")
    if kind in ("report", "quality"):
        return "the report as a whole"
    if kind == "statement":
        return f"quality statement {_statement(rest)}"
    if kind == "finding":
        return f"finding on {_statement(rest)}"
    if kind in ("risk", "recommendation"):
        return f"{kind} {rest}"
    if kind in ("remark", "regulation"):
        return f"sentence {rest.rpartition(':')[2]} of the {describe(rest.rpartition(':')[0])}"
    if kind == "signal":
        statement, _, category = rest.partition(":")
        return f"finding on {_statement(statement)} ({category.replace('_', ' ')})"
    if kind == "key_question":
        return f"key question {rest}"
    if kind == "text":
        part, _, owner = rest.partition(":")
        label = _PARTS.get(part, part)
        if part in ("finding", "evidence"):
            return f"{label} {_statement(owner)}"
        return f"{label} {owner}".strip()
    return subject


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _EXCERPT else text[: _EXCERPT - 1].rstrip() + "\u2026"


def _words(sentence: str) -> int:
    return len(sentence.split())


def _with_terms(all_sentences: list[str], terms: tuple[str, ...], quoted: bool) -> list[Sentence]:
    if not terms:
        return []
    pattern = phrase_pattern(tuple(sorted({t.lower() for t in terms})))
    out = []
    for index, sentence in enumerate(all_sentences, start=1):
        searched = sentence if quoted else unquoted(sentence)
        found = tuple(m.group(0) for m in pattern.finditer(searched))
        if found:
            out.append(Sentence(index, _excerpt(sentence), found))
    return out


def _matching(all_sentences: list[str], pattern: re.Pattern[str], quoted: bool) -> list[Sentence]:
    out = []
    for index, sentence in enumerate(all_sentences, start=1):
        searched = sentence if quoted else unquoted(sentence)
        found = tuple(m.group(0) for m in pattern.finditer(searched))
        if found:
            out.append(Sentence(index, _excerpt(sentence), found if pattern is _FIRST_PERSON else ()))
    return out


def _long(all_sentences: list[str], limit: float) -> list[Sentence]:
    long = [Sentence(index, _excerpt(s), ()) for index, s in enumerate(all_sentences, start=1) if _words(s) > limit]
    if long or not all_sentences:
        return long
    index, sentence = max(enumerate(all_sentences, start=1), key=lambda pair: _words(pair[1]))
    return [Sentence(index, _excerpt(sentence), ())]


def locate(report: Report, subject: str, measure: str, parameters: Mapping[str, Any]) -> tuple[Sentence, ...]:
    """The sentences of the text ``subject`` (``text:…``) that hold what ``measure`` counts.

    For ``adverse_event`` the subject is a ``signal:S3:category`` and the sentences are numbered over the
    finding's narrative and then its evidence references.
    """
    if measure == "adverse_event":
        return tuple(Sentence(i, _excerpt(text)) for i, text in signal_sentences(report, subject))
    if measure in ("remark", "regulation"):
        text_subject, _, number = subject.removeprefix(f"{measure}:").rpartition(":")
        remark_part = next((p for p in text_parts(report) if p.subject == text_subject), None)
        remark_sentences = sentences(remark_part.text) if remark_part is not None else []
        index = int(number) if number.isdigit() else 0
        if 0 < index <= len(remark_sentences):
            return (Sentence(index, _excerpt(remark_sentences[index - 1])),)
        return ()
    part = next((p for p in text_parts(report) if p.subject == subject), None)
    if part is None:
        return ()
    all_sentences = sentences(part.text)
    if measure == "long_sentences":
        return tuple(_long(all_sentences, float(parameters.get("max_words_per_sentence", 25))))
    if measure == "spacing":
        return tuple(_matching(all_sentences, _SPACING, quoted=True))
    measures: TextMeasures = measure_text(part.text, own_names(report))
    if measure == "first_person":
        found = _matching(all_sentences, _FIRST_PERSON, quoted=False)
        phrases = {s.index: s for s in _with_terms(all_sentences, _TERMS[measure](measures), quoted=False)}
        merged = {s.index: s for s in found}
        for index, sentence in phrases.items():
            before = merged.get(index)
            merged[index] = attrs.evolve(sentence, terms=(before.terms if before else ()) + sentence.terms)
        return tuple(merged[i] for i in sorted(merged))
    if measure in _TERMS:
        quoted = measure in ("misspelt", "repeated_words")
        return tuple(_with_terms(all_sentences, _TERMS[measure](measures), quoted))
    return ()
