"""Bad store URLs, executor options and alert ids are one-line errors (exit 2), never a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alert_support import run_mipr, write_source


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--executor", "celery"], "give the broker, e.g. --broker amqp://"),
        (["--broker", "amqp://localhost//"], "--broker is for --executor celery"),
        (["--store", "mysql://localhost/alerts"], "expected a SQLite path, sqlite:///PATH or postgresql://"),
    ],
)
def test_bad_executor_and_store_options(tmp_path: Path, home: dict[str, Any], extra: list[str], message: str) -> None:
    source = write_source(tmp_path / "home.json", home)
    args = ["watch", "--source", source, "--once", "--as-of", "2026-11-02"]
    if "--store" not in extra:
        args += ["--store", tmp_path / "alerts.db"]
    result = run_mipr(*args, *extra)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_alert_commands_name_a_missing_store_or_alert(tmp_path: Path, home: dict[str, Any]) -> None:
    missing = tmp_path / "none.db"
    result = run_mipr("alerts", "list", "--store", missing)
    assert result.exit_code == 2 and f"{missing}: no alert store there" in result.output
    assert not missing.exists(), "reading never creates a store"
    source = write_source(tmp_path / "home.json", home)
    store = tmp_path / "alerts.db"
    assert run_mipr("watch", "--source", source, "--store", store, "--once", "--as-of", "2026-11-02").exit_code == 0
    result = run_mipr("alerts", "show", "A-000000000000", "--store", store)
    assert result.exit_code == 2 and "no alert A-000000000000" in result.output
    result = run_mipr("snooze", "A-000000000000", "--store", store, "--until", "2026-12-01", "--by", "Jane Smith",
                      "--reason", "x", "--on", "2026-11-02")  # fmt: skip
    assert result.exit_code == 2 and "--by: expected a pseudonymous id" in result.output
