"""Eligibility for a 2023 improvement inspection: the ``improvement-inspections-2023`` ruleset.

The location comes as CQC's public API returns it (read by ``mipr_rules.cqc_api``); the nomination carries
what only the local authority knows. Pass 1: the check rules pass, fail, or leave unknown each criterion.
Pass 2: the decision rules turn the counts into eligible (focused or comprehensive), ineligible or
undetermined. Python only measures and counts.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
from rich.console import Console
from rich.padding import Padding

from mipr_rules.completeness import Failure, completeness_json, evaluate_one, render_failures
from mipr_rules.convert import structure
from mipr_rules.cqc_api import read_cqc_location
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.errors import EngineError, EvaluationIncomplete, InputError
from mipr_rules.facts.eligibility_facts import (
    CheckOutcomes,
    ImprovementCandidate,
    NominatedBy,
    Nomination,
)
from mipr_rules.loading import load_data_file
from mipr_rules.results import RuleHit
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules.safe_text import safe

__all__ = [
    "DEFAULT_RULESET",
    "Check",
    "EligibilityReport",
    "NominatedBy",
    "Nomination",
    "assess_eligibility",
    "load_location",
    "load_nomination",
]

DEFAULT_RULESET = "improvement-inspections-2023"



def load_location(path: Path | str) -> Any:
    """The parsed JSON (or YAML) of a CQC location file; ``assess_eligibility`` validates it."""
    return load_data_file(Path(path))


def nomination_from_data(data: Any, source: str) -> Nomination:
    """A ``Nomination`` from parsed YAML/JSON; unknown keys and wrong types are one-line errors."""
    if data is None:
        return Nomination()
    return structure(data, Nomination, source)


def load_nomination(path: Path | str) -> Nomination:
    """The nomination file (``.yaml``, ``.yml`` or ``.json``)."""
    return nomination_from_data(load_data_file(Path(path)), str(path))


@attrs.frozen
class Check:
    """One criterion and how it came out."""

    id: str
    """Check id, e.g. ``accepts_la_funded_placements``."""
    passed: bool | None
    """True, False, or ``None`` when the inputs do not say (unknown)."""
    hit: RuleHit
    """The rule that decided it."""

    @property
    def detail(self) -> str:
        """Why, in a sentence."""
        return self.hit.message

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract of one check."""
        source = self.hit.source
        return {"id": self.id, "passed": self.passed, "detail": self.detail, "rule": self.hit.rule_id,
                "citation": self.hit.citation,
                "source": source.as_dict()}


