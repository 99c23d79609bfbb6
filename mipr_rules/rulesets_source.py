"""Built-in plugin contributing the rulesets shipped inside the core wheel."""

from __future__ import annotations

from importlib import resources

from mipr_rules import hookimpl


@hookimpl
def mipr_ruleset_paths() -> list[str]:
    return [str(resources.files("mipr_rules.rulesets"))]
