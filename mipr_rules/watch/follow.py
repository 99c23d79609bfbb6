"""Following a source: changes as they arrive, due dates at local midnight, a daily full sweep.

``Follower`` joins a change feed (``changes.ChangeFeed``), the incremental evaluator and an alert store:

* ``start`` reads every location once (the feed's position is taken first, so nothing committed meanwhile
  is lost), evaluates them and records the result; a feed opened at the position saved in the store
  (``source`` given) then replays what changed while no follower ran, deletions included;
* ``step`` waits for changes up to the next local midnight or sweep, re-reads the locations they name,
  evaluates what changed and records it; a deleted location's alerts are resolved;
* when the local date (``schedule.SERVICE_ZONE``) moves, exactly the locations whose next date of change
  has come are read and evaluated again (``IncrementalEvaluator.due``): no full sweep;
* once a day at ``sweep_at`` every location is read and evaluated in full; any difference from the
  incremental state is logged as an error (it would be a bug) and the full result is kept.

Time comes from ``clock`` (an aware date-time); tests pass fixed instants, never the wall clock.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo

import attrs

from mipr_rules.alerts.notify import AlertChanges, Delivery, Notifier, Target, deliver
from mipr_rules.engine.compile import CompiledRuleset
from mipr_rules.readiness import LocationReadiness, ReadinessReport, run_readiness
from mipr_rules.watch.changes import Change, ChangeFeed, changed_locations
from mipr_rules.watch.incremental import IncrementalEvaluator, differences
from mipr_rules.watch.schedule import SERVICE_ZONE, at_local, local_date, next_midnight
from mipr_rules.watch.store import AlertStore, FeedPosition

log = logging.getLogger("mipr_rules.watch")

PLAN_BATCH = 50
"""Most locations whose next date of change is worked out per step when no change is waiting."""
PLAN_BUDGET = 0.002
"""Seconds of such work per step (then the feed is looked at again): a change waits at most about this long."""
YOUNG_COLLECTION = 10_000
"""With ``freeze_gc``: allocations between collections of the youngest generation (Python's default: 700).
A change makes and drops thousands of short-lived objects; collecting every 700 cost about a tenth of a
follower's time per record, and the objects a young collection finds alive are few whatever the count."""
PLAN_SETTLED = 30.0
"""Seconds after its last change before a location's next date of change is worked out: one that keeps
changing is not planned again after each change (a date crossing plans every location left first)."""


def utc_now() -> dt.datetime:
    """The wall clock, as an aware UTC date-time (the command's default ``clock``)."""
    return dt.datetime.now(dt.timezone.utc)


@attrs.frozen
class Step:
    """What one step of a follower did."""

    as_of: dt.date
    """The date evaluated as of."""
    reason: str
    """``start``, ``changes``, ``due`` (a date crossing) or ``sweep``."""
    report: ReadinessReport
    """The locations evaluated (all their alerts), gone or failed."""
    changes: AlertChanges
    """What the store recorded: new, ongoing and resolved alerts."""
    records: int = 0
    """Changed records behind this step (``changes``)."""
    deliveries: tuple[Delivery, ...] = ()
    """Notifications delivered."""
    differences: Mapping[str, list[tuple[str, str, str]]] = attrs.field(factory=dict)
    """``sweep``: alerts the incremental state held but the full evaluation did not (``extra``), and the reverse."""


@attrs.define
class Follower:
    """Keeps an alert store up to date with a source, change by change (see the module docstring)."""

    feed: ChangeFeed
    incremental: IncrementalEvaluator
    store: AlertStore
    clock: Callable[[], dt.datetime] = utc_now
    sweep_at: str | None = "03:00"
    """Local time of the daily full sweep (``None``: no sweep)."""
    fixed_as_of: dt.date | None = None
    """Evaluate as of this date whatever the clock says (``--as-of``)."""
    targets: tuple[Target, ...] = ()
    notifiers: Mapping[str, Notifier] = attrs.field(factory=dict)
    zone: ZoneInfo = SERVICE_ZONE
    freeze_gc: bool = True
    """Keep the state held for every location (millions of objects, none in reference cycles) out of the
    cyclic collector's passes: after each step of changes, the young generations are collected (they hold
    only what the step made) and what lives is frozen (``gc.freeze``); after the first read, each date
    crossing and each sweep, everything is unfrozen, collected in full and frozen again. Without it a full
    pass stops the follower for about half a second every few seconds under load; freezing only now and then
    is not enough either: the release of frozen objects (the old state a change replaces) lowers the youngest
    generation's count, which then grows to hundreds of thousands of objects before a pass walks them all
    (80-120 ms under load). It also makes the youngest generation's threshold ``YOUNG_COLLECTION`` if lower.
    All of this is process-wide (objects of the embedding process caught in a cycle are freed at the next date
    crossing at the latest): set ``False`` in a process that manages the collector itself."""
    as_of: dt.date | None = None
    """The date the state is evaluated as of."""
    next_sweep: dt.datetime | None = None
    pending: list[Change] = attrs.field(factory=list)
    """Changes taken from the feed but not applied yet (they arrived during a sweep)."""
    source: str | None = None
    """The source as given: when set, the feed's position is saved with every result recorded (in the same
    transaction), so that a follower started again resumes there (``AlertStore.feed_position``)."""

    @property
    def compiled(self) -> CompiledRuleset:
        """The ruleset being followed."""
        return self.incremental.compiled

    def _today(self) -> dt.date:
        return self.fixed_as_of or local_date(self.clock(), self.zone)

    def _plan_sweep(self, after: dt.datetime) -> None:
        if self.sweep_at is None:
            self.next_sweep = None
            return
        day = local_date(after, self.zone)
        when = at_local(day, self.sweep_at, self.zone)
        self.next_sweep = when if when > after else at_local(day + dt.timedelta(days=1), self.sweep_at, self.zone)

    def _record(self, reason: str, locations: Sequence[LocationReadiness], full: bool, records: int = 0) -> Step:
        assert self.as_of is not None
        compiled = self.compiled
        report = ReadinessReport(
            self.as_of, compiled.ruleset, dict(compiled.parameters), tuple(locations), self.incremental.region
        )
        # The position only moves when every change taken from the feed is in this result (none pending).
        position = self.feed.position if self.source is not None and not self.pending else None
        feed = FeedPosition(self.source, position) if self.source is not None and position is not None else None
        changes = self.store.apply(report, notify=self.targets, full_read=full, at=self.clock(), feed_position=feed)
        deliveries = tuple(deliver(self.store, self.targets, self.notifiers)) if self.targets else ()
        return Step(self.as_of, reason, report, changes, records, deliveries)

    def _freeze_step(self) -> None:
        """After a step of changes (``freeze_gc``): collect the young generations, which hold only what the step
        made (all else is frozen), then freeze what lives."""
        if self.freeze_gc:
            gc.collect(1)
            gc.freeze()

    def _settle(self) -> None:
        """After a step that made much of the state anew: collect everything, then freeze what lives (``freeze_gc``)."""
        if self.freeze_gc:
            gc.unfreeze()  # cycles among what earlier steps froze are found too
            gc.collect()
            gc.freeze()
            young, *older = gc.get_threshold()
            if young < YOUNG_COLLECTION:
                gc.set_threshold(YOUNG_COLLECTION, *older)

    def start(self) -> Step:
        """Read and evaluate every location; record them (a full read)."""
        self.as_of = self._today()
        self._plan_sweep(self.clock())
        everything = list(self.feed.read_all())
        known = set(self.incremental.states)
        outcome = self.incremental.update(everything, known - {loc.location_id for loc in everything}, self.as_of)
        step = self._record("start", outcome.locations, full=True)
        self._settle()
        return step

    def apply(self, changes: Iterable[Change]) -> Step | None:
        """Re-read and evaluate the locations ``changes`` name; ``None`` if there were none."""
        changes = list(changes)
        ids = changed_locations(changes)
        if not ids:
            return None
        assert self.as_of is not None
        reread = getattr(self.feed, "apply", None)  # a feed that re-reads only the changed rows
        found = list(reread(changes) if reread else self.feed.read(ids))
        gone = set(ids) - {loc.location_id for loc in found}
        outcome = self.incremental.update(found, gone, self.as_of)
        step = self._record("changes", outcome.locations, full=False, records=len(changes))
        self._freeze_step()
        return step

    def cross_date(self, today: dt.date) -> Step | None:
        """Move to ``today``: evaluate exactly the locations due by then (``None`` if none is); due or not, the
        collector then goes over everything once (``freeze_gc``)."""
        self.as_of = today
        due = self.incremental.due(today)
        step = None
        if due:
            found = list(self.feed.read(due))
            gone = set(due) - {loc.location_id for loc in found}
            outcome = self.incremental.update(found, gone, today)
            step = self._record("due", outcome.locations, full=False)
        self._settle()  # every day, due or not
        return step

    def sweep(self) -> Step:
        """Evaluate every location in full; log as errors where the incremental state differed; keep the full result."""
        assert self.as_of is not None
        while self.apply(self.feed.wait(0.0)):  # first what is waiting: it is not a difference
            pass
        everything = list(self.feed.read_all())
        full = run_readiness(
            everything,
            as_of=self.as_of,
            ruleset=self.compiled.ruleset,
            overrides=self.compiled.parameters,
            region=self.incremental.region,
            evaluator=self.incremental.evaluator,
            allow_incomplete=True,
        )
        # Changes committed while the sweep read: their locations are compared at the next sweep.
        while changes := self.feed.wait(0.0):
            self.pending.extend(changes)  # applied at the next step
        racing = {change.location_id for change in self.pending}
        incremental_keys = {key for key in self.incremental.alert_keys() if key[0] not in racing}
        found = differences(incremental_keys, {key for key in full.alert_keys() if key[0] not in racing})
        for kind, keys in found.items():
            for location_id, rule_id, subject in keys:
                log.error("sweep: %s alert in incremental state: %s %s %s", kind, location_id, rule_id, subject)
        for location_id in {key[0] for keys in found.values() for key in keys}:
            self.incremental.states.pop(location_id, None)  # its cached hits were wrong: evaluate afresh
        known = set(self.incremental.states)
        failed = {loc.location_id for loc in full.locations if loc.error}
        self.incremental.update(
            [loc for loc in everything if loc.location_id not in failed],
            known - {loc.location_id for loc in everything},
            self.as_of,
        )
        step = self._record("sweep", full.locations, full=True)
        self._settle()
        return attrs.evolve(step, differences=found)

    def step(self, timeout: float = 1.0) -> list[Step]:
        """One round: a date crossing or sweep if one is due, else wait up to ``timeout`` for changes."""
        steps: list[Step] = []
        now = self.clock()
        today = self._today()
        if self.as_of is not None and today != self.as_of:
            crossed = self.cross_date(today)
            if crossed:
                steps.append(crossed)
        if self.next_sweep is not None and now >= self.next_sweep:
            steps.append(self.sweep())
            self._plan_sweep(now)
        if steps:
            return steps
        limit = timeout
        if self.fixed_as_of is None:
            limit = min(limit, max((next_midnight(now, self.zone) - now).total_seconds(), 0.0))
        if self.next_sweep is not None:
            limit = min(limit, max((self.next_sweep - now).total_seconds(), 0.0))
        found, self.pending = self.pending or list(self.feed.wait(0.0)), []
        if not found:
            if self.incremental.plan(limit=PLAN_BATCH, budget=PLAN_BUDGET, settled=PLAN_SETTLED):
                return []  # more dates to work out: look for changes first, then come back to them
            found = list(self.feed.wait(limit))
        applied = self.apply(found)
        return [applied] if applied else []
