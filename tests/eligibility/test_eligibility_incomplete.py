"""A location the engine cannot evaluate gets no verdict, loudly: ``EvaluationIncomplete`` from the API,
``"decision": "not_evaluated"`` and ``complete: false`` with ``allow_incomplete=True``, exit 3 at the CLI.

The engine refuses a fact with a text field longer than it can hold: here a service type name of 70,000
characters in the CQC record.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mipr_rules.errors import EvaluationIncomplete
from mipr_rules.outputs.text import TextOutput

FIXTURES = Path(__file__).parents[1] / "fixtures" / "eligibility"


@pytest.fixture
def refused(tmp_path: Path) -> Path:
    data = json.loads((FIXTURES / "good-care-home.json").read_text())
    data["gacServiceTypes"] = [{"name": "Residential homes " + "x" * 70_000}]
    path = tmp_path / "location.json"
    path.write_text(json.dumps(data))
    return path


def test_the_api_raises_naming_the_location(assess: Any, refused: Path) -> None:
    with pytest.raises(EvaluationIncomplete) as info:
        assess(json.loads(refused.read_text()))
    ((key, reason),) = info.value.failures
    assert key.startswith("location:") and "longer than" in reason and "xxxx" not in reason


def test_allow_incomplete_gives_no_verdict_and_says_so_first(assess: Any, refused: Path) -> None:
    report = assess(json.loads(refused.read_text()), allow_incomplete=True)
    assert report.complete is False and report.decision is None and not report.eligible
    data = report.as_dict()
    assert list(data)[:3] == ["kind", "complete", "failures"]
    assert data["decision"] == "not_evaluated" and data["checks"] == [] and data["rule"] is None
    text = TextOutput().render(report)
    assert text.startswith("INCOMPLETE: 1 input(s) not evaluated") and "NOT EVALUATED" in text


def test_the_cli_exits_3(mipr: Any, refused: Path) -> None:
    result = mipr("eligibility", str(refused), "--as-of", "2023-02-01", "--format", "json")
    assert result.exit_code == 3, result.output
    (error,) = result.stderr.splitlines()
    assert error.startswith("mipr: error: not evaluated: location:") and "xxxx" not in error
    assert json.loads(result.stdout)["complete"] is False
