"""Rule-test files are checked before anything runs: every problem names the file and the line."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from mipr_rules.errors import RulesetError
from mipr_rules.ruletest.runner import Runner
from mipr_rules.ruletest.schema import JSON_SCHEMA

Mipr = Callable[..., subprocess.CompletedProcess[str]]


def line_of(path: Path, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def load_error(runner: Runner, path: Path) -> str:
    with pytest.raises(RulesetError) as info:
        runner.load(path)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_unknown_rule_id_fails_with_exit_2_naming_file_and_line(tests_file: Callable[..., Path], mipr: Mipr) -> None:
    path = tests_file("""
        - name: typo in a rule id
          given: {inline: {}}
          expect:
            - rule: care_plan_review_overdeu
    """)
    done = mipr("rules", "test", str(path))
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"mipr: error: {path}:{line_of(path, 'overdeu')}: unknown rule id 'care_plan_review_overdeu' in ruleset "
        "cqc-readiness; did you mean 'care_plan_review_overdue'?"
    )
    assert done.stdout == ""


def test_schema_error_fails_with_exit_2_naming_file_and_line(tests_file: Callable[..., Path], mipr: Mipr) -> None:
    path = tests_file("""
        - name: misspelt key
          given: {inline: {}}
          expcet: []
    """)
    done = mipr("rules", "test", str(path))
    assert done.returncode == 2
    assert f"{path}:{line_of(path, '- name: misspelt')}: unknown field(s) expcet @ $.cases[0]" in done.stderr


@pytest.mark.parametrize(
    ("cases", "needle", "message"),
    [
        ("- name: no given\n  expect: [{rule: dbs_missing}]\n", "- name: no given",
         "required field missing @ $.cases[0].given"),
        ("- name: x\n  given: {inline: {}}\n  only_expected: maybe\n", "only_expected",
         "expected true or false, got str @ $.cases[0].only_expected"),
        ("- name: x\n  given: {inline: {}}\n  expect: [{rule: dbs_missing, facts: {has_dbss: false}}]\n", "has_dbss",
         "staff facts have no field 'has_dbss'; did you mean 'has_dbs'?"),
        ("- name: x\n  given: {inline: {}}\n  expect: [{rule: dbs_missing, fields: {sevrity: high}}]\n", "sevrity",
         "results have no field 'sevrity'; did you mean 'severity'?"),
        ("- name: x\n  given: {inline: {}}\n  expect_not: [{rule: dbs_missing, count: 1}]\n", "count: 1",
         "count is for expect, not expect_not"),
        ("- name: x\n  parameters: {care_plan_review_dayz: 30}\n  given: {inline: {}}\n  only_expected: true\n",
         "dayz",
         "ruleset cqc-readiness has no parameter 'care_plan_review_dayz'; did you mean 'care_plan_review_days'?"),
        ("- name: x\n  parameters: {care_plan_review_days: 0}\n  given: {inline: {}}\n  only_expected: true\n",
         "care_plan_review_days: 0", "parameter care_plan_review_days: 0 is below the minimum 1"),
        ("- name: x\n  parameters: {care_plan_review_days: '30'}\n  given: {inline: {}}\n  only_expected: true\n",
         "care_plan_review_days", "parameter care_plan_review_days: expected integer, got str"),
        ("- name: x\n  given: {inline: {}}\n", "- name: x",
         "case 'x' checks nothing: give expect, expect_not or only_expected: true"),
        ("- name: x\n  given: {inline: {}}\n  only_expected: true\n- name: x\n  given: {inline: {}}\n"
         "  only_expected: true\n", "- name: x\n", "duplicate case name 'x'"),
        ("- name: x\n  given: {inline: {}, sample: sunrise-house}\n  only_expected: true\n", "given:",
         "given needs exactly one of inline, fixture, source, sample, facts (got inline, sample)"),
        ("- name: x\n  given: {fixture: nowhere.json}\n  only_expected: true\n", "nowhere",
         "fixture nowhere.json not found (relative to this file)"),
        ("- name: x\n  given: {sample: sunset-house}\n  only_expected: true\n", "sunset",
         "no bundled sample 'sunset-house'"),
        ("- name: x\n  given: {source: 'postgresql://x/y'}\n  only_expected: true\n", "postgresql",
         "source needs adapter (the adapter that reads it)"),
        ("- name: x\n  given: {source: 'x', adapter: fil}\n  only_expected: true\n", "adapter: fil",
         "no adapter named 'fil'"),
        ("- name: x\n  given: {inline: {}, type: Location2}\n  only_expected: true\n", "Location2",
         "type must be one of Location; did you mean 'Location'?"),
        ("- name: x\n  region: wales\n  given: {inline: {}}\n  only_expected: true\n", "region: wales",
         "region must be one of england-and-wales, scotland, northern-ireland"),
    ],
)
def test_each_problem_is_one_line_with_file_and_line(
    runner: Runner, tests_file: Callable[..., Path], cases: str, needle: str, message: str
) -> None:
    path = tests_file(cases)
    error = load_error(runner, path)
    line = line_of(path, needle.strip().splitlines()[0]) if "\n" not in needle.strip() else None
    if needle == "- name: x\n":  # the duplicate: the second case
        line = [n for n, text in enumerate(path.read_text().splitlines(), 1) if "- name: x" in text][1]
    assert error.startswith(f"{path}:{line}: "), error
    assert message in error


def test_inline_data_is_checked_against_the_canonical_model(runner: Runner, tests_file: Callable[..., Path]) -> None:
    path = tests_file("""
        - name: bad date in the inline home
          given:
            inline:
              staff:
                - staff_id: S1
                  role: carer
                  started: "2026-13-01"
          only_expected: true
    """)
    error = load_error(runner, path)
    assert error.startswith(f"{path}:{line_of(path, 'started: ')}: ")
    assert "expected date (YYYY-MM-DD) @ $.cases[0].given.inline.staff[0].started (Location)" in error
    assert "2026-13-01" not in error  # values never appear in messages


def test_an_impossible_yaml_date_is_an_error_with_its_line(runner: Runner, tests_file: Callable[..., Path]) -> None:
    path = tests_file("- name: x\n  as_of: 2026-02-30\n  given: {inline: {}}\n  only_expected: true\n")
    line = line_of(path, "2026-02-30")
    assert load_error(runner, path) == f"{path}:{line}:12: invalid YAML: invalid date: day is out of range for month"


def test_an_error_in_the_base_points_at_the_base(runner: Runner, tests_file: Callable[..., Path]) -> None:
    head = "ruleset: cqc-readiness\nas_of: 2026-11-02\nbase:\n  location_id: 1-T\n  name: Home\n  beds: many\n"
    path = tests_file("- name: x\n  given: {inline: {provider: {provider_id: P}}}\n  only_expected: true\n", head=head)
    error = load_error(runner, path)
    assert error.startswith(f"{path}:{line_of(path, 'beds: many')}: ")
    assert "@ $.base.beds" in error


def test_given_facts_are_checked_against_the_declared_fact_types(
    runner: Runner, tests_file: Callable[..., Path]
) -> None:
    path = tests_file("- name: x\n  given: {facts: [{type: staf, subject: 's'}]}\n  only_expected: true\n")
    assert "unknown fact type 'staf'; did you mean 'staff'?" in load_error(runner, path)
    path = tests_file("- name: x\n  given: {facts: [{type: staff, subject: s, has_dbs: 'no'}]}\n"
                      "  only_expected: true\n")
    assert "field has_dbs is boolean, got str" in load_error(runner, path)
    path = tests_file("- name: x\n  given: {facts: [{type: staff, subject: s, id: f1}]}\n  only_expected: true\n")
    assert "'id' is reserved for the engine" in load_error(runner, path)


def test_a_case_needs_an_as_of_date(runner: Runner, tests_file: Callable[..., Path]) -> None:
    head = "ruleset: cqc-readiness\nbase: {location_id: 1-T, name: Home, provider: {provider_id: P}}\n"
    path = tests_file("- name: undated\n  given: {inline: {}}\n  only_expected: true\n", head=head)
    error = load_error(runner, path)
    assert error == f"{path}:{line_of(path, 'undated')}: case 'undated' has no as_of (give it, or as_of at the top)"


def test_unknown_ruleset_and_invalid_yaml(runner: Runner, tmp_path: Path) -> None:
    path = tmp_path / "x.tests.yaml"
    path.write_text("ruleset: cqc-readiness-2\nas_of: 2026-11-02\ncases:\n  - {name: x, given: {inline: {}},"
                    " only_expected: true}\n")
    assert load_error(runner, path).startswith(f"{path}:1: no ruleset 'cqc-readiness-2'; installed: ")
    path.write_text("ruleset: cqc-readiness\ncases:\n  - name: [unclosed\n")
    assert load_error(runner, path).startswith(f"{path}:4:1: invalid YAML")


def test_every_file_is_checked_before_any_case_runs(tests_file: Callable[..., Path], mipr: Mipr) -> None:
    good = tests_file("- name: fine\n  given: {inline: {}}\n  only_expected: true\n", name="a.tests.yaml")
    bad = tests_file("- name: bad\n  given: {inline: {}}\n  expect: [{rule: nope}]\n", name="b.tests.yaml")
    done = mipr("rules", "test", str(good), str(bad), "--format", "json")
    assert done.returncode == 2
    assert done.stdout == ""
    assert f"{bad}:" in done.stderr


def test_json_schema_agrees_with_the_attrs_classes() -> None:
    import attrs
    import jsonschema

    from mipr_rules.ruletest.schema import Expectation, Given, RuleTestCase, RuleTestFile

    jsonschema.Draft202012Validator.check_schema(JSON_SCHEMA)
    top = JSON_SCHEMA["properties"]
    case = top["cases"]["items"]["properties"]
    assert set(top) == {f.name for f in attrs.fields(RuleTestFile)}
    assert set(case) == {f.name for f in attrs.fields(RuleTestCase)}
    assert set(case["given"]["properties"]) == {f.name for f in attrs.fields(Given)}
    assert set(case["expect"]["items"]["properties"]) == {f.name for f in attrs.fields(Expectation)}
    assert set(case["expect_not"]["items"]["properties"]) == {f.name for f in attrs.fields(Expectation)} - {"count"}


def test_schema_is_printed_by_the_command(mipr: Mipr) -> None:
    done = mipr("rules", "test", "--schema")
    assert done.returncode == 0
    assert json.loads(done.stdout) == JSON_SCHEMA


def test_published_schema_file_matches_when_present() -> None:
    from importlib import resources

    published = resources.files("mipr_rules") / "schemas" / "rule-tests.schema.json"
    if not published.is_file():
        pytest.skip("not published yet: mipr rules test --schema > mipr_rules/schemas/rule-tests.schema.json")
    assert json.loads(published.read_text()) == JSON_SCHEMA
