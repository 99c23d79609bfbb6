"""Predicted statement scores and ratings from a location's records and open readiness alerts.

Every number here comes from the rules: ``saf-prediction-2024`` scores the statements, ``saf-rating-2024``
(through ``mipr_rules.rating.rate``, the code path of ``mipr rating``) turns the scores into key-question
percentages, bands and the overall rating. Python counts, combines the emitted caps (the lowest score any
rule allows wins) and searches which alerts to resolve; each answer it gives is checked by running the rules
again.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence

import attrs

from mipr_rules.completeness import evaluate_one
from mipr_rules.engine.compile import CompiledRuleset
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.errors import RulesetError
from mipr_rules.facts.prediction_facts import KeyQuestionEvidence, StatementCounts, StatementEvidence
from mipr_rules.model.vocabulary import KeyQuestion
from mipr_rules.rating import RatingReport, ScoresInput
from mipr_rules.results import RuleHit
from mipr_rules.saf import QUALITY_STATEMENTS

SEVERITIES = ("critical", "high", "medium", "low")
"""Severities the prediction counts (``info`` alerts do not lower a score)."""
MOST_VARIANTS = 4000
"""Most hypothetical counts of one statement scored in one engine pass when searching what to resolve."""

Rater = Callable[[ScoresInput], RatingReport]
"""Rates scores with ``saf-rating-2024`` (``Session.rate`` bound to the as-of date)."""


def alert_key(alert: RuleHit) -> str:
    """How an alert is named in a prediction: ``rule_id@subject``."""
    return f"{alert.rule_id}@{alert.subject}"


def statements_of(key_question: str) -> list[str]:
    """The quality statement ids of a key question, in CQC's order."""
    return [s for s, (kq, _) in QUALITY_STATEMENTS.items() if kq == key_question]


@attrs.frozen
class StatementScore:
    """One quality statement's predicted score and why."""

    statement: str
    """S1 … W8."""
    key_question: str
    """Its key question."""
    score: int | None
    """1-4, or ``None`` when the records cannot inform it."""
    hits: tuple[RuleHit, ...]
    """The prediction rules that fired on it."""
    alerts: tuple[RuleHit, ...]
    """The open readiness alerts mapped to it."""
    evidence: Mapping[str, int]
    """Record kind → records held."""


def score_from_hits(hits: Sequence[RuleHit]) -> int | None:
    """The score the prediction rules' hits give: none if not informed; else the highest base or lift, capped by
    the lowest cap."""
    results = [h.emit.get("result") for h in hits]
    if "not_informed" in results:
        return None

    def value(hit: RuleHit) -> int:
        try:
            score = int(hit.emit["score"])
        except (KeyError, TypeError, ValueError):
            raise RulesetError(f"ruleset {hit.ruleset_id}: rule {hit.rule_id} emits no score 1-4") from None
        if not 1 <= score <= 4:
            raise RulesetError(f"ruleset {hit.ruleset_id}: rule {hit.rule_id} emits score {score}; expected 1-4")
        return score

    bases = [value(h) for h in hits if h.emit.get("result") in ("score", "lift")]
    if not bases:
        raise RulesetError("ruleset saf-prediction-2024: a statement was neither informed nor not informed")
    return min([max(bases), *(value(h) for h in hits if h.emit.get("result") == "cap")])


def severity_counts(alerts: Iterable[RuleHit]) -> dict[str, dict[str, int]]:
    """Statement → severity → open alerts mapped to it."""
    out: dict[str, dict[str, int]] = {}
    for alert in alerts:
        statement = alert.maps_to.quality_statement
        if statement and alert.severity in SEVERITIES:
            bucket = out.setdefault(statement, {})
            bucket[alert.severity] = bucket.get(alert.severity, 0) + 1
    return out


