"""Built-in plugin registering the calculators of ``mipr review``'s second pass (``mipr_review_score``) and of
``mipr panel`` (``mipr_panel``)."""

from __future__ import annotations

from typing import Any

from mipr_rules import hookimpl
from mipr_rules.mipr.panel_facts import PanelFacts
from mipr_rules.mipr.review_score import ReviewScoreFacts

CALCULATORS = (ReviewScoreFacts(), PanelFacts())
"""The calculators this plugin registers."""


@hookimpl
def mipr_register_fact_calculators(register: Any) -> None:
    for calculator in CALCULATORS:
        register(calculator)
