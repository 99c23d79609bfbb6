"""A store of the previous schema (3: before feed positions and per-target digests) is upgraded in place when
the new code opens it, on SQLite and PostgreSQL: its alerts, history and queue kept, the store's last digest
carried over to the targets waiting for one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig

from mipr_rules.alerts.model import AlertIdentity, Target
from mipr_rules.watch.store import SCHEMA_VERSION, STORE_KIND, AlertStore, FeedPosition, store_url
from mipr_rules.watch.store.connection import MIGRATIONS

PREVIOUS = "0003"
LAST_DIGEST = "2026-11-01T07:00:00.000000+00:00"
WAITING = Target.parse("webhook:https://hooks.example.org/mipr?token=T0K3N")
IDLE = Target.parse("webhook:https://idle.example.org/mipr")
ALERT = AlertIdentity("1-000000001", "cqc-readiness", "care_plan_review_overdue", "person:R07/care_plan:CP-R07")


def previous_store(url: str) -> None:
    """A store as the code of schema 3 left it: one open alert with its event, a held change set, a digest."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        config = AlembicConfig()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = conn
        command.upgrade(config, PREVIOUS)
        conn.execute(
            sa.text("INSERT INTO store_info (key, value) VALUES ('kind', :k), ('last_digest', :d)"),
            {"k": STORE_KIND, "d": LAST_DIGEST},
        )
        conn.execute(
            sa.text(
                "INSERT INTO alerts (alert_id, location_id, ruleset_id, rule_id, subject, ruleset_version, severity, "
                "title, message, facts, detail, first_seen, last_seen, opened_at) VALUES (:a, :l, :r, "
                ":ru, :su, '1', 'high', 'Care plan review overdue', 'Overdue', '{}', '{}', '2026-11-01', '2026-11-01', "
                ":at)"
            ),
            {"a": ALERT.alert_id, "l": ALERT.location_id, "r": ALERT.ruleset_id, "ru": ALERT.rule_id}
            | {"su": ALERT.subject, "at": LAST_DIGEST},
        )
        conn.execute(
            sa.text("INSERT INTO alert_events (alert_id, occurrence, kind, as_of) VALUES (:a, 1, 'new', '2026-11-01')"),
            {"a": ALERT.alert_id},
        )
        conn.execute(
            sa.text(
                "INSERT INTO outbox (target_key, target_label, changes, idempotency_key, held) "
                "VALUES (:k, :l, '{\"id\": \"held-1\"}', 'key-1', 1)"
            ),
            {"k": WAITING.key, "l": WAITING.label},
        )
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA user_version = 3")
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "alerts.db")
    return str(request.getfixturevalue("pg_url"))


def test_a_store_of_the_previous_schema_is_upgraded_and_keeps_everything(store_location: str) -> None:
    previous_store(store_url(store_location))
    with AlertStore(store_location) as store:
        assert store.schema_version == SCHEMA_VERSION == 6
        (alert,) = store.open_alerts()
        assert alert.identity == ALERT
        assert [e.kind for e in store.events(ALERT)] == ["new"]
        assert store.pending(WAITING.key) == [], "held for the digest"
        assert store.last_digest(WAITING) == dt.datetime.fromisoformat(LAST_DIGEST)
        assert store.last_digest(IDLE) is None, "a target with nothing waiting starts its own schedule"
        assert store.last_digest() == dt.datetime.fromisoformat(LAST_DIGEST)
        assert store.feed_position("postgresql://db.example.org/care", "cqc-readiness") is None
        store.save_feed_position(FeedPosition("postgresql://u:pw@db.example.org/care", "log:7"), "cqc-readiness")
        assert store.feed_position("postgresql://u:pw@db.example.org/care", "cqc-readiness") == "log:7"
    with AlertStore(store_location, readonly=True) as again:
        assert again.schema_version == SCHEMA_VERSION and len(again.open_alerts()) == 1
    engine = sa.create_engine(store_url(store_location))
    with engine.connect() as conn:
        (shown,) = conn.execute(sa.text("SELECT source FROM feed_positions")).scalars()
    engine.dispose()
    assert shown == "postgresql://u@db.example.org/care", "no password kept in clear"
