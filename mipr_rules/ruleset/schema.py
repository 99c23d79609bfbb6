"""The ruleset schema as attrs classes. A ruleset is data: YAML files under ``rulesets/``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from mipr_rules.severity import SEVERITIES as SEVERITIES  # re-exported: rules are checked against it

PARAMETER_TYPES = ("integer", "number", "boolean", "string", "date", "list", "mapping")

SOURCE_BASES = ("law", "guidance", "policy")
"""What a source's figures rest on: ``law`` (set in legislation), ``guidance`` (a public body's published
process or recommendation), ``policy`` (common practice no document sets: the figure is a parameter)."""

CONFIDENCES = ("V-primary", "V-secondary", "UNVERIFIED")
"""How far a source's figures were checked: ``V-primary`` in the cited document itself, ``V-secondary``
only in secondary material reporting it, ``UNVERIFIED`` not confirmed (keep the figure a parameter)."""


@attrs.frozen
class Source:
    """A public document a ruleset encodes: a URL, or its publisher, title and date when it has none."""

    id: str
    """Short id rules cite, e.g. ``cqc-fac``."""
    title: str
    """Title of the document or page."""
    url: str | None = None
    """Where to re-check it (a public host: ``mipr_rules.ruletest.lint.PUBLIC_SOURCE_HOSTS``)."""
    publisher: str | None = None
    """Who publishes it, e.g. ``Care Quality Commission``; required when there is no URL."""
    section: str | None = None
    """The part of the document the rules encode, e.g. ``regulation 18(2)(a)``."""
    date: str | None = None
    """Publication or last-updated date as the document states it, e.g. ``2023-01-13``."""
    basis: str | None = None
    """One of ``SOURCE_BASES``."""
    note: str | None = None
    """What the document does not say, e.g. that an interval is common practice rather than law."""
    confidence: str | None = None
    """One of ``CONFIDENCES``."""

    def as_dict(self) -> dict[str, str | None]:
        """The source as every JSON result cites it."""
        return {"id": self.id, "title": self.title, "url": self.url, "publisher": self.publisher,
                "section": self.section, "date": self.date, "basis": self.basis, "note": self.note,
                "confidence": self.confidence}


@attrs.frozen
class Parameter:
    """A figure a provider may override (policy, not law), with its default and where it comes from."""

    default: Any
    """Default value."""
    description: str
    """What it controls."""
    type: str = "integer"
    """One of ``PARAMETER_TYPES``."""
    unit: str | None = None
    """Unit of the value, e.g. ``days``, ``working_days``, ``months``, ``hours``."""
    items: str | None = None
    """Type of a ``list``'s items or a ``mapping``'s values (``integer``, ``number``, ``string``…)."""
    minimum: float | None = None
    """Smallest allowed value (numbers, and the numbers of a list or mapping)."""
    maximum: float | None = None
    """Largest allowed value (numbers, and the numbers of a list or mapping)."""
    source: str | None = None
    """Source id the default comes from."""
    policy: bool = True
    """True when the figure is a provider or practice policy; False when it is set in law."""


@attrs.frozen
class MapsTo:
    """What a rule maps to in CQC's and C-CAF's frameworks."""

    key_question: str | None = None
    """``Safe``, ``Effective``, ``Caring``, ``Responsive`` or ``Well-led``."""
    quality_statement: str | None = None
    """SAF quality statement id, ``S1`` … ``W8``."""
    evidence_category: str | None = None
    """One of the six evidence categories (``mipr_rules.model.vocabulary.EvidenceCategory`` values)."""
    regulation: str | None = None
    """The regulation the rule checks, e.g. ``Reg 18 CQC (Registration) Regulations 2009``."""
    mipr_criterion: str | None = None
    """MIPR review criterion id, e.g. ``methodology.evidence_based_findings``."""
    deadline: str | None = None
    """Deadline id (timelines), e.g. ``factual_accuracy_comments``."""
    limiter: str | None = None
    """Rating limiter this rule evidences, e.g. ``well_led_capped_at_requires_improvement``."""


@attrs.frozen
class Rule:
    """One rule: when a fact of type ``fact`` meets every condition in ``when``, it emits a result."""

    id: str
    """Stable id, unique in the ruleset; results and test cases refer to it."""
    title: str
    """Short title."""
    fact: str
    """The fact type the rule looks at (one pattern: durable-rules join rules crash, see limits)."""
    when: tuple[Any, ...]
    """Conditions, all of which must hold (``any:`` groups give alternatives); see docs/rulesets.md."""
    source: str
    """Source id (from the ruleset's ``sources``) the rule encodes."""
    severity: str = "medium"
    """One of ``SEVERITIES``."""
    message: str = ""
    """Message template; ``{field}`` takes a field of the matched fact, ``{param}`` a parameter."""
    maps_to: MapsTo = MapsTo()
    """What the rule maps to."""
    emit: dict[str, Any] = attrs.field(factory=dict)
    """Extra result fields for the command that consumes the ruleset (templated like ``message``)."""
    description: str = ""
    """Longer explanation for ``mipr rules explain``."""
    citation: str | None = None
    """The exact clause or page section, when narrower than the source."""


@attrs.frozen
class Ruleset:
    """A versioned, swappable ruleset."""

    id: str
    """Ruleset id, e.g. ``cqc-readiness``."""
    version: str
    """Version of this ruleset file (semantic versioning)."""
    framework: str
    """Assessment framework, e.g. ``SAF_2024_12``, ``KLOE_2014``, ``ASC_FRAMEWORK_2026_DRAFT``."""
    title: str
    """Title."""
    kind: str
    """What results it gives: ``readiness``, ``timelines``, ``eligibility``, ``rating`` or ``mipr``."""
    effective_from: dt.date
    """First date the ruleset applies to."""
    sources: tuple[Source, ...]
    """Documents the rules encode."""
    rules: tuple[Rule, ...]
    """The rules."""
    effective_to: dt.date | None = None
    """Last date it applies to (inclusive); ``None`` while current."""
    jurisdiction: str = "England"
    """Where it applies."""
    description: str = ""
    """What it is for."""
    parameters: dict[str, Parameter] = attrs.field(factory=dict)
    """Parameters by name."""
    path: str = ""
    """File it was loaded from (set by the loader)."""
    extends: str | None = None
    """``<id> <version>`` of the ruleset this one extends (set when an ``extends:`` file is resolved)."""
    origins: dict[str, str] = attrs.field(factory=dict)
    """Where each rule and parameter comes from, for an extending ruleset: ``rule:<id>`` or ``parameter:<name>``
    → ``cqc-readiness 1.0.0``, ``added`` or ``cqc-readiness 1.0.0, overridden: severity, message``."""
    disabled: dict[str, str] = attrs.field(factory=dict)
    """Rules of the extended ruleset this one disables, with the reason given."""

    def ref(self) -> dict[str, str]:
        """``{"id", "version", "framework"}``: how every result names the ruleset behind it."""
        return {"id": self.id, "version": self.version, "framework": self.framework}

    def applies_on(self, day: dt.date) -> bool:
        """Whether ``day`` falls within the effective dates."""
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id (KeyError if absent)."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def own_rules(self) -> tuple[Rule, ...]:
        """The rules this ruleset defines or changes: all of them, except, for one that extends another, the
        rules inherited unchanged (the extended ruleset's own test cases cover those)."""
        return tuple(r for r in self.rules if not self.extends or self.origins.get(f"rule:{r.id}") != self.extends)

    def source(self, source_id: str) -> Source | None:
        """The source with this id."""
        return next((s for s in self.sources if s.id == source_id), None)

    def defaults(self) -> dict[str, Any]:
        """Parameter defaults."""
        return {name: p.default for name, p in self.parameters.items()}
