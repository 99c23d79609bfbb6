"""The pytest plugin: vendors run rule-test files from their own suites, with mipr-rules fixtures.

Each test runs pytest in a child process on a project written to tmp_path (the plugin is installed with
mipr-rules, so it is active there as it is for any vendor), and reads the outcome from its JUnit XML.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import junitparser

HEAD = """\
ruleset: cqc-readiness
as_of: 2026-11-02
base: {location_id: 1-T, name: Home, provider: {provider_id: P}, registered_manager_id: S1,
       audits: [], feedback: [], evidence: []}
cases:
"""
PASSING = """\
  - name: a missing DBS is found
    parameters: {required_courses: []}
    given: {inline: {staff: [{staff_id: S1, role: carer, started: 2026-10-03}]}}
    expect: [{rule: dbs_missing, subject: "staff:S1"}]
"""
FAILING = """\
  - name: this expectation is wrong
    parameters: {required_courses: []}
    given: {inline: {staff: [{staff_id: S1, role: carer, started: 2026-10-03}]}}
    expect: [{rule: dbs_missing, subject: "staff:S2"}]
"""
OWN_TESTS = '''
import datetime as dt

import pytest

from mipr_rules import clock


def test_plugin_manager_has_the_vendor_plugin(mipr_plugin_manager):
    assert mipr_plugin_manager.has_plugin("vendor_plugin")


def test_evaluator_uses_it(mipr_evaluator, mipr_plugin_manager):
    assert mipr_evaluator.pm is mipr_plugin_manager


def test_as_of_from_the_ini(mipr_as_of):
    assert mipr_as_of == dt.date(2026, 11, 2)
    assert clock.today() == mipr_as_of


@pytest.mark.mipr_as_of("2025-01-15")
def test_as_of_from_the_marker(mipr_as_of):
    assert mipr_as_of == dt.date(2025, 1, 15) == clock.today()


def test_today_is_back_after_the_fixture():
    assert clock.today() == dt.date.today()
'''


def run_pytest(project: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], junitparser.JUnitXml]:
    report = project / "report.xml"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--junitxml={report}", *args],
        cwd=project, capture_output=True, text=True, timeout=300, check=False,
    )
    return done, junitparser.JUnitXml.fromfile(str(report))


def outcomes(xml: junitparser.JUnitXml) -> dict[str, str]:
    found = {}
    for suite in xml:
        for case in suite:
            kinds = [type(r).__name__.lower() for r in case.result]
            found[case.name] = kinds[0] if kinds else "passed"
    return found


def project(tmp_path: Path, ini: str = "") -> Path:
    (tmp_path / "pytest.ini").write_text("[pytest]\nfilterwarnings = error\n" + textwrap.dedent(ini))
    (tmp_path / "vendor_plugin.py").write_text('"""A vendor\'s mipr-rules plugin (no hooks needed here)."""\n')
    return tmp_path


def test_rule_test_files_are_collected_and_run_as_pytest_items(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "home.tests.yaml").write_text(HEAD + PASSING + FAILING)
    (root / "other.tests.yaml").write_text("tool: not mipr-rules\nsteps: [1, 2]\n")
    done, xml = run_pytest(root)
    assert done.returncode == 1, done.stdout + done.stderr
    assert outcomes(xml) == {"a missing DBS is found": "passed", "this expectation is wrong": "failure"}
    assert "expected result missing: dbs_missing fired, but not as expected" in done.stdout
    assert "differs:  staff:S1: subject: expected staff:S2, got staff:S1" in done.stdout
    assert "home.tests.yaml:10: this expectation is wrong" in done.stdout  # the case's own line
    assert "other.tests.yaml" not in done.stdout


def test_a_malformed_file_is_a_collection_error_naming_file_and_line(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "bad.tests.yaml").write_text(HEAD + PASSING.replace("dbs_missing", "dbs_misisng"))
    done, _ = run_pytest(root)
    assert done.returncode == 2, done.stdout
    line = next(n for n, text in enumerate((root / "bad.tests.yaml").read_text().splitlines(), 1) if "misisng" in text)
    assert f"{root / 'bad.tests.yaml'}:{line}: unknown rule id 'dbs_misisng' in ruleset cqc-readiness; did you mean " \
           "'dbs_missing'?" in done.stdout
    assert "Traceback" not in done.stdout


def test_fixtures_for_a_plugin_manager_and_a_frozen_as_of_date(tmp_path: Path) -> None:
    root = project(tmp_path, "mipr_rules_plugins = vendor_plugin\nmipr_rules_as_of = 2026-11-02\n")
    (root / "test_own.py").write_text(OWN_TESTS)
    done, xml = run_pytest(root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert set(outcomes(xml).values()) == {"passed"} and len(outcomes(xml)) == 5


def test_collection_can_be_turned_off(tmp_path: Path) -> None:
    root = project(tmp_path, "mipr_rules_collect = false\n")
    (root / "home.tests.yaml").write_text(HEAD + FAILING)
    (root / "test_nothing.py").write_text("def test_nothing():\n    pass\n")
    done, xml = run_pytest(root)
    assert done.returncode == 0, done.stdout
    assert outcomes(xml) == {"test_nothing": "passed"}
