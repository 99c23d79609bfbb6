"""Headless Chromium for the HTML report's accessibility, print and screenshot tests (the real browser)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from mipr_rules.outputs.html import HtmlOutput
from mipr_rules.readiness import ReadinessReport


@pytest.fixture(scope="session")
def chromium() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run headless Chromium with arguments; fails (not skips) when it is not installed."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.fail("headless Chromium is not installed: apt-get install -y chromium (.ci/run installs it)")

    def run(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
             "--disable-dev-shm-usage", "--allow-file-access-from-files", *args],
            capture_output=True, text=True, timeout=timeout, check=False,
        )

    return run


@pytest.fixture(scope="session")
def sample_html(sample_report: ReadinessReport, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample home's HTML report, written to a file."""
    path = tmp_path_factory.mktemp("html") / "sample-report.html"
    path.write_text(HtmlOutput().render(sample_report), encoding="utf-8")
    return path
