"""The ``fhir`` adapter: a FHIR R4 Bundle file or a FHIR R4 server → canonical ``Location``."""

from __future__ import annotations

from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from mipr_rules.adapters.base import ReadContext
    from mipr_rules.model import Location


def _version() -> str:
    try:
        return version("mipr-rules-adapter-fhir")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0.0.0+source"


@attrs.frozen
class FhirAdapter:
    """Reads FHIR R4 (4.0.1) / UK Core resources: a Bundle JSON file, or a server's search results."""

    name: str = "fhir"
    version: str = attrs.field(factory=_version)
    description: str = "FHIR R4 / UK Core: a Bundle JSON file or a FHIR server base URL (paged searches)"
    accepts: tuple[str, ...] = (
        "*.json FHIR R4 Bundle (searchset, collection, transaction)",
        "http(s)://host/fhir FHIR R4 server base URL",
    )

    def read(self, source: str, context: ReadContext) -> Iterable[Location]:
        """The location held by ``source``; bad records go through ``context.problem``."""
        # Imported here: registering the adapter (every mipr command) does not load the FHIR client.
        from mipr_rules_adapter_fhir.bundle_file import file_entries
        from mipr_rules_adapter_fhir.reader import read_location
        from mipr_rules_adapter_fhir.server import is_server_url, server_entries

        entries = server_entries(source, context) if is_server_url(source) else file_entries(source, context)
        return read_location(entries, source, context)
