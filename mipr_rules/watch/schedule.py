"""Time: the next date on which a location's outcome can change, and when local midnight falls.

A location's facts are measured as of a date, and many of their fields move with it (days since a review,
days until an expiry, working days, counts in a window). ``next_change`` works out the first later date on
which a fact a rule looks at can change in a way that may flip a rule:

* a field that moves by exactly one a day is extrapolated, and the dates on which it reaches a number a
  rule compares it with are candidates;
* every other difference (a fact appearing or disappearing, a field that moves irregularly or jumps) is
  found by measuring the facts again at later dates (1, 2, 4… days ahead, then halving the interval)
  and comparing them with the extrapolation.

So no date on which an alert can be raised or resolved is missed, and a location is re-evaluated only on
such dates (occasionally a day early). ``Scheduler`` keeps those dates and says which locations are due;
``next_midnight`` says when the service's local day (Europe/London, across the clock changes) begins.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from mipr_rules.engine.compile import CompiledRuleset
from mipr_rules.facts.base import Fact

SERVICE_ZONE = ZoneInfo("Europe/London")
"""The service's time zone: its day, and so the as-of date, begins at local midnight here."""
HORIZON = 366
"""Most days looked ahead; a location with nothing changing sooner is re-evaluated after this many."""

Signature = dict[tuple[str, str, int], dict[str, Any]]
"""(fact type, subject, occurrence) → the fields rules look at."""


def local_date(instant: dt.datetime, zone: ZoneInfo = SERVICE_ZONE) -> dt.date:
    """The date in ``zone`` at ``instant`` (an aware date-time)."""
    return instant.astimezone(zone).date()


def next_midnight(instant: dt.datetime, zone: ZoneInfo = SERVICE_ZONE) -> dt.datetime:
    """The first local midnight in ``zone`` after ``instant``, as an aware UTC date-time."""
    day = local_date(instant, zone) + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.timezone.utc)


def at_local(day: dt.date, hhmm: str, zone: ZoneInfo = SERVICE_ZONE) -> dt.datetime:
    """``HH:MM`` local time on ``day`` in ``zone``, as an aware UTC date-time (a skipped time moves on an hour)."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    local = dt.datetime.combine(day, dt.time(hours, minutes), tzinfo=zone)
    back = local.astimezone(dt.timezone.utc).astimezone(zone)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):  # in the spring-forward gap
        local = local + dt.timedelta(hours=1)
    return local.astimezone(dt.timezone.utc)


def _walk(conditions: Any, into: dict[str, set[float]]) -> None:
    if isinstance(conditions, (list, tuple)):
        for item in conditions:
            _walk(item, into)
        return
    if not isinstance(conditions, Mapping):
        return
    for field, test in conditions.items():
        if field in ("any", "all"):
            _walk(test, into)
            continue
        values = into.setdefault(field, set())
        tests = test.values() if isinstance(test, Mapping) else [test]
        for value in tests:
            for item in value if isinstance(value, (list, tuple)) else [value]:
                if isinstance(item, (int, float)) and not isinstance(item, bool):
                    values.add(float(item))


def rule_fields(compiled: CompiledRuleset) -> dict[str, dict[str, set[float]]]:
    """Fact type → field a rule looks at → the numbers rules compare it with (parameters bound)."""
    out: dict[str, dict[str, set[float]]] = {}
    params = compiled.parameters
    for rule in compiled.rule_by_key.values():
        fields = out.setdefault(rule.fact, {})
        _walk(_bind(rule.when, params), fields)
    return out


def _bind(value: Any, params: Mapping[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("$") and not value.startswith("$$"):
        return params.get(value[1:], value)
    if isinstance(value, Mapping):
        return {k: _bind(v, params) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_bind(v, params) for v in value]
    return value


def signature(facts: Iterable[Fact], fields: Mapping[str, Mapping[str, set[float]]]) -> Signature:
    """The part of ``facts`` rules can see, keyed so that two dates' facts can be compared."""
    out: Signature = {}
    for fact in facts:
        kind = str(fact.get("type", ""))
        looked = fields.get(kind)
        if looked is None:
            continue
        subject = str(fact.get("subject", ""))
        n = 0
        while (kind, subject, n) in out:
            n += 1
        out[kind, subject, n] = {name: fact[name] for name in looked if name in fact}
    return out


