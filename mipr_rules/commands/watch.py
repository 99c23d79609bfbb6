"""``mipr watch`` (continuous readiness with an alert store and notifiers) and ``mipr ack``."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sys
import threading
import time
import traceback
import urllib.parse
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import Any

import attrs
import click

from mipr_rules import clock, plugins
from mipr_rules.adapters.base import DEFAULT_MAX_SKIPPED, Adapter, ReadContext
from mipr_rules.alerts.notify import (
    AlertChanges,
    Delivery,
    Notifier,
    StoredAlert,
    Target,
    configured,
    deliver,
    start_warnings,
    validate_target,
)
from mipr_rules.alerts.store import AlertStore
from mipr_rules.commands.options import (
    DATE,
    as_of_option,
    config_option,
    fail,
    fail_on_option,
    max_skipped_option,
    reached,
    rules_path_option,
)
from mipr_rules.completeness import Failure, completeness_json
from mipr_rules.config import Config, load_config
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.errors import MiprRulesError, PluginError
from mipr_rules.model import Location
from mipr_rules.outputs.progress import progress
from mipr_rules.readiness import DEFAULT_RULESET, ReadinessReport, run_readiness
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.safe_text import plain

DEBUG_ENV = "MIPR_RULES_DEBUG"
"""Set to 1 for the traceback of an internal error (as the CLI does)."""
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
    """Why the check failed (the source could not be read, the ruleset is missing, an internal error...)."""
    deliveries: tuple[Delivery, ...] = ()
    """What was delivered to each target in this cycle."""
    pending_elsewhere: int = 0
    """Change sets waiting for targets not given in this run."""
    source: str = ""
    """The source as shown in messages (without credentials)."""
    error_code: int = 2
    """Exit code of ``--once`` when the check failed: 2 bad input, 3 internal error."""
    full_read: bool = False
    """Whether the check evaluated every location of the source (not only those a change cursor reported)."""

    @property
    def failures(self) -> tuple[Failure, ...]:
        """What this check did not evaluate: the whole source when it failed, else the locations that failed."""
        if self.error is not None:
            return ((self.source, self.error),)
        return self.report.failures if self.report else ()

    @property
    def exit_code(self) -> int | None:
        """3 when something was not evaluated, 2 when the source or store was bad; ``None`` otherwise."""
        if self.error is not None:
            return self.error_code
        return 3 if self.failures else None

    def as_dict(self, store: str) -> dict[str, Any]:
        """One line of ``--format json``."""
        return {
            "kind": "watch_cycle",
            **completeness_json(self.failures),
            "as_of": self.as_of.isoformat(),
            "store": store,
            "error": self.error,
            "full_read": self.full_read,
            "changes": self.changes.as_dict() if self.changes else None,
            "skipped": [group.as_dict() for group in self.report.skipped] if self.report else [],
            "deliveries": [d.as_dict() for d in self.deliveries],
            "pending_other_targets": self.pending_elsewhere,
        }


class _Reading:
    """The adapter's locations, remembering the last one read (to name where a failure happened)."""

    def __init__(self, locations: Iterable[Location]) -> None:
        self._locations = locations
        self.last: str | None = None

    def __iter__(self) -> Iterator[Location]:
        for location in self._locations:
            self.last = location.location_id
            yield location


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
    max_skipped: float = DEFAULT_MAX_SKIPPED
    output_format: str = "json"
    """The command's output format: a sweep shows a progress bar on a terminal only for text or HTML."""

    def check(self) -> Cycle:
        """Read the source, evaluate, record the result in the store, deliver what is waiting.

        Never raises for what one check meets (bad data, an engine crash, an internal error): the failure
        is in the returned ``Cycle``, naming the source or the location, never a record's content. When the
        as-of date differs from the last full check's, every location is read and evaluated again, even
        from a source read through a change cursor: alerts fall due as time passes.
        """
        when = self.as_of or clock.today()
        shown = shown_source(self.source)
        report = changes = None
        error: str | None = None
        code = 2
        full = False
        reading: _Reading | None = None
        try:
            full = self.store.needs_full_read(when, self.ruleset_id)
            ruleset = self.catalogue.get(self.ruleset_id, when)
            context = ReadContext(
                lenient=self.lenient, full=full, key=self.config.pseudonym_key(), max_skipped=self.max_skipped
            )
            reading = _Reading(context.read(self.adapter, self.source))
            with progress("Watch sweep: locations", fmt=self.output_format) as tracker:
                report = run_readiness(
                    reading,
                    as_of=when,
                    ruleset=ruleset,
                    overrides=self.config.overrides_for(ruleset),
                    region=self.config.region,
                    evaluator=self.evaluator,
                    skipped=context.summary(),
                    allow_incomplete=True,
                    tracker=tracker,
                )
            changes = self.store.apply(report, notify=self.targets, full_read=full)
        except MiprRulesError as exc:
            error, report, code = _one_line(exc), None, exc.exit_code
        except Exception as exc:  # a long-running service survives whatever one check meets
            after = f" after location {reading.last}" if reading and reading.last else ""
            error, report, code = _internal(exc, f"checking {shown}{after}"), None, 3
        deliveries: tuple[Delivery, ...] = ()
        elsewhere = 0
        try:
            deliveries = tuple(deliver(self.store, self.targets, self.notifiers))
            elsewhere = self.store.pending_elsewhere(self.targets)
        except MiprRulesError as exc:
            error = error or _one_line(exc)
        except Exception as exc:
            if error is None:
                error, code = _internal(exc, "delivering notifications"), 3
        return Cycle(when, report, changes, error, deliveries, elsewhere, shown, code, full)


