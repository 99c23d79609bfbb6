"""``check_record_dates``: the first implausible date or count in a record, named by its field path."""

from __future__ import annotations

import datetime as dt
import re

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mipr_rules.dates import EARLIEST_DATE, LARGEST_COUNT, _values, check_record_dates, latest_record_date
from mipr_rules.errors import InputError
from mipr_rules.model import Location


def _plan_reviewed(location: Location, person: int, day: dt.date) -> Location:
    who = location.people[person]
    plan = attrs.evolve(who.care_plans[0], last_reviewed=day)
    who = attrs.evolve(who, care_plans=(plan, *who.care_plans[1:]))
    return attrs.evolve(location, people=(*location.people[:person], who, *location.people[person + 1 :]))


def test_a_plausible_location_passes(sample: Location, as_of: dt.date) -> None:
    check_record_dates(sample, as_of, "location L1")


def test_of_two_faults_the_first_in_field_order_is_named(sample: Location, as_of: dt.date) -> None:
    bad = _plan_reviewed(_plan_reviewed(sample, 2, dt.date(2199, 1, 1)), 1, dt.date(1850, 1, 1))
    with pytest.raises(InputError) as caught:
        check_record_dates(bad, as_of, "location L1")
    assert str(caught.value).startswith("location L1: people[1].care_plans[0].last_reviewed: date before 1900-01-01")
    assert "1850" not in str(caught.value)


def test_a_datetime_is_judged_by_its_date_and_a_count_by_its_range(sample: Location, as_of: dt.date) -> None:
    far = dt.datetime(as_of.year + 6, 1, 1, 12, 0)
    with pytest.raises(InputError, match=r"people\[0\]\.care_plans\[0\]\.last_reviewed: date more than 5 years"):
        check_record_dates(_plan_reviewed(sample, 0, far), as_of, "location L1")  # type: ignore[arg-type]
    check_record_dates(_plan_reviewed(sample, 0, dt.datetime(as_of.year, 1, 1, 23, 59)), as_of, "L1")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=rf"^L1: beds: expected a whole number from 0 to {LARGEST_COUNT}$"):
        check_record_dates(attrs.evolve(sample, beds=-1), as_of, "L1")


def test_skipped_fields_are_left_out_and_the_others_still_checked(sample: Location, as_of: dt.date) -> None:
    bad = _plan_reviewed(sample, 1, dt.date(1850, 1, 1))
    check_record_dates(bad, as_of, "L1", skip=("people",))
    with pytest.raises(InputError, match=r"^L1: beds:"):
        check_record_dates(attrs.evolve(bad, beds=-1), as_of, "L1", skip=("people",))


_LEAVES = st.one_of(
    st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2300, 1, 1)),
    st.datetimes(min_value=dt.datetime(1800, 1, 1), max_value=dt.datetime(2300, 1, 1)),
    st.integers(min_value=-5, max_value=LARGEST_COUNT + 5),
    st.booleans(),
    st.none(),
    st.text(max_size=3),
    st.floats(allow_nan=False),
)
_NESTED = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.text(max_size=2), inner, max_size=3),
    ),
    max_leaves=12,
)


@given(value=_NESTED, depth=st.integers(min_value=0, max_value=24))
@settings(max_examples=300, deadline=None)
def test_the_quick_pass_refuses_exactly_what_the_field_walk_names(value: object, depth: int) -> None:
    """The pass without paths and the walk that names the fault agree, 20 collections deep and beyond."""
    for _ in range(depth):
        value = [value]
    as_of = dt.date(2026, 6, 1)
    latest = latest_record_date(as_of)
    named = [
        path
        for path, day in _values(value, "")
        if (not 0 <= day <= LARGEST_COUNT if isinstance(day, int) else not EARLIEST_DATE <= day <= latest)
    ]
    if named:
        with pytest.raises(InputError, match=re.escape(f"L1: {named[0]}: ")):
            check_record_dates(value, as_of, "L1")
    else:
        check_record_dates(value, as_of, "L1")


@pytest.mark.parametrize("lists", range(17, 25))
def test_a_date_is_looked_for_in_no_more_than_21_nested_collections(lists: int) -> None:
    value: object = dt.date(1850, 1, 1)
    for _ in range(lists):
        value = [value]
    if lists <= 21:
        with pytest.raises(InputError, match=re.escape("L1: " + "[0]" * lists + ": date before")):
            check_record_dates(value, dt.date(2026, 6, 1), "L1")
    else:
        check_record_dates(value, dt.date(2026, 6, 1), "L1")
