"""Eligibility judges the rating CQC publishes today: SAF assessments, past and per-service ratings."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

CQC = Path(__file__).parents[1] / "fixtures" / "cqc"


def record(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CQC / name).read_text(encoding="utf-8"))
    return data


def current_rating_check(report: Any) -> tuple[bool | None, str]:
    check = next(c for c in report.checks if c.id == "current_rating")
    return check.passed, check.detail


def test_saf_assessed_location_is_judged_on_its_assessment_rating(assess: Any) -> None:
    report = assess(record("saf-assessed.json"), as_of="2025-06-05")
    passed, detail = current_rating_check(report)
    assert passed is True
    assert "Currently rated Requires improvement" in detail


def test_saf_assessed_location_from_the_command_line(mipr: Any) -> None:
    result = mipr("eligibility", str(CQC / "saf-assessed.json"), "--as-of", "2025-06-05", "--format", "json")
    assert result.exit_code == 0, result.output
    checks = {c["id"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["current_rating"]["passed"] is True
    assert "Not yet rated" not in result.stdout


def test_a_location_with_past_ratings_only_is_not_called_never_rated(assess: Any) -> None:
    data = record("never-rated.json")
    data["historicRatings"] = copy.deepcopy(record("lucerne-house.json")["historicRatings"])
    passed, detail = current_rating_check(assess(data, as_of="2025-06-05"))
    assert "Not yet rated" not in detail
    assert (passed, detail.split(":")[0]) == (False, "Currently rated Outstanding")


def test_a_location_rated_per_service_only_is_not_called_never_rated(assess: Any) -> None:
    data = record("never-rated.json")
    data["currentRatings"] = {
        "serviceRatings": [{"name": "Homecare agencies", "rating": "Requires Improvement", "reportDate": "2024-02-01"}]
    }
    passed, detail = current_rating_check(assess(data, as_of="2025-06-05"))
    assert passed is True and "Currently rated Requires improvement" in detail


def test_only_a_location_with_no_rating_of_any_kind_is_never_rated(assess: Any) -> None:
    passed, detail = current_rating_check(assess(record("never-rated.json"), as_of="2025-06-05"))
    assert passed is True and detail.startswith("Not yet rated")
