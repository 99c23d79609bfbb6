"""Resources as read from a source, each knowing where it came from, and the Bundles they arrive in."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from mipr_rules.adapters.base import ReadContext
from mipr_rules.errors import InputError

_TYPE_NAME = re.compile(r"[A-Z][A-Za-z]{1,63}")
_NHS_NUMBER_SHAPE = re.compile(r"\d{3}[ -]?\d{3}[ -]?\d{4}")


def _shown_id(rid: str) -> str:
    """A resource id as messages show it: withheld if it looks like an NHS number (some systems use them)."""
    return "(id withheld)" if _NHS_NUMBER_SHAPE.fullmatch(rid) else rid


BUNDLE_TYPES = ("searchset", "collection", "transaction", "batch", "document")
"""Bundle types read as a set of records (history and message bundles are not)."""


@attrs.frozen
class Entry:
    """One resource of the source."""

    where: str
    """Where it is, for messages: ``bundle.json: entry[12] (CarePlan/abc)``."""
    resource_type: str
    """Its ``resourceType``."""
    id: str | None
    """Its logical id."""
    full_url: str | None
    """``Bundle.entry.fullUrl`` (references may use it, e.g. ``urn:uuid:…`` in transactions)."""
    resource: Mapping[str, Any]
    """The resource's JSON."""

    @property
    def key(self) -> str | None:
        """``Type/id``, the usual form of a reference to it."""
        return f"{self.resource_type}/{self.id}" if self.id else None


def bundle_entries(
    bundle: Any, origin: str, context: ReadContext, *, expect: str | None = None
) -> Iterator[Entry]:
    """The resources of one Bundle; ``origin`` names the file or page, ``expect`` the searched type.

    A broken envelope (not a Bundle, wrong type) is an ``InputError``; a broken entry is a record problem.
    Entries without a resource (a transaction's DELETE) and search outcomes (OperationOutcome) are not
    records and are passed over.
    """
    if not isinstance(bundle, Mapping) or bundle.get("resourceType") != "Bundle":
        kind = bundle.get("resourceType") if isinstance(bundle, Mapping) else None
        shown = kind if isinstance(kind, str) and _TYPE_NAME.fullmatch(kind) else "something else"
        raise InputError(f"{origin}: expected a FHIR Bundle, got {shown}")
    bundle_type = bundle.get("type")
    if bundle_type not in BUNDLE_TYPES:
        raise InputError(f"{origin}: Bundle.type must be one of {', '.join(BUNDLE_TYPES)}")
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise InputError(f"{origin}: Bundle.entry must be an array")
    for index, item in enumerate(entries):
        where = f"{origin}: entry[{index}]"
        if not isinstance(item, Mapping):
            context.problem(where, "expected a JSON object")
            continue
        resource = item.get("resource")
        if resource is None:
            continue
        search = item.get("search")
        mode = search.get("mode") if isinstance(search, Mapping) else None
        if mode == "outcome" or (expect is not None and mode == "include"):
            continue  # outcomes are not records; a search's includes are read by their own search
        if not isinstance(resource, Mapping) or not isinstance(resource.get("resourceType"), str):
            context.problem(f"{where} .resource", "expected a FHIR resource with a resourceType")
            continue
        resource_type = resource["resourceType"]
        if resource_type == "OperationOutcome":
            continue
        rid = resource.get("id")
        rid = rid if isinstance(rid, str) and rid else None
        full_url = item.get("fullUrl") if isinstance(item.get("fullUrl"), str) else None
        label = f"{resource_type}/{_shown_id(rid)}" if rid else resource_type
        entry = Entry(f"{where} ({label})", resource_type, rid, full_url, resource)
        if expect is not None and resource_type != expect:
            context.problem(f"{entry.where} .resourceType", f"expected {expect} in a {expect} search")
            continue
        yield entry
