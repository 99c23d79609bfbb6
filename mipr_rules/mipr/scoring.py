"""The arithmetic of MIPR scores: criterion scores from deductions, and an overall score and rating.

The rules decide which faults exist and what each deducts; this module only adds up, with the figures
the ruleset's parameters give (C-CAF publishes no weights or thresholds, so every one is a parameter):

- a criterion is scored only when a rule measured it (a ``basis`` the report supports, or a fault); one
  that nothing measured is *not assessed*: it has no score and is left out of the mean, never a default;
- a measured criterion scores its basis (the highest level its measurements support, 4 when only faults
  measured it) less the sum of its deductions, limited by the ``cap`` of any severe fault and the
  ``ceiling`` of any style fault, never below 1;
- the overall score is the weighted mean of the assessed criterion scores (``criterion_weights``);
- its percentage (score / 4, rounded half up) falls in a SAF-style band (``overall_requires_improvement_from``,
  ``overall_good_from``, ``overall_outstanding_from``: 39, 63, 88 as CQC's key-question bands);
- limiters, as CQC's rating principles have: Outstanding only if every criterion scores at least
  ``outstanding_min_criterion_score`` (4); Good or better only if no criterion scores 1 and no more than
  ``good_max_criteria_below`` criteria (1) score below ``good_min_criterion_score`` (3); Inadequate when
  ``inadequate_min_criteria_at_1`` or more criteria score 1 (the pattern of CQC's "two Inadequate key
  questions give Inadequate", scaled to 13 criteria).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import attrs

from mipr_rules.errors import ConfigError
from mipr_rules.mipr.criteria import BY_ID, CRITERION_IDS, RANK_OF_RATING
from mipr_rules.model.vocabulary import RatingValue

MAX_SCORE = 4
"""A criterion with no fault scores 4 (CQC: "an exceptional standard")."""
MIN_SCORE = 1
"""Deductions never take a criterion below 1."""

SCORING_PARAMETERS = (
    "criterion_weights",
    "overall_requires_improvement_from",
    "overall_good_from",
    "overall_outstanding_from",
    "outstanding_min_criterion_score",
    "good_min_criterion_score",
)
"""The ruleset parameters the arithmetic reads (``mipr-2025`` and ``mipr-panel-2025`` both declare them)."""


def round_half_up(value: float) -> int:
    """``value`` rounded half up to a whole number (62.5 → 63)."""
    return int(Decimal(repr(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def measured_score(basis: int | None, caps: Iterable[int], deductions: Iterable[int]) -> int:
    """``basis`` (4 if None) less the deductions, then limited by the lowest cap, within 1-4.

    A cap limits the result rather than being a new start for deductions: a fault that caps a criterion
    at 3 and another that costs a point give 3, not 2 (each fault is weighed once)."""
    start = MAX_SCORE if basis is None else basis
    return max(MIN_SCORE, min(MAX_SCORE, start - sum(deductions), *caps))


def criterion_score(deductions: Iterable[int]) -> int:
    """4 less the deductions, not below 1."""
    return max(MIN_SCORE, MAX_SCORE - sum(deductions))


def rating_words(value: Any, where: str) -> tuple[RatingValue, ...]:
    """A list of rating words from a parameter; ``ConfigError`` naming ``where`` otherwise."""
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{where}: expected a non-empty list of rating words")
    out = []
    for item in value:
        try:
            out.append(RatingValue(item))
        except ValueError:
            words = ", ".join(repr(r.value) for r in RatingValue)
            raise ConfigError(f"{where}: {item!r} is not a rating word ({words})") from None
    return tuple(out)


@attrs.frozen
class Policy:
    """The scoring figures of one ruleset, after provider overrides."""

    weights: Mapping[str, float]
    """Weight of each criterion (all 13 present; missing ones in the parameter weigh 1)."""
    requires_improvement_from: int
    """Lowest percentage in the Requires improvement band."""
    good_from: int
    """Lowest percentage in the Good band."""
    outstanding_from: int
    """Lowest percentage in the Outstanding band."""
    outstanding_min_criterion_score: float
    """Outstanding overall only when every criterion scores at least this."""
    good_min_criterion_score: float
    """Good overall (or better) only when every criterion scores at least this."""
    inadequate_min_criteria_at_1: int | None = None
    """Inadequate overall when at least this many criteria score 1 (None: no such limiter)."""
    good_max_criteria_below: int = 0
    """Good overall (or better) allows this many criteria below ``good_min_criterion_score`` (0: none)."""

    @classmethod
    def from_parameters(cls, params: Mapping[str, Any], where: str) -> Policy:
        """Read the policy from a ruleset's parameters; ``ConfigError`` naming ``where`` on a bad value."""
        missing = [name for name in SCORING_PARAMETERS if name not in params]
        if missing:
            raise ConfigError(f"{where}: the ruleset has no parameter {missing[0]!r} (needed to score)")
        raw = params["criterion_weights"]
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{where}: criterion_weights: expected a mapping of criterion id to weight")
        for key, value in raw.items():
            if key not in BY_ID:
                raise ConfigError(f"{where}: criterion_weights: {key!r} is not a criterion id")
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ConfigError(f"{where}: criterion_weights.{key}: expected a number of 0 or more")
        weights = {c: float(raw.get(c, 1)) for c in CRITERION_IDS}
        if not any(weights.values()):
            raise ConfigError(f"{where}: criterion_weights: at least one weight must be above 0")
        bands = [params[n] for n in SCORING_PARAMETERS[1:4]]
        if not bands[0] <= bands[1] <= bands[2]:
            raise ConfigError(f"{where}: the overall bands must rise: Requires improvement <= Good <= Outstanding")
        return cls(
            weights,
            int(params["overall_requires_improvement_from"]),
            int(params["overall_good_from"]),
            int(params["overall_outstanding_from"]),
            float(params["outstanding_min_criterion_score"]),
            float(params["good_min_criterion_score"]),
            _optional_count(params, "inadequate_min_criteria_at_1", where),
            _optional_count(params, "good_max_criteria_below", where, minimum=0) or 0,
        )

    def band(self, percentage: int) -> RatingValue:
        """The SAF-style band of a whole percentage."""
        if percentage >= self.outstanding_from:
            return RatingValue.OUTSTANDING
        if percentage >= self.good_from:
            return RatingValue.GOOD
        if percentage >= self.requires_improvement_from:
            return RatingValue.REQUIRES_IMPROVEMENT
        return RatingValue.INADEQUATE

    def overall(self, scores: Mapping[str, float | None]) -> Overall:
        """The overall score, percentage, band and rating of the assessed criterion scores.

        A criterion missing from ``scores`` or scored None is not assessed: it is left out of the mean and
        of the limiters. With nothing assessed the overall is 1, Inadequate.
        """
        weighed = [c for c in CRITERION_IDS if self.weights[c] > 0 and scores.get(c) is not None]
        assessed = {c: float(scores[c]) for c in weighed}  # type: ignore[arg-type]
        total = sum(self.weights[c] for c in weighed)
        mean = sum(self.weights[c] * assessed[c] for c in weighed) / total if total else float(MIN_SCORE)
        percentage = round_half_up(100 * mean / MAX_SCORE)
        band = self.band(percentage)
        rating = band
        limited: list[str] = []
        lowest = min(assessed.values(), default=float(MIN_SCORE))
        low = [c for c in weighed if assessed[c] == lowest]
        at_1 = [c for c in weighed if assessed[c] <= MIN_SCORE]
        floor = self.inadequate_min_criteria_at_1
        if floor is not None and len(at_1) >= floor and rating is not RatingValue.INADEQUATE:
            rating = RatingValue.INADEQUATE
            limited.append(
                f"{len(at_1)} criteria scored 1 ({', '.join(at_1)}): {floor} or more give Inadequate "
                "(inadequate_min_criteria_at_1)"
            )
        elif RANK_OF_RATING[rating] > RANK_OF_RATING[RatingValue.REQUIRES_IMPROVEMENT] and (
            at_1
            or len([c for c in weighed if assessed[c] < self.good_min_criterion_score]) > self.good_max_criteria_below
        ):
            rating = RatingValue.REQUIRES_IMPROVEMENT
            limited.append(
                f"{', '.join(low)} scored {_number(lowest)}: Good or better needs every criterion above 1 and at "
                f"most {self.good_max_criteria_below} below {_number(self.good_min_criterion_score)} "
                "(good_min_criterion_score, good_max_criteria_below)"
            )
        elif rating is RatingValue.OUTSTANDING and lowest < self.outstanding_min_criterion_score:
            rating = RatingValue.GOOD
            limited.append(
                f"{', '.join(low)} scored {_number(lowest)}: Outstanding needs every criterion at "
                f"{_number(self.outstanding_min_criterion_score)} or more (outstanding_min_criterion_score)"
            )
        return Overall(round(mean, 2), percentage, band, rating, tuple(limited))


def _optional_count(params: Mapping[str, Any], name: str, where: str, minimum: int = 1) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{where}: {name}: expected a whole number of {minimum} or more")
    return value


def _number(value: float) -> str:
    return f"{value:g}"


@attrs.frozen
class Overall:
    """An overall score and the rating it gives."""

    score: float
    """Weighted mean of the criterion scores, 1-4, two decimals."""
    percentage: int
    """``score`` / 4 as a whole percentage, rounded half up."""
    band: RatingValue
    """The band the percentage falls in."""
    rating: RatingValue
    """The band after the limiters."""
    limited_by: tuple[str, ...] = ()
    """Why the rating is below the band, if it is."""

    def as_dict(self) -> dict[str, Any]:
        """``{"score", "rating", "percentage", "band", "limited_by"}``."""
        return {
            "score": self.score,
            "rating": self.rating.value,
            "percentage": self.percentage,
            "band": self.band.value,
            "limited_by": list(self.limited_by),
        }
