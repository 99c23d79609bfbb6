"""One PostgreSQL alert store shared by several watchers: news stored and queued once, the outbox claimed
(``FOR UPDATE SKIP LOCKED``) with a lease that a killed watcher's successor takes over, idempotency keys; and
SQLite stores of schema version 2 upgraded by the Alembic migrations."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from alert_support import LEGACY_SCHEMA, fix_care_plan_review, run_mipr, write_source

from mipr_rules.adapters.base import ReadContext
from mipr_rules.adapters.file_adapter import FileAdapter
from mipr_rules.alerts.notify import AlertIdentity, Target
from mipr_rules.api import Session
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.readiness import ReadinessReport
from mipr_rules.testing import TEST_KEY
from mipr_rules.watch.store import SCHEMA_VERSION, STORE_KIND, AlertStore

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.timezone.utc)
HOOK = Target.parse("webhook:https://hooks.example.org/mipr")


def report(home: dict[str, Any], as_of: dt.date, evaluator: Evaluator, tmp_path: Path) -> ReadinessReport:
    source = write_source(tmp_path / "home.json", home)
    locations = FileAdapter().read(str(source), ReadContext(key=TEST_KEY))
    return Session(evaluator=evaluator).readiness(locations, as_of=as_of, allow_incomplete=True)


def test_two_watchers_store_and_queue_each_change_once(
    pg_url: str, home: dict[str, Any], as_of: dt.date, evaluator: Evaluator, tmp_path: Path
) -> None:
    first = report(home, as_of, evaluator, tmp_path)
    fix_care_plan_review(home, as_of)
    fixed = report(home, as_of, evaluator, tmp_path)
    with AlertStore(pg_url) as one, AlertStore(pg_url) as two:
        assert one.schema_version == SCHEMA_VERSION
        assert len(one.apply(first, notify=[HOOK], at=T0).new) == len(list(first.alerts()))
        assert not two.apply(first, notify=[HOOK], at=T0).has_news, "the other watcher's check finds nothing new"
        (resolved,) = two.apply(fixed, notify=[HOOK], at=T0).resolved
        assert not one.apply(fixed, notify=[HOOK], at=T0).has_news
        queued = one.pending(HOOK.key)
        assert len(queued) == 2 and len({item.idempotency_key for item in queued}) == 2
        assert resolved.identity.rule_id == "care_plan_review_overdue"
        assert [e.kind for e in two.events(resolved.alert_id)] == ["new", "resolved"]


def test_claims_skip_locked_rows_and_expired_leases_are_taken_over(
    pg_url: str, home: dict[str, Any], as_of: dt.date, evaluator: Evaluator, tmp_path: Path
) -> None:
    with AlertStore(pg_url) as one, AlertStore(pg_url) as two:
        one.apply(report(home, as_of, evaluator, tmp_path), notify=[HOOK], at=T0)
        (item,) = one.claim(HOOK.key, "watcher-1", at=T0, lease=dt.timedelta(seconds=30))
        assert two.claim(HOOK.key, "watcher-2", at=T0 + dt.timedelta(seconds=29)) == [], "claimed by watcher-1"
        (taken,) = two.claim(HOOK.key, "watcher-2", at=T0 + dt.timedelta(seconds=31))
        assert taken.id == item.id and taken.idempotency_key == item.idempotency_key, "the same key on the retry"
        two.delivered(taken.id)
        assert one.pending() == []
        # a row another transaction holds at this instant is skipped, not waited for
        one.apply(report(home, as_of + dt.timedelta(days=400), evaluator, tmp_path), notify=[HOOK], at=T0)
        with psycopg.connect(pg_url, connect_timeout=5) as holder:
            holder.execute("SELECT id FROM outbox FOR UPDATE").fetchall()
            assert two.claim(HOOK.key, "watcher-2", at=T0 + dt.timedelta(hours=1)) == []
        assert len(two.claim(HOOK.key, "watcher-2", at=T0 + dt.timedelta(hours=1))) == 1


def test_a_schema_2_sqlite_store_is_upgraded_by_the_migrations(
    home: dict[str, Any], as_of: dt.date, evaluator: Evaluator, tmp_path: Path, sample_alerts: int
) -> None:
    path = tmp_path / "alerts.db"
    old = AlertIdentity("1-000000001", "cqc-readiness", "r", "s").alert_id
    db = sqlite3.connect(path, isolation_level=None)
    for step in (1, 2):
        for statement in LEGACY_SCHEMA[step]:
            db.execute(statement)
    db.execute("INSERT INTO store_info VALUES ('kind', ?)", (STORE_KIND,))
    db.execute(
        "INSERT INTO alerts (alert_id, location_id, ruleset_id, rule_id, subject, ruleset_version, severity, title, "
        "message, facts, detail, first_seen, last_seen, acknowledged_by, acknowledged_on) VALUES (?, "
        "'1-000000001', 'cqc-readiness', 'r', 's', '1.0.0', 'high', 't', 'm', '{}', '{}', '2026-10-01', "
        "'2026-10-02', 'S01', '2026-10-02')",
        (old,),
    )
    db.execute("PRAGMA user_version = 2")
    db.close()
    with AlertStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert [(e.kind, e.by) for e in store.events(old)] == [("new", None), ("acknowledged", "S01")]
        changes = store.apply(report(home, as_of, evaluator, tmp_path))
        assert len(changes.new) == sample_alerts and [a.alert_id for a in changes.resolved] == [old]
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == f"{SCHEMA_VERSION:04d}"
    engine.dispose()
    result = run_mipr("alerts", "list", "--store", f"sqlite:///{path}", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.output.count("\n") == 1 + sample_alerts, "a header and the open alerts"
    shown = run_mipr("alerts", "show", old.lower(), "--store", str(path))
    assert shown.exit_code == 0, shown.output
    assert [line.split()[-1] for line in shown.output.splitlines()[-3:]] == ["new", "S01", "resolved"]


def test_a_store_url_that_is_not_a_store_is_refused_in_one_line(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE patients (id int)")
    result = run_mipr("alerts", "list", "--store", pg_url)
    assert result.exit_code == 2 and "not an alert store" in result.output and "Traceback" not in result.output
    result = run_mipr("alerts", "list", "--store", "mysql://localhost/x")
    assert result.exit_code == 2 and "expected a SQLite path" in result.output


@pytest.mark.parametrize("fmt", ["text", "json", "csv"])
def test_alerts_list_formats_on_postgresql(
    pg_url: str,
    fmt: str,
    home: dict[str, Any],
    as_of: dt.date,
    evaluator: Evaluator,
    tmp_path: Path,
    sample_alerts: int,
) -> None:
    with AlertStore(pg_url) as store:
        store.apply(report(home, as_of, evaluator, tmp_path), at=T0)
    result = run_mipr("alerts", "list", "--store", pg_url, "--location", "1-000000001", "--format", fmt)
    assert result.exit_code == 0, result.output
    assert len(set(re.findall(r"\bA-[0-9A-F]{12}\b", result.output))) == sample_alerts
