"""Helpers shared by the report calculators: building flat facts and the report's own names."""

from __future__ import annotations

from typing import Any

from mipr_rules.facts.base import Fact
from mipr_rules.mipr.report import Report

INT, NUM, BOOL, STR = "integer", "number", "boolean", "string"
_TRIM = ".,;:()'\u2019\""
"""The declared field types of ``FactType.fields``."""


def fact(type_: str, subject: str, **fields: Any) -> Fact:
    """A flat fact; fields whose value is None are left out (unknown, never null)."""
    return {"type": type_, "subject": subject, **{k: v for k, v in fields.items() if v is not None}}


def own_names(report: Report) -> tuple[str, ...]:
    """Words of the report's own names (location, consultant) that the spelling check accepts."""
    names = f"{report.location.name} {report.consultant.name}"
    return tuple(word.strip(_TRIM) for word in names.split() if word.strip(_TRIM))
