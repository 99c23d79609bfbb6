"""The alert store: news once, resolutions noticed, failed or missing locations left alone."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import sqlite3
from collections.abc import Callable, Sequence
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import pytest
from alert_support import SECOND_LOCATION, break_evaluation, fix_care_plan_review, second_home

from mipr_rules.alerts import AlertChanges, AlertIdentity
from mipr_rules.alerts.notify import Target
from mipr_rules.errors import InputError
from mipr_rules.readiness import ReadinessReport
from mipr_rules.testing.contract import sample_path
from mipr_rules.watch.store import SCHEMA_VERSION, AlertStore

Readiness = Callable[..., ReadinessReport]
PLANTED = {(g["rule"], g["subject"]) for g in json.loads(sample_path("meta.json").read_text())["planted_gaps"]}
NEXT_DAY = dt.timedelta(days=1)


def keys(alerts: Any) -> set[tuple[str, str]]:
    return {(a.identity.rule_id, a.identity.subject) for a in alerts}


def test_first_check_is_all_new_then_nothing_new(
    readiness: Readiness, home: dict[str, Any], as_of: dt.date, tmp_path: Path
) -> None:
    report = readiness(home, as_of=as_of)
    with AlertStore(tmp_path / "alerts.db") as store:
        first = store.apply(report)
        assert keys(first.new) == PLANTED
        assert not first.ongoing and not first.resolved and first.has_news
        assert all(a.first_seen == a.last_seen == as_of for a in first.new)

        second = store.apply(readiness(home, as_of=as_of + NEXT_DAY))
        assert not second.new and not second.resolved and not second.has_news
        assert keys(second.ongoing) == PLANTED
        assert {a.alert_id for a in second.ongoing} == {a.alert_id for a in first.new}
        assert all(a.first_seen == as_of and a.last_seen == as_of + NEXT_DAY for a in second.ongoing)
        assert keys(store.open_alerts()) == PLANTED


def test_fixing_one_gap_resolves_one_alert(
    readiness: Readiness, home: dict[str, Any], as_of: dt.date, tmp_path: Path
) -> None:
    with AlertStore(tmp_path / "alerts.db") as store:
        store.apply(readiness(home, as_of=as_of))
        fix_care_plan_review(home, as_of)
        changes = store.apply(readiness(home, as_of=as_of + NEXT_DAY))
    (resolved,) = changes.resolved
    assert (resolved.identity.rule_id, resolved.identity.subject) == (
        "care_plan_review_overdue",
        "person:R07/care_plan:CP-R07",
    )
    assert resolved.resolved_on == as_of + NEXT_DAY and resolved.first_seen == as_of
    assert not changes.new and len(changes.ongoing) == len(PLANTED) - 1 and changes.has_news


def test_a_gap_that_comes_back_is_new_again(
    readiness: Readiness, home: dict[str, Any], as_of: dt.date, tmp_path: Path
) -> None:
    fixed = json.loads(json.dumps(home))
    fix_care_plan_review(fixed, as_of)
    with AlertStore(tmp_path / "alerts.db") as store:
        store.apply(readiness(home, as_of=as_of))
        store.apply(readiness(fixed, as_of=as_of))
        again = store.apply(readiness(home, as_of=as_of))
        (new,) = again.new
        assert new.identity.rule_id == "care_plan_review_overdue"
        history = store.history(new.identity)
    assert [(h.first_seen, h.resolved_on) for h in history] == [(as_of, as_of), (as_of, None)]


def test_a_location_whose_evaluation_failed_keeps_its_open_alerts(
    readiness: Readiness, home: dict[str, Any], as_of: dt.date, tmp_path: Path
) -> None:
    other = second_home(home)
    with AlertStore(tmp_path / "alerts.db") as store:
        store.apply(readiness(home, other, as_of=as_of))
        before = keys(store.open_alerts(SECOND_LOCATION))
        assert before == PLANTED

        break_evaluation(other)
        report = readiness(home, other, as_of=as_of + NEXT_DAY)
        (failed,) = [loc for loc in report.locations if loc.error]
        assert failed.location_id == SECOND_LOCATION and not failed.alerts

        changes = store.apply(report)
        assert not changes.resolved and not changes.new
        assert [loc.location_id for loc in changes.not_evaluated] == [SECOND_LOCATION]
        assert keys(store.open_alerts(SECOND_LOCATION)) == before
        assert store.last_checked(SECOND_LOCATION) == as_of
        assert store.last_checked(home["location_id"]) == as_of + NEXT_DAY


def test_a_location_missing_from_the_report_keeps_its_open_alerts(
    readiness: Readiness, home: dict[str, Any], as_of: dt.date, tmp_path: Path
) -> None:
    with AlertStore(tmp_path / "alerts.db") as store:
        store.apply(readiness(home, second_home(home), as_of=as_of))
        changes = store.apply(readiness(home, as_of=as_of + NEXT_DAY))
        assert not changes.resolved and not changes.new
        assert keys(store.open_alerts(SECOND_LOCATION)) == PLANTED


def test_a_report_older_than_the_last_check_is_refused(
    readiness: Readiness, home: dict[str, Any], as_of: dt.date, tmp_path: Path
) -> None:
    with AlertStore(tmp_path / "alerts.db") as store:
        store.apply(readiness(home, as_of=as_of))
        with pytest.raises(InputError, match="last checked as of 2026-11-02") as info:
            store.apply(readiness(home, as_of=as_of - NEXT_DAY))
        assert "\n" not in str(info.value)
        assert keys(store.open_alerts()) == PLANTED


def test_acknowledgement_is_kept_with_the_open_alert(
    readiness: Readiness, home: dict[str, Any], as_of: dt.date, tmp_path: Path
) -> None:
    with AlertStore(tmp_path / "alerts.db") as store:
        changes = store.apply(readiness(home, as_of=as_of))
        target = next(a for a in changes.new if a.identity.rule_id == "supervision_overdue")
        acked = store.acknowledge(target.identity, "S01", "supervision booked", on=as_of)
        assert (acked.acknowledged_by, acked.acknowledged_on) == ("S01", as_of)
        assert store.acknowledgement_note(target.alert_id) == "supervision booked"

        later = store.apply(readiness(home, as_of=as_of + NEXT_DAY))
        ongoing = next(a for a in later.ongoing if a.alert_id == target.alert_id)
        assert ongoing.as_dict()["acknowledged"] == {"by": "S01", "on": as_of.isoformat()}
        assert "supervision booked" not in later.to_json()


@pytest.mark.parametrize("by", ["jane.smith@example.org", "Jane Smith", ""])
def test_acknowledgement_needs_a_pseudonymous_id(
    readiness: Readiness, home: dict[str, Any], as_of: dt.date, tmp_path: Path, by: str
) -> None:
    with AlertStore(tmp_path / "alerts.db") as store:
        alert = store.apply(readiness(home, as_of=as_of)).new[0]
        with pytest.raises(InputError, match="pseudonymous"):
            store.acknowledge(alert.alert_id, by, on=as_of)


def test_acknowledging_an_unknown_alert_names_it(tmp_path: Path, as_of: dt.date) -> None:
    with AlertStore(tmp_path / "alerts.db") as store, pytest.raises(InputError, match="no open alert A-000"):
        store.acknowledge("A-000", "S01", on=as_of)


def test_alert_identity_is_stable() -> None:
    parts = ("1-000000001", "cqc-readiness", "supervision_overdue", "staff:S11")
    alert_id = AlertIdentity(*parts).alert_id
    assert alert_id == AlertIdentity(*parts).alert_id
    assert alert_id.startswith("A-") and len(alert_id) == 14
    assert alert_id != AlertIdentity(*parts[:3], "staff:S12").alert_id


def test_changes_with_news_are_queued_for_each_target_in_the_same_check(
    readiness: Readiness, home: dict[str, Any], as_of: dt.date, tmp_path: Path
) -> None:
    targets = [
        Target.parse("webhook:https://example.org/hooks/T0K3N"),
        Target.parse("email:smtp://mipr:pa55w0rd@mail.example.org?from=a@example.org&to=c@example.org"),
    ]
    with AlertStore(tmp_path / "alerts.db") as store:
        changes = store.apply(readiness(home, as_of=as_of), notify=targets)
        waiting = [store.pending(t.key) for t in targets]
        assert [len(w) for w in waiting] == [1, 1]
        assert AlertChanges.from_json(waiting[0][0].changes) == changes
        store.apply(readiness(home, as_of=as_of + NEXT_DAY), notify=targets)
        assert [len(store.pending(t.key)) for t in targets] == [1, 1], "nothing new: nothing queued"
        assert store.pending_elsewhere(targets[:1]) == 1
    raw = (tmp_path / "alerts.db").read_bytes()
    assert b"T0K3N" not in raw and b"pa55w0rd" not in raw, "targets may hold secrets: only digests and hosts"


def test_readers_see_committed_checks_while_a_check_is_being_written(
    readiness: Readiness, home: dict[str, Any], as_of: dt.date, tmp_path: Path
) -> None:
    path = tmp_path / "alerts.db"
    with AlertStore(path) as store:
        store.apply(readiness(home, as_of=as_of))
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE alerts SET resolved_on = '2026-11-03'")
    try:
        with AlertStore(path, readonly=True, timeout=0.1) as reader:
            assert keys(reader.open_alerts()) == PLANTED
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_a_store_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "alerts.db"
    AlertStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(InputError, match="newer than this mipr-rules supports"):
        AlertStore(path)


def test_a_file_that_is_not_an_alert_store_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE patients (id TEXT)")
    db.close()
    with pytest.raises(InputError, match="not an alert store"):
        AlertStore(other)
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all, but long enough to have a header of sorts" * 10)
    with pytest.raises(InputError, match=r"notes\.txt: not a usable alert store"):
        AlertStore(text)


def test_store_records_schema_version_and_opens_again(tmp_path: Path) -> None:
    path = tmp_path / "alerts.db"
    AlertStore(path).close()
    with AlertStore(path) as again:
        assert again.schema_version == SCHEMA_VERSION
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_a_busy_store_is_one_clear_error(
    readiness: Readiness, home: dict[str, Any], as_of: dt.date, tmp_path: Path
) -> None:
    path = tmp_path / "alerts.db"
    report = readiness(home, as_of=as_of)
    AlertStore(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with AlertStore(path, timeout=0.05) as store, pytest.raises(InputError, match="busy") as info:
            store.apply(report)
        assert "\n" not in str(info.value)
    finally:
        other.execute("ROLLBACK")
        other.close()
    with AlertStore(path) as store:
        assert keys(store.apply(report).new) == PLANTED, "nothing was half written"


def open_fresh_stores(paths: Sequence[str], barrier: Barrier, results: Any) -> None:
    """In a child process: open each fresh store at the same moment as the other children, then write to it."""
    outcome = []
    for path in paths:
        barrier.wait(timeout=60)
        try:
            with AlertStore(path) as store:
                store.delivery_failed(0, "nothing")  # a write transaction, once the schema exists
                outcome.append(store.schema_version == SCHEMA_VERSION)
        except Exception as exc:  # reported to the parent, which names it
            outcome.append(f"{type(exc).__name__}: {exc}")
    results.put(outcome)


def test_processes_opening_a_fresh_store_together_all_succeed(tmp_path: Path) -> None:
    # Before the fix, about 1 open in 400 failed with "database is locked" or "not an alert store".
    paths = [str(tmp_path / f"fresh-{i}.db") for i in range(40)]
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(4), spawn.Queue()
    children = [spawn.Process(target=open_fresh_stores, args=(paths, barrier, results)) for _ in range(4)]
    for child in children:
        child.start()
    outcomes = [results.get(timeout=120) for _ in children]
    for child in children:
        child.join(timeout=60)
    assert [child.exitcode for child in children] == [0] * 4
    failures = [o for outcome in outcomes for o in outcome if o is not True]
    assert failures == [], failures[:3]
    assert sum(len(outcome) for outcome in outcomes) == 4 * len(paths)
