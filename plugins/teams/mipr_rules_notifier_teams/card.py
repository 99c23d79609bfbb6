"""The Adaptive Card of one set of alert changes, wrapped as the message a Teams workflow webhook takes.

The envelope is ``{"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
"contentUrl": null, "content": CARD}]}`` (Microsoft Learn, "Create and send messages": Workflows accept Adaptive
Cards only). The card uses schema version 1.4 and only ``TextBlock``, ``FactSet`` and ``Container`` elements, which
Teams renders everywhere. Like every notifier it names records by pseudonymous keys only, never people.
"""

from __future__ import annotations

from typing import Any

from mipr_rules.alerts.model import AlertChanges, StoredAlert

CARD_VERSION = "1.4"
"""Adaptive Card schema version of the card (the highest Teams renders on every client)."""
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
MAX_ALERTS = 20
"""Alerts listed per section (new, resolved); the rest are counted, so that the card stays within Teams' 28 KB."""
_COLOUR = {"critical": "Attention", "high": "Attention", "medium": "Warning", "low": "Accent", "info": "Default"}


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _alert(alert: StoredAlert, changes: AlertChanges) -> dict[str, Any]:
    where = changes.location_name(alert.identity.location_id)
    statement = alert.detail.get("quality_statement")
    source = alert.detail.get("source") or {}
    facts = [
        {"title": "Severity", "value": alert.severity},
        {"title": "Location", "value": where},
        {"title": "Record", "value": alert.identity.subject},
        {"title": "Rule", "value": f"{alert.identity.rule_id} ({alert.identity.ruleset_id} {alert.ruleset_version})"},
    ]
    if statement:
        facts.append({"title": "Quality statement", "value": str(statement)})
    if source.get("title"):
        facts.append({"title": "Source", "value": str(source["title"])})
    return {
        "type": "Container",
        "separator": True,
        "items": [
            _text(f"**{alert.title}** ({alert.alert_id})", color=_COLOUR.get(alert.severity, "Default")),
            _text(alert.message, isSubtle=True, spacing="None"),
            {"type": "FactSet", "facts": facts},
        ],
    }


def _section(title: str, alerts: tuple[StoredAlert, ...], changes: AlertChanges) -> list[dict[str, Any]]:
    if not alerts:
        return []
    shown = alerts[:MAX_ALERTS]
    out = [_text(f"{title} ({len(alerts)})", weight="Bolder", size="Medium", spacing="Large")]
    out += [_alert(a, changes) for a in shown]
    if len(alerts) > len(shown):
        out.append(_text(f"… and {len(alerts) - len(shown)} more (mipr alerts list shows them all)", isSubtle=True))
    return out


def adaptive_card(changes: AlertChanges) -> dict[str, Any]:
    """The Adaptive Card of ``changes``: a summary, the locations not evaluated first, then new and resolved."""
    counts = changes.counts()
    body: list[dict[str, Any]] = [
        _text(f"CQC readiness alerts as of {changes.as_of:%d %B %Y}", weight="Bolder", size="Large"),
        _text(f"{changes.ruleset_id} {changes.ruleset_version} · {counts['new']} new, {counts['resolved']} resolved, "
              f"{counts['ongoing']} still open", isSubtle=True, spacing="None"),
    ]
    failed = changes.not_evaluated
    if failed:  # no silent all-clear: what was not evaluated comes first
        body.append(_text(f"{len(failed)} location(s) not evaluated; their alerts were left as they were:",
                          color="Attention", weight="Bolder"))
        body.append({"type": "FactSet", "facts": [{"title": loc.name or loc.location_id, "value": loc.error or ""}
                                                  for loc in failed[:MAX_ALERTS]]})
    body += _section("New", changes.new, changes)
    body += _section("Resolved", changes.resolved, changes)
    if not changes.new and not changes.resolved and not failed:
        body.append(_text("No change since the last check."))
    return {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "msteams": {"width": "Full"},
        "body": body,
    }


def message(changes: AlertChanges) -> dict[str, Any]:
    """What is POSTed to the workflow URL: the card inside a ``message`` with one attachment."""
    return {
        "type": "message",
        "attachments": [{"contentType": CONTENT_TYPE, "contentUrl": None, "content": adaptive_card(changes)}],
    }
