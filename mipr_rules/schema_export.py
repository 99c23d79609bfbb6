"""JSON Schema of the canonical model, derived from the attrs classes (published as schemas/*.json)."""

from __future__ import annotations

import datetime as dt
import itertools
import types
import typing
from enum import Enum
from typing import Any

import attrs

from mipr_rules.model import Location


def _field_doc(cls: type, name: str) -> str | None:
    import ast
    import inspect
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError):
        return None
    body = tree.body[0].body  # type: ignore[attr-defined]
    for node, following in itertools.pairwise(body):
        target = getattr(node, "target", None)
        if isinstance(target, ast.Name) and target.id == name and isinstance(following, ast.Expr):
            value = following.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                return " ".join(value.value.split())
    return None


def _schema(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        inner = _schema(options[0], defs)
        return {"anyOf": [inner, {"type": "null"}]}
    if origin is tuple:
        return {"type": "array", "items": _schema(typing.get_args(tp)[0], defs)}
    if isinstance(tp, type) and issubclass(tp, Enum):
        return {"enum": [m.value for m in tp]}
    if tp is dt.datetime:
        return {"type": "string", "format": "date-time", "description": "YYYY-MM-DDTHH:MM (or a date: midnight)"}
    if tp is dt.date:
        return {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
    simple = {str: "string", bool: "boolean", int: "integer", float: "number"}
    if tp in simple:
        return {"type": simple[tp]}
    if attrs.has(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}
            hints = typing.get_type_hints(tp)
            props, required = {}, []
            for field in attrs.fields(tp):
                prop = _schema(hints[field.name], defs)
                doc = _field_doc(tp, field.name)
                if doc:
                    prop = {**prop, "description": doc}
                props[field.name] = prop
                if field.default is attrs.NOTHING:
                    required.append(field.name)
            defs[name] = {
                "type": "object",
                "description": " ".join((tp.__doc__ or "").split()),
                "properties": props,
                "required": required,
                "additionalProperties": False,
            }
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"no JSON Schema for {tp!r}")


def location_schema() -> dict[str, Any]:
    """JSON Schema (2020-12) of a location file read by the built-in file adapter."""
    defs: dict[str, Any] = {}
    _schema(Location, defs)
    root = defs.pop("Location")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://mipr-rules.invalid/schemas/location.schema.json",
        "title": "mipr-rules location",
        **root,
        "$defs": defs,
    }
