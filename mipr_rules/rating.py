"""Ratings: SAF quality-statement scores or KLOE-era key-question ratings to key-question and overall ratings.

SAF (ruleset ``saf-rating-2024``): the band rules rate each key question from its percentage; an optional,
unverified statement-score limiter may cap it. Then, by default, the KLOE-era rules (``kloe-rating-2014``)
apply the key-question limiters (Requirement and Warning Notices) and combine the key questions into an
overall rating, because CQC has not published SAF limiters or aggregation. KLOE (``kloe-rating-2014``):
the key-question limiters, then principles 1, 6, 5, 4 and 3, with the gaps flagged for human judgement.

Where several rules limit one rating, the lowest rating any of them allows wins (that is what a limiter
means); which rules fire is decided by the rulesets alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
from rich.console import Console
from rich.padding import Padding

from mipr_rules.completeness import Failure, completeness_json, evaluate_one, render_failures
from mipr_rules.engine.compile import CompiledRuleset
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.errors import EngineError, EvaluationIncomplete, InputError, RulesetError
from mipr_rules.facts.rating_facts import (
    RATING_ORDER,
    KeyQuestionRatings,
    RatingProfile,
    SafScores,
    rank,
    worst,
)
from mipr_rules.loading import load_data_file
from mipr_rules.model.vocabulary import KeyQuestion, RatingValue
from mipr_rules.results import RuleHit
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules.saf import QUALITY_STATEMENTS
from mipr_rules.safe_text import safe

FRAMEWORKS = {"SAF_2024_12": "saf-rating-2024", "KLOE_2014": "kloe-rating-2014"}
"""``--framework`` value → the ruleset that rates it."""
NONE = "none"
"""Parameter value that switches off the key-question limiters or the overall aggregation (SAF)."""

_FIELDS = ("framework", "location_id", "name", "scores", "key_questions", "requirement_notices", "warning_notices",
           "breach_of_regulations")
_STYLE = {"Outstanding": "bold green", "Good": "green", "Requires improvement": "yellow", "Inadequate": "bold red"}



@attrs.frozen
class ScoresInput:
    """What a scores file says."""

    framework: str
    """``SAF_2024_12`` or ``KLOE_2014``."""
    scores: Mapping[KeyQuestion, Mapping[str, int]] = attrs.field(factory=dict)
    """SAF: key question → quality statement id → score 1-4."""
    ratings: Mapping[KeyQuestion, RatingValue] = attrs.field(factory=dict)
    """KLOE: key question → rating."""
    requirement_notices: frozenset[KeyQuestion] = frozenset()
    """Key questions under which a Requirement Notice was issued for a breach."""
    warning_notices: frozenset[KeyQuestion] = frozenset()
    """Key questions under which a Warning Notice was served or a condition imposed for a breach."""
    breach: bool | None = None
    """``breach_of_regulations``; ``None`` when the file does not say."""
    location_id: str | None = None
    """CQC location id, if given (a label only)."""
    name: str | None = None
    """Location name, if given (a label only)."""


def _key_question(value: Any, source: str, path: str) -> KeyQuestion:
    try:
        return KeyQuestion(value)
    except ValueError:
        allowed = ", ".join(repr(k.value) for k in KeyQuestion)
        raise InputError(f"{source}: expected one of {allowed} @ {path}") from None


def _notices(data: Mapping[str, Any], key: str, source: str) -> frozenset[KeyQuestion]:
    value = data.get(key)
    if value is None:
        return frozenset()
    if not isinstance(value, list):
        raise InputError(f"{source}: expected a list of key questions @ $.{key}")
    return frozenset(_key_question(v, source, f"$.{key}[{i}]") for i, v in enumerate(value))


def _saf_scores(value: Any, source: str) -> dict[KeyQuestion, dict[str, int]]:
    if not isinstance(value, Mapping) or not value:
        raise InputError(f"{source}: expected a mapping of quality statement (S1 … W8) to a score 1-4 @ $.scores")
    grouped: dict[KeyQuestion, dict[str, int]] = {}
    for statement, score in value.items():
        path = f"$.scores.{statement}"
        key = str(statement).strip().upper()
        if key not in QUALITY_STATEMENTS:
            raise InputError(
                f"{source}: unknown quality statement; expected S1-S8, E1-E6, C1-C5, R1-R7 or W1-W8 @ {path}"
            )
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 4:
            raise InputError(f"{source}: expected a score 1, 2, 3 or 4 @ {path}")
        kq = KeyQuestion(QUALITY_STATEMENTS[key][0])
        if key in grouped.get(kq, {}):
            raise InputError(f"{source}: quality statement scored twice @ {path}")
        grouped.setdefault(kq, {})[key] = score
    return grouped


def _kloe_ratings(value: Any, source: str) -> dict[KeyQuestion, RatingValue]:
    if not isinstance(value, Mapping) or not value:
        raise InputError(f"{source}: expected a mapping of key question to rating @ $.key_questions")
    ratings: dict[KeyQuestion, RatingValue] = {}
    allowed = ", ".join(repr(r.value) for r in RatingValue)
    for name, rating in value.items():
        path = f"$.key_questions.{name}"
        kq = _key_question(name, source, path)
        try:
            ratings[kq] = RatingValue(rating)
        except ValueError:
            raise InputError(f"{source}: expected one of {allowed} @ {path}") from None
    return ratings


def scores_from_data(data: Any, source: str, framework: str | None = None) -> ScoresInput:
    """Read a scores file's content. ``framework`` (the ``--framework`` option) must agree with the file's.

    SAF files give ``scores: {S1: 3, …}``; KLOE files give ``key_questions: {Safe: Good, …}``. Both may give
    ``requirement_notices`` and ``warning_notices`` (lists of key questions) and ``breach_of_regulations``.
    """
    if not isinstance(data, Mapping):
        raise InputError(f"{source}: expected a mapping with scores (SAF) or key_questions (KLOE) @ $")
    unknown = sorted(str(k) for k in data if k not in _FIELDS)
    if unknown:
        raise InputError(f"{source}: unknown field(s) {', '.join(unknown)}; expected {', '.join(_FIELDS)} @ $")
    stated = data.get("framework")
    if stated is not None and stated not in FRAMEWORKS:
        raise InputError(f"{source}: expected one of {', '.join(FRAMEWORKS)} @ $.framework")
    if framework is not None and framework not in FRAMEWORKS:
        raise InputError(f"--framework: expected one of {', '.join(FRAMEWORKS)}")
    if framework and stated and framework != stated:
        raise InputError(f"{source}: the file is for {stated} but --framework is {framework} @ $.framework")
    chosen = framework or stated or ("SAF_2024_12" if "scores" in data else "KLOE_2014" if "key_questions" in data
                                     else None)
    if chosen is None:
        raise InputError(f"{source}: give scores (SAF_2024_12) or key_questions (KLOE_2014) @ $")
    wanted, other = ("scores", "key_questions") if chosen == "SAF_2024_12" else ("key_questions", "scores")
    if wanted not in data:
        raise InputError(f"{source}: {chosen} needs {wanted} @ $.{wanted}")
    if other in data:
        raise InputError(f"{source}: {other} is not used by {chosen}; give only {wanted} @ $.{other}")
    breach = data.get("breach_of_regulations")
    if breach is not None and not isinstance(breach, bool):
        raise InputError(f"{source}: expected true or false @ $.breach_of_regulations")
    labels = {k: data.get(k) for k in ("location_id", "name")}
    for key, value in labels.items():
        if value is not None and not isinstance(value, str):
            raise InputError(f"{source}: expected text @ $.{key}")
    return ScoresInput(
        framework=chosen,
        scores=_saf_scores(data["scores"], source) if chosen == "SAF_2024_12" else {},
        ratings=_kloe_ratings(data["key_questions"], source) if chosen == "KLOE_2014" else {},
        requirement_notices=_notices(data, "requirement_notices", source),
        warning_notices=_notices(data, "warning_notices", source),
        breach=breach, location_id=labels["location_id"], name=labels["name"],
    )


def load_scores(path: Path | str, framework: str | None = None) -> ScoresInput:
    """Read a scores file (``.yaml``, ``.yml`` or ``.json``)."""
    return scores_from_data(load_data_file(Path(path)), str(path), framework)


def _source(hit: RuleHit) -> dict[str, Any]:
    return hit.source.as_dict()


def _limit_dict(hit: RuleHit, before: RatingValue | None) -> dict[str, Any]:
    cap = RatingValue(hit.emit["cap"])
    return {"rule": hit.rule_id, "cap": cap.value, "applied": before is not None and rank(cap) < rank(before),
            **hit.as_dict(only=("message", "ruleset", "source"))}


@attrs.frozen
class KeyQuestionResult:
    """One key question: where it started (band or given rating), what limited it, where it ended."""

    key_question: KeyQuestion
    """Which key question."""
    starting: RatingValue
    """SAF: the band its percentage falls in; KLOE: the rating given."""
    rating: RatingValue
    """After the limiters."""
    band: RuleHit | None = None
    """SAF: the band rule that fired (its facts hold the points and percentage)."""
    limits: tuple[RuleHit, ...] = ()
    """Limiter rules that fired on this key question."""

    def position(self) -> dict[str, Any] | None:
        """SAF: where the percentage sits within its band (``None`` for KLOE)."""
        if self.band is None:
            return None
        pct = int(self.band.facts["percentage"])
        low, high = int(self.band.emit["band_from"]), int(self.band.emit["band_next"]) - 1
        above, below = pct - low, high - pct
        nearer = "middle" if above == below else "upper" if below < above else "lower"
        index = RATING_ORDER.index(self.starting)
        if nearer == "upper" and index + 1 < len(RATING_ORDER):
            text = f"upper end of {self.starting.value}, nearing {RATING_ORDER[index + 1].value}"
        elif nearer == "lower" and index > 0:
            text = f"lower end of {self.starting.value}, nearer to {RATING_ORDER[index - 1].value}"
        elif nearer == "middle":
            text = f"middle of {self.starting.value}"
        else:
            text = f"{nearer} end of {self.starting.value}"
        return {"band_from": low, "band_to": high, "points_above_floor": above, "points_below_ceiling": below,
                "nearer": nearer, "description": text}

    def as_dict(self) -> dict[str, Any]:
        """JSON of one key question."""
        out: dict[str, Any] = {"key_question": self.key_question.value, "rating": self.rating.value}
        if self.band is not None:
            facts = self.band.facts
            out |= {
                "band_rating": self.starting.value, "statements": facts["statements"], "score_total": facts["total"],
                "score_max": facts["maximum"], "percentage": facts["percentage"],
                "percentage_exact": facts["percentage_exact"], "position": self.position(),
                "rule": self.band.rule_id, "message": self.band.message, "source": _source(self.band),
            }
        else:
            out["given_rating"] = self.starting.value
        out["limited_by"] = [_limit_dict(h, self.starting) for h in self.limits]
        return out


@attrs.frozen
class OverallResult:
    """The overall rating: the principle that gave it and the limiters that capped it."""

    rating: RatingValue | None
    """``None`` when no rule could aggregate (too few key questions rated)."""
    outcome: RuleHit | None = None
    """The principle (or gap) rule that fired."""
    limits: tuple[RuleHit, ...] = ()
    """Overall limiters that fired (principle 1)."""

    @property
    def human_judgement(self) -> bool:
        """True when the principles do not decide the case (a gap)."""
        return self.outcome is not None and self.outcome.emit.get("human_judgement") is True

    def as_dict(self) -> dict[str, Any]:
        """JSON of the overall rating."""
        before = RatingValue(self.outcome.emit["rating"]) if self.outcome else None
        return {
            "rating": self.rating.value if self.rating else None,
            "principle": self.outcome.emit.get("principle") if self.outcome else None,
            "human_judgement": self.human_judgement,
            "rule": self.outcome.rule_id if self.outcome else None,
            "message": self.outcome.message if self.outcome else None,
            "source": _source(self.outcome) if self.outcome else None,
            "ruleset": ({"id": self.outcome.ruleset_id, "version": self.outcome.ruleset_version}
                        if self.outcome else None),
            "limited_by": [_limit_dict(h, before) for h in self.limits],
        }


@attrs.frozen
class RatingReport:
    """Key-question and overall ratings with every rule that decided them."""

    framework: str
    """``SAF_2024_12`` or ``KLOE_2014``."""
    ruleset: Ruleset
    """The ruleset that rates the framework."""
    parameters: Mapping[str, Any]
    """Its parameter values."""
    key_questions: tuple[KeyQuestionResult, ...]
    """Rated key questions, in CQC's order."""
    overall: OverallResult | None
    """``None`` when overall aggregation is switched off."""
    flags: tuple[RuleHit, ...] = ()
    """Cases for a person to look at (gaps, too few key questions, breach not stated)."""
    aggregation: Ruleset | None = None
    """Ruleset that combined the key questions (KLOE principles by default)."""
    limiters: Ruleset | None = None
    """Ruleset whose key-question limiters applied."""
    assumptions: tuple[str, ...] = ()
    """What is not verified and what was assumed instead."""
    location_id: str | None = None
    """Label from the input."""
    name: str | None = None
    """Label from the input."""
    failures: tuple[Failure, ...] = ()
    """``(input, why)`` of each engine pass that could not be evaluated (then nothing is rated)."""

    @property
    def complete(self) -> bool:
        """Whether the scores were evaluated (only ``allow_incomplete=True`` returns an incomplete report)."""
        return not self.failures

    def key_question(self, name: str) -> KeyQuestionResult:
        """The result for key question ``name`` (``Safe`` … ``Well-led``)."""
        return next(r for r in self.key_questions if r.key_question.value == name)

    def human_judgement(self) -> list[RuleHit]:
        """Every hit that asks for human judgement."""
        found = [f for f in self.flags if f.emit.get("human_judgement") is True]
        if self.overall is not None and self.overall.human_judgement and self.overall.outcome is not None:
            found.insert(0, self.overall.outcome)
        return found

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract of ``mipr rating --format json`` (docs/commands/rating.md)."""

        def ref(ruleset: Ruleset | None) -> dict[str, str] | None:
            return None if ruleset is None else ruleset.ref()

        return {
            "kind": "rating",
            **completeness_json(self.failures),
            "framework": self.framework,
            "location_id": self.location_id,
            "name": self.name,
            "ruleset": ref(self.ruleset),
            "limiters_ruleset": ref(self.limiters),
            "aggregation_ruleset": ref(self.aggregation),
            "parameters": dict(self.parameters),
            "key_questions": [k.as_dict() for k in self.key_questions],
            "overall": self.overall.as_dict() if self.overall else None,
            "human_judgement": [{"rule": h.rule_id, "message": h.message, "source": _source(h)}
                                for h in self.human_judgement()],
            "flags": [{"rule": h.rule_id, "message": h.message,
                       "human_judgement": h.emit.get("human_judgement") is True, "source": _source(h)}
                      for h in self.flags],
            "assumptions": list(self.assumptions),
        }

    def render_text(self, console: Console) -> None:
        """Key questions, overall, judgement flags and assumptions (what was not evaluated first)."""
        render_failures(console, self.failures)
        label = f" for {safe(self.name)}" if self.name else f" for {safe(self.location_id)}" if self.location_id else ""
        console.print(f"[bold]Ratings{label}[/bold] ({safe(self.framework)}; "
                      f"ruleset {safe(self.ruleset.id)} {safe(self.ruleset.version)})")
        console.print()
        for item in self.key_questions:
            style = _STYLE[item.rating.value]
            line = f"  {item.key_question.value:<11} [{style}]{item.rating.value:<21}[/]"
            if item.band is not None:
                pos = item.position() or {}
                line += f" {item.band.facts['percentage']:>3}%  {safe(pos.get('description', ''))}"
            elif item.starting != item.rating:
                line += f" (given {item.starting.value})"
            console.print(line)
            for hit in item.limits:
                console.print(Padding(f"[dim]limited: {safe(hit.message)}[/dim]", (0, 0, 0, 14), expand=False))
        if self.overall is not None:
            console.print()
            if self.overall.rating is None:
                console.print("  [bold]Overall[/bold]     not aggregated")
            else:
                style = _STYLE[self.overall.rating.value]
                console.print(f"  [bold]Overall[/bold]     [{style}]{self.overall.rating.value}[/]")
            if self.overall.outcome is not None:
                console.print(Padding(safe(self.overall.outcome.message), (0, 0, 0, 14), expand=False))
            for hit in self.overall.limits:
                console.print(Padding(f"limited: {safe(hit.message)}", (0, 0, 0, 14), expand=False))
        judgement = self.human_judgement()
        if judgement:
            console.print("\n[bold yellow]For human judgement[/bold yellow]")
            for hit in judgement:
                console.print(Padding(f"• {safe(hit.message)}", (0, 0, 0, 2), expand=False))
        others = [f for f in self.flags if f.emit.get("human_judgement") is not True]
        if others:
            console.print("\n[bold]Notes[/bold]")
            for hit in others:
                console.print(Padding(f"• {safe(hit.message)}", (0, 0, 0, 2), expand=False))
        if self.assumptions:
            console.print("\n[bold]Assumptions[/bold]")
            for text in self.assumptions:
                console.print(Padding(f"• {safe(text)}", (0, 0, 0, 2), expand=False))



def _by_key_question(hits: tuple[RuleHit, ...], result: str) -> dict[KeyQuestion, list[RuleHit]]:
    out: dict[KeyQuestion, list[RuleHit]] = {}
    for hit in hits:
        if hit.emit.get("result") == result:
            out.setdefault(KeyQuestion(hit.facts["key_question"]), []).append(hit)
    return out


def _emitted_rating(hit: RuleHit, key: str) -> RatingValue:
    """A rating a rule emitted; a ruleset or parameter that emits anything else is a ``RulesetError``."""
    try:
        return RatingValue(hit.emit.get(key))
    except ValueError:
        allowed = ", ".join(repr(r.value) for r in RatingValue)
        raise RulesetError(f"ruleset {hit.ruleset_id} {hit.ruleset_version}: rule {hit.rule_id} emits {key} "
                           f"that is not a rating; expected one of {allowed}") from None


def _capped(start: RatingValue, limits: list[RuleHit]) -> RatingValue:
    return worst([start, *(_emitted_rating(h, "cap") for h in limits)])


def _assumptions(framework: str, params: Mapping[str, Any]) -> tuple[str, ...]:
    common = ("Every ratings principle applies 'normally': CQC's professional judgement may depart from it, "
              "recording why (cqc.org.uk/node/2935).")
    if framework != "SAF_2024_12":
        return (common,)
    limiter = params.get("statement_score_limiter", 0)
    notes = [
        f"Rounding of key-question percentages is not published by CQC: rounded {params.get('percentage_rounding')} "
        "to a whole per cent (parameter percentage_rounding).",
        "SAF key-question limiters are not verified: " + (
            "Requirement and Warning Notice limiters follow the KLOE-era principles "
            f"({params.get('key_question_limiters')}, parameter key_question_limiters)"
            if params.get("key_question_limiters") != NONE
            else "none applied (parameter key_question_limiters is 'none')") + "; the statement-score limiter is " + (
            f"on: a statement scored {limiter} or lower caps the key question at Requires improvement"
            if limiter else "off (parameter statement_score_limiter)") + ".",
        "SAF overall aggregation is not verified: " + (
            f"the overall rating follows the KLOE-era ASC principles ({params.get('overall_aggregation')}, "
            "parameter overall_aggregation)." if params.get("overall_aggregation") != NONE
            else "no overall rating (parameter overall_aggregation is 'none')."),
        common,
    ]
    return tuple(notes)


def rate(
    scores: ScoresInput,
    *,
    as_of: dt.date,
    evaluator: Evaluator,
    catalogue: Catalogue,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    allow_incomplete: bool = False,
) -> RatingReport:
    """Rate ``scores`` with the ruleset of its framework (the newest effective on ``as_of``).

    ``evaluator`` and ``catalogue`` are a session's (``mipr_rules.api.Session.rate`` is the front door).
    ``overrides`` maps a ruleset id to parameter values (as a provider configuration does). If the engine
    cannot evaluate one of the passes, ``EvaluationIncomplete`` is raised, or with ``allow_incomplete`` a
    report rating nothing, ``complete`` false and the ``failures``.
    """
    overrides = overrides or {}
    ruleset = catalogue.get(FRAMEWORKS[scores.framework], as_of)
    compiled = evaluator.compile(ruleset, overrides.get(ruleset.id))
    params = compiled.parameters
    try:
        return _rate(scores, as_of, overrides, evaluator, catalogue, ruleset, compiled)
    except EvaluationIncomplete as exc:
        if not allow_incomplete:
            raise
        return RatingReport(
            framework=scores.framework, ruleset=ruleset, parameters=dict(params), key_questions=(),
            overall=None, assumptions=_assumptions(scores.framework, params), location_id=scores.location_id,
            name=scores.name, failures=exc.failures,
        )


def _rate(
    scores: ScoresInput,
    as_of: dt.date,
    overrides: Mapping[str, Mapping[str, Any]],
    evaluator: Evaluator,
    catalogue: Catalogue,
    ruleset: Ruleset,
    compiled: CompiledRuleset,
) -> RatingReport:
    params = compiled.parameters
    bands: dict[KeyQuestion, RuleHit] = {}
    limits: dict[KeyQuestion, list[RuleHit]] = {}
    if scores.framework == "SAF_2024_12":
        saf = evaluate_one(evaluator, compiled, "rating:saf", SafScores(scores.scores), as_of)
        for kq, hits in _by_key_question(saf, "band").items():
            if len(hits) != 1:
                raise EngineError(
                    f"{ruleset.path or ruleset.id}: {kq.value} fell in {len(hits)} bands; expected one"
                )
            bands[kq] = hits[0]
        missing = [kq.value for kq in scores.scores if kq not in bands]
        if missing:
            raise EngineError(f"{ruleset.path or ruleset.id}: no band rule fired for {', '.join(missing)}")
        limits = _by_key_question(saf, "limit")
        starting = {kq: _emitted_rating(bands[kq], "rating") for kq in KeyQuestion if kq in bands}
        limiter_id, aggregation_id = str(params["key_question_limiters"]), str(params["overall_aggregation"])
    else:
        starting = {kq: scores.ratings[kq] for kq in KeyQuestion if kq in scores.ratings}
        limiter_id = aggregation_id = ruleset.id
    current = {kq: _capped(r, limits.get(kq, [])) for kq, r in starting.items()}

    def compiled_for(ruleset_id: str) -> Any:
        if ruleset_id == ruleset.id:
            return compiled
        other = catalogue.get(ruleset_id, as_of)
        return evaluator.compile(other, overrides.get(other.id))

    limiters: Ruleset | None = None
    if limiter_id != NONE:
        kq_compiled = compiled_for(limiter_id)
        limiters = kq_compiled.ruleset
        subject = KeyQuestionRatings(current, scores.requirement_notices, scores.warning_notices)
        kq_hits = evaluate_one(evaluator, kq_compiled, "rating:key_questions", subject, as_of)
        for kq, hits in _by_key_question(kq_hits, "limit").items():
            limits.setdefault(kq, []).extend(hits)
        current = {kq: _capped(starting[kq], limits.get(kq, [])) for kq in starting}
    results = tuple(
        KeyQuestionResult(kq, starting[kq], current[kq], bands.get(kq), tuple(limits.get(kq, [])))
        for kq in KeyQuestion if kq in starting
    )
    overall: OverallResult | None = None
    flags: tuple[RuleHit, ...] = ()
    aggregation: Ruleset | None = None
    if aggregation_id != NONE:
        agg_compiled = compiled_for(aggregation_id)
        aggregation = agg_compiled.ruleset
        notices = len(scores.requirement_notices) + len(scores.warning_notices)
        profile = RatingProfile(current, scores.breach, notices)
        overall_hits = evaluate_one(evaluator, agg_compiled, "rating:overall", profile, as_of)
        outcomes = [h for h in overall_hits if h.emit.get("result") == "overall"]
        if len(outcomes) > 1:
            raise EngineError(f"{aggregation.path or aggregation.id}: {len(outcomes)} overall rules fired "
                              f"({', '.join(h.rule_id for h in outcomes)}); expected at most one")
        caps = [h for h in overall_hits if h.emit.get("result") == "limit"]
        flags = tuple(h for h in overall_hits if h.emit.get("result") == "flag")
        if outcomes:
            rating = _capped(_emitted_rating(outcomes[0], "rating"), caps)
            overall = OverallResult(rating, outcomes[0], tuple(caps))
        else:
            overall = OverallResult(None, None, tuple(caps))
    return RatingReport(
        framework=scores.framework, ruleset=ruleset, parameters=dict(params), key_questions=results,
        overall=overall, flags=flags, aggregation=aggregation, limiters=limiters,
        assumptions=_assumptions(scores.framework, params), location_id=scores.location_id, name=scores.name,
    )