@attrs.frozen
class EligibilityReport:
    """Whether a location can be nominated for an improvement inspection, and why."""

    as_of: dt.date
    """Date assessed."""
    location_id: str
    """CQC location id."""
    name: str
    """Location name."""
    ruleset: Ruleset
    """The ruleset used."""
    checks: tuple[Check, ...]
    """Every check that applies, in the ruleset's order."""
    decision: RuleHit | None
    """The decision rule that fired (``None`` only when the location could not be evaluated)."""
    failures: tuple[Failure, ...] = ()
    """``(input, why)`` of each engine pass that could not be evaluated (then there is no decision)."""

    @property
    def complete(self) -> bool:
        """Whether the location was evaluated (only ``allow_incomplete=True`` returns an incomplete report)."""
        return not self.failures

    @property
    def eligible(self) -> bool:
        """True only when every check passed."""
        return self.decision is not None and self.decision.emit.get("eligible") is True

    @property
    def methodology(self) -> str | None:
        """``focused``, ``comprehensive`` or ``None`` when not eligible."""
        value = self.decision.emit.get("methodology") if self.decision else None
        return str(value) if value else None

    @property
    def outcome(self) -> str:
        """``eligible``, ``ineligible``, ``undetermined`` (some checks unknown, none failed) or ``not_evaluated``."""
        return str(self.decision.emit.get("decision")) if self.decision else "not_evaluated"

    def reasons(self) -> list[str]:
        """Why: the decision, then the failed checks, then the unknown ones (or the passed route if eligible)."""
        if self.decision is None:
            return [f"{key}: {why}" for key, why in self.failures]
        out = [self.decision.message]
        if self.eligible:
            out += [c.detail for c in self.checks if c.id in ("current_rating", "evidence_of_improvement",
                                                               "rating_absence_blocks_commissioning")]
        out += [c.detail for c in self.checks if c.passed is False]
        out += [c.detail for c in self.checks if c.passed is None]
        return out

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract of ``mipr eligibility --format json`` (docs/commands/eligibility.md)."""
        decision = self.decision
        return {
            "kind": "eligibility",
            **completeness_json(self.failures),
            "as_of": self.as_of.isoformat(),
            "location_id": self.location_id,
            "name": self.name,
            "eligible": self.eligible,
            "decision": self.outcome,
            "methodology": self.methodology,
            "announced": bool(decision.emit.get("announced", False)) if decision else False,
            "reasons": self.reasons(),
            "checks": [c.as_dict() for c in self.checks],
            "rule": decision.rule_id if decision else None,
            "source": decision.source.as_dict() if decision else None,
            "ruleset": self.ruleset.ref(),
            "note": "A screening against the published criteria: the decision to inspect rests with CQC.",
        }

    def render_text(self, console: Console) -> None:
        """A readable verdict with every check (what was not evaluated first)."""
        render_failures(console, self.failures)
        console.print(f"[bold]Improvement inspection (Jan-Mar 2023)[/bold]: {safe(self.name)} "
                      f"({safe(self.location_id)}) "
                      f"as of {self.as_of} (ruleset {safe(self.ruleset.id)} {safe(self.ruleset.version)})")
        if self.decision is None:
            console.print("\n[bold red]NOT EVALUATED[/]  no verdict: the rules engine could not evaluate it")
            return
        verdict = {"eligible": "[bold green]ELIGIBLE[/]", "ineligible": "[bold red]NOT ELIGIBLE[/]",
                   "undetermined": "[bold yellow]UNDETERMINED[/]"}[self.outcome]
        console.print(f"\n{verdict}  {safe(self.decision.message)}")
        for check in self.checks:
            mark = {True: "[green]pass[/]   ", False: "[red]fail[/]   ", None: "[yellow]unknown[/]"}[check.passed]
            console.print(f"  {mark} [bold]{safe(check.id)}[/bold]")
            console.print(Padding(safe(check.detail), (0, 0, 0, 10), expand=False))
        console.print("\n[dim]A screening against the published criteria: the decision to inspect rests with CQC. "
                      f"Source: {safe(self.decision.source.title)}[/dim]")



def assess_eligibility(
    record: Any,
    nomination: Nomination | None = None,
    *,
    as_of: dt.date,
    ruleset: Ruleset,
    evaluator: Evaluator,
    source: str = "CQC location",
    overrides: Mapping[str, Any] | None = None,
    allow_incomplete: bool = False,
) -> EligibilityReport:
    """Assess one CQC location record (parsed JSON of ``GET /locations/{id}``) with its nomination.

    ``ruleset`` and ``evaluator`` come from a session (``mipr_rules.api.Session.eligibility`` is the front door).

    ``source`` names the record in error messages. Malformed records raise ``InputError``. If the engine
    cannot evaluate it, ``EvaluationIncomplete`` is raised, or with ``allow_incomplete`` a report without a
    decision, ``complete`` false and the ``failures``.
    """
    if not isinstance(record, Mapping):
        raise InputError(f"{source}: expected a JSON object (one CQC location) @ $")
    # Only whether a registered manager is named matters here; the pseudonym itself is never shown, so a
    # throwaway key keeps the user's key out of it.
    location, cqc = read_cqc_location(record, source, key=secrets.token_bytes(32))
    compiled = evaluator.compile(ruleset, overrides)
    candidate = ImprovementCandidate(
        location=location, cqc=cqc, nomination=nomination or Nomination(),
        programme_start=ruleset.effective_from, programme_end=ruleset.effective_to,
        registration_known=record.get("registrationStatus") is not None,
        service_type_known=record.get("careHome") is not None or bool(location.service_types),
    )
    try:
        first = evaluate_one(evaluator, compiled, f"location:{location.location_id}", candidate, as_of)
    except EvaluationIncomplete as exc:
        if not allow_incomplete:
            raise
        return EligibilityReport(as_of, location.location_id, location.name, ruleset, (), None, exc.failures)
    order = [r.id for r in ruleset.rules]
    found: dict[str, list[RuleHit]] = {}
    for hit in sorted(first, key=lambda h: order.index(h.rule_id)):
        if hit.emit.get("result") == "check":
            found.setdefault(str(hit.emit["check"]), []).append(hit)
    checks = []
    for check_id, hits in found.items():
        if len(hits) != 1:
            raise EngineError(f"{ruleset.path or ruleset.id}: check {check_id} was decided by "
                              f"{', '.join(h.rule_id for h in hits)}; expected exactly one rule")
        passed = hits[0].emit.get("passed")
        checks.append(Check(check_id, passed if isinstance(passed, bool) else None, hits[0]))
    outcomes = CheckOutcomes(
        passed=sum(c.passed is True for c in checks), failed=sum(c.passed is False for c in checks),
        unknown=sum(c.passed is None for c in checks), rated=cqc.rated,
        first_rating=location.current_rating is None and not location.past_ratings,
    )
    try:
        second = evaluate_one(evaluator, compiled, f"decision:{location.location_id}", outcomes, as_of)
    except EvaluationIncomplete as exc:
        if not allow_incomplete:
            raise
        return EligibilityReport(as_of, location.location_id, location.name, ruleset, (), None, exc.failures)
    decisions = [h for h in second if h.emit.get("result") == "decision"]
    if len(decisions) != 1:
        raise EngineError(f"{ruleset.path or ruleset.id}: {len(decisions)} decision rules fired; expected one")
    return EligibilityReport(as_of, location.location_id, location.name, ruleset, tuple(checks), decisions[0])
