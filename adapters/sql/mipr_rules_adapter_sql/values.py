"""Turning one column value into one field value, through the core converter's strict hooks.

Database drivers hand back what the column holds: a MariaDB boolean is ``1``, a SQLite date is text, an id
column may be an integer. Those are coerced first (and only those: ``"yes"`` is not a boolean unless the
mapping's value map says so); then the core converter checks the value as strictly as for any other input.
Messages say what was expected, never what was found: a column value may be personal data.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from mipr_rules.adapters.base import ReadContext
from mipr_rules.convert import converter
from mipr_rules_adapter_sql.mapping import NO_DEFAULT, FieldMap, value_key


class BadValue(Exception):
    """A column value the field cannot take; the message says why, without the value."""


class SkipRow(Exception):
    """A code a value map does not list, with ``unmapped: skip``: the row is passed over and counted."""


UK = ZoneInfo("Europe/London")
"""Dates and times are read as UK local ones, whatever the database session's time zone."""


def _coerce(value: Any, target: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None and target in (dt.date, dt.datetime):
        local = value.astimezone(UK)  # a timestamptz: its UK date, not the session time zone's
        return local.date() if target is dt.date else local.replace(tzinfo=None)
    if (
        target is bool
        and isinstance(value, (int, Decimal))
        and not isinstance(value, bool)
        and value in (0, 1)
    ):
        return bool(value)
    if target is str and isinstance(value, (int, uuid.UUID)) and not isinstance(value, bool):
        return str(value)
    if target is int and isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if target is float and isinstance(value, Decimal):
        return float(value)  # a NUMERIC column (a vendor's own table) holding kilograms or hours
    return value


def field_value(field_map: FieldMap, raw: Any, context: ReadContext) -> Any:
    """The field's value for the column value ``raw``; ``BadValue`` if it cannot take it.

    NULL gives ``None`` for an optional field, the model's default for a field that has one, and is bad
    for a field the model requires.
    """
    field = field_map.field
    if field_map.column is None:
        return field_map.constant
    value = raw
    if field_map.values is not None and value is not None:
        key = value_key(value)
        if key in field_map.values:
            return field_map.values[key]
        if field_map.default is not NO_DEFAULT:
            return field_map.default
        if field_map.unmapped == "skip":
            raise SkipRow
        if field_map.unmapped != "keep":
            raise BadValue("value not listed under values in the mapping")
    if value is None:
        if field.optional:
            return None
        if not field.required and not field.link:
            return field.default
        raise BadValue(f"required {field.kind} is NULL")
    try:
        result = converter.structure(_coerce(value, field.type), field.type)
    except Exception as exc:  # the converter's hooks raise ValueError with an "expected ..." message
        text = str(exc)
        raise BadValue(text if text.startswith("expected") else f"expected {field.kind}") from None
    if field_map.pseudonymise:
        return context.pseudonym(result, field_map.prefix)
    return result
