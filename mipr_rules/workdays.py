"""Working-day arithmetic on the UK bank-holiday calendars of the ``holidays`` package.

A working day is Monday to Friday and not a bank or public holiday of the chosen region (Christmas Day
and Good Friday included, as common-law holidays; CQC's guidance does not say). The trigger day is day 0:
``add(d, 10)`` is the tenth working day after ``d``.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Any

from mipr_rules.errors import InputError

REGIONS = {"england-and-wales": "ENG", "scotland": "SCT", "northern-ireland": "NIR"}
"""Region names (as in the gov.uk bank-holidays feed) mapped to ``holidays`` subdivisions."""

DEFAULT_REGION = "england-and-wales"


def _uk_holidays(subdiv: str) -> Any:
    """``holidays.country_holidays("GB", subdiv=subdiv)``, without importing every other country.

    ``holidays.countries`` imports all of its ~250 country modules when any one of them is imported (about
    60 ms of every run's start-up). The United Kingdom's module imports only ``holidays`` itself, so it is
    loaded here from its file, privately (not entered in ``sys.modules``); the calendar is the same class
    with the same defaults. If the package's layout ever differs, the documented call is used.
    """
    import holidays

    try:
        path = Path(holidays.__file__).parent / "countries" / "united_kingdom.py"
        spec = importlib.util.spec_from_file_location("holidays.countries.united_kingdom", path)
        if spec is None or spec.loader is None:
            raise ImportError(path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.UnitedKingdom(subdiv=subdiv)
    except Exception:
        return holidays.country_holidays("GB", subdiv=subdiv)


class WorkingDays:
    """Working-day calendar for one UK region."""

    def __init__(self, region: str = DEFAULT_REGION) -> None:
        if region not in REGIONS:
            raise InputError(f"unknown region {region!r}: expected one of {', '.join(REGIONS)}")
        self.region = region
        self._holidays = _uk_holidays(REGIONS[region])
        self._between: dict[tuple[dt.date, dt.date], int] = {}

    def is_working_day(self, day: dt.date) -> bool:
        """True if ``day`` is neither a weekend nor a bank holiday of the region."""
        return day.weekday() < 5 and day not in self._holidays

    def holiday_name(self, day: dt.date) -> str | None:
        """The bank holiday's name on ``day``, if it is one."""
        name = self._holidays.get(day)
        return str(name) if name else None

    def add(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (before it, if negative); ``start`` is day 0."""
        step = 1 if days >= 0 else -1
        remaining = abs(days)
        day = start
        while remaining:
            day += dt.timedelta(days=step)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
        key = (start, end)
        count = self._between.get(key)
        if count is None:
            if len(self._between) >= 65536:
                self._between.clear()
            count = self._between[key] = self._count(start, end)
        return count

    def _count(self, start: dt.date, end: dt.date) -> int:
        if end < start:
            return -self.between(end, start)
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


@lru_cache(maxsize=8)
def calendar(region: str = DEFAULT_REGION) -> WorkingDays:
    """Shared calendar per region."""
    return WorkingDays(region)
