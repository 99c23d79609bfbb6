"""Timelines: the ``cqc-timelines`` ruleset over dated events, giving deadlines with their status.

Two passes through the engine. Pass 1 asserts one fact per event; the deadline rules decide which events
start which deadline (and emit its length, unit, direction and completion event), and the correction
rules add what popular guidance gets wrong. Python then pairs completion events with deadlines and
measures each due date on the region's working-day calendar (``facts/timeline_facts.py``). Pass 2
asserts one fact per deadline; the status rules decide open, due_today, overdue, met or late.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs
from rich.console import Console
from rich.padding import Padding

from mipr_rules.completeness import Failure, completeness_json, evaluate_one, render_failures
from mipr_rules.convert import structure
from mipr_rules.dates import check_date
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.errors import EngineError, EvaluationIncomplete, InputError
from mipr_rules.facts.timeline_facts import (
    DIRECTIONS,
    UNITS,
    DeadlineSpec,
    Timeline,
    TimelineEvent,
    TriggeredDeadlines,
    due_date,
    holidays_between,
)
from mipr_rules.loading import load_data_file
from mipr_rules.results import RuleHit
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules.safe_text import safe
from mipr_rules.severity import worst
from mipr_rules.workdays import DEFAULT_REGION, calendar

DEFAULT_RULESET = "cqc-timelines"
STATUSES = ("open", "due_today", "overdue", "met", "late")
"""Every status a deadline can have (JSON contract)."""

_STATUS_STYLE = {"open": "cyan", "due_today": "bold yellow", "overdue": "bold red", "met": "green", "late": "red"}
_EVENT_OPTION = re.compile(r"^\s*([A-Za-z0-9_]+)\s*=\s*(\S+)\s*$")



def known_events(ruleset: Ruleset, overrides: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Event name → meaning, from the ruleset's ``events`` parameter (after overrides)."""
    value = (ruleset.defaults() | dict(overrides or {})).get("events") or {}
    return {str(k): str(v) for k, v in dict(value).items()}


def _check_name(name: str, known: Collection[str] | None, where: str) -> None:
    if known is not None and name not in known:
        shown = name if len(name) <= 40 else name[:40] + "…"
        raise InputError(f"{where}: unknown event {shown!r}; expected one of {', '.join(sorted(known))}")


def parse_event_option(text: str, known: Collection[str] | None = None) -> TimelineEvent:
    """An event from ``NAME=YYYY-MM-DD`` (the ``--event`` option)."""
    match = _EVENT_OPTION.match(text)
    if not match:
        raise InputError("--event: expected NAME=YYYY-MM-DD")
    name, raw = match.groups()
    _check_name(name, known, f"--event {name}")
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise InputError(f"--event {name}: expected a date in the form YYYY-MM-DD") from None
    return TimelineEvent(name, check_date(day, f"--event {name}"))


def events_from_data(data: Any, source: str, known: Collection[str] | None = None) -> list[TimelineEvent]:
    """Events from parsed YAML/JSON: a list of ``{name, date}`` (optionally under ``events:``) or a mapping
    of event name to a date or a list of dates."""
    if isinstance(data, Mapping) and set(data) == {"events"} and isinstance(data["events"], list):
        data, root = data["events"], "$.events"
    else:
        root = "$"
    events: list[TimelineEvent] = []
    if isinstance(data, list):
        for index, item in enumerate(data):
            event = structure(item, TimelineEvent, source, f"{root}[{index}]")
            _check_name(event.name, known, f"{source}: {root}[{index}].name")
            events.append(event)
        return events
    if isinstance(data, Mapping):
        for name, value in data.items():
            if not isinstance(name, str):
                raise InputError(f"{source}: event names must be text @ {root}")
            _check_name(name, known, f"{source}: {root}.{name}")
            values = value if isinstance(value, list) else [value]
            for index, item in enumerate(values):
                path = f"{root}.{name}" + (f"[{index}]" if isinstance(value, list) else "")
                event = structure({"name": name, "date": item}, TimelineEvent, source, path)
                events.append(event)
        return events
    if data is None:
        return []
    raise InputError(f"{source}: expected a list of {{name, date}} events or a mapping of event name to date @ {root}")


