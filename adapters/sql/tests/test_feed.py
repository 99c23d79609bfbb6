"""The SQL change feed and ``mipr watch --follow`` on the run's database (PostgreSQL: LISTEN/NOTIFY;
MariaDB and SQLite: the change log polled).

A committed change raises its alert and fixing the record resolves it; a deleted row is a change too;
the incremental state equals a full evaluation; a date crossing raises the alerts that fall due that day
at local midnight (Europe/London) with no full sweep.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from feed_support import OTHER, PLAN, RULE, review, until
from feed_support import follower as make_follower
from sql_fixtures import RunDatabase, engine, postgres_store

from mipr_rules.adapters.base import ReadContext
from mipr_rules.api import Session
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.model import Location
from mipr_rules.testing import TEST_KEY
from mipr_rules.testing.contract import sample_as_of
from mipr_rules.watch.changes import FeedOptions
from mipr_rules.watch.store import AlertStore
from mipr_rules_adapter_sql import feed as sql_feed
from mipr_rules_adapter_sql import schema
from mipr_rules_adapter_sql.commands import install_triggers_command
from mipr_rules_adapter_sql.feed import SqlChangeFeed

LONDON = dt.timezone.utc  # instants below are written in UTC; the follower turns them into London dates


def _open(store: AlertStore, location_id: str) -> set[str]:
    return {f"{a.identity.rule_id} {a.identity.subject}" for a in store.open_alerts(location_id)}


def test_a_committed_change_raises_its_alert_and_the_fix_resolves_it(
    logged: str, sample_home: Location, evaluator: Evaluator, tmp_path: Path
) -> None:
    as_of = sample_as_of()
    noon = dt.datetime.combine(as_of, dt.time(12), tzinfo=LONDON)
    with AlertStore(tmp_path / "alerts.db") as store:
        follower = make_follower(logged, store, evaluator, lambda: noon, as_of)
        try:
            follower.start()
            home = sample_home.location_id
            assert not any(PLAN in key and RULE in key for key in _open(store, home))
            review(logged, home, as_of - dt.timedelta(days=200))
            until(follower, lambda: any(PLAN in k and RULE in k for k in _open(store, home)))
            review(logged, home, as_of)
            until(follower, lambda: not any(PLAN in k and RULE in k for k in _open(store, home)))
            # A deleted row is a change: the care plan's alerts go with it.
            review(logged, home, as_of - dt.timedelta(days=200))
            until(follower, lambda: any(PLAN in k and RULE in k for k in _open(store, home)))
            with engine(logged).begin() as connection:
                connection.execute(sa.delete(schema.care_plans).where(schema.care_plans.c.plan_id == PLAN))
            until(follower, lambda: not any(PLAN in k for k in _open(store, home)))
            # ...and the incremental state is a full evaluation's.
            full = Session(evaluator=evaluator).readiness(list(follower.feed.read_all()), as_of=as_of)
            assert follower.incremental.alert_keys() == full.alert_keys()
        finally:
            follower.feed.close()


def test_alerts_fall_due_at_local_midnight_without_a_full_sweep(
    logged: str, sample_home: Location, evaluator: Evaluator, tmp_path: Path
) -> None:
    # Reviewed 28 days before 30 March 2026 (the clocks went forward on 29 March): overdue from the
    # 29th day, i.e. from local midnight starting 31 March, which is 23:00 UTC on 30 March (BST).
    as_of = dt.date(2026, 3, 30)
    review(logged, sample_home.location_id, as_of - dt.timedelta(days=28))
    now = [dt.datetime(2026, 3, 30, 22, 30, tzinfo=dt.timezone.utc)]
    with AlertStore(tmp_path / "alerts.db") as store:
        follower = make_follower(logged, store, evaluator, lambda: now[0], as_of)
        try:
            follower.start()
            home = sample_home.location_id
            assert not any(PLAN in k and RULE in k for k in _open(store, home))
            follower.incremental.plan()
            assert follower.incremental.scheduler.when(home) == dt.date(2026, 3, 31)
            now[0] = dt.datetime(2026, 3, 30, 22, 59, 59, tzinfo=dt.timezone.utc)
            assert all(step.reason != "due" for step in follower.step(timeout=0.0))
            now[0] = dt.datetime(2026, 3, 30, 23, 0, tzinfo=dt.timezone.utc)
            steps = follower.step(timeout=0.0)
            assert [step.reason for step in steps] == ["due"]
            assert {loc.location_id for loc in steps[0].report.locations} <= {home, "1-000000002"}
            assert any(PLAN in k and RULE in k for k in _open(store, home))
            full = Session(evaluator=evaluator).readiness(
                list(follower.feed.read_all()), as_of=dt.date(2026, 3, 31)
            )
            assert follower.incremental.alert_keys() == full.alert_keys()
        finally:
            follower.feed.close()


def _mipr() -> str:
    return str(Path(sys.executable).with_name("mipr"))


@pytest.fixture
def store_url(run_database: RunDatabase, tmp_path: Path) -> Iterator[str]:
    """An alert store of its own: a PostgreSQL database on the PostgreSQL run (dropped after), else SQLite."""
    if run_database.backend != "postgresql":
        yield f"sqlite:///{tmp_path / 'alerts.db'}"
        return
    with postgres_store(f"{run_database.name}_store") as url:
        yield url


def test_mipr_watch_follow_reports_the_alert_of_a_commit_and_its_resolution(
    logged: str, sample_home: Location, store_url: str
) -> None:
    as_of = sample_as_of()
    command = [
        _mipr(),
        "watch",
        "--follow",
        "--adapter",
        "sql",
        "--source",
        logged,
        "--store",
        store_url,
        "--as-of",
        as_of.isoformat(),
        "--format",
        "json",
        "--poll",
        "0.05",
        "--sweep-at",
        "off",
    ]
    env = {**os.environ, "MIPR_RULES_PSEUDONYM_KEY": "feed test key"}
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as process:
        lines: queue.Queue[str] = queue.Queue()

        def pump() -> None:
            for line in process.stdout or ():
                lines.put(line)

        threading.Thread(target=pump, daemon=True).start()

        def next_step() -> dict[str, Any]:
            try:
                return dict(json.loads(lines.get(timeout=120)))
            except queue.Empty:
                process.kill()
                raise AssertionError("mipr watch --follow printed nothing for 120 s") from None

        try:
            first = next_step()
            assert first["reason"] == "start" and first["complete"] is True
            # The reference schema holds the whole model: PEEP dates are read (the sample's are recent).
            assert first["changes"]["new"] and not any(
                a["rule"] == "peep_missing" for a in first["changes"]["new"]
            )
            review(logged, sample_home.location_id, as_of - dt.timedelta(days=200))
            raised = next_step()
            assert raised["reason"] == "changes"
            assert [a["rule"] for a in raised["changes"]["new"]] == [RULE]
            review(logged, sample_home.location_id, as_of)
            fixed = next_step()
            assert [a["rule"] for a in fixed["changes"]["resolved"]] == [RULE]
        finally:
            process.terminate()
            _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "mipr watch: stopped" in err
    assert not [line for line in err.splitlines() if "not evaluated" in line]  # no rule left out


def test_the_daily_sweep_logs_differences_as_errors_and_keeps_the_full_result(
    logged: str, sample_home: Location, evaluator: Evaluator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    as_of = sample_as_of()
    noon = dt.datetime.combine(as_of, dt.time(12), tzinfo=LONDON)
    with AlertStore(tmp_path / "alerts.db") as store:
        follower = make_follower(logged, store, evaluator, lambda: noon, as_of)
        try:
            follower.start()
            assert follower.sweep().differences == {"extra": [], "missing": []}
            # Corrupt the incremental state (as a bug would): the sweep says so, and puts it right.
            state = follower.incremental.states[sample_home.location_id]
            state.hits = {key: () for key in state.hits}
            with caplog.at_level("ERROR", logger="mipr_rules.watch"):
                step = follower.sweep()
            assert step.differences["missing"] and not step.differences["extra"]
            assert any("sweep: missing alert in incremental state" in r.message for r in caplog.records)
            assert follower.sweep().differences == {"extra": [], "missing": []}
        finally:
            follower.feed.close()


def test_a_waiting_feed_reads_the_log_when_notified_not_before(
    logged: str, run_database: RunDatabase, sample_home: Location
) -> None:
    if run_database.backend != "postgresql":
        pytest.skip("notifications are PostgreSQL's; the other servers' logs are polled")
    feed = SqlChangeFeed(logged, FeedOptions(ReadContext(key=TEST_KEY), None, poll=0.05))
    reads: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *args: Any) -> None:
        if "mipr_changes" in statement:
            reads.append(statement)

    sa.event.listen(feed.engine, "before_cursor_execute", count)
    try:
        assert feed.wait(0.0) == [] and len(reads) == 1, "a wait of no time reads the log"
        reads.clear()
        assert feed.wait(0.3) == [] and len(reads) == 1, "nothing committed: read once, when the wait ends"
        review(logged, sample_home.location_id, sample_as_of())  # committed before the next wait began
        reads.clear()
        changes = feed.wait(30.0)
        assert [c.location_id for c in changes] == [sample_home.location_id] and len(reads) == 1
    finally:
        feed.close()


def test_a_shard_reads_on_without_waiting_while_the_log_holds_more_than_one_read(
    logged: str, run_database: RunDatabase, sample_home: Location, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Other shards' changes first, more of them than one read takes: the shard reads on at once, it does not
    wait for a notification that was already taken."""
    if run_database.backend != "postgresql":
        pytest.skip("notifications are PostgreSQL's; the other servers' logs are polled")
    monkeypatch.setattr(sql_feed, "BATCH", 2)
    home = sample_home.location_id
    feed = SqlChangeFeed(
        logged, FeedOptions(ReadContext(key=TEST_KEY), None, poll=0.05, owns=lambda loc: loc == home)
    )
    waits: list[tuple[float, bool]] = []  # each wait for a notification: how long, and whether more was left
    heard = feed._heard

    def recorded(timeout: float) -> bool:
        waits.append((timeout, feed._more))
        return heard(timeout)

    monkeypatch.setattr(feed, "_heard", recorded)
    try:
        assert feed.wait(0.0) == []
        with engine(logged).begin() as connection:  # one transaction: one notification for all four rows
            for day in (1, 2, 3):
                connection.execute(
                    sa.update(schema.care_plans)
                    .where(schema.care_plans.c.location_id == OTHER, schema.care_plans.c.plan_id == PLAN)
                    .values(last_reviewed=sample_as_of() - dt.timedelta(days=day))
                )
            connection.execute(
                sa.update(schema.care_plans)
                .where(schema.care_plans.c.location_id == home, schema.care_plans.c.plan_id == PLAN)
                .values(last_reviewed=sample_as_of())
            )
        changes: list[Any] = []
        while not changes:
            changes = list(feed.wait(30.0))
        assert [c.location_id for c in changes] == [home]
        assert not [t for t, more in waits if t > 0 and more], "waited for a notification already taken"
    finally:
        feed.close()


