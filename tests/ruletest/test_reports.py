"""``--format json`` (the documented contract), ``--format junit`` (accepted by JUnit parsers) and coverage."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import junitparser

from mipr_rules.ruletest.runner import Runner
from mipr_rules.ruletest.session import run_tests

Mipr = Callable[..., subprocess.CompletedProcess[str]]

CASES = """
- name: supervision overdue
  parameters: {required_courses: []}
  given:
    inline:
      staff: [{staff_id: S1, role: carer, started: 2026-04-16, dbs: {issued: 2026-04-01},
               recruitment: {employment_history_complete: true, gaps_explained: true, references: 2,
                             right_to_work_checked: 2020-01-01, health_declaration: true},
               training: [{course: oliver_mcgowan, completed: 2026-04-20}],
               supervisions: [{held: 2026-08-02}]}]
  expect: [{rule: supervision_overdue, subject: "staff:S1", facts: {days_since_supervision: 92}}]
  only_expected: true
- name: deliberately wrong <&> "quoted"
  parameters: {required_courses: []}
  given:
    inline:
      staff: [{staff_id: S1, role: carer, started: 2026-04-16, dbs: {issued: 2026-04-01},
               recruitment: {employment_history_complete: true, gaps_explained: true, references: 2,
                             right_to_work_checked: 2020-01-01, health_declaration: true},
               training: [{course: oliver_mcgowan, completed: 2026-04-20}],
               supervisions: [{held: 2026-08-03}]}]
  expect: [{rule: supervision_overdue, subject: "staff:S1"}]
"""


def test_json_report_follows_the_documented_contract(tests_file: Callable[..., Path], mipr: Mipr) -> None:
    path = tests_file(CASES)
    done = mipr("rules", "test", str(path), "--format", "json", "--coverage")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert set(report) == {"kind", "ok", "summary", "cases", "coverage", "threshold"}
    assert report["kind"] == "rules-test" and report["ok"] is False and report["threshold"] is None
    assert report["summary"] == {"files": 1, "cases": 2, "passed": 1, "failed": 1, "errors": 0}
    passed, failed = report["cases"]
    assert set(passed) == {"file", "line", "name", "ruleset", "status", "failures", "error", "results", "duration"}
    assert passed["ruleset"] == {"id": "cqc-readiness", "version": "1.1.0"}
    assert passed["results"] == [{"rule": "supervision_overdue", "subject": "staff:S1", "partition": "1-T",
                                  "message": "Staff staff:S1 last supervised 92 days ago (policy: every 91 days)"}]
    (failure,) = failed["failures"]
    assert set(failure) == {"kind", "message", "expected", "actual", "differences", "explanation"}
    assert failure["kind"] == "missing"
    explanation = failure["explanation"]
    assert explanation["mode"] == "why-not" and explanation["rule"] == "supervision_overdue"
    (item,) = explanation["items"]
    (condition,) = item["conditions"]
    assert condition == {"path": "when[0]", "held": False, "distance": 0.0, "children": [],
                         "condition": "days since supervision is more than 91 days (supervision_interval_days)",
                         "detail": "days_since_supervision = 91; threshold 91: equal"}
    (coverage,) = report["coverage"]
    assert coverage["ruleset"]["id"] == "cqc-readiness" and coverage["cases"] == 2
    assert coverage["rules"]["fired"] == 1 and coverage["rules"]["fired_in_cases"] == {"supervision_overdue": 1}
    assert "dbs_missing" in coverage["rules"]["never_fired"]
    assert set(coverage["conditions"]) == {"total", "false_in_some_case", "never_false", "never_true", "not_evaluated"}


def test_junit_output_is_accepted_by_junit_parsers(tests_file: Callable[..., Path], mipr: Mipr,
                                                   tmp_path: Path) -> None:
    path = tests_file(CASES)
    out = tmp_path / "report.xml"
    done = mipr("rules", "test", str(path), "--format", "junit", "-o", str(out), "--coverage")
    assert done.returncode == 1
    assert done.stdout.strip() == "1 passed, 1 failed, 0 error(s) in 1 file(s)"
    root = ET.parse(out).getroot()
    assert root.tag == "testsuites" and root.get("tests") == "2" and root.get("failures") == "1"
    xml = junitparser.JUnitXml.fromfile(str(out))
    (suite,) = list(xml)
    assert suite.tests == 2 and suite.failures == 1 and suite.errors == 0
    cases = {case.name: case for case in suite}
    assert set(cases) == {"supervision overdue", 'deliberately wrong <&> "quoted"'}
    assert cases["supervision overdue"].is_passed
    (failure,) = cases['deliberately wrong <&> "quoted"'].result
    assert isinstance(failure, junitparser.Failure)
    assert failure.message == "expected result missing: supervision_overdue did not fire"
    assert "days_since_supervision = 91; threshold 91: equal" in (failure.text or "")
    props = {p.name: p.value for p in suite.properties()}  # type: ignore[no-untyped-call]
    assert props["ruleset"] == "cqc-readiness 1.1.0"


def test_threshold_fails_under_the_percentage(tests_file: Callable[..., Path], mipr: Mipr) -> None:
    path = tests_file(CASES.split("- name: deliberately")[0])
    done = mipr("rules", "test", str(path), "--threshold", "100")
    assert done.returncode == 1
    assert "Rule coverage under 100%: cqc-readiness 1.1.0 (1.1%)" in done.stdout
    assert mipr("rules", "test", str(path), "--threshold", "1").returncode == 0


def test_coverage_counts_rules_fired_and_conditions_never_false(runner: Runner,
                                                                tests_file: Callable[..., Path]) -> None:
    path = tests_file(CASES.split("- name: deliberately")[0])
    report = run_tests(runner, [path], coverage=True)
    (coverage,) = report.coverage or ()
    assert coverage.fired == {"supervision_overdue": 1}
    never_false = {(c.rule_id, c.path) for c in coverage.never_false}
    # the home has one member of staff, supervised 92 days ago: supervision_overdue's condition held for her
    assert ("supervision_overdue", "when[0]") in never_false
    # ... and "employed more than 91 days" held too, but "never supervised" was false for her
    assert ("supervision_never_held", "when[1]") in never_false
    assert ("supervision_never_held", "when[0]") not in never_false
    assert ("care_plan_review_overdue", "when[0]") in {(c.rule_id, c.path) for c in coverage.not_evaluated}
    text = report.text()
    assert "  cqc-readiness 1.1.0: 1/87 rules fired (1.1%) in 1 case(s);" in text
    assert "    never false: supervision_overdue when[0]: days since supervision is more than 91 days" in text


def test_shipped_rulesets_reach_full_rule_coverage(mipr: Mipr) -> None:
    done = mipr("rules", "test", "--coverage", "--threshold", "100", timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    assert "Rule coverage of every ruleset is at least 100%" in done.stdout
