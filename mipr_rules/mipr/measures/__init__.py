"""Fact calculators that measure a mock-inspection report (documented in ``mipr_rules/mipr/FACTS.md``).

They measure and never judge: the ``mipr-2025`` ruleset compares these facts with its parameters.
"""

from __future__ import annotations

from mipr_rules.facts.base import Fact, FactContext
from mipr_rules.mipr.measures.findings import FindingFacts
from mipr_rules.mipr.measures.language import LanguageFacts
from mipr_rules.mipr.measures.overview import ReportFacts
from mipr_rules.mipr.measures.quality import QualityFacts
from mipr_rules.mipr.measures.ratings import RatingFacts
from mipr_rules.mipr.measures.recommendations import RecommendationFacts
from mipr_rules.mipr.measures.regulations import RegulationFacts
from mipr_rules.mipr.measures.remarks import RemarkFacts
from mipr_rules.mipr.measures.risks import RiskFacts
from mipr_rules.mipr.measures.signals import SignalFacts
from mipr_rules.mipr.report import Report

CALCULATORS = (
    ReportFacts(),
    FindingFacts(),
    LanguageFacts(),
    RiskFacts(),
    RecommendationFacts(),
    RatingFacts(),
    SignalFacts(),
    QualityFacts(),
    RemarkFacts(),
    RegulationFacts(),
)
"""Every report calculator, in the order their facts are produced."""


def measure_report(report: Report, context: FactContext) -> list[Fact]:
    """All facts of ``report`` from every calculator."""
    return [f for calculator in CALCULATORS for f in calculator.calculate(report, context)]


__all__ = ["CALCULATORS", "measure_report"]
