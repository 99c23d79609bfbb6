"""``mipr review``: the MIPR pre-check of a mock-inspection report, one result per review criterion.

The report's measurements (``mipr_rules/mipr/measures``) run through a ``kind: mipr`` ruleset
(``mipr-2025``) in the engine; every rule hit is a finding against the one criterion its rule maps to,
with the deduction and ``needs_human`` the rule emits. This module only adds up (``scoring.py``) and
points at the sentences behind language findings (``locate.py``): which faults exist is the rules' call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
from rich.console import Console

from mipr_rules.completeness import evaluate_one
from mipr_rules.config import Config
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.errors import EngineError, RulesetError
from mipr_rules.mipr.criteria import AREAS, BY_ID, CRITERIA, RATING_OF_SCORE, Criterion
from mipr_rules.mipr.limits import check_english
from mipr_rules.mipr.locate import MEASURES, Sentence, describe, locate
from mipr_rules.mipr.reading import FORMATS, read_report
from mipr_rules.mipr.report import Report
from mipr_rules.mipr.review_score import CriterionScores
from mipr_rules.mipr.scoring import Overall, Policy, measured_score, rating_words
from mipr_rules.model.vocabulary import RatingValue
from mipr_rules.results import RuleHit
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules.safe_text import safe as escape
from mipr_rules.severity import worst

SCORE_FACT = "mipr_review_score"
"""The fact type of pass 2: rules on it decide the overall gate, not a criterion."""

DEFAULT_RULESET = "mipr-2025"
"""The ruleset ``mipr review`` runs unless told otherwise."""

_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}
_SCORE_STYLE = {4: "green", 3: "cyan", 2: "yellow", 1: "red"}


def check_review_ruleset(ruleset: Ruleset) -> None:
    """Refuse a ruleset that cannot score a review: wrong kind, a rule without a criterion, a bad ``emit``."""
    where = ruleset.path or ruleset.id
    if ruleset.kind != "mipr":
        raise RulesetError(f"{where}: ruleset {ruleset.id} is of kind {ruleset.kind!r}; a review needs kind 'mipr'")
    for rule in ruleset.rules:
        if rule.fact == SCORE_FACT:
            if rule.emit.get("result") not in ("gate", "limit") or rule.maps_to.mipr_criterion is not None:
                raise RulesetError(
                    f"{where}: rule {rule.id}: a {SCORE_FACT} rule emits result 'gate' or 'limit' and maps to no "
                    "criterion"
                )
            continue
        criterion = rule.maps_to.mipr_criterion
        if criterion not in BY_ID:
            raise RulesetError(
                f"{where}: rule {rule.id}: maps_to.mipr_criterion must be one of the 13 criteria, got {criterion!r}"
            )
        if "deduction" not in rule.emit or not isinstance(rule.emit.get("needs_human"), bool):
            raise RulesetError(f"{where}: rule {rule.id}: emit needs 'deduction' and 'needs_human' (true or false)")
        for key in ("basis", "cap", "ceiling"):
            if key in rule.emit and not (
                isinstance(rule.emit[key], (int, str)) and not isinstance(rule.emit[key], bool)
            ):
                raise RulesetError(f"{where}: rule {rule.id}: emit.{key} must be a score from 1 to 4")
        measure = rule.emit.get("measure")
        if measure is not None and measure not in MEASURES:
            raise RulesetError(f"{where}: rule {rule.id}: emit.measure must be one of {', '.join(MEASURES)}")


def _deduction(hit: RuleHit) -> int:
    value = hit.emit["deduction"]
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise RulesetError(f"rule {hit.rule_id}: emit.deduction {value!r} is not a whole number") from None
    if number < 0:
        raise RulesetError(f"rule {hit.rule_id}: emit.deduction is negative")
    return number


def _level(hit: RuleHit, key: str) -> int | None:
    """``emit.basis`` or ``emit.cap`` of a hit as a score 1-4, None when the rule emits none."""
    if key not in hit.emit:
        return None
    value = hit.emit[key]
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise RulesetError(f"rule {hit.rule_id}: emit.{key} {value!r} is not a whole number") from None
    if not 1 <= number <= 4:
        raise RulesetError(f"rule {hit.rule_id}: emit.{key} must be a score from 1 to 4")
    return number


@attrs.frozen
class ReviewFinding:
    """One rule hit, as a finding against a criterion."""

    hit: RuleHit
    """The rule that fired, on which fact, citing what."""
    deduction: int
    """Points it takes off the criterion's score (0 for a note)."""
    needs_human: bool
    """Whether a person must confirm it."""
    sentences: tuple[Sentence, ...] = ()
    """For language findings: the sentences of the text that hold the fault."""
    basis: int | None = None
    """The highest score the measurement supports (``emit.basis``): the criterion was measured."""
    cap: int | None = None
    """A severe fault's limit on the criterion's score (``emit.cap``): it also stops the report at the gate."""
    ceiling: int | None = None
    """A fault's limit on the criterion's score that is not severe (``emit.ceiling``), e.g. outdated terms."""

    @property
    def measures(self) -> bool:
        """Whether the finding shows the criterion was measured (a basis, a limit or a deduction)."""
        return self.basis is not None or self.cap is not None or self.ceiling is not None or self.deduction > 0

    @property
    def where(self) -> str:
        """A readable name for what the finding is about."""
        return describe(self.hit.subject)

    def as_dict(self, explain: bool = False) -> dict[str, Any]:
        """The finding in the JSON contract (docs/commands/review.md)."""
        out: dict[str, Any] = {
            "rule": self.hit.rule_id,
            "title": self.hit.title,
            "severity": self.hit.severity,
            "subject": self.hit.subject,
            "where": self.where,
            "sentences": [s.as_dict() for s in self.sentences],
            "message": self.hit.message,
            "deduction": self.deduction,
            "basis": self.basis,
            "cap": self.cap,
            "ceiling": self.ceiling,
            "needs_human": self.needs_human,
            "source": self.hit.source.as_dict(),
            "citation": self.hit.citation,
        }
        if explain:
            out["facts"] = self.hit.facts
            out["parameters"] = self.hit.parameters
        return out


