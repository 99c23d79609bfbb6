"""``mipr timeline`` as a user runs it: JSON contract, events files, regions, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parents[1] / "fixtures" / "timelines"

DEADLINE_KEYS = {"id", "trigger", "trigger_date", "due", "day_type", "status", "rule", "source"}


def test_json_matches_the_contract(mipr: Any, fixtures: Path) -> None:
    result = mipr("timeline", "--event", "draft_report_received=2024-12-20", "--as-of", "2025-01-09",
                  "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"as_of", "region", "ruleset", "deadlines"} <= set(data)
    assert data["as_of"] == "2025-01-09" and data["region"] == "england-and-wales"
    assert {"id", "version"} <= set(data["ruleset"]) and data["ruleset"]["id"] == "cqc-timelines"
    (deadline,) = data["deadlines"]
    assert set(deadline) >= DEADLINE_KEYS
    assert {k: deadline[k] for k in ("id", "trigger", "trigger_date", "due", "day_type", "status", "rule")} == {
        "id": "factual_accuracy_comments", "trigger": "draft_report_received", "trigger_date": "2024-12-20",
        "due": "2025-01-08", "day_type": "working", "status": "overdue", "rule": "factual_accuracy_comments"}
    assert deadline["source"]["url"].startswith("https://www.cqc.org.uk/")


def test_events_file_yaml_list(mipr: Any, fixtures: Path) -> None:
    result = mipr("timeline", "--events", str(fixtures / "after-inspection.yaml"), "--as-of", "2025-03-10",
                  "--format", "json")
    assert result.exit_code == 0, result.output
    statuses = {d["id"]: d["status"] for d in json.loads(result.stdout)["deadlines"]}
    assert statuses == {"factual_accuracy_comments": "met", "report_publication_expected": "met",
                        "rating_review_request": "overdue", "rating_display": "late"}


def test_events_file_json_mapping_with_repeated_option(mipr: Any, fixtures: Path) -> None:
    result = mipr("timeline", "--events", str(fixtures / "enforcement.json"),
                  "--event", "warning_notice_representations_submitted=2025-06-12", "--as-of", "2025-06-30",
                  "--format", "json")
    assert result.exit_code == 0, result.output
    statuses = {d["id"]: d["status"] for d in json.loads(result.stdout)["deadlines"]}
    assert statuses == {"tribunal_appeal": "overdue", "notice_of_proposal_representations": "met",
                        "warning_notice_representations": "met"}


def test_region_option_changes_the_calendar(mipr: Any, fixtures: Path) -> None:
    result = mipr("timeline", "--event", "draft_report_received=2024-12-20", "--region", "scotland",
                  "--as-of", "2024-12-20", "--format", "json")
    data = json.loads(result.stdout)
    assert (data["region"], data["deadlines"][0]["due"]) == ("scotland", "2025-01-09")


def test_config_overrides_a_parameter(mipr: Any, fixtures: Path) -> None:
    result = mipr("timeline", "--event", "manager_absence_planned_start=2025-03-01", "--as-of", "2025-02-10",
                  "--config", str(fixtures / "shorter-notice.yaml"), "--format", "json")
    assert result.exit_code == 0, result.output
    (deadline,) = json.loads(result.stdout)["deadlines"]
    assert (deadline["due"], deadline["status"]) == ("2025-02-15", "open")


def test_text_output_lists_deadlines_and_corrections(mipr: Any, fixtures: Path) -> None:
    result = mipr("timeline", "--event", "report_published=2025-02-10", "--as-of", "2025-03-10")
    assert result.exit_code == 0
    assert "OVERDUE" in result.stdout and "rating_display" in result.stdout
    assert "What popular guidance gets wrong" in result.stdout


def test_fail_on_exits_1_when_a_deadline_is_overdue(mipr: Any, fixtures: Path) -> None:
    result = mipr("timeline", "--event", "report_published=2025-02-10", "--as-of", "2025-03-10",
                  "--fail-on", "high", "--format", "json")
    assert result.exit_code == 1
    ok = mipr("timeline", "--event", "report_published=2025-02-10", "--as-of", "2025-02-11", "--fail-on", "high")
    assert ok.exit_code == 0


@pytest.mark.parametrize(("args", "expected"), [
    (["--event", "report_recieved=2025-02-10"], "--event report_recieved: unknown event 'report_recieved'"),
    (["--event", "report_published=2025-02-30"], "--event report_published: expected a date in the form YYYY-MM-DD"),
    (["--event", "report_published=10/02/2025"], "expected a date in the form YYYY-MM-DD"),
    (["--event", "report_published"], "--event: expected NAME=YYYY-MM-DD"),
    (["--events", str(FIXTURES / "unknown-event.yaml")], "unknown-event.yaml: $[1].name: unknown event"),
    (["--events", str(FIXTURES / "bad-date.json")], "bad-date.json: expected date (YYYY-MM-DD) @ $[0].date"),
    (["--events", str(FIXTURES / "extra-field.yaml")], "extra-field.yaml: unknown field(s) note @ $[0]"),
    (["--events", str(FIXTURES / "not-a-list.yaml")], "not-a-list.yaml: expected a list of {name, date} events"),
    (["--events", str(FIXTURES / "broken.json")], "broken.json:2:1: invalid JSON"),
    (["--events", str(FIXTURES / "missing.yaml")], "missing.yaml: file not found"),
])
def test_bad_input_exits_2_with_one_line(mipr: Any, fixtures: Path, args: list[str], expected: str) -> None:
    result = mipr("timeline", *args, "--as-of", "2025-03-01")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mipr: error: "), result.stderr
    assert expected in lines[0]


def test_unknown_event_message_lists_the_known_names(mipr: Any, fixtures: Path) -> None:
    result = mipr("timeline", "--event", "visit=2025-02-10", "--as-of", "2025-03-01")
    assert "expected one of action_plan_requested" in result.stderr and "warning_notice_served" in result.stderr


def test_bad_as_of_and_region_are_usage_errors(mipr: Any, fixtures: Path) -> None:
    assert mipr("timeline", "--as-of", "2025-13-01").exit_code == 2
    assert mipr("timeline", "--region", "wales", "--as-of", "2025-01-01").exit_code == 2


def test_installed_command_runs() -> None:
    mipr_exe = Path(sys.executable).with_name("mipr")
    run = subprocess.run([str(mipr_exe), "timeline", "--event", "bogus=2025-01-01"], capture_output=True, text=True,
                         check=False)
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "unknown event 'bogus'" in run.stderr
