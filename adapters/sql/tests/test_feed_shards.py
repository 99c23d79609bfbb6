"""``mipr watch --follow --shard I/N``: N followers of one source, each owning a share of its locations,
on one PostgreSQL store, hold together what one follower holds; each change is evaluated by its
location's shard only, and each shard saves its own feed position."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from feed_support import OTHER, RULE, Follow, review
from feed_support import follower as make_follower
from sql_fixtures import RunDatabase, postgres_store

from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.model import Location
from mipr_rules.testing import TEST_KEY
from mipr_rules.testing.contract import sample_as_of
from mipr_rules.watch.shard import Shard
from mipr_rules.watch.store import AlertStore


@pytest.fixture
def pg_store(run_database: RunDatabase) -> Iterator[str]:
    """A PostgreSQL alert store of its own (whatever the source's backend), dropped after."""
    with postgres_store(f"{run_database.name}_shards") as url:
        yield url


def _identities(store: AlertStore) -> set[tuple[str, str, str]]:
    return {(a.identity.location_id, a.identity.rule_id, a.identity.subject) for a in store.open_alerts()}


def test_shards_split_the_locations_and_together_hold_what_one_follower_holds(
    logged: str,
    sample_home: Location,
    pg_store: str,
    evaluator: Evaluator,
    tmp_path: Path,
) -> None:
    homes = [sample_home.location_id, OTHER]
    count = next(n for n in range(2, 20) if len({_owner(home, n) for home in homes}) == 2)
    shards = [Shard(number, count) for number in range(1, count + 1)]
    owner = {home: _owner(home, count) for home in homes}
    # The reference follower's pseudonymisation key, so that the two stores' subjects compare.
    watchers = [Follow(logged, pg_store, "--shard", shard.label, key=TEST_KEY.decode()) for shard in shards]
    try:
        started = [watcher.step() for watcher in watchers]
        for shard, step in zip(shards, started, strict=True):
            assert step["reason"] == "start" and step["complete"] is True and step["shard"] == shard.label
            assert step["locations"] == sum(1 for home in homes if owner[home] == shard.number)
        home = sample_home.location_id
        as_of = sample_as_of()
        review(logged, home, as_of - dt.timedelta(days=200))
        raised = watchers[owner[home] - 1].step()
        assert raised["reason"] == "changes" and [a["rule"] for a in raised["changes"]["new"]] == [RULE]
        review(logged, home, as_of)
        fixed = watchers[owner[home] - 1].step()
        assert [a["rule"] for a in fixed["changes"]["resolved"]] == [RULE]
    finally:
        errors = [watcher.stop() for watcher in watchers]
    for watcher in watchers:  # the other shards were told of nothing: no step of theirs had news
        rest = []
        while not watcher.lines.empty():
            rest.append(json.loads(watcher.lines.get()))
        assert rest == [], rest
    assert all("mipr watch: stopped" in err for err in errors)

    noon = dt.datetime.combine(as_of, dt.time(12), tzinfo=dt.timezone.utc)
    with AlertStore(pg_store) as shared, AlertStore(tmp_path / "one.db") as alone:
        one = make_follower(logged, alone, evaluator, lambda: noon, as_of)
        try:
            one.start()
        finally:
            one.feed.close()
        assert _identities(shared) == _identities(alone) and _identities(alone)
        for shard in shards:  # each resumes where it stopped
            assert shared.feed_position(shard.position_key(logged), "cqc-readiness") is not None
        assert shared.feed_position(logged, "cqc-readiness") is None


def _owner(location_id: str, count: int) -> int:
    return next(number for number in range(1, count + 1) if Shard(number, count).owns(location_id))
