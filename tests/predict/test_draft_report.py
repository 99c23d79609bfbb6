"""``mipr draft-report``: a draft MIPR report from the records that ``mipr review`` scores (exit 0 or 1)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from mipr_rules_cli.cli import cli

from mipr_rules.mipr.outline import OBSERVATION_MARKER
from mipr_rules.predict.report import OBSERVATION


def test_the_draft_marker_is_what_review_recognises() -> None:
    assert OBSERVATION == OBSERVATION_MARKER


@pytest.mark.parametrize("suffix", [".md", ".docx"])
def test_draft_of_the_sample_is_reviewed_without_error(sample_json: Path, as_of: dt.date, tmp_path: Path,
                                                        suffix: str) -> None:
    runner = CliRunner()
    out = tmp_path / f"draft{suffix}"
    made = runner.invoke(cli, ["draft-report", "--source", str(sample_json), "--as-of", as_of.isoformat(),
                               "--out", str(out)])
    assert made.exit_code == 0, made.output
    assert out.is_file() and "Wrote" in made.output
    review = runner.invoke(cli, ["review", str(out), "--format", "json"])
    assert review.exit_code in (0, 1), review.output
    data = json.loads(review.output)
    assert data["report"]["location_name"] == "Sunrise House"
    assert all(c["status"] in ("assessed", "not_assessed") for c in data["criteria"])


@pytest.mark.parametrize("suffix", [".md", ".docx"])
def test_statements_the_records_cannot_inform_are_not_assessed_by_review(
        no_caring_home: Path, as_of: dt.date, tmp_path: Path, suffix: str) -> None:
    runner = CliRunner()
    out = tmp_path / f"draft{suffix}"
    made = runner.invoke(cli, ["draft-report", "--source", str(no_caring_home),
                               "--as-of", as_of.isoformat(), "--out", str(out)])
    assert made.exit_code == 0, made.output
    assert "5 to be completed from observation and conversations" in made.output
    if suffix == ".md":
        text = out.read_text()
        assert text.count("To be completed from observation and conversations") == 5
        before, caring = text.split("### C1", 1)
        assert "Score:" in before and "Score:" not in caring.split("## Responsive")[0]
    review = runner.invoke(cli, ["review", str(out), "--format", "json"])
    assert review.exit_code in (0, 1), review.output
    notes = [n for n in json.loads(review.output)["unscored"] if n["kind"] == "not_assessed"]
    assert sorted(n["detail"].split(":")[0] for n in notes) == ["C1", "C2", "C3", "C4", "C5"]


def test_draft_report_refuses_another_suffix(sample_json: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["draft-report", "--source", str(sample_json), "--out",
                                      str(tmp_path / "draft.pdf")])
    assert result.exit_code == 2
