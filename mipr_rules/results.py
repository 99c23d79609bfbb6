"""Results every ruleset produces: explainable rule hits."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from mipr_rules.ruleset.schema import MapsTo, Source


@attrs.frozen
class RuleHit:
    """One rule that fired on one fact: what, why, from which facts, under which ruleset, citing what."""

    ruleset_id: str
    """Id of the ruleset."""
    ruleset_version: str
    """Version of the ruleset."""
    rule_id: str
    """Id of the rule that fired."""
    title: str
    """Rule title."""
    severity: str
    """Rule severity."""
    subject: str
    """Pseudonymous key of the record the fact describes, e.g. ``person:R07/care_plan:CP-R07``."""
    message: str
    """The rule's message, filled in from the fact and the parameters."""
    maps_to: MapsTo
    """Quality statement, key question, evidence category, regulation…"""
    source: Source
    """The document the rule encodes."""
    facts: dict[str, Any]
    """The matched fact (its measured fields)."""
    parameters: dict[str, Any]
    """The parameters the rule used, with their values."""
    partition: str
    """The location (or report) evaluated."""
    as_of: dt.date
    """The as-of date of the evaluation."""
    emit: dict[str, Any] = attrs.field(factory=dict)
    """Extra fields the rule emits for its command."""
    citation: str | None = None
    """The clause or section cited, if narrower than the source."""

    @property
    def sort_key(self) -> tuple[int, str, str]:
        """Most severe first, then by rule and subject."""
        from mipr_rules.ruleset.schema import SEVERITIES

        return (-SEVERITIES.index(self.severity), self.rule_id, self.subject)
