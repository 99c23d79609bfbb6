"""Helpers for the alert tests: the sample home changed in known ways, and REAL receivers on 127.0.0.1.

The webhook receiver is ``http.server`` in a thread; the mail server is aiosmtpd in a thread. Nothing is mocked.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner, Result

SECOND_LOCATION = "1-000000002"

# The SQL of the alert store schema versions before Alembic (mipr-rules wrote these with sqlite3 and
# PRAGMA user_version), to build such stores and check that they are upgraded.
LEGACY_SCHEMA: dict[int, tuple[str, ...]] = {
    1: (
        "CREATE TABLE store_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """
        CREATE TABLE locations (
            location_id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            last_checked TEXT,            -- as-of date of the last check that evaluated it
            last_error TEXT,              -- why the last check could not evaluate it (NULL if it could)
            last_error_on TEXT
        )
        """,
        """
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            alert_id TEXT NOT NULL,
            location_id TEXT NOT NULL,
            ruleset_id TEXT NOT NULL,
            rule_id TEXT NOT NULL,
            subject TEXT NOT NULL,
            ruleset_version TEXT NOT NULL,
            severity TEXT NOT NULL,
            title TEXT NOT NULL,
            message TEXT NOT NULL,
            facts TEXT NOT NULL,          -- JSON object
            detail TEXT NOT NULL,         -- JSON object: key question, quality statement, regulation, source...
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            resolved_on TEXT,
            acknowledged_by TEXT,
            acknowledged_on TEXT,
            acknowledgement_note TEXT
        )
        """,
        "CREATE UNIQUE INDEX alerts_open ON alerts (location_id, ruleset_id, rule_id, subject) "
        "WHERE resolved_on IS NULL",
        "CREATE INDEX alerts_by_alert_id ON alerts (alert_id)",
        """
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            target_key TEXT NOT NULL,     -- digest of the target's identity (Target.key; no secrets)
            target_label TEXT NOT NULL,
            changes TEXT NOT NULL,        -- the alert_changes JSON document
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT
        )
        """,
        "CREATE INDEX outbox_by_target ON outbox (target_key, id)",
    ),
    # Outbox keys were digests of the whole target, secrets included, so a changed password or token
    # orphaned what was queued. They cannot be turned into the new keys (a digest is one way): they are
    # marked, and re-keyed the first time the same target is given again (``adopt_legacy``).
    2: ("UPDATE outbox SET target_key = 'legacy:' || target_key",),
}



def second_home(home: dict[str, Any]) -> dict[str, Any]:
    """Another location: the sample under another id and name."""
    other = copy.deepcopy(home)
    other["location_id"], other["name"] = SECOND_LOCATION, "Moonrise Lodge"
    return other


def fix_care_plan_review(home: dict[str, Any], as_of: dt.date) -> None:
    """Fix one planted gap: R07's care plan is reviewed on the as-of date."""
    (person,) = [p for p in home["people"] if p["person_id"] == "R07"]
    person["care_plans"][0]["last_reviewed"] = as_of.isoformat()


def break_evaluation(home: dict[str, Any]) -> None:
    """Make the engine refuse this location: a record id longer than the engine's string limit."""
    home["people"][0]["care_plans"][0]["plan_id"] = "CP-" + "9" * 70_000


def write_source(path: Path, *homes: dict[str, Any]) -> Path:
    """Write one location (or a list of them) as a JSON source for the file adapter."""
    path.write_text(json.dumps(homes[0] if len(homes) == 1 else list(homes)))
    return path


def run_mipr(*args: object, env: dict[str, str | None] | None = None) -> Result:
    """Run ``mipr`` in-process, as a user would."""
    from mipr_rules_cli.cli import cli

    return CliRunner(env=env).invoke(cli, [str(a) for a in args])


@attrs.frozen
class Received:
    """One request the webhook receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    def json(self) -> Any:
        return json.loads(self.body)


@attrs.define
class Receiver:
    """An HTTP server on 127.0.0.1 that records POSTs and answers with the queued statuses (then 200)."""

    server: ThreadingHTTPServer
    thread: threading.Thread
    requests: list[Received] = attrs.field(factory=list)
    statuses: list[int] = attrs.field(factory=list)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str = "/hooks/mipr?token=s3cret") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    @classmethod
    def start(cls, port: int = 0) -> Receiver:
        holder: list[Receiver] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver = holder[0]
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.requests.append(Received(self.path, dict(self.headers.items()), body, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        receiver = cls(server, thread)
        holder.append(receiver)
        thread.start()
        return receiver


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (at the moment of asking)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@attrs.define
class MailServer:
    """aiosmtpd's handler: keeps every message the server accepts."""

    port: int
    messages: list[Any] = attrs.field(factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 Message accepted for delivery"

    def url(self, query: str = "from=mipr@example.org&to=manager@example.org,deputy@example.org") -> str:
        return f"smtp://127.0.0.1:{self.port}?{query}"


# Fixtures of the real receivers, shared by the alert and watch tests (each conftest imports them).


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A running webhook receiver on 127.0.0.1."""
    running = Receiver.start()
    yield running
    running.stop()


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    """A running SMTP server (aiosmtpd) on 127.0.0.1."""
    from aiosmtpd.controller import Controller

    server = MailServer(free_port())
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    yield server
    controller.stop()
