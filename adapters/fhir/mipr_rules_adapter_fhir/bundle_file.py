"""Reading a FHIR Bundle JSON file (searchset, collection or transaction)."""

from __future__ import annotations

from pathlib import Path

from mipr_rules.adapters.base import ReadContext
from mipr_rules.loading import parse_json, read_text
from mipr_rules_adapter_fhir.entries import Entry, bundle_entries


def file_entries(source: str, context: ReadContext) -> list[Entry]:
    """Every resource in the Bundle file ``source``."""
    path = Path(source)
    bundle = parse_json(read_text(path), source)
    return list(bundle_entries(bundle, source, context))
