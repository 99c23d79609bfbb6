"""mipr-rules adapter for FHIR R4 (4.0.1) / UK Core: Bundle files and FHIR servers.

Registered through the ``mipr_rules`` entry point as the ``fhir`` adapter; README.md has the mapping.
"""

from __future__ import annotations

from typing import Any

import mipr_rules
from mipr_rules_adapter_fhir.adapter import FhirAdapter

__all__ = ["FhirAdapter", "mipr_register_adapters"]


@mipr_rules.hookimpl
def mipr_register_adapters(register: Any) -> None:
    """Register the ``fhir`` adapter."""
    register(FhirAdapter())
