"""The ``teams`` notifier: the core webhook notifier's safe delivery, with an Adaptive Card as the body."""

from __future__ import annotations

import json

import attrs

from mipr_rules.alerts.model import AlertChanges
from mipr_rules.alerts.webhook import EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookNotifier
from mipr_rules_notifier_teams.card import message


@attrs.frozen
class TeamsNotifier(WebhookNotifier):
    """Posts alert changes as an Adaptive Card to a Teams workflow webhook URL (``teams:https://…``).

    Delivery is the webhook notifier's: https only (unless ``--allow-http``), public addresses only (unless the
    provider configuration allows a host), one deadline per attempt, 5xx retried, the outbox keeps what failed.
    The workflow URL carries its own signature (``sig=`` in the query), so requests are not HMAC-signed; the URL
    is a secret and is never shown beyond its scheme and host.
    """

    name: str = "teams"
    description: str = "Microsoft Teams: an Adaptive Card per change set, posted to a Teams workflow webhook URL"

    def body(self, changes: AlertChanges) -> bytes:
        """The ``message`` with the Adaptive Card, as UTF-8 JSON."""
        return json.dumps(message(changes), ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def warnings(self, target: str) -> list[str]:
        """None: the workflow URL is itself the credential (no shared secret to set)."""
        return []

    def headers(self, changes: AlertChanges, body: bytes, target: str) -> dict[str, str]:
        """The webhook notifier's headers (JSON, user agent, the change set's id, the same on every retry) without
        its signature: the workflow URL is the credential."""
        headers = WebhookNotifier.headers(self, changes, body, target)
        for name in (EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER):
            headers.pop(name, None)
        return headers