@attrs.frozen
class CriterionResult:
    """The result of one criterion."""

    criterion: Criterion
    """Which criterion."""
    findings: tuple[ReviewFinding, ...] = ()
    """The findings against it, most severe first."""

    @property
    def deductions(self) -> int:
        """Sum of the findings' deductions."""
        return sum(f.deduction for f in self.findings)

    @property
    def assessed(self) -> bool:
        """Whether anything in the report measured the criterion (otherwise it is not assessed)."""
        return any(f.measures for f in self.findings)

    @property
    def status(self) -> str:
        """``assessed`` or ``not_assessed``."""
        return "assessed" if self.assessed else "not_assessed"

    @property
    def severe(self) -> int:
        """Findings that cap the criterion."""
        return sum(1 for f in self.findings if f.cap is not None)

    @property
    def score(self) -> int | None:
        """Its basis, limited by caps, less the deductions, within 1-4; None when not assessed."""
        if not self.assessed:
            return None
        bases = [f.basis for f in self.findings if f.basis is not None]
        caps = [f.cap for f in self.findings if f.cap is not None]
        caps += [f.ceiling for f in self.findings if f.ceiling is not None]
        return measured_score(max(bases) if bases else None, caps, (f.deduction for f in self.findings))

    @property
    def rating(self) -> RatingValue | None:
        """The rating word of the score; None when not assessed."""
        return None if self.score is None else RATING_OF_SCORE[self.score]

    @property
    def needs_human(self) -> bool:
        """Whether any finding asks a person to confirm it, or nothing could measure the criterion."""
        return not self.assessed or any(f.needs_human for f in self.findings)

    def as_dict(self, explain: bool = False) -> dict[str, Any]:
        """``{"id", "area", "name", "status", "score", "rating", "deductions", "findings", "needs_human"}``."""
        return {
            "id": self.criterion.id,
            "area": self.criterion.area,
            "name": self.criterion.name,
            "status": self.status,
            "score": self.score,
            "rating": None if self.rating is None else self.rating.value,
            "deductions": self.deductions,
            "severe_faults": self.severe,
            "findings": [f.as_dict(explain) for f in self.findings],
            "needs_human": self.needs_human,
        }


