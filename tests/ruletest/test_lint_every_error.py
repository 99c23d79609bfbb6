"""``mipr rules lint`` reports every error of a file, not the first of each rule, and every unknown fact field."""

from __future__ import annotations

from pathlib import Path

from mipr_rules.ruletest.lint import lint_file

HEAD = """\
id: lint-all
version: 1.0.0
framework: SAF_2024_12
kind: readiness
title: A ruleset with several mistakes
effective_from: 2024-12-01
sources:
  - {id: src, title: A source, url: 'https://www.cqc.org.uk/assessment', section: One, basis: guidance}
parameters:
  days: {default: 28, description: A threshold, source: src}
rules:
"""
TWO_TYPOS = """\
  - id: two_typos
    title: Two typos in one rule
    fact: care_plan
    when:
      - activ: true
      - any:
          - days_since_reviw: {gt: $days}
          - reviewed: false
      - days_since_created: {gt: 0, lte: $dayz}
    message: "{subject} reviewed {days_since_reveiw} days ago"
    source: src
"""
TESTS = "ruletest: x\n"


def _errors(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "lint-all.yaml"
    path.write_text(text)
    return [p.message for p in lint_file(path, tests=False, engine=False) if p.level == "error"]


def test_every_condition_of_a_rule_is_checked_against_its_fact(tmp_path: Path) -> None:
    errors = _errors(tmp_path, HEAD + TWO_TYPOS)
    assert "rule two_typos: when[0].activ: the fact has no field 'activ'; did you mean 'active'?" in errors
    assert any(e.startswith("rule two_typos: when[1].any[0].days_since_reviw.gt: the fact has no") for e in errors)
    assert any("when[2].days_since_created.lte" in e and "unknown parameter 'dayz'" in e for e in errors), errors
    assert any(e.startswith("rule two_typos: message: {days_since_reveiw}") for e in errors), errors
    assert len(errors) == 4, errors


def test_every_rule_with_mistakes_is_reported(tmp_path: Path) -> None:
    second = TWO_TYPOS.replace("two_typos", "again")
    errors = _errors(tmp_path, HEAD + TWO_TYPOS + second)
    assert len([e for e in errors if e.startswith("rule two_typos:")]) == 4
    assert len([e for e in errors if e.startswith("rule again:")]) == 4


def test_every_schema_error_is_reported_with_its_line(tmp_path: Path) -> None:
    text = (HEAD + TWO_TYPOS).replace("    title: Two typos in one rule\n", "").replace("    source: src\n", "")
    path = tmp_path / "lint-all.yaml"
    path.write_text(text)
    found = [p for p in lint_file(path, tests=False, engine=False) if p.level == "error"]
    messages = [p.message for p in found]
    assert any("required field missing @ $.rules[0].title" in m for m in messages), messages
    assert any("required field missing @ $.rules[0].source" in m for m in messages), messages
    assert all(p.line for p in found)


def test_the_shipped_readiness_ruleset_tests_only_fields_its_facts_have() -> None:
    root = Path(__file__).resolve().parents[2]
    problems = lint_file(root / "rulesets" / "cqc-readiness.yaml", tests=True, engine=False)
    assert [str(p) for p in problems if p.level == "error"] == []
