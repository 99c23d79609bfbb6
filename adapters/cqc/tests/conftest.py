"""A real CQC-API-shaped HTTP server on 127.0.0.1 serving recorded responses (no mocks)."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import attrs
import pytest

# Tests never read or write the user's own configuration directory, where the pseudonymisation key lives
# (mipr_rules.privacy.default_key_path); set before anything runs, so child processes inherit it too.
_CONFIG_HOME = tempfile.mkdtemp(prefix="mipr-tests-config-")
os.environ["XDG_CONFIG_HOME"] = _CONFIG_HOME
atexit.register(shutil.rmtree, _CONFIG_HOME, True)

FIXTURES = Path(__file__).parent / "fixtures"
API_KEY = "test-subscription-key-0123456789"
BASE_PATH = "/public/v1"

# What Azure API Management answers when the subscription key is missing.
DENIED = {
    "statusCode": 401,
    "message": "Access denied due to missing subscription key. Make sure to include subscription key when"
    " making requests to an API.",
}


def detail_records() -> dict[str, Any]:
    """Every recorded ``/locations/{id}`` response, by location id."""
    records = {}
    for path in [*sorted((FIXTURES / "locations").glob("*.json")), FIXTURES / "sunrise-house.cqc.json"]:
        data = json.loads(path.read_text())
        records[data["locationId"]] = data
    return records


@attrs.define
class Seen:
    """One request the server received."""

    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


@attrs.define
class CqcServer:
    """The running server, what it has seen, and failures to serve next."""

    base_url: str
    seen: list[Seen] = attrs.field(factory=list)
    failures: dict[str, list[int]] = attrs.field(factory=dict)
    """Statuses to answer, in turn, before the real response: keyed by path (without /public/v1)."""
    retry_after: str | None = "0"
    """``Retry-After`` sent with 429 and 503 answers."""

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]


def _handler(server_state: CqcServer, records: dict[str, Any]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            path = unquote(parts.path).removeprefix(BASE_PATH)
            server_state.seen.append(Seen(path, query, dict(self.headers.items())))
            if self.headers.get("Ocp-Apim-Subscription-Key") != API_KEY:
                self._send(401, DENIED)
                return
            queued = server_state.failures.get(path)
            if queued:
                status = queued.pop(0)
                retry_after = server_state.retry_after if status in (429, 503) else None
                extra = {"Retry-After": retry_after} if retry_after is not None else {}
                self._send(status, {"statusCode": status, "message": "recorded failure"}, extra)
                return
            page = query.get("page", ["1"])[0]
            if path == "/locations":
                self._serve_file(FIXTURES / "api" / f"locations-page-{page}.json")
            elif path == "/changes/location":
                if "startTimestamp" not in query or "endTimestamp" not in query:
                    self._send(
                        400, {"statusCode": 400, "message": "startTimestamp and endTimestamp required"}
                    )
                    return
                self._serve_file(FIXTURES / "api" / f"changes-location-page-{page}.json")
            elif path.startswith("/locations/"):
                location_id = path.removeprefix("/locations/")
                if location_id in records:
                    self._send(200, records[location_id])
                else:
                    self._send(404, {"statusCode": 404, "message": "Resource not found"})
            else:
                self._send(404, {"statusCode": 404, "message": "Resource not found"})

        def _serve_file(self, file: Path) -> None:
            if file.exists():
                self._send(200, json.loads(file.read_text()))
            else:
                self._send(404, {"statusCode": 404, "message": "Resource not found"})

    return Handler


@pytest.fixture
def cqc_server() -> Iterator[CqcServer]:
    """A CQC API look-alike at ``http://127.0.0.1:<port>/public/v1``, stopped after the test."""
    state = CqcServer(base_url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state, detail_records()))
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}{BASE_PATH}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests start without a key from the developer's environment, and reach 127.0.0.1 directly."""
    monkeypatch.delenv("MIPR_CQC_API_KEY", raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def server_key() -> str:
    """The key the server accepts (not put in the environment)."""
    return API_KEY


@pytest.fixture
def api_key(clean_environment: None, monkeypatch: pytest.MonkeyPatch) -> str:
    """The server's key, set in ``MIPR_CQC_API_KEY``."""
    monkeypatch.setenv("MIPR_CQC_API_KEY", API_KEY)
    return API_KEY
