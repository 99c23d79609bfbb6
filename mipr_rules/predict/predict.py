"""``predict``: a location's predicted SAF rating with its range, and what would change it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from mipr_rules.adapters.base import SkippedRecords
from mipr_rules.alerts.model import StoredAlert
from mipr_rules.facts.prediction_facts import StatementCounts
from mipr_rules.facts.rating_facts import rank
from mipr_rules.model import Location
from mipr_rules.predict.core import (
    MOST_VARIANTS,
    Rater,
    Scorer,
    StatementScore,
    alert_key,
    cheapest_gains,
    pick,
    rate_scores,
    rating_of,
    score_from_hits,
    severity_counts,
    statements_of,
)
from mipr_rules.predict.evidence import statement_evidence
from mipr_rules.predict.report import Change, KeyQuestionPrediction, PredictionReport
from mipr_rules.predict.trend import chart_svg, trend
from mipr_rules.rating import RatingReport
from mipr_rules.results import RuleHit
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules.saf import KEY_QUESTIONS

FutureAlerts = Callable[[dt.date], Sequence[RuleHit]]
"""The open readiness alerts of the same records as of a later day."""


def _higher(a: str | None, b: str | None) -> bool:
    return a is not None and (b is None or rank(a) > rank(b))


class Predictor:
    """One location's prediction: scores, ratings, ranges and counterfactuals, all from the rules."""

    def __init__(self, location: Location, alerts: Sequence[RuleHit], scorer: Scorer, rater: Rater,
                 parameters: Mapping[str, Any]) -> None:
        self.location = location
        self.alerts = tuple(alerts)
        self.scorer = scorer
        self.rater = rater
        self.evidence = statement_evidence(location)
        self._not_rated: dict[tuple[tuple[str, int], ...], dict[str, RuleHit]] = {}

    # --- scores and ratings

    def scores(self, alerts: Sequence[RuleHit]) -> dict[str, StatementScore]:
        """Every statement's score with these open alerts."""
        return self.scorer.score(alerts, self.evidence)

    def not_rated(self, scored: Mapping[str, StatementScore]) -> dict[str, RuleHit]:
        """Key question → the rule hit saying too few of its statements are informed (rule
        ``too_few_statements_informed``)."""
        informed = {kq: (sum(1 for s in statements_of(kq) if scored[s].score is not None), len(statements_of(kq)))
                    for kq in KEY_QUESTIONS}
        key = tuple((kq, n) for kq, (n, _) in informed.items())
        if key not in self._not_rated:
            self._not_rated[key] = self.scorer.not_rated(informed)
        return self._not_rated[key]

    def rated(self, scored: Mapping[str, StatementScore]) -> list[str]:
        """Key questions with enough statements informed to be predicted."""
        refused = self.not_rated(scored)
        return [kq for kq in KEY_QUESTIONS if kq not in refused]

    def rate(self, alerts: Sequence[RuleHit]) -> tuple[dict[str, StatementScore], RatingReport]:
        """Scores and the rating of the key questions predicted, with these open alerts."""
        scored = self.scores(alerts)
        values = {s: v.score for s, v in scored.items()}
        return scored, rate_scores(self.rater, values, self.rated(scored))

    def without(self, resolved: Sequence[RuleHit]) -> list[RuleHit]:
        """The open alerts less ``resolved``."""
        gone = {alert_key(a) for a in resolved}
        return [a for a in self.alerts if alert_key(a) not in gone]

    # --- what would raise it

    def raise_key_question(self, kq: str, scored: Mapping[str, StatementScore], report: RatingReport
                           ) -> Change | None:
        """The fewest open alerts whose resolution raises ``kq`` by a band, checked by predicting again."""
        current = rating_of(report, kq)
        if current is None:
            return None
        statements = [s for s in statements_of(kq) if scored[s].score is not None and scored[s].alerts]
        options = {s: self.scorer.options(scored[s]) for s in statements}
        values = {s: v.score for s, v in scored.items()}
        table = cheapest_gains(options, values)
        rated = self.rated(scored)
        needed: int | None = None
        for gain in sorted(g for g in table if g > 0):
            trial = {**values, **table[gain][1]}
            if _higher(rating_of(rate_scores(self.rater, trial, rated), kq), current):
                needed = gain
                break
        if needed is None:
            return None
        _, plan = min((table[g] for g in table if g >= needed), key=lambda entry: entry[0])
        chosen = [a for s, target in plan.items() for a in pick(scored[s].alerts, options[s][target])]
        _, after = self.rate(self.without(chosen))
        to_rating = rating_of(after, kq)
        if not _higher(to_rating, current):  # the search and the rules disagree: say nothing rather than guess
            return None
        return Change("up", kq, tuple(chosen), to_rating, current)

    def raise_overall(self, ups: Sequence[Change], report: RatingReport) -> Change | None:
        """The smallest union of key-question raises that raises the overall rating, checked by predicting again."""
        current = rating_of(report, None)
        if current is None:
            return None
        tries = sorted([[u] for u in ups] + [[a, b] for i, a in enumerate(ups) for b in ups[i + 1:]],
                       key=lambda group: sum(len(c.alerts) for c in group))
        for group in tries:
            chosen = list({alert_key(a): a for c in group for a in c.alerts}.values())
            _, after = self.rate(self.without(chosen))
            if _higher(rating_of(after, None), current):
                return Change("up", None, tuple(chosen), rating_of(after, None), current)
        return None

    # --- what would lower it

    def lower(self, report: RatingReport, future: FutureAlerts | None, as_of: dt.date, horizon: int
              ) -> list[Change]:
        """Per key question (and overall): the fewest alerts that open or worsen within ``horizon`` days whose
        arrival (earliest due first within each statement) lowers it by a band, checked by predicting again."""
        if future is None or horizon <= 0:
            return []
        now = {alert_key(a): a.severity for a in self.alerts}
        due: dict[str, tuple[dt.date, RuleHit]] = {}
        for day in range(1, horizon + 1):
            when = as_of + dt.timedelta(days=day)
            for alert in future(when):
                key = alert_key(alert)
                if key not in due and (key not in now or now[key] != alert.severity):
                    due[key] = (when, alert)
        coming: dict[str, list[tuple[dt.date, RuleHit]]] = {}
        for when, alert in sorted(due.values(), key=lambda pair: (pair[0], pair[1].sort_key)):
            if alert.maps_to.quality_statement:
                coming.setdefault(alert.maps_to.quality_statement, []).append((when, alert))
        scored, _ = self.rate(self.alerts)
        changes: list[Change] = []
        for kq in KEY_QUESTIONS:
            change = self._lower_key_question(kq, scored, report, coming)
            if change is not None:
                changes.append(change)
        current = rating_of(report, None)
        for change in sorted(changes, key=lambda c: len(c.alerts)):
            after = self._with(change.alerts)
            if current is not None and _higher(current, rating_of(after, None)):
                changes.append(Change("down", None, change.alerts, rating_of(after, None), current, change.due))
                break
        return changes

    def _with(self, arriving: Sequence[RuleHit]) -> RatingReport:
        keys = {alert_key(a) for a in arriving}
        return self.rate([a for a in self.alerts if alert_key(a) not in keys] + list(arriving))[1]

    def _lower_key_question(self, kq: str, scored: Mapping[str, StatementScore], report: RatingReport,
                            coming: Mapping[str, Sequence[tuple[dt.date, RuleHit]]]) -> Change | None:
        current = rating_of(report, kq)
        if current is None:
            return None
        options: dict[str, dict[int, int]] = {}
        for statement in statements_of(kq):
            arrivals = coming.get(statement, ())
            if scored[statement].score is None or not arrivals:
                continue
            options[statement] = self._worse_scores(scored[statement], [a for _, a in arrivals])
        values = {s: v.score for s, v in scored.items()}
        table: dict[int, tuple[int, dict[str, int]]] = {0: (0, {})}
        for statement, reachable in options.items():
            base = values[statement] or 0
            nxt = dict(table)
            for loss, (cost, plan) in table.items():
                for score, count in reachable.items():
                    key, total = loss + base - score, cost + count
                    if key not in nxt or total < nxt[key][0]:
                        nxt[key] = (total, {**plan, statement: score})
            table = nxt
        rated = self.rated(scored)
        needed = next((loss for loss in sorted(g for g in table if g > 0)
                       if _higher(current, rating_of(rate_scores(self.rater, {**values, **table[loss][1]}, rated),
                                                     kq))), None)
        if needed is None:
            return None
        _, plan = min((table[g] for g in table if g >= needed), key=lambda entry: entry[0])
        chosen = [pair for s, score in plan.items() for pair in coming[s][: options[s][score]]]
        chosen.sort(key=lambda pair: (pair[0], pair[1].sort_key))
        after = rating_of(self._with([a for _, a in chosen]), kq)
        if not _higher(current, after):  # the search and the rules disagree: say nothing rather than guess
            return None
        return Change("down", kq, tuple(a for _, a in chosen), after, current, tuple(d for d, _ in chosen))

    def _worse_scores(self, statement: StatementScore, arrivals: Sequence[RuleHit]) -> dict[int, int]:
        """Lower score → fewest of ``arrivals`` (taken in order) that bring the statement to it."""
        have = dict(severity_counts(statement.alerts).get(statement.statement, {}))
        was = {alert_key(a): a.severity for a in statement.alerts}
        variants: dict[str, StatementCounts] = {}
        evidence = sum(statement.evidence.values())
        counts = dict(have)
        for index, alert in enumerate(arrivals[:MOST_VARIANTS], start=1):
            old = was.get(alert_key(alert))
            if old in counts:
                counts[old] -= 1
            counts[alert.severity] = counts.get(alert.severity, 0) + 1
            variants[f"{statement.statement}~{index}"] = StatementCounts(statement.key_question, evidence, dict(counts))
        best: dict[int, int] = {}
        for key, hits in self.scorer.run(variants).items():
            score = score_from_hits(hits)
            count = int(key.rsplit("~", 1)[1])
            if score is not None and score < (statement.score or 0) and (score not in best or count < best[score]):
                best[score] = count
        return best


