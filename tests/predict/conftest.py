"""Fixtures of the prediction tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture
def no_caring_home(sample_json: Path, tmp_path: Path) -> Path:
    """The sample home without the records that inform the Caring statements (About me, care preferences,
    people's involvement in their plans, call-bell checks, staff feedback), as a JSON file."""
    home = json.loads(sample_json.read_text())
    for person in home.get("people", []):
        person.pop("about_me_recorded", None)
        person["care_preferences_recorded"] = False
        for plan in person.get("care_plans", []):
            plan.pop("person_involved", None)
    home["checks"] = [c for c in home.get("checks", []) if c["kind"] != "call_bell_response"]
    home["feedback"] = [f for f in home.get("feedback", []) if f["source"] != "staff"]
    path = tmp_path / "no-caring.json"
    path.write_text(json.dumps(home))
    return path
