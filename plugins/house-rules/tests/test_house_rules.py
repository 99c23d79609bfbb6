"""The example house rules, installed as a ruleset pack and as a plain folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import mipr_rules_rulesets_house_example
from mipr_rules import plugins
from mipr_rules.ruleset.catalogue import Catalogue

FOLDER = Path(mipr_rules_rulesets_house_example.__file__).parent / "rulesets"
SAMPLE = ["--source", "SAMPLE", "--as-of", "2026-11-02"]


def mipr(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    from mipr_rules.samples import sample_path

    args = tuple(str(sample_path()) if a == "SAMPLE" else a for a in args)
    command = [str(Path(sys.executable).parent / "mipr"), *args]
    environ = {**os.environ, "NO_COLOR": "1", "MIPR_RULES_WORKERS": "1", **(env or {})}
    return subprocess.run(command, capture_output=True, text=True, env=environ, timeout=300, check=False)


def test_the_installed_pack_contributes_the_extending_ruleset() -> None:
    assert FOLDER in plugins.ruleset_paths()
    ruleset = Catalogue.installed().get("sunrise-care-house-rules")
    assert ruleset.extends is not None and ruleset.extends.startswith("cqc-readiness 1.")
    assert ruleset.rule("supervision_overdue").severity == "high"
    assert "evidence_category_stale" in ruleset.disabled
    assert ruleset.origins["rule:medication_competency_due_soon"] == "added"


def test_its_rule_tests_pass_at_full_coverage_installed() -> None:
    done = mipr("rules", "test", "--ruleset", "sunrise-care-house-rules", "--coverage", "--threshold", "100")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "sunrise-care-house-rules 1.0.0: 2/2 rules fired" in done.stdout


def test_readiness_with_the_house_rules_reports_the_overridden_and_added_rules() -> None:
    done = mipr("readiness", "--ruleset", "sunrise-care-house-rules", *SAMPLE, "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["ruleset"]["id"] == "sunrise-care-house-rules"
    alerts = report["locations"][0]["alerts"]
    supervision = [a for a in alerts if a["rule"] == "supervision_overdue"]
    assert len(supervision) > 1 and {a["severity"] for a in supervision} == {"high"}
    assert not [a for a in alerts if a["rule"] == "evidence_category_stale"]


def test_the_same_folder_works_uninstalled_through_rules_path(tmp_path: Path) -> None:
    copy = tmp_path / "house"
    copy.mkdir()
    for file in FOLDER.glob("*.yaml"):
        (copy / file.name).write_text(file.read_text(encoding="utf-8").replace(
            "id: sunrise-care-house-rules", "id: copied-house-rules").replace(
            "ruleset: sunrise-care-house-rules", "ruleset: copied-house-rules"), encoding="utf-8")
    done = mipr("rules", "test", "--rules-path", str(copy), "--ruleset", "copied-house-rules", "--coverage",
                "--threshold", "100")
    assert done.returncode == 0, done.stdout + done.stderr
    done = mipr("readiness", "--rules-path", str(copy), "--ruleset", "copied-house-rules", *SAMPLE)
    assert done.returncode == 0, done.stderr
    assert "ruleset copied-house-rules 1.0.0" in done.stdout
