"""The alert lifecycle through real receivers: escalation by email (aiosmtpd) of unacknowledged alerts after the
configured time, snoozed alerts left alone until their date, and one daily digest per target over HTTP instead
of one message per change. The service's clock is an input: each check is given its time."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from alert_support import MailServer, Receiver, fix_care_plan_review, run_mipr, second_home, write_source
from watch_support import Clock

from mipr_rules import plugins
from mipr_rules.adapters.file_adapter import FileAdapter
from mipr_rules.alerts.notify import configured
from mipr_rules.config import load_config
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.watch.interfaces import AdapterSource, FullEvaluation
from mipr_rules.watch.lifecycle import DigestSchedule
from mipr_rules.watch.service import WatchService, escalation_targets, parse_targets
from mipr_rules.watch.store import AlertStore

LONDON_9AM = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.timezone.utc)  # GMT in November


def service(
    tmp_path: Path,
    evaluator: Evaluator,
    store: AlertStore,
    clock: Clock,
    config_text: str = "",
    notify: tuple[str, ...] = (),
    **options: Any,
) -> WatchService:
    config_path = tmp_path / "provider.yaml"
    config_path.write_text(config_text + "notify:\n  allow_hosts: [127.0.0.1]\n")
    config = load_config(config_path)
    found = configured(plugins.notifiers(), attrs.evolve(config.notify, allow_http=True))
    targets = parse_targets(notify, found)
    escalation = escalation_targets(config, found)
    return WatchService(
        AdapterSource(FileAdapter(), str(tmp_path / "home.json"), config),
        FullEvaluation(evaluator, Catalogue.installed(evaluator.pm), config, "cqc-readiness"),
        store,
        targets,
        found,
        clock=clock,
        escalation=escalation,
        **options,
    )


def subjects(mail: MailServer) -> list[str]:
    return [
        str(email.message_from_bytes(m.content, policy=email.policy.default)["Subject"]).strip() for m in mail.messages
    ]


def escalated_ids(mail: MailServer, index: int) -> set[str]:
    message = email.message_from_bytes(mail.messages[index].content, policy=email.policy.default)
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_content()
    return {word for word in text.split() if word.startswith("A-") and len(word) == 14}


def test_unacknowledged_alerts_are_escalated_after_the_configured_time_and_snoozed_ones_wait(
    tmp_path: Path,
    home: dict[str, Any],
    as_of: dt.date,
    evaluator: Evaluator,
    mail_server: MailServer,
    receiver: Receiver,
    sample_alerts: int,
) -> None:
    write_source(tmp_path / "home.json", home)
    config = f'escalation:\n  high: {{after: 24h, notify: "email:{mail_server.url()}"}}\n'
    clock = Clock(LONDON_9AM)
    store_path = tmp_path / "alerts.db"
    with AlertStore(store_path) as store:
        watch = service(tmp_path, evaluator, store, clock, config, (f"webhook:{receiver.url()}",), as_of=as_of)
        first = watch.check()
        assert first.error is None and len(first.changes.new) == sample_alerts  # type: ignore[union-attr]
        assert len(receiver.requests) == 1 and not mail_server.messages
        urgent = [a for a in first.changes.new if a.severity in ("high", "critical")]  # type: ignore[union-attr]
        assert len(urgent) >= 3
        acked, snoozed = urgent[0].alert_id, urgent[1].alert_id
        assert run_mipr("ack", acked, "--store", store_path, "--by", "S01", "--on", as_of).exit_code == 0
        until = as_of + dt.timedelta(days=3)
        result = run_mipr(
            "snooze",
            snoozed,
            "--store",
            store_path,
            "--until",
            until,
            "--by",
            "S02",
            "--reason",
            "audit booked",
            "--on",
            as_of,
        )
        assert result.exit_code == 0, result.output

        clock.advance(hours=23)
        assert watch.check().escalated == 0 and not mail_server.messages, "not yet: 24 hours have not passed"
        clock.advance(hours=2)
        assert watch.check().escalated == len(urgent) - 2
        (subject,) = subjects(mail_server)
        assert subject.startswith(f"[mipr] ESCALATION Sunrise House: {len(urgent) - 2} alerts not acknowledged")
        assert acked not in escalated_ids(mail_server, 0) and snoozed not in escalated_ids(mail_server, 0)
        assert watch.check().escalated == 0, "escalated once"

        clock.advance(days=2, hours=2)  # noon on the snooze's last day: it ended at midnight (Europe/London)
        watch.as_of = until
        assert watch.check().escalated == 0
        clock.advance(hours=12)  # 24 hours after the snooze ended, it is escalated too
        assert watch.check().escalated == 1
        assert escalated_ids(mail_server, 1) == {snoozed}
        assert len(receiver.requests) == 1, "the managers' webhook got only the first news"

    shown = run_mipr("alerts", "show", snoozed, "--store", store_path, "--format", "json")
    history = json.loads(shown.output)["history"]
    assert [(e["kind"], e["by"]) for e in history] == [("new", None), ("snoozed", "S02"), ("escalated", None)]
    assert history[1]["note"] == f"until {until}: audit booked" and history[2]["at"].startswith("2026-11-06T00:00")
    listed = json.loads(run_mipr("alerts", "list", "--store", store_path, "--format", "json").output)["alerts"]
    states = {a["alert_id"]: a["state"] for a in listed}
    assert states[acked] == "acknowledged" and states[snoozed] == "escalated"
    assert sum(s == "escalated" for s in states.values()) == len(urgent) - 1


def test_a_daily_digest_sends_one_summary_per_target_instead_of_one_message_per_change(
    tmp_path: Path,
    home: dict[str, Any],
    as_of: dt.date,
    evaluator: Evaluator,
    mail_server: MailServer,
    receiver: Receiver,
    sample_alerts: int,
) -> None:
    source = write_source(tmp_path / "home.json", home)
    clock = Clock(LONDON_9AM)
    with AlertStore(tmp_path / "alerts.db") as store:
        notify = (f"webhook:{receiver.url()}", f"email:{mail_server.url()}")
        watch = service(tmp_path, evaluator, store, clock, notify=notify, digest=DigestSchedule.parse("daily@07:00"))
        assert len(watch.check().changes.new) == sample_alerts  # type: ignore[union-attr]
        fix_care_plan_review(home, as_of)
        write_source(source, home)
        clock.advance(hours=6)
        assert len(watch.check().changes.resolved) == 1  # type: ignore[union-attr]
        assert not receiver.requests and not mail_server.messages, "held for the digest"
        clock.advance(hours=15, minutes=59)  # 06:59 the next day
        assert watch.check().digests == 0 and not receiver.requests
        clock.advance(minutes=2)
        assert watch.check().digests == 2
        (request,) = receiver.requests
        body = request.json()
        assert body["event"] == "digest" and body["summary"] == {"new": sample_alerts - 1, "ongoing": 0, "resolved": 0}
        assert request.headers["Idempotency-Key"] == body["idempotency_key"]
        digest = f"[mipr] digest Sunrise House: {sample_alerts - 1} new, 0 resolved alerts as of 2026-11-03"
        assert subjects(mail_server) == [digest]
        clock.advance(hours=1)
        assert watch.check().digests == 0 and len(receiver.requests) == 1, "one digest a day"


def test_each_target_keeps_its_own_digest_schedule_on_a_shared_store(
    tmp_path: Path,
    home: dict[str, Any],
    evaluator: Evaluator,
    mail_server: MailServer,
    receiver: Receiver,
    sample_alerts: int,
) -> None:
    """Two watchers on one store, each with its target and schedule: one digest does not put off the other's."""
    clock = Clock(LONDON_9AM)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write_source(tmp_path / "a" / "home.json", home)
    write_source(tmp_path / "b" / "home.json", second_home(home))
    with AlertStore(tmp_path / "alerts.db") as store:
        at_seven = service(
            tmp_path / "a", evaluator, store, clock, notify=(f"webhook:{receiver.url()}",),
            digest=DigestSchedule.parse("daily@07:00"),
        )  # fmt: skip
        at_half_past = service(
            tmp_path / "b", evaluator, store, clock, notify=(f"email:{mail_server.url()}",),
            digest=DigestSchedule.parse("daily@07:30"),
        )  # fmt: skip
        assert len(at_seven.check().changes.new) == sample_alerts  # type: ignore[union-attr]
        assert len(at_half_past.check().changes.new) == sample_alerts  # type: ignore[union-attr]
        (webhook,) = at_seven.targets
        assert store.last_digest(webhook) == LONDON_9AM, "the first digest is at the next scheduled time"
        clock.advance(hours=22, minutes=31)  # 07:31 the next day: the half-past-seven target's digest
        assert at_half_past.check().digests == 1 and len(mail_server.messages) == 1 and not receiver.requests
        clock.advance(minutes=9)  # 07:40: the seven o'clock target's digest is still due (its watcher was late)
        assert at_seven.check().digests == 1
        (request,) = receiver.requests
        assert request.json()["event"] == "digest" and request.json()["summary"]["new"] == sample_alerts
        assert at_half_past.check().digests == 0 and at_seven.check().digests == 0, "one digest a day each"
        assert store.last_digest(webhook) == clock.now


