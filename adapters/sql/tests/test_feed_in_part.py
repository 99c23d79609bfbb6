"""The change feed updates a location in part: after any sequence of row changes it equals a fresh full read.

A change to one person's records rebuilds that person alone (the others stay the very objects they were:
what is downstream compares by identity), a change to a location's collection rebuilds that collection.
Whatever a full assembly reports (a second people row, records whose parent is missing, a second current
rating...) makes the feed assemble the location in full, so that it is reported as before.

Random sequences of inserts, updates, deletions and moves (to another person, another location) run on the
run's backend, with the reference mapping and with one reading people, staff and recruitment checks from
copies without constraints (``*_loose``), where duplicates and orphans can be written.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
import yaml
from homes import BROOKSIDE, MEADOW_VIEW
from sql_fixtures import RunDatabase, engine

from mipr_rules.adapters.base import ReadContext, record_counts
from mipr_rules.errors import InputError
from mipr_rules.model import Location
from mipr_rules.testing import TEST_KEY
from mipr_rules.watch.changes import Change, FeedOptions
from mipr_rules_adapter_sql import read_locations, schema
from mipr_rules_adapter_sql.entities import ENTITIES
from mipr_rules_adapter_sql.feed import SqlChangeFeed
from mipr_rules_adapter_sql.mapping import load_mapping, reference_mapping
from mipr_rules_adapter_sql.reader import SqlReader
from mipr_rules_adapter_sql.source import make_engine
from mipr_rules_adapter_sql.triggers import install_triggers

THIRD = attrs.evolve(MEADOW_VIEW, location_id="1-900000003", name="Meadow View Annexe")
LOOSE = ("people", "staff", "recruitment_checks")
"""Tables the loose mapping reads from a copy without keys or constraints (``<table>_loose``)."""
_LOOSE = sa.MetaData()
LOOSE_TABLES = {
    name: sa.Table(
        f"{name}_loose", _LOOSE, *(sa.Column(c.name, c.type) for c in schema.metadata.tables[name].columns)
    )
    for name in LOOSE
}
STRUCTURAL = (
    "a second locations row",
    "a second rating_displays row",
    "with this id (missing or skipped)",
    "a second current rating",
    "a second people row",
    "a second staff row",
    "more than one recruitment_checks row",
)
"""What a full assembly reports (the rest is reported when a row is read)."""
PERSON_TABLES = ("care_plans", "weights")
OTHER_PERSON_TABLES = (
    "risk_assessments",
    "medicines",
    "mar_exceptions",
    "capacity_assessments",
    "dols_authorisations",
)
STAFF_TABLES = ("training", "dbs_checks", "recruitment_checks")
LOCATION_TABLES = ("incidents", "service_types")


def _day(rng: random.Random) -> dt.date:
    return dt.date(2026, 1, 1) + dt.timedelta(days=rng.choice((0, 1, 2, 100)))  # ties: row order decides


UPDATES: dict[str, tuple[str, Callable[[random.Random], Any]]] = {
    "locations": ("beds", lambda rng: rng.randint(1, 90)),
    "service_types": ("service_type", lambda rng: rng.choice(("Nursing homes", "Homecare agencies"))),
    "ratings": ("is_current", lambda rng: rng.random() < 0.5),
    "people": ("admitted", _day),
    "care_plans": ("last_reviewed", _day),
    "weights": ("kg", lambda rng: rng.choice((50.5, 61.0, 70.25))),
    "staff": ("started", _day),
    "training": ("completed", _day),
    "dbs_checks": ("issued", _day),
    "recruitment_checks": ("references_received", lambda rng: rng.randint(0, 3)),
    "incidents": ("reported_to_police", lambda rng: rng.random() < 0.5),
}
"""Table → a column an update changes and its new value."""


class Writer:
    """Random changes to the followed database (valid for its constraints)."""

    def __init__(
        self, connection: sa.Connection, rng: random.Random, loose: bool, deleted: dict[str, list[int]]
    ):
        self.connection = connection
        self.rng = rng
        self.loose = loose
        self.deleted = deleted
        """Table → ids deleted, to be used again (a new row then sits between others, not last)."""

    def table(self, name: str) -> sa.Table:
        return LOOSE_TABLES[name] if self.loose and name in LOOSE else schema.metadata.tables[name]

    def rows(self, table: sa.Table, **where: Any) -> list[dict[str, Any]]:
        query = (
            sa.select(table).where(*(table.c[k] == v for k, v in where.items())).order_by(*table.primary_key)
        )
        return [dict(row) for row in self.connection.execute(query).mappings()]

    def pick(self, name: str, **where: Any) -> dict[str, Any] | None:
        rows = self.rows(self.table(name), **where)
        return self.rng.choice(rows) if rows else None

    def parent(self, name: str, free: bool = False) -> dict[str, Any] | None:
        """A (location, person or worker) pair the foreign keys allow (the reference table keeps them all);
        ``free``: a worker without a recruitment check in the reference table (which allows one)."""
        rows = self.rows(schema.metadata.tables[name])
        if free:
            taken = {(r["location_id"], r["staff_id"]) for r in self.rows(schema.recruitment_checks)}
            rows = [r for r in rows if (r["location_id"], r["staff_id"]) not in taken]
        return self.rng.choice(rows) if rows else None

    def new_id(self, table: sa.Table) -> int | None:
        if self.deleted[table.name] and self.rng.random() < 0.5:
            return self.deleted[table.name].pop()
        if table.name.endswith("_loose"):  # no autoincrement on a copy
            return int(self.connection.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0) + 1
        return None

    # -- the changes -------------------------------------------------------------------------------------

    def update(self, name: str) -> None:
        row = self.pick(name)
        if row is None:
            return
        table = self.table(name)
        key = "location_id" if name == "locations" else "id"
        column, value = UPDATES[name]
        self.connection.execute(
            sa.update(table).where(table.c[key] == row[key]).values({column: value(self.rng)})
        )

    def insert(self, name: str) -> None:
        if name == "recruitment_checks" and not self.loose:
            return  # one per worker in the reference table
        row = self.pick(name)
        if row is None:
            return
        table = self.table(name)
        row.pop("updated_at", None)
        new = self.new_id(table)
        row.pop("id")
        if new is not None:
            row["id"] = new
        self._place(name, row)
        self.connection.execute(sa.insert(table).values(row))

    def _place(self, name: str, row: dict[str, Any]) -> None:
        """Give the row a parent the foreign keys allow (the same, another person, another location)."""
        link = "person_id" if name in PERSON_TABLES else "staff_id" if name in STAFF_TABLES else None
        if link is not None:
            free = name == "recruitment_checks" and not self.loose
            parent = self.parent("people" if link == "person_id" else "staff", free)
            if parent is not None:
                row["location_id"], row[link] = parent["location_id"], parent[link]
        elif name in LOCATION_TABLES:
            row["location_id"] = self.rng.choice(self.rows(schema.locations))["location_id"]

    def delete(self, name: str) -> None:
        row = self.pick(name)
        if row is None:
            return
        table = self.table(name)
        if name in ("people", "staff") and not self.loose:
            # The child rows first: MariaDB's cascades fire no triggers, so the change log would not see them.
            link = "person_id" if name == "people" else "staff_id"
            children = (
                (*PERSON_TABLES, *OTHER_PERSON_TABLES)
                if name == "people"
                else (*STAFF_TABLES, "supervisions")
            )
            for child in children:
                child_table = schema.metadata.tables[child]
                self.connection.execute(
                    sa.delete(child_table).where(
                        child_table.c.location_id == row["location_id"], child_table.c[link] == row[link]
                    )
                )
        self.connection.execute(sa.delete(table).where(table.c.id == row["id"]))
        self.deleted[table.name].append(row["id"])

    def move(self, name: str) -> None:
        row = self.pick(name)
        if row is None:
            return
        table = self.table(name)
        moved = dict(row)
        self._place(name, moved)
        self.connection.execute(
            sa.update(table)
            .where(table.c.id == row["id"])
            .values({k: moved[k] for k in ("location_id", "person_id", "staff_id") if k in moved})
        )

    def bad_value(self) -> None:
        """A care plan without its required date (a bad row, reported and left out), or one put right."""
        plan = self.pick("care_plans")
        if plan is not None:
            created = None if plan["created"] is not None else dt.date(2024, 1, 1)
            self.connection.execute(
                sa.update(schema.care_plans)
                .where(schema.care_plans.c.id == plan["id"])
                .values(created=created)
            )

    def new_parent(self, name: str) -> None:
        """A new person or worker (a worker without a role at times: a bad row, whose records are orphans)."""
        row = self.pick(name)
        if row is None:
            return
        link = "person_id" if name == "people" else "staff_id"
        row.pop("id")
        row.pop("updated_at", None)
        row[link] = f"N-{self.rng.randrange(10**6)}"
        row["location_id"] = self.rng.choice(self.rows(schema.locations))["location_id"]
        if name == "staff" and self.rng.random() < 0.3:
            row["role"] = None
        self.connection.execute(sa.insert(schema.metadata.tables[name]).values(row))
        if self.loose:
            loose = self.table(name)
            self.connection.execute(sa.insert(loose).values(id=self.new_id(loose), **row))

    def duplicate(self, name: str) -> None:
        """Loose tables only: a second row for the same person or worker (or recruitment check)."""
        if self.loose:
            self._copy(name)

    def _copy(self, name: str) -> None:
        row = self.pick(name)
        if row is not None:
            table = self.table(name)
            row["id"] = self.new_id(table)
            self.connection.execute(sa.insert(table).values(row))

    def rename(self, name: str) -> None:
        """Loose tables only: a person or worker given another id (one the home has, or a new one)."""
        row = self.pick(name) if self.loose else None
        if row is None:
            return
        link = "person_id" if name == "people" else "staff_id"
        other = self.pick(name, location_id=row["location_id"])
        value = (
            other[link] if other is not None and self.rng.random() < 0.5 else f"X-{self.rng.randrange(99)}"
        )
        table = self.table(name)
        self.connection.execute(sa.update(table).where(table.c.id == row["id"]).values({link: value}))

    def change(self) -> None:
        """One random change."""
        rng = self.rng
        kind = rng.choices(
            ("update", "insert", "delete", "move", "bad", "person", "duplicate", "rename"),
            weights=(10, 4, 3, 3, 1, 1, 1, 1),
        )[0]
        if kind in ("update", "insert", "delete"):
            tables = [*UPDATES] if kind == "update" else [*PERSON_TABLES, *STAFF_TABLES, *LOCATION_TABLES]
            if kind == "delete" and rng.random() < 0.1:
                tables = ["people", "staff"]
            getattr(self, kind)(rng.choice(tables))
        elif kind == "move":
            self.move(rng.choice((*PERSON_TABLES, *STAFF_TABLES, *LOCATION_TABLES)))
        elif kind == "bad":
            self.bad_value()
        elif kind == "person":
            self.new_parent(rng.choice(("people", "staff")))
        elif kind == "duplicate":
            self.duplicate(rng.choice(LOOSE))
        else:
            self.rename(rng.choice(("people", "staff")))


@pytest.fixture(params=["reference", "loose"])
def followed(
    request: pytest.FixtureRequest, database: RunDatabase, tmp_path: Path
) -> Iterator[tuple[str, bool]]:
    """The URL of three homes with the change log installed (and whether the loose mapping reads them)."""
    url = database.load(MEADOW_VIEW, BROOKSIDE, THIRD)
    loose = request.param == "loose"
    mapping = reference_mapping()
    source = url
    if loose:
        with engine(url).begin() as connection:
            _LOOSE.create_all(connection)
            for name, loose_table in LOOSE_TABLES.items():
                columns = [column.name for column in loose_table.columns]
                connection.execute(
                    loose_table.insert().from_select(columns, sa.select(schema.metadata.tables[name]))
                )
        path = tmp_path / "loose.yaml"
        entities = {name: ({"table": f"{name}_loose"} if name in LOOSE else None) for name in ENTITIES}
        path.write_text(yaml.safe_dump({"entities": entities}))
        mapping = load_mapping(path)
        source = f"{url}?mapping={path}"
    eng = engine(url)
    install_triggers(eng, database.backend, mapping)
    try:
        yield source, loose
    finally:
        install_triggers(eng, database.backend, mapping, drop=True)
        eng.dispose()


def _lenient() -> ReadContext:
    return ReadContext(lenient=True, key=TEST_KEY, max_skipped=1.0)


def _structural(lines: list[str]) -> list[str]:
    return sorted(line for line in lines if any(why in line for why in STRUCTURAL))


def _drain(feed: SqlChangeFeed) -> list[Change]:
    changes: list[Change] = []
    while batch := feed.wait(0.0):
        changes += batch
    return changes


@pytest.mark.parametrize("seed", [1, 2])
def test_a_location_updated_in_part_equals_a_fresh_full_read(
    followed: tuple[str, bool], seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, loose = followed
    url = source.partition("?")[0]
    feed = SqlChangeFeed(source, FeedOptions(_lenient(), None, poll=0.05))
    reader = SqlReader(feed.parsed, feed.reader.mapping)  # a reader of its own: full reads, nothing kept
    full_reads = make_engine(feed.parsed)
    contexts: list[ReadContext] = []
    in_part = Counter[bool]()
    fresh_context, update = feed._fresh_context, feed._update

    def recorded() -> ReadContext:
        contexts.append(fresh_context())
        return contexts[-1]

    def counted(*args: Any) -> Location | None:
        made = update(*args)
        in_part[made is not None] += 1
        return made

    monkeypatch.setattr(feed, "_fresh_context", recorded)
    monkeypatch.setattr(feed, "_update", counted)
    rng = random.Random(seed)
    deleted: dict[str, list[int]] = {
        name: [] for name in [*schema.metadata.tables, *(f"{t}_loose" for t in LOOSE)]
    }
    try:
        latest = {location.location_id: location for location in feed.read_all()}
        for step in range(60):
            with engine(url).begin() as connection:
                writer = Writer(connection, rng, loose, deleted)
                for _ in range(rng.randint(1, 3)):
                    writer.change()
            changes = _drain(feed)
            if rng.random() < 0.1:
                changes.append(Change(rng.choice(sorted(latest)), "*"))  # a whole re-read among the rest
            contexts.clear()
            found: list[Location] = []
            try:
                found.extend(feed.apply(changes))
            except InputError as exc:  # after every location: the re-read rows of a type were all bad
                assert str(exc).startswith("every "), exc
            (context,) = contexts
            for location in found:
                latest[location.location_id] = location
            for gone in {change.location_id for change in changes} - {loc.location_id for loc in found}:
                latest.pop(gone, None)
            fresh = {loc.location_id: loc for loc in reader.locations(_lenient(), engine=full_reads)}
            assert sorted(latest) == sorted(fresh), f"step {step}"
            for location_id, location in fresh.items():
                assert latest[location_id] == location, f"step {step}: {location_id}"
            # What it reports is what a full assembly of each location it gives reports; it counts them all.
            expected: list[str] = []
            for location in found:
                assembled = _lenient()
                rows = feed._rows[location.location_id]
                feed.reader._location(
                    {name: list(by_key.values()) for name, by_key in rows.items()}, assembled
                )
                expected += assembled.skipped
            assert _structural(context.skipped) == _structural(expected), f"step {step}"
            assert context.kept == sum((record_counts(location) for location in found), Counter()), (
                f"step {step}"
            )
        assert in_part[True] >= 5, in_part  # changes were applied in part
    finally:
        feed.close()
        full_reads.dispose()


@pytest.fixture
def logged_homes(database: RunDatabase) -> Iterator[str]:
    url = database.load(MEADOW_VIEW, BROOKSIDE)
    eng = engine(url)
    install_triggers(eng, database.backend, reference_mapping())
    try:
        yield url
    finally:
        install_triggers(eng, database.backend, reference_mapping(), drop=True)
        eng.dispose()


def _execute(url: str, statement: Any) -> None:
    with engine(url).begin() as connection:
        connection.execute(statement)


def test_a_change_to_one_care_plan_keeps_every_other_object(logged_homes: str) -> None:
    feed = SqlChangeFeed(logged_homes, FeedOptions(ReadContext(key=TEST_KEY), None, poll=0.05))
    try:
        before = next(loc for loc in feed.read_all() if loc.location_id == MEADOW_VIEW.location_id)
        plans = schema.care_plans
        _execute(
            logged_homes,
            sa.update(plans).where(plans.c.plan_id == "CP-1").values(last_reviewed=dt.date(2026, 11, 1)),
        )
        (after,) = feed.apply(_drain(feed))
        (changed,) = [
            i for i, (a, b) in enumerate(zip(before.people, after.people, strict=True)) if a is not b
        ]
        person, was = after.people[changed], before.people[changed]
        assert [plan.last_reviewed for plan in person.care_plans if plan.plan_id == "CP-1"] == [
            dt.date(2026, 11, 1)
        ]
        assert all(
            a is b for a, b in zip(was.care_plans, person.care_plans, strict=True) if a.plan_id != "CP-1"
        )
        assert person.weights is was.weights and person.medicines is was.medicines
        assert after.staff is before.staff and after.incidents is before.incidents
        assert after.current_rating is before.current_rating

        incidents = schema.incidents
        _execute(logged_homes, sa.update(incidents).values(reported_to_police=True))
        again = {loc.location_id: loc for loc in feed.apply(_drain(feed))}[MEADOW_VIEW.location_id]
        assert again.people is after.people and again.staff is after.staff
        assert again.incidents != after.incidents and all(i.reported_to_police for i in again.incidents)
        assert again == next(
            loc for loc in read_locations(logged_homes) if loc.location_id == again.location_id
        )
    finally:
        feed.close()


def test_after_a_strict_read_failed_the_locations_it_touched_are_assembled_in_full(logged_homes: str) -> None:
    feed = SqlChangeFeed(logged_homes, FeedOptions(ReadContext(key=TEST_KEY), None, poll=0.05))
    try:
        list(feed.read_all())
        home = MEADOW_VIEW.location_id
        incidents, plans = schema.incidents, schema.care_plans
        with engine(logged_homes).begin() as connection:
            first = connection.execute(sa.select(sa.func.min(incidents.c.id))).scalar()
            connection.execute(sa.delete(incidents).where(incidents.c.id == first))  # read first: taken out
            connection.execute(sa.update(plans).where(plans.c.plan_id == "CP-1").values(created=None))
        changes = _drain(feed)
        with pytest.raises(InputError, match="created: required date is NULL"):
            list(feed.apply(changes))
        _execute(
            logged_homes,
            sa.update(plans).where(plans.c.plan_id == "CP-1").values(created=dt.date(2024, 1, 1)),
        )
        again = {loc.location_id: loc for loc in feed.apply([*changes, *_drain(feed)])}
        assert again[home] == next(loc for loc in read_locations(logged_homes) if loc.location_id == home)
    finally:
        feed.close()


@pytest.fixture
def text_keyed(database: RunDatabase, tmp_path: Path) -> Iterator[str]:
    """Two homes whose care plans are keyed by their text ``plan_id`` (the order of a full read says
    nothing of where a new one goes), with the change log installed."""
    url = database.load(MEADOW_VIEW, BROOKSIDE)
    path = tmp_path / "text-keys.yaml"
    entities = {name: ({"key": "plan_id"} if name == "care_plans" else None) for name in ENTITIES}
    path.write_text(yaml.safe_dump({"entities": entities}))
    mapping = load_mapping(path)
    eng = engine(url)
    install_triggers(eng, database.backend, mapping)
    try:
        yield f"{url}?mapping={path}"
    finally:
        install_triggers(eng, database.backend, mapping, drop=True)
        eng.dispose()


TEXT_KEYS = ['CP "1"', "CP,2", "{CP3}", "CP\\4", "NULL", "cp 5 é", ""]


def test_rows_are_found_by_text_keys_whatever_they_hold(text_keyed: str) -> None:
    """The rows a change names are re-read by their keys (on PostgreSQL bound as one array literal): quotes,
    commas, braces, backslashes, an empty key and the word NULL included."""
    url = text_keyed.partition("?")[0]
    plans = schema.care_plans
    with engine(url).begin() as connection:
        first = dict(connection.execute(sa.select(plans).order_by(plans.c.id).limit(1)).mappings().one())
        first.pop("id"), first.pop("updated_at", None)
        connection.execute(sa.insert(plans), [{**first, "plan_id": key} for key in TEXT_KEYS])
    feed = SqlChangeFeed(text_keyed, FeedOptions(ReadContext(key=TEST_KEY), None, poll=0.05))
    try:
        list(feed.read_all())
        _drain(feed)
        day = dt.date(2026, 1, 5)
        _execute(url, sa.update(plans).where(plans.c.plan_id.in_(TEXT_KEYS)).values(last_reviewed=day))
        changes = _drain(feed)
        assert sorted(change.record_key for change in changes) == sorted(TEXT_KEYS)
        after = {loc.location_id: loc for loc in feed.apply(changes)}
        reviewed = {p.plan_id for loc in after.values() for person in loc.people for p in person.care_plans}
        assert set(TEXT_KEYS) <= reviewed
        assert all(
            p.last_reviewed == day
            for loc in after.values()
            for person in loc.people
            for p in person.care_plans
            if p.plan_id in TEXT_KEYS
        )
        fresh = {loc.location_id: loc for loc in read_locations(text_keyed)}
        assert all(location == fresh[location_id] for location_id, location in after.items())
    finally:
        feed.close()


def test_a_new_row_whose_text_key_sorts_first_has_its_location_read_whole(text_keyed: str) -> None:
    """Alone (one entity's rows) and with other changes (read in one snapshot), the location given is a full
    read's, its care plans in key order."""
    url, home = text_keyed.partition("?")[0], MEADOW_VIEW.location_id
    feed = SqlChangeFeed(text_keyed, FeedOptions(ReadContext(key=TEST_KEY), None, poll=0.05))
    plans, incidents = schema.care_plans, schema.incidents

    def copy_of_first_plan(plan_id: str) -> Any:
        first = sa.select(plans).where(plans.c.location_id == home).order_by(plans.c.plan_id).limit(1)
        with engine(url).begin() as connection:
            row = dict(connection.execute(first).mappings().one())
        row.pop("id"), row.pop("updated_at", None)
        return sa.insert(plans).values({**row, "plan_id": plan_id})

    def full_read() -> Location:
        return next(loc for loc in read_locations(text_keyed) if loc.location_id == home)

    try:
        list(feed.read_all())
        _execute(url, copy_of_first_plan("A-alone"))
        (after,) = feed.apply(_drain(feed))
        assert after == full_read()
        assert min(plan.plan_id for person in after.people for plan in person.care_plans) == "A-alone"
        with engine(url).begin() as connection:
            connection.execute(copy_of_first_plan("A-0-with-others"))
            connection.execute(sa.update(incidents).values(reported_to_police=True))
        again = {loc.location_id: loc for loc in feed.apply(_drain(feed))}[home]
        assert again == full_read() and again != after
    finally:
        feed.close()
