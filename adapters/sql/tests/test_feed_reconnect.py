"""The SQL feed's pooled connections after the server dropped them (a restart, an idle timeout): one that
rested is pinged and replaced when taken; one that broke in use fails that read only, with one line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from feed_support import PLAN, RULE, review, until
from feed_support import follower as make_follower
from sql_fixtures import RunDatabase, engine

from mipr_rules.adapters import pooling
from mipr_rules.adapters.base import ReadContext
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.errors import InputError
from mipr_rules.model import Location
from mipr_rules.testing import TEST_KEY
from mipr_rules.testing.contract import sample_as_of
from mipr_rules.watch.changes import FeedOptions
from mipr_rules.watch.store import AlertStore
from mipr_rules_adapter_sql.feed import SqlChangeFeed


def _drop_connections(url: str) -> int:
    """Terminate every other server process connected to ``url``'s database (as a server restart would)."""
    name = sa.make_url(url).database
    with engine(url).connect() as connection:
        dropped = connection.execute(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :d AND pid <> pg_backend_pid()"
            ),
            {"d": name},
        ).scalar()
    return int(dropped or 0)


def _overdue(store: AlertStore, location_id: str) -> bool:
    return any(
        a.identity.rule_id == RULE and PLAN in a.identity.subject for a in store.open_alerts(location_id)
    )


@pytest.mark.parametrize("rested", [True, False], ids=["rested", "in-use"])
def test_a_follower_goes_on_after_the_server_dropped_its_connections(
    rested: bool,
    logged: str,
    run_database: RunDatabase,
    sample_home: Location,
    evaluator: Evaluator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if run_database.backend != "postgresql":
        pytest.skip("dropping a client's connections is a server's doing (the PostgreSQL run)")
    # A connection that rested is pinged when taken: "rested" makes every one count as rested.
    monkeypatch.setattr(pooling, "PING_AFTER", 0.0 if rested else 3600.0)
    as_of = sample_as_of()
    noon = dt.datetime.combine(as_of, dt.time(12), tzinfo=dt.timezone.utc)
    home = sample_home.location_id
    with AlertStore(tmp_path / "alerts.db") as store:
        follower = make_follower(logged, store, evaluator, lambda: noon, as_of)
        try:
            follower.start()
            assert not _overdue(store, home)
            assert _drop_connections(logged) >= 2  # the pooled connection and the listener at least
            review(logged, home, as_of - dt.timedelta(days=200))
            if not rested:  # the connection taken is the dropped one: that read fails, saying so in one line
                with pytest.raises(InputError, match="cannot read the change log") as failed:
                    follower.step(timeout=0.2)
                assert "\n" not in str(failed.value)
            until(follower, lambda: _overdue(store, home))
            review(logged, home, as_of)
            until(follower, lambda: not _overdue(store, home))
        finally:
            follower.feed.close()


def test_the_feed_reads_the_log_on_one_held_connection_not_one_from_the_pool_each_time(
    logged: str, run_database: RunDatabase, sample_home: Location
) -> None:
    """A follower reads the log many times a second: on PostgreSQL each read is one statement on the
    connection the feed holds, with no checkout from the pool and return around it."""
    if run_database.backend != "postgresql":
        pytest.skip("the held connection is the PostgreSQL feed's")
    assert pooling.PING_AFTER > 1.0  # no ping while the test runs: the statements counted are the reads
    feed = SqlChangeFeed(logged, FeedOptions(ReadContext(key=TEST_KEY), None, poll=0.05))
    checkouts: list[object] = []
    backends: set[int] = set()
    sa.event.listen(feed.engine, "checkout", lambda *args: checkouts.append(args))
    sa.event.listen(
        feed.engine,
        "before_cursor_execute",
        lambda connection, *_: backends.add(connection.connection.dbapi_connection.info.backend_pid),
    )
    try:
        feed.wait(0.0)
        checkouts.clear()
        for _ in range(20):
            assert feed.wait(0.0) == []
        review(logged, sample_home.location_id, sample_as_of())
        changes = feed.wait(30.0)
        assert [change.location_id for change in changes] == [sample_home.location_id]
        assert not checkouts and len(backends) == 1
    finally:
        feed.close()
