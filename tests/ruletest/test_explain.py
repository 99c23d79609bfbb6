"""Explanations: ``mipr rules explain``, ``readiness --explain`` and the reusable ``explain()``."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.engine.probes import compile_probes, run_probes
from mipr_rules.errors import RulesetError
from mipr_rules.explain import ExplainRequest, explain, parse_explain
from mipr_rules.model import Location
from mipr_rules.ruleset.schema import Ruleset

Mipr = Callable[..., subprocess.CompletedProcess[str]]


def test_rules_explain_says_what_a_rule_checks_with_parameters_source_and_example(mipr: Mipr) -> None:
    done = mipr("rules", "explain", "care_plan_review_overdue")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("care_plan_review_overdue — Care plan review overdue\n"
                          "ruleset cqc-readiness 1.1.0 (SAF_2024_12); severity high\n")
    assert "Fires on each care_plan fact (A person's care plan) when all of these hold:\n" \
           "  - active is true\n  - days since review is more than 28 days (care_plan_review_days)\n" in out
    assert "  care_plan_review_days = 28 days (policy) — Longest gap between formal care plan reviews" in out
    assert "Source: Health and Social Care Act 2008 (Regulated Activities) Regulations 2014 (SI 2014/2936), " \
           "regulation 9: Person-centred care [V-secondary]\n" \
           "  https://www.legislation.gov.uk/uksi/2014/2936/regulation/9\n  section: regulation 9(3)(a)-(b)" in out
    assert "  basis: policy — No review interval is set in law" in out
    assert "Maps to: key_question: Effective, quality_statement: E1, evidence_category: processes" in out
    assert "Example (test case 'care plan reviewed 29 days ago is overdue, 28 days ago is not' in " in out
    assert "  person:R1/care_plan:CP1: Care plan person:R1/care_plan:CP1 last reviewed 29 days ago" in out


def test_rules_explain_json_with_a_providers_parameters(mipr: Mipr, tmp_path: Path) -> None:
    config = tmp_path / "provider.yaml"
    config.write_text("parameters:\n  cqc-readiness:\n    care_plan_review_days: 30\n")
    done = mipr("rules", "explain", "care_plan_review_overdue", "--config", str(config), "--format", "json",
                "--no-example")
    data = json.loads(done.stdout)
    assert data["parameters"] == [{
        "name": "care_plan_review_days", "value": 30, "default": 28, "overridden": True, "unit": "days",
        "policy": True, "description": "Longest gap between formal care plan reviews", "source": "care-plan-review",
    }]
    assert data["conditions"][1]["condition"] == "days since review is more than 30 days (care_plan_review_days)"
    assert data["conditions"][1]["held"] is None
    assert data["example"] is None
    assert data["source"]["id"] == "care-plan-review" and data["fact"]["type"] == "care_plan"


def test_rules_explain_unknown_rule_suggests_one(mipr: Mipr) -> None:
    done = mipr("rules", "explain", "care_plan_review_overdeu")
    assert done.returncode == 2
    assert done.stderr.strip() == ("mipr: error: no installed ruleset has a rule 'care_plan_review_overdeu'; "
                                   "did you mean 'care_plan_review_overdue'?")


def test_readiness_explain_says_why_each_alert_fired(mipr: Mipr, sample_json: Path) -> None:
    done = mipr("readiness", "--source", str(sample_json), "--as-of", "2026-11-02", "--explain")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Why for 1-000000001 (23 results):" in out
    assert "  supervision_overdue fired on staff:S11: Staff staff:S11 last supervised 120 days ago" in out
    assert ("    ✓ days since supervision is more than 91 days (supervision_interval_days) — "
            "days_since_supervision = 120; threshold 91: 29 above") in out
    # an any-group says which alternative held
    assert "        ✗ days since last is not recorded — days_since_last = 120" in out


@pytest.mark.parametrize("form", [["--explain=why-not", "care_plan_review_overdue"],
                                  ["--explain", "why-not:care_plan_review_overdue"],
                                  ["--explain=why-not care_plan_review_overdue"]])
def test_readiness_explain_why_not_says_which_condition_failed_and_by_how_much(
    mipr: Mipr, sample_json: Path, form: list[str]
) -> None:
    done = mipr("readiness", "--source", str(sample_json), "--as-of", "2026-11-02", *form, "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["kind"] == "readiness" and len(report["locations"][0]["alerts"]) == 23
    (why_not,) = report["explanations"]
    assert why_not["mode"] == "why-not" and why_not["rule"] == "care_plan_review_overdue"
    assert why_not["fired_on"] == ["person:R07/care_plan:CP-R07"]
    closest = why_not["items"][0]
    assert closest["fired"] is False
    failed = [c for c in closest["conditions"] if c["held"] is False]
    assert len(failed) == 1 and failed[0]["detail"].startswith("days_since_review = 2")
    assert failed[0]["detail"].endswith("below")
    distances = [next(c["distance"] for c in item["conditions"] if c["held"] is False) for item in why_not["items"]]
    assert distances == sorted(distances, reverse=True)  # closest to firing first
    assert why_not["omitted"] == 39 - 10


def test_readiness_explain_why_not_an_unknown_rule_is_exit_2(mipr: Mipr, sample_json: Path) -> None:
    done = mipr("readiness", "--source", str(sample_json), "--as-of", "2026-11-02", "--explain=why-not", "nope_rule")
    assert done.returncode == 2
    assert done.stderr.strip() == "mipr: error: ruleset cqc-readiness has no rule 'nope_rule'"


def test_explain_option_values() -> None:
    assert parse_explain("why") == ExplainRequest()
    assert parse_explain("why-not x") == parse_explain("why-not:x") == parse_explain("why-not=x")
    assert parse_explain("why-not x") == ExplainRequest("why-not", "x")


def test_explain_is_reusable_on_an_evaluation(evaluator: Evaluator, sample: Location, as_of: dt.date,
                                              cqc_ruleset: Ruleset) -> None:
    compiled = evaluator.compile(cqc_ruleset, None, Location)
    (evaluation,) = evaluator.run(compiled, [(sample.location_id, sample)], as_of)
    why = explain(compiled, evaluation.facts, evaluation.hits, evaluator=evaluator, partition=evaluation.key)
    assert [item.rule_id for item in why.items] == [h.rule_id for h in evaluation.hits]
    assert all(item.fired and all(c.held for c in item.checks) for item in why.items)
    why_not = explain(compiled, evaluation.facts, evaluation.hits, evaluator=evaluator,
                      why_not="dbs_recheck_due", subject="staff:S05")
    (item,) = why_not.items
    assert item.subject == "staff:S05" and not item.fired
    assert "\n".join(why_not.lines()).startswith("Why not dbs_recheck_due:\n  it fired on 1 fact(s): staff:S18")
    with pytest.raises(RulesetError, match="has no rule 'dbs_recheck_du'; did you mean 'dbs_recheck_due'"):
        explain(compiled, evaluation.facts, evaluation.hits, evaluator=evaluator, why_not="dbs_recheck_du")


def test_a_rule_fires_on_a_fact_exactly_when_all_its_top_level_probes_hold(
    evaluator: Evaluator, sample: Location, as_of: dt.date, cqc_ruleset: Ruleset
) -> None:
    """The probes are the engine's own answers: they agree with the rules on every fact of the sample home."""
    compiled = evaluator.compile(cqc_ruleset, None, Location)
    (evaluation,) = evaluator.run(compiled, [(sample.location_id, sample)], as_of)
    results = run_probes(evaluator.pool, compile_probes(compiled), "sample", list(evaluation.facts))
    fired = {(h.rule_id, h.subject) for h in evaluation.hits}
    checked = 0
    for rule in cqc_ruleset.rules:
        top = [p for p in results.probes.for_rule(rule.id) if p.top]
        for fact in results.facts_of(rule.fact):
            checked += 1
            assert all(results.holds(p, fact) for p in top) == ((rule.id, fact["subject"]) in fired), (rule.id, fact)
    assert checked > 1000
