"""``mipr watch``: a thin command over the watch service (``mipr_rules.watch.service``)."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType

import attrs
import click

from mipr_rules import clock, plugins
from mipr_rules.alerts.notify import StoredAlert, configured, start_warnings
from mipr_rules.api import Session
from mipr_rules.commands.options import (
    as_of_option,
    config_option,
    fail,
    fail_on_option,
    max_skipped_option,
    reached,
    rules_path_option,
)
from mipr_rules.readiness import DEFAULT_RULESET
from mipr_rules.safe_text import plain
from mipr_rules.watch.interfaces import AdapterSource, Evaluation, FullEvaluation, shown_source
from mipr_rules.watch.lifecycle import DigestSchedule
from mipr_rules.watch.service import (
    DEFAULT_INTERVAL,
    Cycle,
    WatchService,
    escalation_targets,
    parse_targets,
    shown_store,
)
from mipr_rules.watch.shard import Shard
from mipr_rules.watch.store import AlertStore, store_url

MAX_LINES = 15
"""Most alert lines in one cycle's text summary (one screen); --format json has them all."""
STORE_HELP = "The alert store: a SQLite path or sqlite:///PATH (one process), or postgresql://… (shared)."

__all__ = ["Cycle", "render_text", "shown_source", "watch"]


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
@click.option("--store", "store", default="alerts.db", show_default=True, help=STORE_HELP)
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
@click.option("--follow", is_flag=True, help="Follow the source's change feed: evaluate each change as it arrives.")
@click.option(
    "--poll",
    type=click.FloatRange(min=0.01),
    default=1.0,
    show_default=True,
    metavar="SECONDS",
    help="--follow: seconds between polls of feeds that poll (sub-second allowed).",
)
@click.option(
    "--shard",
    "shard_spec",
    default=None,
    metavar="I/N",
    help="--follow: be the I-th of N followers, each owning a fixed share of the locations (one PostgreSQL store).",
)
@click.option(
    "--sweep-at",
    default="03:00",
    show_default=True,
    metavar="HH:MM",
    help="--follow: local time (Europe/London) of the daily full sweep checking the incremental state; off: none.",
)
@click.option(
    "--digest",
    "digest_spec",
    default=None,
    metavar="daily@HH:MM",
    help="Hold news and send one summary per target a day at that time (Europe/London).",
)
@click.option(
    "--executor",
    type=click.Choice(["local", "celery"]),
    default="local",
    show_default=True,
    help="Where locations are evaluated: in this process, or on Celery workers (plugin mipr-rules-celery).",
)
@click.option("--broker", default=None, metavar="URL", help="Celery broker URL (amqp://… or redis://…).")
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
    store: str,
    notify_specs: tuple[str, ...],
    interval: float | None,
    once: bool,
    follow: bool,
    poll: float,
    shard_spec: str | None,
    sweep_at: str,
    digest_spec: str | None,
    executor: str,
    broker: str | None,
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
    A delivery that fails is kept and retried at the next check. Unacknowledged alerts are escalated as the
    provider configuration's escalation: says. Several watchers may share one PostgreSQL store. Stop with
    Ctrl-C or SIGTERM.

    \b
    Examples:
      mipr watch --source home.json --once
      mipr watch --follow --adapter sql --source postgresql://localhost/care --store postgresql://localhost/mipr
      mipr watch --source home.json --store /var/lib/mipr/alerts.db --interval 3600 \\
          --notify webhook:https://care.example.org/hooks/mipr
      mipr watch --adapter sql --source postgresql://localhost/care --store postgresql://localhost/mipr \\
          --digest daily@07:00 --notify 'email:smtp://mail.example.org:587?from=mipr@example.org&to=manager@example.org'
      mipr watch --source home.json --store postgresql://localhost/mipr --executor celery --broker amqp://localhost

    \b
    Exit codes: with --once, 0 when nothing at or above --fail-on is open, 1 when something is,
    2 when the source, store or options are bad, 3 when a location could not be evaluated (or an internal
    error). Without --once: 0 when stopped by a signal, 2 when the options are bad; a check that fails is
    reported on standard error and the next check runs.
    """
    if once and interval is not None:
        fail("--once and --interval exclude each other")
    if follow and (once or interval is not None or executor == "celery"):
        fail("--follow excludes --once, --interval and --executor celery")
    if broker and executor != "celery":
        fail("--broker is for --executor celery")
    if shard_spec is not None and not follow:
        fail("--shard is for --follow")
    shard = Shard.parse(shard_spec) if shard_spec else None
    if shard is not None and shard.count > 1 and store_url(store).startswith("sqlite"):
        fail(f"--shard {shard.label}: shards share one store and a SQLite file is for one process; --store postgresql://…")
    session = Session.from_config(config_path)
    config = session.config
    found = configured(plugins.notifiers(), attrs.evolve(config.notify, allow_http=allow_http))
    targets = parse_targets(notify_specs, found)
    escalation = escalation_targets(config, found)
    adapter = plugins.adapter(adapter_name)
    digest = DigestSchedule.parse(digest_spec) if digest_spec else None
    for target in targets + tuple(t for _, _, t in escalation):
        for warning in start_warnings(found[target.notifier], target.target):
            click.echo(f"mipr: warning: {warning}", err=True)
    store_name = shown_store(store)
    alert_store = AlertStore(store)
    with alert_store, session:
        evaluator, catalogue = session.evaluator, session.catalogue
        session.ruleset(ruleset_id, as_of or clock.today())
        evaluation: Evaluation = FullEvaluation(evaluator, catalogue, config, ruleset_id, output_format=fmt)
        if executor == "celery":
            evaluation = _celery(evaluation, broker, adapter_name, source, store, config_path, lenient, max_skipped)
        used = {t.notifier for t in targets} | {t.notifier for _, _, t in escalation}
        service = WatchService(
            AdapterSource(adapter, source, config, lenient, max_skipped),
            evaluation,
            alert_store,
            targets,
            {name: found[name] for name in used},
            as_of=as_of,
            interval=interval or DEFAULT_INTERVAL,
            digest=digest,
            escalation=escalation,
        )
        with _Stopper().installed() as stopper:
            if follow:
                from mipr_rules.commands.watch_follow import check_sweep_at, run_follow

                run_follow(
                    adapter=adapter,
                    source=source,
                    store=alert_store,
                    store_name=store_name,
                    evaluator=evaluator,
                    catalogue=catalogue,
                    config=config,
                    ruleset_id=ruleset_id,
                    targets=targets,
                    notifiers={name: found[name] for name in used},
                    as_of=as_of,
                    lenient=lenient,
                    max_skipped=max_skipped,
                    poll=poll,
                    shard=shard,
                    sweep_at=check_sweep_at(sweep_at),
                    fmt=fmt,
                    stopped=stopper,
                )
                click.echo("mipr watch: stopped", err=True)
                sys.exit(0)
            if once:
                cycle = service.check()
                with stopper.output():
                    _report(cycle, store_name, fmt)
                service.stop()
                if cycle.exit_code is not None:
                    sys.exit(cycle.exit_code)
                severities = [a.severity for a in cycle.report.alerts()] if cycle.report else []
                sys.exit(1 if reached(severities, fail_on) else 0)
            while not stopper.requested:
                cycle = service.check()
                with stopper.output():
                    _report(cycle, store_name, fmt)
                with suppress(_WakeUp):
                    stopper.sleep(service.interval)
            service.stop()
    click.echo("mipr watch: stopped", err=True)
    sys.exit(0)


def _celery(
    local: Evaluation,
    broker: str | None,
    adapter: str,
    source: str,
    store: str,
    config_path: Path | None,
    lenient: bool,
    max_skipped: float,
) -> Evaluation:
    """The Celery executor of the plugin distribution mipr-rules-celery."""
    from mipr_rules.errors import PluginError

    if not broker:
        raise PluginError("--executor celery: give the broker, e.g. --broker amqp://guest@localhost//")
    try:
        executor = importlib.import_module("mipr_rules_celery.executor")
    except ImportError:
        raise PluginError(
            "--executor celery needs the plugin: pip install mipr-rules-celery (plugins/celery)"
        ) from None
    return executor.CeleryEvaluation.connect(  # type: ignore[no-any-return]
        broker,
        local=local,
        adapter=adapter,
        source=source,
        config=str(config_path) if config_path else None,
        lenient=lenient,
        max_skipped=max_skipped,
    )


COMMANDS = [watch]
