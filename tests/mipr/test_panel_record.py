"""Recording the two-stage panel review: ``mipr panel init|record|moderate|provider|schema`` and the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner, Result
from mipr_rules_cli.cli import cli

from mipr_rules.errors import InputError
from mipr_rules.mipr.criteria import CRITERION_IDS
from mipr_rules.mipr.panel_record import json_schema, load_record, schema_path, structure_record, to_data
from mipr_rules.mipr.samples import sample_path

FIXTURES = Path(__file__).parents[1] / "fixtures" / "mipr"


def mipr(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def ok(*args: str) -> str:
    result = mipr(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


def one_line_error(result: Result) -> str:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mipr: error: "), result.stderr
    return lines[0]


def _data(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    loaded = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    data: dict[str, Any] = json.loads(json.dumps(loaded, default=str))  # YAML dates as JSON has them
    return data


def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json_schema(), format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_record_two_stages_in_a_new_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"panel{suffix}"
    out = ok("panel", "init", str(path), "--report", str(sample_path("good", ".docx")))
    assert out == f"{path}: panel record started\n"
    out = ok(
        "panel",
        "record",
        str(path),
        "--stage",
        "1",
        "--reviewer",
        "R1",
        "--score",
        "all=4",
        "--score",
        "comprehensiveness=3",
        "--date",
        "2025-05-26",
        "--comment",
        "Well evidenced.",
    )
    assert out == f"{path}: stage 1 review by R1 recorded (13 of 13 criteria scored)\n"
    ok("panel", "record", str(path), "--stage", "2", "--reviewer", "R2", "--score", "methodology.proportionality=3")
    ok(
        "panel",
        "record",
        str(path),
        "--stage",
        "2",
        "--reviewer",
        "R2",
        "--score",
        "all=4",
        "--score",
        "proportionality=3",
    )
    record = load_record(path)
    assert record.report is not None and record.report.location_id == "1-101000002"
    assert (record.factual_accuracy_review is not None, record.publication_consent) == (True, True)
    assert [(r.stage, r.reviewer) for r in record.reviews] == [(1, "R1"), (2, "R2")]
    first, second = record.reviews
    assert first.scores["methodology.comprehensiveness"] == 3 and first.comments == "Well evidenced."
    assert second.scores["methodology.proportionality"] == 3 and len(second.scores) == 13
    _validator().validate(_data(path))
    assert list(_data(path)) == ["report", "factual_accuracy_review", "publication_consent", "reviews"]


def test_a_later_score_for_the_same_reviewer_and_stage_replaces_the_earlier(tmp_path: Path) -> None:
    path = tmp_path / "panel.yaml"
    ok("panel", "record", str(path), "--stage", "1", "--reviewer", "R1", "--score", "accuracy=2")
    ok("panel", "record", str(path), "--stage", "1", "--reviewer", "R1", "--score", "accuracy=3", "--comment", "x")
    (review,) = load_record(path).reviews
    assert review.scores == {"terminology.accuracy": 3} and review.comments == "x"


def test_provider_and_moderation(tmp_path: Path) -> None:
    path = tmp_path / "panel.yaml"
    ok("panel", "init", str(path), "--location-id", "1-101000003", "--location-name", "Oakfield House")
    out = ok("panel", "provider", str(path), "--factual-accuracy-review", "2025-06-27", "--consent", "no")
    assert out == f"{path}: provider's factual accuracy review, publication consent recorded\n"
    ok("panel", "moderate", str(path), "--moderator", "M1", "--score", "accuracy=3")
    ok("panel", "moderate", str(path), "--moderator", "M1", "--score", "professional_tone=4", "--comment", "Settled.")
    record = load_record(path)
    assert record.moderation is not None
    assert dict(record.moderation.scores) == {"terminology.accuracy": 3, "terminology.professional_tone": 4}
    assert str(record.factual_accuracy_review) == "2025-06-27" and record.publication_consent is False
    assert "factual_accuracy_review: 2025-06-27\n" in path.read_text(encoding="utf-8")  # a YAML date, not text
    _validator().validate(_data(path))


def test_the_fixtures_and_the_written_files_validate_against_the_schema() -> None:
    for path in sorted(FIXTURES.glob("panel-*")):
        data = _data(path)
        _validator().validate(data)
        assert to_data(structure_record(data, str(path))) == data, path


def test_the_schema_command_prints_the_published_schema() -> None:
    printed = json.loads(ok("panel", "schema"))
    assert printed == json.loads(schema_path().read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(printed)
    assert printed["properties"]["reviews"]["items"]["properties"]["scores"]["propertyNames"]["enum"] == list(
        CRITERION_IDS
    )


MISTAKES = [
    (lambda d: d["reviews"][0].update(stage=3), "expected stage 1 or 2 @ $.reviews[0].stage"),
    (lambda d: d["reviews"][0].update(reviewer="Jane Smith"), "expected a pseudonymous id"),
    (lambda d: d["reviews"][0].update(reviewer="jane@example.org"), "expected a pseudonymous id"),
    (lambda d: d["reviews"][0]["scores"].update({"terminology.accuracy": 5}), "expected a score from 1 to 4"),
    (lambda d: d["reviews"][0]["scores"].update({"terminology.tone": 3}), "not a criterion id"),
    (lambda d: d["reviews"][0]["scores"].update({"terminology.accuracy": True}), "@ $.reviews[0].scores"),
    (lambda d: d.update(factual_accuracy_review="last week"), "@ $.factual_accuracy_review"),
    (lambda d: d.update(published=True), "published"),
    (lambda d: d["report"].update(location_id=""), "$.report.location_id"),
]


@pytest.mark.parametrize(("change", "message"), MISTAKES, ids=[m[1][:40] for m in MISTAKES])
def test_the_reader_and_the_schema_refuse_the_same_mistakes(change: Any, message: str) -> None:
    data = _data(FIXTURES / "panel-publishable.yaml")
    change(data)
    with pytest.raises(InputError) as info:
        structure_record(data, "panel.yaml")
    assert message in str(info.value) and "\n" not in str(info.value)
    assert not _validator().is_valid(json.loads(json.dumps(data, default=str)))


def test_one_review_per_reviewer_and_stage() -> None:
    data = _data(FIXTURES / "panel-publishable.yaml")
    data["reviews"][1].update(reviewer="R1", stage=1)
    with pytest.raises(InputError, match=r"a second review by the same reviewer at the same stage @ \$\.reviews\[1\]"):
        structure_record(data, "panel.yaml")


def test_a_malformed_record_is_one_line_naming_the_place(tmp_path: Path) -> None:
    path = tmp_path / "panel.yaml"
    data = _data(FIXTURES / "panel-publishable.yaml")
    data["reviews"][1]["scores"]["terminology.accuracy"] = 9
    path.write_text(yaml.safe_dump(data))
    line = one_line_error(mipr("panel", "verify", str(path)))
    assert line == f"mipr: error: {path}: expected a score from 1 to 4 @ $.reviews[1].scores['terminology.accuracy']"
    assert one_line_error(mipr("panel", "verify", str(tmp_path / "none.yaml"))).endswith("none.yaml: file not found")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--reviewer", "R1", "--score", "tone"], "--score 'tone': expected CRITERION=SCORE"),
        (["--reviewer", "R1", "--score", "tone=5"], "--score 'tone=5': expected a score from 1 to 4"),
        (["--reviewer", "R1", "--score", "kindness=3"], "'kindness' is not a criterion"),
        (["--reviewer", "Jane Smith", "--score", "all=3"], "--reviewer 'Jane Smith': expected a pseudonymous id"),
    ],
)
def test_bad_record_options_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    path = tmp_path / "panel.yaml"
    line = one_line_error(mipr("panel", "record", str(path), "--stage", "1", *args))
    assert message in line
    assert not path.exists()


def test_init_refuses_to_replace_a_record(tmp_path: Path) -> None:
    path = tmp_path / "panel.yaml"
    ok("panel", "init", str(path), "--location-id", "1-1")
    assert "already exists" in one_line_error(mipr("panel", "init", str(path), "--location-id", "1-2"))
    ok("panel", "init", str(path), "--location-id", "1-2", "--force")
    assert "give --report REPORT or --location-id ID" in one_line_error(mipr("panel", "init", str(tmp_path / "b.yaml")))
    assert "a .yaml, .yml or .json file" in one_line_error(
        mipr("panel", "init", str(tmp_path / "b.txt"), "--location-id", "1")
    )
    assert "give --factual-accuracy-review" in one_line_error(mipr("panel", "provider", str(path)))
