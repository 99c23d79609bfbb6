"""Incomplete means loud: an engine worker killed mid-run (a real ``kill -9``) makes the API raise
``EvaluationIncomplete`` naming the location, makes ``allow_incomplete=True`` results say ``complete: false``,
and makes the CLI exit 3 with the failure first in text, JSON and HTML.

The worker is killed from inside the run, by the location source itself once it has handed over every
location (the jobs are then in the worker's hands, unanswered): no timing is involved.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import os
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from mipr_rules.convert import structure, unstructure
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.errors import EvaluationIncomplete, MiprRulesError
from mipr_rules.model import Location
from mipr_rules.outputs.html import HtmlOutput
from mipr_rules.readiness import run_readiness
from mipr_rules.samples.generate import PLANTED_GAPS


def kill_engine_workers(spare: Collection[int] = ()) -> None:
    """``kill -9`` every child process of this one (the engine workers) but ``spare`` and multiprocessing's helper."""
    for child in psutil.Process().children():
        try:
            if child.pid in spare or "resource_tracker" in " ".join(child.cmdline()):
                continue
            child.kill()  # not reaped here: the engine's supervisor reads how it died
        except psutil.Error:
            pass


PLUGIN = f"""
from __future__ import annotations

from collections.abc import Collection

import psutil

from mipr_rules import hookimpl
from mipr_rules.adapters.file_adapter import FileAdapter

{inspect.getsource(kill_engine_workers)}

class KillingAdapter:
    \"\"\"Reads like the file adapter, then kills the engine workers before the run has its answers.\"\"\"

    name = "killing"
    version = "1.0"
    description = "file adapter, then kill -9 of the engine workers"
    accepts = ("*.json",)

    def read(self, source, context):
        yield from FileAdapter().read(source, context)
        kill_engine_workers()


@hookimpl
def mipr_register_adapters(register):
    register(KillingAdapter())
"""


def _homes(sample: Location, count: int) -> list[Location]:
    data = unstructure(sample)
    homes = []
    for index in range(count):
        data["location_id"], data["name"] = f"1-00000000{index + 1}", f"Home {index + 1}"
        homes.append(structure(data, Location, "test"))
    return homes


def _killing_after(locations: Iterable[Location], spare: set[int]) -> Iterator[Location]:
    yield from locations
    kill_engine_workers(spare)


def _crash_run(sample: Location, as_of: dt.date, allow_incomplete: bool) -> Any:
    spare = {child.pid for child in psutil.Process().children()}  # other tests' workers live on
    with Evaluator(processes=1, timeout=60) as evaluator:
        return run_readiness(
            _killing_after(_homes(sample, 3), spare),
            as_of=as_of,
            evaluator=evaluator,
            allow_incomplete=allow_incomplete,
        )


def test_a_killed_worker_makes_run_readiness_raise_naming_the_location(sample: Location, as_of: dt.date) -> None:
    with pytest.raises(EvaluationIncomplete) as info:
        _crash_run(sample, as_of, allow_incomplete=False)
    ((key, reason),) = info.value.failures
    assert key in {"1-000000001", "1-000000002", "1-000000003"}
    assert "crashed" in reason and "SIGKILL" in reason, reason
    assert info.value.total == 3 and info.value.exit_code == 3
    assert isinstance(info.value, MiprRulesError)


def test_with_allow_incomplete_the_others_are_evaluated_and_the_json_says_incomplete(
    sample: Location, as_of: dt.date
) -> None:
    report = _crash_run(sample, as_of, allow_incomplete=True)
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


# --- the command line ----------------------------------------------------------------------------------


@pytest.fixture
def killing_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a ``mipr`` whose ``killing`` adapter kills its engine workers mid-run."""
    root = tmp_path / "plugin"
    root.mkdir()
    (root / "killing_adapter.py").write_text(PLUGIN)
    info = root / "killing_adapter-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: killing_adapter\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[mipr_rules]\nkilling_adapter = killing_adapter\n")
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "MIPR_RULES_DEBUG", "COLUMNS")}
    env.update(NO_COLOR="1", COLUMNS="200", MIPR_RULES_WORKERS="1")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), env.get("PYTHONPATH", "")) if p)
    return env


@pytest.fixture
def three_homes(tmp_path: Path, sample: Location) -> Path:
    path = tmp_path / "homes.json"
    path.write_text(json.dumps([unstructure(home) for home in _homes(sample, 3)], default=str))
    return path


@pytest.mark.parametrize("fmt", ["text", "json", "html"])
def test_the_cli_exits_3_with_the_failure_first(
    killing_env: dict[str, str], three_homes: Path, fmt: str, mipr: Any
) -> None:
    result = mipr(
        "readiness", "--adapter", "killing", "--source", str(three_homes), "--as-of", "2026-11-02",
        "--format", fmt, "--fail-on", "low", env=killing_env,
    )  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    (error,) = result.stderr.splitlines()
    assert error.startswith("mipr: error: not evaluated: 1-00000000") and "SIGKILL" in error
    key = error.split(": ")[3]
    if fmt == "text":
        first, second = result.stdout.splitlines()[:2]
        assert first == "INCOMPLETE: 1 of 3 location(s) not evaluated; their results are missing from this report"
        assert second.strip().startswith(f"{key}: the rules engine crashed")
    elif fmt == "json":
        data = json.loads(result.stdout)
        assert list(data)[:3] == ["kind", "complete", "failures"] and data["complete"] is False
        assert [f["key"] for f in data["failures"]] == [key]
        assert sum(loc["error"] is None for loc in data["locations"]) == 2
    else:
        head = result.stdout[: result.stdout.index("<h1>")]
        assert 'id="failures"' in head and key in head
