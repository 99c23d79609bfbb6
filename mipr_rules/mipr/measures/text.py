"""Measures of one piece of report prose: readability, tone, terminology, spelling and typing slips.

Tone and terminology are measured outside quoted speech (a person's own words are evidence, not the
writer's tone); spelling and typing slips are measured on the whole text. ``FACTS.md`` defines each
measure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import attrs

from mipr_rules.errors import ConfigError
from mipr_rules.mipr.measures import wordlists
from mipr_rules.mipr.measures.spelling import misspelt

_QUOTES = re.compile(r"\u201c[^\u201d]*\u201d|\"[^\"]*\"|\u2018.*?\u2019(?![\w])|(?<![\w])'.*?'(?![\w])", re.DOTALL)
_SENTENCE_END = re.compile(r"(?<=[.!?][\"\u201d\u2019)])\s+|(?<=[.!?])\s+|\n\s*\n")
_FIRST_PERSON = re.compile(
    r"(?<![\w'\u2019-])(?:I|[Mm]e|[Mm]y|[Mm]ine|[Mm]yself|I['\u2019](?:m|ve|d|ll))(?![\w'\u2019-])"
)
_REPEATED = re.compile(r"(?<![\w'\u2019-])([A-Za-z]+)(?:[ \t]+\1)+(?![\w'\u2019-])", re.IGNORECASE)
ALLOWED_REPEATS = frozenset({"had", "that"})
"""Words whose doubling is good English ("she had had", "that that")."""
_DOUBLE_SPACE = re.compile(r"(?<=\S) {2,}(?=\S)")
_SPACE_BEFORE = re.compile(r"(?<=\w)[ \t]+(?:[,;:!?]|\.(?!\.))")
_DIGIT = re.compile(r"\d")


@attrs.frozen
class TextMeasures:
    """What ``measure_text`` found in one text."""

    words: int
    """Words (textstat's lexicon count)."""
    sentences: int
    """Sentences (textstat's count, which ignores fragments of two words or fewer)."""
    flesch_reading_ease: float | None
    """Flesch reading ease (higher is easier; 60-70 is plain English); None without a sentence."""
    words_per_sentence: float | None
    """Average sentence length in words; None without a sentence."""
    emotive: tuple[str, ...]
    """Emotive terms found."""
    judgemental: tuple[str, ...]
    """Judgemental terms found."""
    first_person_singular: int
    """I, me, my, mine, myself, I'm, I've, I'd, I'll."""
    opinion_phrases: tuple[str, ...]
    """First-person opinion phrases found."""
    absolutes: tuple[str, ...]
    """Absolute claims found."""
    unsupported_absolutes: tuple[str, ...]
    """Absolute claims in a sentence that gives no number."""
    non_cqc_terms: tuple[str, ...]
    """Non-CQC terms found."""
    misspelt: tuple[str, ...]
    """Words not in the en_GB dictionary, the care-sector list or the report's own names."""
    repeated_words: tuple[str, ...]
    """Words typed twice in a row ("the the")."""
    double_spaces: int
    """Runs of two or more spaces between words."""
    space_before_punctuation: int
    """Spaces before , ; : ! ? or a full stop."""


def unquoted(text: str) -> str:
    """``text`` with quoted speech (in curly or straight, double or single quotes) blanked out."""
    return _QUOTES.sub(" ", text)


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences (at . ! ? followed by space, and at paragraph breaks)."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def readability(text: str) -> tuple[int, int, float | None, float | None]:
    """Words, sentences, Flesch reading ease and words per sentence of ``text`` (textstat)."""
    try:
        import textstat
    except ImportError:
        raise ConfigError("readability: textstat is not installed; reinstall mipr-rules (a core dependency)") from None

    words = int(textstat.lexicon_count(text))
    count = int(textstat.sentence_count(text)) if words else 0
    if not words or not count:
        return words, count, None, None
    return (words, count, round(float(textstat.flesch_reading_ease(text)), 2), round(words / count, 2))


def _absolutes(own_words: str) -> tuple[list[str], list[str]]:
    found: list[str] = []
    unsupported: list[str] = []
    pattern = wordlists.absolutes()
    for sentence in sentences(own_words):
        terms = [m.group(0) for m in pattern.finditer(sentence)]
        if not terms:
            continue
        found += terms
        rest = pattern.sub(" ", sentence)
        if not _DIGIT.search(rest) and not wordlists.number_words().search(rest):
            unsupported += terms
    return found, unsupported


@lru_cache(maxsize=4096)
def _measure(text: str, extra_words: frozenset[str]) -> TextMeasures:
    own = unquoted(text)
    words, count, fre, wps = readability(text)
    found, unsupported = _absolutes(own)
    return TextMeasures(
        words=words,
        sentences=count,
        flesch_reading_ease=fre,
        words_per_sentence=wps,
        emotive=tuple(m.group(0) for m in wordlists.emotive().finditer(own)),
        judgemental=tuple(m.group(0) for m in wordlists.judgemental().finditer(own)),
        first_person_singular=len(_FIRST_PERSON.findall(own)),
        opinion_phrases=tuple(m.group(0) for m in wordlists.opinion_phrases().finditer(own)),
        absolutes=tuple(found),
        unsupported_absolutes=tuple(unsupported),
        non_cqc_terms=tuple(m.group(0) for rule in wordlists.non_cqc_terms() for m in rule.pattern.finditer(own)),
        misspelt=tuple(misspelt(text, extra_words)),
        repeated_words=tuple(m.group(0) for m in _REPEATED.finditer(text) if m[1].lower() not in ALLOWED_REPEATS),
        double_spaces=len(_DOUBLE_SPACE.findall(text)),
        space_before_punctuation=len(_SPACE_BEFORE.findall(text)),
    )


def measure_text(text: str, extra_words: Iterable[str] = ()) -> TextMeasures:
    """Measure ``text``; ``extra_words`` are accepted by the spelling check (names in the report)."""
    return _measure(text, frozenset(extra_words))
