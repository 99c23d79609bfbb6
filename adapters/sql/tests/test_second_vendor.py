"""A second vendor schema, mapped with joins, a filter, a query and value maps, and no views.

Runs on the backend ``MIPR_SQL_BACKEND`` chooses (sqlite, postgresql, mariadb); the time-zone test runs on
the local PostgreSQL server whatever the backend, because only PostgreSQL has ``timestamptz``.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sql_fixtures import RunDatabase, ServerUnreachable, engine

from mipr_rules.adapters.base import ReadContext
from mipr_rules.api import Session
from mipr_rules.errors import InputError
from mipr_rules.testing import TEST_KEY
from mipr_rules_adapter_sql.adapter import SqlAdapter

MAPPING = Path(__file__).parent / "fixtures" / "second-vendor-mapping.yaml"
CHANGED = dt.datetime(2026, 10, 1, 9, 0)

second = sa.MetaData()
sites = sa.Table(
    "sites",
    second,
    sa.Column("site_code", sa.String(8), primary_key=True),
    sa.Column("cqc_ref", sa.String(20)),
    sa.Column("title", sa.String(80)),
    sa.Column("changed", sa.DateTime),
)
rooms = sa.Table(
    "rooms",
    second,
    sa.Column("room_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("site_code", sa.String(8)),
)
clients = sa.Table(
    "clients",
    second,
    sa.Column("client_no", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("nhs", sa.String(10)),
    sa.Column("room_ref", sa.Integer),
    sa.Column("admitted", sa.Date),
    sa.Column("changed", sa.DateTime),
)
plans = sa.Table(
    "plans",
    second,
    sa.Column("plan_no", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("client_no", sa.Integer),
    sa.Column("plan_type", sa.String(10)),
    sa.Column("opened", sa.Date),
    sa.Column("last_review", sa.Date),
    sa.Column("changed", sa.DateTime),
)
workers = sa.Table(
    "workers",
    second,
    sa.Column("worker_no", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("payroll_no", sa.String(10)),
    sa.Column("site_code", sa.String(8)),
    sa.Column("grade", sa.String(5)),
    sa.Column("in_post", sa.String(1)),
    sa.Column("start_date", sa.Date),
)
courses_done = sa.Table(
    "courses_done",
    second,
    sa.Column("row_no", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("payroll_no", sa.String(10)),
    sa.Column("course_code", sa.String(20)),
    sa.Column("done_on", sa.Date),
)


def fill(url: str) -> str:
    with engine(url).begin() as connection:
        second.create_all(connection)
        connection.execute(
            sites.insert(),
            [
                {"site_code": "ASH", "cqc_ref": "1-777000001", "title": "Ash House", "changed": CHANGED},
                {"site_code": "BIR", "cqc_ref": "1-777000002", "title": "Birch View", "changed": CHANGED},
            ],
        )
        connection.execute(
            rooms.insert(),
            [
                {"room_id": 1, "site_code": "ASH"},
                {"room_id": 2, "site_code": "ASH"},
                {"room_id": 3, "site_code": "BIR"},
            ],
        )
        connection.execute(
            clients.insert(),
            [
                {
                    "client_no": 10,
                    "nhs": "9434765919",
                    "room_ref": 1,
                    "admitted": dt.date(2025, 1, 6),
                    "changed": CHANGED,
                },
                {
                    "client_no": 11,
                    "nhs": "9434765870",
                    "room_ref": 2,
                    "admitted": dt.date(2025, 2, 3),
                    "changed": CHANGED,
                },
                {
                    "client_no": 12,
                    "nhs": "9000000009",
                    "room_ref": 3,
                    "admitted": dt.date(2025, 3, 3),
                    "changed": CHANGED,
                },
            ],
        )
        connection.execute(
            plans.insert(),
            [
                {
                    "plan_no": 100,
                    "client_no": 10,
                    "plan_type": "care",
                    "opened": dt.date(2025, 1, 6),
                    "last_review": dt.date(2026, 8, 1),
                    "changed": CHANGED,
                },
                {
                    "plan_no": 101,
                    "client_no": 10,
                    "plan_type": "diet",
                    "opened": dt.date(2025, 1, 6),
                    "last_review": None,
                    "changed": CHANGED,
                },
                {
                    "plan_no": 102,
                    "client_no": 12,
                    "plan_type": "care",
                    "opened": dt.date(2025, 3, 3),
                    "last_review": None,
                    "changed": CHANGED,
                },
            ],
        )
        connection.execute(
            workers.insert(),
            [
                {
                    "worker_no": 1,
                    "payroll_no": "PAY1",
                    "site_code": "ASH",
                    "grade": "CW",
                    "in_post": "Y",
                    "start_date": dt.date(2023, 4, 1),
                },
                {
                    "worker_no": 2,
                    "payroll_no": "PAY2",
                    "site_code": "ASH",
                    "grade": "RN",
                    "in_post": "N",
                    "start_date": dt.date(2020, 4, 1),
                },
                {
                    "worker_no": 3,
                    "payroll_no": "PAY3",
                    "site_code": "BIR",
                    "grade": "CHEF",
                    "in_post": "Y",
                    "start_date": dt.date(2024, 4, 1),
                },
            ],
        )
        connection.execute(
            courses_done.insert(),
            [
                {"row_no": 1, "payroll_no": "PAY1", "course_code": "MH01", "done_on": dt.date(2026, 1, 5)},
                {
                    "row_no": 2,
                    "payroll_no": "PAY1",
                    "course_code": "VENDOR-DYS7",
                    "done_on": dt.date(2026, 2, 5),
                },
            ],
        )
    return url


def source(url: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}mapping={MAPPING}"


def read(url: str, context: ReadContext | None = None) -> dict[str, Any]:
    context = context or ReadContext(key=TEST_KEY)
    return {loc.location_id: loc for loc in SqlAdapter().read(source(url), context)}


def test_joins_a_query_and_a_filter_place_every_row_without_views(database: RunDatabase) -> None:
    homes = read(fill(database.url))
    ash, birch = homes["1-777000001"], homes["1-777000002"]
    assert (ash.name, birch.name) == ("Ash House", "Birch View")
    assert (len(ash.people), len(birch.people)) == (2, 1)  # placed through rooms -> sites
    plans_of = {p.person_id: [c.plan_id for c in p.care_plans] for p in ash.people}
    assert sorted(plans_of.values()) == [
        [],
        ["100"],
    ]  # the diet plan is filtered out by the query's parameter
    assert [m.role for m in ash.staff] == ["care_worker"]  # the worker not in post is filtered out


def test_unmapped_codes_kept_or_skipped_as_the_mapping_says(database: RunDatabase) -> None:
    context = ReadContext(key=TEST_KEY)
    homes = read(fill(database.url), context)
    (carer,) = homes["1-777000001"].staff
    assert sorted(t.course for t in carer.training) == ["VENDOR-DYS7", "moving_and_handling"]
    assert homes["1-777000002"].staff == ()  # grade CHEF is not mapped: skipped, and counted
    assert context.ignored == {"staff (unmapped grade, skipped)": 1}
    assert context.skipped == []


def test_what_the_mapping_leaves_out_is_named_not_evaluated_instead_of_read_as_defaults(
    database: RunDatabase,
) -> None:
    adapter = SqlAdapter()
    mapped = source(fill(database.url))
    unread = adapter.unmapped_in(mapped)
    # entities left out, fields not listed, and what the reference schema itself has no place for
    assert {"incidents", "staff.supervisions", "people.discharged", "checks"} <= set(unread)
    assert "people.admitted" not in unread and "staff.training" not in unread
    with Session() as session:
        report = session.readiness(source=mapped, adapter="sql", as_of=dt.date(2026, 11, 2))
    left = {group.group: group for group in report.not_evaluated}
    assert "supervision_overdue" in left["staff"].rules  # not "overdue" for every worker: never read
    assert "incidents" in left["incident"].why and "death_not_notified" in left["incident"].rules
    assert not {a.rule_id for a in report.alerts()} & {r for g in left.values() for r in g.rules}


def test_a_query_is_checked_against_the_schema_before_reading(database: RunDatabase, tmp_path: Path) -> None:
    url = fill(database.url)
    broken = MAPPING.read_text(encoding="utf-8").replace("p.last_review,", "p.reviewed_on,")
    mapping = tmp_path / "broken.yaml"
    mapping.write_text(broken, encoding="utf-8")
    with pytest.raises(InputError, match=r"broken.yaml: entities.care_plans.query: query failed"):
        list(
            SqlAdapter().read(
                f"{url}{'&' if '?' in url else '?'}mapping={mapping}", ReadContext(key=TEST_KEY)
            )
        )


@pytest.mark.parametrize(
    "query", ["DELETE FROM plans", "SELECT 1; DROP TABLE plans", "SELECT * INTO x FROM plans"]
)
def test_a_query_that_could_write_is_refused_at_load(tmp_path: Path, query: str) -> None:
    from mipr_rules.errors import ConfigError
    from mipr_rules_adapter_sql import parse_mapping

    data = {
        "entities": {
            "locations": {
                "query": query,
                "key": "id",
                "fields": {"location_id": "id", "name": "id", "provider_id": {"value": "1-1"}},
            }
        }
    }
    with pytest.raises(
        ConfigError, match=r"entities\.locations\.query: expected one read-only SELECT statement"
    ):
        parse_mapping(data, "m.yaml")


def mipr(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed ``mipr`` command line (plugin commands are registered at its start)."""
    return subprocess.run(
        [sys.executable, "-m", "mipr_rules_cli.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_sql_check_reports_what_each_entity_yields(database: RunDatabase) -> None:
    url = fill(database.url)
    result = mipr("sql", "check", str(MAPPING), "--source", url, "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    yields = {e["entity"]: e for e in data["entities"]}
    assert yields["people"]["rows"] == 3 and yields["care_plans"]["rows"] == 2
    assert yields["staff"]["rows"] == 2  # the filter leaves out the worker not in post
    first = yields["people"]["first_rows"][0]
    assert first["person_id"].startswith("P-") and "9434765919" not in result.stdout
    text = mipr("sql", "check", str(MAPPING), "--source", url).stdout
    assert "care_plans: 2 row(s) from query" in text


def test_sql_check_names_a_wrong_column_in_one_line(database: RunDatabase, tmp_path: Path) -> None:
    url = fill(database.url)
    mapping = tmp_path / "wrong.yaml"
    mapping.write_text(
        MAPPING.read_text(encoding="utf-8").replace("name: title", "name: heading"), encoding="utf-8"
    )
    result = mipr("sql", "check", str(mapping), "--source", url)
    assert result.returncode == 2
    assert result.stderr.strip().endswith(
        "entities.locations.fields.name: no column 'heading' in table 'sites'"
    )
    assert "Traceback" not in result.stderr


@pytest.fixture
def postgresql(tmp_path: Path) -> Any:
    try:
        database = RunDatabase("postgresql", tmp_path)
    except ServerUnreachable as exc:
        pytest.fail(str(exc), pytrace=False)
    yield database
    database.drop()


def test_timestamptz_at_0030_bst_reads_as_that_uk_date_whatever_the_session_zone(
    postgresql: RunDatabase,
) -> None:
    url = fill(postgresql.url)
    with engine(url).begin() as connection:
        connection.exec_driver_sql("ALTER TABLE plans ALTER COLUMN last_review TYPE timestamptz")
        connection.exec_driver_sql(
            "UPDATE plans SET last_review = '2026-06-01 00:30:00+01' WHERE plan_no = 100"
        )
        connection.exec_driver_sql(f"ALTER DATABASE {postgresql.name} SET timezone TO 'UTC'")
    homes = read(url)
    (plan,) = [c for p in homes["1-777000001"].people for c in p.care_plans]
    assert plan.last_reviewed == dt.date(2026, 6, 1)


def test_tables_in_another_schema_joined_across_schemas(postgresql: RunDatabase, tmp_path: Path) -> None:
    url = fill(postgresql.url)
    with engine(url).begin() as connection:
        connection.exec_driver_sql("CREATE SCHEMA hr")
        connection.exec_driver_sql("ALTER TABLE workers SET SCHEMA hr")
    mapping = tmp_path / "schemas.yaml"
    mapping.write_text(
        MAPPING.read_text(encoding="utf-8")
        .replace(
            "    table: workers\n    key: worker_no\n",
            "    table: workers\n    schema: hr\n    key: worker_no\n",
        )
        .split("  training:")[0],  # staff only: training's join to workers would need the schema too
        encoding="utf-8",
    )
    locations = SqlAdapter().read(f"{url}?mapping={mapping}", ReadContext(key=TEST_KEY))
    homes = {loc.location_id: loc for loc in locations}
    assert [m.role for m in homes["1-777000001"].staff] == ["care_worker"]
