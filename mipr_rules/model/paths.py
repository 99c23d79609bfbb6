"""Dotted paths into the canonical model (``people.care_plans.person_involved``): what adapters declare unread."""

from __future__ import annotations

import typing
from typing import Any

import attrs

from mipr_rules.model.location import Location


def field_at(path: str) -> attrs.Attribute[Any] | None:
    """The model field at a dotted path from ``Location`` (``people.care_plans.person_involved``), or ``None``."""
    owner: Any = Location
    found = None
    for name in path.split("."):
        if owner is None or not attrs.has(owner):
            return None
        found = attrs.fields_dict(attrs.resolve_types(owner)).get(name)
        if found is None:
            return None
        owner = record_type(found.type)
    return found


def record_type(annotation: Any) -> type | None:
    """The model class a field holds: itself, the non-``None`` side of an optional, or a tuple's items."""
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and attrs.has(candidate):
            return candidate
    return None
