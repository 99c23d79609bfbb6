"""The webhook over https against a real TLS receiver on 127.0.0.1 (a certificate made with ``openssl``).

The notifier connects to the address it checked but verifies the certificate against the URL's host name;
it trusts what the system trusts (here ``SSL_CERT_FILE`` names the test certificate).
"""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from mipr_rules.alerts import AlertChanges, DeliveryError
from mipr_rules.alerts.webhook import SECRET_ENV, WebhookNotifier, verify_signature
from mipr_rules.delivery_policy import DeliveryPolicy
from mipr_rules.readiness import ReadinessReport
from mipr_rules.watch.store import AlertStore

Readiness = Callable[..., ReadinessReport]
NOTIFIER = WebhookNotifier(backoff=0.0, timeout=5.0, policy=DeliveryPolicy(allow_hosts=("127.0.0.1",)))

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_receiver(certificate: tuple[Path, Path]) -> Iterator[tuple[int, list[tuple[dict[str, str], bytes]]]]:
    """An https server on 127.0.0.1 that records each POST and answers 204."""
    received: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append((dict(self.headers.items()), self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1]), received
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def changes(readiness: Readiness, home: dict[str, Any], as_of: dt.date, tmp_path: Path) -> AlertChanges:
    """The first check of the sample home."""
    with AlertStore(tmp_path / "changes.db") as store:
        return store.apply(readiness(home, as_of=as_of))


def test_delivers_over_https_to_a_trusted_certificate(
    changes: AlertChanges,
    tls_receiver: tuple[int, list[tuple[dict[str, str], bytes]]],
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port, received = tls_receiver
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    monkeypatch.setenv(SECRET_ENV, "tls secret")
    NOTIFIER.send(changes, f"https://127.0.0.1:{port}/hooks/mipr")
    ((headers, body),) = received
    assert headers["Host"] == f"127.0.0.1:{port}"
    assert verify_signature(body, headers, "tls secret")
    assert AlertChanges.from_json(body.decode()) == changes


def test_an_untrusted_certificate_is_refused(
    changes: AlertChanges, tls_receiver: tuple[int, list[tuple[dict[str, str], bytes]]]
) -> None:
    port, received = tls_receiver
    with pytest.raises(DeliveryError, match=r"TLS failed \(CERTIFICATE_VERIFY_FAILED\)"):
        NOTIFIER.send(changes, f"https://127.0.0.1:{port}/hooks/mipr")
    assert received == []


def test_a_receiver_that_never_completes_the_handshake_is_cut_off(changes: AlertChanges) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts (backlog), never answers
        port = silent.getsockname()[1]
        notifier = WebhookNotifier(timeout=1.0, backoff=0.0, policy=DeliveryPolicy(allow_hosts=("127.0.0.1",)))
        with pytest.raises(DeliveryError, match=r"no complete answer within 1 s"):
            notifier.send(changes, f"https://127.0.0.1:{port}/hooks/mipr")
