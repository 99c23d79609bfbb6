"""The mipr-2025 ruleset: every rule judges one of the 13 criteria, its sources are cited, it lints clean,
its own test cases pass with every rule covered, and changing any one parameter fails one of them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pluggy
import pytest
import yaml

from mipr_rules import plugins
from mipr_rules.api import Session
from mipr_rules.mipr import review_plugin
from mipr_rules.mipr.criteria import CRITERION_IDS
from mipr_rules.mipr.review import SCORE_FACT, check_review_ruleset
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.ruleset.schema import Ruleset
from mipr_rules.ruletest.examples import find_tests_file
from mipr_rules.ruletest.lint import lint_file
from mipr_rules.ruletest.mutate import mutations
from mipr_rules.ruletest.runner import Runner

PLUGIN = "mipr_rules.mipr.review_plugin"


def plugin_manager() -> pluggy.PluginManager:
    """The installed plugins, with the review and panel calculators (until ``DEFAULT_PLUGINS`` lists them)."""
    pm = plugins.make_plugin_manager()
    if not pm.has_plugin(PLUGIN):
        pm.register(review_plugin, name=PLUGIN)
    return pm


@pytest.fixture(scope="module")
def runner() -> Iterator[Runner]:
    with Session(pm=plugin_manager(), processes=1) as session, session.rule_tests() as engine:
        yield engine


def _ruleset(ruleset_id: str) -> Ruleset:
    return Catalogue.installed().get(ruleset_id)


def test_every_rule_judges_one_criterion_and_every_criterion_is_judged() -> None:
    ruleset = _ruleset("mipr-2025")
    check_review_ruleset(ruleset)
    assert ruleset.kind == "mipr" and ruleset.framework == "MIPR_2025"
    judged = {r.maps_to.mipr_criterion for r in ruleset.rules if r.fact != SCORE_FACT}
    assert judged == set(CRITERION_IDS)
    for rule in ruleset.rules:
        if rule.fact == SCORE_FACT:
            assert rule.maps_to.mipr_criterion is None and rule.emit["result"] in ("gate", "limit")
            continue
        deduction = rule.emit["deduction"]
        assert deduction == 0 or deduction in ("{minor_deduction}", "{major_deduction}"), rule.id
        # A rule is a note (severity info) exactly when it neither deducts, caps nor measures below 4.
        lowers = deduction != 0 or "cap" in rule.emit or "ceiling" in rule.emit or rule.emit.get("basis", 4) != 4
        assert lowers == (rule.severity != "info"), rule.id


def test_every_criterion_has_a_rule_that_measures_it() -> None:
    """A criterion is scored only when measured (``emit.basis``); the rules say what measures each one."""
    ruleset = _ruleset("mipr-2025")
    measured = {r.maps_to.mipr_criterion for r in ruleset.rules if "basis" in r.emit}
    assert measured == set(CRITERION_IDS)


def test_criteria_only_people_can_judge_have_an_always_human_rule() -> None:
    ruleset = _ruleset("mipr-2025")
    always = [r for r in ruleset.rules if r.when == ({"findings": {"gte": 0}},) and r.fact == "mipr_report"]
    assert {r.maps_to.mipr_criterion for r in always} == {
        "characteristics.objectivity_impartiality",
        "characteristics.value_to_provider",
    }
    assert all(r.emit == {"deduction": 0, "needs_human": True} for r in always)


def test_sources_cite_ccaf_by_publisher_and_say_what_is_policy() -> None:
    ruleset = _ruleset("mipr-2025")
    sources = {s.id: s for s in ruleset.sources}
    assert sources["ccaf-mipr"].publisher == "C-CAF" and sources["ccaf-mipr"].url is None
    assert all(s.confidence in ("V-primary", "V-secondary", "UNVERIFIED") for s in sources.values())
    assert {"ccaf-unpublished", "saf-scoring"} <= set(sources)
    assert sources["ccaf-unpublished"].confidence == "UNVERIFIED" and sources["ccaf-unpublished"].basis == "policy"
    assert "C-CAF PUBLISHES NO WEIGHTS" in ruleset.description
    for name, parameter in ruleset.parameters.items():
        assert parameter.source in sources, name


@pytest.mark.parametrize("ruleset_id", ["mipr-2025", "mipr-panel-2025"])
def test_the_ruleset_lints_clean(ruleset_id: str) -> None:
    assert [str(p) for p in lint_file(Path(_ruleset(ruleset_id).path), plugin_manager())] == []


@pytest.mark.parametrize("ruleset_id", ["mipr-2025", "mipr-panel-2025"])
def test_its_own_cases_pass_and_fire_every_rule(runner: Runner, ruleset_id: str) -> None:
    ruleset = _ruleset(ruleset_id)
    path = find_tests_file(ruleset)
    assert path is not None
    results = [result for result, _ in runner.run_suite(runner.load(path))]
    assert results and not [line for r in results for line in r.lines()]
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    expected = {e["rule"] for case in cases for e in case.get("expect", [])}
    assert {r.id for r in ruleset.rules} <= expected


@pytest.mark.parametrize("ruleset_id", ["mipr-2025", "mipr-panel-2025"])
def test_changing_any_one_parameter_fails_a_case(runner: Runner, ruleset_id: str) -> None:
    ruleset = _ruleset(ruleset_id)
    path = find_tests_file(ruleset)
    assert path is not None
    suite = runner.load(path)
    survivors = []
    for mutation in mutations(ruleset):
        results = [result for result, _ in runner.run_suite(suite, ruleset=mutation.ruleset)]
        assert not [r for r in results if r.status == "error"], mutation.description
        if not any(r.status == "failed" for r in results):
            survivors.append(mutation.description)
    assert survivors == []
