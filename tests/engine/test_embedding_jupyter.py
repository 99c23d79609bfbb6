"""The README's Python API example, executed in a real Jupyter kernel (ipykernel, driven by jupyter_client)."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from mipr_rules.testing.contract import sample_path

jupyter_client = pytest.importorskip("jupyter_client", reason="the test extra installs jupyter_client")
pytest.importorskip("ipykernel", reason="the test extra installs ipykernel")


def test_a_notebook_cell_prints_the_samples_alerts(tmp_path: Path) -> None:
    from jupyter_client.manager import KernelManager

    code = textwrap.dedent(
        f"""
        import datetime as dt
        from mipr_rules.adapters.base import ReadContext
        from mipr_rules.privacy import default_pseudonym_key
        from mipr_rules.adapters.file_adapter import FileAdapter
        from mipr_rules.api import Session

        locations = FileAdapter().read({str(sample_path())!r}, ReadContext(key=default_pseudonym_key()))
        with Session() as session:
            report = session.readiness(locations, as_of=dt.date(2026, 11, 2))
        for alert in report.alerts():
            print(alert.severity, alert.rule_id, alert.subject)
        """
    )
    manager = KernelManager(kernel_name="python3")
    # This interpreter (with mipr-rules installed), not whatever "python3" kernel the machine has.
    manager.kernel_spec.argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    manager.start_kernel(cwd=str(tmp_path))
    client = manager.client()
    output: list[str] = []
    errors: list[str] = []

    def collect(message: dict[str, Any]) -> None:
        kind, content = message["msg_type"], message["content"]
        if kind == "stream" and content["name"] == "stdout":
            output.append(content["text"])
        elif kind == "error":
            errors.append(f"{content['ename']}: {content['evalue']}")

    try:
        client.start_channels()
        client.wait_for_ready(timeout=60)
        reply = client.execute_interactive(code, timeout=120, output_hook=collect)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert reply["content"]["status"] == "ok", errors
    lines = [line for line in "".join(output).splitlines() if line.strip()]
    assert len(lines) == 23, lines
