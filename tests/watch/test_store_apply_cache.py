"""Recording in proportion to what changed, on SQLite and PostgreSQL: a hit's columns are worked out once per hit
object, but rows are always compared as stored now; ongoing alerts are made when first read, as the check left
them; on PostgreSQL checks of different locations do not wait for each other, checks of one location and
digests do."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
import sqlalchemy as sa

from mipr_rules.alerts.model import AlertChanges, AlertIdentity
from mipr_rules.alerts.notify import Target
from mipr_rules.readiness import LocationReadiness, ReadinessReport
from mipr_rules.results import RuleHit
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules.testing.contract import sample_as_of
from mipr_rules.watch.store import AlertStore, connection
from mipr_rules.watch.store.hits import VALUE_COLUMNS, HitColumns, values_digest

AS_OF = sample_as_of()
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.timezone.utc)
HOLD = Target.parse("webhook:https://hooks.example.org/digest")


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    return Catalogue.installed().get("cqc-readiness", AS_OF)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "alerts.db")
    return str(request.getfixturevalue("pg_url"))


def hit(ruleset: Ruleset, location_id: str, rule: int, subject: str, message: str, days: int = 30) -> RuleHit:
    r = ruleset.rules[rule]
    source = ruleset.source(r.source)
    assert source is not None
    return RuleHit(
        ruleset_id=ruleset.id,
        ruleset_version=ruleset.version,
        rule_id=r.id,
        title=r.title,
        severity=r.severity,
        subject=subject,
        message=message,
        maps_to=r.maps_to,
        source=source,
        facts={"subject": subject, "days_since_review": days},
        parameters={},
        partition=location_id,
        as_of=AS_OF,
    )


def report(ruleset: Ruleset, *locations: tuple[str, tuple[RuleHit, ...]], as_of: dt.date = AS_OF) -> ReadinessReport:
    return ReadinessReport(as_of, ruleset, {}, tuple(LocationReadiness(i, f"Home {i}", hits) for i, hits in locations))


def stored_messages(store: AlertStore, location_id: str) -> dict[str, tuple[str, dict[str, Any]]]:
    return {a.identity.subject: (a.message, a.facts) for a in store.open_alerts(location_id)}


def test_a_reused_hit_is_compared_with_its_row_as_stored_now(store_url: str, ruleset: Ruleset) -> None:
    """Another writer changed the row: the same hit object (cached columns) writes it back."""
    one = hit(ruleset, "L1", 0, "person:R01", "first message")
    with AlertStore(store_url) as store:
        assert len(store.apply(report(ruleset, ("L1", (one,))), at=T0).new) == 1
        with store._engine.begin() as db:  # as another process writing the alert would: values, their digest, and
            row = db.execute(sa.text(f"SELECT {', '.join(VALUE_COLUMNS)} FROM alerts")).one()
            digest = values_digest((*row[:3], "changed elsewhere", "{}", row[5]))
            db.execute(
                sa.text("UPDATE alerts SET message = 'changed elsewhere', facts = '{}', digest = :d"), {"d": digest}
            )
            db.execute(sa.text("UPDATE locations SET revision = revision + 1"))  # the location's revision
        changes = store.apply(report(ruleset, ("L1", (one,))), at=T0)
        assert not changes.has_news
        (ongoing,) = changes.ongoing
        assert (ongoing.message, ongoing.facts) == ("first message", one.facts)
        assert stored_messages(store, "L1") == {"person:R01": ("first message", one.facts)}


def test_an_alert_stored_without_a_digest_gets_it_at_its_next_check(store_url: str, ruleset: Ruleset) -> None:
    """Alerts stored before schema version 5 have no digest: the next check writes it (and only then)."""
    one = hit(ruleset, "L1", 0, "person:R01", "first message")
    with AlertStore(store_url) as store:
        store.apply(report(ruleset, ("L1", (one,))), at=T0)
        with store._engine.begin() as db:
            db.execute(sa.text("UPDATE alerts SET digest = NULL, message = 'from schema 4'"))
    with AlertStore(store_url) as store:  # the store upgraded and opened again
        writes: list[str] = []
        sa.event.listen(store._engine, "before_cursor_execute", lambda *args: writes.append(args[2]))
        for _ in range(2):
            changes = store.apply(report(ruleset, ("L1", (one,))), at=T0)
            assert not changes.has_news and [a.message for a in changes.ongoing] == ["first message"]
        assert sum(sql.startswith("UPDATE alerts SET") for sql in writes) == 1, "written once"
        assert stored_messages(store, "L1") == {"person:R01": ("first message", one.facts)}
        with store._engine.connect() as db:
            assert db.execute(sa.text("SELECT digest FROM alerts")).scalar() == values_digest(
                HitColumns().current(report(ruleset, ("L1", (one,))).locations[0])[0].values
            )


def test_a_hit_made_anew_with_another_message_rewrites_its_row(store_url: str, ruleset: Ruleset) -> None:
    """Each check holds a new hit object (the previous one let go, its memory free for the next): the stored
    message and facts are always those of the hit in hand, never those of an earlier object."""
    with AlertStore(store_url) as store:
        other = hit(ruleset, "L1", 1, "person:R02", "kept")  # the same object throughout
        for i in range(30):
            current = hit(ruleset, "L1", 0, "person:R01", f"message {i}", days=i)
            changes = store.apply(report(ruleset, ("L1", (current, other))), at=T0)
            assert {a.identity.subject: a.message for a in changes.ongoing + changes.new} == {
                "person:R01": f"message {i}",
                "person:R02": "kept",
            }
            assert stored_messages(store, "L1")["person:R01"] == (
                f"message {i}",
                {"subject": "person:R01", "days_since_review": i},
            )
            del current, changes


def test_the_columns_of_each_hit_object_are_its_own(ruleset: Ruleset) -> None:
    columns = HitColumns()
    first = hit(ruleset, "L1", 0, "person:R01", "one")
    (known,) = columns.current(LocationReadiness("L1", "Home", (first,)))
    again = attrs.evolve(first, message="two")
    (changed,) = columns.current(LocationReadiness("L1", "Home", (again,)))
    assert known.values[3] == "one" and changed.values[3] == "two" and changed.hit is again
    (same,) = columns.current(LocationReadiness("L1", "Home", (again, attrs.evolve(again, message="later"))))
    assert same is changed, "worked out once per object; a later hit of the same alert is ignored"


def test_the_kept_hits_are_bounded_and_only_those_of_the_last_result(ruleset: Ruleset) -> None:
    columns = HitColumns(limit=10)
    hits = {f"L{n}": tuple(hit(ruleset, f"L{n}", r, "person:R01", "m") for r in range(4)) for n in range(5)}
    for location_id, alerts in hits.items():
        columns.current(LocationReadiness(location_id, "Home", alerts))
    assert len(columns) == 8, "the two locations recorded last"
    columns.current(LocationReadiness("L4", "Home", hits["L4"][:1]))
    assert len(columns) == 5, "a hit no longer reported is let go"
    columns.current(LocationReadiness("L4", "Home", ()))
    assert len(columns) == 4


def test_evicted_hits_are_worked_out_again(store_url: str, ruleset: Ruleset) -> None:
    with AlertStore(store_url) as store:
        store._hit_columns = HitColumns(limit=2)
        locations = [(f"L{n}", (hit(ruleset, f"L{n}", 0, "person:R01", f"m{n}"),)) for n in range(4)]
        store.apply(report(ruleset, *locations), at=T0)
        changed = [(i, (attrs.evolve(hits[0], message="changed"),)) for i, hits in locations]
        changes = store.apply(report(ruleset, *changed), at=T0)
        assert {a.message for a in changes.ongoing} == {"changed"}
        assert {a.message for a in store.open_alerts()} == {"changed"}


def test_ongoing_alerts_are_those_the_check_left(store_url: str, ruleset: Ruleset) -> None:
    """Made when first read, yet as of the check: what other writers and later checks do after it is not in them."""
    hits = (hit(ruleset, "L1", 0, "person:R01", "a"), hit(ruleset, "L1", 1, "person:R02", "b"))
    day = dt.timedelta(days=1)
    with AlertStore(store_url) as store, AlertStore(store_url) as other:
        first, second = store.apply(report(ruleset, ("L1", hits)), at=T0).new
        other.acknowledge(first.alert_id, "S01", on=AS_OF)
        later = store.apply(report(ruleset, ("L1", hits), as_of=AS_OF + day), at=T0)
        after_check = store.open_alerts("L1")
        other.acknowledge(second.alert_id, "S02", on=AS_OF + day)
        store.apply(report(ruleset, ("L1", hits[:1]), as_of=AS_OF + 2 * day), at=T0)
        assert len(store.open_alerts("L1")) == 1
        assert later.ongoing == tuple(after_check)
        assert {a.alert_id: a.acknowledged_by for a in later.ongoing} == {first.alert_id: "S01", second.alert_id: None}
        assert all(a.last_seen == AS_OF + day and a.first_seen == AS_OF for a in later.ongoing)
        assert AlertChanges.from_json(later.to_json()) == later
        assert later.counts() == {"new": 0, "ongoing": 2, "resolved": 0}


def test_unchanged_locations_are_not_rewritten(store_url: str, ruleset: Ruleset) -> None:
    one = (hit(ruleset, "L1", 0, "person:R01", "a"),)
    with AlertStore(store_url) as store:
        store.apply(report(ruleset, ("L1", one)), at=T0)
        sent: list[str] = []
        sa.event.listen(store._engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
        store.apply(report(ruleset, ("L1", one)), at=T0)
        assert not [s for s in sent if s.lstrip().upper().startswith(("INSERT", "UPDATE"))]
        store.apply(report(ruleset, ("L1", one), as_of=AS_OF + dt.timedelta(days=1)), at=T0)
        assert store.last_checked("L1") == AS_OF + dt.timedelta(days=1)
        assert [a.last_seen for a in store.open_alerts("L1")] == [AS_OF + dt.timedelta(days=1)]


def test_a_check_compares_with_the_rows_it_left_without_reading_them_again(store_url: str, ruleset: Ruleset) -> None:
    a, b, c = (hit(ruleset, "L1", i, f"person:R0{i}", m) for i, m in enumerate("abc"))
    with AlertStore(store_url) as store:
        store.apply(report(ruleset, ("L1", (a, b))), at=T0)
        sent: list[str] = []
        sa.event.listen(store._engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
        for hits, new, resolved in (((b, c), {"c"}, {"a"}), ((a, b, c), {"a"}, set()), ((a,), set(), {"b", "c"})):
            changes = store.apply(report(ruleset, ("L1", hits)), at=T0)
            assert {x.message for x in changes.new} == new and {x.message for x in changes.resolved} == resolved
            assert sorted(x.message for x in store.open_alerts("L1")) == sorted(h.message for h in hits)
        assert not [s for s in sent if "FROM alerts WHERE resolved_on IS NULL AND ruleset_id" in s]


def test_a_check_writes_an_event_per_new_and_resolved_alert_new_first(store_url: str, ruleset: Ruleset) -> None:
    """Each new and resolved alert gets its event (occurrence, service clock, as-of date), the new ones first,
    each kind in order of occurrence; on PostgreSQL the statements that write the alerts write them too."""
    a, b, c, d = (hit(ruleset, "L1", i, f"person:R0{i}", m) for i, m in enumerate("abcd"))
    later = T0 + dt.timedelta(hours=1)
    with AlertStore(store_url) as store:
        store.apply(report(ruleset, ("L1", (a, b, c))), at=T0)
        sent: list[str] = []
        sa.event.listen(store._engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
        changes = store.apply(report(ruleset, ("L1", (b, d)), as_of=AS_OF + dt.timedelta(days=1)), at=later)
        with store._engine.connect() as db:
            rows = db.execute(sa.text("SELECT alert_id, occurrence, kind, at, as_of FROM alert_events ORDER BY id"))
            events = [tuple(row) for row in rows]
            occurrence = dict(db.execute(sa.text("SELECT alert_id || ':' || resolved_on, id FROM alerts")).all())
    ids = {x.identity.subject: x.identity.alert_id for x in (*changes.new, *changes.resolved, *changes.ongoing)}
    assert [(e[0], e[2]) for e in events[:3]] == [(ids[h.subject], "new") for h in (a, b, c)]
    day2 = (AS_OF + dt.timedelta(days=1)).isoformat()
    assert [(e[2], e[4]) for e in events[3:]] == [("new", day2), ("resolved", day2), ("resolved", day2)]
    assert len({e[3] for e in events[:3]}) == len({e[3] for e in events[3:]}) == 1 and events[0][3] != events[3][3]
    assert [e[0] for e in events[3:]] == [ids["person:R03"], ids["person:R00"], ids["person:R02"]]
    assert [e[1] for e in events[4:]] == [occurrence[f"{ids[s]}:{day2}"] for s in ("person:R00", "person:R02")]
    if store_url.startswith("postgresql"):
        assert not [sql for sql in sent if sql.startswith("INSERT INTO alert_events")]


def test_a_check_of_another_process_in_between_makes_the_rows_read_again(store_url: str, ruleset: Ruleset) -> None:
    """Each store object keeps the rows its checks left; another's check of the same location is seen by the
    location's revision, so no alert is left open twice nor taken for open when it was resolved."""
    a, b, c = (hit(ruleset, "L1", i, f"person:R0{i}", m) for i, m in enumerate("abc"))
    with AlertStore(store_url) as one, AlertStore(store_url) as other:
        one.apply(report(ruleset, ("L1", (a, b))), at=T0)
        other.apply(report(ruleset, ("L1", (b, c))), at=T0)
        changes = one.apply(report(ruleset, ("L1", (a, b))), at=T0)
        assert [x.message for x in changes.new] == ["a"] and [x.message for x in changes.resolved] == ["c"]
        assert sorted(x.message for x in one.open_alerts("L1")) == ["a", "b"]
        changes = other.apply(report(ruleset, ("L1", (b,))), at=T0)
        assert [x.message for x in changes.resolved] == ["a"] and not changes.new
        with one._engine.connect() as db:
            assert db.execute(sa.text("SELECT count(*) FROM alerts WHERE resolved_on IS NULL")).scalar() == 1
            assert db.execute(sa.text("SELECT count(*) FROM alerts")).scalar() == 4  # a, b, c, and a again


