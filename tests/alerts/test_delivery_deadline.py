"""A delivery attempt has a total deadline: real receivers on 127.0.0.1 that answer one byte at a time.

Each slow receiver would need about 12 s to finish its answer; the notifiers are given 1 s. The tests assert
the outcome (a delivery error naming the deadline, the receiver cut off before it finished, the change set
kept), not durations.
"""

from __future__ import annotations

import datetime as dt
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import attrs
import pytest
from alert_support import run_mipr, write_source

from mipr_rules.alerts import AlertChanges, DeliveryError
from mipr_rules.alerts.email import EmailNotifier
from mipr_rules.alerts.notify import Target, deliver
from mipr_rules.alerts.webhook import SECRET_ENV, WebhookNotifier
from mipr_rules.delivery_policy import DeliveryPolicy
from mipr_rules.readiness import ReadinessReport
from mipr_rules.watch.store import AlertStore

Readiness = Callable[..., ReadinessReport]
DRIP = 0.3
"""Seconds between two bytes of a slow answer."""
HTTP_ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"  # 38 bytes: about 11 s at DRIP
SMTP_GREETING = b"220 slow.example.org ESMTP at your service\r\n"  # 44 bytes: about 13 s at DRIP
LOOPBACK = DeliveryPolicy(allow_http=True, allow_hosts=("127.0.0.1",))


@attrs.define
class Slow:
    """A receiver that accepts, then answers one byte every ``DRIP`` seconds."""

    port: int
    connections: int = 0
    finished: threading.Event = attrs.field(factory=threading.Event)
    stop: threading.Event = attrs.field(factory=threading.Event)

    def drip(self, sock: Any, answer: bytes) -> None:
        try:
            for byte in answer:
                if self.stop.wait(DRIP):
                    return
                sock.sendall(bytes([byte]))
        except OSError:
            return  # the client hung up: what a deadline does
        self.finished.set()


@pytest.fixture
def slow_http() -> Iterator[Slow]:
    """A webhook receiver that reads the request, then sends its 200 answer a byte at a time."""
    holder: list[Slow] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            holder[0].connections += 1
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            holder[0].drip(self.connection, HTTP_ANSWER)
            self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder.append(Slow(int(server.server_address[1])))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield holder[0]
    holder[0].stop.set()
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def slow_smtp() -> Iterator[Slow]:
    """An SMTP server whose greeting comes a byte at a time."""
    holder: list[Slow] = []

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            holder[0].connections += 1
            holder[0].drip(self.request, SMTP_GREETING)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    holder.append(Slow(int(server.server_address[1])))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield holder[0]
    holder[0].stop.set()
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def changes(readiness: Readiness, home: dict[str, Any], as_of: dt.date, tmp_path: Path) -> AlertChanges:
    """The first check of the sample home."""
    with AlertStore(tmp_path / "changes.db") as store:
        return store.apply(readiness(home, as_of=as_of))


def test_a_webhook_receiver_answering_byte_by_byte_is_cut_off_at_the_deadline(
    changes: AlertChanges, slow_http: Slow
) -> None:
    notifier = WebhookNotifier(timeout=1.0, backoff=0.0, policy=LOOPBACK)
    with pytest.raises(DeliveryError, match=r"no complete answer within 1 s") as info:
        notifier.send(changes, f"http://127.0.0.1:{slow_http.port}/hook?token=s3cret")
    assert not slow_http.finished.is_set(), "gave up before the receiver finished its answer"
    assert slow_http.connections == 1, "an attempt that ran out of time is not repeated within the cycle"
    assert "s3cret" not in str(info.value) and "\n" not in str(info.value)


def test_an_smtp_server_greeting_byte_by_byte_is_cut_off_at_the_deadline(
    changes: AlertChanges, slow_smtp: Slow
) -> None:
    url = f"smtp://mipr:pa55w0rd@127.0.0.1:{slow_smtp.port}?from=mipr@example.org&to=manager@example.org&timeout=1"
    with pytest.raises(DeliveryError, match=r"not done within 1 s") as info:
        EmailNotifier().send(changes, url)
    assert not slow_smtp.finished.is_set(), "gave up before the server finished its greeting"
    assert "pa55w0rd" not in str(info.value)


def test_the_email_deadline_comes_from_the_provider_configuration(changes: AlertChanges, slow_smtp: Slow) -> None:
    notifier = EmailNotifier().with_policy(DeliveryPolicy(timeout=1.0))
    with pytest.raises(DeliveryError, match=r"not done within 1 s"):
        notifier.send(changes, f"smtp://127.0.0.1:{slow_smtp.port}?from=mipr@example.org&to=manager@example.org")
    assert not slow_smtp.finished.is_set()


def test_a_slow_receiver_keeps_its_change_set_in_the_outbox(
    changes: AlertChanges, slow_http: Slow, readiness: Readiness, home: dict[str, Any], as_of: dt.date, tmp_path: Path
) -> None:
    target = Target.parse(f"webhook:http://127.0.0.1:{slow_http.port}/hook")
    notifier = WebhookNotifier(timeout=1.0, policy=LOOPBACK)
    with AlertStore(tmp_path / "alerts.db") as store:
        store.apply(readiness(home, as_of=as_of), notify=[target])
        (result,) = deliver(store, [target], {"webhook": notifier})
        assert (result.delivered, result.pending) == (0, 1)
        assert "within 1 s" in (result.error or "")
        (waiting,) = store.pending(target.key)
        assert waiting.attempts == 1
    assert not slow_http.finished.is_set()


def test_watch_once_is_not_held_by_a_slow_receiver(
    slow_http: Slow, home: dict[str, Any], as_of: dt.date, tmp_path: Path
) -> None:
    source = write_source(tmp_path / "home.json", home)
    provider = tmp_path / "provider.yaml"
    provider.write_text("notify:\n  allow_hosts: [127.0.0.1]\n  timeout: 1\n")
    hook = f"webhook:http://127.0.0.1:{slow_http.port}/hooks/mipr"
    result = run_mipr(
        "watch", "--source", source, "--store", tmp_path / "alerts.db", "--as-of", as_of.isoformat(), "--once",
        "--config", provider, "--allow-http", "--notify", hook, env={SECRET_ENV: "test secret"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (warning,) = result.stderr.splitlines()
    assert "no complete answer within 1 s" in warning and "1 change set(s) kept for the next cycle" in warning
    assert not slow_http.finished.is_set(), "watch --once returned before the receiver finished"


def test_retries_stop_once_a_deadline_has_passed(changes: AlertChanges) -> None:
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            seen.append(self.path)
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            time.sleep(0.6)  # then a server error: worth a retry, but only within the budget
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        notifier = WebhookNotifier(timeout=1.0, backoff=0.5, attempts=3, policy=LOOPBACK)
        with pytest.raises(DeliveryError):
            notifier.send(changes, f"http://127.0.0.1:{server.server_address[1]}/hook")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert 1 <= len(seen) < 3, "three slow attempts would take more than twice the deadline"
