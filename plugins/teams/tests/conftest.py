"""A real HTTP receiver on 127.0.0.1 standing in for a Teams workflow, and the sample home to watch."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import attrs
import pytest


@attrs.define
class Receiver:
    """Records every POST; answers each with the next status of ``statuses`` (then 202, as Teams workflows do)."""

    server: ThreadingHTTPServer
    requests: list[tuple[str, dict[str, str], bytes]] = attrs.field(factory=list)
    statuses: list[int] = attrs.field(factory=list)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self) -> str:
        """A workflow-shaped URL whose query holds the secret signature."""
        return (f"http://127.0.0.1:{self.port}/workflows/0f1e2d3c/triggers/manual/paths/invoke"
                "?api-version=2016-06-01&sig=SECRETSIGNATURE")

    def json(self, index: int = -1) -> Any:
        return json.loads(self.requests[index][2])


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    received: list[tuple[str, dict[str, str], bytes]] = []
    statuses: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            received.append((self.path, dict(self.headers.items()), body))
            self.send_response(statuses.pop(0) if statuses else 202)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Receiver(server, received, statuses)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