# -- PostgreSQL: what the advisory locks serialise ---------------------------------------------------------


class Paused:
    """A check held inside its transaction (after its reads and writes of alerts, before it commits)."""

    def __init__(self, store: AlertStore, rep: ReadinessReport) -> None:
        self.reached = threading.Event()
        self.release = threading.Event()
        self.error: BaseException | None = None

        def pause(conn: Any) -> None:
            self.reached.set()
            assert self.release.wait(30)

        sa.event.listen(store._engine, "commit", pause)

        def run() -> None:
            try:
                store.apply(rep, notify=[HOLD], hold=True, at=T0)
            except BaseException as exc:  # reported by the test
                self.error = exc

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert self.reached.wait(30), "the check did not start"

    def finish(self) -> None:
        self.release.set()
        self.thread.join(30)
        assert not self.thread.is_alive() and self.error is None, self.error


def in_thread(call: Any) -> threading.Thread:
    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def pg_stores(pg_url: str) -> Iterator[tuple[AlertStore, AlertStore]]:
    with AlertStore(pg_url) as one, AlertStore(pg_url) as two:
        yield one, two


def test_checks_of_other_locations_go_on_while_one_is_in_progress(
    pg_stores: tuple[AlertStore, AlertStore], ruleset: Ruleset
) -> None:
    one, two = pg_stores
    a, b = hit(ruleset, "L1", 0, "person:R01", "a"), hit(ruleset, "L1", 1, "person:R02", "b")
    one.apply(report(ruleset, ("L1", (a,))), at=T0)  # L1 known and unchanged: no row of it is written below
    paused = Paused(one, report(ruleset, ("L1", (a, b))))
    try:
        elsewhere = in_thread(lambda: two.apply(report(ruleset, ("L2", (hit(ruleset, "L2", 0, "s", "c"),))), at=T0))
        elsewhere.join(10)
        assert not elsewhere.is_alive(), "a check of another location waited"
        results: list[AlertChanges] = []
        same = in_thread(lambda: results.append(two.apply(report(ruleset, ("L1", (a, b))), at=T0)))
        same.join(1.0)
        assert same.is_alive(), "a check of the same location must wait"
    finally:
        paused.finish()
    same.join(10)
    assert not same.is_alive() and results and not results[0].has_news, "it sees the first check's alert"
    assert [a.identity.location_id for a in one.open_alerts()] == ["L1", "L1", "L2"]
    assert [e.kind for e in one.events(AlertIdentity("L1", ruleset.id, b.rule_id, b.subject))] == ["new"], "once"


