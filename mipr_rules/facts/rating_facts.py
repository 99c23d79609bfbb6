"""Measures ratings input: SAF quality-statement scores and KLOE-era key-question ratings.

- ``saf_key_question`` (ruleset ``saf-rating-2024``): per key question, the statements scored, the points,
  the percentage (rounded as the ruleset's ``percentage_rounding`` parameter says) and the lowest score.
- ``kloe_key_question`` (ruleset ``kloe-rating-2014``): a key question's rating and whether a Requirement
  Notice or a Warning Notice was issued for a breach under it.
- ``kloe_profile`` (ruleset ``kloe-rating-2014``): how many key questions have each rating, and whether
  there is a breach of regulations (left out when the input does not say).
The rules decide bands, limiters and the overall rating; this module only measures.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

import attrs

from mipr_rules import hookimpl
from mipr_rules.errors import ConfigError
from mipr_rules.facts.base import Fact, FactContext, FactType
from mipr_rules.model.vocabulary import KeyQuestion, RatingValue

INT, NUM, BOOL, STR = "integer", "number", "boolean", "string"

RATING_ORDER = (RatingValue.INADEQUATE, RatingValue.REQUIRES_IMPROVEMENT, RatingValue.GOOD, RatingValue.OUTSTANDING)
"""Ratings, worst first: the rank of a rating is its index plus one."""

ROUNDING = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN, "up": ROUND_CEILING}
"""Values of the ``percentage_rounding`` parameter."""

FACT_TYPES = (
    FactType.documented("saf_key_question", "A key question's quality-statement scores (SAF, Dec 2024)", {
        "key_question": (STR, None, "Safe, Effective, Caring, Responsive or Well-led"),
        "statements": (INT, "count", "Quality statements scored (assessed or held)"),
        "total": (INT, "points", "Sum of the statements' scores (1 to 4 each)"),
        "maximum": (INT, "points", "Highest possible total: 4 per statement"),
        "percentage": (INT, "percent", "total / maximum as a whole percentage, rounded by percentage_rounding"),
        "percentage_exact": (NUM, "percent", "total / maximum as a percentage, unrounded"),
        "lowest_score": (INT, "points", "The lowest statement score (1 = significant shortfalls)"),
    }),
    FactType.documented("kloe_key_question", "A key question's rating and the enforcement notices issued under it", {
        "key_question": (STR, None, "Safe, Effective, Caring, Responsive or Well-led"),
        "rating": (STR, None, "The key question's rating, in CQC's spelling"),
        "rank": (INT, None, "1 for Inadequate to 4 for Outstanding"),
        "requirement_notice": (BOOL, None, "A requirement notice was issued for a breach under this key question"),
        "warning_notice": (BOOL, None, "A warning notice or condition was issued under this key question"),
    }),
    FactType.documented("kloe_profile", "How many key questions have each rating", {
        "rated": (INT, "count", "Key questions with a rating"),
        "outstanding": (INT, "count", "Key questions rated Outstanding"),
        "good": (INT, "count", "Key questions rated Good"),
        "requires_improvement": (INT, "count", "Key questions rated Requires improvement"),
        "inadequate": (INT, "count", "Key questions rated Inadequate"),
        "breach": (BOOL, None, "There is a breach of regulations"),
        "notices": (INT, "count", "Enforcement notices issued"),
    }),
)


def rank(rating: RatingValue | str) -> int:
    """1 for Inadequate … 4 for Outstanding."""
    return RATING_ORDER.index(RatingValue(rating)) + 1


def worst(ratings: list[RatingValue]) -> RatingValue:
    """The lowest of ``ratings``."""
    return min(ratings, key=rank)


def round_percentage(total: int, maximum: int, mode: str) -> int:
    """``total / maximum`` as a whole per cent, rounded by ``mode`` (a ``ROUNDING`` key)."""
    if mode not in ROUNDING:
        raise ConfigError(f"parameter percentage_rounding: expected one of {', '.join(ROUNDING)}, got {mode!r}")
    exact = Decimal(total) * 100 / Decimal(maximum)
    return int(exact.quantize(Decimal(1), rounding=ROUNDING[mode]))


@attrs.frozen
class SafScores:
    """Quality-statement scores (1-4) by key question: the subject of the SAF pass."""

    scores: Mapping[KeyQuestion, Mapping[str, int]]
    """Key question → statement id (``S1`` … ``W8``) → score."""


@attrs.frozen
class KeyQuestionRatings:
    """Key-question ratings with the notices issued under each: the subject of the key-question limiter pass."""

    ratings: Mapping[KeyQuestion, RatingValue]
    """Key question → rating."""
    requirement_notices: frozenset[KeyQuestion] = frozenset()
    """Key questions under which a Requirement Notice was issued for a breach."""
    warning_notices: frozenset[KeyQuestion] = frozenset()
    """Key questions under which a Warning Notice was served or a condition imposed for a breach."""


@attrs.frozen
class RatingProfile:
    """Counts of key-question ratings: the subject of the overall pass."""

    ratings: Mapping[KeyQuestion, RatingValue]
    """Key question → rating (after key-question limiters)."""
    breach: bool | None = None
    """Whether there is a breach of regulations; ``None`` when the input does not say."""
    notices: int = 0
    """Requirement and Warning Notices issued (each is issued for a breach)."""


def _fact(type_: str, subject: str, **fields: Any) -> Fact:
    return {"type": type_, "subject": subject, **{k: v for k, v in fields.items() if v is not None}}


@attrs.frozen
class SafKeyQuestionFacts:
    """SAF pass: one fact per key question with at least one statement scored."""

    name: str = "saf_key_question"
    subject_type: type = SafScores
    fact_types: tuple[FactType, ...] = (FACT_TYPES[0],)

    def calculate(self, subject: SafScores, context: FactContext) -> Iterator[Fact]:
        """Yield points, percentage (rounded per ``percentage_rounding``) and lowest score per key question."""
        mode = str(context.parameters.get("percentage_rounding", "half_up"))
        for key_question in KeyQuestion:
            scores = list(subject.scores.get(key_question, {}).values())
            if not scores:
                continue
            total, maximum = sum(scores), 4 * len(scores)
            yield _fact(
                "saf_key_question", f"key_question:{key_question.value}", key_question=key_question.value,
                statements=len(scores), total=total, maximum=maximum,
                percentage=round_percentage(total, maximum, mode),
                percentage_exact=round(100 * total / maximum, 4), lowest_score=min(scores),
            )


@attrs.frozen
class KloeKeyQuestionFacts:
    """Key-question limiter pass: one fact per rated key question."""

    name: str = "kloe_key_question"
    subject_type: type = KeyQuestionRatings
    fact_types: tuple[FactType, ...] = (FACT_TYPES[1],)

    def calculate(self, subject: KeyQuestionRatings, context: FactContext) -> Iterator[Fact]:
        """Yield each key question's rating, its rank and the notices issued under it."""
        for key_question in KeyQuestion:
            rating = subject.ratings.get(key_question)
            if rating is None:
                continue
            yield _fact(
                "kloe_key_question", f"key_question:{key_question.value}", key_question=key_question.value,
                rating=rating.value, rank=rank(rating), requirement_notice=key_question in subject.requirement_notices,
                warning_notice=key_question in subject.warning_notices,
            )


@attrs.frozen
class KloeProfileFacts:
    """Overall pass: one fact counting the key-question ratings."""

    name: str = "kloe_profile"
    subject_type: type = RatingProfile
    fact_types: tuple[FactType, ...] = (FACT_TYPES[2],)

    def calculate(self, subject: RatingProfile, context: FactContext) -> Iterator[Fact]:
        """Yield the counts per rating, the breach (if known) and the number of notices."""
        values = list(subject.ratings.values())
        yield _fact(
            "kloe_profile", "overall", rated=len(values),
            outstanding=values.count(RatingValue.OUTSTANDING), good=values.count(RatingValue.GOOD),
            requires_improvement=values.count(RatingValue.REQUIRES_IMPROVEMENT),
            inadequate=values.count(RatingValue.INADEQUATE), breach=subject.breach, notices=subject.notices,
        )


CALCULATORS = (SafKeyQuestionFacts(), KloeKeyQuestionFacts(), KloeProfileFacts())


@hookimpl
def mipr_register_fact_calculators(register: Any) -> None:
    for calculator in CALCULATORS:
        register(calculator)
