"""``mipr watch --follow``: the command side of ``mipr_rules.watch.follow`` (output, signals, errors)."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
import traceback
from collections.abc import Mapping
from typing import Any

import click

from mipr_rules import plugins
from mipr_rules.adapters.base import Adapter, ReadContext
from mipr_rules.adapters.informs import restrict_to_source
from mipr_rules.alerts.notify import Notifier, Target
from mipr_rules.completeness import completeness_json
from mipr_rules.config import Config
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.errors import InputError, MiprRulesError, PluginError
from mipr_rules.model import Location
from mipr_rules.outputs.safe_text import plain
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.watch.changes import ChangeFeed, FeedOptions
from mipr_rules.watch.follow import Follower, Step
from mipr_rules.watch.incremental import IncrementalEvaluator
from mipr_rules.watch.interfaces import shown_source
from mipr_rules.watch.schedule import at_local
from mipr_rules.watch.service import DEBUG_ENV
from mipr_rules.watch.shard import Shard, ShardFeed
from mipr_rules.watch.store import AlertStore

MAX_LINES = 15
"""Most alert lines printed per step in text (``--format json`` has them all)."""


def open_feed(adapter: Adapter, source: str, options: FeedOptions) -> ChangeFeed:
    """The change feed of ``adapter`` on ``source`` (``mipr_change_feed`` hook); a ``PluginError`` if none."""
    feed = plugins.plugin_manager().hook.mipr_change_feed(adapter=adapter, source=source, options=options)
    if feed is None:
        raise PluginError(f"--follow: the {adapter.name} adapter has no change feed; use --interval instead")
    return feed  # type: ignore[no-any-return]


def check_sweep_at(value: str | None) -> str | None:
    """``HH:MM`` or ``off``; an ``InputError`` otherwise."""
    if value is None or value == "off":
        return None
    try:
        at_local(dt.date(2026, 1, 1), value)
    except ValueError:
        raise InputError(f"--sweep-at {value!r}: expected HH:MM (local time, Europe/London) or off") from None
    return value


def step_dict(step: Step, store: str, shard: str | None = None) -> dict[str, Any]:
    """One line of ``--format json`` (``shard``: ``I/N`` when one of several followers)."""
    return {
        "kind": "watch_step",
        **({"shard": shard} if shard else {}),
        **completeness_json(step.report.failures),
        "reason": step.reason,
        "as_of": step.as_of.isoformat(),
        "store": store,
        "records": step.records,
        "locations": len(step.report.locations),
        "changes": step.changes.as_dict(),
        "differences": {k: [list(key) for key in v] for k, v in step.differences.items()},
        "deliveries": [d.as_dict() for d in step.deliveries],
    }


def step_text(step: Step, store: str, shard: str | None = None) -> str:
    """A few lines: what was not evaluated first, then what is new and resolved."""
    lines = []
    if step.report.failures:
        lines.append(f"INCOMPLETE: {len(step.report.failures)} not evaluated; their open alerts are kept as they were")
        lines += [f"  {key}: {why}" for key, why in step.report.failures]
    changes = step.changes
    lines.append(
        f"mipr watch: as of {step.as_of} · {step.reason} · {step.records} record(s), "
        f"{len(step.report.locations)} location(s) · {len(changes.new)} new, {len(changes.resolved)} resolved "
        f"· store {store}{f' · shard {shard}' if shard else ''}"
    )
    shown = [("new", a) for a in changes.new] + [("resolved", a) for a in changes.resolved]
    for kind, alert in shown[:MAX_LINES]:
        lines.append(
            f"  {kind:<9} {alert.severity:<8} {alert.alert_id}  {alert.identity.rule_id}  {alert.identity.subject}"
        )
    if len(shown) > MAX_LINES:
        lines.append(f"  … and {len(shown) - MAX_LINES} more (--format json lists them all)")
    for kind, keys in step.differences.items():
        if keys:
            lines.append(f"  sweep: {len(keys)} alert(s) {kind} in the incremental state (logged as errors)")
    return plain("\n".join(lines))


def run_follow(
    *,
    adapter: Adapter,
    source: str,
    store: AlertStore,
    store_name: str,
    evaluator: Evaluator,
    catalogue: Catalogue,
    config: Config,
    ruleset_id: str,
    targets: tuple[Target, ...],
    notifiers: Mapping[str, Notifier],
    as_of: dt.date | None,
    lenient: bool,
    max_skipped: float,
    poll: float,
    sweep_at: str | None,
    fmt: str,
    stopped: Any,
    shard: Shard | None = None,
) -> None:
    """Follow the source until ``stopped.requested``; print one report per step that changed something."""
    from mipr_rules.watch.follow import utc_now
    from mipr_rules.watch.schedule import local_date

    def show(step: Step) -> None:
        if step.reason in ("changes", "due") and not (
            step.changes.new or step.changes.resolved or step.report.failures
        ):
            return
        if fmt == "json":
            click.echo(json.dumps(step_dict(step, store_name, label), ensure_ascii=False, separators=(",", ":")))
        else:
            click.echo(step_text(step, store_name, label))
        for key, why in step.report.failures:
            click.echo(f"mipr: error: {key}: {why}", err=True)
        sys.stdout.flush()

    start = as_of or local_date(utc_now())
    ruleset = catalogue.get(ruleset_id, start)
    ruleset, not_evaluated = restrict_to_source(ruleset, adapter, source)  # left out, named once
    for group in not_evaluated:
        click.echo(f"mipr: {len(group.rules)} {group.group} rule(s) not evaluated: {group.why}", err=True)
    compiled = evaluator.compile(ruleset, config.overrides_for(ruleset), Location)
    context = ReadContext(lenient=lenient, key=config.pseudonym_key(), max_skipped=max_skipped)
    shard = shard or Shard(1, 1)
    label = shard.label if shard.count > 1 else None  # shown in each step's report
    key = shard.position_key(source)
    # Where the last follower of this source stopped: this shard, or (before the source was sharded) the only one.
    position = store.feed_position(key, ruleset.id)
    if position is None and key != source:
        position = store.feed_position(source, ruleset.id)
    feed: ChangeFeed = open_feed(adapter, source, FeedOptions(context, position, poll, shard.owns))
    if shard.count > 1:
        feed = ShardFeed(feed, shard)
    try:
        follower = Follower(
            feed,
            IncrementalEvaluator(evaluator, compiled, config.region),
            store,
            sweep_at=sweep_at,
            fixed_as_of=as_of,
            targets=targets,
            notifiers=notifiers,
            source=key,
        )
        show(follower.start())
        while not stopped.requested:
            try:
                for step in follower.step(timeout=1.0):
                    show(step)
            except MiprRulesError as exc:  # one bad batch: reported, the next one runs
                click.echo(f"mipr: error: {str(exc).splitlines()[0]}", err=True)
                time.sleep(poll)
            except Exception as exc:  # a long-running service survives what one step meets; never its text
                if os.environ.get(DEBUG_ENV):
                    traceback.print_exception(exc, file=sys.stderr)
                click.echo(
                    f"mipr: error: internal error ({type(exc).__name__}) while following {shown_source(source)}; "
                    f"set {DEBUG_ENV}=1 for details",
                    err=True,
                )
                time.sleep(poll)
    finally:
        feed.close()