def _number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _slopes(today: Signature, tomorrow: Signature) -> dict[tuple[tuple[str, str, int], str], int]:
    out = {}
    for key, values in today.items():
        later = tomorrow.get(key)
        if later is None:
            continue
        for name, value in values.items():
            moved = later.get(name)
            if _number(value) and _number(moved) and moved - value in (1, -1):
                out[key, name] = moved - value
    return out


def _predicted(today: Signature, slopes: Mapping[tuple[tuple[str, str, int], str], int], k: int) -> Signature:
    return {
        key: {
            name: value + slopes.get((key, name), 0) * k if _number(value) else value for name, value in fields.items()
        }
        for key, fields in today.items()
    }


def next_change(
    measure: Callable[[dt.date], list[Fact]],
    as_of: dt.date,
    fields: Mapping[str, Mapping[str, set[float]]],
    today: list[Fact] | None = None,
    horizon: int = HORIZON,
) -> dt.date:
    """The first date after ``as_of`` on which the outcome of a location's rules can change.

    ``measure(date)`` measures the location's facts as of a date (Python only; the engine is not run).
    """
    base = signature(today if today is not None else measure(as_of), fields)
    tomorrow = signature(measure(as_of + dt.timedelta(days=1)), fields)
    slopes = _slopes(base, tomorrow)
    if tomorrow != _predicted(base, slopes, 1):
        return as_of + dt.timedelta(days=1)
    crossing = horizon
    for (key, name), slope in slopes.items():
        value = base[key][name]
        for threshold in fields[key[0]].get(name, ()):
            reach = (threshold - value) * slope
            for k in (reach - 1, reach, reach + 1):
                if 1 <= k < crossing and k == int(k):
                    crossing = int(k)
    # The first date, before the first crossing, whose facts depart from the extrapolation.
    good, k = 1, 2
    while k < crossing:
        if signature(measure(as_of + dt.timedelta(days=k)), fields) != _predicted(base, slopes, k):
            break
        good, k = k, k * 2
    else:
        k = crossing
        if k <= good or signature(measure(as_of + dt.timedelta(days=k)), fields) == _predicted(base, slopes, k):
            return as_of + dt.timedelta(days=crossing)
    bad = k
    while bad - good > 1:
        mid = (good + bad) // 2
        if signature(measure(as_of + dt.timedelta(days=mid)), fields) == _predicted(base, slopes, mid):
            good = mid
        else:
            bad = mid
    return as_of + dt.timedelta(days=bad)


@attrs.define
class Scheduler:
    """The next date of change of each location; says which are due as the date moves."""

    _due: dict[str, dt.date] = attrs.field(factory=dict)
    _heap: list[tuple[dt.date, str]] = attrs.field(factory=list)

    def set(self, location_id: str, day: dt.date | None) -> None:
        """Re-evaluate ``location_id`` on ``day`` (``None``: never, the location is gone)."""
        if day is None:
            self._due.pop(location_id, None)
            return
        self._due[location_id] = day
        heapq.heappush(self._heap, (day, location_id))

    def next_date(self) -> dt.date | None:
        """The earliest date on which some location is due."""
        while self._heap and self._due.get(self._heap[0][1]) != self._heap[0][0]:
            heapq.heappop(self._heap)
        return self._heap[0][0] if self._heap else None

    def due(self, as_of: dt.date) -> list[str]:
        """Locations due on or before ``as_of`` (removed from the schedule until ``set`` again)."""
        out = []
        while self._heap and self._heap[0][0] <= as_of:
            day, location_id = heapq.heappop(self._heap)
            if self._due.get(location_id) == day:
                del self._due[location_id]
                out.append(location_id)
        if len(self._heap) > 4 * len(self._due) + 64:  # drop superseded entries
            self._heap = [(day, key) for key, day in self._due.items()]
            heapq.heapify(self._heap)
        return out

    def when(self, location_id: str) -> dt.date | None:
        """When ``location_id`` is next due."""
        return self._due.get(location_id)
