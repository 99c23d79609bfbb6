"""``mipr review`` as a consultant or a CI job runs it: the JSON contract, the text, exit codes and errors."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from mipr_rules_cli.cli import cli

from mipr_rules.mipr.criteria import CRITERION_IDS
from mipr_rules.mipr.markdown import markdown_blocks
from mipr_rules.mipr.samples import sample_path
from mipr_rules.mipr.word import write_docx

AS_OF = ["--as-of", "2025-07-01"]
RATINGS = {4: "Outstanding", 3: "Good", 2: "Requires improvement", 1: "Inadequate"}


def mipr(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def review(*args: str) -> Result:
    return mipr("review", *args, *AS_OF)


def test_json_contract() -> None:
    result = review(str(sample_path("requires_improvement")), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"report", "criteria", "overall", "proceeds_to_panel", "ruleset"} <= set(data)
    assert data["kind"] == "mipr_review" and data["as_of"] == "2025-07-01"
    assert data["report"]["location_id"] == "1-101000003" and data["report"]["format"] == "YAML"
    assert [c["id"] for c in data["criteria"]] == list(CRITERION_IDS)
    for criterion in data["criteria"]:
        assert {"id", "area", "score", "rating", "findings", "needs_human"} <= set(criterion)
        assert criterion["area"] == criterion["id"].split(".")[0]
        assert criterion["rating"] == RATINGS[criterion["score"]]
        assert isinstance(criterion["needs_human"], bool)
        for finding in criterion["findings"]:
            assert {"rule", "subject", "where", "sentences", "message", "deduction", "needs_human", "source"} <= set(
                finding
            )
    assert {"score", "rating"} <= set(data["overall"])
    assert data["overall"]["rating"] == "Requires improvement" and data["proceeds_to_panel"] is False
    assert data["ruleset"]["id"] == "mipr-2025"
    assert data["parameters"]["proceeding_ratings"] == ["Outstanding", "Good"]


def test_text_output_by_area_and_criterion() -> None:
    result = review(str(sample_path("requires_improvement", ".md")))
    assert result.exit_code == 0
    out = result.stdout
    assert "Overall: Requires improvement" in out and "does not proceed to the panel" in out
    assert "Methodology: the integrity of the inspection process" in out
    assert "2 Requires improvement  Evidence-Based Findings" in out
    assert "recieved" in out and "Recommendation REC-3 names no owner" in out


def test_explain_adds_the_facts_and_parameters() -> None:
    data = json.loads(review(str(sample_path("good")), "--format", "json", "--explain").stdout)
    (finding,) = [f for f in data["criteria"][0]["findings"] if f["deduction"]]
    assert finding["facts"]["scope_statements"] == 15
    assert finding["parameters"] == {"full_scope_statements": 34}
    text = review(str(sample_path("good")), "--explain").stdout
    assert "facts: " in text and "parameters: full_scope_statements=34" in text


@pytest.mark.parametrize(
    ("key", "fail_on", "code"),
    [
        ("requires_improvement", "panel", 1),
        ("good", "panel", 0),
        ("requires_improvement", "high", 1),
        ("outstanding", "info", 0),
        ("good", "low", 1),
        ("good", "medium", 0),
    ],
)
def test_fail_on(key: str, fail_on: str, code: int) -> None:
    assert review(str(sample_path(key)), "--fail-on", fail_on).exit_code == code


def test_provider_configuration_overrides_parameters(tmp_path: Path) -> None:
    config = tmp_path / "provider.yaml"
    config.write_text(yaml.safe_dump({"parameters": {"mipr-2025": {"full_scope_statements": 15}}}))
    data = json.loads(review(str(sample_path("good")), "--config", str(config), "--format", "json").stdout)
    assert data["overall"]["rating"] == "Outstanding" and data["parameters"]["full_scope_statements"] == 15
    config.write_text(yaml.safe_dump({"parameters": {"mipr-2025": {"proceeding_ratings": ["Outstanding"]}}}))
    data = json.loads(review(str(sample_path("good")), "--config", str(config), "--format", "json").stdout)
    assert data["overall"]["rating"] == "Good" and data["proceeds_to_panel"] is False


def _one_line_error(result: Result) -> str:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mipr: error: "), result.stderr
    return lines[0]


def _sample_yaml() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(sample_path("requires_improvement").read_text(encoding="utf-8"))
    return data


def _bad_markdown() -> tuple[str, int]:
    text = sample_path("requires_improvement", ".md").read_text(encoding="utf-8")
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if re.fullmatch(r"(\*\*)?Score:(\*\*)? 1", line.strip()))
    lines[index] = lines[index].replace("1", "7")
    return "\n".join(lines) + "\n", index + 1


def test_malformed_yaml_names_the_path(tmp_path: Path) -> None:
    data = _sample_yaml()
    data["findings"][2]["score"] = 7
    path = tmp_path / "report.yaml"
    path.write_text(yaml.safe_dump(data))
    line = _one_line_error(review(str(path)))
    assert line == f"mipr: error: {path}: expected a score from 1 to 4 @ $.findings[2].score"


def test_yaml_and_json_syntax_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "report.yaml"
    path.write_text("location: {id: 1\nconsultant: [\n")
    assert re.fullmatch(
        rf"mipr: error: {re.escape(str(path))}:\d+:\d+: invalid YAML: .*", _one_line_error(review(str(path)))
    )
    path = tmp_path / "report.json"
    path.write_text('{"location": {"id": "1-1",}}')
    assert re.fullmatch(
        rf"mipr: error: {re.escape(str(path))}:1:\d+: invalid JSON: .*", _one_line_error(review(str(path)))
    )


def test_malformed_markdown_names_the_line(tmp_path: Path) -> None:
    text, number = _bad_markdown()
    path = tmp_path / "report.md"
    path.write_text(text, encoding="utf-8")
    line = _one_line_error(review(str(path)))
    assert line.startswith(f"mipr: error: {path}:{number}: ")


def test_malformed_word_names_the_paragraph(tmp_path: Path) -> None:
    text, _ = _bad_markdown()
    path = tmp_path / "report.docx"
    path.write_bytes(write_docx(markdown_blocks(text, "report.md")))
    line = _one_line_error(review(str(path)))
    assert re.match(rf"mipr: error: {re.escape(str(path))}: paragraph \d+: ", line), line


def test_a_missing_file_and_an_unknown_type(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    assert _one_line_error(review(str(missing))) == f"mipr: error: {missing}: file not found"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    assert _one_line_error(review(str(pdf))).startswith(f"mipr: error: {pdf}: unsupported report file type .pdf")


def test_errors_never_quote_the_report(tmp_path: Path) -> None:
    data = _sample_yaml()
    data["findings"][0]["evidence"][0]["source"] = "a private conversation with Mrs Example"
    path = tmp_path / "report.yaml"
    path.write_text(yaml.safe_dump(data))
    line = _one_line_error(review(str(path)))
    assert "Mrs Example" not in line and "$.findings[0].evidence[0].source" in line


def test_a_ruleset_that_is_not_a_review_ruleset_is_refused() -> None:
    line = _one_line_error(review(str(sample_path("good")), "--ruleset", "cqc-readiness"))
    assert "a review needs kind 'mipr'" in line
    line = _one_line_error(review(str(sample_path("good")), "--ruleset", "mipr-panel-2025"))
    assert "maps_to.mipr_criterion must be one of the 13 criteria" in line


def test_a_bad_override_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "provider.yaml"
    config.write_text(yaml.safe_dump({"parameters": {"mipr-2025": {"criterion_weights": {"tone": 2}}}}))
    line = _one_line_error(review(str(sample_path("good")), "--config", str(config)))
    assert "criterion_weights: 'tone' is not a criterion id" in line


def test_criteria_not_assessed_beyond_the_bound_exit_3_after_the_output() -> None:
    path = Path(__file__).parents[1] / "fixtures" / "mipr" / "corpus" / "birch-lodge-pasted.md"
    result = CliRunner().invoke(cli, ["review", str(path), "--as-of", "2025-12-01", "--format", "json"])
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    missing = data["not_assessed"]  # no recommendation, no risk: nothing measures actionability or proportion
    assert missing == ["methodology.actionable_feedback", "methodology.proportionality"]
    assert data["overall"]["not_assessed"] == 2 and data["proceeds_to_panel"] is False
    assert "2 of 13 criteria not assessed" in result.stderr and "max_not_assessed_to_proceed (0)" in result.stderr
