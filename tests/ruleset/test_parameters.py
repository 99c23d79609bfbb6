"""Parameter values against their declarations: one check for ruleset defaults, ``--config`` and the API."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

from mipr_rules.api import Session
from mipr_rules.config import Config
from mipr_rules.engine.evaluate import Evaluator
from mipr_rules.errors import ConfigError, RulesetError
from mipr_rules.model import Location
from mipr_rules.readiness import run_readiness
from mipr_rules.ruleset.catalogue import Catalogue
from mipr_rules.ruleset.parameters import validate_overrides
from mipr_rules.ruleset.schema import Ruleset


def test_an_api_typo_is_an_error_suggesting_the_closest_name(
    evaluator: Evaluator, sample: Location, as_of: dt.date
) -> None:
    ruleset = Session(evaluator=evaluator).ruleset("cqc-readiness", as_of)
    with pytest.raises(ConfigError) as info:
        run_readiness(
            [sample], as_of=as_of, ruleset=ruleset, evaluator=evaluator, overrides={"care_plan_reveiw_days": 14}
        )
    assert str(info.value) == (
        "overrides for ruleset cqc-readiness.care_plan_reveiw_days: ruleset cqc-readiness has no parameter "
        "'care_plan_reveiw_days'; did you mean 'care_plan_review_days'?"
    )


def test_an_api_value_of_the_wrong_type_names_the_parameter_and_type_not_the_ruleset_file(
    evaluator: Evaluator, cqc_ruleset: Ruleset
) -> None:
    with pytest.raises(ConfigError) as info:
        evaluator.compile(cqc_ruleset, {"care_plan_review_days": "28"}, Location)
    message = str(info.value)
    assert message.endswith("care_plan_review_days: expected integer, got str")
    assert "cqc-readiness.yaml" not in message


def test_api_and_config_give_the_same_verdict(cqc_ruleset: Ruleset) -> None:
    bad = {"medication_audit_days": -100}
    with pytest.raises(ConfigError) as api:
        validate_overrides(cqc_ruleset, bad, "api")
    with pytest.raises(ConfigError) as config:
        Config(parameters={"cqc-readiness": bad}, path="provider.yaml").overrides_for(cqc_ruleset)
    from_config = str(config.value).removeprefix("provider.yaml: parameters.cqc-readiness")
    assert str(api.value).removeprefix("api") == from_config
    assert str(api.value).endswith("medication_audit_days: -100 is below the minimum 1")


@pytest.mark.parametrize(("overrides", "message"), [
    ({"training_refresh_months": {"moving_and_handling": "soon"}}, "moving_and_handling: expected integer, got str"),
    ({"training_refresh_months": {"fire_safety": 0}}, "fire_safety: 0 is below the minimum 1"),
    ({"required_courses": [[1, 2]]}, "item 0: expected string, got list"),
    ({"required_courses": "fire_safety"}, "expected list, got str"),
    ({"medication_error_window_days": 999999}, "999999 is above the maximum 1096"),
    ({"care_plan_review_days": math.inf}, "expected integer, got float"),
    ({"care_plan_review_days": True}, "expected integer, got bool"),
    ({"care_plan_review_days": 10**40}, "the value is above the maximum 1826"),
])
def test_wrong_shapes_and_bounds_are_refused(cqc_ruleset: Ruleset, overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        validate_overrides(cqc_ruleset, overrides, "where")
    assert str(info.value).endswith(message)


def test_values_within_the_declarations_pass(cqc_ruleset: Ruleset) -> None:
    good = {"care_plan_review_days": 1826, "required_courses": [], "training_refresh_months": {"x": 120}}
    assert validate_overrides(cqc_ruleset, good, "where") == good


def test_every_shipped_parameter_is_bounded() -> None:
    unbounded = [
        f"{r.id}.{name}"
        for r in Catalogue.installed().rulesets
        for name, p in r.parameters.items()
        if (p.type in ("integer", "number") and (p.minimum is None or p.maximum is None))
        or (p.type in ("list", "mapping") and p.items is None)
    ]
    assert unbounded == []


def test_medication_audit_interval_is_at_least_a_day(cqc_ruleset: Ruleset) -> None:
    assert cqc_ruleset.parameters["medication_audit_days"].minimum == 1
    assert (cqc_ruleset.parameters["medication_error_window_days"].maximum or 0) <= 3 * 366


HEAD = """id: tiny
version: "1.0"
framework: SAF_2024_12
title: Tiny
kind: readiness
effective_from: 2024-01-01
sources: [{id: src, title: A source}]
parameters:
  extra: {description: x, %s}
rules:
  - {id: r, title: R, fact: plan, source: src, when: [{days: {gt: 1}}]}
"""


@pytest.mark.parametrize(("declaration", "message"), [
    ("default: 5, type: integer, items: string", "items (the type of a list's items"),
    ("default: [a], type: list, items: list", "items (the type of a list's items"),
    ("default: [[1]], type: list, items: string", "item 0: expected string, got list"),
    ("default: {a: soon}, type: mapping, items: integer", "a: expected integer, got str"),
    ("default: 5, minimum: 10, maximum: 1", "5 is below the minimum 10"),
    ("default: 5, minimum: 1, maximum: 0", "5 is above the maximum 0"),
    ("default: .inf, type: number", "expected a finite number"),
])
def test_ruleset_declarations_are_checked_at_load(declaration: str, message: str) -> None:
    from mipr_rules.ruleset.loader import parse_ruleset

    with pytest.raises(RulesetError) as info:
        parse_ruleset(HEAD % declaration, "tiny.yaml")
    assert str(info.value).startswith("tiny.yaml:9: parameter extra: ")
    assert message in str(info.value)
