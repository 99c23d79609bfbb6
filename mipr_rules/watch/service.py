"""The watch service: checks readiness again and again, keeps alerts in a store, tells news once.

Usable from a vendor's own process, built by the front door (``mipr_rules.api.Session.watch_service``)::

    from mipr_rules.api import Session
    service = Session().watch_service(source="home.json", store="postgresql://mipr@db/alerts",
                                      notify=["webhook:https://…"])
    service.start()            # checks in a background thread every `interval` seconds
    service.health()           # {"running": True, "checks": 3, "last_error": None, ...}
    service.stop()

``mipr watch`` is a thin command over it. One ``check()`` reads what to evaluate from its ``ChangeSource``,
evaluates it with its ``Evaluation``, records the result in the store (``AlertStore.apply``), escalates
alerts nobody acknowledged in time, makes the daily digest when due and delivers what waits in the outbox.
Time is an input: the service's ``clock`` (a callable returning an aware datetime) is the only "now"
anything below it sees, and the as-of date is its local date in Europe/London unless fixed.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
import traceback
import uuid
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

import attrs

from mipr_rules.adapters.informs import source_gaps
from mipr_rules.alerts.notify import (
    AlertChanges,
    Delivery,
    Notifier,
    Target,
    deliver,
    validate_target,
)
from mipr_rules.completeness import Failure, completeness_json
from mipr_rules.config import Config
from mipr_rules.errors import MiprRulesError, PluginError
from mipr_rules.readiness import ReadinessReport
from mipr_rules.watch.interfaces import ChangeSource, Evaluation, Reading
from mipr_rules.watch.lifecycle import DigestSchedule, local_date, parse_escalation
from mipr_rules.watch.store import DEFAULT_LEASE, AlertStore, shown_url

DEBUG_ENV = "MIPR_RULES_DEBUG"
"""Set to 1 for the traceback of an internal error (as the CLI does)."""
DEFAULT_INTERVAL = 3600.0
"""Seconds between checks when no interval is given."""

Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    """The wall clock (UTC): the default clock of a service, read only at this boundary."""
    return dt.datetime.now(dt.timezone.utc)


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
    """Notifications waiting for targets not given in this run."""
    source: str = ""
    """The source as shown in messages (without credentials)."""
    error_code: int = 2
    """Exit code of ``--once`` when the check failed: 2 bad input, 3 internal error."""
    full_read: bool = False
    """Whether the check evaluated every location of the source (not only those a change cursor reported)."""
    escalated: int = 0
    """Alerts escalated in this cycle."""
    digests: int = 0
    """Digests made in this cycle."""

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
            "escalated": self.escalated,
            "digests": self.digests,
        }


@attrs.define
class WatchService:
    """Everything a check needs, prepared once (so that bad options fail before the first check)."""

    source: ChangeSource
    evaluation: Evaluation
    store: AlertStore
    targets: tuple[Target, ...] = ()
    notifiers: dict[str, Notifier] = attrs.field(factory=dict)
    as_of: dt.date | None = None
    """Fixed as-of date (None: the clock's local date)."""
    clock: Clock = system_clock
    interval: float = DEFAULT_INTERVAL
    digest: DigestSchedule | None = None
    escalation: tuple[tuple[str, dt.timedelta, Target], ...] = ()
    lease: dt.timedelta = DEFAULT_LEASE
    worker: str = attrs.field(factory=lambda: uuid.uuid4().hex)
    """This service's name in outbox claims."""
    on_cycle: Callable[[Cycle], None] | None = None
    """Called after every check of ``start()``'s thread."""
    _thread: threading.Thread | None = None
    _stop: threading.Event = attrs.field(factory=threading.Event)
    _checks: int = 0
    _last: Cycle | None = None
    _lock: threading.Lock = attrs.field(factory=threading.Lock)

    def close(self) -> None:
        """Stop, then close the store and the evaluator (if this service opened them)."""
        self.stop()
        self.store.close()
        closer = getattr(getattr(self.evaluation, "evaluator", None), "close", None)
        if callable(closer):
            closer()

    # -- one check ----------------------------------------------------------------------------------------

    def today(self, now: dt.datetime) -> dt.date:
        """The as-of date of a check at ``now``."""
        return self.as_of or local_date(now)

    def check(self) -> Cycle:
        """Read, evaluate, record the result, escalate, digest, deliver what is waiting.

        Never raises for what one check meets (bad data, an engine crash, an internal error): the failure is
        in the returned ``Cycle``, naming the source or the location, never a record's content. When the
        as-of date differs from the last full check's, every location is read and evaluated again: alerts
        fall due as time passes.
        """
        with self._lock:
            cycle = self._check()
            self._checks += 1
            self._last = cycle
            return cycle

    def _check(self) -> Cycle:
        now = self.clock()
        when = self.today(now)
        shown = self.source.shown
        report = changes = None
        error: str | None = None
        code = 2
        full = False
        reading: Reading | None = None
        escalated = digests = 0
        try:
            full = self.store.needs_full_read(when, self.evaluation.ruleset_id)
            reading = Reading(self.source.read(full=full))
            report = self.evaluation.evaluate(reading, as_of=when, skipped=self.source.skipped())
            changes = self.store.apply(
                report, notify=self.targets, full_read=full, at=now, hold=self.digest is not None
            )
            escalated = len(self.store.escalate(self.escalation, at=now, on=when))
            digests = self._digest(now, when)
        except MiprRulesError as exc:
            error, report, code = one_line(exc), None, exc.exit_code
        except Exception as exc:  # a long-running service survives whatever one check meets
            after = f" after location {reading.last}" if reading and reading.last else ""
            error, report, code = internal(exc, f"checking {shown}{after}"), None, 3
        deliveries: tuple[Delivery, ...] = ()
        elsewhere = 0
        try:
            everyone = self.targets + tuple(t for _, _, t in self.escalation)
            deliveries = tuple(deliver(self.store, everyone, self.notifiers, worker=self.worker, at=now))
            elsewhere = self.store.pending_elsewhere(everyone)
        except MiprRulesError as exc:
            error = error or one_line(exc)
        except Exception as exc:
            if error is None:
                error, code = internal(exc, "delivering notifications"), 3
        return Cycle(when, report, changes, error, deliveries, elsewhere, shown, code, full, escalated, digests)

    def _digest(self, now: dt.datetime, when: dt.date) -> int:
        if self.digest is None:
            return 0
        # per target: another watcher's targets on the same store keep their own schedule
        last = {t.key: self.store.last_digest(t) for t in self.targets}
        fresh = [t for t in self.targets if last[t.key] is None]
        if fresh:  # a target's first digest is at the next scheduled time
            self.store.start_digests(fresh, at=now)
        due = [t for t in self.targets if self.digest.due(last[t.key], now)]
        return self.store.digest(due, at=now, on=when) if due else 0

    # -- as a service -------------------------------------------------------------------------------------

    def start(self) -> None:
        """Check now and then every ``interval`` seconds in a background thread, until ``stop()``."""
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name=f"mipr-watch-{self.worker[:8]}", daemon=True)
        self._thread.start()

    def run(self) -> None:
        """The loop of ``start()`` (call it directly to run in the current thread); ends on ``stop()``."""
        while not self._stop.is_set():
            cycle = self.check()
            if self.on_cycle is not None:
                self.on_cycle(cycle)
            self._stop.wait(self.interval)

    def stop(self, timeout: float | None = None) -> None:
        """Ask the loop to stop; a check in progress finishes. Claims on the outbox are released."""
        self._stop.set()
        if self._thread and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._thread = None
        with suppress(MiprRulesError):
            self.store.release(self.worker)

    @property
    def stopping(self) -> bool:
        """Whether ``stop()`` was called."""
        return self._stop.is_set()

    def health(self) -> dict[str, Any]:
        """``{"running", "checks", "last_as_of", "last_error", "incomplete", "pending", "store", "worker"}``."""
        last = self._last
        try:
            pending: int | None = len(self.store.pending())
        except MiprRulesError:
            pending = None
        return {
            "running": bool(self._thread and self._thread.is_alive()),
            "checks": self._checks,
            "last_as_of": last.as_of.isoformat() if last else None,
            "last_error": last.error if last else None,
            "incomplete": bool(last and last.failures),
            "pending": pending,
            "store": self.store.where,
            "worker": self.worker,
        }


