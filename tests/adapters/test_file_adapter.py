"""The built-in file adapter: JSON/YAML locations and folders of CSV exports.

Bad data stops the read with one line naming the file and the place (strict), or is skipped, logged and
counted (lenient); the offending value never appears in a message or a log.
"""

from __future__ import annotations

import copy
import csv
import json
import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from mipr_rules.adapters.base import ReadContext
from mipr_rules.adapters.file_adapter import FileAdapter
from mipr_rules.convert import unstructure
from mipr_rules.errors import InputError
from mipr_rules.model import Location
from mipr_rules.testing import TEST_KEY
from mipr_rules.testing.contract import AdapterContract, model_differences

SECRET = "Mrs-Secret-9434765919"


def _read(source: Path, lenient: bool = False) -> tuple[list[Location], ReadContext]:
    context = ReadContext(lenient=lenient, key=TEST_KEY)
    return list(FileAdapter().read(str(source), context)), context


def _strict_error(source: Path) -> str:
    with pytest.raises(InputError) as info:
        _read(source)
    message = str(info.value)
    assert "\n" not in message and SECRET not in message
    return message


@pytest.fixture
def home_data(sample: Location) -> dict[str, Any]:
    return copy.deepcopy(unstructure(sample))  # type: ignore[no-any-return]


