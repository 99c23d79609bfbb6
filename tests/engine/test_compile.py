"""The compiler: conditions become single-pattern durable-rules rules, and every shape that crashes, hangs
or silently misbehaves in durable-rules is refused when the ruleset is compiled, naming the rule."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mipr_rules.convert import unstructure
from mipr_rules.engine.compile import (
    MAX_MATCHES_PER_FACT,
    MAX_RULES,
    CompiledRuleset,
    compile_ruleset,
)
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.engine.worker import EnginePool, Job
from mipr_rules.errors import RulesetError
from mipr_rules.model import Location
from mipr_rules.ruleset.schema import Ruleset

FIELDS = {
    "plan": {
        "type": "string",
        "subject": "string",
        "days": "integer",
        "active": "boolean",
        "kind": "string",
        "reviewed": "date",
        "score": "number",
    }
}


def _rules(count: int, fact: str = "plan") -> list[dict[str, Any]]:
    return [{"id": f"r{i:03d}", "fact": fact, "when": [{"days": {"gt": i}}]} for i in range(count)]


def _spread(count: int) -> list[dict[str, Any]]:
    """``count`` rules spread over fact types, 40 per type (under the per-type branch limit)."""
    return [{"id": f"r{i:03d}", "fact": f"t{i // 40}", "when": [{"days": {"gt": i}}]} for i in range(count)]


def _leaves(node: Any) -> Iterator[tuple[str, Any]]:
    """Every (field, operand) comparison in a compiled expression."""
    if isinstance(node, list):
        for item in node:
            yield from _leaves(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in ("$and", "$or"):
                yield from _leaves(value)
            elif key.startswith("$"):
                yield from ((field, operand) for field, operand in value.items())
            else:
                yield key, value


# --- the shipped ruleset ----------------------------------------------------------------------------------


def test_the_shipped_ruleset_compiles_against_the_declared_facts(
    cqc_ruleset: Ruleset, evaluator: Evaluator
) -> None:
    compiled = evaluator.compile(cqc_ruleset, subject_type=Location)
    assert len(compiled.rule_by_key) == len(cqc_ruleset.rules)
    assert {rule.id for rule in compiled.rule_by_key.values()} == {rule.id for rule in cqc_ruleset.rules}


# --- join rules: the language cannot express them ------------------------------------------------------


def test_every_rule_compiles_to_exactly_one_pattern_whose_first_test_is_the_fact_type(
    cqc_ruleset: Ruleset,
) -> None:
    definition = json.loads(compile_ruleset(cqc_ruleset).definition_json)
    assert len(definition) == len(cqc_ruleset.rules)
    for key, rule in definition.items():
        assert list(rule) == ["all"], key
        (pattern,) = rule["all"]
        assert list(pattern) == ["m"], key
        first = pattern["m"]["$and"][0]
        assert first == {"type": compile_ruleset(cqc_ruleset).rule_by_key[key].fact}


def test_a_condition_cannot_refer_to_another_fact(compiled_rules: Callable[..., CompiledRuleset]) -> None:
    with pytest.raises(RulesetError, match=r"unknown parameter 'first\.days'"):
        compiled_rules([{"id": "join", "fact": "plan", "when": [{"days": {"gt": "$first.days"}}]}])


# --- undefined aliases: every operand is a constant -------------------------------------------------------


def test_compiled_operands_are_constants_never_references(cqc_ruleset: Ruleset) -> None:
    definition = json.loads(compile_ruleset(cqc_ruleset).definition_json)
    leaves = [leaf for rule in definition.values() for leaf in _leaves(rule["all"][0]["m"])]
    assert leaves
    for field, operand in leaves:
        assert not isinstance(operand, (dict, list)), (field, operand)
        assert not (isinstance(operand, str) and operand.startswith("$")), (field, operand)


def test_a_literal_dollar_is_written_twice(compiled_rules: Callable[..., CompiledRuleset]) -> None:
    compiled = compiled_rules([{"id": "cost", "fact": "plan", "when": [{"kind": "$$5 fee"}]}])
    assert json.loads(compiled.definition_json)["r0"]["all"][0]["m"]["$and"][1] == {"kind": "$5 fee"}


# --- rule counts that hang create_ruleset ---------------------------------------------------------------


@pytest.mark.parametrize("count", [MAX_RULES + 1, 513, 600])
def test_too_many_rules_are_refused(compiled_rules: Callable[..., CompiledRuleset], count: int) -> None:
    with pytest.raises(RulesetError, match=f"{count} rules, more than {MAX_RULES}"):
        compiled_rules(_spread(count))


def test_the_most_rules_allowed_load_and_run_in_the_engine(
    compiled_rules: Callable[..., CompiledRuleset],
) -> None:
    compiled = compiled_rules(_spread(MAX_RULES))
    facts = [{"id": f"f{t}", "type": f"t{t}", "days": 10_000} for t in range(MAX_RULES // 40)]
    with EnginePool(1, timeout=60) as pool:  # a hang in create_ruleset shows as a reported timeout
        (result,) = pool.run([Job("many", compiled.name, compiled.definition_json, facts)])
    assert result.error is None
    assert len(result.matches) == MAX_RULES


# --- error 303: more than 64 matches per fact -----------------------------------------------------------


def test_more_than_64_rules_on_one_fact_type_are_refused(
    compiled_rules: Callable[..., CompiledRuleset],
) -> None:
    compiled_rules(_rules(MAX_MATCHES_PER_FACT))
    with pytest.raises(RulesetError, match=f"65 rule branches on fact type 'plan'.*{MAX_MATCHES_PER_FACT}"):
        compiled_rules(_rules(MAX_MATCHES_PER_FACT + 1))


def test_alternatives_count_as_branches(compiled_rules: Callable[..., CompiledRuleset]) -> None:
    either = [{"any": [{"days": {"gt": 1}}, {"active": False}]}]
    compiled_rules([{"id": f"r{i}", "fact": "plan", "when": either} for i in range(32)])
    with pytest.raises(RulesetError, match="66 rule branches"):
        compiled_rules([{"id": f"r{i}", "fact": "plan", "when": either} for i in range(33)])
    three = [{"kind": {"in": ["a", "b", "c"]}}]
    with pytest.raises(RulesetError, match="66 rule branches"):
        compiled_rules([{"id": f"r{i}", "fact": "plan", "when": three} for i in range(22)])


def test_the_branch_limit_is_per_fact_type(compiled_rules: Callable[..., CompiledRuleset]) -> None:
    compiled = compiled_rules(_rules(64, "plan") + [dict(r, id=f"s{r['id']}") for r in _rules(64, "staff")])
    assert len(compiled.rule_by_key) == 128


# --- absence-only rules ---------------------------------------------------------------------------------


def test_an_absence_only_rule_is_never_absence_only(compiled_rules: Callable[..., CompiledRuleset]) -> None:
    compiled = compiled_rules([{"id": "missing", "fact": "plan", "when": [{"reviewed": {"exists": False}}]}])
    expression = json.loads(compiled.definition_json)["r0"]["all"][0]["m"]
    assert expression == {"$and": [{"type": "plan"}, {"$nex": {"reviewed": 1}}]}


# --- regexes ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pattern", [r"\d+", r"^\w+$", r"a\sb", r"\D"])
def test_perl_style_regex_classes_are_refused_with_the_lua_hint(
    compiled_rules: Callable[..., CompiledRuleset], pattern: str
) -> None:
    with pytest.raises(RulesetError, match=r"rule coded: when\[0\]\.kind\.matches: .*Lua-style classes \(%d"):
        compiled_rules([{"id": "coded", "fact": "plan", "when": [{"kind": {"matches": pattern}}]}])


def test_lua_style_regexes_match_in_the_engine(compiled_rules: Callable[..., CompiledRuleset]) -> None:
    compiled = compiled_rules([{"id": "coded", "fact": "plan", "when": [{"kind": {"matches": "%d+"}}]}])
    facts = [{"id": "f0", "type": "plan", "kind": "12345"}, {"id": "f1", "type": "plan", "kind": "abc"}]
    with EnginePool(1, timeout=60) as pool:
        (result,) = pool.run([Job("re", compiled.name, compiled.definition_json, facts)])
    assert result.matches == [("r0", "f0")]


# --- loose equality ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"days": True}, "field 'days' is integer, compared with bool True"),
        ({"days": {"gt": False}}, "field 'days' is integer, compared with bool False"),
        ({"days": "28"}, "field 'days' is integer, compared with str '28'"),
        ({"active": 1}, "field 'active' is boolean, compared with int 1"),
        ({"active": "true"}, "field 'active' is boolean, compared with str 'true'"),
        ({"kind": 1}, "field 'kind' is string, compared with int 1"),
        ({"kind": {"in": ["falls", 2]}}, "field 'kind' is string, compared with int 2"),
        ({"reviewed": "02/11/2026"}, "field 'reviewed' is date, compared with str"),
        ({"score": True}, "field 'score' is number, compared with bool True"),
    ],
)
def test_comparisons_the_engine_would_make_loosely_are_refused(
    compiled_rules: Callable[..., CompiledRuleset], condition: dict[str, Any], message: str
) -> None:
    with pytest.raises(RulesetError, match=message.replace("(", r"\(").replace(")", r"\)")):
        compiled_rules([{"id": "typed", "fact": "plan", "when": [condition]}], fields=FIELDS)


def test_a_parameter_of_the_wrong_type_is_refused_too(compiled_rules: Callable[..., CompiledRuleset]) -> None:
    rules = [{"id": "typed", "fact": "plan", "when": [{"days": {"gt": "$limit"}}]}]
    parameters = {"limit": {"default": True, "type": "boolean", "description": "a flag", "source": "src"}}
    with pytest.raises(RulesetError, match="field 'days' is integer, compared with bool True"):
        compiled_rules(rules, fields=FIELDS, parameters=parameters)


def test_well_typed_comparisons_compile(compiled_rules: Callable[..., CompiledRuleset]) -> None:
    compiled = compiled_rules(
        [
            {
                "id": "typed",
                "fact": "plan",
                "when": [
                    {"days": {"gte": 1.5}},
                    {"active": True},
                    {"kind": "falls"},
                    {"reviewed": {"lt": "2026-11-02"}},
                    {"score": 3},
                ],
            }
        ],
        fields=FIELDS,
    )
    assert len(compiled.rule_by_key) == 1


# --- names and messages -----------------------------------------------------------------------------------


def test_an_unknown_field_is_refused_with_a_suggestion(
    compiled_rules: Callable[..., CompiledRuleset],
) -> None:
    with pytest.raises(
        RulesetError,
        match="rule late: when\\[0\\]\\.dayz\\.gt: the fact has no field 'dayz'; did you mean 'days'\\?",
    ):
        compiled_rules([{"id": "late", "fact": "plan", "when": [{"dayz": {"gt": 1}}]}], fields=FIELDS)


def test_an_unknown_fact_type_is_refused_with_a_suggestion(
    compiled_rules: Callable[..., CompiledRuleset],
) -> None:
    with pytest.raises(RulesetError, match="unknown fact type 'plans'; did you mean 'plan'\\?"):
        compiled_rules([{"id": "late", "fact": "plans", "when": [{"days": {"gt": 1}}]}], fields=FIELDS)


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ([{"days": {"around": 3}}], "unknown operator 'around'"),
        ([{"id": "x"}], "'id' is not a usable field name"),
        ([{"sid": "x"}], "'sid' is not a usable field name"),
        ([{"days": {}}], "empty condition"),
        ([], "expected a non-empty list of conditions"),
        ([{"days": 1, "kind": "x"}], "each condition is a mapping with one key"),
        ([{"kind": {"in": []}}], "in takes a non-empty list"),
        ([{"kind": {"exists": "yes"}}], "exists takes true or false"),
        ([{"days": {"gt": "$nope"}}], "unknown parameter 'nope'"),
        ([{"days": {"gt": [1]}}], "expected a number, text or true/false, got list"),
        ([{"days": {"gt": float("nan")}}], "numbers must be finite"),
    ],
)
def test_malformed_conditions_are_refused_naming_rule_and_place(
    compiled_rules: Callable[..., CompiledRuleset], when: list[Any], message: str
) -> None:
    with pytest.raises(RulesetError) as info:
        compiled_rules([{"id": "bad", "fact": "plan", "when": when}])
    text = str(info.value)
    assert "rule bad: when" in text
    assert message in text
    assert "\n" not in text


# --- compilation never mutates its input (set_rulesets mutates the dict it is given) ------------------------


def test_compiling_twice_gives_identical_output_and_leaves_the_ruleset_unchanged(
    cqc_ruleset: Ruleset,
) -> None:
    before = copy.deepcopy(unstructure(cqc_ruleset))
    overrides = {"care_plan_review_days": 30, "required_courses": ["fire_safety"]}
    overrides_before = copy.deepcopy(overrides)
    first = compile_ruleset(cqc_ruleset, overrides)
    second = compile_ruleset(cqc_ruleset, overrides)
    assert first.definition_json == second.definition_json
    assert first.name == second.name
    assert unstructure(cqc_ruleset) == before
    assert overrides == overrides_before
    assert compile_ruleset(cqc_ruleset).definition_json == compile_ruleset(cqc_ruleset).definition_json


def test_overrides_change_the_engine_side_name(cqc_ruleset: Ruleset) -> None:
    """Workers cache rulesets by name: a different parameter value must never reuse a cached ruleset."""
    default = compile_ruleset(cqc_ruleset)
    stricter = compile_ruleset(cqc_ruleset, {"care_plan_review_days": 14})
    assert default.name != stricter.name
    assert default.name.startswith("cqc-readiness@1.1.0#")
    assert stricter.parameters["care_plan_review_days"] == 14
    assert default.parameters["care_plan_review_days"] == 28
