"""``mipr timeline``: deadlines from dated events (ruleset ``cqc-timelines``)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from mipr_rules import clock
from mipr_rules.api import Session
from mipr_rules.commands.options import (
    as_of_option,
    config_option,
    emit,
    exit_incomplete,
    fail_on_option,
    format_option,
    reached,
    rules_path_option,
)
from mipr_rules.timelines import (
    load_events,
    parse_event_option,
)
from mipr_rules.workdays import REGIONS


@click.command()
@rules_path_option
@click.option(
    "--event",
    "event_options",
    multiple=True,
    metavar="NAME=YYYY-MM-DD",
    help="An event and its date; repeat for several.",
)
@click.option(
    "--events",
    "events_file",
    type=click.Path(path_type=Path),
    default=None,
    help="A YAML or JSON file of events: a list of {name, date} or a mapping of name to date.",
)
@as_of_option
@click.option(
    "--region",
    type=click.Choice(list(REGIONS)),
    default=None,
    help="Bank-holiday calendar for working days (default: england-and-wales, or the config's).",
)
@config_option
@format_option()
@fail_on_option
def timeline(
    event_options: tuple[str, ...],
    events_file: Path | None,
    as_of: dt.date | None,
    region: str | None,
    config_path: Path | None,
    fmt: str,
    fail_on: str | None,
) -> None:
    """Deadlines after an inspection, an enforcement notice or a manager's absence.

    The trigger day is day 0. Working-day deadlines skip weekends and the region's bank holidays.
    With --as-of, each deadline is open, due_today or overdue; a completion event (for example
    factual_accuracy_submitted) makes it met or late.

    \b
    Examples:
      mipr timeline --event draft_report_received=2024-12-20 --as-of 2025-01-06
      mipr timeline --event report_published=2025-03-03 --event rating_displayed=2025-03-20
      mipr timeline --events events.yaml --region scotland --format json
    """
    when = as_of or clock.today()
    with Session.from_config(config_path, processes=1) as session:
        known = session.timeline_events(when)
        events = load_events(events_file, known) if events_file else []
        events += [parse_event_option(text, known) for text in event_options]
        report = session.timeline(events, as_of=when, region=region, allow_incomplete=True)
    emit(report, fmt)
    exit_incomplete(report.failures)
    sys.exit(1 if reached([d.status_rule.severity for d in report.deadlines], fail_on) else 0)


COMMANDS = [timeline]
