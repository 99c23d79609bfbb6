"""The prediction report: its JSON contract (``kind: "prediction"``), text, and HTML (``prediction.html.j2``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs
from rich.console import Console

from mipr_rules.adapters.base import SkippedRecords
from mipr_rules.model import Location
from mipr_rules.predict.core import StatementScore, alert_key
from mipr_rules.presentation.wording import uk_date
from mipr_rules.rating import RatingReport
from mipr_rules.results import RuleHit
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules.safe_text import safe

OBSERVATION = "to be completed from observation and conversations"
"""What a statement the records cannot inform is marked with."""


def _alert(alert: RuleHit, due: dt.date | None = None) -> dict[str, Any]:
    out = {"alert": alert_key(alert), "rule": alert.rule_id, "subject": alert.subject, "severity": alert.severity,
           "quality_statement": alert.maps_to.quality_statement, "message": alert.message,
           "ruleset": {"id": alert.ruleset_id, "version": alert.ruleset_version},
           "due": (due or alert.as_of).isoformat(), "status": "opens or worsens" if due else "open"}
    return out


@attrs.frozen
class Change:
    """A set of alerts whose resolution (up) or worsening (down) moves a key question (``None``: the overall)."""

    direction: str
    """``up`` or ``down``."""
    key_question: str | None
    """The key question, or ``None`` for the overall rating."""
    alerts: tuple[RuleHit, ...]
    """The alerts."""
    to_rating: str | None
    """The rating predicted after the change (checked by running the rules again)."""
    from_rating: str | None = None
    """The rating predicted now."""
    due: tuple[dt.date, ...] = ()
    """Down: the day each alert opens or worsens."""

    def order(self) -> str:
        """Sort key after size: the key question's name (overall last)."""
        return self.key_question or "~"

    def as_dict(self) -> dict[str, Any]:
        """JSON of one change."""
        dues = list(self.due) if self.due else [None] * len(self.alerts)
        return {"direction": self.direction, "key_question": self.key_question or "overall",
                "from_rating": self.from_rating, "to_rating": self.to_rating,
                "alerts": [_alert(a, d) for a, d in zip(self.alerts, dues, strict=True)]}


@attrs.frozen
class KeyQuestionPrediction:
    """One key question's prediction."""

    key_question: str
    predicted_rating: str | None
    """``None`` when too few statements are informed."""
    percentage: int | None
    low: str | None
    """Rating with every unscored statement at 1."""
    high: str | None
    """Rating with every unscored statement at 4."""
    statements: tuple[StatementScore, ...]
    not_rated: RuleHit | None = None
    """The rule hit saying too few statements are informed to predict a rating (``too_few_statements_informed``)."""

    @property
    def informed(self) -> int:
        """Statements predicted from records."""
        return sum(1 for s in self.statements if s.score is not None)

    def as_dict(self) -> dict[str, Any]:
        """JSON of one key question."""
        out: dict[str, Any] = {
            "key_question": self.key_question, "predicted_rating": self.predicted_rating,
            "percentage": self.percentage if self.predicted_rating else None,
            "range": {"low": self.low, "high": self.high},
            "statements": [_statement(s) for s in self.statements],
            "informed": self.informed, "of": len(self.statements),
        }
        if self.not_rated is not None:
            out["note"] = self.not_rated.message
            out["not_rated"] = self.not_rated.as_dict()
        return out


def _statement(s: StatementScore) -> dict[str, Any]:
    out: dict[str, Any] = {"id": s.statement, "predicted_score": s.score,
                           "basis": [h.as_dict() for h in s.hits],
                           "alerts": [alert_key(a) for a in s.alerts], "evidence": dict(s.evidence)}
    if s.score is None:
        out["note"] = OBSERVATION
    return out




