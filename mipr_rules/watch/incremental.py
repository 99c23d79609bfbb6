"""Incremental evaluation: re-evaluate only the facts that changed, keep each location's facts and alerts.

Every rule matches one fact (the condition language has no joins), so a fact's hits depend on that fact
alone. For each location the evaluator keeps the facts it last measured, by part (``mipr_rules.facts.parts``:
each person, each member of staff, each collection of the location) and the hits of each fact. When records
of a location change it measures again only the parts that read them (a reviewed care plan: that person's
care-plan facts; the location fact only if a collection it reads changed), sends only the facts
that are new or different to the engine, keeps the hits of the unchanged ones, and drops those of facts that are
gone: their alerts are retracted. When its date moves every part is measured again. The open alerts are therefore
those of a full evaluation of the same data on the same date (``tests/watch/test_incremental_equals_full.py`` checks it
over random change sequences).

The work of an update is in proportion to what changed, not to the size of the home: a source that keeps
the objects of unchanged records lets records, parts and collections be passed over by identity
(``checked_tree``, ``PartCache.remeasure``), and a location's hits, fact counts and sorted alerts move on
from the facts that came and went (``LocationState.advance``).

Each evaluated location also gets its next date of change (``schedule.next_change``), kept in
``scheduler``: on that date it is evaluated again, though none of its records changed.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping
from functools import partial
from itertools import compress, pairwise
from operator import is_, is_not, itemgetter
from typing import Any

import attrs

from mipr_rules.dates import check_record_dates
from mipr_rules.engine.compile import CompiledRuleset
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.errors import MiprRulesError
from mipr_rules.facts.base import Fact, FactCalculator, FactContext
from mipr_rules.facts.deferred import serves
from mipr_rules.facts.parts import PartCache
from mipr_rules.model import Location
from mipr_rules.model.fields import field_values
from mipr_rules.readiness import LocationReadiness
from mipr_rules.results import RuleHit
from mipr_rules.watch.schedule import Scheduler, next_change, rule_fields
from mipr_rules.workdays import DEFAULT_REGION, calendar

FactKey = frozenset[tuple[str, Any]]


def fact_key(fact: Fact) -> FactKey:
    """A fact's identity for comparison: its fields and values (the engine's ``id`` and ``sid`` left out).

    A frozenset: its hash is worked out once, and field order does not matter.
    """
    if "id" in fact or "sid" in fact:
        return frozenset((k, v) for k, v in fact.items() if k != "id" and k != "sid")
    return frozenset(fact.items())


Checked = tuple[Any, dict[str, tuple[tuple[Any, ...], tuple["Checked", ...]]]]
"""A record whose dates were found plausible, and for each of its collections: its records and the same of each."""


def checked_tree(record: Any, before: Checked | None, as_of: dt.date, where: str, sep: str = ": ") -> Checked:
    """``check_record_dates`` on ``record`` and the records of its collections, but not on what ``before``
    (the same record as last checked) shows was checked already: the very same objects, or equal fields.

    A source that keeps unchanged records keeps their objects, so a changed care plan is checked, and its
    person's own fields, but not the person's other records nor the rest of the home: a collection whose
    records are the very same objects as before is passed over whole.
    """
    if before is not None and before[0] is record:
        return before
    kind = type(record)
    names, values_of = field_values(kind)
    values = values_of(record)
    previous = before[0] if before is not None else None
    if previous is None or type(previous) is not kind:
        earlier: dict[str, tuple[tuple[Any, ...], tuple[Checked, ...]]] = {}
        old_values, changed = values, True
        differing: Iterable[int] = range(len(values))
    else:  # fields that are the very same objects are as checked before
        earlier = before[1]  # type: ignore[index]
        old_values = values_of(previous)
        changed, differing = False, compress(range(len(values)), map(is_not, values, old_values))
    children = dict(earlier)
    for i in differing:
        name, value = names[i], values[i]
        held = earlier.get(name)
        if held is not None and type(value) is tuple and len(held[0]) == len(value) and all(map(is_, held[0], value)):
            continue  # the same records as checked, in another tuple
        if not (isinstance(value, tuple) and value and _is_record(type(value[0]))):
            if held is not None:
                del children[name]
            elif not changed and old_values[i] != value:
                changed = True
            continue
        old = held[1] if held is not None else ()
        entries = []
        for j, item in enumerate(value):
            last = old[j] if j < len(old) else None
            if last is not None and last[0] is item:
                entries.append(last)
            else:
                entries.append(checked_tree(item, last, as_of, f"{where}{sep}{name}[{j}]", "."))
        children[name] = (value, tuple(entries))
    if changed:
        check_record_dates(record, as_of, where, skip=children)
    return (record, children)


_RECORD: dict[type, bool] = {}


def _is_record(kind: type) -> bool:
    found = _RECORD.get(kind)
    if found is None:
        found = _RECORD[kind] = attrs.has(kind)
    return found


@attrs.define
class LocationState:
    """What the evaluator remembers of one location."""

    name: str
    """The location's name."""
    as_of: dt.date
    """The date its facts were measured as of."""
    cache: PartCache = attrs.field(factory=lambda: PartCache(fact_key))
    """Its facts by part, as measured as of ``as_of`` (a change measures only the parts it touched again)."""
    hits: dict[FactKey, tuple[RuleHit, ...]] = attrs.field(factory=dict)
    """Fact key → hits of that fact, for every fact of ``cache``."""
    counts: dict[FactKey, int] = attrs.field(factory=dict)
    """Fact key → how many of its facts have it."""
    held: tuple[RuleHit, ...] | None = None
    """The hits of its facts, sorted as alerts are (``None``: worked out from ``facts`` when first asked for)."""
    next_change: dt.date | None = None
    """The first later date on which its outcome can change."""
    checked: Checked | None = None
    """Its records whose dates were found plausible as of ``as_of`` (``checked_tree``): not checked again."""

    @property
    def facts(self) -> tuple[FactKey, ...]:
        """Keys of its facts, in measuring order (a key may repeat)."""
        return self.cache.keys

    def alerts(self, as_of: dt.date) -> tuple[RuleHit, ...]:
        """Its alerts, dated ``as_of``."""
        if self.held is None:
            self.held = tuple(sorted((hit for key in self.facts for hit in self.hits.get(key, ())), key=_sort_key))
        return tuple(hit if hit.as_of == as_of else attrs.evolve(hit, as_of=as_of) for hit in self.held)

    def advance(
        self, name: str, as_of: dt.date, cache: PartCache, new_hits: Mapping[FactKey, list[RuleHit]], checked: Checked
    ) -> None:
        """Move on to ``cache`` (remeasured from this state's ``cache``); ``new_hits``: the hits of the facts
        that were sent to the engine (those whose keys this state did not hold).

        Only the facts that came and went are looked at: the others keep their hits, and their hits their
        place among the sorted alerts.
        """
        hits, counts = self.hits, self.counts
        gone: dict[int, int] = {}  # id of a hit → how many times it leaves the alerts
        for key in cache.dropped:
            for hit in hits.get(key, ()):
                gone[id(hit)] = gone.get(id(hit), 0) + 1
            left = counts[key] - 1
            if left:
                counts[key] = left
            else:
                del counts[key]
        for key, _ in cache.fresh:
            counts[key] = counts.get(key, 0) + 1
            if key not in hits:
                hits[key] = tuple(new_hits.get(key, ()))
        for key in cache.dropped:
            if key not in counts:  # none of its facts is left
                hits.pop(key, None)
        came = [hit for key, _ in cache.fresh for hit in hits[key]]
        self.held = self._merged(gone, came) if gone or came else self.held
        self.name, self.as_of, self.cache, self.checked = name, as_of, cache, checked

    def _merged(self, gone: dict[int, int], came: list[RuleHit]) -> tuple[RuleHit, ...] | None:
        """``held`` less the hits ``gone`` (by id, how many times), plus those that ``came``.

        ``None`` (worked out in full) where two hits sort alike: their order is that of their facts.
        """
        if self.held is None:
            return None
        found = came
        for hit in self.held:
            left = gone.get(id(hit))
            if left:
                gone[id(hit)] = left - 1
            else:
                found.append(hit)
        keyed = sorted(((hit.sort_key, hit) for hit in found), key=itemgetter(0))
        if any(a[0] == b[0] for a, b in pairwise(keyed)):
            return None
        return tuple(hit for _, hit in keyed)


