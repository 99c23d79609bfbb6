"""Measures timelines: events (pass 1) and the deadlines their rules triggered (pass 2).

Pass 1 turns each event into a ``timeline_event`` fact; the ``cqc-timelines`` rules decide which events
start which deadline and emit its length, unit and direction. Pass 2 turns each triggered deadline into a
``timeline_deadline`` fact: this module measures its due date on the region's working-day calendar and
how it stands on the as-of date; the rules decide its status (open, due today, overdue, met, late).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import attrs
from dateutil.relativedelta import relativedelta

from mipr_rules import hookimpl
from mipr_rules.errors import EngineError
from mipr_rules.facts.base import Fact, FactContext, FactType
from mipr_rules.workdays import WorkingDays

INT, BOOL, STR, DATE = "integer", "boolean", "string", "date"

UNITS = {"working_days": "working", "days": "calendar", "months": "calendar"}
"""Units a deadline rule may emit, mapped to the ``day_type`` of the JSON contract."""
DIRECTIONS = ("after", "before")
"""Whether a deadline falls after its trigger (most) or before it (notice of a planned absence)."""

FACT_TYPES = (
    FactType.documented("timeline_event", "Something that happened (or is planned) on a date", {
        "name": (STR, None, "Event name, e.g. draft_report_received, rating_published"),
        "date": (DATE, None, "The event's date"),
        "days_before_as_of": (INT, "days", "Days from the event to the as-of date (negative for a future event)"),
    }),
    FactType.documented("timeline_deadline", "A deadline an event started, measured on the as-of date", {
        "deadline": (STR, None, "Deadline id, e.g. factual_accuracy_comments"),
        "trigger": (STR, None, "The event that starts it"),
        "trigger_date": (DATE, None, "Date of that event"),
        "due": (DATE, None, "The date it falls due"),
        "day_type": (STR, None, "working or calendar"),
        "unit": (STR, None, "Unit of the period: days, working_days or months"),
        "days": (INT, None, "Length of the period, in its unit"),
        "direction": (STR, None, "after (most) or before (notice of a planned event) the trigger"),
        "informational": (BOOL, None, "The deadline is for information only (nothing to do by then)"),
        "completed": (BOOL, None, "What it asks was done"),
        "completed_on": (DATE, None, "Date it was done"),
        "days_until_due": (INT, "days", "Calendar days from the as-of date to the due date (negative once past)"),
        "days_completed_after_due": (
            INT, "days", "Calendar days from the due date to completion (negative if early); left out until done"),
        "holidays_skipped": (INT, "count", "Bank holidays the working-day count skipped"),
    }),
)


@attrs.frozen
class TimelineEvent:
    """One dated event, e.g. ``draft_report_received`` on 2024-12-20."""

    name: str
    """Event name from the ruleset's ``events`` parameter."""
    date: dt.date
    """The day it happened (or will happen): day 0 of any deadline it starts."""


@attrs.frozen
class Timeline:
    """The subject of pass 1: the events, in the order given."""

    events: tuple[TimelineEvent, ...]
    """Every event."""


@attrs.frozen
class DeadlineSpec:
    """A deadline a rule started, before it is measured."""

    deadline: str
    """Deadline id, e.g. ``factual_accuracy_comments``."""
    trigger: TimelineEvent
    """The event that started it."""
    days: int
    """How many units from the trigger."""
    unit: str
    """``working_days``, ``days`` or ``months``."""
    direction: str
    """``after`` or ``before`` the trigger."""
    completion_event: str
    """The event that meets it, e.g. ``factual_accuracy_submitted``."""
    informational: bool = False
    """True when nobody must act by the date (e.g. when CQC normally publishes its report)."""
    completed_on: dt.date | None = None
    """Date of the completion event paired with this deadline, if any."""

    @property
    def day_type(self) -> str:
        """``working`` or ``calendar``."""
        return UNITS[self.unit]