def _one_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _internal(error: Exception, doing: str) -> str:
    """One line for an unexpected error: its type and what was being done, never its text (it may quote a record)."""
    if os.environ.get(DEBUG_ENV):
        traceback.print_exception(error, file=sys.stderr)
    return f"internal error ({type(error).__name__}) while {doing}; set {DEBUG_ENV}=1 for details"


def shown_source(source: str) -> str:
    """``source`` as messages may show it: a URL without its password and query (they can hold secrets)."""
    if "://" not in source:
        return source
    try:
        parts = urllib.parse.urlsplit(source)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return source.split("://", 1)[0] + "://…"
    user = f"{parts.username}@" if parts.username else ""
    return urllib.parse.urlunsplit((parts.scheme, f"{user}{host}{port}", parts.path, "", ""))


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
    """Stops cleanly on SIGINT/SIGTERM: a check in progress finishes and its output is written whole; a wait
    ends at once.

    A second signal during a check aborts it (the store's transaction rolls back; nothing is half written),
    but never while a check's output is being written: a line on standard output is never cut.
    """

    def __init__(self) -> None:
        self.requested = False
        self.sleeping = False
        self.writing = False

    def handle(self, signum: int, frame: FrameType | None) -> None:
        if self.sleeping:
            self.requested = True
            raise _WakeUp
        if self.requested and not self.writing:
            raise KeyboardInterrupt
        self.requested = True

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
    def output(self) -> Iterator[None]:
        """While a check's output is written, signals only ask to stop."""
        self.writing = True
        try:
            yield
        finally:
            self.writing = False

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
    failures = cycle.failures
    if failures:  # first: what this check did not evaluate
        lines.append(f"INCOMPLETE: {len(failures)} not evaluated; their open alerts are kept as they were")
        lines += [f"  {key}: {why}" for key, why in failures]
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
        lines.append(f"{sum(g.count for g in cycle.report.skipped)} record(s) skipped in lenient mode")
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
    elif cycle.changes:
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
@rules_path_option
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
@max_skipped_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: a summary per check; json: one JSON object per check, one per line.",
)
@fail_on_option
@click.option(
    "--allow-http", is_flag=True, help="Allow webhook targets over plain http:// (unencrypted; default: https only)."
)
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
    max_skipped: float,
    fmt: str,
    fail_on: str | None,
    allow_http: bool,
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
    2 when the source, store or options are bad, 3 when a location could not be evaluated (or an internal
    error). Without --once: 0 when stopped by a signal, 2 when the options are bad; a check that fails is
    reported on standard error and the next check runs.
    """
    if once and interval is not None:
        fail("--once and --interval exclude each other")
    config = load_config(config_path)
    found = configured(plugins.notifiers(), attrs.evolve(config.notify, allow_http=allow_http))
    targets = _targets(notify_specs, found)
    adapter = plugins.adapter(adapter_name)
    for target in targets:
        for warning in start_warnings(found[target.notifier], target.target):
            click.echo(f"mipr: warning: {warning}", err=True)
    store_name = str(store_path)
    store = AlertStore(store_path)
    with store, Evaluator() as evaluator:
        catalogue = Catalogue.installed(evaluator.pm)
        catalogue.get(ruleset_id, as_of or clock.today())
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
            max_skipped,
            output_format=fmt,
        )
        with _Stopper().installed() as stopper:
            if once:
                cycle = watcher.check()
                with stopper.output():
                    _report(cycle, store_name, fmt)
                if cycle.exit_code is not None:
                    sys.exit(cycle.exit_code)
                severities = [a.severity for a in cycle.report.alerts()] if cycle.report else []
                sys.exit(1 if reached(severities, fail_on) else 0)
            while not stopper.requested:
                cycle = watcher.check()
                with stopper.output():
                    _report(cycle, store_name, fmt)
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
    with AlertStore(store_path, create=False) as store:
        alert = store.acknowledge(alert_id.strip().upper(), by, note, on=on or clock.today())
    if fmt == "json":
        click.echo(json.dumps(alert.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(
            f"Acknowledged {alert.alert_id} ({alert.identity.rule_id}, {alert.identity.subject}) "
            f"by {alert.acknowledged_by} on {alert.acknowledged_on}"
        )


COMMANDS = [watch, ack]