def test_bad_digest_and_escalation_settings_are_one_line_errors(tmp_path: Path, home: dict[str, Any]) -> None:
    source = write_source(tmp_path / "home.json", home)
    result = run_mipr("watch", "--source", source, "--store", tmp_path / "a.db", "--once", "--digest", "weekly")
    assert result.exit_code == 2 and "expected daily@HH:MM" in result.output
    config = tmp_path / "provider.yaml"
    config.write_text("escalation:\n  urgent: {after: 1h, notify: 'email:smtp://x'}\n")
    result = run_mipr("watch", "--source", source, "--store", tmp_path / "a.db", "--once", "--config", config)
    assert result.exit_code == 2 and "escalation.urgent: unknown severity" in result.output


@pytest.mark.parametrize("until", ["2026-11-01", "2026-11-02"])
def test_a_snooze_must_end_after_it_starts(tmp_path: Path, home: dict[str, Any], as_of: dt.date, until: str) -> None:
    source = write_source(tmp_path / "home.json", home)
    store = tmp_path / "alerts.db"
    assert run_mipr("watch", "--source", source, "--store", store, "--once", "--as-of", as_of).exit_code == 0
    (alert_id,) = [w for w in run_mipr("alerts", "list", "--store", store).output.split() if w.startswith("A-")][:1]
    result = run_mipr(
        "snooze", alert_id, "--store", store, "--until", until, "--by", "S01", "--reason", "x", "--on", as_of
    )
    assert result.exit_code == 2 and "must be after 2026-11-02" in result.output
