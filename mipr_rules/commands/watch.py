"""``mipr watch`` (continuous readiness with an alert store and notifiers) and ``mipr ack``."""

from __future__ import annotations

import datetime as dt
import json
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import Any

import attrs
import click

from mipr_rules import plugins
from mipr_rules.adapters.base import Adapter, ReadContext
from mipr_rules.alerts.notify import (
    AlertChanges,
    Delivery,
    DeliveryError,
    Notifier,
    StoredAlert,
    Target,
    deliver,
    validate_target,
)
from mipr_rules.alerts.store import AlertStore
from mipr_rules.commands.options import DATE, as_of_option, config_option, fail, fail_on_option, guard, reached, today
from mipr_rules.config import Config, load_config
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.errors import MiprRulesError, PluginError
from mipr_rules.outputs.safe_text import plain
from mipr_rules.readiness import DEFAULT_RULESET, ReadinessReport, run_readiness
from mipr_rules.ruleset.catalogue import Catalogue

DEFAULT_INTERVAL = 3600.0
"""Seconds between checks when neither --interval nor --once is given."""
MAX_LINES = 15
"""Most alert lines in one cycle's text summary (one screen); --format json has them all."""


@attrs.frozen
class Cycle:
    """What one check did."""

    as_of: dt.date
    """As-of date of the check."""
    report: ReadinessReport | None = None
    """The readiness report (None when the check failed)."""
    changes: AlertChanges | None = None
    """What it changed in the store (None when the check failed)."""
    error: str | None = None
    """Why the check failed (the source could not be read, the ruleset is missing...)."""
    deliveries: tuple[Delivery, ...] = ()
    """What was delivered to each target in this cycle."""
    pending_elsewhere: int = 0
    """Change sets waiting for targets not given in this run."""

    def as_dict(self, store: str) -> dict[str, Any]:
        """One line of ``--format json``."""
        return {
            "kind": "watch_cycle",
            "as_of": self.as_of.isoformat(),
            "store": store,
            "error": self.error,
            "changes": self.changes.as_dict() if self.changes else None,
            "skipped": list(self.report.skipped) if self.report else [],
            "deliveries": [d.as_dict() for d in self.deliveries],
            "pending_other_targets": self.pending_elsewhere,
        }


@attrs.define
class Watcher:
    """Everything a check needs, prepared once (so that bad options fail before the first check)."""

    adapter: Adapter
    source: str
    store: AlertStore
    evaluator: Evaluator
    catalogue: Catalogue
    config: Config
    ruleset_id: str
    targets: tuple[Target, ...]
    notifiers: dict[str, Notifier]
    as_of: dt.date | None = None
    lenient: bool = False

    def check(self) -> Cycle:
        """Read the source, evaluate, record the result in the store, deliver what is waiting."""
        when = self.as_of or today()
        report = changes = None
        error = None
        try:
            ruleset = self.catalogue.get(self.ruleset_id, when)
            context = ReadContext(lenient=self.lenient)
            report = run_readiness(
                self.adapter.read(self.source, context),
                as_of=when,
                ruleset=ruleset,
                overrides=self.config.overrides_for(ruleset),
                region=self.config.region,
                evaluator=self.evaluator,
                skipped=context.skipped,
            )
            changes = self.store.apply(report, notify=self.targets)
        except MiprRulesError as exc:
            error, report = _one_line(exc), None
        deliveries: tuple[Delivery, ...] = ()
        elsewhere = 0
        try:
            deliveries = tuple(deliver(self.store, self.targets, self.notifiers))
            elsewhere = self.store.pending_elsewhere(self.targets)
        except MiprRulesError as exc:
            error = error or _one_line(exc)
        return Cycle(when, report, changes, error, deliveries, elsewhere)


def _one_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _targets(specs: Sequence[str], found: dict[str, Notifier]) -> tuple[Target, ...]:
    targets = []
    for spec in specs:
        target = Target.parse(spec)
        if target.notifier not in found:
            raise PluginError(
                f"--notify {target.label}: no notifier named {target.notifier!r}; "
                f"installed: {', '.join(sorted(found)) or 'none'}"
            )
        validate_target(found[target.notifier], target.target)
        if target not in targets:
            targets.append(target)
    return tuple(targets)


class _WakeUp(Exception):
    pass


