"""House rules: a ruleset folder that extends cqc-readiness, used with --rules-path, MIPR_RULES_PATH or
rules_path in the configuration, without packaging."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mipr_rules.errors import RulesetError
from mipr_rules.ruleset.catalogue import Catalogue

READINESS = Catalogue.installed().get("cqc-readiness").version
"""The version of cqc-readiness installed, which the example extends."""
EXAMPLE = Path(__file__).parents[2] / "plugins" / "house-rules" / "mipr_rules_rulesets_house_example" / "rulesets"
"""The example house rules (one rule added, one overridden, one disabled), used here as a plain folder."""
Run = Callable[..., Any]


@pytest.fixture
def house(tmp_path: Path) -> Path:
    """A copy of the example under another id, so that an installed example pack cannot clash with it."""
    folder = tmp_path / "house-rules"
    folder.mkdir()
    for file in EXAMPLE.glob("*.yaml"):
        text = file.read_text(encoding="utf-8").replace("sunrise-care-house-rules", "our-house-rules")
        (folder / file.name.replace("sunrise-care-house-rules", "our-house-rules")).write_text(text, encoding="utf-8")
    return folder


def test_readiness_runs_the_house_rules_from_a_folder(mipr: Run, house: Path, sample_json: Path) -> None:
    done = mipr("readiness", "--rules-path", str(house), "--ruleset", "our-house-rules", "--source",
                str(sample_json), "--as-of", "2026-11-02", "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["ruleset"]["id"] == "our-house-rules"
    rules = {a["rule"]: a for a in report["locations"][0]["alerts"]}
    assert rules["supervision_overdue"]["severity"] == "high"  # overridden: every 60 days, high
    assert "evidence_category_stale" not in rules  # disabled
    assert "death_not_notified" in rules  # inherited unchanged


def test_rules_test_passes_on_the_folder_at_full_coverage(mipr: Run, house: Path) -> None:
    done = mipr("rules", "test", "--rules-path", str(house), "--ruleset", "our-house-rules", "--coverage",
                "--threshold", "100")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "our-house-rules 1.0.0: 2/2 rules fired (100.0%)" in done.stdout


def test_rules_show_says_what_comes_from_where(mipr: Run, house: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1", "MIPR_RULES_WORKERS": "1", "MIPR_RULES_PATH": str(house)}
    done = mipr("rules", "show", "our-house-rules", env=env)
    assert done.returncode == 0, done.stderr
    assert f"extends: cqc-readiness {READINESS}" in done.stdout
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if line.startswith("  ")}
    overridden = f"[from: cqc-readiness {READINESS}, overridden: severity, parameters, message]"
    assert lines["supervision_overdue"].endswith(overridden)
    assert lines["medication_competency_due_soon"].endswith("[from: added]")
    assert "Evidence is collected and dated" in lines["evidence_category_stale"]


def test_rules_path_in_the_provider_configuration(mipr: Run, house: Path, tmp_path: Path, sample_json: Path) -> None:
    config = tmp_path / "provider.yaml"
    config.write_text("rules_path: [house-rules]\n", encoding="utf-8")
    done = mipr("readiness", "--config", str(config), "--ruleset", "our-house-rules", "--source", str(sample_json),
                "--as-of", "2026-11-02")
    assert done.returncode == 0, done.stderr
    assert "ruleset our-house-rules 1.0.0" in done.stdout


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("overrides:\n  supervision_overdue:", "overrides:\n  no_such_rule:"), "has no rule 'no_such_rule'"),
        (("reason: \"Evidence", "why: \"Evidence"), "expected {rule: ID, reason: WHY} with a reason"),
        (
            ('version: ">=1.0,<2"', 'version: ">=2"'),
            f"extends cqc-readiness >=2: no such ruleset (versions: {READINESS})",
        ),
        (("  - id: medication_competency_due_soon", "  - id: supervision_overdue"), "change it under overrides"),
    ],
)
def test_a_broken_extension_is_one_clear_error(
    house: Path, change: tuple[str, str], message: str, mipr: Run
) -> None:
    file = house / "our-house-rules.yaml"
    file.write_text(file.read_text(encoding="utf-8").replace(*change), encoding="utf-8")
    with pytest.raises(RulesetError, match="our-house-rules.yaml: .*" + message.replace("(", r"\(").replace(
            ")", r"\)").replace("{", r"\{").replace("}", r"\}").replace("[", r"\[").replace(".", r"\.")):
        Catalogue([house])
    done = mipr("readiness", "--rules-path", str(house), "--ruleset", "our-house-rules", "--source", "x.json")
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr


def test_a_missing_rules_path_is_a_usage_error(mipr: Run, tmp_path: Path) -> None:
    done = mipr("rules", "list", "--rules-path", str(tmp_path / "nowhere"))
    assert done.returncode == 2 and "does not exist" in done.stderr


def test_an_extension_can_be_extended_in_turn(house: Path) -> None:
    (house / "ward.yaml").write_text(
        "id: ward-rules\nversion: 0.1.0\nextends: our-house-rules\n"
        "disable: [{rule: supervision_overdue, reason: supervision is recorded elsewhere}]\n",
        encoding="utf-8",
    )
    ward = Catalogue([house]).get("ward-rules")
    assert ward.extends == "our-house-rules 1.0.0"
    assert "supervision_overdue" in ward.disabled
    assert ward.origins["rule:medication_competency_due_soon"] == "our-house-rules 1.0.0"


def test_lint_checks_house_rules_as_merged_with_what_they_extend(mipr: Run, house: Path) -> None:
    assert mipr("rules", "lint", str(house)).returncode == 0
    file = house / "our-house-rules.yaml"
    file.write_text(file.read_text(encoding="utf-8").replace("days_since_medication_competency: {gt",
                                                             "days_since_medication_competence: {gt"))
    done = mipr("rules", "lint", str(house))
    assert done.returncode == 2 and "days_since_medication_competence" in done.stdout + done.stderr