def predict(
    location: Location,
    alerts: Sequence[RuleHit],
    *,
    as_of: dt.date,
    scorer: Scorer,
    rater: Rater,
    ruleset: Ruleset,
    rating_ruleset: Ruleset,
    parameters: Mapping[str, Any],
    future: FutureAlerts | None = None,
    history: Sequence[StoredAlert] | None = None,
    what_would_change: bool = True,
    horizon: int = 14,
    skipped: Sequence[SkippedRecords] = (),
) -> PredictionReport:
    """Predict ``location``'s rating from its open readiness ``alerts`` as of ``as_of``."""
    predictor = Predictor(location, alerts, scorer, rater, parameters)
    scored, report = predictor.rate(predictor.alerts)
    values = {s: v.score for s, v in scored.items()}
    low = rate_scores(rater, values, KEY_QUESTIONS, fill=1)
    high = rate_scores(rater, values, KEY_QUESTIONS, fill=4)
    rated = predictor.rated(scored)
    key_questions = []
    for kq in KEY_QUESTIONS:
        found = [r for r in report.key_questions if r.key_question.value == kq]
        band = found[0].band if found else None
        key_questions.append(KeyQuestionPrediction(
            key_question=kq, predicted_rating=rating_of(report, kq) if kq in rated else None,
            percentage=int(band.facts["percentage"]) if band is not None else None,
            low=rating_of(low, kq), high=rating_of(high, kq),
            statements=tuple(scored[s] for s in statements_of(kq)),
            not_rated=predictor.not_rated(scored).get(kq),
        ))
    changes: list[Change] = []
    if what_would_change:
        ups = [c for kq in rated if (c := predictor.raise_key_question(kq, scored, report)) is not None]
        overall_up = predictor.raise_overall(ups, report)
        downs = predictor.lower(report, future, as_of, horizon)
        changes = sorted([*ups, *([overall_up] if overall_up else [])], key=lambda c: (len(c.alerts), c.order()))
        changes += downs
    series: list[dict[str, Any]] | None = None
    svg = None
    if history is not None:
        series = trend(history, as_of, lambda counts: scorer.score_counts(counts, predictor.evidence),
                       lambda scored: rate_scores(rater, {s: v.score for s, v in scored.items()},
                                                  predictor.rated(scored)))
        svg = chart_svg(series, f"Predicted percentage per key question: {location.name}") if series else None
    return PredictionReport(
        as_of=as_of, location_id=location.location_id, name=location.name, ruleset=ruleset,
        rating_ruleset=rating_ruleset, key_questions=tuple(key_questions), rating=report, low=low, high=high,
        what_would_change=tuple(changes), parameters=dict(parameters),
        trend=tuple(series) if series is not None else None, trend_svg=svg, location=location, horizon=horizon,
        skipped=tuple(skipped),
    )
