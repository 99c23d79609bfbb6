"""``Session.readiness`` inside a request to a tiny WSGI app served by a real gunicorn on a free localhost port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

from mipr_rules.testing.contract import sample_path

pytest.importorskip("gunicorn", reason="the test extra installs gunicorn")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _accepts(port: int, server: subprocess.Popen[str], limit: float = 60.0) -> None:
    """Wait until gunicorn accepts connections (a readiness check with a watchdog, not a timed sleep)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.returncode}: {server.communicate()[0]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"gunicorn did not listen on port {port} within {limit:g} s")


def test_a_gunicorn_request_returns_the_samples_alerts(tmp_path: Path) -> None:
    (tmp_path / "readiness_app.py").write_text(
        textwrap.dedent(
            f"""
            import datetime as dt
            import json
            from mipr_rules.adapters.base import ReadContext
            from mipr_rules.privacy import default_pseudonym_key
            from mipr_rules.adapters.file_adapter import FileAdapter
            from mipr_rules.api import Session

            def application(environ, start_response):
                locations = FileAdapter().read({str(sample_path())!r}, ReadContext(key=default_pseudonym_key()))
                with Session() as session:
                    report = session.readiness(locations, as_of=dt.date(2026, 11, 2))
                body = json.dumps([[a.rule_id, a.subject] for a in report.alerts()]).encode()
                start_response("200 OK", [("Content-Type", "application/json")])
                return [body]
            """
        ),
        encoding="utf-8",
    )
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    env.pop("MIPR_RULES_WORKERS", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "120",
         "readiness_app:application"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        _accepts(port, server)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=120) as response:
            status, body = response.status, response.read()
    finally:
        server.terminate()
        try:
            server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.communicate()
    assert status == 200
    assert len(json.loads(body)) == 23
