"""``mipr_risk``: each risk, who it threatens, its finding and whether a recommendation answers it."""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from mipr_rules.facts.base import Fact, FactContext, FactType
from mipr_rules.mipr.measures.common import BOOL, INT, STR, fact
from mipr_rules.mipr.report import PRIORITY_RANK, SEVERITY_RANK, Report, RiskKind, RiskTarget, score_value

FACT_TYPE = FactType(
    "mipr_risk",
    "A risk the report identifies",
    {
        "risk": STR,
        "kind": STR,
        "actual": BOOL,
        "affects_people": BOOL,
        "affects_staff": BOOL,
        "affects_service": BOOL,
        "severity": STR,
        "severity_rank": INT,
        "finding": STR,
        "finding_exists": BOOL,
        "finding_score": INT,
        "has_recommendation": BOOL,
        "recommendations": INT,
        "max_priority_rank": INT,
        "description_words": INT,
    },
)


@attrs.frozen
class RiskFacts:
    """Measures every risk."""

    name: str = "mipr_risks"
    subject_type: type = Report
    fact_types: tuple[FactType, ...] = (FACT_TYPE,)

    def calculate(self, subject: Report, context: FactContext) -> Iterator[Fact]:
        """Yield one ``mipr_risk`` fact per risk."""
        for risk in subject.risks:
            finding = subject.finding_for(risk.finding)
            answering = [rec for rec in subject.recommendations if risk.id in rec.risks]
            yield fact(
                "mipr_risk",
                f"risk:{risk.id}",
                risk=risk.id,
                kind=risk.kind.value,
                actual=risk.kind is RiskKind.ACTUAL,
                affects_people=RiskTarget.PEOPLE in risk.affects,
                affects_staff=RiskTarget.STAFF in risk.affects,
                affects_service=RiskTarget.SERVICE in risk.affects,
                severity=risk.severity.value,
                severity_rank=SEVERITY_RANK[risk.severity],
                finding=risk.finding,
                finding_exists=finding is not None,
                finding_score=None if finding is None else score_value(finding.score),
                has_recommendation=bool(answering),
                recommendations=len(answering),
                max_priority_rank=max((PRIORITY_RANK[rec.priority] for rec in answering), default=None),
                description_words=len(risk.description.split()),
            )