@pytest.fixture
def csv_copy(sample_csv: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    shutil.copytree(sample_csv, folder)
    return folder


def _edit_csv(path: Path, key_column: str, key: str, column: str, value: str) -> int:
    """Set ``column`` of the row whose ``key_column`` is ``key``; returns that row's line number."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
        fields = list(rows[0])
    index = next(i for i, row in enumerate(rows) if row[key_column] == key)
    rows[index][column] = value
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return index + 2


def _count_rows(path: Path, column: str, key: str) -> int:
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(1 for row in csv.DictReader(handle) if row[column] == key)


# --- the adapter contract, for both renderings of the sample ----------------------------------------------


class TestJsonContract(AdapterContract):
    @pytest.fixture
    def adapter(self) -> FileAdapter:
        return FileAdapter()

    @pytest.fixture
    def sample_source(self, sample_json: Path) -> str:
        return str(sample_json)

    @pytest.fixture
    def bad_source(self, tmp_path: Path, home_data: dict[str, Any]) -> str:
        bad = copy.deepcopy(home_data)
        bad["beds"] = SECRET
        path = tmp_path / "homes.json"
        path.write_text(json.dumps([home_data, bad]))
        return str(path)


class TestCsvContract(AdapterContract):
    @pytest.fixture
    def adapter(self) -> FileAdapter:
        return FileAdapter()

    @pytest.fixture
    def sample_source(self, sample_csv: Path) -> str:
        return str(sample_csv)

    @pytest.fixture
    def bad_source(self, csv_copy: Path) -> str:
        _edit_csv(csv_copy / "people.csv", "person_id", "R05", "admitted", SECRET)
        return str(csv_copy)


# --- readings ---------------------------------------------------------------------------------------------


def test_json_yaml_and_csv_renderings_read_identically(
    sample: Location, sample_csv: Path, tmp_path: Path, home_data: dict[str, Any]
) -> None:
    path = tmp_path / "home.yaml"
    path.write_text(yaml.safe_dump(home_data))
    (from_yaml,), _ = _read(path)
    (from_csv,), _ = _read(sample_csv)
    assert model_differences(sample, from_yaml) == []
    assert model_differences(sample, from_csv) == []
    assert len(sample.people) == 40 and len(sample.staff) == 30


def test_a_file_may_hold_several_locations(tmp_path: Path, home_data: dict[str, Any]) -> None:
    other = dict(home_data, location_id="1-000000002", name="Other House")
    path = tmp_path / "homes.json"
    path.write_text(json.dumps([home_data, other]))
    locations, context = _read(path)
    assert [loc.location_id for loc in locations] == ["1-000000001", "1-000000002"]
    assert context.skipped == []


# --- data errors: strict --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda d: d["staff"][3]["dbs"].update(issued=SECRET),
            "expected date (YYYY-MM-DD) @ $.staff[3].dbs.issued",
        ),
        (lambda d: d["people"][2].pop("person_id"), "required field missing @ $.people[2].person_id"),
        (lambda d: d["people"][2].update(nhs_number=SECRET), "unknown field(s) nhs_number @ $.people[2]"),
        (
            lambda d: d["incidents"][1].update(reported_to_police=SECRET),
            "expected true or false, got str @ $.incidents[1].reported_to_police",
        ),
    ],
    ids=["wrong-type", "missing-field", "unknown-field", "wrong-boolean"],
)
def test_a_bad_json_record_is_one_line_naming_file_and_path(
    tmp_path: Path, home_data: dict[str, Any], edit: Callable[[dict[str, Any]], Any], expected: str
) -> None:
    edit(home_data)
    path = tmp_path / "home.json"
    path.write_text(json.dumps(home_data))
    assert _strict_error(path) == f"{path}: {expected}"


@pytest.mark.parametrize(
    ("file", "key_column", "key", "column", "expected"),
    [
        ("staff.csv", "staff_id", "S02", "dbs_update_service", "dbs_update_service: expected true or false"),
        ("location.csv", "location_id", "1-000000001", "beds", "beds: expected integer"),
        ("people.csv", "person_id", "R05", "admitted", "expected date (YYYY-MM-DD) @ $.admitted"),
    ],
)
def test_a_bad_csv_cell_is_one_line_naming_file_and_line(
    csv_copy: Path, file: str, key_column: str, key: str, column: str, expected: str
) -> None:
    line = _edit_csv(csv_copy / file, key_column, key, column, SECRET)
    assert _strict_error(csv_copy) == f"{csv_copy / file}:{line}: {expected}"


def test_an_unknown_csv_column_names_the_header(csv_copy: Path) -> None:
    path = csv_copy / "audits.csv"
    path.write_text(path.read_text().replace("actions_open", "actions_opened", 1))
    assert _strict_error(csv_copy).startswith(
        f"{path}:1: unknown column(s) at position 3 (did you mean actions_open?); expected kind,"
    )


def test_a_csv_row_with_too_many_cells(csv_copy: Path) -> None:
    path = csv_copy / "complaints.csv"
    lines = path.read_text().splitlines()
    lines[1] += f",{SECRET}"
    path.write_text("\n".join(lines) + "\n")
    assert _strict_error(csv_copy) == f"{path}:2: 5 cells, the header has 4 columns"


def test_a_csv_export_without_its_location_file(csv_copy: Path) -> None:
    (csv_copy / "location.csv").unlink()
    assert (
        _strict_error(csv_copy)
        == f"{csv_copy / 'location.csv'}: file not found (a CSV export needs at least "
        "location.csv)"
    )


def test_a_missing_source(tmp_path: Path) -> None:
    assert _strict_error(tmp_path / "nope.json") == f"{tmp_path / 'nope.json'}: file not found"


# --- data errors: lenient -------------------------------------------------------------------------------


def test_lenient_mode_skips_logs_and_counts_without_values(
    tmp_path: Path, home_data: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    bad = copy.deepcopy(home_data)
    bad["beds"] = SECRET
    good = dict(home_data, location_id="1-000000003")
    path = tmp_path / "homes.json"
    path.write_text(json.dumps([home_data, bad, good]))
    with caplog.at_level(logging.WARNING, logger="mipr_rules.adapters"):
        locations, context = _read(path, lenient=True)
    assert [loc.location_id for loc in locations] == ["1-000000001", "1-000000003"]
    assert context.skipped == [f"{path}: expected integer, got str @ $[1].beds"]
    assert len(caplog.records) == 1
    assert SECRET not in caplog.text


def test_lenient_csv_skips_the_bad_row_and_keeps_the_location(
    csv_copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    line = _edit_csv(csv_copy / "complaints.csv", "complaint_id", "CMP-0101", "received", SECRET)
    with caplog.at_level(logging.WARNING, logger="mipr_rules.adapters"):
        (location,), context = _read(csv_copy, lenient=True)
    assert [c.complaint_id for c in location.complaints] == ["CMP-0201"]
    assert context.skipped == [
        f"{csv_copy / 'complaints.csv'}:{line}: expected date (YYYY-MM-DD) @ $.received"
    ]
    assert SECRET not in caplog.text


def test_lenient_csv_reports_rows_whose_parent_is_unknown(csv_copy: Path) -> None:
    path = csv_copy / "training.csv"
    line = _edit_csv(path, "staff_id", "S07", "staff_id", "S99")
    (location,), context = _read(csv_copy, lenient=True)
    assert context.skipped == [f"{path}:{line}: staff_id missing or not found in the parent file"]
    with path.open(newline="", encoding="utf-8") as handle:
        rows = sum(1 for _ in csv.DictReader(handle))
    assert sum(len(member.training) for member in location.staff) == rows - 1


@pytest.mark.parametrize(
    ("column", "value"),
    [("dbs_update_service", "maybe"), ("dbs_issued", "2025-13-45")],
    ids=["bad-cell", "bad-date"],
)
def test_lenient_csv_counts_the_records_of_a_skipped_member_of_staff(
    csv_copy: Path, column: str, value: str
) -> None:
    """A member of staff skipped for a bad value takes their training and supervision rows with them:
    each of those must be counted as skipped too, whichever check the staff row failed."""
    _edit_csv(csv_copy / "staff.csv", "staff_id", "S03", column, value)
    (location,), context = _read(csv_copy, lenient=True)
    assert "S03" not in {m.staff_id for m in location.staff}
    children = _count_rows(csv_copy / "training.csv", "staff_id", "S03") + _count_rows(
        csv_copy / "supervisions.csv", "staff_id", "S03"
    )
    assert children > 0
    assert len(context.skipped) == 1 + children, context.skipped


@pytest.mark.parametrize("value", ["+-5", "²", "1" * 19, "1e3", "٣"])
def test_an_integer_cell_that_is_not_a_plain_integer(csv_copy: Path, value: str) -> None:
    line = _edit_csv(csv_copy / "audits.csv", "kind", "medication", "actions_open", value)
    assert _strict_error(csv_copy) == f"{csv_copy / 'audits.csv'}:{line}: actions_open: expected integer"


def test_a_bom_and_crlf_line_ends_read_like_the_plain_export(csv_copy: Path, sample: Location) -> None:
    for path in csv_copy.iterdir():
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    (location,), _ = _read(csv_copy)
    assert model_differences(location, sample) == []
