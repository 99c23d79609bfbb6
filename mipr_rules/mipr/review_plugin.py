"""Built-in plugin registering the calculators of ``mipr review``'s second pass (``mipr_review_score``) and of
``mipr panel`` (``mipr_panel``)."""

from __future__ import annotations

from typing import Any

from mipr_rules import hookimpl
from mipr_rules.facts.deferred import DeferredCalculator

_MIPR = "mipr_rules.mipr"

CALCULATORS = (
    DeferredCalculator(
        "mipr_review_score", f"{_MIPR}.review_score:CriterionScores", f"{_MIPR}.review_score:ReviewScoreFacts"
    ),
    DeferredCalculator("mipr_panel", f"{_MIPR}.panel_record:PanelRecord", f"{_MIPR}.panel_facts:PanelFacts"),
)
"""The calculators this plugin registers, deferred (``facts.deferred``): imported when a run uses them."""


@hookimpl
def mipr_register_fact_calculators(register: Any) -> None:
    for calculator in CALCULATORS:
        register(calculator)
