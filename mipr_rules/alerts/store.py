"""The alert store (kept here for imports written before it moved to ``mipr_rules.watch.store``)."""

from __future__ import annotations

from mipr_rules.watch.store import SCHEMA_VERSION, STORE_KIND, AlertStore, OutboxItem

__all__ = ["SCHEMA_VERSION", "STORE_KIND", "AlertStore", "OutboxItem"]
