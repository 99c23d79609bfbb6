"""The fields of the model's records, worked out once per class: for code that reads or copies many records.

``attrs.fields`` and ``attrs.evolve`` walk a class's fields on every call (a ``Location`` has forty); a
change-driven service copies a location for each changed record, so the walk is done once per class here.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar, cast

import attrs

T = TypeVar("T")

Values = Callable[[Any], tuple[Any, ...]]
"""A record's values of its fields, in their order, as one tuple."""

_FIELDS: dict[type, tuple[tuple[str, ...], Values]] = {}
_INIT: dict[type, tuple[tuple[str, ...], Values]] = {}


def field_values(kind: type) -> tuple[tuple[str, ...], Values]:
    """The field names of an attrs class, and a function giving a record's values of them as one tuple."""
    found = _FIELDS.get(kind)
    if found is None:
        names = tuple(field.name for field in attrs.fields(kind))
        found = _FIELDS[kind] = (names, _values(names))
    return found


def replace(record: T, **changes: Any) -> T:
    """``attrs.evolve(record, **changes)``: a copy with ``changes`` (by ``__init__`` argument), made by
    ``__init__`` (its converters and validators run), without walking the class's fields each time."""
    kind: type = type(record)
    found = _INIT.get(kind)
    if found is None:
        init = [field for field in attrs.fields(kind) if field.init]
        aliases = tuple(field.alias or field.name for field in init)
        found = _INIT[kind] = (aliases, _values(tuple(field.name for field in init)))
    aliases, values = found
    arguments = dict(zip(aliases, values(record), strict=True))
    arguments.update(changes)
    return cast(T, kind(**arguments))


def _values(names: tuple[str, ...]) -> Values:
    if len(names) > 1:
        return attrgetter(*names)
    return lambda record: tuple(getattr(record, name) for name in names)


__all__ = ["Values", "field_values", "replace"]
