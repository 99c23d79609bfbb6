"""Hostile dates through ``--as-of``, ``mipr timeline --event`` and record dates, in-process through ``main``.

The plausible range is 1900-01-01 to 2199-12-31 for ``--as-of`` and events, and 1900-01-01 to five
years after the as-of date for dates in records (``mipr_rules.dates``). Each run is arranged so that a
*later* input is certainly bad: a valid date must let the run reach that later error, and an
implausible one must be refused first, in one line naming where it is, never the date itself.
``MIPR_HOSTILE_COUNT=1`` records outcomes instead of asserting and prints the tally, and
``MIPR_HOSTILE_SCALE`` scales the number of examples (bench use).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from params_support import Corpus, examples, mipr

CORPUS = Corpus("date")
SETTINGS = settings(derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck),
                    phases=[Phase.explicit, Phase.generate])
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
AS_OF = dt.date(2026, 11, 2)


@pytest.fixture(scope="module", autouse=True)
def _tally() -> Iterator[None]:
    yield
    CORPUS.report()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dates")
    (path / "empty.json").write_text("{}", encoding="utf-8")
    return path


def iso(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


DATES = st.one_of(
    st.dates(EARLIEST, LATEST),
    st.dates(dt.date(1, 1, 1), dt.date(1899, 12, 31)),
    st.dates(dt.date(2200, 1, 1), dt.date(9999, 12, 31)),
    st.sampled_from([dt.date(1, 1, 1), dt.date(9999, 12, 31), EARLIEST, LATEST, dt.date(1899, 12, 31)]),
)
JUNK = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\x00"), max_size=30)


@settings(SETTINGS, max_examples=examples(400))
@given(value=st.one_of(DATES.map(iso), JUNK))
def test_as_of_outside_the_range_is_refused_in_one_line(folder: Path, value: str) -> None:
    if value.startswith("-"):
        value = " " + value  # an option-like value is click's business, not the date's
    code, _, err = mipr("readiness", "--source", str(folder / "empty.json"), "--as-of", value)
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        day = None
    if day is not None and EARLIEST <= day <= LATEST:
        CORPUS.check(code, err, "empty.json")  # accepted: the run goes on to the (bad) source
    else:
        CORPUS.check(code, err, "--as-of")


@settings(SETTINGS, max_examples=examples(400))
@given(value=st.one_of(DATES.map(iso), JUNK.filter(lambda t: "=" not in t)))
def test_event_dates_outside_the_range_are_refused_in_one_line(value: str) -> None:
    code, _, err = mipr("timeline", "--as-of", "2026-11-02", "--event", f"report_published={value}",
                        "--event", "no_such_event=2020-01-01")
    try:
        day = dt.date.fromisoformat(value.strip())
        fine = EARLIEST <= day <= LATEST and value == value.strip()
    except ValueError:
        fine = False
    if fine:
        CORPUS.check(code, err, "no_such_event")
    else:
        CORPUS.check(code, err, "--event", absent="no_such_event")


def location(last_reviewed: str) -> dict[str, Any]:
    """A small home: the generated date in a care plan, and a certainly implausible date after it."""
    return {
        "location_id": "1-T", "name": "T", "provider": {"provider_id": "1-P", "name": "P"},
        "people": [{"person_id": "P1", "admitted": "2020-01-01",
                    "care_plans": [{"plan_id": "C1", "created": "2020-01-01", "last_reviewed": last_reviewed}]}],
        "evidence": [{"category": "observation", "collected": "1800-01-01"}],
    }


@settings(SETTINGS, max_examples=examples(250))
@given(day=DATES)
def test_record_dates_beyond_as_of_plus_five_years_are_refused_naming_the_field(folder: Path, day: dt.date) -> None:
    path = folder / "home.json"
    path.write_text(json.dumps(location(iso(day))), encoding="utf-8")
    code, _, err = mipr("readiness", "--source", str(path), "--as-of", iso(AS_OF))
    fine = EARLIEST <= day <= AS_OF.replace(year=AS_OF.year + 5)
    where = "evidence[0].collected" if fine else "people[0].care_plans[0].last_reviewed"
    shown_anyway = (EARLIEST, AS_OF)  # the documented bound and the as-of date are named by design
    CORPUS.check(code, err, f"location 1-T: {where}", absent=None if day in shown_anyway else iso(day))


def test_a_review_dated_2099_does_not_hide_its_overdue_alert(tmp_path: Path) -> None:
    home = location("2099-01-01")
    del home["evidence"]
    path = tmp_path / "home.json"
    path.write_text(json.dumps(home), encoding="utf-8")
    code, out, err = mipr("readiness", "--source", str(path), "--as-of", "2026-11-02")
    assert code == 2 and out == ""
    assert err.strip() == (
        "mipr: error: location 1-T: people[0].care_plans[0].last_reviewed: date more than 5 years after the "
        "as-of date 2026-11-02 (refused as implausible: a date far ahead would hide what is overdue)"
    )


@pytest.mark.parametrize(("args", "message"), [
    (["readiness", "--source", "x.json", "--as-of", "0001-01-01"], "--as-of"),
    (["timeline", "--event", "report_published=9999-12-31", "--as-of", "2026-01-01"], "--event report_published"),
    (["timeline", "--event", "report_published=2199-12-31", "--as-of", "9999-12-31"], "--as-of"),
])
def test_named_dates_from_the_issue(args: list[str], message: str) -> None:
    code, _, err = mipr(*args)
    assert code == 2 and err.count("\n") == 1 and message in err and "plausible range" in err
