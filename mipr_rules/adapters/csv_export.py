"""Write a location as a folder of CSV files in the documented layout (the inverse of the CSV reader)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mipr_rules.adapters import csv_layout as layout
from mipr_rules.convert import unstructure
from mipr_rules.model import Location


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


def _write(folder: Path, spec: layout.CsvFile, rows: Iterable[dict[str, Any]]) -> None:
    rows = list(rows)
    if not rows and not spec.required:
        return
    with (folder / spec.name).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(spec.columns), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _text(row.get(k)) for k in spec.columns})


def write_csv_folder(location: Location, folder: Path) -> None:
    """Write ``location`` into ``folder`` (created if needed), one CSV per record type."""
    folder.mkdir(parents=True, exist_ok=True)
    data = unstructure(location)
    display = data.get("rating_display") or {}
    loc = {k: v for k, v in data.items() if not isinstance(v, (list, dict)) or k == "service_types"}
    loc.update(
        provider_id=data["provider"]["provider_id"],
        provider_name=data["provider"]["name"],
        rating_displayed_premises=display.get("premises"),
        rating_displayed_website=display.get("website"),
        has_website=display.get("has_website") if display else None,
    )
    _write(folder, layout.LOCATION, [loc])

    def rating_row(rating: dict[str, Any], status: str) -> dict[str, Any]:
        row = {k: rating.get(k) for k in ("overall", "published", "report_id")} | {"status": status}
        by_name = {kq["key_question"]: kq["rating"] for kq in rating.get("key_questions", [])}
        row.update({col: by_name.get(name) for col, name in layout.KEY_QUESTION_COLUMNS.items()})
        return row

    ratings = [rating_row(data["current_rating"], "current")] if data.get("current_rating") else []
    ratings += [rating_row(r, "past") for r in data.get("past_ratings", [])]
    _write(folder, layout.RATINGS, ratings)
    _write(folder, layout.PEOPLE, data["people"])
    _write(
        folder, layout.CARE_PLANS, (p | {"person_id": x["person_id"]} for x in data["people"] for p in x["care_plans"])
    )
    _write(
        folder,
        layout.RISK_ASSESSMENTS,
        (r | {"person_id": x["person_id"]} for x in data["people"] for r in x["risk_assessments"]),
    )
    for field, spec in layout.PERSON_CHILDREN:
        _write(folder, spec, (r | {"person_id": x["person_id"]} for x in data["people"] for r in x[field]))
    staff_rows = []
    for member in data["staff"]:
        row = dict(member)
        for key, value in (member.get("dbs") or {}).items():
            row[f"dbs_{key}"] = value
        for key, value in (member.get("recruitment") or {}).items():
            row[f"recruitment_{key}"] = value
        staff_rows.append(row)
    _write(folder, layout.STAFF, staff_rows)
    _write(folder, layout.TRAINING, (t | {"staff_id": s["staff_id"]} for s in data["staff"] for t in s["training"]))
    _write(
        folder, layout.SUPERVISIONS, (v | {"staff_id": s["staff_id"]} for s in data["staff"] for v in s["supervisions"])
    )
    for spec, key in (
        (layout.INCIDENTS, "incidents"),
        (layout.SAFEGUARDING, "safeguarding"),
        (layout.COMPLAINTS, "complaints"),
        (layout.AUDITS, "audits"),
        (layout.FEEDBACK, "feedback"),
        (layout.EVIDENCE, "evidence"),
        (layout.MANAGER_ABSENCES, "manager_absences"),
        (layout.CONDITIONS, "conditions"),
        *((spec, field) for field, spec in layout.LOCATION_LISTS),
    ):
        _write(folder, spec, data[key])
