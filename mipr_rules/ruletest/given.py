"""Given facts: a fact calculator that passes a case's ``given.facts`` to the engine unchanged.

Registered (as the plugin ``mipr_rules.ruletest.given``) in the plugin manager a rule-test runner uses, so
that measured facts written in a test file go through the same ``Evaluator.run`` as everything else.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs
import pluggy

from mipr_rules import hookimpl
from mipr_rules.facts.base import Fact, FactContext, FactType

PLUGIN_NAME = "mipr_rules.ruletest.given"


@attrs.frozen
class GivenFacts:
    """A subject made of facts already measured."""

    facts: tuple[Fact, ...]
    """The facts, each with ``type`` and ``subject``."""


@attrs.frozen
class GivenFactsCalculator:
    """Yields a ``GivenFacts`` subject's facts as they are."""

    name: str = PLUGIN_NAME
    subject_type: type = GivenFacts
    fact_types: tuple[FactType, ...] = ()

    def calculate(self, subject: GivenFacts, context: FactContext) -> Iterator[Fact]:
        """Yield a copy of each given fact."""
        for fact in subject.facts:
            yield dict(fact)


@hookimpl
def mipr_register_fact_calculators(register: Any) -> None:
    register(GivenFactsCalculator())


def ensure_registered(pm: pluggy.PluginManager) -> None:
    """Register this module in ``pm`` unless it is already there."""
    import sys

    if not pm.has_plugin(PLUGIN_NAME):
        pm.register(sys.modules[__name__], name=PLUGIN_NAME)
