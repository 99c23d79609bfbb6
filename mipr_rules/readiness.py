"""Readiness: the ``cqc-readiness`` ruleset over locations, grouped for a registered manager."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sized
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from mipr_rules.adapters.base import SkippedRecords
from mipr_rules.adapters.informs import NotEvaluated, restrict
from mipr_rules.adapters.summary import ReadSummary
from mipr_rules.completeness import Failure, completeness_json, render_failures, require_complete
from mipr_rules.dates import check_record_dates
from mipr_rules.engine.compile import CompiledRuleset
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.facts.base import Fact
from mipr_rules.model import Location
from mipr_rules.model.vocabulary import EVIDENCE_CATEGORY_TITLES, EvidenceCategory
from mipr_rules.presentation.do_first import AlertGroup, group_alerts
from mipr_rules.presentation.due import Due, due_for
from mipr_rules.presentation.labels import subject_label
from mipr_rules.presentation.progress import Tracker
from mipr_rules.presentation.wording import plural, uk_date
from mipr_rules.results import RuleHit
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules.saf import statement_name
from mipr_rules.safe_text import safe
from mipr_rules.severity import SEVERITIES, worst
from mipr_rules.workdays import DEFAULT_REGION

if TYPE_CHECKING:  # rich is imported by the text renderers: JSON output does not pay for it
    from rich.console import Console

DEFAULT_RULESET = "cqc-readiness"


_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}


def alert_dict(alert: RuleHit, due: Due | None = None) -> dict[str, Any]:
    """One alert in the JSON contract: ``RuleHit.as_dict()`` with its ``subject_label`` and (``due``) its deadline."""
    data = {**alert.as_dict(), "subject_label": subject_label(alert.subject)}
    if due is not None:
        data["due"] = due.as_dict()
    return data


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

    def groups(self) -> list[AlertGroup]:
        """Alerts grouped by location and rule, in do-first order (severity, due date, ruleset order)."""
        groups = [g for loc in self.locations for g in self._location_groups(loc)]
        return sorted(groups, key=AlertGroup.sort_key)

    def _location_groups(self, loc: LocationReadiness) -> list[AlertGroup]:
        return group_alerts(loc.alerts, self.ruleset, {loc.location_id: loc.name}, self.region)

    def severity_counts(self) -> dict[str, int]:
        """Alerts per severity, most severe first."""
        return {s: sum(a.severity == s for a in self.alerts()) for s in reversed(SEVERITIES)}

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
                "by_severity": self.severity_counts(),
            },
            "do_first": [group.as_dict() for group in do_first(self.groups())],
            "locations": [location_dict(loc, self.ruleset, self.region) for loc in self.locations],
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
        groups = self.groups()
        render_head(console, self.as_of, self.ruleset, self.severity_counts(), do_first(groups), len(groups),
                    len(self.locations) > 1)
        for loc in self.locations:
            render_location(console, loc, self.ruleset, self.region)

    def view(self) -> dict[str, Any]:
        """What the HTML template shows (not a contract): counts, the do-first list, rows grouped by rule."""
        groups = self.groups()
        counts = self.severity_counts()
        names = [loc.name or loc.location_id for loc in self.locations]
        locations = []
        for loc in self.locations:
            mine = self._location_groups(loc)
            sections = []
            for (kq, qs), alerts in loc.by_quality_statement().items():
                rules = {a.rule_id for a in alerts}
                sections.append({
                    "key_question": kq,
                    "quality_statement": qs,
                    "quality_statement_name": statement_name(qs),
                    "rows": [_row(g) for g in mine if g.first.rule_id in rules],
                })
            locations.append({
                "name": loc.name,
                "location_id": loc.location_id,
                "error": loc.error,
                "total_text": plural(len(loc.alerts), "alert"),
                "sections": sections,
                "evidence_gaps": loc.evidence_gaps(),
            })
        first = do_first(groups)
        return {
            "as_of_text": uk_date(self.as_of),
            "locations_text": names[0] if len(names) == 1 else plural(len(names), "location"),
            "many_locations": len(names) > 1,
            "total_text": plural(sum(counts.values()), "alert") + " by severity",
            "counts": [{"severity": s, "count": n} for s, n in counts.items()],
            "do_first": [_row(g) for g in first],
            "more": len(groups) - len(first),
            "locations": locations,
        }

    def worst_severity(self) -> str | None:
        """Most severe alert, if any."""
        return worst(a.severity for a in self.alerts())


def location_dict(
    loc: LocationReadiness, ruleset: Ruleset | None = None, region: str = DEFAULT_REGION
) -> dict[str, Any]:
    """One location in the JSON contract (an item of ``locations``); with the ruleset, alerts say ``due``."""
    due = {id(a): due_for(a, ruleset, region) if ruleset is not None else None for a in loc.alerts}
    return {
        "location_id": loc.location_id,
        "name": loc.name,
        "error": loc.error,
        "alerts": [alert_dict(a, due[id(a)]) for a in loc.alerts],
        "groups": [
            {
                "key_question": kq,
                "quality_statement": qs,
                "quality_statement_name": statement_name(qs),
                "alerts": [alert_dict(a, due[id(a)]) for a in alerts],
            }
            for (kq, qs), alerts in loc.by_quality_statement().items()
        ],
        "evidence_gaps": loc.evidence_gaps(),
    }


def render_location(
    console: Console, loc: LocationReadiness, ruleset: Ruleset | None = None, region: str = DEFAULT_REGION
) -> None:
    """One location of the text report: its alerts by key question, repeated alerts of a rule grouped."""
    console.print()
    console.rule(f"{safe(loc.name)} ({safe(loc.location_id)})")
    if loc.error:
        console.print(f"[red]Not evaluated:[/red] {safe(loc.error)}")
        return
    mine = group_alerts(loc.alerts, ruleset, {loc.location_id: loc.name}, region)
    console.print(plural(len(loc.alerts), "alert"))
    for (kq, qs), alerts in loc.by_quality_statement().items():
        console.print(f"\n[bold]{kq} · {qs} {statement_name(qs)}[/bold]")
        rules = {a.rule_id for a in alerts}
        for group in (g for g in mine if g.first.rule_id in rules):
            _hanging(console, f"  [{_STYLE[group.first.severity]}]{group.first.severity:<8}[/]", 11,
                     f"{safe(group.message())}\n{safe(group.due.phrase())} · {safe(_subjects(group))}")
            console.print(
                f"           [dim]{group.first.rule_id} · {safe(group.first.source.title)}[/dim]",
                overflow="ellipsis", no_wrap=True,
            )
    gaps = loc.evidence_gaps()
    if gaps:
        console.print(f"\n[bold]Evidence categories without recent evidence:[/bold] {safe(', '.join(gaps))}")


def render_head(
    console: Console,
    as_of: dt.date,
    ruleset: Ruleset,
    counts: Mapping[str, int],
    first: list[AlertGroup],
    total_groups: int,
    many_locations: bool,
) -> None:
    """The top of the text report: title, counts by severity and the do-first list."""
    console.print(
        f"[bold]CQC inspection readiness[/bold] as of {uk_date(as_of)} "
        f"(ruleset {safe(ruleset.id)} {safe(ruleset.version)}, {safe(ruleset.framework)})"
    )
    shown = ", ".join(f"[{_STYLE[s]}]{n} {s}[/]" for s, n in counts.items() if n)
    console.print(f"{plural(sum(counts.values()), 'alert')}{': ' + shown if shown else ''}")
    if not first:
        return
    console.print("\n[bold]Do first[/bold]")
    for number, group in enumerate(first, 1):
        where = f" · {safe(group.location_name)}" if many_locations else ""
        _hanging(console, f"{number:>3}. [{_STYLE[group.first.severity]}]{group.first.severity:<8}[/]", 14,
                 f"{safe(group.message())}{where}\n[bold]{safe(group.due.phrase())}[/bold] · "
                 f"{safe(_subjects(group))}")
    if total_groups > len(first):
        console.print(f"     … and {plural(total_groups - len(first), 'more group')} below")


DO_FIRST_LIMIT = 10
"""Most groups the "do first" list shows (the rest follow by key question)."""
DO_FIRST_FLOOR = "medium"
"""Least severity the "do first" list shows."""


def do_first(groups: list[AlertGroup]) -> list[AlertGroup]:
    """The head of the do-first order: at most ``DO_FIRST_LIMIT`` groups at ``DO_FIRST_FLOOR`` or above."""
    floor = SEVERITIES.index(DO_FIRST_FLOOR)
    return [g for g in groups if SEVERITIES.index(g.first.severity) >= floor][:DO_FIRST_LIMIT]


def _hanging(console: Console, prefix: str, width: int, text: str) -> None:
    """``prefix`` then ``text`` wrapped with a hanging indent of ``width`` columns."""
    from rich.table import Table

    grid = Table.grid()
    grid.add_column(width=width, no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(prefix, text)
    console.print(grid)


def _row(group: AlertGroup) -> dict[str, Any]:
    return {
        "severity": group.first.severity,
        "message": group.message(),
        "location_name": group.location_name,
        "rule": group.first.rule_id,
        "source": group.first.source.as_dict(),
        "due_text": ("Earliest: " if group.count > 1 else "") + group.due.phrase(),
        "overdue": group.due.overdue,
        "subjects_text": _subjects(group),
        "count": group.count,
    }


def _subjects(group: AlertGroup, shown: int = 12) -> str:
    names = group.subjects()
    listed = ", ".join(names[:shown]) + (f" and {len(names) - shown} more" if len(names) > shown else "")
    return f"{plural(group.count, 'record')}: {listed}" if group.count > 1 else listed


def render_skipped(skipped: Iterable[SkippedRecords], console: Console, shown: int = 3) -> None:
    """The records not read, per record type, with the first reasons: printed before any result."""
    from rich.markup import escape

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
    evaluator: Evaluator,
    compiled: CompiledRuleset,
    locations: Iterable[Location],
    as_of: dt.date,
    region: str,
    facts_out: dict[str, tuple[Fact, ...]] | None = None,
) -> Iterator[LocationReadiness]:
    """The readiness of each location, in input order, as it is evaluated (locations are read as needed).

    With ``facts_out``, the facts asserted for each location evaluated are kept there (by location id), so that
    an explanation reuses them instead of measuring them again.
    """
    names: dict[str, str] = {}

    def subjects() -> Iterable[tuple[str, Location]]:
        for location in locations:
            check_record_dates(location, as_of, f"location {location.location_id}")
            names[location.location_id] = location.name
            yield location.location_id, location

    for evaluation in evaluator.run(compiled, subjects(), as_of, region):
        error = evaluation.error
        if facts_out is not None and error is None:
            facts_out[evaluation.key] = evaluation.facts
        yield LocationReadiness(
            evaluation.key,
            names.pop(evaluation.key, ""),
            evaluation.hits,
            None if error is None else str(error) or type(error).__name__,
        )


T = TypeVar("T")


def counted(items: Iterable[T], tracker: Tracker | None) -> Iterator[T]:
    """``items``, advancing ``tracker`` (if any) by one after each."""
    for item in items:
        yield item
        if tracker is not None:
            tracker.advance()


def render_not_evaluated(groups: Iterable[NotEvaluated], console: Console) -> None:
    """The rule groups not evaluated and why: printed before any result."""
    from rich.markup import escape

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
    ruleset: Ruleset,
    evaluator: Evaluator,
    overrides: Mapping[str, Any] | None = None,
    region: str = DEFAULT_REGION,
    skipped: Iterable[SkippedRecords] = (),
    allow_incomplete: bool = False,
    read_summary: ReadSummary | None = None,
    informs: Iterable[str] | None = None,
    unmapped: Iterable[str] = (),
    facts_out: dict[str, tuple[Fact, ...]] | None = None,
    tracker: Tracker | None = None,
) -> ReadinessReport:
    """Evaluate readiness of ``locations`` as of ``as_of`` (``facts_out``: see ``evaluate_locations``).

    ``ruleset`` and ``evaluator`` come from a session (``mipr_rules.api.Session.readiness`` is the front door,
    which also reads the locations from a source and applies the configuration's overrides).

    A location that could not be evaluated (the engine crashed or refused its facts...) does not stop the
    others; the report then names it in ``failures``. Unless ``allow_incomplete`` is true, such a report is
    not returned: ``EvaluationIncomplete`` is raised naming every location not evaluated and why.
    ``informs`` (the record types the source supplies, from the adapter's ``informs``) leaves out the rules
    whose facts come from other records, and ``unmapped`` (the model fields it does not read, from the
    adapter's ``unmapped``) those that look at them; the report lists them in ``not_evaluated``. ``tracker``
    (``mipr_rules.presentation.progress``) counts the locations evaluated.
    """
    adapter = read_summary.adapter if read_summary is not None else "source's"
    ruleset, not_evaluated = restrict(ruleset, informs, adapter, unmapped)
    compiled = evaluator.compile(ruleset, overrides, Location)
    if tracker is not None and isinstance(locations, Sized):
        tracker.total(len(locations))
    results = list(counted(evaluate_locations(evaluator, compiled, locations, as_of, region, facts_out), tracker))
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