def load_events(path: Path | str, known: Collection[str] | None = None) -> list[TimelineEvent]:
    """Events from a ``.yaml``, ``.yml`` or ``.json`` file (see ``events_from_data``)."""
    return events_from_data(load_data_file(Path(path)), str(path), known)


@attrs.frozen
class Deadline:
    """One deadline, measured and with the status the rules gave it."""

    spec: DeadlineSpec
    """What the deadline rule started (trigger, length, unit, direction, completion)."""
    due: dt.date
    """Due date (for ``before`` deadlines: the last day to act)."""
    status: str
    """One of ``STATUSES``."""
    rule: RuleHit
    """The deadline rule that fired on the trigger event."""
    status_rule: RuleHit
    """The status rule that fired on the measured deadline."""
    holidays: tuple[tuple[dt.date, str], ...] = ()
    """Bank holidays on weekdays between the trigger and the due date (working-day deadlines)."""

    @property
    def completed_on(self) -> dt.date | None:
        """Completion date counted as of the as-of date."""
        value = self.status_rule.facts.get("completed_on")
        return dt.date.fromisoformat(value) if value else None

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract of one deadline."""
        source = self.rule.source
        return {
            "id": self.spec.deadline,
            "title": self.rule.title,
            "trigger": self.spec.trigger.name,
            "trigger_date": self.spec.trigger.date.isoformat(),
            "due": self.due.isoformat(),
            "day_type": self.spec.day_type,
            "days": self.spec.days,
            "unit": self.spec.unit,
            "direction": self.spec.direction,
            "status": self.status,
            "informational": self.spec.informational,
            "completion_event": self.spec.completion_event,
            "completed_on": self.completed_on.isoformat() if self.completed_on else None,
            "days_until_due": self.status_rule.facts.get("days_until_due"),
            "holidays_skipped": [{"date": d.isoformat(), "name": n} for d, n in self.holidays],
            "message": self.rule.message,
            "status_message": self.status_rule.message,
            "rule": self.rule.rule_id,
            "status_rule": self.status_rule.rule_id,
            "severity": self.status_rule.severity,
            "regulation": self.rule.maps_to.regulation,
            "citation": self.rule.citation,
            "parameters": self.rule.parameters,
            "source": source.as_dict(),
        }


def _warning_dict(hit: RuleHit) -> dict[str, Any]:
    return {
        "id": hit.rule_id,
        "title": hit.title,
        "message": hit.message,
        "claim": hit.emit.get("claim"),
        "claimed_by": hit.emit.get("claimed_by"),
        "source": hit.source.as_dict(),
    }


@attrs.frozen
class TimelineReport:
    """Deadlines and corrections for a set of events, as of a date."""

    as_of: dt.date
    """The date statuses are measured on."""
    region: str
    """Working-day calendar region."""
    ruleset: Ruleset
    """The ``cqc-timelines`` ruleset used."""
    parameters: Mapping[str, Any]
    """Parameter values used."""
    events: tuple[TimelineEvent, ...]
    """The events given."""
    deadlines: tuple[Deadline, ...]
    """Deadlines, by due date."""
    warnings: tuple[RuleHit, ...] = ()
    """Corrections of popular guidance and anchor notes that apply to these events."""
    failures: tuple[Failure, ...] = ()
    """``(input, why)`` of each engine pass that could not be evaluated (then no deadline is given)."""

    @property
    def complete(self) -> bool:
        """Whether the events were evaluated (only ``allow_incomplete=True`` returns an incomplete report)."""
        return not self.failures

    def deadline(self, deadline_id: str) -> list[Deadline]:
        """The deadlines with this id."""
        return [d for d in self.deadlines if d.spec.deadline == deadline_id]

    def worst_severity(self) -> str | None:
        """Most severe status severity, if any deadline."""
        return worst(d.status_rule.severity for d in self.deadlines)

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract of ``mipr timeline --format json`` (docs/commands/timeline.md)."""
        return {
            "kind": "timeline",
            **completeness_json(self.failures),
            "as_of": self.as_of.isoformat(),
            "region": self.region,
            "ruleset": self.ruleset.ref(),
            "parameters": {k: v for k, v in self.parameters.items() if k != "events"},
            "events": [{"name": e.name, "date": e.date.isoformat()} for e in self.events],
            "deadlines": [d.as_dict() for d in self.deadlines],
            "warnings": [_warning_dict(w) for w in self.warnings],
        }

    def render_text(self, console: Console) -> None:
        """A readable list of deadlines, most urgent first by date, then the corrections (failures first)."""
        render_failures(console, self.failures)
        console.print(f"[bold]CQC deadlines[/bold] as of {self.as_of} ({self.region} bank holidays; "
                      f"ruleset {safe(self.ruleset.id)} {safe(self.ruleset.version)})")
        if not self.deadlines and self.complete:
            console.print("\nNo deadlines: none of the events given starts one.")
        for item in self.deadlines:
            spec = item.spec
            unit = spec.unit.replace("_", " ")
            console.print()
            console.print(f"[{_STATUS_STYLE[item.status]}]{item.status.upper():<9}[/] "
                          f"[bold]{safe(spec.deadline)}[/bold]: {safe(item.status_rule.message)}")
            skipped = f"; skips {safe(', '.join(name for _, name in item.holidays))}" if item.holidays else ""
            trigger = safe(spec.trigger.name)
            console.print(Padding(f"{spec.days} {safe(unit)} {safe(spec.direction)} {trigger} on "
                                  f"{spec.trigger.date}{skipped}", (0, 0, 0, 10), expand=False))
            console.print(Padding(safe(item.rule.message), (0, 0, 0, 10), expand=False))
            console.print(f"          [dim]{item.rule.rule_id} · {safe(item.rule.source.title)}[/dim]",
                          overflow="ellipsis", no_wrap=True)
        if self.warnings:
            console.print("\n[bold]What popular guidance gets wrong, and anchors to get right[/bold]")
            for hit in self.warnings:
                console.print(Padding(f"• {safe(hit.message)}", (0, 0, 0, 2), expand=False))
                console.print(f"    [dim]{hit.rule_id} · {safe(hit.source.title)}[/dim]", overflow="ellipsis",
                              no_wrap=True)



