"""The ``teams`` notifier, installed as a plugin, against a real HTTP receiver on 127.0.0.1.

The receiver is on loopback over plain http, which notifiers refuse by default; the tests allow it as a provider
would (``notify: {allow_hosts: [127.0.0.1]}`` and ``--allow-http``).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import Receiver

from mipr_rules import plugins
from mipr_rules.alerts.model import AlertChanges, AlertIdentity, CheckedLocation, DeliveryError, StoredAlert
from mipr_rules.alerts.webhook import SECRET_ENV
from mipr_rules.delivery_policy import DeliveryPolicy
from mipr_rules.samples import sample_as_of, sample_path
from mipr_rules_cli.cli import cli
from mipr_rules_notifier_teams import MAX_ALERTS, TeamsNotifier, adaptive_card

LOOPBACK = DeliveryPolicy(allow_http=True, allow_hosts=("127.0.0.1",))


def texts(card: dict[str, object]) -> str:
    """Every string in the card, for looking things up."""
    return json.dumps(card, ensure_ascii=False)


def watch(tmp_path: Path, receiver: Receiver, as_of: dt.date) -> Result:
    provider = tmp_path / "provider.yaml"
    provider.write_text("notify:\n  allow_hosts: [127.0.0.1]\n")
    return CliRunner().invoke(cli, [
        "watch", "--source", str(sample_path()), "--store", str(tmp_path / "alerts.db"), "--as-of", as_of.isoformat(),
        "--once", "--config", str(provider), "--allow-http", "--notify", f"teams:{receiver.url()}",
    ])  # fmt: skip


def test_the_plugin_is_registered_through_its_entry_point() -> None:
    found = plugins.notifiers(plugins.plugin_manager())
    assert isinstance(found["teams"], TeamsNotifier)


def test_mipr_watch_posts_an_adaptive_card_to_the_workflow(
    tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, "a webhook secret")  # set for webhooks; a Teams workflow gets no signature
    result = watch(tmp_path, receiver, sample_as_of())
    assert result.exit_code == 0, result.output
    assert "SECRETSIGNATURE" not in result.output and "/workflows/" not in result.output, "the URL is a secret"
    assert len(receiver.requests) == 1
    path, headers, _ = receiver.requests[0]
    assert path.endswith("sig=SECRETSIGNATURE")
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert "X-Mipr-Delivery" in headers and "X-Mipr-Signature" not in headers
    sent = receiver.json()
    assert sent["type"] == "message"
    (attachment,) = sent["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    shown = texts(card)
    assert f"as of {sample_as_of():%d %B %Y}" in shown
    assert "New (" in shown and "care_plan_review_overdue" in shown
    assert "person:R07/care_plan:CP-R07" in shown, "records are named by pseudonymous keys"

    again = watch(tmp_path, receiver, sample_as_of() + dt.timedelta(days=1))
    assert again.exit_code == 0, again.output
    assert len(receiver.requests) == 1, "nothing new or resolved: nothing posted"


def changes(new: int, failed: int = 0) -> AlertChanges:
    day = dt.date(2026, 11, 2)
    alerts = tuple(
        StoredAlert(AlertIdentity("1-000000001", "cqc-readiness", "care_plan_review_overdue", f"person:R{i:02}"),
                    "2.0.0", "high", "Care plan review overdue", f"Care plan not reviewed for {40 + i} days",
                    {"days": 40 + i}, {"quality_statement": "person_centred_care",
                                       "source": {"title": "Regulation 9"}}, day, day)
        for i in range(new)
    )
    locations = [CheckedLocation("1-000000001", "Sunrise House")]
    locations += [CheckedLocation(f"1-00000000{9 - i}", f"Home {i}", "engine worker died") for i in range(failed)]
    return AlertChanges("c-1", day, "cqc-readiness", "2.0.0", tuple(locations), new=alerts)


def test_locations_not_evaluated_come_first_and_long_lists_are_counted() -> None:
    card = adaptive_card(changes(MAX_ALERTS + 5, failed=2))
    first = card["body"][2]
    assert "2 location(s) not evaluated" in first["text"]
    shown = texts(card)
    assert shown.index("not evaluated") < shown.index(f"New ({MAX_ALERTS + 5})")
    assert "… and 5 more" in shown
    assert shown.count("care_plan_review_overdue") == MAX_ALERTS


def test_a_refusal_is_a_delivery_error_naming_the_host_only(receiver: Receiver) -> None:
    receiver.statuses.append(400)
    with pytest.raises(DeliveryError) as raised:
        TeamsNotifier(backoff=0.0).with_policy(LOOPBACK).send(changes(1), receiver.url())
    message = str(raised.value)
    assert message.startswith(f"teams http://127.0.0.1:{receiver.port}/…: HTTP 400")
    assert "SECRETSIGNATURE" not in message


def test_a_server_error_is_retried_within_the_cycle(receiver: Receiver) -> None:
    receiver.statuses.append(503)
    TeamsNotifier(backoff=0.0).with_policy(LOOPBACK).send(changes(1), receiver.url())
    assert len(receiver.requests) == 2
    assert receiver.requests[0][2] == receiver.requests[1][2], "the same card, the same delivery id"


def test_plain_http_and_private_hosts_are_refused_by_default() -> None:
    with pytest.raises(DeliveryError, match=r"^teams http://127\.0\.0\.1:9/…: plain http:// is refused"):
        TeamsNotifier().validate("http://127.0.0.1:9/workflows/x?sig=s")
    with pytest.raises(DeliveryError, match=r"^teams https://10\.0\.0\.1"):
        TeamsNotifier().validate("https://10.0.0.1/workflows/x?sig=s")
