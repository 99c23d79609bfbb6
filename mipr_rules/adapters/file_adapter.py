"""The built-in file adapter: a location as JSON or YAML (``location.schema.json``) or a folder of CSVs.

Registered by module path as the ``file`` adapter.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs

import mipr_rules
from mipr_rules import hookimpl
from mipr_rules.adapters import csv_layout as layout
from mipr_rules.adapters.base import ReadContext
from mipr_rules.convert import structure
from mipr_rules.errors import InputError
from mipr_rules.loading import load_data_file, read_text
from mipr_rules.model import (
    Audit,
    CarePlan,
    Complaint,
    EvidenceItem,
    Feedback,
    Incident,
    Location,
    ManagerAbsence,
    Person,
    RegistrationCondition,
    RiskAssessment,
    SafeguardingConcern,
    StaffMember,
    Supervision,
    TrainingRecord,
)

_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


@attrs.frozen
class FileAdapter:
    """Reads ``*.json`` / ``*.yaml`` location files and folders of CSV exports."""

    name: str = "file"
    version: str = mipr_rules.__version__
    description: str = "Built in: a location as JSON/YAML (location.schema.json) or a folder of CSV exports"
    accepts: tuple[str, ...] = ("*.json", "*.yaml", "*.yml", "folder of CSV files (docs/data-format.md#csv-exports)")

    def read(self, source: str, context: ReadContext) -> Iterable[Location]:
        """Yield the location(s) in ``source``."""
        path = Path(source)
        if path.is_dir():
            yield from _read_csv_folder(path, context)
            return
        data = load_data_file(path)
        records = data if isinstance(data, list) else [data]
        for index, record in enumerate(records):
            root = f"$[{index}]" if isinstance(data, list) else "$"
            try:
                yield structure(record, Location, str(path), root)
            except InputError as exc:
                context.problem(str(path), str(exc).split(": ", 1)[1])


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
        try:
            return int(text)
        except ValueError:
            raise ValueError("expected integer") from None
    if kind == layout.LIST:
        return [item.strip() for item in text.split(";") if item.strip()]
    return text


def _rows(folder: Path, spec: layout.CsvFile, context: ReadContext) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (``file:line``, row with typed cells, empty cells omitted) for one CSV file."""
    path = folder / spec.name
    if not path.exists():
        if spec.required:
            raise InputError(f"{path}: file not found (a CSV export needs at least {spec.name})")
        return
    reader = csv.DictReader(io.StringIO(read_text(path), newline=""))
    header = reader.fieldnames or []
    unknown = [c for c in header if c not in spec.columns]
    if unknown:
        raise InputError(f"{path}:1: unknown column(s) {', '.join(unknown)}; expected {', '.join(spec.columns)}")
    for row in reader:
        where = f"{path}:{reader.line_num}"
        if None in row:
            context.problem(where, f"{len(row[None])} more cell(s) than the header has columns")
            continue
        typed: dict[str, Any] = {}
        try:
            for column, cell in row.items():
                try:
                    value = _cell(cell or "", spec.columns[column])
                except ValueError as exc:
                    raise InputError(f"{where}: {column}: {exc}") from None
                if value is not None:
                    typed[column] = value
        except InputError as exc:
            context.problem(where, str(exc).split(": ", 1)[1])
            continue
        yield where, typed


def _build(cls: type[Any], data: dict[str, Any], where: str, context: ReadContext) -> Any | None:
    try:
        return structure(data, cls, where)
    except InputError as exc:
        context.problem(where, str(exc).split(": ", 1)[1])
        return None


def _children(
    folder: Path, spec: layout.CsvFile, cls: type[Any], context: ReadContext, parents: set[str]
) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    assert spec.parent is not None
    for where, row in _rows(folder, spec, context):
        key = row.pop(spec.parent, None)
        if key is None or key not in parents:
            context.problem(where, f"{spec.parent} missing or not found in the parent file")
            continue
        item = _build(cls, row, where, context)
        if item is not None:
            grouped[key].append(item)
    return grouped


def _flat(folder: Path, spec: layout.CsvFile, cls: type[Any], context: ReadContext) -> tuple[Any, ...]:
    items = (_build(cls, row, where, context) for where, row in _rows(folder, spec, context))
    return tuple(item for item in items if item is not None)


def _ratings(folder: Path, context: ReadContext) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    current, past = None, []
    for where, row in _rows(folder, layout.RATINGS, context):
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
            context.problem(where, "status: expected current or past")
    return current, past


def _read_csv_folder(folder: Path, context: ReadContext) -> Iterator[Location]:
    rows = list(_rows(folder, layout.LOCATION, context))
    if len(rows) != 1:
        raise InputError(f"{folder / layout.LOCATION.name}: expected exactly one location row, found {len(rows)}")
    where, loc = rows[0]
    people = [
        person
        for row_where, row in _rows(folder, layout.PEOPLE, context)
        if (person := _build(Person, row, row_where, context)) is not None
    ]
    staff = []
    for row_where, row in _rows(folder, layout.STAFF, context):
        dbs = {k[4:]: row.pop(k) for k in list(row) if k.startswith("dbs_")}
        if dbs:
            row["dbs"] = dbs
        member = _build(StaffMember, row, row_where, context)
        if member is not None:
            staff.append(member)
    # Children are matched against the records that were built, so that the rows of a person or member of
    # staff skipped in lenient mode are reported as skipped too, never dropped silently.
    person_ids = {person.person_id for person in people}
    staff_ids = {member.staff_id for member in staff}
    plans = _children(folder, layout.CARE_PLANS, CarePlan, context, person_ids)
    risks = _children(folder, layout.RISK_ASSESSMENTS, RiskAssessment, context, person_ids)
    training = _children(folder, layout.TRAINING, TrainingRecord, context, staff_ids)
    supervisions = _children(folder, layout.SUPERVISIONS, Supervision, context, staff_ids)
    people = [
        attrs.evolve(p, care_plans=tuple(plans[p.person_id]), risk_assessments=tuple(risks[p.person_id]))
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
    )