class _Stopper:
    """Stops the loop cleanly on SIGINT/SIGTERM: a check in progress finishes; a wait ends at once.

    A second signal during a check aborts it (the store's transaction rolls back; nothing is half written).
    """

    def __init__(self) -> None:
        self.requested = False
        self.sleeping = False

    def handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested and not self.sleeping:
            raise KeyboardInterrupt
        self.requested = True
        if self.sleeping:
            raise _WakeUp

    def sleep(self, seconds: float) -> None:
        try:
            self.sleeping = True
            if not self.requested:
                time.sleep(seconds)
        except _WakeUp:
            pass
        finally:
            self.sleeping = False

    @contextmanager
    def installed(self) -> Iterator[_Stopper]:
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {sig: signal.signal(sig, self.handle) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield self
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _alert_line(kind: str, alert: StoredAlert) -> str:
    return f"  {kind:<9} {alert.severity:<8} {alert.alert_id}  {alert.identity.rule_id}  {alert.identity.subject}"


def render_text(cycle: Cycle, store: str) -> str:
    """The one-screen summary of a cycle."""
    lines = []
    changes = cycle.changes
    head = f"mipr watch: as of {cycle.as_of}"
    if changes:
        head += f" · {changes.ruleset_id} {changes.ruleset_version}"
    lines.append(f"{head} · store {store}")
    if cycle.error:
        lines.append("  check failed; nothing was compared (the error is on standard error)")
    if changes:
        budget = MAX_LINES
        for loc in changes.locations:
            title = f"{loc.name or loc.location_id} ({loc.location_id})"
            if loc.error:
                lines.append(f"{title}: not evaluated, open alerts kept: {loc.error}")
                continue
            mine = [
                (k, a)
                for k, group in (("new", changes.new), ("resolved", changes.resolved))
                for a in group
                if a.identity.location_id == loc.location_id
            ]
            ongoing = sum(a.identity.location_id == loc.location_id for a in changes.ongoing)
            news = sum(k == "new" for k, _ in mine)
            lines.append(f"{title}: {news} new, {ongoing} ongoing, {len(mine) - news} resolved")
            shown = mine[: max(budget, 0)]
            lines += [_alert_line(kind, alert) for kind, alert in shown]
            budget -= len(shown)
            if len(mine) > len(shown):
                lines.append(f"  … and {len(mine) - len(shown)} more (--format json lists them all)")
    if cycle.report and cycle.report.skipped:
        lines.append(f"{len(cycle.report.skipped)} record(s) skipped in lenient mode")
    for d in cycle.deliveries:
        if d.delivered:
            lines.append(f"delivered {d.delivered} change set(s) to {d.target}")
    if cycle.pending_elsewhere:
        lines.append(f"{cycle.pending_elsewhere} change set(s) wait for --notify targets not given in this run")
    return plain("\n".join(lines))


def _report(cycle: Cycle, store: str, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(cycle.as_dict(store), ensure_ascii=False, separators=(",", ":")))
    else:
        click.echo(render_text(cycle, store))
    if cycle.error:
        click.echo(f"mipr: error: {cycle.error}", err=True)
    if cycle.changes:
        for loc in cycle.changes.not_evaluated:
            click.echo(f"mipr: error: {loc.error}", err=True)
    for d in cycle.deliveries:
        if d.error:
            click.echo(
                f"mipr: warning: delivery to {d.target} failed: {d.error}; "
                f"{d.pending} change set(s) kept for the next cycle",
                err=True,
            )


@click.command()
@click.option("--adapter", "adapter_name", default="file", show_default=True, help="Adapter that reads the source.")
@click.option("--source", required=True, help="What the adapter reads: a file, folder, URL or database URL.")
@click.option(
    "--store",
    "store_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("alerts.db"),
    show_default=True,
    help="The alert store (a SQLite file; created if missing).",
)
@click.option(
    "--notify",
    "notify_specs",
    multiple=True,
    metavar="NAME:TARGET",
    help="Deliver new and resolved alerts, e.g. webhook:https://… or email:smtp://…; repeatable.",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=1),
    default=None,
    metavar="SECONDS",
    help=f"Seconds between checks (default {DEFAULT_INTERVAL:g}).",
)
@click.option("--once", is_flag=True, help="Check once and exit (for cron).")
@as_of_option
@click.option("--ruleset", "ruleset_id", default=DEFAULT_RULESET, show_default=True, help="Ruleset id.")
@config_option
@click.option("--lenient", is_flag=True, help="Skip bad records (logged and counted) instead of stopping.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: a summary per check; json: one JSON object per check, one per line.",
)
@fail_on_option
def watch(
    adapter_name: str,
    source: str,
    store_path: Path,
    notify_specs: tuple[str, ...],
    interval: float | None,
    once: bool,
    as_of: dt.date | None,
    ruleset_id: str,
    config_path: Path | None,
    lenient: bool,
    fmt: str,
    fail_on: str | None,
) -> None:
    """Check readiness again and again; tell new and resolved alerts once.

    Each check reads the source (as of today unless --as-of), evaluates readiness, compares the alerts
    with the alert store and, when some are new or resolved, sends the changes to every --notify target.
    A delivery that fails is kept and retried at the next check. Stop with Ctrl-C or SIGTERM.

    \b
    Examples:
      mipr watch --source home.json --once
      mipr watch --source home.json --store /var/lib/mipr/alerts.db --interval 3600 \\
          --notify webhook:https://care.example.org/hooks/mipr
      mipr watch --adapter sql --source postgresql://localhost/care --once \\
          --notify 'email:smtp://mail.example.org:587?from=mipr@example.org&to=manager@example.org&starttls=true'

    \b
    Exit codes: with --once, 0 when nothing at or above --fail-on is open, 1 when something is,
    2 when the source, store or options are bad or a location could not be evaluated.
    Without --once: 0 when stopped by a signal, 2 when the options are bad.
    """
    if once and interval is not None:
        fail("--once and --interval exclude each other")
    try:
        found = plugins.notifiers()
        targets = _targets(notify_specs, found)
        config = load_config(config_path)
        adapter = plugins.adapter(adapter_name)
    except MiprRulesError as exc:
        guard(exc)
    store_name = str(store_path)
    try:
        store = AlertStore(store_path)
    except MiprRulesError as exc:
        guard(exc)
    with store, Evaluator() as evaluator:
        try:
            catalogue = Catalogue.installed(evaluator.pm)
            catalogue.get(ruleset_id, as_of or today())
        except MiprRulesError as exc:
            guard(exc)
        watcher = Watcher(
            adapter,
            source,
            store,
            evaluator,
            catalogue,
            config,
            ruleset_id,
            targets,
            {t.notifier: found[t.notifier] for t in targets},
            as_of,
            lenient,
        )
        if once:
            cycle = watcher.check()
            _report(cycle, store_name, fmt)
            if cycle.error or (cycle.changes and cycle.changes.not_evaluated):
                sys.exit(2)
            severities = [a.severity for a in cycle.report.alerts()] if cycle.report else []
            sys.exit(1 if reached(severities, fail_on) else 0)
        with _Stopper().installed() as stopper:
            while not stopper.requested:
                _report(watcher.check(), store_name, fmt)
                with suppress(_WakeUp):
                    stopper.sleep(interval or DEFAULT_INTERVAL)
    click.echo("mipr watch: stopped", err=True)
    sys.exit(0)


