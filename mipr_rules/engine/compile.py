"""Package a ruleset's compiled conditions as a durable-rules ruleset definition, bound to parameter values.

The condition language itself (operators, fields, parameter binding, type checks) is
``mipr_rules.ruleset.conditions``; this module adds the engine-side definition and name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import attrs

from mipr_rules.ruleset.conditions import (
    MAX_MATCHES_PER_FACT,
    MAX_RULES,
    OPERATORS,
    bind_value,
    branch_count,
    compile_conditions,
    compile_rule,
    pattern_problem,
    rule_expressions,
)
from mipr_rules.ruleset.parameters import validate_overrides
from mipr_rules.ruleset.schema import Rule, Ruleset

__all__ = [
    "MAX_MATCHES_PER_FACT",
    "MAX_RULES",
    "OPERATORS",
    "CompiledRuleset",
    "bind_value",
    "branch_count",
    "compile_conditions",
    "compile_rule",
    "compile_ruleset",
    "pattern_problem",
]


@attrs.frozen
class CompiledRuleset:
    """A ruleset bound to its parameter values and compiled for durable-rules."""

    ruleset: Ruleset
    """The source ruleset."""
    parameters: Mapping[str, Any]
    """Parameter values used (defaults with overrides)."""
    name: str
    """Engine-side name: id, version and a digest of the definition (rulesets are never freed)."""
    definition_json: str
    """The durable-rules definition."""
    rule_by_key: Mapping[str, Rule]
    """Engine rule key (``r0``, ``r1``…) → rule."""


def compile_ruleset(
    ruleset: Ruleset,
    overrides: Mapping[str, Any] | None = None,
    fact_fields: Mapping[str, Mapping[str, str]] | None = None,
) -> CompiledRuleset:
    """Bind parameters and compile every rule; refuse shapes that crash or hang durable-rules."""
    params = ruleset.defaults() | validate_overrides(ruleset, overrides, f"overrides for ruleset {ruleset.id}")
    definition: dict[str, Any] = {}
    by_key: dict[str, Rule] = {}
    for index, (rule, expr) in enumerate(rule_expressions(ruleset, params, fact_fields)):
        key = f"r{index}"
        definition[key] = {"all": [{"m": expr}]}
        by_key[key] = rule
    definition_json = json.dumps(definition, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(definition_json.encode()).hexdigest()[:16]
    return CompiledRuleset(
        ruleset=ruleset,
        parameters=params,
        name=f"{ruleset.id}@{ruleset.version}#{digest}",
        definition_json=definition_json,
        rule_by_key=by_key,
    )
