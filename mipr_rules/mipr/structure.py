"""Structuring a report from plain data with the core converter, and the checks the types cannot express.

Importing this module registers the report's hooks on ``mipr_rules.convert.converter``: statement ids,
scores (1-4 or a rating word), timescales and the report's enums.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from mipr_rules.convert import converter, first_error, register_enum
from mipr_rules.errors import InputError
from mipr_rules.mipr import report as model
from mipr_rules.model.quality_statements import BY_ID, ID_RANGES
from mipr_rules.model.vocabulary import RatingValue

RATING_WORDS = ", ".join(repr(r.value) for r in RatingValue)


def _structure_statement_id(value: Any, _: Any) -> model.StatementId:
    if isinstance(value, str) and value in BY_ID:
        return model.StatementId(value)
    raise ValueError(f"expected a quality statement id ({ID_RANGES})")


def _structure_score(value: Any, _: Any) -> model.Score:
    if isinstance(value, int) and not isinstance(value, bool):
        if 1 <= value <= 4:
            return value
        raise ValueError("expected a score from 1 to 4")
    if isinstance(value, str):
        try:
            return RatingValue(value)
        except ValueError:
            pass
    raise ValueError(f"expected a score 1-4 or a rating word ({RATING_WORDS})")


def _structure_timescale(value: Any, _: Any) -> model.Timescale:
    if isinstance(value, dt.date):
        return model.Timescale(by=value)
    if isinstance(value, str):
        return model.Timescale.parse(value)
    raise ValueError(f"expected a timescale: {model.TIMESCALE_FORMS}")


for _enum in (model.EvidenceSource, model.RiskKind, model.RiskTarget, model.Severity, model.Priority):
    register_enum(_enum)
converter.register_structure_hook(model.StatementId, _structure_statement_id)
converter.register_structure_hook_func(lambda t: t == model.Score, _structure_score)
converter.register_structure_hook(model.Timescale, _structure_timescale)
converter.register_unstructure_hook(model.Timescale, str)


Places = Mapping[str, str]
"""JSON path (``$.findings[2].score``) → where it was written (``report.md:42``), for text formats."""


def _place_of(path: str, places: Places) -> str | None:
    """The place of ``path`` or of its nearest parent that has one."""
    while path:
        if path in places:
            return places[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return None


def fail(source: str, message: str, path: str, places: Places | None = None) -> InputError:
    """An ``InputError`` naming the place of ``path``: ``report.md:42: …`` or ``report.yaml: … @ $.path``."""
    place = _place_of(path, places) if places else None
    return InputError(f"{place}: {message}" if place else f"{source}: {message} @ {path}")


def structure_report(data: Any, source: str, places: Places | None = None) -> model.Report:
    """Structure ``data`` into a ``Report`` and check it; one-line ``InputError`` on the first problem."""
    if not isinstance(data, Mapping):
        raise InputError(f"{source}: expected a mapping (the report) at the top level")
    try:
        report = converter.structure(data, model.Report)
    except Exception as exc:  # cattrs raises several unrelated types
        message, path = first_error(exc)
        raise fail(source, message, path, places) from None
    check_report(report, source, places)
    return report


def check_report(report: model.Report, source: str, places: Places | None = None) -> None:
    """Checks the types cannot express: a visit date, no duplicate findings or ids, non-empty texts."""
    if not report.visit_dates:
        raise fail(source, "at least one visit date expected", "$.visit_dates", places)
    _unique(
        source,
        places,
        [f.statement for f in report.findings],
        "findings",
        "statement",
        "a second finding for the same quality statement",
    )
    _unique(source, places, [r.id for r in report.risks], "risks", "id", "duplicate risk id")
    _unique(
        source, places, [r.id for r in report.recommendations], "recommendations", "id", "duplicate recommendation id"
    )
    for index, risk in enumerate(report.risks):
        if not risk.id.strip():
            raise fail(source, "empty risk id", f"$.risks[{index}].id", places)
    for index, rec in enumerate(report.recommendations):
        if not rec.id.strip():
            raise fail(source, "empty recommendation id", f"$.recommendations[{index}].id", places)
        if not rec.action.strip():
            raise fail(source, "empty action", f"$.recommendations[{index}].action", places)


def _unique(source: str, places: Places | None, values: list[str], section: str, field: str, why: str) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise fail(source, why, f"$.{section}[{index}].{field}", places)
        seen.add(value)
