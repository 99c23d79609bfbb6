"""Results every ruleset produces: explainable rule hits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from mipr_rules.ruleset.schema import MapsTo, Source
from mipr_rules.severity import rank


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
        return (-rank(self.severity), self.rule_id, self.subject)

    def as_dict(self, only: Iterable[str] | None = None) -> dict[str, Any]:
        """The hit in the JSON contract of one alert (docs/commands/readiness.md), or just the keys in ``only``.

        Keys: ``rule``, ``title``, ``severity``, ``key_question``, ``quality_statement``, ``evidence_category``,
        ``regulation``, ``limiter``, ``subject``, ``message``, ``ruleset`` (``id``, ``version``), ``source``,
        ``facts``, ``parameters``, ``location_id``, ``as_of``; ``citation`` is given only when asked for in
        ``only``. Every command's contract that shows a hit picks its keys from here.
        """
        every: dict[str, Callable[[], Any]] = {
            "rule": lambda: self.rule_id,
            "title": lambda: self.title,
            "severity": lambda: self.severity,
            "key_question": lambda: self.maps_to.key_question,
            "quality_statement": lambda: self.maps_to.quality_statement,
            "evidence_category": lambda: self.emit.get("evidence_category") or self.maps_to.evidence_category,
            "regulation": lambda: self.maps_to.regulation,
            "limiter": lambda: self.maps_to.limiter,
            "subject": lambda: self.subject,
            "message": lambda: self.message,
            "ruleset": lambda: {"id": self.ruleset_id, "version": self.ruleset_version},
            "source": lambda: self.source.as_dict(),
            "facts": lambda: self.facts,
            "parameters": lambda: self.parameters,
            "location_id": lambda: self.partition,
            "as_of": lambda: self.as_of.isoformat(),
            "citation": lambda: self.citation,
        }
        names = [k for k in every if k != "citation"] if only is None else list(only)
        return {name: every[name]() for name in names}
