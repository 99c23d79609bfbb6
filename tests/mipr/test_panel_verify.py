"""``mipr panel verify``: the verified score, moderation, and the publication gate naming what is missing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from mipr_rules_cli.cli import cli

FIXTURES = Path(__file__).parents[1] / "fixtures" / "mipr"
AS_OF = ["--as-of", "2025-07-15"]


def mipr(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def verify(path: Path, *args: str) -> dict[str, Any]:
    result = mipr("panel", "verify", str(path), "--format", "json", *AS_OF, *args)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copy(FIXTURES / name, target)
    return target


def conditions(data: dict[str, Any]) -> list[str]:
    return [b["condition"] for b in data["blocking"]]


def edit(path: Path, change: Any) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def test_a_publishable_report() -> None:
    data = verify(FIXTURES / "panel-publishable.yaml")
    assert {"verified_score", "rating", "publishable", "blocking"} <= set(data)
    assert (data["verified_score"], data["rating"], data["publishable"], data["blocking"]) == (3.88, "Good", True, [])
    assert (data["percentage"], data["band"]) == (97, "Outstanding") and data["limited_by"]
    assert data["kind"] == "mipr_panel" and data["ruleset"]["id"] == "mipr-panel-2025"
    assert [s["score"] for s in data["stages"]] == [3.92, 3.85]
    proportionality = next(c for c in data["criteria"] if c["id"] == "methodology.proportionality")
    assert (proportionality["stage_1"], proportionality["stage_2"], proportionality["verified"]) == (4.0, 3.0, 3.5)


def test_blocking_names_exactly_the_missing_conditions() -> None:
    data = verify(FIXTURES / "panel-blocked.yaml")
    assert (data["verified_score"], data["rating"], data["publishable"]) == (2.88, "Requires improvement", False)
    assert conditions(data) == ["pre_check", "verified_rating", "publication_consent"]
    pre_check, rating, consent = data["blocking"]
    assert pre_check["rule"] == "pre_check_did_not_proceed"
    assert rating["rule"] == "verified_rating_not_publishable" and "Requires improvement" in rating["message"]
    assert consent["message"] == "The provider's consent to publication is not recorded"
    assert consent["source"]["publisher"] == "C-CAF"


@pytest.mark.parametrize(
    ("change", "missing"),
    [
        (lambda d: d.update(publication_consent=False), ["publication_consent"]),
        (lambda d: d.pop("factual_accuracy_review"), ["factual_accuracy_review"]),
        (lambda d: [r["scores"].update({"terminology.accuracy": 2}) for r in d["reviews"]], ["verified_rating"]),
        (lambda d: d["reviews"].pop(), ["stage_2_review", "verified_rating"]),
        (lambda d: d["reviews"][0]["scores"].pop("terminology.accuracy"), ["stage_1_review", "verified_rating"]),
    ],
    ids=["no consent", "no factual-accuracy review", "verified below Good", "no stage 2", "stage 1 incomplete"],
)
def test_each_condition_alone_blocks(tmp_path: Path, change: Any, missing: list[str]) -> None:
    path = copy("panel-publishable.yaml", tmp_path)
    edit(path, change)
    data = verify(path)
    assert data["publishable"] is False and conditions(data) == missing


def test_no_verified_score_until_both_stages_are_complete(tmp_path: Path) -> None:
    path = copy("panel-publishable.yaml", tmp_path)
    edit(path, lambda d: d["reviews"].pop())
    data = verify(path)
    assert (data["verified_score"], data["rating"], data["percentage"]) == (None, None, None)
    assert data["stages"][1] == {"stage": 2, "reviewers": [], "complete": False, "score": None, "rating": None}


def test_stages_far_apart_need_moderation_until_it_is_recorded(tmp_path: Path) -> None:
    path = copy("panel-moderation.json", tmp_path)
    data = verify(path)
    assert conditions(data) == ["moderation"] and data["moderation_required"] is True
    assert "differ by 2.0" in data["blocking"][0]["message"]
    assert data["verified_score"] == 3.92  # the mean of 4 and 2 on proportionality, until moderated
    result = mipr(
        "panel",
        "moderate",
        str(path),
        "--moderator",
        "M1",
        "--score",
        "proportionality=4",
        "--date",
        "2025-04-14",
        "--comment",
        "The timescales match the risk.",
    )
    assert result.exit_code == 0, result.output
    data = verify(path)
    assert data["publishable"] is True and data["moderation_required"] is False
    assert (data["verified_score"], data["rating"]) == (4.0, "Outstanding")
    proportionality = next(c for c in data["criteria"] if c["id"] == "methodology.proportionality")
    assert (proportionality["difference"], proportionality["moderated"], proportionality["verified"]) == (2.0, 4, 4.0)


def test_stages_a_point_apart_overall_need_moderation(tmp_path: Path) -> None:
    path = copy("panel-publishable.yaml", tmp_path)
    edit(path, lambda d: d["reviews"][1].update(scores=dict.fromkeys(d["reviews"][1]["scores"], 3)))
    data = verify(path)
    assert conditions(data) == ["moderation"]
    assert data["blocking"][0]["rule"] == "stages_disagree_overall"


def test_notes_do_not_block(tmp_path: Path) -> None:
    path = copy("panel-publishable.yaml", tmp_path)
    edit(path, lambda d: d.update(factual_accuracy_review="2025-05-30"))
    data = verify(path)
    assert data["publishable"] is True
    assert {w["rule"] for w in data["warnings"]} == {"factual_accuracy_after_peer_review"}


def test_the_same_reviewer_on_both_stages_blocks_unless_the_ruleset_allows_it(tmp_path: Path) -> None:
    path = copy("panel-publishable.yaml", tmp_path)
    edit(path, lambda d: d["reviews"][1].update(reviewer="R1"))
    data = verify(path)
    assert data["publishable"] is False and [b["rule"] for b in data["blocking"]] == ["same_reviewer_both_stages"]
    config = tmp_path / "provider.yaml"
    config.write_text("parameters:\n  mipr-panel-2025:\n    max_reviewers_in_both_stages: 1\n", encoding="utf-8")
    assert verify(path, "--config", str(config))["publishable"] is True


def test_text_output() -> None:
    result = mipr("panel", "verify", str(FIXTURES / "panel-blocked.yaml"), *AS_OF)
    assert result.exit_code == 0
    assert "Verified score: 2.88 of 4, Requires improvement" in result.stdout
    assert "Not publishable" in result.stdout and "publication_consent: The provider's consent" in result.stdout
    result = mipr("panel", "verify", str(FIXTURES / "panel-publishable.yaml"), *AS_OF)
    assert "Publishable: every condition is met" in result.stdout


@pytest.mark.parametrize(
    ("name", "fail_on", "code"),
    [
        ("panel-blocked.yaml", "blocked", 1),
        ("panel-publishable.yaml", "blocked", 0),
        ("panel-moderation.json", "high", 1),
        ("panel-publishable.yaml", "low", 0),
    ],
)
def test_fail_on(name: str, fail_on: str, code: int) -> None:
    assert mipr("panel", "verify", str(FIXTURES / name), *AS_OF, "--fail-on", fail_on).exit_code == code


def test_parameters_can_be_overridden(tmp_path: Path) -> None:
    config = tmp_path / "panel-config.yaml"
    config.write_text(yaml.safe_dump({"parameters": {"mipr-panel-2025": {"max_criterion_disagreement": 2}}}))
    data = verify(FIXTURES / "panel-moderation.json", "--config", str(config))
    assert data["publishable"] is True and data["parameters"]["max_criterion_disagreement"] == 2


def test_explain_shows_the_measured_panel_fact() -> None:
    data = verify(FIXTURES / "panel-blocked.yaml", "--explain")
    facts = data["blocking"][1]["facts"]
    assert facts["verified_rating"] == "Requires improvement" and facts["stage_1_score"] == 2.85
    assert facts["pre_check_proceeds"] is False
    assert data["blocking"][1]["parameters"] == {"publishable_ratings": ["Outstanding", "Good"]}


SAMPLES = Path(__file__).parents[2] / "mipr_rules" / "samples" / "mipr"


def test_a_report_the_pre_check_stopped_is_not_publishable(tmp_path: Path) -> None:
    path = copy("panel-publishable.yaml", tmp_path)
    report = FIXTURES / "corpus" / "ashgrove-contradiction.md"
    data = verify(path, "--report", str(report))
    assert data["publishable"] is False
    assert "pre_check" in conditions(data)
    (blocking,) = [b for b in data["blocking"] if b["condition"] == "pre_check"]
    assert blocking["rule"] == "pre_check_did_not_proceed" and "Inadequate" in blocking["message"]


def test_a_report_that_proceeds_and_is_the_one_named_by_digest_is_publishable(tmp_path: Path) -> None:
    report = tmp_path / "meadowbank.md"
    shutil.copy(SAMPLES / "meadowbank-good.md", report)
    record = tmp_path / "record.yaml"
    assert mipr("panel", "init", str(record), "--report", str(report)).exit_code == 0
    started = yaml.safe_load(record.read_text(encoding="utf-8"))
    assert len(started["report"]["sha256"]) == 64
    publishable = yaml.safe_load((FIXTURES / "panel-publishable.yaml").read_text(encoding="utf-8"))
    publishable["report"] = started["report"]
    record.write_text(yaml.safe_dump(publishable), encoding="utf-8")
    assert verify(record, "--report", str(report))["publishable"] is True
    # the consultant edits the report after the panel scored it: not the report the panel reviewed
    report.write_text(report.read_text(encoding="utf-8") + "\nA late addition.\n", encoding="utf-8")
    data = verify(record, "--report", str(report))
    assert data["publishable"] is False
    assert any(b["rule"] == "report_not_the_one_pre_checked" for b in data["blocking"])