def one_line(error: Exception) -> str:
    """The first line of an error's message."""
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def internal(error: Exception, doing: str) -> str:
    """One line for an unexpected error: its type and what was being done, never its text (it may quote a record)."""
    if os.environ.get(DEBUG_ENV):
        traceback.print_exception(error, file=sys.stderr)
    return f"internal error ({type(error).__name__}) while {doing}; set {DEBUG_ENV}=1 for details"


def shown_store(store: str | Path) -> str:
    """A store as messages show it: a path as given, a URL without password or query."""
    text = str(store)
    return shown_url(text) if "://" in text else text


def parse_targets(specs: Sequence[str], found: Mapping[str, Notifier]) -> tuple[Target, ...]:
    """``NAME:TARGET`` specs, checked against the installed notifiers."""
    targets: list[Target] = []
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


def escalation_targets(config: Config, found: Mapping[str, Notifier]) -> tuple[tuple[str, dt.timedelta, Target], ...]:
    """The provider configuration's escalation rules (checked: ``ConfigError`` naming the file) with their targets."""
    out = []
    for rule in parse_escalation(config.escalation or None, f"{config.path or 'config'}: escalation"):
        (target,) = parse_targets([rule.notify], found)
        out.append((rule.severity, rule.after, target))
    return tuple(out)


def watcher(
    adapter: Any,
    source: str,
    store: AlertStore,
    evaluator: Any,
    catalogue: Any,
    config: Any,
    ruleset_id: str | None = None,
    targets: Sequence[Target] = (),
    notifiers: Mapping[str, Notifier] | None = None,
    as_of: dt.date | None = None,
    lenient: bool = False,
    max_skipped: float | None = None,
    **options: Any,
) -> WatchService:
    """A service over an adapter and an engine the caller already holds (``mipr_rules.api.Session.watcher``).

    The arguments (in order) and keywords of the former ``mipr_rules.commands.watch.Watcher``; other
    ``options`` are fields of the service. The caller keeps ownership of ``store`` and ``evaluator``.
    """
    from mipr_rules.adapters.base import DEFAULT_MAX_SKIPPED
    from mipr_rules.readiness import DEFAULT_RULESET
    from mipr_rules.watch.interfaces import AdapterSource, FullEvaluation

    return WatchService(
        AdapterSource(adapter, source, config, lenient, DEFAULT_MAX_SKIPPED if max_skipped is None else max_skipped),
        FullEvaluation(evaluator, catalogue, config, ruleset_id or DEFAULT_RULESET, **source_gaps(adapter, source)),
        store,
        tuple(targets),
        dict(notifiers or {}),
        as_of=as_of,
        **options,
    )
