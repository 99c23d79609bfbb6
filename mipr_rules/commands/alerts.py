"""The alert lifecycle from the command line: ``mipr alerts list|show``, ``mipr ack`` and ``mipr snooze``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import click

from mipr_rules import clock
from mipr_rules.commands.options import DATE
from mipr_rules.safe_text import plain
from mipr_rules.watch.store import AlertState, AlertStore

STORE_HELP = "The alert store of mipr watch: a SQLite path, sqlite:///PATH or postgresql://…"
CSV_COLUMNS = (
    "alert_id",
    "state",
    "severity",
    "location_id",
    "rule",
    "subject",
    "first_seen",
    "last_seen",
    "resolved_on",
    "acknowledged_by",
    "snoozed_until",
    "escalated_at",
)
"""Columns of ``mipr alerts list --format csv``."""


def _store_option(command: click.decorators.FC) -> click.decorators.FC:
    return click.option("--store", "store", default="alerts.db", show_default=True, help=STORE_HELP)(command)


def _open(store: str, *, readonly: bool = False) -> AlertStore:
    return AlertStore(store, create=False, readonly=readonly)


@click.group()
def alerts() -> None:
    """The alerts of mipr watch's store: list them, show one's history."""


@alerts.command("list")
@_store_option
@click.option("--open/--all", "open_only", default=True, show_default=True, help="Open alerts only, or every one.")
@click.option("--location", "location_id", default=None, metavar="ID", help="One location's alerts.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
def list_alerts(store: str, open_only: bool, location_id: str | None, fmt: str) -> None:
    """List alerts with their state: open, acknowledged, snoozed, escalated or resolved.

    \b
    Examples:
      mipr alerts list --store alerts.db
      mipr alerts list --store postgresql://localhost/mipr --all --location 1-000000001 --format csv
    """
    with _open(store) as opened:
        states = opened.states(open_only=open_only, location_id=location_id)
    if fmt == "json":
        click.echo(json.dumps({"kind": "alert_list", "alerts": [s.as_dict() for s in states]}, ensure_ascii=False))
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for s in states:
            writer.writerow(_csv_row(s))
        click.echo(out.getvalue(), nl=False)
    else:
        which = "open" if open_only else "all"
        click.echo(f"{len(states)} alert(s) ({which})")
        for s in states:
            a = s.alert
            click.echo(
                plain(
                    f"  {a.alert_id}  {s.state:<12} {a.severity:<8} {a.identity.location_id}  "
                    f"{a.identity.rule_id}  {a.identity.subject}"
                )
            )


def _csv_row(s: AlertState) -> list[str]:
    data = s.as_dict()
    data["acknowledged_by"] = s.alert.acknowledged_by or ""
    return ["" if data.get(c) is None else str(data[c]) for c in CSV_COLUMNS]


@alerts.command("show")
@click.argument("alert_id")
@_store_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def show(alert_id: str, store: str, fmt: str) -> None:
    """One alert: its current state and the history of every state change, with who and when.

    \b
    Example:
      mipr alerts show A-3F9C2B7E1D0A --store alerts.db
    """
    alert_id = alert_id.strip().upper()
    with _open(store) as opened:
        state = opened.state(alert_id)
        events = opened.events(alert_id)
    if fmt == "json":
        click.echo(
            json.dumps(
                {"kind": "alert", **state.as_dict(), "history": [e.as_dict() for e in events]},
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    a = state.alert
    lines = [
        f"{a.alert_id}  {state.state}  {a.severity}  {a.identity.rule_id}",
        f"  location {a.identity.location_id}, subject {a.identity.subject}",
        f"  {a.title}: {a.message}",
        f"  ruleset {a.identity.ruleset_id} {a.ruleset_version}; source {_source(a.detail.get('source'))}",
        "history:",
    ]
    for e in events:
        when = e.at.isoformat(timespec="seconds") if e.at else "-"
        who = f" by {e.by}" if e.by else ""
        note = f": {e.note}" if e.note else ""
        lines.append(f"  {e.as_of}  {when}  {e.kind}{who}{note}")
    click.echo(plain("\n".join(lines)))


def _source(source: object) -> str:
    if not isinstance(source, dict):
        return str(source or "")
    where = ", ".join(str(source[k]) for k in ("url", "section") if source.get(k))
    return f"{source.get('title', '')} ({where})" if where else str(source.get("title", ""))


@click.command()
@click.argument("alert_id")
@_store_option
@click.option("--by", required=True, help="Your pseudonymous staff id (e.g. S01), never a name or email address.")
@click.option("--note", default="", help="One line kept in the store (never sent by notifiers).")
@click.option("--on", "on", type=DATE, default=None, help="Date of the acknowledgement (default: today).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def ack(alert_id: str, store: str, by: str, note: str, on: dt.date | None, fmt: str) -> None:
    """Acknowledge an open alert of the alert store (its id is in mipr watch's output: A-…).

    An acknowledged alert is not escalated.

    \b
    Examples:
      mipr ack A-3F9C2B7E1D0A --by S01 --note "review booked for Friday"
      mipr ack A-3F9C2B7E1D0A --store /var/lib/mipr/alerts.db --by S01 --format json
    """
    with _open(store) as opened:
        alert = opened.acknowledge(
            alert_id.strip().upper(), by, note, on=on or clock.today(), at=dt.datetime.now(dt.timezone.utc)
        )
    if fmt == "json":
        click.echo(json.dumps(alert.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(
            f"Acknowledged {alert.alert_id} ({alert.identity.rule_id}, {alert.identity.subject}) "
            f"by {alert.acknowledged_by} on {alert.acknowledged_on}"
        )


@click.command()
@click.argument("alert_id")
@_store_option
@click.option("--until", "until", type=DATE, required=True, help="Snoozed until this date (YYYY-MM-DD).")
@click.option("--by", required=True, help="Your pseudonymous staff id (e.g. S01).")
@click.option("--reason", required=True, help="Why (one line, kept in the store and shown by mipr alerts show).")
@click.option("--on", "on", type=DATE, default=None, help="Date of the snooze (default: today).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def snooze(alert_id: str, store: str, until: dt.date, by: str, reason: str, on: dt.date | None, fmt: str) -> None:
    """Snooze an open alert until a date: it is not escalated, nor repeated in digests, before then.

    \b
    Example:
      mipr snooze A-3F9C2B7E1D0A --until 2026-11-20 --by S01 --reason "audit booked for 19 November"
    """
    with _open(store) as opened:
        state = opened.snooze(
            alert_id.strip().upper(), until, by, reason, on=on or clock.today(), at=dt.datetime.now(dt.timezone.utc)
        )
    if fmt == "json":
        click.echo(json.dumps(state.as_dict(), ensure_ascii=False, indent=2))
    else:
        a = state.alert
        click.echo(f"Snoozed {a.alert_id} ({a.identity.rule_id}, {a.identity.subject}) until {until} by {by}")


COMMANDS = [alerts, ack, snooze]
