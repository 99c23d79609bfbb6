"""Coverage of rulesets by their test cases: rules that fired, conditions that were never false.

A rule is covered when it fired in at least one case. A condition was "false for some fact" when its
condition probe (``mipr_rules.engine.probes``) did not hold for a fact of the rule's type in some case: the
engine decides, case by case; nothing here evaluates rule logic.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from mipr_rules.explain import condition_text, probes_for
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules.ruletest.runner import Observation


@attrs.frozen
class ConditionCoverage:
    """How one condition fared over every fact of its rule's type in every case."""

    rule_id: str
    """The rule."""
    path: str
    """Where the condition is (``when[1]``, ``when[2].any[0]``…)."""
    text: str
    """The condition in words."""
    held: int = 0
    """Facts it held for."""
    failed: int = 0
    """Facts it did not hold for."""

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"rule": self.rule_id, "path": self.path, "condition": self.text, "held": self.held,
                "failed": self.failed}


@attrs.frozen
class RulesetCoverage:
    """Coverage of one ruleset version."""

    ruleset_id: str
    """Ruleset id."""
    version: str
    """Ruleset version."""
    path: str
    """Ruleset file."""
    rules: tuple[str, ...]
    """Every rule id."""
    cases: int = 0
    """Cases run against it."""
    fired: dict[str, int] = attrs.field(factory=dict)
    """Rule id → cases it fired in (rules that never fired are absent)."""
    conditions: tuple[ConditionCoverage, ...] = ()
    """Every condition (when probes were run)."""

    @property
    def percent(self) -> float:
        """Rules that fired in at least one case, as a percentage."""
        return 100.0 * len(self.fired) / len(self.rules) if self.rules else 100.0

    @property
    def never_fired(self) -> list[str]:
        """Rules no case made fire."""
        return [r for r in self.rules if r not in self.fired]

    @property
    def never_false(self) -> list[ConditionCoverage]:
        """Conditions that held for every fact they were checked on (so no case shows they matter)."""
        return [c for c in self.conditions if c.held and not c.failed]

    @property
    def never_true(self) -> list[ConditionCoverage]:
        """Conditions that held for no fact."""
        return [c for c in self.conditions if c.failed and not c.held]

    @property
    def not_evaluated(self) -> list[ConditionCoverage]:
        """Conditions no fact of their rule's type reached."""
        return [c for c in self.conditions if not c.held and not c.failed]

    def as_dict(self) -> dict[str, Any]:
        """JSON form (docs/commands/rules-test.md)."""
        return {
            "ruleset": {"id": self.ruleset_id, "version": self.version, "path": self.path},
            "cases": self.cases,
            "rules": {"total": len(self.rules), "fired": len(self.fired), "percent": round(self.percent, 2),
                      "fired_in_cases": dict(self.fired), "never_fired": self.never_fired},
            "conditions": {
                "total": len(self.conditions),
                "false_in_some_case": len([c for c in self.conditions if c.failed]),
                "never_false": [c.as_dict() for c in self.never_false],
                "never_true": [c.as_dict() for c in self.never_true],
                "not_evaluated": [c.as_dict() for c in self.not_evaluated],
            },
        }


class CoverageCollector:
    """Accumulates observations of cases into per-ruleset coverage."""

    def __init__(self) -> None:
        self._rulesets: dict[tuple[str, str], Ruleset] = {}
        self._cases: dict[tuple[str, str], int] = {}
        self._fired: dict[tuple[str, str], dict[str, int]] = {}
        self._conditions: dict[tuple[str, str], dict[tuple[str, str], list[Any]]] = {}

    def ruleset(self, ruleset: Ruleset) -> None:
        """Count ``ruleset`` even if no case runs against it (it then has no coverage)."""
        key = (ruleset.id, ruleset.version)
        self._rulesets.setdefault(key, ruleset)
        self._cases.setdefault(key, 0)
        self._fired.setdefault(key, {})
        self._conditions.setdefault(key, {})

    def add(self, observation: Observation) -> None:
        """Add one case's results and probe results."""
        ruleset = observation.ruleset
        self.ruleset(ruleset)
        key = (ruleset.id, ruleset.version)
        self._cases[key] += 1
        for rule_id in {h.rule_id for h in observation.hits}:
            self._fired[key][rule_id] = self._fired[key].get(rule_id, 0) + 1
        conditions = self._conditions[key]
        for results in observation.probes:
            probes = results.probes.probes
            for probe in probes:
                slot = conditions.get((probe.rule_id, probe.path))
                if slot is None:
                    children = [p for p in probes if p.rule_id == probe.rule_id and p.parent == probe.path]
                    slot = conditions[(probe.rule_id, probe.path)] = [condition_text(probe, children, ruleset), 0, 0]
                for fact in results.facts_of(probe.fact):
                    slot[1 if results.holds(probe, fact) else 2] += 1

    def results(self, with_conditions: bool = True) -> list[RulesetCoverage]:
        """Coverage of every ruleset seen, by id then version."""
        out = []
        for key in sorted(self._rulesets):
            ruleset = self._rulesets[key]
            found = self._conditions[key]
            conditions: list[ConditionCoverage] = []
            own = tuple(r.id for r in ruleset.own_rules())
            if with_conditions:
                for probe in (p for p in _all_probes(ruleset) if p[0] in own):
                    text, held, failed = found.get((probe[0], probe[1]), [probe[2], 0, 0])
                    conditions.append(ConditionCoverage(probe[0], probe[1], text, held, failed))
            out.append(RulesetCoverage(ruleset.id, ruleset.version, ruleset.path, own,
                                       self._cases[key],
                                       {r: c for r, c in self._fired[key].items() if r in own}, tuple(conditions)))
        return out


def _all_probes(ruleset: Ruleset) -> Iterable[tuple[str, str, str]]:
    """(rule id, path, text) of every condition, with default parameters."""
    from mipr_rules.engine.compile import compile_ruleset

    probes = probes_for(compile_ruleset(ruleset)).probes
    for probe in probes:
        children = [p for p in probes if p.rule_id == probe.rule_id and p.parent == probe.path]
        yield probe.rule_id, probe.path, condition_text(probe, children, ruleset)
