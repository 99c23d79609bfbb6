"""Readiness: the ``cqc-readiness`` ruleset over locations, grouped for a registered manager."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs
from rich.console import Console
from rich.markup import escape

from mipr_rules.adapters.base import SkippedRecords
from mipr_rules.adapters.informs import NotEvaluated, restrict
from mipr_rules.adapters.summary import ReadSummary
from mipr_rules.completeness import Failure, completeness_json, render_failures, require_complete
from mipr_rules.dates import check_record_dates
from mipr_rules.engine.compile import CompiledRuleset
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.model import Location
from mipr_rules.model.vocabulary import EVIDENCE_CATEGORY_TITLES, EvidenceCategory
from mipr_rules.outputs.safe_text import safe
from mipr_rules.results import RuleHit
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.ruleset.schema import SEVERITIES, Ruleset
from mipr_rules.saf import statement_name
from mipr_rules.workdays import DEFAULT_REGION

DEFAULT_RULESET = "cqc-readiness"


_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}


def alert_dict(alert: RuleHit) -> dict[str, Any]:
    """One alert in the JSON contract."""
    return {
        "rule": alert.rule_id,
        "title": alert.title,
        "severity": alert.severity,
        "key_question": alert.maps_to.key_question,
        "quality_statement": alert.maps_to.quality_statement,
        "evidence_category": alert.emit.get("evidence_category") or alert.maps_to.evidence_category,
        "regulation": alert.maps_to.regulation,
        "limiter": alert.maps_to.limiter,
        "subject": alert.subject,
        "message": alert.message,
        "ruleset": {"id": alert.ruleset_id, "version": alert.ruleset_version},
        "source": alert.source.as_dict(),
        "facts": alert.facts,
        "parameters": alert.parameters,
        "location_id": alert.partition,
        "as_of": alert.as_of.isoformat(),
    }


@attrs.frozen
class LocationReadiness:
    """Readiness of one location."""

    location_id: str
    name: str
    alerts: tuple[RuleHit, ...] = ()
    error: str | None = None
    """Why the location could not be evaluated, if it could not (the others still were)."""

    def by_quality_statement(self) -> dict[tuple[str, str], list[RuleHit]]:
        """Alerts grouped by (key question, quality statement)."""
        groups: dict[tuple[str, str], list[RuleHit]] = {}
        for alert in self.alerts:
            key = (alert.maps_to.key_question or "Other", alert.maps_to.quality_statement or "-")
            groups.setdefault(key, []).append(alert)
        order = ["Safe", "Effective", "Caring", "Responsive", "Well-led", "Other"]
        return dict(
            sorted(groups.items(), key=lambda kv: (order.index(kv[0][0]) if kv[0][0] in order else 9, kv[0][1]))
        )

    def evidence_gaps(self) -> list[str]:
        """Evidence categories with no recent evidence (titles as CQC writes them)."""
        gaps = {a.emit.get("evidence_category") for a in self.alerts if a.emit.get("evidence_category")}
        return [EVIDENCE_CATEGORY_TITLES[c] for c in EvidenceCategory if c.value in gaps]


@attrs.frozen
class ReadinessReport:
    """Readiness of every location read from a source."""

    as_of: dt.date
    ruleset: Ruleset
    parameters: Mapping[str, Any]
    locations: tuple[LocationReadiness, ...]
    region: str = DEFAULT_REGION
    skipped: tuple[SkippedRecords, ...] = ()
    """Records the adapter skipped in lenient mode, per record type."""
    read_summary: ReadSummary | None = None
    """What the adapter read, used, skipped and ignored (``None`` when locations were given directly)."""
    not_evaluated: tuple[NotEvaluated, ...] = ()
    """Rule groups left out because the source does not inform their facts (e.g. audits from CQC data)."""

    @property
    def failures(self) -> tuple[Failure, ...]:
        """``(location id, why)`` of every location that was not evaluated."""
        return tuple(
            (loc.location_id, loc.error.removeprefix(f"{loc.location_id}: "))
            for loc in self.locations
            if loc.error is not None
        )

    @property
    def complete(self) -> bool:
        """Whether every location was evaluated."""
        return not self.failures

    def alerts(self) -> list[RuleHit]:
        """Every alert of every location."""
        return [a for loc in self.locations for a in loc.alerts]

    def alert_keys(self) -> set[tuple[str, str, str]]:
        """(location, rule id, subject) of every alert: what two runs must agree on."""
        return {(a.partition, a.rule_id, a.subject) for a in self.alerts()}

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract of ``mipr readiness --format json`` (docs/json.md)."""
        return {
            "kind": "readiness",
            **completeness_json(self.failures),
            "as_of": self.as_of.isoformat(),
            "region": self.region,
            "ruleset": self.ruleset.ref(),
            "parameters": dict(self.parameters),
            "summary": {
                "locations": len(self.locations),
                "alerts": len(self.alerts()),
                "by_severity": {s: sum(a.severity == s for a in self.alerts()) for s in reversed(SEVERITIES)},
            },
            "locations": [location_dict(loc) for loc in self.locations],
            "skipped": [group.as_dict() for group in self.skipped],
            "read_summary": self.read_summary.as_dict() if self.read_summary is not None else None,
            "not_evaluated": [group.as_dict() for group in self.not_evaluated],
        }

    def render_text(self, console: Console) -> None:
        """The readable summary for a registered manager (what was not evaluated or read first)."""
        render_failures(console, self.failures, len(self.locations), "location")
        render_skipped(self.skipped, console)
        render_not_evaluated(self.not_evaluated, console)
        if self.read_summary is not None:
            self.read_summary.render_text(console)
        console.print(
            f"[bold]CQC inspection readiness[/bold] as of {self.as_of} "
            f"(ruleset {safe(self.ruleset.id)} {safe(self.ruleset.version)}, {safe(self.ruleset.framework)})"
        )
        for loc in self.locations:
            render_location(console, loc)

    def worst_severity(self) -> str | None:
        """Most severe alert, if any."""
        found = [a.severity for a in self.alerts()]
        return max(found, key=SEVERITIES.index) if found else None