def _sort_key(hit: RuleHit) -> tuple[int, str, str]:
    return hit.sort_key


@attrs.frozen
class Outcome:
    """What one update did."""

    locations: tuple[LocationReadiness, ...]
    """Every location evaluated (with all its alerts), gone (no alerts) or failed (``error``)."""
    facts_measured: int = 0
    """Facts measured."""
    facts_evaluated: int = 0
    """Facts sent to the engine (new or changed)."""


class IncrementalEvaluator:
    """Keeps per-location facts and hits; evaluates what changed with the real engine."""

    def __init__(
        self,
        evaluator: Evaluator,
        compiled: CompiledRuleset,
        region: str = DEFAULT_REGION,
        *,
        schedule: bool = True,
    ) -> None:
        self.evaluator = evaluator
        self.compiled = compiled
        self.region = region
        self.calendar = calendar(region)
        self.states: dict[str, LocationState] = {}
        self.scheduler = Scheduler()
        self.schedule = schedule
        self._fields = rule_fields(compiled)
        self._unplanned: dict[str, tuple[Location, PartCache, float]] = {}
        """Locations evaluated but not planned since, oldest update first, with its ``time.monotonic()``."""
        self._serving: dict[type, list[FactCalculator]] = {}
        self._contexts: dict[dt.date, FactContext] = {}

    def _context(self, as_of: dt.date) -> FactContext:
        """One context object per date (``plan`` measures on many): a part cache compares it by identity."""
        found = self._contexts.get(as_of)
        if found is None:
            if len(self._contexts) >= 1024:
                self._contexts.clear()
            found = self._contexts[as_of] = FactContext(
                as_of=as_of, parameters=self.compiled.parameters, calendar=self.calendar
            )
        return found

    def measure(self, location: Location, as_of: dt.date) -> list[Fact]:
        """The facts of ``location`` as of ``as_of`` (Python only)."""
        return self.evaluator.facts(location, self._context(as_of))

    def _calculators(self, subject_type: type) -> list[FactCalculator]:
        found = self._serving.get(subject_type)
        if found is None:
            found = self._serving[subject_type] = [
                calc for calc in self.evaluator.calculators.values() if serves(calc, subject_type)
            ]
        return found

    def update(self, locations: Iterable[Location], gone: Iterable[str], as_of: dt.date) -> Outcome:
        """Evaluate ``locations`` (read again) as of ``as_of``; forget ``gone`` (their alerts are retracted).

        Each location's facts are measured part by part (``mipr_rules.facts.parts``): only the parts whose
        records changed since its last update are measured again, and only their new facts go to the engine.
        """
        results: dict[str, LocationReadiness] = {}
        pending: dict[str, tuple[Location, PartCache, Checked]] = {}
        send: list[tuple[str, list[Fact]]] = []
        measured = evaluated = 0
        context = self._context(as_of)
        for location_id in gone:
            self._unplanned.pop(location_id, None)
            state = self.states.pop(location_id, None)
            self.scheduler.set(location_id, None)
            results[location_id] = LocationReadiness(location_id, state.name if state else "")
        for location in locations:
            key = location.location_id
            results.pop(key, None)
            state = self.states.get(key)
            try:
                checked = self._check_dates(location, as_of)
                cache = (state.cache if state is not None else PartCache(fact_key)).remeasure(
                    self._calculators(type(location)), location, context
                )
            except MiprRulesError as exc:
                results[key] = LocationReadiness(key, location.name, error=str(exc) or type(exc).__name__)
                self.scheduler.set(key, as_of + dt.timedelta(days=1))
                continue
            measured += len(cache.fresh)
            known = state.hits if state is not None else {}
            # Facts of the parts not measured again were in the last state: only the others can be new.
            fresh = {k: f for k, f in cache.fresh if k not in known}
            pending[key] = (location, cache, checked)
            if fresh:
                send.append((key, list(fresh.values())))
                evaluated += len(fresh)
        new_hits: dict[str, dict[FactKey, list[RuleHit]]] = {}
        errors: dict[str, str] = {}
        for evaluation in self.evaluator.run_facts(self.compiled, send, as_of):
            if evaluation.error is not None:
                errors[evaluation.key] = str(evaluation.error) or type(evaluation.error).__name__
                continue
            by_fact: dict[FactKey, list[RuleHit]] = {}
            for hit in evaluation.hits:
                by_fact.setdefault(fact_key(hit.facts), []).append(hit)
            new_hits[evaluation.key] = by_fact
        for key, (location, cache, checked) in pending.items():
            if key in errors:
                results[key] = LocationReadiness(key, location.name, error=errors[key])
                self.scheduler.set(key, as_of + dt.timedelta(days=1))
                continue
            state = self.states.get(key)
            if state is None:
                state = self.states[key] = LocationState(location.name, as_of, held=())
            state.advance(location.name, as_of, cache, new_hits.get(key, {}), checked)
            if self.schedule:  # worked out later (``plan``): never in the way of a change's alert
                self._unplanned.pop(key, None)  # to the end: the dict stays in order of last update
                self._unplanned[key] = (location, cache, time.monotonic())
            results[key] = LocationReadiness(key, location.name, state.alerts(as_of))
        return Outcome(tuple(results.values()), measured, evaluated)

    def _check_dates(self, location: Location, as_of: dt.date) -> Checked:
        """``check_record_dates`` on what changed since the last update as of ``as_of`` (``checked_tree``)."""
        state = self.states.get(location.location_id)
        before = state.checked if state is not None and state.as_of == as_of else None
        return checked_tree(location, before, as_of, f"location {location.location_id}")

    def plan(self, limit: int | None = None, budget: float | None = None, settled: float | None = None) -> int:
        """Work out the next date of change of locations evaluated since; how many are left to plan now.

        At most ``limit`` locations, and no more once ``budget`` seconds have gone (at least one is planned).
        ``settled``: only locations last updated at least that many seconds ago; 0 is returned when none
        of those left has (a location that keeps changing would be planned again and again for nothing).
        A follower calls it in short turns when no change is waiting; ``due`` calls it for all of them first.
        """
        started = time.perf_counter()
        while self._unplanned and (limit is None or limit > 0):
            key, (location, cache, updated) = next(iter(self._unplanned.items()))
            if settled is not None and time.monotonic() - updated < settled:
                return 0  # the others were updated later still
            del self._unplanned[key]
            state = self.states.get(key)
            if state is None:
                continue
            today = list(cache.facts)
            state.next_change = next_change(partial(self.measure, location), state.as_of, self._fields, today)
            self.scheduler.set(key, state.next_change)
            if limit is not None:
                limit -= 1
            if budget is not None and time.perf_counter() - started >= budget:
                break
        return len(self._unplanned)

    def due(self, as_of: dt.date) -> list[str]:
        """Locations whose outcome can have changed by ``as_of`` (read and ``update`` them)."""
        self.plan()
        return self.scheduler.due(as_of)

    def open_alerts(self, as_of: dt.date) -> dict[str, tuple[RuleHit, ...]]:
        """Every location's alerts as the evaluator holds them."""
        return {key: state.alerts(as_of) for key, state in self.states.items()}

    def alert_keys(self) -> set[tuple[str, str, str]]:
        """(location, rule id, subject) of every alert held: what a full evaluation must agree on."""
        return {
            (key, hit.rule_id, hit.subject)
            for key, state in self.states.items()
            for k in state.facts
            for hit in state.hits.get(k, ())
        }


def differences(
    incremental: set[tuple[str, str, str]], full: set[tuple[str, str, str]]
) -> Mapping[str, list[tuple[str, str, str]]]:
    """Alerts only the incremental state holds (``extra``) and only the full evaluation holds (``missing``)."""
    return {"extra": sorted(incremental - full), "missing": sorted(full - incremental)}


__all__ = ["FactKey", "IncrementalEvaluator", "LocationState", "Outcome", "differences", "fact_key"]
