"""Cases run through the real engine; results are matched partially; failures show expected, actual and why."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from mipr_rules.ruletest.runner import CaseResult

Mipr = Callable[..., subprocess.CompletedProcess[str]]
Run = Callable[[Path], list[CaseResult]]

OVERDUE = """
- name: overdue care plan
  given:
    inline:
      people:
        - person_id: R1
          care_plans: [{plan_id: CP1, created: 2026-01-05, last_reviewed: 2026-10-04}]
  expect:
    - rule: care_plan_review_overdue
      subject: person:R1/care_plan:CP1
      facts: {days_since_review: %s}
      fields: {severity: high, parameters: {care_plan_review_days: 28}}
  only_expected: true
"""


def test_a_case_that_holds_passes(tests_file: Callable[..., Path], run_file: Run) -> None:
    (result,) = run_file(tests_file(OVERDUE % 29))
    assert result.status == "passed", "\n".join(result.lines())
    assert [h.rule_id for h in result.hits] == ["care_plan_review_overdue"]


def test_a_failing_case_shows_expected_actual_and_the_difference(tests_file: Callable[..., Path],
                                                                 run_file: Run) -> None:
    (result,) = run_file(tests_file(OVERDUE % 30))
    assert result.status == "failed"
    text = "\n".join(result.lines())
    assert "expected result missing: care_plan_review_overdue fired, but not as expected" in text
    assert 'expected: care_plan_review_overdue on person:R1/care_plan:CP1 with facts {"days_since_review": 30}' in text
    assert "actual:   care_plan_review_overdue on person:R1/care_plan:CP1: Care plan person:R1/care_plan:CP1" in text
    assert "differs:  person:R1/care_plan:CP1: facts.days_since_review: expected 30, got 29" in text


def test_a_rule_that_did_not_fire_is_explained_from_the_engine(tests_file: Callable[..., Path], run_file: Run) -> None:
    path = tests_file("""
        - name: not overdue yet
          given:
            inline:
              people:
                - person_id: R1
                  care_plans: [{plan_id: CP1, created: 2026-01-05, last_reviewed: 2026-10-06}]
          expect:
            - {rule: care_plan_review_overdue, subject: "person:R1/care_plan:CP1"}
    """)
    (result,) = run_file(path)
    failure = result.failures[0]
    assert failure.kind == "missing" and failure.explanation is not None
    lines = failure.lines()
    assert "    actual:   (nothing)" in lines
    assert any("✓ active is true — active = true" in line for line in lines)
    assert any("✗ days since review is more than 28 days (care_plan_review_days) — days_since_review = 27; "
               "threshold 28: 1 below" in line for line in lines)


def test_expect_not_and_only_expected_report_what_fired_and_why(tests_file: Callable[..., Path], run_file: Run) -> None:
    path = tests_file("""
        - name: nothing should fire
          given:
            inline:
              staff: [{staff_id: S1, role: carer, started: 2026-10-03}]
          parameters: {required_courses: []}
          expect_not:
            - {rule: dbs_missing}
          only_expected: true
    """)
    (result,) = run_file(path)
    kinds = [f.kind for f in result.failures]
    assert kinds == ["unexpected", "extra"]
    text = "\n".join(result.lines())
    assert "unexpected result: dbs_missing fired 1 time(s)" in text
    assert "dbs_missing fired on staff:S1: Staff staff:S1 has no DBS check on record" in text
    assert "✓ has dbs is false — has_dbs = false" in text


def test_subject_wildcards_and_counts(tests_file: Callable[..., Path], run_file: Run) -> None:
    path = tests_file("""
        - name: every required course missing
          given:
            inline:
              staff: [{staff_id: S1, role: carer, started: 2026-10-03, dbs: {issued: 2026-09-01}}]
          expect:
            - {rule: training_missing, subject: "staff:S1/training:*", count: 8}
            - {rule: training_expired, count: 0}
        - name: wrong count
          given:
            inline:
              staff: [{staff_id: S1, role: carer, started: 2026-10-03, dbs: {issued: 2026-09-01}}]
          expect:
            - {rule: training_missing, subject: "staff:S1/training:*", count: 7}
    """)
    first, second = run_file(path)
    assert first.status == "passed", "\n".join(first.lines())
    assert second.status == "failed"
    assert second.failures[0].kind == "count"
    assert second.failures[0].message == "expected 7 matching result(s), got 8"


def test_given_facts_bypass_the_calculators(tests_file: Callable[..., Path], run_file: Run) -> None:
    path = tests_file("""
        - name: measured facts straight to the engine
          given:
            facts:
              - {type: care_plan, subject: "cp:1", active: true, days_since_review: 29}
              - {type: care_plan, subject: "cp:2", active: true, days_since_review: 28}
          expect:
            - {rule: care_plan_review_overdue, subject: "cp:1", partition: given}
          only_expected: true
    """)
    (result,) = run_file(path)
    assert result.status == "passed", "\n".join(result.lines())


def test_fixtures_are_read_by_adapters_relative_to_the_test_file(
    tests_file: Callable[..., Path], run_file: Run, tmp_path: Path
) -> None:
    sample = Path(str(resources.files("mipr_rules") / "samples" / "sunrise-house"))
    shutil.copy(sample / "location.json", tmp_path / "home.json")
    shutil.copytree(sample / "csv", tmp_path / "exports")
    path = tests_file("""
        - name: a JSON fixture
          given: {fixture: home.json}
          expect: [{rule: supervision_overdue, subject: "staff:S11", partition: 1-000000001}]
        - name: a CSV folder, read by the named adapter
          given: {fixture: exports, adapter: file}
          expect: [{rule: supervision_overdue, subject: "staff:S11"}]
        - name: the bundled sample
          given: {sample: sunrise-house}
          expect: [{rule: death_not_notified, subject: "incident:INC-0901"}]
    """)
    results = run_file(path)
    assert [r.status for r in results] == ["passed"] * 3, "\n".join(line for r in results for line in r.lines())


def test_a_ruleset_beside_the_test_file_is_the_one_tested(tests_file: Callable[..., Path], run_file: Run,
                                                            tmp_path: Path) -> None:
    shipped = Path(str(resources.files("mipr_rules.rulesets") / "cqc-readiness.yaml"))
    text = shipped.read_text().replace("care_plan_review_days: {default: 28", "care_plan_review_days: {default: 35")
    (tmp_path / "cqc-readiness.yaml").write_text(text)
    (result,) = run_file(tests_file(OVERDUE % 29))
    assert result.status == "failed"  # 29 days is no longer overdue under the local ruleset
    assert result.hits == ()


def test_cli_exit_codes_and_keyword_selection(tests_file: Callable[..., Path], mipr: Mipr) -> None:
    path = tests_file((OVERDUE % 29) + (OVERDUE % 30).replace("overdue care plan", "wrong count of days"))
    done = mipr("rules", "test", str(path))
    assert done.returncode == 1
    assert f"{path} .F" in done.stdout
    assert f"FAILED {path}:" in done.stdout and "wrong count of days" in done.stdout
    assert done.stdout.rstrip().endswith("1 passed, 1 failed, 0 error(s) in 1 file(s)")
    done = mipr("rules", "test", str(path), "-k", "overdue and not wrong")
    assert done.returncode == 0, done.stdout
    assert done.stdout.rstrip().endswith("1 passed, 0 failed, 0 error(s) in 1 file(s)")
    done = mipr("rules", "test", str(path), "-k", "overdue and (")
    assert done.returncode == 2
    assert "-k" in done.stderr


def test_a_case_that_cannot_run_is_an_error_with_exit_2(tests_file: Callable[..., Path], mipr: Mipr,
                                                          tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('{"location_id": "1-X", "name": "X"}')
    path = tests_file("- name: unreadable fixture\n  given: {fixture: broken.json}\n  only_expected: true\n")
    done = mipr("rules", "test", str(path), "--format", "json")
    assert done.returncode == 2
    report = json.loads(done.stdout)
    (case,) = report["cases"]
    assert case["status"] == "error"
    assert case["error"] == f"{tmp_path / 'broken.json'}: required field missing @ $.provider"


def test_ruleset_option_selects_test_files(tests_file: Callable[..., Path], mipr: Mipr) -> None:
    path = tests_file(OVERDUE % 29)
    assert mipr("rules", "test", str(path), "--ruleset", "cqc-readiness").stdout.count(".") >= 1
    done = mipr("rules", "test", str(path), "--ruleset", "saf-rating-2024", "--format", "json")
    assert json.loads(done.stdout)["summary"]["cases"] == 0