@attrs.frozen
class PredictionReport:
    """A location's predicted rating, its range, what would change it and (with a store) its trend."""

    as_of: dt.date
    location_id: str
    name: str
    ruleset: Ruleset
    rating_ruleset: Ruleset
    key_questions: tuple[KeyQuestionPrediction, ...]
    rating: RatingReport
    """The rating of the statements predicted (``saf-rating-2024``, as ``mipr rating``)."""
    low: RatingReport
    high: RatingReport
    what_would_change: tuple[Change, ...] = ()
    parameters: Mapping[str, Any] = attrs.field(factory=dict)
    trend: tuple[Mapping[str, Any], ...] | None = None
    """Per past day: the predicted percentage per key question (``--store`` only)."""
    trend_svg: str | None = None
    """The trend chart (inline SVG), when there is a trend."""

    skipped: tuple[SkippedRecords, ...] = ()
    """Records the adapter skipped in lenient mode (shown first: they were not checked)."""
    horizon: int = 14
    """Days ahead searched for alerts that open or worsen."""
    failures: tuple[Any, ...] = ()
    location: Location | None = None
    """The location read (for ``mipr draft-report``; not in the JSON)."""

    def assumptions(self) -> list[str]:
        """What the prediction assumes, first its own, then the rating's."""
        return [
            "A prediction from records, not CQC's judgement: records inform processes and outcomes; people's "
            "experience and observation come from the inspection itself.",
            "Statements no record informs are left out of the predicted percentages (CQC scores the statements it "
            "assessed); the range takes each of them at 1 (low) and at 4 (high).",
            f"Statement scores follow ruleset {self.ruleset.id} {self.ruleset.version}; every threshold is a "
            "parameter (mipr rules show saf-prediction-2024).",
            *self.rating.assumptions,
        ]

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract of ``mipr predict --format json``."""
        overall = self.rating.overall
        out: dict[str, Any] = {
            "kind": "prediction", "as_of": self.as_of.isoformat(),
            "skipped": [group.as_dict() for group in self.skipped],
            "location": {"location_id": self.location_id, "name": self.name},
            "ruleset": self.ruleset.ref(), "rating_ruleset": self.rating_ruleset.ref(),
            "key_questions": [k.as_dict() for k in self.key_questions],
            "overall": {
                "predicted_rating": overall.rating.value if overall and overall.rating else None,
                "range": {"low": _overall(self.low), "high": _overall(self.high)},
                "human_judgement": bool(overall and overall.human_judgement),
                "rule": overall.outcome.rule_id if overall and overall.outcome else None,
                "message": overall.outcome.message if overall and overall.outcome else None,
            },
            "what_would_change": [c.as_dict() for c in self.what_would_change],
            "assumptions": self.assumptions(),
        }
        if self.trend is not None:
            out["trend"] = list(self.trend)
            out["trend_svg"] = self.trend_svg
        return out

    def render_text(self, console: Console) -> None:
        """Terminal output."""
        from mipr_rules.readiness import render_skipped

        data = self.as_dict()
        render_skipped(self.skipped, console)
        console.print(f"[bold]If CQC came tomorrow: {safe(self.name)}[/bold] (as of {uk_date(self.as_of)})")
        o = data["overall"]
        console.print(f"Overall: [bold]{o['predicted_rating'] or 'not predicted'}[/bold] "
                      f"(range {o['range']['low']} to {o['range']['high']})"
                      + ("; needs human judgement" if o["human_judgement"] else ""))
        for kq in data["key_questions"]:
            rating = kq["predicted_rating"] or "not predicted"
            pct = f" {kq['percentage']}%" if kq["percentage"] is not None else ""
            console.print(f"  {kq['key_question']}: {rating}{pct} (range {kq['range']['low']} to "
                          f"{kq['range']['high']}; {kq['informed']} of {kq['of']} statements from records)")
            if kq.get("note"):
                console.print(f"    {kq['note']}")
            for s in kq["statements"]:
                shown = s["predicted_score"] if s["predicted_score"] is not None else f"- ({OBSERVATION})"
                console.print(f"    {s['id']}: {shown}" + (f"  [{len(s['alerts'])} alert(s)]" if s["alerts"] else ""))
        if data["what_would_change"]:
            console.print("[bold]What would change it[/bold]")
        for c in data["what_would_change"]:
            verb = "Resolve" if c["direction"] == "up" else "If not prevented"
            console.print(f"  {c['key_question']}: {c['from_rating']} -> {c['to_rating']}: {verb} "
                          f"{len(c['alerts'])} alert(s):")
            for a in c["alerts"]:
                console.print(f"    - {a['severity']} {safe(a['alert'])} (due {a['due']})")
        if self.trend:
            console.print(f"Trend: {len(self.trend)} days from the alert store")
        console.print("[dim]Assumptions: " + " ".join(safe(a) for a in data["assumptions"][:2]) + "[/dim]")


def _overall(report: RatingReport) -> str | None:
    return report.overall.rating.value if report.overall and report.overall.rating else None