def test_digests_and_escalations_wait_for_checks_in_progress(
    pg_stores: tuple[AlertStore, AlertStore], ruleset: Ruleset
) -> None:
    one, two = pg_stores
    paused = Paused(one, report(ruleset, ("L1", (hit(ruleset, "L1", 0, "person:R01", "a"),))))
    made: list[int] = []
    try:
        digest = in_thread(lambda: made.append(two.digest([HOLD], at=T0, on=AS_OF)))
        digest.join(1.0)
        assert digest.is_alive(), "a digest must not miss a change set being queued"
    finally:
        paused.finish()
    digest.join(10)
    assert made == [1] and len(two.pending(HOLD.key)) == 1


def test_a_check_of_many_locations_locks_the_whole_store(
    pg_stores: tuple[AlertStore, AlertStore], ruleset: Ruleset, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, two = pg_stores
    monkeypatch.setattr(connection, "MAX_LOCATION_LOCKS", 1)
    many = [(f"L{n}", (hit(ruleset, f"L{n}", 0, "person:R01", "a"),)) for n in (1, 2)]
    paused = Paused(one, report(ruleset, *many))
    try:
        other = in_thread(lambda: two.apply(report(ruleset, ("L3", (hit(ruleset, "L3", 0, "s", "c"),))), at=T0))
        other.join(1.0)
        assert other.is_alive(), "a full read excludes every other check"
    finally:
        paused.finish()
    other.join(10)
    assert not other.is_alive() and len(one.open_alerts()) == 3


def test_a_check_holds_the_shared_store_lock_before_it_waits_for_a_location(
    pg_stores: tuple[AlertStore, AlertStore], ruleset: Ruleset
) -> None:
    one, _ = pg_stores
    lock = sa.text("SELECT pg_advisory_xact_lock(:ns, :k)")
    with one._engine.connect() as holder:  # holds L1's location lock, as a check of L1 in progress would
        holder.execute(lock, {"ns": connection.LOCATION_LOCKS, "k": connection.location_key("L1")})
        waiting = in_thread(lambda: one.apply(report(ruleset, ("L1", (hit(ruleset, "L1", 0, "s", "a"),))), at=T0))
        shared = sa.text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND mode = 'ShareLock' "
            "AND pid <> pg_backend_pid() AND ((classid::bigint << 32) | objid::bigint) = :id"
        )
        with one._engine.connect() as probe:
            deadline = dt.datetime.now() + dt.timedelta(seconds=60)  # a bound for a failure, not a timing
            while not probe.execute(shared, {"id": connection.LOCK_ID}).scalar() and dt.datetime.now() < deadline:
                probe.rollback()
            assert probe.execute(shared, {"id": connection.LOCK_ID}).scalar() == 1, "shared lock not taken first"
        assert waiting.is_alive(), "the check must wait for L1"
        holder.rollback()
    waiting.join(10)
    assert not waiting.is_alive() and [a.identity.location_id for a in one.open_alerts()] == ["L1"]


def test_ongoing_given_as_a_function_is_made_once_and_compares_as_the_alerts(store_url: str, ruleset: Ruleset) -> None:
    with AlertStore(store_url) as store:
        store.apply(report(ruleset, ("L1", (hit(ruleset, "L1", 0, "person:R01", "a"),))), at=T0)
        alerts = tuple(store.open_alerts())
    calls: list[int] = []

    def made() -> tuple[Any, ...]:
        calls.append(1)
        return alerts

    lazy = AlertChanges("c-1", AS_OF, ruleset.id, ruleset.version, (), ongoing=made)
    eager = AlertChanges("c-1", AS_OF, ruleset.id, ruleset.version, (), ongoing=alerts)
    assert lazy == eager and repr(lazy) == repr(eager)
    calls.clear()
    assert lazy.ongoing == alerts and lazy.ongoing is lazy.ongoing and calls == [1]
    assert attrs.evolve(lazy, idempotency_key="k").ongoing == alerts
