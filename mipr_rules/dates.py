"""Plausible dates and counts: the range every date given on the command line or found in records must
fall in, and the range of the whole numbers in records.

A date outside it is a typo or a placeholder (``9999-12-31``, ``2099-…``), and it changes results
silently: a care-plan review dated 2099 would hide its overdue alert. So it is refused as bad input
(exit 2), naming where it is, never the date itself (record dates can be personal data):

- ``--as-of`` and event dates: ``EARLIEST_DATE`` to ``LATEST_DATE``;
- dates in records: ``EARLIEST_DATE`` to ``FUTURE_YEARS`` years after the as-of date (expiry and
  next-review dates may lie ahead, a few years at most);
- whole numbers in records (beds, counts, day intervals): 0 to ``LARGEST_COUNT``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any

import attrs

from mipr_rules.errors import InputError, MiprRulesError

EARLIEST_DATE = dt.date(1900, 1, 1)
"""Earliest date accepted anywhere."""
LATEST_DATE = dt.date(2199, 12, 31)
"""Latest ``--as-of`` or event date accepted."""
FUTURE_YEARS = 5
"""How far after the as-of date a date in a record may lie."""
LARGEST_COUNT = 1_000_000
"""Largest whole number in a record (beds, open actions, expected days): counts are never negative."""


@lru_cache(maxsize=64)
def latest_record_date(as_of: dt.date) -> dt.date:
    """The latest plausible date in a record evaluated as of ``as_of``."""
    try:
        return as_of.replace(year=as_of.year + FUTURE_YEARS)
    except ValueError:  # 29 February
        return as_of.replace(year=as_of.year + FUTURE_YEARS, day=28)


def check_date(day: dt.date, what: str, error: type[MiprRulesError] = InputError) -> dt.date:
    """``day`` if it lies between ``EARLIEST_DATE`` and ``LATEST_DATE``; else ``error`` naming ``what``."""
    plain = day.date() if isinstance(day, dt.datetime) else day
    if not EARLIEST_DATE <= plain <= LATEST_DATE:
        raise error(f"{what}: date outside the plausible range {EARLIEST_DATE} to {LATEST_DATE}")
    return day


def _values(value: Any, path: str, depth: int = 0, skip: Collection[str] = ()) -> Iterator[tuple[str, dt.date | int]]:
    if isinstance(value, dt.date):
        yield path, value.date() if isinstance(value, dt.datetime) else value
    elif isinstance(value, int) and not isinstance(value, bool):
        yield path, value
    elif depth > 20:
        return
    elif attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            if field.name in skip:
                continue
            yield from _values(getattr(value, field.name), f"{path}.{field.name}" if path else field.name, depth + 1)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _values(item, f"{path}[{index}]", depth + 1)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _values(item, f"{path}.{key}" if isinstance(key, str) and len(key) <= 60 else path, depth + 1)


def check_record_dates(record: Any, as_of: dt.date, where: str, skip: Collection[str] = ()) -> None:
    """Refuse ``record`` (an attrs model: a location and everything in it) if a date in it is implausible
    or a number in it (beds, counts, days) is negative or above ``LARGEST_COUNT``.

    The error names ``where`` (a pseudonymous key such as the location id) and the field path, e.g.
    ``location L1: care_plans[3].next_review_due: date more than 5 years after the as-of date``.
    ``skip``: fields of ``record`` itself left out (checked elsewhere).
    """
    latest = latest_record_date(as_of)
    # A first pass without the field paths (the common case: nothing wrong); the second names the first fault.
    if not _any_implausible(record, latest, skip, 0):
        return
    for path, day in _values(record, "", skip=skip):
        if isinstance(day, int):
            if not 0 <= day <= LARGEST_COUNT:
                raise InputError(f"{where}: {path}: expected a whole number from 0 to {LARGEST_COUNT}")
            continue
        if day < EARLIEST_DATE:
            raise InputError(f"{where}: {path}: date before {EARLIEST_DATE} (refused as implausible)")
        if day > latest:
            raise InputError(
                f"{where}: {path}: date more than {FUTURE_YEARS} years after the as-of date {as_of} "
                "(refused as implausible: a date far ahead would hide what is overdue)"
            )


_NAMES: dict[type, tuple[str, ...] | None] = {}


def _field_names(kind: type) -> tuple[str, ...] | None:
    """The field names of an attrs class (``None`` for any other type), worked out once per class."""
    try:
        return _NAMES[kind]
    except KeyError:
        names = _NAMES[kind] = tuple(f.name for f in attrs.fields(kind)) if attrs.has(kind) else None
        return names


def _any_implausible(value: Any, latest: dt.date, skip: Collection[str], depth: int) -> bool:
    """Whether ``_values`` of ``value`` would yield a date or number ``check_record_dates`` refuses."""
    names = _field_names(type(value))
    items: Iterable[Any]
    if names is not None:
        items = (
            [getattr(value, name) for name in names if name not in skip] if skip else map(value.__getattribute__, names)
        )
    elif isinstance(value, (list, tuple)):
        items = value
    elif isinstance(value, Mapping):
        items = value.values()
    else:
        return _implausible(value, latest)
    for item in items:
        kind = type(item)
        if kind is str or item is None or kind is bool or kind is float:
            continue
        if kind is dt.date:
            if not EARLIEST_DATE <= item <= latest:
                return True
        elif kind is int:
            if not 0 <= item <= LARGEST_COUNT:
                return True
        elif (depth < 20 or isinstance(item, (int, dt.date))) and _any_implausible(item, latest, (), depth + 1):
            return True  # (``_values`` looks into no more than 20 collections deep)
    return False


def _implausible(value: Any, latest: dt.date) -> bool:
    """Whether a single value is a date or whole number out of range (anything else is not looked at)."""
    if isinstance(value, dt.date):
        plain = value.date() if isinstance(value, dt.datetime) else value
        return not EARLIEST_DATE <= plain <= latest
    if isinstance(value, int) and not isinstance(value, bool):
        return not 0 <= value <= LARGEST_COUNT
    return False
