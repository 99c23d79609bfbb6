"""Continuous readiness: an alert store that tells news once, and notifiers that deliver it.

- the alert store (``mipr_rules.watch.store.AlertStore``) remembers alerts across checks; its ``apply(report)``
  gives ``AlertChanges``.
- ``notify``: the ``Notifier`` protocol (hook ``mipr_register_notifiers``), ``AlertChanges`` and delivery.
- ``webhook`` and ``email``: the built-in notifiers; ``policy.DeliveryPolicy``: where and how they may deliver.
- the watch service (``mipr_rules.watch.service``) runs checks; ``mipr watch`` is a thin command over it.
"""

from __future__ import annotations

from mipr_rules.alerts.notify import AlertChanges, AlertIdentity, DeliveryError, Notifier, StoredAlert, Target
from mipr_rules.delivery_policy import DeliveryPolicy

__all__ = [
    "AlertChanges",
    "AlertIdentity",
    "DeliveryError",
    "DeliveryPolicy",
    "Notifier",
    "StoredAlert",
    "Target",
]
