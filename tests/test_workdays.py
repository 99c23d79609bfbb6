"""Working days on the UK bank-holiday calendars (dates checked against gov.uk/bank-holidays)."""

from __future__ import annotations

import datetime as dt

import pytest

from mipr_rules.errors import InputError
from mipr_rules.workdays import WorkingDays, calendar

D = dt.date.fromisoformat

ENGLAND_AND_WALES_2026_2027 = [
    "2026-01-01",
    "2026-04-03",
    "2026-04-06",
    "2026-05-04",
    "2026-05-25",
    "2026-08-31",
    "2026-12-25",
    "2026-12-28",
    "2027-01-01",
    "2027-03-26",
    "2027-03-29",
    "2027-05-03",
    "2027-05-31",
    "2027-08-30",
    "2027-12-27",
    "2027-12-28",
]


@pytest.fixture(scope="module")
def england() -> WorkingDays:
    return WorkingDays()


@pytest.fixture(scope="module")
def scotland() -> WorkingDays:
    return WorkingDays("scotland")


@pytest.mark.parametrize("day", ENGLAND_AND_WALES_2026_2027)
def test_england_and_wales_bank_holidays_are_not_working_days(england: WorkingDays, day: str) -> None:
    assert not england.is_working_day(D(day))
    assert england.holiday_name(D(day))


def test_every_weekday_that_is_not_a_bank_holiday_is_a_working_day(england: WorkingDays) -> None:
    holidays = {D(d) for d in ENGLAND_AND_WALES_2026_2027}
    day = D("2026-01-01")
    while day <= D("2027-12-31"):
        assert england.is_working_day(day) == (day.weekday() < 5 and day not in holidays), day
        day += dt.timedelta(days=1)


def test_christmas_and_new_year_2026(england: WorkingDays) -> None:
    # Thu 24 Dec; Fri 25 Christmas; Sat 26, Sun 27; Mon 28 Boxing Day substitute; Tue 29 first working day
    assert england.add(D("2026-12-24"), 1) == D("2026-12-29")
    assert england.add(D("2026-12-24"), 3) == D("2026-12-31")
    assert england.add(D("2026-12-24"), 4) == D("2027-01-04")  # Fri 1 Jan 2027 is New Year's Day
    assert england.between(D("2026-12-24"), D("2027-01-04")) == 4


def test_christmas_2027_falls_on_a_weekend_and_is_substituted(england: WorkingDays) -> None:
    assert england.holiday_name(D("2027-12-27")) == "Christmas Day (observed)"
    assert england.add(D("2027-12-24"), 1) == D("2027-12-29")


def test_easter_2026_and_2027(england: WorkingDays) -> None:
    assert england.add(D("2026-04-02"), 1) == D("2026-04-07")  # Good Friday 3 Apr, Easter Monday 6 Apr
    assert england.add(D("2027-03-25"), 1) == D("2027-03-30")  # Good Friday 26 Mar, Easter Monday 29 Mar
    assert england.between(D("2026-04-02"), D("2026-04-07")) == 1


def test_scotland_has_2_january_and_not_easter_monday(england: WorkingDays, scotland: WorkingDays) -> None:
    assert not scotland.is_working_day(D("2026-01-02"))
    assert england.is_working_day(D("2026-01-02"))
    assert not scotland.is_working_day(D("2027-01-04"))  # 2 Jan 2027 is a Saturday: substitute Monday
    assert england.is_working_day(D("2027-01-04"))
    assert scotland.is_working_day(D("2026-04-06"))
    assert scotland.add(D("2025-12-31"), 1) == D("2026-01-05")
    assert england.add(D("2025-12-31"), 1) == D("2026-01-02")


def test_weekends_are_skipped(england: WorkingDays) -> None:
    assert england.add(D("2026-11-06"), 1) == D("2026-11-09")  # Friday + 1 = Monday
    assert england.add(D("2026-11-07"), 1) == D("2026-11-09")  # from a Saturday
    assert england.between(D("2026-11-06"), D("2026-11-08")) == 0
    assert england.add(D("2026-11-02"), 10) == D("2026-11-16")


def test_the_trigger_day_is_day_zero(england: WorkingDays) -> None:
    assert england.add(D("2026-11-02"), 0) == D("2026-11-02")
    assert england.add(D("2026-12-26"), 0) == D("2026-12-26")  # even when it is not a working day itself
    assert england.between(D("2026-11-02"), D("2026-11-02")) == 0
    assert england.between(D("2026-11-02"), D("2026-11-03")) == 1


def test_negative_offsets_count_backwards(england: WorkingDays) -> None:
    assert england.add(D("2027-01-04"), -1) == D("2026-12-31")
    assert england.add(D("2026-04-07"), -1) == D("2026-04-02")
    assert england.add(D("2026-11-09"), -1) == D("2026-11-06")
    assert england.between(D("2027-01-04"), D("2026-12-24")) == -4


@pytest.mark.parametrize("n", [1, 5, 20, 63])
def test_add_and_between_agree(england: WorkingDays, n: int) -> None:
    start = D("2026-12-18")
    assert england.between(start, england.add(start, n)) == n


def test_an_unknown_region_is_an_input_error() -> None:
    with pytest.raises(
        InputError, match="unknown region 'wales': expected one of england-and-wales, scotland"
    ):
        WorkingDays("wales")


def test_calendars_are_shared_per_region() -> None:
    assert calendar("scotland") is calendar("scotland")
    assert calendar().region == "england-and-wales"


@pytest.mark.parametrize("region", ["england-and-wales", "scotland", "northern-ireland"])
def test_each_region_has_the_holidays_package_calendar(region: str) -> None:
    # The calendar is loaded without importing every country's module; its holidays are the package's own.
    import holidays

    from mipr_rules.workdays import REGIONS

    ours = WorkingDays(region)
    theirs = holidays.country_holidays("GB", subdiv=REGIONS[region])
    for year in range(2000, 2041):
        days = [dt.date(year, 1, 1) + dt.timedelta(days=i) for i in range(366 if year % 4 == 0 else 365)]
        assert [ours.holiday_name(d) for d in days] == [theirs.get(d) for d in days], year


def test_a_working_day_calendar_does_not_import_every_country() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from mipr_rules.workdays import calendar; calendar().is_working_day(__import__('datetime')"
        ".date(2026, 12, 25)); print(len([m for m in sys.modules if m.startswith('holidays.countries.')]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "0"
