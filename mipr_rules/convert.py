"""The one cattrs converter: all (de)serialisation policy of the canonical model and results lives here.

Input is strict: unknown keys, strings where numbers belong and ``"false"`` where a boolean belongs are
errors, and every error names its path, e.g. ``expected date @ $.staff[3].dbs.issued``.
"""

from __future__ import annotations

import datetime as dt
import math
import typing
from enum import Enum
from typing import Any, TypeVar

import cattrs
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)

from mipr_rules.errors import InputError
from mipr_rules.model import vocabulary

T = TypeVar("T")

converter = cattrs.Converter(forbid_extra_keys=True, prefer_attrib_converters=False)

MAX_TEXT = 100_000
"""Longest text value accepted in input (an id, a name, a description), in characters. The rules engine's
own limit on a value is 65,536 characters: a longer value within this one fails only its location's
evaluation (reported, the others evaluated); beyond this one the read fails, naming the field."""


def _expect(kind: str, value: Any) -> ValueError:
    shown = type(value).__name__
    return ValueError(f"expected {kind}, got {shown}")


def _structure_date(value: Any, _: type) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError("expected date (YYYY-MM-DD)") from None
    raise _expect("date (YYYY-MM-DD)", value)


def _structure_datetime(value: Any, _: type) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else _naive_local(value)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                return dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError("expected date-time (YYYY-MM-DDTHH:MM)") from None
        return parsed if parsed.tzinfo is None else _naive_local(parsed)
    raise _expect("date-time (YYYY-MM-DDTHH:MM)", value)


def _naive_local(value: dt.datetime) -> dt.datetime:
    """Convert an aware time to naive UK local time, the frame every day count uses."""
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo("Europe/London")).replace(tzinfo=None)


def _structure_str(value: Any, _: type) -> str:
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise ValueError(f"expected text of at most {MAX_TEXT} characters")
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("expected text (a lone surrogate escape is not a character)") from None
        return value
    raise _expect("string", value)


def _structure_int(value: Any, _: type) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _expect("integer", value)


def _structure_float(value: Any, _: type) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    raise _expect("finite number", value)


def _structure_bool(value: Any, _: type) -> bool:
    if isinstance(value, bool):
        return value
    raise _expect("true or false", value)


def _structure_enum(value: Any, cls: type[Enum]) -> Enum:
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(repr(m.value) for m in cls)
        raise ValueError(f"expected one of {allowed}") from None


for _type, _hook in (
    (dt.datetime, _structure_datetime),
    (dt.date, _structure_date),
    (str, _structure_str),
    (int, _structure_int),
    (float, _structure_float),
    (bool, _structure_bool),
):
    converter.register_structure_hook(_type, _hook)


def _is_homogeneous_tuple(cls: Any) -> bool:
    args = typing.get_args(cls)
    return typing.get_origin(cls) is tuple and len(args) == 2 and args[1] is Ellipsis and args[0] is not Any


def _make_tuple_hook(cls: Any) -> Any:
    """Structure ``tuple[X, ...]`` from a list only, stopping at the first bad item.

    cattrs would iterate a string where a list belongs, one character per item, and gather an error for
    every item of a long list: time and memory in proportion to hostile input.
    """
    item = typing.get_args(cls)[0]

    def hook(value: Any, _: Any) -> tuple[Any, ...]:
        if not isinstance(value, (list, tuple)):
            raise _expect("a list", value)
        structure_item = converter.get_structure_hook(item)
        out = []
        for index, element in enumerate(value):
            try:
                out.append(structure_item(element, item))
            except Exception as exc:
                note = IterableValidationNote(f"Structuring {cls} @ index {index}", index, item)
                exc.__notes__ = [*getattr(exc, "__notes__", []), note]  # type: ignore[attr-defined,unused-ignore]
                raise IterableValidationError(f"While structuring {cls!r}", [exc], cls) from None
        return tuple(out)

    return hook


converter.register_structure_hook_factory(_is_homogeneous_tuple, _make_tuple_hook)


def register_enum(cls: type[Enum]) -> None:
    """Structure ``cls`` by value with a message listing the allowed values.

    Each str-based enum is registered by name, so that the str hook (matched through the MRO) does not
    take it first.
    """
    converter.register_structure_hook(cls, _structure_enum)
    converter.register_unstructure_hook(cls, lambda member: member.value)


for _enum in vocabulary.__dict__.values():
    if isinstance(_enum, type) and issubclass(_enum, Enum) and _enum is not Enum:
        register_enum(_enum)
converter.register_unstructure_hook(dt.date, lambda d: d.isoformat())
converter.register_unstructure_hook(dt.datetime, lambda d: d.isoformat(timespec="minutes"))


def _format_exception(exc: BaseException, type_: Any) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, ForbiddenExtraKeysError):
        names = sorted(str(name) for name in exc.extra_fields)  # YAML keys need not be text ("?", "null:")
        return f"unknown field(s) {', '.join(names)}"
    if isinstance(exc, ValueError) and str(exc).startswith("expected"):
        return str(exc)
    message = cattrs.v.format_exception(exc, type_)
    if str(exc) and str(exc) in message:  # cattrs quotes unexpected errors, which may quote the value
        return f"invalid value ({type(exc).__name__})"
    return message


def error_messages(exc: Exception, root: str = "$") -> list[str]:
    """Turn a cattrs validation error into ``message @ $.path`` lines, first the most specific."""
    if isinstance(exc, (ClassValidationError, IterableValidationError)):
        return cattrs.transform_error(exc, path=root, format_exception=_format_exception)
    if isinstance(exc, ForbiddenExtraKeysError):
        return [f"{_format_exception(exc, None)} @ {root}"]
    return [f"{exc} @ {root}"]


def first_error(exc: Exception, root: str = "$") -> tuple[str, str]:
    """The most specific problem of a cattrs error as ``(message, path)``, e.g. ``("expected date", "$.a[3]")``."""
    message, _, path = error_messages(exc, root)[0].rpartition(" @ ")
    return (message, path) if message else (path, root)


def structure(data: Any, cls: type[T], source: str, root: str = "$", using: cattrs.Converter | None = None) -> T:
    """Structure ``data`` into ``cls``; on failure raise ``InputError`` naming ``source`` and the path.

    Only the path and the expected type are reported, never the offending value, so that no personal
    data reaches an error message or a log. ``using`` is another converter sharing this one's hooks, e.g.
    ``converter.copy(forbid_extra_keys=False)`` for a source full of fields the model ignores.
    """
    try:
        return (using or converter).structure(data, cls)
    except Exception as exc:  # cattrs raises several unrelated types
        messages = error_messages(exc, root)
        extra = f" (and {len(messages) - 1} more)" if len(messages) > 1 else ""
        raise InputError(f"{source}: {messages[0]}{extra}") from None


def unstructure(obj: Any) -> Any:
    """Plain JSON-ready data for a model or result object."""
    return converter.unstructure(obj)
