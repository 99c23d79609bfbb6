"""Registers the panel fact calculator (``mipr_panel``) with mipr-rules.

A built-in plugin once ``plugins.DEFAULT_PLUGINS`` lists ``mipr_rules.mipr.panel_plugin``; until then
``mipr panel verify`` adds the calculator to its own evaluator (``panel.with_panel_facts``).
"""

from __future__ import annotations

from typing import Any

from mipr_rules import hookimpl
from mipr_rules.mipr.panel_facts import PanelFacts


@hookimpl
def mipr_register_fact_calculators(register: Any) -> None:
    register(PanelFacts())
