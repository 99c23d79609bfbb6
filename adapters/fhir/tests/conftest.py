"""Fixtures of the fhir adapter's tests: the sample Bundle, small bundles, and a real local FHIR server."""

from __future__ import annotations

import atexit
import copy
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs
import pytest
from fhir_build import SAMPLE_BUNDLE

# Tests never read or write the user's own configuration directory, where the pseudonymisation key lives
# (mipr_rules.privacy.default_key_path); set before anything runs, so child processes inherit it too.
_CONFIG_HOME = tempfile.mkdtemp(prefix="mipr-tests-config-")
os.environ["XDG_CONFIG_HOME"] = _CONFIG_HOME
atexit.register(shutil.rmtree, _CONFIG_HOME, True)


@pytest.fixture
def sample_bundle() -> dict[str, Any]:
    """A fresh copy of the sample home's Bundle, to change in a test."""
    data: dict[str, Any] = json.loads(SAMPLE_BUNDLE.read_text())
    return copy.deepcopy(data)


@pytest.fixture
def write_bundle(tmp_path: Path) -> Callable[[dict[str, Any]], str]:
    """Write a Bundle to a file of the test's own folder and return its path."""

    def write(bundle: dict[str, Any], name: str = "bundle.json") -> str:
        path = tmp_path / name
        path.write_text(json.dumps(bundle))
        return str(path)

    return write


@attrs.define
class FhirServer:
    """A FHIR server on 127.0.0.1 serving search pages; ``requests`` records what it was asked."""

    pages: dict[str, list[dict[str, Any]]]
    """Search result pages by resource type; missing types answer with an empty searchset."""
    base: str = ""
    """Base URL, e.g. ``http://127.0.0.1:PORT/fhir``."""
    requests: list[tuple[str, dict[str, str]]] = attrs.field(factory=list)
    """(path with query, headers) of every request."""
    status: dict[str, int] = attrs.field(factory=dict)
    """HTTP status to answer for a resource type instead of its pages."""

    def page_requests(self, resource_type: str) -> list[str]:
        """The paths asked for one resource type, in order."""
        return [path for path, _ in self.requests if urlsplit(path).path == f"/fhir/{resource_type}"]


def searchset(resources: list[dict[str, Any]], next_url: str | None = None) -> dict[str, Any]:
    """A searchset Bundle page."""
    page: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r, "search": {"mode": "match"}} for r in resources],
    }
    if next_url:
        page["link"] = [{"relation": "next", "url": next_url}]
    return page


@pytest.fixture
def fhir_server() -> Iterator[FhirServer]:
    """A real HTTP server in a thread: ``GET /fhir/{type}?page=N`` answers ``server.pages[type][N-1]``."""
    server = FhirServer(pages={})

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.requests.append((self.path, dict(self.headers.items())))
            parts = urlsplit(self.path)
            resource_type = parts.path.removeprefix("/fhir/")
            if resource_type in server.status:
                self._send(server.status[resource_type], b'{"resourceType": "OperationOutcome"}')
                return
            number = int(parse_qs(parts.query).get("page", ["1"])[0])
            pages = server.pages.get(resource_type, [searchset([])])
            if not 1 <= number <= len(pages):
                self._send(404, b'{"resourceType": "OperationOutcome"}')
                return
            self._send(200, json.dumps(pages[number - 1]).encode())

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.base = f"http://127.0.0.1:{httpd.server_address[1]}/fhir"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