@attrs.frozen
class ReviewReport:
    """The pre-check of one report."""

    path: str
    """The report file."""
    report: Report
    """The report read."""
    as_of: dt.date
    """The as-of date of the evaluation."""
    ruleset: Ruleset
    """The ruleset run."""
    parameters: Mapping[str, Any]
    """Its parameters after provider overrides."""
    criteria: tuple[CriterionResult, ...]
    """One result per criterion, in the order of C-CAF's guide."""
    overall: Overall
    """Overall score and rating."""
    proceeding_ratings: tuple[RatingValue, ...]
    """Ratings that proceed to the panel."""
    gate: RuleHit
    """The pass-2 rule that decided whether the report proceeds to the panel."""
    explain: bool = False
    """Whether findings carry their facts and parameters."""

    @property
    def proceeds_to_panel(self) -> bool:
        """Whether the gate rule lets the report proceed to the panel."""
        return self.gate.emit["proceeds"] is True

    @property
    def not_assessed(self) -> tuple[str, ...]:
        """Ids of the criteria nothing in the report measured."""
        return tuple(c.criterion.id for c in self.criteria if not c.assessed)

    @property
    def severe_faults(self) -> int:
        """Findings that cap their criterion."""
        return sum(c.severe for c in self.criteria)

    def findings(self) -> list[ReviewFinding]:
        """Every finding of every criterion."""
        return [f for c in self.criteria for f in c.findings]

    def severities(self) -> list[str]:
        """Severity of every finding that deducts points (what ``--fail-on`` looks at; notes of 0 do not count)."""
        return [f.hit.severity for f in self.findings() if f.deduction or f.cap is not None or f.ceiling is not None]

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract of ``mipr review --format json`` (docs/commands/review.md)."""
        r = self.report
        return {
            "kind": "mipr_review",
            "report": {
                "path": self.path,
                "format": FORMATS.get(Path(self.path).suffix.lower(), ""),
                "location_id": r.location.id,
                "location_name": r.location.name,
                "consultant": r.consultant.name,
                "visit_dates": [d.isoformat() for d in r.visit_dates],
            },
            "as_of": self.as_of.isoformat(),
            "criteria": [c.as_dict(self.explain) for c in self.criteria],
            "overall": {
                **self.overall.as_dict(),
                "assessed": len(self.criteria) - len(self.not_assessed),
                "not_assessed": len(self.not_assessed),
                "severe_faults": self.severe_faults,
            },
            "not_assessed": list(self.not_assessed),
            "unscored": [{"kind": n.kind, "place": n.place, "detail": n.detail} for n in self.report.reading_notes],
            "proceeds_to_panel": self.proceeds_to_panel,
            "gate": {
                "rule": self.gate.rule_id,
                "message": self.gate.message,
                "proceeding_ratings": [r.value for r in self.proceeding_ratings],
                "source": self.gate.source.as_dict(),
            },
            "needs_human": [c.criterion.id for c in self.criteria if c.needs_human],
            "ruleset": self.ruleset.ref(),
            "parameters": dict(self.parameters),
        }

    def render_text(self, console: Console) -> None:
        """The readable pre-check, by area and criterion."""
        r, o = self.report, self.overall
        console.print(
            f"[bold]MIPR pre-check[/bold] of {escape(r.location.name)} ({escape(r.location.id)}), {escape(self.path)}"
        )
        rs = self.ruleset
        console.print(
            f"[dim]ruleset {escape(rs.id)} {escape(rs.version)} ({escape(rs.framework)}), as of {self.as_of}[/dim]"
        )
        verdict = "proceeds to the panel" if self.proceeds_to_panel else "does not proceed to the panel"
        if self.not_assessed:
            console.print(
                f"\n[bold magenta]{len(self.not_assessed)} of {len(self.criteria)} criteria not assessed[/] "
                f"(nothing in the report measured them; no score, left out of the overall): "
                f"{escape(', '.join(self.not_assessed))}"
            )
        if self.report.reading_notes:
            console.print(
                f"[bold magenta]{len(self.report.reading_notes)} part(s) read but not scored or read tolerantly:[/]"
            )
            for note in self.report.reading_notes:
                console.print(
                    f"  [dim]{escape(note.place)}:[/dim] {escape(note.kind.replace('_', ' '))}: {escape(note.detail)}"
                )
        console.print(
            f"\n[bold]Overall: {o.rating.value}[/bold] (score {o.score:g} of 4 over "
            f"{len(self.criteria) - len(self.not_assessed)} assessed criteria, {o.percentage}%, "
            f"band {o.band.value}, {self.severe_faults} severe fault(s)): {verdict}"
        )
        console.print(f"  [dim]{escape(self.gate.message)}[/dim]")
        for reason in o.limited_by:
            console.print(f"  [dim]limited: {escape(reason)}[/dim]")
        for area, title in AREAS.items():
            console.print()
            console.rule(title)
            for result in (c for c in self.criteria if c.criterion.area == area):
                human = "  [magenta]a person confirms[/magenta]" if result.needs_human else ""
                if result.score is None or result.rating is None:
                    console.print(f"[magenta]- {'not assessed':<21}[/] [bold]{result.criterion.name}[/bold]{human}")
                else:
                    style = _SCORE_STYLE[result.score]
                    console.print(
                        f"[{style}]{result.score} {result.rating.value:<21}[/] "
                        f"[bold]{result.criterion.name}[/bold]{human}"
                    )
                for f in result.findings:
                    self._finding_text(console, f)

    def _finding_text(self, console: Console, f: ReviewFinding) -> None:
        hit = f.hit
        points = f"-{f.deduction}" if f.deduction else " 0"
        limit = f.cap if f.cap is not None else f.ceiling
        if limit is not None:
            points = f"≤{limit}" if not f.deduction else f"≤{limit}-{f.deduction}"
        human = " [magenta](a person confirms)[/magenta]" if f.needs_human else ""
        console.print(
            f"   [{_STYLE[hit.severity]}]{points} {hit.severity:<8}[/] {escape(f.where)}: {escape(hit.message)}{human}"
        )
        for s in f.sentences:
            terms = f"  [dim]found:[/dim] [bold]{escape(', '.join(s.terms))}[/bold]" if s.terms else ""
            console.print(f"              [dim]sentence {s.index}:[/dim] {escape(s.text)}{terms}")
        source = f"{hit.source.id}, {hit.source.confidence}" if hit.source.confidence else hit.source.id
        console.print(f"              [dim]{hit.rule_id} · {escape(source)}[/dim]")
        if self.explain:
            console.print(f"              [dim]source: {escape(hit.source.title)}[/dim]")
            if hit.citation:
                console.print(f"              [dim]cites: {escape(hit.citation)}[/dim]")
            facts = ", ".join(f"{k}={v}" for k, v in hit.facts.items() if k not in ("type", "subject"))
            console.print(f"              [dim]facts: {escape(facts)}[/dim]")
            if hit.parameters:
                params = ", ".join(f"{k}={v}" for k, v in hit.parameters.items())
                console.print(f"              [dim]parameters: {escape(params)}[/dim]")

    def worst_severity(self) -> str | None:
        """Most severe finding that deducts points, if any."""
        return worst(self.severities())


def review(
    report: Report,
    *,
    path: str,
    as_of: dt.date,
    ruleset: Ruleset,
    evaluator: Evaluator,
    overrides: Mapping[str, Any] | None = None,
    explain: bool = False,
) -> ReviewReport:
    """Run ``ruleset`` over ``report`` in the engine, in two passes, and score every criterion.

    Pass 1 judges the report's facts: each hit is a finding against its criterion. Pass 2 judges the
    overall score of the criterion scores (``review_score.py``): it decides whether the report proceeds.
    """
    check_review_ruleset(ruleset)
    compiled = evaluator.compile(ruleset, overrides)
    where = ruleset.path or ruleset.id
    Policy.from_parameters(compiled.parameters, f"{ruleset.id} parameters")  # bad weights or bands: one line, early
    proceeding = rating_words(
        compiled.parameters.get("proceeding_ratings"), f"{ruleset.id} parameters: proceeding_ratings"
    )
    by_criterion: dict[str, list[ReviewFinding]] = {c.id: [] for c in CRITERIA}
    for hit in evaluate_one(evaluator, compiled, report.location.id, report, as_of):
        measure = hit.emit.get("measure")
        found = locate(report, hit.subject, measure, compiled.parameters) if isinstance(measure, str) else ()
        finding = ReviewFinding(
            hit,
            _deduction(hit),
            hit.emit["needs_human"] is True,
            found,
            _level(hit, "basis"),
            _level(hit, "cap"),
            _level(hit, "ceiling"),
        )
        by_criterion[str(hit.maps_to.mipr_criterion)].append(finding)
    results = tuple(CriterionResult(c, tuple(by_criterion[c.id])) for c in CRITERIA)
    scores = CriterionScores({r.criterion.id: r.score for r in results}, sum(r.severe for r in results))
    second = evaluate_one(evaluator, compiled, f"{report.location.id}:overall", scores, as_of)
    gates = [h for h in second if h.emit.get("result") == "gate"]
    if len(gates) != 1 or not isinstance(gates[0].emit.get("proceeds"), bool):
        raise EngineError(f"{where}: {len(gates)} gate results from the {SCORE_FACT} rules; expected exactly one")
    (gate,) = gates
    facts = gate.facts
    overall = Overall(
        float(facts["score"]),
        int(facts["percentage"]),
        RatingValue(facts["band"]),
        RatingValue(facts["rating"]),
        tuple(h.message for h in second if h.emit.get("result") == "limit"),
    )
    return ReviewReport(
        path, report, as_of, ruleset, dict(compiled.parameters), results, overall, proceeding, gate, explain
    )


def review_file(
    path: Path | str,
    *,
    as_of: dt.date,
    evaluator: Evaluator,
    catalogue: Catalogue,
    ruleset_id: str = DEFAULT_RULESET,
    config: Config | None = None,
    explain: bool = False,
) -> ReviewReport:
    """Read the report at ``path`` (by extension) and review it, with ``config``'s parameter overrides.

    ``evaluator`` and ``catalogue`` are a session's (``mipr_rules.api.Session.review`` is the front door).
    """
    report = read_report(path)
    prose = " ".join([report.executive_summary, report.methodology, *(f.narrative for f in report.findings)])
    check_english(prose, str(path))
    ruleset = catalogue.get(ruleset_id, as_of)
    overrides = config.overrides_for(ruleset) if config is not None else None
    return review(
        report, path=str(path), as_of=as_of, ruleset=ruleset, evaluator=evaluator, overrides=overrides, explain=explain
    )