def _index(hit: RuleHit) -> int:
    """Position of the subject a fact described (``event:3:name`` → 3)."""
    return int(hit.subject.split(":", 2)[1])


def _spec(hit: RuleHit, event: TimelineEvent, ruleset: Ruleset) -> DeadlineSpec:
    where = f"{ruleset.path or ruleset.id}: rule {hit.rule_id}: emit"
    emit = hit.emit
    try:
        days = int(emit["days"])
        unit, direction, completion = str(emit["unit"]), str(emit["direction"]), str(emit["completion_event"])
        deadline = str(emit["deadline"])
    except (KeyError, ValueError, TypeError):
        raise EngineError(f"{where}: a deadline rule emits deadline, days (a whole number), unit, direction "
                          "and completion_event") from None
    if unit not in UNITS or direction not in DIRECTIONS:
        raise EngineError(f"{where}: unit must be one of {', '.join(UNITS)}; direction one of {', '.join(DIRECTIONS)}")
    return DeadlineSpec(deadline=deadline, trigger=event, days=days, unit=unit, direction=direction,
                        completion_event=completion, informational=emit.get("informational") is True)


def pair_completions(specs: list[DeadlineSpec], events: Iterable[TimelineEvent], region: str) -> list[DeadlineSpec]:
    """Give each deadline its completion date.

    Completion events are taken in date order; each meets the earliest-due deadline of its kind that it can
    meet and that is still unmet (a deadline *after* its trigger can only be met on or after the trigger).
    """
    cal = calendar(region)
    paired = list(specs)
    dues = [due_date(s, cal) for s in specs]
    for event in sorted(events, key=lambda e: e.date):
        candidates = [
            i for i, s in enumerate(paired)
            if s.completion_event == event.name and s.completed_on is None
            and (s.direction == "before" or event.date >= s.trigger.date)
        ]
        if candidates:
            best = min(candidates, key=lambda i: (dues[i], i))
            paired[best] = attrs.evolve(paired[best], completed_on=event.date)
    return paired


