"""Continuous readiness: an alert store that tells news once, and notifiers that deliver it.

- ``store.AlertStore``: remembers alerts across checks; ``apply(report)`` gives ``AlertChanges``.
- ``notify``: the ``Notifier`` protocol (hook ``mipr_register_notifiers``), ``AlertChanges`` and delivery.
- ``webhook`` and ``email``: the built-in notifiers; ``policy.DeliveryPolicy``: where and how they may deliver.
- ``mipr watch`` (``mipr_rules.commands.watch``) runs checks once or on an interval.
"""

from __future__ import annotations

from mipr_rules.alerts.notify import AlertChanges, AlertIdentity, DeliveryError, Notifier, StoredAlert, Target
from mipr_rules.alerts.policy import DeliveryPolicy
from mipr_rules.alerts.store import AlertStore

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