@click.command()
@click.argument("alert_id")
@click.option(
    "--store",
    "store_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("alerts.db"),
    show_default=True,
    help="The alert store of mipr watch.",
)
@click.option("--by", required=True, help="Your pseudonymous staff id (e.g. S01), never a name or email address.")
@click.option("--note", default="", help="One line kept in the store (never sent by notifiers).")
@click.option("--on", "on", type=DATE, default=None, help="Date of the acknowledgement (default: today).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def ack(alert_id: str, store_path: Path, by: str, note: str, on: dt.date | None, fmt: str) -> None:
    """Acknowledge an open alert of the alert store (its id is in mipr watch's output: A-…).

    \b
    Examples:
      mipr ack A-3F9C2B7E1D0A --by S01 --note "review booked for Friday"
      mipr ack A-3F9C2B7E1D0A --store /var/lib/mipr/alerts.db --by S01 --format json
    """
    try:
        with AlertStore(store_path, create=False) as store:
            alert = store.acknowledge(alert_id.strip().upper(), by, note, on=on or today())
    except (MiprRulesError, DeliveryError) as exc:
        guard(exc)
    if fmt == "json":
        click.echo(json.dumps(alert.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(
            f"Acknowledged {alert.alert_id} ({alert.identity.rule_id}, {alert.identity.subject}) "
            f"by {alert.acknowledged_by} on {alert.acknowledged_on}"
        )


COMMANDS = [watch, ack]