@attrs.frozen
class TriggeredDeadlines:
    """The subject of pass 2: every deadline pass 1 started, with its completion paired."""

    deadlines: tuple[DeadlineSpec, ...]
    """In the order they were triggered."""


def due_date(spec: DeadlineSpec, calendar: WorkingDays) -> dt.date:
    """The due date: the Nth working day, day or month after (or before) the trigger day (day 0)."""
    sign = 1 if spec.direction == "after" else -1
    start = spec.trigger.date
    if spec.unit == "working_days":
        return calendar.add(start, sign * spec.days)
    if spec.unit == "days":
        return start + dt.timedelta(days=sign * spec.days)
    if spec.unit == "months":
        return start + relativedelta(months=sign * spec.days)
    raise EngineError(f"deadline {spec.deadline}: unknown unit {spec.unit!r}; expected one of {', '.join(UNITS)}")


def holidays_between(start: dt.date, end: dt.date, calendar: WorkingDays) -> list[tuple[dt.date, str]]:
    """Bank holidays of the region falling on weekdays strictly after ``start`` up to ``end`` (either order)."""
    low, high = min(start, end), max(start, end)
    found = []
    day = low + dt.timedelta(days=1)
    while day <= high:
        name = calendar.holiday_name(day)
        if name and day.weekday() < 5:
            found.append((day, name))
        day += dt.timedelta(days=1)
    return found


def _fact(type_: str, subject: str, **fields: Any) -> Fact:
    return {"type": type_, "subject": subject, **{k: v for k, v in fields.items() if v is not None}}


@attrs.frozen
class TimelineEventFacts:
    """Pass 1: one ``timeline_event`` fact per event."""

    name: str = "timeline_event"
    subject_type: type = Timeline
    fact_types: tuple[FactType, ...] = (FACT_TYPES[0],)

    def calculate(self, subject: Timeline, context: FactContext) -> Iterator[Fact]:
        """Yield each event with its date and how many days before the as-of date it falls."""
        for index, event in enumerate(subject.events):
            yield _fact("timeline_event", f"event:{index}:{event.name}", name=event.name,
                        date=event.date.isoformat(), days_before_as_of=(context.as_of - event.date).days)


@attrs.frozen
class TimelineDeadlineFacts:
    """Pass 2: one ``timeline_deadline`` fact per triggered deadline, measured as of ``context.as_of``."""

    name: str = "timeline_deadline"
    subject_type: type = TriggeredDeadlines
    fact_types: tuple[FactType, ...] = (FACT_TYPES[1],)

    def calculate(self, subject: TriggeredDeadlines, context: FactContext) -> Iterator[Fact]:
        """Yield the due date and, as of the as-of date, whether it is completed and how far off it is.

        A completion dated after the as-of date has not happened yet as of that date and is not counted.
        """
        for index, spec in enumerate(subject.deadlines):
            due = due_date(spec, context.calendar)
            done = spec.completed_on if spec.completed_on and spec.completed_on <= context.as_of else None
            working = spec.unit == "working_days"
            skipped = len(holidays_between(spec.trigger.date, due, context.calendar)) if working else 0
            yield _fact(
                "timeline_deadline", f"deadline:{index}:{spec.deadline}", deadline=spec.deadline,
                trigger=spec.trigger.name, trigger_date=spec.trigger.date.isoformat(), due=due.isoformat(),
                day_type=spec.day_type, unit=spec.unit, days=spec.days, direction=spec.direction,
                informational=spec.informational, completed=done is not None,
                completed_on=done.isoformat() if done else None, days_until_due=(due - context.as_of).days,
                days_completed_after_due=(done - due).days if done else None, holidays_skipped=skipped,
            )


CALCULATORS = (TimelineEventFacts(), TimelineDeadlineFacts())


@hookimpl
def mipr_register_fact_calculators(register: Any) -> None:
    for calculator in CALCULATORS:
        register(calculator)
