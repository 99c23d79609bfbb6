"""Continuous readiness: an alert store that tells news once, and notifiers that deliver it.

- ``AlertStore`` (``mipr_rules.watch.store``): remembers alerts across checks; ``apply(report)`` gives
  ``AlertChanges`` (imported on first use: the store imports this package's ``notify``).
- ``notify``: the ``Notifier`` protocol (hook ``mipr_register_notifiers``), ``AlertChanges`` and delivery.
- ``webhook`` and ``email``: the built-in notifiers; ``policy.DeliveryPolicy``: where and how they may deliver.
- the watch service (``mipr_rules.watch.service``) runs checks; ``mipr watch`` is a thin command over it.
"""

from __future__ import annotations

from typing import Any

from mipr_rules.alerts.notify import AlertChanges, AlertIdentity, DeliveryError, Notifier, StoredAlert, Target
from mipr_rules.alerts.policy import DeliveryPolicy

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


def __getattr__(name: str) -> Any:
    if name == "AlertStore":
        from mipr_rules.watch.store import AlertStore

        return AlertStore
    raise AttributeError(name)