def test_without_the_change_log_the_feed_polls_updated_at(
    run_database: RunDatabase, sample_home: Location, evaluator: Evaluator, tmp_path: Path
) -> None:
    url = run_database.load(sample_home, updated_at=dt.datetime(2026, 11, 1, 9, 0))
    feed = SqlChangeFeed(url, FeedOptions(ReadContext(key=TEST_KEY), None, poll=0.05))
    try:
        assert not feed.logged and feed.position is not None and feed.position.startswith("cursor:")
        assert feed.wait(0.0) == []
        with engine(url).begin() as connection:
            connection.execute(
                sa.update(schema.care_plans)
                .where(schema.care_plans.c.plan_id == PLAN)
                .values(last_reviewed=sample_as_of(), updated_at=dt.datetime(2026, 11, 2, 9, 0))
            )
        changes = []
        for _ in range(100):
            changes = list(feed.wait(0.1))
            if changes:
                break
        assert [c.location_id for c in changes] == [sample_home.location_id]
        (location,) = list(feed.apply(changes))
        plans = {p.plan_id: p for person in location.people for p in person.care_plans}
        assert plans[PLAN].last_reviewed == sample_as_of()
    finally:
        feed.close()


def test_install_triggers_prints_a_migration_and_refuses_a_bad_url_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "care.db").touch()
    printed = CliRunner().invoke(install_triggers_command, [f"sqlite:///{tmp_path / 'care.db'}", "--print"])
    assert printed.exit_code == 0
    assert "CREATE TABLE IF NOT EXISTS mipr_changes" in printed.output
    assert "CREATE TRIGGER mipr_care_plans_d AFTER DELETE ON care_plans" in printed.output
    bad = CliRunner().invoke(install_triggers_command, [f"sqlite:///{tmp_path / 'missing.db'}"])
    assert bad.exit_code == 2
    assert bad.output.count("\n") == 1 and "database file not found" in bad.output


