"""``mipr watch`` and ``mipr ack`` as a user runs them, with real receivers on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alert_support import (
    SECOND_LOCATION,
    MailServer,
    Receiver,
    break_evaluation,
    fix_care_plan_review,
    run_mipr,
    second_home,
    write_source,
)

from mipr_rules.alerts import AlertStore
from mipr_rules.alerts.webhook import SECRET_ENV, SIGNATURE_HEADER, verify_signature


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, Path]:
    provider = tmp_path / "provider.yaml"
    provider.write_text("notify:\n  allow_hosts: [127.0.0.1]\n")  # the receivers are on loopback
    return {"source": tmp_path / "home.json", "store": tmp_path / "alerts.db", "config": provider}


def watch(paths: dict[str, Path], as_of: dt.date, *options: str, env: dict[str, str | None] | None = None) -> Any:
    """``mipr watch --once`` allowed to reach the plain-http receivers on loopback, with a signing secret."""
    return run_mipr(
        "watch", "--source", paths["source"], "--store", paths["store"], "--as-of", as_of.isoformat(), "--once",
        "--config", paths["config"], "--allow-http", *options, env={SECRET_ENV: "test secret", **(env or {})},
    )  # fmt: skip


def test_news_is_delivered_once_and_a_fix_is_noticed(
    paths: dict[str, Path], home: dict[str, Any], as_of: dt.date, receiver: Receiver
) -> None:
    write_source(paths["source"], home)
    hook = f"webhook:{receiver.url()}"

    first = watch(paths, as_of, "--notify", hook)
    assert first.exit_code == 0, first.output
    assert "Sunrise House (1-000000001): 23 new, 0 ongoing, 0 resolved" in first.stdout
    assert f"delivered 1 change set(s) to webhook:http://127.0.0.1:{receiver.port}/…" in first.stdout
    assert len(first.stdout.splitlines()) <= 24, "one screen"
    assert [r.json()["summary"] for r in receiver.requests] == [{"new": 23, "ongoing": 0, "resolved": 0}]

    second = watch(paths, as_of + dt.timedelta(days=1), "--notify", hook)
    assert second.exit_code == 0, second.output
    assert "0 new, 23 ongoing, 0 resolved" in second.stdout
    assert len(receiver.requests) == 1, "nothing new or resolved: nothing sent"

    fix_care_plan_review(home, as_of)
    write_source(paths["source"], home)
    third = watch(paths, as_of + dt.timedelta(days=2), "--notify", hook)
    assert third.exit_code == 0, third.output
    assert "0 new, 22 ongoing, 1 resolved" in third.stdout
    assert "resolved  high     A-" in third.stdout and "care_plan_review_overdue" in third.stdout
    (resolved,) = receiver.requests[1].json()["resolved"]
    assert (resolved["rule"], resolved["subject"], resolved["resolved_on"]) == (
        "care_plan_review_overdue", "person:R07/care_plan:CP-R07", "2026-11-04",
    )  # fmt: skip


def test_notification_is_retried_after_the_server_was_down(
    paths: dict[str, Path], home: dict[str, Any], as_of: dt.date
) -> None:
    write_source(paths["source"], home)
    down = Receiver.start()
    port = down.port
    down.stop()
    hook = f"webhook:http://127.0.0.1:{port}/hooks/mipr?token=s3cret"

    failed = watch(paths, as_of, "--notify", hook)
    assert failed.exit_code == 0, failed.output
    (warning,) = failed.stderr.splitlines()
    assert warning.startswith(f"mipr: warning: delivery to webhook:http://127.0.0.1:{port}/… failed: ")
    assert "cannot connect" in warning and "1 change set(s) kept for the next cycle" in warning
    assert "s3cret" not in failed.output

    up = Receiver.start(port)
    try:
        retried = watch(paths, as_of, "--notify", hook)
    finally:
        up.stop()
    assert retried.exit_code == 0 and not retried.stderr, retried.output
    assert "0 new, 23 ongoing" in retried.stdout and "delivered 1 change set(s)" in retried.stdout
    (request,) = up.requests
    assert request.json()["summary"] == {"new": 23, "ongoing": 0, "resolved": 0}, "the first check's news"


def test_signature_verifies(paths: dict[str, Path], home: dict[str, Any], as_of: dt.date, receiver: Receiver) -> None:
    write_source(paths["source"], home)
    result = watch(paths, as_of, "--notify", f"webhook:{receiver.url()}", env={SECRET_ENV: "provider secret"})
    assert result.exit_code == 0, result.output
    (request,) = receiver.requests
    assert request.headers[SIGNATURE_HEADER].startswith("sha256=")
    assert verify_signature(request.body, request.headers, "provider secret")


def test_email_summary_is_sent(
    paths: dict[str, Path], home: dict[str, Any], as_of: dt.date, mail_server: MailServer
) -> None:
    write_source(paths["source"], home)
    result = watch(paths, as_of, "--notify", f"email:{mail_server.url()}")
    assert result.exit_code == 0, result.output
    (envelope,) = mail_server.messages
    assert b"23 new, 0 resolved alerts as of 2026-11-02" in envelope.content
    again = watch(paths, as_of, "--notify", f"email:{mail_server.url()}")
    assert again.exit_code == 0 and len(mail_server.messages) == 1


def test_a_location_whose_evaluation_failed_keeps_its_alerts(
    paths: dict[str, Path], home: dict[str, Any], as_of: dt.date, receiver: Receiver
) -> None:
    other = second_home(home)
    write_source(paths["source"], home, other)
    assert watch(paths, as_of, "--notify", f"webhook:{receiver.url()}").exit_code == 0

    break_evaluation(other)
    write_source(paths["source"], home, other)
    result = watch(paths, as_of + dt.timedelta(days=1), "--notify", f"webhook:{receiver.url()}")
    assert result.exit_code == 3, "incomplete"
    (error,) = result.stderr.splitlines()
    assert error.startswith(f"mipr: error: {SECOND_LOCATION}: ") and "99999" not in error
    first, second = result.stdout.splitlines()[:2]
    assert first.startswith("INCOMPLETE: 1 not evaluated") and second.startswith(f"  {SECOND_LOCATION}: ")
    assert "99999" not in result.stdout
    assert f"Moonrise Lodge ({SECOND_LOCATION}): not evaluated, open alerts kept" in result.stdout
    assert "Sunrise House (1-000000001): 0 new, 23 ongoing, 0 resolved" in result.stdout
    assert len(receiver.requests) == 1, "nothing new or resolved"
    with AlertStore(paths["store"], readonly=True) as store:
        assert len(store.open_alerts(SECOND_LOCATION)) == 23


def test_json_format_is_one_object_per_check(paths: dict[str, Path], home: dict[str, Any], as_of: dt.date) -> None:
    write_source(paths["source"], home)
    result = watch(paths, as_of, "--format", "json")
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.splitlines()
    data = json.loads(line)
    assert data["kind"] == "watch_cycle" and data["as_of"] == "2026-11-02" and data["error"] is None
    assert data["changes"]["kind"] == "alert_changes" and len(data["changes"]["new"]) == 23
    assert data["deliveries"] == [] and data["pending_other_targets"] == 0


def test_fail_on_exits_1_while_alerts_are_open(paths: dict[str, Path], home: dict[str, Any], as_of: dt.date) -> None:
    write_source(paths["source"], home)
    assert watch(paths, as_of, "--fail-on", "critical").exit_code == 1
    assert watch(paths, as_of, "--fail-on", "critical").exit_code == 1, "ongoing alerts count too"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--interval", "60"), "--once and --interval exclude each other"),
        (("--notify", "pager:+441234"), "no notifier named 'pager'"),
        (("--notify", "webhook:ftp://example.org/x"), "expected an http:// or https:// URL"),
        (("--notify", "email:smtp://mail.example.org?to=a@example.org"), "from: expected one email address"),
        (("--notify", "webhook"), "expected NAME:TARGET"),
        (("--adapter", "nosuch"), "no adapter named 'nosuch'"),
        (("--ruleset", "nosuch"), "nosuch"),
    ],
)
def test_bad_options_exit_2_with_one_line(
    paths: dict[str, Path], home: dict[str, Any], as_of: dt.date, options: tuple[str, ...], message: str
) -> None:
    write_source(paths["source"], home)
    result = watch(paths, as_of, *options)
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("mipr: error: ") and message in line


def test_an_unreadable_source_exits_2(paths: dict[str, Path], as_of: dt.date) -> None:
    paths["source"].write_text("{not json")
    result = watch(paths, as_of)
    assert result.exit_code == 2
    (error,) = result.stderr.splitlines()
    assert error.startswith("mipr: error: ") and "home.json" in error


def test_ack_marks_an_alert_as_seen(paths: dict[str, Path], home: dict[str, Any], as_of: dt.date) -> None:
    write_source(paths["source"], home)
    data = json.loads(watch(paths, as_of, "--format", "json").stdout)
    alert_id = next(a["alert_id"] for a in data["changes"]["new"] if a["rule"] == "supervision_overdue")
    acked = run_mipr(
        "ack", alert_id, "--store", paths["store"], "--by", "S01", "--note", "booked", "--on", "2026-11-02"
    )
    assert acked.exit_code == 0, acked.output
    assert acked.stdout.strip() == f"Acknowledged {alert_id} (supervision_overdue, staff:S11) by S01 on 2026-11-02"
    later = json.loads(watch(paths, as_of, "--format", "json").stdout)
    ongoing = next(a for a in later["changes"]["ongoing"] if a["alert_id"] == alert_id)
    assert ongoing["acknowledged"] == {"by": "S01", "on": "2026-11-02"}

    by_email = run_mipr("ack", alert_id, "--store", paths["store"], "--by", "manager@example.org")
    assert by_email.exit_code == 2 and "pseudonymous" in by_email.stderr
    unknown = run_mipr("ack", "A-000000000000", "--store", paths["store"], "--by", "S01")
    assert unknown.exit_code == 2 and "no open alert A-000000000000" in unknown.stderr
    missing = run_mipr("ack", alert_id, "--store", paths["store"].with_name("none.db"), "--by", "S01")
    assert missing.exit_code == 2 and "none.db: no alert store there" in missing.stderr
    assert not paths["store"].with_name("none.db").exists()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_loop_stops_cleanly_on_a_signal(
    paths: dict[str, Path], home: dict[str, Any], as_of: dt.date, signum: int
) -> None:
    write_source(paths["source"], home)
    mipr = Path(sys.executable).with_name("mipr")
    command = [str(mipr), "watch", "--source", str(paths["source"]), "--store", str(paths["store"]),
               "--as-of", as_of.isoformat(), "--interval", "3600"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        seen = [process.stdout.readline() for _ in range(2)]
        assert seen[1].startswith("Sunrise House (1-000000001): 23 new"), seen
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    assert stderr.strip() == "mipr watch: stopped"
    with AlertStore(paths["store"], readonly=True) as store:
        assert len(store.open_alerts()) == 23