def location_dict(loc: LocationReadiness) -> dict[str, Any]:
    """One location in the JSON contract (an item of ``locations``)."""
    return {
        "location_id": loc.location_id,
        "name": loc.name,
        "error": loc.error,
        "alerts": [alert_dict(a) for a in loc.alerts],
        "groups": [
            {
                "key_question": kq,
                "quality_statement": qs,
                "quality_statement_name": statement_name(qs),
                "alerts": [alert_dict(a) for a in alerts],
            }
            for (kq, qs), alerts in loc.by_quality_statement().items()
        ],
        "evidence_gaps": loc.evidence_gaps(),
    }


def render_location(console: Console, loc: LocationReadiness) -> None:
    """One location of the text report."""
    console.print()
    console.rule(f"{safe(loc.name)} ({safe(loc.location_id)})")
    if loc.error:
        console.print(f"[red]Not evaluated:[/red] {safe(loc.error)}")
        return
    counts = ", ".join(f"{n} {s}" for s in reversed(SEVERITIES) if (n := sum(a.severity == s for a in loc.alerts)))
    console.print(f"{len(loc.alerts)} alert(s){': ' + counts if counts else ''}")
    for (kq, qs), alerts in loc.by_quality_statement().items():
        console.print(f"\n[bold]{kq} · {qs} {statement_name(qs)}[/bold]")
        for a in alerts:
            console.print(f"  [{_STYLE[a.severity]}]{a.severity:<8}[/] {safe(a.message)}")
            console.print(
                f"           [dim]{a.rule_id} · {safe(a.source.title)}[/dim]", overflow="ellipsis", no_wrap=True
            )
    gaps = loc.evidence_gaps()
    if gaps:
        console.print(f"\n[bold]Evidence categories without recent evidence:[/bold] {safe(', '.join(gaps))}")