def run_timeline(
    events: Iterable[TimelineEvent],
    *,
    as_of: dt.date,
    ruleset: Ruleset,
    evaluator: Evaluator,
    region: str = DEFAULT_REGION,
    overrides: Mapping[str, Any] | None = None,
    allow_incomplete: bool = False,
) -> TimelineReport:
    """Deadlines started by ``events``, with their status as of ``as_of`` on ``region``'s calendar.

    ``ruleset`` and ``evaluator`` come from a session (``mipr_rules.api.Session.timeline`` is the front door).

    If the engine cannot evaluate them (it crashed, or refused the facts), ``EvaluationIncomplete`` is raised,
    or with ``allow_incomplete`` a report with no deadlines, ``complete`` false and the ``failures``.
    """
    calendar(region)  # an unknown region is an InputError before any work
    given = list(dict.fromkeys(events))  # the same event twice is one event
    compiled = evaluator.compile(ruleset, overrides)
    known = known_events(ruleset, compiled.parameters)
    for index, event in enumerate(given):
        _check_name(event.name, known, f"event {index}")
        check_date(event.date, f"event {index} ({event.name})")
    try:
        first = evaluate_one(evaluator, compiled, "timeline:events", Timeline(tuple(given)), as_of, region)
    except EvaluationIncomplete as exc:
        if not allow_incomplete:
            raise
        return TimelineReport(as_of, region, ruleset, dict(compiled.parameters), tuple(given), (),
                              failures=exc.failures)
    specs: list[DeadlineSpec] = []
    starts: list[RuleHit] = []
    warnings: dict[str, RuleHit] = {}
    for hit in sorted(first, key=lambda h: (_index(h), h.rule_id)):
        kind = hit.emit.get("result")
        if kind == "deadline":
            specs.append(_spec(hit, given[_index(hit)], ruleset))
            starts.append(hit)
        elif kind == "warning":
            warnings.setdefault(hit.rule_id, hit)
    specs = pair_completions(specs, given, region)
    try:
        second = evaluate_one(evaluator, compiled, "timeline:deadlines", TriggeredDeadlines(tuple(specs)), as_of,
                              region)
    except EvaluationIncomplete as exc:
        if not allow_incomplete:
            raise
        return TimelineReport(as_of, region, ruleset, dict(compiled.parameters), tuple(given), (),
                              failures=exc.failures)
    statuses: dict[int, list[RuleHit]] = {}
    for hit in second:
        if hit.emit.get("result") == "status":
            statuses.setdefault(_index(hit), []).append(hit)
    cal = calendar(region)
    deadlines = []
    for index, (spec, start) in enumerate(zip(specs, starts, strict=True)):
        found = statuses.get(index, [])
        if len(found) != 1 or found[0].emit.get("status") not in STATUSES:
            raise EngineError(f"{ruleset.path or ruleset.id}: deadline {spec.deadline} got "
                              f"{len(found)} statuses from the status rules; expected exactly one")
        (status,) = found
        due = dt.date.fromisoformat(status.facts["due"])
        holidays = tuple(holidays_between(spec.trigger.date, due, cal)) if spec.unit == "working_days" else ()
        deadlines.append(Deadline(spec, due, str(status.emit["status"]), start, status, holidays))
    deadlines.sort(key=lambda d: (d.due, d.spec.deadline, d.spec.trigger.date))
    order = [r.id for r in ruleset.rules]
    return TimelineReport(as_of, region, ruleset, dict(compiled.parameters), tuple(given), tuple(deadlines),
                          tuple(sorted(warnings.values(), key=lambda h: order.index(h.rule_id))))
