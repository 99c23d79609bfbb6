"""Continuous readiness: an alert store that tells news once, and notifiers that deliver it.

- ``store.AlertStore``: remembers alerts across checks; ``apply(report)`` gives ``AlertChanges``.
- ``notify``: the ``Notifier`` protocol (hook ``mipr_register_notifiers``), ``AlertChanges`` and delivery.
- ``webhook`` and ``email``: the built-in notifiers; ``policy.DeliveryPolicy``: where and how they may deliver.
- ``mipr watch`` (``mipr_rules.commands.watch``) runs checks once or on an interval.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mipr_rules.alerts.notify import AlertChanges, AlertIdentity, DeliveryError, Notifier, StoredAlert, Target
from mipr_rules.alerts.policy import DeliveryPolicy

if TYPE_CHECKING:
    from mipr_rules.alerts.store import AlertStore


def __getattr__(name: str) -> Any:
    """``AlertStore`` on first use: the store (and sqlite3) stays out of runs that only read the policy."""
    if name == "AlertStore":
        from mipr_rules.alerts.store import AlertStore

        return AlertStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AlertChanges",
    "AlertIdentity",
    "AlertStore",
    "DeliveryError",
    "DeliveryPolicy",
    "Notifier",
    "StoredAlert",
    "Target",
]
