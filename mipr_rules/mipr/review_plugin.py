"""Registers the calculators of ``mipr review``'s second pass (``mipr_review_score``) and of ``mipr panel``
(``mipr_panel``) with mipr-rules.

A built-in plugin once ``plugins.DEFAULT_PLUGINS`` lists ``mipr_rules.mipr.review_plugin``; until then the
review and the panel add these calculators to their own evaluator (``ensure_calculators``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from mipr_rules import hookimpl
from mipr_rules.facts.base import FactCalculator
from mipr_rules.mipr.panel_facts import PanelFacts
from mipr_rules.mipr.review_score import ReviewScoreFacts

if TYPE_CHECKING:
    from mipr_rules.engine.evaluate import Evaluator

CALCULATORS = (ReviewScoreFacts(), PanelFacts())
"""The calculators this plugin registers."""


@hookimpl
def mipr_register_fact_calculators(register: Any) -> None:
    for calculator in CALCULATORS:
        register(calculator)


def ensure_calculators(evaluator: Evaluator) -> Evaluator:
    """Make sure ``evaluator`` has these calculators (a no-op once the plugin is registered)."""
    for calculator in CALCULATORS:
        evaluator.calculators.setdefault(calculator.name, cast(FactCalculator, calculator))
    return evaluator
