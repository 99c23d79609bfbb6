"""Incomplete means loud: a location the engine could not evaluate makes the API raise ``EvaluationIncomplete``
naming it, makes ``allow_incomplete=True`` results say ``complete: false``, and makes the CLI exit 3 with the
failure first in text, JSON and HTML.

The failure is deterministic: the engine refuses one home's facts (a record id longer than its string limit),
a real per-location engine failure. Worker deaths (``kill -9``, segfaults) are turned into the same per-location
failures by the engine pool: tests/engine/test_worker_crashes.py and bench/crash_isolation.py.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest

from mipr_rules.api import Session
from mipr_rules.convert import structure, unstructure
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.errors import EvaluationIncomplete, MiprRulesError
from mipr_rules.model import Location
from mipr_rules.outputs.html import HtmlOutput
from mipr_rules.samples.generate import PLANTED_GAPS


def _homes(sample: Location, count: int, broken: int | None = None) -> list[Location]:
    """``count`` copies of the sample; the engine refuses home number ``broken`` (a record id over its limit)."""
    data = unstructure(sample)
    homes = []
    for index in range(count):
        home = json.loads(json.dumps(data, default=str))
        home["location_id"], home["name"] = f"1-00000000{index + 1}", f"Home {index + 1}"
        if index + 1 == broken:
            home["people"][0]["care_plans"][0]["plan_id"] = "CP-" + "9" * 70_000
        homes.append(structure(home, Location, "test"))
    return homes


def _run(sample: Location, as_of: dt.date, allow_incomplete: bool) -> Any:
    with Evaluator(processes=1, timeout=60) as evaluator:
        return Session(evaluator=evaluator).readiness(_homes(sample, 3, broken=2), as_of=as_of,
                             allow_incomplete=allow_incomplete)


def test_a_location_not_evaluated_makes_run_readiness_raise_naming_it(sample: Location, as_of: dt.date) -> None:
    with pytest.raises(EvaluationIncomplete) as info:
        _run(sample, as_of, allow_incomplete=False)
    ((key, reason),) = info.value.failures
    assert key == "1-000000002" and reason
    assert "9999" not in reason, "the failure names the location, never the data"
    assert info.value.total == 3 and info.value.exit_code == 3
    assert isinstance(info.value, MiprRulesError)


def test_with_allow_incomplete_the_others_are_evaluated_and_the_json_says_incomplete(
    sample: Location, as_of: dt.date
) -> None:
    report = _run(sample, as_of, allow_incomplete=True)
    assert report.complete is False
    ((key, reason),) = report.failures
    evaluated = [loc for loc in report.locations if loc.error is None]
    assert len(evaluated) == 2 and key not in {loc.location_id for loc in evaluated}
    for loc in evaluated:
        assert sorted((a.rule_id, a.subject) for a in loc.alerts) == sorted(PLANTED_GAPS)
    data = json.loads(json.dumps(report.as_dict()))
    assert data["complete"] is False
    assert data["failures"] == [{"key": key, "reason": reason}]
    html = HtmlOutput().render(report)
    assert html.index('id="failures"') < html.index("<h1>"), "the failures come first"
    assert key in html[: html.index("<h1>")]


def test_a_complete_run_says_so(sample: Location, as_of: dt.date) -> None:
    with Evaluator(processes=1, timeout=60) as evaluator:
        report = Session(evaluator=evaluator).readiness(_homes(sample, 2), as_of=as_of)
    assert report.complete and report.failures == ()
    assert report.as_dict()["complete"] is True and report.as_dict()["failures"] == []


# --- the command line ----------------------------------------------------------------------------------


@pytest.fixture
def three_homes(tmp_path: Path, sample: Location) -> Path:
    path = tmp_path / "homes.json"
    path.write_text(json.dumps([unstructure(home) for home in _homes(sample, 3, broken=2)], default=str))
    return path


@pytest.mark.parametrize("fmt", ["text", "json", "html"])
def test_the_cli_exits_3_with_the_failure_first(
    three_homes: Path, fmt: str, mipr: Any
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "MIPR_RULES_DEBUG", "COLUMNS")}
    env.update(NO_COLOR="1", COLUMNS="200", MIPR_RULES_WORKERS="1")
    result = mipr(
        "readiness", "--source", str(three_homes), "--as-of", "2026-11-02",
        "--format", fmt, "--fail-on", "low", env=env,
    )  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    (error,) = result.stderr.splitlines()
    assert error.startswith("mipr: error: not evaluated: 1-000000002: ")
    key = "1-000000002"
    if fmt == "text":
        first, second = result.stdout.splitlines()[:2]
        assert first == "INCOMPLETE: 1 of 3 location(s) not evaluated; their results are missing from this report"
        assert second.strip().startswith(f"{key}: ")
    elif fmt == "json":
        data = json.loads(result.stdout)
        assert list(data)[:3] == ["kind", "complete", "failures"] and data["complete"] is False
        assert [f["key"] for f in data["failures"]] == [key]
        assert sum(loc["error"] is None for loc in data["locations"]) == 2
    else:
        head = result.stdout[: result.stdout.index("<h1>")]
        assert 'id="failures"' in head and key in head
