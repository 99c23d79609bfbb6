"""Registers the report calculators with mipr-rules (built in: listed in ``plugins.DEFAULT_PLUGINS``).

They are registered deferred (``facts.deferred``): a run that measures no report does not import them.
``tests/mipr/test_mipr_measures.py`` checks that this list names ``mipr_rules.mipr.measures.CALCULATORS``.
"""

from __future__ import annotations

from typing import Any

from mipr_rules import hookimpl
from mipr_rules.facts.deferred import DeferredCalculator

_REPORT = "mipr_rules.mipr.report:Report"
_MEASURES = "mipr_rules.mipr.measures"

CALCULATORS = tuple(
    DeferredCalculator(name, _REPORT, f"{_MEASURES}.{module}:{cls}")
    for name, module, cls in (
        ("mipr_report", "overview", "ReportFacts"),
        ("mipr_findings", "findings", "FindingFacts"),
        ("mipr_language", "language", "LanguageFacts"),
        ("mipr_risks", "risks", "RiskFacts"),
        ("mipr_recommendations", "recommendations", "RecommendationFacts"),
        ("mipr_ratings", "ratings", "RatingFacts"),
        ("mipr_signals", "signals", "SignalFacts"),
        ("mipr_quality", "quality", "QualityFacts"),
        ("mipr_remarks", "remarks", "RemarkFacts"),
        ("mipr_regulations", "regulations", "RegulationFacts"),
    )
)
"""The report calculators, in the order of ``mipr_rules.mipr.measures.CALCULATORS``."""


@hookimpl
def mipr_register_fact_calculators(register: Any) -> None:
    for calculator in CALCULATORS:
        register(calculator)
