"""cqc-readiness covers all 34 SAF quality statements and every failing issue 13 names, each with a public source."""

from __future__ import annotations

import functools
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from mipr_rules.convert import unstructure
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.ruletest.lint import public_host

Mipr = Callable[..., subprocess.CompletedProcess[str]]
ROOT = Path(__file__).resolve().parents[2]

STATEMENTS = {
    "Safe": [f"S{n}" for n in range(1, 9)],
    "Effective": [f"E{n}" for n in range(1, 7)],
    "Caring": [f"C{n}" for n in range(1, 6)],
    "Responsive": [f"R{n}" for n in range(1, 8)],
    "Well-led": [f"W{n}" for n in range(1, 9)],
}

FAILINGS = {
    "MAR gaps and errors": ["mar_exception_open"],
    "controlled-drug checks": ["controlled_drugs_check_overdue"],
    "PRN protocols": ["prn_protocol_missing"],
    "covert medication without a best-interests decision": ["covert_medication_without_best_interests"],
    "MCA assessments": ["best_interests_not_recorded", "capacity_assessment_review_overdue"],
    "DoLS authorisations expiring or conditions unmet": ["dols_expired", "dols_expiring", "dols_conditions_not_met"],
    "DoLS outcomes not notified": ["dols_outcome_not_notified"],
    "fire safety": ["peep_missing", "peep_review_overdue", "fire_drill_overdue", "fire_alarm_test_overdue"],
    "notifications of service disruption": ["service_disruption_not_notified"],
    "staffing against a dependency tool": ["staffing_below_dependency", "staffing_review_overdue"],
    "Schedule 3 recruitment checks beyond DBS": [
        "recruitment_checks_not_recorded", "employment_history_incomplete", "references_missing",
        "right_to_work_not_checked", "health_declaration_missing",
    ],
    "nutrition and hydration": ["nutrition_screening_overdue", "weight_loss_not_acted_on"],
    "pressure-area care": ["pressure_risk_not_assessed"],
    "falls follow-up": ["fall_not_followed_up"],
    "whistleblowing": ["whistleblowing_policy_review_overdue"],
    "duty of candour": ["duty_of_candour_not_met"],
    "Oliver McGowan training": ["learning_disability_autism_training_missing"],
    "Care Certificate": ["care_certificate_overdue"],
    "a person with no care plan": ["no_care_plan"],
    "audit actions left open": ["audit_actions_open"],
    "feedback acted on": ["feedback_not_acted_on"],
    "advance care plans and reviews": ["advance_care_plan_not_offered", "advance_care_plan_review_overdue"],
    "Accessible Information Standard": ["communication_needs_not_recorded"],
    "complaints handled in time": ["complaint_not_acknowledged", "complaint_response_overdue"],
}


@pytest.fixture(scope="module")
def shown() -> dict[str, object]:
    """What ``mipr rules show cqc-readiness --format json`` prints (the command is run once, below)."""
    ruleset = Catalogue.installed().get("cqc-readiness")
    return json.loads(json.dumps(unstructure(ruleset), default=str))  # type: ignore[no-any-return]


def test_the_command_prints_the_ruleset_as_json(mipr: Mipr, shown: dict[str, object]) -> None:
    done = mipr("rules", "show", "cqc-readiness", "--format", "json")
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert {k: v for k, v in printed.items() if k != "path"} == {k: v for k, v in shown.items() if k != "path"}


@functools.cache
def _tested_rules() -> frozenset[str]:
    suite = yaml.safe_load((ROOT / "rulesets" / "cqc-readiness.tests.yaml").read_text(encoding="utf-8"))
    return frozenset(e["rule"] for case in suite["cases"] for e in case.get("expect", []))


def test_rules_show_maps_rules_to_all_34_quality_statements(shown: dict[str, object]) -> None:
    rules = shown["rules"]
    assert isinstance(rules, list)
    mapped: dict[str, set[str]] = {}
    for rule in rules:
        maps_to = rule["maps_to"]
        mapped.setdefault(maps_to["key_question"], set()).add(maps_to["quality_statement"])
    for key_question, statements in STATEMENTS.items():
        assert sorted(mapped.get(key_question, set())) == sorted(statements), key_question
    assert sum(len(s) for s in mapped.values()) == 34


def test_every_statement_letter_matches_its_key_question(shown: dict[str, object]) -> None:
    for rule in shown["rules"]:  # type: ignore[attr-defined]
        maps_to = rule["maps_to"]
        assert maps_to["quality_statement"] in STATEMENTS[maps_to["key_question"]], rule["id"]


@pytest.mark.parametrize("failing", sorted(FAILINGS))
def test_each_failing_named_in_issue_13_has_a_tested_rule_with_a_public_source(
    shown: dict[str, object], failing: str
) -> None:
    rules = {r["id"]: r for r in shown["rules"]}  # type: ignore[attr-defined]
    sources = {s["id"]: s for s in shown["sources"]}  # type: ignore[attr-defined]
    tested = _tested_rules()
    for rule_id in FAILINGS[failing]:
        rule = rules[rule_id]
        source = sources[rule["source"]]
        assert source["url"] and public_host(source["url"]) and source["section"], rule_id
        assert rule_id in tested, f"{rule_id} has no test case that expects it"


def test_caring_and_responsive_rules_say_what_they_cannot_judge(shown: dict[str, object]) -> None:
    for rule in shown["rules"]:  # type: ignore[attr-defined]
        statement = rule["maps_to"]["quality_statement"]
        if statement[0] == "C" or rule["id"] in {"feedback_not_acted_on", "communication_needs_not_recorded",
                                                  "advance_care_plan_not_offered", "equality_outcomes_review_overdue",
                                                  "communication_support_not_arranged", "hospital_passport_missing"}:
            assert rule["description"].startswith("Cannot judge"), rule["id"]


def test_every_policy_figure_is_a_parameter_with_a_source(shown: dict[str, object]) -> None:
    sources = {s["id"] for s in shown["sources"]}  # type: ignore[attr-defined]
    for name, parameter in shown["parameters"].items():  # type: ignore[attr-defined]
        assert parameter["source"] in sources, name