@attrs.frozen
class Scorer:
    """Scores statements with the compiled prediction ruleset on the session's engine."""

    evaluator: Evaluator
    compiled: CompiledRuleset
    as_of: dt.date
    region: str

    def run(self, counts: Mapping[str, StatementCounts]) -> dict[str, tuple[RuleHit, ...]]:
        """Statement key → the hits on it (keys are whatever ``counts`` uses)."""
        hits = evaluate_one(self.evaluator, self.compiled, "prediction", StatementEvidence(counts), self.as_of,
                            self.region)
        out: dict[str, list[RuleHit]] = {key: [] for key in counts}
        for hit in hits:
            out[hit.subject.removeprefix("statement:")].append(hit)
        return {k: tuple(v) for k, v in out.items()}

    def not_rated(self, informed: Mapping[str, tuple[int, int]]) -> dict[str, RuleHit]:
        """Key question → the hit saying too few of its statements are informed to rate it."""
        hits = evaluate_one(self.evaluator, self.compiled, "prediction:key_questions", KeyQuestionEvidence(informed),
                            self.as_of, self.region)
        return {str(h.facts["key_question"]): h for h in hits if h.emit.get("result") == "not_rated"}

    def score(self, alerts: Sequence[RuleHit], evidence: Mapping[str, Mapping[str, int]]) -> dict[str, StatementScore]:
        """Every statement's predicted score given the open ``alerts`` and the records' ``evidence``."""
        return self.score_counts(severity_counts(alerts), evidence, alerts)

    def score_counts(self, by_severity: Mapping[str, Mapping[str, int]], evidence: Mapping[str, Mapping[str, int]],
                     alerts: Sequence[RuleHit] = ()) -> dict[str, StatementScore]:
        """Every statement's predicted score given open-alert counts (statement → severity → count)."""
        counts = {s: StatementCounts(kq, sum(evidence[s].values()), by_severity.get(s, {}))
                  for s, (kq, _) in QUALITY_STATEMENTS.items()}
        hits = self.run(counts)
        return {
            s: StatementScore(s, counts[s].key_question, score_from_hits(hits[s]), hits[s],
                              tuple(a for a in alerts if a.maps_to.quality_statement == s), dict(evidence[s]))
            for s in QUALITY_STATEMENTS
        }

    def options(self, statement: StatementScore) -> dict[int, dict[str, int]]:
        """Score reachable → fewest alerts to resolve per severity to reach it (only scores above the current).

        Every combination of counts is scored by the rules in one pass (bounded by ``MOST_VARIANTS``).
        """
        have = severity_counts(statement.alerts).get(statement.statement, {})
        ranges = [range(have.get(s, 0) + 1) for s in SEVERITIES]
        variants: dict[str, StatementCounts] = {}
        removed: dict[str, dict[str, int]] = {}
        evidence = sum(statement.evidence.values())
        for index, combo in enumerate(itertools.product(*ranges)):
            if index >= MOST_VARIANTS:
                break
            left = {s: have.get(s, 0) - n for s, n in zip(SEVERITIES, combo, strict=True)}
            key = f"{statement.statement}~{index}"
            variants[key] = StatementCounts(statement.key_question, evidence, left)
            removed[key] = dict(zip(SEVERITIES, combo, strict=True))
        best: dict[int, dict[str, int]] = {}
        current = statement.score or 0
        for key, hits in self.run(variants).items():
            score = score_from_hits(hits)
            if score is None or score <= current:
                continue
            cost = removed[key]
            if score not in best or sum(cost.values()) < sum(best[score].values()):
                best[score] = cost
        # a higher score reached as cheaply as a lower one makes the lower one pointless
        return {s: c for s, c in best.items()
                if not any(t > s and sum(d.values()) <= sum(c.values()) for t, d in best.items())}


def scores_input(scores: Mapping[str, int | None], key_questions: Iterable[str],
                 fill: int | None = None) -> ScoresInput:
    """Scores of the given key questions' statements for ``saf-rating-2024``; a ``None`` score is left out, or
    taken as ``fill``."""
    grouped: dict[KeyQuestion, dict[str, int]] = {}
    for kq in key_questions:
        for s in statements_of(kq):
            value = scores.get(s)
            value = fill if value is None else value
            if value is not None:
                grouped.setdefault(KeyQuestion(kq), {})[s] = value
    return ScoresInput(framework="SAF_2024_12", scores=grouped)


def pick(alerts: Sequence[RuleHit], cost: Mapping[str, int]) -> list[RuleHit]:
    """``cost[severity]`` alerts of each severity, in a stable order (rule, then record)."""
    chosen: list[RuleHit] = []
    for severity in SEVERITIES:
        same = sorted((a for a in alerts if a.severity == severity), key=lambda a: (a.rule_id, a.subject))
        chosen.extend(same[: cost.get(severity, 0)])
    return chosen


def cheapest_gains(options: Mapping[str, Mapping[int, Mapping[str, int]]], current: Mapping[str, int | None]
                   ) -> dict[int, tuple[int, dict[str, int]]]:
    """Points gained → (fewest alerts, statement → target score) over the statements' options (a small knapsack)."""
    table: dict[int, tuple[int, dict[str, int]]] = {0: (0, {})}
    for statement, reachable in options.items():
        base = current.get(statement) or 0
        nxt = dict(table)
        for gain, (cost, plan) in table.items():
            for score, removal in reachable.items():
                g, c = gain + score - base, cost + sum(removal.values())
                if g not in nxt or c < nxt[g][0]:
                    nxt[g] = (c, {**plan, statement: score})
        table = nxt
    return table


def rating_of(report: RatingReport, key_question: str | None) -> str | None:
    """A key question's rating (``None``: the overall) in a rating report; ``None`` when not rated."""
    if key_question is None:
        return report.overall.rating.value if report.overall and report.overall.rating else None
    found = [r for r in report.key_questions if r.key_question.value == key_question]
    return found[0].rating.value if found else None


def rate_scores(rater: Rater, scores: Mapping[str, int | None], key_questions: Iterable[str],
                fill: int | None = None) -> RatingReport:
    """Rate the statements' scores (leaving out or filling the unscored ones)."""
    return rater(scores_input(scores, key_questions, fill))
