"""The outbox is keyed on what a target is (scheme, host, port, path, recipients), not on its secrets:
credentials can change and what was queued is still delivered, with the new credentials."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alert_support import LEGACY_SCHEMA, MailServer, Receiver, free_port

from mipr_rules.alerts.email import EmailNotifier
from mipr_rules.alerts.notify import Target, deliver
from mipr_rules.alerts.webhook import WebhookNotifier
from mipr_rules.delivery_policy import DeliveryPolicy
from mipr_rules.readiness import ReadinessReport
from mipr_rules.watch.store import SCHEMA_VERSION, STORE_KIND, AlertStore

Readiness = Callable[..., ReadinessReport]
WEBHOOK = WebhookNotifier(backoff=0.0, policy=DeliveryPolicy(allow_http=True, allow_hosts=("127.0.0.1",)))


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("webhook:https://hooks.example.org/mipr?token=OLD", "webhook:https://hooks.example.org/mipr?token=NEW"),
        ("webhook:https://u:OLD@hooks.example.org/mipr", "webhook:https://u:NEW@hooks.example.org:443/mipr"),
        ("webhook:https://Hooks.Example.org/mipr", "webhook:https://hooks.example.org/mipr"),
        (
            "email:smtp://mipr:OLD@mail.example.org:587?from=a@example.org&to=b@example.org,c@example.org",
            "email:smtp://mipr:NEW@mail.example.org:587?to=c@example.org&to=b@example.org&from=a@example.org&timeout=9",
        ),
        (
            "email:smtp://mail.example.org?from=a@example.org&to=b@example.org",
            "email:smtp://mail.example.org:25?from=x@example.org&to=b@example.org",
        ),
    ],
)
def test_credentials_and_settings_do_not_change_the_key(before: str, after: str) -> None:
    old, new = Target.parse(before), Target.parse(after)
    assert old.key == new.key
    assert "OLD" not in "".join(old.identity) and "NEW" not in "".join(new.identity)


@pytest.mark.parametrize(
    "other",
    [
        "webhook:http://hooks.example.org/mipr",
        "webhook:https://hooks.example.org:8443/mipr",
        "webhook:https://other.example.org/mipr",
        "webhook:https://hooks.example.org/another",
        "email:smtp://hooks.example.org/mipr",
    ],
)
def test_what_the_target_is_changes_the_key(other: str) -> None:
    assert Target.parse(other).key != Target.parse("webhook:https://hooks.example.org/mipr").key


def test_recipients_are_part_of_an_email_target() -> None:
    base = "email:smtp://mail.example.org?from=a@example.org&to="
    assert Target.parse(base + "b@example.org").key != Target.parse(base + "b@example.org,c@example.org").key


def test_changes_queued_under_an_old_token_are_delivered_with_the_new_one(
    readiness: Readiness, home: dict[str, Any], as_of: dt.date, tmp_path: Path
) -> None:
    port = free_port()
    old = Target.parse(f"webhook:http://127.0.0.1:{port}/hooks/mipr?token=OLD")
    new = Target.parse(f"webhook:http://127.0.0.1:{port}/hooks/mipr?token=NEW")
    with AlertStore(tmp_path / "alerts.db") as store:
        queued = store.apply(readiness(home, as_of=as_of), notify=[old])
        (failed,) = deliver(store, [old], {"webhook": WEBHOOK})  # nobody listens yet
        assert failed.pending == 1
        receiver = Receiver.start(port)
        try:
            (done,) = deliver(store, [new], {"webhook": WEBHOOK})
        finally:
            receiver.stop()
        assert (done.delivered, done.pending, store.pending()) == (1, 0, [])
    (request,) = receiver.requests
    assert request.path == "/hooks/mipr?token=NEW" and request.json()["id"] == queued.id


def test_changes_queued_under_old_smtp_credentials_are_sent_with_the_new_ones(
    readiness: Readiness, home: dict[str, Any], as_of: dt.date, tmp_path: Path, mail_server: MailServer
) -> None:
    query = "from=mipr@example.org&to=manager@example.org"
    old = Target.parse(f"email:smtp://mipr:OLD@127.0.0.1:{mail_server.port}?{query}")  # this server has no login
    new = Target.parse(f"email:smtp://127.0.0.1:{mail_server.port}?{query}&timeout=20")
    with AlertStore(tmp_path / "alerts.db") as store:
        queued = store.apply(readiness(home, as_of=as_of), notify=[old])
        (failed,) = deliver(store, [old], {"email": EmailNotifier()})
        assert failed.pending == 1 and not mail_server.messages
        (done,) = deliver(store, [new], {"email": EmailNotifier()})
        assert (done.delivered, done.pending, store.pending()) == (1, 0, [])
    (envelope,) = mail_server.messages
    assert f"<{queued.id}@mipr-rules.invalid>".encode() in envelope.content


def legacy_store(path: Path, *targets: Target) -> None:
    """A store as mipr-rules wrote it at schema version 1: outbox keys digest the whole target."""
    db = sqlite3.connect(path, isolation_level=None)
    for statement in LEGACY_SCHEMA[1]:
        db.execute(statement)
    db.execute("INSERT INTO store_info VALUES ('kind', ?)", (STORE_KIND,))
    for number, target in enumerate(targets):
        changes = f'{{"id": "queued-{number}"}}'
        db.execute(
            "INSERT INTO outbox (target_key, target_label, changes) VALUES (?, ?, ?)",
            (target.legacy_key, target.label, changes),
        )
    db.execute("PRAGMA user_version = 1")
    db.close()


def test_an_older_store_is_migrated_and_its_queue_kept(tmp_path: Path) -> None:
    kept = Target.parse("webhook:https://hooks.example.org/mipr?token=T0K3N")
    gone = Target.parse("webhook:https://old.example.org/mipr?token=OTHER")
    path = tmp_path / "alerts.db"
    legacy_store(path, kept, gone)
    with AlertStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION == 6
        assert store.pending(kept.key) == [], "not yet: a legacy key cannot be recomputed"
        assert store.pending_elsewhere([kept]) == 2, "legacy change sets are counted, never dropped"
        assert store.adopt_legacy([kept]) == 1
        (item,) = store.pending(kept.key)
        assert item.changes == '{"id": "queued-0"}'
        assert store.pending_elsewhere([kept]) == 1
        assert store.adopt_legacy([kept]) == 0
    with AlertStore(path) as again:
        assert len(again.pending(kept.key)) == 1 and again.schema_version == SCHEMA_VERSION


def test_deliver_adopts_an_older_stores_queue_for_the_same_target(
    readiness: Readiness, home: dict[str, Any], as_of: dt.date, tmp_path: Path, receiver: Receiver
) -> None:
    with AlertStore(tmp_path / "changes.db") as scratch:
        document = scratch.apply(readiness(home, as_of=as_of)).to_json()
    target = Target.parse(f"webhook:{receiver.url()}")
    path = tmp_path / "alerts.db"
    legacy_store(path, target)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("UPDATE outbox SET changes = ?", (document,))
    db.close()
    with AlertStore(path) as store:
        (done,) = deliver(store, [target], {"webhook": WEBHOOK})
        assert (done.delivered, done.pending, store.pending()) == (1, 0, [])
    (request,) = receiver.requests
    sent = request.json()
    assert sent.pop("idempotency_key") == request.headers["Idempotency-Key"]
    assert sent == {k: v for k, v in json.loads(document).items() if k != "idempotency_key"}


def test_one_target_given_twice_with_two_tokens_gets_each_change_set_once(
    readiness: Readiness, home: dict[str, Any], as_of: dt.date, tmp_path: Path, receiver: Receiver
) -> None:
    first = Target.parse(f"webhook:http://127.0.0.1:{receiver.port}/hook?token=ONE")
    second = Target.parse(f"webhook:http://127.0.0.1:{receiver.port}/hook?token=TWO")
    with AlertStore(tmp_path / "alerts.db") as store:
        queued = store.apply(readiness(home, as_of=as_of), notify=[first, second])
        assert len(store.pending()) == 1
        deliveries = deliver(store, [first, second], {"webhook": WEBHOOK})
        assert [d.delivered for d in deliveries] == [1]
    assert [r.json()["id"] for r in receiver.requests] == [queued.id]
