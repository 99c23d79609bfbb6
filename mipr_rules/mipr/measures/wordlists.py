"""The word lists of ``mipr_rules/mipr/data`` (documented in ``data/README.md``), loaded once."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import attrs
import yaml


def _lines(name: str) -> tuple[str, ...]:
    text = (resources.files("mipr_rules.mipr") / "data" / name).read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def phrase_pattern(terms: tuple[str, ...], case_sensitive: bool = False) -> re.Pattern[str]:
    """One regex matching any of ``terms`` as whole words, longest first, with any run of spaces."""
    parts = [r"\s+".join(re.escape(w) for w in term.split()) for term in sorted(terms, key=len, reverse=True)]
    return re.compile(r"(?<![\w'\u2019-])(?:" + "|".join(parts) + r")(?![\w'\u2019-])", 0 if case_sensitive else re.I)


@cache
def care_words() -> frozenset[str]:
    """Care-sector words the spelling check accepts (lower case)."""
    return frozenset(w.lower() for w in _lines("care_words.txt"))


@cache
def emotive() -> re.Pattern[str]:
    """Emotive words and phrases (``emotive.txt``)."""
    return phrase_pattern(_lines("emotive.txt"))


@cache
def judgemental() -> re.Pattern[str]:
    """Judgemental words and phrases (``judgemental.txt``)."""
    return phrase_pattern(_lines("judgemental.txt"))


@cache
def absolutes() -> re.Pattern[str]:
    """Absolute claims (``absolutes.txt``)."""
    return phrase_pattern(_lines("absolutes.txt"))


@cache
def opinion_phrases() -> re.Pattern[str]:
    """First-person opinion phrases (``opinion_phrases.txt``)."""
    return phrase_pattern(_lines("opinion_phrases.txt"))


@cache
def number_words() -> re.Pattern[str]:
    """Number words that quantify a claim (``number_words.txt``)."""
    return phrase_pattern(_lines("number_words.txt"))


@attrs.frozen
class TermRule:
    """A non-CQC term: what matches it and what CQC writes instead."""

    pattern: re.Pattern[str]
    """The compiled expression."""
    instead: str
    """What CQC writes instead."""


@cache
def non_cqc_terms() -> tuple[TermRule, ...]:
    """Non-CQC terminology (``non_cqc_terms.yaml``)."""
    text = (resources.files("mipr_rules.mipr") / "data" / "non_cqc_terms.yaml").read_text(encoding="utf-8")
    entries: list[dict[str, Any]] = yaml.safe_load(text)
    return tuple(
        TermRule(re.compile(e["pattern"], 0 if e.get("case_sensitive") else re.IGNORECASE), e["instead"])
        for e in entries
    )
