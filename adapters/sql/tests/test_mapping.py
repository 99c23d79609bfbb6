"""Mapping files: a vendor's own tables read without code; bad mapping files rejected in one line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sql_fixtures import engine

from mipr_rules.adapters.base import ReadContext
from mipr_rules.convert import unstructure
from mipr_rules.errors import ConfigError, InputError
from mipr_rules.model import CarePlan, Incident, Location, Person, Provider, StaffMember
from mipr_rules.model.vocabulary import IncidentCategory
from mipr_rules.testing import TEST_KEY
from mipr_rules_adapter_sql import load_mapping, parse_mapping, read_locations
from mipr_rules_adapter_sql.adapter import SqlAdapter

FIXTURES = Path(__file__).parent / "fixtures"
VENDOR_MAPPING = FIXTURES / "vendor-mapping.yaml"
KEY = b"test key"
NHS = ("9434765919", "9434765870")
NAMES = ("Edith Smallwood", "Albert Pennyworth")

vendor = sa.MetaData()
homes = sa.Table(
    "homes",
    vendor,
    sa.Column("home_ref", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("cqc_id", sa.String(20)),
    sa.Column("home_name", sa.String(100)),
    sa.Column("kind", sa.String(5)),
    sa.Column("capacity", sa.Integer),
    sa.Column("modified", sa.DateTime),
)
residents = sa.Table(
    "residents",
    vendor,
    sa.Column("resident_no", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("home_ref_code", sa.String(20)),
    sa.Column("nhs_no", sa.String(10)),
    sa.Column("full_name", sa.String(100)),
    sa.Column("admitted_on", sa.Date),
    sa.Column("left_on", sa.Date),
    sa.Column("modified", sa.DateTime),
)
careplans = sa.Table(
    "careplans",
    vendor,
    sa.Column("cp_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("home_ref_code", sa.String(20)),
    sa.Column("nhs_no", sa.String(10)),
    sa.Column("date_created", sa.String(30)),
    sa.Column("reviewed", sa.Date),
    sa.Column("status", sa.String(1)),
    sa.Column("modified", sa.DateTime),
)
employees = sa.Table(
    "employees",
    vendor,
    sa.Column("emp_no", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("home_ref_code", sa.String(20)),
    sa.Column("email", sa.String(100)),
    sa.Column("job_title", sa.String(40)),
    sa.Column("start_date", sa.Date),
)
incident_log = sa.Table(
    "incident_log",
    vendor,
    sa.Column("inc_no", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("home_ref_code", sa.String(20)),
    sa.Column("type_code", sa.String(10)),
    sa.Column("occurred_at", sa.DateTime),
    sa.Column("nhs_no", sa.String(10)),
    sa.Column("police", sa.String(1)),
    sa.Column("modified", sa.DateTime),
)
MODIFIED = dt.datetime(2026, 10, 1, 12, 0)


def vendor_database(url: str, *extra: Any) -> str:
    with engine(url).begin() as connection:
        vendor.create_all(connection)
        connection.execute(
            homes.insert(),
            [
                dict(
                    home_ref=1,
                    cqc_id="1-555000001",
                    home_name="Oak Lodge",
                    kind="CH",
                    capacity=30,
                    modified=MODIFIED,
                ),
            ],
        )
        connection.execute(
            residents.insert(),
            [
                dict(
                    resident_no=1,
                    home_ref_code="1-555000001",
                    nhs_no=NHS[0],
                    full_name=NAMES[0],
                    admitted_on=dt.date(2024, 2, 1),
                    left_on=None,
                    modified=MODIFIED,
                ),
                dict(
                    resident_no=2,
                    home_ref_code="1-555000001",
                    nhs_no=NHS[1],
                    full_name=NAMES[1],
                    admitted_on=dt.date(2025, 3, 1),
                    left_on=dt.date(2026, 9, 1),
                    modified=MODIFIED,
                ),
            ],
        )
        connection.execute(
            careplans.insert(),
            [
                dict(
                    cp_id=11,
                    home_ref_code="1-555000001",
                    nhs_no=NHS[0],
                    date_created="2024-02-01",
                    reviewed=dt.date(2026, 8, 1),
                    status="A",
                    modified=MODIFIED,
                ),
                dict(
                    cp_id=12,
                    home_ref_code="1-555000001",
                    nhs_no=NHS[1],
                    date_created="2025-03-01",
                    reviewed=None,
                    status="I",
                    modified=MODIFIED,
                ),
            ],
        )
        connection.execute(
            employees.insert(),
            [
                dict(
                    emp_no=7,
                    home_ref_code="1-555000001",
                    email="jo@oak.example",
                    job_title="Carer",
                    start_date=dt.date(2022, 1, 1),
                ),
                dict(
                    emp_no=8,
                    home_ref_code="1-555000001",
                    email="sam@oak.example",
                    job_title="Cook",
                    start_date=dt.date(2023, 1, 1),
                ),
            ],
        )
        connection.execute(
            incident_log.insert(),
            [
                dict(
                    inc_no=101,
                    home_ref_code="1-555000001",
                    type_code="FALL",
                    occurred_at=dt.datetime(2026, 9, 9, 14, 5),
                    nhs_no=NHS[0],
                    police="N",
                    modified=MODIFIED,
                ),
                dict(
                    inc_no=102,
                    home_ref_code="1-555000001",
                    type_code="ASSLT",
                    occurred_at=dt.datetime(2026, 9, 10, 2, 0),
                    nhs_no=None,
                    police="Y",
                    modified=MODIFIED,
                ),
            ],
        )
        for statement in extra:
            connection.execute(statement)
    return url


def expected_home() -> Location:
    context = ReadContext(key=KEY)
    p1, p2 = (context.pseudonym(number, "P") for number in NHS)
    return Location(
        location_id="1-555000001",
        name="Oak Lodge",
        provider=Provider("1-555000100", "Vendor Care Ltd"),
        care_home=True,
        beds=30,
        people=(
            Person(
                p1,
                admitted=dt.date(2024, 2, 1),
                care_plans=(CarePlan("11", dt.date(2024, 2, 1), last_reviewed=dt.date(2026, 8, 1)),),
            ),
            Person(
                p2,
                admitted=dt.date(2025, 3, 1),
                discharged=dt.date(2026, 9, 1),
                care_plans=(CarePlan("12", dt.date(2025, 3, 1), active=False),),
            ),
        ),
        staff=(
            StaffMember(context.pseudonym("jo@oak.example", "S"), "care_worker", dt.date(2022, 1, 1)),
            StaffMember(context.pseudonym("sam@oak.example", "S"), "other", dt.date(2023, 1, 1)),
        ),
        incidents=(
            Incident("101", IncidentCategory.FALL, dt.datetime(2026, 9, 9, 14, 5), person_id=p1),
            Incident("102", IncidentCategory.OTHER, dt.datetime(2026, 9, 10, 2, 0), reported_to_police=True),
        ),
    )


def test_vendor_schema_reads_through_the_mapping_file(adapter: SqlAdapter, empty_database: str) -> None:
    url = vendor_database(empty_database)
    (location,) = adapter.read(f"{url}?mapping={VENDOR_MAPPING}", ReadContext(key=KEY))
    assert location == expected_home()


def test_nhs_numbers_names_and_emails_never_reach_the_model(empty_database: str) -> None:
    url = vendor_database(empty_database)
    (location,) = read_locations(url, ReadContext(key=KEY), mapping=VENDOR_MAPPING)
    text = json.dumps(unstructure(location))
    for secret in (*NHS, *NAMES, "jo@oak.example", "sam@oak.example"):
        assert secret not in text
    assert all(person.person_id.startswith("P-") for person in location.people)
    assert all(member.staff_id.startswith("S-") for member in location.staff)


def test_unmapped_code_without_default_is_a_bad_row(empty_database: str) -> None:
    url = vendor_database(
        empty_database, careplans.update().where(careplans.c.cp_id == 12).values(status="X")
    )
    with pytest.raises(InputError) as info:
        list(read_locations(url, ReadContext(key=KEY), mapping=VENDOR_MAPPING))
    assert str(info.value) == "careplans row cp_id=12: status: value not listed under values in the mapping"


def test_text_date_column_that_is_not_a_date_is_named_not_shown(empty_database: str) -> None:
    url = vendor_database(
        empty_database,
        careplans.update().where(careplans.c.cp_id == 11).values(date_created="1st Feb, Edith"),
    )
    context = ReadContext(key=KEY, lenient=True)
    (location,) = read_locations(url, context, mapping=VENDOR_MAPPING)
    assert context.skipped == ["careplans row cp_id=11: date_created: expected date (YYYY-MM-DD)"]
    assert location.people[0].care_plans == ()


def test_care_plan_of_an_unknown_person_is_a_bad_row(empty_database: str) -> None:
    url = vendor_database(
        empty_database, careplans.update().where(careplans.c.cp_id == 12).values(nhs_no="9999999999")
    )
    context = ReadContext(key=KEY, lenient=True)
    list(read_locations(url, context, mapping=VENDOR_MAPPING))
    assert context.skipped == [
        "careplans row cp_id=12: nhs_no: no people row with this id (missing or skipped)"
    ]


def test_a_pseudonymised_key_column_is_shown_as_its_pseudonym(empty_database: str) -> None:
    url = vendor_database(
        empty_database, employees.update().where(employees.c.emp_no == 8).values(start_date=None)
    )
    data = _mapping_data()
    data["entities"]["staff"]["key"] = "email"
    context = ReadContext(key=KEY, lenient=True)
    list(read_locations(url, context, mapping=parse_mapping(data, "inline")))
    pseudonym = context.pseudonym("sam@oak.example", "S")
    assert context.skipped == [f"employees row email={pseudonym}: start_date: required date is NULL"]


def test_mapping_column_missing_from_the_table_names_the_mapping_key(
    empty_database: str, tmp_path: Path
) -> None:
    url = vendor_database(empty_database)
    path = tmp_path / "vendor.yaml"
    path.write_text(VENDOR_MAPPING.read_text().replace("admitted: admitted_on", "admitted: admit_date"))
    with pytest.raises(InputError) as info:
        list(read_locations(url, mapping=path))
    assert (
        str(info.value)
        == f"{path}: entities.people.fields.admitted: no column 'admit_date' in table 'residents'"
    )


def test_mapping_table_missing_from_the_database(empty_database: str, tmp_path: Path) -> None:
    url = vendor_database(empty_database)
    path = tmp_path / "vendor.yaml"
    path.write_text(VENDOR_MAPPING.read_text().replace("table: incident_log", "table: incidents_v2"))
    with pytest.raises(InputError) as info:
        list(read_locations(url, mapping=path))
    assert str(info.value) == f"{path}: entities.incidents.table: no table 'incidents_v2' in the database"


def _mapping_data() -> dict[str, Any]:
    import yaml

    data: dict[str, Any] = yaml.safe_load(VENDOR_MAPPING.read_text())
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["entities"].update(care_plan={}),
            "entities.care_plan: unknown entity (known: locations, ",
        ),
        (
            lambda d: d["entities"]["incidents"]["fields"].update(categry="x"),
            "entities.incidents.fields.categry: unknown field of incidents "
            "(known: location_id, incident_id, ",
        ),
        (
            lambda d: d["entities"]["care_plans"]["fields"].pop("created"),
            "entities.care_plans.fields: created is required (the model has no default for it)",
        ),
        (
            lambda d: d["entities"]["incidents"]["fields"]["category"]["values"].update(SLIP="slip"),
            "entities.incidents.fields.category.values.SLIP: expected one of 'fall', ",
        ),
        (
            lambda d: d["entities"]["locations"]["fields"].update(beds={"value": "thirty"}),
            "entities.locations.fields.beds.value: expected integer",
        ),
        (
            lambda d: d["entities"].pop("people"),
            "entities.care_plans: its rows belong to people, which the mapping",
        ),
        (lambda d: d["entities"].pop("locations"), "entities: the locations entity is required"),
        (
            lambda d: d["entities"]["incidents"]["fields"]["person_id"].pop("pseudonymise"),
            "entities.incidents.fields.person_id: pseudonymise and prefix must be as in "
            "entities.people.fields.person_id",
        ),
        (
            lambda d: d["entities"]["locations"]["fields"].update(
                name={"column": "home_name", "pseudonymise": True, "prefix": "L"}
            ),
            None,
        ),
        (
            lambda d: d["entities"]["locations"]["fields"].update(
                beds={"column": "capacity", "pseudonymise": True}
            ),
            "entities.locations.fields.beds.pseudonymise: only a text field read straight from its column",
        ),
        (
            lambda d: d["entities"]["people"].update(tabel="x"),
            "entities.people.tabel: unknown key (known: fields, ",
        ),
        (lambda d: d.update(version=2), "version: only version 1 is known"),
        (
            lambda d: d["entities"]["staff"]["fields"]["role"].update(column=None),
            "entities.staff.fields.role.column: expected a column name",
        ),
    ],
)
def test_bad_mapping_files_fail_in_one_line_naming_file_and_key(
    tmp_path: Path, change: Any, message: str | None
) -> None:
    import yaml

    data = _mapping_data()
    change(data)
    path = tmp_path / "vendor.yaml"
    path.write_text(yaml.safe_dump(data))
    if message is None:
        load_mapping(path)
        return
    with pytest.raises(ConfigError) as info:
        load_mapping(path)
    text = str(info.value)
    assert text.startswith(f"{path}: {message}"), text
    assert "\n" not in text


def test_mapping_file_that_is_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "vendor.yaml"
    path.write_text("entities:\n  locations: [\n")
    with pytest.raises(ConfigError, match=r"vendor.yaml: not valid YAML \(line 3, column 1\)$"):
        load_mapping(path)


def test_missing_mapping_file(adapter: SqlAdapter, empty_database: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nowhere\.yaml: mapping file not found$"):
        list(adapter.read(f"{empty_database}?mapping={tmp_path / 'nowhere.yaml'}", ReadContext(key=TEST_KEY)))


def test_single_location_database_with_constant_location_id(empty_database: str) -> None:
    url = vendor_database(empty_database)
    data = _mapping_data()
    for name, entity in data["entities"].items():
        entity["fields"]["location_id"] = {"value": "1-555000001"}
        if name == "locations":
            entity["key"] = "home_ref"
    (location,) = read_locations(url, ReadContext(key=KEY), mapping=parse_mapping(data, "inline"))
    assert location == expected_home()


def test_a_column_no_row_can_be_read_from_is_a_mapping_error_even_when_lenient(empty_database: str) -> None:
    """Every care plan's status in a code the mapping does not list: a mapping error, not every row
    skipped (which would drop every care plan and report rows, not the mapping)."""
    url = vendor_database(empty_database, careplans.update().values(status="X"))
    with pytest.raises(InputError) as info:
        list(read_locations(url, ReadContext(key=KEY, lenient=True), mapping=VENDOR_MAPPING))
    assert str(info.value) == (
        f"{VENDOR_MAPPING}: careplans.status: no row has a value the mapping can read "
        "(2 rows; first: value not listed under values in the mapping); check the column's mapping"
    )


def test_one_unreadable_value_of_a_column_is_one_skipped_row(empty_database: str) -> None:
    url = vendor_database(
        empty_database, careplans.update().where(careplans.c.cp_id == 12).values(status="X")
    )
    context = ReadContext(key=KEY, lenient=True)
    list(read_locations(url, context, mapping=VENDOR_MAPPING))
    assert context.summary()[0].record_type == "care_plans"
    assert context.skipped == ["careplans row cp_id=12: status: value not listed under values in the mapping"]
