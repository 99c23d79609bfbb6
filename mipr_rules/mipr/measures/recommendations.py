"""``mipr_recommendation``: each recommendation's owner, timescale, what it answers and its urgency."""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from mipr_rules.facts.base import Fact, FactContext, FactType
from mipr_rules.mipr.measures.common import BOOL, INT, STR, fact
from mipr_rules.mipr.report import PRIORITY_RANK, SEVERITY_RANK, Recommendation, Report, score_value

FACT_TYPE = FactType(
    "mipr_recommendation",
    "A recommended action",
    {
        "recommendation": STR,
        "priority": STR,
        "priority_rank": INT,
        "has_owner": BOOL,
        "has_timescale": BOOL,
        "timescale_days": INT,
        "answers_finding": BOOL,
        "findings_referenced": INT,
        "unknown_findings": INT,
        "answers_risk": BOOL,
        "risks_referenced": INT,
        "unknown_risks": INT,
        "max_risk_severity": STR,
        "max_risk_severity_rank": INT,
        "priority_minus_severity": INT,
        "lowest_finding_score": INT,
        "action_words": INT,
    },
)


def answers_finding(report: Report, rec: Recommendation) -> bool:
    """Whether ``rec`` names at least one finding the report has."""
    return any(report.finding_for(s) is not None for s in rec.findings)


@attrs.frozen
class RecommendationFacts:
    """Measures every recommendation."""

    name: str = "mipr_recommendations"
    subject_type: type = Report
    fact_types: tuple[FactType, ...] = (FACT_TYPE,)

    def calculate(self, subject: Report, context: FactContext) -> Iterator[Fact]:
        """Yield one ``mipr_recommendation`` fact per recommendation."""
        risks = {risk.id: risk for risk in subject.risks}
        for rec in subject.recommendations:
            findings = [f for s in rec.findings if (f := subject.finding_for(s)) is not None]
            answered = [risks[r] for r in rec.risks if r in risks]
            worst = max(answered, key=lambda r: SEVERITY_RANK[r.severity], default=None)
            worst_rank = None if worst is None else SEVERITY_RANK[worst.severity]
            owner = rec.owner is not None and bool(rec.owner.strip())
            yield fact(
                "mipr_recommendation",
                f"recommendation:{rec.id}",
                recommendation=rec.id,
                priority=rec.priority.value,
                priority_rank=PRIORITY_RANK[rec.priority],
                has_owner=owner,
                has_timescale=rec.timescale is not None,
                timescale_days=None if rec.timescale is None else rec.timescale.days_after(subject.last_visit),
                answers_finding=bool(findings),
                findings_referenced=len(rec.findings),
                unknown_findings=len(rec.findings) - len(findings),
                answers_risk=bool(answered),
                risks_referenced=len(rec.risks),
                unknown_risks=len(rec.risks) - len(answered),
                max_risk_severity=None if worst is None else worst.severity.value,
                max_risk_severity_rank=worst_rank,
                priority_minus_severity=None if worst_rank is None else PRIORITY_RANK[rec.priority] - worst_rank,
                lowest_finding_score=min((score_value(f.score) for f in findings), default=None),
                action_words=len(rec.action.split()),
            )
