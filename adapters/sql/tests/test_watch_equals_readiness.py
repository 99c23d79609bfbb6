"""``mipr watch`` through a change cursor: time is an input too.

A cursor makes reads incremental (only the locations with a row written since), but alerts also fall due
as the date moves with no row changing. After any sequence of checks, over dates and row changes, the
open alerts of the store must be exactly those of a full ``mipr readiness`` on the same data and date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa
from sql_fixtures import RunDatabase, engine

from mipr_rules.api import Session
from mipr_rules.config import load_config
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.model import Location
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.testing.contract import sample_as_of
from mipr_rules.watch.service import watcher as Watcher
from mipr_rules.watch.store import AlertStore
from mipr_rules_adapter_sql import schema
from mipr_rules_adapter_sql.adapter import SqlAdapter

LOADED = dt.datetime(2026, 11, 1, 9, 0)


@pytest.fixture(scope="module")
def evaluator() -> Iterator[Evaluator]:
    with Evaluator(processes=1) as engine_:
        yield engine_


def _review_care_plan(url: str, location_id: str, plan_id: str, on: dt.date, stamp: dt.datetime) -> None:
    with engine(url).begin() as connection:
        connection.execute(
            sa.update(schema.care_plans)
            .where(schema.care_plans.c.location_id == location_id, schema.care_plans.c.plan_id == plan_id)
            .values(last_reviewed=on, updated_at=stamp)
        )


def test_watch_through_a_cursor_ends_each_check_with_the_alerts_of_a_full_read(
    run_database: RunDatabase, sample_home: Location, evaluator: Evaluator, tmp_path: Path
) -> None:
    other = attrs.evolve(sample_home, location_id="1-000000002", name="Moonrise Lodge")
    url = run_database.load(sample_home, other, updated_at=LOADED)
    source = f"{url}{'&' if '?' in url else '?'}cursor={tmp_path / 'care.cursor'}"
    start = sample_as_of()
    catalogue = Catalogue.installed(evaluator.pm)
    # (days after the sample's date, a care plan to review that day or None, whether the check must read
    # every location): a new date always means a full read, the same date only what the cursor reports.
    steps = [
        (0, None, True),
        (0, "CP-R07", False),
        (0, None, False),
        (20, None, True),
        (20, "CP-R01", False),
        (35, None, True),
        (400, None, True),
    ]
    with AlertStore(tmp_path / "alerts.db") as store:
        for number, (days, plan, full_read) in enumerate(steps):
            on = start + dt.timedelta(days=days)
            if plan is not None:
                _review_care_plan(url, sample_home.location_id, plan, on, LOADED + dt.timedelta(hours=number))
            watcher = Watcher(
                SqlAdapter(),
                source,
                store,
                evaluator,
                catalogue,
                load_config(None),
                "cqc-readiness",
                (),
                {},
                as_of=on,
            )
            cycle = watcher.check()
            assert cycle.error is None and cycle.failures == (), cycle.failures
            assert cycle.full_read is full_read, f"step {number}"
            assert cycle.report is not None
            if not full_read:
                expected = {sample_home.location_id} if plan else set()
                assert {loc.location_id for loc in cycle.report.locations} == expected, "the cursor is used"
            full = Session(evaluator=evaluator).readiness(source=url, adapter="sql", as_of=on)
            open_alerts = {
                (a.identity.location_id, a.identity.rule_id, a.identity.subject) for a in store.open_alerts()
            }
            assert open_alerts == full.alert_keys(), f"step {number}, as of {on}"
    assert ("1-000000002", "care_plan_review_overdue", "person:R01/care_plan:CP-R01") in open_alerts, (
        "the date alone raised alerts in the location no row of which changed"
    )
