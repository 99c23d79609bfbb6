"""Typed reading of FHIR JSON elements that knows each element's path, for messages that never show values."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import attrs

from mipr_rules.convert import converter

_FHIR_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_VALUE_KEY = re.compile(r"value[A-Z]\w*")


class RecordProblem(Exception):
    """A record cannot be mapped: ``path`` names the element (``.period.start``), ``why`` what is wrong."""

    def __init__(self, path: str, why: str) -> None:
        super().__init__(f"{path} {why}")
        self.path = path
        self.why = why


@attrs.frozen
class Ref:
    """A FHIR Reference as written: ``reference`` (``Patient/abc``, a URL, ``urn:uuid:…``) and ``type``."""

    reference: str | None
    """The literal reference, if any."""
    type: str | None
    """The resource type, from ``Reference.type`` or the literal reference."""
    path: str
    """Where the reference is, e.g. ``.subject``."""
    identifier: tuple[str, str] | None = None
    """``Reference.identifier`` as ``(system, value)``: a logical reference (NHS number, staff number)."""


def _label(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def parse_date(value: Any, path: str) -> dt.date:
    """A FHIR ``date`` or ``dateTime`` as a calendar date (UK local date when a time and zone are given)."""
    if not isinstance(value, str):
        raise RecordProblem(path, "expected a date (YYYY-MM-DD)")
    text = value.strip()
    if len(text) < 10:
        raise RecordProblem(path, "date must be precise to the day")
    if len(text) == 10:
        if not _FHIR_DATE.fullmatch(text):
            raise RecordProblem(path, "expected a date (YYYY-MM-DD)")
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise RecordProblem(path, "expected a date (YYYY-MM-DD)") from None
    return parse_datetime(text, path).date()


def parse_datetime(value: Any, path: str) -> dt.datetime:
    """A FHIR ``dateTime`` as naive UK local time (a date alone means midnight)."""
    if not isinstance(value, str):
        raise RecordProblem(path, "expected a date-time (YYYY-MM-DDThh:mm:ss+zz:zz)")
    text = value.strip()
    if len(text) < 10:
        raise RecordProblem(path, "date must be precise to the day")
    try:
        parsed: dt.datetime = converter.structure(text, dt.datetime)
    except Exception:  # cattrs wraps the ValueError in its own types
        raise RecordProblem(path, "expected a date-time (YYYY-MM-DDThh:mm:ss+zz:zz)") from None
    return parsed


@attrs.frozen
class Node:
    """A JSON object inside a resource, with its path from the resource root (``""`` for the root)."""

    data: Mapping[str, Any]
    """The element's JSON."""
    path: str = ""
    """Path from the resource root, e.g. ``.period``."""

    def at(self, key: str) -> str:
        """Path of member ``key``."""
        return f"{self.path}.{key}"

    def raw(self, key: str) -> Any:
        """Member ``key`` as JSON, ``None`` if absent."""
        return self.data.get(key)

    def child(self, key: str, *, required: bool = False) -> Node | None:
        """Member ``key`` as a node."""
        value = self.data.get(key)
        if value is None:
            if required:
                raise RecordProblem(self.at(key), "required element missing")
            return None
        if not isinstance(value, Mapping):
            raise RecordProblem(self.at(key), "expected a JSON object")
        return Node(value, self.at(key))

    def children(self, key: str) -> list[Node]:
        """Members of the array ``key`` as nodes (a single object counts as one)."""
        value = self.data.get(key)
        if value is None:
            return []
        if isinstance(value, Mapping):
            return [Node(value, self.at(key))]
        if not isinstance(value, list):
            raise RecordProblem(self.at(key), "expected a JSON array")
        nodes = []
        for index, item in enumerate(value):
            where = f"{self.at(key)}[{index}]"
            if not isinstance(item, Mapping):
                raise RecordProblem(where, "expected a JSON object")
            nodes.append(Node(item, where))
        return nodes

    def string(self, key: str, *, required: bool = False) -> str | None:
        """Member ``key`` as a non-empty string."""
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise RecordProblem(self.at(key), "required value missing")
            return None
        if not isinstance(value, str):
            raise RecordProblem(self.at(key), "expected a string")
        return value.strip()

    def boolean(self, key: str, *, required: bool = False) -> bool | None:
        """Member ``key`` as true or false."""
        value = self.data.get(key)
        if value is None:
            if required:
                raise RecordProblem(self.at(key), "required value missing")
            return None
        if not isinstance(value, bool):
            raise RecordProblem(self.at(key), "expected true or false")
        return value

    def integer(self, key: str, *, required: bool = False) -> int | None:
        """Member ``key`` as a whole number of zero or more."""
        value = self.data.get(key)
        if value is None:
            if required:
                raise RecordProblem(self.at(key), "required value missing")
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise RecordProblem(self.at(key), "expected a whole number of zero or more")
        return value

    def date(self, key: str, *, required: bool = False) -> dt.date | None:
        """Member ``key`` (a FHIR date or dateTime) as a date."""
        value = self.data.get(key)
        if value is None:
            if required:
                raise RecordProblem(self.at(key), "required date missing")
            return None
        return parse_date(value, self.at(key))

    def datetime(self, key: str, *, required: bool = False) -> dt.datetime | None:
        """Member ``key`` (a FHIR dateTime) as naive UK local time."""
        value = self.data.get(key)
        if value is None:
            if required:
                raise RecordProblem(self.at(key), "required date missing")
            return None
        return parse_datetime(value, self.at(key))

    def reference(self, key: str, *, required: bool = False) -> Ref | None:
        """Member ``key`` (a FHIR Reference)."""
        node = self.child(key, required=required)
        return node.as_reference() if node else None

    def as_reference(self) -> Ref:
        """This node read as a FHIR Reference."""
        literal = self.string("reference")
        kind = self.string("type")
        if kind is None and literal and not literal.startswith(("urn:", "#")):
            parts = [part for part in literal.split("/_history/")[0].split("/") if part]
            kind = parts[-2] if len(parts) >= 2 else None
        ident = self.child("identifier")
        logical = None
        if ident is not None:
            system, value = ident.string("system"), ident.string("value")
            logical = (system, value) if system and value else None
        return Ref(literal, kind, self.path, logical)

    def codes(self, key: str, system: str) -> list[str]:
        """Codes of ``system`` in the CodeableConcept (or array of them) ``key``, in order."""
        found = []
        for concept in self.children(key):
            for coding in concept.children("coding"):
                if coding.string("system") == system:
                    found.append(coding.string("code", required=True) or "")
        return found

    def code(self, key: str, system: str, *, required: bool = False, what: str = "code") -> str | None:
        """The first code of ``system`` in ``key``."""
        found = self.codes(key, system)
        if not found:
            if required:
                raise RecordProblem(self.at(key), f"no {what} coded in {system}")
            return None
        return found[0]

    def extensions(self, url: str) -> list[Node]:
        """The extensions (or sub-extensions) with ``url``."""
        return [
            Node(ext.data, f"{self.path}.extension[{_label(url)}]")
            for ext in self.children("extension")
            if ext.data.get("url") == url
        ]

    def extension(self, url: str, *, required: bool = False) -> Node | None:
        """The one extension with ``url``; repeating it is an error."""
        found = self.extensions(url)
        if len(found) > 1:
            raise RecordProblem(found[1].path, "extension may appear only once")
        if not found:
            if required:
                raise RecordProblem(f"{self.path}.extension[{_label(url)}]", "required extension missing")
            return None
        return found[0]

    def value_key(self) -> str | None:
        """The ``value[x]`` member of an extension, if present."""
        keys = [key for key in self.data if _VALUE_KEY.fullmatch(key)]
        return keys[0] if keys else None

    def need_child(self, key: str) -> Node:
        """Member ``key``, which must be present."""
        node = self.child(key)
        if node is None:
            raise RecordProblem(self.at(key), "required element missing")
        return node

    def need_string(self, key: str) -> str:
        """Member ``key``, a string that must be present."""
        value = self.string(key)
        if value is None:
            raise RecordProblem(self.at(key), "required value missing")
        return value

    def need_date(self, key: str) -> dt.date:
        """Member ``key``, a date that must be present."""
        value = self.date(key)
        if value is None:
            raise RecordProblem(self.at(key), "required date missing")
        return value

    def need_datetime(self, key: str) -> dt.datetime:
        """Member ``key``, a date-time that must be present."""
        value = self.datetime(key)
        if value is None:
            raise RecordProblem(self.at(key), "required date missing")
        return value

    def need_code(self, key: str, system: str, what: str) -> str:
        """The first code of ``system`` in ``key``, which must be present."""
        value = self.code(key, system)
        if value is None:
            raise RecordProblem(self.at(key), f"no {what} coded in {system}")
        return value

    def ext_value(
        self, url: str, kinds: tuple[str, ...], *, required: bool = False
    ) -> tuple[Node, str] | None:
        """The extension ``url`` and the name of its ``value[x]``, which must be one of ``kinds``."""
        ext = self.extension(url, required=required)
        if ext is None:
            return None
        key = ext.value_key()
        if key is None:
            raise RecordProblem(ext.path, "extension has no value")
        if key not in kinds:
            raise RecordProblem(f"{ext.path}.{key}", f"expected {' or '.join(kinds)}")
        return ext, key

    def ext_date(self, url: str, *, required: bool = False) -> dt.date | None:
        """A date held in extension ``url`` (``valueDate`` or ``valueDateTime``)."""
        found = self.ext_value(url, ("valueDate", "valueDateTime"), required=required)
        return found[0].date(found[1]) if found else None

    def need_ext_date(self, url: str) -> dt.date:
        """A date held in extension ``url``, which must be present."""
        value = self.ext_date(url)
        if value is None:
            raise RecordProblem(f"{self.path}.extension[{_label(url)}]", "required date missing")
        return value

    def ext_datetime(self, url: str, *, required: bool = False) -> dt.datetime | None:
        """A date-time held in extension ``url``."""
        found = self.ext_value(url, ("valueDateTime", "valueDate"), required=required)
        return found[0].datetime(found[1]) if found else None

    def ext_boolean(self, url: str, *, required: bool = False) -> bool | None:
        """A boolean held in extension ``url``."""
        found = self.ext_value(url, ("valueBoolean",), required=required)
        return found[0].boolean(found[1]) if found else None

    def ext_integer(self, url: str, *, required: bool = False) -> int | None:
        """A whole number held in extension ``url``."""
        found = self.ext_value(
            url, ("valueInteger", "valueUnsignedInt", "valuePositiveInt"), required=required
        )
        return found[0].integer(found[1]) if found else None

    def ext_decimal(self, url: str, *, required: bool = False) -> float | None:
        """A number of zero or more held in extension ``url`` (``valueDecimal`` or a whole number)."""
        found = self.ext_value(
            url, ("valueDecimal", "valueInteger", "valueUnsignedInt", "valuePositiveInt"), required=required
        )
        if found is None:
            return None
        value = found[0].raw(found[1])
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise RecordProblem(found[0].at(found[1]), "expected a number of zero or more")
        return float(value)

    def ext_string(self, url: str, *, required: bool = False) -> str | None:
        """A string or code held in extension ``url``."""
        found = self.ext_value(url, ("valueString", "valueCode", "valueMarkdown"), required=required)
        return found[0].string(found[1], required=True) if found else None

    def ext_reference(self, url: str, *, required: bool = False) -> Ref | None:
        """A Reference held in extension ``url``."""
        found = self.ext_value(url, ("valueReference",), required=required)
        return found[0].reference(found[1], required=True) if found else None
