"""mipr-rules adapter for FHIR R4 (4.0.1) / UK Core: Bundle files and FHIR servers.

Registered through the ``mipr_rules`` entry point as the ``fhir`` adapter; README.md has the mapping.
"""

from __future__ import annotations

from typing import Any

import mipr_rules
from mipr_rules_adapter_fhir.adapter import FhirAdapter

__all__ = ["FhirAdapter", "mipr_change_feed", "mipr_register_adapters"]


@mipr_rules.hookimpl
def mipr_register_adapters(register: Any) -> None:
    """Register the ``fhir`` adapter."""
    register(FhirAdapter())


@mipr_rules.hookimpl
def mipr_change_feed(adapter: Any, source: str, options: Any) -> Any:
    """The ``fhir`` adapter's change feed on a server (``_lastUpdated`` polling); none for Bundle files."""
    from mipr_rules_adapter_fhir.server import is_server_url

    if not isinstance(adapter, FhirAdapter) or not is_server_url(source):
        return None
    from mipr_rules_adapter_fhir.feed import FhirChangeFeed

    return FhirChangeFeed(adapter, source, options)
