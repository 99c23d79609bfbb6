"""A timeline the engine cannot evaluate is loud: ``EvaluationIncomplete`` from the API, ``complete: false``
with ``allow_incomplete=True``, exit 3 with the failure first at the CLI, never "no deadlines".

The engine refuses a fact with a text field longer than it can hold: here an event name a provider added
to the ``events`` parameter with a note pasted into it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from mipr_rules.errors import EvaluationIncomplete
from mipr_rules.outputs.text import TextOutput
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules.timelines import known_events

LONG = "report_published_" + "x" * 70_000


@pytest.fixture
def overrides(ruleset: Ruleset) -> dict[str, Any]:
    return {"events": {**known_events(ruleset), LONG: "an event name with a note pasted into it"}}


def test_the_api_raises_naming_the_input(timeline: Any, overrides: dict[str, Any]) -> None:
    with pytest.raises(EvaluationIncomplete) as info:
        timeline((LONG, "2025-02-10"), as_of="2025-03-01", overrides=overrides)
    ((key, reason),) = info.value.failures
    assert key == "timeline:events" and "longer than" in reason and "xxxx" not in reason


def test_allow_incomplete_returns_a_report_that_says_so_first(timeline: Any, overrides: dict[str, Any]) -> None:
    report = timeline((LONG, "2025-02-10"), as_of="2025-03-01", overrides=overrides, allow_incomplete=True)
    assert report.complete is False and report.deadlines == ()
    data = report.as_dict()
    assert list(data)[:3] == ["kind", "complete", "failures"]
    assert data["complete"] is False and [f["key"] for f in data["failures"]] == ["timeline:events"]
    text = TextOutput().render(report)
    assert text.startswith("INCOMPLETE: 1 input(s) not evaluated")
    assert "No deadlines" not in text, "an evaluation that did not happen is not an all-clear"


def test_a_complete_timeline_says_so(timeline: Any) -> None:
    data = timeline(("report_published", "2025-02-10"), as_of="2025-03-01").as_dict()
    assert (data["complete"], data["failures"]) == (True, [])


def test_the_cli_exits_3_with_the_failure_first(mipr: Any, tmp_path: Path, overrides: dict[str, Any]) -> None:
    config = tmp_path / "provider.yaml"
    config.write_text(yaml.safe_dump({"parameters": {"cqc-timelines": overrides}}))
    result = mipr("timeline", "--event", f"{LONG}=2025-02-10", "--as-of", "2025-03-01", "--config", str(config),
                  "--format", "json", "--fail-on", "info")
    assert result.exit_code == 3, result.output
    (error,) = result.stderr.splitlines()
    assert error.startswith("mipr: error: not evaluated: timeline:events: ") and "xxxx" not in error
    data = json.loads(result.stdout)
    assert data["complete"] is False and data["deadlines"] == []