def render_skipped(skipped: Iterable[SkippedRecords], console: Console, shown: int = 3) -> None:
    """The records not read, per record type, with the first reasons: printed before any result."""
    skipped = tuple(skipped)
    if not skipped:
        return
    total = sum(group.count for group in skipped)
    console.print(f"[bold yellow]{total} record(s) skipped in lenient mode and not checked:[/bold yellow]")
    for group in skipped:
        console.print(f"  {escape(group.record_type)}: {group.count}")
        for reason in group.reasons[:shown]:
            console.print(f"    [dim]{escape(reason)}[/dim]", overflow="ellipsis", no_wrap=True)
        if group.count > shown:
            console.print(f"    [dim]… and {group.count - shown} more (--format json lists them all)[/dim]")
    console.print()


def evaluate_locations(
    evaluator: Evaluator, compiled: CompiledRuleset, locations: Iterable[Location], as_of: dt.date, region: str
) -> Iterator[LocationReadiness]:
    """The readiness of each location, in input order, as it is evaluated (locations are read as needed)."""
    names: dict[str, str] = {}

    def subjects() -> Iterable[tuple[str, Location]]:
        for location in locations:
            check_record_dates(location, as_of, f"location {location.location_id}")
            names[location.location_id] = location.name
            yield location.location_id, location

    for evaluation in evaluator.run(compiled, subjects(), as_of, region):
        error = evaluation.error
        yield LocationReadiness(
            evaluation.key,
            names.pop(evaluation.key, ""),
            evaluation.hits,
            None if error is None else str(error) or type(error).__name__,
        )


def render_not_evaluated(groups: Iterable[NotEvaluated], console: Console) -> None:
    """The rule groups not evaluated and why: printed before any result."""
    groups = tuple(groups)
    if not groups:
        return
    rules = sum(len(g.rules) for g in groups)
    console.print(f"[bold yellow]{rules} rule(s) not evaluated: the source does not inform their facts[/bold yellow]")
    for group in groups:
        console.print(f"  {escape(group.group)} ({len(group.rules)}): {escape(group.why)}")
    console.print()


def run_readiness(
    locations: Iterable[Location],
    *,
    as_of: dt.date,
    ruleset: Ruleset | None = None,
    overrides: Mapping[str, Any] | None = None,
    region: str = DEFAULT_REGION,
    evaluator: Evaluator | None = None,
    skipped: Iterable[SkippedRecords] = (),
    allow_incomplete: bool = False,
    read_summary: ReadSummary | None = None,
    informs: Iterable[str] | None = None,
) -> ReadinessReport:
    """Evaluate readiness of ``locations`` as of ``as_of``.

    A location that could not be evaluated (the engine crashed or refused its facts...) does not stop the
    others; the report then names it in ``failures``. Unless ``allow_incomplete`` is true, such a report is
    not returned: ``EvaluationIncomplete`` is raised naming every location not evaluated and why.
    ``informs`` (the record types the source supplies, from the adapter's ``informs``) leaves out the rules
    whose facts come from other records; the report lists them in ``not_evaluated``.
    """
    own = evaluator is None
    evaluator = evaluator or Evaluator()
    try:
        ruleset = ruleset or Catalogue.installed(evaluator.pm).get(DEFAULT_RULESET, as_of)
        not_evaluated: tuple[NotEvaluated, ...] = ()
        if informs is not None:
            adapter = read_summary.adapter if read_summary is not None else "source's"
            ruleset, not_evaluated = restrict(ruleset, informs, adapter)
        compiled = evaluator.compile(ruleset, overrides, Location)
        results = list(evaluate_locations(evaluator, compiled, locations, as_of, region))
        report = ReadinessReport(
            as_of,
            ruleset,
            dict(compiled.parameters),
            tuple(results),
            region,
            tuple(skipped) or (read_summary.skipped if read_summary is not None else ()),
            read_summary,
            not_evaluated,
        )
        require_complete(report.failures, len(results), allow_incomplete)
        return report
    finally:
        if own:
            evaluator.close()
