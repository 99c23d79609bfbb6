"""The built-in file adapter: a location as JSON or YAML (``location.schema.json``) or a folder of CSVs.

Registered by module path as the ``file`` adapter.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs

import mipr_rules
from mipr_rules import hookimpl
from mipr_rules.adapters import csv_layout as layout
from mipr_rules.adapters import csv_rows
from mipr_rules.adapters.base import ReadContext
from mipr_rules.convert import converter, error_messages, structure
from mipr_rules.errors import InputError
from mipr_rules.loading import MAX_FILE_BYTES, decode, load_data_file, parse_json, read_text
from mipr_rules.model import (
    Audit,
    CapacityAssessment,
    CarePlan,
    Complaint,
    DolsAuthorisation,
    EvidenceItem,
    Feedback,
    Incident,
    Location,
    ManagerAbsence,
    MarException,
    Medicine,
    Person,
    PolicyDocument,
    RegistrationCondition,
    RiskAssessment,
    SafeguardingConcern,
    SafetyCheck,
    StaffingReview,
    StaffMember,
    Supervision,
    TrainingRecord,
    WeightRecord,
)

_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


@attrs.frozen
class FileAdapter:
    """Reads ``*.json`` / ``*.yaml`` location files and folders of CSV exports."""

    name: str = "file"
    version: str = mipr_rules.__version__
    description: str = "Built in: a location as JSON/YAML (location.schema.json) or a folder of CSV exports"
    accepts: tuple[str, ...] = (
        "*.json",
        "*.yaml",
        "*.yml",
        "*.jsonl JSON lines, one location per line (read one at a time)",
        "folder of CSV files (docs/data-format.md#csv-exports)",
    )

    def read(self, source: str, context: ReadContext) -> Iterable[Location]:
        """Yield the location(s) in ``source``."""
        path = Path(source)
        if path.is_dir():
            yield from _read_csv_folder(path, context)
            return
        if path.suffix.lower() in JSON_LINES:
            yield from _read_json_lines(path, context)
            return
        data = load_data_file(path)
        if data == []:
            raise InputError(f"{path}: no location in the file (an empty list)")
        records = data if isinstance(data, list) else [data]
        for index, record in enumerate(records):
            root = f"$[{index}]" if isinstance(data, list) else "$"
            try:
                yield structure(record, Location, str(path), root)
            except InputError as exc:
                context.problem(str(path), str(exc).split(": ", 1)[1], "locations")


JSON_LINES = (".jsonl", ".ndjson")
"""Suffixes of JSON-lines files: one location object per line, read and yielded one at a time."""


def _read_json_lines(path: Path, context: ReadContext) -> Iterator[Location]:
    """The locations of a JSON-lines file, one line at a time (memory does not grow with the file).

    Each line is bounded like a whole file (``MAX_FILE_BYTES``); blank lines are allowed; a line that is
    not a location object is a problem named ``file:line`` (skipped and counted in lenient mode).
    """
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    found = False
    with handle:
        for number, raw in enumerate(iter(lambda: handle.readline(MAX_FILE_BYTES + 1), b""), start=1):
            if len(raw) > MAX_FILE_BYTES:
                raise InputError(f"{path}:{number}: line longer than the {MAX_FILE_BYTES}-byte limit on input")
            where = f"{path}:{number}"
            text = decode(raw, where)
            if not text.strip():
                continue
            found = True
            try:
                data = parse_json(text, where)
                if not isinstance(data, dict):
                    raise InputError(f"{where}: expected a location object, got a {type(data).__name__}")
                yield structure(data, Location, where, "$")
            except InputError as exc:
                context.problem(where, str(exc).split(": ", 1)[1], "locations")
    if not found:
        raise InputError(f"{path}: no location in the file (no JSON lines)")


@hookimpl
def mipr_register_adapters(register: Any) -> None:
    register(FileAdapter())


def _cell(value: str, kind: str) -> Any:
    text = value.strip()
    if text == "":
        return None
    if kind == layout.BOOL:
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError("expected true or false")
    if kind == layout.INT:
        if not _INTEGER.fullmatch(text):
            raise ValueError("expected integer")
        return int(text)
    if kind == layout.NUM:
        try:
            number = float(text)
        except ValueError:
            raise ValueError("expected number") from None
        if not math.isfinite(number):
            raise ValueError("expected number")
        return number
    if kind == layout.LIST:
        return [item.strip() for item in text.split(";") if item.strip()]
    return text


_PATH = re.compile(r"@ \$\.(\w+)(?:\.(\w+))?")


@attrs.define
class _CsvFile:
    """One CSV file being read: its rows, and the problems found, held back until the whole file is read.

    A column that no row yields a value from (every non-empty cell fails) is a mapping error: the file
    does not follow the layout, so the read fails even in lenient mode instead of skipping every row.
    """

    path: Path
    spec: layout.CsvFile
    context: ReadContext
    problems: list[tuple[str, str]] = attrs.field(factory=list)
    filled: Counter[str] = attrs.field(factory=Counter)
    failed: dict[str, list[str]] = attrs.field(factory=dict)

    def problem(self, where: str, why: str, columns: Iterable[str] = ()) -> None:
        """A bad row: raised at once in strict mode, held back in lenient mode."""
        if not self.context.lenient:
            self.context.problem(where, why, self.spec.record_type)
        self.problems.append((where, why))
        for column in columns:
            self.failed.setdefault(column, []).append(f"{where}: {why}")

    def finish(self) -> None:
        """Fail on a mapping error, else report every held-back problem to the read context."""
        for column, failures in self.failed.items():
            if len(failures) >= 2 and len(failures) == self.filled[column]:
                raise InputError(
                    f"{self.path}: column {column}: no row has a value that can be read ({len(failures)} rows; "
                    f"first: {failures[0].rsplit(': ', 1)[-1]}); see docs/data-format.md#csv-exports"
                )
        for where, why in self.problems:
            self.context.problem(where, why, self.spec.record_type)

    def rows(self) -> list[tuple[str, dict[str, Any]]]:
        """(``file:line``, row with typed cells, empty cells omitted) of every well-formed row."""
        text = read_text(self.path)
        found = csv_rows.records(text, self.spec.multiline)
        head = next(found, None)
        if head is None:
            raise InputError(f"{self.path}: empty file (expected a header row: {', '.join(self.spec.columns)})")
        if head.problem is not None:
            raise InputError(f"{self.path}:{head.line}: header row: {head.problem}")
        header = [name.strip() for name in head.cells]
        self._check_header(header, head.line)
        out = []
        for record in found:
            where = f"{self.path}:{record.line}"
            if record.problem is not None:
                column = f" (column {header[record.column]})" if record.column is not None else ""
                self.problem(where, f"{record.problem}{column}")
                continue
            typed: dict[str, Any] = {}
            bad: list[tuple[str, str]] = []
            for column, cell in zip(header, record.cells, strict=True):
                if cell.strip():
                    self.filled[column] += 1
                try:
                    value = _cell(cell, self.spec.columns[column])
                except ValueError as exc:
                    bad.append((column, str(exc)))
                    continue
                if value is not None:
                    typed[column] = value
            if bad:
                self.problem(where, f"{bad[0][0]}: {bad[0][1]}", [column for column, _ in bad])
                continue
            out.append((where, typed))
        return out

    def _check_header(self, header: list[str], line: int) -> None:
        # Header cells are quoted only when they are columns of the layout: a file without a header row
        # has a record in its first row, and that must never reach a message.
        expected = ", ".join(self.spec.columns)
        unknown = [i for i, name in enumerate(header) if name not in self.spec.columns]
        if unknown and len(unknown) == len(header):
            raise InputError(
                f"{self.path}:{line}: no header row (no cell of the first row is a column name); expected {expected}"
            )
        if unknown:
            hints = []
            for i in unknown:
                close = difflib.get_close_matches(header[i], list(self.spec.columns), n=1)
                hints.append(f"{i + 1}" + (f" (did you mean {close[0]}?)" if close else ""))
            raise InputError(
                f"{self.path}:{line}: unknown column(s) at position {', '.join(hints)}; expected {expected}"
            )
        repeated = sorted({name for name in header if header.count(name) > 1})
        if repeated:
            raise InputError(f"{self.path}:{line}: column(s) {', '.join(repeated)} appear more than once")

    def build(self, cls: type[Any], data: dict[str, Any], where: str) -> Any | None:
        """``cls`` from a row; ``None`` (the problem held back) if the row does not make one."""
        try:
            return converter.structure(data, cls)
        except Exception as exc:  # cattrs raises several unrelated types
            messages = error_messages(exc)
        columns = []
        for message in messages:
            match = _PATH.search(message)
            if match:
                nested = match[1] in ("dbs", "recruitment") and match[2]
                columns.append(f"{match[1]}_{match[2]}" if nested else match[1])
        first = messages[0] if messages else "cannot be read"
        extra = f" (and {len(messages) - 1} more)" if len(messages) > 1 else ""
        self.problem(where, f"{first}{extra}", columns)
        return None


def _open(folder: Path, spec: layout.CsvFile, context: ReadContext) -> _CsvFile | None:
    path = folder / spec.name
    if not path.exists() and not path.is_symlink():
        if spec.required:
            raise InputError(f"{path}: file not found (a CSV export needs at least {spec.name})")
        return None
    return _CsvFile(path, spec, context)


def _records(
    folder: Path, spec: layout.CsvFile, cls: type[Any], context: ReadContext
) -> list[tuple[str, str | None, Any]]:
    """(``file:line``, parent key, record) of every row of a file that makes a record."""
    file = _open(folder, spec, context)
    if file is None:
        return []
    built = []
    for where, row in file.rows():
        key = row.pop(spec.parent, None) if spec.parent else None
        if cls is StaffMember:
            dbs = {k[4:]: row.pop(k) for k in list(row) if k.startswith("dbs_")}
            if dbs:
                row["dbs"] = dbs
            checks = {k[12:]: row.pop(k) for k in list(row) if k.startswith("recruitment_")}
            if checks:
                row["recruitment"] = checks
        item = file.build(cls, row, where)
        if item is not None:
            built.append((where, key, item))
    file.finish()
    return built


def _children(
    folder: Path, spec: layout.CsvFile, cls: type[Any], context: ReadContext, parents: set[str]
) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    assert spec.parent is not None
    for where, key, item in _records(folder, spec, cls, context):
        if key is None or key not in parents:
            context.problem(where, f"{spec.parent} missing or not found in the parent file", spec.record_type)
            continue
        grouped[key].append(item)
    return grouped


def _flat(folder: Path, spec: layout.CsvFile, cls: type[Any], context: ReadContext) -> tuple[Any, ...]:
    return tuple(item for _, _, item in _records(folder, spec, cls, context))


def _ratings(folder: Path, context: ReadContext) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    current: dict[str, Any] | None = None
    past: list[dict[str, Any]] = []
    file = _open(folder, layout.RATINGS, context)
    if file is None:
        return current, past
    for where, row in file.rows():
        status = row.pop("status", "current")
        rating: dict[str, Any] = {k: row.pop(k) for k in ("overall", "published", "report_id") if k in row}
        rating["key_questions"] = [
            {"key_question": name, "rating": row[column]}
            for column, name in layout.KEY_QUESTION_COLUMNS.items()
            if column in row
        ]
        if status == "current" and current is None:
            current = rating
        elif status in ("current", "past"):
            past.append(rating)
        else:
            file.problem(where, "status: expected current or past", ["status"])
    file.finish()
    return current, past


def _read_csv_folder(folder: Path, context: ReadContext) -> Iterator[Location]:
    location_file = _open(folder, layout.LOCATION, context)
    assert location_file is not None  # a required file
    rows = location_file.rows()
    location_file.finish()
    if len(rows) != 1:
        raise InputError(f"{folder / layout.LOCATION.name}: expected exactly one location row, found {len(rows)}")
    where, loc = rows[0]
    people = list(_flat(folder, layout.PEOPLE, Person, context))
    staff = list(_flat(folder, layout.STAFF, StaffMember, context))
    # Children are matched against the records that were built, so that the rows of a person or member of
    # staff skipped in lenient mode are reported as skipped too, never dropped silently.
    person_ids = {person.person_id for person in people}
    staff_ids = {member.staff_id for member in staff}
    plans = _children(folder, layout.CARE_PLANS, CarePlan, context, person_ids)
    risks = _children(folder, layout.RISK_ASSESSMENTS, RiskAssessment, context, person_ids)
    training = _children(folder, layout.TRAINING, TrainingRecord, context, staff_ids)
    supervisions = _children(folder, layout.SUPERVISIONS, Supervision, context, staff_ids)
    children: dict[str, dict[str, list[Any]]] = {
        field: _children(folder, spec, _ITEM[field], context, person_ids) for field, spec in layout.PERSON_CHILDREN
    }
    people = [
        attrs.evolve(
            p,
            care_plans=tuple(plans[p.person_id]),
            risk_assessments=tuple(risks[p.person_id]),
            **_of_person(children, p.person_id),
        )
        for p in people
    ]
    staff = [
        attrs.evolve(m, training=tuple(training[m.staff_id]), supervisions=tuple(supervisions[m.staff_id]))
        for m in staff
    ]

    current, past = _ratings(folder, context)
    record: dict[str, Any] = {
        k: v
        for k, v in loc.items()
        if k
        not in {"provider_id", "provider_name", "rating_displayed_premises", "rating_displayed_website", "has_website"}
    }
    record["provider"] = {"provider_id": loc.get("provider_id"), "name": loc.get("provider_name")}
    if current is not None:
        record["current_rating"] = current
    if past:
        record["past_ratings"] = past
    display = {
        key: loc[column]
        for key, column in (
            ("premises", "rating_displayed_premises"),
            ("website", "rating_displayed_website"),
            ("has_website", "has_website"),
        )
        if column in loc
    }
    if display:
        record["rating_display"] = display
    location = structure(record, Location, where)
    lists: dict[str, Any] = {
        field: _flat(folder, spec, _ITEM[field], context) for field, spec in layout.LOCATION_LISTS
    }
    yield attrs.evolve(
        location,
        people=tuple(people),
        staff=tuple(staff),
        incidents=_flat(folder, layout.INCIDENTS, Incident, context),
        safeguarding=_flat(folder, layout.SAFEGUARDING, SafeguardingConcern, context),
        complaints=_flat(folder, layout.COMPLAINTS, Complaint, context),
        audits=_flat(folder, layout.AUDITS, Audit, context),
        feedback=_flat(folder, layout.FEEDBACK, Feedback, context),
        evidence=_flat(folder, layout.EVIDENCE, EvidenceItem, context),
        manager_absences=_flat(folder, layout.MANAGER_ABSENCES, ManagerAbsence, context),
        conditions=_flat(folder, layout.CONDITIONS, RegistrationCondition, context),
        **lists,
    )


def _of_person(children: dict[str, dict[str, list[Any]]], person_id: str) -> dict[str, Any]:
    return {field: tuple(grouped[person_id]) for field, grouped in children.items()}


_ITEM: dict[str, type[Any]] = {
    "medicines": Medicine,
    "mar_exceptions": MarException,
    "capacity_assessments": CapacityAssessment,
    "dols": DolsAuthorisation,
    "weights": WeightRecord,
    "staffing_reviews": StaffingReview,
    "checks": SafetyCheck,
    "policies": PolicyDocument,
}
"""The model class of each further CSV file's rows, by the field they fill."""
