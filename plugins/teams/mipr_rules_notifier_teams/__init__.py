"""mipr-rules notifier ``teams``: alert changes as an Adaptive Card, posted to a Microsoft Teams workflow webhook.

``mipr watch --notify teams:https://prod-00.uksouth.logic.azure.com/workflows/…``: the URL of a Teams workflow
("Post to a channel when a webhook request is received"). Registered through the ``mipr_rules`` entry point.
"""

from __future__ import annotations

from typing import Any

from mipr_rules import hookimpl
from mipr_rules_notifier_teams.card import MAX_ALERTS, adaptive_card, message
from mipr_rules_notifier_teams.notifier import TeamsNotifier

__all__ = ["MAX_ALERTS", "TeamsNotifier", "adaptive_card", "message", "mipr_register_notifiers"]


@hookimpl
def mipr_register_notifiers(register: Any) -> None:
    """Register the ``teams`` notifier."""
    register(TeamsNotifier())