def test_a_follower_behind_takes_short_steps_and_its_position_covers_only_what_it_took(
    logged: str, sample_home: Location, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mipr_rules_adapter_sql import feed as feed_module

    monkeypatch.setattr(feed_module, "STEP", 3)
    feed = SqlChangeFeed(logged, FeedOptions(ReadContext(key=TEST_KEY), None, poll=0.05))
    try:
        start = int(str(feed.position).removeprefix("log:"))
        for days in range(10):
            review(logged, sample_home.location_id, sample_as_of() - dt.timedelta(days=days))
        taken: list[str] = []
        while len(taken) < 10:
            changes = feed.wait(0.5)
            assert 0 < len(changes) <= 3
            taken += [change.position for change in changes]
            assert feed.position == taken[-1]  # nothing read but not yet returned is counted as handled
        assert taken == [f"log:{start + n}" for n in range(1, 11)]
        assert not feed.wait(0.0)
    finally:
        feed.close()


def test_a_re_read_keeps_the_objects_of_unchanged_records(logged: str, sample_home: Location) -> None:
    feed = SqlChangeFeed(logged, FeedOptions(ReadContext(key=TEST_KEY), None, poll=0.05))
    try:
        home = sample_home.location_id
        before = next(loc for loc in feed.read_all() if loc.location_id == home)
        day = sample_as_of() - dt.timedelta(days=3)
        review(logged, home, day)
        (after,) = feed.apply(feed.wait(1.0))
        changed = [i for i, (a, b) in enumerate(zip(before.people, after.people, strict=True)) if a is not b]
        assert len(changed) == 1  # the person whose care plan changed, made again; the others kept
        plan = next(p for p in after.people[changed[0]].care_plans if p.plan_id == PLAN)
        assert plan.last_reviewed == day
        assert all(a is b for a, b in zip(before.staff, after.staff, strict=True))
        assert all(a is b for a, b in zip(before.incidents, after.incidents, strict=True))
        assert after == next(loc for loc in feed.read_all() if loc.location_id == home)  # a fresh read agrees
    finally:
        feed.close()
