"""mipr-rules adapter for CQC public API location records (``--adapter cqc``).

Reads the JSON of ``GET /locations/{locationId}`` from a file, a folder, a JSON array or the live API at
``https://api.service.cqc.org.uk/public/v1`` into the canonical model, through ``mipr_rules.cqc_api``.
Registered through the ``mipr_rules`` entry-point group.
"""

from __future__ import annotations

from typing import Any

import mipr_rules
from mipr_rules_adapter_cqc.adapter import KEY_ENV, CqcAdapter
from mipr_rules_adapter_cqc.client import CqcApiClient, CqcApiError
from mipr_rules_adapter_cqc.coverage import COVERED_FIELDS, cqc_covered
from mipr_rules_adapter_cqc.version import __version__

__all__ = [
    "COVERED_FIELDS",
    "KEY_ENV",
    "CqcAdapter",
    "CqcApiClient",
    "CqcApiError",
    "__version__",
    "cqc_covered",
    "mipr_change_feed",
    "mipr_register_adapters",
]


@mipr_rules.hookimpl
def mipr_register_adapters(register: Any) -> None:
    """Register the ``cqc`` adapter."""
    register(CqcAdapter())


@mipr_rules.hookimpl
def mipr_change_feed(adapter: Any, source: str, options: Any) -> Any:
    """The ``cqc`` adapter's change feed on the live API (``/changes/location``); none for files."""
    from mipr_rules_adapter_cqc.api_source import is_api_url

    if not isinstance(adapter, CqcAdapter) or not is_api_url(source):
        return None
    from mipr_rules_adapter_cqc.feed import CqcChangeFeed

    return CqcChangeFeed(adapter, source, options)
