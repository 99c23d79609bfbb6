"""``mipr rules lint``: every problem of a ruleset, one line each with its line number."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from mipr_rules.ruletest.lint import lint_file

Mipr = Callable[..., subprocess.CompletedProcess[str]]

SRC = "  - {id: src, title: A source, url: 'https://www.cqc.org.uk/assessment', section: One, basis: guidance}\n"
SPARE = "  - {id: spare, title: Unused, url: 'https://www.cqc.org.uk/assessment', section: Two, basis: guidance}\n"
HEAD = """\
id: lint-me
version: 1.0.0
framework: SAF_2024_12
kind: readiness
title: A ruleset to lint
effective_from: 2024-12-01
sources:
""" + SRC + """\
parameters:
  days: {default: 28, description: A threshold, source: src}
rules:
"""
RULE = """\
  - id: overdue
    title: Overdue
    fact: care_plan
    when:
      - days_since_review: {gt: $days}
    message: "{subject} reviewed {days_since_review} days ago (policy {days})"
    source: src
"""


TESTS = "ruleset: lint-me\nas_of: 2026-11-02\ncases:\n  - {name: x, given: {facts: []}, only_expected: true}\n"


def write(tmp_path: Path, text: str, tests: str | None = None) -> Path:
    path = tmp_path / "lint-me.yaml"
    path.write_text(text)
    if tests is not None:
        (tmp_path / "lint-me.tests.yaml").write_text(tests)
    return path


def line_of(path: Path, needle: str, nth: int = 0) -> int:
    return [n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line][nth]


def problems(path: Path) -> list[str]:
    return [str(p) for p in lint_file(path)]


def test_a_clean_ruleset_only_warns_that_it_has_no_tests(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + RULE)
    assert problems(path) == [f"{path}: warning: no test cases: write lint-me.tests.yaml beside it"]


def test_every_rule_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    typo = RULE.replace("id: overdue", "id: typo").replace("days_since_review: {gt", "days_since_reveiw: {gt")
    bad_message = RULE.replace("id: overdue", "id: bad_message").replace("{days_since_review} days",
                                                                          "{days_since_reviw} days")
    text = HEAD + RULE + typo + bad_message \
        + RULE.replace("id: overdue", "id: wrong_fact").replace("fact: care_plan", "fact: care_plans")
    path = write(tmp_path, text, tests=TESTS)
    found = problems(path)
    assert f"{path}:{line_of(path, 'days_since_reveiw')}: error: rule typo: when[0].days_since_reveiw.gt: the fact " \
           "has no field 'days_since_reveiw'; did you mean 'days_since_review'?" in found
    assert f"{path}:{line_of(path, 'days_since_reviw')}: error: rule bad_message: message: {{days_since_reviw}} is " \
           "neither a field of care_plan facts nor a parameter; did you mean 'days_since_review'?" in found
    assert f"{path}:{line_of(path, 'fact: care_plans')}: error: rule wrong_fact: fact: unknown fact type " \
           "'care_plans'; did you mean 'care_plan'?" in found


@pytest.mark.parametrize(
    ("edit", "needle", "message"),
    [
        (lambda t: t.replace("      - days_since_review: {gt: $days}\n",
                             "      - days_since_review: {gt: $days}\n    colour: red\n"), "- id: overdue",
         "unknown field(s) colour @ $.rules[0]"),
        (lambda t: t.replace("{default: 28, description", "{description"), "days: {description",
         "required field missing @ $.parameters['days'].default"),
        (lambda t: t.replace("    source: src\n", "", 1), "- id: overdue",
         "required field missing @ $.rules[0].source"),
        (lambda t: t + RULE, "- id: overdue", "duplicate rule id 'overdue'"),
        (lambda t: t.replace("{gt: $days}", "{gt: $dayz}"), "$dayz", "unknown parameter 'dayz'"),
        (lambda t: t.replace("days_since_review: {gt: $days}", "person: {matches: '\\\\d+'}"), "matches",
         "durable-rules regexes use Lua-style classes"),
    ],
)
def test_schema_and_engine_problems(tmp_path: Path, edit: Callable[[str], str], needle: str, message: str) -> None:
    path = write(tmp_path, edit(HEAD + RULE), tests=TESTS)
    (problem,) = lint_file(path)
    assert problem.level == "error" and message in problem.message
    nth = 1 if "duplicate" in message else 0
    assert problem.line == line_of(path, needle, nth), str(problem)


def test_yaml_keys_given_twice(tmp_path: Path) -> None:
    text = HEAD.replace("parameters:\n", "parameters:\n  days: {default: 7, description: first}\n") + RULE
    path = write(tmp_path, text, tests=TESTS)
    (problem,) = lint_file(path)
    assert str(problem) == f"{path}:{line_of(path, 'days: {default: 28')}: error: key 'days' given twice " \
                           f"(first on line {line_of(path, 'days: {default: 7')}); YAML keeps only the last"


def test_shapes_that_crash_or_hang_the_engine(tmp_path: Path) -> None:
    many = "".join(RULE.replace("id: overdue", f"id: r{n}") for n in range(481))
    path = write(tmp_path, HEAD + many, tests=TESTS)
    assert any("481 rules, more than 480" in str(p) for p in lint_file(path))
    branches = "      - any:\n" + "".join(f"          - person: P{n}\n" for n in range(70))
    path = write(tmp_path, HEAD + RULE.replace("      - days_since_review: {gt: $days}\n", branches), tests=TESTS)
    assert any("70 rule branches on fact type 'care_plan'" in str(p) for p in lint_file(path))


def test_parameter_bounds_and_uncited_sources(tmp_path: Path) -> None:
    text = HEAD.replace("{default: 28,", "{default: 28, minimum: 30, maximum: 10,").replace(SRC, SRC + SPARE) + RULE
    path = write(tmp_path, text, tests=TESTS)
    found = problems(path)
    assert any("28 is below the minimum 30" in p for p in found)
    path = write(tmp_path, (HEAD + RULE).replace(SRC, SRC + SPARE),
                 tests=TESTS)
    assert problems(path) == [f"{path}:{line_of(path, 'spare')}: warning: source 'spare' is cited by no rule or "
                              "parameter"]


def test_the_test_file_beside_the_ruleset_is_linted(tmp_path: Path) -> None:
    tests = "ruleset: lint-me\nas_of: 2026-11-02\ncases:\n  - name: x\n    given: {facts: []}\n" \
            "    expect: [{rule: overdeu}]\n"
    path = write(tmp_path, HEAD + RULE, tests=tests)
    (problem,) = lint_file(path)
    assert str(problem) == f"{tmp_path / 'lint-me.tests.yaml'}:6: error: unknown rule id 'overdeu' in ruleset " \
                           "lint-me; did you mean 'overdue'?"


def test_lint_command_exit_codes_and_json(tmp_path: Path, mipr: Mipr) -> None:
    path = write(tmp_path, HEAD + RULE)
    done = mipr("rules", "lint", str(path))
    assert done.returncode == 0 and "warning: no test cases" in done.stdout
    assert mipr("rules", "lint", str(path), "--strict").returncode == 2
    bad = write(tmp_path, (HEAD + RULE).replace("$days", "$dayz"), tests=TESTS)
    done = mipr("rules", "lint", str(bad), "--format", "json")
    assert done.returncode == 2
    report = json.loads(done.stdout)
    assert report["errors"] == 1
    (problem,) = report["files"][0]["problems"]
    assert problem["level"] == "error" and problem["line"] == line_of(bad, "$dayz")


def test_shipped_rulesets_lint_without_errors(mipr: Mipr) -> None:
    done = mipr("rules", "lint")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "error" not in done.stdout + done.stderr
