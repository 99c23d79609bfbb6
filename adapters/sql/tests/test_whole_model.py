"""The reference schema holds the whole model: nothing is left out of readiness, and the records added to the
model (medicines, MAR exceptions, weights, recruitment checks, safety checks...) map from a vendor's own
tables, are covered by the change log and are followed change by change."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sql_fixtures import RunDatabase, engine, load_location

from mipr_rules.adapters.base import ReadContext
from mipr_rules.api import Session
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.errors import ConfigError, InputError
from mipr_rules.model import (
    Location,
    Medicine,
    Person,
    Provider,
    RecruitmentChecks,
    SafetyCheck,
    StaffMember,
    WeightRecord,
)
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.testing import TEST_KEY
from mipr_rules.testing.contract import sample_as_of, sample_path
from mipr_rules.watch.changes import FeedOptions
from mipr_rules.watch.follow import Follower
from mipr_rules.watch.incremental import IncrementalEvaluator
from mipr_rules.watch.store import AlertStore
from mipr_rules_adapter_sql import parse_mapping, read_locations, schema
from mipr_rules_adapter_sql.adapter import SqlAdapter
from mipr_rules_adapter_sql.commands import install_triggers_command
from mipr_rules_adapter_sql.entities import NOT_MAPPED, UNMAPPED_PATHS
from mipr_rules_adapter_sql.feed import SqlChangeFeed
from mipr_rules_adapter_sql.mapping import reference_mapping
from mipr_rules_adapter_sql.source import make_engine, parse_source
from mipr_rules_adapter_sql.triggers import install_triggers, tracked

D = dt.date
HOME = "1-666000001"

vendor = sa.MetaData()
prescriptions = sa.Table(
    "prescriptions",
    vendor,
    sa.Column("rx_no", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("home", sa.String(20)),
    sa.Column("resident", sa.String(20)),
    sa.Column("route", sa.String(5)),
    sa.Column("protocol", sa.String(1)),
)
weighings = sa.Table(
    "weighings",
    vendor,
    sa.Column("w_no", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("home", sa.String(20)),
    sa.Column("resident", sa.String(20)),
    sa.Column("on_date", sa.Date),
    sa.Column("kg", sa.Numeric(5, 2)),
)
hr_checks = sa.Table(
    "hr_checks",
    vendor,
    sa.Column("hc_no", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("home", sa.String(20)),
    sa.Column("emp", sa.String(20)),
    sa.Column("refs", sa.Integer),
    sa.Column("rtw", sa.Date),
    sa.Column("history", sa.String(1)),
)
fire_log = sa.Table(
    "fire_log",
    vendor,
    sa.Column("f_no", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("home", sa.String(20)),
    sa.Column("what", sa.String(10)),
    sa.Column("done", sa.Date),
)

MAPPING: dict[str, Any] = {
    "entities": {
        "locations": None,
        "people": None,
        "staff": None,
        "medicines": {
            "table": "prescriptions",
            "key": "rx_no",
            "updated_at": None,
            "fields": {
                "location_id": "home",
                "person_id": "resident",
                "medicine_id": "rx_no",
                "prn": {"column": "route", "values": {"PRN": True}, "default": False},
                "prn_protocol": {"column": "protocol", "values": {"Y": True, "N": False}},
            },
        },
        "weights": {
            "table": "weighings",
            "key": "w_no",
            "updated_at": None,
            "fields": {"location_id": "home", "person_id": "resident", "recorded": "on_date", "kg": "kg"},
        },
        "recruitment_checks": {
            "table": "hr_checks",
            "key": "hc_no",
            "updated_at": None,
            "fields": {
                "location_id": "home",
                "staff_id": "emp",
                "references": "refs",
                "right_to_work_checked": "rtw",
                "employment_history_complete": {"column": "history", "values": {"Y": True, "N": False}},
            },
        },
        "safety_checks": {
            "table": "fire_log",
            "key": "f_no",
            "updated_at": None,
            "fields": {
                "location_id": "home",
                "kind": {"column": "what", "values": {"ALARM": "fire_alarm_test", "DRILL": "fire_drill"}},
                "completed": "done",
            },
        },
    }
}


def test_nothing_of_the_model_is_left_out() -> None:
    assert NOT_MAPPED == {} and UNMAPPED_PATHS == ()
    assert SqlAdapter().unmapped == ()


def test_readiness_over_the_reference_schema_evaluates_every_rule_as_the_file_does(
    sample_database: str,
) -> None:
    as_of = sample_as_of()
    with Session() as session:
        from_sql = session.readiness(source=sample_database, adapter="sql", as_of=as_of)
        from_file = session.readiness(source=str(sample_path()), adapter="file", as_of=as_of)
    assert from_sql.not_evaluated == () and from_file.not_evaluated == ()
    assert from_sql.alert_keys() == from_file.alert_keys() and from_sql.alert_keys()


def test_the_change_log_covers_every_reference_table() -> None:
    assert {table for table, _key, _location in tracked(reference_mapping())} == set(schema.metadata.tables)


def _vendor_home(database: RunDatabase, *extra: Any) -> str:
    url = database.reset()
    home = Location(
        HOME,
        "Elm Court",
        Provider("1-666000100"),
        people=(Person("R1"), Person("R2")),
        staff=(StaffMember("S1", "care_worker", D(2024, 1, 1)), StaffMember("S2", "nurse", D(2025, 1, 1))),
    )
    with engine(url).begin() as connection:
        load_location(connection, home)
        vendor.create_all(connection)
        connection.execute(
            prescriptions.insert(),
            [
                dict(rx_no=1, home=HOME, resident="R1", route="PRN", protocol="Y"),
                dict(rx_no=2, home=HOME, resident="R1", route="REG", protocol="N"),
            ],
        )
        connection.execute(
            weighings.insert(), [dict(w_no=1, home=HOME, resident="R2", on_date=D(2026, 10, 1), kg=63.4)]
        )
        connection.execute(
            hr_checks.insert(),
            [dict(hc_no=1, home=HOME, emp="S1", refs=2, rtw=D(2023, 12, 1), history="Y")],
        )
        connection.execute(
            fire_log.insert(),
            [
                dict(f_no=1, home=HOME, what="ALARM", done=D(2026, 10, 30)),
                dict(f_no=2, home=HOME, what="DRILL", done=D(2026, 4, 2)),
            ],
        )
        for statement in extra:
            connection.execute(statement)
    return url


def test_the_new_records_map_from_a_vendors_own_tables(database: RunDatabase) -> None:
    url = _vendor_home(database)
    (home,) = read_locations(url, ReadContext(key=TEST_KEY), mapping=parse_mapping(MAPPING, "inline"))
    people = {person.person_id: person for person in home.people}
    assert people["R1"].medicines == (Medicine("1", prn=True, prn_protocol=True), Medicine("2"))
    assert people["R2"].weights == (WeightRecord(D(2026, 10, 1), 63.4),)  # a NUMERIC column, read as a float
    staff = {member.staff_id: member for member in home.staff}
    assert staff["S1"].recruitment == RecruitmentChecks(
        employment_history_complete=True, references=2, right_to_work_checked=D(2023, 12, 1)
    )
    assert staff["S2"].recruitment is None
    assert home.checks == (
        SafetyCheck("fire_alarm_test", D(2026, 10, 30)),
        SafetyCheck("fire_drill", D(2026, 4, 2)),
    )


def test_a_second_recruitment_row_for_a_worker_is_a_bad_row(database: RunDatabase) -> None:
    url = _vendor_home(
        database, hr_checks.insert().values(hc_no=2, home=HOME, emp="S1", refs=1, rtw=None, history="N")
    )
    mapping = parse_mapping(MAPPING, "inline")
    with pytest.raises(
        InputError, match=r"^staff row id=\d+: staff_id: more than one recruitment_checks row"
    ):
        list(read_locations(url, ReadContext(key=TEST_KEY), mapping=mapping))
    context = ReadContext(key=TEST_KEY, lenient=True)
    (home,) = read_locations(url, context, mapping=mapping)
    assert [member.staff_id for member in home.staff] == ["S2"]  # never read as "no recruitment checks"
    (skipped,) = context.skipped
    assert re.fullmatch(
        r"staff row id=\d+: staff_id: more than one recruitment_checks row for this worker", skipped
    )


@pytest.mark.parametrize(
    ("entities", "message"),
    [
        ({"locations": None, "weights": None}, r"inline: entities.weights: its rows belong to people"),
        (
            {"locations": None, "people": None, "weights": {"fields": {"kg": {"value": "heavy"}}}},
            r"inline: entities.weights.fields.kg.value: expected",
        ),
        (
            {
                "locations": None,
                "staff": None,
                "recruitment_checks": {"fields": {"references_received": "refs"}},
            },
            r"entities.recruitment_checks.fields.references_received: unknown field of recruitment_checks",
        ),
    ],
)
def test_mappings_of_the_new_entities_are_checked(entities: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_mapping({"entities": entities}, "inline")


# -- followed change by change ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def evaluator() -> Iterator[Evaluator]:
    with Evaluator(processes=1) as engine_:
        yield engine_


@pytest.fixture
def logged(run_database: RunDatabase, sample_home: Location) -> Iterator[str]:
    """The sample home with the change log installed (removed afterwards)."""
    url = run_database.load(sample_home)
    result = CliRunner().invoke(install_triggers_command, [url])
    assert result.exit_code == 0, result.output
    yield url
    parsed = parse_source(url)
    eng = make_engine(parsed)
    install_triggers(eng, parsed.backend, reference_mapping(), drop=True)
    eng.dispose()


def test_a_mar_exception_written_raises_its_alert_and_its_resolution_resolves_it(
    logged: str, sample_home: Location, evaluator: Evaluator, tmp_path: Path
) -> None:
    as_of = sample_as_of()
    noon = dt.datetime.combine(as_of, dt.time(12), tzinfo=dt.timezone.utc)
    home = sample_home.location_id
    person = sample_home.people[0].person_id
    ruleset = Catalogue.installed(evaluator.pm).get("cqc-readiness", as_of)
    feed = SqlChangeFeed(logged, FeedOptions(ReadContext(key=TEST_KEY), None, poll=0.05))
    compiled = evaluator.compile(ruleset, None, Location)

    def open_gaps() -> list[str]:
        return [
            f"{a.identity.rule_id} {a.identity.subject}"
            for a in store.open_alerts(home)
            if a.identity.rule_id == "mar_exception_open" and "MAR-NEW" in a.identity.subject
        ]

    def until(what: Any) -> None:
        for _ in range(200):
            follower.step(timeout=0.2)
            if what():
                return
        raise AssertionError("the change never arrived")

    with AlertStore(tmp_path / "alerts.db") as store:
        follower = Follower(
            feed, IncrementalEvaluator(evaluator, compiled), store, clock=lambda: noon, sweep_at=None
        )
        try:
            follower.start()
            assert not open_gaps()
            with engine(logged).begin() as connection:
                connection.execute(
                    sa.insert(schema.mar_exceptions).values(
                        location_id=home,
                        person_id=person,
                        exception_id="MAR-NEW",
                        recorded=as_of - dt.timedelta(days=60),
                        kind="gap",
                    )
                )
            until(lambda: bool(open_gaps()))
            with engine(logged).begin() as connection:
                connection.execute(
                    sa.update(schema.mar_exceptions)
                    .where(schema.mar_exceptions.c.exception_id == "MAR-NEW")
                    .values(resolved=as_of)
                )
            until(lambda: not open_gaps())
        finally:
            follower.feed.close()
