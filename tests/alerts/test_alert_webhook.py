"""The webhook notifier against a real HTTP server on 127.0.0.1: contract, signature, retries, outbox.

The receiver is on loopback over plain http, which the notifier refuses by default: these tests allow it
the way a provider does, with ``notify: {allow_hosts: [127.0.0.1]}`` in provider.yaml and ``--allow-http``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from alert_support import Receiver, fix_care_plan_review

from mipr_rules.alerts import AlertChanges, AlertStore, DeliveryError
from mipr_rules.alerts.notify import Target, deliver
from mipr_rules.alerts.webhook import (
    DELIVERY_HEADER,
    REPLAY_TOLERANCE,
    SECRET_ENV,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookNotifier,
    sign,
    verify_signature,
)
from mipr_rules.config import load_config
from mipr_rules.readiness import ReadinessReport

Readiness = Callable[..., ReadinessReport]
DOC = Path(__file__).parents[2] / "docs" / "commands" / "watch.md"


@pytest.fixture(scope="module")
def loopback(tmp_path_factory: pytest.TempPathFactory) -> WebhookNotifier:
    """The webhook notifier as ``mipr watch --allow-http --config provider.yaml`` configures it for loopback."""
    provider = tmp_path_factory.mktemp("provider") / "provider.yaml"
    provider.write_text("notify:\n  allow_hosts: [127.0.0.1]\n")
    policy = attrs.evolve(load_config(provider).notify, allow_http=True)
    return WebhookNotifier(backoff=0.0).with_policy(policy)


@pytest.fixture
def changes(readiness: Readiness, home: dict[str, Any], as_of: dt.date, tmp_path: Path) -> AlertChanges:
    """The first check of the sample home: every planted gap is new."""
    with AlertStore(tmp_path / "changes.db") as store:
        return store.apply(readiness(home, as_of=as_of))


def test_posts_the_documented_json_contract(
    changes: AlertChanges, receiver: Receiver, loopback: WebhookNotifier
) -> None:
    loopback.send(changes, receiver.url())
    (request,) = receiver.requests
    assert request.path == "/hooks/mipr?token=s3cret"
    assert request.headers["Content-Type"].startswith("application/json")
    assert request.headers[DELIVERY_HEADER] == changes.id
    body = request.json()
    documented = json.loads(re.search(r"```json\n(.*?)\n```", DOC.read_text(), re.S).group(1))  # type: ignore[union-attr]
    assert set(body) == set(documented)
    assert set(body["new"][0]) == set(documented["new"][0])
    assert body["kind"] == "alert_changes" and body["summary"] == {"new": 23, "ongoing": 0, "resolved": 0}
    assert AlertChanges.from_dict(body) == changes


SECRET = "correct horse battery staple"


def test_signature_covers_timestamp_and_body_and_verifies_with_the_shared_secret(
    changes: AlertChanges, receiver: Receiver, loopback: WebhookNotifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    loopback.send(changes, receiver.url())
    (request,) = receiver.requests
    header, stamp = request.headers[SIGNATURE_HEADER], request.headers[TIMESTAMP_HEADER]
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert abs(int(stamp) - time.time()) < 120
    assert header == sign(request.body, SECRET, int(stamp))
    assert verify_signature(request.body, request.headers, SECRET)
    lowered = {k.lower(): v for k, v in request.headers.items()}
    assert verify_signature(request.body, lowered, SECRET), "header names in any case"
    assert not verify_signature(request.body, request.headers, "another secret")
    assert not verify_signature(request.body + b" ", request.headers, SECRET)
    moved = {**request.headers, TIMESTAMP_HEADER: str(int(stamp) + 1)}
    assert not verify_signature(request.body, moved, SECRET), "the timestamp is signed"
    assert not verify_signature(request.body, {SIGNATURE_HEADER: header}, SECRET), "no timestamp, no trust"


def test_a_replayed_request_is_refused_after_the_tolerance(
    changes: AlertChanges, receiver: Receiver, loopback: WebhookNotifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    loopback.send(changes, receiver.url())
    (request,) = receiver.requests
    sent = int(request.headers[TIMESTAMP_HEADER])
    assert verify_signature(request.body, request.headers, SECRET, now=sent + REPLAY_TOLERANCE)
    assert not verify_signature(request.body, request.headers, SECRET, now=sent + REPLAY_TOLERANCE + 1)
    assert not verify_signature(request.body, request.headers, SECRET, now=sent - REPLAY_TOLERANCE - 1)
    assert verify_signature(request.body, request.headers, SECRET, now=sent + 30, tolerance=60)
    assert REPLAY_TOLERANCE == 300, "the documented tolerance (docs/commands/watch.md)"


def test_no_signature_without_a_secret_and_a_warning_says_so(
    changes: AlertChanges, receiver: Receiver, loopback: WebhookNotifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    loopback.send(changes, receiver.url())
    assert SIGNATURE_HEADER not in receiver.requests[0].headers
    assert TIMESTAMP_HEADER not in receiver.requests[0].headers
    (warning,) = loopback.warnings(receiver.url())
    assert SECRET_ENV in warning and "not signed" in warning and "s3cret" not in warning
    monkeypatch.setenv(SECRET_ENV, SECRET)
    assert loopback.warnings(receiver.url()) == []


def test_server_errors_are_retried_within_the_cycle(
    changes: AlertChanges, receiver: Receiver, loopback: WebhookNotifier
) -> None:
    receiver.statuses = [503, 502]
    loopback.send(changes, receiver.url())
    assert [r.status for r in receiver.requests] == [503, 502, 200]
    assert len({r.headers[DELIVERY_HEADER] for r in receiver.requests}) == 1, "one id for every attempt"


def test_persistent_server_errors_fail_naming_the_host_only(
    changes: AlertChanges, receiver: Receiver, loopback: WebhookNotifier
) -> None:
    receiver.statuses = [500, 500, 500]
    with pytest.raises(DeliveryError) as info:
        loopback.send(changes, receiver.url())
    message = str(info.value)
    assert f"127.0.0.1:{receiver.port}" in message and "HTTP 500" in message and "3 attempt" in message
    assert "s3cret" not in message and "hooks" not in message


def test_client_errors_are_not_retried(changes: AlertChanges, receiver: Receiver, loopback: WebhookNotifier) -> None:
    receiver.statuses = [404]
    with pytest.raises(DeliveryError, match="HTTP 404"):
        loopback.send(changes, receiver.url())
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://example.org/x", "example.org/hook", "http://"])
def test_only_http_urls_are_accepted(target: str, loopback: WebhookNotifier) -> None:
    with pytest.raises(DeliveryError, match="http"):
        loopback.validate(target)


def test_outbox_keeps_changes_until_the_server_is_back(
    readiness: Readiness, home: dict[str, Any], as_of: dt.date, tmp_path: Path, loopback: WebhookNotifier
) -> None:
    down = Receiver.start()
    port = down.port
    down.stop()
    target = Target.parse(f"webhook:http://127.0.0.1:{port}/hook")
    notifiers = {"webhook": loopback}
    with AlertStore(tmp_path / "alerts.db") as store:
        first = store.apply(readiness(home, as_of=as_of), notify=[target])
        (failed,) = deliver(store, [target], notifiers)
        assert failed.delivered == 0 and failed.pending == 1 and "cannot connect" in (failed.error or "")
        assert store.pending(target.key)[0].attempts == 1

        fix_care_plan_review(home, as_of)
        second = store.apply(readiness(home, as_of=as_of + dt.timedelta(days=1)), notify=[target])
        up = Receiver.start(port)
        try:
            (done,) = deliver(store, [target], notifiers)
        finally:
            up.stop()
        assert done.delivered == 2 and done.pending == 0 and done.error is None
        assert [r.json()["id"] for r in up.requests] == [first.id, second.id], "in order, nothing lost"
        assert up.requests[1].json()["summary"] == {"new": 0, "ongoing": 22, "resolved": 1}
        assert store.pending() == []
