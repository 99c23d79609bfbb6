"""A follower started again resumes at the change-feed position saved in the alert store with the alerts.

The position is saved in the transaction that records the alerts of the changes before it. A follower started
again still reads every location once (it has no incremental state yet), then the feed replays from the saved
position what changed while none ran: a location deleted meanwhile, which no full read can see any more, has
its alerts resolved.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa
from feed_support import OTHER, PLAN, RULE, Follow, review, until
from feed_support import follower as make_follower
from sql_fixtures import engine

from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.errors import InputError
from mipr_rules.model import Location
from mipr_rules.testing.contract import sample_as_of
from mipr_rules.watch.follow import Follower
from mipr_rules.watch.store import AlertStore, FeedPosition
from mipr_rules_adapter_sql import schema


def _overdue(store: AlertStore, location_id: str) -> bool:
    alerts = store.open_alerts(location_id)
    return any(a.identity.rule_id == RULE and PLAN in a.identity.subject for a in alerts)


def _follower(url: str, store: AlertStore, evaluator: Evaluator, position: str | None) -> Follower:
    as_of = sample_as_of()
    noon = dt.datetime.combine(as_of, dt.time(12), tzinfo=dt.timezone.utc)
    return make_follower(url, store, evaluator, lambda: noon, as_of, position, source=url)


def test_a_follower_started_again_replays_what_changed_while_none_ran(
    logged: str, sample_home: Location, evaluator: Evaluator, tmp_path: Path
) -> None:
    home = sample_home.location_id
    with AlertStore(tmp_path / "alerts.db") as store:
        ruleset_id = "cqc-readiness"
        assert store.feed_position(logged, ruleset_id) is None
        first = _follower(logged, store, evaluator, None)
        try:
            first.start()
            started = store.feed_position(logged, ruleset_id)
            assert started is not None and started == first.feed.position, "saved with the first full read"
            assert store.open_alerts(OTHER) and not _overdue(store, home)
            review(logged, home, sample_as_of() - dt.timedelta(days=200))
            until(first, lambda: _overdue(store, home))
            moved = store.feed_position(logged, ruleset_id)
            assert moved == first.feed.position and moved != started, "moved with the alerts of the change"
        finally:
            first.feed.close()

        # No follower runs: the second home is deleted, the first one's care plan reviewed.
        with engine(logged).begin() as connection:
            connection.execute(sa.delete(schema.locations).where(schema.locations.c.location_id == OTHER))
        review(logged, home, sample_as_of())

        second = _follower(logged, store, evaluator, store.feed_position(logged, ruleset_id))
        try:
            second.start()
            assert not _overdue(store, home), "the full read sees the review"
            assert store.open_alerts(OTHER), "no full read can see a deleted location"
            until(second, lambda: not store.open_alerts(OTHER))
            assert store.feed_position(logged, ruleset_id) == second.feed.position != moved
        finally:
            second.feed.close()


def test_a_position_moves_only_with_the_alerts_it_stands_after(
    logged: str, evaluator: Evaluator, tmp_path: Path
) -> None:
    with AlertStore(tmp_path / "alerts.db") as store:
        follower = _follower(logged, store, evaluator, None)
        try:
            follower.start()
            saved = store.feed_position(logged, "cqc-readiness")
            report = follower.start().report
            late = attrs.evolve(report, as_of=report.as_of - dt.timedelta(days=1))
            with pytest.raises(InputError, match="would rewrite its history"):
                store.apply(late, feed_position=FeedPosition(logged, "log:999999"))
            assert store.feed_position(logged, "cqc-readiness") == saved, "the refused apply saved nothing"
        finally:
            follower.feed.close()


def test_mipr_watch_follow_started_again_resolves_a_location_deleted_while_stopped(
    logged: str, sample_home: Location, tmp_path: Path
) -> None:
    store = tmp_path / "alerts.db"
    first = Follow(logged, store)
    try:
        assert first.step()["reason"] == "start"
        review(logged, sample_home.location_id, sample_as_of() - dt.timedelta(days=200))
        assert [a["rule"] for a in first.step()["changes"]["new"]] == [RULE]
    finally:
        first.stop()
    with AlertStore(store, readonly=True) as opened:
        stopped_at = opened.feed_position(logged, "cqc-readiness")
        other = {a.alert_id for a in opened.open_alerts(OTHER)}
    assert stopped_at is not None and stopped_at.startswith(("log:", "cursor:")) and other

    with engine(logged).begin() as connection:
        connection.execute(sa.delete(schema.locations).where(schema.locations.c.location_id == OTHER))
    again = Follow(logged, store)
    try:
        assert again.step()["reason"] == "start"
        replayed = again.step()
        assert replayed["reason"] == "changes"
        assert {a["alert_id"] for a in replayed["changes"]["resolved"]} == other
    finally:
        again.stop()
