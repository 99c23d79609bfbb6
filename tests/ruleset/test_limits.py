"""What the loader refuses because it would crash, hang or cost too much later: one line, with the line."""

from __future__ import annotations

import pytest

from mipr_rules.engine.compile import pattern_problem
from mipr_rules.errors import RulesetError
from mipr_rules.ruleset.loader import parse_ruleset
from mipr_rules.ruleset.templates import template_problem

HEAD = """id: {id}
version: "1.0"
framework: SAF_2024_12
title: Tiny
kind: readiness
effective_from: 2024-01-01
sources: [{{id: src, title: A source}}]
rules:
  - id: r
    title: R
    fact: plan
    source: src
    message: {message}
    when:
      - {when}
"""


def ruleset(id: str = "tiny", message: str = "'{subject}'", when: str = "{days: {gt: 1}}") -> str:
    return HEAD.format(id=id, message=message, when=when)


def refusal(text: str) -> str:
    with pytest.raises(RulesetError) as info:
        parse_ruleset(text, "tiny.yaml")
    message = str(info.value)
    assert "\n" not in message and len(message) < 300
    return message


def nested(depth: int) -> str:
    flow = "{active: true}"
    for _ in range(depth):
        flow = "{any: [" + flow + ", {days: 1}]}"
    return flow


def test_a_small_ruleset_loads() -> None:
    assert parse_ruleset(ruleset(when=nested(8)), "tiny.yaml").id == "tiny"


def test_any_nested_400_deep_is_refused_not_a_recursion_error() -> None:
    assert refusal(ruleset(when=nested(400))) == "tiny.yaml:15:135: invalid YAML: nested more than 40 levels deep"


def test_any_nested_past_the_engine_limit_is_refused_naming_the_rule() -> None:
    assert refusal(ruleset(when=nested(12))) == "tiny.yaml:15: rule r: when[0]: any/all groups nested more than 8 deep"


def test_a_megabyte_id_is_refused_without_echoing_it() -> None:
    message = refusal(ruleset(id="a" * 1_000_000))
    assert message.startswith("tiny.yaml:1: ") and "aaaa" not in message and len(message) < 200, message


@pytest.mark.parametrize(("when", "message"), [
    ("{days: {gt: .inf}}", "numbers must be finite"),
    ("{days: {lt: .nan}}", "numbers must be finite"),
    ("{days: {eq: 100000000000000000000}}", "numbers must be finite and at most 1e+15 in size"),
    ("{subject: {matches: '" + ".*" * 150 + "'}}", "pattern longer than 200 characters"),
    ("{subject: {matches: '" + ".*" * 21 + "'}}", "21 repetition operators; at most 20"),
    ("{subject: {matches: '" + "(" * 11 + "a" + ")" * 11 + "'}}", "11 groups; at most 10"),
    ("{subject: {matches: '(a*)*'}}", "a repeated group that itself repeats"),
    ("{subject: {matches: 'a{1000}'}}", "counted repetition above 20"),
])
def test_conditions_that_break_the_engine_are_refused_at_load(when: str, message: str) -> None:
    text = refusal(ruleset(when=when))
    assert text.startswith("tiny.yaml:15: rule r: when[0].")
    assert message in text


@pytest.mark.parametrize(("template", "message"), [
    ("'{subject:>999999999}'", "width or precision above 100"),
    ("'{subject:.99999}'", "width or precision above 100"),
    ("'{subject[99999]}'", "a field is a plain name"),
    ("'{subject.__class__}'", "a field is a plain name"),
    ("'{}'", "a field is a plain name"),
    ("'{subject:{days}}'", "nested fields in a format spec"),
    ("'{subject!a}'", "conversion !a"),
    ("'{subject'", "malformed template"),
])
def test_costly_or_prying_templates_are_refused_at_load(template: str, message: str) -> None:
    text = refusal(ruleset(message=template))
    assert text.startswith("tiny.yaml:13: rule r: message: ")
    assert message in text


def test_ordinary_templates_and_patterns_pass() -> None:
    assert template_problem("{subject:>20} {days!r} {{literal}}") is None
    assert pattern_problem("L%d+(x|y)?") is None
