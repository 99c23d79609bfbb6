"""``mipr_finding`` and ``mipr_statement``: each finding's evidence and risks, and the coverage of the scope."""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from mipr_rules.facts.base import Fact, FactContext, FactType
from mipr_rules.mipr.measures.common import BOOL, INT, STR, fact
from mipr_rules.mipr.report import EVIDENCE_SOURCE_CATEGORY, SEVERITY_RANK, Finding, Report, score_value
from mipr_rules.model.quality_statements import BY_ID
from mipr_rules.model.vocabulary import RatingValue

FINDING = FactType(
    "mipr_finding",
    "A finding on one quality statement",
    {
        "statement": STR,
        "key_question": STR,
        "in_scope": BOOL,
        "score": INT,
        "score_is_rating_word": BOOL,
        "evidence_items": INT,
        "source_types": INT,
        "evidence_categories": INT,
        "has_risk": BOOL,
        "risks": INT,
        "actual_risks": INT,
        "max_risk_severity_rank": INT,
        "has_recommendation": BOOL,
        "recommendations": INT,
        "narrative_words": INT,
    },
)
STATEMENT = FactType(
    "mipr_statement",
    "A quality statement in the report's scope",
    {
        "statement": STR,
        "key_question": STR,
        "has_finding": BOOL,
        "score": INT,
    },
)


def source_types(finding: Finding) -> int:
    """Distinct kinds of source among a finding's evidence."""
    return len({e.source for e in finding.evidence})


def answered_by(report: Report, statement: str) -> int:
    """Recommendations that name ``statement`` among the findings they answer."""
    return sum(1 for rec in report.recommendations if statement in rec.findings)


@attrs.frozen
class FindingFacts:
    """Measures every finding, and whether each statement in scope has one."""

    name: str = "mipr_findings"
    subject_type: type = Report
    fact_types: tuple[FactType, ...] = (FINDING, STATEMENT)

    def calculate(self, subject: Report, context: FactContext) -> Iterator[Fact]:
        """Yield a ``mipr_statement`` fact per statement in scope, then a ``mipr_finding`` per finding."""
        for statement in subject.scope.quality_statements:
            finding = subject.finding_for(statement)
            yield fact(
                "mipr_statement",
                f"statement:{statement}",
                statement=statement,
                key_question=BY_ID[statement].key_question.value,
                has_finding=finding is not None,
                score=None if finding is None else score_value(finding.score),
            )
        scope = set(subject.scope.quality_statements)
        for finding in subject.findings:
            risks = [r for r in subject.risks if r.finding == finding.statement]
            recommendations = answered_by(subject, finding.statement)
            yield fact(
                "mipr_finding",
                f"finding:{finding.statement}",
                statement=finding.statement,
                key_question=BY_ID[finding.statement].key_question.value,
                in_scope=finding.statement in scope,
                score=score_value(finding.score),
                score_is_rating_word=isinstance(finding.score, RatingValue),
                evidence_items=len(finding.evidence),
                source_types=source_types(finding),
                evidence_categories=len({EVIDENCE_SOURCE_CATEGORY[e.source] for e in finding.evidence}),
                has_risk=bool(risks),
                risks=len(risks),
                actual_risks=sum(1 for r in risks if r.kind.value == "actual"),
                max_risk_severity_rank=max((SEVERITY_RANK[r.severity] for r in risks), default=None),
                has_recommendation=recommendations > 0,
                recommendations=recommendations,
                narrative_words=len(finding.narrative.split()),
            )
