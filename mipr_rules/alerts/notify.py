"""Notifiers: the ``Notifier`` protocol, the optional hooks a notifier may define, and delivery from the outbox.

What notifiers receive (``AlertChanges``) and where they deliver (``Target``) is the alert data model in
``mipr_rules.alerts.model``, re-exported here for notifier authors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs

from mipr_rules.alerts.model import (
    CHANGES_KIND,
    CHANGES_VERSION,
    AlertChanges,
    AlertIdentity,
    CheckedLocation,
    DeliveryError,
    StoredAlert,
    Target,
    redact,
)
from mipr_rules.delivery_policy import DeliveryPolicy

__all__ = [
    "CHANGES_KIND",
    "CHANGES_VERSION",
    "AlertChanges",
    "AlertIdentity",
    "CheckedLocation",
    "Delivery",
    "DeliveryError",
    "Notifier",
    "StoredAlert",
    "Target",
    "configured",
    "deliver",
    "redact",
    "start_warnings",
    "validate_target",
]

if TYPE_CHECKING:
    from mipr_rules.watch.store import AlertStore

@runtime_checkable
class Notifier(Protocol):
    """Delivers alert changes to people or systems. Registered through ``mipr_register_notifiers``.

    A notifier may also define ``validate(target) -> None`` raising ``DeliveryError`` for a malformed
    target, so that ``mipr watch`` refuses it before its first check; ``warnings(target) -> list[str]``,
    lines shown once at start; and ``with_policy(policy: DeliveryPolicy) -> Notifier``, a copy that obeys
    the provider's ``notify:`` configuration and ``--allow-http``.
    """

    @property
    def name(self) -> str:
        """Short name used on the command line: ``mipr watch --notify NAME:TARGET``."""

    @property
    def description(self) -> str:
        """One line for ``mipr plugins``."""

    def send(self, changes: AlertChanges, target: str) -> None:
        """Deliver ``changes`` to ``target`` or raise ``DeliveryError`` (it is retried on the next cycle)."""
        ...


def validate_target(notifier: Notifier, target: str) -> None:
    """Call the notifier's optional ``validate(target)``."""
    validate = getattr(notifier, "validate", None)
    if callable(validate):
        validate(target)


def start_warnings(notifier: Notifier, target: str) -> list[str]:
    """The notifier's optional ``warnings(target)``: one line each, shown once when ``mipr watch`` starts."""
    warnings = getattr(notifier, "warnings", None)
    return [str(line).splitlines()[0] for line in warnings(target) if str(line)] if callable(warnings) else []


def configured(notifiers: Mapping[str, Notifier], policy: DeliveryPolicy) -> dict[str, Notifier]:
    """Each notifier under ``policy``, through its optional ``with_policy(policy)`` (others unchanged)."""
    out = {}
    for name, notifier in notifiers.items():
        with_policy = getattr(notifier, "with_policy", None)
        out[name] = with_policy(policy) if callable(with_policy) else notifier
    return out


@attrs.frozen
class Delivery:
    """What one delivery round did for one target."""

    target: str
    """The target's label (no secrets)."""
    delivered: int = 0
    """Change sets delivered in this round."""
    pending: int = 0
    """Change sets still waiting in the outbox for this target."""
    error: str | None = None
    """Why the first undelivered change set failed, if one did."""

    def as_dict(self) -> dict[str, Any]:
        """``{"target", "delivered", "pending", "error"}``."""
        return attrs.asdict(self)


def deliver(
    store: AlertStore,
    targets: Sequence[Target],
    notifiers: Mapping[str, Notifier],
    *,
    worker: str | None = None,
    at: dt.datetime | None = None,
) -> list[Delivery]:
    """Send every notification waiting in the outbox for ``targets``, oldest first.

    The items are first claimed for ``worker`` (a lease, see ``AlertStore.claim``), so that watchers sharing
    a store never send the same item at once. Each is sent with its idempotency key. A target stops at its
    first failure, so that its receiver sees notifications in order; what failed stays in the outbox (with
    the error and the attempt counted) for the next round. Nothing is dropped.
    """
    import uuid

    out = []
    store.adopt_legacy(targets)
    worker = worker or uuid.uuid4().hex
    now = at or dt.datetime.now(dt.timezone.utc)  # the caller's clock when it has one
    seen: set[str] = set()
    for target in targets:
        if target.key in seen:  # the same target twice (say, with two tokens): its queue is sent once
            continue
        seen.add(target.key)
        notifier = notifiers[target.notifier]
        waiting = store.claim(target.key, worker, at=now)
        sent, error = 0, None
        for item in waiting:
            try:
                changes = attrs.evolve(AlertChanges.from_json(item.changes), idempotency_key=item.idempotency_key)
                notifier.send(changes, target.target)
            except Exception as exc:  # a plugin's failure must not stop the watcher; it is recorded and retried
                error = str(exc) if isinstance(exc, DeliveryError) else f"{type(exc).__name__}: {exc}"
                error = error.splitlines()[0] if error else type(exc).__name__
                store.delivery_failed(item.id, error)
                break
            store.delivered(item.id)
            sent += 1
        if error is not None:
            store.release(worker)
        left = len(store.pending(target.key))
        out.append(Delivery(target.label, sent, left, error))
    return out
