"""A timeline the engine cannot evaluate is loud: ``EvaluationIncomplete`` from the API, ``complete: false``
with ``allow_incomplete=True``, exit 3 with the failure first at the CLI, never "no deadlines".

The engine refuses a fact with a text field longer than it can hold: here an event name that a ruleset's
author put in the ``events`` parameter's default with a note pasted into it (built in memory: the loader and
``--config`` now refuse such names as bad input, which is right, so nothing at the command line reaches the
engine with it; the command line's exit 3 is tested with readiness in tests/test_completeness.py).
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from mipr_rules.errors import EvaluationIncomplete
from mipr_rules.outputs.text import TextOutput
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules.timelines import known_events

LONG = "report_published_" + "x" * 70_000


@pytest.fixture
def long_events(ruleset: Ruleset) -> Ruleset:
    """The shipped ruleset with one more event, whose name the engine cannot hold."""
    events = ruleset.parameters["events"]
    default = {**known_events(ruleset), LONG: "an event name with a note pasted into it"}
    return attrs.evolve(ruleset, parameters={**ruleset.parameters, "events": attrs.evolve(events, default=default)})


def test_the_api_raises_naming_the_input(timeline: Any, long_events: Ruleset) -> None:
    with pytest.raises(EvaluationIncomplete) as info:
        timeline((LONG, "2025-02-10"), as_of="2025-03-01", ruleset=long_events)
    ((key, reason),) = info.value.failures
    assert key == "timeline:events" and "longer than" in reason and "xxxx" not in reason


def test_allow_incomplete_returns_a_report_that_says_so_first(timeline: Any, long_events: Ruleset) -> None:
    report = timeline((LONG, "2025-02-10"), as_of="2025-03-01", ruleset=long_events, allow_incomplete=True)
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
